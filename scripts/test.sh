#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (Debian packages only),
# builds the release preset with ccache and -j2, runs every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
# Tests use free ports and their own folders, so two run at once (the machine has 2 cores).
ctest --preset release -j2 "$@"
