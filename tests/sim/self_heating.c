/* Self-heating diodes (Dname n+ n- tj model thermal, RTH0) and VDMOS (Mname d g s tj tc model
 * thermal): general Newton against a closed form
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

/* A self-heating VDMOS in saturation, its threshold and KSUBTHRES without temperature laws:
 * the current is KP/2 (T/TNOM)^MU (T/T0)^MU vgst^2 (MU twice, as ngspice 39's vdmosload.c
 * applies it on top of vdmostemp.c's), vgst = KSUBTHRES ln(1 + e^((vgs - VTO)/KSUBTHRES)), its
 * power P = I vds enters tj, RTHJC joins tj to tc, and RTHCA is wired as ngspice 39 wires it: tc
 * leaks tc / RTHCA to ground and tj takes in 27 / RTHCA (the circuit's temperature in degrees
 * C). With a heat sink RX from tc to ground: tc = (P + 27/RTHCA) / (1/RTHCA + 1/RX) and
 * tj = tc + RTHJC (P + 27/RTHCA), checked at general Newton's answer (T = 300.15 K + v(tj)). */
Test(self_heating, vdmos_closed_form_at_the_answer) {
  const double supplies[] = {3, 10, 40};
  for (int k = 0; k < 3; k++) {
    double vds = supplies[k], kp = 1.5, mu = -1.4, ksub = 0.05, rjc = 0.8, rca = 50, rx = 5;
    char text[512];
    snprintf(text, sizeof text,
             "heat\n.model vh vdmos(vto=2 kp=%g mu=%g ksubthres=%g is=1e-20 rthjc=%g "
             "rthca=%g)\nvd d 0 %g\nvg g 0 3.5\nm1 d g 0 tj tc vh thermal\nrx tc 0 %g\n",
             kp, mu, ksub, rjc, rca, vds, rx);
    kh_netlist *nl = kh_test_parse(text);
    kh_solve_stats stats;
    double *v = kh_test_general(nl, NULL, &stats);
    double tj = kh_test_node(nl, v, "tj"), tc = kh_test_node(nl, v, "tc");
    double t = 300.15 + tj, ratio = t / 300.15, vgst = ksub * log1p(exp(1.5 / ksub));
    double power = 0.5 * kp * pow(ratio, 2 * mu) * vgst * vgst * vds, in = power + 27 / rca;
    double want_tc = in / (1 / rca + 1 / rx), want_tj = want_tc + rjc * in;
    cr_expect(fabs(tc - want_tc) <= 1e-9 * want_tc, "%g V: tc %.12g, want %.12g", vds, tc, want_tc);
    cr_expect(fabs(tj - want_tj) <= 1e-9 * want_tj, "%g V: tj %.12g, want %.12g", vds, tj, want_tj);
    cr_expect(stats.iterations <= 50, "%u iterations", stats.iterations);
    free(v);
    kh_netlist_free(nl);
  }
}

/* Against ngspice 39 with tight tolerances: n- and p-channel self-heating VDMOS with RD, RS, RB,
 * RD's temperature laws (TEXP0, TRD1), TCVTH and MU, on a heat sink to an ambient source, the
 * body diode forward in one, at -40, 27 and 85 degrees C. At 125 degrees and 5 V the second card
 * runs away: ngspice 39 finds no operating point, kirchhoff one with tj1 at 1632 (measured). */
Test(self_heating, vdmos_matches_ngspice) {
  const double temps[] = {-40, 27, 85}, supplies[] = {2, 5};
  const char *const cards[] = {
      "kp=6 lambda=0.002 theta=0.02 ksubthres=0.2 rd=0.05 rs=0.02 rb=0.02 is=1e-9 "
      "tcvth=-0.006 mu=-1.3 texp0=1.6 rthjc=0.6 rthca=400",
      "kp=4 ksubthres=0.3 rd=0.1 rb=0.05 is=2e-9 trd1=0.003 tcvth=0.004 mu=-1.2 rthjc=1.2"};
  double worst = 0;
  for (int c = 0; c < 2; c++)
    for (int t = 0; t < 3; t++)
      for (int s = 0; s < 2; s++) {
        char text[900];
        snprintf(text, sizeof text,
                 "heat\n.temp %g\n.options reltol=1e-12 abstol=1e-18 vntol=1e-14\n"
                 ".model nh vdmos(vto=3.5 %s)\n.model ph vdmos(pchan vto=-3 %s)\nvamb amb 0 25\n"
                 "vd d 0 %g\nvg g 0 6\nm1 d g 0 tj1 tc1 nh thermal\nrs1 tc1 amb 2\n"
                 "vs s 0 %g\nrl l 0 4\nm2 l 0 s tj2 tc2 ph m=2 thermal\nrs2 tc2 amb 5\n"
                 "vb b 0 -0.8\nrx x 0 0.1\nm3 b b x tj3 tc3 nh thermal\nrs3 tc3 0 3\n",
                 temps[t], cards[c], cards[c], supplies[s], supplies[s]);
        worst = fmax(worst, kh_test_general_vs_ngspice(text, 1e-6));
      }
  cr_log_info("self-heating VDMOS against ngspice: worst |dV| %.3g max(1, |V|) over 12 decks",
              worst);
}
