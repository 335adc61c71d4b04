#!/usr/bin/env bash
# Nonlinear DC solve of a layered network: 784-500-10 (784 input pairs at gain 20, 500 hidden nodes each
# clamped to [-0.5, 0.5] V by a diode pair, 10 outputs; 397,000 resistors) driven by one
# MNIST-sized input (the first MNIST training image when data/mnist exists, else a fixed
# synthetic pattern). With Shockley diodes (the same circuit in both programs): kirchhoff and
# ngspice in one process (kirchhoff op --compare: parse, each solve, max |dV|). With ideal diodes:
# kirchhoff alone (ngspice would see a steep stand-in model, not the same circuit).
# Usage: bench/layered.sh [KIRCHHOFF_BINARY] [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
data=${2:-$here/../data}
out=$here/out
mkdir -p "$out"
net=$out/layered784.cir
[[ -s $net ]] || "$kirchhoff" net --arch 784-500-10 --diode-pairs --bias-voltage 0.5 --gain 20 -o "$net"
"$here/gen_layered.py" "$net" "$out/layered784_shockley.cir" "$data/mnist" --shockley
"$here/gen_layered.py" "$net" "$out/layered784_ideal.cir" "$data/mnist"

sync # the files were just written: their writeback must not land inside a measurement

# shellcheck source=bench/timing.sh
source "$here/timing.sh"

echo "== 784-500-10, Shockley diode pairs: kirchhoff vs ngspice in one process"
"$kirchhoff" op --quiet --compare "$out/layered784_shockley.cir" | tee "$out/layered_compare.txt"
whole=$(median_seconds 5 "$kirchhoff" op --quiet --csv "$out/layered784_shockley.cir")
echo "kirchhoff op, whole process (start-up, parse, solve, output), median of 5: $whole s"
read -r parse solve < <(median_timing 5 "$kirchhoff" "$out/layered784_shockley.cir")
echo "kirchhoff in process, medians of 5 (op --timing): parse $parse s, assembly + solve $solve s"
in_process_ratios "$out/layered_compare.txt" "$whole" "$parse" "$solve"
echo "== 784-500-10, ideal diode pairs: kirchhoff op (projected Newton), whole process"
echo "kirchhoff op, median of 5: $(median_seconds 5 "$kirchhoff" op --quiet --csv \
  "$out/layered784_ideal.cir") s (parse included)"
