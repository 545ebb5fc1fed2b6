#!/usr/bin/env bash
# A ZooKeeper quorum on loopback from Debian's `zookeeper` package, for people and benchmarks
# (the test suites start their own through tests/integration/harness/zk_quorum).
#
#   scripts/zk-quorum.sh start  DIR [NODES=3]   start NODES servers with their data under DIR
#   scripts/zk-quorum.sh status DIR             one line per server: its Mode (leader, follower,
#                                               or "down"); exit 0 when every server serves
#   scripts/zk-quorum.sh stop   DIR             stop every server started under DIR
#
# `start` picks free ports, writes DIR/zk<i>/{zoo.cfg,data/myid}, starts the servers in the
# background (logs in DIR/zk<i>/server.log, pids in DIR/zk<i>/pid), waits until every server
# reports Mode leader or follower through the `srvr` four-letter word, and prints the
# connect string (also in DIR/connect-string), e.g. for
#   -D high-availability.zookeeper.quorum=$(cat DIR/connect-string)
#
# The ensemble is tuned for tests and local runs: tickTime=200 (sessions of 0.4 s .. 30 s),
# forceSync=yes (as production runs it), no admin server, small JVM heaps. Environment: JAVA (default: java on PATH),
# ZK_HEAP_MB (default 128), ZK_TICK_MS (default 200).
# The Java command line, the `srvr` probe and the install check are shared with
# bin/start-zookeeper-quorum.sh through bin/zookeeper-common.sh.
# shellcheck source-path=SCRIPTDIR/../bin
set -euo pipefail
. "$(dirname "$0")/../bin/zookeeper-common.sh"

ZK_TICK_MS=${ZK_TICK_MS:-200}

usage() {
  echo "usage: $0 start|stop|status DIR [NODES]" >&2
  exit 2
}

# Prints the Mode of the server on port $1, or nothing when it does not answer.
mode_of() {
  regent_zk_mode 127.0.0.1 "$1"
}

port_is_free() {
  ! regent_zk_port_open 127.0.0.1 "$1"
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if port_is_free "$p" && ! grep -qx "$p" "$TAKEN" 2>/dev/null; then
      echo "$p" >>"$TAKEN"
      echo "$p"
      return 0
    fi
  done
  echo "zk-quorum: no free port found" >&2
  exit 1
}

nodes_of() {
  local dir=$1
  ls -d "$dir"/zk[0-9]* 2>/dev/null | sort -V
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || usage

case "$cmd" in
  start)
    n=${3:-3}
    [ "$n" -ge 1 ] || usage
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -n "$(nodes_of "$dir")" ]; then
      echo "zk-quorum: $dir already holds a quorum; stop it first" >&2
      exit 1
    fi
    regent_zk_check_install zk-quorum || exit 1
    TAKEN=$(mktemp)
    trap 'rm -f "$TAKEN"' EXIT
    declare -a client quorum election
    for i in $(seq 1 "$n"); do
      client[$i]=$(free_port)
      quorum[$i]=$(free_port)
      election[$i]=$(free_port)
    done
    connect=""
    for i in $(seq 1 "$n"); do connect+="${connect:+,}127.0.0.1:${client[$i]}"; done
    for i in $(seq 1 "$n"); do
      node="$dir/zk$i"
      mkdir -p "$node/data"
      echo "$i" >"$node/data/myid"
      {
        echo "tickTime=$ZK_TICK_MS"
        echo "initLimit=25"
        echo "syncLimit=10"
        echo "dataDir=$node/data"
        echo "clientPort=${client[$i]}"
        echo "clientPortAddress=127.0.0.1"
        echo "maxSessionTimeout=30000"
        echo "admin.enableServer=false"
        echo "4lw.commands.whitelist=*"
        echo "forceSync=yes"
        echo "preAllocSize=1024"
        echo "standaloneEnabled=false"
        for j in $(seq 1 "$n"); do echo "server.$j=127.0.0.1:${quorum[$j]}:${election[$j]}"; done
      } >"$node/zoo.cfg"
      echo "${client[$i]}" >"$node/client-port"
      # In the background, outliving this shell; its stdin/stdout/stderr hold no pipe of ours.
      regent_zk_launch "$node/zoo.cfg" "$node/server.log"
      echo "$REGENT_ZK_PID" >"$node/pid"
    done
    echo "$connect" >"$dir/connect-string"
    for _ in $(seq 1 300); do
      ready=0
      for i in $(seq 1 "$n"); do
        case "$(mode_of "${client[$i]}")" in leader|follower|standalone) ready=$((ready + 1)) ;; esac
      done
      if [ "$ready" -eq "$n" ]; then
        echo "$connect"
        exit 0
      fi
      sleep 0.1
    done
    echo "zk-quorum: the quorum did not come up within 30 s; logs in $dir/zk*/server.log" >&2
    exit 1
    ;;
  status)
    all=0
    for node in $(nodes_of "$dir"); do
      port=$(cat "$node/client-port")
      m=$(mode_of "$port")
      echo "$(basename "$node") 127.0.0.1:$port ${m:-down}"
      case "$m" in leader|follower|standalone) ;; *) all=1 ;; esac
    done
    [ -n "$(nodes_of "$dir")" ] || { echo "zk-quorum: no quorum under $dir" >&2; exit 1; }
    exit $all
    ;;
  stop)
    for node in $(nodes_of "$dir"); do
      if [ -f "$node/pid" ]; then
        pid=$(cat "$node/pid")
        # Only a java process we started (the pid file could be stale).
        if regent_zk_is_server "$pid"; then
          kill "$pid" 2>/dev/null || true
          for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
          kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$node/pid"
      fi
    done
    rm -rf "$dir"/zk[0-9]* "$dir/connect-string"
    ;;
  *)
    usage
    ;;
esac
