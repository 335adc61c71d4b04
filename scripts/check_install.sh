#!/usr/bin/env bash
# The installed library as another program uses it: `meson install` of BUILD into a scratch
# root, then examples/c built with `cc $(pkg-config --cflags --libs kirchhoff)` against what was
# installed (headers, kirchhoff.pc, the shared library) and run. Run by `meson test`
# (tests/meson.build). Usage: scripts/check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >/dev/null
pc=$(find "$tmp/root" -name kirchhoff.pc | head -1)
lib=$(find "$tmp/root" -name 'libkirchhoff.so' | head -1)
[[ -n $pc && -n $lib ]] || { echo "meson install left no kirchhoff.pc or libkirchhoff.so"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$tmp/root
for program in solve_netlist train_arrays; do
  # shellcheck disable=SC2046 # pkg-config's flags are words
  cc -std=c11 -Wall -Wextra -Werror "$source/examples/c/$program.c" \
    $(pkg-config --cflags --libs kirchhoff) -lm -o "$tmp/$program"
done
export LD_LIBRARY_PATH=$(dirname "$lib")
echo "== solve_netlist examples/circuits/divider.cir"
"$tmp/solve_netlist" "$source/examples/circuits/divider.cir" | tee "$tmp/solve.out"
grep -q "KCL residual" "$tmp/solve.out"
echo "== train_arrays"
"$tmp/train_arrays" "$tmp/run.h5" | tee "$tmp/train.out"
# the curves read back from the trace: a row for each epoch the callback saw (it stops the run
# at a test error of 0)
rows=$(grep -cE '^ +[0-9]+ ' "$tmp/train.out")
seen=$(grep -cE '^epoch [0-9]+:' "$tmp/train.out")
[[ $rows -ge 1 && $rows == "$seen" ]] || { echo "train_arrays: $rows rows in the trace, $seen epochs run"; exit 1; }
# the binaries use the installed shared library, not the build tree's
linked=$(ldd "$tmp/solve_netlist") # whole, before grep: grep -q would cut ldd's pipe short
[[ $linked == *"$tmp/root"* ]] || { echo "solve_netlist did not link the installed library"; exit 1; }
echo "installed library: headers, kirchhoff.pc and libkirchhoff.so build and run both examples"
