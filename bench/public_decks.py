#!/usr/bin/python3
"""kirchhoff op against ngspice 39 on decks people publish (not in this repository).

Usage: bench/public_decks.py DIR [--kirchhoff PATH] [--keep] [--pspice] [--mode MODE]

Every *.cir, *.sp, *.spi, *.spice, *.ckt and *.net file under DIR (any case) is classified by
the elements of the circuit it builds (its own cards and the subcircuits it instantiates, so an
included library's unused cells do not count). Decks made only of the elements kirchhoff reads
(R L C V I D J Q M S W E F G H K X, B, A of the XSPICE models it knows, T O U transmission lines
and Z MESFETs; a model or level it does not implement is refused, and counted so) are solved twice, on a copy of DIR (so that .include and .lib find their files) where each deck
has its .control blocks, .save and its other analyses (.tran .ac .dc .meas ...) removed, `.options reltol=1e-9 abstol=1e-15
vntol=1e-12` and `.op` at its end (after the deck's own .options, which it beats): by `kirchhoff op --csv` and by ngspice's own
.op (ngspice -b, read from an ASCII rawfile). ngspice's pa_NN nodes, which it adds to evaluate
par('...') in .measure and .probe, are not the deck's and are dropped.

A deck ngspice cannot solve at DC is left out (counted as such), including one where gmin and
source stepping fail and ngspice reports its "transient op" fallback instead (a current source
into a capacitor: 1 A through it). Of the rest, each is
  matching  every node within 1e-9 max(1, |V|) V, 1e-6 max(1, |V|) V with diodes or transistors,
            the same names;
  several   they differ, and kirchhoff's op --compare certifies ngspice's answer as an operating
            point too (a latch or flip-flop has several; .nodeset picks one in either program);
  refused   kirchhoff exits 2 with file:line:col (the message is printed);
  wrong     kirchhoff answers and differs from ngspice;
  failed    kirchhoff exits otherwise.
The issue's target: at least 90 % matching, none wrong. Prints one line per deck, the counts
and both programs' whole-process times. Exit status 0 unless a deck is wrong or failed.

A .spiceinit beside a deck is removed from the copy: its `set ngbehavior=...` would have ngspice
read the deck as PSpice or LTspice do, where kirchhoff reads ngspice's default mode. With
--pspice each is replaced by `set ngbehavior=ps` instead, as ngspice's p-to-n-examples README
tells its users to set it: both programs then read the included libraries in PSpice mode. With
--mode MODE every folder of the copy gets `set ngbehavior=MODE` (ngspice's LTspice examples say
in a comment that they need `lt` or `lta`), which both programs read.

Where to get decks: ngspice-39's examples/ and tests/ (the source tarball at
http://deb.debian.org/debian/pool/main/n/ngspice/ngspice_39.3+ds.orig.tar.gz), vendor diode model
cards (.lib files wrapped in a test circuit), power-grid benchmarks (IBM PG, ISPD). None are
committed here.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ELEMENTS = set("abcdefghijklmoqrstuvwxz")
DECK_SUFFIXES = (".cir", ".sp", ".spi", ".spice", ".ckt", ".net")  # compared lower-cased
TIGHT = ".options reltol=1e-9 abstol=1e-15 vntol=1e-12\n"


def without_control(lines):
    """The lines outside .control ... .endc blocks (ngspice commands, not the circuit)."""
    out, control = [], False
    for raw in lines:
        low = raw.strip().lower()
        if control:
            control = not low.startswith(".endc")
        elif low.startswith(".control"):
            control = True
        else:
            out.append(raw)
    return out


def logical_lines(text):
    """The deck's cards after its title: continuations joined, comments and .control dropped."""
    lines = []
    for raw in without_control(text.splitlines()[1:]):
        s = raw.strip()
        if not s or s[0] == "*":
            continue
        if s[0] == "+" and lines:
            lines[-1] += " " + s[1:]
        else:
            lines.append(s)
    return lines


def read_cards(path, seen, top, subckts):
    """Adds the element letters and subcircuit references of path's cards, following .include
    and .lib files, to top (outside .subckt) or to the subcircuit they are defined in."""
    if path in seen or not os.path.isfile(path):
        return
    seen.add(path)
    with open(path, errors="replace") as f:
        text = f.read()
    if not os.path.splitext(path)[1].lower() in DECK_SUFFIXES:
        text = "title\n" + text  # a library file has no title line
    stack = []
    for line in logical_lines(text):
        low = line.lower()
        words = low.split()
        where = subckts[stack[-1]] if stack else top
        if low.startswith((".include", ".inc ", ".lib")) and len(words) >= 2:
            name = line.split()[1].strip("'\"")  # as written: file names keep their case
            read_cards(os.path.join(os.path.dirname(path), name), seen, top, subckts)
        elif low.startswith(".subckt") and len(words) >= 2:
            stack.append(words[1])
            subckts.setdefault(words[1], (set(), set()))
        elif low.startswith(".ends"):
            stack = stack[:-1]
        elif low[0].isalpha():
            where[0].add(low[0])
            if low[0] == "x":
                where[1].update(words[1:])  # node names too: the lookup below keeps subcircuits


def element_kinds(path):
    """The element letters of the circuit a deck builds: its own cards and those of the
    subcircuits it instantiates (a library's unused subcircuits do not count)."""
    top, subckts = (set(), set()), {}
    read_cards(path, set(), top, subckts)
    kinds, todo, done = set(top[0]), [w for w in top[1] if w in subckts], set()
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        kinds |= subckts[name][0]
        todo += [w for w in subckts[name][1] if w in subckts]
    return kinds


def dc_copy(path):
    """The deck as both programs solve it (see the module's docstring)."""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    out = [lines[0] if lines else ""]
    # .save would keep the other nodes out of ngspice's rawfile, and the other analyses would
    # count their time as the operating point's
    out += [raw for raw in without_control(lines[1:]) if not re.match(
        r"\.end\s*$|\.(save|tran|ac|dc|noise|pz|tf|sens|disto|four|meas|measure|print|plot|probe"
        r"|pss|sp)\b",
        raw.strip(), re.I)]
    # the tight tolerances last, where they beat the deck's own .options (the last one given wins)
    out += [TIGHT.rstrip("\n"), ".op", ".end", ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def ngspice_op(deck, work):
    raw = os.path.join(work, "op.raw")
    if os.path.exists(raw):
        os.remove(raw)
    env = dict(os.environ, SPICE_ASCIIRAWFILE="1")
    t0 = time.monotonic()
    try:
        r = subprocess.run(["ngspice", "-b", "-r", raw, os.path.basename(deck)],
                           cwd=os.path.dirname(deck), env=env, capture_output=True, text=True,
                           timeout=60)
    except subprocess.TimeoutExpired:  # ngspice's own Newton never settles: no answer to check
        return None, time.monotonic() - t0
    seconds = time.monotonic() - t0
    if not os.path.exists(raw):
        return None, seconds
    nodes, names, values, plot_op, section = {}, [], [], False, None
    with open(raw, errors="replace") as f:
        for line in f:
            if line.startswith(("Title:", "Date:")):  # the next plot's header
                section = None
                continue
            if line.startswith("Plotname:"):
                plot_op, section, names, values = "Operating Point" in line, None, [], []
                continue
            if not plot_op:
                continue
            if line.startswith("Variables:"):
                section = "vars"
                continue
            if line.startswith("Values:"):
                section = "values"
                continue
            words = line.split()
            if section == "vars" and len(words) >= 2:
                names.append(words[1].lower())
            elif section == "values" and words and len(values) < len(names):
                values.append(float(words[-1]))
                if len(values) == len(names):
                    for n, v in zip(names, values):
                        if n.startswith("v(") and n.endswith(")") and "#" not in n:
                            nodes[n[2:-1]] = v
    if r.returncode != 0 and not nodes:
        return None, seconds
    if "source stepping failed" in r.stdout + r.stderr:
        # gmin and source stepping failed; ngspice's "transient op" fallback then reports where
        # a short pseudo-transient run ended (1 A through a capacitor), not a DC solution
        return None, seconds
    return nodes or None, seconds


def kirchhoff_op(deck, exe):
    t0 = time.monotonic()
    r = subprocess.run([exe, "op", "--csv", "--quiet", os.path.basename(deck)],
                       cwd=os.path.dirname(deck), capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - t0
    nodes, reading = {}, False
    for line in r.stdout.splitlines():
        if line == "node,voltage":
            reading = True
            continue
        if reading and "," in line:
            name, value = line.rsplit(",", 1)
            if "#" not in name:  # RS nodes: ngspice keeps its internal nodes out of the rawfile
                nodes[name] = float(value)
    return r.returncode, nodes, r.stderr.strip().splitlines(), seconds


def several_points(deck, exe):
    """Whether kirchhoff's op --compare finds ngspice's answer to be an operating point as well
    (a latch, a flip-flop: circuits of transistors can have several)."""
    r = subprocess.run([exe, "op", "--compare", "--quiet", os.path.basename(deck)],
                       cwd=os.path.dirname(deck), capture_output=True, text=True, timeout=120)
    return "ngspice's answer is one too" in r.stdout + r.stderr


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    root = os.path.abspath(args[0])
    here = os.path.dirname(os.path.abspath(__file__))
    exe = os.path.join(here, "..", "build", "release", "cli", "kirchhoff")
    if "--kirchhoff" in args:
        exe = args[args.index("--kirchhoff") + 1]
    exe = os.path.abspath(exe)
    work = tempfile.mkdtemp(prefix="kh-public-")
    copy = os.path.join(work, "decks")
    shutil.copytree(root, copy)
    for folder, _, files in os.walk(copy):
        if ".spiceinit" in files:
            # a compatibility mode (set ngbehavior=ps, lt, ...) there would make ngspice read the
            # decks beside it as PSpice or LTspice do; kirchhoff reads ngspice's own mode and ps
            os.remove(os.path.join(folder, ".spiceinit"))
            if "--pspice" in args:
                with open(os.path.join(folder, ".spiceinit"), "w") as f:
                    f.write("set ngbehavior=ps\n")
        if "--mode" in args:
            with open(os.path.join(folder, ".spiceinit"), "w") as f:
                f.write("set ngbehavior=%s\n" % args[args.index("--mode") + 1])
    counts = dict(matching=0, several=0, refused=0, wrong=0, failed=0, not_dc=0, other_elements=0)
    times = [0.0, 0.0]
    worst = 0.0
    for folder, _, files in sorted(os.walk(copy)):
        for name in sorted(files):
            if not name.lower().endswith(DECK_SUFFIXES):
                continue
            deck = os.path.join(folder, name)
            shown = os.path.relpath(deck, copy)
            kinds = element_kinds(deck)
            if not kinds or not kinds <= ELEMENTS:
                counts["other_elements"] += 1
                print(f"{'other':9} {shown}: {' '.join(sorted(kinds - ELEMENTS)) or 'no elements'}")
                continue
            dc_copy(deck)
            ng, ng_s = ngspice_op(deck, work)
            if ng is None:
                counts["not_dc"] += 1
                print(f"{'not-dc':9} {shown}: ngspice finds no operating point")
                continue
            rc, kh, err, kh_s = kirchhoff_op(deck, exe)
            times[0] += kh_s
            times[1] += ng_s
            if rc == 2 and err and re.search(r":\d+:\d+: ", err[-1]):
                counts["refused"] += 1
                print(f"{'refused':9} {shown}: {err[-1]}")
                continue
            if rc != 0:
                counts["failed"] += 1
                print(f"{'failed':9} {shown}: exit {rc}: {err[-1] if err else ''}")
                continue
            tol = 1e-6 if kinds & set("djmqsw") else 1e-9
            with open(deck, errors="replace") as f:
                if re.search(r"\bpar\s*\(", f.read(), re.I):
                    # ngspice evaluates each par('expr') of .measure or .print with a B source
                    # of its own, on a node pa_00, pa_01, ...: not the deck's circuit
                    ng = {n: v for n, v in ng.items() if n in kh or not re.fullmatch(r"pa_\d+", n)}
            bad = sorted(set(kh) ^ set(ng))
            diff = max((abs(kh[n] - ng[n]) / max(1, abs(ng[n])) for n in kh if n in ng),
                       default=0.0)
            if not bad and not diff <= tol and several_points(deck, exe):
                counts["several"] += 1
                print(f"{'several':9} {shown}: largest difference {diff:.3g}; ngspice's answer is "
                      "an operating point too (kirchhoff's Newton, started there, certifies it)")
                continue
            if bad or not diff <= tol:
                counts["wrong"] += 1
                print(f"{'WRONG':9} {shown}: largest difference {diff:.3g}"
                      + (f", nodes on one side only: {' '.join(bad[:6])}" if bad else ""))
                continue
            worst = max(worst, diff)
            counts["matching"] += 1
            print(f"{'matching':9} {shown}: {len(kh)} nodes, largest difference {diff:.2g}")
    shutil.rmtree(work)
    solved = sum(counts[k] for k in ("matching", "several", "refused", "wrong", "failed"))
    share = 100.0 * counts["matching"] / solved if solved else 0.0
    print(f"\ndecks of the elements kirchhoff reads with an operating point: {solved}")
    print(f"  matching ngspice: {counts['matching']} ({share:.1f} %; worst difference "
          f"{worst:.2g} max(1, |V|) V)")
    print(f"  several operating points, ngspice's one of them: {counts['several']}")
    print(f"  refused at file:line:col: {counts['refused']}")
    print(f"  wrong: {counts['wrong']}   failed: {counts['failed']}")
    print(f"left out: {counts['other_elements']} with other elements, {counts['not_dc']} that "
          f"ngspice cannot solve at DC")
    print(f"whole-process time: kirchhoff {times[0]:.2f} s, ngspice {times[1]:.2f} s")
    return 1 if counts["wrong"] or counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
