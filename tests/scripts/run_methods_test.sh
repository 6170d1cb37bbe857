#!/usr/bin/env bash
# scripts/run-methods.sh against a stand-in `ttq` that logs its arguments and writes
# what a finished run leaves: each suite's commands, the fp32-first order, resume,
# skipping recorded rows and the errors for a bad suite or a missing starting point.
#   tests/scripts/run_methods_test.sh REPO_ROOT
set -euo pipefail
root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/scripts"
cp "$root/scripts/run-methods.sh" "$root/scripts/record-result.sh" "$work/scripts/"
cat > "$work/fake-ttq" <<'FAKE'
#!/usr/bin/env bash
echo "$*" >> "$LOG"
out=
while [ $# -gt 0 ]; do
  case $1 in --output-dir | --resume) out=$2; shift ;; esac
  shift
done
mkdir -p "$out"
touch "$out/checkpoint.pt"
echo '{"top1": 0.99}' > "$out/summary.json"
FAKE
chmod +x "$work/fake-ttq"
export TTQ=$work/fake-ttq LOG=$work/log THREADS=1
cd "$work"

fail() { echo "FAIL: $*" >&2; echo "--- log:" >&2; cat "$LOG" >&2 2>/dev/null || true; exit 1; }
expect_line() {  # N PATTERN: line N of the log matches PATTERN
  sed -n "$1p" "$LOG" | grep -Eq -- "$2" || fail "line $1 of the log does not match '$2'"
}

# A bad suite and a fine-tune without its fp32 row: one-line errors, status 2, nothing run.
set +e
err=$(SUITE=cifar-vgg bash scripts/run-methods.sh fp32 2>&1); rc=$?
[ $rc = 2 ] && grep -q "unknown SUITE 'cifar-vgg'" <<< "$err" || fail "bad suite: rc=$rc, '$err'"
err=$(SUITE=mnist-resnet34 bash scripts/run-methods.sh twn 2>&1); rc=$?
[ $rc = 2 ] && grep -q "runs/mnist-resnet34-fp32/checkpoint.pt not found" <<< "$err" || fail "no fp32: rc=$rc, '$err'"
err=$(AMP=fp8 SUITE=mnist-resnet34 bash scripts/run-methods.sh fp32 2>&1); rc=$?
[ $rc = 2 ] && grep -q "unknown AMP 'fp8'" <<< "$err" || fail "bad AMP: rc=$rc, '$err'"
err=$(SUITE=mnist-resnet34 bash scripts/run-methods.sh nonsense 2>&1); rc=$?
[ $rc = 2 ] && grep -q "unknown method 'nonsense'" <<< "$err" || fail "bad method: rc=$rc, '$err'"
set -e
[ ! -e "$LOG" ] || fail "the errors above ran ttq"

# The ResNet-34 / Fashion-MNIST rows beside the TensorFlow MNIST replication's: fp32 from
# scratch, then TTQ at r = 0.5 from it.
SUITE=fashion-resnet34 bash scripts/run-methods.sh fp32 ttq-sparse50 > /dev/null
[ "$(wc -l < "$LOG")" = 2 ] || fail "expected 2 ttq calls"
expect_line 1 '^train --model resnet34 --dataset fashion-mnist --data-path \S+ --hflip --epochs 2 .*--output-dir runs/fashion-resnet34-fp32$'
expect_line 2 '^quantize --model resnet34 --dataset fashion-mnist .*--epochs 2 --threshold-mode sparsity --sparsity 0.5 --from runs/fashion-resnet34-fp32 --output-dir runs/fashion-resnet34-ttq-sparse50$'
for row in fp32 ttq-sparse50; do
  [ -f results/fashion-resnet34-$row/metrics.json ] || fail "results/fashion-resnet34-$row not recorded"
done

# Recorded rows are not run again.
SUITE=fashion-resnet34 bash scripts/run-methods.sh fp32 ttq-sparse50 > /dev/null
[ "$(wc -l < "$LOG")" = 2 ] || fail "recorded rows ran again"

# An unfinished run resumes; Deep Compression prunes first and starts k-means from it,
# the two stages splitting the suite's epochs.
: > "$LOG"
mkdir -p runs/fashion-resnet34-twn && touch runs/fashion-resnet34-twn/checkpoint.pt
SUITE=fashion-resnet34 bash scripts/run-methods.sh twn kmeans > /dev/null
expect_line 1 '^quantize --model resnet34 .*--quant twn --resume runs/fashion-resnet34-twn$'
expect_line 2 '--epochs 1 --quant prune --prune 0.5 --from runs/fashion-resnet34-fp32 --output-dir runs/fashion-resnet34-prune$'
expect_line 3 '--epochs 1 --quant kmeans --weight-bits 4 --from runs/fashion-resnet34-prune --output-dir runs/fashion-resnet34-kmeans$'

# The MNIST suites take no flips; the default suite keeps its own recipe.
: > "$LOG"
SUITE=mnist-resnet18 bash scripts/run-methods.sh fp32 > /dev/null
expect_line 1 '^train --model resnet18 --dataset mnist --data-path data/mnist --epochs 2 --lr 0.05'
grep -q -- --hflip "$LOG" && fail "MNIST with flips"
# AMP=bf16 reaches every row but those with fake-quantized activations.
: > "$LOG"
rm -rf runs/mnist-resnet18-fp32
AMP=bf16 SUITE=mnist-resnet18 bash scripts/run-methods.sh fp32 twn int8-qat > /dev/null
expect_line 1 '^train --model resnet18 .* --amp bf16 --channels-last --output-dir runs/mnist-resnet18-fp32$'
expect_line 2 '^quantize --model resnet18 .*--quant twn --amp bf16 --channels-last --from runs/mnist-resnet18-fp32 '
expect_line 3 '^quantize --model resnet18 .*--quant int8-qat --act-bits 8 --from '
grep -q -- "int8-qat.*--amp" "$LOG" && fail "AMP reached the INT8 QAT row"
: > "$LOG"
bash scripts/run-methods.sh fp32 bwn > /dev/null
expect_line 1 '^train --model resnet20 --dataset fashion-mnist .*--epochs 10 --lr 0.1 '
expect_line 2 '^quantize --model resnet20 .*--epochs 6 --quant bwn --from runs/fashion-resnet20-fp32 '
# FP32 names another starting point; the method fp32 records it under its own name.
: > "$LOG"
FP32=runs/fashion-resnet20-fp32-rerun bash scripts/run-methods.sh fp32 twn > /dev/null
expect_line 1 '^train --model resnet20 .*--output-dir runs/fashion-resnet20-fp32-rerun$'
expect_line 2 '^quantize --model resnet20 .*--quant twn --from runs/fashion-resnet20-fp32-rerun '
[ -f results/fashion-resnet20-fp32-rerun/metrics.json ] || fail "FP32 run not recorded under its name"
echo "run-methods.sh: all checks passed"
