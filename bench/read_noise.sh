#!/usr/bin/env bash
# Read noise at kirchhoff train's defaults (issue 26): digits 64-64-10, default input scaling
# and gain, 20 epochs, seeds 1-5, holomorphic EP (N = 10, its defaults) and centered EP at a small
# nudge (0.01 G_out), each without read noise and with --read-noise SIGMA (relative to the median
# RMS input voltage). Prints the test accuracy per seed, the means and the noisy-minus-clean
# difference; asserts nothing.
# Usage: bench/read_noise.sh [KIRCHHOFF_BINARY] [DATA_DIR] [SIGMA]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
data=${2:-$here/../data}
sigma=${3:-0.04}

accuracy() { # estimator options..., then the noise options
  "$kirchhoff" train --arch 64-64-10 --data "$data/digits.csv" --threads 1 --quiet "$@" |
    sed -n 's/^test accuracy: \([0-9.]*\) %.*/\1/p'
}

printf '%-28s %6s %8s %8s %8s\n' estimator seed clean noisy diff
for est in "holomorphic:--estimator holo --points 10" \
  "centered-0.01:--estimator centered --beta 0.01 --beta-relative"; do
  name=${est%%:*}
  read -r -a opts <<<"${est#*:}"
  sum_c=0 sum_n=0
  for seed in 1 2 3 4 5; do
    c=$(accuracy "${opts[@]}" --seed "$seed")
    n=$(accuracy "${opts[@]}" --seed "$seed" --read-noise "$sigma")
    printf '%-28s %6s %8s %8s %+8.2f\n' "$name" "$seed" "$c" "$n" "$(awk -v a="$c" -v b="$n" 'BEGIN {print b - a}')"
    sum_c=$(awk -v s="$sum_c" -v a="$c" 'BEGIN {print s + a}')
    sum_n=$(awk -v s="$sum_n" -v a="$n" 'BEGIN {print s + a}')
  done
  printf '%-28s %6s %8.2f %8.2f %+8.2f\n' "$name" mean "$(awk -v s="$sum_c" 'BEGIN {print s / 5}')" \
    "$(awk -v s="$sum_n" 'BEGIN {print s / 5}')" "$(awk -v a="$sum_c" -v b="$sum_n" 'BEGIN {print (b - a) / 5}')"
done
