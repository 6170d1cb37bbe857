#!/usr/bin/env bash
# The method tables (README, results/REPORT.md): every baseline fine-tuned (or post-training
# quantized) from the same fp32 run with the same recipe as that suite's TTQ row, each recorded
# under results/<suite>-<method>/. Runs missing results only, so it can be stopped and
# started again (an unfinished run resumes).
#   bash scripts/run-methods.sh [METHOD ...]      (default: all of them)
#   SUITE=DATASET-MODEL: fashion-resnet20 (default), mnist-resnet18, and the TensorFlow MNIST
#   replication's fashion-resnet18, mnist-resnet34, fashion-resnet34; each fine-tunes from
#   runs/SUITE-fp32, which the method fp32 trains (that replication's table: fp32 ttq-sparse50)
#   FP32 (default runs/SUITE-fp32): another fp32 run to start from,
#   EPOCHS (default: the suite's TTQ row, 6 or 2), THREADS (default: all cores),
#   AMP=bf16: every row trains under bf16 autocast, channels-last (2.1-2.2x faster on
#   a CPU with AMX), except those with fake-quantized activations (int8-qat)
#   sweep: the sparsity sweep of Zhu et al. 2017 (TTQ), TTQ in sparsity mode for r = 0 ... 0.5
#   (ttq-r0 ... ttq-r0.5 one at a time), SWEEP_EPOCHS each (default 2);
#   ttq-sparse50: TTQ at r = 0.5 with the full recipe (EPOCHS), to set against TWN
set -euo pipefail
cd "$(dirname "$0")/.."
TTQ=${TTQ:-build/src/cli/ttq}
SUITE=${SUITE:-fashion-resnet20}
THREADS=${THREADS:-$(nproc)}
SWEEP_EPOCHS=${SWEEP_EPOCHS:-2}
SWEEP=(0 0.1 0.2 0.3 0.4 0.5)
# FP32_RECIPE trains the suite's fp32 row; RECIPE is its TTQ row's fine-tuning recipe,
# shared by every quantization-aware baseline.
FP32=${FP32:-runs/$SUITE-fp32}
case $SUITE in
  fashion-resnet20)
    EPOCHS=${EPOCHS:-6}
    FP32_RECIPE=(--model resnet20 --dataset fashion-mnist --data-path /usr/share/datasets/fashion-mnist
                 --epochs 10 --lr 0.1 --wd 5e-4 --lr-scheduler cosine --pad 2 --hflip)
    RECIPE=(--model resnet20 --dataset fashion-mnist --data-path /usr/share/datasets/fashion-mnist --lr 0.02
            --wd 2e-4 --lr-scheduler cosine --pad 2 --hflip) ;;
  mnist-resnet18 | mnist-resnet34 | fashion-resnet18 | fashion-resnet34)
    # The TensorFlow MNIST replication's models: two epochs from scratch, two of
    # fine-tuning (about 15 min an epoch for ResNet-18 on 2 cores here, twice that for ResNet-34).
    EPOCHS=${EPOCHS:-2}
    case $SUITE in
      mnist-*) DATA=(--dataset mnist --data-path data/mnist) ;;
      fashion-*) DATA=(--dataset fashion-mnist --data-path /usr/share/datasets/fashion-mnist --hflip) ;;
    esac
    FP32_RECIPE=(--model "${SUITE#*-}" "${DATA[@]}" --epochs 2 --lr 0.05 --wd 5e-4 --lr-scheduler cosine --pad 2)
    RECIPE=(--model "${SUITE#*-}" "${DATA[@]}" --lr 0.01 --wd 2e-4 --lr-scheduler cosine --pad 2) ;;
  *) echo "error: unknown SUITE '$SUITE' (fashion-resnet20, mnist-resnet18, mnist-resnet34, fashion-resnet18 or fashion-resnet34)" >&2; exit 2 ;;
esac
RECIPE+=(--threads "$THREADS" --seed 1 --quiet)
FP32_RECIPE+=(--threads "$THREADS" --seed 1 --quiet)
AMP_FLAGS=()
case ${AMP:-none} in
  none) ;;
  bf16) AMP_FLAGS=(--amp bf16 --channels-last) ;;
  *) echo "error: unknown AMP '$AMP' (none or bf16)" >&2; exit 2 ;;
esac
have_fp32() {
  [ -f "$FP32/checkpoint.pt" ] || { echo "error: $FP32/checkpoint.pt not found: run the method fp32 first" >&2; exit 2; }
}

# Runs `ttq COMMAND ARGS...` into RUN, or continues RUN where it has a checkpoint
# (--resume takes the rest of the run's configuration from it).
start_or_resume() {  # RUN COMMAND ARGS...
  local run=$1; shift
  if [ -f "$run/checkpoint.pt" ]; then
    $TTQ "$@" --resume "$run" > /dev/null
  else
    $TTQ "$@" --output-dir "$run" > /dev/null
  fi
}

# The suite's fp32 row, trained from scratch; resumes an unfinished run. runs/ is scratch:
# where its checkpoint is gone the row is trained again and its results/ replaced (git
# keeps the old figures), so the fine-tuned rows always name the checkpoint they used.
train_fp32() {
  [ -f $FP32/summary.json ] && { echo "have $FP32"; return; }
  start_or_resume $FP32 train "${FP32_RECIPE[@]}" "${AMP_FLAGS[@]}"
  bash scripts/record-result.sh $FP32 "$(basename $FP32)"
}

finetune() {  # NAME FROM EPOCHS QUANT-FLAGS...
  local name=$1 from=$2 epochs=$3; shift 3
  local run=runs/$SUITE-$name
  [ -f results/$SUITE-$name/metrics.json ] && { echo "have results/$SUITE-$name"; return; }
  have_fp32
  local start=(--from "$from")  # a resumed run already holds its starting weights
  [ -f $run/checkpoint.pt ] && start=()
  start_or_resume $run quantize "${RECIPE[@]}" --epochs "$epochs" "$@" "${AMP_FLAGS[@]}" "${start[@]}"
  bash scripts/record-result.sh $run $SUITE-$name
}

post_training() {  # NAME PTQ-FLAGS...
  local name=$1; shift
  [ -f results/$SUITE-$name/metrics.json ] && { echo "have results/$SUITE-$name"; return; }
  have_fp32
  $TTQ ptq $FP32 "$@" --threads "$THREADS" --output-dir runs/$SUITE-$name > /dev/null
  bash scripts/record-result.sh runs/$SUITE-$name $SUITE-$name
}

# Runs COMMAND... without autocast: ttq refuses it for fake-quantized activations,
# which bf16 would round again.
without_amp() {
  local AMP_FLAGS=()
  "$@"
}

run_method() {
  case $1 in
    fp32) train_fp32 ;;
    twn) finetune twn $FP32 "$EPOCHS" --quant twn ;;
    bwn) finetune bwn $FP32 "$EPOCHS" --quant bwn ;;
    dorefa) finetune dorefa $FP32 "$EPOCHS" --quant dorefa --weight-bits 2 ;;
    int8-qat) without_amp finetune int8-qat $FP32 "$EPOCHS" --quant int8-qat --act-bits 8 ;;
    int8-ptq) post_training int8-ptq --method int8 --granularity per-channel --symmetric ;;
    int8-ptq-per-tensor) post_training int8-ptq-per-tensor --method int8 --granularity per-tensor --asymmetric ;;
    fp16) post_training fp16 --method fp16 ;;
    # Deep Compression: prune, retrain; then k-means (16 shared values), retrain the centroids.
    # The two stages split the TTQ row's epoch budget between them.
    prune) finetune prune $FP32 $((EPOCHS / 2)) --quant prune --prune 0.5 ;;
    kmeans) run_method prune; finetune kmeans runs/$SUITE-prune $((EPOCHS - EPOCHS / 2)) --quant kmeans --weight-bits 4 ;;
    ttq-r*) finetune "$1" $FP32 "$SWEEP_EPOCHS" --threshold-mode sparsity --sparsity "${1#ttq-r}" ;;
    ttq-sparse50) finetune ttq-sparse50 $FP32 "$EPOCHS" --threshold-mode sparsity --sparsity 0.5 ;;
    sweep) for r in "${SWEEP[@]}"; do run_method ttq-r$r; done ;;
    *) echo "error: unknown method '$1'" >&2; exit 2 ;;
  esac
}

methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(int8-ptq int8-ptq-per-tensor fp16 twn bwn dorefa int8-qat prune kmeans)
for m in "${methods[@]}"; do run_method "$m"; done
