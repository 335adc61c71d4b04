/* Implicit differentiation with an approximate adjoint (issue 25): first-order, rbp (Richardson,
 * whose iterates are the truncated Neumann series'), cg and cg-jacobi. Each reaches the exact
 * gradient as k grows on linear, ideal-diode and Shockley networks; from 0 and unpreconditioned,
 * cg's error in the H-norm is never above rbp's (the same Krylov space, cg optimal in it); rbp's
 * iterate is the Neumann series summed term by term; first-order's adjoint is the right-hand
 * side itself. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* kind 0: Shockley clamps; 1: ideal ones (kh_test_drn's default). */
static kh_netlist *network(int kind, uint64_t seed) {
  return kh_test_drn("5-8-3", seed, 2, 0, kind == 0 ? "d(is=1u n=1) " : NULL);
}

static double relative_error_at(kh_test_gradient_fixture *f, kh_estimator est, unsigned k) {
  cr_assert_eq(kh_model_set_adjoint_iterations(f->ctx, f->m, k), KH_OK);
  cr_assert_eq(kh_model_gradient(f->ctx, f->m, est, 0, f->target, f->g, NULL), KH_OK, "%s",
               kh_last_error(f->ctx));
  return kh_test_relative_error(f->g, f->exact, f->n);
}

Test(adjoints, iterative_estimators_reach_the_exact_gradient) {
  const char *const names[] = {"Shockley", "ideal-diode"};
  for (int kind = 0; kind < 2; kind++) {
    kh_test_gradient_fixture f;
    kh_test_gradient_open(&f, network(kind, 5));
    double cg = relative_error_at(&f, KH_EST_CG, 200),
           jac = relative_error_at(&f, KH_EST_CG_JACOBI, 200);
    double rbp = relative_error_at(&f, KH_EST_RBP, 100000);
    cr_log_info("%s 5-8-3: relative error cg %.2e, cg-jacobi %.2e (k = 200), rbp %.2e (k = 1e5)",
                names[kind], cg, jac, rbp);
    cr_expect(cg <= 1e-8 && jac <= 1e-8 && rbp <= 1e-8, "%s: cg %.2e cg-jacobi %.2e rbp %.2e",
              names[kind], cg, jac, rbp);
    /* and they get there: a few products leave an error that more products reduce */
    cr_expect(relative_error_at(&f, KH_EST_CG, 2) > relative_error_at(&f, KH_EST_CG, 6));
    cr_expect(relative_error_at(&f, KH_EST_RBP, 5) > relative_error_at(&f, KH_EST_RBP, 50));
    kh_test_gradient_close(&f);
  }
}

/* A linear resistor network with three read-outs, solved, for the adjoint's matrix. */
static const char *const ladder = "ladder\nv1 in 0 1\nr1 in a 1k\nr2 a b 2k\nr3 b c 1.5k\n"
                                  "r4 c d 3k\nr5 a 0 10k\nr6 b 0 4.7k\nr7 c 0 22k\nr8 d 0 1k\n"
                                  "r9 a c 6.8k\nr10 b d 3.3k\n.output v(b) v(c) v(d)\n";

static double h_norm2(kh_test_rig *r, const double *a, const double *b, double *e, double *he,
                      size_t nodes) {
  for (size_t i = 0; i < nodes; i++) e[i] = a[i] - b[i];
  cr_assert_eq(kh_solver_hessian_apply(r->ctx, r->s, e, he), KH_OK, "%s", kh_last_error(r->ctx));
  double s = 0;
  for (size_t i = 0; i < nodes; i++) s += e[i] * he[i];
  return s;
}

Test(adjoints, cg_is_never_worse_than_rbp_in_the_h_norm) {
  kh_test_rig r;
  kh_test_rig_open(&r, ladder, "native");
  size_t nodes = kh_netlist_node_count(r.nl);
  double *buf = calloc(6 * nodes, sizeof *buf), *v = buf, *rhs = v + nodes, *exact = rhs + nodes,
         *lam = exact + nodes, *e = lam + nodes, *he = e + nodes;
  kh_solve_stats stats;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &stats), KH_OK, "%s", kh_last_error(r.ctx));
  for (size_t i = 1; i < nodes; i++) rhs[i] = cos(1.7 * (double)i + 0.3);
  cr_assert_eq(kh_solver_adjoint(r.ctx, r.s, rhs, exact), KH_OK);
  /* linear: cg exact within the unknowns' count, rbp after many products */
  cr_assert_eq(kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_CG, 8, 1.0, rhs, lam, NULL),
               KH_OK);
  cr_expect(kh_test_relative_error(lam, exact, nodes) <= 1e-10, "cg: %.2e",
            kh_test_relative_error(lam, exact, nodes));
  cr_assert_eq(
      kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_RICHARDSON, 20000, 1.0, rhs, lam, NULL),
      KH_OK);
  cr_expect(kh_test_relative_error(lam, exact, nodes) <= 1e-8, "rbp: %.2e",
            kh_test_relative_error(lam, exact, nodes));
  for (unsigned k = 1; k <= 6; k++) {
    cr_assert_eq(kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_CG, k, 1.0, rhs, lam, NULL),
                 KH_OK);
    double cg = h_norm2(&r, lam, exact, e, he, nodes);
    cr_assert_eq(
        kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_RICHARDSON, k, 1.0, rhs, lam, NULL),
        KH_OK);
    double rbp = h_norm2(&r, lam, exact, e, he, nodes);
    cr_expect(cg <= rbp * (1 + 1e-12) + 1e-300, "k = %u: cg %.3e above rbp %.3e", k, cg, rbp);
  }
  free(buf);
  kh_test_rig_close(&r);
}

Test(adjoints, rbp_is_the_truncated_neumann_series_and_first_order_the_identity) {
  kh_test_rig r;
  kh_test_rig_open(&r, ladder, "native");
  size_t nodes = kh_netlist_node_count(r.nl);
  double *buf = calloc(6 * nodes, sizeof *buf), *v = buf, *rhs = v + nodes, *term = rhs + nodes,
         *sum = term + nodes, *lam = sum + nodes, *ht = lam + nodes;
  kh_solve_stats stats;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &stats), KH_OK, "%s", kh_last_error(r.ctx));
  for (size_t i = 1; i < nodes; i++) rhs[i] = sin(0.9 * (double)i + 0.2);
  unsigned k = 12;
  kh_adjoint_stats as;
  cr_assert_eq(
      kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_RICHARDSON, k, 1.0, rhs, lam, &as), KH_OK);
  cr_expect(as.products == k - 1, "%u products", as.products);
  /* alpha sum_{i<k} (I - alpha H)^i g, a term at a time (nodes that sources fix stay 0) */
  for (size_t i = 0; i < nodes; i++)
    term[i] = kh_circuit_node_fixed(r.c, i) ? 0 : as.alpha * rhs[i];
  memcpy(sum, term, nodes * sizeof *sum);
  for (unsigned i = 1; i < k; i++) {
    cr_assert_eq(kh_solver_hessian_apply(r.ctx, r.s, term, ht), KH_OK);
    for (size_t j = 0; j < nodes; j++) term[j] -= as.alpha * ht[j], sum[j] += term[j];
  }
  cr_expect(kh_test_relative_error(lam, sum, nodes) <= 1e-12, "rbp and the series differ by %.2e",
            kh_test_relative_error(lam, sum, nodes));
  cr_assert_eq(kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_IDENTITY, 1, 1.0, rhs, lam, &as),
               KH_OK);
  for (size_t i = 0; i < nodes; i++)
    cr_expect(lam[i] == (kh_circuit_node_fixed(r.c, i) ? 0 : rhs[i]), "node %zu", i);
  cr_expect_eq(as.products, 0);
  cr_expect_eq(kh_estimator_from_name("neumann"), KH_EST_RBP);
  free(buf);
  kh_test_rig_close(&r);
}

/* The phantom gradient (Geng et al. 2021): k damped Jacobi steps from the equilibrium,
 * differentiated. With damping 1 and many steps on these contractions it is the exact gradient;
 * with damping 0.5 it gets there too, more slowly; and its adjoint is the series
 * d D^-1 sum_{i<k} (I - d H D^-1)^i g, summed here term by term with D read off H. */
Test(adjoints, phantom_gradients_reach_the_exact_one_and_are_their_series) {
  for (int kind = 0; kind < 2; kind++) {
    kh_test_gradient_fixture f;
    kh_test_gradient_open(&f, network(kind, 7));
    double full = relative_error_at(&f, KH_EST_PHANTOM, 2000);
    cr_assert_eq(kh_model_set_phantom_damping(f.ctx, f.m, 0.5), KH_OK);
    double half = relative_error_at(&f, KH_EST_PHANTOM, 4000);
    double early = relative_error_at(&f, KH_EST_PHANTOM, 3);
    cr_expect(full <= 1e-8 && half <= 1e-8, "damping 1: %.2e, 0.5: %.2e", full, half);
    cr_expect(early > 1e-3, "3 steps already exact? %.2e", early);
    cr_expect_eq(kh_model_set_phantom_damping(f.ctx, f.m, 1.5), KH_ERR_USAGE);
    kh_test_gradient_close(&f);
  }
  kh_test_rig r;
  kh_test_rig_open(&r, ladder, "native");
  size_t nodes = kh_netlist_node_count(r.nl);
  double *buf = calloc(7 * nodes, sizeof *buf), *v = buf, *g = v + nodes, *d = g + nodes,
         *y = d + nodes, *sum = y + nodes, *hy = sum + nodes, *lam = hy + nodes;
  kh_solve_stats stats;
  cr_assert_eq(kh_solver_solve(r.ctx, r.s, v, &stats), KH_OK, "%s", kh_last_error(r.ctx));
  for (size_t i = 0; i < nodes; i++) { /* H's diagonal, a unit vector at a time */
    memset(y, 0, nodes * sizeof *y);
    y[i] = 1;
    cr_assert_eq(kh_solver_hessian_apply(r.ctx, r.s, y, hy), KH_OK);
    d[i] = hy[i] > 0 ? hy[i] : 1;
    g[i] = kh_circuit_node_fixed(r.c, i) ? 0 : cos(0.5 * (double)i + 1);
  }
  double damping = 0.7;
  unsigned k = 9;
  cr_assert_eq(
      kh_solver_adjoint_iterative(r.ctx, r.s, KH_ADJOINT_PHANTOM, k, damping, g, lam, NULL), KH_OK);
  memcpy(y, g, nodes * sizeof *y), memset(sum, 0, nodes * sizeof *sum);
  for (unsigned i = 0; i < k; i++) {
    for (size_t j = 0; j < nodes; j++) sum[j] += y[j], hy[j] = y[j] / d[j];
    cr_assert_eq(kh_solver_hessian_apply(r.ctx, r.s, hy, hy), KH_OK); /* H D^-1 y */
    for (size_t j = 0; j < nodes; j++) y[j] -= damping * hy[j];
  }
  for (size_t j = 0; j < nodes; j++) sum[j] *= damping / d[j];
  cr_expect(kh_test_relative_error(lam, sum, nodes) <= 1e-12,
            "phantom and its series differ by %.2e", kh_test_relative_error(lam, sum, nodes));
  free(buf);
  kh_test_rig_close(&r);
}
