#!/usr/bin/env bash
# Stops the ZooKeeper servers started by bin/start-zookeeper-quorum.sh (Flink's
# stop-zookeeper-quorum.sh): every pid in $REGENT_LOG_DIR/zookeeper.pid gets SIGTERM, and
# SIGKILL when it has not exited within 10 s; then the pid file is removed. Hosts of zoo.cfg's
# server lines that are not this one are asked over ssh to do the same.
#
#   bin/stop-zookeeper-quorum.sh            this host and every remote host of zoo.cfg
#   bin/stop-zookeeper-quorum.sh --local    this host only (what the ssh to a remote host runs)
#
# Exit codes: 0 nothing of ours runs any more (also when there was nothing to stop); 1 a remote
# host could not be reached; 2 a usage error.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
. "$(dirname "$0")/regent-config.sh"
. "$(dirname "$0")/zookeeper-common.sh"

local_only=""
case "${1:-}" in
  "") [ $# -eq 0 ] || { echo "usage: stop-zookeeper-quorum.sh [--local]" >&2; exit 2; } ;;
  --local) [ $# -eq 1 ] || { echo "usage: stop-zookeeper-quorum.sh [--local]" >&2; exit 2; }; local_only=1 ;;
  *) echo "usage: stop-zookeeper-quorum.sh [--local]" >&2; exit 2 ;;
esac

pidfile="$REGENT_LOG_DIR/zookeeper.pid"
if [ ! -s "$pidfile" ]; then
  rm -f "$pidfile"
  echo "No zookeeper to stop."
else
  # SIGTERM to all at once (each JVM takes a moment to exit), then wait for each.
  stopping=()
  for pid in $(tac "$pidfile"); do
    if regent_zk_is_server "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      stopping+=("$pid")
    else
      # Exited already, or a stale pid now owned by another program: not ours to signal.
      echo "zookeeper (pid $pid) was not running."
    fi
  done
  deadline=$((SECONDS + 10))
  while [ ${#stopping[@]} -gt 0 ]; do
    left=()
    for pid in "${stopping[@]}"; do
      if regent_zk_alive "$pid"; then left+=("$pid"); else echo "Stopped zookeeper (pid $pid)."; fi
    done
    stopping=(${left[@]+"${left[@]}"})
    [ ${#stopping[@]} -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for pid in "${stopping[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        # Until the kernel has taken it away.
        for _ in $(seq 50); do regent_zk_alive "$pid" || break; sleep 0.1; done
        echo "Killed zookeeper (pid $pid) after 10 s."
      done
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
fi

[ -z "$local_only" ] || exit 0
cfg="$REGENT_CONF_DIR/zoo.cfg"
[ -f "$cfg" ] || exit 0
if ! regent_zk_read_cfg "$cfg" 2>/dev/null; then
  echo "stop-zookeeper-quorum: $cfg does not parse; stopped this host's servers only" >&2
  exit 0
fi
failed=0
declare -A done_host=()
for id in "${REGENT_ZK_IDS[@]}"; do
  host=${REGENT_ZK_HOST[$id]}
  regent_is_local "$host" && continue
  [ -z "${done_host[$host]:-}" ] || continue
  done_host[$host]=1
  ssh -n "$host" "cd '$REGENT_HOME' && REGENT_CONF_DIR='$REGENT_CONF_DIR' REGENT_LOG_DIR='$REGENT_LOG_DIR'" \
    "'$REGENT_HOME/bin/stop-zookeeper-quorum.sh' --local" || { echo "stop-zookeeper-quorum: could not stop the servers on $host" >&2; failed=1; }
done
exit "$failed"
