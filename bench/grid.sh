#!/usr/bin/env bash
# Square resistor grids, n x n, sources at two corners: kirchhoff against the ngspice program
# on the same file. Times are whole processes (parse included; kirchhoff's the median of 5 runs
# up to n = 300, ngspice's of 3), peak memory from GNU time.
# ngspice runs only for n <= NGSPICE_MAX_N (default 100: n = 300 takes it about 14 minutes
# on a 2-core machine) and is stopped after NGSPICE_TIMEOUT seconds (default 300).
# Usage: bench/grid.sh [KIRCHHOFF_BINARY] [N ...]      (default N: 100 300 1000)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(100 300 1000)
max_n=${NGSPICE_MAX_N:-100}
timeout_s=${NGSPICE_TIMEOUT:-300}
out=$here/out
mkdir -p "$out"
# shellcheck source=bench/timing.sh
source "$here/timing.sh"
command -v /usr/bin/time >/dev/null || { echo "bench/grid.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

# measure RUNS LOG CMD...: runs CMD RUNS times; prints "median_seconds peak_MiB" ("- -" on
# failure). Wall time from bash's $EPOCHREALTIME, as `seconds` in timing.sh (GNU time's %e has
# 10 ms steps, as coarse as kirchhoff's whole run on small grids; a `date` before and after
# would add its own start to every run); the log keeps each run's output for inspection.
measure() {
  local runs=$1 log=$2 times=() t0 t1 i
  shift 2
  for ((i = 0; i < runs; i++)); do
    t0=$EPOCHREALTIME
    /usr/bin/time -o "$log.time" -f "%M" "$@" >"$log" 2>&1 || { echo "- -"; return; }
    t1=$EPOCHREALTIME
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')")
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | median)" \
    "$(awk '{printf "%.0f", $1 / 1024}' "$log.time")"
}

printf '%-6s %9s %12s %10s %12s %10s %10s\n' n nodes kirchhoff_s MiB ngspice_s MiB ratio
for n in "${sizes[@]}"; do
  file=$out/grid$n.cir
  [[ -s $file ]] || "$here/gen_grid.py" "$n" "$file"
  runs=1
  ((n > 300)) || runs=5
  read -r kt km < <(measure "$runs" "$out/kirchhoff$n.log" "$kirchhoff" op --quiet --csv "$file")
  nt=- nm=- ratio=-
  if ((n <= max_n)); then
    read -r nt nm < <(measure 3 "$out/ngspice$n.log" timeout "$timeout_s" ngspice -b "$file")
    [[ $nt == - ]] || ratio=$(awk -v a="$nt" -v b="$kt" 'BEGIN {printf "%.0fx", a / b}')
  fi
  printf '%-6s %9s %12s %10s %12s %10s %10s\n' "$n" $((n * n)) "$kt" "$km" "$nt" "$nm" "$ratio"
done
# Same answer: kirchhoff's solver against ngspice's .op, in one process, on the smallest grid.
n=${sizes[0]}
if ((n <= max_n)); then
  echo "answer check on the ${n}x${n} grid (kirchhoff op --compare):"
  "$kirchhoff" op --quiet --compare "$out/grid$n.cir" | sed 's/^/  /'
fi
