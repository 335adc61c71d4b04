#!/usr/bin/env bash
# Nonlinear DC solve: a 100x100 resistor grid with 2,500 Shockley diodes to ground, kirchhoff's
# projected Newton against the ngspice program on the same file (whole processes, 5 interleaved
# rounds of timing.sh's `interleaved`: the ratio is the median of the rounds'),
# then the answers compared in one process (kirchhoff op --compare, ngspice at tight tolerances),
# whose ngspice time (parse and .op, without the program's start-up) is set against kirchhoff's
# own in-process times as bench/layered.sh does.
# Usage: bench/diodes.sh [KIRCHHOFF_BINARY]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
out=$here/out
mkdir -p "$out"
file=$out/grid100_diodes.cir
[[ -s $file ]] || { "$here/gen_grid.py" 100 "$file" 2500 && sync; }

# shellcheck source=bench/timing.sh
source "$here/timing.sh"

read -r kt nt ratio < <(interleaved 5 "$kirchhoff" op --quiet --csv "$file" -- ngspice -b "$file")
[[ $kt != - ]] || { echo "a run failed" >&2; exit 1; }
printf '%-34s %12s %12s %8s\n' circuit kirchhoff_s ngspice_s ratio
printf '%-34s %12s %12s %8s\n' "100x100 grid + 2500 diodes" "$kt" "$nt" "$ratio"
in_process_report "$kirchhoff" "$file" "$out/diodes_compare.txt" "$kt"
