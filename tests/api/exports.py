#!/usr/bin/python3
"""The shared library exports exactly the functions the public headers declare with KH_API.

Usage: tests/api/exports.py LIBRARY INCLUDE_DIR
Exit 0 when the two sets are equal; otherwise prints the differences and exits 1.
"""
import glob
import os
import re
import subprocess
import sys


def declared(include):
    names = set()
    for path in glob.glob(os.path.join(include, "kirchhoff", "*.h")):
        text = open(path).read()
        # KH_API, the return type, then the name before its '(' (prototypes may wrap lines)
        names |= set(re.findall(r"\bKH_API\b[^;(]*?\b(kh_[a-z0-9_]+)\s*\(", text))
    return names


def exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in "TW"}


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    want, have = declared(sys.argv[2]), exported(sys.argv[1])
    for name in sorted(have - want):
        print(f"exported but not declared with KH_API in include/kirchhoff: {name}")
    for name in sorted(want - have):
        print(f"declared with KH_API but not exported (not defined?): {name}")
    print(f"{len(have & want)} public functions exported, {len(have - want)} extra, "
          f"{len(want - have)} missing")
    return 0 if want == have else 1


if __name__ == "__main__":
    sys.exit(main())
