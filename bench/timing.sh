# Shared by the bench scripts (sourced, not run).

# median_seconds RUNS CMD...: the median wall time of RUNS whole runs of CMD ("-" if one fails)
median_seconds() {
  local runs=$1 t0 t1 i
  shift
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo -; return; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
  done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
