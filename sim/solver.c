/* Backend dispatch, timing and the KCL certificate every answer must carry. */
#include "backend.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct kh_solver {
  const kh_solver_ops *ops;
  kh_circuit *c;
  void *impl;
  kh_solve_stats stats;
  double *work; /* 3 * unknowns, for the KCL check */
};

static const kh_solver_ops *const backends[] = {&kh_solver_ops_native, &kh_solver_ops_ngspice};

kh_status kh_solver_new(kh_context *ctx, kh_solver **out, kh_circuit *c, const char *backend) {
  *out = NULL;
  const kh_solver_ops *ops = NULL;
  for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
    if (strcmp(backends[i]->name, backend) == 0) ops = backends[i];
  if (!ops) return kh_fail(ctx, KH_ERR_USAGE, "unknown backend '%s' (native, ngspice)", backend);
  return kh_solver_new_with(ctx, out, c, ops);
}

kh_status kh_solver_new_with(kh_context *ctx, kh_solver **out, kh_circuit *c,
                             const kh_solver_ops *ops) {
  *out = NULL;
  if (!ops || !ops->name || !ops->prepare || !ops->solve || !ops->destroy)
    return kh_fail(ctx, KH_ERR_USAGE, "a backend needs a name, prepare, solve and destroy");
  kh_solver *s = kh_calloc(1, sizeof *s);
  if (!s) return kh_fail_nomem(ctx, "creating a solver");
  s->ops = ops;
  s->c = c;
  s->work = kh_malloc((3 * c->unknowns + 1) * sizeof *s->work);
  kh_status st = s->work ? ops->prepare(ctx, c, &s->impl) : kh_fail_nomem(ctx, "creating a solver");
  if (st != KH_OK) {
    kh_solver_free(s); /* prepare may have built part of its state before failing */
    return st;
  }
  *out = s;
  return KH_OK;
}

void kh_solver_free(kh_solver *s) {
  if (!s) return;
  if (s->impl) s->ops->destroy(s->impl);
  kh_free(s->work);
  kh_free(s);
}

const char *kh_solver_name(const kh_solver *s) {
  return s->ops->name;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Names the node with the largest KCL imbalance, for the failure message. */
static const char *worst_node(const kh_circuit *c, const double *sum) {
  size_t worst = 0;
  double big = -1;
  for (size_t u = 0; u < c->unknowns; u++)
    if (!(fabs(sum[u]) <= big)) big = fabs(sum[u]), worst = u;
  for (size_t n = 0; n < c->node_count; n++)
    if (c->unknown_of[n] == (int64_t)worst) return kh_netlist_node_name(c->nl, n);
  return "?";
}

kh_status kh_solver_solve(kh_context *ctx, kh_solver *s, double *voltages, kh_solve_stats *stats) {
  double t0 = now();
  kh_status st = s->ops->solve(ctx, s->c, s->impl, voltages, &s->stats);
  if (st != KH_OK) return st;
  double *sum = s->work, *scale = s->work + s->c->unknowns, *cond = scale + s->c->unknowns;
  kh_circuit_kcl(s->c, voltages, s->ops->ideal_tolerance, sum, scale, cond, &s->stats.residual,
                 &s->stats.relative_residual, &s->stats.ideal_violation);
  s->stats.seconds = now() - t0;
  if (stats) *stats = s->stats;
  if ((s->c->ideal_count || s->c->augmented_count) &&
      !(s->stats.ideal_violation <= s->ops->ideal_tolerance))
    return kh_fail(ctx, KH_ERR_NUMERIC, "%s solve leaves an ideal diode %.3g V past its threshold",
                   s->ops->name, s->stats.ideal_violation);
  if (!(s->stats.relative_residual <= s->ops->max_relative_residual) &&
      !(s->stats.residual <= s->ops->absolute_residual))
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "%s solve failed its KCL check: residual %.3g A (%.3g relative) at node '%s'",
                   s->ops->name, s->stats.residual, s->stats.relative_residual,
                   worst_node(s->c, sum));
  return KH_OK;
}

/* A node vector onto the reduced unknowns (the adjoint's right-hand side), and back. */
static void to_unknowns(const kh_circuit *c, const double *node, double *r) {
  memset(r, 0, c->unknowns * sizeof *r);
  for (size_t n = 0; n < c->node_count; n++)
    if (c->unknown_of[n] >= 0) r[c->unknown_of[n]] += c->coef[n] * node[n];
}
static void to_nodes(const kh_circuit *c, const double *r, double *node) {
  for (size_t n = 0; n < c->node_count; n++)
    node[n] = c->unknown_of[n] >= 0 ? c->coef[n] * r[c->unknown_of[n]] : 0.0;
}

kh_status kh_solver_adjoint(kh_context *ctx, kh_solver *s, const double *node_rhs,
                            double *node_lambda) {
  const kh_circuit *c = s->c;
  if (!s->ops->adjoint)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no adjoint solve", s->ops->name);
  double *r = s->work;
  to_unknowns(c, node_rhs, r);
  kh_status st = s->ops->adjoint(ctx, s->c, s->impl, r);
  if (st == KH_OK) to_nodes(c, r, node_lambda);
  return st;
}

kh_status kh_solver_adjoint_iterative(kh_context *ctx, kh_solver *s, kh_adjoint_method method,
                                      unsigned k, double damping, const double *node_rhs,
                                      double *node_lambda, kh_adjoint_stats *stats) {
  kh_adjoint_stats local = {0};
  if (!stats) stats = &local;
  *stats = (kh_adjoint_stats){0};
  double *r = s->work;
  to_unknowns(s->c, node_rhs, r);
  kh_status st = kh_adjoint_iterate(ctx, s->ops, s->c, s->impl, method, k, damping, r, stats);
  if (st == KH_OK) to_nodes(s->c, r, node_lambda);
  return st;
}

kh_status kh_solver_hessian_apply(kh_context *ctx, kh_solver *s, const double *node_v,
                                  double *node_out) {
  if (!s->ops->hessian)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no Hessian-vector product", s->ops->name);
  size_t n = s->c->unknowns;
  double *v = s->work, *out = s->work + n;
  to_unknowns(s->c, node_v, v);
  kh_status st = n ? s->ops->hessian(ctx, s->c, s->impl, v, out, NULL, NULL, NULL) : KH_OK;
  if (st == KH_OK) to_nodes(s->c, out, node_out);
  return st;
}

int kh_solver_get_warm_start(const kh_solver *s, double *x) {
  return s->ops->get_warm ? s->ops->get_warm(s->c, s->impl, x) : 0;
}

void kh_solver_set_warm_start(kh_solver *s, const double *x) {
  if (s->ops->set_warm) s->ops->set_warm(s->c, s->impl, x);
}

void kh_solver_forget_history(kh_solver *s) {
  if (s->ops->forget) s->ops->forget(s->c, s->impl);
}

void kh_solver_last_stats(const kh_solver *s, kh_solve_stats *stats) {
  *stats = s->stats;
}

static kh_status nudge_complex(kh_context *ctx, kh_solver *s, size_t count, const double *beta,
                               const double *targets, double *voltages, const double *check) {
  if (!s->ops->nudge_complex)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no complex nudges", s->ops->name);
  kh_status st = kh_circuit_set_nudge(ctx, s->c, 0.0, targets); /* targets only */
  if (st != KH_OK) return st;
  /* double[2] and double complex share their layout (C11 6.2.5p13) */
  return s->ops->nudge_complex(
      ctx, s->c, s->impl, count, (const double _Complex *)(const void *)beta,
      (double _Complex *)(void *)voltages, check, &s->stats.complex_factorizations);
}

kh_status kh_solver_nudge_complex(kh_context *ctx, kh_solver *s, size_t count, const double *beta,
                                  const double *targets, double *voltages, double lo, double hi) {
  return nudge_complex(ctx, s, count, beta, targets, voltages, (double[2]){lo, hi});
}

int kh_solver_nudge_rational(const kh_solver *s) {
  return s->ops->nudge_complex && s->c->smooth_count == 0;
}

kh_status kh_solver_nudge_complex_frozen(kh_context *ctx, kh_solver *s, size_t count,
                                         const double *beta, const double *targets,
                                         double *voltages) {
  return nudge_complex(ctx, s, count, beta, targets, voltages, NULL);
}

kh_status kh_solver_nudge_radius(kh_context *ctx, kh_solver *s, double *radius) {
  if (!s->ops->nudge_radius)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no complex nudges", s->ops->name);
  return s->ops->nudge_radius(ctx, s->c, s->impl, radius);
}

kh_status kh_oscillation_check(kh_context *ctx, const kh_oscillation *o) {
  if (!(o->period > 0) || !isfinite(o->period) || o->periods < 1 || o->steps < 8 ||
      !(o->node_capacitance >= 0) || !isfinite(o->node_capacitance))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "an oscillation needs a period > 0, >= 1 periods, >= 8 steps per period and "
                   "a node capacitance >= 0");
  return KH_OK;
}

kh_status kh_solver_transient(kh_context *ctx, kh_solver *s, const kh_transient_options *o,
                              const double *targets, kh_forcing forcing, void *forcing_user,
                              kh_oscillation_sample sample, void *user,
                              kh_oscillation_stats *stats) {
  kh_oscillation_stats local = {0};
  if (!stats) stats = &local;
  *stats = (kh_oscillation_stats){0};
  if (!s->ops->transient)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no transient analysis", s->ops->name);
  if (!(o->step > 0) || !isfinite(o->step) || o->steps < 1 || o->skip >= o->steps ||
      !(o->node_capacitance >= 0) || !isfinite(o->node_capacitance) || !forcing || !sample)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "a transient run needs a step > 0, steps >= 1 and more than it skips, a node "
                   "capacitance >= 0, a forcing and a reader");
  if (s->c->output_count == 0)
    return kh_fail(ctx, KH_ERR_USAGE, "cannot nudge a circuit without .output read-outs");
  kh_status st = kh_circuit_set_nudge(ctx, s->c, 0.0, targets); /* targets only */
  if (st != KH_OK) return st;
  double t0 = now();
  st = s->ops->transient(ctx, s->c, s->impl, o, forcing, forcing_user, sample, user, stats);
  s->stats.factorizations += stats->factorizations;
  s->stats.seconds = now() - t0;
  return st;
}

kh_status kh_solver_oscillate(kh_context *ctx, kh_solver *s, const kh_oscillation *o,
                              double amplitude, const double *targets, kh_oscillation_sample sample,
                              void *user, kh_oscillation_stats *stats) {
  if (!isfinite(amplitude) || !(amplitude >= 0))
    return kh_fail(ctx, KH_ERR_USAGE, "the oscillation's amplitude must be finite and >= 0");
  kh_status st = kh_oscillation_check(ctx, o);
  if (st != KH_OK) return st;
  kh_transient_options t = {.step = o->period / o->steps,
                            .steps = (o->settle + o->periods) * o->steps,
                            .skip = o->settle * o->steps,
                            .node_capacitance = o->node_capacitance,
                            .keep_clamps = o->keep_clamps};
  kh_oscillation_drive drive = {amplitude, o->period, o->steps};
  return kh_solver_transient(ctx, s, &t, targets, kh_oscillation_forcing, &drive, sample, user,
                             stats);
}
