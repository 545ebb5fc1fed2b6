#!/usr/bin/env bash
# Starts the ZooKeeper quorum of $REGENT_CONF_DIR/zoo.cfg (Flink's start-zookeeper-quorum.sh):
# one server per `server.N=host:peerPort:leaderPort[;clientPort]` line, locally for a local host
# and over ssh otherwise (as start-cluster.sh does), from Debian's `zookeeper` package.
#
# For server N it writes $REGENT_LOG_DIR/zookeeper/zkN/zoo.cfg: the keys of zoo.cfg with
# dataDir=<dataDir>/zkN (holding myid=N), clientPort=<its client port>, every server line, the
# four-letter words srvr,ruok,mntr and no admin server. The server runs in the background; its
# output goes to $REGENT_LOG_DIR/zookeeper-N-<hostname>.out and its pid is appended to
# $REGENT_LOG_DIR/zookeeper.pid (bin/stop-zookeeper-quorum.sh stops it). A server whose client
# port already serves is not started again.
#
# Then it waits until every server reports Mode leader, follower, standalone or observer (through
# `srvr`) and prints the connect string for high-availability.zookeeper.quorum.
#
#   bin/start-zookeeper-quorum.sh              all servers of zoo.cfg
#   bin/start-zookeeper-quorum.sh --server N   only server N on this host, without waiting
#                                              (what the ssh to a remote host runs)
#
# Environment: REGENT_CONF_DIR, REGENT_LOG_DIR (bin/regent-config.sh), JAVA, ZK_HEAP_MB
# (bin/zookeeper-common.sh), REGENT_ZK_START_TIMEOUT (seconds to wait for the quorum, default 60).
# Exit codes: 0 the quorum serves; 1 a server could not be started or the quorum did not form in
# time; 2 a usage or configuration error (the message names the file and line).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
. "$(dirname "$0")/regent-config.sh"
. "$(dirname "$0")/zookeeper-common.sh"

usage() {
  echo "usage: start-zookeeper-quorum.sh [--server N]" >&2
  exit 2
}

only=""
case $# in
  0) ;;
  2) if [ "$1" != --server ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then usage; fi; only=$((10#$2)) ;;
  *) usage ;;
esac
timeout_s=${REGENT_ZK_START_TIMEOUT:-60}
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "start-zookeeper-quorum: REGENT_ZK_START_TIMEOUT='$timeout_s' is not a number of seconds" >&2; exit 2; }

cfg="$REGENT_CONF_DIR/zoo.cfg"
regent_zk_read_cfg "$cfg" || exit 2
data_dir=$(regent_zk_cfg_value dataDir)
if [ -z "$data_dir" ]; then
  echo "$cfg: dataDir is not set (each server keeps its data in <dataDir>/zk<N>)" >&2
  exit 2
fi
data_log_dir=$(regent_zk_cfg_value dataLogDir)
if [ -n "$only" ] && [ -z "${REGENT_ZK_LINE[$only]:-}" ]; then
  echo "$cfg: no server.$only line" >&2
  exit 2
fi

# The address to reach server ID's client port at: loopback for a local server.
client_address() {
  local id=$1
  if regent_is_local "${REGENT_ZK_CLIENT_HOST[$id]}"; then echo 127.0.0.1; else echo "${REGENT_ZK_CLIENT_HOST[$id]}"; fi
}

# Starts server ID on this host; 0 when it runs (started now or already serving), 1 otherwise.
start_local() {
  local id=$1 host=${REGENT_ZK_HOST[$1]} client=${REGENT_ZK_CLIENT[$1]}
  local addr mode
  addr=$(client_address "$id")
  mode=$(regent_zk_mode "$addr" "$client")
  if [ -n "$mode" ]; then
    echo "zookeeper server.$id: $host:$client already serves (Mode: $mode); not starting it again."
    return 0
  fi
  if regent_zk_port_open "$addr" "$client"; then
    if regent_zk_4lw "$addr" "$client" srvr | grep -qi 'zookeeper'; then
      echo "zookeeper server.$id: $host:$client is already a running ZooKeeper server (not serving yet); not starting it again."
      return 0
    fi
    echo "zookeeper server.$id: client port $host:$client is in use by another program; not starting it" >&2
    return 1
  fi
  local port
  for port in "${REGENT_ZK_PEER[$id]}" "${REGENT_ZK_ELECTION[$id]}"; do
    if regent_zk_port_open "$host" "$port"; then
      echo "zookeeper server.$id: port $host:$port (${REGENT_ZK_LINE[$id]}) is in use by another program; not starting it" >&2
      return 1
    fi
  done

  local node="$REGENT_LOG_DIR/zookeeper/zk$id" data="$data_dir/zk$id"
  if ! mkdir -p "$node" "$data" || ! echo "$id" > "$data/myid"; then
    echo "zookeeper server.$id: cannot write $node or $data/myid" >&2
    return 1
  fi
  {
    echo "# Written by bin/start-zookeeper-quorum.sh from $cfg for server.$id; rewritten at every start."
    local i key
    for i in "${!REGENT_ZK_KEYS[@]}"; do
      key=${REGENT_ZK_KEYS[$i]}
      case "$key" in dataDir|dataLogDir|clientPort|admin.enableServer|4lw.commands.whitelist) continue ;; esac
      echo "$key=${REGENT_ZK_VALUES[$i]}"
    done
    echo "dataDir=$data"
    if [ -n "$data_log_dir" ]; then mkdir -p "$data_log_dir/zk$id"; echo "dataLogDir=$data_log_dir/zk$id"; fi
    echo "clientPort=$client"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=srvr,ruok,mntr"
    for i in "${REGENT_ZK_IDS[@]}"; do echo "${REGENT_ZK_LINE[$i]}"; done
  } > "$node/zoo.cfg" || { echo "zookeeper server.$id: cannot write $node/zoo.cfg" >&2; return 1; }
  local out
  out="$REGENT_LOG_DIR/zookeeper-$id-$(hostname).out"
  regent_zk_launch "$node/zoo.cfg" "$out"
  echo "$REGENT_ZK_PID" >> "$REGENT_LOG_DIR/zookeeper.pid"
  started_pid[$id]=$REGENT_ZK_PID
  started_out[$id]=$out
  echo "Started zookeeper server.$id (pid $REGENT_ZK_PID) on $(hostname), client port $client; output in $out"
}

mkdir -p "$REGENT_LOG_DIR"
declare -A started_pid=() started_out=()

any_local=$only
for id in "${REGENT_ZK_IDS[@]}"; do regent_is_local "${REGENT_ZK_HOST[$id]}" && any_local=1; done
if [ -n "$any_local" ]; then regent_zk_check_install start-zookeeper-quorum || exit 1; fi

if [ -n "$only" ]; then
  start_local "$only"
  exit $?
fi

failed=0
for id in "${REGENT_ZK_IDS[@]}"; do
  host=${REGENT_ZK_HOST[$id]}
  if regent_is_local "$host"; then
    start_local "$id" || failed=1
  else
    ssh -n "$host" "cd '$REGENT_HOME' && REGENT_CONF_DIR='$REGENT_CONF_DIR' REGENT_LOG_DIR='$REGENT_LOG_DIR'" \
      "'$REGENT_HOME/bin/start-zookeeper-quorum.sh' --server $id" || failed=1
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "start-zookeeper-quorum: not every server could be started (above)" >&2
  [ ${#started_pid[@]} -eq 0 ] || echo "start-zookeeper-quorum: stop the servers that were started with bin/stop-zookeeper-quorum.sh" >&2
  exit 1
fi

# Wait for the quorum: every server answers `srvr` with its Mode. Polling the servers' own
# health word: there is no event to wait on across processes.
deadline=$((SECONDS + timeout_s))
declare -A mode_of=()
while :; do
  ready=0
  for id in "${REGENT_ZK_IDS[@]}"; do
    mode_of[$id]=$(regent_zk_mode "$(client_address "$id")" "${REGENT_ZK_CLIENT[$id]}")
    case "${mode_of[$id]}" in leader|follower|standalone|observer) ready=$((ready + 1)) ;; esac
  done
  [ "$ready" -eq "${#REGENT_ZK_IDS[@]}" ] && break
  for id in "${!started_pid[@]}"; do
    if ! regent_zk_alive "${started_pid[$id]}"; then
      echo "start-zookeeper-quorum: server.$id (pid ${started_pid[$id]}) exited; the end of ${started_out[$id]}:" >&2
      tail -n 20 "${started_out[$id]}" >&2 || true
      echo "start-zookeeper-quorum: stop the servers that still run with bin/stop-zookeeper-quorum.sh" >&2
      exit 1
    fi
  done
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "start-zookeeper-quorum: the quorum did not form within $timeout_s s; not serving:" >&2
    for id in "${REGENT_ZK_IDS[@]}"; do
      [ -n "${mode_of[$id]}" ] || echo "  server.$id ${REGENT_ZK_HOST[$id]}:${REGENT_ZK_CLIENT[$id]}" >&2
    done
    echo "Logs: $REGENT_LOG_DIR/zookeeper-*.out (on each server's host); stop with bin/stop-zookeeper-quorum.sh" >&2
    exit 1
  fi
  sleep 0.2
done

connect=""
for id in "${REGENT_ZK_IDS[@]}"; do
  echo "zookeeper server.$id ${REGENT_ZK_CLIENT_HOST[$id]}:${REGENT_ZK_CLIENT[$id]} ${mode_of[$id]}"
  connect+="${connect:+,}${REGENT_ZK_CLIENT_HOST[$id]}:${REGENT_ZK_CLIENT[$id]}"
done
echo "ZooKeeper quorum serves at $connect"
echo "In config.yaml:"
echo "  high-availability.type: zookeeper"
echo "  high-availability.zookeeper.quorum: $connect"
