#!/usr/bin/env bash
# pairs.sh: anchors.sh (lastmile) and floor.sh (the floor proxy) run alternately N times, each in
# its own run of the shared yardstick, then the median of each proxy's ratio to nginx. On this
# shared 2-core machine one run's ratio moves by about ±0.1 with the load other jobs put on it;
# alternating the two and taking medians keeps a busy minute from landing on one side only.
# Usage: pairs.sh [--runs 3] [yardstick arguments: --seconds, --rounds, --connections, --path]
# Prints one line per run, then:
#   PAIRS runs=N lastmile_ratio_nginx=<median> floor_ratio_nginx=<median> lastmile_over_floor=<median of the per-run quotients>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=3 args=()
while (($#)); do case $1 in --runs) runs=$2; shift 2;; *) args+=("$1"); shift;; esac; done
ratio() { sed -n 's/^RESULT .*ratio_nginx=\([0-9.]*\).*/\1/p' <<<"$1"; }
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
lm='' fl='' q=''
for r in $(seq 1 "$runs"); do
  a=$(bash "$here/anchors.sh" "${args[@]}" 2>&1 | grep '^RESULT') || { echo "pairs.sh: anchors.sh failed" >&2; exit 1; }
  f=$(bash "$here/floor.sh" "${args[@]}" 2>&1 | grep '^RESULT') || { echo "pairs.sh: floor.sh failed" >&2; exit 1; }
  x=$(ratio "$a") y=$(ratio "$f")
  echo "run $r $(date -u +%H:%M) lastmile $a"
  echo "run $r $(date -u +%H:%M) floor    $f"
  lm+="$x " fl+="$y " q+="$(awk "BEGIN{printf \"%.3f\", $x/$y}") "
done
echo "PAIRS runs=$runs lastmile_ratio_nginx=$(median "$lm") floor_ratio_nginx=$(median "$fl") lastmile_over_floor=$(median "$q")"
