#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (Debian packages only),
# builds the release preset with ccache and -j2, runs every test through ctest, then the fuzz
# targets over their seed corpora (scripts/fuzz-regression.sh, the `fuzz` preset).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
# Tests use free ports and their own folders, so two run at once (the machine has 2 cores).
status=0
ctest --preset release -j2 "$@" || status=$?
# Every parser's fuzz target over its corpus; its failure fails the suite too.
scripts/fuzz-regression.sh || status=$?
exit $status
