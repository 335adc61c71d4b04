/* The training loop: seeded shuffles, minibatches whose samples worker models claim one at a
 * time (core/crew.h: no worker waits for another to arrive), the per-sample gradients summed in
 * sample order, then an optimizer step projected onto the bounds. Sample b of a batch starts
 * from the state sample b of the previous batch ended in (its slot's warm start), whichever
 * worker solves it, so neither the number of threads nor the scheduling changes a bit. Each
 * epoch starts every slot cold, so a run resumed at an epoch boundary repeats the uninterrupted
 * run bit for bit. */
#include "layered_train.h"
#include "model_impl.h"
#include "optimizer.h"
#include "partition.h"

#include "core/alloc.h"
#include "core/context.h"
#include "core/crew.h"
#include "core/rng.h"
#include "kirchhoff/train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
  kh_context *ctx;
  kh_model *model;
  double *target, *outputs;
} kh_worker;

struct kh_trainer {
  kh_train_options o;
  const kh_dataset *train;
  kh_worker *workers;
  int nworkers;
  kh_crew *crew;         /* nworkers - 1 helpers (NULL: the caller alone) */
  size_t unknowns;       /* per slot of a batch: the warm start of its next sample, */
  double *warm;          /* rows x unknowns */
  unsigned char *warmed; /* whether the slot has one */
  kh_status *status;     /* and its sample's status and message */
  char *message;         /* rows x KH_ERROR_CAPACITY */
  size_t params, outputs, epoch;
  size_t rows; /* samples the per-sample buffers hold: the batch, or the data set if smaller */
  kh_optimizer opt;
  kh_rng rng;
  size_t *order;
  double *grads;                     /* batch * params: one row per sample of the batch */
  double *theta;                     /* the parameters (the master copy) */
  double *loss, *correct, *residual; /* per sample of the batch */
  unsigned *iterations, *phases, *frozen, *narrowed;
  double noise_volts; /* kh_read_noise_volts */
  kh_device_map device;
  void *device_state;
  int hardware_aware;
  uint64_t writes;
  double *mapped;                   /* the device's conductances */
  const kh_engine_ops *engine;      /* runs the phases and updates (engine.h) */
  void *engine_state;               /* the engine's own (the trainer itself for the native one) */
  kh_partition part;                /* this process's share of every batch (rank 0 of 1: all) */
  kh_device_destroy device_destroy; /* frees device_state (kh_trainer_set_device) */
  kh_progress_fn progress;          /* after every minibatch (kh_trainer_set_progress) */
  void *progress_user;
  /* the native engine's epoch sums: loss, correct, Newton iterations, solves, frozen samples;
   * and the worst residual (a maximum) */
  double sums[6], worst;
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Far beyond any useful minibatch; a bound keeps batch x parameters from overflowing (a fuzzed
 * trace asked for a batch of 2^62, whose gradient rows wrapped to an 8-byte allocation). */
enum { KH_MAX_BATCH = 1 << 20 };

static kh_status check_options(kh_context *ctx, const kh_train_options *o) {
  if (o->version != KH_TRAIN_OPTIONS_VERSION)
    return kh_fail(ctx, KH_ERR_USAGE, "kh_train_options: version %u, expected %d", o->version,
                   KH_TRAIN_OPTIONS_VERSION);
  if (o->batch == 0 || o->batch > KH_MAX_BATCH)
    return kh_fail(ctx, KH_ERR_USAGE, "the batch size must be 1..%d", KH_MAX_BATCH);
  if ((unsigned)o->estimator >= KH_EST_COUNT)
    return kh_fail(ctx, KH_ERR_USAGE, "unknown estimator");
  if (o->estimator == KH_EST_COUPLED && !(o->eta > 0 && o->eta <= 1))
    return kh_fail(ctx, KH_ERR_USAGE, "coupled learning's eta must lie in (0, 1] (got %g)", o->eta);
  if (!(o->perturbation > 0 && o->perturbation < 1) || o->perturbations < 1 ||
      o->perturbations > 1000000)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "the perturbation step must lie in (0, 1) and the perturbations 1..1000000");
  if (o->estimator != KH_EST_EXACT && !(o->beta > 0 && isfinite(o->beta)))
    return kh_fail(ctx, KH_ERR_USAGE, "beta must be finite and > 0 (got %g)", o->beta);
  if (o->lr_count < 1 || o->lr_count > KH_MAX_LAYER_RATES)
    return kh_fail(ctx, KH_ERR_USAGE, "1..%d learning rates, got %zu", KH_MAX_LAYER_RATES,
                   o->lr_count);
  for (size_t l = 0; l < o->lr_count; l++)
    if (!(o->lr[l] >= 0 && isfinite(o->lr[l])))
      return kh_fail(ctx, KH_ERR_USAGE, "learning rates must be finite and >= 0");
  if (!(o->momentum >= 0 && o->momentum < 1))
    return kh_fail(ctx, KH_ERR_USAGE, "momentum must lie in [0, 1)");
  if (!(o->lr_decay > 0 && o->lr_decay <= 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the learning-rate decay must lie in (0, 1]");
  if (!isfinite(o->target_on) || !isfinite(o->target_off))
    return kh_fail(ctx, KH_ERR_USAGE, "target voltages must be finite");
  if (!(o->pulse >= 0) || !isfinite(o->pulse))
    return kh_fail(ctx, KH_ERR_USAGE, "the pulse size must be finite and >= 0");
  if (!(o->depression > 0) || !isfinite(o->depression))
    return kh_fail(ctx, KH_ERR_USAGE, "the depression factor must be finite and > 0");
  if (!(o->read_noise >= 0) || !isfinite(o->read_noise) || !(o->read_noise_volts >= 0) ||
      !isfinite(o->read_noise_volts))
    return kh_fail(ctx, KH_ERR_USAGE, "read noise must be finite and >= 0");
  if (o->read_noise > 0 && o->read_noise_volts > 0)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "read noise is relative (read_noise) or in volts (read_noise_volts), not both");
  if (o->read_samples < 1 || o->read_samples > 1000000)
    return kh_fail(ctx, KH_ERR_USAGE, "readings per measurement must be 1..1000000");
  if ((unsigned)o->read_noise_reference > KH_NOISE_LARGEST)
    return kh_fail(ctx, KH_ERR_USAGE, "unknown read-noise reference %d", o->read_noise_reference);
  if (o->threads < 1 || o->threads > 1024)
    return kh_fail(ctx, KH_ERR_USAGE, "threads must be 1..1024");
  if (o->inner > 1000000)
    return kh_fail(ctx, KH_ERR_USAGE, "inexact phases take 0..1000000 sweeps, got %zu", o->inner);
  if (o->estimator == KH_EST_HOLOMORPHIC && o->holomorphic_contour == KH_CONTOUR_SLIT &&
      !(o->beta < 1))
    return kh_fail(ctx, KH_ERR_USAGE, "on the slit contour beta is rho, which must lie in (0, 1)");
  return KH_OK;
}

static kh_status check_shapes(kh_context *ctx, const kh_model *m, const kh_dataset *d) {
  if (kh_dataset_features(d) != kh_model_input_count(m))
    return kh_fail(ctx, KH_ERR_INPUT, "%s has %zu features but the network %zu inputs",
                   kh_dataset_name(d), kh_dataset_features(d), kh_model_input_count(m));
  if (kh_dataset_classes(d) > kh_model_output_count(m))
    return kh_fail(ctx, KH_ERR_INPUT, "%s has %zu classes but the network %zu outputs",
                   kh_dataset_name(d), kh_dataset_classes(d), kh_model_output_count(m));
  return KH_OK;
}

kh_status kh_trainer_check_data(kh_context *ctx, const kh_trainer *t, const kh_dataset *d) {
  return check_shapes(ctx, t->workers[0].model, d);
}

void kh_trainer_free(kh_trainer *t) {
  if (!t) return;
  for (int w = 0; t->workers && w < t->nworkers; w++) {
    kh_model_free(t->workers[w].model);
    kh_context_free(t->workers[w].ctx);
    kh_free(t->workers[w].target);
    kh_free(t->workers[w].outputs);
  }
  kh_free(t->workers);
  kh_optimizer_release(&t->opt);
  kh_free(t->order), kh_free(t->grads), kh_free(t->theta);
  kh_free(t->loss), kh_free(t->correct), kh_free(t->residual), kh_free(t->iterations);
  kh_free(t->phases), kh_free(t->frozen), kh_free(t->narrowed), kh_free(t->mapped);
  kh_crew_free(t->crew);
  kh_free(t->warm), kh_free(t->warmed), kh_free(t->status), kh_free(t->message);
  if (t->device_destroy) t->device_destroy(t->device_state);
  if (t->engine && t->engine->destroy) t->engine->destroy(t->engine_state);
  kh_free(t);
}

static kh_status new_workers(kh_context *ctx, kh_trainer *t, const kh_netlist *nl) {
  t->workers = kh_calloc((size_t)t->nworkers, sizeof *t->workers);
  if (!t->workers) return kh_fail_nomem(ctx, "creating the trainer");
  for (int w = 0; w < t->nworkers; w++) {
    kh_worker *k = &t->workers[w];
    if (kh_context_new(&k->ctx) != KH_OK) return kh_fail_nomem(ctx, "creating the trainer");
    kh_status st = kh_model_new(ctx, &k->model, nl);
    if (st == KH_OK) st = kh_model_set_holomorphic_points(ctx, k->model, t->o.holomorphic_points);
    if (st == KH_OK) st = kh_model_set_adjoint_iterations(ctx, k->model, t->o.adjoint_iterations);
    if (st == KH_OK) st = kh_model_set_phantom_damping(ctx, k->model, t->o.damping);
    if (st == KH_OK) st = kh_model_set_holomorphic_contour(ctx, k->model, t->o.holomorphic_contour);
    if (st == KH_OK && t->o.estimator == KH_EST_HOLOMORPHIC &&
        t->o.holomorphic_contour == KH_CONTOUR_SLIT)
      st = kh_model_require_rational(ctx, k->model);
    if (st == KH_OK) kh_model_set_holomorphic_strict(k->model, 0); /* reported per epoch */
    if (st == KH_OK) kh_model_set_beta_relative(k->model, t->o.beta_relative);
    /* inexact phases on the native backend (the layered one sweeps its own, layered_train.c) */
    int native = t->o.backend == KH_BACKEND_NATIVE;
    if (st == KH_OK && native)
      st =
          kh_model_set_inner(ctx, k->model, (unsigned)t->o.inner, t->o.inner_tol, t->o.inner_start);
    if (st == KH_OK && native) st = kh_model_check_inner(ctx, k->model, t->o.estimator);
    if (st == KH_OK && t->o.estimator == KH_EST_OSCILLATING)
      st = kh_model_set_oscillation(ctx, k->model, &t->o.oscillation, t->o.osc_harmonics, NULL);
    if (st != KH_OK) return st;
    k->target = kh_malloc((kh_model_output_count(k->model) + 1) * sizeof *k->target);
    k->outputs = kh_malloc((kh_model_output_count(k->model) + 1) * sizeof *k->outputs);
    if (!k->target || !k->outputs) return kh_fail_nomem(ctx, "creating the trainer");
  }
  return KH_OK;
}

kh_status kh_trainer_new(kh_context *ctx, kh_trainer **out, const kh_netlist *nl,
                         const kh_train_options *o, const kh_dataset *train) {
  *out = NULL;
  kh_status st = check_options(ctx, o);
  if (st != KH_OK) return st;
  kh_trainer *t = kh_calloc(1, sizeof *t);
  if (!t) return kh_fail_nomem(ctx, "creating the trainer");
  t->o = *o;
  t->train = train;
  t->part = (kh_partition){0, 1, NULL, NULL, NULL, NULL};
  t->nworkers = o->backend == KH_BACKEND_LAYERED ? 1 : o->threads; /* layered: one model, for
                                                                    * the parameters' names */
  st = new_workers(ctx, t, nl);
  kh_model *m = st == KH_OK ? t->workers[0].model : NULL;
  if (st == KH_OK) st = check_shapes(ctx, m, train);
  if (st == KH_OK) {
    t->params = kh_model_param_count(m);
    t->outputs = kh_model_output_count(m);
    /* a batch never holds more samples than the data set */
    size_t n = kh_dataset_count(train), b = o->batch < n ? o->batch : n;
    t->rows = b;
    t->order = kh_malloc((n + 1) * sizeof *t->order);
    t->grads = kh_malloc((b * t->params + 1) * sizeof *t->grads); /* + 1: a failure flag */
    t->theta = kh_malloc(t->params * sizeof *t->theta);
    t->loss = kh_malloc(b * sizeof *t->loss), t->correct = kh_malloc(b * sizeof *t->correct);
    t->residual = kh_malloc(b * sizeof *t->residual);
    t->iterations = kh_malloc(b * sizeof *t->iterations);
    t->phases = kh_malloc(b * sizeof *t->phases);
    t->frozen = kh_malloc(b * sizeof *t->frozen);
    t->narrowed = kh_malloc(b * sizeof *t->narrowed);
    t->unknowns = kh_circuit_unknowns(m->circuit);
    t->warm = kh_malloc((b * t->unknowns + 1) * sizeof *t->warm);
    t->warmed = kh_calloc(b, 1), t->status = kh_malloc(b * sizeof *t->status);
    t->message = kh_malloc(b * KH_ERROR_CAPACITY);
    if (!t->order || !t->grads || !t->theta || !t->loss || !t->correct || !t->residual ||
        !t->iterations || !t->phases || !t->frozen || !t->narrowed || !t->warm || !t->warmed ||
        !t->status || !t->message)
      st = kh_fail_nomem(ctx, "creating the trainer");
    t->crew = kh_crew_new(t->nworkers - 1); /* NULL: the same results, in the caller */
  }
  if (st == KH_OK) st = kh_optimizer_init(ctx, &t->opt, m, o);
  t->engine = &kh_engine_native, t->engine_state = t;
  if (st == KH_OK)
    st = kh_read_noise_volts(ctx, o, train, kh_netlist_input_gain(nl), &t->noise_volts);
  if (st == KH_OK && o->backend == KH_BACKEND_LAYERED) {
    kh_layered_trainer *lt = NULL;
    st = kh_layered_trainer_new(ctx, &lt, m, &t->opt, o, t->noise_volts);
    if (st == KH_OK) t->engine = &kh_engine_layered, t->engine_state = lt;
  }
  if (st == KH_OK) {
    kh_model_get_params(m, t->theta);
    kh_optimizer_project(&t->opt, t->theta);
    kh_rng_seed(&t->rng, o->seed);
    st = t->engine->set_params(ctx, t->engine_state, t->theta);
  }
  if (st != KH_OK) {
    kh_trainer_free(t);
    return st;
  }
  *out = t;
  return KH_OK;
}

kh_model *kh_trainer_model(kh_trainer *t) {
  return t->workers[0].model;
}

void kh_trainer_target(const kh_trainer *t, unsigned label, double *target) {
  for (size_t k = 0; k < t->outputs; k++) target[k] = k == label ? t->o.target_on : t->o.target_off;
}

static size_t argmax(const double *v, size_t n) {
  size_t best = 0;
  for (size_t k = 1; k < n; k++)
    if (v[k] > v[best]) best = k;
  return best;
}

void kh_trainer_set_progress(kh_trainer *t, kh_progress_fn fn, void *user) {
  t->progress = fn, t->progress_user = user;
}

void kh_trainer_set_device(kh_trainer *t, kh_device_map map, void *state, kh_device_destroy destroy,
                           int hardware_aware) {
  if (t->device_destroy) t->device_destroy(t->device_state);
  t->device = map, t->device_state = state, t->device_destroy = destroy;
  t->hardware_aware = hardware_aware;
}

/* Pushes the master parameters into every worker's circuit: as the device holds them when a
 * device model is attached and the phases are to see it (evaluation, or hardware-aware
 * training). */
static kh_status sync_params(kh_context *ctx, kh_trainer *t, int evaluating) {
  const double *theta = t->theta;
  if (t->device && !t->engine->device_models)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no device models; use the native backend",
                   t->engine->name);
  if (t->device && (evaluating || t->hardware_aware)) {
    if (!t->mapped && !(t->mapped = kh_malloc((t->params + 1) * sizeof *t->mapped)))
      return kh_fail_nomem(ctx, "mapping parameters to the device");
    t->device(t->device_state, t->workers[0].model, t->theta, t->mapped, t->writes++);
    theta = t->mapped;
  }
  for (int w = 0; w < t->nworkers; w++) {
    kh_status st = kh_model_set_params(ctx, t->workers[w].model, theta);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

/* The estimator's strength: coupled learning's clamp eta, the perturbation rules' step, or the
 * nudge beta. */
static double estimator_strength(const kh_train_options *o) {
  if (o->estimator == KH_EST_COUPLED) return o->eta;
  if (o->estimator >= KH_EST_WP && o->estimator <= KH_EST_NODE_PERTURBATION) return o->perturbation;
  return o->beta;
}

/* Sample b of a batch on worker k: its gradient row, loss and correctness. */
static kh_status one_sample(kh_trainer *t, kh_worker *k, const kh_dataset *d, size_t sample,
                            size_t b, int with_grad) {
  kh_status st = kh_model_set_input(k->ctx, k->model, kh_dataset_sample(d, sample));
  unsigned label = kh_dataset_label(d, sample);
  kh_trainer_target(t, label, k->target);
  kh_grad_info info = {0};
  info.outputs = k->outputs;
  if (with_grad) { /* the perturbations' draws seeded per sample: independent of the threads */
    uint64_t z = t->o.seed ^ (0x9e3779b97f4a7c15ULL * (t->epoch + 1)) ^ ((uint64_t)sample << 20) ^
                 0x5851f42d4c957f2dULL;
    kh_model_set_perturbations(k->model, t->o.perturbations, kh_splitmix64(&z));
  }
  if (with_grad && t->noise_volts > 0) { /* seeded per sample: independent of the threads */
    uint64_t z = t->o.seed ^ (0x9e3779b97f4a7c15ULL * (t->epoch + 1)) ^ ((uint64_t)sample << 20);
    kh_model_set_read_noise(k->model, t->noise_volts, kh_splitmix64(&z));
    kh_model_set_read_samples(k->model, t->o.read_samples);
  }
  if (st == KH_OK && with_grad) {
    double strength = estimator_strength(&t->o);
    st = kh_model_gradient(k->ctx, k->model, t->o.estimator, strength, k->target,
                           t->grads + b * t->params, &info);
  } else if (st == KH_OK) {
    st = kh_model_predict(k->ctx, k->model, k->outputs);
    info.loss = 0;
    for (size_t j = 0; j < t->outputs; j++)
      info.loss += 0.5 * (k->outputs[j] - k->target[j]) * (k->outputs[j] - k->target[j]);
  }
  if (st != KH_OK) return st;
  t->loss[b] = info.loss;
  t->correct[b] = argmax(k->outputs, t->outputs) == label;
  t->iterations[b] = info.iterations;
  t->phases[b] = with_grad ? info.phases : 1;
  t->frozen[b] = info.frozen, t->narrowed[b] = info.narrowed;
  kh_solve_stats s;
  kh_solver_last_stats(kh_model_solver(k->model), &s);
  t->residual[b] = s.relative_residual;
  return KH_OK;
}

typedef struct {
  kh_trainer *t;
  const kh_dataset *d;
  const size_t *idx;
  int with_grad;
} batch_job;

/* Slot b of a batch, on whichever worker claimed it: from the slot's warm start, which the
 * sample's end state then replaces. */
static void batch_item(void *job_, size_t b, int w) {
  const batch_job *j = job_;
  kh_trainer *t = j->t;
  kh_worker *k = &t->workers[w];
  kh_solver *s = kh_model_solver(k->model);
  double *warm = t->warm + b * t->unknowns;
  kh_solver_set_warm_start(s, t->warmed[b] ? warm : NULL);
  kh_solver_forget_history(s); /* what the worker solved before must not matter */
  t->status[b] = one_sample(t, k, j->d, j->idx[b], b, j->with_grad);
  t->warmed[b] = (unsigned char)(t->unknowns && kh_solver_get_warm_start(s, warm));
  if (t->status[b] != KH_OK)
    snprintf(t->message + b * KH_ERROR_CAPACITY, KH_ERROR_CAPACITY, "%s", kh_last_error(k->ctx));
}

/* Runs samples idx[0..count) (count <= batch) over the workers; the first failing sample (in
 * batch order) is the error. */
static kh_status run_batch(kh_context *ctx, kh_trainer *t, const kh_dataset *d, const size_t *idx,
                           size_t count, int with_grad) {
  batch_job job = {t, d, idx, with_grad};
  kh_crew_run(t->crew, count, batch_item, &job);
  for (size_t b = 0; b < count; b++)
    if (t->status[b] != KH_OK)
      return kh_fail(ctx, t->status[b], "%s", t->message + b * KH_ERROR_CAPACITY);
  return KH_OK;
}

static void cold_start(kh_trainer *t) {
  memset(t->warmed, 0, t->rows);
}

/* This process's share [lo, hi) of `count` items. */
static void share(const kh_trainer *t, size_t count, size_t *lo, size_t *hi) {
  size_t mine;
  *lo = kh_partition_share(&t->part, t->part.rank, count, &mine), *hi = *lo + mine;
}

/* Every process must hold the same parameters after an epoch (the reduction gives every
 * process the same sum; this checks it, bit for bit, rather than trusting it). */
static kh_status replicas_agree(kh_context *ctx, kh_trainer *t) {
  if (t->part.size == 1) return KH_OK;
  uint64_t h = 0xcbf29ce484222325ULL;
  const unsigned char *bytes = (const unsigned char *)t->theta;
  for (size_t i = 0; i < t->params * sizeof *t->theta; i++) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  double range[2] = {(double)(h >> 12), -(double)(h >> 12)}; /* 52 bits: exact as doubles */
  kh_status st = t->part.max(t->part.state, range, 2);
  if (st != KH_OK) return kh_fail(ctx, st, "comparing parameters across processes");
  if (range[0] != -range[1])
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "the processes' parameters differ after epoch %zu: the reduction did not "
                   "give every process the same sum",
                   t->epoch);
  return KH_OK;
}

kh_status kh_trainer_set_partition(kh_context *ctx, kh_trainer *t, const kh_partition *p) {
  if (p->size < 1 || p->rank < 0 || p->rank >= p->size ||
      (p->size > 1 && (!p->sum || !p->max || !p->gather)))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "a partition needs 0 <= rank < size and sum, max and gather functions");
  kh_status st = t->engine->set_partition(ctx, t->engine_state, p);
  if (st == KH_OK) t->part = *p;
  return st;
}

kh_status kh_trainer_set_engine(kh_context *ctx, kh_trainer *t, const kh_engine_ops *ops,
                                void *impl) {
  if (!ops || !ops->name || !ops->set_params || !ops->set_partition || !ops->begin_epoch ||
      !ops->minibatch || !ops->end_epoch || !ops->evaluate)
    return kh_fail(ctx, KH_ERR_USAGE, "an engine needs a name and every operation but destroy");
  kh_status st = ops->set_params(ctx, impl, t->theta);
  if (st == KH_OK) st = ops->set_partition(ctx, impl, &t->part);
  if (st != KH_OK) return st;
  if (t->engine->destroy) t->engine->destroy(t->engine_state);
  t->engine = ops, t->engine_state = impl;
  return KH_OK;
}

/* The native engine (impl: the trainer): per-sample solves on the worker models, every share's
 * gradient summed in sample order and across processes, one optimizer step per minibatch. Each
 * epoch starts every worker cold. */
static void native_begin(void *impl, size_t epoch) {
  kh_trainer *t = impl;
  (void)epoch; /* the trainer's own count seeds its draws */
  cold_start(t);
  memset(t->sums, 0, sizeof t->sums), t->worst = 0;
}

static kh_status native_minibatch(kh_context *ctx, void *impl, const kh_dataset *d,
                                  const size_t *batch, size_t count, const size_t *next,
                                  size_t next_count, double lr_scale) {
  kh_trainer *t = impl;
  (void)next, (void)next_count, (void)lr_scale; /* t->opt's own scale */
  size_t lo, hi;
  share(t, count, &lo, &hi);
  kh_status st = sync_params(ctx, t, 0);
  if (st == KH_OK && hi > lo) st = run_batch(ctx, t, d, batch + lo, hi - lo, 1);
  /* this share's gradient, summed in sample order, then across the shares */
  double *g = t->grads;
  if (st != KH_OK || hi == lo) memset(g, 0, t->params * sizeof *g);
  for (size_t b = 1; st == KH_OK && b < hi - lo; b++)
    for (size_t i = 0; i < t->params; i++) g[i] += g[b * t->params + i];
  g[t->params] = st != KH_OK; /* every process learns of a failure and stops with it */
  kh_status shared = t->part.size > 1 ? t->part.sum(t->part.state, g, t->params + 1) : KH_OK;
  if (st != KH_OK) return st;
  if (shared != KH_OK) return kh_fail(ctx, shared, "combining the gradient across processes");
  if (g[t->params] != 0)
    return kh_fail(ctx, KH_ERR_NUMERIC, "another process failed in the same minibatch");
  for (size_t b = 0; b < hi - lo; b++) {
    t->sums[0] += t->loss[b], t->sums[1] += t->correct[b], t->sums[2] += t->iterations[b];
    t->sums[3] += t->phases[b], t->sums[4] += t->frozen[b], t->sums[5] += t->narrowed[b];
    if (t->residual[b] > t->worst) t->worst = t->residual[b];
  }
  for (size_t i = 0; i < t->params; i++) g[i] /= (double)count; /* the mean over the batch */
  kh_optimizer_step(&t->opt, t->theta, g);
  return KH_OK;
}

static kh_status native_end(kh_context *ctx, void *impl, kh_status failed, size_t n, double *theta,
                            kh_epoch_report *r) {
  kh_trainer *t = impl;
  (void)theta; /* the steps updated t->theta in place */
  if (failed != KH_OK) return failed;
  double *sums = t->sums;
  kh_status st = kh_partition_combine(ctx, &t->part, sums, 6, &t->worst);
  if (st != KH_OK) return st;
  r->train_loss = sums[0] / (double)n;
  r->train_error = 1.0 - sums[1] / (double)n;
  r->newton_iterations = (unsigned long)sums[2], r->solves = (unsigned long)sums[3];
  r->holomorphic_frozen = (unsigned long)sums[4], r->max_relative_residual = t->worst;
  r->beta_narrowed = (unsigned long)sums[5];
  return KH_OK;
}

/* The epoch's minibatches of order[0..n), through the engine. */
static kh_status minibatches(kh_context *ctx, kh_trainer *t, size_t n, kh_epoch_report *r) {
  const kh_engine_ops *e = t->engine;
  size_t B = t->o.batch;
  kh_status st = KH_OK;
  e->begin_epoch(t->engine_state, t->epoch + 1);
  for (size_t start = 0; st == KH_OK && start < n; start += B) {
    size_t count = n - start < B ? n - start : B, next = start + count;
    size_t next_count = next < n ? (n - next < B ? n - next : B) : 0;
    st = e->minibatch(ctx, t->engine_state, t->train, t->order + start, count, t->order + next,
                      next_count, t->opt.lr_scale);
    if (st == KH_OK && t->progress) t->progress(t->progress_user, start + count, n);
  }
  return e->end_epoch(ctx, t->engine_state, st, n, t->theta, r);
}

kh_status kh_trainer_epoch(kh_context *ctx, kh_trainer *t, kh_epoch_report *r) {
  double t0 = now();
  size_t n = kh_dataset_count(t->train);
  if (t->o.samples && t->o.samples < n) n = t->o.samples;
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < n; i++) t->order[i] = i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)kh_rng_below(&t->rng, i + 1), tmp = t->order[i];
    t->order[i] = t->order[j], t->order[j] = tmp;
  }
  kh_status st = minibatches(ctx, t, n, r);
  if (st != KH_OK) return st;
  if (kh_optimizer_scale_rates(&t->opt, t->o.lr_decay), sync_params(ctx, t, 0) != KH_OK)
    return kh_last_status(ctx);
  r->epoch = ++t->epoch;
  r->seconds = now() - t0;
  return replicas_agree(ctx, t);
}

kh_status kh_trainer_evaluate(kh_context *ctx, kh_trainer *t, const kh_dataset *d, double *loss,
                              double *error) {
  kh_status st = check_shapes(ctx, t->workers[0].model, d);
  if (st == KH_OK) st = sync_params(ctx, t, 1);
  return st == KH_OK ? t->engine->evaluate(ctx, t->engine_state, d, loss, error) : st;
}

/* The native engine's evaluation (impl: the trainer): free phases in chunks the per-sample
 * buffers hold, each process its share, the sums combined. */
static kh_status native_evaluate(kh_context *ctx, void *impl, const kh_dataset *d, double *loss,
                                 double *error) {
  kh_trainer *t = impl;
  kh_status st = KH_OK;
  /* in chunks the per-sample buffers hold (and a stack array of indices can) */
  size_t n = kh_dataset_count(d), B = t->rows < 256 ? t->rows : 256, idx[256], first, last;
  double sums[3] = {0, 0, 0}; /* loss, correct, failed: one reduction for all three */
  share(t, n, &first, &last);
  cold_start(t);
  for (size_t start = first; st == KH_OK && start < last; start += B) {
    size_t count = last - start < B ? last - start : B;
    for (size_t b = 0; b < count; b++) idx[b] = start + b;
    st = run_batch(ctx, t, d, idx, count, 0);
    for (size_t b = 0; st == KH_OK && b < count; b++)
      sums[0] += t->loss[b], sums[1] += t->correct[b];
  }
  cold_start(t); /* training continues exactly as it would have without this evaluation */
  sums[2] = st != KH_OK;
  kh_status shared = kh_partition_combine(ctx, &t->part, sums, 3, NULL);
  if (st != KH_OK) return st;
  if (shared != KH_OK) return shared;
  if (sums[2] != 0) return kh_fail(ctx, KH_ERR_NUMERIC, "another process failed in evaluation");
  *loss = sums[0] / (double)n;
  *error = 1.0 - sums[1] / (double)n;
  return KH_OK;
}

static kh_status native_set_params(kh_context *ctx, void *impl, const double *theta) {
  (void)ctx, (void)impl, (void)theta; /* sync_params pushes the trainer's parameters */
  return KH_OK;
}

static kh_status native_set_partition(kh_context *ctx, void *impl, const kh_partition *p) {
  (void)ctx, (void)impl, (void)p; /* share() reads the trainer's partition */
  return KH_OK;
}

const kh_engine_ops kh_engine_native = {.name = "native",
                                        .device_models = 1,
                                        .set_params = native_set_params,
                                        .set_partition = native_set_partition,
                                        .begin_epoch = native_begin,
                                        .minibatch = native_minibatch,
                                        .end_epoch = native_end,
                                        .evaluate = native_evaluate,
                                        .destroy = NULL};

void kh_trainer_get_state(const kh_trainer *t, kh_trainer_state *s) {
  s->epoch = t->epoch;
  s->step = t->opt.step;
  memcpy(s->rng, t->rng.s, sizeof s->rng);
  s->lr_scale = t->opt.lr_scale;
  s->theta = t->theta;
  s->moment1 = t->opt.m1;
  s->moment2 = t->opt.m2;
  s->device_writes = t->writes;
}

kh_status kh_trainer_set_state(kh_context *ctx, kh_trainer *t, const kh_trainer_state *s) {
  for (size_t i = 0; i < t->params; i++)
    if (!isfinite(s->theta[i]) || (s->moment1 && !isfinite(s->moment1[i])) ||
        (s->moment2 && !(s->moment2[i] >= 0 && isfinite(s->moment2[i]))))
      return kh_fail(ctx, KH_ERR_INPUT, "checkpoint value %zu is not valid", i);
  memcpy(t->theta, s->theta, t->params * sizeof *t->theta);
  if (s->moment1) memcpy(t->opt.m1, s->moment1, t->params * sizeof *t->theta);
  if (s->moment2) memcpy(t->opt.m2, s->moment2, t->params * sizeof *t->theta);
  t->epoch = s->epoch;
  t->opt.step = s->step;
  t->opt.lr_scale = s->lr_scale;
  memcpy(t->rng.s, s->rng, sizeof s->rng);
  /* the device's write count, so that its noise continues where the run left it; training on
   * the device's conductances redoes the last write below (sync_params), as the uninterrupted
   * run still holds that write's conductances */
  t->writes = s->device_writes;
  if (t->device && t->hardware_aware && t->writes) t->writes--;
  kh_status st = t->engine->set_params(ctx, t->engine_state, t->theta);
  return st == KH_OK ? sync_params(ctx, t, 0) : st;
}
