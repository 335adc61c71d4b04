/* Parker-Skellern JFETs (LEVEL 2; sim/general/general_jfet2.c): the drain current at kirchhoff's
 * answer written out here from Parker and Skellern's published equations (IEEE Trans. MTT 45,
 * 1997: the dual power law, early saturation's vdt and the thermal reduction), the gate
 * junctions in their closed form, and the deck as written for ngspice solved by libngspice.
 * The compatibility corpus holds the rest against ngspice 39 (tests/data/compat/jfet_level2_*:
 * subthreshold, drain feedback, breakdown, PJF, inverse mode, temperature). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The published drain current at vgs, vds >= 0 with VST = 0 (no subthreshold tail: vgt = vgs -
 * VTO above VTO, no current below) and no drain feedback. */
typedef struct {
  double vto, beta, lambda, p, q, xi, mxi, z, vbi, delta;
} parker;

static double parker_drain(const parker *m, double vgs, double vds) {
  double vgt = vgs - m->vto, woo = m->vbi - m->vto;
  if (vgt <= 0) return 0;
  double vdp = vds * m->p / m->q * pow(vgt / woo, m->p - m->q);
  double vsat = vgt / (1 + vgt / (m->mxi * vgt + m->xi * woo));
  double root = sqrt(1 + m->z), sq = m->z * vsat * vsat;
  double vdt = 0.5 * (sqrt(pow(vdp * root + vsat, 2) + sq) - sqrt(pow(vdp * root - vsat, 2) + sq));
  double id = m->beta * (1 + m->lambda * vds) *
              (pow(vgt, m->q) - pow(vgt - vdt, m->q)); /* the Q-law between vgt and vgt - vdt */
  return id / (1 + m->delta * vds * id);
}

/* A gate junction: IS (e^(v / (N Vt)) - 1) + GMIN v, at 300.15 K. */
static double gate_junction(double is, double n, double v) {
  double vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19;
  return is * expm1(v / (n * vt)) + 1e-12 * v;
}

/* A resistor R from VDD into the drain, the gate at vg, the source grounded: at the answer, R's
 * current is the drain current less the gate-drain junction's, in the linear region and in
 * saturation, for an NJF and its mirrored PJF. */
Test(jfet2, drain_current_is_parker_skellern_s) {
  const parker m = {-1.8, 1.2e-3, 0.02, 2.4, 2.1, 15, 0.1, 0.6, 0.85, 0.3};
  const double vdds[] = {0.4, 9};
  for (int k = 0; k < 2; k++)
    for (int v = 0; v < 2; v++) {
      double s = k ? -1 : 1, vdd = s * vdds[v], vg = s * -0.5, r = 500, is = 1e-14, n = 1.2;
      char text[640];
      snprintf(text, sizeof text,
               "ps\n.model jp %s(level=2 vto=%g beta=%g lambda=%g p=%g q=%g xi=%g mxi=%g z=%g "
               "vbi=%g delta=%g is=%g n=%g)\nvdd dd 0 %g\nvg g 0 %g\nr1 dd d %g\nj1 d g 0 jp\n",
               k ? "pjf" : "njf", m.vto, m.beta, m.lambda, m.p, m.q, m.xi, m.mxi, m.z, m.vbi,
               m.delta, is, n, vdd, vg, r);
      kh_netlist *nl = kh_test_parse(text);
      kh_solve_stats stats;
      double *x = kh_test_general(nl, NULL, &stats);
      double vd = s * kh_test_node(nl, x, "d");
      double want = (s * vdd - vd) / r,
             got = parker_drain(&m, s * vg, vd) - gate_junction(is, n, s * vg - vd);
      cr_expect(vd > 0 && fabs(want - got) <= 1e-9 * fabs(want),
                "%s at %g V: %.12g A through R, %.12g A (vds %g)", k ? "pjf" : "njf", vdd, want,
                got, vd);
      free(x);
      kh_netlist_free(nl);
    }
}

/* The gate forward through a resistor, the drain and source grounded (no channel current): IS
 * area (e^(v / (N Vt)) - 1) + GMIN v through each of the two junctions. */
Test(jfet2, gate_junctions_in_closed_form) {
  kh_netlist *nl = kh_test_parse("g\n.model jp njf(level=2 is=3e-13 n=1.4)\nvg gx 0 2\n"
                                 "rg gx g 10k\nj1 0 g 0 jp area=2\n");
  kh_solve_stats stats;
  double *x = kh_test_general(nl, NULL, &stats);
  double vg = kh_test_node(nl, x, "g"), want = (2 - vg) / 1e4;
  double got = 2 * gate_junction(2 * 3e-13, 1.4, vg);
  cr_expect(fabs(want - got) <= 1e-12 * want, "%.15g A through R, %.15g A", want, got);
  free(x);
  kh_netlist_free(nl);
}

/* The deck as written for ngspice (RD and RS as resistors over area and m) solves the same in
 * libngspice, with the subthreshold tail, drain feedback and breakdown on. */
Test(jfet2, written_for_ngspice_solves_the_same) {
  cr_assert_leq(kh_test_general_vs_ngspice(
                    "ps\nvdd vdd 0 12\nrd vdd d 1k\nvg g 0 -0.9\nj1 d g s jp area=1.5 m=2\n"
                    "rs s 0 47\nj2 vdd g 0 jp\n.model jp njf(level=2 vto=-2 beta=1m rd=12 rs=7 "
                    "vst=0.05 mvst=0.1 lfgam=0.02 lfg1=0.004 lfg2=0.002 ibd=1e-12 vbd=2 "
                    "delta=0.2 p=2.2)\n",
                    1e-9),
                1e-9);
}
