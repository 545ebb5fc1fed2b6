#!/usr/bin/env bash
# Starts one jobmanager per line of conf/masters (`host[:webui-port]`, that port as its REST
# port) and one taskmanager per line of conf/workers: locally for localhost, over ssh otherwise.
set -euo pipefail
. "$(dirname "$0")/regent-config.sh"
on_host() {  # host command...
  local host=$1; shift
  if regent_is_local "$host"; then "$@"; else ssh -n "$host" "cd '$REGENT_HOME' && $*"; fi
}
while read -r master; do
  host=${master%:*}
  if [ "$host" = "$master" ]; then port=""; else port=${master##*:}; fi
  on_host "$host" "$REGENT_HOME/bin/jobmanager.sh" start ${port:+--webui-port "$port"}
done < <(regent_lines "$REGENT_CONF_DIR/masters")
while read -r worker; do
  on_host "$worker" "$REGENT_HOME/bin/taskmanager.sh" start
done < <(regent_lines "$REGENT_CONF_DIR/workers")
