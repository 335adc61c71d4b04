#!/usr/bin/env bash
# Square resistor grids, n x n, sources at two corners: kirchhoff against the ngspice program
# on the same file. Times are whole processes (parse included). Up to NGSPICE_MAX_N (default
# 100: n = 300 takes ngspice about 14 minutes on a 2-core machine) kirchhoff and ngspice run
# interleaved, 5 rounds of three kirchhoff runs and one ngspice run (timing.sh's `interleaved`:
# the ratio is the median of the rounds'); larger grids run kirchhoff alone (the median of 5 up
# to n = 300, one run above). Peak memory from GNU time, one more run each.
# ngspice is stopped after NGSPICE_TIMEOUT seconds (default 300).
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

# peak_mib LOG CMD...: one run of CMD under GNU time; its peak resident memory in MiB ("-" if
# it fails), its output kept in LOG for inspection
peak_mib() {
  local log=$1
  shift
  /usr/bin/time -o "$log.time" -f "%M" "$@" >"$log" 2>&1 || { echo -; return; }
  awk '{printf "%.0f\n", $1 / 1024}' "$log.time"
}

printf '%-6s %9s %12s %10s %12s %10s %10s\n' n nodes kirchhoff_s MiB ngspice_s MiB ratio
for n in "${sizes[@]}"; do
  file=$out/grid$n.cir
  [[ -s $file ]] || "$here/gen_grid.py" "$n" "$file"
  mine=("$kirchhoff" op --quiet --csv "$file")
  km=$(peak_mib "$out/kirchhoff$n.log" "${mine[@]}")
  nt=- nm=- ratio=-
  if ((n <= max_n)); then
    nm=$(peak_mib "$out/ngspice$n.log" timeout "$timeout_s" ngspice -b "$file")
    read -r kt nt ratio < <(interleaved 5 "${mine[@]}" -- timeout "$timeout_s" ngspice -b "$file")
  elif ((n <= 300)); then
    kt=$(median_seconds 5 "${mine[@]}")
  else
    kt=$(seconds "${mine[@]}")
  fi
  printf '%-6s %9s %12s %10s %12s %10s %10s\n' "$n" $((n * n)) "$kt" "$km" "$nt" "$nm" "$ratio"
done
# Same answer: kirchhoff's solver against ngspice's .op, in one process, on the smallest grid.
n=${sizes[0]}
if ((n <= max_n)); then
  echo "answer check on the ${n}x${n} grid (kirchhoff op --compare):"
  "$kirchhoff" op --quiet --compare "$out/grid$n.cir" | sed 's/^/  /'
fi
