#!/usr/bin/python3
"""Issue 28's timing target: one DRN-XS MNIST epoch through kirchhoff.torch.ResistiveNetwork
(layered backend, single precision, batch B, SGD at the preset's rate, centered EP at beta 1, 4
sweeps per phase, the test pass after) against `kirchhoff train --preset drn-xs --batch B` in the
same run, interleaved; prints the medians of the training time and their ratio. Prints, asserts
nothing.

Usage: PYTHONPATH=build/release/python bench/torch_layer.py KIRCHHOFF DATA_DIR [--batch 64]
       [--estimator centered] [--runs 3]
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import time

import numpy as np
import torch

import kirchhoff.torch as kt


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def torch_epoch(x, y, xt, yt, a):
    layer = kt.ResistiveNetwork("784-100-10", estimator=a.estimator, beta=1.0, backend="layered",
                                precision="single", sweeps=4, max_rows=a.batch, input_gain=100,
                                init_scale=1.0, seed=1)
    opt = torch.optim.SGD(layer.parameters(), lr=0.006)
    targets = torch.nn.functional.one_hot(y, 10).double()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(1))
    t0 = time.perf_counter()
    for i in range(0, len(order), a.batch):
        b = order[i:i + a.batch]
        opt.zero_grad()
        (0.5 * (layer(x[b]) - targets[b]).pow(2).sum()).div(len(b)).backward()
        opt.step()
        layer.project()
    train = time.perf_counter() - t0
    with torch.no_grad():
        correct = sum(int((layer(xt[i:i + a.batch]).argmax(1) == yt[i:i + a.batch]).sum())
                      for i in range(0, len(xt), a.batch))
    return train, 100.0 * correct / len(xt)


def cli_epoch(a):
    out = subprocess.run([a.kirchhoff, "train", "--preset", "drn-xs", "--data",
                          os.path.join(a.data, "mnist"), "--precision", "single", "--batch",
                          str(a.batch), "--epochs", "1", "--estimator", a.estimator],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"\(([0-9.]+) s \+ test [0-9.]+ s", out)
    acc = re.search(r"test accuracy: ([0-9.]+) %", out)
    return float(m.group(1)), float(acc.group(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kirchhoff"), p.add_argument("data")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--estimator", default="centered")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    d = os.path.join(a.data, "mnist")
    x = torch.from_numpy(idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
                         / 255.0)
    y = torch.from_numpy(idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xt = torch.from_numpy(idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
                          / 255.0)
    yt = torch.from_numpy(idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    times = {"cli": [], "torch": []}
    for _ in range(a.runs):
        t, acc_c = cli_epoch(a)
        times["cli"].append(t)
        t, acc_t = torch_epoch(x, y, xt, yt, a)
        times["torch"].append(t)
        print(f"  kirchhoff train {times['cli'][-1]:.2f} s ({acc_c:.2f} %), torch layer "
              f"{times['torch'][-1]:.2f} s ({acc_t:.2f} %)", flush=True)
    c, t = statistics.median(times["cli"]), statistics.median(times["torch"])
    batches = -(-60000 // a.batch)
    print(f"DRN-XS epoch, batch {a.batch}, {a.estimator}: kirchhoff train {c:.2f} s, torch layer "
          f"{t:.2f} s (training, medians of {a.runs}): ratio {t / c:.2f}, "
          f"{1e3 * (t - c) / batches:.2f} ms more per minibatch")


if __name__ == "__main__":
    main()
