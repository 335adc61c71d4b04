#!/usr/bin/python3
"""Wraps published diode model cards in test circuits for bench/public_decks.py.

Usage: bench/wrap_model_cards.py CARDS OUT_DIR

CARDS is a file of `.model NAME D(...)` cards (continuation lines joined), as vendors and
libraries publish them. For each card three decks are written to OUT_DIR, each reading CARDS
with .include: forward (5 V through 1 kOhm), reverse (a supply 1.5 times the card's BV, or
-50 V, through 1 kOhm; a zener regulator when BV is given) and a series string of the diode,
a second one in reverse and a 10 kOhm load at 100 degrees C. The cards are not committed;
neither are the decks.
"""
import os
import re
import sys


def cards(path):
    text, out = open(path, errors="replace").read(), []
    text = re.sub(r"\n\+", " ", text)
    for line in text.splitlines():
        m = re.match(r"\s*\.model\s+(\S+)\s+d\b(.*)", line, re.I)
        if m:
            bv = re.search(r"\bbv\s*=\s*([0-9.eE+-]+)", m.group(2), re.I)
            out.append((m.group(1), float(bv.group(1)) if bv else None))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    source, folder = os.path.abspath(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    include = os.path.relpath(source, os.path.abspath(folder))
    for name, bv in cards(source):
        reverse = -1.5 * bv if bv else -50.0
        decks = {
            "forward": f"V1 a 0 5\nR1 a k 1k\nD1 k 0 {name}\n",
            "reverse": f"V1 a 0 {reverse:g}\nR1 a k 1k\nD1 k 0 {name}\n",
            "string": f".temp 100\nV1 a 0 12\nR1 a b 470\nD1 b c {name}\nD2 0 c {name}\n"
                      f"R2 c 0 10k\n",
        }
        for kind, body in decks.items():
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
            with open(os.path.join(folder, f"{safe}_{kind}.cir"), "w") as f:
                f.write(f"{name} {kind}\n.include {include}\n{body}.end\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
