#!/usr/bin/env bash
# Shared settings of the bin/ scripts (sourced, not run). Overridable from the environment:
#   REGENT_HOME      the checkout (default: this script's parent folder)
#   REGENT_CONF_DIR  the configuration folder (default: $REGENT_HOME/conf)
#   REGENT_BIN_DIR   the built programs (default: $REGENT_HOME/build/bin)
#   REGENT_LOG_DIR   pid files and logs (default: $REGENT_HOME/log)
REGENT_HOME=${REGENT_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
REGENT_CONF_DIR=${REGENT_CONF_DIR:-$REGENT_HOME/conf}
REGENT_BIN_DIR=${REGENT_BIN_DIR:-$REGENT_HOME/build/bin}
REGENT_LOG_DIR=${REGENT_LOG_DIR:-$REGENT_HOME/log}

# Prints the non-empty, comment-free lines of a file.
regent_lines() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    line=$(echo "$line" | xargs)
    [ -n "$line" ] && echo "$line"
  done < "$1"
}

regent_is_local() {
  case "$1" in localhost|127.0.0.1|::1|"$(hostname)"|"$(hostname -f 2>/dev/null)") return 0 ;; esac
  return 1
}

# daemon.sh logic: regent_daemon start|stop|start-foreground PROGRAM [ARGS...]
# Pid files: $REGENT_LOG_DIR/PROGRAM.pid, one pid per line (stop ends the newest, as Flink).
regent_daemon() {
  local action=$1 program=$2
  shift 2
  local bin="$REGENT_BIN_DIR/$program" pidfile="$REGENT_LOG_DIR/$program.pid"
  mkdir -p "$REGENT_LOG_DIR"
  case "$action" in
    start-foreground)
      exec "$bin" --config-dir "$REGENT_CONF_DIR" "$@"
      ;;
    start)
      [ -x "$bin" ] || { echo "$program: $bin is not built (cmake --build --preset release)" >&2; return 1; }
      local n=0
      [ -f "$pidfile" ] && n=$(wc -l < "$pidfile")
      local out="$REGENT_LOG_DIR/$program-$n-$(hostname).out"
      nohup "$bin" --config-dir "$REGENT_CONF_DIR" -D "env.log.dir=$REGENT_LOG_DIR" "$@" > "$out" 2>&1 < /dev/null &
      local pid=$!
      echo "$pid" >> "$pidfile"
      echo "Started $program (pid $pid) on $(hostname); output in $out"
      ;;
    stop)
      if [ ! -s "$pidfile" ]; then echo "No $program to stop."; return 0; fi
      local pid
      pid=$(tail -n 1 "$pidfile")
      sed -i '$d' "$pidfile"
      [ -s "$pidfile" ] || rm -f "$pidfile"
      regent_stop_pid "$program" "$pid"
      ;;
    stop-all)
      [ -f "$pidfile" ] || { echo "No $program to stop."; return 0; }
      local pid
      for pid in $(tac "$pidfile"); do regent_stop_pid "$program" "$pid"; done
      rm -f "$pidfile"
      ;;
    *)
      echo "usage: $program.sh start|stop|stop-all|start-foreground [args...]" >&2
      return 2
      ;;
  esac
}

# SIGTERM (a graceful stop that hands leadership over at once), SIGKILL after 10 s.
# Succeeds while PID runs: not yet exited, or exited but not yet reaped (a zombie, whose
# reaping by init may take a while, counts as gone).
regent_alive() {  # pid
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

regent_stop_pid() {
  local program=$1 pid=$2
  if ! regent_alive "$pid"; then echo "$program (pid $pid) was not running."; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 100); do regent_alive "$pid" || { echo "Stopped $program (pid $pid)."; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  echo "Killed $program (pid $pid) after 10 s."
}
