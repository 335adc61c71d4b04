#!/usr/bin/python3
"""Test helper: summarizes a kirchhoff trace, optionally against a reference trace.

usage: trace_check.py TRACE [REFERENCE]
prints: epochs E checkpoint C [prefix same|differs final same|differs]
  epochs      rows of /metrics/train_loss (complete epochs)
  checkpoint  the epoch of /checkpoint
  prefix      /params/g rows of TRACE equal REFERENCE's first rows, bit for bit
  final       /checkpoint/theta equal, bit for bit
"""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    epochs = f["metrics/train_loss"].shape[0]
    checkpoint = int(f["checkpoint"].attrs["epoch"])
    g = f["params/g"][()]
    theta = f["checkpoint/theta"][()]
    assert g.shape[0] == epochs + 1, "params/g has %d rows for %d epochs" % (g.shape[0], epochs)
line = "epochs %d checkpoint %d" % (epochs, checkpoint)
if len(sys.argv) > 2:
    with h5py.File(sys.argv[2], "r") as r:
        ref_g = r["params/g"][()]
        ref_theta = r["checkpoint/theta"][()]
    prefix = np.array_equal(g, ref_g[: g.shape[0]])
    final = np.array_equal(theta, ref_theta)
    line += " prefix %s final %s" % ("same" if prefix else "differs", "same" if final else "differs")
print(line)
