#!/usr/bin/python3
"""No include or call circles between the files of one module (issue 24's rule), a header and
its source counting as one file. A circle means two files can only be understood, and changed,
together: kirchhoff breaks it by moving what both use into a file of its own (netlist/values.c,
sim/native/sparse.c against sim/native/native.c, cli/report.c against cli/main.c).

Includes are read from the sources; calls from the object files the build made (nm: the symbols
a file needs that another file of its module defines).

Usage: tests/api/circles.py SOURCE_ROOT BUILD_ROOT
"""
import glob
import os
import re
import subprocess
import sys

MODULES = ("core", "netlist", "sim", "learning", "hw", "cli")


def circles(edges):
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def include_edges(root, module):
    """Edges between the module's files, subfolders included (sim/circuit/diode.c is
    circuit/diode); an include resolves against the including file's folder, then the root."""
    edges = {}
    folder = os.path.join(root, module)
    for where, _, names in sorted(os.walk(folder)):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(where, name)
            unit = os.path.splitext(os.path.relpath(path, folder))[0]
            with open(path) as f:
                includes = re.findall(r'^#include "([^"]+)"', f.read(), re.M)
            for inc in includes:
                target = os.path.normpath(os.path.join(where, inc))
                if not os.path.isfile(target):
                    target = os.path.normpath(os.path.join(root, inc))
                inside = os.path.relpath(target, folder)
                if inside.startswith("..") or not os.path.isfile(target):
                    continue
                other = os.path.splitext(inside)[0]
                if other != unit:
                    edges.setdefault(unit, set()).add(other)
    return edges


def call_edges(build, module):
    defined, needed = {}, {}
    objects = glob.glob(os.path.join(build, module, "*.p", "*.o"))
    for obj in objects:
        unit = os.path.basename(obj).split(".")[0]
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBRC":
                defined[parts[2]] = unit
            elif len(parts) == 2 and parts[0] == "U":
                needed.setdefault(unit, set()).add(parts[1])
    return {u: {defined[s] for s in syms if defined.get(s, u) != u} for u, syms in needed.items()}, \
        len(objects)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    root, build = sys.argv[1], sys.argv[2]
    bad = 0
    for module in MODULES:
        calls, objects = call_edges(build, module)
        if not objects:
            print(f"{module}: no object files under {build}/{module}: build first")
            bad += 1
        for kind, edges in (("include", include_edges(root, module)), ("call", calls)):
            for comp in circles(edges):
                bad += 1
                print(f"{module}: {kind} circle: " + " ".join(comp))
                for a in comp:
                    for b in sorted(edges.get(a, ())):
                        if b in comp:
                            print(f"    {a} -> {b}")
    print(f"{bad} circles" if bad else "no include or call circles in " + ", ".join(MODULES))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
