#!/usr/bin/env bash
# Installs what Regent needs from Debian's packages, and nothing else.
# Idempotent: packages already present are not touched and apt is not even asked.
#
#   scripts/install-deps.sh           what building and testing need (the README test command)
#   scripts/install-deps.sh --bench   also what bench/ needs beyond that (plotting: matplotlib)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  clang-14 libclang-rt-14-dev  # the `fuzz` preset: libFuzzer, ASan and UBSan runtimes
  libcaf-dev
  libboost-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  libgtest-dev libgmock-dev
  libzookeeper-mt-dev
  zookeeper
  netcat-openbsd
  iproute2 iptables libnetfilter-queue-dev
  curl
  libslf4j-java
  libssl-dev openssl
  python3-kubernetes python3-yaml
  chromium
  supervisor
  prometheus
  systemd
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3-matplotlib)  # bench/plot_scale.py draws BENCHMARKS.md's picture
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
