/* Numerical honesty (issue 9): circuits built to make a solver return a wrong equilibrium.
 * Each either comes back right (against a closed form computed in long double) with its
 * certificate, or fails with KH_ERR_NUMERIC; none returns a wrong answer quietly. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double VT = 1.38064852e-23 * 300.15 / 1.6021766208e-19;

/* Solves text on the native backend: KH_OK with the voltages, or the failure. */
static kh_status solve(const char *text, kh_netlist **nl, double **v, kh_solve_stats *st) {
  *nl = kh_test_parse(text);
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_circuit *c;
  kh_solver *s;
  cr_assert_eq(kh_circuit_new(ctx, &c, *nl), KH_OK, "%s", kh_last_error(ctx));
  cr_assert_eq(kh_solver_new(ctx, &s, c, "native"), KH_OK);
  *v = malloc((kh_netlist_node_count(*nl) + 1) * sizeof **v);
  kh_status status = kh_solver_solve(ctx, s, *v, st);
  if (status != KH_OK) cr_expect_eq(status, KH_ERR_NUMERIC, "%s", kh_last_error(ctx));
  kh_solver_free(s), kh_circuit_free(c), kh_context_free(ctx);
  return status;
}

/* A series chain from a 1 V source to ground whose conductances alternate between 1e-6 and
 * 1e6 S (ratio 1e12): node k sits at (the resistance from it to ground) / (the total). With one
 * step of refinement the answer was only backward stable (1.6e-6 relative error at 0.25 V,
 * certified at 3.7e-17: the certificate's scale, g (|va| + |vb|), is what rounding allows, not
 * what the branch carries); refinement now runs until its corrections stop shrinking. */
Test(honesty, ladder_with_conductance_ratios_of_1e12) {
  enum { N = 40 };
  char text[8192];
  size_t used = (size_t)snprintf(text, sizeof text, "ladder\nv1 n0 0 1\n");
  long double r[N], total = 0;
  for (int k = 0; k < N; k++) {
    r[k] = k % 2 ? 1e-6L : 1e6L;
    total += r[k];
    char next[16] = "0";
    if (k + 1 < N) snprintf(next, sizeof next, "n%d", k + 1);
    used += (size_t)snprintf(text + used, sizeof text - used, "r%d n%d %s %.17g\n", k, k, next,
                             (double)r[k]);
  }
  kh_netlist *nl;
  double *v;
  kh_solve_stats st;
  if (solve(text, &nl, &v, &st) == KH_OK) {
    double worst = 0;
    for (int k = 1; k < N; k++) {
      long double below = 0; /* the resistance still ahead: no cancellation near ground */
      for (int i = k; i < N; i++) below += r[i];
      char name[16];
      snprintf(name, sizeof name, "n%d", k);
      double want = (double)(below / total);
      worst = fmax(worst, fabs(kh_test_node(nl, v, name) - want) / want);
    }
    cr_expect(worst <= 1e-12, "relative error %.3g (residual %.3g)", worst, st.relative_residual);
  }
  free(v);
  kh_netlist_free(nl);
}

/* A node held by 1e-300 S against 1 S: the factor is as near singular as a double allows. */
Test(honesty, node_hanging_by_a_vanishing_conductance) {
  kh_netlist *nl;
  double *v;
  kh_solve_stats st;
  if (solve("near singular\nv1 a 0 1\nr1 a b 1\nr2 b 0 1\nr3 b c 1e300\ni1 0 c 1e-300\n", &nl, &v,
            &st) == KH_OK) {
    /* c: the 1e-300 A source into 1e-300 S on top of v(b) = 0.5 */
    cr_expect(fabs(kh_test_node(nl, v, "b") - 0.5) <= 1e-12, "%.17g", kh_test_node(nl, v, "b"));
    cr_expect(fabs(kh_test_node(nl, v, "c") - 1.5) <= 1e-9, "%.17g", kh_test_node(nl, v, "c"));
  }
  free(v);
  kh_netlist_free(nl);
}

/* A diode that can never turn on (reverse-biased by 1 kV) carries only its GMIN current. */
Test(honesty, diode_that_can_never_turn_on) {
  kh_netlist *nl;
  double *v;
  kh_solve_stats st;
  cr_assert_eq(
      solve("reverse\n.model dd d(is=1e-14)\nv1 a 0 -1000\nr1 a b 1k\nd1 b 0 dd\n", &nl, &v, &st),
      KH_OK);
  /* reverse current IS plus GMIN (1e-12 S) leakage: b = -1000 + 1k * (IS + 1e-12 |v(b)|) */
  double want = (-1000 + 1e3 * 1e-14) / (1 + 1e3 * 1e-12);
  cr_expect(fabs(kh_test_node(nl, v, "b") - want) <= 1e-6, "%.17g vs %.17g",
            kh_test_node(nl, v, "b"), want);
  free(v);
  kh_netlist_free(nl);
}

/* 1 kV forward across a Shockley diode and 1 Ohm: undamped Newton from 0 V overflows exp()
 * at the first step; the line search on the co-content must still land on the Lambert-W
 * answer. */
Test(honesty, forward_bias_that_breaks_undamped_newton) {
  const double V = 1000, R = 1, IS = 1e-14, nvt = VT;
  double log_z = log(R * IS / nvt) + (V + R * IS) / nvt;
  double w = log_z - log(log_z);
  for (int i = 0; i < 60; i++) w -= (w + log(w) - log_z) / (1 + 1 / w);
  double want = V + R * IS - nvt * w;
  kh_netlist *nl;
  double *v;
  kh_solve_stats st;
  if (solve("forward\n.options gmin=0\n.model dd d(is=1e-14)\nv1 a 0 1000\nr1 a b 1\nd1 b 0 dd\n",
            &nl, &v, &st) == KH_OK)
    cr_expect(fabs(kh_test_node(nl, v, "b") - want) <= 1e-9, "%.17g vs %.17g (%u iterations)",
              kh_test_node(nl, v, "b"), want, st.iterations);
  free(v);
  kh_netlist_free(nl);
}
