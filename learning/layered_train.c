/* Training on the layered backend. Row layout of the handle's state: the batch's free phase in
 * rows [0, n), the nudged phases in [n, 2n) and, for the centered estimator, [2n, 3n) (n the
 * batch's size); holomorphic EP's N points in 2N blocks of n rows after the free rows, each
 * point's real parts and then its imaginary parts (layered_complex.h). The free rows keep their
 * state from batch to batch (the next free phase's warm start, as in Scellier's code); the nudged
 * rows start from the free state. */
#include "layered_train.h"
#include "partition.h"

#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"
#include "core/rng.h"
#include "sim/layered/layered_impl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>

enum { EVAL_ROWS = 256, MAX_SWEEPS = 100000 };

struct kh_layered_trainer {
  kh_layered *lay;
  kh_train_options o;
  size_t batch, params, outputs;
  double *theta; /* the parameters; the handle's W holds the conductances while training */
  double *rate;  /* per parameter */
  double layer_rate[KH_LAYERED_MAX + 1], gmin, gmax;
  double *x, *x_next, *target, *out, *dsum;
  double *grad;  /* by_adjoint estimators: each parameter's step (the biases' are read) */
  size_t *order; /* evaluation: the samples of one chunk */
  void *At, *C, *rt, *ct, *Ut, *workspace;
  int product_ready; /* P holds the current batch's input product (from the last update) */
  kh_partition part; /* this process's share of each batch (rank 0 of 1: all of it) */
  unsigned char *pack, *packed; /* data parallel: this share's phase rows, and every share's */
  /* the epoch in progress: its sums (loss, correct) and counts, and OpenBLAS's thread count to
   * give back at its end */
  long double loss, correct;
  kh_epoch_report acc;
  int blas_threads;
  double noise_volts;      /* read noise on the voltages the update reads (0: none) */
  double *points;          /* holomorphic EP: its N nudges r e^(2 pi i k/N), (re, im) pairs, */
  double spread;           /* and the batch's 1 / scale of the estimate (the circle's radius) */
  size_t epoch;            /* the one in progress, 1-based: the noise's draws seed from it */
  const size_t *measuring; /* the samples of the minibatch whose rows measure_rows reads */
  /* momentum: each conductance matrix's velocity (laid out like W_l) during training, and the
   * trainer's moment array (.train order: the biases' velocities, and the matrices' between
   * epochs, where a checkpoint reads them); NULL without momentum */
  void *velocity[KH_LAYERED_MAX + 1];
  double *moment;
};

void kh_layered_trainer_free(kh_layered_trainer *lt) {
  if (!lt) return;
  kh_layered_free(lt->lay);
  kh_free(lt->theta), kh_free(lt->rate), kh_free(lt->x), kh_free(lt->x_next), kh_free(lt->order);
  kh_free(lt->target), kh_free(lt->out), kh_free(lt->dsum), kh_aligned_free(lt->At);
  kh_aligned_free(lt->C), kh_aligned_free(lt->rt), kh_aligned_free(lt->ct);
  kh_aligned_free(lt->Ut), kh_aligned_free(lt->workspace);
  kh_free(lt->pack), kh_free(lt->packed), kh_free(lt->grad), kh_free(lt->points);
  for (size_t l = 0; l <= KH_LAYERED_MAX; l++) kh_aligned_free(lt->velocity[l]);
  kh_free(lt);
}

/* The estimators the layered trainer runs through kh_layered_gradient (an adjoint on the whole
 * batch, then a plain SGD step) rather than its fused EP update. */
static int by_adjoint(kh_estimator e) {
  return e == KH_EST_EXACT || e == KH_EST_SPSA || e == KH_EST_NODE_PERTURBATION ||
         (e >= KH_EST_FIRST_ORDER && e <= KH_EST_ITD);
}

static kh_status check_options(kh_context *ctx, const kh_train_options *o) {
  const char *why = NULL;
  if (o->optimizer == KH_OPT_ADAM)
    why = "runs SGD, with or without momentum";
  else if (o->optimizer == KH_OPT_MOMENTUM && by_adjoint(o->estimator))
    why = "runs momentum with the estimators of its fused update only (centered, plus, minus, "
          "holomorphic, coupled)";
  else if (o->estimator != KH_EST_CENTERED && o->estimator != KH_EST_PLUS &&
           o->estimator != KH_EST_MINUS && o->estimator != KH_EST_COUPLED &&
           o->estimator != KH_EST_HOLOMORPHIC && !by_adjoint(o->estimator))
    why = "runs the centered, plus, minus, holomorphic, coupled, spsa, node-perturbation, exact, "
          "first-order, rbp, cg, cg-jacobi, phantom and itd estimators";
  else if (o->sign_updates || o->soft_bounds || o->pulse > 0)
    why = "has no device update rules";
  else if (o->beta_relative && o->estimator != KH_EST_HOLOMORPHIC)
    why = "takes beta in siemens (relative for the holomorphic estimator only)";
  else if (o->inner_tol > 0)
    why = "stops its phases at layered_tol (relative to the inputs), not at inner_tol";
  else if (o->inner && o->sweeps && o->inner != o->sweeps)
    why = "takes one count of sweeps per phase: inner (sweeps of its block sweep) or sweeps, "
          "or both the same";
  else if (o->inner && o->inner_start != KH_INNER_FROM_FREE)
    why = "starts its nudged phases from the free state";
  else if (o->sweeps == 0 && !(o->layered_tol > 0 && isfinite(o->layered_tol)))
    why = "needs sweeps > 0 or a tolerance > 0";
  if (why)
    return kh_fail(ctx, KH_ERR_USAGE, "the layered backend %s; use the native backend otherwise",
                   why);
  return KH_OK;
}

/* Room for holomorphic EP's N points (placed per batch: complex_phases; the model checked N). */
static kh_status take_points(kh_context *ctx, kh_layered_trainer *lt) {
  lt->points = kh_malloc(2 * ((size_t)lt->o.holomorphic_points + 1) * sizeof *lt->points);
  return lt->points ? KH_OK : kh_fail_nomem(ctx, "holomorphic EP's points");
}

/* Rates: one per conductance matrix (its parameters must agree), one per bias. */
static kh_status take_rates(kh_context *ctx, kh_layered_trainer *lt, const kh_optimizer *opt) {
  const kh_layered *lay = lt->lay;
  for (size_t l = 1; l <= lay->depth; l++) {
    lt->layer_rate[l] = NAN;
    if (!lay->full[l])
      return kh_fail(ctx, KH_ERR_INPUT,
                     "the layered backend trains networks whose every conductance between "
                     "layers %zu and %zu is one trainable resistor; use the native backend",
                     l - 1, l);
  }
  for (size_t p = 0; p < lt->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    lt->rate[p] = opt->rate[p];
    if (s->bias) continue;
    double *r = &lt->layer_rate[s->layer];
    if (isnan(*r)) *r = opt->rate[p];
    if (*r != opt->rate[p])
      return kh_fail(ctx, KH_ERR_USAGE,
                     "the layered backend needs one learning rate for all conductances of "
                     "layer %u",
                     s->layer);
  }
  for (size_t p = 0; p < lt->params; p++)
    if (!lay->param[p].bias) lt->gmin = opt->lo[p], lt->gmax = opt->hi[p];
  return KH_OK;
}

/* Momentum: a velocity per conductance matrix, and the trainer's moments for the rest. */
static kh_status take_velocity(kh_context *ctx, kh_layered_trainer *lt, const kh_optimizer *opt) {
  const kh_layered *lay = lt->lay;
  for (size_t l = 1; l <= lay->depth; l++)
    if (!(lt->velocity[l] = kh_aligned_calloc(lay->width[l - 1] * lay->ld[l], lay->real)))
      return kh_fail_nomem(ctx, "the layered trainer's momentum");
  lt->moment = opt->m1;
  return KH_OK;
}

kh_status kh_layered_trainer_new(kh_context *ctx, kh_layered_trainer **out, kh_model *m,
                                 const kh_optimizer *opt, const kh_train_options *o,
                                 double noise_volts) {
  *out = NULL;
  kh_status st = check_options(ctx, o);
  if (st != KH_OK) return st;
  kh_layered_trainer *lt = kh_calloc(1, sizeof *lt);
  if (!lt) return kh_fail_nomem(ctx, "creating the layered trainer");
  lt->o = *o;
  lt->noise_volts = noise_volts;
  if (o->inner) lt->o.sweeps = (unsigned)o->inner; /* inexact phases: Phi is its block sweep */
  lt->batch = o->batch;
  lt->part = (kh_partition){0, 1, NULL, NULL, NULL, NULL};
  lt->gmin = 1e-12, lt->gmax = INFINITY;
  /* the free rows and the nudged phases' (holomorphic: each point's real and imaginary rows) */
  size_t N = o->holomorphic_points, phases = o->estimator == KH_EST_HOLOMORPHIC ? 2 * N : 2;
  size_t rows = (1 + phases) * o->batch > EVAL_ROWS ? (1 + phases) * o->batch : EVAL_ROWS;
  st = kh_layered_new(ctx, &lt->lay, m->circuit, o->precision, rows);
  if (st == KH_OK && o->estimator == KH_EST_NODE_PERTURBATION) { /* two rows per node probed */
    size_t probes = kh_layered_free_nodes(lt->lay);
    rows = (1 + 2 * probes) * o->batch > rows ? (1 + 2 * probes) * o->batch : rows;
    kh_layered_free(lt->lay);
    st = kh_layered_new(ctx, &lt->lay, m->circuit, o->precision, rows);
  }
  if (st == KH_OK) {
    kh_layered *lay = lt->lay;
    size_t R = lay->real, F = lay->features, B = o->batch, wmax = lay->max_width;
    size_t ldmax = lay->max_ld;
    lt->params = lay->params, lt->outputs = lay->outputs;
    lt->theta = kh_malloc((lt->params + 1) * sizeof *lt->theta);
    lt->rate = kh_malloc((lt->params + 1) * sizeof *lt->rate);
    lt->x = kh_malloc(rows * F * sizeof *lt->x);
    lt->x_next = kh_malloc(B * F * sizeof *lt->x_next);
    lt->target = kh_malloc(rows * lt->outputs * sizeof *lt->target);
    lt->out = kh_malloc((lt->outputs + 1) * sizeof *lt->out);
    lt->dsum = kh_malloc(wmax * sizeof *lt->dsum);
    lt->order = kh_malloc(rows * sizeof *lt->order);
    lt->At = kh_aligned_calloc(wmax * phases * B, R);
    lt->C = kh_aligned_calloc(phases * B * ldmax, R);
    lt->rt = kh_aligned_calloc(wmax, R), lt->ct = kh_aligned_calloc(ldmax, R);
    lt->Ut = kh_aligned_calloc(lay->width[0] * B, R);
    lt->workspace =
        kh_aligned_calloc(KH_LAYERED_CALL(lay, update_workspace, lay, B, o->threads), 1);
    if (!lt->theta || !lt->rate || !lt->x || !lt->x_next || !lt->target || !lt->out || !lt->dsum ||
        !lt->order || !lt->At || !lt->C || !lt->rt || !lt->ct || !lt->Ut || !lt->workspace)
      st = kh_fail_nomem(ctx, "creating the layered trainer");
  }
  if (st == KH_OK && o->estimator == KH_EST_HOLOMORPHIC) st = take_points(ctx, lt);
  if (st == KH_OK && o->optimizer == KH_OPT_MOMENTUM) st = take_velocity(ctx, lt, opt);
  if (st == KH_OK) st = take_rates(ctx, lt, opt);
  if (st == KH_OK) kh_layered_set_threads(lt->lay, o->threads);
  if (st == KH_OK) kh_layered_get_params(lt->lay, lt->theta);
  if (st != KH_OK) {
    kh_layered_trainer_free(lt);
    return st;
  }
  *out = lt;
  return KH_OK;
}

kh_status kh_layered_trainer_set_params(kh_context *ctx, kh_layered_trainer *lt,
                                        const double *theta) {
  kh_status st = kh_layered_set_params(ctx, lt->lay, theta);
  if (st == KH_OK) memcpy(lt->theta, theta, lt->params * sizeof *theta);
  /* the matrices' velocities from the trainer's moments (zero, or a checkpoint's) */
  if (st == KH_OK && lt->moment)
    KH_LAYERED_CALL(lt->lay, to_layout, lt->lay, lt->moment, lt->velocity);
  return st;
}

void kh_layered_trainer_get_params(const kh_layered_trainer *lt, double *theta) {
  memcpy(theta, lt->theta, lt->params * sizeof *theta); /* the biases */
  KH_LAYERED_CALL(lt->lay, store, lt->lay, theta);      /* the conductances, from W */
}

static void set_targets(kh_layered_trainer *lt, const kh_dataset *d, const size_t *idx,
                        size_t count) {
  for (size_t r = 0; r < count; r++) {
    unsigned label = kh_dataset_label(d, idx[r]);
    for (size_t k = 0; k < lt->outputs; k++)
      lt->target[r * lt->outputs + k] = k == label ? lt->o.target_on : lt->o.target_off;
  }
}

static void gather(const kh_layered_trainer *lt, const kh_dataset *d, const size_t *idx,
                   size_t count, double *x) {
  size_t F = lt->lay->features;
  for (size_t r = 0; r < count; r++) memcpy(x + r * F, kh_dataset_sample(d, idx[r]), F * sizeof *x);
}

/* Phase rows [first, first + count): nudge beta toward the targets of the batch's samples. */
static void nudge_rows(kh_layered_trainer *lt, size_t first, size_t count, double beta) {
  kh_layered *lay = lt->lay;
  for (size_t r = 0; r < count; r++) {
    lay->beta_row[first + r] = beta;
    memcpy(lay->target_row + (first + r) * lt->outputs, lt->target + r * lt->outputs,
           lt->outputs * sizeof *lt->target);
  }
}

/* Coupled learning's clamped rows [c, 2c): each output held at o + eta (y - o), o the free
 * row's output (kh_model_coupled's phase, on the whole batch). */
static void clamp_rows(kh_layered_trainer *lt, size_t c) {
  kh_layered *lay = lt->lay;
  size_t K = lt->outputs;
  for (size_t r = 0; r < c; r++) {
    KH_LAYERED_CALL(lay, outputs, lay, r, lt->out);
    lay->beta_row[c + r] = INFINITY;
    for (size_t k = 0; k < K; k++)
      lay->target_row[(c + r) * K + k] =
          lt->out[k] + lt->o.eta * (lt->target[r * K + k] - lt->out[k]);
  }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Sweeps rows [first, first + count): a fixed number, or to the tolerance. */
static kh_status relax(kh_context *ctx, kh_layered_trainer *lt, size_t first, size_t count,
                       unsigned long *sweeps) {
  unsigned k = 0;
  double change;
  kh_status st =
      kh_layered_relax(ctx, lt->lay, first, count, lt->o.sweeps ? lt->o.sweeps : MAX_SWEEPS,
                       lt->o.sweeps ? 0 : lt->o.layered_tol, &k, &change);
  *sweeps += (unsigned long)k * count; /* per sample and phase, like solves */
  return st;
}

static size_t argmax(const double *v, size_t n) {
  size_t best = 0;
  for (size_t k = 1; k < n; k++)
    if (v[k] > v[best]) best = k;
  return best;
}

/* Loss and correctness of free rows [0, count). A non-finite output (parameters that diverged)
 * is a numerical failure: fixed sweeps have no convergence test that would catch it. */
static kh_status score(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                       const size_t *idx, size_t count, long double *loss, long double *correct) {
  for (size_t r = 0; r < count; r++) {
    KH_LAYERED_CALL(lt->lay, outputs, lt->lay, r, lt->out);
    const double *y = lt->target + r * lt->outputs;
    double l = 0;
    for (size_t k = 0; k < lt->outputs; k++) {
      if (!isfinite(lt->out[k]))
        return kh_fail(ctx, KH_ERR_NUMERIC,
                       "sample %zu: output %zu is %g after the free phase (the parameters "
                       "diverged: try a smaller learning rate)",
                       idx[r], k + 1, lt->out[k]);
      l += 0.5 * (lt->out[k] - y[k]) * (lt->out[k] - y[k]);
    }
    *loss += l;
    *correct += argmax(lt->out, lt->outputs) == kh_dataset_label(d, idx[r]);
  }
  return KH_OK;
}

/* SGD on every layer from phase rows a and b (count each), gradient scale coef; the first
 * layer's pass also forms the next batch's input product when next > 0. */
static void update(kh_layered_trainer *lt, size_t a, size_t b, size_t count, double coef,
                   double lr_scale, size_t next) {
  kh_layered *lay = lt->lay;
  for (size_t l = lay->depth; l >= 1; l--) {
    size_t rank = l == 1 ? count : 2 * count;
    if (lt->o.estimator == KH_EST_HOLOMORPHIC) /* from the points' rows (a, b unused) */
      rank = KH_LAYERED_CALL(lay, holo_factors, lay, l, count, lt->At, lt->C, lt->rt, lt->ct,
                             lt->dsum);
    else
      KH_LAYERED_CALL(lay, factors, lay, l, a, b, count, lt->At, lt->C, lt->rt, lt->ct, lt->dsum);
    double step = lt->layer_rate[l] * lr_scale * coef;
    kh_layered_momentum momentum = {lt->velocity[l], lt->o.momentum, coef,
                                    lt->layer_rate[l] * lr_scale};
    KH_LAYERED_CALL(lay, update, lay, l, rank, lt->At, lt->C, l == 1 ? NULL : lt->rt, lt->ct, step,
                    lt->moment ? &momentum : NULL, lt->gmin, lt->gmax, l == 1 ? next : 0, lt->Ut,
                    lt->workspace, lt->o.threads);
    for (size_t k = 0; k < lay->bias_count; k++) { /* dE/dI = -sign v: the biases' gradients */
      size_t p = lay->bias[k];
      const kh_layered_slot *s = &lay->param[p];
      if (s->layer != l) continue;
      if (!lt->moment) {
        lt->theta[p] += lt->rate[p] * lr_scale * coef * s->sign * lt->dsum[s->entry];
        continue;
      }
      double *m = &lt->moment[p]; /* the gradient's average, as the native optimizer keeps it */
      *m = lt->o.momentum * *m - coef * s->sign * lt->dsum[s->entry];
      lt->theta[p] -= lt->rate[p] * lr_scale * *m;
    }
  }
  KH_LAYERED_CALL(lay, refresh, lay, lt->theta, 0);
}

static kh_status evaluate(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                          double *loss, double *error);

kh_status kh_layered_trainer_evaluate(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                                      double *loss, double *error) {
  int threads = kh_layered_blas_serial();
  kh_status st = evaluate(ctx, lt, d, loss, error);
  kh_layered_blas_restore(threads);
  return st;
}

/* This process's share [lo, lo + count) of a batch of n rows. */
static size_t share(const kh_layered_trainer *lt, size_t n, size_t *count) {
  return kh_partition_share(&lt->part, lt->part.rank, n, count);
}

/* Blocks of batch rows the nudged phases take after the free rows: holomorphic EP's two per
 * point (real and imaginary parts), the centered estimator's two, the others' one. */
static size_t phase_blocks(const kh_layered_trainer *lt) {
  kh_estimator e = lt->o.estimator;
  return e == KH_EST_HOLOMORPHIC ? 2 * (size_t)lt->o.holomorphic_points
         : e == KH_EST_CENTERED  ? 2
                                 : 1;
}

/* Bytes of one row of every array share_rows exchanges: the inputs (free phase only) and each
 * layer's voltages in each of the 1 + phases phases. */
static size_t row_bytes(const kh_layered_trainer *lt, size_t phases) {
  const kh_layered *lay = lt->lay;
  size_t bytes = lay->ld[0];
  for (size_t l = 1; l <= lay->depth; l++) bytes += (1 + phases) * lay->ld[l];
  return bytes * lay->real;
}

kh_status kh_layered_trainer_set_partition(kh_context *ctx, kh_layered_trainer *lt,
                                           const kh_partition *p) {
  kh_free(lt->pack), kh_free(lt->packed);
  lt->pack = lt->packed = NULL;
  lt->part = *p;
  if (p->size == 1) return KH_OK;
  if (by_adjoint(lt->o.estimator) || lt->o.estimator == KH_EST_HOLOMORPHIC)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "the layered backend runs the %s estimator in one process only",
                   kh_estimator_name(lt->o.estimator));
  size_t bytes = 8 + lt->batch * row_bytes(lt, phase_blocks(lt)); /* + a status word */
  lt->pack = kh_malloc(bytes),
  lt->packed = kh_malloc((size_t)p->size * 8 + lt->batch * row_bytes(lt, phase_blocks(lt)));
  if (!lt->pack || !lt->packed) return kh_fail_nomem(ctx, "preparing data-parallel training");
  return KH_OK;
}

/* Data parallel: every process's phase rows (c of each phase, here in rows [ph c, ph c + c))
 * go to rows [ph count + lo, ..) of every process, the layout one process would have had for
 * the whole batch of `count`; and every process learns whether any failed (failed = this one
 * did). */
static kh_status share_rows(kh_context *ctx, kh_layered_trainer *lt, size_t count, size_t phases,
                            int failed) {
  kh_layered *lay = lt->lay;
  size_t P = (size_t)lt->part.size, R = lay->real, c;
  share(lt, count, &c);
  size_t bytes[P], row = row_bytes(lt, phases);
  unsigned char *w = lt->pack;
  memcpy(w, &(uint64_t){(uint64_t)failed}, 8), w += 8;
  for (size_t l = 0; l <= lay->depth; l++)
    for (size_t ph = 0; ph < (l ? 1 + phases : 1); ph++) {
      size_t block = c * lay->ld[l] * R;
      memcpy(w, (unsigned char *)lay->V[l] + ph * c * lay->ld[l] * R, block), w += block;
    }
  for (size_t p = 0; p < P; p++) {
    size_t cp;
    kh_partition_share(&lt->part, (int)p, count, &cp);
    bytes[p] = 8 + cp * row;
  }
  kh_status st = lt->part.gather(lt->part.state, lt->pack, lt->packed, bytes);
  if (st != KH_OK) return kh_fail(ctx, st, "exchanging the phases across processes");
  const unsigned char *from = lt->packed;
  int others = 0;
  for (size_t p = 0; p < P; p++) {
    size_t cp, lp = kh_partition_share(&lt->part, (int)p, count, &cp);
    uint64_t flag;
    memcpy(&flag, from, 8), from += 8;
    others |= flag != 0;
    for (size_t l = 0; l <= lay->depth; l++)
      for (size_t ph = 0; ph < (l ? 1 + phases : 1); ph++) {
        size_t block = cp * lay->ld[l] * R;
        memcpy((unsigned char *)lay->V[l] + (ph * count + lp) * lay->ld[l] * R, from, block);
        from += block;
      }
  }
  if (others && !failed)
    return kh_fail(ctx, KH_ERR_NUMERIC, "another process failed in the same minibatch");
  return KH_OK;
}

/* An epoch: OpenBLAS serial for its length, the free rows from 0 V, the sums zeroed. */
static void layered_begin(void *impl, size_t epoch) {
  kh_layered_trainer *lt = impl;
  lt->epoch = epoch;
  kh_layered *lay = lt->lay;
  lt->blas_threads = kh_layered_blas_serial();
  lt->product_ready = 0;
  for (size_t l = 1; l <= lay->depth; l++) memset(lay->V[l], 0, lt->batch * lay->ld[l] * lay->real);
  lt->loss = lt->correct = 0;
  memset(&lt->acc, 0, sizeof lt->acc);
}

/* Holomorphic EP's points (layered_complex.h), each from the free state of the batch's c rows:
 * on a circle inside the batch's radius bound R (kh_layered_holo_radius, below every output's
 * conductance: no point's denominator vanishes), or on the slit contour for that R, whose
 * points keep off the poles on (-inf, -R] as they do for the native backend's exact radius
 * (which R bounds from below). */
static kh_status complex_phases(kh_context *ctx, kh_layered_trainer *lt, size_t c) {
  kh_layered *lay = lt->lay;
  unsigned N = lt->o.holomorphic_points;
  unsigned rs = 0;
  double R;
  kh_status st = kh_layered_holo_radius(ctx, lay, c, MAX_SWEEPS, &rs, &R);
  lt->acc.sweeps += (unsigned long)rs * c;
  if (st != KH_OK) return st;
  double r = lt->o.beta;
  kh_contour contour = lt->o.holomorphic_contour;
  if (contour == KH_CONTOUR_SLIT && !isfinite(R))
    return kh_fail(ctx, KH_ERR_NUMERIC, "the outputs do not respond to a nudge (no radius)");
  if (contour == KH_CONTOUR_CIRCLE) {
    /* the circle's radius: beta, or beta times the bound; at half the bound if it reaches it */
    if (lt->o.beta_relative && isfinite(R)) r *= R;
    if (!(r < R)) r = 0.5 * R, lt->acc.beta_narrowed += c;
  }
  lt->spread = 1 / kh_layered_holo_points(contour, N, r, R, lt->points);
  unsigned sweeps = 0;
  st = kh_layered_holo_phases(ctx, lay, c, N, lt->points, lt->target,
                              lt->o.sweeps ? lt->o.sweeps : MAX_SWEEPS,
                              lt->o.sweeps ? 0 : lt->o.layered_tol, &sweeps);
  lt->acc.sweeps += (unsigned long)sweeps * N * c;
  return st;
}

/* The free phase of this process's rows, then the nudged phases from it: +beta in [c, 2 c),
 * -beta after it; every process's rows to every process (a failure anywhere stops them all). */
static kh_status phases_of(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                           const size_t *rows, size_t c, size_t count, int last) {
  kh_layered *lay = lt->lay;
  kh_estimator est = lt->o.estimator;
  double beta = lt->o.beta;
  kh_epoch_report *r = &lt->acc;
  gather(lt, d, rows, c, lt->x);
  set_targets(lt, d, rows, c);
  KH_LAYERED_CALL(lay, drive, lay, c, lt->x, !lt->product_ready);
  for (size_t i = 0; i < c; i++) lay->beta_row[i] = 0;
  kh_status st = relax(ctx, lt, 0, c, &r->sweeps);
  if (st == KH_OK) st = score(ctx, lt, d, rows, c, &lt->loss, &lt->correct);
  if (st == KH_OK && last) /* how far from equilibrium the epoch's phases end */
    r->max_relative_residual = KH_LAYERED_CALL(lay, residual, lay, 0, c);
  size_t blocks = phase_blocks(lt), phases = est == KH_EST_HOLOMORPHIC ? blocks / 2 : blocks;
  if (est == KH_EST_HOLOMORPHIC) {
    if (st == KH_OK) st = complex_phases(ctx, lt, c);
  } else {
    for (size_t ph = 0; st == KH_OK && ph < phases; ph++) {
      KH_LAYERED_CALL(lay, copy_rows, lay, 0, (1 + ph) * c, c);
      nudge_rows(lt, (1 + ph) * c, c, (est == KH_EST_MINUS || ph == 1) ? -beta : beta);
    }
    if (st == KH_OK && est == KH_EST_COUPLED) clamp_rows(lt, c);
    if (st == KH_OK && est != KH_EST_COUPLED)
      st = kh_layered_check_nudge(ctx, lay, est == KH_EST_PLUS ? beta : -beta);
    if (st == KH_OK) st = relax(ctx, lt, c, phases * c, &r->sweeps);
  }
  if (lt->part.size > 1) {
    kh_status shared = share_rows(ctx, lt, count, blocks, st != KH_OK);
    if (st == KH_OK) st = shared;
  }
  if (st == KH_OK) r->solves += (1 + phases) * c;
  return st;
}

static void read_noise(kh_layered_trainer *lt, size_t first, const size_t *batch, size_t count,
                       unsigned phase, int clamped);

/* kh_layered_grad_options.measure: read noise on the rows spsa and node perturbation read. */
static void measure_rows(void *user, kh_layered *lay, size_t first, size_t rows, unsigned phase) {
  kh_layered_trainer *lt = user;
  (void)lay;
  read_noise(lt, first, lt->measuring, rows, phase, 0);
}

/* A minibatch of a by_adjoint estimator (kh_layered_descend): the free phase from 0 V, the
 * adjoint, and SGD straight on W and the biases. One process only
 * (kh_layered_trainer_set_partition refuses more). */
static kh_status adjoint_minibatch(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                                   const size_t *batch, size_t count, double lr_scale) {
  kh_layered *lay = lt->lay;
  double t0 = now(), step[KH_LAYERED_MAX + 1] = {0};
  if (!lt->grad) lt->grad = kh_malloc((lt->params + 1) * sizeof *lt->grad);
  if (!lt->grad) return kh_fail_nomem(ctx, "layered gradients");
  for (size_t l = 1; l <= lay->depth; l++) step[l] = lt->layer_rate[l] * lr_scale / (double)count;
  for (size_t k = 0; k < lay->bias_count; k++) /* only the biases' steps are read */
    lt->grad[lay->bias[k]] = lt->rate[lay->bias[k]] * lr_scale / (double)count;
  gather(lt, d, batch, count, lt->x);
  set_targets(lt, d, batch, count);
  /* spsa's perturbations: seeded by the run's seed, the epoch and the batch's first sample */
  uint64_t z = lt->o.seed ^ (0x9e3779b97f4a7c15ULL * lt->epoch) ^ ((uint64_t)batch[0] << 20);
  kh_layered_grad_options go = {.estimator = lt->o.estimator,
                                .beta = lt->o.beta,
                                .k = lt->o.adjoint_iterations,
                                .damping = lt->o.damping,
                                .sweeps = lt->o.sweeps ? lt->o.sweeps : MAX_SWEEPS,
                                .tol = lt->o.sweeps ? 0 : lt->o.layered_tol,
                                .sigma = lt->o.perturbation,
                                .perturbations = lt->o.perturbations,
                                .seed = kh_splitmix64(&z),
                                .measure = lt->noise_volts > 0 ? measure_rows : NULL,
                                .measure_user = lt};
  lt->measuring = batch;
  kh_layered_grad_info info;
  /* the loss and correctness are the free phase's, which the step leaves in the rows */
  kh_status st = kh_layered_descend(ctx, lay, count, lt->x, lt->target, &go, step, lt->grad,
                                    lt->theta, lt->gmin, lt->gmax, &info);
  if (st == KH_OK) st = score(ctx, lt, d, batch, count, &lt->loss, &lt->correct);
  lt->acc.sweeps += (unsigned long)info.sweeps * count;
  lt->acc.solves += (unsigned long)info.phases * count;
  lt->acc.phase_seconds += now() - t0;
  lt->product_ready = 0;
  return st;
}

/* Read noise on phase rows [first, first + count) (the batch's samples in order), as the native
 * backend measures (model.h): every solved-for node of layers 1..L gets the mean of read_samples
 * Gaussian draws of noise_volts, seeded by the run's seed, the epoch, the sample and the phase
 * (independent of threads and processes, the same in a resumed run); a clamped phase's outputs
 * are set by their sources, not read. */
static void read_noise(kh_layered_trainer *lt, size_t first, const size_t *batch, size_t count,
                       unsigned phase, int clamped) {
  kh_layered *lay = lt->lay;
  unsigned R = lt->o.read_samples ? lt->o.read_samples : 1;
  for (size_t r = 0; r < count; r++) {
    uint64_t z = lt->o.seed ^ (0x9e3779b97f4a7c15ULL * lt->epoch) ^ ((uint64_t)batch[r] << 20) ^
                 (0xd1b54a32d192ed03ULL * (phase + 1));
    kh_rng rng;
    kh_rng_seed(&rng, kh_splitmix64(&z));
    for (size_t l = 1; l <= lay->depth; l++)
      for (size_t j = 0; j < lay->width[l]; j++) {
        if (clamped && l == lay->depth && lay->out_of[j] >= 0) continue;
        double e = lt->noise_volts * kh_rng_gaussian_mean(&rng, R);
        size_t at = (first + r) * lay->ld[l] + j;
        if (lay->precision == KH_PRECISION_SINGLE)
          ((float *)lay->V[l])[at] += (float)e;
        else
          ((double *)lay->V[l])[at] += e;
      }
  }
}

/* The rows the update reads, a and b (count each), as measured: with read noise, the nudged
 * rows get it in place and the free rows' copy in [2 count, 3 count) (the free rows stay the
 * next batch's warm start). */
static void measured_rows(kh_layered_trainer *lt, const size_t *batch, size_t count, size_t *a,
                          size_t *b) {
  if (lt->noise_volts <= 0) return;
  if (lt->o.estimator == KH_EST_HOLOMORPHIC) { /* every point's real and imaginary parts */
    for (size_t block = 1; block <= phase_blocks(lt); block++)
      read_noise(lt, block * count, batch, count, (unsigned)block, 0);
    return;
  }
  size_t *free_one = *a == 0 ? a : *b == 0 ? b : NULL, spare = 2 * count;
  if (free_one) {
    KH_LAYERED_CALL(lt->lay, copy_rows, lt->lay, 0, spare, count);
    *free_one = spare;
  }
  for (size_t *row = a; row; row = row == a ? b : NULL)
    read_noise(lt, *row, batch, count, (unsigned)(*row / count),
               lt->o.estimator == KH_EST_COUPLED && *row == count);
}

static kh_status layered_minibatch(kh_context *ctx, void *impl, const kh_dataset *d,
                                   const size_t *batch, size_t count, const size_t *next_rows,
                                   size_t next, double lr_scale) {
  kh_layered_trainer *lt = impl;
  if (by_adjoint(lt->o.estimator)) return adjoint_minibatch(ctx, lt, d, batch, count, lr_scale);
  kh_layered *lay = lt->lay;
  kh_estimator est = lt->o.estimator;
  double beta = lt->o.beta, t0 = now();
  /* this process's rows of this batch and of the next (all of them in one process) */
  size_t c, lo = share(lt, count, &c), nc, nlo = share(lt, next, &nc);
  size_t phases = est == KH_EST_CENTERED ? 2 : 1;
  kh_status st = phases_of(ctx, lt, d, batch + lo, c, count, next == 0);
  if (st != KH_OK) return st;
  double t1 = now();
  lt->acc.phase_seconds += t1 - t0;
  /* the whole next batch's input product, in every process: the update's fused loop is
   * compiled for whole batches, and this keeps it the one-process update bit for bit */
  if (next) {
    gather(lt, d, next_rows, next, lt->x_next);
    KH_LAYERED_CALL(lay, inputs_t, lay, next, lt->x_next, lt->Ut);
  }
  /* rows a and b of the estimate (dE/dtheta(a) - dE/dtheta(b)) / (beta_a - beta_b); coupled:
   * (clamped - free) / eta */
  int one_sided = est == KH_EST_PLUS || est == KH_EST_COUPLED;
  size_t a = est == KH_EST_MINUS ? 0 : count, b = one_sided ? 0 : phases * count;
  double spread = est == KH_EST_CENTERED ? 2 * beta : est == KH_EST_COUPLED ? lt->o.eta : beta;
  /* holomorphic: Re sum_k w_k dE/dtheta(v_k) / r (the factors weigh the points) */
  if (est == KH_EST_HOLOMORPHIC) spread = lt->spread;
  measured_rows(lt, batch, count, &a, &b);
  update(lt, a, b, count, 1.0 / (spread * (double)count), lr_scale, next);
  /* this process's rows of the next batch: their input products, and the free phases' warm
   * starts (the rows of the same places in this batch, as in one process) */
  for (size_t l = 1; lt->part.size > 1 && nc && l <= lay->depth; l++) {
    size_t row = lay->ld[l] * lay->real;
    memmove(lay->V[l], (unsigned char *)lay->V[l] + nlo * row, nc * row);
    if (l == 1) memmove(lay->P, (unsigned char *)lay->P + nlo * row, nc * row);
  }
  lt->acc.update_seconds += now() - t1;
  lt->product_ready = next > 0;
  return KH_OK;
}

static kh_status layered_end(kh_context *ctx, void *impl, kh_status failed, size_t n, double *theta,
                             kh_epoch_report *r) {
  kh_layered_trainer *lt = impl;
  kh_layered *lay = lt->lay;
  kh_layered_blas_restore(lt->blas_threads);
  if (failed != KH_OK) return failed;
  /* the sums of W in their canonical order (the updates' blocked order differs in round-off):
   * a run resumed from this epoch's parameters starts from exactly this state */
  KH_LAYERED_CALL(lay, refresh, lay, lt->theta, 1);
  if (lt->moment) /* where a checkpoint reads them */
    KH_LAYERED_CALL(lay, from_layout, lay, lt->velocity, lt->moment);
  *r = lt->acc;
  double sums[4] = {(double)lt->loss, (double)lt->correct, (double)r->sweeps, (double)r->solves};
  kh_status st = kh_partition_combine(ctx, &lt->part, sums, 4, &r->max_relative_residual);
  if (st != KH_OK) return st;
  r->sweeps = (unsigned long)sums[2], r->solves = (unsigned long)sums[3];
  r->train_loss = sums[0] / (double)n;
  r->train_error = 1.0 - sums[1] / (double)n;
  kh_layered_trainer_get_params(lt, theta);
  return KH_OK;
}

static kh_status evaluate(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                          double *loss, double *error) {
  kh_layered *lay = lt->lay;
  size_t n = kh_dataset_count(d), R = lay->rows_max, mine, first = share(lt, n, &mine);
  long double sum = 0, correct = 0;
  unsigned long sweeps = 0;
  size_t *order = lt->order;
  kh_status st = KH_OK;
  for (size_t start = first; st == KH_OK && start < first + mine; start += R) {
    size_t count = first + mine - start < R ? first + mine - start : R;
    for (size_t r = 0; r < count; r++) order[r] = start + r;
    gather(lt, d, order, count, lt->x);
    set_targets(lt, d, order, count);
    KH_LAYERED_CALL(lay, drive, lay, count, lt->x, 1);
    for (size_t l = 1; l <= lay->depth; l++) memset(lay->V[l], 0, count * lay->ld[l] * lay->real);
    for (size_t r = 0; r < count; r++) lay->beta_row[r] = 0;
    st = relax(ctx, lt, 0, count, &sweeps);
    if (st == KH_OK) st = score(ctx, lt, d, order, count, &sum, &correct);
  }
  lt->product_ready = 0;
  double sums[3] = {(double)sum, (double)correct, st != KH_OK};
  kh_status shared = kh_partition_combine(ctx, &lt->part, sums, 3, NULL);
  if (st != KH_OK) return st;
  if (shared != KH_OK) return shared;
  if (sums[2] != 0) return kh_fail(ctx, KH_ERR_NUMERIC, "another process failed in evaluation");
  *loss = sums[0] / (double)n;
  *error = 1.0 - sums[1] / (double)n;
  return KH_OK;
}

static kh_status layered_set_params(kh_context *ctx, void *impl, const double *theta) {
  return kh_layered_trainer_set_params(ctx, impl, theta);
}

static kh_status layered_set_partition(kh_context *ctx, void *impl, const kh_partition *p) {
  return kh_layered_trainer_set_partition(ctx, impl, p);
}

static kh_status layered_evaluate(kh_context *ctx, void *impl, const kh_dataset *d, double *loss,
                                  double *error) {
  return kh_layered_trainer_evaluate(ctx, impl, d, loss, error);
}

static void layered_destroy(void *impl) {
  kh_layered_trainer_free(impl);
}

const kh_engine_ops kh_engine_layered = {.name = "layered",
                                         .device_models = 0,
                                         .set_params = layered_set_params,
                                         .set_partition = layered_set_partition,
                                         .begin_epoch = layered_begin,
                                         .minibatch = layered_minibatch,
                                         .end_epoch = layered_end,
                                         .evaluate = layered_evaluate,
                                         .destroy = layered_destroy};
