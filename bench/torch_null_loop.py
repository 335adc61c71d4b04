#!/usr/bin/python3
"""The floor under issue 28's torch-layer target: the same training loop as
bench/torch_layer.py (SGD, the loss, backward, the projection onto [gmin, gmax]) around a layer
that computes nothing but hands torch a gradient for every one of DRN-XS's 158,010 float64
parameters, as kirchhoff.torch.ResistiveNetwork does. Prints the time per minibatch and per
60,000 samples at batch 64 and 4; asserts nothing. Whatever the layer does is added to this.

Usage: /usr/bin/python3 bench/torch_null_loop.py
"""
import time

import torch


class Null(torch.nn.Module):
    """DRN-XS's parameter shapes (1568 x 100 and 100 x 10 conductances, 110 bias currents)."""

    def __init__(self):
        super().__init__()
        self.w1 = torch.nn.Parameter(torch.rand(1568, 100, dtype=torch.float64))
        self.w2 = torch.nn.Parameter(torch.rand(100, 10, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.zeros(110, dtype=torch.float64))

    def forward(self, x):
        # zero outputs whose backward fills every parameter's gradient
        return x[:, :10] * 0 + (self.w1.sum() + self.w2.sum() + self.b.sum()) * 0

    def project(self):
        with torch.no_grad():
            for p in (self.w1, self.w2):
                p.clamp_(1e-6, 1.0)


def main():
    torch.manual_seed(0)
    x = torch.rand(60000, 784, dtype=torch.float64)
    targets = torch.nn.functional.one_hot(torch.randint(0, 10, (60000,)), 10).double()
    for batch, samples in ((64, 60000), (4, 12000)):
        layer = Null()
        opt = torch.optim.SGD(layer.parameters(), lr=0.006)
        order = torch.randperm(60000)
        steps = 0
        t0 = time.perf_counter()
        for i in range(0, samples, batch):
            b = order[i:i + batch]
            opt.zero_grad()
            (0.5 * (layer(x[b]) - targets[b]).pow(2).sum()).div(len(b)).backward()
            opt.step()
            layer.project()
            steps += 1
        per = (time.perf_counter() - t0) / steps
        print(f"batch {batch:2d}: {per * 1e3:.3f} ms per minibatch, "
              f"{per * 60000 / batch:.2f} s per 60,000 samples")


if __name__ == "__main__":
    main()
