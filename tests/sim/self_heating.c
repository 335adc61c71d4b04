/* Self-heating diodes (Dname n+ n- tj model thermal, RTH0): general Newton against a closed form
 * at its answer, against ngspice 39 over temperatures and branches, both operating points of a
 * bistable (thermal runaway) circuit, and the refusal where a co-content is needed. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A current I into the diode: all the power, junction and RS, is I v(k), so the rise is
 * RTH0 I v(k); at T = 300.15 K + rise the junction carries I at v(k) - I RS(T) with ngspice's
 * saturation current IS (T/TNOM)^(XTI/N) exp((T/TNOM - 1) EG / (N Vt)). Both are checked at
 * general Newton's answer, written out here rather than taken from sim/circuit/diode.c. */
Test(self_heating, closed_form_at_the_answer) {
  const double currents[] = {1e-3, 0.1, 2};
  for (int c = 0; c < 3; c++) {
    double I = currents[c], is = 1e-12, n = 1.4, rs = 0.3, trs = 0.004, rth0 = 60, eg = 1.11;
    char text[512];
    snprintf(text, sizeof text,
             "heat\n.model dh d(is=%g n=%g rs=%g trs=%g rth0=%g)\ni1 0 k %g\n"
             "d1 k 0 tj dh thermal\n",
             is, n, rs, trs, rth0, I);
    kh_netlist *nl = kh_test_parse(text);
    kh_solve_stats stats;
    double *v = kh_test_general(nl, NULL, &stats);
    double vk = kh_test_node(nl, v, "k"), rise = kh_test_node(nl, v, "tj");
    cr_expect(fabs(rise - rth0 * I * vk) <= 1e-9 * rise, "%g A: rise %.12g, RTH0 I v %.12g", I,
              rise, rth0 * I * vk);
    double tnom = 300.15, t = tnom + rise, vt = 1.38064852e-23 / 1.6021766208e-19 * t;
    double ist = is * pow(t / tnom, 3 / n) * exp((t / tnom - 1) * eg / (n * vt));
    double vj = vk - I * rs * (1 + trs * (t - tnom));
    double junction = ist * expm1(vj / (n * vt)) + 1e-12 * vj;
    cr_expect(fabs(junction - I) <= 1e-9 * I, "%g A: the junction carries %.12g A at %.6g K", I,
              junction, t);
    cr_expect(stats.iterations <= 50, "%u iterations", stats.iterations);
    free(v);
    kh_netlist_free(nl);
  }
}

/* Against ngspice 39 with tight tolerances: forward, reverse and breakdown at -40, 27 and 125
 * degrees C; RS with TRS, IKF, area and m; a thermal node joined to an ambient source. */
Test(self_heating, matches_ngspice) {
  const double temps[] = {-40, 27, 125}, supplies[] = {3, 24, -2, -40};
  const char *const cards[] = {"is=2e-9 n=1.6 rs=0.05 trs=0.004 bv=30 ibv=10u rth0=40",
                               "is=1e-14 n=1.05 ikf=0.02 rth0=200 eg=0.69 xti=2 tnom=50",
                               "is=4.35n n=1.906 rs=0.6458 bv=20 ibv=1m nbv=1.5 rth0=350"};
  double worst = 0;
  for (int c = 0; c < 3; c++)
    for (int t = 0; t < 3; t++)
      for (int s = 0; s < 4; s++) {
        char text[640];
        snprintf(text, sizeof text,
                 "heat\n.temp %g\n.options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
                 ".model dh d(%s)\nv1 in 0 %g\nr1 in a 100\nd1 a 0 t1 dh area=2 thermal\n"
                 "r2 in b 1k\nd2 b 0 t2 dh m=3 thermal\nvamb amb 0 20\nrcase t2 amb 80\n",
                 temps[t], cards[c], supplies[s]);
        worst = fmax(worst, kh_test_general_vs_ngspice(text, 1e-6));
      }
  cr_log_info("self-heating against ngspice: worst |dV| %.3g max(1, |V|) over 36 decks", worst);
}

/* Thermal runaway: a reverse-biased junction behind a hot RS has a cold operating point and a hot
 * one (where the saturation current at some 1400 K shorts the junction and RS dissipates 150 W).
 * From 0 V Newton finds the cold one; started at the hot one (ngspice 39's answer), it stays. */
Test(self_heating, both_operating_points_of_a_runaway) {
  kh_netlist *nl = kh_test_parse("runaway\n.temp 125\n"
                                 ".model dm d(is=1.56672e-12 n=1.13141 rth0=7.68388 rs=6.4614 "
                                 "trs=0.000733303)\nv1 a 0 -45.5372\nr1 a k 1.1991\n"
                                 "d1 k 0 tj dm dtemp=10 thermal\nrth tj amb 50\nvamb amb 0 0\n");
  kh_solve_stats stats;
  double *cold = kh_test_general(nl, NULL, &stats);
  cr_expect(fabs(kh_test_node(nl, cold, "tj")) < 1e-3, "cold rise %g",
            kh_test_node(nl, cold, "tj"));
  double *guess = calloc(kh_netlist_node_count(nl), sizeof *guess);
  guess[kh_netlist_find_node(nl, "a")] = -45.5372;
  guess[kh_netlist_find_node(nl, "k")] = -41.2728;
  guess[kh_netlist_find_node(nl, "tj")] = 977.6;
  double *hot = kh_test_general(nl, guess, &stats);
  cr_expect(fabs(kh_test_node(nl, hot, "tj") - 977.6074) < 1e-3, "hot rise %.10g",
            kh_test_node(nl, hot, "tj"));
  cr_expect(stats.residual <= 1e-12 || stats.relative_residual <= 1e-9);
  int monotone = 1;
  cr_expect(strstr(kh_netlist_diode_general_reason(nl, 2, &monotone), "self-heating"));
  cr_expect_eq(monotone, 0);
  free(cold), free(guess), free(hot);
  kh_netlist_free(nl);
}

Test(self_heating, refused_where_a_co_content_is_needed) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = kh_test_parse("t\n.model dh d(rth0=10)\nv1 1 0 1\nr1 1 2 1k\n"
                                 "d1 2 0 tj dh thermal\n");
  kh_circuit *c = NULL;
  cr_expect_eq(kh_circuit_new(ctx, &c, nl), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(ctx), "test.cir:5:1: diode 'd1' has no co-content (self-heating"),
            "%s", kh_last_error(ctx));
  kh_netlist_free(nl);
  kh_context_free(ctx);
}
