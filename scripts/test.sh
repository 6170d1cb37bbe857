#!/usr/bin/env bash
# README command 2: installs what is missing, builds, runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
TTQ_SKIP_MNIST=1 bash scripts/install-deps.sh
bash scripts/build.sh
cd build && ctest --output-on-failure -j "$(nproc)" --timeout 900
