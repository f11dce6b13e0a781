#!/usr/bin/env bash
# bodies.sh: 1 MiB responses and 1 MiB uploads through lastmile and nginx (same TLS backend, one
# worker each, bodies streamed by both: see lib.sh). Prints MB/s, p99 and memory per connection
# (peak RSS under load minus RSS at rest, divided by the connections).
# Usage: bodies.sh [--seconds 5] [--connections 16]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/lib.sh"
seconds=5 conns=16
while (($#)); do case $1 in --seconds) seconds=$2; shift 2;; --connections) conns=$2; shift 2;; *) echo "bodies.sh: unknown $1" >&2; exit 2;; esac; done
need_tools
export BENCH_DIR=$(mktemp -d /tmp/lastmile-bodies.XXXXXX)
export BENCH_SNI=backend.example.com BENCH_BACKEND_HOST=127.0.0.1 BENCH_BACKEND_PORT=19446 BENCH_PORT=18093 BENCH_CA=$BENCH_DIR/certs/ca.crt
pids=(); cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$BENCH_DIR"; }; trap cleanup EXIT
make_certs $BENCH_DIR; backend_conf $BENCH_DIR; nginx_proxy_conf $BENCH_DIR 18094
nginx -c $BENCH_DIR/backend.conf >/dev/null 2>&1 & pids+=($!)
nginx -c $BENCH_DIR/nginx.conf >/dev/null 2>&1 & pids+=($!); nginx_master=$!
LASTMILE_ADMIN_PORT=19904 bash "$here/start-lastmile.sh" >$BENCH_DIR/lastmile.log 2>&1 & pids+=($!)
for p in $BENCH_BACKEND_PORT 18094 $BENCH_PORT; do wait_port $p || { echo "bodies.sh: nothing on $p"; cat $BENCH_DIR/lastmile.log; exit 1; }; done
cat > $BENCH_DIR/upload.lua <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["content-type"] = "application/octet-stream"
LUA
sleep 0.5
lm=($(node_pids)); ngw=($(pgrep -P $nginx_master))
# measure NAME PIDS URL [LUA]
measure() {
  local name=$1 pidlist=$2 url=$3 lua=${4:-} rest peak=0 r s
  wrk -t1 -c$conns -d2s ${lua:+-s $lua} "$url" >/dev/null 2>&1; sleep 1
  rest=$(rss_kb $pidlist)
  ( for _ in $(seq 1 $((seconds * 4))); do rss_kb $pidlist; sleep 0.25; done ) > $BENCH_DIR/rss.txt &
  r=($(wrk_run "$url" $seconds $conns $lua)); wait $!
  peak=$(sort -n $BENCH_DIR/rss.txt | tail -1)
  s=$(awk -v r=${r[0]} 'BEGIN{printf "%.0f", r}')
  # Downloads: bytes received (wrk Transfer/sec); uploads: 1 MiB sent per request.
  mb=${r[2]}; [[ -n $lua ]] && mb=${r[0]}
  printf "%-8s %-8s %8s req/s %9.1f MB/s  p99 %8s ms  rss rest %6d KiB  peak %6d KiB  %6.1f KiB/conn  %s\n" \
    "$name" "$(basename ${url%%\?*})" "$s" "$mb" "${r[1]}" "$rest" "$peak" "$(awk -v a=$rest -v b=$peak -v c=$conns 'BEGIN{print (b-a)/c}')" "${r[*]:3}"
}
echo "1 MiB bodies, $conns connections, ${seconds}s each (MB/s = req/s x 1 MiB)"
for path in /big /upload; do
  lua=''; [[ $path == /upload ]] && lua=$BENCH_DIR/upload.lua
  measure lastmile "${lm[*]}" "http://127.0.0.1:$BENCH_PORT$path" $lua
  measure nginx "${ngw[*]}" "http://127.0.0.1:18094$path" $lua
done
