#!/usr/bin/env bash
# floor.sh: the floor (floor-proxy.ts, the least a Node.js proxy can do for this job) against
# nginx and HAProxy, in one run of the shared yardstick, like anchors.sh does for lastmile.
# Its ratio is the ceiling for a proxy built on Node's public socket API on this machine;
# compare lastmile's ratio from anchors.sh (run them back to back: the machine is shared).
# Extra arguments go to the yardstick (--seconds, --rounds, --connections, --path /); FLOOR_PORT
# (default 18092) is the port the floor listens on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
yardstick=$root/../shared/bench/anchors.sh
[[ -f $yardstick ]] || { echo "bench: $yardstick not found" >&2; exit 2; }
bash "$yardstick" --start "exec '$root/node_modules/.bin/node' '$here/floor-proxy.ts'" --port "${FLOOR_PORT:-18092}" "$@"
