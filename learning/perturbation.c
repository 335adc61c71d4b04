/* The forward-only baselines (docs/algorithms.md, "Perturbation rules"): gradients from settled
 * states alone, read through the loss L = 1/2 |o - y|^2 of measured outputs.
 *   wp:    weight perturbation, one parameter at a time: K parameters drawn without
 *          replacement, each read at theta_i +- c_i, the central difference scaled by P / K
 *          (K = P: the whole central-difference gradient);
 *   spsa:  simultaneous perturbation: K directions Delta in {-1, 1}^P, all parameters read at
 *          theta +- c o Delta, g_i += (L+ - L-) / (2 c_i Delta_i K);
 *   node-perturbation: a current +-delta_a injected at every solved-for node a reads
 *          lambda_a = dL/dI_a by central differences, then dL/dg_ab = -(lambda_a - lambda_b)
 *          (v_a - v_b) and dL/dI = -(lambda+ - lambda-), as the adjoint gives them.
 * Steps: kh_perturbation_steps (sim/perturbation_steps.h), one per kind of parameter; every
 * estimate is exact up to O(sigma^2) but where a conductance sits within a step of its bound.
 * Node perturbation's delta_a = sigma 1 V times the trainable conductance meeting node a. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"
#include "sim/perturbation_steps.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void kh_model_set_perturbations(kh_model *m, unsigned count, uint64_t seed) {
  m->perturbations = count ? count : 1;
  kh_rng_seed(&m->perturb_rng, seed);
}

/* The steps c_i (above) into c, and the centers the perturbations are taken about. */
static kh_status steps(kh_context *ctx, const kh_model *m, double sigma, const double *theta,
                       double *c, double *center) {
  int *conductance = kh_malloc(m->params * sizeof *conductance + 1);
  if (!conductance) return kh_fail_nomem(ctx, "perturbation");
  for (size_t i = 0; i < m->params; i++) conductance[i] = m->param[i].conductance;
  kh_perturbation_steps(m->params, theta, conductance, sigma, m->gmin, m->gmax, c, center);
  kh_free(conductance);
  return KH_OK;
}

/* L at the circuit's present parameters: a free phase, its outputs as measured. */
static kh_status measured_loss(kh_context *ctx, kh_model *m, double *loss, kh_grad_info *info) {
  kh_status st = kh_model_solve(ctx, m, 0.0, m->v_nudged, &info->iterations, NULL);
  if (st != KH_OK) return st;
  info->phases++;
  *loss = kh_model_measured_loss(m, m->v_nudged);
  return KH_OK;
}

/* L at center + c o d and at center - c o d (d: a direction, or NULL with one parameter i);
 * the parameters touched go back to theta. */
static kh_status central(kh_context *ctx, kh_model *m, const double *theta, const double *center,
                         const double *c, const double *d, size_t i, double *difference,
                         kh_grad_info *info) {
  double loss[2] = {0, 0};
  size_t first = d ? 0 : i, last = d ? m->params : i + 1;
  kh_status st = KH_OK;
  for (int side = 0; side < 2 && st == KH_OK; side++) {
    double s = side ? -1 : 1;
    for (size_t j = first; st == KH_OK && j < last; j++)
      st = kh_model_set_param(ctx, m, j, center[j] + s * c[j] * (d ? d[j] : 1));
    if (st == KH_OK) st = measured_loss(ctx, m, &loss[side], info);
  }
  for (size_t j = first; j < last; j++) {
    kh_status back = kh_model_set_param(ctx, m, j, theta[j]);
    if (st == KH_OK) st = back;
  }
  *difference = loss[0] - loss[1];
  return st;
}

static kh_status weight_perturbation(kh_context *ctx, kh_model *m, const double *theta,
                                     const double *center, const double *c, double *grad,
                                     kh_grad_info *info) {
  size_t P = m->params, K = m->perturbations < P ? m->perturbations : P;
  size_t *order = kh_malloc(P * sizeof *order + 1);
  if (!order) return kh_fail_nomem(ctx, "weight perturbation");
  for (size_t i = 0; i < P; i++) order[i] = i;
  kh_status st = KH_OK;
  for (size_t k = 0; k < K && st == KH_OK; k++) {
    if (K < P) { /* K of the P parameters, drawn without replacement */
      size_t j = k + (size_t)kh_rng_below(&m->perturb_rng, P - k), t = order[k];
      order[k] = order[j], order[j] = t;
    }
    double diff;
    st = central(ctx, m, theta, center, c, NULL, order[k], &diff, info);
    grad[order[k]] = diff / (2 * c[order[k]]) * ((double)P / (double)K);
  }
  kh_free(order);
  return st;
}

static kh_status simultaneous_perturbation(kh_context *ctx, kh_model *m, const double *theta,
                                           const double *center, const double *c, double *grad,
                                           kh_grad_info *info) {
  double *d = kh_malloc(m->params * sizeof *d + 1);
  if (!d) return kh_fail_nomem(ctx, "simultaneous perturbation");
  kh_status st = KH_OK;
  for (unsigned k = 0; k < m->perturbations && st == KH_OK; k++) {
    for (size_t i = 0; i < m->params; i++) d[i] = kh_rng_next(&m->perturb_rng) >> 63 ? 1 : -1;
    double diff;
    st = central(ctx, m, theta, center, c, d, 0, &diff, info);
    for (size_t i = 0; i < m->params; i++) grad[i] += diff / (2 * c[i] * d[i]) / m->perturbations;
  }
  kh_free(d);
  return st;
}

kh_status kh_model_perturbation(kh_context *ctx, kh_model *m, kh_estimator est, double sigma,
                                double *grad, kh_grad_info *info) {
  if (!(sigma > 0 && sigma < 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the perturbation must lie in (0, 1) (got %g)", sigma);
  if (est == KH_EST_NODE_PERTURBATION) return kh_model_node_perturbation(ctx, m, sigma, grad, info);
  double *theta = kh_malloc(3 * m->params * sizeof *theta + 1);
  if (!theta) return kh_fail_nomem(ctx, "perturbation");
  double *c = theta + m->params, *center = c + m->params;
  kh_model_get_params(m, theta);
  kh_status st = steps(ctx, m, sigma, theta, c, center);
  memset(grad, 0, m->params * sizeof *grad);
  int have_warm = kh_solver_get_warm_start(m->solver, m->warm);
  if (st == KH_OK)
    st = est == KH_EST_WP ? weight_perturbation(ctx, m, theta, center, c, grad, info)
                          : simultaneous_perturbation(ctx, m, theta, center, c, grad, info);
  if (have_warm) kh_solver_set_warm_start(m->solver, m->warm); /* the next sample: from free */
  kh_free(theta);
  return st;
}
