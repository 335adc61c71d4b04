#!/usr/bin/python3
"""Bilevel gradients on a circuit (issue 25; docs/results.md): how close implicit
differentiation, iterative differentiation and EP on inexact phases get to the exact gradient,
in three of the comparisons the issue names:

  a. Grazzi et al. 2020, Figure 1: the gradient's relative error against t for ITD (reverse mode
     through the free phase's own t relaxation sweeps from 0 V), recurrent backpropagation (rbp,
     the fixed-point iteration) and conjugate gradients (cg) with k = t Hessian-vector products,
     and the phantom gradient at damping 1, t = 1 .. 50, all on the exact free phase; and cg with
     k = 10 at the state the free phase's t sweeps reach (their "k = 10" curve);
  b. Zucchet & Sacramento 2022, Figure 2 and Corollary 1: EP's error against beta when every
     phase stops at an error bound delta (kirchhoff grad --inner-tol), for the one-sided (plus)
     and the centered estimator. The error behaves like beta^p + delta/beta, so the best beta
     grows like delta^(1/2) (plus) and delta^(1/3) (centered): the exponents are fitted;
  c. Geng et al. 2021, Figure 1 and Theorem 1: the phantom gradient against the exact one for
     damping 0.1, 0.25, 0.5, 0.75 and 1, against k (plotted: its relative error; printed: that
     and its cosine, which a direction right but too short already brings near 1), and their
     descent condition checked on each of 8 minibatches (kirchhoff grad --first).

usage: bilevel_study.py KIRCHHOFF DATA.csv OUTDIR [--arch 64-64-10] [--samples 64]
                        [--drn-xs MNIST_DIR]

With --drn-xs, comparison a runs on untrained DRN-XS too (784-100-10, pixels / 255, gain 4,
64 samples), on the layered backend where Phi is one odd/even block sweep: itd through t block
sweeps, and cg, rbp and phantom with k = t at the state t block sweeps reach, and cg with k = 10
(OUTDIR/bilevel_drn.csv and .png).

Every point: `kirchhoff grad --arch ARCH --data DATA --samples N --csv` on the untrained network
(seed 1), the error and cosine of the whole parameter vector's layers averaged (each layer's row,
weighted equally); b uses half the samples. Writes OUTDIR/bilevel_study.csv (study, estimator,
damping, k, inner, beta, inner_tol, layer, cosine, relative_error, products, sweeps) and
OUTDIR/bilevel_study.png. About a minute on digits.
"""
import csv
import math
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

KS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50]
DAMPINGS = [0.1, 0.25, 0.5, 0.75, 1.0]
BETAS = [10 ** (-5 + 0.125 * i) for i in range(41)]  # 1e-5 .. 1
DELTAS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9]
EXPECTED = {"plus": 1 / 2, "centered": 1 / 3}


def grad(kirchhoff, data, arch, samples, estimators, extra):
    cmd = [kirchhoff, "grad", "--arch", arch, "--data", data, "--samples", str(samples),
           "--estimators", estimators, "--k", ",".join(map(str, KS)), "--csv"] + extra
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("bilevel_study: %s failed: %s" % (" ".join(cmd), done.stderr.strip()))
    return list(csv.DictReader(done.stdout.splitlines()))


def study(kirchhoff, data, arch, samples):
    rows = []
    for r in grad(kirchhoff, data, arch, samples, "rbp,cg,phantom", []):
        rows.append(("a", r["estimator"], r["damping"] or "", r))
    inner = ["--inner", ",".join(map(str, KS))]
    for r in grad(kirchhoff, data, arch, samples, "itd", inner):
        if r["inner"]:  # the exact-phase rows are the phantom's (warm itd)
            rows.append(("a", "itd", "", dict(r, k=r["inner"])))
    for r in grad(kirchhoff, data, arch, samples, "cg", inner + ["--k", "10"]):
        if r["inner"]:  # cg with k = 10 at the state t sweeps reach
            rows.append(("a", "cg-k10", "", dict(r, k=r["inner"])))
    b = ["--beta", ",".join("%.6g" % x for x in BETAS), "--inner", "0",
         "--inner-tol", ",".join("%g" % d for d in DELTAS)]
    for r in grad(kirchhoff, data, arch, max(samples // 2, 1), "plus,centered", b):
        if r["inner_tol"]:
            rows.append(("b", r["estimator"], "", r))
    for d in DAMPINGS:
        for r in grad(kirchhoff, data, arch, samples, "phantom", ["--damping", str(d)]):
            rows.append(("c", "phantom", str(d), r))
    return rows


def descent_by_batch(kirchhoff, data, arch, batches, batch):
    """Geng et al.'s descent condition, per minibatch: the phantom gradient's inner product with
    the exact one is positive. kirchhoff grad gives cosines per layer; every layer's >= 0 and
    one > 0 is sufficient. Returns {(damping, k): batches where it held}."""
    held = {}
    for d in DAMPINGS:
        for b in range(batches):
            per = {}
            for r in grad(kirchhoff, data, arch, batch, "phantom",
                          ["--damping", str(d), "--first", str(b * batch)]):
                per.setdefault(int(r["k"]), []).append(float(r["cosine"]))
            for k, cos in per.items():
                ok = all(c >= 0 for c in cos) and any(c > 0 for c in cos)
                held[(d, k)] = held.get((d, k), 0) + ok
    return held


def mean_by_k(rows, study_name, estimator, damping, field):
    sums = {}
    for s, e, d, r in rows:
        if s == study_name and e == estimator and (damping is None or float(d) == damping):
            k = int(r["k"])
            sums.setdefault(k, []).append(float(r[field]))
    ks = sorted(sums)
    return ks, [sum(sums[k]) / len(sums[k]) for k in ks]


TS = [1, 2, 3, 5, 10]


def drn_xs(kirchhoff, mnist, out):
    """Comparison a on DRN-XS (layered backend): first layer's error per estimator and t."""
    base = [kirchhoff, "grad", "--arch", "784-100-10", "--data", mnist, "--scale", "pixels",
            "--gain", "4", "--samples", "64", "--backend", "layered", "--csv",
            "--inner", ",".join(map(str, TS))]
    curves = {}
    for label, extra in (("itd", ["--estimators", "itd"]),
                         ("cg", ["--estimators", "cg", "--k", ",".join(map(str, TS))]),
                         ("cg-k10", ["--estimators", "cg", "--k", "10"]),
                         ("rbp", ["--estimators", "rbp", "--k", ",".join(map(str, TS))]),
                         ("phantom", ["--estimators", "phantom", "--k", ",".join(map(str, TS))])):
        done = subprocess.run(base + extra, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit("bilevel_study: DRN-XS grad failed: %s" % done.stderr.strip())
        for r in csv.DictReader(done.stdout.splitlines()):
            t = int(r["inner"])
            if r["layer"] == "1" and (label in ("itd", "cg-k10") or int(r["k"]) == t):
                curves.setdefault(label, {})[t] = float(r["relative_error"])
    with open(os.path.join(out, "bilevel_drn.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["estimator", "t", "relative_error_layer1"])
        for label, by_t in curves.items():
            for t in sorted(by_t):
                w.writerow([label, t, by_t[t]])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for label, by_t in curves.items():
        ts = sorted(by_t)
        ax.semilogy(ts, [max(by_t[t], 1e-17) for t in ts], marker="o", label=label)
    ax.set_xlabel("t (block sweeps; k = t products, cg-k10: k = 10)")
    ax.set_ylabel("relative error, first layer")
    ax.set_title("a. DRN-XS on the layered backend")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "bilevel_drn.png"), dpi=120)
    for label, by_t in curves.items():
        print("DRN-XS %-8s first layer's error at t = %s: %s" % (
            label, ",".join(map(str, sorted(by_t))),
            " ".join("%.2e" % by_t[t] for t in sorted(by_t))))


def error_by_beta(rows, estimator, delta):
    """Mean over layers of the relative error, per beta, at one error bound."""
    sums = {}
    for s, e, d, r in rows:
        if s == "b" and e == estimator and float(r["inner_tol"]) == delta:
            sums.setdefault(float(r["beta"]), []).append(float(r["relative_error"]))
    betas = sorted(sums)
    return betas, [sum(sums[b]) / len(sums[b]) for b in betas]


def best_beta(betas, err):
    """The minimizing beta, refined by a parabola through log error at the three grid points
    around the smallest (in log beta)."""
    i = min(range(len(err)), key=lambda j: err[j])
    if i == 0 or i == len(err) - 1:
        return betas[i]
    x = [math.log(betas[j]) for j in (i - 1, i, i + 1)]
    y = [math.log(err[j]) for j in (i - 1, i, i + 1)]
    h = x[1] - x[0]
    curvature = y[0] - 2 * y[1] + y[2]
    return math.exp(x[1] + (h * (y[0] - y[2]) / (2 * curvature) if curvature > 0 else 0))


def fitted_exponent(rows, estimator):
    """Least-squares slope of log best-beta against log delta, and the best betas."""
    best = [best_beta(*error_by_beta(rows, estimator, d)) for d in DELTAS]
    x, y = [math.log(d) for d in DELTAS], [math.log(b) for b in best]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
    return slope, best


def plot(rows, out):
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(16, 4.2))
    for d in DELTAS:
        betas, err = error_by_beta(rows, "centered", d)
        middle.loglog(betas, err, label="delta %g V" % d)
    middle.set_xlabel("beta (S)")
    middle.set_ylabel("relative error of centered EP")
    middle.set_title("b. inexact phases (Zucchet & Sacramento Fig. 2)")
    middle.legend(fontsize=7)
    for name in ("itd", "rbp", "cg", "cg-k10", "phantom"):
        ks, err = mean_by_k(rows, "a", name, None, "relative_error")
        left.semilogy(ks, [max(e, 1e-17) for e in err], marker="o", label=name)
    left.set_xlabel("t (sweeps of itd; Hessian-vector products k = t of the others)")
    left.set_ylabel("relative error of the gradient")
    left.set_title("a. approximate adjoints (Grazzi et al. Fig. 1)")
    left.legend()
    for d in DAMPINGS:
        ks, err = mean_by_k(rows, "c", "phantom", d, "relative_error")
        right.semilogy(ks, [max(e, 1e-17) for e in err], marker="o", label="damping %g" % d)
    right.set_xlabel("k (relaxation steps)")
    right.set_ylabel("relative error of the gradient")
    right.set_title("c. phantom gradients (Geng et al. Fig. 1)")
    right.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "bilevel_study.png"), dpi=120)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    kirchhoff, data, out = argv[1], argv[2], argv[3]
    arch, samples, mnist = "64-64-10", 64, None
    rest = argv[4:]
    for i in range(0, len(rest) - 1, 2):
        if rest[i] == "--arch":
            arch = rest[i + 1]
        elif rest[i] == "--samples":
            samples = int(rest[i + 1])
        elif rest[i] == "--drn-xs":
            mnist = rest[i + 1]
    os.makedirs(out, exist_ok=True)
    rows = study(kirchhoff, data, arch, samples)
    with open(os.path.join(out, "bilevel_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["study", "estimator", "damping", "k", "inner", "beta", "inner_tol", "layer",
                    "cosine", "relative_error", "products", "sweeps"])
        for s, e, d, r in rows:
            w.writerow([s, e, d, r["k"], r["inner"], r["beta"], r["inner_tol"], r["layer"],
                        r["cosine"], r["relative_error"], r["products"], r["sweeps"]])
    plot(rows, out)
    for name in ("itd", "rbp", "cg", "cg-k10", "phantom"):
        ks, err = mean_by_k(rows, "a", name, None, "relative_error")
        print("%-8s relative error at k = %s: %s" % (name, ",".join(map(str, ks)),
                                                    " ".join("%.2e" % e for e in err)))
    for d in DAMPINGS:
        ks, cos = mean_by_k(rows, "c", "phantom", d, "cosine")
        ks, err = mean_by_k(rows, "c", "phantom", d, "relative_error")
        print("phantom damping %-5g at k = 1, 5, 10, 50: cosine %s, relative error %s" % (
            d, " ".join("%.4f" % cos[ks.index(k)] for k in (1, 5, 10, 50)),
            " ".join("%.2e" % err[ks.index(k)] for k in (1, 5, 10, 50))))
    batches, batch = 8, max(samples // 8, 1)
    held = descent_by_batch(kirchhoff, data, arch, batches, batch)
    for d in DAMPINGS:
        print("phantom damping %-5g descent condition held in %s of %d batches of %d at k = 1, 5, "
              "10, 50" % (d, ", ".join(str(held[(d, k)]) for k in (1, 5, 10, 50)), batches,
                          batch))
    if mnist:
        drn_xs(kirchhoff, mnist, out)
    for name, want in EXPECTED.items():
        slope, best = fitted_exponent(rows, name)
        print("%-8s best beta at delta = %s V: %s; fitted exponent %.3f (theory %.3f, %s)" % (
            name, ",".join("%g" % d for d in DELTAS), " ".join("%.2e" % b for b in best),
            slope, want, "within 0.15" if abs(slope - want) <= 0.15 else "NOT within 0.15"))


if __name__ == "__main__":
    main(sys.argv)
