/* The EP nudge as a circuit change: closed forms, and the nudged solve from the free phase's
 * factor (Woodbury, no refactorization) against a cold solve of the same nudged circuit. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* A 1 V source, 1 ohm to `out`, 2 ohm to ground: free v = 2/3; the nudge is a conductance beta
 * from out to the target y, so v = (1 + beta y) / (1 + 1/2 + beta). */
Test(nudge, divider_closed_form_from_the_free_factor_and_cold) {
  const char *text = "divider\nv1 in 0 1\nr1 in out 1\nr2 out 0 2\n.output out\n";
  const double beta[] = {0.5, -0.5, 3.0}, y = 0.25;
  for (int cold = 0; cold < 2; cold++)
    for (int b = 0; b < 3; b++) {
      kh_test_rig r;
      kh_test_rig_open(&r, text, "native");
      double v[4];
      kh_solve_stats st;
      if (!cold) cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK);
      unsigned factored = cold ? 0 : st.factorizations;
      cr_assert_eq(kh_circuit_set_nudge(r.ctx, r.c, beta[b], &y), KH_OK);
      cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
      double want = (1 + beta[b] * y) / (1.5 + beta[b]);
      double got = kh_test_node(r.nl, v, "out");
      cr_expect(fabs(got - want) <= 1e-15, "beta %g cold %d: %.17g vs %.17g", beta[b], cold, got,
                want);
      if (!cold) cr_expect_eq(st.factorizations, factored, "nudged solve refactorized");
      kh_test_rig_close(&r);
    }
}

Test(nudge, rejects_bad_requests) {
  kh_test_rig r;
  kh_test_rig_open(&r, "t\nv1 in 0 1\nr1 in out 1\nr2 out 0 2\n", "native");
  double y = 0;
  cr_expect_eq(kh_circuit_set_nudge(r.ctx, r.c, 0.1, &y), KH_ERR_USAGE); /* no .output */
  kh_test_rig_close(&r);
  kh_test_rig_open(&r, "t\nv1 in 0 1\nr1 in out 1\nr2 out 0 2\n.output out\n", "native");
  cr_expect_eq(kh_circuit_set_nudge(r.ctx, r.c, NAN, &y), KH_ERR_USAGE);
  y = INFINITY;
  cr_expect_eq(kh_circuit_set_nudge(r.ctx, r.c, 0.1, &y), KH_ERR_INPUT);
  kh_test_rig_close(&r);
}

/* Ideal-diode networks: the nudged equilibrium reached from the free factor equals the one a
 * fresh solver finds from scratch. */
Test(nudge, free_factor_path_equals_a_cold_solve) {
  kh_context *ctx;
  kh_context_new(&ctx);
  double worst = 0;
  unsigned reused = 0, total = 0;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
    o.seed = seed, o.input_gain = 3;
    char *text = kh_test_netgen(&o, "6-12-8-4");
    /* drive the inputs */
    for (char *p = text; (p = strstr(p, "vx")); p++) {
      char *dc = strstr(p, " dc 0\n");
      if (dc) dc[4] = (char)('1' + (p - text) % 5);
    }
    kh_netlist *nl = kh_test_parse(text);
    free(text);
    kh_test_rig warm, cold;
    kh_test_rig_attach(&warm, nl, "native");
    kh_test_rig_attach(&cold, nl, "native");
    size_t n = kh_netlist_node_count(nl);
    double *v0 = malloc(n * sizeof *v0), *v1 = malloc(n * sizeof *v1), *v2 = malloc(n * sizeof *v2);
    double y[4] = {1, 0, 0, 1};
    kh_solve_stats st;
    cr_assert_eq(kh_solver_solve(ctx, warm.s, v0, &st), KH_OK, "%s", kh_last_error(ctx));
    for (int sign = -1; sign <= 1; sign += 2) {
      unsigned before = st.factorizations;
      kh_circuit_set_nudge(ctx, warm.c, sign * 0.05, y);
      cr_assert_eq(kh_solver_solve(ctx, warm.s, v1, &st), KH_OK, "%s", kh_last_error(ctx));
      reused += st.factorizations == before;
      total++;
      kh_circuit_set_nudge(ctx, cold.c, sign * 0.05, y);
      kh_solver_set_warm_start(cold.s, NULL);
      cr_assert_eq(kh_solver_solve(ctx, cold.s, v2, &st), KH_OK, "%s", kh_last_error(ctx));
      for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(v1[i] - v2[i]) / (1 + fabs(v2[i])));
      kh_solver_last_stats(warm.s, &st);
    }
    free(v0), free(v1), free(v2);
    kh_test_rig_close(&warm);
    kh_test_rig_close(&cold);
    kh_netlist_free(nl);
  }
  cr_log_info("nudged from the free factor vs cold: max relative |dv| %.3g; %u of %u nudged "
              "solves without refactorization",
              worst, reused, total);
  cr_expect(worst <= 1e-12, "max relative |dv| %.3g", worst);
  cr_expect(reused >= total / 2, "only %u of %u nudged solves reused the factor", reused, total);
  kh_context_free(ctx);
}

/* A chain of n 1-ohm resistors from a 1 V source to a 1-ohm load, every node an output. */
static void open_output_chain(kh_test_rig *r, int n) {
  size_t cap = (size_t)n * 48 + 256, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used, "chain\nv1 n0 0 1\nrend n%d 0 1\n", n);
  for (int i = 0; i < n; i++)
    used += (size_t)snprintf(text + used, cap - used, "r%d n%d n%d 1\n.output n%d\n", i, i, i + 1,
                             i + 1);
  kh_test_rig_open(r, text, "native");
  free(text);
}

/* The nudge's dense buffers (Z, n x m, and the m x m system) come with the first nudge, not with
 * the free phase: an 80,000-node chain with every node an output (Z would be 51 GB) solves its
 * operating point, and its nudge, where Z would be far larger than the factor, is solved by
 * projected Newton without asking for it. Truth: the chain's divider, and the nudged tridiagonal
 * system solved here by elimination. */
Test(nudge, many_outputs_cost_no_dense_memory_until_a_nudge) {
  enum { N = 80000 };
  kh_test_rig r;
  open_output_chain(&r, N);
  size_t nodes = kh_netlist_node_count(r.nl);
  double *v = malloc(nodes * sizeof *v), *y = calloc(N, sizeof *y);
  kh_solve_stats st;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
  for (int i = 0; i <= N; i += 997) {
    char name[16];
    snprintf(name, sizeof name, "n%d", i);
    cr_expect(fabs(kh_test_node(r.nl, v, name) - (1 - (double)i / (N + 1))) <= 1e-12, "%s", name);
  }
  /* nudged to 0 with beta at every node: (2 + beta) v_i - v_(i-1) - v_(i+1) = 0, v_0 = 1, and
   * the last node (1 + 1 + beta) v_N - v_(N-1) = 0 */
  const double beta = 0.01;
  cr_assert_eq(kh_circuit_set_nudge(r.ctx, r.c, beta, y), KH_OK);
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
  double *c = malloc((N + 1) * sizeof *c), *d = malloc((N + 1) * sizeof *d);
  for (int i = 1; i <= N; i++) { /* forward elimination of the tridiagonal system */
    double diag = 2 + beta - (i > 1 ? c[i - 1] : 0);
    c[i] = 1 / diag;
    d[i] = ((i == 1 ? 1.0 : 0.0) + (i > 1 ? d[i - 1] : 0)) / diag;
  }
  double want = d[N]; /* 1 ohm to ground at the end equals the chain's next resistor to 0 V */
  for (int i = N; i >= 1; i--) {
    if (i < N) want = d[i] + c[i] * want;
    if (i % 997 == 0 || i == N) {
      char name[16];
      snprintf(name, sizeof name, "n%d", i);
      cr_expect(fabs(kh_test_node(r.nl, v, name) - want) <= 1e-12, "%s: %.17g vs %.17g", name,
                kh_test_node(r.nl, v, name), want);
    }
  }
  free(c), free(d), free(v), free(y);
  kh_test_rig_close(&r);
}

/* Complex nudges have no Newton to fall back on: a Z larger than the memory the process may have
 * (here `ulimit -v` at 2 GB against 51 GB) is refused with what it would need, before anything
 * is allocated. The sanitizer build reserves terabytes of shadow memory, so it skips this. */
Test(nudge, complex_nudges_refuse_a_z_beyond_memory) {
  if (getenv("KH_SANITIZED")) return;
  enum { N = 80000 };
  kh_test_rig r;
  open_output_chain(&r, N);
  double *v = malloc(kh_netlist_node_count(r.nl) * sizeof *v), radius;
  kh_solve_stats st;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &st), KH_OK, "%s", kh_last_error(r.ctx));
  struct rlimit limit = {(rlim_t)2 << 30, (rlim_t)2 << 30};
  cr_assert_eq(setrlimit(RLIMIT_AS, &limit), 0);
  cr_assert_eq(kh_solver_nudge_radius(r.ctx, r.s, &radius), KH_ERR_NOMEM);
  cr_assert(strstr(kh_last_error(r.ctx), "needs a dense 80000 x 80000 matrix (51.2 GB), more "
                                         "than the 2.15 GB this process may have"),
            "%s", kh_last_error(r.ctx));
  free(v);
  kh_test_rig_close(&r);
}
