#!/usr/bin/env bash
# Training targets of issue 5 with the default options (only --data, --arch, --seed, --trace):
# iris (4-16-3) and digits (64-64-10) test accuracy and wall time, for seeds 1-3; then, on digits,
# centered EP against the exact gradient per layer and the cost of one centered EP gradient
# relative to the free phase alone (kirchhoff grad). Prints, asserts nothing.
# Usage: bench/train.sh [KIRCHHOFF_BINARY] [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
data=${2:-$here/../data}
out=$here/out
mkdir -p "$out"
threads=$(nproc 2>/dev/null || echo 2)

printf '%-8s %-9s %5s %10s %9s\n' data arch seed accuracy seconds
for set in "iris 4-16-3" "digits 64-64-10"; do
  read -r name arch <<<"$set"
  for seed in 1 2 3; do
    t0=$(date +%s.%N)
    acc=$("$kirchhoff" train --arch "$arch" --data "$data/$name.csv" --seed "$seed" \
      --threads "$threads" --trace "$out/$name-$seed.h5" --quiet | sed -n 's/^test accuracy: \([0-9.]*\) %.*/\1/p')
    t1=$(date +%s.%N)
    printf '%-8s %-9s %5s %9s%% %9.1f\n' "$name" "$arch" "$seed" "$acc" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
  done
done
echo
echo "== digits, untrained 64-64-10: estimators against the exact gradient, and their cost"
"$kirchhoff" grad --arch 64-64-10 --data "$data/digits.csv" --samples 64 \
  --beta 0.1,0.05,0.025 --estimators centered,plus,forward3
