#!/usr/bin/python3
"""Plots a kirchhoff training trace (HDF5, docs/traces.md) into PNG files.

usage: plot_trace.py TRACE.h5 [OUTDIR]

Writes OUTDIR/learning_curves.png (loss and error per epoch, train and test),
OUTDIR/conductances.png (histograms of the trained conductances per layer) and
OUTDIR/gradient_agreement.png (the EP estimator against the exact gradient per layer; a trace
without that check, such as a layered run's, gets a figure saying so instead of empty axes).
Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy python3-matplotlib).
The trace may belong to a run that is still going: kirchhoff closes the file between epochs.
"""
import os
import re
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np


def layer_of(name):
    """Layer of a parameter named as `kirchhoff net` names them (r<l>_<j>_<k>); else 1."""
    m = re.match(r"[ri](\d+)_", name)
    return int(m.group(1)) if m else 1


def read(path):
    with h5py.File(path, "r") as f:
        metrics = {k: f["metrics"][k][()] for k in f["metrics"]}
        g = f["params/g"][()]
        names = [n.decode() if isinstance(n, bytes) else n for n in f["params/g_names"][()]]
        cosine = f["grad/cosine"][()]
        relerr = f["grad/relative_error"][()]
        config = dict(f["config"].attrs)
    return metrics, g, names, cosine, relerr, config


def learning_curves(metrics, config, out):
    epochs = np.arange(1, len(metrics["train_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(epochs, metrics["train_loss"], "o-", label="train")
    a.plot(epochs, metrics["test_loss"], "s-", label="test")
    a.set_xlabel("epoch")
    a.set_ylabel("loss  ½‖v_out − y‖²")
    a.set_yscale("log")
    a.legend()
    b.plot(epochs, 100 * metrics["train_error"], "o-", label="train")
    b.plot(epochs, 100 * metrics["test_error"], "s-", label="test")
    b.set_xlabel("epoch")
    b.set_ylabel("error (%)")
    b.legend()
    fig.suptitle("%s EP, β = %g" % (config.get("estimator", "?"), config.get("beta", float("nan"))))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "learning_curves.png"), dpi=100)
    plt.close(fig)


def conductances(g, names, out):
    layers = np.array([layer_of(n) for n in names])
    fig, axes = plt.subplots(1, layers.max(), figsize=(5 * layers.max(), 4), squeeze=False)
    for l, ax in enumerate(axes[0], start=1):
        sel = layers == l
        for row, label in ((0, "initial"), (-1, "trained")):
            values = np.log10(g[row, sel])
            ax.hist(values, bins=40, alpha=0.6, label=label)
        ax.set_xlabel("log10 conductance (S)")
        ax.set_title("layer %d (%d conductances)" % (l, sel.sum()))
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "conductances.png"), dpi=100)
    plt.close(fig)


def gradient_agreement(cosine, relerr, config, out):
    if cosine.shape[0] == 0:  # --trace-grad 0, the layered backend's default: nothing to draw
        fig, ax = plt.subplots(figsize=(10, 4))
        ax.axis("off")
        ax.text(0.5, 0.5, "This trace holds no gradient check (the run had --trace-grad 0,\n"
                "the layered backend's default): rerun with --trace-grad N to record one.",
                ha="center", va="center", fontsize=12)
        fig.savefig(os.path.join(out, "gradient_agreement.png"), dpi=100)
        plt.close(fig)
        return False
    epochs = np.arange(1, cosine.shape[0] + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for l in range(cosine.shape[1]):
        a.plot(epochs, cosine[:, l], "o-", label="layer %d" % (l + 1))
        b.plot(epochs, relerr[:, l], "o-", label="layer %d" % (l + 1))
    a.set_xlabel("epoch")
    a.set_ylabel("cosine(estimate, exact)")
    b.set_xlabel("epoch")
    b.set_ylabel("|estimate − exact| / |exact|")
    b.set_yscale("log")
    a.legend()
    b.legend()
    fig.suptitle("%s EP against the exact gradient" % config.get("estimator", "?"))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "gradient_agreement.png"), dpi=100)
    plt.close(fig)
    return True


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 1
    out = argv[2] if len(argv) > 2 else "."
    os.makedirs(out, exist_ok=True)
    metrics, g, names, cosine, relerr, config = read(argv[1])
    if len(metrics["train_loss"]) == 0:
        print("plot_trace.py: %s holds no complete epoch yet" % argv[1], file=sys.stderr)
        return 1
    learning_curves(metrics, config, out)
    conductances(g, names, out)
    if not gradient_agreement(cosine, relerr, config, out):
        print("plot_trace.py: %s holds no gradient check (--trace-grad 0); "
              "gradient_agreement.png says so" % argv[1])
    print("final test error %.2f %% after %d epochs; plots in %s"
          % (100 * metrics["test_error"][-1], len(metrics["test_error"]), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
