#!/usr/bin/python3
"""kirchhoff op against ngspice 39 on random BSIM3 v3.3 (LEVEL 8 and 49) decks.

Usage: bench/bsim3_decks.py FIRST LAST [--stress] [--version V] [--kirchhoff PATH] [--keep DIR]

Each seed makes one deck: an NMOS or a PMOS card (VERSION 3.3, 3.3.0 or none, BSIM3v32's
3.2.4, 3.24, 3.2.3, 3.2.2 or 3.2, or BSIM3v1's 3.1 without the words it does not know and
without ALPHA0, which kirchhoff refuses there) with TOX, NCH
(in cm^-3 or m^-3), maybe NSUB, VTH0, MOBMOD, TNOM and PARAMCHK, and each of some 90 DC
parameters with probability 1/4 at a random value in its published range, maybe with BINUNIT
and four binned terms (l, w or p); two instances of it, one forward and one in reverse, with
resistive drain, source, gate and bulk, L and W from 0.18 to 5 um, maybe AD AS PD PS, NRD NRS
and m, at ACM > 0 (a fifth of the cards, with HDIF, LDIF, LD, RD, RS, RDC, RSC, WMLT,
RSH and CALCACM) maybe GEO (at 3.1 a third of the first's size and no AD..PS, whose perimeters ngspice's parameter
check raises to Weff for one of the two only); maybe a .temp. --stress adds hard substrate current (ALPHA0, small BETA0), poly-gate
depletion (NGATE), small IJTH, NQSMOD, CAPMOD, large DWG and DWB, and up to 0.9 V of forward
bulk bias. `kirchhoff op --compare` solves each with kirchhoff and with ngspice on the deck as
kirchhoff read it, and ngspice reads the file itself (the reading check). A deck is
  matching  exit 0: every node within 1e-9 max(1, |V|) V, and so is ngspice's reading;
  loose     as matching, but some node between 1e-9 and 1e-6 max(1, |V|) V (printed: worth
            a look, as a model difference shows first there);
  stalled   the answers differ, and ngspice's own .op of the file at reltol 1e-12 (abstol
            1e-18, vntol 1e-14) gives kirchhoff's answer: ngspice at the backend's reltol 1e-9
            stopped at a point that is no operating point (seen: a MOSFET's vds held at 2 V by
            its limiting where its nodes put it at -0.57 V);
  refused   kirchhoff exits 2 with file:line:col (ngspice's parameter check stops the same
            decks: NCH below zero where a binned term takes it there);
  other     anything else (printed).
Prints the decks that are not matching, the counts and the largest |dV| over the matching
ones. Exit status 1 if any deck is `other`.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

RANGES = {
    "k1": (0.4, 0.9), "k2": (-0.05, 0.05), "k3": (0, 80), "k3b": (-5, 5), "w0": (1e-7, 3e-6),
    "nlx": (1e-8, 3e-7), "dvt0": (0.5, 5), "dvt1": (0.2, 1), "dvt2": (-0.1, 0), "dvt0w": (0, 1),
    "dvt1w": (1e5, 5e6), "dvt2w": (-0.05, 0), "u0": (0.01, 0.08), "ua": (-1e-9, 3e-9),
    "ub": (1e-19, 2e-18), "uc": (-1e-10, 1e-10), "vsat": (5e4, 1.5e5), "a0": (0.5, 2),
    "ags": (0, 0.5), "b0": (0, 1e-6), "b1": (0, 1e-6), "keta": (-0.05, 0.02), "a1": (-0.1, 0.3),
    "a2": (0.4, 1), "rdsw": (0, 1000), "prwg": (-0.5, 0.5), "prwb": (-0.2, 0.2), "wr": (0.8, 1.2),
    "wint": (0, 5e-8), "lint": (0, 3e-8), "dwg": (-1e-8, 1e-8), "dwb": (-1e-8, 1e-8),
    "voff": (-0.15, 0), "nfactor": (0.5, 2), "cit": (0, 1e-4), "cdsc": (0, 5e-4),
    "cdscd": (0, 1e-4), "cdscb": (-1e-4, 1e-4), "eta0": (0, 0.3), "etab": (-0.1, 0),
    "dsub": (0.2, 1), "pclm": (0.5, 3), "pdiblc1": (0, 1), "pdiblc2": (0, 0.02),
    "pdiblcb": (-0.2, 0.1), "drout": (0.2, 1), "pscbe1": (1e8, 8e8), "pscbe2": (1e-6, 1e-4),
    "pvag": (-0.5, 2), "delta": (0.005, 0.02), "alpha0": (0, 1e-6), "alpha1": (0, 1),
    "beta0": (10, 40), "xj": (5e-8, 2e-7), "kt1": (-0.3, 0), "kt2": (0, 0.05), "ute": (-2, -1),
    "ua1": (0, 5e-9), "ub1": (-8e-18, 0), "uc1": (-1e-10, 0), "at": (1e4, 4e4), "prt": (0, 100),
    "kt1l": (0, 1e-8), "xt": (1e-7, 2e-7), "vbm": (-4, -2), "js": (1e-5, 1e-3), "jsw": (0, 1e-10),
    "nj": (1, 1.2), "xti": (2, 4), "rsh": (0, 50), "xl": (-2e-8, 2e-8), "xw": (-2e-8, 2e-8),
    "toxm": (3e-9, 1.5e-8), "ngate": (2e19, 1e21), "gamma1": (0.3, 0.8), "gamma2": (0.2, 0.6),
    "vbx": (-1, -0.2), "vfb": (-1, -0.5), "ll": (0, 1e-15), "lln": (0.8, 1.2), "ww": (0, 1e-15),
    "wwn": (0.8, 1.2), "ijth": (1e-3, 0.5),
}
VERSIONS = ["3.3.0", "3.3", None, "3.2.4", "3.24", "3.2.3", "3.2.2", "3.2", "3.1"]
NOT_V31 = {"xl", "xw", "toxm", "ijth", "vfb", "alpha0", "alpha1"}
ACM_RANGES = {"hdif": (2e-7, 1e-6), "ldif": (0, 2e-7), "ld": (0, 1e-7), "rd": (0, 500),
              "rs": (0, 500), "rdc": (0, 10), "rsc": (0, 10), "wmlt": (0.8, 1)}
BINNED = ["vth0", "u0", "k1", "ua", "vsat", "rdsw", "pclm", "nch", "eta0", "voff", "a1", "keta",
          "dvt0"]


def card(r, kind, stress, version):
    p = {"level": r.choice(["49", "8"]), "version": r.choice(VERSIONS)}
    if version:
        p["version"] = None if version == "none" else version
    if r.random() < 0.3:
        p["mobmod"] = r.choice([1, 2, 3])
    p["tox"] = r.choice([3.5e-9, 7.6e-9, 1.4e-8, 4e-9])
    p["nch"] = r.choice([2.4e17, 1.7e17, 3.9e17, 6e23])
    if r.random() < 0.5:
        p["nsub"] = r.choice([5e16, 1e17, 6e16])
    if r.random() < 0.7:
        p["vth0"] = (0.6 if kind == "nmos" else -0.7) + r.uniform(-0.2, 0.2)
    for name, (low, high) in RANGES.items():
        if r.random() < 0.25:
            p[name] = r.uniform(low, high)
    if r.random() < 0.3:
        p["binunit"] = r.choice([0, 1])
        for name in r.sample(BINNED, 4):
            base = p.get(name, 1.0)
            term = 0.02 * abs(base if isinstance(base, float) else 1) * r.uniform(-1, 1)
            prefix = r.choice("lwp")
            if p["binunit"] == 0:
                term *= 1e-6 * (1e-6 if prefix == "p" else 1)
            p[prefix + name] = term
    if r.random() < 0.1:
        p["tnom"] = r.choice([25, 50])
    if r.random() < 0.1:
        p["paramchk"] = 1
    if stress:
        if r.random() < 0.6:
            p["alpha0"], p["beta0"] = r.uniform(1e-7, 1e-5), r.uniform(1, 8)
        if r.random() < 0.4:
            p["ngate"] = r.uniform(1.1e18, 5e19)
        if r.random() < 0.4:
            p["ijth"] = r.choice([1e-7, 1e-6, 0])
        if r.random() < 0.3:
            p["nqsmod"] = 1
        if r.random() < 0.2:
            p["capmod"] = r.choice([0, 1, 2, 3])
        if r.random() < 0.2:
            p["dwg"], p["dwb"] = -3e-7, 1e-7
    if p["version"] != "3.1" and r.random() < 0.2:  # HSPICE's area calculation method
        p["acm"] = r.choice([1, 2, 3, 11, 12, 13])
        for name, (low, high) in ACM_RANGES.items():
            if r.random() < 0.6:
                p[name] = r.uniform(low, high)
        p.pop("rsh", None)
        p["rsh"], p["calcacm"] = r.uniform(0, 100), r.choice([0, 1])
    if p["version"] == "3.1":
        p = {k: v for k, v in p.items() if k not in NOT_V31 and k[1:] not in NOT_V31}
    return p


def deck(seed, stress, version=None):
    r = random.Random(seed)
    kind = r.choice(["nmos", "pmos"])
    p = card(r, kind, stress, version)
    s = -1 if kind == "pmos" else 1
    words = " ".join(f"{k}={v}" for k, v in p.items() if v is not None)
    lines = [f"bsim3 deck {seed}", f".model m1 {kind} {words}",
             f"VDD vdd 0 {s * r.uniform(0.5, 3.3)}", f"VG g0 0 {s * r.uniform(0, 3.3)}",
             "RG g0 g 1k", f"RD vdd d {r.choice([100, 1e3, 1e4])}",
             f"RS s 0 {r.choice([0.001, 10, 100])}",
             f"VB b0 0 {s * r.uniform(-1, 0.9 if stress else 0.3)}", "RB b0 b 1k"]
    length, width = r.choice([0.35e-6, 1e-6, 0.18e-6, 5e-6]), r.choice([1e-6, 7.5e-6, 20e-6])
    geometry = f"L={length} W={width}"
    if r.random() < 0.6:
        area, perimeter = width * 1e-6, 2 * width + 2e-6
        geometry += f" AD={area} AS={area} PD={perimeter} PS={perimeter}"
    if r.random() < 0.3:
        geometry += f" NRD={r.uniform(0, 3):.3f} NRS={r.uniform(0, 3):.3f}"
    if r.random() < 0.2:
        geometry += f" m={r.choice([2, 4])}"
    if "acm" in p and r.random() < 0.5:
        geometry += f" geo={r.choice([0, 1, 2, 3])}"
    lines += [f"M1 d g s b m1 {geometry}", f"M2 s g d b m1 L={length * 2} W={width}",
              f"R2 d 0 {r.choice([1e4, 1e5])}"]
    if p.get("version") == "3.1":
        lines.append(f"M3 d g s b m1 L={length} W={width}")
    if r.random() < 0.3:
        lines.append(f".temp {r.choice([-40, 0, 85, 125])}")
    return "\n".join(lines + [".end"]) + "\n"


def ngspice_tight(path, where):
    """ngspice's own .op of the file at reltol 1e-12: {node: volts}."""
    text = open(path).read().replace(".end\n", ".options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
                                     ".control\nset numdgt=12\nop\nprint all\n.endc\n.end\n")
    tight = path[:-4] + "_tight.cir"
    with open(tight, "w") as f:
        f.write(text)
    try:
        run = subprocess.run(["ngspice", "-b", tight], capture_output=True, text=True,
                             timeout=120, cwd=where)
    except subprocess.TimeoutExpired:  # ngspice at these tolerances can loop: no answer
        return {}
    found = re.findall(r"^(\S+) = (\S+)$", run.stdout, re.M)
    return {n.lower(): float(v) for n, v in found if "#" not in n}


def kirchhoff_csv(kirchhoff, path, where):
    run = subprocess.run([kirchhoff, "op", "--csv", path], capture_output=True, text=True,
                         timeout=300, cwd=where)
    rows = [line.split(",") for line in run.stdout.splitlines()[1:]]
    return {r[0]: float(r[1]) for r in rows if len(r) >= 2 and "#" not in r[0]}


def classify(o, path, where):
    """The deck's category, its largest |dV| (matching and loose) and the line to print."""
    try:
        run = subprocess.run([o.kirchhoff, "op", "--compare", path], capture_output=True,
                             text=True, timeout=300, cwd=where)
    except subprocess.TimeoutExpired:  # seen: ngspice's source stepping crawling at reltol 1e-9
        return "other", 0.0, "kirchhoff op --compare did not finish in 300 s"
    out = run.stdout + run.stderr
    last = (out.strip().splitlines() or [""])[-1][:240]
    if run.returncode == 2:
        return "refused", 0.0, last
    if run.returncode == 3:
        ours, theirs = kirchhoff_csv(o.kirchhoff, path, where), ngspice_tight(path, where)
        if ours and all(n in theirs and abs(v - theirs[n]) <= 1e-6 * max(1, abs(v))
                        for n, v in ours.items()):
            return "stalled", 0.0, last
    if run.returncode != 0:
        return "other", 0.0, last
    dv = re.search(r"max \|dV\|: (\S+)", out)
    worst = float(dv.group(1)) if dv else 0.0
    return ("loose" if worst > 1e-9 else "matching"), worst, f"max |dV| {worst:.3g} V"


def run_stream(o, make_deck, prefix="d"):
    """Each seed's deck (make_deck(seed)) written into o.keep (kept) or a scratch directory
    (removed after) and classified: the non-matching printed, then the counts. Exit status 1 if
    any deck is `other`."""
    if not o.keep:
        with tempfile.TemporaryDirectory(prefix="kh-bsim-decks-") as where:
            return stream_in(o, where, make_deck, prefix)
    os.makedirs(o.keep, exist_ok=True)
    return stream_in(o, o.keep, make_deck, prefix)


def stream_in(o, where, make_deck, prefix):
    counts = {"matching": 0, "loose": 0, "stalled": 0, "refused": 0, "other": 0}
    worst = (0.0, None)
    for seed in range(o.first, o.last + 1):
        path = os.path.join(where, f"{prefix}{seed}.cir")
        with open(path, "w") as f:
            f.write(make_deck(seed))
        kind, dv, line = classify(o, path, where)
        counts[kind] += 1
        if dv > worst[0]:
            worst = (dv, seed)
        if kind != "matching":
            print(seed, kind, line)
    print(counts, f"largest |dV| of the matching: {worst[0]:.3g} V (seed {worst[1]})")
    return 1 if counts["other"] else 0


def main():
    a = argparse.ArgumentParser()
    a.add_argument("first", type=int)
    a.add_argument("last", type=int)
    a.add_argument("--stress", action="store_true")
    a.add_argument("--version", choices=[v or "none" for v in VERSIONS])
    a.add_argument("--kirchhoff", default="build/release/cli/kirchhoff")
    a.add_argument("--keep")
    o = a.parse_args()
    o.kirchhoff = os.path.abspath(o.kirchhoff)
    make, prefix = (lambda seed: deck(seed, o.stress, o.version)), "s" if o.stress else "d"
    return run_stream(o, make, prefix)


if __name__ == "__main__":
    sys.exit(main())
