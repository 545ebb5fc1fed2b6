#!/usr/bin/env bash
# Stops every taskmanager and jobmanager started by start-cluster.sh (pid files under log/).
set -euo pipefail
. "$(dirname "$0")/regent-config.sh"
on_host() {
  local host=$1; shift
  if regent_is_local "$host"; then "$@"; else ssh -n "$host" "cd '$REGENT_HOME' && $*"; fi
}
done_local=""
while read -r worker; do
  if regent_is_local "$worker"; then
    [ -n "$done_local" ] && continue
    done_local=1
  fi
  on_host "$worker" "$REGENT_HOME/bin/taskmanager.sh" stop-all
done < <(regent_lines "$REGENT_CONF_DIR/workers")
done_local=""
while read -r master; do
  host=${master%:*}
  if regent_is_local "$host"; then
    [ -n "$done_local" ] && continue
    done_local=1
  fi
  on_host "$host" "$REGENT_HOME/bin/jobmanager.sh" stop-all
done < <(regent_lines "$REGENT_CONF_DIR/masters")
