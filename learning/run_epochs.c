/* kirchhoff/run.h: a run's epochs (train, test, trace) and what it tells about itself. */
#include "kirchhoff/run.h"

#include "core/context.h"
#include "run_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

kh_status kh_run_train_epoch(kh_context *ctx, kh_run *r, kh_run_epoch *out) {
  memset(out, 0, sizeof *out);
  out->test_loss = out->test_error = NAN;
  if (!r->trainer || r->next_epoch > r->o.epochs)
    return kh_fail(ctx, KH_ERR_USAGE, "the run has no epoch left to train (it ends at %zu)",
                   r->o.epochs);
  out->epoch = r->next_epoch;
  kh_status st = kh_trainer_epoch(ctx, r->trainer, &out->report);
  double t0 = now();
  if (st == KH_OK)
    st = kh_trainer_evaluate(ctx, r->trainer, r->test_set, &out->test_loss, &out->test_error);
  out->test_seconds = now() - t0;
  if (st == KH_OK) r->next_epoch++;
  return st;
}

/* The estimator against the exact gradient on the first training samples, per layer. */
static kh_status probe(kh_context *ctx, kh_run *r, double *cosine, double *rel) {
  kh_model *m = kh_trainer_model(r->trainer);
  size_t n = kh_model_param_count(m), outs = kh_model_output_count(m);
  size_t count = kh_dataset_count(r->train_set);
  if (count > r->o.trace_grad) count = r->o.trace_grad;
  double *g = calloc(3 * n + outs + 1, sizeof *g), *est = g + n, *ref = g + 2 * n,
         *target = g + 3 * n;
  if (!g) return kh_fail_nomem(ctx, "probing gradients");
  kh_status st = KH_OK;
  for (size_t i = 0; st == KH_OK && i < count; i++) {
    kh_trainer_target(r->trainer, kh_dataset_label(r->train_set, i), target);
    st = kh_model_set_input(ctx, m, kh_dataset_sample(r->train_set, i));
    if (st == KH_OK)
      st = kh_model_gradient(ctx, m, r->o.train.estimator, r->o.train.beta, target, g, NULL);
    for (size_t k = 0; st == KH_OK && k < n; k++) est[k] += g[k];
    /* the reference: the exact gradient of the loss at the exact equilibrium, also when the
     * run's phases are inexact */
    if (st == KH_OK) st = kh_model_set_inner(ctx, m, 0, 0, r->o.train.inner_start);
    if (st == KH_OK) st = kh_model_gradient(ctx, m, KH_EST_EXACT, 0, target, g, NULL);
    int native = r->o.train.backend == KH_BACKEND_NATIVE; /* the layered one sweeps its own */
    kh_status back = kh_model_set_inner(ctx, m, native ? (unsigned)r->o.train.inner : 0,
                                        native ? r->o.train.inner_tol : 0, r->o.train.inner_start);
    if (st == KH_OK) st = back;
    for (size_t k = 0; st == KH_OK && k < n; k++) ref[k] += g[k];
  }
  if (st == KH_OK) kh_grad_compare(m, est, ref, cosine, rel);
  free(g);
  return st;
}

kh_status kh_run_record(kh_context *ctx, kh_run *r, const kh_run_epoch *e) {
  if (!r->tracer) return KH_OK;
  unsigned layers = kh_model_layer_count(kh_trainer_model(r->trainer));
  double *cosine = calloc(2 * (size_t)layers + 1, sizeof *cosine), *rel = cosine + layers;
  if (!cosine) return kh_fail_nomem(ctx, "tracing an epoch");
  kh_status st = r->o.trace_grad ? probe(ctx, r, cosine, rel) : KH_OK;
  kh_trace_epoch row = {&e->report,
                        e->test_loss,
                        e->test_error,
                        r->o.train.beta,
                        r->o.trace_grad ? cosine : NULL,
                        r->o.trace_grad ? rel : NULL,
                        layers};
  if (st == KH_OK) st = kh_trace_append(ctx, r->tracer, r->trainer, &row);
  free(cosine);
  return st;
}

kh_status kh_run_all(kh_context *ctx, kh_run *r, kh_run_epoch_fn fn, void *user) {
  kh_status st = KH_OK;
  while (st == KH_OK && r->trainer && r->next_epoch <= r->o.epochs) {
    kh_run_epoch e;
    st = kh_run_train_epoch(ctx, r, &e);
    if (st == KH_OK) st = kh_run_record(ctx, r, &e);
    if (st == KH_OK && fn && fn(user, &e)) break;
  }
  return st;
}

kh_trainer *kh_run_trainer(const kh_run *r) {
  return r->trainer;
}
const kh_netlist *kh_run_netlist(const kh_run *r) {
  return r->nl;
}
const kh_dataset *kh_run_train_set(const kh_run *r) {
  return r->train_set;
}
const kh_dataset *kh_run_test_set(const kh_run *r) {
  return r->test_set;
}
void kh_run_epochs(const kh_run *r, size_t *next, size_t *last, double *resumed_error) {
  *next = r->next_epoch, *last = r->o.epochs;
  if (resumed_error) *resumed_error = r->resumed_test_error;
}
const char *kh_run_test_source(const kh_run *r) {
  static const char *const notes[] = {"the test file given", "the folder's t10k set",
                                      "a seeded 20 % held out"};
  return notes[r->test_source];
}
const char *kh_run_warning(const kh_run *r) {
  return r->warning[0] ? r->warning : NULL;
}

void kh_run_describe_data(const kh_run *r, FILE *out) {
  const kh_dataset *d = r->train_set;
  size_t seen = 0, classes = kh_dataset_classes(d);
  unsigned char *present = calloc(classes + 1, 1);
  for (size_t i = 0; present && i < kh_dataset_count(d); i++) present[kh_dataset_label(d, i)] = 1;
  for (size_t k = 0; present && k < classes; k++) seen += present[k];
  free(present);
  static const char *const scalings[] = {"none", "standardize (training-set mean and deviation)",
                                         "pixels (x / 255)"};
  size_t train = kh_dataset_count(d), test = kh_dataset_count(r->test_set);
  int held_out = r->test_source == KH_TEST_HELD_OUT;
  fprintf(out, "data: %s (%s): %zu samples, %zu features, %zu classes",
          r->o.data ? r->o.data : kh_dataset_name(d), kh_dataset_format(d),
          train + (held_out ? test : 0), kh_dataset_features(d), classes);
  if (seen < classes) fprintf(out, " (%zu of them without a training sample)", classes - seen);
  fprintf(out, "; training on %zu, testing on %zu (%s); scaling %s\n", train, test,
          kh_run_test_source(r), scalings[r->scaler.kind]);
}
