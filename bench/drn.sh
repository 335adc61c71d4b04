#!/usr/bin/env bash
# Issue 6's benchmark: deep resistive networks (Scellier 2024's presets) trained on MNIST by the
# layered backend. For each preset and precision it prints the time of one epoch (60,000
# training samples and the 10,000-sample test pass), measured on the first --samples training
# samples and scaled (or on a full epoch with --full), samples per second, and the arithmetic
# rate of the flop model below against the OpenBLAS GEMM rates measured in the same run; then
# the native backend's time per training sample on the same network (kirchhoff grad, centered
# EP), and the ratios. Prints, asserts nothing.
#
# Flop model, per training sample (n0 = 1568 input nodes, n_l the layer widths, K sweeps): the
# first layer's input product and its rank-k update, 2 * 2 n0 n1; every deeper matrix, two
# products per sweep in each of the 3 phases and its update, (3 K 2 + 2) * 2 n_l-1 n_l. Per
# test sample: 2 n0 n1 + K * 2 * 2 n_l-1 n_l over the deeper matrices.
#
# Usage: bench/drn.sh [KIRCHHOFF] [DATA_DIR] [--full] [--samples N] [--batch B]
#                     [--presets "drn-xs drn-1h"] [--precisions "single double"]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=$here/../build/release/cli/kirchhoff
peak=$here/../build/release/bench/gemm_peak
data=$here/../data
full=0 samples=6000 presets="drn-xs drn-1h" precisions="single double" batch=()
positional=()
while (($#)); do
  case $1 in
    --full) full=1 ;;
    --samples) samples=$2; shift ;;
    --presets) presets=$2; shift ;;
    --precisions) precisions=$2; shift ;;
    --batch) batch=(--batch "$2"); shift ;;
    *) positional+=("$1") ;;
  esac
  shift
done
((${#positional[@]} > 0)) && kirchhoff=${positional[0]}
((${#positional[@]} > 1)) && data=${positional[1]}
threads=$(nproc 2>/dev/null || echo 2)
[[ -x $peak ]] || peak=$(dirname "$kirchhoff")/../bench/gemm_peak
[[ -r $data/mnist/train-images-idx3-ubyte.gz ]] || "$here/../scripts/fetch-data.sh" --mnist "$data"

echo "== OpenBLAS GEMM on this machine ($threads threads; batch-4 rows: the first-layer product"
echo "   of a 4-sample minibatch, B x 1568 times 1568 x 1024)"
rates=$("$peak" "$threads" 4 64)
echo "$rates" | awk '{printf "   %-14s %7.1f GFLOP/s\n", $1, $2}'
rate() { echo "$rates" | awk -v k="$1" '$1 == k {print $2}'; }

arch_of() { case $1 in drn-xs) echo 784-100-10 ;; drn-1h) echo 784-1024-10 ;; drn-2h) echo 784-1024-1024-10 ;; esac; }
gain_of() { case $1 in drn-xs) echo 100 ;; drn-1h) echo 480 ;; drn-2h) echo 2000 ;; esac; }
sweeps_of() { case $1 in drn-2h) echo 5 ;; *) echo 4 ;; esac; }
flops() { # flops ARCH K: per training sample and per test sample
  echo "$1" | awk -F- -v K="$2" '{
    n0 = 2 * $1; train = 4 * n0 * $2; test = 2 * n0 * $2
    for (l = 3; l <= NF; l++) { m = $(l - 1) * $l; train += (3 * K * 2 + 2) * 2 * m; test += K * 4 * m }
    print train, test }'
}

echo
printf '%-7s %-6s %9s %9s %9s %10s %9s %8s %7s %9s\n' preset prec train_s test_s epoch_s \
  samples/s GFLOP/s "%peak" test% "(of)"
for preset in $presets; do
  arch=$(arch_of "$preset") K=$(sweeps_of "$preset")
  read -r f_train f_test < <(flops "$arch" "$K")
  for precision in $precisions; do
    limit=() scale=1
    if ((!full)); then limit=(--limit "$samples"); scale=$(awk -v n="$samples" 'BEGIN {print 60000 / n}'); fi
    out=$("$kirchhoff" train --preset "$preset" --data "$data/mnist" --epochs 1 --precision "$precision" \
      --threads "$threads" "${limit[@]}" "${batch[@]}" | tee "$here/out-drn-$preset-$precision.log" || true)
    mkdir -p "$here/out" && mv -f "$here/out-drn-$preset-$precision.log" "$here/out/"
    line=$(echo "$out" | grep '^epoch ' || true)
    if [[ -z $line ]]; then echo "$preset $precision: failed: $out"; continue; fi
    train=$(echo "$line" | sed -n 's/.*(\([0-9.]*\) s + test \([0-9.]*\) s.*/\1/p')
    test=$(echo "$line" | sed -n 's/.*(\([0-9.]*\) s + test \([0-9.]*\) s.*/\2/p')
    err=$(echo "$line" | sed -n 's/.*test loss [0-9.]* error *\([0-9.]*\) %.*/\1/p')
    p=$(rate "${precision:0:1}gemm_peak")
    awk -v pr="$preset" -v pc="$precision" -v tr="$train" -v te="$test" -v s="$scale" \
      -v ft="$f_train" -v fe="$f_test" -v peak="$p" -v err="$err" -v n="${samples}" -v full="$full" 'BEGIN {
        epoch_train = tr * s; epoch = epoch_train + te
        gf = ft * 60000 / epoch_train / 1e9
        printf "%-7s %-6s %9.2f %9.2f %9.2f %10.0f %9.1f %7.1f%% %7.2f %9s\n", pr, pc, epoch_train, te,
          epoch, 60000 / epoch_train, gf, 100 * gf / peak, 100 - err, full ? "epoch" : n " samples" }'
  done
done

echo
echo "== the native backend on the same networks: one centered EP gradient per sample (kirchhoff"
echo "   grad, 4 samples), scaled to the 60,000 samples of an epoch, against the layered epoch above"
for preset in $presets; do
  arch=$(arch_of "$preset")
  out=$("$kirchhoff" grad --arch "$arch" --gain "$(gain_of "$preset")" --data "$data/mnist" \
    --samples 4 --beta 1 --estimators centered 2>&1 || true)
  free_ms=$(echo "$out" | sed -n 's/.*(\([0-9.e+-]*\) ms per sample).*/\1/p')
  ratio=$(echo "$out" | awk '$1 == "centered" && $2 ~ /x$/ {sub("x", "", $2); print $2}')
  echo "$out" | awk -v f="$free_ms" -v r="$ratio" -v p="$preset" 'BEGIN {
    if (f == "" || r == "") { print p ": grad failed"; exit }
    ms = f * r; printf "%-7s native: %.1f ms per sample, %.0f s per epoch of training\n", p, ms, ms * 60 }'
done
echo
echo "Reference (Scellier's PyTorch code, issue 6): DRN-XS about 95 s and DRN-1H about 38 min per"
echo "epoch on one CPU thread of this machine kind; about 3 min per epoch on an A100 or H100."
