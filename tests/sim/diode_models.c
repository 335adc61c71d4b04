/* The level-1 diode at DC as ngspice 39 computes it: forward, reverse and breakdown branches,
 * temperature, instance words; every model parameter either implemented, listed as without DC
 * effect, or refused at its token. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A zener-style test circuit: a source through 1k into a junction (either polarity), a second
 * junction in series with a load, all from one model at one temperature. */
static char *deck(const char *model, double celsius, double volts) {
  static char text[1024];
  snprintf(text, sizeof text,
           "sweep\n.options reltol=1e-9\n.model dz d(%s)\n.temp %g\nv1 a 0 %g\nr1 a k 1k\n"
           "d1 0 k dz\nd2 k b dz m=2\nr2 b 0 100\nd3 b c dz 3 dtemp=20\nr3 c 0 10k\n",
           model, celsius, volts);
  return text;
}

static double largest_difference(const char *text) {
  kh_netlist *nl = kh_test_parse(text);
  double *a = kh_test_solve(nl, "native"), *b = kh_test_solve(nl, "ngspice"), worst = 0;
  for (size_t i = 1; i < kh_netlist_node_count(nl); i++)
    worst = fmax(worst, fabs(a[i] - b[i]) / fmax(1, fabs(b[i])));
  free(a), free(b);
  kh_netlist_free(nl);
  return worst;
}

/* Published-style model cards: a small-signal switching diode, a rectifier with RS and its
 * temperature coefficients, zeners with NBV and TCV under both TLEV, and EG/XTI/TNOM. */
static const char *const models[] = {
    "is=2.52n n=1.752 rs=0.568 bv=100 ibv=100u",
    "is=14.11n n=1.984 rs=33.89m trs=0.01 trs2=1e-4 bv=1000 ibv=10u eg=1.11 xti=3",
    "is=1e-14 bv=5.1 ibv=1m",
    "is=1e-14 bv=5.1 ibv=1m nbv=2 tcv=0.002",
    "is=1e-14 bv=5.1 ibv=1m tcv=0.002 tlev=1",
    "is=1e-14 xti=2 eg=0.7 tnom=50 n=1.3",
    "is=1e-14 area=3 rs=2 trs=0.01 cjo=2p vj=0.7 m=0.4 tt=5n fc=0.5 kf=1e-16 af=1",
    "is=14.11n n=1.984 rs=33.89m ikf=94.81 xti=3 eg=1.11 bv=1000 ibv=10u",
    "is=1e-14 ikf=1m rs=1 bv=5.1 ibv=1m"};

Test(diode_models, forward_reverse_and_breakdown_match_ngspice_at_three_temperatures,
     .timeout = 300) {
  const double celsius[] = {-40, 27, 125}, volts[] = {-1000, -10, -0.5, 0.5, 10};
  double worst = 0;
  for (size_t m = 0; m < sizeof models / sizeof models[0]; m++)
    for (size_t t = 0; t < 3; t++)
      for (size_t v = 0; v < sizeof volts / sizeof volts[0]; v++) {
        double d = largest_difference(deck(models[m], celsius[t], volts[v]));
        cr_expect_leq(d, 1e-9, "model %s at %g C, %g V: %.3g", models[m], celsius[t], volts[v], d);
        worst = fmax(worst, d);
      }
  cr_log_info("diode models vs ngspice over -40/27/125 C and -1000..10 V: %.3g max(1, |V|) V",
              worst);
}

/* ngspice's reverse branch, independently: v1 through r into the cathode of a grounded junction
 * (gmin 0): v1 - r i = v at the cathode, i = IS (1 + (3 N Vt / (e v_d))^3) with v_d = -v. */
Test(diode_models, reverse_branch_against_bisection) {
  const double is = 1e-9, n = 1.5, vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19, r = 1e8;
  const double a = 3 * n * vt / exp(1.0);
  const double supplies[] = {0.2, 1, 5};
  for (size_t k = 0; k < 3; k++) {
    long double lo = 0, hi = supplies[k]; /* the cathode voltage */
    for (int it = 0; it < 200; it++) {
      long double v = (lo + hi) / 2, vd = -v;
      long double i = v > 3 * n * vt ? is * (1 + powl(a / vd, 3)) : -is * expm1l(vd / (n * vt));
      if (supplies[k] - r * i > v)
        lo = v;
      else
        hi = v;
    }
    char text[512];
    snprintf(text, sizeof text,
             "reverse\n.options gmin=0\n.model dr d(is=1e-9 n=1.5)\nv1 a 0 %g\nr1 a k 100meg\n"
             "d1 0 k dr\n",
             supplies[k]);
    kh_netlist *nl = kh_test_parse(text);
    double *v = kh_test_solve(nl, "native");
    double got = kh_test_node(nl, v, "k"), want = (double)lo;
    cr_expect(fabs(got - want) <= 1e-12 * (1 + fabs(want)), "%g V: got %.17g want %.17g",
              supplies[k], got, want);
    free(v);
    kh_netlist_free(nl);
  }
}

static void refused(const char *text, const char *message) {
  const char *got = kh_test_parse_error(text);
  cr_expect(strstr(got, message), "expected '%s', got '%s'", message, got);
}

Test(diode_models, what_is_not_implemented_is_refused) {
  refused("t\n.model dx d(is=1e-14 iss=2)\nv1 a 0 1\nd1 a 0 dx\n",
          "test.cir:2:22: unknown diode model parameter 'iss'");
  refused("t\n.model dx d(level=4)\nv1 a 0 1\nd1 a 0 dx\n",
          "test.cir:2:19: diode LEVEL 4 is not implemented");
  /* self-heating (tests/sim/self_heating.c) needs a thermal node, 'thermal' and RTH0: short of
   * one, ngspice 39 heats nothing and leaves the node unconnected */
  refused("t\n.model dx d(is=1e-14 rth0=100)\nv1 a 0 1\nd1 a 0 tj dx\n",
          "test.cir:4:8: thermal node 'tj' without 'thermal' after the model");
  refused("t\n.model dx d(is=1e-14 rth0=100)\nv1 a 0 1\nd1 a 0 dx thermal\n",
          "test.cir:4:11: 'thermal' needs the thermal node before the model");
  refused("t\n.model dx d(is=1e-14)\nv1 a 0 1\nd1 a 0 tj dx thermal\n",
          "test.cir:4:11: model 'dx' needs RTH0 > 0");
  refused("t\n.model dx d(is=1e-14 rth0=1)\nv1 a 0 1\nd1 a 0 0 dx thermal\n",
          "test.cir:4:8: the thermal node is ground");
  refused("t\n.model dx d(kh_ideal=1 bv=5)\nv1 a 0 1\nd1 a 0 dx\n",
          "test.cir:2:24: 'bv' applies to Shockley diodes only");
  refused("t\n.model dx d(is=1e-14)\nv1 a 0 1\nd1 a 0 dx q=2\n",
          "test.cir:4:11: unknown diode instance parameter 'q'");
  refused(
      "t\n.options rseries=-1\nv1 a 0 1\nr1 a 0 1\n",
      "test.cir:2:18: rseries=-1: ngspice 39 puts that resistance in series with every inductor");
  refused("t\n.temp -300\nv1 a 0 1\nr1 a 0 1\n", "test.cir:2:7: temperature -300 degrees Celsius");
}

Test(diode_models, a_breakdown_voltage_below_three_thermal_voltages_is_refused) {
  kh_context *ctx = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  kh_netlist *nl = kh_test_parse("t\n.model dz d(is=1e-9 bv=0.02)\nv1 a 0 1\nr1 a k 1k\n"
                                 "d1 0 k dz\n");
  kh_circuit *c = NULL;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(ctx), "test.cir:5:1: diode 'd1': model 'dz' puts the breakdown "
                                       "voltage at -0.33"),
            "%s", kh_last_error(ctx));
  kh_context_free(ctx);
  kh_netlist_free(nl);
}

/* The deck kirchhoff writes back (its own flavour) parses to the same diodes: area (model
 * default or per instance), m, temp and dtemp survive. */
Test(diode_models, instance_words_survive_writing_back) {
  const char *text = deck(models[6], 60, 3);
  kh_netlist *nl = kh_test_parse(text);
  kh_context *ctx = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  char *written = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &written), KH_OK);
  kh_netlist *back = kh_test_parse(written);
  for (size_t i = 0; i < kh_netlist_element_count(nl); i++) {
    kh_element e = kh_netlist_element(nl, i);
    if (e.kind != KH_DIODE) continue;
    kh_diode_instance x = kh_netlist_diode_instance(nl, i),
                      y = kh_netlist_diode_instance(back, kh_netlist_find_element(back, e.name));
    cr_expect(x.area == y.area && x.m == y.m && x.temperature == y.temperature,
              "%s: area %g/%g m %g/%g T %g/%g", e.name, x.area, y.area, x.m, y.m, x.temperature,
              y.temperature);
  }
  double *a = kh_test_solve(nl, "native"), *b = kh_test_solve(back, "native");
  for (size_t n = 1; n < kh_netlist_node_count(nl); n++)
    cr_expect_eq(a[n], b[kh_netlist_find_node(back, kh_netlist_node_name(nl, n))]);
  free(a), free(b), free(written);
  kh_netlist_free(back);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

/* ngspice reads model parameters with or without parentheses. */
Test(diode_models, model_parameters_without_parentheses) {
  const char *with =
      "t\n.model dd d(is=1e-12 n=1.05)\nvs a 0 12\nd1 a p dd\nrl p m 470\nd2 m 0 dd\n";
  const char *without = "t\n.model dd d is=1e-12 n=1.05\nvs a 0 12\nd1 a p dd\nrl p m 470\n"
                        "d2 m 0 dd\n";
  kh_netlist *a = kh_test_parse(with), *b = kh_test_parse(without);
  double *va = kh_test_solve(a, "native"), *vb = kh_test_solve(b, "native");
  cr_expect_eq(kh_test_node(a, va, "m"), kh_test_node(b, vb, "m"));
  cr_expect(fabs(kh_test_node(a, va, "m") - 0.6476940236749492) < 1e-12); /* ngspice's */
  free(va), free(vb);
  kh_netlist_free(a), kh_netlist_free(b);
}

/* Nodes of deck `text` through the co-content solver against ngspice: the largest |dV|. */
static double against_ngspice(const char *text, double tol) {
  kh_netlist *nl = kh_test_parse(text);
  double *a = kh_test_solve(nl, "native"), *b = kh_test_solve(nl, "ngspice"), worst = 0;
  for (size_t i = 1; i < kh_netlist_node_count(nl); i++) {
    worst = fmax(worst, fabs(a[i] - b[i]));
    cr_expect(fabs(a[i] - b[i]) <= tol * fmax(1, fabs(b[i])), "%s: %s %.15g vs ngspice %.15g", text,
              kh_netlist_node_name(nl, i), a[i], b[i]);
  }
  free(a), free(b);
  kh_netlist_free(nl);
  return worst;
}

/* JSW with PJ (instance, or the model's as its default; 0 without either), merged into the bottom
 * junction's saturation current with emission coefficient 1 for its temperature scaling, as
 * ngspice 39 computes it: forward, reverse and breakdown at -40, 27 and 125 degrees C, through
 * the co-content solver, against ngspice on the same deck. */
Test(diode_models, sidewall_current_matches_ngspice) {
  const double temps[] = {-40, 27, 125}, supplies[] = {1, -3, -12};
  const char *const instances[] = {"d1 2 0 dj pj=2", "d1 2 0 dj area=3 pj=0.5 m=2", "d1 2 0 dm"};
  double worst = 0;
  for (int t = 0; t < 3; t++)
    for (int v = 0; v < 3; v++)
      for (int k = 0; k < 3; k++) {
        char text[600];
        snprintf(text, sizeof text,
                 "jsw\n.temp %g\n.options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
                 ".model dj d(is=1e-14 n=1.5 jsw=1e-12 eg=1.2 xti=2.5 bv=10 ibv=1e-5 rs=1)\n"
                 ".model dm d(is=1e-15 jsw=2e-13 pj=3 bv=8)\nv1 1 0 %g\nr1 1 2 1k\n%s\n",
                 temps[t], supplies[v], instances[k]);
        worst = fmax(worst, against_ngspice(text, 1e-10));
      }
  cr_log_info("JSW against ngspice: worst |dV| %.3g V over 27 decks", worst);
  /* the model's JSW with no perimeter anywhere changes nothing (ngspice's PJ default is 0) */
  kh_netlist *with = kh_test_parse("t\n.model d1 d(jsw=1e-9)\nv1 1 0 1\nr1 1 2 1k\nd1 2 0 d1\n"),
             *without = kh_test_parse("t\n.model d1 d\nv1 1 0 1\nr1 1 2 1k\nd1 2 0 d1\n");
  double *a = kh_test_solve(with, "native"), *b = kh_test_solve(without, "native");
  cr_expect_eq(a[2], b[2]);
  free(a), free(b);
  kh_netlist_free(with), kh_netlist_free(without);
}

/* The tunnelling set (JTUN, JTUNSW with the perimeter, NTUN, XTITUN, KEG): -c (e^{-v/(NTUN Vt)}
 * - 1), increasing in v, so a convex co-content term the co-content solver minimizes; against
 * ngspice at -40, 27 and 125 degrees C, forward, reverse and past BV, with a node held only by
 * reverse currents. */
Test(diode_models, tunnelling_current_matches_ngspice) {
  const double temps[] = {-40, 27, 125}, supplies[] = {0.8, -2, -8, -30};
  const char *const cards[] = {"is=1e-14 jtun=1e-10 ntun=10",
                               "is=1e-12 n=1.2 jtun=1e-12 jtunsw=1e-11 ntun=15 xtitun=5 keg=0.8 "
                               "bv=6 ibv=1e-5 pj=2",
                               "is=1e-16 jtunsw=1e-9 ntun=20 rs=10 bv=20"};
  double worst = 0;
  for (int c = 0; c < 3; c++)
    for (int t = 0; t < 3; t++)
      for (int v = 0; v < 4; v++) {
        char text[640];
        snprintf(text, sizeof text,
                 "tun\n.temp %g\n.options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
                 ".model dt d(%s)\nv1 1 0 %g\nr1 1 2 1k\nd1 2 0 dt pj=3 m=2\nd2 2 3 dt\n"
                 "d3 0 3 dt 2\n",
                 temps[t], cards[c], supplies[v]);
        kh_netlist *nl = kh_test_parse(text);
        cr_assert_eq(kh_netlist_general_count(nl, NULL), 0);
        kh_netlist_free(nl);
        worst = fmax(worst, against_ngspice(text, 1e-9));
      }
  cr_log_info("tunnelling against ngspice: worst |dV| %.3g V over 36 decks", worst);
}

/* LEVEL=3: area W L and perimeter 2 (W + L) when both are given, scaled by .options scale, and
 * IBV scaled by the area; at any level W or L alone make AREA and PJ default to 1 and 0. */
Test(diode_models, level_3_geometry_matches_ngspice) {
  const char *const instances[] = {"w=2 l=3 m=2", "w=2 l=3", "area=3 m=2",
                                   "w=2 pj=1",    "w=2",     "l=4 w=0.5 area=9"};
  double worst = 0;
  for (int level = 1; level <= 3; level += 2)
    for (int scaled = 0; scaled < 2; scaled++)
      for (int k = 0; k < 6; k++) {
        char text[640];
        snprintf(text, sizeof text,
                 "l3\n%s\n.model dm d(is=1e-14 level=%d ibv=1m bv=5 jsw=1e-12 area=5 pj=7 rs=2)\n"
                 "v1 1 0 5\nr1 1 a 1k\nd1 a 0 dm %s\nv2 2 0 -7\nr2 2 b 100\nd2 b 0 dm %s\n",
                 scaled ? ".options scale=1e-6" : "", level, instances[k], instances[k]);
        worst = fmax(worst, against_ngspice(text, 1e-9));
      }
  cr_log_info("LEVEL 1 and 3 geometry against ngspice: worst |dV| %.3g V over 24 decks", worst);
}

/* NS without a knee: the sidewall is an exponential of its own beside the bottom one, each with
 * its reverse and breakdown branches, so the sum is monotone and has a co-content; the
 * co-content solver against ngspice at -40, 27 and 125 degrees C (with IKF on the sum, general
 * Newton takes it: tests/sim/general.c). */
Test(diode_models, sidewall_with_its_own_emission_through_the_co_content) {
  const double temps[] = {-40, 27, 125}, supplies[] = {0.8, -3, -12};
  double worst = 0;
  for (int t = 0; t < 3; t++)
    for (int v = 0; v < 3; v++) {
      char text[512];
      snprintf(text, sizeof text,
               "ns\n.temp %g\n.options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
               ".model dn d(is=1e-14 n=1.2 jsw=1e-11 ns=2 eg=1.2 xti=2.5 bv=10 ibv=1e-5)\n"
               "v1 1 0 %g\nr1 1 2 1k\nd1 2 0 dn pj=2\nd2 2 3 dn 2 pj=1\nd3 0 3 dn\n",
               temps[t], supplies[v]);
      kh_netlist *nl = kh_test_parse(text);
      cr_assert_eq(kh_netlist_general_count(nl, NULL), 0);
      kh_netlist_free(nl);
      worst = fmax(worst, against_ngspice(text, 1e-9));
    }
  cr_log_info("NS through the co-content against ngspice: worst |dV| %.3g V over 9 decks", worst);
}
