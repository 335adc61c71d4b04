# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run).

# $EPOCHREALTIME and awk must agree on the decimal point
export LC_ALL=C

# median: the median of the numbers on stdin, one per line
median() {
  sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# seconds CMD...: the wall time of one whole run of CMD ("-" if it fails). The clock is bash's
# $EPOCHREALTIME, read without starting a process: with `date` before and after, each run also
# timed the start of a `date` (and the `awk` of the run before competed for the two cores),
# which added 5-30 ms to a 75 ms kirchhoff run.
seconds() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo -; return; }
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

# median_seconds RUNS CMD...: the median of RUNS `seconds CMD...` ("-" if one fails)
median_seconds() {
  local runs=$1 i t times=()
  shift
  for ((i = 0; i < runs; i++)); do
    t=$(seconds "$@")
    [[ $t != - ]] || { echo -; return; }
    times+=("$t")
  done
  printf '%s\n' "${times[@]}" | median
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

# in_process_ratios COMPARE_OUTPUT WHOLE PARSE SOLVE: ngspice's in-process time (the "ngspice:"
# line of `kirchhoff op --compare`) over kirchhoff's solve, parse + solve, and whole process
in_process_ratios() {
  awk -v w="$2" -v p="$3" -v n="$4" '/^ngspice:/ {g = $2}
     END {printf "ngspice (parse and .op, in process) / kirchhoff: solve %.0fx; parse + solve " \
          "%.0fx; kirchhoff'"'"'s whole process %.0fx\n", g / n, g / (n + p), g / w}' "$1"
}

# interleaved ROUNDS KCMD... -- PEERCMD...: "K_SECONDS PEER_SECONDS RATIO". Each round runs KCMD
# three times and PEERCMD once, so both sample the same minutes of a machine whose speed drifts
# (single runs of either vary up to 2x); the ratio is the median over rounds of the peer's time
# over the median of kirchhoff's three beside it, the times the medians of all runs ("- - -" if
# a run fails).
interleaved() {
  local rounds=$1 r i t k=() peer=() all_k=() all_peer=() ratios=()
  shift
  while [[ $1 != -- ]]; do k+=("$1"); shift; done
  shift
  peer=("$@")
  for ((r = 0; r < rounds; r++)); do
    local mine=()
    for ((i = 0; i < 3; i++)); do
      t=$(seconds "${k[@]}")
      [[ $t != - ]] || { echo "- - -"; return; }
      mine+=("$t")
    done
    t=$(seconds "${peer[@]}")
    [[ $t != - ]] || { echo "- - -"; return; }
    all_k+=("${mine[@]}") all_peer+=("$t")
    ratios+=("$(awk -v a="$t" -v b="$(printf '%s\n' "${mine[@]}" | median)" 'BEGIN {print a / b}')")
  done
  printf '%s %s %.0fx\n' "$(printf '%s\n' "${all_k[@]}" | median)" \
    "$(printf '%s\n' "${all_peer[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | median)"
}

# in_process_report KIRCHHOFF FILE SAVED WHOLE: the answers compared in one process (kirchhoff op
# --compare, kept in SAVED), kirchhoff's in-process medians (median_timing) and the ratios
# against ngspice's in-process time (in_process_ratios; WHOLE: kirchhoff's whole process)
in_process_report() {
  local kirchhoff=$1 file=$2 saved=$3 whole=$4 parse solve
  echo "same answer, and ngspice in process (kirchhoff op --compare):"
  "$kirchhoff" op --quiet --compare "$file" | tee "$saved" | sed 's/^/  /'
  read -r parse solve < <(median_timing 5 "$kirchhoff" "$file")
  echo "kirchhoff in process, medians of 5 (op --timing): parse $parse s, assembly + solve $solve s"
  in_process_ratios "$saved" "$whole" "$parse" "$solve"
}
