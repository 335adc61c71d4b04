/* Coupled learning (KH_EST_COUPLED) against its independent truth: one-sided EP on the cost
 * C = 1/2 (o - y)^T G_out (o - y), G_out = (P H^-1 P^T)^-1 the network's conductance seen at the
 * outputs, is the exact gradient of C with G_out held, which is the exact gradient of
 * 1/2 |o - t'|^2 at the pseudo-target t' = o - G_out (o - y). Coupled learning at eta agrees with
 * it to O(eta): the error halves with eta. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* G_out of the free state the model's solver holds (outputs x outputs, row-major), from one
 * adjoint solve per output, inverted by Gauss-Jordan. */
static void output_conductance(kh_test_gradient_fixture *f, double *G) {
  size_t K = kh_model_output_count(f->m), nodes = kh_netlist_node_count(f->nl);
  double M[8][16] = {{0}}, *rhs = calloc(nodes, sizeof *rhs),
         *lambda = malloc(nodes * sizeof *lambda);
  for (size_t k = 0; k < K; k++) {
    kh_output ok = kh_netlist_output(f->nl, k);
    memset(rhs, 0, nodes * sizeof *rhs);
    rhs[ok.node_pos] += 1, rhs[ok.node_neg] -= 1, rhs[0] = 0;
    cr_assert_eq(kh_solver_adjoint(f->ctx, kh_model_solver(f->m), rhs, lambda), KH_OK, "%s",
                 kh_last_error(f->ctx));
    for (size_t j = 0; j < K; j++) {
      kh_output oj = kh_netlist_output(f->nl, j);
      M[j][k] = lambda[oj.node_pos] - lambda[oj.node_neg];
    }
    M[k][K + k] = 1;
  }
  for (size_t c = 0; c < K; c++) { /* symmetric positive definite: no pivoting needed */
    double p = M[c][c];
    for (size_t j = 0; j < 2 * K; j++) M[c][j] /= p;
    for (size_t r = 0; r < K; r++) {
      double q = M[r][c];
      if (r != c)
        for (size_t j = 0; j < 2 * K; j++) M[r][j] -= q * M[c][j];
    }
  }
  for (size_t r = 0; r < K; r++)
    for (size_t c = 0; c < K; c++) G[r * K + c] = M[r][K + c];
  free(rhs), free(lambda);
}

static void coupled_is_one_sided_ep_on_the_conductance_cost(const char *arch, uint64_t seed) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, kh_test_drn(arch, seed, 2, 0, NULL));
  size_t K = kh_model_output_count(f.m);
  double o[8], G[64], pseudo[8];
  cr_assert_eq(kh_model_predict(f.ctx, f.m, o), KH_OK);
  output_conductance(&f, G);
  for (size_t r = 0; r < K; r++) {
    double s = 0;
    for (size_t c = 0; c < K; c++) s += G[r * K + c] * (o[c] - f.target[c]);
    pseudo[r] = o[r] - s;
  }
  double *ref = malloc(f.n * sizeof *ref), err[4];
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_EXACT, 0, pseudo, ref, NULL), KH_OK);
  double eta = 0.04;
  for (int k = 0; k < 4; k++, eta /= 2) {
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_COUPLED, eta, f.target, f.g, NULL), KH_OK,
                 "%s", kh_last_error(f.ctx));
    err[k] = kh_test_relative_error(f.g, ref, f.n);
  }
  double order = log2(err[2] / err[3]);
  cr_log_info("%s: coupled vs one-sided EP on the G_out cost, eta 0.04 .. 0.005: %.3g %.3g %.3g "
              "%.3g, fitted order %.3f",
              arch, err[0], err[1], err[2], err[3], order);
  cr_expect(order > 0.9 && order < 1.1, "%s: fitted order %.3f", arch, order);
  cr_expect(err[3] < 0.02, "%s: error %.3g at eta 0.005", arch, err[3]);
  /* and it is not the squared error's gradient (unless G_out = I) */
  cr_expect(kh_test_relative_error(f.g, f.exact, f.n) > 0.05);
  free(ref);
  kh_test_gradient_close(&f);
}

Test(coupled, is_one_sided_ep_on_the_conductance_cost) {
  coupled_is_one_sided_ep_on_the_conductance_cost("5-8-1", 3);
  coupled_is_one_sided_ep_on_the_conductance_cost("5-8-3", 4);
}

/* Hard clamping (eta = 1) runs; eta outside (0, 1] and
 * inexact phases are refused. */
Test(coupled, eta_is_checked_and_inexact_phases_refused) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, kh_test_drn("5-8-3", 4, 2, 0, NULL));
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_COUPLED, 1.0, f.target, f.g, NULL), KH_OK, "%s",
               kh_last_error(f.ctx));
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_COUPLED, 1.5, f.target, f.g, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(f.ctx), "eta must lie in (0, 1]"), "%s", kh_last_error(f.ctx));
  cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 10, 0, KH_INNER_FROM_FREE), KH_OK);
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_COUPLED, 0.1, f.target, f.g, NULL),
               KH_ERR_USAGE);
  kh_test_gradient_close(&f);
}
