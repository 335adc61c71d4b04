#!/usr/bin/env bash
# kirchhoff's entry points. Each installs what the machine lacks (scripts/setup.sh), builds,
# then does its job:
#   ./run.sh demo    build, fetch the small data sets, train a network on digits with equilibrium
#                    propagation (prints its test accuracy and plots the run), export it and
#                    check it in ngspice on the test set, then solve the example circuits with
#                    kirchhoff and with ngspice
#   ./run.sh test    build and run the whole test suite, release and sanitizer builds, then
#                    fuzz the parsers and readers for a minute each
#   ./run.sh bench   build, then run the benchmarks in bench/ (minutes; prints ratios; fetches
#                    MNIST for bench/drn.sh)
#   ./run.sh build   build only (build/release)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

jobs=$(nproc 2>/dev/null || echo 2)

setup() { scripts/setup.sh; }

# configure DIR [meson options...]: set up a build directory once, reconfigure when asked.
configure() {
  local dir=$1; shift
  if [[ -f $dir/build.ninja ]]; then meson configure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}

build_release() {
  configure build/release --buildtype=release
  ninja -C build/release -j "$jobs"
}

case "${1:-}" in
  demo)
    setup
    build_release
    scripts/fetch-data.sh --small data
    rm -rf build/demo  # the demo's own outputs, made afresh each time
    mkdir -p build/demo
    echo
    echo "== kirchhoff train: a 64-64-10 deep resistive network on the digits data set"
    build/release/cli/kirchhoff train --arch 64-64-10 --data data/digits.csv --seed 1 \
      --threads "$jobs" --trace build/demo/digits.h5 --save-test build/demo/digits_test.csv
    /usr/bin/python3 examples/notebooks/plot_trace.py build/demo/digits.h5 build/demo
    echo
    echo "== the trained network exported for ngspice, checked sample by sample on the test set"
    build/release/cli/kirchhoff export build/demo/digits.h5 -o build/demo/digits_trained.cir
    build/release/cli/kirchhoff validate build/demo/digits_trained.cir \
      --data build/demo/digits_test.csv
    echo
    echo "== kirchhoff op --compare: kirchhoff's solver against ngspice on the example circuits"
    for f in examples/circuits/*.cir; do
      echo "-- $f: $(head -n 1 "$f")"
      build/release/cli/kirchhoff op --quiet "$f"
      build/release/cli/kirchhoff op --quiet --compare "$f" | sed 's/^/   /'
    done
    ;;
  test)
    setup
    build_release
    scripts/fetch-data.sh --mnist data  # the small DRN test trains on MNIST images
    meson test -C build/release --print-errorlogs
    echo "== the same suites under AddressSanitizer and UndefinedBehaviorSanitizer"
    configure build/sanitize --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
      -Dalloc_torture=true
    ninja -C build/sanitize -j "$jobs"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      meson test -C build/sanitize --print-errorlogs
    echo "== libFuzzer on the parsers and readers, 60 s each under ASan/UBSan (docs/reliability.md)"
    scripts/fuzz.sh 60
    ;;
  bench)
    setup
    build_release
    bench/grid.sh build/release/cli/kirchhoff
    bench/diodes.sh build/release/cli/kirchhoff
    bench/pdk.sh build/release/cli/kirchhoff
    bench/pg.sh build/release/cli/kirchhoff
    bench/adjoint.sh build/release
    scripts/fetch-data.sh --small data
    bench/layered.sh build/release/cli/kirchhoff data
    bench/train.sh build/release/cli/kirchhoff data
    bench/oscillation.sh build/release/cli/kirchhoff
    bench/drn.sh build/release/cli/kirchhoff data
    bench/contention.sh build/release/cli/kirchhoff data
    bench/mpi.sh build/release/cli/kirchhoff data
    bench/large.sh build/release/cli/kirchhoff 1e5 1e6 3e6  # 1e7 by hand: minutes, ~GBs
    ;;
  build)
    setup
    build_release
    ;;
  *)
    # the whole comment block at the top, whatever its length
    echo "usage: ./run.sh demo | test | bench | build"
    sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p'
    [[ -z ${1:-} || $1 == help || $1 == -h || $1 == --help ]] && exit 0
    echo "run.sh: unknown command '$1'" >&2
    exit 1
    ;;
esac
