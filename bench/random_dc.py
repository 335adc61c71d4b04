#!/usr/bin/python3
"""kirchhoff dc against ngspice's .dc on random decks: every point of every sweep.

Usage: bench/random_dc.py FIRST LAST [--syntax | --bsim3 | --bsim4] [--kirchhoff PATH] [--keep DIR]

Each seed takes bench/random_decks.py's deck of that seed (its syntax_deck with --syntax;
bench/bsim3_decks.py's or bench/bsim4_decks.py's transistor stage with --bsim3 or --bsim4) and
replaces its .op with a .dc card drawn on a stream of its own: a top-level V or I source swept
around its DC value (up or down, 3 to 12 steps, a step that is a short decimal or a third), a
resistor swept from half to twice its value, or TEMP from -40 to 125 °C, maybe with a second
sweep of another kind outside it (ngspice's order: the first varies fastest); its S and W
switches are left out (`kirchhoff dc` refuses a sweep through a switch). Both programs
run the file with `.options reltol=1e-9 abstol=1e-15 vntol=1e-12` at its end: `kirchhoff dc`
(CSV) and `ngspice -b` (its DC plot from an ASCII rawfile). A deck is
  matching  the same number of points, the same swept values to 1e-12 relative, and every
            node at every point within 1e-6 max(1, |V|) V (as random_decks.py compares);
  refused   kirchhoff exits 2 with its reason;
  none      ngspice gives no DC plot (it fails on the deck or on a point), and kirchhoff
            fails too or answers (counted as unchecked in the latter case);
  unchecked kirchhoff answers, ngspice does not;
  several   a point differs at nodes, and kirchhoff's answer there is an operating point by
            ngspice's own equations (the point written as an .op, every node held at
            kirchhoff's voltage through a micro-ohm: no node draws more than rounding, as
            random_decks.py tests its `several`): each program followed another branch. That
            asks .op's equations, which a sweep's points need not share (a BSIM4 card's
            parameter-check corrections, made at .op and not at a TEMP sweep's points, were
            found as `several`): read these;
  differ    a point differs at nodes and ngspice so held draws more: listed with the first
            differing point, for a reader;
  wrong     the swept values or the number of points differ, or kirchhoff fails where ngspice
            answers.
Prints the decks that are not matching and the counts; exits 1 if any is wrong.
"""
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_decks  # noqa: E402

TIMEOUT = 120  # seconds for either program's whole sweep


def plain_value(word):
    try:
        return float(word)
    except ValueError:
        return None


def sweepable(cards):
    """(kind, name, value) for each top-level V or I source whose DC value is a plain number
    (`v1 a b 1.5` or `v1 a b dc 1.5`; an I source maybe with m=) and each resistor whose value
    is one."""
    found = []
    for card in cards:
        words = card.split(";")[0].split()
        if len(words) < 4 or not words[0][0].lower() in "vir" or any(
                "=" in w and not (words[0][0].lower() == "i" and w.lower().startswith("m="))
                for w in words):
            continue
        at = 4 if words[3].lower() == "dc" and len(words) > 4 else 3
        value = plain_value(words[at])
        if value is None or (words[0][0].lower() == "r" and not value > 0):
            continue
        found.append((words[0][0].lower(), words[0], value))
    return found


def a_sweep(r, choices, taken):
    """One sweep's words: NAME START STOP STEP, or None where nothing is left to sweep."""
    kinds = [c for c in choices if c[1] not in taken]
    if r.random() < 0.25 and "temp" not in taken:
        start = r.choice([-40, -20, 0, 27])
        step = r.choice([15, 20, 25, 12.5, 33.3])
        return "temp", f"temp {start} {start + step * r.randint(2, 6)} {step}"
    if not kinds:
        return None
    kind, name, value = r.choice(kinds)
    if kind == "r":
        start, stop = value / 2, value * 2
        step = (stop - start) / r.randint(3, 8)
        return name, f"{name} {start:.6g} {stop:.6g} {step:.6g}"
    span = max(abs(value), {"v": 1.0, "i": 1e-3}[kind])
    steps = r.randint(3, 12)
    step = r.choice([span / 10, span / 4, span / 3, span / 5]) * r.choice([1, -1])
    start = value - step * steps / 2
    return name, f"{name} {start:.12g} {start + step * steps:.12g} {step:.12g}"


def with_dc(text, seed):
    """The deck with its .op replaced by a drawn .dc card (None when no sweep can be drawn) and
    the tight options before .end."""
    lines = text.splitlines()
    r = random.Random(f"dc {seed}")
    choices = sweepable(random_decks.top_level(lines))
    first = a_sweep(r, choices, set())
    if first is None:
        return None
    card = ".dc " + first[1]
    if r.random() < 0.4:
        second = a_sweep(r, choices, {first[0]})
        if second is not None:
            card += " " + second[1]
    # S and W switches left out: kirchhoff dc refuses a sweep through one (ngspice carries a
    # switch's state from point to point); every node keeps its leak to ground without them
    out, dropping = lines[:1], False  # the title stays, whatever it says
    for l in lines[1:]:
        if not l.startswith("+"):
            dropping = l[:1].lower() in ("s", "w") and len(l.split()) >= 3
        if not dropping and l.strip().lower() not in (".op", ".end"):
            out.append(l)
    return "\n".join(out + [random_decks.TIGHT, card, ".end"]) + "\n", card


def kirchhoff_rows(kirchhoff, path):
    """(header, rows) of `kirchhoff dc`, or (exit status, message) when it fails."""
    try:
        run = subprocess.run([kirchhoff, "dc", "--quiet", path], capture_output=True, text=True,
                             errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"ran past {TIMEOUT} s"
    if run.returncode != 0:
        return run.returncode, ((run.stderr or run.stdout).strip().splitlines() or [""])[-1]
    lines = run.stdout.splitlines()
    header = lines[0].split(",")
    return header, [[float(x) for x in l.split(",")] for l in lines[1:]]


def ngspice_rows(path):
    """(names, rows) of ngspice's DC plot on the file itself (names in lower case), or None."""
    plot = random_decks.ngspice_plot(path, "DC transfer", TIMEOUT)
    return None if plot is None else ([n.lower() for n in plot[0]], plot[1])


def at_point(text, card, values):
    """The deck's text solving the .dc card's point `values` (first sweep's, maybe the second's)
    as an .op: each swept source's or resistor's value word set to it, a swept TEMP as the last
    `.temp` (which beats .options temp=), the .dc card gone."""
    words = card.split()[1:]
    dropped = (".dc",) + ((".temp",) if "temp" in words[::4] else ())
    lines = [l for l in text.splitlines()
             if not l.lower().startswith(dropped) and l.strip().lower() != ".end"]
    for k, value in enumerate(values):
        name = words[4 * k].lower()
        if name == "temp":
            lines.append(f".temp {value!r}")
            continue
        for i, line in enumerate(lines):
            w = line.split()
            if w and w[0].lower() == name:
                at = 4 if len(w) > 4 and w[3].lower() == "dc" else 3
                w[at] = repr(value)
                lines[i] = " ".join(w)
                break
    return "\n".join(lines + [".op", ".end"]) + "\n"


def held(path, card, values, voltages):
    """Whether kirchhoff's answer at the point (`voltages`: node -> volts) is an operating point
    by ngspice's own equations: ngspice reading the point as an .op (at_point) with every node
    held at it through a micro-ohm draws no more than rounding into any node
    (random_decks.drawn_at, its `several` test)."""
    copy = path[:-4] + ".point.cir"
    with open(copy, "w") as f:
        f.write(at_point(open(path).read(), card, values))
    drawn = random_decks.drawn_at(copy, voltages)
    os.remove(copy)
    return drawn is not None and drawn <= 1


def compare(kirchhoff, path, card):
    """The deck's verdict and a message."""
    header, mine = kirchhoff_rows(kirchhoff, path)
    theirs = ngspice_rows(path)
    if not isinstance(header, list):
        if header == 2:
            return "refused", mine
        return ("none" if theirs is None else "wrong"), f"kirchhoff failed: {mine}"
    if theirs is None:
        return "unchecked", "ngspice gives no DC plot"
    names, rows = theirs
    if len(rows) != len(mine):
        return "wrong", f"{len(mine)} points, ngspice {len(rows)}"
    swept = len(card.split()) // 4  # the swept values' columns: one per sweep
    column = {n[2:-1]: i for i, n in enumerate(names) if n.startswith("v(") and "#" not in n}
    for k, (a, b) in enumerate(zip(mine, rows)):
        if abs(a[0] - b[0]) > 1e-12 * max(1.0, abs(b[0])):
            return "wrong", f"point {k}: swept value {a[0]!r}, ngspice {b[0]!r}"
        for i, name in enumerate(header[swept:], swept):
            if "#" in name or name not in column:
                continue
            theirs_v = b[column[name]]
            if not abs(a[i] - theirs_v) <= 1e-6 * max(1.0, abs(theirs_v)):
                voltages = {n: a[j] for j, n in enumerate(header[swept:], swept) if "#" not in n}
                kind = "several" if held(path, card, a[:swept], voltages) else "differ"
                return kind, (f"point {k} ({header[0]} {a[0]!r}): {name} {a[i]!r}, "
                              f"ngspice {theirs_v!r}")
    return "matching", ""


def deck_of(kind, seed, folder):
    """The text of seed's deck of that kind."""
    if kind == "syntax":
        return random_decks.syntax_deck(seed, folder)
    if kind == "bsim3":
        import bsim3_decks
        return bsim3_decks.deck(seed, False)
    if kind == "bsim4":
        import bsim4_decks
        return bsim4_decks.deck(seed)
    return random_decks.deck(seed)


def main(argv):
    args = argv[1:]
    kind_of_deck = "random"
    for flag in ("--syntax", "--bsim3", "--bsim4"):
        if flag in args:
            args.remove(flag)
            kind_of_deck = flag[2:]
    kirchhoff = random_decks.taken(args, "--kirchhoff", random_decks.BUILT)
    keep = random_decks.taken(args, "--keep", None)
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    counts = dict.fromkeys(["matching", "refused", "none", "unchecked", "several", "differ",
                            "wrong", "no sweep"], 0)
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or scratch
        os.makedirs(folder, exist_ok=True)
        for seed in range(int(args[0]), int(args[1]) + 1):
            text = deck_of(kind_of_deck, seed, folder)
            drawn = with_dc(text, seed)
            if drawn is None:
                counts["no sweep"] += 1
                continue
            path = os.path.join(folder, f"dc{seed}.cir")
            with open(path, "w") as f:
                f.write(drawn[0])
            kind, message = compare(kirchhoff, path, drawn[1])
            counts[kind] += 1
            if kind != "matching":
                print(f"seed {seed}: {kind}: {drawn[1]}: {message}")
    print(" ".join(f"{k} {v}" for k, v in counts.items()))
    return 1 if counts["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
