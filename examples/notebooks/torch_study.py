#!/usr/bin/python3
"""The circuit as a PyTorch layer (docs/python.md): digits 64-64-10 trained with torch.optim.SGD
through kirchhoff.torch.ResistiveNetwork, once per estimator of the backward pass, against
`kirchhoff train --optimizer sgd` with the same data split, network, learning rate, batch,
decay, epochs and seed.

usage: torch_study.py KIRCHHOFF DATA.csv OUTDIR [--arch 64-64-10] [--epochs 20] [--lr 0.05] [--batch 8]
                      [--estimators exact,centered,holo]

Needs torch and the package (installed, or the checkout's build/release/python:
find_kirchhoff.py). The command's seeded 20 % hold-out is written with --save-test and reused
for both, so the two test sets are the same samples. Writes OUTDIR/torch_study.csv (runner, estimator, epoch, test
accuracy, seconds) and OUTDIR/torch_study.png (test accuracy by epoch). About a minute per
torch run on two cores at the defaults.
"""
import argparse
import csv
import os
import re
import subprocess
import time

import numpy as np

from find_kirchhoff import kirchhoff  # noqa: F401  (installed, else the checkout's build)
import kirchhoff.torch as kt
import torch


def split(kirchhoff_cli, data, out, seed, arch):
    """The command's own held-out 20 %, saved by a one-epoch run (--save-test); the rest trains."""
    test_csv = os.path.join(out, "test.csv")
    subprocess.run([kirchhoff_cli, "train", "--data", data, "--arch", arch, "--epochs", "1",
                    "--seed", str(seed), "--quiet", "--save-test", test_csv, "--force"],
                   check=True, capture_output=True)
    rows = np.loadtxt(data, delimiter=",")
    test = np.loadtxt(test_csv, delimiter=",", comments="#")
    held = {tuple(r) for r in test}
    train = np.array([r for r in rows if tuple(r) not in held])
    train_csv = os.path.join(out, "train.csv")
    np.savetxt(train_csv, train, delimiter=",", fmt="%.17g")
    return train, test, train_csv, test_csv


def cli_run(kirchhoff_cli, train_csv, test_csv, a):
    cmd = [kirchhoff_cli, "train", "--data", train_csv, "--test", test_csv, "--arch", a.arch,
           "--optimizer", "sgd", "--lr", str(a.lr), "--batch", str(a.batch), "--epochs",
           str(a.epochs), "--seed", "1", "--threads", "1"]
    t0 = time.time()
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    seconds = time.time() - t0
    errors = [float(e) for e in re.findall(r"test loss [0-9.]+ error +([0-9.]+) %", text)]
    return [100 - e for e in errors], seconds


def torch_run(train, test, estimator, a):
    x, y = train[:, :-1], train[:, -1].astype(int)
    mean, std = x.mean(0), x.std(0)
    std[std == 0] = 1  # constant pixels: the command leaves them at 0 after centering too
    xs = torch.from_numpy((x - mean) / std)
    xt = torch.from_numpy((test[:, :-1] - mean) / std)
    yt = test[:, -1].astype(int)
    # input gain 4: what kirchhoff train generates (kh_run_options_init), where `net` says 1
    # and the nudges kirchhoff train takes: 0.1, or for holomorphic EP a quarter of the radius
    holo = estimator in ("holo", "holomorphic")
    layer = kt.ResistiveNetwork(a.arch, estimator=estimator, beta=0.25 if holo else 0.1,
                                beta_relative=holo, seed=1, input_gain=4)
    opt = torch.optim.SGD(layer.parameters(), lr=a.lr)
    decay = torch.optim.lr_scheduler.ExponentialLR(opt, 0.9)
    classes = int(a.arch.split("-")[-1])
    targets = torch.nn.functional.one_hot(torch.from_numpy(y), classes).double()
    g = torch.Generator().manual_seed(1)
    accuracy, t0 = [], time.time()
    for _ in range(a.epochs):
        order = torch.randperm(len(xs), generator=g)
        for i in range(0, len(order), a.batch):
            b = order[i:i + a.batch]
            opt.zero_grad()
            loss = 0.5 * (layer(xs[b]) - targets[b]).pow(2).sum(1).mean()
            loss.backward()
            opt.step()
            layer.project()
        decay.step()
        with torch.no_grad():
            accuracy.append(100 * float(np.mean(layer(xt).argmax(1).numpy() == yt)))
    return accuracy, time.time() - t0


def study(kirchhoff_cli, data, out, a):
    """Every run; returns the rows (runner, estimator, epoch, test accuracy, seconds) and writes
    OUT/torch_study.csv. a: the settings (arch, epochs, lr, batch, estimators)."""
    os.makedirs(out, exist_ok=True)
    train, test, train_csv, test_csv = split(kirchhoff_cli, data, out, 1, a.arch)
    rows = []
    acc, sec = cli_run(kirchhoff_cli, train_csv, test_csv, a)
    rows += [("kirchhoff train", "centered", e + 1, v, sec) for e, v in enumerate(acc)]
    print(f"kirchhoff train --optimizer sgd (centered EP): {acc[-1]:.2f} % in {sec:.1f} s",
          flush=True)
    for est in a.estimators.split(","):
        acc, sec = torch_run(train, test, est, a)
        rows += [("torch SGD", est, e + 1, v, sec) for e, v in enumerate(acc)]
        print(f"torch.optim.SGD, backward {est}: {acc[-1]:.2f} % in {sec:.1f} s", flush=True)
    with open(os.path.join(out, "torch_study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["runner", "estimator", "epoch", "test_accuracy", "seconds"])
        w.writerows(rows)
    return rows


def plot(rows, out, title):
    """OUT/torch_study.png: test accuracy by epoch, one line per runner and estimator."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for runner, est in dict.fromkeys((r[0], r[1]) for r in rows):
        pts = [(r[2], r[3]) for r in rows if r[0] == runner and r[1] == est]
        ax.plot(*zip(*pts), marker="o", ms=3, label=f"{runner}, {est}")
    ax.set_xlabel("epoch"), ax.set_ylabel("test accuracy (%)"), ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "torch_study.png"), dpi=120)
    plt.close(fig)


def settings(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("kirchhoff"), p.add_argument("data"), p.add_argument("out")
    p.add_argument("--arch", default="64-64-10")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--estimators", default="exact,centered,holo")
    return p.parse_args(argv)


def main():
    a = settings()
    rows = study(a.kirchhoff, a.data, a.out, a)
    plot(rows, a.out, f"{os.path.basename(a.data)} {a.arch}: the circuit as a torch layer")


if __name__ == "__main__":
    main()
