#!/usr/bin/python3
"""Writes a large linear circuit for bench/large.sh (about NODES nodes):
  grid      square resistor grid, 1 kOhm between neighbours, 1 V and 0 V at opposite corners
  rgg       random geometric graph: NODES points in the unit square, a 1 kOhm resistor between
            points closer than r (mean degree 6), a 1 GOhm leak from every point to ground (a
            random geometric graph of that degree has small islands, which would float), 1 V at
            the first point
  crossbar  M x M crossbar (NODES = 2 M^2): row and column wires of 1 Ohm segments, a device of
            1..100 uS (seeded) at every crossing, rows driven at their left end (0.1..1 V),
            columns to ground through 1 Ohm at their bottom end (the read-out amplifiers)
Usage: gen_large.py KIND NODES FILE [SEED]"""
import math
import sys

import numpy as np

kind, nodes, path = sys.argv[1], int(float(sys.argv[2])), sys.argv[3]
rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 1)


def write_resistors(f, first, a, b, values):
    """Resistor lines r<first+k> <a[k]> <b[k]> <values[k]> in large chunks."""
    for s in range(0, len(a), 1 << 20):
        e = min(len(a), s + (1 << 20))
        f.write("".join(f"r{first + k} {x} {y} {v}\n"
                        for k, x, y, v in zip(range(s, e), a[s:e], b[s:e], values[s:e])))
    return first + len(a)


def names(prefix, idx):
    return np.char.add(prefix, idx.astype(str))


with open(path, "w") as f:
    if kind == "grid":
        n = int(round(math.sqrt(nodes)))
        f.write(f"{n}x{n} resistor grid ({n * n} nodes)\n")
        ids = np.arange(n * n).reshape(n, n)
        a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
        b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
        write_resistors(f, 1, names("n", a), names("n", b), ["1k"] * len(a))
        f.write(f"v1 n0 0 dc 1\nv2 n{n * n - 1} 0 dc 0\n")
    elif kind == "rgg":
        pts = rng.random((nodes, 2))
        r = math.sqrt(6.0 / (math.pi * nodes))
        cells = int(1 / r)
        cx = np.minimum((pts[:, 0] * cells).astype(np.int64), cells - 1)
        cy = np.minimum((pts[:, 1] * cells).astype(np.int64), cells - 1)
        cell = cx * cells + cy
        order = np.argsort(cell, kind="stable")
        cell_sorted = cell[order]
        start = np.searchsorted(cell_sorted, np.arange(cells * cells))
        count = np.searchsorted(cell_sorted, np.arange(cells * cells), side="right") - start
        big = int(count.max())
        all_cells = np.arange(cells * cells)
        ccx, ccy = all_cells // cells, all_cells % cells
        pa, pb = [], []
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1), (1, -1)):
            ok = (ccx + dx < cells) & (ccy + dy >= 0) & (ccy + dy < cells)
            c1 = all_cells[ok]
            c2 = (ccx[ok] + dx) * cells + ccy[ok] + dy
            for i in range(big):
                for j in range(big):
                    if (dx, dy) == (0, 0) and j <= i:
                        continue
                    m = (count[c1] > i) & (count[c2] > j)
                    u = order[start[c1[m]] + i]
                    v = order[start[c2[m]] + j]
                    close = np.sum((pts[u] - pts[v]) ** 2, axis=1) < r * r
                    pa.append(u[close])
                    pb.append(v[close])
        a, b = np.concatenate(pa), np.concatenate(pb)
        f.write(f"random geometric graph: {nodes} nodes, {len(a)} resistors, r = {r:.3g}\n")
        k = write_resistors(f, 1, names("p", a), names("p", b), ["1k"] * len(a))
        ids = np.arange(nodes)
        write_resistors(f, k, names("p", ids), ["0"] * nodes, ["1g"] * nodes)
        f.write("v1 p0 0 dc 1\n")
    elif kind == "crossbar":
        m = int(round(math.sqrt(nodes / 2)))
        f.write(f"{m}x{m} crossbar with 1 ohm wire segments ({2 * m * m} nodes)\n")
        ids = np.arange(m * m).reshape(m, m)
        row_a, row_b = ids[:, :-1].ravel(), ids[:, 1:].ravel()  # along each row wire
        col_a, col_b = ids[:-1, :].ravel(), ids[1:, :].ravel()  # along each column wire
        k = write_resistors(f, 1, names("r", row_a), names("r", row_b), ["1"] * len(row_a))
        k = write_resistors(f, k, names("c", col_a), names("c", col_b), ["1"] * len(col_a))
        g = rng.uniform(1e-6, 1e-4, m * m)
        k = write_resistors(f, k, names("r", ids.ravel()), names("c", ids.ravel()),
                            [f"{1 / x:.6g}" for x in g])
        bottom = ids[m - 1, :]
        k = write_resistors(f, k, names("c", bottom), ["0"] * m, ["1"] * m)
        drive = rng.uniform(0.1, 1.0, m)
        f.write("".join(f"v{i} r{ids[i, 0]} 0 dc {drive[i]:.6g}\n" for i in range(m)))
    else:
        sys.exit(f"gen_large.py: unknown kind '{kind}' (grid, rgg, crossbar)")
    f.write(".op\n.end\n")
