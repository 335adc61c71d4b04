/* Bipolar transistors (netlist/bjt.c, sim/general/general_bjt.c): ngspice 39's Gummel-Poon model
 * checked here against the textbook equations written out independently, and against ngspice
 * reading the same files in the compatibility corpus (tests/data/compat/bjt_*.cir: vendor cards
 * as published, every region, PNP, high injection, temperature, areas, substrate). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VT (1.38064852e-23 * 300.15 / 1.6021766208e-19) /* ngspice 39's constants */
#define GMIN 1e-12

/* Gummel-Poon at DC (the SPICE manuals' form), NPN signs: the collector and base currents at
 * (vbe, vbc) for IS, BF, BR, VAF, IKF, ISE with NE, GMIN across both junctions, and GMIN from
 * the grounded substrate to the collector (NPN: vertical) or the base (PNP: lateral). */
typedef struct {
  double is, bf, br, vaf, ikf, ise, ne;
} gp_model;

static void gummel_poon(const gp_model *m, int lateral, double vbe, double vbc, double vc,
                        double *ic, double *ib) {
  double ibf = m->is * (exp(vbe / VT) - 1), ibr = m->is * (exp(vbc / VT) - 1);
  double q1 = 1 / (1 - vbc / m->vaf), q2 = ibf / m->ikf;
  double qb = q1 / 2 * (1 + sqrt(1 + 4 * q2));
  double leak = m->ise * (exp(vbe / (m->ne * VT)) - 1);
  *ic = (ibf - ibr) / qb - ibr / m->br - GMIN * vbc + (lateral ? 0 : GMIN * vc);
  *ib = ibf / m->bf + leak + GMIN * vbe + ibr / m->br + GMIN * vbc + (lateral ? GMIN * vbe : 0);
}

/* A stage with its base fed through RB from vbb and its collector through RC from vcc: at the
 * solution both resistors' currents are the model's, to rounding. */
static void check_stage(const char *deck, double sign, double vbb, double rb, double vcc, double rc,
                        const gp_model *m) {
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double vb = sign * kh_test_node(nl, v, "b"), vc = sign * kh_test_node(nl, v, "c"), ic, ib;
  gummel_poon(m, sign < 0, vb, vb - vc, vc, &ic, &ib);
  double want_ic = (vcc - vc) / rc, want_ib = (vbb - vb) / rb;
  cr_expect(fabs(ic - want_ic) <= 1e-11 * fabs(want_ic), "%s: ic %.15g, RC carries %.15g", deck, ic,
            want_ic);
  cr_expect(fabs(ib - want_ib) <= 1e-10 * fabs(want_ib), "%s: ib %.15g, RB carries %.15g", deck, ib,
            want_ib);
  free(v);
  kh_netlist_free(nl);
}

Test(bjt, forward_active_and_saturated_npn_and_pnp_against_gummel_poon) {
  const gp_model m = {1e-14, 150, 3, 60, 30e-3, 2e-14, 1.6};
  const char *card = "is=1e-14 bf=150 br=3 vaf=60 ikf=30m ise=2e-14 ne=1.6";
  static const struct {
    double vbb, rb, vcc, rc;
  } stages[] = {{3, 100e3, 10, 2e3}, /* forward active, about 3 mA */
                {5, 4.7e3, 5, 1e3},  /* saturated: both junctions forward */
                {0.9, 1e3, 2, 100}}; /* high injection, IKF's roll-off */
  for (size_t k = 0; k < 3; k++)
    for (int pnp = 0; pnp < 2; pnp++) {
      double s = pnp ? -1 : 1;
      char deck[512];
      snprintf(deck, sizeof deck,
               "t\nvbb bb 0 %g\nrb bb b %g\nvcc cc 0 %g\nrc cc c %g\nq1 c b 0 qx\n"
               ".model qx %s(%s)\n",
               s * stages[k].vbb, stages[k].rb, s * stages[k].vcc, stages[k].rc,
               pnp ? "pnp" : "npn", card);
      check_stage(deck, s, stages[k].vbb, stages[k].rb, stages[k].vcc, stages[k].rc, &m);
    }
}

static const char *const area_deck =
    "area and m\n.temp 45\nvcc vcc 0 5\nr1 vcc b 100k\nrc vcc c 2k\n"
    "q1 c b e sub qa 2 areab=3 m=4 dtemp=10\nre e 0 100\nvs sub 0 -1\n"
    ".model qa npn(is=1e-15 bf=120 rb=30 rc=4 re=1 trc1=2m trc2=1e-5 tnom=30 vaf=50)\n";

/* RB, RC and RE are resistors of their own onto "<name>#rb", "#rc" and "#re", divided by area
 * and m, RC at the instance's temperature from the model's TNOM; the instance keeps its
 * terminals as written. */
Test(bjt, instance_and_its_series_resistors) {
  kh_netlist *nl = kh_test_parse(area_deck);
  size_t q = kh_netlist_find_element(nl, "q1");
  kh_element e = kh_netlist_element(nl, q);
  cr_assert_eq(e.kind, KH_BJT);
  cr_expect_str_eq(kh_netlist_node_name(nl, e.node_pos), "q1#rc");
  cr_expect_str_eq(kh_netlist_node_name(nl, e.node_neg), "q1#re");
  kh_bjt_instance in = kh_netlist_bjt_instance(nl, q);
  cr_expect_str_eq(kh_netlist_node_name(nl, in.inner_base), "q1#rb");
  cr_expect_str_eq(kh_netlist_node_name(nl, in.collector), "c");
  cr_expect_str_eq(kh_netlist_node_name(nl, in.base), "b");
  cr_expect_str_eq(kh_netlist_node_name(nl, in.emitter), "e");
  cr_expect_str_eq(kh_netlist_node_name(nl, in.substrate), "sub");
  cr_expect(in.area == 2 && in.areab == 3 && in.areac == 2 && in.m == 4);
  cr_expect(fabs(in.temperature - (45 + 10 + 273.15)) < 1e-12);
  cr_expect_str_eq(kh_netlist_model_type(nl, "qa"), "npn");
  double dt = 55 - 30, rc = 4 * (1 + 2e-3 * dt + 1e-5 * dt * dt) / 8;
  kh_element rcq = kh_netlist_element(nl, kh_netlist_find_element(nl, "rc#q1"));
  kh_element rbq = kh_netlist_element(nl, kh_netlist_find_element(nl, "rb#q1"));
  kh_element req = kh_netlist_element(nl, kh_netlist_find_element(nl, "re#q1"));
  cr_expect(fabs(rcq.value - rc) < 1e-15, "rc#q1 = %.17g, want %.17g", rcq.value, rc);
  cr_expect(fabs(rbq.value - 30.0 / 8) < 1e-15 && fabs(req.value - 1.0 / 8) < 1e-15);
  kh_netlist_free(nl);
}

/* kirchhoff's own text: the Q card as written (substrate, area=, areab=, m=, dtemp=), no RB, RC,
 * RE resistors, and the same answer parsed back. */
Test(bjt, written_back_reads_the_same) {
  char *text = kh_test_written_back(area_deck);
  cr_expect(strstr(text, "\nq1 c b e sub qa area=2 areab=3 m=4 dtemp=10\n"), "%s", text);
  cr_expect(!strstr(text, "rc#q1") && strstr(text, "trc1=0.002"), "%s", text);
  free(text);
}

/* The deck as kirchhoff writes it for ngspice (RB, RC and RE as resistors at their temperature,
 * onto nodes ngspice reports) solves the same in libngspice. */
Test(bjt, written_for_ngspice_solves_the_same) {
  cr_assert_leq(kh_test_general_vs_ngspice(area_deck, 1e-9), 1e-9);
  cr_assert_leq(kh_test_general_vs_ngspice("pnp\nvee e 0 5\nrb e b 47k\nrc c 0 1k\n"
                                           "q1 c b e qp\n.model qp pnp(is=2e-15 bf=60 br=2 "
                                           "vaf=40 ikf=20m rb=80 rc=6 re=0.7 subs=-1)\n",
                                           1e-9),
                1e-9);
  /* a base resistance the current modulates stays in the model, the base as written */
  cr_assert_leq(kh_test_general_vs_ngspice("rbm\nvcc vcc 0 10\nvbb bb 0 1.2\nrbb bb b 2k\n"
                                           "rc vcc c 1k\nq1 c b 0 qz\n.model qz npn(is=5e-15 "
                                           "bf=200 ikf=50m rb=200 rbm=10 irb=1m rc=1 vaf=80)\n",
                                           1e-9),
                1e-9);
}

/* A BJT has no co-content: training and the projected solver refuse it by name. */
Test(bjt, circuits_without_a_co_content_say_why) {
  kh_test_no_co_content("t\nvcc c 0 5\nq1 c c 0 qx\n.model qx npn\n",
                        "test.cir:3:1: BJT 'q1' has no co-content");
}

Test(bjt, bad_cards_refused_at_their_token) {
  const char *head = "t\n.model qx npn(rb=10)\n.model dx d\nvcc c 0 5\n";
  static const struct {
    const char *card, *message;
  } cases[] = {
      {"q1 c b\n", "test.cir:5:6: 'q1' needs collector, base and emitter nodes and a model"},
      {"q1 c b 0 qy\n", "test.cir:5:10: unknown model 'qy'"},
      {"q1 c b 0 s qy\n", "test.cir:5:10: unknown model 's'"},
      {"q1 c b 0 dx\n", "test.cir:5:10: model 'dx' is of type 'd', a BJT needs type 'npn'"},
      {"q1 c b 0 qx -1\n", "test.cir:5:13: BJT area must be positive, got -1"},
      {"q1 c b 0 qx areab=0\n", "test.cir:5:19: BJT areab must be positive, got 0"},
      {"q1 c b 0 qx foo=1\n", "test.cir:5:13: unknown BJT instance parameter 'foo'"},
      {"q1 c b 0 qx 1 2\n", "test.cir:5:15: unexpected '2' in BJT 'q1'"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[256];
    snprintf(text, sizeof text, "%s%s", head, cases[k].card);
    const char *msg = kh_test_parse_error(text);
    cr_expect(strstr(msg, cases[k].message), "%s: %s", cases[k].card, msg);
  }
  static const struct {
    const char *model, *message;
  } models[] = {
      {"bf=0", "test.cir:4:10: model 'qx': bf must be positive, got 0"},
      {"rc=-1", "test.cir:4:10: model 'qx': rc must be >= 0, got -1"},
      {"nkf=1.5", "test.cir:4:10: model 'qx': NKF above 1"},
      {"tlev=2", "test.cir:2:20: BJT TLEV 2 is not implemented"},
      {"subs=2", "test.cir:2:20: SUBS must be 1 (vertical) or -1 (lateral)"},
      {"ibe=1e-15", "test.cir:4:10: model 'qx': IBE without IBC: ngspice 39 then takes IS"},
      {"ibc=1e-15 iss=-1", "test.cir:4:10: model 'qx': iss must be >= 0, got -1"},
      {"rco=10 quasimod=1", "test.cir:4:10: model 'qx': QUASIMOD's temperature laws"},
      {"rco=10 vo=0", "test.cir:4:10: model 'qx': VO must be positive"},
  };
  for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
    char text[256];
    snprintf(text, sizeof text, "t\n.model qx npn(%s)\nvcc c 0 5\nq1 c c 0 qx\n", models[k].model);
    const char *msg = kh_test_parse_error(text);
    cr_expect(strstr(msg, models[k].message), "%s: %s", models[k].model, msg);
  }
  /* ic=VBE,VCE, icvbe=, icvce= and off: a transient's and the first guess's, read and left */
  kh_netlist_free(
      kh_test_parse("t\n.model qx npn\nvcc c 0 5\nq1 c c 0 qx off ic=0.7,2 icvbe=0.7 m=2\n"));
}

/* Newton begins where ngspice's does (MODEINITJCT: every BJT at vbe = vcrit, vbc = 0), not at
 * x = 0: the 741 at transistor level converges in plain Newton in a few steps (from x alone it
 * took 144, through its junctions' limiting, once seen). */
Test(bjt, newton_starts_from_ngspices_first_guess) {
  char path[512];
  snprintf(path, sizeof path, "%s/ua741_follower.cir", kh_test_examples_dir());
  char *text = kh_test_read_file(path);
  cr_assert(text, "%s", path);
  kh_netlist *nl = kh_test_parse(text);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  cr_expect_leq(stats.iterations, 30, "%u Newton steps", stats.iterations);
  cr_expect(fabs(kh_test_node(nl, v, "out") - 0.5005) < 1e-3, "v(out) = %g",
            kh_test_node(nl, v, "out"));
  free(v), free(text);
  kh_netlist_free(nl);
}

/* The 4-bit TTL adder (examples/circuits/ttl_adder.cir: 36 NAND gates, 180 transistors, the
 * carry in on ground) on every input word: general Newton converges on each, and its outputs are
 * the binary sum at TTL levels; some words also agree with ngspice to 1e-9. Until 2026-12-05 KLU
 * refactored every Newton step in the pivot order it chose at the cold start, whose pivots went
 * to 1e-48 of the largest once the junctions moved: 3 of the 256 words (the all-zero one among
 * them) ended "singular" and the others took a median 161 steps, where ngspice converges in
 * 40-73 plain Newton steps (measured). */
Test(bjt, ttl_adder_adds_every_input_word, .timeout = 300) {
  char path[512];
  snprintf(path, sizeof path, "%s/ttl_adder.cir", kh_test_examples_dir());
  char *text = kh_test_read_file(path);
  cr_assert(text, "%s", path);
  static const char *const inputs[8] = {"va0 a0 0 0\n", "vb0 b0 0 0\n", "va1 a1 0 0\n",
                                        "vb1 b1 0 0\n", "va2 a2 0 0\n", "vb2 b2 0 0\n",
                                        "va3 a3 0 0\n", "vb3 b3 0 0\n"};
  char *value[8];
  for (int k = 0; k < 8; k++) {
    char *line = strstr(text, inputs[k]);
    cr_assert(line, "%s has no line '%s'", path, inputs[k]);
    value[k] = line + strlen(inputs[k]) - 2; /* the source's value, 0 or 3 volts */
  }
  static const char *const outputs[5] = {"s0", "s1", "s2", "s3", "cout"};
  unsigned most = 0;
  for (unsigned word = 0; word < 256; word++) {
    unsigned a = 0, b = 0;
    for (int k = 0; k < 8; k++) {
      unsigned bit = (word >> k) & 1;
      *value[k] = bit ? '3' : '0';
      if (k % 2)
        b |= bit << (k / 2);
      else
        a |= bit << (k / 2);
    }
    kh_netlist *nl = kh_test_parse(text);
    kh_solve_stats stats;
    double *v = kh_test_general(nl, NULL, &stats);
    most = stats.iterations > most ? stats.iterations : most;
    for (int k = 0; k < 5; k++) {
      double volts = kh_test_node(nl, v, outputs[k]);
      int high = ((a + b) >> k) & 1;
      cr_expect(high ? volts > 3 : volts < 0.1, "%u + %u: %s at %g V", a, b, outputs[k], volts);
    }
    free(v);
    kh_netlist_free(nl);
    if (word == 0 || word == 40 || word == 117 || word == 255)
      kh_test_general_vs_ngspice(text, 1e-9);
  }
  cr_expect_leq(most, 250, "%u Newton steps on the hardest word", most);
  free(text);
}
