#!/usr/bin/env bash
# Regenerates results/REPORT.md and results/report.html with `ttq report`, then
# takes a screenshot of the page's top (the method tables and the first charts)
# with headless Chromium into docs/report.png.
#   scripts/screenshot-report.sh            # uses build/src/cli/ttq
#   TTQ=build-x/src/cli/ttq CHROMIUM=/usr/bin/chromium scripts/screenshot-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TTQ=${TTQ:-build/src/cli/ttq}
[ -x "$TTQ" ] || { echo "error: $TTQ not found (run scripts/build.sh, or set TTQ=path/to/ttq)" >&2; exit 2; }
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
[ -n "$CHROMIUM" ] || { echo "error: chromium not found (apt-get install chromium, or set CHROMIUM=...)" >&2; exit 2; }

"$TTQ" report --results results --markdown results/REPORT.md --html results/report.html

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# 1280 px wide shows the tables whole; 2000 px tall reaches the first charts.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1280,2000 \
  --screenshot="$PWD/docs/report.png" "file://$PWD/results/report.html" 2>/dev/null >/dev/null
[ -s docs/report.png ] || { echo "error: chromium wrote no screenshot" >&2; exit 1; }
echo "wrote docs/report.png ($(stat -c %s docs/report.png) bytes)"
