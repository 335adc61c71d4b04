#!/usr/bin/env bash
# Issue 27's benchmark: training on a machine where other programs run. For 0, 1, ... B busy
# processes (shell busy loops, one core each) it times whole `kirchhoff train` processes with
# --threads 1 and --threads N (N: the cores this process may use), R interleaved runs of each,
# and prints the medians and their ratio: with the work shared by claiming (core/crew.h), N
# threads must never be much slower than one, however many cores are busy. Workloads: one
# DRN-XS epoch on the layered backend (single precision, as issue 27 measured it), its test
# pass alone (evaluation: 10,000 samples in chunks of 256 rows), one digits epoch on the
# native backend (64-64-10, centered EP), and (not by default: about 5 s a run) DRN-2H on its
# first 2,000 samples, whose sweeps split each 1024-node layer into column chunks that the
# threads share. Prints, asserts nothing.
#
# Usage: bench/contention.sh [KIRCHHOFF] [DATA_DIR] [--runs R] [--busy "0 1 2"]
#                            [--workloads "drn-xs drn-xs-test digits drn-2h"]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kirchhoff=$here/../build/release/cli/kirchhoff
data=$here/../data
runs=5 busy_counts="" workloads="drn-xs drn-xs-test digits"
positional=()
while (($#)); do
  case $1 in
    --runs) runs=$2; shift ;;
    --busy) busy_counts=$2; shift ;;
    --workloads) workloads=$2; shift ;;
    *) positional+=("$1") ;;
  esac
  shift
done
((${#positional[@]} > 0)) && kirchhoff=${positional[0]}
((${#positional[@]} > 1)) && data=${positional[1]}
cores=$(nproc 2>/dev/null || echo 2)
[[ -n $busy_counts ]] || busy_counts=$(seq -s ' ' 0 "$cores")
[[ -r $data/mnist/train-images-idx3-ubyte.gz ]] || "$here/../scripts/fetch-data.sh" --mnist "$data"
[[ -r $data/digits.csv ]] || "$here/../scripts/fetch-data.sh" --small "$data"

command_of() { # the workload's command line (without --threads)
  case $1 in
    drn-xs) echo train --preset drn-xs --data "$data/mnist" --precision single --epochs 1 --quiet ;;
    drn-xs-test) echo train --preset drn-xs --data "$data/mnist" --precision single --epochs 1 \
      --limit 4 --quiet ;;
    digits) echo train --data "$data/digits.csv" --arch 64-64-10 --epochs 1 --quiet ;;
    drn-2h) echo train --preset drn-2h --data "$data/mnist" --precision single --epochs 1 \
      --limit 2000 --quiet ;;
  esac
}

pids=()
stop_busy() { ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; pids=(); }
trap stop_busy EXIT

seconds() { # one whole process, wall seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$kirchhoff" "$@" > /dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "== whole processes on $cores cores: median of $runs interleaved runs per thread count"
printf '%-12s %5s %10s %10s %8s\n' workload busy "1 thread" "$cores thr" ratio
for workload in $workloads; do
  read -r -a cmd <<< "$(command_of "$workload")"
  for b in $busy_counts; do
    stop_busy
    for ((i = 0; i < b; i++)); do (while :; do :; done) & pids+=($!); done
    one=() many=()
    for ((r = 0; r < runs; r++)); do
      one+=("$(seconds "${cmd[@]}" --threads 1)")
      many+=("$(seconds "${cmd[@]}" --threads "$cores")")
    done
    m1=$(printf '%s\n' "${one[@]}" | median) mn=$(printf '%s\n' "${many[@]}" | median)
    awk -v w="$workload" -v b="$b" -v a="$m1" -v c="$mn" 'BEGIN {
      printf "%-12s %5d %9.2fs %9.2fs %7.2fx\n", w, b, a, c, c / a }'
  done
  stop_busy
done
echo "(ratio: N threads over one; issue 27 asks for at most 1.2x with any number of busy cores)"
