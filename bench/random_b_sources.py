#!/usr/bin/env python3
"""Random expressions, read by kirchhoff and by ngspice 39: a differential test of how each reads
a B source's text (braces and quotes, which ngspice's front end blanks or makes parentheses;
signs, powers, parameters, functions, the ternary), or with --values an element's `{...}` value
(ngspice's parameter evaluation, numparam: its precedence, comparisons, ternaries, functions).

Usage: bench/random_b_sources.py [SEEDS] [--values | --cards KIND] [--kirchhoff PATH]
                                  [--mode MODE]

Each seed writes one deck of 25 B sources (`v=EXPR` into 1 kohm; with --values 5 V sources of
value `{EXPR}` or `'EXPR'`) over two fixed node voltages and two parameters, runs `kirchhoff op`
and ngspice's `.op` on it in a scratch directory (with `set ngbehavior=MODE` in its .spiceinit
where --mode is given), and compares every output node (relative 1e-5: ngspice prints 7
digits). Prints each difference with its expression, the decks one program refuses or fails and
the other solves (kirchhoff refuses some forms on purpose: two signs in a row, a bare ternary in
another's first branch, a value that is not finite), and the counts. Exit status 1 where an
expression differs. The expressions keep to domains where both can solve (integer powers,
divisors that are constants): the aim is how the text is read, not Newton.

--cards KIND writes other cards instead, each deck a few outputs n0, n1, ...: `numbers` (R values
with every suffix and unit, resistor codes, junk letters), `subckt` (subcircuit parameters:
defaults reading each other and globals, .param in the body, overrides on X lines, a nested
instance), `func` (.func definitions calling each other, in V values and B sources), `if`
(.if/.elseif/.else on parameter conditions), `models` (diode and R cards whose values are
expressions, a card in a subcircuit reading its parameter, .temp; both programs at tight
tolerances, since ngspice's default ones leave 1e-5 of its own error on a diode), `tables`
(XSPICE table2d and table3d instances of a random table file written beside the deck: uneven
axes, suffixes, separators, comments, blank lines, CRLF; inputs inside, on the points and past
the ends, every port type, currents into %i and %id ports among them), `thresholds` (V and E
sources, I sources into 1 ohm, subcircuit parameters and XSPICE gain models of short decimals,
braced or not,
through parameters, each compared by a B source with its own text: which side of the threshold
each program's reading falls on).
"""
import os
import random
import re
import subprocess
import sys
import tempfile

EXPRESSIONS = 25


def atom(rng, depth):
    r = rng.random()
    if r < 0.25:
        return rng.choice(["v(in)", "v(in2)", "v(in,in2)"])
    if r < 0.45:
        return rng.choice(["k", "{k}", "'k'", "m", "{m}"])
    if r < 0.7:
        return rng.choice(["2", "0.5", "3", "1.5", "1k", "2m", "10", "0.25"])
    return expression(rng, depth + 1)


def expression(rng, depth=0):
    if depth > 3:
        return rng.choice(["2", "v(in)", "k"])
    r = rng.random()
    a, b = atom(rng, depth), atom(rng, depth)
    if r < 0.5:
        op = rng.choice(["+", "-", "*", "/", "^", "**", "+-", "*-", "-"])
        if op in ("^", "**"):
            b = rng.choice(["2", "3", "{k}", "k", "(k+1)", "{k+1}", "'k-1'"])
        if op == "/":
            b = rng.choice(["2", "k", "{k}", "'k'", "(k+1)", "{k+1}", "{k*2}", "4"])
        text = a + op + b
    elif r < 0.6:
        text = "-" + a
    elif r < 0.7:
        fn = rng.choice(["abs", "sin", "cos", "atan", "tanh", "sgn", "uramp", "floor", "ceil"])
        text = "%s(%s)" % (fn, a)
    elif r < 0.78:
        fn = rng.choice(["min", "max", "pwr", "pow"])
        if fn in ("pwr", "pow"):
            b = rng.choice(["2", "3", "k", "{k}"])
        text = "%s(%s,%s)" % (fn, a, b)
    elif r < 0.85:
        text = "%s > %s ? %s : %s" % (a, b, a, b)
    else:
        text = a + rng.choice(["+", "*", "-", "/"]) + rng.choice(["2", "k", "{k}", "(k+1)"])
    wrap = rng.random()
    if wrap < 0.25:
        return "(" + text + ")"
    if wrap < 0.4:
        return "{" + text + "}"
    if wrap < 0.45 and "'" not in text:  # a quote inside quotes pairs otherwise in ngspice
        return "'" + text + "'"
    return text


def value_expression(rng, depth=0):
    """A numparam expression of the parameters k and m (no node voltages)."""
    if depth > 3:
        return rng.choice(["2", "k", "1.5"])
    pick = lambda: (rng.choice(["k", "m", "2", "0.5", "3", "1k", "2m", "{k}", "(k+1)"])
                    if rng.random() < 0.6 else value_expression(rng, depth + 1))
    a, b, r = pick(), pick(), rng.random()
    if r < 0.5:
        op = rng.choice(["+", "-", "*", "/", "^", "**", "%"])
        if op in ("^", "**"):
            b = rng.choice(["2", "3", "k", "0.5"])
        if op in ("/", "%"):
            b = rng.choice(["2", "k", "3", "(k+1)"])
        text = a + op + b
    elif r < 0.6:
        text = "-" + a
    elif r < 0.72:
        fn = rng.choice(["abs", "sqrt", "exp", "sin", "cos", "atan", "tanh", "sgn", "floor",
                         "ceil", "int", "nint", "ln", "log10", "sqr"])
        text = "%s(abs(%s)+1)" % (fn, a)
    elif r < 0.8:
        text = "%s(%s,%s)" % (rng.choice(["min", "max", "pwr", "pow"]), a,
                              b if rng.random() < 0.5 else "2")
    elif r < 0.88:
        text = "%s > %s ? %s : %s" % (a, b, a, b)
    else:
        text = "%s %s %s" % (a, rng.choice(["==", "!=", "<=", ">=", "&&", "||"]), b)
    wrap = rng.random()
    if wrap < 0.3:
        return "(" + text + ")"
    if wrap < 0.45:
        return "{" + text + "}"
    return text


def suffixed(rng):
    return rng.choice(["1", "2.5", ".5", "10", "4.7", "1e3", "2.2e-3", "1E2", "3.", "0.47"]) + \
        rng.choice(["", "k", "K", "meg", "Meg", "m", "M", "u", "n", "p", "f", "g", "t", "mil",
                    "k7", "r", "ohm", "kohm", "Ohms", "megohm", "v", "x", "e", "d3", "k5", "u2"])


def cards_numbers(rng):
    texts = [suffixed(rng) for _ in range(4)]
    lines = ["v1 in 0 1"]
    for i, text in enumerate(texts):
        lines += ["r%d in n%d %s" % (i, i, text), "rl%d n%d 0 1k" % (i, i)]
    return lines, texts


def braced(rng, names):
    a, b = rng.choice(names + ["2", "3", "0.5"]), rng.choice(names + ["2", "1.5"])
    op = rng.choice(["+", "*", "/"])
    return rng.choice(["{%s}", "'%s'"]) % (a + op + (rng.choice(["2", "4"]) if op == "/" else b))


def cards_subckt(rng):
    lines = [".param g=%s" % rng.choice(["2", "3", "0.5"]), ".param h={g*2}",
             ".subckt inner a b q=%s" % rng.choice(["1", "2", "{g}", "{g+1}"]),
             "r1 a b %s" % braced(rng, ["q", "g", "h"]), ".ends",
             ".subckt s a b p1=%s p2=%s" % (rng.choice(["1", "{g}", "{h/2}"]),
                                            rng.choice(["{p1*2}", "{p1+g}", "3", "{h}"])),
             ".param loc={p1+p2}", "r1 a m %s" % braced(rng, ["p1", "p2", "g", "loc"]),
             "x1 m b inner%s" % rng.choice(["", " q=p1", " q={p2*2}", " q=loc", " q={g}"]),
             ".ends", "v1 in 0 1"]
    texts = [rng.choice(["", " p1=4", " p2=5", " p1={g*3} p2={h}", " p1=2.5"]) for _ in range(4)]
    for i, text in enumerate(texts):
        lines += ["xs%d in n%d s%s" % (i, i, text), "rl%d n%d 0 10" % (i, i)]
    return lines, texts


def cards_func(rng):
    lines = [".param x=%s" % rng.choice(["2", "3", "0.5"]), ".param k={x+1}",
             ".func f(x) {%s}" % rng.choice(["x*2+k", "x+x*x", "(x+1)*k", "x/2-k", "min(x,k)",
                                             "x>k ? x : k"]),
             ".func g(a,b) {%s}" % rng.choice(["a*b+f(a)", "f(a+b)-b", "a-b*f(b)",
                                               "max(a,f(b))", "f(f(a))+b"]),
             "v1 in 0 %s" % rng.choice(["-1.37", "0.71", "2.3"])]
    texts = []
    for i in range(5):
        e = rng.choice(["f(x)", "g(x,k)", "f(2)*3", "g(1,2)+x", "-f(k)", "f(x)^2", "g(f(1),x)"])
        if rng.random() < 0.5:
            texts.append("{%s}" % e)
            lines += ["vx%d n%d 0 %s" % (i, i, texts[-1]), "r%d n%d 0 1k" % (i, i)]
        else:
            texts.append("v=" + (e.replace("x", "v(in)") if rng.random() < 0.5 else e))
            lines += ["b%d n%d 0 %s" % (i, i, texts[-1]), "r%d n%d 0 1k" % (i, i)]
    return lines, texts


def condition(rng):
    text = "%s %s %s" % (rng.choice(["a", "b", "a+b", "a*2", "1", "0"]),
                         rng.choice(["==", "!=", "<", ">", "<=", ">=", "&&", "||"]),
                         rng.choice(["1", "2", "b", "a-1", "0.5"]))
    if rng.random() < 0.3:
        text = "(%s) %s (%s == %s)" % (text, rng.choice(["&&", "||"]), rng.choice(["a", "b"]),
                                       rng.choice(["1", "2"]))
    return "!(%s)" % text if rng.random() < 0.2 else text


def cards_if(rng):
    lines = [".param a=%s b=%s" % (rng.choice(["0", "1", "2"]), rng.choice(["0", "1", "0.5"])),
             "v1 in 0 1"]
    texts = []
    for i in range(3):
        texts.append(condition(rng))
        lines += [".if (%s)" % texts[-1], "r%d in n%d 1k" % (i, i)]
        if rng.random() < 0.5:
            lines += [".elseif (%s)" % condition(rng), "r%d in n%d 2k" % (i, i)]
        lines += [".else", "r%d in n%d 3k" % (i, i), ".endif", "rl%d n%d 0 1k" % (i, i)]
    return lines, texts


def model_value(rng, base):
    return rng.choice([base, "{%s*k}" % base, "'%s/(k+1)*2'" % base, "{%s*(1+k/10)}" % base])


def cards_models(rng):
    texts = [model_value(rng, "1e-14"), model_value(rng, "1k"), model_value(rng, "1.2")]
    lines = [".options reltol=1e-12 abstol=1e-18 vntol=1e-14",
             ".param k=%s" % rng.choice(["1", "2", "0.5"]),
             "v1 in 0 %s" % rng.choice(["1", "5", "-2"]),
             ".model dm d(is=%s n=%s rs=%s bv=%s)" % (texts[0], model_value(rng, "1.5"),
                                                      model_value(rng, "2"),
                                                      model_value(rng, "10")),
             ".model rm r(r=%s tc1=%s)" % (texts[1], model_value(rng, "1e-3")),
             ".subckt cell a b w=1", ".model dl d(is={1e-15*w} n=%s)" % texts[2],
             "d1 a m dl %s" % rng.choice(["", "area=2", "m=2", "area={w}"]),
             "r1 m b %s" % model_value(rng, "500"), ".ends",
             "d1 in n0 dm", "rl0 n0 0 1k", "r2 in n1 rm", "rl1 n1 0 1k",
             "x1 in n2 cell w=%s" % rng.choice(["1", "2", "{k}"]), "rl2 n2 0 1k"]
    if rng.random() < 0.5:
        lines.append(".temp %s" % rng.choice(["0", "50", "100"]))
    return lines, texts


def table_number(rng, v):
    """v written as a table file may write it: plain, with a suffix (2.5k, 1meg, 3mil), or with
    a unit letter that scales by 1 (2V)."""
    form = rng.random()
    if form < 0.5:
        return repr(v)
    if form < 0.8:
        suffix, scale = rng.choice([("k", 1e3), ("m", 1e-3), ("u", 1e-6), ("meg", 1e6),
                                    ("mil", 25.4e-6), ("n", 1e-9), ("K", 1e3), ("Meg", 1e6)])
        return "%.17g%s" % (v / scale, suffix)
    return "%.17g%s" % (v, rng.choice(["V", "A", "x"]))


def table_file(rng, dims):
    """A random table file for table2d (dims 2) or table3d, and its sizes: uneven ascending
    axes, values of either sign, written with suffixes, commas, parentheses, comments, blank
    lines and maybe CRLF line ends."""
    sizes = [rng.randint(2, 6) for _ in range(dims)]
    axes = []
    for n in sizes:
        at, axis = rng.uniform(-3, 1), []
        for _ in range(n):
            axis.append(round(at, 6))
            at += rng.choice([0.1, 0.5, 1, 2, 0.03]) * rng.uniform(0.5, 2)
        axes.append(axis)
    sep = rng.choice([" ", ", ", "\t", " ( ", "  "])
    def row(values):
        return sep.join(table_number(rng, v) for v in values)
    lines = ["* random table"] + ["%d" % n for n in sizes]
    if rng.random() < 0.3:
        lines.insert(2, "* a comment between the counts")
    lines += [row(axis) for axis in axes]
    rows = sizes[1] * (sizes[2] if dims == 3 else 1)
    for r in range(rows):
        if dims == 3 and r % sizes[1] == 0:
            lines.append("* z = %g" % axes[2][r // sizes[1]])
        lines.append(row([round(rng.uniform(-5, 5), 4) for _ in range(sizes[0])]))
        if rng.random() < 0.1:
            lines.append("")
    end = "\r\n" if rng.random() < 0.2 and "" not in lines else "\n"
    return end.join(lines) + end, sizes, axes


def table_input(rng, axis, name):
    """A source setting an input inside the axis, on one of its points, or past either end."""
    where = rng.random()
    v = (rng.uniform(axis[0], axis[-1]) if where < 0.6 else rng.choice(axis) if where < 0.8
         else axis[0] - rng.uniform(0, 2) if where < 0.9 else axis[-1] + rng.uniform(0, 2))
    return "v%s %s 0 %.10g" % (name, name, v)


def cards_tables(rng):
    """table2d and table3d instances reading a random table file (written beside the deck) at
    random inputs, through every port type, into resistors; both programs at tight tolerances."""
    dims = rng.choice([2, 3])
    text, sizes, axes = table_file(rng, dims)
    fits3 = sizes[0] >= 3 and sizes[1] >= 4 and (dims == 2 or sizes[2] >= 4)
    order = "" if fits3 and rng.random() < 0.5 else " order=2"
    lines = [".options reltol=1e-12 abstol=1e-18 vntol=1e-14",
             ".model tab table%dd (offset=%s gain=%s%s file=\"t.table\")"
             % (dims, rng.choice(["0", "0.5", "-1.25"]), rng.choice(["1", "2", "-0.3", "1m"]),
                order)]
    texts = []
    for i in range(4):
        ports = []
        for d in range(dims):
            node = "i%d_%d" % (i, d)
            lines.append(table_input(rng, axes[d], node))
            kind = rng.choice(["%s", "%%v(%s)", "%%vd(%s 0)", "%%vnam v%s", "%%i(%s_c)",
                               "%%id(%s_c 0)"])
            if "_c" in kind:  # a current input: the source's voltage across 1 ohm into it
                lines.append("r%s %s %s_c 1" % (node, node, node))
            ports.append(kind % node)
        out = rng.choice(["%%v(n%d)", "%%vd(n%d 0)", "%%i(n%d)", "%%id(0 n%d)"]) % i
        lines += ["a%d %s %s tab" % (i, " ".join(ports), out), "rl%d n%d 0 %s" %
                  (i, i, rng.choice(["1k", "10", "100"]))]
        texts.append("a%d %s" % (i, " ".join(ports)))
    return lines, texts, {"t.table": text}


def decimal_text(rng, mil=False):
    """A short decimal as decks write them: 1 to 4 digits, a point somewhere, maybe a suffix
    (`mil` only where asked: kirchhoff refuses it in a parameter or braces, where ngspice reads
    it as milli)."""
    digits = str(rng.randint(1, 9999))
    point = rng.randint(0, len(digits))
    text = (digits[:point] or "0") + ("." + digits[point:] if point < len(digits) else "")
    return text + rng.choice(["", "", "", "k", "m", "u", "meg", "e-2", "e3"] + ["mil"] * mil)


def cards_thresholds(rng):
    """Sources whose values sit exactly on a B source's threshold: whether each program reads the
    source's value and the literal as the same double decides the output (ngspice's device parser
    reads 0.3 as 0.30000000000000004, its B-source parser and numparam otherwise)."""
    lines = [".param pa=%s pb=%s" % (decimal_text(rng), decimal_text(rng)), "vin in 0 1",
             ".subckt src a b val=1", "vv a b {val}", ".ends"]
    texts = []
    for i in range(6):
        text = decimal_text(rng, mil=True)
        value = rng.choice([text, text, "{%s}" % text.replace("mil", "m"), "{pa}", "{pb*2}", "pa"])
        kind = rng.choice(["v", "v", "e", "i", "x", "a"])
        if kind == "x":  # the value through a subcircuit's parameter (numparam's, then {val})
            value = value.replace("mil", "m")
        if kind == "a":  # a .model card's value: XSPICE gain of 1 V, out = gain
            lines.append(".model amp%d gain(gain=%s )" % (i, value))  # `gain=pa)` stops ngspice
        lines.append({"v": "v%d s%d 0 %s", "e": "e%d s%d 0 in 0 %s", "i": "i%d 0 s%d %s",
                      "x": "x%d s%d 0 src val=%s", "a": "a%d in s%d amp%d"}[kind]
                     % ((i, i, i) if kind == "a" else (i, i, value)))
        lines.append("rs%d s%d 0 %s" % (i, i, "1" if kind == "i" else "1k"))
        literal = {"{pa}": "pa", "{pb*2}": "pb*2", "pa": "pa"}.get(value, text)
        test = rng.choice(["v(s%d) <= %s ? 1 : 0", "v(s%d) >= %s ? 1 : 0", "v(s%d) == %s ? 1 : 0",
                           "v(s%d) < %s ? 1 : 0", "floor(v(s%d) / (%s) * 1e3)"]) % (i, literal)
        texts.append("%s = %s: v = %s" % (lines[-2].split()[0], value, test))
        lines += ["b%d n%d 0 v = %s" % (i, i, test), "rl%d n%d 0 1k" % (i, i)]
    return lines, texts


CARDS = {"numbers": cards_numbers, "subckt": cards_subckt, "func": cards_func, "if": cards_if,
         "models": cards_models, "tables": cards_tables, "thresholds": cards_thresholds}


def values(text, pattern):
    found = {}
    for line in text.splitlines():
        m = re.match(pattern, line)
        if m:
            found[m.group(1)] = float(m.group(2))
    return found


def run_seed(seed, exe, work, element_values, cards):
    rng = random.Random(seed)
    lines = ["random B sources", ".param k=2", ".param m=-1.5", "v1 in 0 -1.37", "v2 in2 0 0.71"]
    texts = []
    if cards:
        made = cards(rng)
        more, texts = made[0], made[1]
        for name, text in (made[2] if len(made) > 2 else {}).items():  # files beside the deck
            with open(os.path.join(work, name), "w", newline="") as f:
                f.write(text)
        lines = ["random cards"] + more
    for i in range(0 if cards else 5 if element_values else EXPRESSIONS):
        if element_values:  # one refused value stops a deck: fewer per deck
            texts.append(rng.choice(["{%s}", "'%s'"]) % value_expression(rng))
            lines += ["vx%d n%d 0 %s" % (i, i, texts[-1]), "r%d n%d 0 1k" % (i, i)]
        else:
            texts.append("v=" + expression(rng))
            lines += ["b%d n%d 0 %s" % (i, i, texts[-1]), "r%d n%d 0 1k" % (i, i)]
    deck = "\n".join(lines) + "\n"
    with open(os.path.join(work, "k.cir"), "w") as f:
        f.write(deck + ".op\n.end\n")
    with open(os.path.join(work, "n.cir"), "w") as f:
        f.write(deck + ".control\nop\nprint all\n.endc\n.end\n")
    k = subprocess.run([exe, "op", "--quiet", "k.cir"], cwd=work, capture_output=True, text=True)
    n = subprocess.run(["ngspice", "-b", "n.cir"], cwd=work, capture_output=True, text=True)
    kv = values(k.stdout, r"^(n\d+)\s+(\S+)$")
    nv = values(n.stdout, r"^(n\d+) = (\S+)")
    return texts, k, kv, nv


def main():
    args = sys.argv[1:]
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    seeds = int(args[0]) if args and not args[0].startswith("--") else 40
    here = os.path.dirname(os.path.abspath(__file__))
    exe = os.path.join(here, "..", "build", "release", "cli", "kirchhoff")
    if "--kirchhoff" in args:
        exe = args[args.index("--kirchhoff") + 1]
    exe = os.path.abspath(exe)
    with tempfile.TemporaryDirectory(prefix="kh-random-b-") as work:
        return compare(args, seeds, exe, work)


def compare(args, seeds, exe, work):
    """Runs seeds 1..seeds in `work`; prints what differs; 1 where anything does."""
    with open(os.path.join(work, ".spiceinit"), "w") as f:
        if "--mode" in args:
            f.write("set ngbehavior=%s\n" % args[args.index("--mode") + 1])
    cards = CARDS[args[args.index("--cards") + 1]] if "--cards" in args else None
    compared = differ = one_side = 0
    for seed in range(1, seeds + 1):
        texts, k, kv, nv = run_seed(seed, exe, work, "--values" in args, cards)
        if bool(kv) != bool(nv):
            one_side += 1
            print("seed %d: %s" % (seed, "ngspice fails, kirchhoff solves" if kv else
                                   "kirchhoff: " + (k.stderr.strip().splitlines() or ["?"])[-1]))
        for i, text in enumerate(texts):
            name = "n%d" % i
            if name in kv and name in nv:
                compared += 1
                if abs(kv[name] - nv[name]) > 1e-5 * max(1, abs(nv[name])):
                    differ += 1
                    print("seed %d %s: kirchhoff %.9g, ngspice %.9g: %s" %
                          (seed, name, kv[name], nv[name], text))
    print("%d expressions compared over %d decks: %d differ; %d decks solved by one program only"
          % (compared, seeds, differ, one_side))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
