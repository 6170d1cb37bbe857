#!/usr/bin/env bash
# `ttq export ... -o X.onnx` end to end, both precisions, run in ONNX Runtime:
# - from a run directory and from its .ttq file (a ResNet-20 trained for seconds on tiny
#   MNIST-format images, tests/cli/tiny_mnist.sh): the same models either way;
#   fp32 gives the runtime's fp32 reference logits; ORT fuses every conv of the int8 one;
# - a ResNet-20 trained on Fashion-MNIST (data/fashion-resnet20-ttq.ttq, 88.4 % top-1;
#   a trained network, so that near-ties are rare): int8 top-1 the same as the runtime's
#   on >= 99 % of the 10,000 test images, fp32 within 1e-4 of the largest |logit|;
# - bad input: one line on stderr, exit status 2, no file left behind.
set -euo pipefail
TTQ="$1"
PARITY="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
FASHION="${TTQ_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

has() { grep -q -- "$1" <<<"$2" || { echo "expected '$1' in: $2"; exit 1; }; }
field() { sed -n "s/.*\"$1\":\([-0-9.e]*\).*/\1/p" <<<"$2"; }
check() {  # check DESCRIPTION AWK-CONDITION VALUE
  awk -v v="$3" "BEGIN { exit !($2) }" || { echo "FAIL: $1 ($3)"; exit 1; }
}

# ---- from a run: tiny deterministic MNIST-format data (tests/cli/tiny_mnist.sh).
source "$HERE/../cli/tiny_mnist.sh"
tiny_mnist "$tmp/data"
common=(--model resnet20 --dataset mnist --data-path "$tmp/data" -b 32 --threads 1 --quiet)
"$TTQ" train "${common[@]}" --epochs 1 --output-dir "$tmp/fp32" >/dev/null
"$TTQ" quantize "${common[@]}" --from "$tmp/fp32" --epochs 1 --lr 0.01 --output-dir "$tmp/ttq" >/dev/null
"$TTQ" export "$tmp/ttq" -o "$tmp/m.ttq" --calibration-images 64 >/dev/null
has "ONNX opset 13, fp32" "$("$TTQ" export "$tmp/ttq" -o "$tmp/run.onnx" --calibration-images 64)"
has "ONNX opset 13, fp32" "$("$TTQ" export "$tmp/m.ttq" -o "$tmp/fp32.onnx")"
cmp "$tmp/run.onnx" "$tmp/fp32.onnx"  # the same model, whichever way it was reached
has "int8 QDQ" "$("$TTQ" export "$tmp/ttq" -o "$tmp/run-int8.onnx" --onnx-precision int8 --calibration-images 64)"
has "int8 QDQ" "$("$TTQ" export "$tmp/m.ttq" -o "$tmp/int8.model" --format onnx --onnx-precision int8)"
cmp "$tmp/run-int8.onnx" "$tmp/int8.model"  # the same calibration images: the same scales
tiny=(--dataset mnist --data-path "$tmp/data" --images 64)
out=$("$PARITY" "$tmp/m.ttq" "$tmp/fp32.onnx" "${tiny[@]}" --precision fp32)
check "fp32 from a run: logits within 1e-4 of the largest ($out)" "v <= 1e-4" "$(field relative_logit_error "$out")"
out=$("$PARITY" "$tmp/m.ttq" "$tmp/int8.model" "${tiny[@]}" --precision int8 --optimized-model "$tmp/ort.onnx")
check "int8 from a run: every conv a QLinearConv ($out)" "v == 21" "$(field ort_qlinear_conv "$out")"

# ---- a trained network on real images
model="$HERE/data/fashion-resnet20-ttq.ttq"
"$TTQ" export "$model" -o "$tmp/f20.onnx" >/dev/null
"$TTQ" export "$model" -o "$tmp/f20-int8.onnx" --onnx-precision int8 >/dev/null
fashion=(--dataset fashion-mnist --data-path "$FASHION")
fp32=$("$PARITY" "$model" "$tmp/f20.onnx" "${fashion[@]}" --images 2000 --precision fp32)
echo "fp32: $fp32"
check "fp32 logits within 1e-4 of the largest" "v <= 1e-4" "$(field relative_logit_error "$fp32")"
check "fp32 predictions all the same" "v == 1" "$(field agreement "$fp32")"
int8=$("$PARITY" "$model" "$tmp/f20-int8.onnx" "${fashion[@]}" --images 10000 --precision int8 \
       --optimized-model "$tmp/f20-int8.ort.onnx")
echo "int8: $int8"
check "int8 top-1 agrees with the runtime on >= 99 %" "v >= 0.99" "$(field agreement "$int8")"
check "ORT ran every conv as QLinearConv (ResNet-20: 19, and 2 shortcuts)" "v == 21" "$(field ort_qlinear_conv "$int8")"
check "ORT ran every residual add as QLinearAdd (9)" "v == 9" "$(field ort_qlinear_add "$int8")"
check "no float Conv left in ORT's graph" "v == 0" "$(field ort_float_conv "$int8")"
check "no float Gemm or MatMul left in ORT's graph" "v == 0" "$(field ort_float_gemm "$int8")"

# ---- bad input: one line on stderr, exit status 2, and no output file.
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
