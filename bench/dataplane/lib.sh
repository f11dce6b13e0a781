# lib.sh: shared pieces of the data-plane benchmarks (sourced). Same certificates and backend as
# ../shared/bench/anchors.sh, plus locations for large bodies: /big (1 MiB response) and /upload
# (accepts a 1 MiB request body).
PATH=$PATH:/usr/sbin
here=${here:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
root=${root:-$(cd "$here/../.." && pwd)}
NODE=$root/node_modules/.bin/node

need_tools() {
  local need=() b
  for b in nginx wrk openssl curl; do command -v $b >/dev/null || need+=($b); done
  ((${#need[@]} == 0)) || { echo "bench: missing ${need[*]} (run ../shared/bench/anchors.sh once: it installs them)" >&2; exit 2; }
}

# make_certs DIR: a CA and a backend leaf for $BENCH_SNI, as the yardstick makes them.
make_certs() {
  local c=$1/certs; mkdir -p "$c"; chmod 755 "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $c/ca.key -out $c/ca.crt -days 30 -subj "/CN=Bench Test CA" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $c/backend.key -out $c/backend.csr -subj "/CN=$BENCH_SNI" 2>/dev/null
  printf "subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n" $BENCH_SNI > $c/ext.cnf
  openssl x509 -req -in $c/backend.csr -CA $c/ca.crt -CAkey $c/ca.key -CAcreateserial -out $c/backend.crt -days 30 -extfile $c/ext.cnf 2>/dev/null
  head -c 1048576 /dev/urandom > "$1/big.bin"; chmod 644 "$1/big.bin"
}

# backend_conf DIR: the TLS backend (one nginx worker).
backend_conf() {
  local d=$1 c=$1/certs
  cat > $d/backend.conf <<CONF
worker_processes 1; daemon off; pid $d/backend.pid; error_log $d/backend.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $d/cbt; proxy_temp_path $d/pt;
  server { listen 127.0.0.1:$BENCH_BACKEND_PORT ssl; ssl_certificate $c/backend.crt; ssl_certificate_key $c/backend.key;
    ssl_session_cache shared:SSL:10m; client_max_body_size 4m; client_body_buffer_size 2m;
    location / { return 200 "hello from backend\n"; }
    location = /big { alias $d/big.bin; default_type application/octet-stream; }
    location = /upload { proxy_pass http://127.0.0.1:$((BENCH_BACKEND_PORT + 1)); proxy_request_buffering on; } }
  # Answers after the TLS server above has read the whole upload (proxy_request_buffering on).
  server { listen 127.0.0.1:$((BENCH_BACKEND_PORT + 1)); location / { return 200 "ok\n"; } } }
CONF
}

# nginx_proxy_conf DIR PORT: nginx doing lastmile's job (the yardstick's settings), streaming
# bodies both ways like lastmile does (no request/response buffering to temp files).
nginx_proxy_conf() {
  local d=$1 p=$2 c=$1/certs
  cat > $d/nginx.conf <<CONF
worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/nginx.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $d/ncbt; proxy_temp_path $d/npt;
  upstream be { server 127.0.0.1:$BENCH_BACKEND_PORT; keepalive 64; }
  server { listen 127.0.0.1:$p; client_max_body_size 4m;
    location / { proxy_pass https://be; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_ssl_server_name on; proxy_ssl_name $BENCH_SNI; proxy_ssl_verify on; proxy_ssl_verify_depth 3;
      proxy_ssl_trusted_certificate $c/ca.crt; proxy_ssl_session_reuse on;
      proxy_request_buffering off; proxy_buffering off; } } }
CONF
}

wait_port() { for _ in $(seq 1 150); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.2; done; return 1; }

# wrk_run URL SECONDS CONNS [LUA]: prints "rps p99_ms transfer_MBps errors"
wrk_run() {
  local out
  out=$(wrk -t1 -c$3 -d${2}s --latency ${4:+-s $4} "$1" 2>&1)
  awk '
    /Requests\/sec/ {rps=$2}
    /Transfer\/sec/ {v=$2; if (v ~ /GB$/) {sub(/GB$/,"",v); v*=1024} else if (v ~ /MB$/) {sub(/MB$/,"",v)} else if (v ~ /KB$/) {sub(/KB$/,"",v); v/=1024} else {sub(/B$/,"",v); v/=1048576}; mb=v}
    $1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; p=v}
    /Non-2xx|Socket errors/ {e=e $0 ";"}
    END {printf "%s %s %s %s\n", rps, p, mb, (e==""?"none":e)}' <<<"$out"
}

# cpu_ticks PID...: user+system CPU time of the processes (and their children's threads), in clock ticks.
cpu_ticks() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
# cpu_ticks_user / cpu_ticks_sys PID...: the user and the system parts alone.
cpu_ticks_user() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14}' /proc/$p/stat))); done; echo $t; }
cpu_ticks_sys() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $15}' /proc/$p/stat))); done; echo $t; }
# rss_kb PID...: resident memory of the processes, summed (KiB).
rss_kb() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/status ]] && t=$((t + $(awk '/^VmRSS/ {print $2}' /proc/$p/status))); done; echo $t; }
# node_pids PARENT: the lastmile node processes under a start-lastmile.sh (primary and workers).
node_pids() { pgrep -f "src/main.ts serve --config $BENCH_DIR" || true; }
