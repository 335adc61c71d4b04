#!/usr/bin/python3
"""Read-noise study (docs/training.md): test accuracy per epoch of centered EP at a small nudge,
holomorphic EP and the oscillating estimator, without read noise and with it, in one plot.

usage: noise_study.py DATA.csv OUTDIR [--arch 64-64-10] [--epochs 20] [--sigma 0.04]
                      [--only NAME,...]

Every run is a kirchhoff.Trainer (the package: installed, or the checkout's build) with
scaling="none", input_gain=0.25, read_noise_reference="largest", seed 1 (bounded inputs, and
noise relative to the largest input voltage, 4 V, as docs/training.md measured it: read_noise
sigma adds sigma * 4 V to every measured node voltage), the same run as `kirchhoff train
--scale none --gain 0.25 --read-noise-reference largest --seed 1`; the curves are the runs'
per-epoch test errors. Writes OUTDIR/noise_study.csv (name, sigma, epoch, accuracy) and
OUTDIR/noise_study.png. The full study on digits takes about half an hour on two cores (the
oscillating runs dominate).
"""
import csv
import os
import sys

import matplotlib

from find_kirchhoff import kirchhoff

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# name -> the Trainer's estimator options; beta relative to each sample's G_out (the radius)
ESTIMATORS = {
    "centered": dict(estimator="centered", beta=0.01, beta_relative=1),
    # its defaults: the circle at G_out / 4 without read noise, the slit contour at rho = 0.5
    # with it (docs/algorithms.md: noise divided by 2 G_out instead of G_out / 4)
    "holomorphic": dict(estimator="holo", holomorphic_points=10),
    # the circle at G_out / 4 with read noise too
    "holomorphic-circle": dict(estimator="holo", holomorphic_points=10,
                               holomorphic_contour="circle"),
    "oscillating": dict(estimator="osc", beta=0.25, beta_relative=1, osc_harmonics=1,
                        osc_periods=4, osc_steps=32, osc_settle=0),
}


def run(data, arch, epochs, name, sigma):
    """Test accuracy (%) after each epoch; [] when the run fails (its message printed)."""
    try:
        t = kirchhoff.Trainer(data=data, arch=arch, scaling="none", input_gain=0.25,
                              read_noise_reference="largest", seed=1, epochs=epochs,
                              read_noise=sigma, progress=False, **ESTIMATORS[name])
        return [100 * (1 - r["test_error"]) for r in t.run()]
    except kirchhoff.Error as e:
        print("  %s sigma %g failed: %s" % (name, sigma, e), flush=True)
        return []


def study(data, arch, epochs, sigma, names):
    rows = []
    for name in names:
        for s in (0.0, sigma):
            curve = run(data, arch, epochs, name, s)
            rows += [(name, s, e + 1, a) for e, a in enumerate(curve)]
            if curve:
                print("%-12s sigma %-6g final test accuracy %.2f %%" % (name, s, curve[-1]),
                      flush=True)
    return rows


def plot(rows, out):
    if not rows:  # every run failed: no empty axes
        raise RuntimeError("noise_study: every run failed (messages above); nothing to plot")
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, color in zip(ESTIMATORS, ("tab:red", "tab:blue", "tab:purple", "tab:green")):
        for s, style in sorted({(r[1], "-" if r[1] == 0 else "--") for r in rows if r[0] == name}):
            pts = [(r[2], r[3]) for r in rows if r[0] == name and r[1] == s]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=color,
                    label="%s, σ = %g" % (name, s))
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=4, fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "noise_study.png"), dpi=100)
    plt.close(fig)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 1
    data, out = argv[1], argv[2]
    opts = {"--arch": "64-64-10", "--epochs": "20", "--sigma": "0.04",
            "--only": ",".join(ESTIMATORS)}
    rest = argv[3:]
    for i in range(0, len(rest) - 1, 2):
        if rest[i] not in opts:
            print("noise_study.py: unknown option %s" % rest[i], file=sys.stderr)
            return 1
        opts[rest[i]] = rest[i + 1]
    names = [n for n in opts["--only"].split(",") if n]
    if any(n not in ESTIMATORS for n in names):
        print("noise_study.py: --only takes %s" % ",".join(ESTIMATORS), file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    rows = study(data, opts["--arch"], int(opts["--epochs"]), float(opts["--sigma"]), names)
    with open(os.path.join(out, "noise_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["estimator", "sigma", "epoch", "accuracy"])
        w.writerows(rows)
    plot(rows, out)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
