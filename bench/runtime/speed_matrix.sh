#!/usr/bin/env bash
# README's speed table in one go: `ttq bench` (runtime vs LibTorch fp32, side by side in
# one process) for batch 1 and 64, 1 and 2 threads, natively, as an AVX-512 machine without
# AMX (TTQ_ISA=avx512_vnni caps our kernels; LibTorch's fp32 never uses AMX) where the CPU
# has AVX-512 VNNI, and as an AVX2-only machine (`--isa avx2` caps both sides). One JSON
# line per configuration.
#   speed_matrix.sh TTQ_BINARY MODEL.ttq OUT.jsonl [ITERS_BATCH64]
set -euo pipefail
ttq=${1:?usage: speed_matrix.sh TTQ_BINARY MODEL.ttq OUT.jsonl [iters64]}
model=${2:?usage: speed_matrix.sh TTQ_BINARY MODEL.ttq OUT.jsonl [iters64]}
out=${3:?usage: speed_matrix.sh TTQ_BINARY MODEL.ttq OUT.jsonl [iters64]}
iters64=${4:-20}
: >"$out"
levels="native avx2"
grep -q avx512_vnni /proc/cpuinfo && levels="native avx512_vnni avx2"
for level in $levels; do
  isa=$([ "$level" = avx2 ] && echo avx2 || echo native)
  for batch in 1 64; do
    for threads in 1 2; do
      iters=$([ "$batch" = 1 ] && echo 300 || echo "$iters64")
      args=(bench "$model" --isa "$isa" -b "$batch" --threads "$threads" --iters "$iters" --json)
      if [ "$level" = avx512_vnni ]; then line=$(TTQ_ISA=avx512_vnni "$ttq" "${args[@]}"); else line=$("$ttq" "${args[@]}"); fi
      echo "$line" >>"$out"
      python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%-11s batch %2d threads %d: runtime %.3f ms, LibTorch %.3f ms, %.2fx" % (d["isa"] if d["isa_cap"] == "native" else d["isa_cap"] + " cap", d["batch"], d["threads"], d["runtime_ms"], d["libtorch_ms"], d["speedup"]))' "$line"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
