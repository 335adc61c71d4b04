#!/usr/bin/env bash
# Install the Debian packages kirchhoff needs to build, test and plot.
# Safe to run again: when everything is present it changes nothing and runs
# no 'apt-get update'. Uses sudo only when not root.  Usage: scripts/setup.sh
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential meson ninja-build pkg-config clang clang-format time
  libsuitesparse-dev libmetis-dev libopenblas-dev libopenblas0-pthread
  libngspice0-dev ngspice
  libhdf5-dev hdf5-tools zlib1g-dev
  libcriterion-dev valgrind
  libopenmpi-dev openmpi-bin
  python3-h5py python3-numpy python3-matplotlib python3-nbconvert python3-ipykernel
  python3-dev python3-venv python3-mesonpy python3-pytest python3-torch
)

fail() { echo "setup.sh: error: $*" >&2; exit 1; }
root() {
  if [[ $EUID -eq 0 ]]; then "$@"; return; fi
  command -v sudo >/dev/null || fail "not root and no sudo: run this script as root"
  sudo env DEBIAN_FRONTEND=noninteractive "$@"
}
is_installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

missing=()
for p in "${packages[@]}"; do is_installed "$p" || missing+=("$p"); done

if ((${#missing[@]})); then
  echo "setup.sh: installing ${missing[*]}"
  # Refresh the package lists unless apt already knows every missing package.
  need_update=0
  for p in "${missing[@]}"; do
    c=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [[ -n $c && $c != "(none)" ]] || need_update=1
  done
  if ((need_update)); then root apt-get update -q || fail "apt-get update failed"; fi
  root apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || fail "apt-get install failed for: ${missing[*]}"
  for p in "${missing[@]}"; do is_installed "$p" || fail "$p is still not installed"; done
fi

# Check what the build actually uses, so a broken install fails here and not in meson.
[[ -r /usr/include/suitesparse/cholmod.h ]] || fail "cholmod.h missing (libsuitesparse-dev)"
for pc in hdf5 criterion ngspice mpi-c; do
  pkg-config --exists "$pc" || fail "pkg-config cannot find $pc"
done
for tool in meson ninja ngspice h5dump clang valgrind mpirun; do
  command -v "$tool" >/dev/null || fail "$tool is not on PATH"
done
/usr/bin/python3 -c 'import h5py, numpy, matplotlib' 2>/dev/null \
  || fail "/usr/bin/python3 cannot import h5py, numpy and matplotlib"
echo "setup.sh: ok (meson $(meson --version), hdf5 $(pkg-config --modversion hdf5)," \
  "ngspice $(pkg-config --modversion ngspice), criterion $(pkg-config --modversion criterion))"
