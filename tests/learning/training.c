/* The training loop: it learns (synthetic, well separated classes), it is deterministic, a run
 * resumed from its state repeats the uninterrupted run bit for bit, threads change no bit, and
 * bad shapes are errors. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Three Gaussian-ish blobs in 4 dimensions, deterministic. */
static const char *blobs_csv(void) {
  static char *text;
  if (!text) {
    size_t cap = 1 << 16, used = 0;
    text = malloc(cap);
    uint64_t s = 12345;
    for (int i = 0; i < 150; i++) {
      int c = i % 3;
      used += (size_t)snprintf(text + used, cap - used, "%s", "");
      for (int j = 0; j < 4; j++) {
        double noise = 0;
        for (int k = 0; k < 4; k++) {
          s = s * 6364136223846793005ULL + 1442695040888963407ULL;
          noise += (double)(s >> 11) * 0x1.0p-53 - 0.5;
        }
        double center = (j == c) ? 2.0 : (j == 3 && c == 2 ? -2.0 : 0.0);
        used += (size_t)snprintf(text + used, cap - used, "%.6f,", center + 0.6 * noise);
      }
      used += (size_t)snprintf(text + used, cap - used, "%d\n", c);
    }
  }
  return kh_test_write_temp("blobs.csv", text);
}

typedef struct {
  kh_context *ctx;
  kh_dataset *train, *test;
  kh_netlist *nl;
} setup;

static void open_setup(setup *s, const char *arch) {
  kh_context_new(&s->ctx);
  cr_assert_eq(kh_dataset_load(s->ctx, &s->train, blobs_csv(), 0), KH_OK, "%s",
               kh_last_error(s->ctx));
  cr_assert_eq(kh_dataset_split(s->ctx, s->train, 0.2, 1, &s->test), KH_OK);
  kh_scaler sc;
  kh_scaler_fit(s->ctx, &sc, KH_SCALE_STANDARDIZE, s->train);
  kh_scaler_apply(s->ctx, &sc, s->train);
  kh_scaler_apply(s->ctx, &sc, s->test);
  kh_scaler_release(&sc);
  s->nl = kh_test_drn(arch, 1, 4, 0, NULL);
}

static void close_setup(setup *s) {
  kh_netlist_free(s->nl);
  kh_dataset_free(s->train);
  kh_dataset_free(s->test);
  kh_context_free(s->ctx);
}

static kh_estimator estimator = KH_EST_CENTERED; /* trainer()'s */

static kh_trainer *trainer(setup *s, int threads) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.threads = threads, o.estimator = estimator;
  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(s->ctx, &t, s->nl, &o, s->train), KH_OK, "%s", kh_last_error(s->ctx));
  return t;
}

static void epochs(setup *s, kh_trainer *t, int n) {
  for (int i = 0; i < n; i++) {
    kh_epoch_report r;
    cr_assert_eq(kh_trainer_epoch(s->ctx, t, &r), KH_OK, "%s", kh_last_error(s->ctx));
    cr_assert(r.max_relative_residual <= 1e-9);
  }
}

Test(training, learns_separable_classes) {
  setup s;
  open_setup(&s, "4-8-3");
  kh_trainer *t = trainer(&s, 1);
  double loss0, err0, loss, err;
  cr_assert_eq(kh_trainer_evaluate(s.ctx, t, s.test, &loss0, &err0), KH_OK);
  epochs(&s, t, 5);
  cr_assert_eq(kh_trainer_evaluate(s.ctx, t, s.test, &loss, &err), KH_OK);
  cr_log_info("test loss %.4f -> %.4f, error %.3f -> %.3f", loss0, loss, err0, err);
  cr_expect(loss < 0.5 * loss0, "loss %.4f -> %.4f", loss0, loss);
  cr_expect(err <= 0.1, "test error %.3f", err);
  kh_trainer_free(t);
  close_setup(&s);
}

static void params(kh_trainer *t, double *out) {
  kh_trainer_state st;
  kh_trainer_get_state(t, &st);
  memcpy(out, st.theta, kh_model_param_count(kh_trainer_model(t)) * sizeof *out);
}

Test(training, resume_from_state_is_bitwise) {
  setup s;
  open_setup(&s, "4-8-3");
  kh_trainer *a = trainer(&s, 1), *b = trainer(&s, 1), *c = trainer(&s, 1);
  size_t n = kh_model_param_count(kh_trainer_model(a));
  epochs(&s, a, 3);
  epochs(&s, b, 1);
  double loss, err;
  cr_assert_eq(kh_trainer_evaluate(s.ctx, b, s.test, &loss, &err), KH_OK); /* must not matter */
  kh_trainer_state st;
  kh_trainer_get_state(b, &st);
  cr_assert_eq(kh_trainer_set_state(s.ctx, c, &st), KH_OK);
  epochs(&s, c, 2);
  double *pa = malloc(n * sizeof *pa), *pc = malloc(n * sizeof *pc);
  params(a, pa), params(c, pc);
  cr_expect(memcmp(pa, pc, n * sizeof *pa) == 0, "resumed parameters differ");
  free(pa), free(pc);
  kh_trainer_free(a), kh_trainer_free(b), kh_trainer_free(c);
  close_setup(&s);
}

/* A core kept busy while a test trains (the machine a user shares). */
static atomic_int spinning;
static void *spin(void *unused) {
  (void)unused;
  while (atomic_load(&spinning)) continue;
  return NULL;
}

/* Samples go to whichever worker claims them, each from its batch slot's warm start: threads
 * and scheduling change no bit, with ideal-diode clamps and with Shockley diodes (Newton from
 * the warm start), also with two busy threads competing for the cores. */
Test(training, threads_and_scheduling_change_no_bit) {
  setup s;
  open_setup(&s, "4-8-3");
  const char *clamps[] = {NULL, "d(is=1u n=1) ", "d(is=1u n=1) "};
  for (int c = 0; c < 3; c++) {
    kh_netlist_free(s.nl);
    s.nl = kh_test_drn("4-8-3", 1, 4, 0, clamps[c]);
    estimator = c == 2 ? KH_EST_COUPLED : KH_EST_CENTERED; /* coupled: a circuit copy's solves */
    kh_trainer *one = trainer(&s, 1), *two = trainer(&s, 2), *three = trainer(&s, 3);
    size_t n = kh_model_param_count(kh_trainer_model(one));
    epochs(&s, one, 2), epochs(&s, two, 2);
    pthread_t busy[2];
    atomic_store(&spinning, 1);
    for (int b = 0; b < 2; b++) pthread_create(&busy[b], NULL, spin, NULL);
    epochs(&s, three, 2);
    atomic_store(&spinning, 0);
    for (int b = 0; b < 2; b++) pthread_join(busy[b], NULL);
    double *p1 = malloc(n * sizeof *p1), *p2 = malloc(n * sizeof *p2), *p3 = malloc(n * sizeof *p3);
    params(one, p1), params(two, p2), params(three, p3);
    const char *what = c == 0 ? "ideal" : c == 1 ? "Shockley" : "Shockley, coupled";
    cr_expect(memcmp(p1, p2, n * sizeof *p1) == 0, "%s: 1 and 2 threads differ", what);
    cr_expect(memcmp(p1, p3, n * sizeof *p1) == 0, "%s: 3 threads under load differ", what);
    free(p1), free(p2), free(p3);
    kh_trainer_free(one), kh_trainer_free(two), kh_trainer_free(three);
  }
  estimator = KH_EST_CENTERED;
  close_setup(&s);
}

Test(training, shape_mismatches_are_input_errors) {
  setup s;
  open_setup(&s, "5-8-3");
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  kh_trainer *t = NULL;
  cr_expect_eq(kh_trainer_new(s.ctx, &t, s.nl, &o, s.train), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(s.ctx), "4 features but the network 5 inputs"), "%s",
            kh_last_error(s.ctx));
  close_setup(&s);
  open_setup(&s, "4-8-2");
  cr_expect_eq(kh_trainer_new(s.ctx, &t, s.nl, &o, s.train), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(s.ctx), "3 classes but the network 2 outputs"), "%s",
            kh_last_error(s.ctx));
  o.batch = 0;
  cr_expect_eq(kh_trainer_new(s.ctx, &t, s.nl, &o, s.train), KH_ERR_USAGE);
  close_setup(&s);
  /* found by fuzzing traces: a batch whose rows times the parameters wrapped around to a
   * one-element gradient buffer, overrun by the first epoch */
  open_setup(&s, "4-8-3");
  o.batch = ((size_t)1 << 62) + 1;
  cr_expect_eq(kh_trainer_new(s.ctx, &t, s.nl, &o, s.train), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(s.ctx), "batch size must be 1.."), "%s", kh_last_error(s.ctx));
  o.batch = 1000000; /* larger than the data set: fine, and allocates only what it holds */
  cr_expect_eq(kh_trainer_new(s.ctx, &t, s.nl, &o, s.train), KH_OK, "%s", kh_last_error(s.ctx));
  kh_epoch_report r;
  cr_expect_eq(kh_trainer_epoch(s.ctx, t, &r), KH_OK, "%s", kh_last_error(s.ctx));
  kh_trainer_free(t);
  close_setup(&s);
}

/* Holomorphic EP trains too; samples whose clamps switch within |beta| continue the free
 * phase's active set and are counted, not dropped. */
Test(training, holomorphic_estimator_learns) {
  setup s;
  open_setup(&s, "4-8-3");
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.estimator = KH_EST_HOLOMORPHIC;
  o.beta = 0.05;
  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(s.ctx, &t, s.nl, &o, s.train), KH_OK, "%s", kh_last_error(s.ctx));
  unsigned long frozen = 0;
  for (int i = 0; i < 5; i++) {
    kh_epoch_report r;
    cr_assert_eq(kh_trainer_epoch(s.ctx, t, &r), KH_OK, "%s", kh_last_error(s.ctx));
    frozen += r.holomorphic_frozen;
  }
  double loss, err;
  cr_assert_eq(kh_trainer_evaluate(s.ctx, t, s.test, &loss, &err), KH_OK);
  cr_log_info("holomorphic EP: test error %.3f, %lu samples continued past a switch", err, frozen);
  cr_expect(err <= 0.1, "test error %.3f", err);
  kh_trainer_free(t);
  close_setup(&s);
}

/* Device update rules on one optimizer step (a single batch): sign updates move every
 * conductance by exactly lr (or clip at a bound); soft bounds scale the plain step by the distance
 * to the bound it heads for. */
static double pulse_size = 0;

static void one_step(setup *s, int sign, int soft, double *before, double *after) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.pulse = pulse_size;
  o.batch = kh_dataset_count(s->train); /* one step per epoch */
  o.sign_updates = sign, o.soft_bounds = soft, o.lr[0] = 1e-3;
  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(s->ctx, &t, s->nl, &o, s->train), KH_OK, "%s", kh_last_error(s->ctx));
  params(t, before);
  kh_epoch_report r;
  cr_assert_eq(kh_trainer_epoch(s->ctx, t, &r), KH_OK, "%s", kh_last_error(s->ctx));
  params(t, after);
  kh_trainer_free(t);
}

Test(training, sign_updates_and_soft_bounds) {
  setup s;
  kh_context_new(&s.ctx);
  cr_assert_eq(kh_dataset_load(s.ctx, &s.train, blobs_csv(), 0), KH_OK);
  s.test = NULL;
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.gmax = 1, o.input_gain = 4, o.init_low = 0.2, o.init_high = 0.8;
  char *text = kh_test_netgen(&o, "4-8-3");
  s.nl = kh_test_parse(text);
  free(text);
  kh_model *m;
  cr_assert_eq(kh_model_new(s.ctx, &m, s.nl), KH_OK);
  size_t n = kh_model_param_count(m);
  double *b = malloc(n * sizeof *b), *a = malloc(n * sizeof *a);
  one_step(&s, 1, 0, b, a);
  for (size_t i = 0; i < n; i++)
    if (kh_model_param_is_conductance(m, i))
      cr_expect(fabs(fabs(a[i] - b[i]) - 1e-3) < 1e-12 || a[i] - b[i] == 0, "param %zu moved %.3g",
                i, a[i] - b[i]);
  double *plain = malloc(n * sizeof *plain);
  one_step(&s, 0, 0, b, plain);
  one_step(&s, 0, 1, b, a);
  for (size_t i = 0; i < n; i++) {
    double step = plain[i] - b[i];
    if (!kh_model_param_is_conductance(m, i) || step == 0) continue;
    double want = step * (step > 0 ? (1 - b[i]) / (1 - 1e-9) : (b[i] - 1e-9) / (1 - 1e-9));
    cr_expect(fabs((a[i] - b[i]) - want) <= 1e-12 * fabs(want), "param %zu: %.9g, want %.9g", i,
              a[i] - b[i], want);
  }
  free(plain);
  pulse_size = 3e-4; /* Adam's first step is ~1e-3: rounds to 3 pulses */
  one_step(&s, 0, 0, b, a);
  for (size_t i = 0; i < n; i++) {
    if (!kh_model_param_is_conductance(m, i) || a[i] == b[i] || a[i] <= 1e-9 || a[i] >= 1) continue;
    double pulses = (a[i] - b[i]) / pulse_size;
    cr_expect(fabs(pulses - round(pulses)) < 1e-6 && fabs(round(pulses)) == 3,
              "param %zu moved %.4g pulses", i, pulses);
  }
  pulse_size = 0;
  free(a), free(b);
  kh_model_free(m);
  kh_netlist_free(s.nl);
  kh_dataset_free(s.train);
  kh_context_free(s.ctx);
}
