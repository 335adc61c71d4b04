/* Gradients on the layered backend (kh_layered_gradient, issue 25) against the native backend's
 * on the same circuit and samples: exact (conjugate gradients to round-off) equals the native
 * exact gradient; cg, cg-jacobi, rbp and phantom reach it as k grows; cg at small k and EP's
 * estimators equal the native ones; single precision stays close; and what the layered backend
 * cannot estimate is refused. */
#include "../support/support.h"
#include "sim/layered/layered_impl.h" /* kh_layered_holo_radius */

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 6 };

typedef struct {
  kh_context *ctx;
  kh_netlist *nl;
  kh_model *m;
  kh_circuit *c;
  kh_layered *lay;
  size_t n, features, outputs;
  double x[ROWS * 16], y[ROWS * 8], *native, *layered;
} rig;

static void open_rig(rig *r, const char *arch, kh_precision precision) {
  memset(r, 0, sizeof *r);
  kh_context_new(&r->ctx);
  r->nl = kh_test_drn(arch, 11, 2, 0, NULL);
  cr_assert_eq(kh_model_new(r->ctx, &r->m, r->nl), KH_OK, "%s", kh_last_error(r->ctx));
  cr_assert_eq(kh_circuit_new(r->ctx, &r->c, r->nl), KH_OK);
  cr_assert_eq(kh_layered_new(r->ctx, &r->lay, r->c, precision, ROWS), KH_OK, "%s",
               kh_last_error(r->ctx));
  r->n = kh_model_param_count(r->m), r->features = kh_model_input_count(r->m);
  r->outputs = kh_model_output_count(r->m);
  for (size_t i = 0; i < ROWS * r->features; i++) r->x[i] = cos(1.3 * (double)i + 0.4);
  for (size_t i = 0; i < ROWS * r->outputs; i++) r->y[i] = i % r->outputs == i / r->outputs % 3;
  r->native = calloc(r->n, sizeof *r->native), r->layered = calloc(r->n, sizeof *r->layered);
}

static void close_rig(rig *r) {
  free(r->native), free(r->layered);
  kh_layered_free(r->lay);
  kh_circuit_free(r->c);
  kh_model_free(r->m);
  kh_netlist_free(r->nl);
  kh_context_free(r->ctx);
}

/* The native estimate summed over the rows. */
static void native(rig *r, kh_estimator est, double beta, unsigned k) {
  double *g = calloc(r->n, sizeof *g);
  memset(r->native, 0, r->n * sizeof *r->native);
  cr_assert_eq(kh_model_set_adjoint_iterations(r->ctx, r->m, k), KH_OK);
  for (size_t row = 0; row < ROWS; row++) {
    cr_assert_eq(kh_model_set_input(r->ctx, r->m, r->x + row * r->features), KH_OK);
    cr_assert_eq(kh_model_gradient(r->ctx, r->m, est, beta, r->y + row * r->outputs, g, NULL),
                 KH_OK, "%s", kh_last_error(r->ctx));
    for (size_t i = 0; i < r->n; i++) r->native[i] += g[i];
  }
  free(g);
}

static kh_status layered(rig *r, kh_estimator est, double beta, unsigned k,
                         kh_layered_grad_info *info) {
  kh_layered_grad_options o = {est,  beta, k, 1.0, 100000, 1e-14, 0, 0, 0, 0, KH_CONTOUR_CIRCLE,
                               NULL, NULL, 0};
  if (kh_layered_precision(r->lay) == KH_PRECISION_SINGLE) o.tol = 1e-6;
  return kh_layered_gradient(r->ctx, r->lay, ROWS, r->x, r->y, &o, r->layered, info);
}

Test(layered_gradients, exact_and_ep_equal_the_native_backends) {
  const char *const archs[] = {"5-8-3", "4-7-6-3"};
  for (int a = 0; a < 2; a++) {
    rig r;
    open_rig(&r, archs[a], KH_PRECISION_DOUBLE);
    kh_layered_grad_info info;
    native(&r, KH_EST_EXACT, 0, 10);
    cr_assert_eq(layered(&r, KH_EST_EXACT, 0, 10, &info), KH_OK, "%s", kh_last_error(r.ctx));
    double err = kh_test_relative_error(r.layered, r.native, r.n);
    cr_log_info("%s: layered exact against native exact %.2e (%u products for %d rows)", archs[a],
                err, info.products, ROWS);
    cr_expect(err <= 1e-10, "%s: %.2e", archs[a], err);
    const kh_estimator ep[] = {KH_EST_PLUS, KH_EST_MINUS, KH_EST_CENTERED};
    for (int e = 0; e < 3; e++) {
      native(&r, ep[e], 0.05, 10);
      cr_assert_eq(layered(&r, ep[e], 0.05, 10, NULL), KH_OK, "%s", kh_last_error(r.ctx));
      err = kh_test_relative_error(r.layered, r.native, r.n);
      cr_expect(err <= 1e-8, "%s %s: %.2e", archs[a], kh_estimator_name(ep[e]), err);
    }
    /* cg is the same iteration row by row */
    native(&r, KH_EST_CG, 0, 3);
    cr_assert_eq(layered(&r, KH_EST_CG, 0, 3, NULL), KH_OK);
    err = kh_test_relative_error(r.layered, r.native, r.n);
    cr_expect(err <= 1e-10, "%s cg at k = 3: %.2e", archs[a], err);
    close_rig(&r);
  }
}

Test(layered_gradients, iterative_adjoints_reach_the_exact_gradient) {
  rig r;
  open_rig(&r, "4-7-6-3", KH_PRECISION_DOUBLE);
  native(&r, KH_EST_EXACT, 0, 10);
  const kh_estimator est[] = {KH_EST_CG, KH_EST_CG_JACOBI, KH_EST_RBP, KH_EST_PHANTOM};
  const unsigned many[] = {200, 200, 100000, 2000};
  for (int e = 0; e < 4; e++) {
    cr_assert_eq(layered(&r, est[e], 0, 2, NULL), KH_OK, "%s", kh_last_error(r.ctx));
    double few = kh_test_relative_error(r.layered, r.native, r.n);
    cr_assert_eq(layered(&r, est[e], 0, many[e], NULL), KH_OK, "%s", kh_last_error(r.ctx));
    double err = kh_test_relative_error(r.layered, r.native, r.n);
    cr_log_info("layered %s: %.2e at k = 2, %.2e at k = %u", kh_estimator_name(est[e]), few, err,
                many[e]);
    cr_expect(err <= 1e-8 && few > err, "%s: %.2e at k = 2, %.2e", kh_estimator_name(est[e]), few,
              err);
  }
  close_rig(&r);
}

Test(layered_gradients, single_precision_and_refusals) {
  rig r;
  open_rig(&r, "5-8-3", KH_PRECISION_SINGLE);
  native(&r, KH_EST_EXACT, 0, 10);
  cr_assert_eq(layered(&r, KH_EST_EXACT, 0, 10, NULL), KH_OK, "%s", kh_last_error(r.ctx));
  double err = kh_test_relative_error(r.layered, r.native, r.n);
  cr_log_info("single precision: layered exact against native exact %.2e", err);
  cr_expect(err <= 1e-4, "%.2e", err);
  /* holomorphic EP's points need rows of their own */
  cr_expect_eq(layered(&r, KH_EST_HOLOMORPHIC, 0.1, 10, NULL), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(r.ctx), "needs a layered handle of 54 rows") != NULL, "%s",
            kh_last_error(r.ctx));
  cr_expect_eq(layered(&r, KH_EST_FORWARD3, 0.1, 10, NULL), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(r.ctx), "not forward3") != NULL, "%s", kh_last_error(r.ctx));
  cr_expect_eq(layered(&r, KH_EST_CENTERED, 0, 10, NULL), KH_ERR_USAGE);
  close_rig(&r);
}

/* Holomorphic EP: each point swept from the free state with its active set held equals the
 * native backend's continuation (not strict) to round-off; the radius bound the layered backend
 * reads from the outputs' response to 1 A lies between R / K and the native radius R (K
 * outputs: the bound is the largest row sum of a K x K nonnegative matrix whose largest
 * eigenvalue is 1 / R); a circle that reaches the bound is refused. */
Test(layered_gradients, holomorphic_equals_the_native_continuation) {
  rig r;
  open_rig(&r, "5-8-3", KH_PRECISION_DOUBLE);
  kh_layered *big;
  cr_assert_eq(kh_layered_new(r.ctx, &big, r.c, KH_PRECISION_DOUBLE, 13 * ROWS), KH_OK);
  double bound = INFINITY;
  for (size_t row = 0; row < ROWS; row++) {
    double R, Rb, *v = calloc(kh_netlist_node_count(r.nl), sizeof *v);
    cr_assert_eq(kh_model_set_input(r.ctx, r.m, r.x + row * r.features), KH_OK);
    cr_assert_eq(kh_model_gradient(r.ctx, r.m, KH_EST_EXACT, 0, r.y, r.native, NULL), KH_OK);
    cr_assert_eq(kh_solver_nudge_radius(r.ctx, kh_model_solver(r.m), &R), KH_OK);
    cr_assert_eq(
        kh_layered_solve(r.ctx, big, 1, r.x + row * r.features, 0, NULL, 100000, 1e-14, 0, v, NULL),
        KH_OK);
    unsigned sweeps;
    cr_assert_eq(kh_layered_holo_radius(r.ctx, big, 1, 100000, &sweeps, &Rb), KH_OK);
    cr_expect(Rb <= R * (1 + 1e-9) && Rb >= R / (double)r.outputs, "row %zu: bound %g, R %g", row,
              Rb, R);
    bound = fmin(bound, Rb);
    free(v);
  }
  cr_log_info("holomorphic: radius bound %g S over %d rows", bound, ROWS);
  kh_model_set_holomorphic_strict(r.m, 0);
  native(&r, KH_EST_HOLOMORPHIC, 0.5 * bound, 10);
  kh_layered_grad_options o = {KH_EST_HOLOMORPHIC, 0.5 * bound, 10,   1, 100000, 1e-14, 0, 0, 0, 4,
                               KH_CONTOUR_CIRCLE,  NULL,        NULL, 0};
  kh_layered_grad_info info;
  cr_assert_eq(kh_layered_gradient(r.ctx, big, ROWS, r.x, r.y, &o, r.layered, &info), KH_OK, "%s",
               kh_last_error(r.ctx));
  double err = kh_test_relative_error(r.layered, r.native, r.n);
  cr_log_info("holomorphic N = 4 at half the bound: layered against native %.2e", err);
  cr_expect(err <= 1e-9, "%.2e", err);
  cr_expect_eq(info.phases, 5u);
  o.beta = 1.01 * bound;
  cr_expect_eq(kh_layered_gradient(r.ctx, big, ROWS, r.x, r.y, &o, r.layered, NULL),
               KH_ERR_NUMERIC);
  cr_expect(strstr(kh_last_error(r.ctx), "bound") != NULL, "%s", kh_last_error(r.ctx));
  /* the slit contour of the bound keeps its points off the poles: against the exact gradient
   * (the native one summed over the rows) the error falls like rho^N */
  native(&r, KH_EST_EXACT, 0, 10);
  o.contour = KH_CONTOUR_SLIT, o.points = 6;
  double rho[3] = {0.05, 0.1, 0.2}, e[3];
  for (int i = 0; i < 3; i++) {
    o.beta = rho[i];
    cr_assert_eq(kh_layered_gradient(r.ctx, big, ROWS, r.x, r.y, &o, r.layered, NULL), KH_OK, "%s",
                 kh_last_error(r.ctx));
    e[i] = kh_test_relative_error(r.layered, r.native, r.n);
  }
  double slope = kh_test_loglog_slope(rho, e, 3);
  cr_log_info("slit of the bound, N = 6: rho 0.05 %.2e, 0.1 %.2e, 0.2 %.2e; slope %.2f", e[0], e[1],
              e[2], slope);
  cr_expect(fabs(slope - 6) <= 1 && e[0] <= 1e-5, "slope %.2f, %.2e at rho 0.05", slope, e[0]);
  o.beta = 1;
  cr_expect_eq(kh_layered_gradient(r.ctx, big, ROWS, r.x, r.y, &o, r.layered, NULL), KH_ERR_USAGE);
  kh_layered_free(big);
  close_rig(&r);
}

/* Node perturbation: every node's probes swept as rows of their own equal the native rule's
 * probes (a current source on a copy of the circuit) summed over the rows; a handle without
 * the rows is refused. */
Test(layered_gradients, node_perturbation_equals_the_native_rule) {
  rig r;
  open_rig(&r, "4-7-6-3", KH_PRECISION_DOUBLE);
  size_t probes = 7 + 6 + 3;
  kh_layered *big;
  cr_assert_eq(kh_layered_new(r.ctx, &big, r.c, KH_PRECISION_DOUBLE, (1 + 2 * probes) * ROWS),
               KH_OK);
  native(&r, KH_EST_NODE_PERTURBATION, 0.01, 10);
  kh_layered_grad_options o = {
      KH_EST_NODE_PERTURBATION, 0,    10,   1, 100000, 1e-14, 0.01, 0, 0, 0,
      KH_CONTOUR_CIRCLE,        NULL, NULL, 0};
  kh_layered_grad_info info;
  cr_assert_eq(kh_layered_gradient(r.ctx, big, ROWS, r.x, r.y, &o, r.layered, &info), KH_OK, "%s",
               kh_last_error(r.ctx));
  double err = kh_test_relative_error(r.layered, r.native, r.n);
  cr_log_info("node perturbation: layered against native %.2e (%u phases)", err, info.phases);
  cr_expect(err <= 1e-7, "%.2e", err);
  cr_expect_eq(info.phases, 1 + 2 * probes);
  cr_expect_eq(kh_layered_gradient(r.ctx, r.lay, ROWS, r.x, r.y, &o, r.layered, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(r.ctx), "probes 16 nodes") != NULL, "%s", kh_last_error(r.ctx));
  kh_layered_free(big);
  close_rig(&r);
}

/* The loss after T block sweeps from 0 V, summed over the rows. */
static double swept_loss(rig *r, unsigned T) {
  size_t nodes = kh_netlist_node_count(r->nl);
  double *v = calloc(ROWS * nodes, sizeof *v), loss = 0;
  cr_assert_eq(kh_layered_solve(r->ctx, r->lay, ROWS, r->x, 0, NULL, T, 0, 0, v, NULL), KH_OK, "%s",
               kh_last_error(r->ctx));
  for (size_t row = 0; row < ROWS; row++)
    for (size_t k = 0; k < r->outputs; k++) {
      kh_output o = kh_netlist_output(r->nl, k);
      double e =
          v[row * nodes + o.node_pos] - v[row * nodes + o.node_neg] - r->y[row * r->outputs + k];
      loss += 0.5 * e * e;
    }
  free(v);
  return loss;
}

Test(layered_gradients, itd_equals_finite_differences_of_the_swept_loss) {
  rig r;
  open_rig(&r, "4-7-6-3", KH_PRECISION_DOUBLE);
  unsigned T = 3;
  double *theta = malloc(r.n * sizeof *theta), *fd = malloc(r.n * sizeof *fd);
  uint64_t rng = 5; /* conductances away from gmin, where a step of 1e-6 S is one */
  kh_layered_get_params(r.lay, theta);
  for (size_t i = 0; i < r.n; i++)
    if (kh_model_param_is_conductance(r.m, i)) theta[i] = 0.05 + 0.4 * kh_test_uniform(&rng);
  cr_assert_eq(kh_layered_set_params(r.ctx, r.lay, theta), KH_OK);
  kh_layered_grad_options o = {KH_EST_ITD,        0,    10,   1, T, 0, 0, 0, 0, 0,
                               KH_CONTOUR_CIRCLE, NULL, NULL, 0};
  kh_layered_grad_info info;
  cr_assert_eq(kh_layered_gradient(r.ctx, r.lay, ROWS, r.x, r.y, &o, r.layered, &info), KH_OK, "%s",
               kh_last_error(r.ctx));
  cr_expect(fabs(info.loss - swept_loss(&r, T)) <= 1e-12 * info.loss, "loss %.17g", info.loss);
  for (size_t i = 0; i < r.n; i++) {
    double keep = theta[i], h = 1e-6;
    theta[i] = keep + h;
    cr_assert_eq(kh_layered_set_params(r.ctx, r.lay, theta), KH_OK);
    double up = swept_loss(&r, T);
    theta[i] = keep - h;
    cr_assert_eq(kh_layered_set_params(r.ctx, r.lay, theta), KH_OK);
    fd[i] = (up - swept_loss(&r, T)) / (2 * h);
    theta[i] = keep;
  }
  cr_assert_eq(kh_layered_set_params(r.ctx, r.lay, theta), KH_OK);
  double err = kh_test_relative_error(r.layered, fd, r.n);
  cr_log_info("layered itd through %u block sweeps against finite differences: %.2e", T, err);
  cr_expect(err <= 1e-6, "%.2e", err);
  /* from the equilibrium, many sweeps: the exact gradient */
  cr_assert_eq(kh_model_set_params(r.ctx, r.m, theta), KH_OK);
  native(&r, KH_EST_EXACT, 0, 10);
  o = (kh_layered_grad_options){KH_EST_ITD,        0,    200,  1, 100000, 1e-14, 0, 0, 0, 0,
                                KH_CONTOUR_CIRCLE, NULL, NULL, 0};
  cr_assert_eq(kh_layered_gradient(r.ctx, r.lay, ROWS, r.x, r.y, &o, r.layered, NULL), KH_OK);
  err = kh_test_relative_error(r.layered, r.native, r.n);
  cr_log_info("layered itd, 200 block sweeps from the equilibrium, against exact: %.2e", err);
  cr_expect(err <= 1e-8, "%.2e", err);
  free(theta), free(fd);
  close_rig(&r);
}

/* spsa on the layered backend perturbs the whole batch at once: its mean over 50 P draws is the
 * exact gradient of the batch's summed loss plus an O(sigma^2) bias, fitted from the same draws
 * at sigma, 2 sigma and 4 sigma (the cross terms do not depend on sigma), beside a sampling
 * error of sqrt(sum_j!=i (c_j g_j)^2 / K) / c_i per component. Conductances drawn in
 * [0.05, 0.5] S, away from their bound. The ideal clamps make the loss smooth only piecewise: the
 * bias is fitted at sigma = 2.5e-4, 5e-4 and 1e-3, where no draw switches a clamp (at 4e-3 one
 * does, and the difference jumps by four orders). */
Test(layered_gradients, spsa_mean_is_the_batch_gradient_plus_a_sigma_squared_bias) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netgen_options no = KH_NETGEN_OPTIONS_INIT;
  no.seed = 5, no.input_gain = 2, no.init_low = 0.05, no.init_high = 0.5;
  char *text = kh_test_netgen(&no, "3-4-2");
  kh_netlist *nl = kh_test_parse(text);
  free(text);
  kh_circuit *c;
  kh_layered *lay;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_OK);
  cr_assert_eq(kh_layered_new(ctx, &lay, c, KH_PRECISION_DOUBLE, ROWS), KH_OK);
  size_t P = kh_layered_param_count(lay);
  double x[ROWS * 3], y[ROWS * 2], *exact = calloc(P, sizeof *exact), *g[3];
  for (size_t i = 0; i < ROWS * 3; i++) x[i] = cos(1.3 * (double)i + 0.4);
  for (size_t i = 0; i < ROWS * 2; i++) y[i] = i % 2 == i / 2 % 2;
  kh_layered_grad_options o = {.estimator = KH_EST_EXACT, .sweeps = 100000, .tol = 1e-14};
  cr_assert_eq(kh_layered_gradient(ctx, lay, ROWS, x, y, &o, exact, NULL), KH_OK, "%s",
               kh_last_error(ctx));
  unsigned K = 50 * (unsigned)P;
  o.estimator = KH_EST_SPSA, o.perturbations = K, o.seed = 11;
  for (int s = 0; s < 3; s++) {
    g[s] = malloc(P * sizeof *g[s]);
    o.sigma = 0.00025 * (1 << s);
    cr_assert_eq(kh_layered_gradient(ctx, lay, ROWS, x, y, &o, g[s], NULL), KH_OK, "%s",
                 kh_last_error(ctx));
  }
  double d1 = 0, d2 = 0;
  for (size_t i = 0; i < P; i++) d1 += pow(g[1][i] - g[0][i], 2), d2 += pow(g[2][i] - g[1][i], 2);
  double order = log2(sqrt(d2 / d1) * 3 / 12) + 2; /* sigma^p: (4^p - 2^p) / (2^p - 1) = 2^p */
  /* c_j: sigma times the mean |theta| of its kind (the parameters in .train order, as the model
   * has them) */
  kh_model *m;
  cr_assert_eq(kh_model_new(ctx, &m, nl), KH_OK);
  double *theta = malloc(P * sizeof *theta), *step = malloc(P * sizeof *step), mean[2] = {0, 0};
  double total = 0, z2 = 0, worst = 0;
  size_t count[2] = {0, 0};
  kh_layered_get_params(lay, theta);
  for (size_t i = 0; i < P; i++) {
    int kind = kh_model_param_is_conductance(m, i);
    mean[kind] += fabs(theta[i]), count[kind]++;
  }
  for (int k = 0; k < 2; k++) mean[k] = count[k] ? mean[k] / count[k] : 0;
  if (mean[0] == 0) mean[0] = mean[1];
  for (size_t i = 0; i < P; i++) step[i] = mean[kh_model_param_is_conductance(m, i)];
  for (size_t i = 0; i < P; i++) total += pow(step[i] * exact[i], 2);
  for (size_t i = 0; i < P; i++) {
    double sd = sqrt((total - pow(step[i] * exact[i], 2)) / K) / step[i];
    double z = (g[0][i] - exact[i]) / sd;
    z2 += z * z / (double)P, worst = fmax(worst, fabs(z));
  }
  cr_log_info("layered spsa, K = %u: bias of fitted order %.2f; the mean's deviation from the "
              "exact gradient in sampling errors: rms %.2f, largest %.2f",
              K, order, sqrt(z2), worst);
  cr_expect(order > 1.8 && order < 2.2, "layered spsa: fitted bias order %.2f", order);
  cr_expect(sqrt(z2) < 2 && worst < 5, "layered spsa mean: rms %.2f, largest %.2f", sqrt(z2),
            worst);
  free(theta), free(step), free(exact);
  for (int s = 0; s < 3; s++) free(g[s]);
  kh_model_free(m);
  kh_layered_free(lay);
  kh_circuit_free(c);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

/* A forward pass's free state reused by the backward pass (free_given, the torch layer's use):
 * the same gradient bit for bit with one phase fewer, with the crew of two threads or without,
 * at a fixed count of sweeps (where a second free phase from 0 V repeats the first exactly). */
Test(layered_gradients, a_given_free_state_gives_the_same_bits_with_a_phase_fewer) {
  rig r;
  open_rig(&r, "5-8-3", KH_PRECISION_SINGLE);
  const kh_estimator est[] = {KH_EST_EXACT, KH_EST_CENTERED, KH_EST_PLUS, KH_EST_CG};
  double *given = calloc(r.n, sizeof *given);
  for (int threads = 1; threads <= 2; threads++) {
    kh_layered_set_threads(r.lay, threads);
    for (int e = 0; e < 4; e++) {
      kh_layered_grad_options o = {.estimator = est[e], .beta = 0.05, .k = 3, .sweeps = 7};
      kh_layered_grad_info solved, reused;
      cr_assert_eq(kh_layered_gradient(r.ctx, r.lay, ROWS, r.x, r.y, &o, r.layered, &solved), KH_OK,
                   "%s", kh_last_error(r.ctx));
      cr_assert_eq(kh_layered_solve(r.ctx, r.lay, ROWS, r.x, 0, NULL, 7, 0, 0, NULL, NULL), KH_OK);
      o.free_given = 1;
      cr_assert_eq(kh_layered_gradient(r.ctx, r.lay, ROWS, r.x, r.y, &o, given, &reused), KH_OK,
                   "%s", kh_last_error(r.ctx));
      cr_expect(memcmp(given, r.layered, r.n * sizeof *given) == 0, "%s, %d threads: not the same",
                kh_estimator_name(est[e]), threads);
      cr_expect_eq(reused.phases + 1, solved.phases, "%s: %u phases, %u", kh_estimator_name(est[e]),
                   reused.phases, solved.phases);
      cr_expect_eq(reused.loss, solved.loss);
      cr_expect(solved.loss > 0);
    }
  }
  free(given);
  close_rig(&r);
}
