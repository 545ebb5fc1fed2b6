#!/usr/bin/env bash
# Regent's main command: installs what is missing, builds, and shows failover for real.
#
# It starts one jobmanager per line of conf/masters (two on localhost by default) with the
# embedded `filesystem` HA, shows which one leads, kills the leader with `kill -9`, shows the
# standby taking over (and how long that took), then stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target jobmanager

work=$(mktemp -d /tmp/regent-quickstart.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A private storage dir so the demo never touches a real cluster's HA data.
overrides=(-D "high-availability.storageDir=$work/ha" -D "env.log.dir=$work/log")

wait_for_log() {  # file pattern seconds
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for '$2' in $1" >&2; return 1; fi
    sleep 0.02
  done
}

echo
echo "== Starting one jobmanager per line of conf/masters, with filesystem HA under $work/ha"
i=0
while read -r line; do
  line=${line%%#*}; line=$(echo "$line" | xargs); [ -z "$line" ] && continue
  port=${line##*:}; [ "$port" = "$line" ] && port=8081
  "$root/build/bin/jobmanager" --config-dir conf --webui-port "$port" "${overrides[@]}" \
    >"$work/jm$i.out" 2>&1 &
  pids+=($!)
  echo "   jobmanager $i: pid ${pids[$i]} (web UI port $port)"
  i=$((i + 1))
done < conf/masters

leader=""
deadline=$((SECONDS + 10))
while [ -z "$leader" ]; do
  for n in "${!pids[@]}"; do
    if grep -q "leader ready" "$work/jm$n.out" 2>/dev/null; then leader=$n; fi
  done
  [ $SECONDS -ge $deadline ] && { echo "no leader was elected"; cat "$work"/jm*.out; exit 1; }
  [ -z "$leader" ] && sleep 0.02
done
echo
echo "== jobmanager $leader (pid ${pids[$leader]}) leads:"
grep "granted leadership" "$work/jm$leader.out" | sed 's/^/   /'
for n in "${!pids[@]}"; do [ "$n" != "$leader" ] && echo "   jobmanager $n (pid ${pids[$n]}) is a standby"; done

echo
echo "== kill -9 of the leader (pid ${pids[$leader]})"
start_ns=$(date +%s%N)
kill -9 "${pids[$leader]}"
new=""
while [ -z "$new" ]; do
  for n in "${!pids[@]}"; do
    [ "$n" = "$leader" ] && continue
    if grep -q "leader ready" "$work/jm$n.out" 2>/dev/null; then new=$n; fi
  done
  [ -z "$new" ] && sleep 0.005
done
end_ns=$(date +%s%N)
echo "   jobmanager $new (pid ${pids[$new]}) took over:"
grep "granted leadership" "$work/jm$new.out" | sed 's/^/   /'
echo "   takeover seen after $(( (end_ns - start_ns) / 1000000 )) ms (kill to 'leader ready' in its log, measured by this script)"

echo
echo "== Stopping (SIGTERM: the leader steps down and releases leadership at once)"
for n in "${!pids[@]}"; do [ "$n" != "$leader" ] && kill -TERM "${pids[$n]}"; done
wait "${pids[$new]}" 2>/dev/null && echo "   jobmanager $new stopped cleanly (exit code 0)"
