#!/usr/bin/env bash
# latency.sh: p50/p99/p99.9 latency of lastmile, nginx and HAProxy at the SAME offered request
# rate (issue "Performance": "p99 latency ≤ 1.5× nginx's at the same load").
#
# Why a second latency benchmark: anchors.sh drives every proxy with wrk's closed loop (32
# connections, each sending its next request as soon as the answer arrives), so each proxy runs at
# its own saturation and its p99 is mostly queueing behind its own throughput: the proxies are
# never at the same load there. Here h2load sends a fixed number of requests per second per
# connection (--rps), the same for every proxy, and logs each request's time; the percentiles are
# computed from that log. Rates are rounds-robin across the proxies, several rounds each, median
# of the rounds. The job is the yardstick's: plain HTTP in, verified TLS with SNI to one pooled
# TLS backend, one worker each (same certificates, backend and nginx settings: lib.sh; HAProxy
# with the yardstick's settings).
#
# Usage: latency.sh [--rates '5000 10000 20000'] [--seconds 5] [--rounds 3] [--connections 32] [--floor]
# --floor adds a fourth proxy: floor-proxy.ts (the least a Node.js proxy can do for this job, see
# floor.sh), to show how much of lastmile's distance to nginx any proxy on Node's socket API has.
# Prints a table per rate, then one line per rate:
#   LATENCY rate=R lastmile_p99_ms=.. nginx_p99_ms=.. haproxy_p99_ms=.. ratio_nginx=.. (lastmile/nginx p99)
# Needs nginx, haproxy, h2load (Debian's nghttp2-client; installed with apt-get when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/lib.sh"
rates='5000 10000 20000' seconds=5 rounds=3 conns=32 floor=''
while (($#)); do case $1 in
  --rates) rates=$2; shift 2;; --seconds) seconds=$2; shift 2;; --rounds) rounds=$2; shift 2;;
  --connections) conns=$2; shift 2;; --floor) floor=1; shift;; *) echo "latency.sh: unknown $1" >&2; exit 2;; esac; done
need_tools
for b in haproxy h2load; do
  command -v $b >/dev/null && continue
  pkg=$b; [[ $b == h2load ]] && pkg=nghttp2-client
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg) >/dev/null 2>&1 \
    || { echo "latency.sh: could not install $pkg" >&2; exit 2; }
done
export BENCH_DIR=$(mktemp -d /tmp/lastmile-latency.XXXXXX)
export BENCH_SNI=backend.example.com BENCH_BACKEND_HOST=127.0.0.1 BENCH_BACKEND_PORT=19448 BENCH_PORT=18095 BENCH_CA=$BENCH_DIR/certs/ca.crt
nginx_port=18096 haproxy_port=18097 floor_port=18098
pids=(); cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$BENCH_DIR"; }; trap cleanup EXIT
make_certs $BENCH_DIR; backend_conf $BENCH_DIR; nginx_proxy_conf $BENCH_DIR $nginx_port
c=$BENCH_DIR/certs
cat > $BENCH_DIR/haproxy.cfg <<CONF
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:$haproxy_port
  default_backend be
backend be
  server s1 127.0.0.1:$BENCH_BACKEND_PORT ssl verify required ca-file $c/ca.crt sni str($BENCH_SNI) verifyhost $BENCH_SNI
CONF
nginx -c $BENCH_DIR/backend.conf >/dev/null 2>&1 & pids+=($!)
nginx -c $BENCH_DIR/nginx.conf >/dev/null 2>&1 & pids+=($!)
haproxy -f $BENCH_DIR/haproxy.cfg >$BENCH_DIR/haproxy.log 2>&1 & pids+=($!)
LASTMILE_ADMIN_PORT=19906 bash "$here/start-lastmile.sh" >$BENCH_DIR/lastmile.log 2>&1 & pids+=($!)
ports=($BENCH_BACKEND_PORT $nginx_port $haproxy_port $BENCH_PORT)
if [[ -n $floor ]]; then
  BENCH_PORT=$floor_port "$NODE" "$here/floor-proxy.ts" >$BENCH_DIR/floor.log 2>&1 & pids+=($!)
  ports+=($floor_port)
fi
for p in "${ports[@]}"; do
  wait_port $p || { echo "latency.sh: nothing listens on $p"; cat $BENCH_DIR/lastmile.log; exit 1; }
done
targets=("lastmile http://127.0.0.1:$BENCH_PORT/" "nginx http://127.0.0.1:$nginx_port/" "haproxy http://127.0.0.1:$haproxy_port/")
[[ -n $floor ]] && targets+=("floor http://127.0.0.1:$floor_port/")
for t in "${targets[@]}"; do
  set -- $t
  code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$2" || true)
  [[ $code == 200 ]] || { echo "latency.sh: $1 answered $code, not 200"; cat $BENCH_DIR/lastmile.log; exit 1; }
  wrk -t1 -c$conns -d2s "$2" >/dev/null 2>&1   # warm-up: pools filled, JIT warm
done

# run URL RATE LOG: h2load at RATE requests/s in all over $conns connections (HTTP/1.1, one
# request in flight per connection); prints "achieved_rps p50_ms p99_ms p999_ms failed".
run() {
  local url=$1 rate=$2 log=$3 per out
  per=$(( (rate + conns - 1) / conns ))
  out=$(h2load --h1 -c$conns -m1 --rps=$per -D $seconds --warm-up-time=1 --log-file=$log "$url" 2>&1) || true
  local failed; failed=$(awk '/^requests:/ {for (i=1;i<=NF;i++) if ($(i+1)=="failed," ) print $i}' <<<"$out")
  sort -n -k3 "$log" | awk -v s=$seconds -v f=${failed:-?} '
    {d[NR]=$3; if ($2 != 200) bad++; if (NR == 1 || $1 < t0) t0 = $1; if ($1 > t1) t1 = $1}
    END {
      if (NR == 0) { print "0 - - - " f; exit }
      span = (t1 - t0) / 1e6; if (span <= 0) span = s
      i50=int(NR*0.50); i99=int(NR*0.99); i999=int(NR*0.999); if (i50<1) i50=1; if (i99<1) i99=1; if (i999<1) i999=1
      printf "%.0f %.3f %.3f %.3f %s\n", NR/span, d[i50]/1000, d[i99]/1000, d[i999]/1000, f + bad
    }'
}

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A got p50 p99 p999 bad
for rate in $rates; do
  for r in $(seq 1 $rounds); do
    for t in "${targets[@]}"; do
      set -- $t
      rm -f $BENCH_DIR/h2load.log; res=($(run "$2" $rate $BENCH_DIR/h2load.log))
      got[$1,$rate]+="${res[0]} "; p50[$1,$rate]+="${res[1]} "; p99[$1,$rate]+="${res[2]} "; p999[$1,$rate]+="${res[3]} "
      [[ ${res[4]} != 0 ]] && bad[$1,$rate]+="${res[4]} "
    done
  done
done
for rate in $rates; do
  echo "offered $rate req/s over $conns connections, $rounds rounds of ${seconds}s (medians)"
  printf "  %-9s %10s %8s %8s %9s  %s\n" proxy "req/s" "p50 ms" "p99 ms" "p99.9 ms" failed
  for t in "${targets[@]}"; do set -- $t
    printf "  %-9s %10.0f %8.3f %8.3f %9.3f  %s\n" $1 "$(median "${got[$1,$rate]}")" "$(median "${p50[$1,$rate]}")" \
      "$(median "${p99[$1,$rate]}")" "$(median "${p999[$1,$rate]}")" "${bad[$1,$rate]:-0}"
  done
done
for rate in $rates; do
  l=$(median "${p99[lastmile,$rate]}"); n=$(median "${p99[nginx,$rate]}"); h=$(median "${p99[haproxy,$rate]}")
  extra=''
  if [[ -n $floor ]]; then f=$(median "${p99[floor,$rate]}"); extra=" floor_p99_ms=$f floor_ratio_nginx=$(awk "BEGIN{printf \"%.2f\", $f/$n}")"; fi
  printf "LATENCY rate=%s lastmile_p99_ms=%s nginx_p99_ms=%s haproxy_p99_ms=%s ratio_nginx=%.2f lastmile_rps=%.0f nginx_rps=%.0f%s\n" \
    $rate $l $n $h "$(awk "BEGIN{print $l/$n}")" "$(median "${got[lastmile,$rate]}")" "$(median "${got[nginx,$rate]}")" "$extra"
done
