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

echo "== 784-500-10, Shockley diode pairs: kirchhoff vs ngspice in one process"
"$kirchhoff" op --quiet --compare "$out/layered784_shockley.cir" | tee "$out/layered_compare.txt"
awk '/^native:/ {n = $2} /^ngspice:/ {g = $2} /^parse:/ {p = $2}
     END {printf "solve ratio ngspice/native: %.0fx; with kirchhoff'"'"'s parse included: %.0fx\n",
          g / n, g / (n + p)}' "$out/layered_compare.txt"
echo "== 784-500-10, ideal diode pairs: kirchhoff op (projected Newton), whole process"
t0=$(date +%s.%N)
"$kirchhoff" op --quiet --csv "$out/layered784_ideal.cir" >/dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN {printf "kirchhoff op: %.3f s (parse included)\n", b - a}'
