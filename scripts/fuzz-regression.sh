#!/usr/bin/env bash
# The fuzz targets as a regression check (fuzz/README.md): builds the `fuzz` preset (clang-14,
# libFuzzer, ASan + UBSan; only the targets and the libraries they need) and runs each target
# over its seed corpus in fuzz/corpus/ plus a few thousand fixed-seed mutations, through ctest.
# A crash, a leak, undefined behaviour or a broken invariant fails it. scripts/test.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
built=$(date +%s)
status=0
ctest --preset fuzz -j2 "$@" || status=$?
echo "fuzz-regression: build $((built - start)) s, runs $(($(date +%s) - built)) s, $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
