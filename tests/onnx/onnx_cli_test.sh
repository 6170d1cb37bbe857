#!/usr/bin/env bash
# `ttq export ... -o X.onnx` end to end on a briefly trained network: a tiny ResNet-20 on a
# Fashion-MNIST subset (trained enough that near-ties between classes are rare), exported
# from its run directory and from its .ttq file, both precisions, run in ONNX Runtime:
#   fp32: the runtime's fp32 reference logits within 1e-4 of the largest |logit|;
#   int8: the runtime's (u8) top-1 on >= 99 % of the test images, and ORT's optimized
#         graph holds no float Conv;
# and bad input: one line on stderr, exit status 2, no file left behind.
set -euo pipefail
TTQ="$1"
PARITY="$2"
DATA="${TTQ_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
IMAGES="${TTQ_ONNX_TEST_IMAGES:-2000}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# One epoch of Adam on 8,192 images, one of TTQ on 4,096 (about 77 % top-1). Training is
# deterministic, so the figures below are the same on every run on a given CPU.
common=(--model resnet20 --dataset fashion-mnist --data-path "$DATA" -b 64 --threads 2 --quiet --test-limit 64)
"$TTQ" train "${common[@]}" --train-limit 8192 --epochs 1 --opt adam --lr 0.003 --output-dir "$tmp/fp32" >/dev/null
"$TTQ" quantize "${common[@]}" --from "$tmp/fp32" --train-limit 4096 --epochs 1 --lr 0.01 --output-dir "$tmp/ttq" >/dev/null
# 1,024 calibration images: a largest value seen on more images clips fewer outliers, which
# matters more for ONNX Runtime than for the runtime (it also quantizes the residual stream).
"$TTQ" export "$tmp/ttq" -o "$tmp/m.ttq" --calibration-images 1024 >/dev/null

has() { grep -q -- "$1" <<<"$2" || { echo "expected '$1' in: $2"; exit 1; }; }
# From the run directory (LibTorch exports, then converts) and from the model file (no LibTorch).
has "ONNX opset 13, fp32" "$("$TTQ" export "$tmp/ttq" -o "$tmp/run.onnx" --calibration-images 64)"
has "ONNX opset 13, fp32" "$("$TTQ" export "$tmp/m.ttq" -o "$tmp/fp32.onnx")"
has "int8 QDQ" "$("$TTQ" export "$tmp/m.ttq" -o "$tmp/int8.onnx" --onnx-precision int8)"
has "int8 QDQ" "$("$TTQ" export "$tmp/m.ttq" -o "$tmp/int8.model" --format onnx --onnx-precision int8)"
cmp "$tmp/int8.onnx" "$tmp/int8.model"
# fp32 reads no calibration: the same model, whichever way it was reached.
cmp "$tmp/run.onnx" "$tmp/fp32.onnx"

field() { sed -n "s/.*\"$1\":\([-0-9.e]*\).*/\1/p" <<<"$2"; }
check() {  # check DESCRIPTION AWK-CONDITION VALUE
  awk -v v="$3" "BEGIN { exit !($2) }" || { echo "FAIL: $1 ($3)"; exit 1; }
}
parity=(--dataset fashion-mnist --data-path "$DATA" --images "$IMAGES")
fp32=$("$PARITY" "$tmp/m.ttq" "$tmp/fp32.onnx" "${parity[@]}" --precision fp32)
echo "fp32: $fp32"
check "fp32 logits within 1e-4 of the largest" "v <= 1e-4" "$(field relative_logit_error "$fp32")"
check "fp32 predictions all the same" "v == 1" "$(field agreement "$fp32")"
int8=$("$PARITY" "$tmp/m.ttq" "$tmp/int8.onnx" "${parity[@]}" --precision int8 --optimized-model "$tmp/int8.ort.onnx")
echo "int8: $int8"
check "int8 top-1 agrees with the runtime on >= 99 %" "v >= 0.99" "$(field agreement "$int8")"
check "the network learned something (top-1 >= 60 %)" "v >= 0.6" "$(field ttq_top1 "$int8")"
check "ORT ran every conv as QLinearConv (ResNet-20: 19, and 2 shortcuts)" "v == 21" "$(field ort_qlinear_conv "$int8")"
check "ORT ran every residual add as QLinearAdd (9)" "v == 9" "$(field ort_qlinear_add "$int8")"
check "no float Conv left in ORT's graph" "v == 0" "$(field ort_float_conv "$int8")"
check "no float Gemm or MatMul left in ORT's graph" "v == 0" "$(field ort_float_gemm "$int8")"

# Bad input: one line on stderr, exit status 2, and no output file.
printf 'neither a checkpoint nor a model' >"$tmp/junk.bin"
cp "$tmp/junk.bin" "$tmp/junk.bin.ttq"
bad=0
expect_refused() {  # expect_refused DESCRIPTION OUTPUT ARGS...
  local what=$1 out=$2; shift 2
  set +e
  "$TTQ" export "$@" >/dev/null 2>"$tmp/err"
  local status=$?
  set -e
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$status" != 2 ] || [ "$lines" != 1 ] || [ -e "$out" ] || ls "$out".tmp.* >/dev/null 2>&1; then
    echo "FAIL: $what: status $status, $lines stderr lines, output left: $(ls "$out"* 2>/dev/null)"; cat "$tmp/err"; bad=1
  fi
}
expect_refused "unknown --onnx-precision" "$tmp/e1.onnx" "$tmp/m.ttq" -o "$tmp/e1.onnx" --onnx-precision int4
expect_refused "unknown --format" "$tmp/e2.onnx" "$tmp/m.ttq" -o "$tmp/e2.onnx" --format tflite
expect_refused "neither a run nor a model file" "$tmp/e3.onnx" "$tmp/junk.bin" -o "$tmp/e3.onnx"
expect_refused "a missing input" "$tmp/e4.onnx" "$tmp/none" -o "$tmp/e4.onnx"
expect_refused "a corrupt .ttq" "$tmp/e5.onnx" "$tmp/junk.bin.ttq" -o "$tmp/e5.onnx"
expect_refused "--onnx-precision for .ttq output" "$tmp/e6.ttq" "$tmp/m.ttq" -o "$tmp/e6.ttq" --onnx-precision int8
expect_refused "calibration flags for a model file" "$tmp/e7.onnx" "$tmp/m.ttq" -o "$tmp/e7.onnx" --calibration-images 8
expect_refused "an unwritable output" "$tmp/nodir/e8.onnx" "$tmp/m.ttq" -o "$tmp/nodir/e8.onnx"
[ "$bad" = 0 ]
echo "1 passed, 0 failed"
