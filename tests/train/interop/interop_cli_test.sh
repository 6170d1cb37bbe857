#!/usr/bin/env bash
# ttq import / export against PyTorch itself: usage interop_cli_test.sh TTQ PYTHON FIXTURES FASHION_MNIST_DIR
# FIXTURES holds make_torchvision_models.py's files.
set -uo pipefail
TTQ=$1 PY=$2 FIX=$3 FASHION=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../cli/expect_exit.sh"
side() { "$PY" "$here/torchvision_side.py" "$@"; }
check() {  # check DESCRIPTION COMMAND...: counts a pass when the command succeeds
  local what=$1; shift
  if "$@" >"$tmp/check" 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; cat "$tmp/check"; fi
}

# torchvision's resnet18 in, and back out in both formats: torchvision loads them strictly
# and computes the same logits, bit for bit.
expect 0 "import torch.save" -- import "$FIX/resnet18.pth" --model resnet18 --output-dir "$tmp/r18"
expect 0 "import safetensors" -- import "$FIX/resnet18.safetensors" --model resnet18 --output-dir "$tmp/r18s"
expect 0 "export .pth" -- export "$tmp/r18" -o "$tmp/back.pth"
expect 0 "export .safetensors" -- export "$tmp/r18s" -o "$tmp/back.safetensors"
check "torchvision loads the .pth export" side same-logits "$FIX/resnet18.pth" "$tmp/back.pth"
check "torchvision loads the .safetensors export" side same-logits "$FIX/resnet18.pth" "$tmp/back.safetensors"

# Bad input: one line, exit 2, nothing written.
side broken "$tmp" "$FIX/resnet18.pth"
echo "not a checkpoint" >"$tmp/text.pth"
expect 2 "wrong architecture" -- import "$FIX/resnet18.pth" --model resnet34 --output-dir "$tmp/bad1"
expect 2 "missing key" -- import "$tmp/missing.pth" --model resnet18 --output-dir "$tmp/bad2"
grep -q "missing layer3.0.downsample.1.running_mean" "$tmp/err" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: missing key not named"; }
expect 2 "extra key" -- import "$tmp/extra.pth" --model resnet18 --output-dir "$tmp/bad3"
grep -q "unexpected head.weight" "$tmp/err" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: extra key not named"; }
expect 2 "pickled module" -- import "$tmp/module.pth" --model resnet18 --output-dir "$tmp/bad4"
expect 2 "not a checkpoint" -- import "$tmp/text.pth" --model resnet18 --output-dir "$tmp/bad5"
expect 2 "no such file" -- import "$tmp/none.pth" --model resnet18 --output-dir "$tmp/bad6"
expect 2 "unknown model" -- import "$FIX/resnet18.pth" --model resnet99 --output-dir "$tmp/bad7"
expect 2 "run directory taken" -- import "$FIX/resnet18.pth" --model resnet18 --output-dir "$tmp/r18"
expect 2 ".ttq-only flag, .pth output" -- export "$tmp/r18" -o "$tmp/x.pth" --encoding ternary2
touch "$tmp/model.ttq"
expect 2 "state dict from a model file" -- export "$tmp/model.ttq" -o "$tmp/x.pth"
for d in bad1 bad2 bad3 bad4 bad5 bad6 bad7; do
  [ -e "$tmp/$d" ] && { fail=$((fail + 1)); echo "FAIL: $d was written"; } || pass=$((pass + 1))
done

# A PyTorch model in, TTQ fine-tuned here, and evaluated back in PyTorch: the same top-1
# as ttq eval on the same images, within one image of 100 (a tiny run; the real one is in results/pytorch-roundtrip).
side small-resnet18 "$tmp/small.pth"
expect 0 "import small-stem resnet18" -- import "$tmp/small.pth" --model resnet18 --input 1x28x28 \
  --dataset fashion-mnist --data-path "$FASHION" --output-dir "$tmp/fp32"
expect 0 "TTQ fine-tune" -- quantize --from "$tmp/fp32" --model resnet18 --dataset fashion-mnist --data-path "$FASHION" \
  --epochs 1 -b 32 --train-limit 128 --test-limit 100 --threads 2 --quiet --output-dir "$tmp/ttq"
expect 0 "export the TTQ run" -- export "$tmp/ttq" -o "$tmp/ttq.pth"
ours=$("$TTQ" eval "$tmp/ttq" --test-limit 100 --threads 2 | sed -n 's/.*"top1": \([0-9.]*\).*/\1/p')
theirs=$(side fashion-top1 "$tmp/ttq.pth" "$FASHION" 100)
if [ -n "$ours" ] && [ -n "$theirs" ] && "$PY" -c "import sys; sys.exit(abs($ours - $theirs) > 0.01)"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL: ttq eval top-1 '$ours' vs PyTorch '$theirs'"
fi

echo "interop cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
