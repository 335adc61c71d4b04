/* kh_model_vjp: c^T do/dtheta and c^T do/dx for any output cotangent c, against central finite
 * differences of c^T o (parameters and inputs, Shockley clamps, amplifiers), the estimators'
 * VJPs against the exact one at small beta, and the inputs it refuses. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  kh_context *ctx;
  kh_netlist *nl;
  kh_model *m;
  size_t n, ins, outs;
  double x[8], c[8];
} fixture;

static void open_fixture(fixture *f, const char *arch, double amp, uint64_t seed) {
  kh_context_new(&f->ctx);
  f->nl = kh_test_drn(arch, seed, 2, amp, "d(is=1u n=1) ");
  cr_assert_eq(kh_model_new(f->ctx, &f->m, f->nl), KH_OK, "%s", kh_last_error(f->ctx));
  f->n = kh_model_param_count(f->m);
  f->ins = kh_model_input_count(f->m), f->outs = kh_model_output_count(f->m);
  double *theta = malloc(f->n * sizeof *theta);
  for (size_t i = 0; i < f->n; i++) /* interior values, as training leaves them */
    theta[i] = kh_model_param_is_conductance(f->m, i) ? 0.05 + 0.4 * fabs(sin(2.3 * (double)i))
                                                      : 0.05 * sin(3.0 * (double)i);
  cr_assert_eq(kh_model_set_params(f->ctx, f->m, theta), KH_OK);
  free(theta);
  for (size_t i = 0; i < f->ins; i++) f->x[i] = cos(1.7 * (double)i + (double)seed);
  for (size_t k = 0; k < f->outs; k++) f->c[k] = 0.7 - 0.9 * (double)k; /* not a loss's */
  cr_assert_eq(kh_model_set_input(f->ctx, f->m, f->x), KH_OK);
}

static void close_fixture(fixture *f) {
  kh_model_free(f->m), kh_netlist_free(f->nl), kh_context_free(f->ctx);
}

/* c^T o at the present parameters and input */
static double projected(fixture *f) {
  double o[8], s = 0;
  cr_assert_eq(kh_model_predict(f->ctx, f->m, o), KH_OK, "%s", kh_last_error(f->ctx));
  for (size_t k = 0; k < f->outs; k++) s += f->c[k] * o[k];
  return s;
}

static double rel_error(const double *a, const double *b, size_t n) {
  double d = 0, r = 0;
  for (size_t i = 0; i < n; i++) d += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
  return sqrt(d / r);
}

/* central differences of c^T o: parameters (relative step), then inputs */
static void finite_differences(fixture *f, double *dtheta, double *dx) {
  double *theta = malloc(f->n * sizeof *theta);
  kh_model_get_params(f->m, theta);
  for (size_t i = 0; i < f->n; i++) {
    double t = theta[i], h = 1e-6 * fmax(fabs(t), 1e-3);
    theta[i] = t + h, kh_model_set_params(f->ctx, f->m, theta);
    double up = projected(f);
    theta[i] = t - h, kh_model_set_params(f->ctx, f->m, theta);
    dtheta[i] = (up - projected(f)) / (2 * h);
    theta[i] = t;
  }
  kh_model_set_params(f->ctx, f->m, theta);
  free(theta);
  for (size_t i = 0; i < f->ins; i++) {
    double xi = f->x[i], h = 1e-6;
    f->x[i] = xi + h, kh_model_set_input(f->ctx, f->m, f->x);
    double up = projected(f);
    f->x[i] = xi - h, kh_model_set_input(f->ctx, f->m, f->x);
    dx[i] = (up - projected(f)) / (2 * h);
    f->x[i] = xi;
  }
  kh_model_set_input(f->ctx, f->m, f->x);
}

static void check_exact(const char *arch, double amp, uint64_t seed) {
  fixture f;
  open_fixture(&f, arch, amp, seed);
  double *g = malloc(f.n * sizeof *g), *fd = malloc(f.n * sizeof *fd), gx[8], fx[8], o[8];
  cr_assert_eq(kh_model_vjp(f.ctx, f.m, KH_EST_EXACT, 0, f.c, g, gx, o, NULL), KH_OK, "%s",
               kh_last_error(f.ctx));
  double cto = 0;
  for (size_t k = 0; k < f.outs; k++) cto += f.c[k] * o[k];
  cr_assert_float_eq(cto, projected(&f), 1e-14, "outputs are the free phase's");
  finite_differences(&f, fd, fx);
  double ep = rel_error(g, fd, f.n), ex = rel_error(gx, fx, f.ins);
  cr_log_info("%s amp %g: parameters %.2e, inputs %.2e against finite differences", arch, amp, ep,
              ex);
  cr_expect_lt(ep, 1e-6, "parameters: %g", ep);
  cr_expect_lt(ex, 1e-6, "inputs: %g", ex);
  free(g), free(fd);
  close_fixture(&f);
}

Test(vjp, exact_matches_finite_differences) {
  check_exact("3-5-2", 0, 1);
  check_exact("4-6-5-3", 0, 2);
}

Test(vjp, exact_matches_finite_differences_with_amplifiers) {
  check_exact("3-4-4-2", 3.0, 3);
}

/* Each estimator estimates the same VJP: centered EP to O(beta^2), holomorphic to O(beta^N) */
Test(vjp, estimators_approach_the_exact_vjp) {
  fixture f;
  open_fixture(&f, "3-5-2", 0, 4);
  double exact[64], est[64];
  cr_assert_leq(f.n, 64u);
  cr_assert_eq(kh_model_vjp(f.ctx, f.m, KH_EST_EXACT, 0, f.c, exact, NULL, NULL, NULL), KH_OK);
  double e1 = 0, e2 = 0;
  cr_assert_eq(kh_model_vjp(f.ctx, f.m, KH_EST_CENTERED, 1e-2, f.c, est, NULL, NULL, NULL), KH_OK);
  e1 = rel_error(est, exact, f.n);
  cr_assert_eq(kh_model_vjp(f.ctx, f.m, KH_EST_CENTERED, 5e-3, f.c, est, NULL, NULL, NULL), KH_OK);
  e2 = rel_error(est, exact, f.n);
  double order = log(e1 / e2) / log(2.0);
  cr_log_info("centered: %.2e at beta 1e-2, %.2e at 5e-3: order %.2f", e1, e2, order);
  cr_expect(order > 1.8 && order < 2.2, "centered EP's order %g", order);
  cr_assert_eq(kh_model_vjp(f.ctx, f.m, KH_EST_HOLOMORPHIC, 1e-2, f.c, est, NULL, NULL, NULL),
               KH_OK, "%s", kh_last_error(f.ctx));
  double eh = rel_error(est, exact, f.n);
  cr_log_info("holomorphic, N = 4, beta 1e-2: %.2e", eh);
  cr_expect_lt(eh, 1e-7);
  close_fixture(&f);
}

/* An input joined to the network by a diode would need the diode's curvature: refused where it
 * stands, as is an input source that does not fix its node against ground */
Test(vjp, inputs_it_cannot_differentiate_are_refused_at_the_element) {
  const char *text = "t\n*kh .input vx\n*kh .output o\n*kh .train r1\n.model dd d(is=1e-14)\n"
                     "vx x 0 0\nd1 x o dd\nr1 o 0 1k\n";
  kh_context *ctx;
  kh_netlist *nl;
  kh_model *m;
  kh_context_new(&ctx);
  cr_assert_eq(kh_netlist_parse_string(ctx, &nl, text, "diode_input.cir"), KH_OK, "%s",
               kh_last_error(ctx));
  cr_assert_eq(kh_model_new(ctx, &m, nl), KH_OK, "%s", kh_last_error(ctx));
  double x = 1.0, c = 1.0, gx, g;
  cr_assert_eq(kh_model_set_input(ctx, m, &x), KH_OK);
  cr_assert_eq(kh_model_vjp(ctx, m, KH_EST_EXACT, 0, &c, &g, &gx, NULL, NULL), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "diode_input.cir:7:1:") != NULL, "%s", kh_last_error(ctx));
  cr_expect(strstr(kh_last_error(ctx), "'d1'") != NULL, "%s", kh_last_error(ctx));
  /* the parameters alone still work */
  cr_assert_eq(kh_model_vjp(ctx, m, KH_EST_EXACT, 0, &c, &g, NULL, NULL, NULL), KH_OK, "%s",
               kh_last_error(ctx));
  double nan = NAN;
  cr_assert_eq(kh_model_vjp(ctx, m, KH_EST_EXACT, 0, &nan, &g, NULL, NULL, NULL), KH_ERR_USAGE);
  kh_model_free(m), kh_netlist_free(nl), kh_context_free(ctx);
}
