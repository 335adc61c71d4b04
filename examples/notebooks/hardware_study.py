#!/usr/bin/python3
"""Device study: test accuracy against quantization bits, programming noise and stuck devices,
with and without hardware-aware training (docs/hardware.md).

usage: hardware_study.py DATA.csv OUTDIR [--arch 64-64-10] [--epochs 20]
                         [--bits 1,2,...,8] [--noise 0,0.05,...] [--stuck 0,0.01,...]

Trains a kirchhoff.Trainer (the package: installed, or the checkout's build) once per point:
seed 1, gmax 0.5, the device model's options (quantize_bits, prog_noise, stuck_rate, hw_aware),
as `kirchhoff train --seed 1 --gmax 0.5 --quantize-bits B ...` does. Writes
OUTDIR/hardware_study.csv (kind, value, aware, accuracy) and OUTDIR/hardware_study.png (three
panels). A full run on digits takes about ten minutes on two cores.
"""
import csv
import os
import sys

import matplotlib

from find_kirchhoff import kirchhoff

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def accuracy(data, arch, epochs, device):
    """Test accuracy (%) after the run; NaN when it fails (its message printed)."""
    try:
        t = kirchhoff.Trainer(data=data, arch=arch, seed=1, gmax=0.5, epochs=epochs,
                              progress=False, **device)
        return 100 * (1 - t.run()[-1]["test_error"])
    except kirchhoff.Error as e:  # e.g. a -beta nudge past an output's conductance: say so, go on
        print("  failed: %s" % e, flush=True)
        return float("nan")


def study(data, arch, epochs, bits, noise, stuck):
    rows = []
    for kind, values, option in (("bits", bits, "quantize_bits"), ("noise", noise, "prog_noise"),
                                 ("stuck", stuck, "stuck_rate")):
        for v in values:
            for aware in (0, 1):
                device = dict({option: v} if v else {}, hw_aware=aware)
                acc = accuracy(data, arch, epochs, device)
                rows.append((kind, v, aware, acc))
                print("%-5s %-6g %-5s %.2f %%" % (kind, v, "aware" if aware else "-", acc), flush=True)
    return rows


def plot(rows, out):
    if not any(a == a for _, _, _, a in rows):  # every run failed: no empty axes
        raise RuntimeError("hardware_study: every run failed (messages above); nothing to plot")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    labels = {"bits": "quantization bits", "noise": "programming noise σ", "stuck": "stuck-device rate"}
    for ax, kind in zip(axes, ("bits", "noise", "stuck")):
        for aware, style in ((0, "o--"), (1, "s-")):
            pts = sorted((v, a) for k, v, w, a in rows if k == kind and w == aware)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style,
                        label="hardware-aware" if aware else "read-out only")
        ax.set_xlabel(labels[kind])
        ax.set_ylabel("test accuracy (%)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "hardware_study.png"), dpi=100)
    plt.close(fig)


def numbers(text):
    return [float(x) for x in text.split(",") if x]


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 1
    data, out = argv[1], argv[2]
    opts = {"--arch": "64-64-10", "--epochs": "20", "--bits": "1,2,3,4,5,6,7,8",
            "--noise": "0,0.05,0.1,0.2,0.4", "--stuck": "0,0.01,0.02,0.05,0.1"}
    rest = argv[3:]
    for i in range(0, len(rest) - 1, 2):
        if rest[i] not in opts:
            print("hardware_study.py: unknown option %s" % rest[i], file=sys.stderr)
            return 1
        opts[rest[i]] = rest[i + 1]
    os.makedirs(out, exist_ok=True)
    rows = study(data, opts["--arch"], int(opts["--epochs"]),
                 [int(b) for b in numbers(opts["--bits"])], numbers(opts["--noise"]),
                 numbers(opts["--stuck"]))
    with open(os.path.join(out, "hardware_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "value", "aware", "accuracy"])
        w.writerows(rows)
    plot(rows, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
