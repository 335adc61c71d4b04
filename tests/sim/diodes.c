/* Diodes: closed forms, the certificate, warm starts, and agreement with ngspice. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double VT = 1.38064852e-23 * 300.15 / 1.6021766208e-19;

static double solve_node(const char *text, const char *node, const char *backend) {
  kh_netlist *nl = kh_test_parse(text);
  double *v = kh_test_solve(nl, backend);
  double x = kh_test_node(nl, v, node);
  free(v);
  kh_netlist_free(nl);
  return x;
}

/* Principal branch of Lambert W for large z, from w + ln w = ln z (Newton in log space). */
static double lambert_w_of_log(double log_z) {
  double w = log_z - log(log_z);
  for (int i = 0; i < 50; i++) w -= (w + log(w) - log_z) / (1 + 1 / w);
  return w;
}

Test(diodes, shockley_and_resistor_match_lambert_w) {
  /* V = R I + v, I = IS (exp(v/nVt) - 1), no GMIN:
   * v = V + R IS - nVt W((R IS / nVt) exp((V + R IS) / nVt)) */
  const double V = 5, R = 1e3, IS = 1e-14, N = 1.5, nvt = N * VT;
  double log_z = log(R * IS / nvt) + (V + R * IS) / nvt;
  double expected = V + R * IS - nvt * lambert_w_of_log(log_z);
  double got =
      solve_node("lambert\n.options gmin=0\n.model dd d(is=1e-14 n=1.5)\nv1 in 0 5\nr1 in a 1k\n"
                 "d1 a 0 dd\n",
                 "a", "native");
  cr_assert_float_eq(got, expected, 1e-12, "got %.17g want %.17g", got, expected);
}

Test(diodes, ideal_clipper_clamps_to_its_bias_sources) {
  const double inputs[] = {-5, -1.5, -0.25, 0, 0.7, 3};
  for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
    char text[512];
    snprintf(text, sizeof text,
             "clipper\n.model di d(kh_ideal=1)\nvin in 0 %g\nr1 in out 1k\nr2 out 0 1meg\n"
             "vhi hi 0 1\nvlo lo 0 -1\nd1 out hi di\nd2 lo out di\n",
             inputs[k]);
    double open = inputs[k] * 1e6 / (1e6 + 1e3);
    double want = open > 1 ? 1 : open < -1 ? -1 : open;
    cr_assert_float_eq(solve_node(text, "out", "native"), want, 1e-12, "input %g", inputs[k]);
  }
}

Test(diodes, thresholds_shift_the_clamp) {
  const char *t = "t\n.model dv d(kh_ideal=1 kh_vth=0.3)\nv1 in 0 5\nr1 in a 1k\nd1 a 0 dv\n";
  cr_assert_float_eq(solve_node(t, "a", "native"), 0.3, 1e-15);
}

Test(diodes, pwl_diode_closed_form) {
  /* (5 - v)/1k = goff vth + gon (v - vth)  =>  v = (5/1k - goff vth + gon vth) / (1/1k + gon) */
  const char *t = "t\n.model dp d(kh_pwl=1 kh_gon=0.01 kh_goff=1e-6 kh_vth=0.5)\n"
                  "v1 in 0 5\nr1 in a 1k\nd1 a 0 dp\n";
  double want = (5e-3 - 1e-6 * 0.5 + 0.01 * 0.5) / (1e-3 + 0.01);
  cr_assert_float_eq(solve_node(t, "a", "native"), want, 1e-15);
}

Test(diodes, degenerate_diode_exactly_at_threshold) {
  /* the divider puts `a` at exactly 1 V, where the clamp sits: no current either way */
  const char *t =
      "t\n.model di d(kh_ideal=1)\nv1 in 0 2\nr1 in a 1k\nr2 a 0 1k\nvb b 0 1\nd1 a b di\n";
  cr_assert_float_eq(solve_node(t, "a", "native"), 1.0, 1e-15);
}

Test(diodes, certificate_reports_complementarity) {
  kh_test_rig r;
  kh_test_rig_open(&r,
                   "t\n.model di d(kh_ideal=1)\nv1 in 0 5\nr1 in a 1k\nr2 a 0 1k\n"
                   "vb b 0 1\nd1 a b di\nr3 in c 1k\nr4 c 0 1k\nd2 c b2 di\n"
                   "vb2 b2 0 4\n",
                   "native");
  kh_context *ctx = r.ctx;
  kh_netlist *nl = r.nl;
  kh_solver *s = r.s;
  double v[8];
  kh_solve_stats st;
  cr_assert_eq(kh_solver_solve(ctx, s, v, &st), KH_OK, "%s", kh_last_error(ctx));
  cr_assert_float_eq(v[kh_netlist_find_node(nl, "a")], 1.0, 1e-15); /* d1 conducts */
  cr_assert_float_eq(v[kh_netlist_find_node(nl, "c")], 2.5, 1e-15); /* d2 is off */
  cr_assert_leq(st.ideal_violation, 0.0, "v - vth = %g", st.ideal_violation);
  cr_assert_lt(st.relative_residual, 1e-14);
  kh_test_rig_close(&r);
}

Test(diodes, warm_start_gives_the_cold_answer) {
  const char *t = "t\n.model dd d(is=1e-14)\n.model di d(kh_ideal=1)\nv1 in 0 3\nr1 in a 1k\n"
                  "d1 a 0 dd\nr2 a b 2k\nd2 b m di\nvm m 0 0.2\nr3 b 0 5k\n";
  kh_test_rig r;
  kh_test_rig_open(&r, t, "native");
  kh_context *ctx = r.ctx;
  kh_netlist *nl = r.nl;
  kh_circuit *c = r.c;
  kh_solver *warm = r.s;
  kh_solver *cold;
  double vw[8], vc[8];
  kh_solve_stats sw, sc;
  cr_assert_eq(kh_solver_solve(ctx, warm, vw, &sw), KH_OK, "%s", kh_last_error(ctx));
  unsigned cold_iterations = sw.iterations;
  cr_assert_eq(kh_circuit_set_source(ctx, c, kh_netlist_find_element(nl, "v1"), 3.1), KH_OK);
  cr_assert_eq(kh_solver_solve(ctx, warm, vw, &sw), KH_OK);
  cr_assert_eq(kh_solver_new(ctx, &cold, c, "native"), KH_OK);
  cr_assert_eq(kh_solver_solve(ctx, cold, vc, &sc), KH_OK);
  for (size_t i = 0; i < kh_netlist_node_count(nl); i++)
    cr_assert_float_eq(vw[i], vc[i], 1e-13, "node %s", kh_netlist_node_name(nl, i));
  cr_assert_lt(sw.iterations, cold_iterations, "warm %u vs cold %u iterations", sw.iterations,
               cold_iterations);
  kh_solver_free(cold);
  kh_test_rig_close(&r);
}

/* A diode straight across a source carries what the source gives it and moves nothing Newton
 * moves: the same circuit with and without one across its 5 V source takes the same Newton
 * iterations and gives the same voltages. (Its trust region was widened one N Vt per Newton
 * round up to 5 V: 17 extra iterations on the 2,500-diode grid of bench/diodes.sh.) */
Test(diodes, a_junction_across_a_source_costs_no_iterations) {
  const char *base = "t\n.model dd d(is=1e-14)\nv1 in 0 5\nr1 in a 200\nd1 a 0 dd\nr2 a b 100\n"
                     "d2 b 0 dd\nr3 in b 1k\n";
  char with[512];
  snprintf(with, sizeof with, "%sdacross in 0 dd\n", base);
  double v[2][8];
  unsigned iterations[2];
  for (int k = 0; k < 2; k++) {
    kh_test_rig r;
    kh_test_rig_open(&r, k ? with : base, "native");
    kh_solve_stats st;
    cr_assert_eq(kh_solver_solve(r.ctx, r.s, v[k], &st), KH_OK, "%s", kh_last_error(r.ctx));
    iterations[k] = st.iterations;
    kh_test_rig_close(&r);
  }
  cr_assert_eq(iterations[1], iterations[0],
               "%u Newton iterations with the diode across v1, %u without", iterations[1],
               iterations[0]);
  for (int i = 0; i < 4; i++) cr_assert_eq(v[1][i], v[0][i], "node %d", i);
}

/* Both junctions carry 20-30 mA, far past the 1 mA where their trust regions start (newton.c):
 * the regions move once Newton is within a tenth of N Vt of this round's minimizer, not after
 * it has converged to it. 13 Newton iterations; moving them only at convergence took 17. */
Test(diodes, trust_regions_move_before_newton_converges) {
  kh_test_rig r;
  kh_test_rig_open(&r,
                   "t\n.model dd d(is=1e-14)\nv1 in 0 5\nr1 in a 200\nd1 a 0 dd\nr2 a b 100\n"
                   "d2 b 0 dd\nr3 in b 1k\n",
                   "native");
  double v[8];
  kh_solve_stats st;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
  cr_assert_leq(st.iterations, 14, "%u Newton iterations", st.iterations);
  kh_test_rig_close(&r);
}

static kh_status build_error(const char *text, char *message, size_t cap) {
  kh_netlist *nl = kh_test_parse(text);
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  double v[16];
  kh_status st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &s, c, "native");
  if (st == KH_OK) st = kh_solver_solve(ctx, s, v, NULL);
  snprintf(message, cap, "%s", kh_last_error(ctx));
  kh_solver_free(s);
  kh_circuit_free(c);
  kh_context_free(ctx);
  kh_netlist_free(nl);
  return st;
}

Test(diodes, impossible_clamps_are_input_errors) {
  char msg[1024];
  cr_assert_eq(build_error("t\n.model di d(kh_ideal=1)\nv1 a 0 2\nv2 b 0 1\nd1 a b di\n"
                           "r1 a 0 1k\n",
                           msg, sizeof msg),
               KH_ERR_INPUT);
  cr_assert(strstr(msg, "test.cir:5:1: ideal diode 'd1' cannot be satisfied"), "%s", msg);
  cr_assert_eq(build_error("t\n.model di d(kh_ideal=1)\nvh h 0 -1\nvl l 0 1\nr1 x 0 1k\n"
                           "d1 x h di\nd2 l x di\n",
                           msg, sizeof msg),
               KH_ERR_INPUT);
  cr_assert(strstr(msg, "cannot be satisfied"), "%s", msg);
  const char *rs = kh_test_parse_error("t\n.model dr d(kh_ideal=1 rs=10)\nv1 a 0 1\nr1 a b 1k\n"
                                       "d1 b 0 dr\n");
  cr_assert(strstr(rs, "test.cir:2:24: 'rs' applies to Shockley diodes only"), "%s", rs);
}

/* Lambert W for any z > 0: Halley's iteration on w e^w = z, started in log space for large z. */
static double lambert_w(double z) {
  double w = z < 3 ? log1p(z) : log(z) - log(log(z));
  for (int i = 0; i < 100; i++) {
    double e = exp(w), f = w * e - z;
    double step = f / (e * (w + 1) - (w + 2) * f / (2 * w + 2));
    w -= step;
    if (fabs(step) <= 1e-16 * (1 + fabs(w))) break;
  }
  return w;
}

/* Half-wave rectifier: source, series 100 ohm, Shockley diode, 1k load. Bias points over the
 * input range from reverse to strong forward, against the Lambert-W solution. */
Test(diodes, half_wave_rectifier_bias_points) {
  const double IS = 1e-12, N = 1.2, nvt = N * VT, RS = 100, RL = 1000, R = RS + RL;
  const double inputs[] = {-0.05, 0.1, 0.45, 0.7, 2, 10}; /* v >= -3 N Vt: the exponential */
  for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
    double V = inputs[k];
    double z = (R * IS / nvt) * exp((V + R * IS) / nvt);
    double w = z > 1e300 ? lambert_w_of_log(log(R * IS / nvt) + (V + R * IS) / nvt) : lambert_w(z);
    double vd = V + R * IS - nvt * w, want = RL * (V - vd) / R;
    char text[512];
    snprintf(text, sizeof text,
             "half-wave\n.options gmin=0\n.model dr d(is=1e-12 n=1.2)\nvin in 0 %g\n"
             "rs in a 100\nd1 a out dr\nrl out 0 1k\n",
             V);
    double got = solve_node(text, "out", "native");
    cr_expect(fabs(got - want) <= 1e-12 * (1 + fabs(want)), "V = %g: got %.17g want %.17g", V, got,
              want);
  }
}

/* Full-wave bridge with ideal diodes (threshold 0.5 V), 1k load between c and d, 1 Mohm leaks
 * to ground: |v(c) - v(d)| = |V| - 2 vth once both diodes of a path conduct. */
Test(diodes, ideal_diode_bridge) {
  const double RL = 1e3, RG = 1e6, k = RG / (RL + RG);
  const struct {
    double v, c, d;
  } cases[] = {{3, 2.5, 0.5},          {-3, -0.5, -2.5}, {0.7, 0.2, 0.2 * k},
               {-0.7, -0.2 * k, -0.2}, {0.2, 0, 0},      {1.0, 0.5, 0.5 * k}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[600];
    snprintf(text, sizeof text,
             "bridge\n.model di d(kh_ideal=1 kh_vth=0.5)\nvin a 0 %g\n"
             "d1 a c di\nd2 0 c di\nd3 d a di\nd4 d 0 di\nrl c d 1k\nrgc c 0 1meg\n"
             "rgd d 0 1meg\n",
             cases[i].v);
    kh_netlist *nl = kh_test_parse(text);
    double *v = kh_test_solve(nl, "native");
    double c = kh_test_node(nl, v, "c"), d = kh_test_node(nl, v, "d");
    cr_expect(fabs(c - cases[i].c) <= 1e-12 && fabs(d - cases[i].d) <= 1e-12,
              "V = %g: c %.17g (want %.17g), d %.17g (want %.17g)", cases[i].v, c, cases[i].c, d,
              cases[i].d);
    free(v);
    kh_netlist_free(nl);
  }
}

/* Ideal diodes between two free nodes (augmented Lagrangian): a series diode with threshold
 * 0.3 V between two 1k resistors, forward and reverse; then two in series inside a ladder, and
 * each against ngspice's steep stand-in. */
Test(diodes, ideal_diode_between_free_nodes) {
  const struct {
    double v, a, b;
  } cases[] = {{5, 2.65, 2.35}, {-5, -5, 0}, {0.2, 0.2, 0}, {0.3, 0.3, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[400];
    snprintf(text, sizeof text,
             "series\n.model di d(kh_ideal=1 kh_vth=0.3)\nv1 in 0 %g\nr1 in a 1k\nd1 a b di\n"
             "r2 b 0 1k\nrl a 0 1meg\n",
             cases[i].v);
    kh_netlist *nl = kh_test_parse(text);
    double *v = kh_test_solve(nl, "native");
    double a = kh_test_node(nl, v, "a"), b = kh_test_node(nl, v, "b");
    /* rl (1 Mohm) loads a; when the diode is off, a = v 1e6 / (1e6 + 1e3) and b = 0 */
    if (cases[i].v > 0.3) {
      /* a: (5 - a)/1k = a/1meg + (a - 0.3)/1k */
      double exact_a = (5.0 / 1e3 + 0.3 / 1e3) / (2.0 / 1e3 + 1e-6);
      cr_expect(fabs(a - exact_a) <= 1e-12 && fabs(b - (exact_a - 0.3)) <= 1e-12,
                "V = %g: a %.17g (want %.17g), b %.17g", cases[i].v, a, exact_a, b);
    } else {
      double exact_a = cases[i].v * 1e6 / (1e6 + 1e3);
      cr_expect(fabs(a - exact_a) <= 1e-12 && fabs(b) <= 1e-12,
                "V = %g: a %.17g (want %.17g), b %.17g", cases[i].v, a, exact_a, b);
    }
    free(v);
    double *ng = kh_test_solve(nl, "ngspice");
    cr_expect(fabs(kh_test_node(nl, ng, "a") - a) <= 2e-3, "V = %g vs ngspice", cases[i].v);
    free(ng);
    kh_netlist_free(nl);
  }
}

/* Series resistance: the junction behind RS on an internal node, as ngspice does it. Against
 * Lambert W with R = 1k + RS/area, and ngspice, and written back with RS in the model. */
Test(diodes, series_resistance) {
  const double IS = 1e-14 * 2, nvt = VT, R = 1e3 + 10.0 / 2, V = 1;
  double log_z = log(R * IS / nvt) + (V + R * IS) / nvt;
  double vd = V + R * IS - nvt * lambert_w_of_log(log_z), i = (V - vd) / R;
  const char *text = "rs\n.options gmin=0\n.model dr d(is=1e-14 rs=10)\nv1 a 0 1\nr1 a b 1k\n"
                     "d1 b 0 dr area=2\n";
  kh_netlist *nl = kh_test_parse(text);
  double *v = kh_test_solve(nl, "native"), *ng = kh_test_solve(nl, "ngspice");
  double b = kh_test_node(nl, v, "b"), junction = kh_test_node(nl, v, "d1#rs");
  cr_expect(fabs(b - (V - 1e3 * i)) <= 1e-12, "v(b) %.17g want %.17g", b, V - 1e3 * i);
  cr_expect(fabs(junction - vd) <= 1e-12, "junction %.17g want %.17g", junction, vd);
  cr_expect(fabs(kh_test_node(nl, ng, "b") - b) <= 1e-6, "ngspice %.17g",
            kh_test_node(nl, ng, "b"));
  char *written = NULL;
  kh_context *ctx;
  kh_context_new(&ctx);
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &written), KH_OK);
  cr_expect(strstr(written, "d1 b 0 dr area=2\n") && !strstr(written, "rs#d1"), "%s", written);
  free(written), free(v), free(ng);
  kh_context_free(ctx);
  kh_netlist_free(nl);
}

/* Newton on a Shockley grid reuses earlier factors through preconditioned CG (lagged.c): fewer
 * factorizations than iterations, the same certified answer, and the adjoint afterwards is that
 * of the final Hessian (checked by reciprocity: dv(out)/dI(probe) = lambda(probe) for
 * H lambda = e(out), from two solves with a probe current of +-1 uA). */
Test(diodes, lagged_newton_keeps_the_exact_adjoint) {
  enum { N = 20 };
  size_t cap = 64 * N * N * 4, len = 0;
  char *text = malloc(cap);
  len += (size_t)snprintf(text + len, cap - len,
                          "grid\n.model dd d(is=1e-12 n=1.2)\nv1 n0_0 0 5\niprobe 0 n7_11 0\n");
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      if (j + 1 < N)
        len += (size_t)snprintf(text + len, cap - len, "rh%d_%d n%d_%d n%d_%d %d\n", i, j, i, j, i,
                                j + 1, 100 + (i * 7 + j * 3) % 50);
      if (i + 1 < N)
        len += (size_t)snprintf(text + len, cap - len, "rv%d_%d n%d_%d n%d_%d %d\n", i, j, i, j,
                                i + 1, j, 100 + (i * 5 + j * 11) % 50);
      if ((i + j) % 2 && (i || j))
        len += (size_t)snprintf(text + len, cap - len, "d%d_%d n%d_%d 0 dd\n", i, j, i, j);
    }
  len += (size_t)snprintf(text + len, cap - len, "rload n%d_%d 0 500\n", N - 1, N - 1);
  kh_test_rig r;
  kh_test_rig_open(&r, text, "native");
  free(text);
  size_t nodes = kh_netlist_node_count(r.nl), out = kh_netlist_find_node(r.nl, "n15_3");
  size_t probe = kh_netlist_find_node(r.nl, "n7_11"),
         isrc = kh_netlist_find_element(r.nl, "iprobe");
  double *v = malloc(nodes * sizeof *v), *lambda = malloc(nodes * sizeof *lambda), vo[2];
  kh_solve_stats st;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
  cr_log_info("Newton %u iterations, %u factorizations, %u CG iterations", st.iterations,
              st.factorizations, st.krylov_iterations);
  cr_expect_lt(st.factorizations, st.iterations);
  cr_expect_gt(st.krylov_iterations, 0u);
  cr_expect_lt(st.relative_residual, 1e-12);
  for (size_t n = 0; n < nodes; n++) lambda[n] = n == out;
  cr_assert_eq(kh_solver_adjoint(r.ctx, r.s, lambda, lambda), KH_OK, "%s", kh_last_error(r.ctx));
  for (int k = 0; k < 2; k++) {
    cr_assert_eq(kh_circuit_set_source(r.ctx, r.c, isrc, k ? -1e-6 : 1e-6), KH_OK);
    cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
    vo[k] = v[out];
  }
  double fd = (vo[0] - vo[1]) / 2e-6; /* current into the probe node raises it */
  cr_log_info("dv/dI %.12g, lambda %.12g", fd, lambda[probe]);
  cr_expect(fabs(fd - lambda[probe]) <= 1e-6 * fabs(lambda[probe]), "dv/dI %.12g vs lambda %.12g",
            fd, lambda[probe]);
  free(v), free(lambda);
  kh_test_rig_close(&r);
}
