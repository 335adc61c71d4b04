/* The native solver against circuits with answers worked out by hand. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TOL 1e-12

static double solve_node(const char *text, const char *node) {
  kh_netlist *nl = kh_test_parse(text);
  double *v = kh_test_solve(nl, "native");
  double x = kh_test_node(nl, v, node);
  free(v);
  kh_netlist_free(nl);
  return x;
}

Test(closed_forms, divider) {
  cr_assert_float_eq(solve_node("t\nv1 in 0 10\nr1 in mid 1k\nr2 mid 0 3k\n", "mid"), 7.5, TOL);
}

Test(closed_forms, series_and_parallel) {
  /* 1k in series with 2k || 2k: half of 10 V */
  cr_assert_float_eq(solve_node("t\nv1 in 0 10\nr1 in m 1k\nr2 m 0 2k\nr3 m 0 2k\n", "m"), 5, TOL);
  /* three parallel paths to a current source: 1 mA into 1k||1k||2k = 400 ohm */
  cr_assert_float_eq(solve_node("t\ni1 0 m 1m\nr1 m 0 1k\nr2 m 0 1k\nr3 m 0 2k\n", "m"), 0.4, TOL);
}

Test(closed_forms, r2r_ladder_halves_at_every_node) {
  char text[8192];
  int n = sprintf(text, "r-2r ladder\nv1 n0 0 1\n");
  const int bits = 12;
  for (int k = 0; k < bits; k++)
    n += sprintf(text + n, "rs%d n%d n%d 1k\nrp%d n%d 0 2k\n", k, k, k + 1, k, k + 1);
  sprintf(text + n, "rterm n%d 0 2k\n", bits);
  kh_netlist *nl = kh_test_parse(text);
  double *v = kh_test_solve(nl, "native");
  for (int k = 0; k <= bits; k++) {
    char name[16];
    snprintf(name, sizeof name, "n%d", k);
    cr_assert_float_eq(kh_test_node(nl, v, name), ldexp(1.0, -k), TOL, "node %s", name);
  }
  free(v);
  kh_netlist_free(nl);
}

/* Wheatstone bridge: top node at V, arms r1-r2 (node c) and r3-r4 (node d), galvanometer rg
 * between c and d. Nodal equations solved by Cramer's rule here, independently. */
static void bridge(double r1, double r2, double r3, double r4, double rg) {
  const double V = 3.0;
  double g1 = 1 / r1, g2 = 1 / r2, g3 = 1 / r3, g4 = 1 / r4, gg = 1 / rg;
  double a11 = g1 + g2 + gg, a12 = -gg, a22 = g3 + g4 + gg, b1 = g1 * V, b2 = g3 * V;
  double det = a11 * a22 - a12 * a12;
  double vc = (b1 * a22 - a12 * b2) / det, vd = (a11 * b2 - a12 * b1) / det;
  char text[512];
  snprintf(text, sizeof text,
           "bridge\nv1 top 0 %.17g\nr1 top c %.17g\nr2 c 0 %.17g\nr3 top d %.17g\nr4 d 0 %.17g\n"
           "rg c d %.17g\n",
           V, r1, r2, r3, r4, rg);
  kh_netlist *nl = kh_test_parse(text);
  double *v = kh_test_solve(nl, "native");
  cr_assert_float_eq(kh_test_node(nl, v, "c"), vc, TOL);
  cr_assert_float_eq(kh_test_node(nl, v, "d"), vd, TOL);
  free(v);
  kh_netlist_free(nl);
}

Test(closed_forms, wheatstone_bridge) {
  bridge(1e3, 2e3, 3e3, 4e3, 500);
  bridge(1e3, 2e3, 5e2, 1e3, 1e6); /* balanced: c and d equal */
  bridge(1, 1e6, 1e6, 1, 1e-3);
}

Test(closed_forms, floating_voltage_source) {
  /* (5 - vb)/1k = vc/1k and vb - vc = 2  =>  vb = 3.5, vc = 1.5 */
  const char *t = "t\nv1 a 0 5\nr1 a b 1k\nv2 b c 2\nr2 c 0 1k\n";
  cr_assert_float_eq(solve_node(t, "b"), 3.5, TOL);
  cr_assert_float_eq(solve_node(t, "c"), 1.5, TOL);
}

Test(closed_forms, chained_floating_sources_form_one_supernode) {
  /* b = d + 3, c = d + 2; 1 mA into the supernode, three 1k to ground:
   * (b + c + d)/1k = 1m  =>  3d + 5 = 1  =>  d = -4/3 */
  const char *t = "t\ni1 0 b 1m\nv1 b c 1\nv2 c d 2\nr1 b 0 1k\nr2 c 0 1k\nr3 d 0 1k\n";
  cr_assert_float_eq(solve_node(t, "d"), -4.0 / 3, TOL);
  cr_assert_float_eq(solve_node(t, "b"), 5.0 / 3, TOL);
}

Test(closed_forms, current_source_direction_follows_spice) {
  cr_assert_float_eq(solve_node("t\ni1 0 a 1m\nr1 a 0 1k\n", "a"), 1.0, TOL);
  cr_assert_float_eq(solve_node("t\ni1 a 0 1m\nr1 a 0 1k\n", "a"), -1.0, TOL);
}

Test(closed_forms, subcircuits_and_params) {
  const char *t = "t\n.param rr=2k\n"
                  ".subckt half a b r=1k\nr1 a m {r}\nr2 m b {r}\n.ends\n"
                  "v1 in 0 8\nx1 in out half r={rr/2}\nx2 out 0 half r={rr*1.5}\n";
  /* x1 is 2k in total, x2 is 6k: out = 8 * 6/8 = 6; x2.m = 3 */
  cr_assert_float_eq(solve_node(t, "out"), 6, TOL);
  cr_assert_float_eq(solve_node(t, "x2.m"), 3, TOL);
  cr_assert_float_eq(solve_node(t, "x1.m"), 7, TOL);
}

Test(closed_forms, all_nodes_fixed_needs_no_factorization) {
  cr_assert_float_eq(solve_node("t\nv1 a 0 2\nv2 b a 3\nr1 b 0 1k\n", "b"), 5, TOL);
}

Test(closed_forms, new_values_reuse_the_analysis) {
  kh_test_rig r;
  kh_test_rig_open(&r, "t\nv1 in 0 10\nr1 in mid 1k\nr2 mid 0 1k\ni1 0 mid 0\n", "native");
  kh_context *ctx = r.ctx;
  kh_netlist *nl = r.nl;
  kh_circuit *c = r.c;
  kh_solver *s = r.s;
  double v[3];
  kh_solve_stats st;
  size_t mid = kh_netlist_find_node(nl, "mid");
  cr_assert_eq(kh_solver_solve(ctx, s, v, &st), KH_OK);
  cr_assert_float_eq(v[mid], 5, TOL);
  cr_assert_eq(st.factorizations, 1);
  cr_assert_eq(kh_circuit_set_conductance(ctx, c, kh_netlist_find_element(nl, "r2"), 3e-3), KH_OK);
  cr_assert_eq(kh_solver_solve(ctx, s, v, &st), KH_OK);
  cr_assert_float_eq(v[mid], 2.5, TOL); /* 1k over 333.3 ohm */
  cr_assert_eq(st.factorizations, 2);
  cr_assert_eq(st.analyses, 1);
  cr_assert_eq(kh_circuit_set_source(ctx, c, kh_netlist_find_element(nl, "v1"), 4), KH_OK);
  cr_assert_eq(kh_circuit_set_source(ctx, c, kh_netlist_find_element(nl, "i1"), 4e-3), KH_OK);
  cr_assert_eq(kh_solver_solve(ctx, s, v, &st), KH_OK);
  cr_assert_float_eq(v[mid], (4e-3 + 4e-3) / 4e-3, TOL); /* (I + V g1)/(g1 + g2) */
  cr_assert_eq(st.factorizations, 2, "source values must not refactor");
  cr_assert_lt(st.relative_residual, 1e-14);
  cr_assert_eq(kh_circuit_set_conductance(ctx, c, 0, 1.0), KH_ERR_USAGE); /* v1 is no resistor */
  cr_assert_eq(kh_circuit_set_conductance(ctx, c, 1, -1.0), KH_ERR_INPUT);
  kh_test_rig_close(&r);
}

Test(closed_forms, unknown_backend_is_a_usage_error) {
  kh_netlist *nl = kh_test_parse("t\nv1 a 0 1\nr1 a 0 1\n");
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_circuit *c;
  kh_solver *s;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_OK);
  cr_assert_eq(kh_solver_new(ctx, &s, c, "spice3"), KH_ERR_USAGE);
  kh_circuit_free(c);
  kh_context_free(ctx);
  kh_netlist_free(nl);
}

/* The ngspice backend solves the circuit as it stands, not as it was parsed: new conductances
 * and source values reach its deck. */
Test(closed_forms, ngspice_sees_changed_values) {
  kh_test_rig r;
  kh_test_rig_open(&r, "t\nv1 in 0 1\nr1 in mid 1k\nr2 mid 0 1k\n", "ngspice");
  kh_netlist *nl = r.nl;
  cr_assert_eq(kh_circuit_set_conductance(r.ctx, r.c, kh_netlist_find_element(nl, "r2"), 4e-3),
               KH_OK);
  cr_assert_eq(kh_circuit_set_source(r.ctx, r.c, kh_netlist_find_element(nl, "v1"), 2.0), KH_OK);
  double v[3];
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, NULL), KH_OK, "%s", kh_last_error(r.ctx));
  /* 2 V over 1k and 250 ohm: mid = 2 * 250 / 1250 = 0.4 V (the parsed circuit gives 0.5 V) */
  double mid = kh_test_node(nl, v, "mid");
  cr_expect(fabs(mid - 0.4) <= 1e-7, "mid %.17g", mid);
  kh_test_rig_close(&r);
}

/* At DC an inductor is a short (a 0 V source: its ends share one unknown) and a capacitor is
 * open, whatever ic= and m= say: 10 V over 1k and 3k in series through two inductors. */
Test(closed_forms, inductors_short_and_capacitors_open) {
  kh_netlist *nl = kh_test_parse("rl\nv1 a 0 10\nl1 a b 10u ic=1m\nr1 b c 1k\nl2 c d 1m m=2\n"
                                 "r2 d 0 3k\nc1 d 0 1u ic=0.5\nc2 b 0 1n\n");
  double *v = kh_test_solve(nl, "native");
  cr_expect_eq(kh_test_node(nl, v, "b"), 10.0);
  cr_expect(fabs(kh_test_node(nl, v, "c") - 7.5) <= 1e-14);
  cr_expect_eq(kh_test_node(nl, v, "c"), kh_test_node(nl, v, "d"));
  free(v);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("t\nv1 a 0 1\nl1 a b -1u\nr1 b 0 1\n"),
                   "test.cir:3:8: inductance must not be negative"));
}
