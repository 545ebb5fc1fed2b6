#!/usr/bin/env bash
# ZooKeeper helpers (sourced, not run) shared by bin/start-zookeeper-quorum.sh,
# bin/stop-zookeeper-quorum.sh and scripts/zk-quorum.sh. The servers come from Debian's
# `zookeeper` package (QuorumPeerMain from /usr/share/java/zookeeper.jar, logging through
# slf4j-simple from `libslf4j-java`) and run on Debian's `default-jre-headless`.
# Environment: JAVA (default: java on PATH), ZK_HEAP_MB (default 128: the JVM's -Xmx).
# shellcheck disable=SC2034  # REGENT_ZK_* variables are set for the scripts that source this
# shellcheck disable=SC2016  # the bash -c programs expand their own arguments

# regent_alive and the REGENT_* folders (already there when a bin/ script sourced it first).
declare -F regent_alive >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/regent-config.sh"

JAVA=${JAVA:-java}
ZK_HEAP_MB=${ZK_HEAP_MB:-128}
REGENT_ZK_CLASSPATH=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar

# Succeeds when java and the ZooKeeper jars are installed; otherwise says which Debian packages
# to install and fails.
regent_zk_check_install() {
  local prefix=${1:-zookeeper}
  if ! command -v "$JAVA" >/dev/null 2>&1; then
    echo "$prefix: java ('$JAVA') not found; install Debian's default-jre-headless and zookeeper" \
         "(sudo apt-get install default-jre-headless zookeeper libslf4j-java, or scripts/install-deps.sh)" >&2
    return 1
  fi
  local jar
  for jar in ${REGENT_ZK_CLASSPATH//:/ }; do
    if [ ! -f "$jar" ]; then
      echo "$prefix: $jar is missing; install Debian's zookeeper and libslf4j-java" \
           "(sudo apt-get install zookeeper libslf4j-java, or scripts/install-deps.sh)" >&2
      return 1
    fi
  done
}

# Prints the answer of the four-letter word WORD from HOST:PORT (nothing when nobody answers
# within 3 s).
regent_zk_4lw() {  # host port word
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf %s "$2" >&3 && cat <&3' "$1" "$2" "$3" 2>/dev/null || true
}

# Prints the Mode (leader, follower, standalone, observer) the server at HOST:PORT reports
# through `srvr`, or nothing when it does not answer or serves no quorum yet.
regent_zk_mode() {  # host port
  regent_zk_4lw "$1" "$2" srvr | sed -n 's/^Mode: //p' | tr -d '\r'
}

# Succeeds when something accepts TCP connections on HOST:PORT.
regent_zk_port_open() {  # host port
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Starts QuorumPeerMain with the config file CFG in the background, its output in OUT; sets
# REGENT_ZK_PID. setsid: the server outlives the calling shell (and an ssh session) and holds
# no descriptor of it.
regent_zk_launch() {  # cfg out
  setsid "$JAVA" -Xmx"${ZK_HEAP_MB}"m -Xms16m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.net.preferIPv4Stack=true -Dzookeeper.jmx.log4j.disable=true \
    -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd HH:mm:ss.SSS" \
    -cp "$REGENT_ZK_CLASSPATH" org.apache.zookeeper.server.quorum.QuorumPeerMain "$1" \
    </dev/null >"$2" 2>&1 &
  REGENT_ZK_PID=$!
}

# Succeeds while PID runs (bin/regent-config.sh: a zombie counts as gone).
regent_zk_alive() {  # pid
  regent_alive "$1"
}

# Succeeds when PID is a running ZooKeeper server (not a stale pid reused by another program).
regent_zk_is_server() {  # pid
  kill -0 "$1" 2>/dev/null && grep -q QuorumPeerMain "/proc/$1/cmdline" 2>/dev/null
}

# Reads a zoo.cfg (Java properties as ZooKeeper writes them: key=value, `#` comments) into
#   REGENT_ZK_KEYS / REGENT_ZK_VALUES  every key=value but the server lines, in file order
#   REGENT_ZK_IDS                      the server ids, in file order, and per id (assoc. arrays):
#   REGENT_ZK_HOST REGENT_ZK_PEER REGENT_ZK_ELECTION REGENT_ZK_CLIENT (the client port:
#   `;port` of the server line, else clientPort) REGENT_ZK_CLIENT_HOST (the client address
#   of `;host:port`, else the server's host) REGENT_ZK_LINE (the line as written)
# Server lines: server.N=host:peerPort:leaderPort[:participant|observer][;[clientHost:]clientPort].
# On an error prints `FILE:LINE: problem` and returns 2.
regent_zk_read_cfg() {  # file
  local file=$1
  REGENT_ZK_KEYS=() REGENT_ZK_VALUES=() REGENT_ZK_IDS=()
  unset REGENT_ZK_HOST REGENT_ZK_PEER REGENT_ZK_ELECTION REGENT_ZK_CLIENT REGENT_ZK_CLIENT_HOST REGENT_ZK_LINE REGENT_ZK_LINENO
  declare -gA REGENT_ZK_HOST=() REGENT_ZK_PEER=() REGENT_ZK_ELECTION=() REGENT_ZK_CLIENT=() \
              REGENT_ZK_CLIENT_HOST=() REGENT_ZK_LINE=() REGENT_ZK_LINENO=()
  if [ ! -f "$file" ]; then
    echo "$file: not found (copy conf/zoo.cfg there, or set REGENT_CONF_DIR)" >&2
    return 2
  fi
  local raw line key value n=0 client_port="" client_port_line=""
  local host_re='([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])'
  local server_re="^${host_re}:([0-9]+):([0-9]+)(:(participant|observer))?(;(${host_re}:)?([0-9]+))?\$"
  local -A seen_key=()
  while IFS= read -r raw || [ -n "$raw" ]; do
    n=$((n + 1))
    line=${raw%%#*}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [ -n "$line" ] || continue
    if [[ "$line" != *=* ]]; then
      echo "$file:$n: expected key=value, got '$line'" >&2
      return 2
    fi
    key=${line%%=*} value=${line#*=}
    key=${key%"${key##*[![:space:]]}"}
    value=${value#"${value%%[![:space:]]*}"}
    if [ -z "$key" ]; then
      echo "$file:$n: empty key in '$line'" >&2
      return 2
    fi
    if [ -n "${seen_key[$key]:-}" ]; then
      echo "$file:$n: '$key' is already set on line ${seen_key[$key]}" >&2
      return 2
    fi
    seen_key[$key]=$n
    if [[ "$key" == server.* ]]; then
      local id=${key#server.}
      if ! [[ "$id" =~ ^[0-9]+$ ]] || [ "$((10#$id))" -lt 1 ]; then
        echo "$file:$n: bad server line '$line': the id after 'server.' must be a whole number >= 1" >&2
        return 2
      fi
      id=$((10#$id))
      if [ -n "${REGENT_ZK_LINE[$id]:-}" ]; then
        echo "$file:$n: bad server line '$line': server.$id is already defined on line ${REGENT_ZK_LINENO[$id]}" >&2
        return 2
      fi
      if ! [[ "$value" =~ $server_re ]]; then
        echo "$file:$n: bad server line '$line' (expected server.N=host:peerPort:leaderPort[;clientPort])" >&2
        return 2
      fi
      local host=${BASH_REMATCH[1]} peer=${BASH_REMATCH[2]} election=${BASH_REMATCH[3]}
      local chost=${BASH_REMATCH[8]} cport=${BASH_REMATCH[9]} p
      for p in "$peer" "$election" ${cport:+"$cport"}; do
        if [ "${#p}" -gt 5 ] || [ "$((10#$p))" -lt 1 ] || [ "$((10#$p))" -gt 65535 ]; then
          echo "$file:$n: bad server line '$line': port $p is not in 1..65535" >&2
          return 2
        fi
      done
      REGENT_ZK_IDS+=("$id")
      REGENT_ZK_HOST[$id]=$host
      REGENT_ZK_PEER[$id]=$((10#$peer))
      REGENT_ZK_ELECTION[$id]=$((10#$election))
      REGENT_ZK_CLIENT[$id]=${cport:+$((10#$cport))}
      case "$chost" in ""|0.0.0.0|"[::]") chost=$host ;; esac
      REGENT_ZK_CLIENT_HOST[$id]=$chost
      REGENT_ZK_LINE[$id]=$line
      REGENT_ZK_LINENO[$id]=$n
    else
      REGENT_ZK_KEYS+=("$key")
      REGENT_ZK_VALUES+=("$value")
      if [ "$key" = clientPort ]; then client_port=$value client_port_line=$n; fi
    fi
  done < "$file"
  if [ ${#REGENT_ZK_IDS[@]} -eq 0 ]; then
    echo "$file: no server lines (expected server.N=host:peerPort:leaderPort[;clientPort], one per server)" >&2
    return 2
  fi
  local id
  for id in "${REGENT_ZK_IDS[@]}"; do
    [ -n "${REGENT_ZK_CLIENT[$id]}" ] && continue
    if [ -z "$client_port" ]; then
      echo "$file:${REGENT_ZK_LINENO[$id]}: server.$id has no ';clientPort' and clientPort is not set" >&2
      return 2
    fi
    if ! [[ "$client_port" =~ ^[0-9]{1,5}$ ]] || [ "$((10#$client_port))" -lt 1 ] || [ "$((10#$client_port))" -gt 65535 ]; then
      echo "$file:$client_port_line: clientPort '$client_port' is not a port (1..65535)" >&2
      return 2
    fi
    REGENT_ZK_CLIENT[$id]=$((10#$client_port))
  done
  # Two servers on one host cannot share a port.
  local -A used=()
  local port what
  for id in "${REGENT_ZK_IDS[@]}"; do
    for what in PEER ELECTION CLIENT; do
      case $what in
        PEER) port=${REGENT_ZK_PEER[$id]} ;;
        ELECTION) port=${REGENT_ZK_ELECTION[$id]} ;;
        CLIENT) port=${REGENT_ZK_CLIENT[$id]} ;;
      esac
      local slot="${REGENT_ZK_HOST[$id]}:$port"
      if [ -n "${used[$slot]:-}" ]; then
        echo "$file:${REGENT_ZK_LINENO[$id]}: server.$id uses $slot, as server.${used[$slot]} does (servers on one host need ports of their own; a client port comes from ';clientPort' or clientPort)" >&2
        return 2
      fi
      used[$slot]=$id
    done
  done
}

# The value of KEY read by regent_zk_read_cfg, or DEFAULT.
regent_zk_cfg_value() {  # key [default]
  local i
  for i in "${!REGENT_ZK_KEYS[@]}"; do
    if [ "${REGENT_ZK_KEYS[$i]}" = "$1" ]; then echo "${REGENT_ZK_VALUES[$i]}"; return 0; fi
  done
  echo "${2:-}"
}
