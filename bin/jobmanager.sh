#!/usr/bin/env bash
# jobmanager.sh start|stop|stop-all|start-foreground [--webui-port P] [--host H] [-D key=value]...
set -euo pipefail
. "$(dirname "$0")/regent-config.sh"
[ $# -ge 1 ] || { echo "usage: jobmanager.sh start|stop|stop-all|start-foreground [args...]" >&2; exit 2; }
action=$1; shift
regent_daemon "$action" jobmanager "$@"
