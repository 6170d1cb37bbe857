#!/usr/bin/env bash
# The whole pipeline through the command line on a tiny MNIST-format data set:
# train fp32 -> quantize (TTQ) -> eval -> export (2 and 1.6 bits) -> info -> run with
# the runtime against the checkpoint -> bench -> table.
set -euo pipefail
TTQ="$1"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
source "$(cd "$(dirname "$0")" && pwd)/tiny_mnist.sh"
tiny_mnist "$tmp/data"  # deterministic tiny MNIST-format images
common=(--model resnet20 --dataset mnist --data-path "$tmp/data" -b 32 --threads 1 --quiet)
"$TTQ" train "${common[@]}" --epochs 1 --output-dir "$tmp/fp32" >/dev/null
"$TTQ" quantize "${common[@]}" --from "$tmp/fp32" --epochs 1 --lr 0.01 --output-dir "$tmp/ttq" >/dev/null
has() { grep -q -- "$1" <<<"$2" || { echo "expected '$1' in: $2"; exit 1; }; }
has '"method": "ttq"' "$("$TTQ" eval "$tmp/ttq")"
"$TTQ" export "$tmp/ttq" -o "$tmp/m2.ttq" --calibration-images 64
"$TTQ" export "$tmp/ttq" -o "$tmp/m16.ttq" --encoding ternary1.6 --calibration-images 64
has ternary2 "$("$TTQ" info "$tmp/m2.ttq")"
has ternary1.6 "$("$TTQ" info "$tmp/m16.ttq")"
[ "$(stat -c %s "$tmp/m16.ttq")" -lt "$(stat -c %s "$tmp/m2.ttq")" ]
out=$("$TTQ" run "$tmp/m2.ttq" --dataset mnist --data-path "$tmp/data" --checkpoint "$tmp/ttq")
echo "$out"
agreement=$(echo "$out" | sed -n 's/.*"agreement": \([0-9.]*\).*/\1/p')
awk -v a="$agreement" 'BEGIN { exit !(a >= 0.9) }' || { echo "runtime agrees with LibTorch on only $agreement"; exit 1; }
# The int8 path against the fp32 reference path: close, and the reference against itself exact.
has '"logit_rms_error_scale_free"' "$("$TTQ" run "$tmp/m2.ttq" --dataset mnist --data-path "$tmp/data" --compare-reference)"
self=$("$TTQ" run "$tmp/m2.ttq" --dataset mnist --data-path "$tmp/data" --reference --compare-reference)
has '"logit_rms_error": 0.0,' "$self"
has '"agreement": 1.0,' "$self"
# --int8-first-conv: the same model with its first conv run in int8 agrees with LibTorch too,
# and the step profile shows that conv as a u8 x s8 GEMM.
"$TTQ" export "$tmp/m2.ttq" -o "$tmp/m2-int8stem.ttq" --int8-first-conv
stem=$("$TTQ" run "$tmp/m2-int8stem.ttq" --dataset mnist --data-path "$tmp/data" --checkpoint "$tmp/ttq")
agreement=$(echo "$stem" | sed -n 's/.*"agreement": \([0-9.]*\).*/\1/p')
awk -v a="$agreement" 'BEGIN { exit !(a >= 0.9) }' || { echo "int8 first conv agrees with LibTorch on only $agreement"; exit 1; }
profile=$("$TTQ" bench "$tmp/m2-int8stem.ttq" --profile --iters 3 --json)
has '"step":"gemm\[u8s8\] conv1' "$profile"
has '"step":"gemm\[f32\] conv1' "$("$TTQ" bench "$tmp/m2.ttq" --profile --iters 3 --json)"
bench=$("$TTQ" bench "$tmp/m2.ttq" --iters 3 --json)
has '"speedup"' "$bench"
# LibTorch's allocations kept on the heap, unless the user has tuned malloc already.
has '"malloc_tuned":true' "$bench"
has '"malloc_tuned":false' "$(MALLOC_MMAP_THRESHOLD_=1048576 "$TTQ" bench "$tmp/m2.ttq" --iters 2 --json --only libtorch)"
# --isa avx2: both sides capped (our kernels at most AVX2, ATen told so too).
capped=$("$TTQ" bench "$tmp/m2.ttq" --iters 2 --json --isa avx2)
has '"isa_cap":"avx2"' "$capped"
if grep -q '"isa":"avx_vnni"\|"isa":"avx512_vnni"\|"isa":"amx_int8"' <<<"$capped"; then echo "--isa avx2 left a wider ISA on: $capped"; exit 1; fi
table=$("$TTQ" table "$tmp/fp32" "$tmp/ttq")
has '| ttq ' "$table"
# Aligned: every line (header, rule, rows) has the same length.
[ "$(awk '{ print length($0) }' <<<"$table" | sort -u | wc -l)" = 1 ] || { echo "misaligned table:"; echo "$table"; exit 1; }
echo "1 passed, 0 failed"
