#!/usr/bin/python3
"""kirchhoff op against ngspice on random decks that mix the cards users write.

Usage: bench/random_decks.py FIRST LAST [--syntax] [--supply] [--kirchhoff PATH] [--keep DIR]

Each seed makes one deck (deck(seed)): numeric and mixed-case node names, resistors with
suffixed values, .param expressions, a .func, tc1/tc2 and m=, .temp or .options temp, V and I
sources (I maybe with m=), diode models with IS N RS BV IBV NBV EG XTI TNOM IKF JSW NS (and capacitance
parameters, which DC ignores), diode instances with area, m= or temp=, JFETs (NJF and PJF with
VTO BETA LAMBDA B RD RS IS TCV BEX XTI, area, m= or temp=), MESFETs (NMF and PMF, Statz's model, area= or m=), BJTs (NPN and PNP with IS BF BR
VAF VAR IKF IKR ISE NE ISC NF RB RBM IRB RC RE XTB TRC1, maybe ISS NS SUBS, IBE IBC, TLEV=3 and RCO VO GAMMA,
area, m= or temp=,
maybe a substrate node), switches (SW
with VT RON and maybe VH ROFF, on or off; CSW on a sense source's current), VDMOS power MOSFETs (n and p, LTspice-style cards, maybe RQ and VQ, or self-heating on a heat sink, or a fourth node), MOSFETs at levels 1, 2 and 3 (NMOS and PMOS with
VTO KP GAMMA PHI LAMBDA RD RS IS LD, or TOX NSUB U0; l= w=, m= or temp=), B sources (I= and V=
of random expressions of ngspice's operators and functions) and G value=, E and G TABLE
cards and XSPICE pwl instances (A cards) on random points, XSPICE gain, limit, summer, mult,
divide, climit, int, d_dt, ilimit, aswitch, sidiode, zener and potentiometer instances, T, O and U lines, linear E F G H, and
subcircuits with parameters, nested one level, some instances with m=. Every node has a leak to ground, so each deck
has one operating point unless its controlled sources or diodes make several or none.

--syntax makes decks of the same kind of circuit written the ways decks are written instead
(syntax_deck(seed)): continuation lines, full-line and inline comments ('*', ';', '$'),
keywords and names in any case (node names are case-blind), values with units and every
suffix, braces and quotes, the expression functions ngspice's .param knows, .include and .lib
sections from other files, sources with DC, AC and transient specifications, capacitors and
inductors, .nodeset and .ic, .global, subcircuit parameters with defaults and params:, and E F
G H in POLY form (a first-order coefficient, maybe a constant, and the same control twice with
maybe a square term) or linear with the control pair in parentheses and G and F with m=, K couplings of its inductors, and B sources whose expressions read nodes
by their odd names (v(net-3), v(n<0>), v(out4+)), in any case, braced or not.

--supply scales each deck's independent sources (their DC values; the rails of the output
stages) by a factor of its own, log-uniform so that a 1.5 V source becomes anything from
0.1 V to 1 kV (scaled_supplies()): the same circuits at the supplies users run, diodes in
breakdown at hundreds of volts and transistors at millivolts included.

`kirchhoff op --compare` solves each with kirchhoff and with ngspice (libngspice, tight
tolerances) and compares every node (1e-6 V). That hands ngspice the deck as kirchhoff read it,
so a deck that passes is also solved by `ngspice -b` reading the file itself (reading(): both
at the ngspice backend's tolerances), which a value or card read otherwise would fail. A deck is
  matching  both answer, every node within 1e-6 max(1, |V|) V, and so does ngspice's reading;
  several   as matching, but ngspice's reading settles elsewhere; the deck as kirchhoff read it,
            handed to ngspice with .nodeset at that point, settles there too, and ngspice's
            reading with .nodeset at kirchhoff's answer settles at kirchhoff's: one reading,
            several operating points, each program finding another; or op --compare's answers
            differ and ngspice, given the deck as kirchhoff read it with .nodeset at kirchhoff's
            answer, stays there, or, reading the file itself with every node held at
            kirchhoff's answer through 1 micro-ohm, draws no more than rounding into any node
            (kirchhoff's answer is an operating point by ngspice's own equations; held_at);
  misread   as matching, but ngspice's reading gives another answer (or other nodes) that the
            deck as kirchhoff read it does not have;
  unchecked as matching, but `ngspice -b` gives no answer on the file itself (a card it cannot
            read, or no convergence), so the reading is not checked;
  inconsistent  the answers differ (or op --compare fails), and ngspice's answer is no
            operating point by its own account: a transistor's terminal voltages as ngspice
            reports them (@m[vgs], @m[vds], @m[vbs]; @j[vgs], @j[vgd]) are not its node
            voltages' differences (seen: ngspice 39 ending with a MOSFET's vds held at 2 V by
            its limiting where its nodes put it at -11 V, the bulk junction 11 V forward);
            kirchhoff's answer stands on its KCL certificate alone, unconfirmed;
  alone     kirchhoff answers (certified by KCL) and ngspice finds no operating point on the
            deck as kirchhoff read it (its Newton and stepping fail), unconfirmed;
  refused   kirchhoff exits 2 with its reason (an input error: a loop of sources, say);
  none      neither finds an operating point (`op --backend ngspice` fails too, or stops at
            voltages where a current overflows);
  wrong     both answer and differ;
  failed    kirchhoff fails where ngspice answers.
Prints the decks that are not matching and the counts; exits 1 if any is wrong, failed or
misread.
tests/python/test_random_decks.py runs a range of seeds as a test.
"""
import math
import os
import random
import re
import subprocess
import sys
import tempfile


def behavioural(rb, names, depth, params=("gain", "rbase/1k")):
    """A random expression of node voltages for a B source, of ngspice's operators and functions,
    bounded where it reads voltages of a few volts and defined everywhere (no square root or
    logarithm of a negative number), with a few steps among the smooth parts."""
    if depth == 0 or rb.random() < 0.25:
        c = rb.random()
        if c < 0.45:
            return f"v({rb.choice(names)})"
        if c < 0.6:
            return f"v({rb.choice(names)}, {rb.choice(names + ['0'])})"
        if c < 0.85:
            return rb.choice(["0.5", "2", "1.5k/1k", "250m", "3", params[0], "pi/4", "e/2"])
        return rb.choice([params[1], "temper/27"])
    x = behavioural(rb, names, depth - 1, params)
    y = behavioural(rb, names, depth - 1, params)
    form = rb.choice(["({x} + {y})", "({x} - {y})", "({x} * {y} / 4)", "{x} / (1 + abs({y}))",
                      "tanh({x})", "atan({x})", "sin({x})", "cos({y})", "exp(-abs({x}))",
                      "sqrt(abs({x}) + 0.1)", "ln(1 + abs({x}))", "abs({x})", "pwr({x}, 3) / 8",
                      "({x})^2 / 4", "pow({x}, 2) / 4", "min({x}, {y})", "max({x}, {y})",
                      "({x} > {y} ? {x} : {y} / 2)", "-{x}", "(({x} >= 1) && ({y} < 2)) + {x}",
                      "uramp({x})", "u({x} - 1) * 0.5 + {y}", "atan({x} * {y})",
                      "pwl({x} + v({n}) / 10, -1, -0.5, 0, 0, 1, 2, 3, 2.5)"])
    # pwl's input holds a node: ngspice 39 crashes on pwl of a number (kirchhoff refuses it)
    return form.format(x=x, y=y, n=rb.choice(names))


def undriven(rng, names, driven):
    """A node no source drives yet, now driven; None when every one is."""
    node = rng.choice([n for n in names if n not in driven] or [None])
    if node is not None:
        driven.add(node)
    return node


def voltage_out(rng, names, driven, name, prefix, inputs, model):
    """An A card from `inputs` (a string, or a function giving it, drawn after the output's
    name) to a new node `prefix`N, through a resistor to a node no other source drives; none
    when every node is driven."""
    node = undriven(rng, names, driven)
    if node is None:
        return []
    out = name(prefix)
    ports = inputs() if callable(inputs) else inputs
    return [f"{name('A')} {ports} %v({out}) {model}",
            f"{name('R')} {out} {node} {rng.choice(['1k', '10k'])}"]


def single_port(rng, names, driven, name, prefix, model, pair, resistor):
    """The A card of a one-input model: as a nonlinear resistor (%vd(a b) %id(a b)), or from a
    voltage, a difference or a bare node through voltage_out()."""
    a, b = pair
    if resistor:
        return [f"{name('A')} %vd({a} {b}) %id({a} {b}) {model}"]
    return voltage_out(rng, names, driven, name, prefix, lambda: rng.choice(
        [f"%v({a})", f"%vd({a} {b})" if b != "0" else a, a]), model)


def curves(rt, names, driven, name):
    """E and G TABLE cards and XSPICE pwl instances (A cards) on random points (a stream of their
    own, so the other cards of a seed stay as they were): a voltage at a node no other source
    drives, through a resistor, or a current of a milliampere or so (a G TABLE, or an A card as
    a nonlinear resistor, %vd(a b) in and %id(a b) out)."""
    lines = []
    for _ in range(rt.randint(1, 2) if rt.random() < 0.3 else 0):
        count = rt.randint(2, 5)
        xs = sorted(rt.sample(range(-30, 31), count))
        xy = [(x / 10, round(rt.uniform(-2, 2), 2)) for x in xs]
        a, b = rt.sample(names + ["0"], 2)
        source = rt.choice(["v({a})", "v({a}, {b})", "2*v({a}) - 1", "tanh(v({a}, {b}))"])
        source = source.format(a=a, b=b)
        points = " ".join(f"({x:g}, {y:g})" for x, y in xy)
        form = rt.random()
        if form < 0.35:  # an E TABLE's voltage through a resistor to a node
            node = undriven(rt, names, driven)
            if node is None:
                continue
            out = name("tout")
            lines += [f"{name('E')} {out} 0 table {{{source}}} = {points}",
                      f"{name('R')} {out} {node} {rt.choice(['1k', '10k'])}"]
        elif form < 0.6:  # a G TABLE's current, in milliamperes
            points = " ".join(f"({x:g}, {y:g}m)" for x, y in xy)
            lines.append(f"{name('G')} {a} {b} table '{source}' {points}")
        else:  # an A card's curve, its own model
            node = undriven(rt, names, driven)
            if node is None:
                continue
            out, model = name("aout"), name("pwl")
            port = rt.choice([f"%v({a})", f"%vd({a} {b})" if b != "0" else a, a])
            words = []
            if rt.random() < 0.7:
                words.append(f"input_domain={rt.choice(['0.01', '0.1', '0.3'])}")
            if rt.random() < 0.5:
                words.append(f"limit={rt.choice(['true', 'false'])}")
            if rt.random() < 0.2 and min(x2 - x1 for (x1, _), (x2, _) in zip(xy, xy[1:])) >= 0.2:
                words = [w for w in words if not w.startswith("input_domain")]
                words += ["fraction=false", "input_domain=0.05"]
            xs_text = " ".join(f"{x:g}" for x, _ in xy)
            resistor = rt.random() < 0.3  # a nonlinear resistor: milliamperes of its voltage
            ys_text = " ".join(f"{y:g}{'m' if resistor else ''}" for _, y in xy)
            lines.append(f".model {model} pwl(x_array=[{xs_text}] y_array=[{ys_text}] "
                         + " ".join(words) + ")")
            if resistor:
                driven.discard(node)  # no source on it after all
                lines.append(f"{name('A')} %vd({a} {b}) %id({a} {b}) {model}")
            else:
                lines += [f"{name('A')} {port} %v({out}) {model}",
                          f"{name('R')} {out} {node} {rt.choice(['1k', '10k'])}"]
    return lines


def gains(rg, names, driven, name):
    """XSPICE gain instances (A cards, a stream of their own): a voltage, a difference of two, or
    a voltage source's current in; a voltage through a resistor to a node no other source drives,
    or (a linear resistor then) a current of a milliampere or so per volt, %vd(a b) in and
    %id(a b) out."""
    lines = []
    for _ in range(rg.randint(1, 2) if rg.random() < 0.2 else 0):
        a, b = rg.sample(names + ["0"], 2)
        model, resistor = name("gain"), rg.random() < 0.3
        words = [f"{w}={rg.uniform(-2, 2):.3g}" for w in ("in_offset", "gain", "out_offset")
                 if rg.random() < 0.6 and not resistor]
        if resistor:  # a conductance of 0.2 to 2 mS: stable beside the other elements
            words = [f"gain={rg.uniform(0.2, 2):.3g}m"]
        lines.append(f".model {model} gain({' '.join(words)})")
        lines += single_port(rg, names, driven, name, "gout", model, (a, b), resistor)
    return lines


def integrators(ri, names, driven, name):
    """XSPICE int and d_dt instances (A cards, a stream of their own), placed as gains() places
    gains: at DC out_ic and 0, held in limits that are sometimes near them (the rounded corners)."""
    lines = []
    for _ in range(ri.randint(1, 2) if ri.random() < 0.1 else 0):
        a, b = ri.sample(names + ["0"], 2)
        kind = ri.choice(["int", "d_dt"])
        model = name("int" if kind == "int" else "ddt")
        lower, upper = -ri.uniform(0.1, 3), ri.uniform(0.1, 3)
        words = [f"out_lower_limit={lower:.3g}", f"out_upper_limit={upper:.3g}",
                 f"gain={ri.uniform(-2, 2):.3g}"]
        if ri.random() < 0.5:
            words.append(f"limit_range={ri.uniform(1e-3, 0.3):.3g}")
        if kind == "int":
            words.append(f"out_ic={ri.choice([ri.uniform(-4, 4), upper, lower]):.3g}")
        lines.append(f".model {model} {kind}({' '.join(words)})")
        lines += single_port(ri, names, driven, name, "iout", model, (a, b), False)
    return lines


def output_stages(ro, names, name):
    """XSPICE ilimit instances (A cards, a stream of their own): an input from a node or a
    difference, supplies on rails of their own fed through resistors (their currents move them;
    two nodes of the circuit as supplies cross, where ngspice prints a CLIMIT error for each
    iteration and goes on; a NULL supply puts ngspice's first iterate at 5e5 V, its INIT pass,
    which threw its Newton off kirchhoff's answer where a deck has several, so that this
    script's check called deck 456 wrong, 2026-12-05), a fresh output loaded by a resistor, gains
    and limits of op-amp output stages, sometimes unequal sourcing and sinking resistances and
    wide roundings."""
    lines = []
    for _ in range(ro.randint(1, 2) if ro.random() < 0.1 else 0):
        model, out = name("ilim"), name("io")
        words = [f"gain={ro.uniform(0.5, 20):.3g}", f"i_limit_source={ro.uniform(1, 20):.3g}m",
                 f"i_limit_sink={ro.uniform(1, 20):.3g}m"]
        if ro.random() < 0.5:
            words += [f"r_out_source={ro.uniform(1, 100):.3g}", f"r_out_sink={ro.uniform(1, 100):.3g}",
                      f"r_out_domain={ro.choice(['1e-6', '1e-3'])}"]
        if ro.random() < 0.3:
            words += [f"i_source_range={ro.choice(['1e-6', '1e-4'])}",
                      f"i_sink_range={ro.choice(['1e-6', '1e-4'])}",
                      f"v_pwr_range={ro.choice(['1e-3', '0.1'])}"]
        lines.append(f".model {model} ilimit({' '.join(words)})")
        a, b = ro.sample(names + ["0"], 2)
        source = ro.choice([a, f"%v({a})", f"%vd({a} {b})"])
        supplies = []
        for sign in (1, -1):  # a rail of its own through a resistor
            rail, at = name("rail"), name("sup")
            lines.append(f"{name('V')} {rail} 0 {sign * ro.choice([1.5, 5, 12, 15]):g}")
            lines.append(f"{name('R')} {rail} {at} {ro.choice(['1', '10', '100'])}")
            supplies.append(at)
        lines.append(f"{name('A')} {source} {' '.join(supplies)} {ro.choice([out, f'%g {out}'])} {model}")
        lines.append(f"{name('R')} {out} {ro.choice(names + ['0'])} {ro.choice(['100', '1k', '10k'])}")
    return lines


def limits(rl, names, driven, name):
    """XSPICE limit instances (A cards, a stream of their own), as gains() places gains: a
    clipped voltage through a resistor, or (%vd(a b) %id(a b)) a saturating conductance of a
    milliampere or so per volt; the rounding range absolute or a fraction of the span, within
    half of it."""
    lines = []
    for _ in range(rl.randint(1, 2) if rl.random() < 0.2 else 0):
        a, b = rl.sample(names + ["0"], 2)
        model, resistor = name("lim"), rl.random() < 0.3
        scale = "m" if resistor else ""
        lower, upper = -rl.uniform(0.1, 2), rl.uniform(0.1, 2)
        words = [f"out_lower_limit={lower:.3g}{scale}", f"out_upper_limit={upper:.3g}{scale}"]
        words.append(f"gain={rl.uniform(0.2, 2):.3g}m" if resistor else
                     f"gain={rl.uniform(-3, 3):.3g}")
        if rl.random() < 0.5 and not resistor:
            words.append(f"in_offset={rl.uniform(-1, 1):.3g}")
        if rl.random() < 0.5:
            words.append(f"limit_range={rl.uniform(0.01, 0.45):.3g} fraction={rl.choice(['true', '1'])}")
        elif rl.random() < 0.5:
            words.append(f"limit_range={rl.uniform(0, 0.05):.3g}{scale}")
        lines.append(f".model {model} limit({' '.join(words)})")
        lines += single_port(rl, names, driven, name, "lout", model, (a, b), resistor)
    return lines


def vectors(rv, names, driven, name):
    """XSPICE summer and mult instances (A cards, a stream of their own): two or three input
    ports (voltages, differences, written every way mif_inp2.c reads them), gains and offsets;
    a voltage through a resistor to a node no other source drives."""
    lines = []
    for _ in range(rv.randint(1, 2) if rv.random() < 0.2 else 0):
        count, kind = rv.randint(2, 3), rv.choice(["summer", "mult"])
        model, words = name(kind[0] + "m"), []
        if rv.random() < 0.6:
            words.append("in_gain=[" + " ".join(f"{rv.uniform(-1.5, 1.5):.3g}"
                                                for _ in range(count)) + "]")
        if rv.random() < 0.5:
            words.append("in_offset=[" + " ".join(f"{rv.uniform(-1, 1):.3g}"
                                                  for _ in range(count)) + "]")
        for word in ("out_gain", "out_offset"):
            if rv.random() < 0.3:
                words.append(f"{word}={rv.uniform(-1, 1):.3g}")
        lines.append(f".model {model} {kind}({' '.join(words)})")
        ports, held = [], "v"  # a type written holds for the bare ports after it
        for _ in range(count):
            a, b = rv.sample(names + ["0"], 2)
            port = rv.choice([None, f"%v({a})", f"%v {a}", f"%vd({a} {b})", f"%vd {a} {b}"])
            if port is None:  # bare: one node, or two under a held %vd
                port = f"{a} {b}" if held == "vd" else a
            else:
                held = port.split("(")[0].split(" ")[0][1:]
            ports.append(port)
        lines += voltage_out(rv, names, driven, name, "vout", lambda: rv.choice(
            ["[{}]", "[ {} ]"]).format(" ".join(ports)), model)
    return lines


def dividers(rd, names, driven, name):
    """XSPICE divide instances (A cards, a stream of their own): a voltage or a difference over
    another, the denominator offset and limited (den_lower_limit 0.05 to 0.5, sometimes a
    domain, absolute or a fraction), gains; a voltage through a resistor to a node no other
    source drives."""
    lines = []
    for _ in range(rd.randint(1, 2) if rd.random() < 0.15 else 0):
        model, words = name("dv"), []
        for word, low, high in (("num_offset", -1, 1), ("num_gain", -2, 2), ("den_offset", -1, 1),
                                ("den_gain", -2, 2), ("out_gain", -1, 1), ("out_offset", -1, 1)):
            if rd.random() < 0.4:
                words.append(f"{word}={rd.uniform(low, high):.3g}")
        words.append(f"den_lower_limit={rd.uniform(0.05, 0.5):.3g}")
        if rd.random() < 0.5:
            words.append(f"den_domain={rd.uniform(0.01, 0.5):.3g}" +
                         rd.choice(["", " fraction=true"]))
        lines.append(f".model {model} divide({' '.join(words)})")
        ports = []
        for _ in range(2):
            a, b = rd.sample(names + ["0"], 2)
            ports.append(rd.choice([a, f"%v({a})", f"%vd({a} {b})"]))
        lines += voltage_out(rd, names, driven, name, "dout", " ".join(ports), model)
    return lines


def controlled_limits(rc, names, driven, name):
    """XSPICE climit instances (A cards, a stream of their own): an input held between limits
    two other nodes set (their deltas, a rounding range absolute or a fraction of the span;
    crossed limits give 0), a voltage through a resistor to a node no other source drives."""
    lines = []
    for _ in range(rc.randint(1, 2) if rc.random() < 0.15 else 0):
        model, words = name("cl"), []
        for word, low, high in (("in_offset", -1, 1), ("gain", -3, 3), ("upper_delta", 0, 0.5),
                                ("lower_delta", 0, 0.5)):
            if rc.random() < 0.5:
                words.append(f"{word}={rc.uniform(low, high):.3g}")
        if rc.random() < 0.5:
            words.append(f"limit_range={rc.uniform(0.01, 0.3):.3g}" +
                         rc.choice(["", " fraction=true"]))
        lines.append(f".model {model} climit({' '.join(words)})")
        ports = [rc.choice([a, f"%v({a})"]) for a in rc.sample(names + ["0"], 3)]
        lines += voltage_out(rc, names, driven, name, "cout", " ".join(ports), model)
    return lines


def switches_xspice(ra, names, name):
    """XSPICE aswitch instances (A cards, a stream of their own): a resistance between two nodes
    (or a node and ground) that a third sets, logarithmic or linear, the port written every
    way it reads."""
    lines = []
    for _ in range(ra.randint(1, 2) if ra.random() < 0.15 else 0):
        model, words = name("asw"), []
        # a control range wider than the nodes swing, so that r stays near [r_on, r_off]:
        # cm_aswitch does not clamp its control, and far beyond the range r falls to its 1e-9
        # ohm floor, where ngspice's own solve drifts (docs/netlist.md, XSPICE aswitch). Nodes
        # here reach 250 V: drawn within +-5 to +-15 V, controls at 51, 174 and -238 V put r at
        # 3.1e-8 ohm or the floor and ngspice's answer off by 1.3e-5 to 8.6e-3 relative (seeds
        # 4256, 3866, 3200; 4256 with a short in the switch's place agrees with kirchhoff's
        # answer to 2e-9). A range 200 to 400 V wide keeps r above 1e-6 r_on up to 270 V.
        off, on = sorted((ra.uniform(-200, -100), ra.uniform(100, 200)))
        if ra.random() < 0.5:
            off, on = on, off
        words += [f"cntl_off={off:.3g}", f"cntl_on={on:.3g}"]
        words.append(f"r_off={ra.uniform(1e4, 1e7):.3g} r_on={ra.uniform(1, 1e3):.3g}")
        if ra.random() < 0.4:
            words.append(f"log={ra.choice(['false', 'true'])}")
        lines.append(f".model {model} aswitch({' '.join(words)})")
        c, a, b = ra.sample(names + ["0"], 3)
        port = ra.choice([f"({a} {b})", f"{a} {b}", f"%gd({a} {b})"])
        lines.append(f"{name('A')} {ra.choice([c, f'%v({c})'])} {port} {model}")
    return lines


def simple_diodes(rs, names, name):
    """XSPICE sidiode instances (A cards, a stream of their own): piecewise diodes between two
    nodes (or a node and ground), maybe with breakdown, and quadratic regions only under a
    current limit (without one the curve jumps, docs/netlist.md, XSPICE sidiode), the port
    written every way it reads."""
    lines = []
    for _ in range(rs.randint(1, 2) if rs.random() < 0.15 else 0):
        model = name("sid")
        words = [f"ron={rs.uniform(1, 1e3):.3g}", f"roff={rs.uniform(1e5, 1e8):.3g}",
                 f"vfwd={rs.uniform(0, 1):.3g}"]
        if rs.random() < 0.5:
            words.append(f"ilimit={rs.uniform(1e-4, 1e-2):.3g}")
            if rs.random() < 0.5:
                words.append(f"epsilon={rs.uniform(0.01, 0.3):.3g}")
        if rs.random() < 0.4:
            words += [f"vrev={rs.uniform(2, 20):.3g}", f"rrev={rs.uniform(1, 1e3):.3g}"]
            if rs.random() < 0.5:
                words.append(f"revilimit={rs.uniform(1e-4, 1e-2):.3g}")
                if rs.random() < 0.5:
                    words.append(f"revepsilon={rs.uniform(0.01, 0.3):.3g}")
        lines.append(f".model {model} sidiode({' '.join(words)})")
        a, b = rs.sample(names + ["0"], 2)
        port = rs.choice([f"({a} {b})", f"{a} {b}", f"%gd({a} {b})"])
        lines.append(f"{name('A')} {port} {model}")
    return lines


def zeners(rz, names, name):
    """XSPICE zener instances (A cards, a stream of their own): zener diodes with published-style
    breakdown voltages, three segments or (a breakdown under about a volt) two, each fed from a
    node through a resistor of its own as zeners are used (straight across two nodes a source
    may drive it forward by volts, 1e30 A and more, which kirchhoff refuses as singular while
    ngspice prints the current), the port written every way it reads."""
    lines = []
    for _ in range(rz.randint(1, 2) if rz.random() < 0.12 else 0):
        model = name("zen")
        words = [f"v_breakdown={rz.choice([0.5, 2.7, 3.3, 5.1, 6.2, 12, 15]):g}"]
        if rz.random() < 0.6:
            words += [f"i_breakdown={rz.uniform(1e-3, 5e-2):.3g}",
                      f"r_breakdown={rz.uniform(1, 100):.3g}"]
        if rz.random() < 0.4:
            words += [f"i_sat={rz.choice(['1e-14', '1e-12', '5e-10'])}",
                      f"n_forward={rz.uniform(1, 2):.3g}", f"i_rev={rz.uniform(1e-9, 1e-5):.3g}"]
        if rz.random() < 0.3:
            words.append("limit_switch=true")
        lines.append(f".model {model} zener({' '.join(words)})")
        a, b = rz.sample(names + ["0"], 2)
        k = f"{model}k"
        lines.append(f"{name('R')} {a} {k} {rz.choice(['220', '1k', '4.7k', '22k'])}")
        port = rz.choice([f"({k} {b})", f"{k} {b}", f"%gd({k} {b})"])
        lines.append(f"{name('A')} {port} {model}")
    return lines


def potentiometers(rp, names, name):
    """XSPICE potentiometer instances (A cards, a stream of their own; memristors are not drawn:
    ngspice gives them no derivative at DC, and its iteration failed on 17 of the 25 decks of
    seeds 1-1000 that kirchhoff alone solved when they were, 2026-12-05): volume controls and trimmers
    of common values, linear or logarithmic tapers, the wiper anywhere (positions outside [0, 1]
    too, which ngspice holds at the ends), each port written every way it reads. A taper that
    leaves a half at 0 ohm (a linear one past the end) is refused, and is drawn sometimes."""
    lines = []
    for _ in range(rp.randint(1, 2) if rp.random() < 0.1 else 0):
        model = name("pot")
        words = []
        if rp.random() < 0.8:
            words.append(f"r={rp.choice(['1k', '4.7k', '10k', '50k', '100k', '1meg'])}")
        if rp.random() < 0.9:
            position = 1.2 if rp.random() < 0.08 else rp.choice([rp.uniform(0.01, 0.99), 0.5])
            words.append(f"position={position:.3g}")
        if rp.random() < 0.4:
            words.append(f"log={rp.choice(['true', 'TRUE', '1'])}")
            if rp.random() < 0.5:
                words.append(f"log_multiplier={rp.choice([0.5, 1, 2, 3]):g}")
        lines.append(f".model {model} potentiometer({' '.join(words)})")
        ports = rp.sample(names + ["0"], 3)
        spell = rp.choice(["{}", "%g {}", "%g({})"])
        lines.append(f"{name('A')} {' '.join(spell.format(n) for n in ports)} {model}")
    return lines


def tlines(rt, names, name):
    """T, O and U lines (a stream of their own): lossless T lines (z0 of common cables, a delay as
    td or as f and nl), LTRA O lines (RLC, RC or LC) and URC U lines from a node of the circuit (its reference
    ground or another node) to a far end of their own, loaded there by a resistor. (Between two nodes of the circuit a line is an ideal
    transformer: random ones fought, imposing different voltages on one node through GMIN z0,
    1e-10 ohm, with 5e9 A, where ngspice's internal nodes reach 1e12 V and its answer moves by
    1e-4 V in rounding.)"""
    lines = []
    for _ in range(rt.randint(1, 2) if rt.random() < 0.1 else 0):
        t = name("T")
        p1, n1 = rt.sample(names + ["0"], 2)
        p2, n2 = f"{t}far", "0"
        if rt.random() < 0.4:  # the far end's reference floats on a leak of its own
            n2 = f"{t}ref"
            lines.append(f"{name('R')} {n2} 0 {rt.choice(['100k', '1meg'])}")
        elif rt.random() < 0.6:
            n1 = "0"
        if rt.random() < 0.2:  # a U line of its own URC model: at DC l rperl from p1 to p2
            model = name("urc")
            lines.append(f".model {model} urc(rperl={rt.choice([10, 100, 1000])} "
                         f"cperl={rt.choice(['1p', '0.2p'])} k={rt.choice([1.2, 1.5, 2])})")
            lines.append(f"U{t[1:]} {p1} {p2} {n2} {model} l={rt.choice([0.5, 2, 10])}")
            lines.append(f"{name('R')} {p2} {n2} {rt.choice(['50', '75', '1k', '10k'])}")
            continue
        if rt.random() < 0.4:  # an O line of its own LTRA model: RLC, RC or LC
            model = name("ltra")
            kind = rt.choice(["r=0.2 l=9.13n c=3.65p", "r=10k c=1p", "l=250n c=100p",
                              "r=1.5 c=80p nocontrol"])
            lines.append(f".model {model} ltra({kind} len={rt.choice([1, 3, 24])})")
            lines.append(f"O{t[1:]} {p1} {n1} {p2} {n2} {model}")
            lines.append(f"{name('R')} {p2} {n2} {rt.choice(['50', '75', '1k', '10k'])}")
            continue
        words = [f"{rt.choice(['z0', 'zo'])}={rt.choice([50, 75, 93, 300])}"]
        words.append(rt.choice(["td=1n", "td=2.5u", "f=100meg nl=0.5", "f=1g"]))
        lines.append(f"{t} {p1} {n1} {p2} {n2} {' '.join(words)}")
        lines.append(f"{name('R')} {p2} {n2} {rt.choice(['50', '75', '1k', '10k'])}")
    return lines


def some_of(rng, table, chance):
    """Each (word, draw) of the table, with the given chance, as word=value, in the table's
    order (one draw of rng for the chance, then the value's own)."""
    return [f"{word}={draw()}" for word, draw in table if rng.random() < chance]


def deck(seed):
    """The netlist text of seed's random deck."""
    r = random.Random(seed)
    names = list(dict.fromkeys(
        r.choice([str(i + 1), f"n{i}", f"Node_{i}", f"{i + 1}a", f"x{i}"])
        for i in range(r.randint(4, 14))))
    lines = [f"random deck {seed}"]
    temp = r.choice([None, 27, 50, -20, 100])
    if temp is not None:
        lines.append(r.choice([f".temp {temp}", f".options temp={temp}"]))
    lines.append(f".param rbase={r.choice(['1k', '2.2k', '470', '10k'])} "
                 f"gain={r.uniform(0.1, 0.4):.3f}")
    has_func = r.random() < 0.5
    if has_func:
        lines.append(".func par(a,b) {a*b/(a+b)}")
    count = 0

    def name(prefix):
        nonlocal count
        count += 1
        return f"{prefix}{count}"

    def value():
        c = r.random()
        if c < 0.3:
            return r.choice(["1k", "4.7k", "220", "1meg", "33k", "100", "2.2K", "10Meg"])
        if c < 0.5:
            return f"{{rbase*{r.uniform(0.1, 10):.3f}}}"
        if c < 0.6 and has_func:
            return f"{{par(rbase, {r.randint(100, 5000)})}}"
        return f"{r.uniform(10, 1e5):.4g}"

    # a spanning tree, a leak from every node to ground, then extra resistors
    for i, node in enumerate(names):
        other = r.choice(names[:i]) if i else "0"
        extra = ""
        if r.random() < 0.2:
            extra += f" tc1={r.uniform(-1e-3, 3e-3):.3g}"
        if r.random() < 0.1:
            extra += f" tc2={r.uniform(0, 1e-5):.3g}"
        if r.random() < 0.1:
            extra += f" m={r.randint(1, 4)}"
        lines.append(f"{name('R')} {node} {other} {value()}{extra}")
        lines.append(f"{name('R')} {node} 0 {r.choice(['1meg', '10meg', '100k'])}")
    for _ in range(r.randint(0, len(names))):
        a, b = r.sample(names + ["0"], 2)
        lines.append(f"{name('R')} {a} {b} {value()}")
    driven = set()  # one source per node: two in parallel are a loop, refused by both
    for _ in range(r.randint(1, 3)):
        node = r.choice(names)
        if node not in driven:
            driven.add(node)
            lines.append(f"{name('V')} {node} 0 dc {r.uniform(-1.5, 1.5):.3f}")
    ri = random.Random(f"isource m {seed}")  # an I source's m=, on a stream of its own
    for _ in range(r.randint(0, 2)):
        a, b = r.sample(names + ["0"], 2)
        lines.append(f"{name('I')} {a} {b} dc {r.uniform(-5e-3, 5e-3):.4g}")
        if ri.random() < 0.3:
            lines[-1] += f" m={ri.choice(['2', '3', '0.5'])}"

    models = []
    for j in range(r.randint(0, 3)):
        p = [f"is={r.choice(['1e-14', '2.52n', '4.35e-9', '1e-12', '3e-15'])}",
             f"n={r.uniform(1, 2):.3f}"]
        if r.random() < 0.5:
            p.append(f"rs={r.uniform(0.1, 20):.3g}")
        if r.random() < 0.4:
            p += [f"bv={r.uniform(3, 100):.3g}", f"ibv={r.choice(['1e-6', '1e-3', '10u'])}"]
            if r.random() < 0.4:
                p.append(f"nbv={r.uniform(1, 3):.2f}")
        if r.random() < 0.3:
            p += [f"eg={r.choice(['1.11', '0.69', '1.12'])}", f"xti={r.choice(['3', '2'])}"]
        if r.random() < 0.2:
            p.append(f"tnom={r.choice(['25', '27', '50'])}")
        if r.random() < 0.2:
            p.append(f"ikf={r.choice(['1m', '10m', '0.1'])}")
        if r.random() < 0.15:
            p += [f"jsw={r.choice(['1e-15', '1e-13'])}", f"ns={r.uniform(1, 2):.2f}"]
        if r.random() < 0.1:
            p += ["cjo=2p", "tt=5n", "m=0.33", "vj=0.7"]
        models.append(f"dm{j}")
        lines.append(f".model dm{j} d({' '.join(p)})")
    for _ in range(r.randint(0, 4) if models else 0):
        a, b = r.sample(names + ["0"], 2)
        # area= (ngspice 39 takes a number after the model for a node, then drops the model as
        # unused where no other line names it: kirchhoff refuses that)
        extra = r.choice(["", "", f" area={r.randint(1, 3)}", f" area={r.uniform(0.5, 3):.2f}",
                          f" m={r.randint(1, 3)}", f" temp={r.randint(0, 90)}"])
        lines.append(f"{name('D')} {a} {b} {r.choice(models)}{extra}")
    for _ in range(r.randint(0, 2)):  # weak controlled sources, each through a resistor
        kind = r.choice("EGFH")
        a, b = r.sample(names + ["0"], 2)
        if kind == "E":
            c, d = r.sample(names + ["0"], 2)
            out = name("out")
            lines += [f"{name('E')} {out} 0 {c} {d} {{gain}}", f"{name('R')} {out} {a} {value()}"]
        elif kind == "G":
            c, d = r.sample(names + ["0"], 2)
            lines.append(f"{name('G')} {a} {b} {c} {d} {r.uniform(1e-5, 1e-3):.3g}")
        else:
            sense, mid = name("Vsense"), name("m")
            lines += [f"{sense} {r.choice(names)} {mid} 0", f"{name('R')} {mid} 0 {value()}"]
            if kind == "F":
                lines.append(f"{name('F')} {a} {b} {sense} {r.uniform(-0.5, 0.5):.3f}")
            else:
                out = name("h")
                lines += [f"{name('H')} {out} 0 {sense} {r.uniform(10, 1000):.3g}",
                          f"{name('R')} {out} {a} {value()}"]
    rj = random.Random(f"jfet {seed}")  # JFETs: their own draws leave the rest of the deck
    for j in range(rj.randint(0, 2) if rj.random() < 0.4 else 0):
        p = [f"vto={rj.uniform(-4, -0.5):.3g}", f"beta={rj.choice(['1m', '0.2m', '2.5m'])}"]
        p += some_of(rj, (("lambda", lambda: f"{rj.uniform(0, 0.05):.3g}"),
                          ("b", lambda: f"{rj.uniform(0.6, 1.2):.3g}"),
                          ("rd", lambda: f"{rj.uniform(1, 50):.3g}"),
                          ("rs", lambda: f"{rj.uniform(1, 50):.3g}"),
                          ("is", lambda: rj.choice(["1e-14", "1e-12", "3e-10"])),
                          ("tcv", lambda: f"{rj.uniform(0, 3e-3):.3g}"),
                          ("bex", lambda: f"{rj.uniform(-2, 0):.3g}"),
                          ("xti", lambda: rj.choice(["3", "2"])),
                          ("cgs", lambda: "3p")), 0.35)
        lines.append(f".model jm{j} {rj.choice(['njf', 'pjf'])}({' '.join(p)})")
        for _ in range(rj.randint(1, 2)):
            # the gate through a resistor, as circuits bias it: a source straight on a gate
            # junction drives it far forward (seeds 76 and 93 once held 530 kA junctions, which
            # kirchhoff solved and certified and ngspice did not)
            d, g, s_ = rj.sample(names + ["0"], 3)
            extra = rj.choice(["", "", f" {rj.randint(1, 3)}", f" area={rj.uniform(0.5, 3):.2f}",
                               f" m={rj.randint(1, 3)}", f" temp={rj.randint(0, 90)}"])
            jname, gate = name('J'), name("gate")
            lines += [f"{jname} {d} {gate} {s_} jm{j}{extra}",
                      f"{name('R')} {gate} {g} {rj.choice(['10k', '100k', '1meg'])}"]
    rz = random.Random(f"mesfet {seed}")  # GaAs MESFETs (Z, Statz's model), a stream of theirs
    for j in range(rz.randint(1, 2) if rz.random() < 0.15 else 0):
        p = [f"vto={rz.uniform(-3, -0.5):.3g}", f"beta={rz.choice(['1m', '2.5m', '10m'])}"]
        p += some_of(rz, (("alpha", lambda: f"{rz.uniform(1, 4):.3g}"),
                          ("b", lambda: f"{rz.uniform(0, 1):.3g}"),
                          ("lambda", lambda: f"{rz.uniform(0, 0.1):.3g}"),
                          ("rd", lambda: f"{rz.uniform(1, 20):.3g}"),
                          ("rs", lambda: f"{rz.uniform(1, 20):.3g}"),
                          ("is", lambda: rz.choice(["1e-14", "1e-12"])),
                          ("cgs", lambda: "1p")), 0.4)
        lines.append(f".model zm{j} {rz.choice(['nmf', 'pmf'])}({' '.join(p)})")
        for _ in range(rz.randint(1, 2)):
            d, g, s_ = rz.sample(names + ["0"], 3)  # the gate through a resistor, as a JFET's
            extra = rz.choice(["", f" area={rz.uniform(0.5, 3):.2f}", f" m={rz.randint(1, 3)}"])
            zname, gate = name('Z'), name("gate")
            lines += [f"{zname} {d} {gate} {s_} zm{j}{extra}",
                      f"{name('R')} {gate} {g} {rz.choice(['10k', '100k', '1meg'])}"]
    ru = random.Random(f"unused {seed}")  # library cards no element uses: ngspice never reads
    for j in range(ru.randint(1, 3) if ru.random() < 0.1 else 0):  # them, kirchhoff sets them aside
        lines.append(ru.choice([
            f".model libn{j} nmos level=54 version=4.8 toxe=1.8n vth0=0.4 k1=0.5",
            f".model libq{j} npn level=8 is=1e-16 bf=100",
            f".model libd{j} d(is=1e-14 iave=1 vpk=50)",
            f".model libj{j} njf(vto=-2 beta=1m betta=3)",
            f".model libx{j} foo(a=1)",
            f".model libm{j} nmos level=49 version=3.0 tox=4n"]))
    rp = random.Random(f"jfet2 {seed}")  # Parker-Skellern JFETs (LEVEL 2), a stream of theirs
    for j in range(rp.randint(1, 2) if rp.random() < 0.15 else 0):
        p = ["level=2", f"vto={rp.uniform(-3, -0.5):.3g}", f"beta={rp.choice(['1m', '0.3m', '3m'])}"]
        p += some_of(rp, (("lambda", lambda: f"{rp.uniform(0, 0.05):.3g}"),
                          ("p", lambda: f"{rp.uniform(1.8, 3):.3g}"),
                          ("q", lambda: f"{rp.uniform(1.8, 2.5):.3g}"),
                          ("xi", lambda: f"{rp.uniform(5, 1000):.3g}"),
                          ("mxi", lambda: f"{rp.uniform(0, 0.3):.3g}"),
                          ("z", lambda: f"{rp.uniform(0.2, 2):.3g}"),
                          ("vst", lambda: f"{rp.uniform(0.02, 0.1):.3g}"),
                          ("mvst", lambda: f"{rp.uniform(0, 0.1):.3g}"),
                          ("lfgam", lambda: f"{rp.uniform(0, 0.05):.3g}"),
                          ("lfg1", lambda: f"{rp.uniform(0, 0.01):.3g}"),
                          ("lfg2", lambda: f"{rp.uniform(0, 0.01):.3g}"),
                          ("delta", lambda: f"{rp.uniform(0, 1):.3g}"),
                          ("ibd", lambda: rp.choice(["1e-14", "1e-12"])),
                          ("vbd", lambda: f"{rp.uniform(1, 5):.3g}"),
                          ("n", lambda: f"{rp.uniform(1, 1.5):.3g}"),
                          ("vbi", lambda: f"{rp.uniform(0.6, 1.2):.3g}"),
                          ("rd", lambda: f"{rp.uniform(1, 30):.3g}"),
                          ("rs", lambda: f"{rp.uniform(1, 30):.3g}"),
                          ("is", lambda: rp.choice(["1e-14", "1e-12"])),
                          ("tnom", lambda: f"{rp.randint(0, 60)}"),
                          ("hfgam", lambda: "0.01")), 0.35)
        lines.append(f".model jp{j} {rp.choice(['njf', 'pjf'])}({' '.join(p)})")
        for _ in range(rp.randint(1, 2)):
            d, g, s_ = rp.sample(names + ["0"], 3)  # the gate through a resistor, as a JFET's
            extra = rp.choice(["", f" area={rp.uniform(0.5, 3):.2f}", f" m={rp.randint(1, 3)}",
                               f" temp={rp.randint(0, 90)}"])
            jname, gate = name('J'), name("gate")
            lines += [f"{jname} {d} {gate} {s_} jp{j}{extra}",
                      f"{name('R')} {gate} {g} {rp.choice(['10k', '100k', '1meg'])}"]
    r6 = random.Random(f"mos6 {seed}")  # LEVEL 6 MOSFETs (Sakurai-Newton), a stream of theirs
    for j in range(r6.randint(1, 2) if r6.random() < 0.12 else 0):
        kind = r6.choice(["nmos", "pmos"])
        sign = 1 if kind == "nmos" else -1
        p = ["level=6", f"vto={sign * r6.uniform(0.3, 1.2):.3g}"]
        p += some_of(r6, (("kc", lambda: r6.choice(["1e-5", "5e-5", "2e-4"])),
                          ("nc", lambda: f"{r6.uniform(1, 2):.3g}"),
                          ("kv", lambda: f"{r6.uniform(0.5, 3):.3g}"),
                          ("nv", lambda: f"{r6.uniform(0.3, 1):.3g}"),
                          ("gamma", lambda: f"{r6.uniform(0, 0.8):.3g}"),
                          ("gamma1", lambda: f"{r6.uniform(0, 0.05):.3g}"),
                          ("sigma", lambda: f"{r6.uniform(0, 0.05):.3g}"),
                          ("lambda", lambda: f"{r6.uniform(0, 0.05):.3g}"),
                          ("lambda1", lambda: f"{r6.uniform(0, 0.01):.3g}"),
                          ("phi", lambda: f"{r6.uniform(0.5, 0.9):.3g}"),
                          ("rd", lambda: f"{r6.uniform(1, 30):.3g}"),
                          ("rs", lambda: f"{r6.uniform(1, 30):.3g}"),
                          ("rsh", lambda: f"{r6.uniform(5, 50):.3g}"),
                          ("tox", lambda: "20n"),
                          ("tnom", lambda: f"{r6.randint(0, 60)}")), 0.35)
        lines.append(f".model m6m{j} {kind}({' '.join(p)})")
        for _ in range(r6.randint(1, 2)):
            d, g, s_ = r6.sample(names + ["0"], 3)
            extra = r6.choice(["", " m=2", " nrd=2 nrs=1", " temp=70"])
            lines.append(f"{name('M')} {d} {g} {s_} {s_} m6m{j} l={r6.choice(['1u', '2u'])} "
                         f"w={r6.choice(['5u', '20u'])}{extra}")
    rv = random.Random(f"vbic {seed}")  # VBIC bipolar transistors (LEVEL 4), a stream of theirs
    for j in range(rv.randint(1, 2) if rv.random() < 0.12 else 0):
        kind = rv.choice(["npn", "pnp"])
        p = ["level=4", f"is={rv.choice(['1e-16', '2.3e-15', '1e-17'])}"]
        p += some_of(rv, (("rcx", lambda: rv.choice(["0.01", "10", "50"])),
                          ("rci", lambda: rv.choice(["2.7", "60"])),
                          ("rbx", lambda: rv.choice(["5", "10"])),
                          ("rbi", lambda: rv.choice(["2", "40"])),
                          ("re", lambda: rv.choice(["0.15", "2"])),
                          ("rs", lambda: rv.choice(["20", "26"])),
                          ("rbp", lambda: rv.choice(["40", "265"])),
                          ("nf", lambda: f"{rv.uniform(0.98, 1.02):.4g}"),
                          ("nr", lambda: f"{rv.uniform(0.98, 1.02):.4g}"),
                          ("ibei", lambda: rv.choice(["1e-18", "1.9e-18"])),
                          ("iben", lambda: rv.choice(["5e-15", "4.8e-15"])),
                          ("nen", lambda: f"{rv.uniform(1.3, 2):.3g}"),
                          ("ibci", lambda: rv.choice(["2e-17", "1.6e-16"])),
                          ("ibcn", lambda: rv.choice(["5e-15", "4.9e-15"])),
                          ("wbe", lambda: rv.choice(["1", "0.8"])),
                          ("isp", lambda: rv.choice(["1e-15", "1e-16"])),
                          ("ibcip", lambda: "1e-15"),
                          ("ibeip", lambda: "1e-18"),
                          ("ikp", lambda: rv.choice(["2e-4", "1e-3"])),
                          ("vef", lambda: rv.choice(["10", "545"])),
                          ("ver", lambda: rv.choice(["4", "3.3"])),
                          ("ikf", lambda: rv.choice(["2e-3", "1"])),
                          ("ikr", lambda: rv.choice(["2e-4", "0.012"])),
                          ("vo", lambda: rv.choice(["2", "0.5"])),
                          ("gamm", lambda: rv.choice(["2e-11", "5.7e-12"])),
                          ("hrcf", lambda: rv.choice(["2", "0.21"])),
                          ("avc1", lambda: "2"),
                          ("avc2", lambda: rv.choice(["15", "29.5"])),
                          ("pe", lambda: f"{rv.uniform(0.6, 0.9):.3g}"),
                          ("pc", lambda: f"{rv.uniform(0.5, 0.8):.3g}"),
                          ("aje", lambda: rv.choice(["-0.5", "-1", "0.1"])),
                          ("ajc", lambda: rv.choice(["-0.5", "0.05"])),
                          ("xis", lambda: f"{rv.uniform(-2, 4):.3g}"),
                          ("xii", lambda: f"{rv.uniform(0, 5):.3g}"),
                          ("xrc", lambda: f"{rv.uniform(0, 2):.3g}"),
                          ("xrb", lambda: f"{rv.uniform(0, 2):.3g}"),
                          ("tnom", lambda: f"{rv.randint(20, 30)}"),
                          ("tf", lambda: "10p"),
                          ("rth", lambda: "300")), 0.35)
        lines.append(f".model qv{j} {kind}({' '.join(p)})")
        for _ in range(rv.randint(1, 2)):
            # the base through a resistor, as circuits bias it (a source straight on the
            # junction drives it far forward)
            c, b, e = rv.sample(names + ["0"], 3)
            sub = rv.choice(["", f" {rv.choice(names + ['0'])}"])
            extra = rv.choice(["", "", f" area={rv.uniform(0.5, 3):.2f}", f" m={rv.randint(1, 3)}",
                               f" temp={rv.randint(0, 90)}", f" dtemp={rv.randint(-20, 40)}"])
            qname, base = name("Q"), name("base")
            if kind == "npn" and "rth=300" in p and rv.random() < 0.5:  # self-heating: a thermal
                tnode = name("tj")  # node, maybe on a heat sink (ngspice 39's fails on PNPs)
                sub = f" {sub.strip() or '0'} {tnode}"
                lines.append(f"{name('R')} {tnode} 0 {rv.choice(['100', '1k', '1meg'])}")
            lines += [f"{qname} {c} {base} {e}{sub} qv{j}{extra}",
                      f"{name('R')} {base} {b} {rv.choice(['10k', '100k', '1meg'])}"]
    rm = random.Random(f"mosfet {seed}")  # MOSFETs, on a stream of their own too
    r3 = random.Random(f"mos3 {seed}")  # which are LEVEL 3, and their words: another stream
    r2 = random.Random(f"mos2 {seed}")  # which are LEVEL 2, and their words: another stream
    for j in range(rm.randint(0, 2) if rm.random() < 0.4 else 0):
        kind = rm.choice(["nmos", "pmos"])
        sign = 1 if kind == "nmos" else -1
        p = [f"vto={sign * rm.uniform(0.3, 1.2):.3g}", f"kp={rm.choice(['20u', '110u', '40u'])}"]
        p += some_of(rm, (("gamma", lambda: f"{rm.uniform(0, 0.8):.3g}"),
                          ("phi", lambda: f"{rm.uniform(0.5, 0.9):.3g}"),
                          ("lambda", lambda: f"{rm.uniform(0, 0.1):.3g}"),
                          ("rd", lambda: f"{rm.uniform(1, 100):.3g}"),
                          ("rs", lambda: f"{rm.uniform(1, 100):.3g}"),
                          ("is", lambda: rm.choice(["1e-14", "1e-12"])),
                          ("ld", lambda: "0.1u"),
                          ("cgso", lambda: "1p")), 0.35)
        if rm.random() < 0.2:  # the process form: KP, PHI, GAMMA, VTO from TOX, U0, NSUB
            p = [f"tox={rm.choice(['20n', '40n'])}", f"nsub={rm.choice(['1e15', '3e16'])}",
                 f"u0={rm.choice(['600', '250'])}"]
        if r3.random() < 0.4:  # LEVEL 3 (mos3): no LAMBDA, and its own words
            p = [w for w in p if not w.startswith("lambda=")] + ["level=3"]
            for word, draw in (("vmax", lambda: r3.choice(["5e4", "1.5e5"])),
                               ("theta", lambda: f"{r3.uniform(0, 0.2):.3g}"),
                               ("kappa", lambda: f"{r3.uniform(0.1, 2):.3g}"),
                               ("eta", lambda: f"{r3.uniform(0, 0.1):.3g}"),
                               ("delta", lambda: f"{r3.uniform(0, 1):.3g}"),
                               ("nfs", lambda: r3.choice(["1e11", "8e11"])),
                               ("xj", lambda: "0.3u"),
                               ("nsub", lambda: r3.choice(["1e15", "2e16"]))):
                if r3.random() < 0.4 and not any(w.startswith(word + "=") for w in p):
                    p.append(f"{word}={draw()}")
        elif r2.random() < 0.35:  # LEVEL 2 (mos2): LAMBDA kept, and its own words
            p.append("level=2")
            for word, draw in (("vmax", lambda: r2.choice(["5e4", "1.5e5"])),
                               ("ucrit", lambda: r2.choice(["1e4", "6e4"])),
                               ("uexp", lambda: f"{r2.uniform(0, 0.3):.3g}"),
                               ("neff", lambda: r2.choice(["1", "4"])),
                               ("delta", lambda: f"{r2.uniform(0, 3):.3g}"),
                               ("nfs", lambda: r2.choice(["1e11", "8e11"])),
                               ("xj", lambda: "0.3u"),
                               ("nsub", lambda: r2.choice(["2e15", "2e16"]))):
                if r2.random() < 0.4 and not any(w.startswith(word + "=") for w in p):
                    p.append(f"{word}={draw()}")
            if any(w.startswith("vmax=") for w in p) and not any(
                    w.startswith(("gamma=", "nsub=")) for w in p):
                p.append("gamma=0.5")  # VMAX needs a body effect at LEVEL 2 (refused otherwise)
        lines.append(f".model mm{j} {kind}({' '.join(p)})")
        for _ in range(rm.randint(1, 2)):
            d, g, s_ = rm.sample(names + ["0"], 3)
            b = rm.choice(["0", s_, names[0]])
            extra = rm.choice(["", f" l={rm.choice(['1u', '2u', '5u'])} w={rm.choice(['2u', '10u', '50u'])}",
                               f" m={rm.randint(1, 3)}", f" temp={rm.randint(0, 90)}"])
            lines.append(f"{name('M')} {d} {g} {s_} {b} mm{j}{extra}")
    rv = random.Random(f"vdmos {seed}")  # VDMOS power MOSFETs (LTspice's cards), another stream
    rvq = random.Random(f"vdmos rq {seed}")  # their quasi-saturation (RQ, VQ), another
    rvh = random.Random(f"vdmos heat {seed}")  # their self-heating and fourth nodes, another
    for j in range(rv.randint(1, 2) if rv.random() < 0.25 else 0):
        pchan = rv.random() < 0.4
        sign = -1 if pchan else 1
        p = (["pchan"] if pchan else []) + [f"vto={sign * rv.uniform(1, 4):.3g}",
                                            f"kp={rv.choice(['0.2', '2', '7'])}"]
        p += some_of(rv, (("rd", lambda: rv.choice(["44m", "0.1", "2"])),
                          ("rs", lambda: rv.choice(["14m", "0.5"])),
                          ("rb", lambda: rv.choice(["20m", "1"])),
                          ("lambda", lambda: f"{rv.uniform(0, 0.05):.3g}"),
                          ("theta", lambda: f"{rv.uniform(0, 0.1):.3g}"),
                          ("ksubthres", lambda: f"{rv.uniform(0.05, 0.2):.3g}"),
                          ("mtriode", lambda: f"{rv.uniform(1, 2):.3g}"),
                          ("is", lambda: rv.choice(["16p", "1n"])),
                          ("bv", lambda: rv.choice(["30", "100"])),
                          ("rds", lambda: rv.choice(["100k", "1meg"])),
                          ("cgs", lambda: "1n")), 0.4)
        if any(w.startswith("rd=") for w in p) and rvq.random() < 0.4:  # RQ, VQ need RD
            p += [f"rq={rvq.choice(['0.5', '3'])}", f"vq={rvq.choice(['1', '-4'])}"]
        # self-heating (not with quasi-saturation, which kirchhoff refuses with it): RTHJC, maybe
        # RTHCA, each instance's thermal nodes on a heat sink to ground or an ambient source
        heated = not any(w.startswith("rq=") for w in p) and rvh.random() < 0.3
        if heated:
            p.append(f"rthjc={rvh.choice(['0.4', '1.5', '5'])}")
            if rvh.random() < 0.5:
                p.append(f"rthca={rvh.choice(['50', '400'])}")
        lines.append(f".model vd{j} VDMOS({' '.join(p)})")
        for _ in range(rv.randint(1, 2)):
            d, g, s_ = rv.sample(names + ["0"], 3)
            extra = rv.choice(["", f" m={rv.randint(1, 3)}", f" temp={rv.randint(0, 90)}"])
            m_name = name('M')
            if heated:
                tj, tc = f"{m_name}_tj", f"{m_name}_tc"
                ambient = rvh.choice(["0", "amb"])
                if ambient == "amb" and not any(l.startswith("vamb ") for l in lines):
                    lines.append(f"vamb amb 0 {rvh.choice(['25', '40'])}")
                lines.append(f"{m_name} {d} {g} {s_} {tj} {tc} vd{j} thermal{extra}")
                lines.append(f"{name('R')} {tc} {ambient} {rvh.choice(['0.5', '2', '8'])}")
            else:  # ngspice also takes a fourth node, left alone (a bulk written by habit)
                fourth = f" {s_}" if rvh.random() < 0.2 else ""
                lines.append(f"{m_name} {d} {g} {s_}{fourth} vd{j}{extra}")
    rq = random.Random(f"bjt {seed}")  # BJTs, on a stream of their own as well
    rsub = random.Random(f"substrate {seed}")  # substrate junctions and nodes, another stream
    rco = random.Random(f"rco {seed}")  # quasi-saturation on BJT models, another
    for j in range(rq.randint(0, 2) if rq.random() < 0.4 else 0):
        kind = rq.choice(["npn", "pnp"])
        p = [f"is={rq.choice(['1e-16', '6.7e-15', '1e-14'])}", f"bf={rq.choice(['80', '200', '416'])}"]
        p += some_of(rq, (("br", lambda: f"{rq.uniform(0.5, 5):.3g}"),
                          ("vaf", lambda: f"{rq.uniform(20, 120):.3g}"),
                          ("var", lambda: f"{rq.uniform(5, 30):.3g}"),
                          ("ikf", lambda: rq.choice(["10m", "66.8m", "0.3"])),
                          ("ikr", lambda: rq.choice(["5m", "0.1"])),
                          ("ise", lambda: rq.choice(["1e-15", "6.7e-15"])),
                          ("ne", lambda: f"{rq.uniform(1.2, 2):.3g}"),
                          ("isc", lambda: rq.choice(["1e-15", "2e-14"])),
                          ("nf", lambda: f"{rq.uniform(1, 1.05):.3g}"),
                          ("rb", lambda: f"{rq.uniform(5, 200):.3g}"),
                          ("rc", lambda: f"{rq.uniform(0.5, 20):.3g}"),
                          ("re", lambda: f"{rq.uniform(0.1, 3):.3g}"),
                          ("xtb", lambda: "1.5"),
                          ("trc1", lambda: "3m"),
                          ("cje", lambda: "4p")), 0.35)
        if any(w.startswith("rb=") for w in p) and rq.random() < 0.5:  # modulated by the current
            p += [f"rbm={rq.uniform(1, 20):.3g}"] + (["irb=1m"] if rq.random() < 0.5 else [])
        if rsub.random() < 0.3:
            p += [f"iss={rsub.choice(['1e-16', '1e-14'])}", f"ns={rsub.uniform(1, 1.2):.3g}"]
            p += [f"subs={rsub.choice(['1', '-1'])}"] if rsub.random() < 0.3 else []
        if rsub.random() < 0.2:  # the junctions' own saturation currents, both
            p += [f"ibe={rsub.choice(['1e-16', '5e-15'])}", f"ibc={rsub.choice(['2e-16', '1e-14'])}"]
        if rsub.random() < 0.15:  # TLEV=3's powers, with BF's and BR's own coefficients
            p += ["tlev=3", f"tis1={rsub.choice(['-1e-3', '2e-3'])}", "tise1=-1e-3", "tbf1=5e-3",
                  "tbr1=1e-3"]
        if rco.random() < 0.3:  # Kull's quasi-saturation, on a stream of its own
            p += [f"rco={rco.choice(['10', '50', '200'])}"] + \
                 [w for w in (f"vo={rco.choice(['2', '5'])}", f"gamma={rco.choice(['1e-11', '1e-9'])}")
                  if rco.random() < 0.5]
        lines.append(f".model qm{j} {kind}({' '.join(p)})")
        for _ in range(rq.randint(1, 2)):
            # the base through a resistor, as for a JFET's gate: a source straight on a base
            # drives the junction far forward
            c, b, e = rq.sample(names + ["0"], 3)
            extra = rq.choice(["", "", f" {rq.randint(1, 3)}", f" area={rq.uniform(0.5, 3):.2f}",
                               f" m={rq.randint(1, 3)}", f" temp={rq.randint(0, 90)}"])
            qname, base = name('Q'), name("base")
            sub = f" {rsub.choice(names)}" if rsub.random() < 0.4 else ""
            lines += [f"{qname} {c} {base} {e}{sub} qm{j}{extra}",
                      f"{name('R')} {base} {b} {rq.choice(['10k', '100k', '1meg'])}"]
    rs = random.Random(f"switch {seed}")  # voltage-controlled switches, a stream of their own
    if rs.random() < 0.25:
        words = [f"vt={rs.uniform(-1, 3):.3g}", f"ron={rs.choice(['1', '10', '100'])}"]
        if rs.random() < 0.5:
            words.append(f"vh={rs.choice(['0.1', '0.5'])}")
        if rs.random() < 0.5:
            words.append("roff=1meg")
        lines.append(f".model sm sw({' '.join(words)})")
        for _ in range(rs.randint(1, 2)):
            a, b, c = rs.sample(names + ["0"], 3)
            lines.append(f"{name('S')} {a} {b} {c} 0 sm{rs.choice(['', '', ' on', ' off'])}")
    if rs.random() < 0.15:  # a W switch on the current into a resistor through a 0 V source
        lines.append(f".model wm csw(it={rs.choice(['1u', '0.1m', '1m'])} ron=10"
                     f"{rs.choice(['', ' ih=0.05m'])})")
        sense, mid = name("Vsense"), name("w")
        a, b, c = rs.sample(names + ["0"], 3)
        lines += [f"{sense} {c} {mid} 0", f"{name('R')} {mid} 0 {rs.choice(['1k', '47k'])}",
                  f"{name('W')} {a} {b} {sense} wm{rs.choice(['', ' on'])}"]
    rb = random.Random(f"behavioural {seed}")  # B sources and E/G value=, a stream of their own
    for _ in range(rb.randint(1, 3) if rb.random() < 0.3 else 0):
        a, b = rb.sample(names + ["0"], 2)
        form = rb.random()
        if form < 0.45:  # a current of a milliampere or so from a to b
            lines.append(f"{name('B')} {a} {b} i={rb.choice(['1m', '0.2m', '2m'])}*"
                         f"{behavioural(rb, names, 3)}")
        elif form < 0.75:  # a voltage at a node no other source drives, through a resistor
            node = undriven(rb, names, driven)
            if node is None:
                continue
            out = name("bout")
            lines += [f"{name('B')} {out} 0 v={behavioural(rb, names, 3)}",
                      f"{name('R')} {out} {node} {rb.choice(['1k', '10k', '100k'])}"]
        else:  # a G's value=, in one of ngspice's spellings
            spell = rb.choice(["value={%s}", "value = {%s}", "cur='%s'", "value {%s}"])
            expr = f"{rb.choice(['1m', '0.5m'])}*{behavioural(rb, names, 2)}"
            lines.append(f"{name('G')} {a} {b} " + spell % expr)
    lines += curves(random.Random(f"table {seed}"), names, driven, name)
    lines += gains(random.Random(f"gain {seed}"), names, driven, name)
    lines += limits(random.Random(f"limit {seed}"), names, driven, name)
    lines += integrators(random.Random(f"int {seed}"), names, driven, name)
    lines += output_stages(random.Random(f"ilimit {seed}"), names, name)
    lines += vectors(random.Random(f"vector {seed}"), names, driven, name)
    lines += dividers(random.Random(f"divide {seed}"), names, driven, name)
    lines += controlled_limits(random.Random(f"climit {seed}"), names, driven, name)
    lines += switches_xspice(random.Random(f"aswitch {seed}"), names, name)
    lines += simple_diodes(random.Random(f"sidiode {seed}"), names, name)
    lines += zeners(random.Random(f"zener {seed}"), names, name)
    lines += potentiometers(random.Random(f"potentiometer {seed}"), names, name)
    lines += tlines(random.Random(f"tline {seed}"), names, name)
    rx = random.Random(f"multiplier {seed}")  # m= on X lines, on a stream of its own
    if r.random() < 0.6:
        leaf = r.random() < 0.5
        if leaf:
            lines += [".subckt leaf a b", "r1 a 1 {rbase}", "r2 1 b 1k", "r3 1 0 47k", ".ends"]
        lines.append(".subckt cell p q w=1k")
        if leaf:
            lines.append("xl p mid leaf" + (f" m={rx.choice(['2', '3', '0.5'])}" if rx.random() < 0.3 else ""))
        lines += ["r1 p mid {w}", "r2 mid q {2*w}"]
        if models:
            lines.append(f"d1 mid q {models[0]}")
        lines += ["r3 mid 0 100k", ".ends"]
        for _ in range(r.randint(1, 3)):
            a, b = r.sample(names + ["0"], 2)
            lines.append(f"{name('X')} {a} {b} cell w={r.choice(['500', '2k', 'rbase'])}")
            if not leaf and rx.random() < 0.3:  # a body without X lines: ngspice's m is exact there
                lines[-1] += f" m={rx.choice(['2', '4', '{rbase/1k}'])}"
    lines += [".op", ".end"]
    return "\n".join(lines) + "\n"


def syntax_deck(seed, folder):
    """The netlist text of seed's --syntax deck; writes the files it includes into folder."""
    r = random.Random(seed)
    rp = random.Random(f"poly {seed}")  # POLY forms: its own draws leave the rest of the deck
    rf = random.Random(f"forms {seed}")  # the linear forms' parentheses and m=, likewise
    count = 0

    def name(prefix):
        nonlocal count
        count += 1
        return f"{r.choice([prefix, prefix.lower()])}{count}"

    def controlled(words, controls, gain, offset, square):
        """A controlled source's card: words (name and output nodes), then the controls (a node
        pair, or a voltage source's name) and the gain, or the same written in POLY form: the
        gain as its first-order coefficient, maybe a constant up to `offset` (volts or amperes
        out) and the same control again, then maybe a square term up to `square` times the
        control squared."""
        if rp.random() < 0.6 or any(c in w for w in words + controls for c in "<>"):
            # ngspice cannot read such names in a POLY card; the linear card may put its
            # control pair in parentheses, and a G or F may take copies (m=)
            if len(controls) == 2 and rf.random() < 0.3:
                controls = rf.choice([[f"({controls[0]},{controls[1]})"],
                                      ["(", *controls, ")"]])
            multiplier = [f"{rf.choice('mM')}={rf.choice(['2', '0.5', '{3}'])}"] \
                if words[0][0] in "gfGF" and rf.random() < 0.3 else []
            return words + controls + [gain] + multiplier
        written = controls if len(controls) == 1 or rp.random() < 0.5 else \
            [f"({controls[0]},{controls[1]})"]
        p0 = rp.choice(["0", "0", f"{rp.uniform(-offset, offset):.3g}"])
        if rp.random() < 0.5:
            return words + [case("poly(1)")] + written + [p0, gain]
        squared = [] if rp.random() < 0.5 else ["0", "0", f"{rp.uniform(-square, square):.3g}"]
        return words + [case("poly(2)")] + written + written + [p0, gain, "0"] + squared

    def case(word):
        return r.choice([word, word.upper(), word.lower(), word.capitalize()])

    # node names as schematic tools write them, some with characters SPICE allows in names
    base = [r.choice([f"n{i}", f"net-{i}", f"a.{i}", f"n<{i}>", f"out{i}+", f"N_{i}", f"{i}b"])
            for i in range(r.randint(4, 12))]
    spelled = {}  # node -> how it is written this time (case-blind)

    def node(n):
        return "0" if n == "0" else case(spelled.setdefault(n, n))

    def number(x):
        """x written with a random scale suffix (and sometimes a unit after it)."""
        scales = [("", 1), ("k", 1e3), ("K", 1e3), ("meg", 1e6), ("MEG", 1e6), ("Meg", 1e6),
                  ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15),
                  ("e3", 1e3), ("E-3", 1e-3), ("g", 1e9)]
        suffix, f = r.choice([(s, f) for s, f in scales if 1e-3 <= abs(x) / f < 1e5])
        return f"{x / f:.6g}{suffix}"

    def resistance(x):
        c = r.random()
        if c < 0.15:
            return number(x) + r.choice(["Ohm", "ohm", "R"]) if r.random() < 0.5 else number(x)
        if c < 0.3:
            return f"{{rb*{x / 1e3:.6g}}}"
        if c < 0.4:
            return f"'{x / 2:.6g}+{x / 2:.6g}'"
        if c < 0.55:
            fn = r.choice([f"sqrt({x * x:.8g})", f"pwr({x:.6g},1)", f"pow({x:.6g}, 1)",
                           f"abs(-{x:.6g})", f"max({x:.6g}, 1)", f"min({x:.6g}, 1e12)",
                           f"exp(ln({x:.6g}))", f"ternary_fcn(rb > 0, {x:.6g}, 1)",
                           f"(rb > 0 ? {x:.6g} : 1)", f"floor({x:.6g}) + 0.5",
                           f"{x / 4:.6g}*2**2", f"-(-{x:.6g})"])
            return "{" + fn + "}"
        return number(x)

    def element(words, comment=True):
        """A card from its words: split across continuation lines, with comments."""
        out = [words[0]]
        for w in words[1:]:
            if r.random() < 0.08:
                out.append("\n+" + r.choice([" ", "  ", ""]) + w)
            else:
                out.append(" " + w)
        text = "".join(out)
        if r.random() < 0.1:  # tabs for blanks
            text = text.replace(" ", "\t")
        if comment and r.random() < 0.15:
            text += r.choice(["  ; note", " $ a comment", "\t; x"])
        return text.replace("\\n", "\n")

    lines = [r.choice([f"syntax deck {seed}", f"* syntax deck {seed}", f"SYNTAX {seed}"])]
    if r.random() < 0.2:
        lines.append(f"{case('.title')} deck {seed} retitled")
    lines.append(f"{case('.param')} rb={number(r.choice([1e3, 2.2e3, 470.0]))}")
    lines.append(f"{case('.param')} is0=2.52n nn={r.uniform(1, 2):.3f}")
    if r.random() < 0.4:
        lines.append(r.choice([f"{case('.temp')} {r.choice([0, 50, 85])}",
                               f"{case('.option')} temp={r.choice([0, 50, 85])}",
                               f"{case('.options')} TEMP = {r.choice([0, 50, 85])}"]))
    if r.random() < 0.2:
        lines.append("")
        lines.append("   ")
    if r.random() < 0.3:
        lines.append("* a comment line")
    use_lib = r.random() < 0.4
    if use_lib:
        with open(os.path.join(folder, f"syn{seed}.lib"), "w") as f:
            f.write("* a library\n.lib typ\n.param rlib=1.5k\n.endl typ\n"
                    ".lib slow\n.param rlib=3k\n.endl slow\n")
        lines.append(f"{case('.lib')} syn{seed}.lib {r.choice(['typ', 'slow', 'TYP'])}")
    use_inc = r.random() < 0.4
    if use_inc:
        with open(os.path.join(folder, f"syn{seed}.inc"), "w") as f:
            f.write(f"* included\nRinc {base[0]} 0 22k\n")
        lines.append(f"{case('.include')} syn{seed}.inc")
    use_global = r.random() < 0.3
    if use_global:
        lines.append(f"{case('.global')} vg")
        lines.append(element([name("V"), "vg", "0", f"{r.uniform(0.5, 2):.3f}"]))
    inductors = []
    for i, n in enumerate(base):
        other = r.choice(base[:i]) if i else "0"
        x = r.uniform(100, 1e5)
        if r.random() < 0.15:  # an inductor in series: a short at DC
            mid = f"m{i}"
            lines.append(element([name("R"), node(n), node(mid), resistance(x)]))
            inductors.append(name("L"))
            lines.append(element([inductors[-1], node(mid), node(other), number(1e-3)]))
        else:
            extra = []
            if r.random() < 0.2:  # temperature coefficients and instance words
                extra = r.choice([[f"TC1={r.uniform(-1e-3, 3e-3):.3g}"],
                                  [f"tc1={r.uniform(0, 2e-3):.3g}", f"TC2={r.uniform(0, 1e-5):.3g}"],
                                  [f"tc1={r.uniform(0, 2e-3):.3g}", f"temp={r.randint(0, 90)}"],
                                  [f"tc1 = {r.uniform(0, 2e-3):.3g}", "dtemp=10"], ["m=2"]])
            lines.append(element([name("R"), node(n), node(other), resistance(x)] + extra))
        lines.append(element([name("R"), node(n), "0", resistance(r.choice([1e5, 1e6, 1e7]))]))
        if use_global and r.random() < 0.2:
            lines.append(element([name("R"), node(n), "vg", resistance(4.7e4)]))
        if use_lib and r.random() < 0.2:
            lines.append(element([name("R"), node(n), "0", "{rlib}"]))
        if r.random() < 0.2:
            lines.append(element([name("C"), node(n), node(r.choice(base + ["0"])),
                                  number(r.uniform(1e-12, 1e-6))]))
    for _ in range(r.randint(0, len(base))):
        a, b = r.sample(base + ["0"], 2)
        lines.append(element([name("R"), node(a), node(b), resistance(r.uniform(100, 1e5))]))
    driven = set()
    for _ in range(r.randint(1, 3)):
        n = r.choice(base)
        if n in driven:
            continue
        driven.add(n)
        v = r.uniform(-2, 2)
        spec = r.choice([[f"{v:.4f}"], [case("dc"), f"{v:.4f}"], [f"{v:.4f}V"],
                         [case("dc"), f"{v:.4f}", case("ac"), "1"],
                         [f"{case('sin')}({v:.4f} 1 1k)"],
                         [f"{case('pulse')}({v:.4f} 5 1u 1n 1n 1u 2u)"],
                         [f"{case('pwl')}(0 {v:.4f} 1m 2)"],
                         # parentheses are blanks on V and I lines, as ngspice's tokenizer reads
                         # them, and dc without a number is DC 0 (here beside a waveform)
                         [f"({case('dc')} {v:.4f})"], [f"{v:.4f}", f"({case('ac')} 1)"],
                         [f"({case('pwl')} 0 {v:.4f} 1m 2)", f"({case('ac')} 1)"],
                         [f"{case('pwl')} (0 {v:.4f}) (1m 2)"], [case("dc"), f"({v:.4f})"],
                         [case("dc"), f"{case('sin')}({v:.4f} 1 1k)"]])
        lines.append(element([name("V"), node(n), "0"] + spec))
    for _ in range(r.randint(0, 2)):
        a, b = r.sample(base + ["0"], 2)
        i = r.uniform(-2e-3, 2e-3)
        spec = r.choice([[f"{i * 1e3:.4f}m"], [case("dc"), f"{i * 1e6:.4f}u"],
                         [f"{i * 1e3:.4f}mA"]])
        lines.append(element([name("I"), node(a), node(b)] + spec))
    if r.random() < 0.4:  # a diode model in one of the ways model cards are written
        p = [f"IS={r.choice(['2.52n', '1e-14', '4.352E-9', '1f', '{is0}', '{is0*2}'])}",
             r.choice([f"N={r.uniform(1, 2):.3f}", "N={nn}", "n = 1.5"]),
             f"RS={r.uniform(0.1, 5):.3g}"]
        if r.random() < 0.3:
            p += [f"EG={r.choice(['1.11', '0.69'])}", f"XTI={r.choice(['3', '2'])}"]
        if r.random() < 0.5:
            p += [f"BV={r.uniform(5, 100):.3g}", f"IBV={r.choice(['5u', '1e-6', '100uA'])}"]
        if r.random() < 0.3:
            p += ["CJO=4p", "M=0.333", "TT=11.5n"]
        r.shuffle(p)
        c = r.random()
        if c < 0.3:
            card = f"{case('.model')} DX {case('d')}({' '.join(p)})"
        elif c < 0.5:
            card = f"{case('.model')} DX {case('d')} ( {' '.join(p)} )"
        elif c < 0.7:
            card = f"{case('.model')} DX {case('d')} {' '.join(p)}"
        else:
            half = len(p) // 2
            card = (f"{case('.model')} DX {case('d')}({' '.join(p[:half])}\n"
                    f"+ {' '.join(p[half:])})")
        lines.append(card)
        for _ in range(r.randint(1, 3)):
            a, b = r.sample(base + ["0"], 2)
            words = [name("D"), node(a), node(b), r.choice(["DX", "dx", "Dx"])]
            words += r.choice([[], [], [f"area={r.uniform(0.5, 2):.2f}"],
                               [f"area={r.uniform(0.5, 2):.2f}"]])
            lines.append(element(words))
    if r.random() < 0.3:  # a .func, used in a value
        lines.append(f"{case('.func')} twice(x) {{2*x}}")
        a, b = r.sample(base + ["0"], 2)
        lines.append(element([name("R"), node(a), node(b), "{twice(rb)}"]))
    for _ in range(r.randint(0, 2)):  # weak controlled sources, each through a resistor
        kind = r.choice("EGFH")
        a, b = r.sample(base + ["0"], 2)
        if kind in "EG":
            c, d = r.sample(base + ["0"], 2)
            if kind == "E":
                out = f"e{count}"
                lines.append(element(controlled([name("E"), node(out), "0"], [node(c), node(d)],
                                                f"{r.uniform(0.1, 0.4):.3f}", 0.1, 0.02)))
                lines.append(element([name("R"), node(out), node(a), resistance(1e4)]))
            else:
                lines.append(element(controlled([name("G"), node(a), node(b)],
                                                [node(c), node(d)],
                                                number(r.uniform(1e-5, 1e-3)), 1e-5, 2e-5)))
        else:
            sense = f"vs{count}"
            mid = f"s{count}"
            lines.append(element([sense, node(r.choice(base)), node(mid), "0"]))
            lines.append(element([name("R"), node(mid), "0", resistance(1e4)]))
            if kind == "F":
                lines.append(element(controlled([name("F"), node(a), node(b)], [sense.upper()],
                                                f"{r.uniform(-0.5, 0.5):.3f}", 1e-5, 100)))
            else:
                out = f"h{count}"
                lines.append(element(controlled([name("H"), node(out), "0"], [sense],
                                                number(r.uniform(10, 1e3)), 0.1, 1e5)))
                lines.append(element([name("R"), node(out), node(a), resistance(1e4)]))
    if r.random() < 0.5:
        default = number(r.uniform(1e3, 1e4))
        header = r.choice([f"blk p q w={default}", f"blk p q params: w={default}",
                           f"BLK p q w = {default}"])
        body = [f"{case('.subckt')} {header}", case(".param") + " half={w/2}",
                "r1 p mid {half*2}", "r2 mid q {2*w}", "r3 mid 0 100k",
                case(".ends") + r.choice(["", " blk"])]
        lines += body
        for _ in range(r.randint(1, 3)):
            a, b = r.sample(base + ["0"], 2)
            words = [name("X"), node(a), node(b), case("blk")]
            c = r.random()
            if c < 0.3:
                words += [case("params:"), f"w={number(r.uniform(500, 5e3))}"]
            elif c < 0.6:
                words.append(f"w={resistance(r.uniform(500, 5e3))}")
            lines.append(element(words))
    if r.random() < 0.3:
        n = r.choice(base)
        lines.append(f"{case('.nodeset')} v({node(n)})={r.uniform(-1, 1):.3f}")
    if r.random() < 0.3:
        n = r.choice(base)
        lines.append(f"{case('.ic')} v({node(n)})={r.uniform(-1, 1):.3f}")
    rb = random.Random(f"behavioural syntax {seed}")  # B sources written every way
    for _ in range(rb.randint(1, 2) if rb.random() < 0.3 else 0):
        a, b = rb.sample(base + ["0"], 2)
        expr = behavioural(rb, [spelled.get(n, n) for n in base], 2, ("rb/1k", "rb/2k"))
        expr = rb.choice([expr, "{" + expr + "}", expr.upper(), expr.replace(" ", "")])
        key = rb.choice(["I=", "i = ", "I =", "i= "])
        words = [f"{rb.choice(['B', 'b'])}s{len(lines)}", node(a), node(b),
                 key + rb.choice(["1m", "0.5m"]) + "*(" + expr + ")"]
        lines.append(element(words, comment=False))
    for k in range(len(inductors) // 2):  # couplings: no DC effect, read and checked
        if rp.random() < 0.7:
            lines.append(element([f"{rp.choice(['K', 'k'])}c{k}", inductors[2 * k],
                                  inductors[2 * k + 1].upper(), f"{rp.uniform(-1, 1):.3f}"]))
    lines += [case(".op"), case(".end")]
    return "\n".join(lines) + "\n"


TIMEOUT = 60  # seconds: ngspice at reltol 1e-9 can source-step for minutes (seen)


SOURCE_VALUE = re.compile(r"^([VvIi]\S*\s+\S+\s+\S+\s+(?:dc\s+)?)(-?[0-9.]+(?:e[-+]?[0-9]+)?)(\s.*)?$")


def scaled_supplies(text, seed):
    """The deck with the value of every independent V and I line that gives a bare number (dc
    or not) multiplied by one factor, drawn for the seed log-uniformly in [0.1 / 1.5, 1000 /
    1.5]."""
    factor = math.exp(random.Random(f"supply {seed}").uniform(math.log(0.1 / 1.5),
                                                                math.log(1000 / 1.5)))
    lines = []
    for line in text.split("\n"):
        m = SOURCE_VALUE.match(line)
        if m:
            line = f"{m.group(1)}{float(m.group(2)) * factor:.6g}{m.group(3) or ''}"
        lines.append(line)
    return "\n".join(lines)


def op(kirchhoff, args):
    """`kirchhoff op --quiet ARGS`, or None when it runs past TIMEOUT."""
    try:
        return subprocess.run([kirchhoff, "op", "--quiet"] + args, capture_output=True, text=True,
                              errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None


def voltages(kirchhoff, path, backend):
    """Node name -> volts from `op` with a backend, or None if it fails, runs past TIMEOUT, or
    its answer's KCL residual (kirchhoff's check of either backend's voltages; not computed for
    ngspice's answer with controlled sources) is not finite."""
    run = op(kirchhoff, ["--backend", backend, path])
    if run is None or run.returncode != 0:
        return None
    result = {}
    for line in run.stdout.splitlines():
        words = line.split()
        if (line.startswith("# KCL residual") and words[3] != "not" and
                not math.isfinite(float(words[3]))):
            return None
        if words and not line.startswith("#"):
            result[words[0]] = float(words[1])
    return result


TIGHT = ".options reltol=1e-9 abstol=1e-15 vntol=1e-12"  # the ngspice backend's own


def area_words(lines):
    """The lines with each diode's positional area written `area=`: ngspice 39 refuses
    `D1 a b DX 0.94` ("could not find a valid modelname") where SPICE and kirchhoff read an area,
    and reads `area=0.94`. A diode card and its continuation lines become one line."""
    out, i = [], 0
    while i < len(lines):
        line, i = lines[i], i + 1
        if not line.lstrip()[:1] in ("d", "D"):
            out.append(line)
            continue
        while i < len(lines) and lines[i].startswith("+"):
            line, i = line + " " + lines[i][1:], i + 1
        words = line.split(";")[0].split(" $")[0].split()
        if len(words) > 4 and (words[4][:1].isdigit() or words[4][:1] in ".{"):
            words[4] = "area=" + words[4]
        out.append(" ".join(words))
    return out


def tightened(path, cards=(), for_ngspice=False):
    """A copy of the deck beside it (its .include and .lib files stay reachable) with TIGHT and
    `cards` as its last cards before .end, where they win over the deck's own in both programs;
    for ngspice with each positional diode area written area= (area_words)."""
    lines = open(path).read().splitlines()
    if for_ngspice:
        lines = area_words(lines)
    at = max((i for i, l in enumerate(lines) if l.strip().lower() == ".end"), default=len(lines))
    copy = path[:-4] + (".ngspice.cir" if for_ngspice else ".tight.cir")
    with open(copy, "w") as f:
        f.write("\n".join(lines[:at] + [TIGHT, *cards] + lines[at:]) + "\n")
    return copy


def csv_voltages(run):
    """Node name -> volts from `op --csv` output, internal nodes (with '#') left out."""
    result = {}
    for line in run.stdout.splitlines()[1:]:
        name, _, volts = line.partition(",")
        if not volts:
            break  # the element block of --currents, if any
        if "#" not in name:
            result[name] = float(volts)
    return result


def differing(mine, theirs):
    return {k: (mine[k], theirs[k]) for k in mine
            if not abs(mine[k] - theirs[k]) <= 1e-6 * max(1.0, abs(theirs[k]))}


def ngspice_plot(path, plot, timeout=TIMEOUT):
    """(names, rows) of the plot whose name holds `plot` ("Operating Point", "DC transfer") in
    ngspice 39's ASCII rawfile of the file itself (`ngspice -b -r`), names as it writes them; None
    when it fails, runs past `timeout` seconds or gives no such plot, or a row is short."""
    raw = path[:-4] + ".raw"
    try:
        run = subprocess.run(["ngspice", "-b", "-r", os.path.basename(raw), os.path.basename(path)],
                             cwd=os.path.dirname(path) or ".", capture_output=True, text=True,
                             errors="replace", timeout=timeout,
                             env=dict(os.environ, SPICE_ASCIIRAWFILE="1"))
    except subprocess.TimeoutExpired:
        run = None
    if run is None or run.returncode != 0 or not os.path.exists(raw):
        if os.path.exists(raw):
            os.remove(raw)  # what a failed run wrote
        return None
    names, rows, section, wanted = [], [], None, False
    for line in open(raw):
        if line.startswith("Plotname:"):
            wanted, section = plot in line, None
        elif wanted and line.startswith(("Variables:", "Values:")):
            section = line.split(":")[0]
        elif wanted and section == "Variables" and line.split():
            names.append(line.split()[1])
        elif wanted and section == "Values" and line.split():
            words = line.split()
            if len(words) == 2 or not rows:  # a point's first value follows its index
                rows.append([])
            rows[-1].append(float(words[-1]))
    os.remove(raw)
    if not names or not rows or any(len(row) != len(names) for row in rows):
        return None
    return names, rows


def ngspice_reading(path):
    """Node name -> volts from ngspice 39 reading the file itself (`ngspice -b`, its own parser
    and its own .op), or None when it fails or runs past TIMEOUT. Internal nodes (with '#')
    are left out, as kirchhoff's are below."""
    plot = ngspice_plot(path, "Operating Point")
    if plot is None or len(plot[1]) != 1:
        return None
    return {n[2:-1].lower(): v for n, v in zip(plot[0], plot[1][0])
            if n.startswith("v(") and n.endswith(")") and "#" not in n}


def transistor_terminals(path):
    """Top-level M and J cards whose models have no series resistance (so the terminals ngspice
    reports are the card's nodes): (name, nodes, sign, quantities), sign +1 for NMOS and NJF."""
    models, cards = {}, []
    for line in open(path):
        words = line.lower().replace("(", " ").replace(")", " ").split()
        if len(words) >= 3 and words[0] == ".model":
            models[words[1]] = (words[2], " ".join(words[3:]))
        elif words and words[0][0] in "mj":
            cards.append(words)
    out = []
    for w in cards:
        at = 5 if w[0][0] == "m" else 4
        if len(w) <= at or w[at] not in models:
            continue
        kind, params = models[w[at]]
        if re.search(r"\b(rd|rs|rsh)\s*=", params):
            continue
        sign = 1 if kind in ("nmos", "njf") else -1
        quantities = ("vgs", "vds", "vbs") if w[0][0] == "m" else ("vgs", "vgd")
        out.append((w[0], w[1:at], sign, quantities))
    return out


def ngspice_inconsistent(path, theirs):
    """Where ngspice's reported transistor voltages (its device state at the end of its .op)
    differ from its node voltages' differences: '' when they agree or cannot be asked."""
    devices = transistor_terminals(path)
    if not devices or theirs is None:
        return ""
    wanted = " ".join(f"@{d}[{q}]" for d, _, _, qs in devices for q in qs)
    with open(path) as f:
        text = f.read()
    probe = path[:-4] + "_state.cir"
    with open(probe, "w") as f:
        f.write(text.rsplit(".end", 1)[0] + ".options reltol=1e-9 abstol=1e-15 vntol=1e-12\n"
                f".control\nset numdgt=15\nop\nprint {wanted}\n.endc\n.end\n")
    try:
        run = subprocess.run(["ngspice", "-b", os.path.basename(probe)], capture_output=True,
                             text=True, errors="replace", cwd=os.path.dirname(probe) or ".",
                             timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return ""
    finally:
        os.remove(probe)
    state = dict(re.findall(r"^@(\S+) = (\S+)$", run.stdout, re.M))

    def v(node):
        return 0.0 if node in ("0", "gnd") else theirs.get(node, math.nan)
    for name, nodes, sign, quantities in devices:
        d, g, s = nodes[0], nodes[1], nodes[2]
        expect = {"vgs": v(g) - v(s), "vds": v(d) - v(s), "vgd": v(g) - v(d)}
        if len(nodes) > 3:
            expect["vbs"] = v(nodes[3]) - v(s)
        for q in quantities:
            got = state.get(f"{name}[{q}]")
            if got is None or math.isnan(expect[q]):
                continue
            if abs(float(got) - sign * expect[q]) > 1e-6 * max(1.0, abs(expect[q])):
                return (f"ngspice's {name} reports {q} = {float(got):.6g} V where its nodes give "
                        f"{sign * expect[q]:.6g} V")
    return ""


HOLD_OHMS, HOLD_AMPS = 1e-6, 1e-9


def held_at(kirchhoff, path):
    """Whether kirchhoff's answer is an operating point by ngspice 39's own equations: ngspice,
    reading the file itself, holds each node at kirchhoff's voltage (all 17 digits of `op
    --csv`) through HOLD_OHMS from a source of its own, and the current each source gives is
    that node's KCL mismatch. Returns the worst node's current over what it may draw
    (HOLD_AMPS plus its voltage's rounding over HOLD_OHMS): at most 1 for an operating point;
    None when ngspice gives no answer. A .nodeset at
    kirchhoff's answer asks the same less directly: ngspice lets go of the nodes after its first
    iterations, and its Newton (with its limiting) can walk off to its own operating point from
    an exact one (seed 3104: every node within 1e-17 A there, and ngspice left it)."""
    run = op(kirchhoff, ["--csv", path])
    if run is None or run.returncode != 0:
        return None
    return drawn_at(path, csv_voltages(run))


def top_level(lines):
    """The deck's cards outside .subckt blocks and after its title, continuation lines joined."""
    cards, depth = [], 0
    for line in lines[1:]:
        if line.startswith("+") and cards:
            cards[-1] += " " + line[1:]
            continue
        word = line.split()[0].lower() if line.split() else ""
        if word.startswith(".subckt"):
            depth += 1
        elif word.startswith(".ends"):
            depth -= 1
        elif depth == 0:
            cards.append(line)
    return cards


def source_nodes(lines):
    """The nodes of the deck's top-level V, E and H cards and B cards with V=: their voltages
    follow from the others' through the source, and a node held beside one (a 0 V ammeter's two
    ends both held) splits its current between the source and the holds, which moves what an H
    that reads it gives (seen: bench/random_dc.py seed 52)."""
    nodes = set()
    for card in top_level(lines):
        words = card.split(";")[0].split()
        head = words[0].lower() if words else ""
        if len(words) >= 3 and (head[0] in "veh" or (
                head[0] == "b" and re.search(r"\bv\s*=", card, re.I))):
            nodes.update(w.lower() for w in words[1:3])
    return nodes - {"0", "gnd"}


def drawn_at(path, mine):
    """held_at's measure for the node voltages `mine` (node -> volts) on the deck at path. The
    nodes of its top-level voltage sources (source_nodes) are not held; each must come out
    within 1e-6 max(1, |V|) V of mine, else the measure is infinite (one whose name print would
    read as an expression, `net-3`, is held as before)."""
    lines = area_words(open(path).read().splitlines())
    at = max((i for i, l in enumerate(lines) if l.strip().lower() == ".end"), default=len(lines))
    free = sorted(n for n in source_nodes(lines[:at])  # names `print v(...)` reads whole
                  if n in mine and re.fullmatch(r"[a-z0-9_]+", n))
    names = sorted(set(mine) - set(free))
    holds = [card for k, n in enumerate(names) for card in
             (f"vhold{k} hold{k} 0 {mine[n]!r}", f"rhold{k} {n} hold{k} {HOLD_OHMS!r}")]
    probe = path[:-4] + "_held.cir"
    with open(probe, "w") as f:
        f.write("\n".join(lines[:at] + holds + [
            TIGHT, ".control", "set numdgt=17", "op",
            "print " + " ".join(f"vhold{k}#branch" for k in range(len(names))),
            *(["print " + " ".join(f"v({n})" for n in free)] if free else []), ".endc"] +
            lines[at:]) + "\n")
    try:
        run = subprocess.run(["ngspice", "-b", os.path.basename(probe)], capture_output=True,
                             text=True, errors="replace", cwd=os.path.dirname(probe) or ".",
                             timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    finally:
        os.remove(probe)
    amps = [float(a) for a in re.findall(r"^vhold\d+#branch = (\S+)$", run.stdout, re.M)]
    if len(amps) != len(names) or not names:
        return None
    volts = {n.lower(): float(v) for n, v in re.findall(r"^v\((\S+)\) = (\S+)$", run.stdout, re.M)}
    if any(n not in volts or not abs(volts[n] - mine[n]) <= 1e-6 * max(1.0, abs(mine[n]))
           for n in free):
        return math.inf
    # beyond HOLD_AMPS, each node may draw its voltage's rounding (1e-15 relative, a few ulps)
    # over HOLD_OHMS: a node a source of the deck fixes draws that much from an exact answer
    return max(abs(a) / (HOLD_AMPS + 1e-15 * max(1.0, abs(mine[n])) / HOLD_OHMS)
               for a, n in zip(amps, names))


def ngspice_reading_from(path, voltages):
    """ngspice -b's answer on the file itself, started by .nodeset at `voltages` (None if none)."""
    copy = tightened(path, [".nodeset " + " ".join(f"v({k})={v!r}" for k, v in voltages.items())],
                     for_ngspice=True)
    back = ngspice_reading(copy)
    os.remove(copy)
    return back


def reading(kirchhoff, path):
    """Whether kirchhoff reads the deck as ngspice reads it. op --compare hands ngspice the deck
    as kirchhoff read it, so a value or card kirchhoff reads otherwise than ngspice would pass
    there unseen; here ngspice reads the file itself. Returns None when both answers agree, or
    when either gives no answer to compare; else a kind and what differs:
      several  the answers differ, but the deck as kirchhoff read it, handed to ngspice with
               .nodeset at ngspice's own answer, settles there too, and ngspice reading the
               file with .nodeset at kirchhoff's answer settles at that (or, holding every
               node there, draws nothing: held_at): one reading with several operating
               points, each program finding another;
      misread  otherwise;
      unchecked  kirchhoff answers, but ngspice -b reading the file itself does not (it fails
               to read or to solve it), not even started at kirchhoff's answer by .nodeset,
               so the reading is not checked."""
    theirs_copy, copy = tightened(path, for_ngspice=True), tightened(path)
    theirs = ngspice_reading(theirs_copy)
    run = op(kirchhoff, ["--csv", copy])
    os.remove(copy), os.remove(theirs_copy)
    if run is None or run.returncode != 0:
        return None
    mine = csv_voltages(run)
    if theirs is None:  # ngspice's own start fails: started at kirchhoff's answer, does it stay?
        back = ngspice_reading_from(path, mine)
        if back is not None and set(back) == set(mine) and not differing(mine, back):
            return None
        return "unchecked", "ngspice -b gives no answer on the file itself"
    if set(mine) != set(theirs):
        return "misread", f"nodes differ: kirchhoff only {sorted(set(mine) - set(theirs))[:5]}, " \
            f"ngspice only {sorted(set(theirs) - set(mine))[:5]}"
    bad = differing(mine, theirs)
    if not bad:
        return None
    what = f"{len(bad)} nodes differ, e.g. {next(iter(bad.items()))} (kirchhoff, ngspice)"
    why = ngspice_inconsistent(path, theirs)
    if why:
        return "inconsistent", f"{what}; {why}"
    copy = tightened(path, [".nodeset " + " ".join(f"v({k})={v!r}" for k, v in theirs.items())])
    run = op(kirchhoff, ["--csv", "--backend", "ngspice", copy])
    os.remove(copy)
    held = run is not None and run.returncode == 0 and not differing(csv_voltages(run), theirs)
    # and the other way: ngspice reading the file, started at kirchhoff's answer, stays there
    back = ngspice_reading_from(path, mine)
    held = held and back is not None and not differing(mine, back)
    if held:
        return "several", what
    # ngspice's Newton may walk off an exact answer it is started at (its limiting, seed 3104),
    # so, as classify does, ask its own equations: held at kirchhoff's answer, does any node
    # draw current?
    drawn = held_at(kirchhoff, path)
    if drawn is not None and drawn <= 1:
        return "several", (f"{what} (ngspice holding every node at kirchhoff's answer draws "
                           f"{drawn:.2g} of the rounding allowed)")
    return "misread", what


def classify(kirchhoff, path):
    """'matching', 'refused', 'none' (no operating point in either), 'wrong' or 'failed', and
    kirchhoff's message. Nodes match within 1e-6 max(1, |V|) V, as bench/public_decks.py
    compares decks with diodes: both programs stop Newton at a relative tolerance, and a
    16 kV node (seen) differs by microvolts between two right answers."""
    run = op(kirchhoff, ["--compare", path])
    if run is not None and run.returncode == 0:
        return reading(kirchhoff, path) or ("matching", "")
    message = ((run.stdout + run.stderr).strip().splitlines() or [""])[-1] if run else \
        f"op --compare ran past {TIMEOUT} s"
    mine, theirs = voltages(kirchhoff, path, "native"), voltages(kirchhoff, path, "ngspice")
    if mine is None:
        if run is not None and run.returncode == 2:
            return "refused", message
        return ("none" if theirs is None else "failed"), message
    if theirs is None:  # ngspice fails on the deck as kirchhoff writes it: on the file itself?
        verdict = reading(kirchhoff, path)
        if verdict is None:
            return "matching", "ngspice -b on the file itself agrees"
        if verdict[0] == "unchecked":  # kirchhoff's answer stands on its KCL certificate alone
            return "alone", message
        return verdict
    if set(mine) != set(theirs):
        return "failed", message
    worst = max(abs(mine[k] - theirs[k]) / max(1.0, abs(theirs[k])) for k in mine)
    if worst <= 1e-6:  # the backends agree; op --compare's own reading check may have failed
        return reading(kirchhoff, path) or ("matching", "")
    copy = tightened(path, for_ngspice=True)
    why = ngspice_inconsistent(path, ngspice_reading(copy))
    os.remove(copy)
    if why:
        return "inconsistent", f"{message}; {why}"
    # ngspice on the deck as kirchhoff read it, started at kirchhoff's answer, stays there: an
    # operating point by ngspice's account too, another one than it found from its own start
    copy = tightened(path, [".nodeset " + " ".join(f"v({k})={v!r}" for k, v in mine.items())])
    run = op(kirchhoff, ["--csv", "--backend", "ngspice", copy])
    os.remove(copy)
    if run is not None and run.returncode == 0 and not differing(csv_voltages(run), mine):
        return "several", f"{message} (ngspice started at kirchhoff's answer stays there)"
    drawn = held_at(kirchhoff, path)
    if drawn is not None and drawn <= 1:
        return "several", (f"{message} (ngspice holding every node at kirchhoff's answer draws "
                           f"{drawn:.2g} of the rounding allowed: an operating point by its own "
                           "equations)")
    return "wrong", f"{message} ({worst:.3g} relative)"


def taken(args, flag, default):
    """The value after `flag` in args (both removed from it), else default."""
    if flag not in args:
        return default
    i = args.index(flag)
    value = args[i + 1]
    del args[i:i + 2]
    return value


BUILT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "release", "cli",
                     "kirchhoff")


def main(argv):
    args = argv[1:]
    syntax, supply = "--syntax" in args, "--supply" in args
    for flag in ("--syntax", "--supply"):
        if flag in args:
            args.remove(flag)
    kirchhoff, keep = taken(args, "--kirchhoff", BUILT), taken(args, "--keep", None)
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    counts = {"matching": 0, "refused": 0, "none": 0, "wrong": 0, "failed": 0, "alone": 0, "several": 0,
              "misread": 0, "unchecked": 0, "inconsistent": 0}
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or scratch
        os.makedirs(folder, exist_ok=True)
        for seed in range(int(args[0]), int(args[1]) + 1):
            path = os.path.join(folder, f"random{seed}.cir")
            with open(path, "w") as f:
                text = syntax_deck(seed, folder) if syntax else deck(seed)
                f.write(scaled_supplies(text, seed) if supply else text)
            kind, message = classify(kirchhoff, path)
            counts[kind] += 1
            if kind != "matching":
                print(f"seed {seed}: {kind}: {message}")
    print(" ".join(f"{k} {v}" for k, v in counts.items()))
    return 1 if counts["wrong"] or counts["failed"] or counts["misread"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
