#!/usr/bin/env python3
"""Random expressions, read by kirchhoff and by ngspice 39: a differential test of how each reads
a B source's text (braces and quotes, which ngspice's front end blanks or makes parentheses;
signs, powers, parameters, functions, the ternary), or with --values an element's `{...}` value
(ngspice's parameter evaluation, numparam: its precedence, comparisons, ternaries, functions).

Usage: bench/random_b_sources.py [SEEDS] [--values] [--kirchhoff PATH] [--mode MODE]

Each seed writes one deck of 25 B sources (`v=EXPR` into 1 kohm; with --values 5 V sources of
value `{EXPR}` or `'EXPR'`) over two fixed node voltages and two parameters, runs `kirchhoff op`
and ngspice's `.op` on it in a scratch directory (with `set ngbehavior=MODE` in its .spiceinit
where --mode is given), and compares every output node (relative 1e-5: ngspice prints 7
digits). Prints each difference with its expression, the decks one program refuses or fails and
the other solves (kirchhoff refuses some forms on purpose: two signs in a row, a bare ternary in
another's first branch, a value that is not finite), and the counts. Exit status 1 where an
expression differs. The expressions keep to domains where both can solve (integer powers,
divisors that are constants): the aim is how the text is read, not Newton.
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


def values(text, pattern):
    found = {}
    for line in text.splitlines():
        m = re.match(pattern, line)
        if m:
            found[m.group(1)] = float(m.group(2))
    return found


def run_seed(seed, exe, work, element_values):
    rng = random.Random(seed)
    lines = ["random B sources", ".param k=2", ".param m=-1.5", "v1 in 0 -1.37", "v2 in2 0 0.71"]
    texts = []
    for i in range(5 if element_values else EXPRESSIONS):
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
    work = tempfile.mkdtemp(prefix="kh-random-b-")
    with open(os.path.join(work, ".spiceinit"), "w") as f:
        if "--mode" in args:
            f.write("set ngbehavior=%s\n" % args[args.index("--mode") + 1])
    compared = differ = one_side = 0
    for seed in range(1, seeds + 1):
        texts, k, kv, nv = run_seed(seed, exe, work, "--values" in args)
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
