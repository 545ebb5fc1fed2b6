#!/usr/bin/env bash
# taskmanager.sh start|stop|stop-all|start-foreground [--host H] [-D key=value]...
set -euo pipefail
. "$(dirname "$0")/regent-config.sh"
[ $# -ge 1 ] || { echo "usage: taskmanager.sh start|stop|stop-all|start-foreground [args...]" >&2; exit 2; }
action=$1; shift
regent_daemon "$action" taskmanager "$@"
