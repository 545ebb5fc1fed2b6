#!/usr/bin/env bash
# A longer fuzzing campaign (FUZZING.md): runs fuzz targets one after the other, each for a
# time (or a number of executions), one process at a time (the machine is shared), starting
# from the seed corpus and keeping what it finds in build-fuzz/campaign/<target>/ (not in
# the repo). Each target's log is build-fuzz/campaign/<target>.log; a crash, leak or failed
# invariant leaves build-fuzz/campaign/<target>-crash-* (or -leak-*, -timeout-*, -oom-*).
#
#   scripts/fuzz-campaign.sh [-t seconds-per-target] [-n runs-per-target] [-T timeout-per-input] [target...]
#
# -T (default 30 s) is libFuzzer's per-input timeout, in wall-clock time: a campaign that is
# paused (SIGSTOP, e.g. while a benchmark runs) needs it longer than the pauses, or each pause
# is reported as a timeout (FUZZING.md).
#
# Builds the `fuzz` preset first. Without targets: every fuzz_* target.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
runs=-1
timeout=30
while getopts "t:n:T:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    n) runs=$OPTARG ;;
    T) timeout=$OPTARG ;;
    *) echo "usage: $0 [-t seconds] [-n runs] [-T timeout-per-input] [target...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for c in fuzz/corpus/*/; do targets+=("$(basename "$c")"); done
fi

out=build-fuzz/campaign
mkdir -p "$out"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$out/$t"
  dict=()  # as fuzz/CMakeLists.txt gives them
  case $t in
    fuzz_config) dict=(-dict=fuzz/dict/config.dict) ;;
    fuzz_job_spec | fuzz_checkpoint_metadata | fuzz_ha_payloads | fuzz_kubernetes_objects) dict=(-dict=fuzz/dict/json.dict) ;;
  esac
  echo "campaign: $t for ${seconds}s (runs ${runs})"
  if ASAN_OPTIONS=detect_leaks=1 "build-fuzz/bin/$t" -max_total_time="$seconds" -runs="$runs" -max_len=4096 \
      -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$out/$t-" \
      "$out/$t" "fuzz/corpus/$t" >"$out/$t.log" 2>&1; then
    result=ok
  else
    result="FAILED (see $out/$t.log)"
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log" | awk '{print $2}' | tail -1)
  last=$(grep -E '^#[0-9]+' "$out/$t.log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
  echo "campaign: $t: $result, ${execs:-?} executions, $last"
done
exit $status
