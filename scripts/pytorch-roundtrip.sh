#!/usr/bin/env bash
# A ResNet-18 trained in PyTorch, through ttq and back: the experiment of
# results/pytorch-roundtrip (docs/PYTORCH.md). Needs data/mnist (scripts/install-deps.sh)
# and a built tree (scripts/build.sh).
#   bash scripts/pytorch-roundtrip.sh [RUN_DIR=runs/pytorch-roundtrip] [STEPS=300] [TTQ_IMAGES=10000]
# Prints one line per stage and ends with the JSON of results/pytorch-roundtrip/metrics.json.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-runs/pytorch-roundtrip} STEPS=${2:-300} IMAGES=${3:-10000}
TTQ=build/src/cli/ttq PY=/usr/bin/python3 MNIST=data/mnist THREADS=$(nproc)
mkdir -p "$R"
top1() { sed -n 's/.*test top-1 \([0-9.]*\) %.*/\1/p'; }
json() { "$PY" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

[ -f "$R/pytorch.pth" ] || "$PY" examples/python/train_mnist_resnet18.py "$MNIST" "$R/pytorch.pth" --steps "$STEPS" \
  --threads "$THREADS" | tee "$R/pytorch-train.log"
pytorch_fp32=$(top1 <"$R/pytorch-train.log")
[ -f "$R/fp32/checkpoint.pt" ] || "$TTQ" import "$R/pytorch.pth" --model resnet18 --input 1x28x28 --dataset mnist \
  --data-path "$MNIST" --output-dir "$R/fp32"
libtorch_fp32=$("$TTQ" eval "$R/fp32" --threads "$THREADS" | json top1)
echo "fp32: PyTorch $pytorch_fp32 %, LibTorch after import $libtorch_fp32"
[ -f "$R/ttq/summary.json" ] || "$TTQ" quantize --from "$R/fp32" --model resnet18 --dataset mnist --data-path "$MNIST" \
  --epochs 1 --train-limit "$IMAGES" -b 64 --lr 0.01 --wd 2e-4 --t 0.05 --threads "$THREADS" --quiet --output-dir "$R/ttq"
libtorch_ttq=$("$TTQ" eval "$R/ttq" --threads "$THREADS" | json top1)
"$TTQ" export "$R/ttq" -o "$R/ttq.pth"
pytorch_ttq=$("$PY" examples/python/train_mnist_resnet18.py "$MNIST" "$R/ttq.pth" --evaluate | top1)
"$TTQ" export "$R/ttq" -o "$R/ttq.ttq"
"$TTQ" run "$R/ttq.ttq" --dataset mnist --data-path "$MNIST" --checkpoint "$R/ttq" --threads "$THREADS" >"$R/run.json"
runtime_ttq=$(json top1 <"$R/run.json") agreement=$(json agreement <"$R/run.json")
python_ttq=$(PYTHONPATH=build/python "$PY" examples/python/classify.py "$R/ttq.ttq" "$MNIST/t10k-images-idx3-ubyte" \
  --threads "$THREADS" | sed -n 's/.*top-1 \([0-9.]*\)%.*/\1/p')
echo "TTQ: LibTorch $libtorch_ttq, PyTorch (exported .pth) $pytorch_ttq %, runtime $runtime_ttq, Python module $python_ttq %"
"$PY" - "$pytorch_fp32" "$libtorch_fp32" "$libtorch_ttq" "$pytorch_ttq" "$runtime_ttq" "$agreement" "$python_ttq" \
  "$STEPS" "$IMAGES" <<'PYEOF'
import json, sys
a = sys.argv[1:]
print(json.dumps({
    "model": "resnet18 (small-input stem, 1x28x28)", "dataset": "mnist", "test_images": 10000,
    "pytorch_train_steps": int(a[7]), "ttq_finetune_images": int(a[8]),
    "top1_percent": {"pytorch_fp32": float(a[0]), "libtorch_fp32_imported": 100 * float(a[1]),
                     "libtorch_ttq": 100 * float(a[2]), "pytorch_ttq_exported_pth": float(a[3]),
                     "runtime_ttq": 100 * float(a[4]), "python_module_ttq": float(a[6])},
    "runtime_libtorch_agreement": float(a[5])}, indent=2))
PYEOF
