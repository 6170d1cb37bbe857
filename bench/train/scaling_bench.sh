#!/usr/bin/env bash
# Data-parallel scaling on this machine: images/s of `ttq train` at 1 and 2 ranks (one
# compute thread each, 127.0.0.1, Gloo) for ResNet-20 and ResNet-18 on Fashion-MNIST, and
# the scaling efficiency = images/s at 2 ranks / (2 x images/s at 1 rank). The global batch
# is the same at 1 and 2 ranks. images/s is rank 0's training loop of one short epoch
# (data loading included, evaluation excluded). Prints and writes one JSON object.
#   scaling_bench.sh TTQ_BINARY OUT.json [STEPS_RESNET20] [STEPS_RESNET18]
set -euo pipefail
ttq=${1:?usage: scaling_bench.sh TTQ_BINARY OUT.json [steps20] [steps18]}
out=${2:?usage: scaling_bench.sh TTQ_BINARY OUT.json [steps20] [steps18]}
steps20=${3:-40}
steps18=${4:-12}
data=${TTQ_SCALING_DATA:-/usr/share/datasets/fashion-mnist}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {  # model batch steps nproc -> prints images/s
  local model=$1 batch=$2 steps=$3 nproc=$4 dir="$work/$1-$4"
  "$ttq" train --model "$model" --dataset fashion-mnist --data-path "$data" --epochs 1 \
    --batch-size "$batch" --train-limit $((batch * steps)) --test-limit 64 --threads 1 --workers 1 \
    --nproc-per-node "$nproc" --quiet --output-dir "$dir" >/dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["history"][0]["images_per_s"])' "$dir/summary.json"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for spec in "resnet20 128 $steps20" "resnet18 64 $steps18"; do
  set -- $spec
  one=$(run_one "$1" "$2" "$3" 1)
  two=$(run_one "$1" "$2" "$3" 2)
  rows+=("{\"model\": \"$1\", \"global_batch\": $2, \"steps\": $3, \"images_per_s_1rank\": $one, \"images_per_s_2ranks\": $two}")
  echo "$1: 1 rank $one img/s, 2 ranks $two img/s" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
machine=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["machine"]))' "$work/resnet20-1/summary.json")

python3 - "$out" "$machine" "$load_before" "$load_after" "${rows[@]}" <<'PY'
import json, sys, datetime
out, machine, before, after, *rows = sys.argv[1:]
results = []
for r in rows:
    r = json.loads(r)
    r["scaling_efficiency"] = r["images_per_s_2ranks"] / (2 * r["images_per_s_1rank"])
    results.append(r)
doc = {
    "what": "ttq train images/s at 1 and 2 ranks (1 thread each, Gloo on 127.0.0.1), same global batch",
    "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": json.loads(machine),
    "load_average_before": before,
    "load_average_after": after,
    "results": results,
}
text = json.dumps(doc, indent=2)
print(text)
with open(out, "w") as f:
    f.write(text + "\n")
PY
