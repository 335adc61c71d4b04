#!/usr/bin/env bash
# Data-parallel training under mpirun on this machine (docs/scaling.md): the same run with
# P = 1, 2, 4 processes (oversubscribed beyond the cores), training throughput per epoch and the
# bytes each process reduces per epoch. Prints ratios against P = 1 from the same invocation.
# Usage: bench/mpi.sh [KIRCHHOFF_BINARY] [DATA_DIR] [P ...]       (default P: 1 2 4)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/timing.sh
source "$here/timing.sh"
kirchhoff=${1:-$here/../build/release/cli/kirchhoff}
data=${2:-$here/../data}
shift 2 || true
procs=("$@")
((${#procs[@]})) || procs=(1 2 4)
command -v mpirun >/dev/null || { echo "bench/mpi.sh: needs mpirun (openmpi-bin)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
args=(train --arch 64-64-10 --data "$data/digits.csv" --epochs 3 --batch 32 --seed 1
  --trace-grad 0)
echo "kirchhoff ${args[*]}  (native backend; $(nproc) cores)"
printf '%-3s %14s %14s %10s %14s %12s\n' P epoch_s samples/s speedup MB/epoch/proc test_error
base=
for P in "${procs[@]}"; do
  log=$here/out/mpi.$P.log
  mkdir -p "$here/out"
  mpirun --oversubscribe -np "$P" "$kirchhoff" "${args[@]}" >"$log" 2>&1
  # the median epoch's training seconds, the last epoch's communication and test error
  epoch=$(awk '/^epoch/ {gsub(/[(]/, ""); for (i = 1; i <= NF; i++) if ($(i + 1) == "s" && $(i + 2) == "+") print $i}' "$log" | median)
  mb=$(awk '/mpi:/ {v = $(NF - 4)} END {print v ? v : 0}' "$log")
  err=$(awk '/^epoch/ {for (i = 1; i < NF; i++) if ($i == "test" && $(i + 1) == "loss") e = $(i + 4)} END {print e}' "$log")
  # training samples: the CSV's lines less the seeded 20 % held out
  samples=$(awk 'END {print NR - int(0.2 * NR + 0.5)}' "$data/digits.csv")
  rate=$(awk -v s="$samples" -v t="$epoch" 'BEGIN {printf "%.0f", s / t}')
  [[ -n $base ]] || base=$epoch
  speed=$(awk -v a="$base" -v b="$epoch" 'BEGIN {printf "%.2fx", a / b}')
  printf '%-3s %14s %14s %10s %14s %12s\n' "$P" "$epoch" "$rate" "$speed" "$mb" "$err %"
done

# The layered backend (DRN-XS on 30,000 MNIST images, single precision) when MNIST is there:
# processes against one process, and against one process with as many threads.
[[ -d $data/mnist ]] || { echo "(no $data/mnist: layered case skipped)"; exit 0; }
echo
echo "kirchhoff train --preset drn-xs --precision single --limit 30000 --epochs 1 (layered backend)"
printf '%-5s %-22s %10s %10s %10s %14s %10s\n' batch run epoch_s phases_s updates_s MB/epoch/proc test_err
for batch in 4 64; do
  for run in "P=1" "P=1,threads=2" "P=2"; do
    P=1 threads=1
    [[ $run == P=2 ]] && P=2
    [[ $run == *threads=2 ]] && threads=2
    log=$here/out/mpi.layered.$batch.$P.$threads.log
    mpirun --oversubscribe -np "$P" "$kirchhoff" train --preset drn-xs --data "$data/mnist" \
      --precision single --limit 30000 --epochs 1 --batch "$batch" --threads "$threads" >"$log" 2>&1
    read -r epoch err < <(awk '/^epoch/ {gsub(/[(]/, ""); for (i = 1; i <= NF; i++) { if ($(i + 1) == "s" && $(i + 2) == "+") t = $i; if ($i == "test" && $(i + 1) == "loss") e = $(i + 4) } } END {print t, e}' "$log")
    read -r ph up < <(awk '/layered:/ {print $2, $6}' "$log")
    mb=$(awk '/mpi:/ {v = $(NF - 4)} END {print v ? v : 0}' "$log")
    printf '%-5s %-22s %10s %10s %10s %14s %10s\n' "$batch" "$run" "$epoch" "$ph" "$up" "$mb" "$err %"
  done
done
