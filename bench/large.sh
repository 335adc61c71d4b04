#!/usr/bin/env bash
# The native backend (kirchhoff's sparse solver) on large linear circuits (docs/scaling.md): square grids, random
# geometric graphs and crossbars with wire resistance from 1e5 to 1e7 nodes. Per circuit:
# parse, assembly + symbolic analysis, solve (CHOLMOD supernodal factorization with OpenBLAS
# threads, solve, refinement, KCL certificate), peak memory, and per kind the fitted exponent
# of the solve time and of the whole time against the node count. A size that fails (memory) or
# runs past LARGE_TIMEOUT seconds (default 1200) ends that kind: where one machine stops.
# Usage: [LARGE_KINDS="grid rgg crossbar"] bench/large.sh [KIRCHHOFF_BINARY] [NODES ...]
#        (default NODES: 1e5 1e6 3e6 1e7)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(1e5 1e6 3e6 1e7)
timeout_s=${LARGE_TIMEOUT:-1200}
out=${LARGE_OUT:-$here/out/large}
mkdir -p "$out"
printf '%-9s %10s %10s %9s %9s %9s %9s %9s\n' kind nodes elements parse_s setup_s solve_s \
  total_s MiB
for kind in ${LARGE_KINDS:-grid rgg crossbar}; do
  fit=()
  for n in "${sizes[@]}"; do
    file=$out/$kind.$n.cir
    [[ -s $file ]] || /usr/bin/python3 "$here/gen_large.py" "$kind" "$n" "$file"
    t0=$(date +%s.%N)
    if ! timeout "$timeout_s" "$kirchhoff" op --quiet --timing "$file" >"$out/$kind.$n.log" 2>&1; then
      printf '%-9s %10s  stopped: %s\n' "$kind" "$n" "$(tail -n 1 "$out/$kind.$n.log")"
      rm -f "$file"
      break
    fi
    t1=$(date +%s.%N)
    read -r nodes elements < <(awk '/^nodes/ {print $2, $4}' "$out/$kind.$n.log")
    read -r parse setup solve < <(awk '/^parse/ {print $2, $5, $8}' "$out/$kind.$n.log")
    mib=$(awk '/^peak memory/ {print $3}' "$out/$kind.$n.log")
    total=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
    printf '%-9s %10s %10s %9s %9s %9s %9s %9s\n' "$kind" "$nodes" "$elements" "$parse" \
      "$setup" "$solve" "$total" "$mib"
    fit+=("$nodes $solve $total")
    rm -f "$file" # 1e7-node files are 0.5 GB each
  done
  if ((${#fit[@]} >= 2)); then
    printf '%s\n' "${fit[@]}" | awk -v kind="$kind" '
      { x = log($1); for (k = 2; k <= 3; k++) { y = log($k); sx[k] += x; sy[k] += y; sxx[k] += x * x; sxy[k] += x * y } n++ }
      END { for (k = 2; k <= 3; k++) b[k] = (n * sxy[k] - sx[k] * sy[k]) / (n * sxx[k] - sx[k] * sx[k]);
            printf "%-9s time ~ nodes^p: solve p = %.2f, whole run p = %.2f (%d sizes)\n", kind, b[2], b[3], n }'
  fi
done
