#!/usr/bin/python3
"""Writes an n x n resistor grid: 1 kOhm between neighbours, 1 V at one corner, 0 V at the
opposite corner, as a netlist both kirchhoff and ngspice run (.op).
Usage: gen_grid.py N FILE [DIODES]: DIODES Shockley diodes from evenly spread nodes to ground
(the corner source is then 5 V, so that they conduct)."""
import sys

n, path = int(sys.argv[1]), sys.argv[2]
diodes = int(sys.argv[3]) if len(sys.argv) > 3 else 0
with open(path, "w") as f:
    w = f.write
    w(f"{n}x{n} resistor grid, sources at two corners\n")
    k = 0
    for i in range(n):
        for j in range(n):
            if j + 1 < n:
                k += 1
                w(f"r{k} n{i}_{j} n{i}_{j + 1} 1k\n")
            if i + 1 < n:
                k += 1
                w(f"r{k} n{i}_{j} n{i + 1}_{j} 1k\n")
    if diodes:
        w(".model dg d(is=1e-14 n=1)\n")
        stride = max(1, n * n // diodes)
        for d in range(diodes):
            k = d * stride
            w(f"d{d + 1} n{k // n}_{k % n} 0 dg\n")
    w(f"v1 n0_0 0 dc {5 if diodes else 1}\nv2 n{n - 1}_{n - 1} 0 dc 0\n.op\n.end\n")
