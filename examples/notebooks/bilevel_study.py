#!/usr/bin/python3
"""Bilevel gradients on a circuit (issue 25; docs/results.md): how close implicit
differentiation with an approximate adjoint gets to the exact gradient for a budget of k
Hessian-vector products, in the two comparisons `kirchhoff grad --csv` can run today:

  a. Grazzi et al. 2020, Figure 1: the gradient's relative error against k for recurrent
     backpropagation (rbp, the fixed-point iteration), conjugate gradients (cg) and the phantom
     gradient at damping 1, k = 1 .. 50 (ITD, which differentiates through the phases' own
     sweeps, is not implemented yet);
  c. Geng et al. 2021, Figure 1: the phantom gradient against the exact one for damping 0.1,
     0.25, 0.5, 0.75 and 1, against k (plotted: its relative error; printed: that and its
     cosine, which a direction right but too short already brings near 1).

usage: bilevel_study.py KIRCHHOFF DATA.csv OUTDIR [--arch 64-64-10] [--samples 64]

Every point: `kirchhoff grad --arch ARCH --data DATA --samples N --csv` on the untrained network
(seed 1), the error and cosine of the whole parameter vector's layers averaged (each layer's row,
weighted equally). Writes OUTDIR/bilevel_study.csv (study, estimator, damping, k, layer, cosine,
relative_error, products) and OUTDIR/bilevel_study.png. Seconds on digits.
"""
import csv
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

KS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50]
DAMPINGS = [0.1, 0.25, 0.5, 0.75, 1.0]


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
    for d in DAMPINGS:
        for r in grad(kirchhoff, data, arch, samples, "phantom", ["--damping", str(d)]):
            rows.append(("c", "phantom", str(d), r))
    return rows


def mean_by_k(rows, study_name, estimator, damping, field):
    sums = {}
    for s, e, d, r in rows:
        if s == study_name and e == estimator and (damping is None or float(d) == damping):
            k = int(r["k"])
            sums.setdefault(k, []).append(float(r[field]))
    ks = sorted(sums)
    return ks, [sum(sums[k]) / len(sums[k]) for k in ks]


def plot(rows, out):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in ("rbp", "cg", "phantom"):
        ks, err = mean_by_k(rows, "a", name, None, "relative_error")
        left.semilogy(ks, [max(e, 1e-17) for e in err], marker="o", label=name)
    left.set_xlabel("k (Hessian-vector products)")
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
    arch, samples = "64-64-10", 64
    rest = argv[4:]
    for i in range(0, len(rest) - 1, 2):
        if rest[i] == "--arch":
            arch = rest[i + 1]
        elif rest[i] == "--samples":
            samples = int(rest[i + 1])
    os.makedirs(out, exist_ok=True)
    rows = study(kirchhoff, data, arch, samples)
    with open(os.path.join(out, "bilevel_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["study", "estimator", "damping", "k", "layer", "cosine", "relative_error",
                    "products"])
        for s, e, d, r in rows:
            w.writerow([s, e, d, r["k"], r["layer"], r["cosine"], r["relative_error"],
                        r["products"]])
    plot(rows, out)
    for name in ("rbp", "cg", "phantom"):
        ks, err = mean_by_k(rows, "a", name, None, "relative_error")
        print("%-8s relative error at k = %s: %s" % (name, ",".join(map(str, ks)),
                                                    " ".join("%.2e" % e for e in err)))
    for d in DAMPINGS:
        ks, cos = mean_by_k(rows, "c", "phantom", d, "cosine")
        ks, err = mean_by_k(rows, "c", "phantom", d, "relative_error")
        print("phantom damping %-5g at k = 1, 5, 10, 50: cosine %s, relative error %s" % (
            d, " ".join("%.4f" % cos[ks.index(k)] for k in (1, 5, 10, 50)),
            " ".join("%.2e" % err[ks.index(k)] for k in (1, 5, 10, 50))))


if __name__ == "__main__":
    main(sys.argv)
