#!/usr/bin/env bash
# Issue 25's cost target: one conjugate-gradient iteration of the iterative adjoint against a
# Laplacian product, on 100 x 100 (the target's grid) and 300 x 300 resistor grids. Prints ratios,
# asserts nothing. Usage: bench/adjoint.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build/release}
out=$here/out
mkdir -p "$out"
for n in 100 300; do
  python3 "$here/gen_grid.py" "$n" "$out/grid$n.cir"
  echo "== $n x $n grid"
  "$build/bench/adjoint_cost" "$out/grid$n.cir"
done
