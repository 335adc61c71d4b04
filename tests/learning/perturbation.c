/* The perturbation rules against the exact gradient, on a 3-4-2 network with Shockley clamps (38
 * parameters, every loss smooth): central differences are exact up to O(sigma^2), so the error
 * of wp (every parameter once) and of node perturbation falls fourfold when sigma halves; spsa's
 * mean over 50 P draws carries the same O(sigma^2) bias, fitted from the same draws at sigma,
 * 2 sigma and 4 sigma (its cross terms do not depend on sigma), beside a sampling error of about
 * sqrt(P / K). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Conductances drawn in [0.05, 0.5] S, away from their bound gmin (where a perturbation is
 * taken about gmin + c instead: an O(sigma) bias by design). */
static void open_smooth(kh_test_gradient_fixture *f) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.seed = 5, o.input_gain = 2, o.init_low = 0.05, o.init_high = 0.5;
  char *text = kh_test_netgen(&o, "3-4-2"), *at = strstr(text, "d(kh_ideal=1)");
  cr_assert_not_null(at);
  size_t len = strlen(text) + 64;
  char *smooth = malloc(len);
  snprintf(smooth, len, "%.*sd(is=1e-12 n=1)%s", (int)(at - text), text, at + 13);
  kh_test_gradient_open(f, kh_test_parse(smooth));
  free(text), free(smooth);
  cr_assert(f->n <= 50, "%zu parameters", f->n);
}

static double error_at(kh_test_gradient_fixture *f, kh_estimator est, double sigma, unsigned k) {
  kh_model_set_perturbations(f->m, k, 7);
  cr_assert_eq(kh_model_gradient(f->ctx, f->m, est, sigma, f->target, f->g, NULL), KH_OK, "%s",
               kh_last_error(f->ctx));
  return kh_test_relative_error(f->g, f->exact, f->n);
}

static void second_order(kh_estimator est, unsigned k) {
  kh_test_gradient_fixture f;
  open_smooth(&f);
  double e[3] = {error_at(&f, est, 0.04, k), error_at(&f, est, 0.02, k),
                 error_at(&f, est, 0.01, k)};
  double order = log2(e[0] / e[2]) / 2; /* over both halvings */
  cr_log_info("%s: error at sigma 0.04, 0.02, 0.01: %.3g %.3g %.3g, fitted order %.2f",
              kh_estimator_name(est), e[0], e[1], e[2], order);
  cr_expect(order > 1.8 && order < 2.2, "%s: fitted order %.2f", kh_estimator_name(est), order);
  cr_expect(e[2] < 1e-3, "%s: error %.3g at sigma 0.01", kh_estimator_name(est), e[2]);
  kh_test_gradient_close(&f);
}

Test(perturbation, wp_is_the_central_difference_gradient) {
  second_order(KH_EST_WP, 1000); /* K >= P: every parameter once */
}

Test(perturbation, node_perturbation_reads_the_adjoint) {
  second_order(KH_EST_NODE_PERTURBATION, 1);
}

Test(perturbation, spsa_mean_is_the_gradient_plus_a_sigma_squared_bias) {
  kh_test_gradient_fixture f;
  open_smooth(&f);
  unsigned K = 50 * (unsigned)f.n;
  double *g[3];
  for (int s = 0; s < 3; s++) {
    g[s] = malloc(f.n * sizeof *g[s]);
    kh_model_set_perturbations(f.m, K, 11); /* the same draws at every sigma */
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_SPSA, 0.01 * (1 << s), f.target, g[s], NULL),
                 KH_OK, "%s", kh_last_error(f.ctx));
  }
  double d1 = 0, d2 = 0;
  for (size_t i = 0; i < f.n; i++)
    d1 += (g[1][i] - g[0][i]) * (g[1][i] - g[0][i]),
        d2 += (g[2][i] - g[1][i]) * (g[2][i] - g[1][i]);
  double order = log2(sqrt(d2 / d1) * 3 / 12) + 2; /* sigma^p: (4^p - 2^p) / (2^p - 1) = 2^p */
  /* each component's sampling error: the other parameters' terms over its own step,
   * sqrt(sum_j!=i (c_j g_j)^2 / K) / c_i, c_j = sigma times the mean |theta| of its kind */
  double *theta = malloc(f.n * sizeof *theta), *c = malloc(f.n * sizeof *c), total = 0, z2 = 0,
         worst = 0, mean[2] = {0, 0};
  size_t count[2] = {0, 0};
  kh_model_get_params(f.m, theta);
  for (size_t j = 0; j < f.n; j++) {
    int g = kh_model_param_is_conductance(f.m, j);
    mean[g] += fabs(theta[j]), count[g]++;
  }
  for (int k = 0; k < 2; k++) mean[k] = count[k] ? mean[k] / count[k] : 0;
  if (mean[0] == 0) mean[0] = mean[1];
  for (size_t j = 0; j < f.n; j++) c[j] = mean[kh_model_param_is_conductance(f.m, j)];
  for (size_t j = 0; j < f.n; j++) total += pow(c[j] * f.exact[j], 2);
  for (size_t i = 0; i < f.n; i++) {
    double sd = sqrt((total - pow(c[i] * f.exact[i], 2)) / K) / c[i];
    double z = (g[0][i] - f.exact[i]) / sd;
    z2 += z * z / (double)f.n, worst = fmax(worst, fabs(z));
  }
  cr_log_info("spsa, K = %u: bias fitted at sigma 0.01, 0.02, 0.04 of order %.2f; the mean's "
              "deviation from the exact gradient in sampling errors: rms %.2f, largest %.2f",
              K, order, sqrt(z2), worst);
  cr_expect(order > 1.8 && order < 2.2, "spsa: fitted bias order %.2f", order);
  cr_expect(sqrt(z2) < 2 && worst < 5, "spsa mean: rms %.2f, largest %.2f sampling errors",
            sqrt(z2), worst);
  free(theta), free(c);
  for (int s = 0; s < 3; s++) free(g[s]);
  kh_test_gradient_close(&f);
}
