#!/usr/bin/python3
"""Each binned BSIM3 parameter, and its l, w and p terms, one at a time, against ngspice 39.

Usage: bench/bsim3_sweep.py [--version V] [--kirchhoff PATH]

On an NMOS card where every binned DC group counts (all of them given, at 60 C against TNOM 27,
a reverse-biased bulk, a 10 kOhm load), each parameter is moved (the value to 0.9 of it, or a
term worth 5 % of it at L = 0.5 um, W = 2 um) and the drain solved by `kirchhoff op` and by
ngspice's own .op of the same file (reltol 1e-12). Prints each parameter where the two differ
by more than 1e-10 V, or where kirchhoff refuses it, and those that move ngspice's drain by less
than 1e-8 V (no effect on this card: not checked), then the count. Exit status 1 if any differ.
Found this way: ngspice 39's BSIM3v1 (VERSION 3.1) drops LDVT0W, which kirchhoff refuses there.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

BASE = {
    "cdsc": 2.4e-4, "cdscb": 1e-5, "cdscd": 1e-5, "cit": 1e-5, "nfactor": 1.2, "xj": 1e-7,
    "vsat": 1e5, "at": 3e4, "a0": 1.5, "ags": 0.3, "a1": 0.01, "a2": 0.6, "keta": -0.02,
    "nsub": 6e16, "nch": 2.3e17, "ngate": 5e20, "gamma1": 0.5, "gamma2": 0.4, "vbx": -0.5,
    "vbm": -3, "xt": 1.5e-7, "k1": 0.55, "kt1": -0.11, "kt1l": 1e-9, "k2": 0.01, "kt2": 0.022,
    "k3": 2, "k3b": 1, "w0": 1e-6, "nlx": 1.7e-7, "dvt0": 1.5, "dvt1": 0.5, "dvt2": -0.03,
    "dvt0w": 0.5, "dvt1w": 1e5, "dvt2w": -0.03, "drout": 0.6, "dsub": 0.5, "vth0": 0.4,
    "ua": 1e-9, "ua1": 4e-9, "ub": 1e-18, "ub1": -7e-18, "uc": 1e-11, "uc1": -5e-11, "u0": 0.03,
    "ute": -1.5, "voff": -0.08, "delta": 0.01, "rdsw": 200, "prwg": 0.2, "prwb": -0.1,
    "prt": 50, "eta0": 0.05, "etab": -0.05, "pclm": 1.3, "pdiblc1": 0.4, "pdiblc2": 0.005,
    "pdiblcb": -0.05, "pscbe1": 4e8, "pscbe2": 1e-5, "pvag": 0.5, "wr": 1, "dwg": 1e-9,
    "dwb": 1e-9, "b0": 1e-7, "b1": 1e-6, "beta0": 30,
}
# Read only where K1 and K2 are not given (b3temp.c): swept on a card without them.
BODY = {"gamma1", "gamma2", "vbx", "xt", "nsub", "vbm"}
TERMS = (("", 0.9), ("l", 0.05 * 0.5), ("w", 0.05 * 2), ("p", 0.05))


def deck(version, word, prefix, value):
    p = {k: v for k, v in BASE.items() if k != "ngate" and (k not in BODY or word in BODY)}
    if word in BODY:
        del p["k1"], p["k2"]
        p.pop({"nsub": "gamma2", "xt": "vbx"}.get(word, ""), None)  # each read only without it
    if word == "ngate":
        p["ngate"] = BASE["ngate"]
    p[prefix + word] = value
    words = " ".join(f"{k}={v:.6g}" for k, v in p.items())
    return (f"sweep\n.model n nmos level=49 version={version} tox=4.1e-9 tnom=27 {words}\n"
            "vdd vdd 0 1.8\nvg g 0 1.0\nvb b 0 -0.5\nrd vdd d 10k\n"
            "m1 d g 0 b n l=0.5u w=2u as=1e-12 ad=1e-12 ps=4u pd=4u\n.temp 60\n.end\n")


def ngspice(text, where):
    path = os.path.join(where, "n.cir")
    with open(path, "w") as f:
        f.write(text.replace(".end\n", ".options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
                             ".control\nset numdgt=14\nop\nprint d\n.endc\n.end\n"))
    out = subprocess.run(["ngspice", "-b", path], capture_output=True, text=True, cwd=where)
    m = re.search(r"^d = (\S+)", out.stdout, re.M)
    return float(m.group(1)) if m else None


def kirchhoff(binary, text, where):
    path = os.path.join(where, "k.cir")
    with open(path, "w") as f:
        f.write(text)
    out = subprocess.run([binary, "op", "--csv", path], capture_output=True, text=True)
    m = re.search(r"^d,(\S+)", out.stdout, re.M)
    return float(m.group(1)) if m else out.stderr.strip()[:200]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--version", default="3.3.0")
    a.add_argument("--kirchhoff", default="build/release/cli/kirchhoff")
    o = a.parse_args()
    binary, where = os.path.abspath(o.kirchhoff), tempfile.mkdtemp(prefix="bsim3_sweep_")
    differ, no_effect, count = 0, [], 0
    for word in BASE:
        for prefix, scale in TERMS:
            value = BASE[word] * scale
            moved = deck(o.version, word, prefix, value)
            kept = deck(o.version, word, prefix, 0 if prefix else BASE[word])
            theirs, ours, before = (ngspice(moved, where), kirchhoff(binary, moved, where),
                                    ngspice(kept, where))
            count += 1
            if theirs is not None and before is not None and abs(theirs - before) < 1e-8:
                no_effect.append(prefix + word)
            if theirs is None or not isinstance(ours, float) or abs(theirs - ours) > 1e-10 * max(
                    1, abs(theirs)):
                differ += 1
                print(f"{prefix}{word}: ngspice {theirs}, kirchhoff {ours} (before: {before})")
    print(f"no effect on this card: {' '.join(no_effect)}")
    print(f"{count} parameters, {differ} differ, {len(no_effect)} without effect")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
