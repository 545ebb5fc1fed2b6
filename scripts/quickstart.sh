#!/usr/bin/env bash
# Regent's main command: installs what is missing, builds, starts a local HA cluster, runs an
# exactly-once job, kills the leading jobmanager with `kill -9` in the middle, shows the
# standby taking over and the job finishing with verified output, then stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target jobmanager taskmanager regent

work=$(mktemp -d /tmp/regent-quickstart.XXXXXX)
conf=$work/conf
mkdir -p "$conf"
cp conf/masters conf/workers "$conf/"
# The default conf, with the HA storage, checkpoints and output in a private folder so the
# demo never touches a real cluster's data.
cat > "$conf/config.yaml" <<CONF
high-availability.type: filesystem
high-availability.storageDir: $work/ha
high-availability.cluster-id: quickstart
taskmanager.numberOfTaskSlots: 4
state.checkpoints.dir: $work/checkpoints
execution.checkpointing.interval: 500 ms
heartbeat.interval: 1 s
heartbeat.timeout: 5 s
CONF
export REGENT_CONF_DIR=$conf REGENT_LOG_DIR=$work/log
cleanup() {
  bin/stop-cluster.sh >/dev/null 2>&1 || true
  pkill -9 -f -- "--config-dir $conf" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }
newest_leader_log() {  # prints "<epoch> <pid>" of the newest "leader ready" line in the daemons' logs
  grep -H "leader ready epoch=" "$work"/log/jobmanager-*.log 2>/dev/null |
    sed -E 's/^.*jobmanager-[^-]*-([0-9]+)\.log:.*leader ready epoch=([0-9]+).*/\2 \1/' | sort -n | tail -1
}
wait_for() {  # seconds description command...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for $what"; exit 1; }
    sleep 0.05
  done
}

say "Starting the cluster of $conf: jobmanagers from conf/masters, taskmanagers from conf/workers (filesystem HA)"
bin/start-cluster.sh
wait_for 20 "a leader" build/bin/regent --config-dir "$conf" --timeout 1 leader
build/bin/regent --config-dir "$conf" leader | sed 's/^/   /'
while read -r master; do
  echo "   dashboard: http://${master}/  (open it to watch the takeover; any master serves it)"
done < <(grep -v '^\s*#' "$conf/masters" | sed '/^\s*$/d')

n=400000
cat > "$work/job.json" <<JOB
{"name": "quickstart count", "parallelism": 4,
 "source": {"type": "sequence", "from": 1, "to": $n, "rate-per-second": 40000},
 "operators": [{"type": "map", "function": "identity"}],
 "sink": {"type": "file", "path": "$work/out"}}
JOB
say "Running an exactly-once job: the numbers 1..$n at 40000 per second into a file sink, parallelism 4"
build/bin/regent --config-dir "$conf" run "$work/job.json" > "$work/run.out" 2>&1 &
runner=$!
wait_for 30 "two completed checkpoints" grep -q "[2-9][0-9]* checkpoints completed\|[0-9][0-9]\+ checkpoints completed" "$work/run.out"
sed 's/^/   /' "$work/run.out"

read -r epoch pid < <(newest_leader_log)
say "kill -9 of the leading jobmanager (pid $pid, epoch $epoch) while the job runs"
start_ns=$(date +%s%N)
kill -9 "$pid"
new_leader() { read -r e _ < <(newest_leader_log); [ "$e" -gt "$epoch" ]; }
wait_for 20 "a new leader" new_leader
ready_ns=$(date +%s%N)
read -r new_epoch new_pid < <(newest_leader_log)
echo "   the standby (pid $new_pid) took over as epoch $new_epoch $(( (ready_ns - start_ns) / 1000000 )) ms after the kill (measured by this script)"
wait_for 20 "the job's restore" grep -q "restoring from checkpoint" "$work"/log/jobmanager-*-"$new_pid".log
grep -h "recovered job graph\|restoring from checkpoint" "$work"/log/jobmanager-*-"$new_pid".log | sed 's/^/   /'

say "Waiting for the job to finish (the client follows the leader through the failover)"
if ! wait "$runner"; then cat "$work/run.out"; echo "the job did not finish"; exit 1; fi
sed 's/^/   /' "$work/run.out" | tail -3

say "Verifying the output"
cat "$work"/out/part-* | sort -n > "$work/all"
total=$(wc -l < "$work/all"); distinct=$(uniq < "$work/all" | wc -l)
first=$(head -1 "$work/all"); last=$(tail -1 "$work/all")
echo "   $total numbers committed, $distinct distinct, from $first to $last"
if [ "$total" -eq "$n" ] && [ "$distinct" -eq "$n" ] && [ "$first" -eq 1 ] && [ "$last" -eq "$n" ]; then
  echo "   exactly once: every number of 1..$n appears once, despite the leader's death"
else
  echo "   OUTPUT IS WRONG"; exit 1
fi

say "Stopping the cluster"
bin/stop-cluster.sh
