#!/usr/bin/env bash
# Commits a finished run's figures: results/NAME/metrics.json (the run's summary.json:
# model, dataset, method, top1, top5, params, sparsity, epochs, seconds, command,
# machine, per-epoch history) and the per-epoch metrics.jsonl.
#   scripts/record-result.sh RUN_DIR NAME
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 RUN_DIR NAME" >&2; exit 2; }
[ -f "$1/summary.json" ] || { echo "error: $1/summary.json not found (is the run finished?)" >&2; exit 2; }
mkdir -p "results/$2"
cp "$1/summary.json" "results/$2/metrics.json"
# Post-training runs (ttq ptq) have no epochs, so no metrics.jsonl.
if [ -f "$1/metrics.jsonl" ]; then cp "$1/metrics.jsonl" "results/$2/metrics.jsonl"; fi
echo "recorded results/$2"
