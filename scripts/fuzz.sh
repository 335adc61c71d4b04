#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang under ASan/UBSan in build/fuzz and runs
# each for SECONDS (default 60) from its seed corpus: tests/fuzz/corpus/<harness>, plus, for the
# netlist parser, every netlist of examples/ and tests/data/. New inputs go to a scratch corpus
# under build/fuzz, not into git. Prints the executions of each run; exits non-zero on a crash,
# leaving the crashing input in build/fuzz/artifacts (add it to the seed corpus, and a test).
# Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(netlist expr csv idx trace table)
dir=build/fuzz
if [[ ! -f $dir/build.ninja ]]; then
  CC=clang meson setup "$dir" --buildtype=debugoptimized -Dfuzz=true -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$dir" >/dev/null
mkdir -p "$dir/artifacts"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for h in "${harnesses[@]}"; do
  work=$dir/corpus/$h
  mkdir -p "$work"
  seeds=(tests/fuzz/corpus/$h)
  [[ $h == netlist ]] && seeds=(examples/circuits tests/data/good tests/data/bad tests/data/compat
    tests/data/compat_pspice tests/data/compat_ltspice)
  log=$dir/$h.log
  if "$dir/tests/fuzz/fuzz_$h" "$work" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$dir/artifacts/$h-" >"$log" 2>&1; then
    runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$log" | tail -1)
    printf '%-8s %10s executions in %s s, no findings (corpus: %s inputs)\n' "$h" "${runs:-?}" \
      "$seconds" "$(ls "$work" | wc -l)"
  else
    status=1
    echo "$h: FINDING, see $log and $dir/artifacts/"
    grep -m3 -E 'ERROR|runtime error|deadly signal' "$log" || true
  fi
done
exit $status
