#!/usr/bin/env bash
# The method tables of issue 5: every baseline fine-tuned (or post-training quantized)
# from the same fp32 run with the same recipe as that suite's TTQ row, each recorded
# under results/<suite>-<method>/. Runs missing results only, so it can be stopped and
# started again (an unfinished run resumes).
#   bash scripts/run-methods.sh [METHOD ...]      (default: all of them)
#   SUITE=fashion-resnet20 (default; from runs/fashion-resnet20-fp32) or
#   SUITE=mnist-resnet18 (from runs/mnist-resnet18-fp32)
#   EPOCHS (default: the suite's TTQ row, 6 or 2), THREADS (default: all cores)
#   sweep: seed 002's sparsity sweep, TTQ in sparsity mode for r = 0 ... 0.5
#   (ttq-r0 ... ttq-r0.5 one at a time), SWEEP_EPOCHS each (default 2);
#   ttq-sparse50: TTQ at r = 0.5 with the full recipe (EPOCHS), to set against TWN
set -euo pipefail
cd "$(dirname "$0")/.."
TTQ=${TTQ:-build/src/cli/ttq}
SUITE=${SUITE:-fashion-resnet20}
THREADS=${THREADS:-$(nproc)}
SWEEP_EPOCHS=${SWEEP_EPOCHS:-2}
SWEEP=(0 0.1 0.2 0.3 0.4 0.5)
# Each suite's TTQ row's fine-tuning recipe, shared by every quantization-aware baseline.
case $SUITE in
  fashion-resnet20)
    FP32=runs/fashion-resnet20-fp32
    EPOCHS=${EPOCHS:-6}
    RECIPE=(--model resnet20 --dataset fashion-mnist --data-path /usr/share/datasets/fashion-mnist --lr 0.02
            --wd 2e-4 --lr-scheduler cosine --pad 2 --hflip) ;;
  mnist-resnet18)
    FP32=runs/mnist-resnet18-fp32
    EPOCHS=${EPOCHS:-2}
    RECIPE=(--model resnet18 --dataset mnist --data-path data/mnist --lr 0.01 --wd 2e-4 --lr-scheduler cosine
            --pad 2) ;;
  *) echo "error: unknown SUITE '$SUITE' (fashion-resnet20 or mnist-resnet18)" >&2; exit 2 ;;
esac
RECIPE+=(--threads "$THREADS" --seed 1 --quiet)
[ -f "$FP32/checkpoint.pt" ] || { echo "error: $FP32/checkpoint.pt not found: run the fp32 row first (see README)" >&2; exit 2; }

finetune() {  # NAME FROM EPOCHS QUANT-FLAGS...
  local name=$1 from=$2 epochs=$3; shift 3
  local run=runs/$SUITE-$name
  [ -f results/$SUITE-$name/metrics.json ] && { echo "have results/$SUITE-$name"; return; }
  if [ -f $run/checkpoint.pt ]; then
    $TTQ quantize "${RECIPE[@]}" --epochs "$epochs" "$@" --resume $run > /dev/null
  else
    $TTQ quantize "${RECIPE[@]}" --epochs "$epochs" "$@" --from "$from" --output-dir $run > /dev/null
  fi
  bash scripts/record-result.sh $run $SUITE-$name
}

post_training() {  # NAME PTQ-FLAGS...
  local name=$1; shift
  [ -f results/$SUITE-$name/metrics.json ] && { echo "have results/$SUITE-$name"; return; }
  $TTQ ptq $FP32 "$@" --threads "$THREADS" --output-dir runs/$SUITE-$name > /dev/null
  bash scripts/record-result.sh runs/$SUITE-$name $SUITE-$name
}

run_method() {
  case $1 in
    twn) finetune twn $FP32 "$EPOCHS" --quant twn ;;
    bwn) finetune bwn $FP32 "$EPOCHS" --quant bwn ;;
    dorefa) finetune dorefa $FP32 "$EPOCHS" --quant dorefa --weight-bits 2 ;;
    int8-qat) finetune int8-qat $FP32 "$EPOCHS" --quant int8-qat --act-bits 8 ;;
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
