/* Gradient estimators: equilibrium propagation's contrasts of dE/dtheta between phases, and the
 * exact gradient by implicit differentiation. With E the co-content and C = 1/2 |o - y|^2, the
 * nudged equilibrium v_b minimizes E + b C, and dL/dtheta = d/db dE/dtheta(v_b) at b = 0
 * (Scellier & Bengio 2017); the estimators are finite differences of that derivative. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nudges (multiples of beta) and weights: dL/dtheta ~ (1/beta) sum_k w_k dE/dtheta(v_{s_k beta}).
 * Forward differences: the one-sided derivative formulas of order p - 1 (Fornberg). */
typedef struct {
  unsigned count;
  double step[5], weight[5];
} kh_stencil;

static const kh_stencil stencils[KH_EST_COUNT] = {
    [KH_EST_PLUS] = {2, {0, 1}, {-1, 1}},
    [KH_EST_MINUS] = {2, {-1, 0}, {-1, 1}},
    [KH_EST_CENTERED] = {2, {-1, 1}, {-0.5, 0.5}},
    [KH_EST_FORWARD2] = {2, {0, 1}, {-1, 1}},
    [KH_EST_FORWARD3] = {3, {0, 1, 2}, {-1.5, 2, -0.5}},
    [KH_EST_FORWARD4] = {4, {0, 1, 2, 3}, {-11.0 / 6, 3, -1.5, 1.0 / 3}},
    [KH_EST_FORWARD5] = {5, {0, 1, 2, 3, 4}, {-25.0 / 12, 4, -3, 4.0 / 3, -0.25}},
};

/* Adjoint: lambda = H^-1 dC/dv (exactly, or approximately: the estimators after
 * KH_EST_OSCILLATING), then dL/dtheta = -lambda^T d(grad_v E)/dtheta. */
static kh_status adjoint_gradient(kh_context *ctx, kh_model *m, kh_estimator est,
                                  const double *outputs, double *grad, kh_grad_info *info) {
  double *r = m->node_work;
  memset(r, 0, m->nodes * sizeof *r);
  for (size_t k = 0; k < m->outputs; k++) {
    double e = outputs[k] - m->target[k];
    r[m->out[k].node_pos] += e;
    r[m->out[k].node_neg] -= e;
  }
  r[0] = 0;
  static const kh_adjoint_method methods[] = {KH_ADJOINT_IDENTITY, KH_ADJOINT_RICHARDSON,
                                              KH_ADJOINT_CG, KH_ADJOINT_CG_JACOBI,
                                              KH_ADJOINT_PHANTOM};
  kh_adjoint_stats as = {0};
  kh_status st;
  if (m->inner) { /* at the state the free phase's sweeps reached: no factor, exact is cg run
                   * past the unknowns' count */
    unsigned n = (unsigned)kh_circuit_unknowns(m->circuit);
    int exact = est == KH_EST_EXACT;
    st = kh_relaxation_adjoint(ctx, m->relax,
                               exact ? KH_ADJOINT_CG : methods[est - KH_EST_FIRST_ORDER],
                               exact ? 2 * n + 10 : m->adjoint_k, m->damping, r, r, &as);
  } else {
    st = est == KH_EST_EXACT
             ? kh_solver_adjoint(ctx, m->solver, r, r)
             : kh_solver_adjoint_iterative(ctx, m->solver, methods[est - KH_EST_FIRST_ORDER],
                                           m->adjoint_k, m->damping, r, r, &as);
  }
  info->products = as.products;
  if (st != KH_OK) return st;
  for (size_t i = 0; i < m->params; i++) {
    const kh_param *p = &m->param[i];
    double dl = p->weight * (r[p->node_pos] - r[p->node_neg]);
    grad[i] = p->conductance ? -dl * (m->v_free[p->node_pos] - m->v_free[p->node_neg]) : -dl;
  }
  return KH_OK;
}

/* Where the N points lie: on the circle |beta'| = beta, or on the slit contour's image of the
 * circle |w| = rho = beta (model.h). *scale: the derivative's factor, 1 / (dbeta/dw at 0 times
 * the circle's radius); lo, hi: the real segment the contour encloses. */
static kh_status contour_points(kh_context *ctx, kh_model *m, double beta, double *b, double *scale,
                                double *lo, double *hi) {
  unsigned N = m->holo_points;
  int rational = kh_solver_nudge_rational(m->solver);
  double R = INFINITY;
  kh_status st = rational ? kh_solver_nudge_radius(ctx, m->solver, &R) : KH_OK;
  if (st != KH_OK) return st;
  if (m->holo_contour == KH_CONTOUR_CIRCLE) {
    if (!(beta < R))
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "|beta| = %g reaches a pole of the nudged response at %g S (the outputs' "
                     "smallest effective conductance): the circle would enclose it; holomorphic EP "
                     "on a circle needs |beta| well below it (its error falls like "
                     "(|beta| / %g)^N)",
                     beta, R, R);
    for (unsigned k = 0; k < N; k++) {
      double t = 2 * M_PI * k / N;
      b[2 * k] = beta * cos(t), b[2 * k + 1] = beta * sin(t);
    }
    *scale = 1 / beta, *lo = -beta, *hi = beta;
    return KH_OK;
  }
  if (!rational) return kh_model_require_rational(ctx, m);
  if (!(beta > 0 && beta < 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the slit contour's rho (beta) must lie in (0, 1), got %g",
                   beta);
  if (!isfinite(R))
    return kh_fail(ctx, KH_ERR_NUMERIC, "the outputs do not respond to a nudge (no radius)");
  for (unsigned k = 0; k < N; k++) {
    double complex w = beta * cexp(2 * M_PI * I * k / N), z = 4 * R * w / ((1 - w) * (1 - w));
    b[2 * k] = creal(z), b[2 * k + 1] = cimag(z);
  }
  *scale = 1 / (4 * R * beta);
  *lo = -4 * R * beta / ((1 + beta) * (1 + beta)), *hi = 4 * R * beta / ((1 - beta) * (1 - beta));
  return KH_OK;
}

/* With inexact phases: the circle's points, each relaxed by the phases' sweeps from the free
 * state (kh_relaxation_run_complex: its active set continued; no radius to check, which would
 * need the exact free phase) into v. */
static kh_status relaxed_points(kh_context *ctx, kh_model *m, double beta, double *b, double *v,
                                double *scale) {
  if (m->holo_contour != KH_CONTOUR_CIRCLE || m->inner_tol > 0)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "holomorphic EP on inexact phases takes the circle contour and a number of "
                   "sweeps (not a tolerance)");
  unsigned N = m->holo_points;
  kh_status st = KH_OK;
  for (unsigned k = 0; st == KH_OK && k < N; k++) {
    double complex point = beta * cexp(2 * M_PI * I * k / N);
    b[2 * k] = creal(point), b[2 * k + 1] = cimag(point);
    st = kh_relaxation_run_complex(ctx, m->relax, m->inner, point, m->target,
                                   (double complex *)(void *)(v + 2 * k * m->nodes));
    m->sweeps += m->inner;
  }
  *scale = 1 / beta;
  return st;
}

/* Holomorphic EP: the first Fourier coefficient of dE/dtheta around the contour. */
static kh_status holomorphic(kh_context *ctx, kh_model *m, double beta, double *grad,
                             kh_grad_info *info) {
  unsigned N = m->holo_points;
  double *b = kh_malloc(2 * N * sizeof *b), *v = kh_malloc(2 * N * m->nodes * sizeof *v);
  if (!b || !v) {
    kh_free(b), kh_free(v);
    return kh_fail(ctx, KH_ERR_NOMEM, "out of memory for holomorphic nudges");
  }
  double scale = 0, lo = 0, hi = 0;
  kh_status st = m->inner ? relaxed_points(ctx, m, beta, b, v, &scale)
                          : contour_points(ctx, m, beta, b, &scale, &lo, &hi);
  /* Not strict, the slit contour continues the free phase's active set unchecked: its real
   * nudges reach 4 R rho / (1 - rho)^2, where a clamp will switch in most samples. */
  if (st != KH_OK || m->inner) {
    /* done: failed, or the points relaxed already */
  } else if (!m->holo_strict && m->holo_contour == KH_CONTOUR_SLIT)
    st = kh_solver_nudge_complex_frozen(ctx, m->solver, N, b, m->target, v);
  else if (st == KH_OK) {
    st = kh_solver_nudge_complex(ctx, m->solver, N, b, m->target, v, lo, hi);
    if (st == KH_ERR_NUMERIC && !m->holo_strict) {
      st = kh_solver_nudge_complex_frozen(ctx, m->solver, N, b, m->target, v);
      info->frozen = st == KH_OK;
    }
  }
  memset(grad, 0, m->params * sizeof *grad);
  for (unsigned k = 0; st == KH_OK && k < N; k++) {
    const double complex *vk = (const double complex *)(const void *)kh_model_measure(
        m, v + 2 * k * m->nodes, 2 * m->nodes);
    double complex phase = cexp(-2 * M_PI * I * k / N) * scale / N;
    for (size_t i = 0; i < m->params; i++) {
      const kh_param *p = &m->param[i];
      double complex dv = vk[p->node_pos] - vk[p->node_neg];
      double complex f = p->weight * (p->conductance ? 0.5 * dv * dv : dv);
      grad[i] += creal(phase * f);
    }
  }
  info->phases += N;
  kh_free(b), kh_free(v);
  return st;
}

/* A finite-difference stencil's nudged phases at beta, each from the free state, and the
 * contrast of their dE/dtheta into grad. */
static kh_status stencil_gradient(kh_context *ctx, kh_model *m, const kh_stencil *s, double beta,
                                  int have_warm, double *grad, kh_grad_info *info) {
  memset(grad, 0, m->params * sizeof *grad);
  const double *v_last = m->v_free;
  kh_status st = KH_OK;
  for (unsigned k = 0; k < s->count && st == KH_OK; k++) {
    const double *v = m->v_free;
    if (s->step[k] != 0) {
      kh_solver_set_warm_start(m->solver, have_warm ? m->warm : NULL);
      /* inexact phases: from the free state, or from the phase before (v: the last one read) */
      m->inner_from = m->inner_start == KH_INNER_FROM_PREVIOUS ? v_last : m->v_free;
      st = kh_model_solve(ctx, m, s->step[k] * beta, m->v_nudged, &info->iterations, NULL);
      info->phases++;
      v = v_last = m->v_nudged;
    }
    if (st != KH_OK) break;
    kh_model_dE_dtheta(m, kh_model_measure(m, v, m->nodes), m->dedtheta);
    for (size_t i = 0; i < m->params; i++) grad[i] += s->weight[k] / beta * m->dedtheta[i];
  }
  return st;
}

/* The estimator's phases and gradient (kh_model_gradient checked est and beta, reset info). */
static kh_status gradient(kh_context *ctx, kh_model *m, kh_estimator est, double beta,
                          const double *target, double *grad, kh_grad_info *info) {
  int adjoint = est == KH_EST_EXACT || est >= KH_EST_FIRST_ORDER; /* no nudge, no beta */
  double *outputs = info->outputs ? info->outputs : m->node_work;
  memcpy(m->target, target, m->outputs * sizeof *target);
  kh_status st = kh_model_solve(ctx, m, 0.0, m->v_free, &info->iterations, NULL);
  if (st != KH_OK) return st;
  double outs[m->outputs];
  kh_model_read_outputs(m, m->v_free, outs);
  info->loss = 0;
  for (size_t k = 0; k < m->outputs; k++)
    info->loss += 0.5 * (outs[k] - target[k]) * (outs[k] - target[k]);
  if (info->outputs) memcpy(outputs, outs, sizeof outs);
  if (est == KH_EST_COUPLED) return kh_model_coupled(ctx, m, beta, outs, grad, info);
  if (est >= KH_EST_WP && est <= KH_EST_NODE_PERTURBATION)
    return kh_model_perturbation(ctx, m, est, beta, grad, info);
  int slit = est == KH_EST_HOLOMORPHIC && m->holo_contour == KH_CONTOUR_SLIT;
  if (m->beta_relative && !adjoint && !slit) {
    double radius;
    if ((st = kh_solver_nudge_radius(ctx, m->solver, &radius)) != KH_OK) return st;
    if (!isfinite(radius))
      return kh_fail(ctx, KH_ERR_NUMERIC, "the outputs do not respond to a nudge (no radius)");
    beta *= radius;
  }
  if (adjoint || est == KH_EST_HOLOMORPHIC || est == KH_EST_OSCILLATING) {
    st = est == KH_EST_ITD           ? kh_model_itd(ctx, m, outs, grad, info)
         : adjoint                   ? adjoint_gradient(ctx, m, est, outs, grad, info)
         : est == KH_EST_HOLOMORPHIC ? holomorphic(ctx, m, beta, grad, info)
                                     : kh_model_oscillating(ctx, m, beta, grad, info);
    kh_circuit_set_nudge(ctx, m->circuit, 0.0, NULL);
    return st;
  }
  int have_warm = kh_solver_get_warm_start(m->solver, m->warm);
  const kh_stencil *s = &stencils[est];
  st = stencil_gradient(ctx, m, s, beta, have_warm, grad, info);
  /* A negative nudge past the outputs' conductance leaves the co-content without a minimum (an
   * output that its network barely reaches, as a fresh network can have): the sample is nudged
   * at half its radius instead, and counted. */
  if (st == KH_ERR_NUMERIC && s->step[0] < 0 && !m->inner) {
    double radius = INFINITY;
    if (have_warm) kh_solver_set_warm_start(m->solver, m->warm);
    kh_status again = kh_model_solve(ctx, m, 0.0, m->v_free, &info->iterations, NULL);
    if (again == KH_OK) again = kh_solver_nudge_radius(ctx, m->solver, &radius);
    if (again == KH_OK && isfinite(radius) && radius > 0 && beta > 0.5 * radius) {
      info->narrowed = 1;
      st = stencil_gradient(ctx, m, s, 0.5 * radius, have_warm, grad, info);
    }
  }
  /* The next sample starts from this sample's free state, not from the last nudged one. */
  if (have_warm) kh_solver_set_warm_start(m->solver, m->warm);
  if (st == KH_OK) st = kh_circuit_set_nudge(ctx, m->circuit, 0.0, NULL);
  return st;
}

kh_status kh_model_gradient(kh_context *ctx, kh_model *m, kh_estimator est, double beta,
                            const double *target, double *grad, kh_grad_info *info) {
  if ((unsigned)est >= KH_EST_COUNT) return kh_fail(ctx, KH_ERR_USAGE, "unknown estimator");
  int adjoint = est == KH_EST_EXACT || est >= KH_EST_FIRST_ORDER; /* no nudge, no beta */
  if (!adjoint && !(beta > 0))
    return kh_fail(ctx, KH_ERR_USAGE, "the nudge beta must be > 0 (got %g)", beta);
  kh_status st = kh_model_check_inner(ctx, m, est);
  if (st != KH_OK) return st;
  kh_grad_info local = {0};
  if (!info) info = &local;
  info->phases = 1;
  info->iterations = 0;
  info->time_steps = 0;
  info->products = 0;
  info->narrowed = 0;
  unsigned long sweeps = m->sweeps;
  m->inner_error = 0;
  st = gradient(ctx, m, est, beta, target, grad, info);
  info->sweeps = (unsigned)(m->sweeps - sweeps);
  info->inner_error = m->inner_error;
  return st;
}

unsigned kh_model_layer_count(const kh_model *m) {
  unsigned top = 1;
  for (size_t i = 0; i < m->params; i++)
    if (m->param[i].layer > top) top = m->param[i].layer;
  return top;
}

void kh_grad_compare(const kh_model *m, const double *est, const double *ref, double *cosine,
                     double *relative_error) {
  unsigned layers = kh_model_layer_count(m);
  for (unsigned l = 1; l <= layers; l++) {
    long double dot = 0, ee = 0, rr = 0, dd = 0;
    for (size_t i = 0; i < m->params; i++) {
      if (m->param[i].layer != l) continue;
      dot += (long double)est[i] * ref[i];
      ee += (long double)est[i] * est[i];
      rr += (long double)ref[i] * ref[i];
      dd += ((long double)est[i] - ref[i]) * ((long double)est[i] - ref[i]);
    }
    cosine[l - 1] = ee > 0 && rr > 0 ? (double)(dot / sqrtl(ee * rr)) : (ee == rr ? 1.0 : 0.0);
    relative_error[l - 1] = rr > 0 ? (double)sqrtl(dd / rr) : (double)sqrtl(dd);
  }
}
