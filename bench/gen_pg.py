#!/usr/bin/python3
"""Writes a power-grid deck in the style of the IBM power grid benchmarks (ibmpg1-6, TAU 2011):
two orthogonal metal layers, M1 running horizontally and M2 vertically over an n x n array of
crossings, joined at every crossing by a via written as a 0 V source (as ibmpg writes them);
a load at every M1 node drawing its current through a 0 V ammeter source; supply pads on M2
every PITCH crossings, each an ideal source behind a package resistor (the _X_ nodes of
ibmpg). Node names are ibmpg's: n<layer>_<x>_<y> in micrometres.

With the default n = 100: 30,000 grid and load nodes plus the pads, 20,000 0 V sources,
19,800 wire resistors, 10,000 current sources. Values are deterministic (a seeded generator
spreads the load currents), so every run times the same file.
Usage: gen_pg.py FILE [N] [PITCH]"""
import random
import sys

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
pitch = int(sys.argv[3]) if len(sys.argv) > 3 else 10
step = 20  # micrometres between crossings
vdd = 1.8
r_m1, r_m2, r_pkg = 0.4, 0.1, 0.05  # ohms per segment: thin M1, wide M2; package per pad
rng = random.Random(1)


def node(layer, i, j):
    return f"n{layer}_{j * step}_{i * step}"


with open(path, "w") as f:
    w = f.write
    w(f"* power grid, ibmpg style: {n}x{n} crossings, M1 horizontal, M2 vertical, "
      f"0 V vias, pads every {pitch}\n")
    k = 0
    for i in range(n):
        for j in range(n - 1):
            k += 1
            w(f"R{k} {node(1, i, j)} {node(1, i, j + 1)} {r_m1}\n")
    for j in range(n):
        for i in range(n - 1):
            k += 1
            w(f"R{k} {node(2, i, j)} {node(2, i + 1, j)} {r_m2}\n")
    v = 0
    for i in range(n):
        for j in range(n):
            v += 1
            w(f"V{v} {node(1, i, j)} {node(2, i, j)} 0\n")
    for i in range(n):
        for j in range(n):
            v += 1
            load = f"l_{j * step}_{i * step}"
            w(f"V{v} {node(1, i, j)} {load} 0\n")
            w(f"iB{i * n + j + 1} {load} 0 {rng.uniform(0.5e-4, 1.5e-4):.6e}\n")
    for i in range(0, n, pitch):
        for j in range(0, n, pitch):
            k += 1
            pad = node(2, i, j)
            w(f"R{k} _X_{pad} {pad} {r_pkg}\n")
            v += 1
            w(f"V{v} _X_{pad} 0 {vdd}\n")
    w(".op\n.end\n")
