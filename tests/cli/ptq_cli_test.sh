#!/usr/bin/env bash
# `ttq ptq` and `ttq compress`: bad input gives one line on stderr and exit status 2.
set -u
TTQ="$1"
source "$(dirname "$0")/expect_exit.sh"

printf 'not a checkpoint' >"$tmp/bad.pt"
expect 0 "ptq help" -- ptq --help
expect 0 "compress help" -- compress --help
expect 2 "ptq without a checkpoint" -- ptq
expect 2 "ptq missing checkpoint" -- ptq "$tmp/nowhere.pt"
expect 2 "ptq bad method" -- ptq "$tmp/nowhere.pt" --method int3
expect 2 "ptq bad granularity" -- ptq "$tmp/bad.pt" --granularity per-row
expect 2 "ptq symmetric and asymmetric" -- ptq "$tmp/bad.pt" --symmetric --asymmetric
expect 2 "ptq zero calibration images" -- ptq "$tmp/bad.pt" --calib 0
expect 2 "ptq corrupt checkpoint" -- ptq "$tmp/bad.pt"
expect 2 "compress without --output" -- compress "$tmp/bad.pt"
expect 2 "compress missing checkpoint" -- compress "$tmp/nowhere.pt" --output "$tmp/x.ttqdc"
expect 2 "compress corrupt checkpoint" -- compress "$tmp/bad.pt" --output "$tmp/x.ttqdc"
[ ! -e "$tmp/x.ttqdc" ] || { fail=$((fail + 1)); echo "FAIL: a failed compress left a file"; }

echo "ptq cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
