#!/usr/bin/env bash
# The oscillating estimator's bias (issue 7): relative error against the exact gradient of the
# time-domain estimate on a Shockley deep resistive network (5-8-3, 1 pF per node, time constants
# of picoseconds), against the period T (the adiabatic limit), the number of measured periods M
# (with and without a settling period) and the number of odd harmonics H; the first harmonic
# beside the centered estimator; native against ngspice's .tran; the cost against centered EP.
# Prints, asserts nothing.
# Usage: bench/oscillation.sh [KIRCHHOFF_BINARY]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
out=$here/out
mkdir -p "$out"
net=$out/osc_5-8-3_shockley.cir
"$kirchhoff" net --arch 5-8-3 --gain 2 --seed 11 | sed 's/d(kh_ideal=1)/d(is=1u n=1)/' >"$net"

# relative error of layers 1 and 2 (the row of `kirchhoff grad` for one estimator and beta)
row() {
  "$kirchhoff" grad "$net" --samples 4 "$@" | awk '$1 == "oscillating" || $1 == "centered" ||
    $1 == "holomorphic" { printf "%s %s", $4, $6; exit }'
}
osc() { row --estimators osc --node-capacitance 1e-12 "$@"; }

echo "== bias against the period T (beta 0.01, M 4 after 1 settling, 128 steps, H 3)"
printf '%-10s %-11s %-11s\n' T relerr_L1 relerr_L2
for T in 1e-11 3e-11 1e-10 3e-10 1e-9 3e-9 1e-8 1e-7; do
  printf '%-10s %s\n' "$T" "$(osc --beta 0.01 --period "$T" --steps 128)"
done
echo
echo "== bias against the measured periods M (T 1e-10, beta 0.01, 64 steps, H 3)"
printf '%-4s %-24s %-24s\n' M "no settling (L1 L2)" "1 settling period (L1 L2)"
for M in 1 2 4 8 16; do
  printf '%-4s %-24s %-24s\n' "$M" "$(osc --beta 0.01 --period 1e-10 --periods "$M" --settle 0)" \
    "$(osc --beta 0.01 --period 1e-10 --periods "$M" --settle 1)"
done
echo
echo "== bias against the harmonics H (adiabatic: T 1e-6, M 4), and centered EP at the same beta"
printf '%-6s %-24s %-24s %-24s %-24s %-24s\n' beta "H=1 (L1 L2)" "H=2" "H=3" "H=4" "centered"
for beta in 0.2 0.1 0.05; do
  line=$(printf '%-6s' "$beta")
  for H in 1 2 3 4; do
    line+=$(printf ' %-24s' "$(osc --beta "$beta" --period 1e-6 --harmonics "$H")")
  done
  line+=$(printf ' %-24s' "$(row --estimators centered --beta "$beta")")
  echo "$line"
done
echo
echo "== native against ngspice (.tran, SIN oscillator, B multipliers): T 2e-10, beta 0.02, H 3"
for backend in native ngspice; do
  start=$(date +%s.%N)
  printf '%-8s %s  (%.2f s)\n' "$backend" \
    "$(osc --beta 0.02 --period 2e-10 --steps 256 --osc-backend "$backend")" \
    "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')"
done
echo
echo "== cost relative to a free phase (digits 64-64-10 untrained, 32 samples, no capacitance)"
"$kirchhoff" grad --arch 64-64-10 --samples 32 --beta 0.01 --estimators centered,holo,osc \
  --points 8 --periods 1 --settle 0 --steps 16 | sed -n '/cost relative/,$p'
