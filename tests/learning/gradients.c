/* EP estimators against independent truth: the exact (adjoint) gradient against central finite
 * differences of the loss, and each estimator's error order in beta, fitted on a log-log scale,
 * on a network with smooth (Shockley) diodes where every estimator's Taylor expansion holds. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A generated DRN; smooth = 1 swaps the ideal clamps for Shockley diodes; amp > 0 puts
 * bidirectional amplifiers of that gain after every hidden layer. */
static double amp_gain = 0;

static kh_netlist *network(const char *arch, int smooth, uint64_t seed) {
  return kh_test_drn(arch, seed, 2, amp_gain, smooth ? "d(is=1u n=1) " : NULL);
}

typedef struct {
  kh_context *ctx;
  kh_netlist *nl;
  kh_model *m;
  size_t n, outs;
  double x[8], target[8];
} fixture;

static void open_fixture(fixture *f, const char *arch, int smooth, uint64_t seed) {
  kh_context_new(&f->ctx);
  f->nl = network(arch, smooth, seed);
  cr_assert_eq(kh_model_new(f->ctx, &f->m, f->nl), KH_OK, "%s", kh_last_error(f->ctx));
  f->n = kh_model_param_count(f->m);
  f->outs = kh_model_output_count(f->m);
  /* Generated networks start with half their conductances at gmin and every bias current at 0;
   * move all parameters to generic interior values (as training leaves them) so that finite
   * differences with a fixed step can resolve every component. */
  double *theta = malloc(f->n * sizeof *theta);
  for (size_t i = 0; i < f->n; i++)
    theta[i] = kh_model_param_is_conductance(f->m, i) ? 0.05 + 0.4 * fabs(sin(2.3 * (double)i))
                                                      : 0.05 * sin(3.0 * (double)i);
  cr_assert_eq(kh_model_set_params(f->ctx, f->m, theta), KH_OK);
  free(theta);
  for (size_t i = 0; i < kh_model_input_count(f->m); i++) f->x[i] = cos(1.7 * (double)i + seed);
  for (size_t k = 0; k < f->outs; k++) f->target[k] = k == 1 ? 1.0 : 0.0;
  cr_assert_eq(kh_model_set_input(f->ctx, f->m, f->x), KH_OK);
}

static void close_fixture(fixture *f) {
  kh_model_free(f->m);
  kh_netlist_free(f->nl);
  kh_context_free(f->ctx);
}

static double loss(fixture *f) {
  double out[8], l = 0;
  cr_assert_eq(kh_model_predict(f->ctx, f->m, out), KH_OK, "%s", kh_last_error(f->ctx));
  for (size_t k = 0; k < f->outs; k++) l += 0.5 * (out[k] - f->target[k]) * (out[k] - f->target[k]);
  return l;
}

static double rel_error(const double *a, const double *b, size_t n) {
  double d = 0, r = 0;
  for (size_t i = 0; i < n; i++) d += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
  return sqrt(d / r);
}

/* dL/dtheta_i by central differences with step h = 1e-6 (siemens or amperes; parameters are
 * >= 0.05): truncation O(h^2) ~ 1e-12, round-off ~ 1e-16 / 1e-6 = 1e-10. */
static void finite_differences(fixture *f, double *fd) {
  double *theta = malloc(f->n * sizeof *theta);
  kh_model_get_params(f->m, theta);
  for (size_t i = 0; i < f->n; i++) {
    double t = theta[i], h = 1e-6;
    theta[i] = t + h;
    kh_model_set_params(f->ctx, f->m, theta);
    double up = loss(f);
    theta[i] = t - h;
    kh_model_set_params(f->ctx, f->m, theta);
    double down = loss(f);
    theta[i] = t;
    fd[i] = (up - down) / (2 * h);
  }
  kh_model_set_params(f->ctx, f->m, theta);
  free(theta);
}

static void check_exact_against_fd(const char *arch, int smooth, uint64_t seed) {
  fixture f;
  open_fixture(&f, arch, smooth, seed);
  double *exact = malloc(f.n * sizeof *exact), *fd = malloc(f.n * sizeof *fd);
  kh_grad_info info = {0};
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_EXACT, 0, f.target, exact, &info), KH_OK, "%s",
               kh_last_error(f.ctx));
  cr_assert(fabs(info.loss - loss(&f)) <= 1e-14 * (1 + info.loss));
  finite_differences(&f, fd);
  double err = rel_error(exact, fd, f.n);
  if (getenv("KH_DEBUG"))
    for (size_t i = 0; i < f.n; i++)
      if (fabs(exact[i] - fd[i]) > 1e-6 * fabs(fd[i]))
        fprintf(stderr, "%s: exact %.9g fd %.9g\n", kh_model_param_name(f.m, i), exact[i], fd[i]);
  cr_log_info("%s (%s diodes): |exact - fd| / |fd| = %.3g over %zu parameters", arch,
              smooth ? "Shockley" : "ideal", err, f.n);
  cr_expect(err <= 1e-6, "%s: exact gradient vs finite differences: %.3g", arch, err);
  free(exact), free(fd);
  close_fixture(&f);
}

Test(gradients, exact_matches_finite_differences_with_smooth_diodes) {
  check_exact_against_fd("5-8-3", 1, 3);
  check_exact_against_fd("4-6-6-2", 1, 4);
}

/* With ideal diodes the loss is smooth wherever the active set does not change; the steps above
 * are far too small to change it at a generic point. */
Test(gradients, exact_matches_finite_differences_with_ideal_diodes) {
  check_exact_against_fd("5-8-3", 0, 5);
  check_exact_against_fd("4-6-6-2", 0, 6);
}

/* With amplifiers the solver minimizes a weighted co-content (1/A^2 per stage); the exact
 * gradient and EP must still be the derivatives of the physical circuit's loss. */
Test(gradients, exact_matches_finite_differences_with_amplifiers) {
  amp_gain = 3;
  check_exact_against_fd("4-6-6-2", 1, 11);
  check_exact_against_fd("4-6-6-2", 0, 12);
  amp_gain = 0;
}

Test(gradients, centered_ep_converges_with_amplifiers) {
  amp_gain = 2;
  fixture f;
  open_fixture(&f, "4-6-6-2", 1, 13);
  double *exact = malloc(f.n * sizeof *exact), *g = malloc(f.n * sizeof *g), err[3];
  const double beta[] = {0.04, 0.02, 0.01};
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_EXACT, 0, f.target, exact, NULL), KH_OK);
  for (int b = 0; b < 3; b++) {
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, beta[b], f.target, g, NULL), KH_OK,
                 "%s", kh_last_error(f.ctx));
    err[b] = rel_error(g, exact, f.n);
  }
  cr_log_info("centered EP with amplifiers: errors %.2e %.2e %.2e", err[0], err[1], err[2]);
  cr_expect(err[2] < 1e-3 && fabs(kh_test_loglog_slope(beta, err, 3) - 2) <= 0.3,
            "errors %.2e %.2e %.2e", err[0], err[1], err[2]);
  free(exact), free(g);
  close_fixture(&f);
  amp_gain = 0;
}

Test(gradients, estimators_converge_at_their_order) {
  fixture f;
  open_fixture(&f, "5-8-3", 1, 7);
  double *exact = malloc(f.n * sizeof *exact), *g = malloc(f.n * sizeof *g);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_EXACT, 0, f.target, exact, NULL), KH_OK);
  static const struct {
    kh_estimator e;
    double order;
  } cases[] = {{KH_EST_PLUS, 1},     {KH_EST_MINUS, 1},    {KH_EST_CENTERED, 2},
               {KH_EST_FORWARD2, 1}, {KH_EST_FORWARD3, 2}, {KH_EST_FORWARD4, 3},
               {KH_EST_FORWARD5, 4}};
  const double beta[] = {0.08, 0.04, 0.02, 0.01};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double err[4];
    for (int b = 0; b < 4; b++) {
      cr_assert_eq(kh_model_gradient(f.ctx, f.m, cases[c].e, beta[b], f.target, g, NULL), KH_OK,
                   "%s", kh_last_error(f.ctx));
      err[b] = rel_error(g, exact, f.n);
    }
    double s = kh_test_loglog_slope(beta, err, 4);
    cr_log_info("%-9s errors %.2e %.2e %.2e %.2e: slope %.2f (order %.0f)",
                kh_estimator_name(cases[c].e), err[0], err[1], err[2], err[3], s, cases[c].order);
    cr_expect(fabs(s - cases[c].order) <= 0.3, "%s: slope %.2f, expected %.0f +- 0.3",
              kh_estimator_name(cases[c].e), s, cases[c].order);
  }
  free(exact), free(g);
  close_fixture(&f);
}

/* Centered EP is the mean of the two one-sided estimators; forward2 is the one-sided +beta. */
Test(gradients, stencils_are_consistent) {
  fixture f;
  open_fixture(&f, "5-8-3", 0, 8);
  size_t n = f.n;
  double *plus = malloc(n * sizeof *plus), *minus = malloc(n * sizeof *minus),
         *centered = malloc(n * sizeof *centered), *fwd2 = malloc(n * sizeof *fwd2);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_PLUS, 0.1, f.target, plus, NULL), KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_MINUS, 0.1, f.target, minus, NULL), KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, 0.1, f.target, centered, NULL),
               KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_FORWARD2, 0.1, f.target, fwd2, NULL), KH_OK);
  for (size_t i = 0; i < n; i++) {
    double scale = fabs(plus[i]) + fabs(minus[i]) + 1e-300;
    cr_expect(fabs(centered[i] - 0.5 * (plus[i] + minus[i])) <= 1e-9 * scale, "parameter %zu", i);
    cr_expect(fabs(fwd2[i] - plus[i]) <= 1e-9 * scale, "parameter %zu", i);
  }
  free(plus), free(minus), free(centered), free(fwd2);
  close_fixture(&f);
}

Test(gradients, bad_requests_are_errors) {
  fixture f;
  open_fixture(&f, "3-4-2", 0, 9);
  double g[64];
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, 0, f.target, g, NULL), KH_ERR_USAGE);
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, NAN, f.target, g, NULL),
               KH_ERR_USAGE);
  double bad[3] = {NAN, 0, 0};
  cr_expect_eq(kh_model_set_input(f.ctx, f.m, bad), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(f.ctx), "not finite") != NULL);
  double target[2] = {INFINITY, 0};
  cr_expect_neq(kh_model_gradient(f.ctx, f.m, KH_EST_PLUS, 0.1, target, g, NULL), KH_OK);
  cr_expect_eq(kh_estimator_from_name("nonsense"), -1);
  close_fixture(&f);
}
