#!/usr/bin/env bash
# solo.sh: lastmile alone against the TLS backend, for quick iterations and profiles (no anchors).
# Usage: solo.sh [--seconds 5] [--connections 32] [--path /] [--workers 1] [--node-flags '--cpu-prof']
#                [--nginx] [--tree DIR]
# --nginx measures nginx doing the same job instead (same backend, same CPU accounting), for a
# same-machine reference; --tree runs the lastmile of another checkout (e.g. a copy of HEAD), so
# before/after CPU figures can be interleaved.
# Prints req/s, p99, MB/s, CPU µs per request (user+system), and its user and system parts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/lib.sh"
seconds=5 conns=32 path=/ workers=1 flags='' target=lastmile tree=$root
while (($#)); do case $1 in
  --seconds) seconds=$2; shift 2;; --connections) conns=$2; shift 2;; --path) path=$2; shift 2;;
  --workers) workers=$2; shift 2;; --node-flags) flags=$2; shift 2;; --nginx) target=nginx; shift;;
  --tree) tree=$(cd "$2" && pwd); shift 2;; *) echo "solo.sh: unknown $1" >&2; exit 2;; esac; done
need_tools
export BENCH_DIR=$(mktemp -d /tmp/lastmile-solo.XXXXXX)
export BENCH_SNI=backend.example.com BENCH_BACKEND_HOST=127.0.0.1 BENCH_BACKEND_PORT=19444 BENCH_PORT=18091 BENCH_CA=$BENCH_DIR/certs/ca.crt
# SOLO_LOG=FILE keeps lastmile's output (e.g. with --node-flags --trace-gc, to count scavenges).
pids=(); cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [[ -n ${SOLO_LOG:-} && -f $BENCH_DIR/lastmile.log ]] && cp "$BENCH_DIR/lastmile.log" "$SOLO_LOG"; rm -rf "$BENCH_DIR"; }; trap cleanup EXIT
make_certs $BENCH_DIR; backend_conf $BENCH_DIR
nginx -c $BENCH_DIR/backend.conf >/dev/null 2>&1 & pids+=($!)
if [[ $target == nginx ]]; then
  nginx_proxy_conf $BENCH_DIR $BENCH_PORT
  nginx -c $BENCH_DIR/nginx.conf >/dev/null 2>&1 & pids+=($!); master=$!
else
  [[ $workers != 1 ]] && export LASTMILE_WORKERS=$workers
  LASTMILE_ADMIN_PORT=19902 LASTMILE_NODE_FLAGS=$flags LASTMILE_METRICS_OUT=${OUT:-/tmp}/solo-metrics.txt bash "$tree/bench/dataplane/start-lastmile.sh" >$BENCH_DIR/lastmile.log 2>&1 & pids+=($!)
fi
wait_port $BENCH_BACKEND_PORT; wait_port $BENCH_PORT || { cat $BENCH_DIR/lastmile.log; exit 1; }
curl -sf -o /dev/null "http://127.0.0.1:$BENCH_PORT$path" || { echo "solo.sh: $target did not answer 200"; cat $BENCH_DIR/lastmile.log 2>/dev/null; exit 1; }
wrk -t1 -c$conns -d2s "http://127.0.0.1:$BENCH_PORT$path" >/dev/null 2>&1
if [[ $target == nginx ]]; then measured=($(pgrep -P $master)); else measured=($(node_pids)); fi
u0=$(cpu_ticks_user "${measured[@]}"); s0=$(cpu_ticks_sys "${measured[@]}")
r=($(wrk_run "http://127.0.0.1:$BENCH_PORT$path" $seconds $conns))
u1=$(cpu_ticks_user "${measured[@]}"); s1=$(cpu_ticks_sys "${measured[@]}"); hz=$(getconf CLK_TCK)
per() { awk -v a=$1 -v b=$2 -v hz=$hz -v r=${r[0]} -v s=$seconds 'BEGIN{printf "%.1f", b/hz*1e6/(r*s) + a/hz*1e6/(r*s)}'; }
echo "rps p99_ms MBps cpu_us_per_req user_us sys_us errors"
echo "${r[0]} ${r[1]} ${r[2]} $(per $((u1 - u0)) $((s1 - s0))) $(per 0 $((u1 - u0))) $(per 0 $((s1 - s0))) ${r[*]:3}"
