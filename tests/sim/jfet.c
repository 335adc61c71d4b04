/* JFETs (netlist/jfet.c, sim/general/general_jfet.c): ngspice 39's level-1 model checked against
 * closed forms here, and against ngspice reading the same files in the compatibility corpus
 * (tests/data/compat/jfet_*.cir: every region, PJF, temperature, area and m, and TI's TL071
 * macromodel). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Saturation with IS = 0, so that the gate junctions carry GMIN's current alone: the drain
 * current is beta vgst^2 (B + bfac vgst), bfac = (1 - B) / (PB - VTO), less the gate-drain
 * GMIN current, and R from VDD gives v(d) in closed form. */
static double saturated_drain(double vdd, double r, double vg, double vto, double beta, double b,
                              double pb) {
  double vgst = vg - vto, bfac = (1 - b) / (pb - vto), gmin = 1e-12;
  double id = beta * vgst * vgst * (b + bfac * vgst);
  return (vdd - r * id + r * gmin * vg) / (1 + r * gmin); /* KCL: (vdd - vd)/r = id - gmin vgd */
}

Test(jfet, saturation_in_closed_form_for_njf_and_pjf) {
  const char *njf = "t\nvdd vdd 0 12\nr1 vdd d 2k\nvg g 0 -0.7\nj1 d g 0 jx\n"
                    ".model jx njf(vto=-2 beta=1.5m is=0 b=0.8 pb=0.9)\n";
  const char *pjf = "t\nvdd vdd 0 -12\nr1 vdd d 2k\nvg g 0 0.7\nj1 d g 0 jx\n"
                    ".model jx pjf(vto=-2 beta=1.5m is=0 b=0.8 pb=0.9)\n";
  double want = saturated_drain(12, 2e3, -0.7, -2, 1.5e-3, 0.8, 0.9);
  cr_assert_gt(want - 0, -0.7 + 2, "the closed form assumes saturation (vds >= vgst)");
  for (int type = 0; type < 2; type++) {
    kh_netlist *nl = kh_test_parse(type ? pjf : njf);
    kh_solve_stats stats;
    double *v = kh_test_general(nl, NULL, &stats);
    double d = kh_test_node(nl, v, "d") * (type ? -1 : 1);
    cr_expect(fabs(d - want) <= 1e-12 * fabs(want), "%s: v(d) = %.15g, want %.15g",
              type ? "pjf" : "njf", d, want);
    free(v);
    kh_netlist_free(nl);
  }
}

/* The linear region, B = 1, LAMBDA = 0, IS = 0, drain driven through R from VDD:
 * (vdd - vd) / r = beta vd (2 vgst - vd) + gmin (vd - vg), a quadratic in vd. */
Test(jfet, linear_region_in_closed_form) {
  kh_netlist *nl = kh_test_parse("t\nvdd vdd 0 1\nr1 vdd d 10k\nj1 d 0 0 jx\n"
                                 ".model jx njf(vto=-3 beta=1m is=0)\n");
  double beta = 1e-3, vgst = 3, r = 1e4, vdd = 1, gmin = 1e-12;
  /* beta vd^2 - (2 beta vgst + gmin + 1/r) vd + vdd/r = 0 (vg = 0), the root below vgst */
  double qa = beta, qb = -(2 * beta * vgst + gmin + 1 / r), qc = vdd / r;
  double want = 2 * qc / (-qb + sqrt(qb * qb - 4 * qa * qc));
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  cr_expect(fabs(kh_test_node(nl, v, "d") - want) <= 1e-13, "v(d) = %.15g, want %.15g",
            kh_test_node(nl, v, "d"), want);
  free(v);
  kh_netlist_free(nl);
}

static const char *const area_deck = "area and m\nvdd vdd 0 5\nrd vdd d 470\n"
                                     "j1 d 0 s jx 2.5 m=3 temp=60\nrs s 0 22\n"
                                     ".model jx njf(vto=-2.2 beta=0.4m rd=12 rs=7)\n";

/* RD and RS are resistors of their own onto "<name>#rd" and "<name>#rs", divided by area and
 * m as ngspice's conductances are multiplied; the instance keeps its terminals as written. */
Test(jfet, instance_and_its_series_resistors) {
  kh_netlist *nl = kh_test_parse(area_deck);
  size_t j = kh_netlist_find_element(nl, "j1");
  kh_element e = kh_netlist_element(nl, j);
  cr_assert_eq(e.kind, KH_JFET);
  cr_expect_str_eq(kh_netlist_node_name(nl, e.node_pos), "j1#rd");
  cr_expect_str_eq(kh_netlist_node_name(nl, e.node_neg), "j1#rs");
  kh_jfet_instance in = kh_netlist_jfet_instance(nl, j);
  cr_expect_str_eq(kh_netlist_node_name(nl, in.drain), "d");
  cr_expect_str_eq(kh_netlist_node_name(nl, in.source), "s");
  cr_expect_eq(in.gate, 0);
  cr_expect_eq(in.area, 2.5);
  cr_expect_eq(in.m, 3);
  cr_expect(fabs(in.temperature - 333.15) < 1e-12);
  cr_expect_str_eq(kh_netlist_model_type(nl, "jx"), "njf");
  kh_element rd = kh_netlist_element(nl, kh_netlist_find_element(nl, "rd#j1"));
  kh_element rs = kh_netlist_element(nl, kh_netlist_find_element(nl, "rs#j1"));
  cr_expect(fabs(rd.value - 12 / 7.5) < 1e-15 && fabs(rs.value - 7 / 7.5) < 1e-15);
  kh_netlist_free(nl);
}

/* kirchhoff's own text: the J card as written (area=, m=, temp=), no RD/RS resistors, and the
 * same answer parsed back. */
Test(jfet, written_back_reads_the_same) {
  char *text = kh_test_written_back(area_deck);
  cr_expect(strstr(text, "\nj1 d 0 s jx area=2.5 m=3 temp=60\n"), "%s", text);
  cr_expect(!strstr(text, "rd#j1") && strstr(text, "rd=12"), "%s", text);
  free(text);
}

/* The deck as kirchhoff writes it for ngspice (RD and RS as resistors onto nodes ngspice
 * reports; its own "#drain" and "#source" it never does) solves the same in libngspice. */
Test(jfet, written_for_ngspice_solves_the_same) {
  cr_assert_leq(kh_test_general_vs_ngspice(area_deck, 1e-9), 1e-9);
  cr_assert_leq(kh_test_general_vs_ngspice("pjf\nvss vss 0 -12\nvin in 0 -1.2\nrl s 0 4.7k\n"
                                           "j1 vss in s jp\n.model jp pjf(vto=-3.5 beta=1.5m "
                                           "lambda=0.02 rd=5 rs=8 b=1.1 pb=0.8)\n",
                                           1e-9),
                1e-9);
}

/* A JFET has no co-content: training and the projected solver refuse it by name. */
Test(jfet, circuits_without_a_co_content_say_why) {
  const char *deck = "t\nvdd d 0 5\nj1 d 0 0 jx\n.model jx njf\n";
  kh_test_no_co_content(deck, "test.cir:3:1: JFET 'j1' has no co-content");
  kh_netlist *nl = kh_test_parse(deck);
  size_t first;
  cr_expect_eq(kh_netlist_general_count(nl, &first), 1);
  cr_expect_eq(first, 1);
  kh_netlist_free(nl);
}

Test(jfet, bad_cards_refused_at_their_token) {
  const char *head = "t\n.model jx njf(rd=10)\nvdd d 0 5\n";
  static const struct {
    const char *card, *message;
  } cases[] = {
      {"j1 d g\n", "test.cir:4:6: 'j1' needs drain, gate and source nodes and a model"},
      {"j1 d 0 0 jy\n", "test.cir:4:10: unknown model 'jy'"},
      {"j1 d 0 0 jx -1\n", "test.cir:4:13: JFET area must be positive, got -1"},
      {"j1 d 0 0 jx m=0\n", "test.cir:4:15: JFET m must be positive, got 0"},
      {"j1 d 0 0 jx foo=1\n", "test.cir:4:13: unknown JFET instance parameter 'foo'"},
      {"j1 d 0 0 jx 1 2\n", "test.cir:4:15: unexpected '2' in JFET 'j1'"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[256];
    snprintf(text, sizeof text, "%s%s", head, cases[k].card);
    const char *msg = kh_test_parse_error(text);
    cr_expect(strstr(msg, cases[k].message), "%s: %s", cases[k].card, msg);
  }
  cr_expect(strstr(kh_test_parse_error("t\n.model jx njf(rd=-1)\nvdd d 0 5\nj1 d 0 0 jx\n"),
                   "test.cir:4:10: model 'jx': rd must be >= 0, got -1"));
  /* ic=VDS,VGS and off: a transient's and the first guess's, read and left */
  kh_netlist_free(kh_test_parse("t\n.model jx njf\nvdd d 0 5\nj1 d 0 0 jx off ic=1,2 m=2\n"));
}

/* Newton starts every diode where ngspice's dioload.c does, at its critical voltage: TI's TL071
 * macromodel (examples/circuits/tl071_inverting.cir) on +-1.5 V supplies, whose output clamps'
 * diodes feed a 5e6 gain, converges in plain Newton (ngspice: 12 steps). With its diodes started
 * at 0 V it cycled between two states for 150 steps and took 199 through gmin stepping. */
Test(jfet, tl071_on_low_supplies_starts_its_diodes_as_ngspice_does) {
  char path[512];
  snprintf(path, sizeof path, "%s/tl071_inverting.cir", kh_test_examples_dir());
  char *text = kh_test_read_file(path);
  cr_assert(text, "%s", path);
  const char *supplies = "VCC vcc 0 DC 15\nVEE vee 0 DC -15\n";
  char *at = strstr(text, supplies);
  cr_assert(at, "%s: supply lines", path);
  size_t before = (size_t)(at - text), size = strlen(text) + 16;
  char *low = malloc(size);
  snprintf(low, size, "%.*sVCC vcc 0 DC 1.5\nVEE vee 0 DC -1.5\n%s", (int)before, text,
           at + strlen(supplies));
  free(text);
  text = low;
  kh_netlist *nl = kh_test_parse(text);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  cr_expect_leq(stats.iterations, 30, "%u Newton steps", stats.iterations);
  free(v);
  kh_netlist_free(nl);
  kh_test_general_vs_ngspice(text, 1e-9);
  free(text);
}

/* A MESFET (Z card, NMF and PMF): Statz's drain current at the answer, written out here, where a
 * resistor from the supply feeds the drain: (vdd - vd) / R = beta area (1 + lambda vds) vgst^2 /
 * (1 + B vgst) (1 - (1 - alpha vds / 3)^3 below 3 / alpha), less the gate-drain junction's
 * current (IS area (e^(vgd / Vt) - 1) + GMIN vgd, Vt at 300.15 K whatever .temp says), in the
 * linear and the saturated region. A PMF is the NMF mirrored, its VTO as for the NMF (ngspice
 * compares the mirrored vgs with VTO as written, as for a PJF). */
Test(jfet, mesfet_in_closed_form) {
  const char *const types[] = {"nmf", "pmf"};
  const double vdds[] = {0.6, 5};
  for (int k = 0; k < 2; k++)
    for (int v = 0; v < 2; v++) {
      double s = k ? -1 : 1, vdd = s * vdds[v], vg = s * -0.4, r = 200, area = 1.5;
      double beta = 3e-3, alpha = 2.5, b = 0.4, lambda = 0.05, vto = -1.5, is = 1e-13;
      char text[512];
      snprintf(text, sizeof text,
               "mes\n.temp 80\n.model zm %s(vto=%g beta=%g alpha=%g b=%g lambda=%g is=%g)\n"
               "vdd dd 0 %g\nvg g 0 %g\nr1 dd d %g\nz1 d g 0 zm area=%g\n",
               types[k], vto, beta, alpha, b, lambda, is, vdd, vg, r, area);
      kh_netlist *nl = kh_test_parse(text);
      kh_solve_stats stats;
      double *x = kh_test_general(nl, NULL, &stats);
      double vd = s * kh_test_node(nl, x, "d"), vgst = s * vg - vto, vds = vd;
      double lfact = vds < 3 / alpha ? 1 - pow(1 - alpha * vds / 3, 3) : 1;
      double id = beta * area * (1 + lambda * vds) * vgst * vgst / (1 + b * vgst) * lfact;
      double vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19, vgd = s * vg - vd;
      double igd = is * area * expm1(vgd / vt) + 1e-12 * vgd;
      double want = (s * vdd - vd) / r, got = id - igd;
      cr_expect(fabs(want - got) <= 1e-9 * fabs(want), "%s at %g V: %.12g A through R, %.12g A",
                types[k], vdd, want, got);
      free(x);
      kh_netlist_free(nl);
    }
}
