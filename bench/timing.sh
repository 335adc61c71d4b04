# Shared by the bench scripts (sourced, not run).

# median: the median of the numbers on stdin, one per line
median() {
  sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# median_seconds RUNS CMD...: the median wall time of RUNS whole runs of CMD ("-" if one fails)
median_seconds() {
  local runs=$1 t0 t1 i
  shift
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo -; return; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
  done | median
}

# median_timing RUNS KIRCHHOFF FILE: "PARSE SOLVE", the medians of RUNS `kirchhoff op --timing`
# runs (SOLVE: assembly, analysis and solve). One run varies up to 2x with the machine's page
# clearing, so in-process figures take the median too.
median_timing() {
  local runs=$1 kirchhoff=$2 file=$3 i rows
  rows=$(for ((i = 0; i < runs; i++)); do
    "$kirchhoff" op --quiet --timing "$file" || exit 1
  done | awk '/^parse/ {print $2, $5 + $8}')
  [[ -n $rows ]] || { echo "- -"; return; }
  echo "$(cut -d' ' -f1 <<<"$rows" | median)" "$(cut -d' ' -f2 <<<"$rows" | median)"
}
