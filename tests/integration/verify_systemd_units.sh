#!/usr/bin/env bash
# The shipped systemd units (deploy/systemd/) pass `systemd-analyze verify` with their paths
# pointed at this checkout: every key known and in its section, the commands executable.
# usage: verify_systemd_units.sh SOURCE_DIR BIN_DIR
set -euo pipefail
src=$1 bin=$2
work=$(mktemp -d /tmp/regent-tests-systemd.XXXXXX)
trap 'rm -rf "$work"' EXIT
for unit in "$src"/deploy/systemd/*.service; do
  sed -e "s|/opt/regent/build/bin|$bin|g" -e "s|/opt/regent|$src|g" "$unit" > "$work/$(basename "$unit")"
done
out=$(cd "$work" && systemd-analyze verify --man=no ./*.service 2>&1 || echo "systemd-analyze verify failed")
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: $(ls "$work" | tr '\n' ' ')ok"
