#!/usr/bin/env bash
# start-lastmile.sh: the --start command anchors.sh runs (it sets the BENCH_* variables).
# Writes the config, runs `lastmile serve` in the foreground with access logs off and log level
# warn, and on SIGTERM saves the admin API's /metrics (handshake counts) before stopping it.
# LASTMILE_WORKERS (default 1) and LASTMILE_ADMIN_PORT (default 19901) tune it;
# LASTMILE_METRICS_OUT names the file the final /metrics text goes to.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
admin=${LASTMILE_ADMIN_PORT:-19901}
bash "$here/config.sh" "$BENCH_DIR/lastmile"
args=(serve --config "$BENCH_DIR/lastmile" --admin-address "127.0.0.1:$admin" --bind-address 127.0.0.1 --log-level warn --no-access-log)
[[ -n ${LASTMILE_WORKERS:-} ]] && args+=(--workers "$LASTMILE_WORKERS")
"$root/node_modules/.bin/node" ${LASTMILE_NODE_FLAGS:-} "$root/src/main.ts" "${args[@]}" &
pid=$!
stop() {
  if [[ -n ${LASTMILE_METRICS_OUT:-} ]]; then
    curl -s --max-time 5 "http://127.0.0.1:$admin/metrics" >"$LASTMILE_METRICS_OUT" || true
  fi
  kill -TERM $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  exit 0
}
trap stop TERM INT
wait $pid
