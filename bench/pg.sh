#!/usr/bin/env bash
# A 30,000-node power grid in the style of the IBM power grid benchmarks (bench/gen_pg.py: two
# metal layers, 20,000 0 V sources for vias and load ammeters, 10,000 loads, 100 pads):
# kirchhoff op against the ngspice program on the same file, whole processes, 5 interleaved
# rounds (timing.sh's `interleaved`: the ratio is the median of the rounds'); then the answers
# compared in one process (kirchhoff op --compare), whose ngspice time (parse and .op, without
# the program's start-up) is set against kirchhoff's in-process times.
# Usage: bench/pg.sh [KIRCHHOFF_BINARY] [N]      (N x N crossings, default 100)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
n=${2:-100}
out=$here/out
mkdir -p "$out"
file=$out/pg$n.cir
[[ -s $file ]] || "$here/gen_pg.py" "$file" "$n"

# shellcheck source=bench/timing.sh
source "$here/timing.sh"

read -r kt nt ratio < <(interleaved 5 "$kirchhoff" op --quiet --csv "$file" -- ngspice -b "$file")
[[ $kt != - ]] || { echo "a run failed" >&2; exit 1; }
nodes=$("$kirchhoff" op --quiet --timing "$file" | awk '/^nodes/ {print $2 - 1}')
sources=$(grep -c '^V.* 0$' "$file" || true)
printf '%-44s %12s %12s %8s\n' circuit kirchhoff_s ngspice_s ratio
printf '%-44s %12s %12s %8s\n' "power grid, $nodes nodes, $sources 0 V sources" "$kt" "$nt" "$ratio"
in_process_report "$kirchhoff" "$file" "$out/pg_compare.txt" "$kt"
