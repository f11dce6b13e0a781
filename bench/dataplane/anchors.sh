#!/usr/bin/env bash
# anchors.sh: lastmile vs nginx vs HAProxy on the same job, in one run of the shared yardstick
# (../shared/bench/anchors.sh from the project root). Extra arguments go to it (--seconds,
# --rounds, --connections, --path). Environment: LASTMILE_WORKERS (default 1), LASTMILE_PORT
# (default 18090), LASTMILE_NODE_FLAGS (e.g. --cpu-prof), OUT (default /tmp/lastmile-bench).
# Prints the yardstick's table and RESULT line, then the upstream TLS handshakes lastmile counted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
yardstick=$root/../shared/bench/anchors.sh
[[ -x $yardstick || -f $yardstick ]] || { echo "bench: $yardstick not found" >&2; exit 2; }
port=${LASTMILE_PORT:-18090}
export OUT=${OUT:-/tmp/lastmile-bench}
mkdir -p "$OUT"
export LASTMILE_METRICS_OUT=$OUT/metrics.txt
rm -f "$LASTMILE_METRICS_OUT"
[[ ${LASTMILE_WORKERS:-1} == 1 ]] && unset LASTMILE_WORKERS || export LASTMILE_WORKERS
bash "$yardstick" --start "exec bash '$here/start-lastmile.sh'" --port "$port" "$@" | tee "$OUT/anchors.txt"
# The target is stopped (and its /metrics saved) when the yardstick exits.
for _ in $(seq 1 50); do [[ -s $LASTMILE_METRICS_OUT ]] && break; sleep 0.1; done
if [[ -s $LASTMILE_METRICS_OUT ]]; then
  echo "upstream TLS handshakes (lastmile /metrics):"
  grep -E '^lastmile_upstream_tls_handshakes_total|^lastmile_upstream_pool_connections' "$LASTMILE_METRICS_OUT" || echo "  (none recorded)"
fi
