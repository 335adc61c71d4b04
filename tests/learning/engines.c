/* A program's own engine behind the trainer (kh_trainer_set_engine): plain SGD on the exact
 * gradient, written with the public model API only. The trainer drives it as documented (one
 * begin and end per epoch, every minibatch in order with the next one beside it), its parameters
 * come back through the trainer's state, and it learns. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  kh_model *m;
  double *theta, *g, *sum, *target, *out;
  size_t params, outputs;
  double lr, loss, correct;
  /* what the trainer did */
  int begins, ends, batches, chained; /* chained: every next began the following minibatch */
  const size_t *expect_next;
  size_t samples_seen;
} sgd;

static kh_status sgd_set_params(kh_context *ctx, void *impl, const double *theta) {
  sgd *e = impl;
  memcpy(e->theta, theta, e->params * sizeof *theta);
  return kh_model_set_params(ctx, e->m, theta);
}

static kh_status sgd_set_partition(kh_context *ctx, void *impl, const kh_partition *p) {
  (void)impl;
  return p->size == 1 ? KH_OK : kh_set_error(ctx, KH_ERR_USAGE, "one process only");
}

static void sgd_begin(void *impl, size_t epoch) {
  sgd *e = impl;
  (void)epoch;
  e->begins++, e->loss = e->correct = 0, e->expect_next = NULL;
}

static void target_of(const sgd *e, unsigned label) {
  for (size_t j = 0; j < e->outputs; j++) e->target[j] = j == label;
}

static kh_status sgd_minibatch(kh_context *ctx, void *impl, const kh_dataset *d,
                               const size_t *batch, size_t count, const size_t *next,
                               size_t next_count, double lr_scale) {
  sgd *e = impl;
  e->batches++, e->samples_seen += count;
  if (e->expect_next && e->expect_next != batch) e->chained = 0;
  e->expect_next = next_count ? next : NULL;
  memset(e->sum, 0, e->params * sizeof *e->sum);
  for (size_t i = 0; i < count; i++) {
    unsigned label = kh_dataset_label(d, batch[i]);
    target_of(e, label);
    kh_grad_info info = {0};
    info.outputs = e->out;
    kh_status st = kh_model_set_input(ctx, e->m, kh_dataset_sample(d, batch[i]));
    if (st == KH_OK) st = kh_model_gradient(ctx, e->m, KH_EST_EXACT, 0, e->target, e->g, &info);
    if (st != KH_OK) return st;
    for (size_t k = 0; k < e->params; k++) e->sum[k] += e->g[k];
    size_t best = 0;
    for (size_t j = 1; j < e->outputs; j++)
      if (e->out[j] > e->out[best]) best = j;
    e->loss += info.loss, e->correct += best == label;
  }
  for (size_t k = 0; k < e->params; k++)
    e->theta[k] = fmax(1e-6, e->theta[k] - e->lr * lr_scale * e->sum[k] / (double)count);
  return kh_model_set_params(ctx, e->m, e->theta);
}

static kh_status sgd_end(kh_context *ctx, void *impl, kh_status failed, size_t n, double *theta,
                         kh_epoch_report *r) {
  (void)ctx;
  sgd *e = impl;
  e->ends++;
  if (failed != KH_OK) return failed;
  r->train_loss = e->loss / (double)n, r->train_error = 1 - e->correct / (double)n;
  memcpy(theta, e->theta, e->params * sizeof *theta);
  return KH_OK;
}

static kh_status sgd_evaluate(kh_context *ctx, void *impl, const kh_dataset *d, double *loss,
                              double *error) {
  sgd *e = impl;
  double sum = 0, wrong = 0;
  for (size_t i = 0; i < kh_dataset_count(d); i++) {
    unsigned label = kh_dataset_label(d, i);
    target_of(e, label);
    kh_status st = kh_model_set_input(ctx, e->m, kh_dataset_sample(d, i));
    if (st == KH_OK) st = kh_model_predict(ctx, e->m, e->out);
    if (st != KH_OK) return st;
    size_t best = 0;
    for (size_t j = 0; j < e->outputs; j++) {
      sum += 0.5 * (e->out[j] - e->target[j]) * (e->out[j] - e->target[j]);
      if (e->out[j] > e->out[best]) best = j;
    }
    wrong += best != label;
  }
  *loss = sum / (double)kh_dataset_count(d), *error = wrong / (double)kh_dataset_count(d);
  return KH_OK;
}

static int destroyed;
static void sgd_destroy(void *impl) {
  sgd *e = impl;
  kh_model_free(e->m);
  free(e->theta), free(e->g), free(e->sum), free(e->target), free(e->out);
  free(e);
  destroyed++;
}

static const kh_engine_ops sgd_ops = {.name = "exact-sgd",
                                      .set_params = sgd_set_params,
                                      .set_partition = sgd_set_partition,
                                      .begin_epoch = sgd_begin,
                                      .minibatch = sgd_minibatch,
                                      .end_epoch = sgd_end,
                                      .evaluate = sgd_evaluate,
                                      .destroy = sgd_destroy};

Test(engines, a_programs_own_engine_trains_through_the_trainer) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *train = NULL;
  cr_assert_eq(kh_dataset_load(ctx, &train, kh_test_blobs_csv("blobs.csv", 90, 3, 4), 0), KH_OK);
  kh_netlist *nl = kh_test_drn("4-8-3", 2, 1.0, 0, NULL);
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.batch = 7; /* 90 = 12 x 7 + 6: a short last minibatch */
  kh_trainer *t = NULL;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, train), KH_OK, "%s", kh_last_error(ctx));
  sgd *e = calloc(1, sizeof *e);
  cr_assert_eq(kh_model_new(ctx, &e->m, nl), KH_OK);
  e->params = kh_model_param_count(e->m), e->outputs = kh_model_output_count(e->m);
  e->theta = calloc(e->params, sizeof *e->theta), e->g = calloc(e->params, sizeof *e->g);
  e->sum = calloc(e->params, sizeof *e->sum), e->target = calloc(e->outputs, sizeof *e->target);
  e->out = calloc(e->outputs, sizeof *e->out);
  e->lr = 0.05, e->chained = 1;
  destroyed = 0;
  cr_assert_eq(kh_trainer_set_engine(ctx, t, &sgd_ops, e), KH_OK, "%s", kh_last_error(ctx));
  double first_loss = NAN, loss, error;
  kh_epoch_report r;
  for (int epoch = 0; epoch < 4; epoch++) {
    cr_assert_eq(kh_trainer_epoch(ctx, t, &r), KH_OK, "%s", kh_last_error(ctx));
    if (epoch == 0) first_loss = r.train_loss;
  }
  cr_expect_eq(e->begins, 4);
  cr_expect_eq(e->ends, 4);
  cr_expect_eq(e->batches, 4 * 13);
  cr_expect_eq(e->samples_seen, 4 * 90);
  cr_expect(e->chained, "a minibatch's `next` was not the one that followed");
  cr_expect(r.train_loss < first_loss, "loss %g after 4 epochs, %g after 1", r.train_loss,
            first_loss);
  kh_trainer_state state;
  kh_trainer_get_state(t, &state);
  cr_expect(!memcmp(state.theta, e->theta, e->params * sizeof *e->theta),
            "the trainer's parameters are not the engine's");
  cr_assert_eq(kh_trainer_evaluate(ctx, t, train, &loss, &error), KH_OK, "%s", kh_last_error(ctx));
  cr_expect(error <= r.train_error + 0.2, "error %g", error);
  kh_trainer_free(t);
  cr_expect_eq(destroyed, 1);
  kh_netlist_free(nl);
  kh_dataset_free(train);
  kh_context_free(ctx);
}

Test(engines, an_engine_must_have_its_operations) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *train = NULL;
  cr_assert_eq(kh_dataset_load(ctx, &train, kh_test_blobs_csv("blobs.csv", 30, 3, 4), 0), KH_OK);
  kh_netlist *nl = kh_test_drn("4-8-3", 2, 1.0, 0, NULL);
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  kh_trainer *t = NULL;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, train), KH_OK, "%s", kh_last_error(ctx));
  kh_engine_ops partial = sgd_ops;
  partial.minibatch = NULL;
  cr_expect_eq(kh_trainer_set_engine(ctx, t, &partial, NULL), KH_ERR_USAGE);
  kh_epoch_report r;
  cr_expect_eq(kh_trainer_epoch(ctx, t, &r), KH_OK, "the trainer's own engine still runs: %s",
               kh_last_error(ctx));
  kh_trainer_free(t);
  kh_netlist_free(nl);
  kh_dataset_free(train);
  kh_context_free(ctx);
}
