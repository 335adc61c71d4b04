#!/usr/bin/python3
"""Drives a generated layered network with one MNIST-sized input.

usage: gen_layered.py NET.cir OUT.cir [MNIST_DIR] [--shockley]

Sets the input pair of feature i to +-gain * (pixel_i / 255) (gain from the netlist's
`.input gain=` card) of the first MNIST training image when
MNIST_DIR holds train-images-idx3-ubyte.gz, else of a fixed synthetic 28x28 stroke pattern; with
--shockley the ideal clamps become Shockley diodes (is=1e-14, n=1) so that kirchhoff and ngspice
solve the very same circuit."""
import gzip
import math
import os
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
shockley = "--shockley" in sys.argv
src, dst = args[0], args[1]
pixels = None
if len(args) > 2:
    path = os.path.join(args[2], "train-images-idx3-ubyte.gz")
    if os.path.exists(path):
        with gzip.open(path, "rb") as f:
            f.read(16)
            pixels = [b / 255.0 for b in f.read(784)]
if pixels is None:  # a ring and a stroke, 0..1
    pixels = []
    for r in range(28):
        for c in range(28):
            d = math.hypot(r - 14, c - 14)
            pixels.append(max(0.0, 1 - abs(d - 8) / 2.5) if abs(c - r) > 3 else 1.0)
gain = 1.0
with open(src) as f:
    for line in f:
        if line.startswith("*kh .input gain="):
            gain = float(line.split()[2].split("=")[1])
with open(src) as f, open(dst, "w") as out:
    for line in f:
        w = line.split()
        if w and w[0].startswith("vx") and w[-2] == "dc":
            i = int(w[0][2:-1])
            v = gain * pixels[i % len(pixels)] * (1 if w[0].endswith("p") else -1)
            line = "%s %s %s dc %.6f\n" % (w[0], w[1], w[2], v)
        elif shockley and line.startswith(".model dclamp"):
            line = ".model dclamp d(is=1e-14 n=1)\n"
        out.write(line)
