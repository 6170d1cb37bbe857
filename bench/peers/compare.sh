#!/usr/bin/env bash
# ttq's runtime against the engines a user could pick instead, on one model file, in one
# run: the model is exported to ONNX (fp32 and int8 QDQ), ONNX Runtime's optimized int8
# graph is checked to be fully fused (no float Conv left), then every cell (batch x
# threads) times, alternating process by process: our runtime, ONNX Runtime int8,
# ONNX Runtime fp32, LibTorch fp32. Each engine runs in its own process, at its best
# (docs/PEERS.md). One JSON line per cell and round in OUT.jsonl, with every ms, the
# ratios, the CPU, our kernel and ONNX Runtime's version.
#
#   bash bench/peers/compare.sh MODEL.ttq [OUT.jsonl]
#   env: BATCHES="1 64" THREADS="1 2" ROUNDS=3 ITERS=<per batch> TTQ=build/src/cli/ttq
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model=${1:?usage: compare.sh MODEL.ttq [OUT.jsonl]}
out=${2:-/dev/null}
ttq=${TTQ:-$root/build/src/cli/ttq}
batches=${BATCHES:-1 64}
threads_list=${THREADS:-1 2}
rounds=${ROUNDS:-3}
[ -x "$ttq" ] || { echo "compare.sh: error: no ttq binary at $ttq (build first, or set TTQ=)" >&2; exit 2; }
[ -f "$model" ] || { echo "compare.sh: error: no such model file: $model" >&2; exit 2; }
[ -d "$here/node_modules/onnxruntime-node" ] || { echo "compare.sh: error: ONNX Runtime is not installed (bash scripts/install-deps.sh)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ttq" export "$model" -o "$tmp/fp32.onnx" --onnx-precision fp32 >/dev/null
"$ttq" export "$model" -o "$tmp/int8.onnx" --onnx-precision int8 >/dev/null

# ONNX Runtime's own optimized int8 graph: every conv must have become a QLinearConv
# (or another integer op); a float Conv left means ORT runs part of it in fp32.
node "$here/ort_bench.js" "$tmp/int8.onnx" --batch 1 --threads 1 --iters 1 --warmup 1 \
  --optimized-model "$tmp/int8.opt.onnx" >/dev/null
ops=$("$ttq" info "$tmp/int8.opt.onnx" --json)
fused=$(/usr/bin/python3 -c '
import json, sys
ops = json.loads(sys.argv[1])["op_counts"]
name = lambda k: k.split(":")[-1]  # ORT puts some ops in com.microsoft ("com.microsoft:QLinearConv")
float_convs = sum(n for k, n in ops.items() if name(k) in ("Conv", "FusedConv", "NhwcFusedConv"))
int8_convs = sum(n for k, n in ops.items() if name(k) == "QLinearConv")
print("yes" if float_convs == 0 and int8_convs > 0 else "no")
print(json.dumps(ops, sort_keys=True), file=sys.stderr)' "$ops" 2>"$tmp/ops.json")
echo "ONNX Runtime's optimized int8 graph: $(cat "$tmp/ops.json")"
if [ "$fused" != yes ]; then
  echo "compare.sh: error: ONNX Runtime left float convolutions in the int8 graph (not fully fused)" >&2
  exit 1
fi

iters_for() { if [ "$1" -le 1 ]; then echo "${ITERS:-200}"; elif [ "$1" -le 8 ]; then echo "${ITERS:-40}"; else echo "${ITERS:-20}"; fi; }

for round in $(seq 1 "$rounds"); do
  for batch in $batches; do
    for threads in $threads_list; do
      iters=$(iters_for "$batch")
      ttq_line=$("$ttq" bench "$model" --only runtime -b "$batch" --threads "$threads" --iters "$iters" --json)
      ort8=$(node "$here/ort_bench.js" "$tmp/int8.onnx" --batch "$batch" --threads "$threads" --iters "$iters" --in-ort)
      ort32=$(node "$here/ort_bench.js" "$tmp/fp32.onnx" --batch "$batch" --threads "$threads" --iters "$iters" --in-ort)
      lt_line=$("$ttq" bench "$model" --only libtorch -b "$batch" --threads "$threads" --iters "$iters" --json)
      /usr/bin/python3 "$here/compare_cell.py" "$round" "$(basename "$model")" "$ttq_line" "$ort8" "$ort32" "$lt_line" "$(cat "$tmp/ops.json")" | tee -a "$out" |
        /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print("round %d  batch %3d  threads %d:  ttq %8.3f ms | ORT int8 %8.3f (%5.2fx) | ORT fp32 %8.3f (%5.2fx) | LibTorch %8.3f (%5.2fx)" % (
    d["round"], d["batch"], d["threads"], d["ttq_ms"], d["ort_int8_ms"], d["vs_ort_int8"], d["ort_fp32_ms"],
    d["vs_ort_fp32"], d["libtorch_ms"], d["vs_libtorch"]))'
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
