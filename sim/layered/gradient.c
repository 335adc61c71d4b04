/* Gradient estimators on the layered backend (kirchhoff/layered.h: kh_layered_gradient): the
 * phases by block-coordinate descent, then either EP's contrast of dE/dtheta between phases or
 * an adjoint from Hessian-vector products on the whole batch (layered_adjoint.h). */
#include "layered_impl.h"

#include "../circuit/circuit_impl.h"
#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

/* Buffers of kh_layered_gradient, kept in the handle (lay->gradient) for its rows_max rows:
 * batch vectors (layers 1..L of `rows` rows, layer l at rows * off[l]) and scratch. */
typedef struct {
  size_t off[KH_LAYERED_MAX + 1], total;
  void *g, *lambda, *work, *inv_diag, *keep, *M;
  unsigned char *held;
  double *scalars, *sums;
} buffers;

static void release(void *buffers_) {
  buffers *b = buffers_;
  kh_aligned_free(b->g), kh_aligned_free(b->lambda), kh_aligned_free(b->work);
  kh_aligned_free(b->inv_diag), kh_aligned_free(b->keep), kh_aligned_free(b->M);
  kh_free(b->held), kh_free(b->scalars), kh_free(b->sums), kh_free(b);
}

/* The handle's buffers, laid out for `rows` rows. */
static kh_status buffers_for(kh_context *ctx, kh_layered *lay, size_t rows, buffers **out) {
  size_t per_row = 0, M = 0, sums = 0; /* M and sums: theta_gather's, every layer's */
  buffers *b = lay->gradient;
  for (size_t l = 1; l <= lay->depth; l++)
    per_row += lay->ld[l], M += lay->width[l - 1] * lay->ld[l],
        sums += 2 * lay->ld[l] + lay->width[l - 1];
  if (!b) {
    size_t bytes = lay->rows_max * per_row * lay->real + 64;
    b = kh_calloc(1, sizeof *b);
    if (!b) return kh_fail_nomem(ctx, "layered gradients");
    b->g = kh_aligned_calloc(1, bytes), b->lambda = kh_aligned_calloc(1, bytes);
    b->work = kh_aligned_calloc(4, bytes), b->inv_diag = kh_aligned_calloc(1, bytes);
    b->keep = kh_aligned_calloc(1, bytes), b->M = kh_aligned_calloc(1, M * lay->real + 64);
    b->held = kh_malloc(lay->rows_max * per_row + 1);
    b->scalars = kh_malloc((4 * lay->rows_max + 1) * sizeof *b->scalars);
    b->sums = kh_malloc((sums + 1) * sizeof *b->sums);
    if (!b->g || !b->lambda || !b->work || !b->inv_diag || !b->keep || !b->M || !b->held ||
        !b->scalars || !b->sums) {
      release(b);
      return kh_fail_nomem(ctx, "layered gradients");
    }
    lay->gradient = b, lay->gradient_free = release;
  }
  for (size_t l = 1, at = 0; l <= lay->depth; l++) b->off[l] = at, at += lay->ld[l];
  b->total = rows * per_row;
  *out = b;
  return KH_OK;
}

/* A phase at nudge beta (warm: from V as it stands), its sweeps counted. */
static kh_status phase(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                       const double *targets, double beta, int warm,
                       const kh_layered_grad_options *o, kh_layered_grad_info *info) {
  unsigned sweeps = 0;
  double change;
  kh_status st =
      kh_layered_phase(ctx, lay, rows, x, beta, targets, o->sweeps, o->tol, warm, &sweeps, &change);
  info->sweeps += sweeps, info->phases++;
  return st;
}

/* EP: sum_k w_k / beta dE/dtheta(v_{s_k beta}), each nudged phase from the free state. */
static kh_status contrast(kh_context *ctx, kh_layered *lay, size_t rows, const double *targets,
                          const kh_layered_grad_options *o, buffers *b, double *grad,
                          kh_layered_grad_info *info) {
  static const double steps[3][2] = {{0, 1}, {-1, 0}, {-1, 1}},
                      weights[3][2] = {{-1, 1}, {-1, 1}, {-0.5, 0.5}};
  int which = o->estimator == KH_EST_PLUS ? 0 : o->estimator == KH_EST_MINUS ? 1 : 2;
  if (!(o->beta > 0 && isfinite(o->beta)))
    return kh_fail(ctx, KH_ERR_USAGE, "the nudge beta must be finite and > 0 (got %g)", o->beta);
  KH_LAYERED_CALL(lay, keep_rows, lay, rows, b->off, b->keep, 0);
  kh_status st = KH_OK;
  for (int k = 0; st == KH_OK && k < 2; k++) {
    double s = steps[which][k];
    if (k > 0) KH_LAYERED_CALL(lay, keep_rows, lay, rows, b->off, b->keep, 1); /* the free state */
    if (s != 0) st = phase(ctx, lay, rows, NULL, targets, s * o->beta, 1, o, info); /* driven */
    if (st == KH_OK)
      KH_LAYERED_CALL(lay, theta_gather, lay, rows, b->off, NULL, weights[which][k] / o->beta,
                      k == 0, b->M, b->sums);
  }
  if (st == KH_OK) KH_LAYERED_CALL(lay, theta_scatter, lay, 0, 1.0, grad, b->M, b->sums);
  return st;
}

/* lambda for every row (b->lambda), by the estimator's method. */
static kh_status adjoint(kh_context *ctx, kh_layered *lay, size_t rows, const double *targets,
                         const kh_layered_grad_options *o, buffers *b, kh_layered_grad_info *info) {
  static const struct {
    kh_estimator estimator;
    int method;
  } methods[] = {{KH_EST_EXACT, -1},
                 {KH_EST_FIRST_ORDER, KH_ADJOINT_IDENTITY},
                 {KH_EST_RBP, KH_ADJOINT_RICHARDSON},
                 {KH_EST_CG, KH_ADJOINT_CG},
                 {KH_EST_CG_JACOBI, KH_ADJOINT_CG_JACOBI},
                 {KH_EST_PHANTOM, KH_ADJOINT_PHANTOM}};
  if (o->estimator == KH_EST_NODE_PERTURBATION) /* lambda read by probes, not solved for */
    return kh_layered_node_lambda(ctx, lay, rows, targets, o, b->off, b->lambda, info);
  int method = -2;
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (methods[i].estimator == o->estimator) method = methods[i].method;
  if (method == -2)
    return kh_fail(
        ctx, KH_ERR_USAGE,
        "the layered backend's gradients are exact, first-order, rbp, cg, cg-jacobi, "
        "phantom, itd, plus, minus, centered, holomorphic, spsa and node-perturbation, not %s",
        kh_estimator_name(o->estimator));
  if (method >= 0 && method != KH_ADJOINT_IDENTITY && (o->k < 1 || o->k > 1000000))
    return kh_fail(ctx, KH_ERR_USAGE, "k must be 1..1000000, got %u", o->k);
  if (method == KH_ADJOINT_PHANTOM && !(o->damping > 0 && o->damping <= 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the phantom gradient's damping must be in (0, 1], got %g",
                   o->damping);
  double bound = 0;
  KH_LAYERED_CALL(lay, adjoint_setup, lay, rows, b->off, targets, b->g, b->held, b->inv_diag,
                  &bound);
  for (size_t r = 0; r < rows; r++) b->scalars[2 * rows + r] = bound > 0 ? 1 / bound : 1;
  KH_LAYERED_CALL(lay, adjoint, lay, rows, b->off, b->total, b->held, method, o->k, o->damping,
                  b->g, b->lambda, b->work, b->inv_diag, b->scalars, &info->products);
  return KH_OK;
}

/* What every gradient checks and needs first: targets, a row count the handle takes, the
 * buffers; info zeroed. */
static kh_status prepare(kh_context *ctx, kh_layered *lay, size_t rows, const double *targets,
                         buffers **b, kh_layered_grad_info *info) {
  memset(info, 0, sizeof *info);
  if (!targets) return kh_fail(ctx, KH_ERR_USAGE, "layered gradients need targets");
  if (rows < 1 || rows > lay->rows_max)
    return kh_fail(ctx, KH_ERR_USAGE, "%zu rows: this layered handle takes 1..%zu", rows,
                   lay->rows_max);
  return buffers_for(ctx, lay, rows, b);
}

/* The free phase (unless the caller has it in the rows: free_given), and the loss there. */
static kh_status start(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                       const double *targets, const kh_layered_grad_options *o, buffers **b,
                       kh_layered_grad_info *info) {
  kh_status st = prepare(ctx, lay, rows, targets, b, info);
  if (st == KH_OK && !o->free_given) st = phase(ctx, lay, rows, x, NULL, 0, 0, o, info);
  return st == KH_OK ? kh_layered_loss(ctx, lay, rows, targets, &info->loss) : st;
}

static int ep_estimator(kh_estimator e) {
  return e == KH_EST_PLUS || e == KH_EST_MINUS || e == KH_EST_CENTERED;
}

/* itd's and spsa's step: the gradient as a vector, then every parameter moved and W reloaded
 * (neither has an adjoint to fuse into the pass over W). */
static kh_status descend_by_vector(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                                   const double *targets, const kh_layered_grad_options *o,
                                   const double *step, const double *bias_step, double *theta,
                                   double lo, double hi, kh_layered_grad_info *info) {
  double *g = kh_malloc((2 * lay->params + 1) * sizeof *g), *full = g + lay->params;
  if (!g) return kh_fail_nomem(ctx, "the gradient's step");
  kh_status st = kh_layered_gradient(ctx, lay, rows, x, targets, o, g, info);
  if (st == KH_OK) {
    kh_layered_get_params(lay, full); /* the conductances as W holds them */
    for (size_t p = 0; p < lay->params; p++) {
      const kh_layered_slot *s = &lay->param[p];
      if (s->bias) {
        full[p] = theta[p] -= bias_step[p] * g[p];
      } else {
        double v = full[p] - step[s->layer] * g[p];
        full[p] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    st = kh_layered_set_params(ctx, lay, full);
  }
  kh_free(g);
  return st;
}

/* Node perturbation's step reads the free state as measured, as the native rule does: read
 * noise on the free rows (back = 0), kept clean in b->keep and put back after (back = 1). */
static void measured_free(kh_layered *lay, size_t rows, const kh_layered_grad_options *o,
                          buffers *b, int back) {
  if (o->estimator != KH_EST_NODE_PERTURBATION || !o->measure) return;
  KH_LAYERED_CALL(lay, keep_rows, lay, rows, b->off, b->keep, back);
  if (!back) o->measure(o->measure_user, lay, 0, rows, 0);
}

kh_status kh_layered_descend(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                             const double *targets, const kh_layered_grad_options *o,
                             const double *step, const double *bias_step, double *theta, double lo,
                             double hi, kh_layered_grad_info *info) {
  buffers *b = NULL;
  if (ep_estimator(o->estimator))
    return kh_fail(ctx, KH_ERR_USAGE, "kh_layered_descend takes the adjoint estimators");
  if (o->estimator == KH_EST_ITD || o->estimator == KH_EST_SPSA)
    return descend_by_vector(ctx, lay, rows, x, targets, o, step, bias_step, theta, lo, hi, info);
  kh_status st = start(ctx, lay, rows, x, targets, o, &b, info);
  if (st == KH_OK) st = adjoint(ctx, lay, rows, targets, o, b, info);
  if (st == KH_OK) {
    measured_free(lay, rows, o, b, 0);
    KH_LAYERED_CALL(lay, adjoint_step, lay, rows, b->off, b->lambda, step, bias_step, theta, lo, hi,
                    b->M, b->sums);
    measured_free(lay, rows, o, b, 1);
  }
  return st;
}

/* ITD: reverse mode through T block sweeps, from 0 V (sweeps > 0, tol = 0: the phase is those
 * sweeps) or from the equilibrium (tol > 0: k sweeps from it). */
static kh_status itd(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                     const double *targets, const kh_layered_grad_options *o, buffers *b,
                     double *grad, kh_layered_grad_info *info) {
  int cold = o->tol == 0;
  unsigned T = cold ? o->sweeps : o->k;
  if (T < 1 || T > 1000000)
    return kh_fail(ctx, KH_ERR_USAGE, "itd takes 1..1000000 sweeps, got %u", T);
  kh_status st = KH_OK;
  if (cold) { /* the inputs, 0 V elsewhere: kh_layered_solve's checks without its sweeps */
    for (size_t i = 0; st == KH_OK && i < rows * lay->features; i++)
      if (!isfinite(x[i])) st = kh_fail(ctx, KH_ERR_INPUT, "input feature %zu is not finite", i);
    if (st == KH_OK) KH_LAYERED_CALL(lay, drive, lay, rows, x, 1);
    for (size_t l = 1; st == KH_OK && l <= lay->depth; l++)
      memset(lay->V[l], 0, rows * lay->ld[l] * lay->real);
    info->phases = 1;
  } else {
    st = phase(ctx, lay, rows, x, NULL, 0, 0, o, info);
  }
  size_t G = 0;
  for (size_t l = 1; l <= lay->depth; l++) G += lay->width[l - 1] * lay->ld[l];
  void *X = st == KH_OK ? kh_aligned_calloc(2 * (size_t)T + 1, b->total * lay->real + 64) : NULL;
  void *Gm = st == KH_OK ? kh_aligned_calloc(1, G * lay->real + 64) : NULL;
  if (st == KH_OK && (!X || !Gm)) st = kh_fail_nomem(ctx, "itd's trajectory");
  if (st == KH_OK) {
    KH_LAYERED_CALL(lay, itd, lay, rows, b->off, T, targets, X, b->g, b->lambda, Gm, grad);
    info->sweeps += T, info->products += T;
    st = kh_layered_loss(ctx, lay, rows, targets, &info->loss);
  }
  kh_aligned_free(X), kh_aligned_free(Gm);
  return st;
}

static kh_status gradient(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                          const double *targets, const kh_layered_grad_options *o, double *grad,
                          kh_layered_grad_info *info) {
  kh_layered_grad_info local;
  if (!info) info = &local;
  memset(grad, 0, lay->params * sizeof *grad);
  buffers *b = NULL;
  if (o->estimator == KH_EST_ITD) {
    kh_status st = prepare(ctx, lay, rows, targets, &b, info);
    return st == KH_OK ? itd(ctx, lay, rows, x, targets, o, b, grad, info) : st;
  }
  kh_status st = start(ctx, lay, rows, x, targets, o, &b, info);
  if (st == KH_OK && ep_estimator(o->estimator))
    return contrast(ctx, lay, rows, targets, o, b, grad, info);
  if (st == KH_OK && o->estimator == KH_EST_HOLOMORPHIC)
    return kh_layered_holo_gradient(ctx, lay, rows, targets, o, grad, info);
  if (st == KH_OK && o->estimator == KH_EST_SPSA)
    return kh_layered_spsa(ctx, lay, rows, x, targets, o, b->off, b->keep, grad, info);
  if (st == KH_OK) st = adjoint(ctx, lay, rows, targets, o, b, info);
  if (st == KH_OK) {
    measured_free(lay, rows, o, b, 0);
    KH_LAYERED_CALL(lay, theta_gather, lay, rows, b->off, b->lambda, 1.0, 1, b->M, b->sums);
    KH_LAYERED_CALL(lay, theta_scatter, lay, 1, 1.0, grad, b->M, b->sums);
    measured_free(lay, rows, o, b, 1);
  }
  return st;
}

kh_status kh_layered_gradient(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                              const double *targets, const kh_layered_grad_options *o, double *grad,
                              kh_layered_grad_info *info) {
  int blas_threads = kh_layered_blas_serial();
  kh_status st = gradient(ctx, lay, rows, x, targets, o, grad, info);
  kh_layered_blas_restore(blas_threads);
  return st;
}
