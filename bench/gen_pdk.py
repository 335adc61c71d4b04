#!/usr/bin/env python3
"""A deck laid out as the SkyWater sky130 ngspice models are, at a PDK's size: one MOSFET
subcircuit holding BINS model bins (each the published nfet_01v8 bin of
tests/data/compat/lib, with its own L range) and INSTANCES instances written as xschem writes
them, each with its own L, a resistor load at 1.8 V. Every instance reads every bin of its
subcircuit (the bins read its l, w and mult), as in the PDK.
Usage: bench/gen_pdk.py BINS INSTANCES OUT"""
import pathlib
import random
import sys


def main():
    bins, instances, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    lib = pathlib.Path(__file__).resolve().parent.parent / 'tests/data/compat/lib'
    text = (lib / 'sky130_fd_pr__nfet_01v8_bin4.spice').read_text().splitlines()
    start = text.index('.model sky130_fd_pr__nfet_01v8__model.4 nmos')
    card = [l for l in text[start + 1:] if not l.startswith('.ends') and not l.startswith('+ lmin')]
    head = [l for l in text[:start] if not l.startswith('*')]
    rng = random.Random(1)
    deck = ['PDK-sized deck (bench/gen_pdk.py %d %d)' % (bins, instances),
            '.option wnflag=1 scale=1e-6', '.param MC_SWITCH=0.0'] + head
    for b in range(bins):  # bins tile L from 1 um up, 1 % apart
        deck += ['.model sky130_fd_pr__nfet_01v8__model.%d nmos' % b,
                 '+ lmin = %.6e lmax = %.6e wmin = 7e-06 wmax = 0.0001'
                 % (1e-6 * 1.01 ** b, 1e-6 * 1.01 ** (b + 1))] + card
    deck += ['.ends sky130_fd_pr__nfet_01v8', 'vdd vdd 0 1.8', 'vg g 0 0.9']
    for i in range(instances):
        length = 1.01 ** rng.uniform(0, bins - 0.01)
        deck += ['r%d vdd d%d 10k' % (i, i),
                 "xm%d d%d g 0 0 sky130_fd_pr__nfet_01v8 L=%.4f W=20 nf=2 "
                 "ad='int((nf+1)/2) * W/nf * 0.29' as='int((nf+2)/2) * W/nf * 0.29' "
                 "pd='2*int((nf+1)/2) * (W/nf + 0.29)' ps='2*int((nf+2)/2) * (W/nf + 0.29)' "
                 "nrd='0.29 / W' nrs='0.29 / W' sa=0 sb=0 sd=0 mult=1 m=1" % (i, i, length)]
    deck += ['.op', '.end']
    pathlib.Path(out).write_text('\n'.join(deck) + '\n')


if __name__ == '__main__':
    main()
