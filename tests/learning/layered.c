/* Training on the layered backend: with phases solved to convergence it trains exactly as the
 * native backend does (same parameters after two epochs, to round-off), for the centered, plus,
 * minus, exact and cg estimators and a network with two hidden layers; its threads change nothing;
 * a run resumed from its state is bitwise the uninterrupted one; and what it cannot run is refused.
 */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Three noisy blobs in 4 dimensions, standardized. */
static void blobs(kh_context *ctx, kh_dataset **train) {
  cr_assert_eq(kh_dataset_load(ctx, train, kh_test_blobs_csv("blobs.csv", 96, 3, 4), 0), KH_OK);
  kh_scaler sc;
  kh_scaler_fit(ctx, &sc, KH_SCALE_STANDARDIZE, *train);
  kh_scaler_apply(ctx, &sc, *train);
  kh_scaler_release(&sc);
}

/* A generated network whose conductances start in [0.2, 1] S: every output carries more than
 * the nudge's -beta. */
static kh_netlist *network(const char *arch) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.seed = 3, o.input_gain = 2, o.init_low = 0.2, o.init_high = 1;
  char *text = kh_test_netgen(&o, arch);
  kh_netlist *nl = kh_test_parse(text);
  free(text);
  return nl;
}

static kh_train_options sgd(kh_backend backend, kh_estimator est) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.optimizer = KH_OPT_SGD, o.lr[0] = 0.05, o.batch = 8, o.beta = 0.2, o.estimator = est;
  o.backend = backend, o.layered_tol = 1e-13, o.lr_decay = 0.9;
  return o;
}

/* Parameters after n epochs. */
static double *train(kh_context *ctx, const kh_netlist *nl, const kh_dataset *d, kh_train_options o,
                     int n, double *train_loss) {
  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_OK, "%s", kh_last_error(ctx));
  kh_epoch_report r;
  for (int e = 0; e < n; e++)
    cr_assert_eq(kh_trainer_epoch(ctx, t, &r), KH_OK, "%s", kh_last_error(ctx));
  if (train_loss) *train_loss = r.train_loss;
  size_t P = kh_model_param_count(kh_trainer_model(t));
  double *theta = malloc(P * sizeof *theta);
  kh_trainer_state st;
  kh_trainer_get_state(t, &st);
  memcpy(theta, st.theta, P * sizeof *theta);
  kh_trainer_free(t);
  return theta;
}

static double max_relative_difference(const double *a, const double *b, size_t n) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < n; i++)
    worst = fmax(worst, fabs(a[i] - b[i])), scale = fmax(scale, fabs(b[i]));
  return worst / scale;
}

Test(layered_training, trains_exactly_as_the_native_backend) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  /* EP and coupled learning through the fused update; the exact gradient and cg through
   * kh_layered_gradient */
  const kh_estimator est[] = {
      KH_EST_CENTERED, KH_EST_PLUS,  KH_EST_MINUS, KH_EST_HOLOMORPHIC,
      KH_EST_COUPLED,  KH_EST_EXACT, KH_EST_CG,    KH_EST_NODE_PERTURBATION};
  const char *arch[] = {"4-8-3", "4-8-6-3"};
  for (int a = 0; a < 2; a++) {
    kh_netlist *nl = network(arch[a]);
    size_t P = kh_netlist_trainable_count(nl);
    for (int e = 0; e < 8; e++) {
      double ls, ll;
      double *sparse = train(ctx, nl, d, sgd(KH_BACKEND_NATIVE, est[e]), 2, &ls);
      double *layered = train(ctx, nl, d, sgd(KH_BACKEND_LAYERED, est[e]), 2, &ll);
      double diff = max_relative_difference(layered, sparse, P);
      cr_expect(diff <= 1e-8, "%s %s: parameters differ by %.3g", arch[a],
                kh_estimator_name(est[e]), diff);
      cr_expect(fabs(ls - ll) <= 1e-8 * ls, "%s: train loss %.12g vs %.12g", arch[a], ls, ll);
      free(sparse), free(layered);
    }
    /* batch 16: the first layer's update takes the BLAS path too (rank >= 16); momentum at
     * batches 8 and 16, through both paths */
    for (int v = 0; v < 4; v++) {
      kh_train_options os = sgd(KH_BACKEND_NATIVE, v == 3 ? KH_EST_HOLOMORPHIC : KH_EST_CENTERED);
      kh_train_options ol = os;
      os.batch = ol.batch = v == 1 ? 8 : 16, ol.backend = KH_BACKEND_LAYERED;
      if (v) os.optimizer = ol.optimizer = KH_OPT_MOMENTUM, os.momentum = ol.momentum = 0.8;
      double *sparse = train(ctx, nl, d, os, 2, NULL), *layered = train(ctx, nl, d, ol, 2, NULL);
      double diff = max_relative_difference(layered, sparse, P);
      cr_expect(diff <= 1e-8, "%s batch %zu%s: parameters differ by %.3g", arch[a], os.batch,
                v ? ", momentum" : "", diff);
      free(sparse), free(layered);
    }
    kh_netlist_free(nl);
  }
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Inputs at exactly 0 V, as most MNIST pixels are: the first layer's update skips the
 * products of a row whose inputs in the minibatch (or in the next one) are all zero. One value
 * in five is kept, so a feature is zero in all four samples of a minibatch about 41 % of the
 * time, and the next minibatch's zeros differ from the current one's. */
static kh_dataset *sparse_blobs(kh_context *ctx) {
  kh_dataset *d;
  blobs(ctx, &d);
  size_t n = kh_dataset_count(d), F = kh_dataset_features(d);
  double *x = malloc(n * F * sizeof *x);
  unsigned *label = malloc(n * sizeof *label);
  for (size_t i = 0; i < n; i++) {
    label[i] = kh_dataset_label(d, i);
    for (size_t f = 0; f < F; f++)
      x[i * F + f] = (i * 7 + f * 3) % 5 == 0 ? kh_dataset_sample(d, i)[f] : 0;
  }
  kh_dataset_free(d);
  cr_assert_eq(kh_dataset_from_arrays(ctx, &d, "sparse blobs", x, label, n, F), KH_OK);
  free(x), free(label);
  return d;
}

Test(layered_training, zero_inputs_train_as_native) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d = sparse_blobs(ctx);
  kh_netlist *nl = network("4-8-3");
  size_t P = kh_netlist_trainable_count(nl);
  for (int v = 0; v < 3; v++) { /* batch 4 (the compiled rank-4 loop), 8, and 4 with momentum */
    kh_train_options os = sgd(KH_BACKEND_NATIVE, KH_EST_CENTERED), ol;
    os.batch = v == 1 ? 8 : 4;
    if (v == 2) os.optimizer = KH_OPT_MOMENTUM, os.momentum = 0.8;
    ol = os, ol.backend = KH_BACKEND_LAYERED;
    double *sparse = train(ctx, nl, d, os, 2, NULL), *layered = train(ctx, nl, d, ol, 2, NULL);
    double diff = max_relative_difference(layered, sparse, P);
    cr_expect(diff <= 1e-8, "batch %zu%s: parameters differ by %.3g", os.batch,
              v == 2 ? ", momentum" : "", diff);
    free(sparse), free(layered);
  }
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

Test(layered_training, single_precision_stays_close) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = network("4-8-6-3");
  kh_train_options o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  double *dbl = train(ctx, nl, d, o, 2, NULL);
  o.precision = KH_PRECISION_SINGLE, o.layered_tol = 1e-6;
  double *sgl = train(ctx, nl, d, o, 2, NULL);
  double diff = max_relative_difference(sgl, dbl, kh_netlist_trainable_count(nl));
  cr_expect(diff <= 1e-3 && diff > 0, "single vs double: %.3g", diff);
  free(dbl), free(sgl);
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Fixed sweeps (as the reference runs) learn; threads and resuming change no bit. */
Test(layered_training, threads_and_resume_are_bitwise) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = kh_test_drn("4-300-3", 3, 2, 0, NULL); /* 3 row blocks of the update */
  kh_train_options o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.sweeps = 4, o.batch = 4, o.lr[0] = 0.02;
  size_t P = kh_netlist_trainable_count(nl);
  double l0, l1;
  double *first = train(ctx, nl, d, o, 1, &l0);
  double *one = train(ctx, nl, d, o, 3, &l1);
  cr_expect(l1 < 0.7 * l0, "train loss %.3f after 1 epoch, %.3f after 3", l0, l1);
  o.threads = 2;
  double *two = train(ctx, nl, d, o, 3, &l1);
  cr_expect(memcmp(one, two, P * sizeof *one) == 0, "threads changed the result");
  free(first);

  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_OK);
  kh_epoch_report r;
  cr_assert_eq(kh_trainer_epoch(ctx, t, &r), KH_OK);
  cr_expect(r.sweeps == 4 * r.solves, "%lu sweeps for %lu solves", r.sweeps, r.solves);
  cr_expect(r.max_relative_residual > 1e-9, "4 sweeps reported as converged");
  kh_trainer_state st;
  kh_trainer_get_state(t, &st);
  kh_trainer *u;
  cr_assert_eq(kh_trainer_new(ctx, &u, nl, &o, d), KH_OK);
  cr_assert_eq(kh_trainer_set_state(ctx, u, &st), KH_OK);
  for (int e = 0; e < 2; e++) cr_assert_eq(kh_trainer_epoch(ctx, u, &r), KH_OK);
  kh_trainer_get_state(u, &st);
  cr_expect(memcmp(st.theta, one, P * sizeof *one) == 0, "resumed run differs");
  kh_trainer_free(t), kh_trainer_free(u);
  free(one), free(two);
  /* holomorphic EP's 10 points: 80 rows, in chunks of 4 points that threads share */
  o.estimator = KH_EST_HOLOMORPHIC, o.holomorphic_points = 10, o.beta = 0.25, o.beta_relative = 1;
  o.threads = 1, one = train(ctx, nl, d, o, 1, NULL);
  o.threads = 2, two = train(ctx, nl, d, o, 1, NULL);
  cr_expect(memcmp(one, two, P * sizeof *one) == 0, "threads changed holomorphic EP");
  free(one), free(two);
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Momentum's velocities live in the layered layout while training and in the trainer's moments
 * between epochs: a run resumed from an epoch's state goes on bit for bit. */
Test(layered_training, momentum_resumes_bitwise) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = kh_test_drn("4-300-3", 3, 2, 0, NULL);
  kh_train_options o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.sweeps = 4, o.batch = 4, o.lr[0] = 0.01, o.optimizer = KH_OPT_MOMENTUM, o.momentum = 0.9;
  size_t P = kh_netlist_trainable_count(nl);
  double *three = train(ctx, nl, d, o, 3, NULL);
  kh_trainer *t, *u;
  kh_epoch_report r;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_OK);
  cr_assert_eq(kh_trainer_epoch(ctx, t, &r), KH_OK);
  kh_trainer_state st;
  kh_trainer_get_state(t, &st);
  double moved = 0;
  for (size_t i = 0; i < P; i++) moved = fmax(moved, fabs(st.moment1[i]));
  cr_expect(moved > 0, "no velocity in the state after an epoch");
  cr_assert_eq(kh_trainer_new(ctx, &u, nl, &o, d), KH_OK);
  cr_assert_eq(kh_trainer_set_state(ctx, u, &st), KH_OK);
  for (int e = 0; e < 2; e++) cr_assert_eq(kh_trainer_epoch(ctx, u, &r), KH_OK);
  kh_trainer_get_state(u, &st);
  cr_expect(memcmp(st.theta, three, P * sizeof *three) == 0, "resumed run differs");
  kh_trainer_free(t), kh_trainer_free(u);
  free(three);
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Two wide hidden layers: a minibatch's sweep is split into column chunks of both products of
 * each layer (W_l's columns, W_l+1's rows), which threads share; no bit depends on how many. */
Test(layered_training, column_chunks_change_no_bit) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = kh_test_drn("4-300-300-3", 3, 2, 0, NULL);
  kh_train_options o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.sweeps = 4, o.batch = 4, o.lr[0] = 0.02;
  size_t P = kh_netlist_trainable_count(nl);
  double *one = train(ctx, nl, d, o, 2, NULL);
  for (int threads = 2; threads <= 3; threads++) {
    o.threads = threads;
    double *more = train(ctx, nl, d, o, 2, NULL);
    cr_expect(memcmp(one, more, P * sizeof *one) == 0, "%d threads changed the result", threads);
    free(more);
  }
  free(one);
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Holomorphic EP on ideal-diode clamps: each point continues the free phase's active set, as
 * the native trainer does (kh_model_set_holomorphic_strict off), so the two agree; with N = 2
 * it is the centered estimator. */
Test(layered_training, holomorphic_continues_the_free_active_set) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = kh_test_drn("4-8-6-3", 3, 2, 0, NULL);
  size_t P = kh_netlist_trainable_count(nl);
  for (unsigned N = 2; N <= 6; N += 4) {
    kh_train_options o = sgd(KH_BACKEND_NATIVE, KH_EST_HOLOMORPHIC), l;
    o.holomorphic_points = N, o.beta = 1e-3, l = o, l.backend = KH_BACKEND_LAYERED;
    double *sparse = train(ctx, nl, d, o, 2, NULL), *layered = train(ctx, nl, d, l, 2, NULL);
    double diff = max_relative_difference(layered, sparse, P);
    cr_expect(diff <= 1e-8, "N = %u: parameters differ by %.3g", N, diff);
    if (N == 2) {
      l.estimator = KH_EST_CENTERED;
      double *centered = train(ctx, nl, d, l, 2, NULL);
      cr_expect(max_relative_difference(layered, centered, P) <= 1e-8);
      free(centered);
    }
    free(sparse), free(layered);
  }
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Read noise on the layered backend: seeded per epoch, sample and phase, so two threads and a
 * resumed run draw what one uninterrupted run draws; a vanishing noise is the noise-free run to
 * round-off; noise of 0.04 V moves the result; for every rule the layered backend runs. */
Test(layered_training, read_noise_is_seeded_per_sample) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = network("4-8-3");
  size_t P = kh_netlist_trainable_count(nl);
  const kh_estimator est[] = {KH_EST_CENTERED,   KH_EST_PLUS, KH_EST_MINUS,
                              KH_EST_COUPLED,    KH_EST_SPSA, KH_EST_NODE_PERTURBATION,
                              KH_EST_HOLOMORPHIC};
  for (int e = 0; e < 7; e++) {
    kh_train_options o = sgd(KH_BACKEND_LAYERED, est[e]), quiet = o;
    o.read_noise_volts = 0.04, o.read_samples = 2, quiet.read_noise_volts = 1e-14;
    double *clean = train(ctx, nl, d, sgd(KH_BACKEND_LAYERED, est[e]), 2, NULL);
    double *faint = train(ctx, nl, d, quiet, 2, NULL);
    double *one = train(ctx, nl, d, o, 2, NULL);
    o.threads = 2;
    double *two = train(ctx, nl, d, o, 2, NULL);
    const char *name = kh_estimator_name(est[e]);
    cr_expect(memcmp(one, two, P * sizeof *one) == 0, "%s: threads changed the noise", name);
    cr_expect(max_relative_difference(faint, clean, P) < 1e-9, "%s: faint noise %.3g", name,
              max_relative_difference(faint, clean, P));
    cr_expect(max_relative_difference(one, clean, P) > 1e-4, "%s: noise changed nothing", name);
    kh_trainer *t, *u;
    kh_epoch_report r;
    cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_OK, "%s", kh_last_error(ctx));
    cr_assert_eq(kh_trainer_epoch(ctx, t, &r), KH_OK);
    kh_trainer_state st;
    kh_trainer_get_state(t, &st);
    cr_assert_eq(kh_trainer_new(ctx, &u, nl, &o, d), KH_OK);
    cr_assert_eq(kh_trainer_set_state(ctx, u, &st), KH_OK);
    cr_assert_eq(kh_trainer_epoch(ctx, u, &r), KH_OK);
    kh_trainer_get_state(u, &st);
    cr_expect(memcmp(st.theta, one, P * sizeof *one) == 0, "%s: the resumed run differs", name);
    kh_trainer_free(t), kh_trainer_free(u);
    free(clean), free(faint), free(one), free(two);
  }
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

Test(layered_training, inner_sweeps_are_its_block_sweeps) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = network("4-8-6-3");
  size_t P = kh_netlist_trainable_count(nl);
  const kh_estimator est[] = {KH_EST_CENTERED, KH_EST_PHANTOM};
  for (int e = 0; e < 2; e++) {
    kh_train_options a = sgd(KH_BACKEND_LAYERED, est[e]), b = a;
    a.sweeps = 3, b.inner = 3;
    double *ta = train(ctx, nl, d, a, 1, NULL), *tb = train(ctx, nl, d, b, 1, NULL);
    cr_expect(!memcmp(ta, tb, P * sizeof *ta), "%s: --inner 3 and --sweeps 3 differ",
              kh_estimator_name(est[e]));
    free(ta), free(tb);
  }
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

Test(layered_training, refuses_what_it_cannot_run) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  blobs(ctx, &d);
  kh_netlist *nl = kh_test_drn("4-8-3", 3, 2, 0, NULL);
  kh_trainer *t = NULL;
  kh_train_options o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.optimizer = KH_OPT_ADAM;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "SGD"), "%s", kh_last_error(ctx));
  o = sgd(KH_BACKEND_LAYERED, KH_EST_EXACT); /* momentum: the fused update's estimators */
  o.optimizer = KH_OPT_MOMENTUM;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "momentum"), "%s", kh_last_error(ctx));
  o = sgd(KH_BACKEND_LAYERED, KH_EST_HOLOMORPHIC);
  o.holomorphic_points = 1;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "2..64 points"), "%s", kh_last_error(ctx));
  o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.soft_bounds = 1;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  o = sgd(KH_BACKEND_LAYERED, KH_EST_FORWARD3);
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  /* inexact phases: --inner T is T block sweeps; a different --sweeps, a tolerance in volts or
   * the nudged phases from the previous one are the native backend's */
  o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.inner = 3, o.sweeps = 5;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  o.sweeps = 0, o.inner_tol = 1e-6;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  o.inner_tol = 0, o.inner_start = KH_INNER_FROM_PREVIOUS;
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_USAGE);
  kh_netlist_free(nl);
  nl = kh_test_drn("4-8-3", 3, 2, 2.0, NULL); /* amplifiers */
  o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  cr_expect_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(ctx), "not layered"), "%s", kh_last_error(ctx));
  cr_expect_null(t);
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}

/* Fixed sweeps have no convergence test: a solve that overflows (inputs of 1e200 V: their
 * squares in the gradient are infinite) must stop the run with a numerical failure, not train
 * on NaN; and the public solve checks its own result the same way. */
Test(layered_training, overflow_is_a_numerical_failure) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  cr_assert_eq(kh_dataset_load(ctx, &d,
                               kh_test_write_temp("huge.csv", "1e200,0,0,0,0\n0,1e200,0,0,1\n"
                                                              "0,0,1e200,0,2\n1e200,1e200,0,0,0\n"),
                               0),
               KH_OK);
  kh_netlist *nl = network("4-8-3");
  kh_train_options o = sgd(KH_BACKEND_LAYERED, KH_EST_CENTERED);
  o.sweeps = 4, o.batch = 2;
  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, d), KH_OK);
  kh_epoch_report r;
  kh_status st = KH_OK;
  for (int e = 0; e < 3 && st == KH_OK; e++) st = kh_trainer_epoch(ctx, t, &r);
  cr_expect_eq(st, KH_ERR_NUMERIC, "%s", kh_last_error(ctx));
  cr_expect(strstr(kh_last_error(ctx), "diverged"), "%s", kh_last_error(ctx));
  kh_trainer_free(t);

  kh_circuit *c;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_OK);
  kh_layered *lay;
  cr_assert_eq(kh_layered_new(ctx, &lay, c, KH_PRECISION_DOUBLE, 1), KH_OK);
  double x[4] = {1e308, -1e308, 1e308, 0};
  cr_expect_eq(kh_layered_solve(ctx, lay, 1, x, 0, NULL, 4, 0, 0, NULL, NULL), KH_ERR_NUMERIC);
  kh_layered_free(lay);
  kh_circuit_free(c);
  kh_netlist_free(nl);
  kh_dataset_free(d);
  kh_context_free(ctx);
}
