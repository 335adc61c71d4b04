#!/usr/bin/env bash
# The Python package as a user installs it (docs/python.md): in a fresh virtual environment that
# sees Debian's numpy, `pip wheel --no-build-isolation` builds the wheel through meson-python;
# the wheel must hold the package alone (meson-python 0.12 maps every installed file, so the C
# library, its headers and the tool would otherwise come along); installed from it, the package
# imports and solves outside the source tree.
# Usage: scripts/check_wheel.sh [PROJECT_ROOT]
set -euo pipefail
root=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
die() { echo "check_wheel.sh: $*" >&2; exit 1; }

/usr/bin/python3 -m venv --system-site-packages "$work/venv" || die "python3 -m venv failed (apt-get install python3-venv)"
"$work/venv/bin/python" -c 'import mesonpy' 2>/dev/null || die "meson-python missing (apt-get install python3-mesonpy)"
"$work/venv/bin/pip" wheel --no-build-isolation --no-deps -q -w "$work/wheel" "$root" >"$work/log" 2>&1 \
  || { tail -30 "$work/log" >&2; die "pip wheel failed"; }
wheel=$(ls "$work"/wheel/kirchhoff-*.whl)
files=$("$work/venv/bin/python" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$wheel")
echo "$files" | sed 's/^/  /'
stray=$(echo "$files" | grep -Ev '^kirchhoff/|^kirchhoff-[0-9.]+\.dist-info/|^kirchhoff-[0-9.]+\.data/(platlib|purelib)/kirchhoff/' || true)
[[ -z $stray ]] || die "the wheel holds more than the package: $stray"
echo "$files" | grep -q '/_native\.' || die "the wheel has no extension module"
"$work/venv/bin/pip" install --no-deps -q "$wheel" || die "pip install of the wheel failed"
(cd "$work" && "$work/venv/bin/python" -c '
import kirchhoff
v = kirchhoff.Circuit.from_netlist("d\nv1 a 0 1\nr1 a b 1k\nr2 b 0 1k\n").solve()
assert v == {"a": 1.0, "b": 0.5}, v
assert kirchhoff.__file__.startswith(__import__("sys").prefix), kirchhoff.__file__
print("installed", kirchhoff.__file__, "version", kirchhoff.version())
')
