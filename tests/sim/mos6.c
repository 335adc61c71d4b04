/* Level-6 MOSFETs (sim/general/general_mos6.c, ngspice 39's mos6, Sakurai and Newton's n-th
 * power law): the drain current at kirchhoff's answer written out here from the model's
 * published form, and m as two devices side by side (mos6 copies the junctions' GMIN too). The
 * compatibility corpus holds the rest against ngspice 39 (tests/data/compat/mosfet6_*.cir:
 * PMOS, inverse mode, KC from U0 and TOX, VTO from NSUB, temperature, RD and RSH with NRD). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* id = KC W/L vgon^NC (1 + (LAMBDA0 - LAMBDA1 vbs) vds), times (2 - u) u below the saturation
 * voltage KV vgon^NV (u = vds / vdsat), vgon = vgs - von, von = VTO + GAMMA (sqrt(PHI - vbs) -
 * sqrt(PHI)) - GAMMA1 vbs - SIGMA vds, at the model's TNOM. */
static double power_law(double vgs, double vds, double vbs, double m) {
  double vto = 0.7, gamma = 0.4, phi = 0.7, gamma1 = 0.02, sigma = 0.03, kv = 1.5, nv = 0.8;
  double kc = 3e-5 * 20 / 2 * m, nc = 1.3, lambda = 0.02 - 0.005 * vbs;
  double von = vto + gamma * (sqrt(phi - vbs) - sqrt(phi)) - gamma1 * vbs - sigma * vds;
  double vgon = vgs - von;
  if (vgon <= 0) return 0;
  double vdsat = kv * pow(vgon, nv), id = kc * pow(vgon, nc) * (1 + lambda * vds);
  if (vds >= vdsat) return id;
  double u = vds / vdsat;
  return id * (2 - u) * u;
}

/* A resistor from VDD into the drain, the source grounded, the bulk at -1 V and IS 0 (the bulk
 * junctions carry m GMIN each): R's current is the drain current plus the drain junction's, in
 * the linear region and in saturation, for m = 1 and 2. */
Test(mos6, drain_current_is_the_power_law) {
  const double vdds[] = {0.6, 5};
  for (int m = 1; m <= 2; m++)
    for (int k = 0; k < 2; k++) {
      char text[512];
      snprintf(text, sizeof text,
               "t\nvdd vdd 0 %g\nr1 vdd d 2k\nvg g 0 2\nvb b 0 -1\nm1 d g 0 b n6 l=2u w=20u m=%d\n"
               ".model n6 nmos level=6 vto=0.7 kv=1.5 nv=0.8 kc=3e-5 nc=1.3 gamma=0.4 "
               "gamma1=0.02 sigma=0.03 phi=0.7 lambda0=0.02 lambda1=0.005 is=0\n",
               vdds[k], m);
      kh_netlist *nl = kh_test_parse(text);
      kh_solve_stats stats;
      double *x = kh_test_general(nl, NULL, &stats);
      double vd = kh_test_node(nl, x, "d"), want = (vdds[k] - vd) / 2e3;
      double got = power_law(2, vd, -1, m) + m * 1e-12 * (vd + 1);
      cr_expect(fabs(want - got) <= 1e-10 * want, "m=%d at %g V: %.12g A through R, %.12g A", m,
                vdds[k], want, got);
      free(x);
      kh_netlist_free(nl);
    }
}

/* The deck as written for ngspice solves the same in libngspice. */
Test(mos6, written_for_ngspice_solves_the_same) {
  cr_assert_leq(kh_test_general_vs_ngspice(
                    "t\nvdd vdd 0 5\nr1 vdd d 2k\nvg g 0 1.8\nm1 d g s 0 n6 l=1u w=10u m=3 nrd=2\n"
                    "rs s 0 50\n.model n6 nmos level=6 vto=0.6 kc=4e-5 nc=1.2 rsh=30 rs=5 "
                    "lambda=0.03 tox=15n nsub=2e16\n",
                    1e-9),
                1e-9);
}
