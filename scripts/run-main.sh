#!/usr/bin/env bash
# README command 1: set up a fresh Debian 12 machine and run the main job on real
# Fashion-MNIST: train ResNet-20 in fp32, TTQ fine-tune it, evaluate both, export
# the 2-bit model file, run it with the standalone runtime and print the results.
# Rerunning resumes.
#   FP32_EPOCHS / TTQ_EPOCHS / THREADS override the defaults (fits ~30 min on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
TTQ=build/src/cli/ttq
DATA=/usr/share/datasets/fashion-mnist
FP32_EPOCHS=${FP32_EPOCHS:-6}
TTQ_EPOCHS=${TTQ_EPOCHS:-3}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-runs/main}

resume_flag() { [ -f "$1/checkpoint.pt" ] && echo "--resume $1" || true; }

$TTQ train --model resnet20 --dataset fashion-mnist --data-path $DATA \
  --epochs "$FP32_EPOCHS" --lr 0.1 --wd 5e-4 --lr-scheduler cosine --pad 2 --hflip \
  --threads "$THREADS" --seed 1 --output-dir "$OUT/fp32" $(resume_flag "$OUT/fp32") > /dev/null
$TTQ quantize --model resnet20 --dataset fashion-mnist --data-path $DATA --from "$OUT/fp32" \
  --epochs "$TTQ_EPOCHS" --lr 0.01 --wd 2e-4 --lr-scheduler cosine --pad 2 --hflip --t 0.05 \
  --threads "$THREADS" --seed 1 --output-dir "$OUT/ttq" $(resume_flag "$OUT/ttq") > /dev/null
$TTQ table "$OUT/fp32" "$OUT/ttq"
# The real 2-bit file, run by the standalone runtime on the whole test set.
$TTQ export "$OUT/ttq" -o "$OUT/resnet20-fashion.ttq"
$TTQ run "$OUT/resnet20-fashion.ttq" --dataset fashion-mnist --data-path $DATA --checkpoint "$OUT/ttq" --threads "$THREADS"
$TTQ bench "$OUT/resnet20-fashion.ttq" --batch-size 1 --threads 1
