#!/usr/bin/env bash
# instructions.sh: CPU instructions lastmile executes per proxied request, counted by callgrind.
# Usage: instructions.sh [--tree DIR] [--requests N] [--connections 1] [--node-flags '...'] [--keep FILE] [--floor] [--nginx] [--browser]
#
# What it measures: the job of solo.sh (plain HTTP in, verified pooled TLS to one nginx backend,
# `GET /` answered with 19 bytes), but as instructions ("Ir") instead of wall-clock time. This
# machine is shared and has 2 cores, so req/s and CPU-µs move by ±10% from run to run; instruction
# counts repeat to about ±0.5% (a busy machine still shifts a window now and then: compare runs,
# not single windows), which is what per-request savings of 1-3% need to be seen at all.
# Instructions are not time (cache misses, syscall cost and the kernel are not in them), so check
# winners with solo.sh too.
#
# How: lastmile runs under `valgrind --tool=callgrind --instr-atstart=no` (start-up and JIT
# warm-up are not counted), is warmed with 20000 keep-alive GETs, then instrumentation is
# switched on and three windows of N requests are counted on the same connections (so no
# connection set-up is in them; the per-window fixed costs, the switch and the dump, are a few
# instructions per request). V8 may still tier a function up, or re-optimize one after a
# deoptimization, late in a run: such a compile lands in one window (2-6% of it) and is not a
# per-request cost, so each window's instructions are counted without those spent inside V8's
# compilers, and Ir/request is the median window (a rare event such as a new pooled connection's
# TLS handshake also lands in one window only). Run it alone: two callgrind runs at once on this
# 2-core machine slow each other down and change how work batches per event-loop turn.
# Takes a couple of minutes.
#
# One client connection by default, so one pooled backend connection carries every request: with
# several, the pool's least recently used connection sits idle past the keep-alive timeout now
# and then (valgrind runs lastmile ~50x slower), closes, and the next burst opens a new one: a TLS
# handshake and re-optimizations land in the windows. --connections N measures with N anyway.
#
# --tree DIR runs the lastmile of another checkout (e.g. a copy of HEAD for A/B); --node-flags
# passes V8/Node flags (e.g. --no-async-context-frame); --keep FILE keeps the windows'
# callgrind profiles as FILE.1 .. FILE.3 (open them with callgrind_annotate).
# --browser sends the dozen fields a browser sends for a page instead of curl's three.
# --floor counts floor-proxy.ts instead (the least a Node.js proxy can do for this job, see
# floor.sh): lastmile's count minus the floor's is lastmile's own per-request work.
# --nginx counts nginx doing the same job (the yardstick's settings, lib.sh, one process:
# `master_process off`): the same unit for the proxy the throughput target compares against.
# (--tree and --node-flags apply to lastmile only; --floor and --nginx exclude each other.)
# Prints each window's instructions per request (raw, then without JIT compiles) and
# `Ir/request: <median without JIT compiles>`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/lib.sh"
tree=$root requests=3000 flags='' keep='' warm=20000 conns=1 floor='' nginx='' request=short
while (($#)); do case $1 in
  --tree) tree=$(cd "$2" && pwd); shift 2;; --requests) requests=$2; shift 2;;
  --node-flags) flags=$2; shift 2;; --keep) keep=$2; shift 2;; --connections) conns=$2; shift 2;; --floor) floor=1; shift;; --nginx) nginx=1; shift;; --browser) request=browser; shift;;
  *) echo "instructions.sh: unknown $1" >&2; exit 2;; esac; done
[[ -n $floor && -n $nginx ]] && { echo "instructions.sh: --floor and --nginx each name the proxy counted: give one" >&2; exit 2; }
name=lastmile; [[ -n $floor ]] && name=floor; [[ -n $nginx ]] && name=nginx
for b in valgrind callgrind_control nginx openssl; do
  command -v $b >/dev/null || { echo "instructions.sh: missing $b (apt-get install valgrind nginx openssl)" >&2; exit 2; }
done

export BENCH_DIR=$(mktemp -d /tmp/lastmile-instructions.XXXXXX)
pids=()
cleanup() {
  local i
  # Newest first: the client goes before the proxy it would report closing on it.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$BENCH_DIR"
}
trap cleanup EXIT

# free_port [PAIR]: a TCP port nobody listens on (and, with PAIR, the one after it too: the bench
# backend also listens on its port + 1).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
    [[ -n ${1:-} ]] && (echo >/dev/tcp/127.0.0.1/$((p + 1))) 2>/dev/null && continue
    echo $p; return 0
  done
  echo "instructions.sh: no free port found" >&2; exit 1
}
export BENCH_SNI=backend.example.com BENCH_BACKEND_HOST=127.0.0.1 BENCH_CA=$BENCH_DIR/certs/ca.crt
export BENCH_BACKEND_PORT=$(free_port pair)
export BENCH_PORT=$(free_port)
admin=$(free_port)

make_certs "$BENCH_DIR"; backend_conf "$BENCH_DIR"
nginx -c "$BENCH_DIR/backend.conf" >/dev/null 2>&1 & pids+=($!)
bash "$here/config.sh" "$BENCH_DIR/lastmile"
out=$BENCH_DIR/callgrind.out
# --no-concurrent-recompilation: V8 optimizes on the main thread, so the counted thread does the
# same work every run instead of racing a background compiler.
if [[ -n $nginx ]]; then
  # The worker is the process counted: no master, so valgrind's process is the one serving.
  nginx_proxy_conf "$BENCH_DIR" $BENCH_PORT
  sed -i '1s/^/master_process off; /' "$BENCH_DIR/nginx.conf"
  run=(nginx -c "$BENCH_DIR/nginx.conf")
else
  if [[ -n $floor ]]; then proxy=("$here/floor-proxy.ts")
  else proxy=("$tree/src/main.ts" serve --config "$BENCH_DIR/lastmile" --admin-address 127.0.0.1:$admin \
    --bind-address 127.0.0.1 --log-level warn --no-access-log); fi
  run=("$NODE" --no-concurrent-recompilation $flags "${proxy[@]}")
fi
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "${run[@]}" >"$BENCH_DIR/proxy.log" 2>&1 & vg=$!; pids+=($vg)
wait_port $BENCH_BACKEND_PORT || { echo "instructions.sh: backend did not start" >&2; exit 1; }
for _ in $(seq 1 240); do (echo >/dev/tcp/127.0.0.1/$BENCH_PORT) 2>/dev/null && break; sleep 0.5; done
(echo >/dev/tcp/127.0.0.1/$BENCH_PORT) 2>/dev/null || { echo "instructions.sh: $name did not start" >&2; cat "$BENCH_DIR/proxy.log" >&2; exit 1; }

# One client for every round, over the same connections (see instructions-client.ts).
coproc CLIENT { exec "$NODE" "$here/instructions-client.ts" $BENCH_PORT $conns $request; }
pids+=($CLIENT_PID)
round() {
  local reply
  echo "$1" >&"${CLIENT[1]}"
  read -r reply <&"${CLIENT[0]}" || { echo "instructions.sh: the client failed" >&2; exit 1; }
  [[ $reply == "done $1 "* ]] || { echo "instructions.sh: client said: $reply" >&2; exit 1; }
}
round $warm
callgrind_control -i on $vg >/dev/null 2>&1
for w in 1 2 3; do
  round $requests
  callgrind_control -d $vg >/dev/null 2>&1   # dumps to $out.$w and zeroes the counters
done
callgrind_control -i off $vg >/dev/null 2>&1
total() {
  for _ in $(seq 1 50); do [[ -s $1 ]] && grep -qE '^(summary|totals):' "$1" && break; sleep 0.2; done
  grep -E '^(summary|totals):' "$1" | head -1 | awk '{print $2}'
}
# jit FILE: instructions spent compiling (TurboFan/Maglev and Sparkplug batches) in a window.
jit() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk '/Compiler::CompileOptimized\(|BaselineBatchCompiler::CompileBatch\(/ {gsub(",", "", $1); s += $1} END {print s + 0}'
}
raw=() per=()
for w in 1 2 3; do
  t=$(total "$out.$w"); j=$(jit "$out.$w")
  raw+=($((t / requests))); per+=($(((t - j) / requests)))
  [[ -n $keep ]] && cp "$out.$w" "$keep.$w"
done
echo "$name, windows of $requests requests: ${raw[*]} Ir/request; without JIT compiles: ${per[*]}"
echo "Ir/request: $(printf '%s\n' "${per[@]}" | sort -n | sed -n 2p)"
