#!/usr/bin/python3
"""Learning rules compared (docs/results.md, "Learning rules"): equilibrium propagation (centered,
holomorphic, oscillating), coupled learning (eta = 0.1 and hard clamping) and the forward-only
perturbation baselines (spsa, wp, node perturbation) on the same network and data, each at
kirchhoff train's defaults plus the rule's own flag, noise-free, with read noise sigma (relative
to the median RMS input voltage) and on 4-bit devices (--quantize-bits 4 --gmax 0.5 --hw-aware).

usage: rules_study.py KIRCHHOFF DATA OUTDIR [--arch 64-64-10 | --preset drn-xs] [--epochs 20]
                      [--seed 1] [--sigmas 0,0.004,0.04] [--rules centered,holomorphic,...]
                      [--no-bits]

With --preset (Scellier's MNIST networks on the layered backend, DATA an MNIST folder) the rules
are those the layered backend runs at that scale in reasonable time (centered, holomorphic,
coupled-0.1, coupled-1, node-perturbation) and there are no 4-bit runs (its engine takes no
device model).

Writes OUTDIR/rules_study.csv (rule, setting, test accuracy %, settled states read per sample,
wall seconds) and OUTDIR/rules_study.png. Settled states per sample are the rule's own count:
centered 3 (free, +beta, -beta), holomorphic N + 1, coupled 2, wp and spsa 2 K + 1 with K = 1,
the same budget as centered EP, and node perturbation 2 n + 1 with n the solved-for nodes (it
cannot be held to that budget: it reads one node per pair of states); the oscillating rule
reads time steps, not settled states (settle + periods) x steps.
"""
import csv
import os
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OSC = ["--beta", "0.25", "--beta-relative", "--harmonics", "1", "--periods", "4", "--steps", "32",
       "--settle", "0"]
RULES = {  # name -> flags, settled states read per sample (arch: its widths)
    "centered": (["--estimator", "centered"], lambda w: 3),
    "holomorphic": (["--estimator", "holo"], lambda w: 5),
    "oscillating": (["--estimator", "osc"] + OSC, lambda w: 1),
    "coupled-0.1": (["--estimator", "coupled", "--eta", "0.1"], lambda w: 2),
    "coupled-1": (["--estimator", "coupled", "--eta", "1"], lambda w: 2),
    "spsa": (["--estimator", "spsa"], lambda w: 3),
    "wp": (["--estimator", "wp"], lambda w: 3),
    "node-perturbation": (["--estimator", "node-perturbation"], lambda w: 2 * sum(w[1:]) + 1),
}


def run(kirchhoff, data, arch, epochs, seed, flags):
    network = ["--preset", arch[len("preset:"):]] if arch.startswith("preset:") else ["--arch", arch]
    cmd = [kirchhoff, "train"] + network + ["--data", data, "--seed", str(seed), "--epochs",
                                            str(epochs), "--quiet"] + flags
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.monotonic() - t0
    if done.returncode != 0:
        print("  failed: %s: %s" % (" ".join(flags), done.stderr.strip()), flush=True)
        return None, seconds
    line = done.stdout.strip().splitlines()[-1]  # "test accuracy: 96.94 % (...)"
    return float(line.split(":")[1].split("%")[0]), seconds


def study(kirchhoff, data, arch, epochs, seed, rules, sigmas, bits):
    presets = {"preset:drn-xs": "784-100-10", "preset:drn-1h": "784-1024-10",
               "preset:drn-2h": "784-1024-1024-10"}
    widths = [int(w) for w in presets.get(arch, arch).split("-")]
    settings = [("sigma %g" % s, ["--read-noise", str(s)] if s else []) for s in sigmas]
    if bits:
        settings.append(("4-bit", ["--quantize-bits", "4", "--gmax", "0.5", "--hw-aware"]))
    rows = []
    for name in rules:
        flags, states = RULES[name]
        for label, extra in settings:
            accuracy, seconds = run(kirchhoff, data, arch, epochs, seed, flags + extra)
            rows.append((name, label, accuracy, states(widths), seconds))
            print("%-18s %-12s %8s %%  %4d states/sample  %7.1f s" %
                  (name, label, "-" if accuracy is None else "%.2f" % accuracy, states(widths),
                   seconds), flush=True)
    return rows


def plot(rows, settings, out):
    rules = sorted(set(r[0] for r in rows), key=[r[0] for r in rows].index)
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(settings))
    for k, label in enumerate(settings):
        values = [next((r[2] or 0 for r in rows if r[0] == name and r[1] == label), 0)
                  for name in rules]
        ax.bar([i + k * width for i in range(len(rules))], values, width, label=label)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(rules))])
    ax.set_xticklabels(rules, rotation=20)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "rules_study.png"), dpi=100)


def main(argv):
    if len(argv) < 4 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 1
    kirchhoff, data, out = argv[1], argv[2], argv[3]
    opts = {"--arch": "64-64-10", "--epochs": "20", "--seed": "1", "--sigmas": "0,0.004,0.04",
            "--rules": ",".join(RULES), "--preset": ""}
    bits, rest = True, argv[4:]
    while rest:
        if rest[0] == "--no-bits":
            bits, rest = False, rest[1:]
        elif rest[0] in opts and len(rest) > 1:
            opts[rest[0]], rest = rest[1], rest[2:]
        else:
            print("rules_study.py: unknown option %s" % rest[0], file=sys.stderr)
            return 1
    if opts["--preset"]:
        opts["--arch"] = "preset:" + opts["--preset"]
        bits = False
        if opts["--rules"] == ",".join(RULES):
            opts["--rules"] = "centered,holomorphic,coupled-0.1,coupled-1,node-perturbation"
    rules = opts["--rules"].split(",")
    if any(r not in RULES for r in rules):
        print("rules_study.py: --rules takes %s" % ",".join(RULES), file=sys.stderr)
        return 1
    sigmas = [float(s) for s in opts["--sigmas"].split(",")]
    os.makedirs(out, exist_ok=True)
    rows = study(kirchhoff, data, opts["--arch"], int(opts["--epochs"]), int(opts["--seed"]),
                 rules, sigmas, bits)
    with open(os.path.join(out, "rules_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rule", "setting", "test_accuracy", "states_per_sample", "seconds"])
        w.writerows(rows)
    settings = ["sigma %g" % s for s in sigmas] + (["4-bit"] if bits else [])
    plot(rows, settings, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
