#!/usr/bin/python3
"""Training with each gradient estimator at its wall time (issue 25, comparison d;
docs/results.md): does an approximate gradient (phantom, cg, rbp, itd) train as well as the
exact one for less time, as Geng et al. 2021 found for deep equilibrium models (1.4-1.7x faster
backward passes at equal accuracy)?

usage: budget_study.py KIRCHHOFF DATA OUTDIR [--arch 64-64-10] [--epochs 10] [--k 10]
                       [--preset drn-xs --limit N]

Each estimator trains the same network from the same seed with `kirchhoff train` (native
backend, defaults otherwise; k Hessian-vector products or sweeps where it takes them), and
`kirchhoff grad` times one gradient per sample against a free phase alone. With --preset (the
layered backend, e.g. DRN-XS on MNIST; --limit N trains on the first N samples) the gradients
are not timed apart. Writes
OUTDIR/budget_study.csv (estimator, epoch, seconds, cumulative seconds, train error, test
error) and OUTDIR/budget_study.png (test error against cumulative training seconds); prints,
per estimator, the seconds per epoch, the cost of a gradient relative to a free phase, the
final test error, and the test error it had reached when the exact run finished.
"""
import csv
import os
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ESTIMATORS = ["exact", "centered", "cg", "rbp", "phantom", "itd"]
EPOCH = re.compile(r"epoch +(\d+)/\d+ +train loss \S+ error +([\d.]+) % +test loss \S+ "
                   r"error +([\d.]+) % +\(([\d.]+) s")
COST = re.compile(r"^  (\S+) +([\d.]+)x$")


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("budget_study: %s failed: %s" % (" ".join(cmd), done.stderr.strip()))
    return done.stdout


def train(kirchhoff, data, network, epochs, k, estimator):
    out = run([kirchhoff, "train", "--data", data] + network +
              ["--epochs", str(epochs), "--estimator", estimator, "--k", str(k)])
    rows, total = [], 0.0
    for m in EPOCH.finditer(out):
        total += float(m.group(4))
        rows.append((int(m.group(1)), float(m.group(4)), total, float(m.group(2)),
                     float(m.group(3))))
    if len(rows) != epochs:
        sys.exit("budget_study: could not read %s's epochs from:\n%s" % (estimator, out))
    return rows


def costs(kirchhoff, data, arch, k):
    out = run([kirchhoff, "grad", "--data", data, "--arch", arch, "--samples", "512",
               "--estimators", ",".join(e for e in ESTIMATORS if e != "exact"), "--beta", "0.1",
               "--k", str(k)])
    found = {}
    for line in out.splitlines():
        m = COST.match(line)
        if m:
            found[m.group(1)] = float(m.group(2))
    return found


def error_at(rows, seconds):
    """The test error after the last epoch finished within `seconds` (None: none did)."""
    done = [r for r in rows if r[2] <= seconds * (1 + 1e-9)]
    return done[-1][4] if done else None


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    kirchhoff, data, out = argv[1], argv[2], argv[3]
    arch, epochs, k, preset, limit = "64-64-10", 10, 10, None, None
    rest = argv[4:]
    for i in range(0, len(rest) - 1, 2):
        if rest[i] == "--arch":
            arch = rest[i + 1]
        elif rest[i] == "--epochs":
            epochs = int(rest[i + 1])
        elif rest[i] == "--k":
            k = int(rest[i + 1])
        elif rest[i] == "--preset":
            preset = rest[i + 1]
        elif rest[i] == "--limit":
            limit = rest[i + 1]
    os.makedirs(out, exist_ok=True)
    network = ["--preset", preset] if preset else ["--arch", arch]
    network += ["--limit", limit] if limit else []
    estimators = ESTIMATORS
    runs = {e: train(kirchhoff, data, network, epochs, k, e) for e in estimators}
    relative = {} if preset else costs(kirchhoff, data, arch, k)
    arch = preset or arch
    with open(os.path.join(out, "budget_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["estimator", "epoch", "seconds", "cumulative_seconds", "train_error",
                    "test_error"])
        for e in estimators:
            for row in runs[e]:
                w.writerow([e] + list(row))
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for e in estimators:
        ax.plot([r[2] for r in runs[e]], [r[4] for r in runs[e]], marker="o", label=e)
    ax.set_xlabel("training seconds (cumulative, test passes excluded)")
    ax.set_ylabel("test error (%)")
    ax.set_title("d. training at matched wall time (%s, k = %d)" % (arch, k))
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "budget_study.png"), dpi=120)
    exact_time = runs["exact"][-1][2]
    for e in estimators:
        rows = runs[e]
        at = error_at(rows, exact_time)
        cost = (", gradient %.2fx the free phase's cost" % relative[e]) if e in relative else ""
        print("%-9s %.3f s per epoch%s, final test error %.2f %%, at the exact run's %.2f s: %s" % (
            e, rows[-1][2] / len(rows), cost, rows[-1][4], exact_time,
            "%.2f %%" % at if at is not None else "no epoch finished"))


if __name__ == "__main__":
    main(sys.argv)
