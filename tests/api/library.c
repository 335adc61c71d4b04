/* The library API a program uses without the CLI: data sets from arrays in memory, and a run's
 * learning curves read back from its trace (kh_trace_read_metrics) equal to what each epoch
 * reported. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

Test(library, data_sets_from_arrays_are_copies_with_their_shape) {
  kh_context *ctx;
  kh_context_new(&ctx);
  double x[] = {1, 2, 3, 4, 5, 6};
  unsigned y[] = {0, 3, 1};
  kh_dataset *d = NULL;
  cr_assert_eq(kh_dataset_from_arrays(ctx, &d, NULL, x, y, 3, 2), KH_OK, "%s", kh_last_error(ctx));
  x[0] = 99; /* a copy: the caller's array may change or go */
  cr_expect_eq(kh_dataset_count(d), 3);
  cr_expect_eq(kh_dataset_features(d), 2);
  cr_expect_eq(kh_dataset_classes(d), 4);
  cr_expect_eq(kh_dataset_sample(d, 0)[0], 1.0);
  cr_expect_eq(kh_dataset_sample(d, 2)[1], 6.0);
  cr_expect_eq(kh_dataset_label(d, 1), 3u);
  cr_expect_str_eq(kh_dataset_name(d), "arrays");
  kh_dataset_free(d);
  x[3] = NAN;
  cr_expect_eq(kh_dataset_from_arrays(ctx, &d, "mine", x, y, 3, 2), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(ctx), "mine: feature 1 of sample 1 is nan"), "%s",
            kh_last_error(ctx));
  cr_expect_null(d);
  cr_expect_eq(kh_dataset_from_arrays(ctx, &d, "mine", x, y, 0, 2), KH_ERR_USAGE);
  kh_context_free(ctx);
}

Test(library, learning_curves_read_back_from_the_trace) {
  kh_context *ctx;
  kh_context_new(&ctx);
  char *csv = strdup(kh_test_blobs_csv("blobs.csv", 60, 2, 3)); /* its buffer is reused */
  kh_dataset *train = NULL;
  cr_assert_eq(kh_dataset_load(ctx, &train, csv, 0), KH_OK, "%s", kh_last_error(ctx));
  kh_netgen_options no = KH_NETGEN_OPTIONS_INIT;
  char *text = kh_test_netgen(&no, "3-4-2");
  kh_netlist *nl = kh_test_parse(text);
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  kh_trainer *t = NULL;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &o, train), KH_OK, "%s", kh_last_error(ctx));
  const char *path = kh_test_write_temp("curves.h5", "");
  kh_trace_config cfg = {.netlist_text = text, .options = &o, .epochs = 3}; /* the rest left out */
  kh_trace *tr = NULL;
  cr_assert_eq(kh_trace_create(ctx, &tr, path, &cfg, t), KH_OK, "%s", kh_last_error(ctx));
  kh_epoch_report reports[3];
  for (int e = 0; e < 3; e++) {
    kh_trace_epoch row = {.report = &reports[e], .beta = o.beta, .test_loss = e, .test_error = NAN};
    cr_assert_eq(kh_trainer_epoch(ctx, t, &reports[e]), KH_OK, "%s", kh_last_error(ctx));
    cr_assert_eq(kh_trace_append(ctx, tr, t, &row), KH_OK, "%s", kh_last_error(ctx));
  }
  kh_trace_free(tr);
  kh_trace_metrics m;
  cr_assert_eq(kh_trace_read_metrics(ctx, path, &m), KH_OK, "%s", kh_last_error(ctx));
  cr_expect_eq(m.epochs, 3);
  for (int e = 0; e < 3; e++) {
    cr_expect_eq(m.train_loss[e], reports[e].train_loss);
    cr_expect_eq(m.train_error[e], reports[e].train_error);
    cr_expect_eq(m.seconds[e], reports[e].seconds);
    cr_expect_eq(m.test_loss[e], e);
    cr_expect(isnan(m.test_error[e]));
    cr_expect_eq(m.beta[e], o.beta);
  }
  kh_trace_metrics_release(&m);
  cr_expect_null(m.train_loss);
  /* not a trace: an error that names the file */
  cr_expect_eq(kh_trace_read_metrics(ctx, csv, &m), KH_ERR_IO);
  cr_expect(strstr(kh_last_error(ctx), "blobs.csv"), "%s", kh_last_error(ctx));
  kh_trainer_free(t);
  kh_netlist_free(nl);
  kh_dataset_free(train);
  free(text), free(csv);
  kh_context_free(ctx);
}

static herr_t count_reports(hid_t stack, void *data) {
  (void)stack;
  ++*(int *)data;
  return 0;
}

/* The library silences HDF5's error printing only while it works: a program's own setting (here
 * a counting handler) is back after every call, failing or not. */
Test(library, hdf5_error_printing_is_left_as_the_program_set_it) {
  kh_context *ctx;
  kh_context_new(&ctx);
  int reports = 0;
  H5Eset_auto2(H5E_DEFAULT, count_reports, &reports);
  const char *path = kh_test_write_temp("not_a_trace.h5", "plain text\n");
  kh_trace_metrics m;
  cr_expect_eq(kh_trace_read_metrics(ctx, path, &m), KH_ERR_IO);
  cr_expect_eq(kh_trace_recognize(path), 0);
  cr_expect_eq(reports, 0, "kirchhoff's own failures reached the program's handler");
  H5E_auto2_t print = NULL;
  void *data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &print, &data);
  cr_expect(print == count_reports && data == &reports, "the handler was not restored");
  H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); /* the program's own failing call reports */
  cr_expect_gt(reports, 0);
  kh_context_free(ctx);
}

/* A trainer of a generated 2-3-2 network on two samples, with what it needs kept alive. */
typedef struct {
  kh_context *ctx;
  char *text;
  kh_netlist *nl;
  kh_dataset *d;
  kh_trainer *t;
} small_run;

static void small_run_open(small_run *r, const kh_train_options *o) {
  kh_context_new(&r->ctx);
  kh_netgen_options no = KH_NETGEN_OPTIONS_INIT;
  r->text = kh_test_netgen(&no, "2-3-2");
  r->nl = kh_test_parse(r->text);
  double x[] = {0, 1, 1, 0};
  unsigned y[] = {0, 1};
  cr_assert_eq(kh_dataset_from_arrays(r->ctx, &r->d, NULL, x, y, 2, 2), KH_OK);
  cr_assert_eq(kh_trainer_new(r->ctx, &r->t, r->nl, o, r->d), KH_OK, "%s", kh_last_error(r->ctx));
}

static void small_run_close(small_run *r) {
  kh_trainer_free(r->t);
  kh_dataset_free(r->d);
  kh_netlist_free(r->nl);
  free(r->text);
  kh_context_free(r->ctx);
}

/* Every option of the table goes into the trace and comes back as it was, non-default values
 * included; the two ways to get the defaults agree. */
Test(library, every_tabled_option_round_trips_through_a_trace) {
  kh_train_options defaults = KH_TRAIN_OPTIONS_INIT, init, o = KH_TRAIN_OPTIONS_INIT, back;
  kh_train_options_init(&init);
  cr_expect(!memcmp(&defaults, &init, sizeof init), "kh_train_options_init differs from the macro");
  o.batch = 5, o.beta = 0.3, o.estimator = KH_EST_FORWARD3, o.optimizer = KH_OPT_MOMENTUM;
  o.momentum = 0.7, o.lr_decay = 0.5, o.target_on = 0.8, o.target_off = 0.1, o.seed = 99;
  o.threads = 3, o.holomorphic_points = 6, o.read_noise = 0.02, o.beta_relative = 1;
  o.sign_updates = 1, o.soft_bounds = 1, o.depression = 0.4, o.pulse = 1e-4;
  o.backend = KH_BACKEND_LAYERED, o.precision = KH_PRECISION_SINGLE, o.sweeps = 7;
  o.layered_tol = 1e-6, o.samples = 11, o.osc_harmonics = 5;
  o.read_noise_reference = KH_NOISE_LARGEST, o.read_noise_volts = 0.05, o.read_samples = 3;
  o.eta = 0.3, o.perturbation = 0.02, o.perturbations = 4;
  o.holomorphic_contour = KH_CONTOUR_SLIT, o.oscillation.period = 2e-6;
  o.oscillation.periods = 3, o.oscillation.settle = 2, o.oscillation.steps = 32;
  o.oscillation.node_capacitance = 1e-12, o.lr[0] = 0.2, o.lr[1] = 0.1, o.lr_count = 2;
  small_run r;
  small_run_open(&r, &defaults);
  kh_context *ctx = r.ctx;
  kh_trace *tr = NULL;
  const char *path = kh_test_write_temp("options.h5", "");
  kh_trace_config cfg = {.netlist_text = r.text, .options = &o, .epochs = 1};
  cr_assert_eq(kh_trace_create(ctx, &tr, path, &cfg, r.t), KH_OK, "%s", kh_last_error(ctx));
  kh_trace_free(tr);
  char *read_text = NULL;
  size_t planned = 0, done = 9;
  cr_assert_eq(kh_trace_read_config(ctx, path, &read_text, &back, &planned, &done), KH_OK, "%s",
               kh_last_error(ctx));
#define SAME(field, name, kind, value, since)                                                      \
  cr_expect(!memcmp(&o.field, &back.field, sizeof o.field), "option %s did not come back", #field);
  KH_TRAIN_OPTIONS_TABLE(SAME)
  KH_TRAIN_OPTIONS_NESTED_TABLE(SAME)
#undef SAME
  cr_expect(back.lr_count == 2 && back.lr[0] == 0.2 && back.lr[1] == 0.1);
  cr_expect(planned == 1 && done == 0);
  size_t count;
  const char *const *names = kh_train_option_names("optimizer", &count);
  cr_expect(count == 3 && !strcmp(names[KH_OPT_MOMENTUM], "momentum"));
  cr_expect_null(kh_train_option_names("batch", &count));
  /* one name per value, and the names earlier versions wrote still read */
  cr_expect_eq(kh_train_option_value("backend", "native"), KH_BACKEND_NATIVE);
  cr_expect_eq(kh_train_option_value("backend", "sparse"), KH_BACKEND_NATIVE);
  cr_expect_eq(kh_train_option_value("estimator", "holo"), KH_EST_HOLOMORPHIC);
  cr_expect_eq(kh_train_option_value("backend", "holo"), -1);
  cr_expect_eq(kh_train_option_value("batch", "8"), -1);
  free(read_text);
  small_run_close(&r);
}

static void identity_device(void *state, const kh_model *m, const double *theta, double *device,
                            uint64_t write) {
  (void)state, (void)write;
  memcpy(device, theta, kh_model_param_count(m) * sizeof *device);
}

static void count_destroy(void *state) {
  ++*(int *)state;
}

/* A device model's state is handed back to its owner's destroy callback exactly once: when
 * another device replaces it, or when the trainer is freed. */
Test(library, device_state_goes_back_to_its_owner) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  small_run r;
  small_run_open(&r, &o);
  int first = 0, second = 0;
  kh_trainer_set_device(r.t, identity_device, &first, count_destroy, 1);
  kh_trainer_set_device(r.t, identity_device, &second, count_destroy, 1);
  cr_expect_eq(first, 1);
  cr_expect_eq(second, 0);
  kh_epoch_report report;
  cr_expect_eq(kh_trainer_epoch(r.ctx, r.t, &report), KH_OK, "%s", kh_last_error(r.ctx));
  kh_trainer_free(r.t);
  r.t = NULL;
  cr_expect_eq(first, 1);
  cr_expect_eq(second, 1);
  small_run_close(&r);
}

/* kh_live_allocations: back where it was after a parse-assemble-solve-free cycle, and one
 * higher for each object left alive (what a leak check from another language sees). */
Test(library, live_allocations_return_to_where_they_were) {
  kh_context *ctx;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  long before = kh_live_allocations();
  kh_netlist *nl;
  cr_assert_eq(kh_netlist_parse_string(ctx, &nl,
                                       "t\n.model d d(is=1e-14)\nv1 a 0 5\nr1 a b 1k\n"
                                       "d1 b 0 d\nr2 b 0 2k\n",
                                       "live.cir"),
               KH_OK, "%s", kh_last_error(ctx));
  long with_netlist = kh_live_allocations();
  cr_expect_gt(with_netlist, before, "a netlist is counted while it lives");
  kh_circuit *c;
  kh_solver *s;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_OK, "%s", kh_last_error(ctx));
  cr_assert_eq(kh_solver_new(ctx, &s, c, "native"), KH_OK, "%s", kh_last_error(ctx));
  double v[8];
  cr_assert_eq(kh_solver_solve(ctx, s, v, NULL), KH_OK, "%s", kh_last_error(ctx));
  kh_solver_free(s);
  kh_circuit_free(c);
  cr_expect_eq(kh_live_allocations(), with_netlist, "the solver and circuit freed everything");
  kh_netlist_free(nl);
  cr_expect_eq(kh_live_allocations(), before, "%ld blocks left after freeing the netlist",
               kh_live_allocations() - before);
  kh_context_free(ctx);
}

/* kh_data_load and kh_data_scale give exactly the sets the policy describes: here a seeded
 * quarter held out of a CSV file and standardized on the rest, as the calls they stand for give
 * them. No fraction and no test set is a usage error. */
Test(library, the_data_policy_is_the_calls_it_stands_for) {
  char csv[2048] = "";
  for (int i = 0; i < 20; i++) {
    char row[64];
    snprintf(row, sizeof row, "%g,%g,%d\n", 0.5 * i, 3.0 - 0.25 * i * i, i % 3);
    strcat(csv, row);
  }
  char *path = strdup(kh_test_write_temp("policy.csv", csv));
  kh_context *ctx;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  kh_data_policy policy = KH_DATA_POLICY_INIT;
  policy.data = path, policy.hold_out = 0.25, policy.seed = 7;
  kh_data_sets sets;
  cr_assert_eq(kh_data_load(ctx, &policy, &sets), KH_OK, "%s", kh_last_error(ctx));
  cr_expect_eq(sets.test_source, KH_TEST_HELD_OUT);
  cr_assert_eq(kh_data_scale(ctx, &policy, &sets), KH_OK, "%s", kh_last_error(ctx));
  kh_dataset *train, *test;
  kh_scaler scaler = {0};
  cr_assert_eq(kh_dataset_load(ctx, &train, path, 0), KH_OK);
  cr_assert_eq(kh_dataset_split(ctx, train, 0.25, 7, &test), KH_OK);
  cr_assert_eq(kh_scaler_fit(ctx, &scaler, KH_SCALE_STANDARDIZE, train), KH_OK);
  cr_assert_eq(kh_scaler_apply(ctx, &scaler, train), KH_OK);
  cr_assert_eq(kh_scaler_apply(ctx, &scaler, test), KH_OK);
  cr_expect_eq(sets.scaler.kind, KH_SCALE_STANDARDIZE);
  cr_expect_eq(kh_dataset_count(sets.train), 15);
  cr_expect_eq(kh_dataset_count(sets.test), 5);
  cr_expect_eq(kh_dataset_fingerprint(sets.train), kh_dataset_fingerprint(train));
  cr_expect_eq(kh_dataset_fingerprint(sets.test), kh_dataset_fingerprint(test));
  kh_dataset_free(train), kh_dataset_free(test), kh_scaler_release(&scaler);
  kh_data_sets_release(&sets);
  policy.hold_out = 0;
  cr_expect_eq(kh_data_load(ctx, &policy, &sets), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "held-out fraction"), "%s", kh_last_error(ctx));
  free(path);
  kh_context_free(ctx);
}

typedef struct {
  size_t calls, last, total, backwards;
} progress_log;

static void log_progress(void *user, size_t done, size_t total) {
  progress_log *l = user;
  l->backwards += done <= l->last;
  l->calls++, l->last = done, l->total = total;
}

/* kh_trainer_set_progress: once per minibatch, counting up to the epoch's samples, on both
 * engines (the native one and the layered one). */
Test(library, progress_is_reported_after_every_minibatch) {
  for (int layered = 0; layered <= 1; layered++) {
    kh_train_options o = KH_TRAIN_OPTIONS_INIT;
    o.batch = 1;
    if (layered) o.backend = KH_BACKEND_LAYERED, o.optimizer = KH_OPT_SGD;
    small_run r;
    small_run_open(&r, &o);
    progress_log log = {0, 0, 0, 0};
    kh_trainer_set_progress(r.t, log_progress, &log);
    kh_epoch_report report;
    cr_assert_eq(kh_trainer_epoch(r.ctx, r.t, &report), KH_OK, "%s", kh_last_error(r.ctx));
    cr_expect_eq(log.calls, 2, "%s engine: %zu calls for 2 minibatches",
                 layered ? "layered" : "native", log.calls);
    cr_expect_eq(log.last, 2);
    cr_expect_eq(log.total, 2);
    cr_expect_eq(log.backwards, 0);
    kh_trainer_set_progress(r.t, NULL, NULL);
    cr_assert_eq(kh_trainer_epoch(r.ctx, r.t, &report), KH_OK, "%s", kh_last_error(r.ctx));
    cr_expect_eq(log.calls, 2, "no hook: no calls");
    small_run_close(&r);
  }
}

/* kh_general_op with ideal diodes takes each as the guess has it; a guess that is not the
 * operating point (here the clamp guessed open) gives an answer that contradicts the diode, which
 * is a numerical failure, not an answer. From the true answer it reproduces it. */
Test(library, general_newton_checks_the_ideal_diodes_it_was_given) {
  kh_context *ctx;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  kh_netlist *nl;
  cr_assert_eq(kh_netlist_parse_string(ctx, &nl,
                                       "t\n.model di d(kh_ideal=1)\nv1 in 0 1\nr1 in a 1k\n"
                                       "d1 a 0 di\n",
                                       "clamp.cir"),
               KH_OK, "%s", kh_last_error(ctx));
  size_t a = kh_netlist_find_node(nl, "a"), in = kh_netlist_find_node(nl, "in");
  size_t d1 = kh_netlist_find_element(nl, "d1");
  double guess[3] = {0, 0, 0}, v[3], current[3];
  kh_solve_stats stats;
  guess[in] = 1, guess[a] = 0.5; /* off its threshold: taken as open */
  cr_expect_eq(kh_general_op(ctx, nl, NULL, guess, v, NULL, &stats), KH_ERR_NUMERIC);
  cr_expect(strstr(kh_last_error(ctx), "forward-biased"), "%s", kh_last_error(ctx));
  guess[a] = 0; /* the clamp holds a at 0 V, 1 mA through it */
  cr_assert_eq(kh_general_op(ctx, nl, NULL, guess, v, current, &stats), KH_OK, "%s",
               kh_last_error(ctx));
  cr_expect_float_eq(v[a], 0, 1e-15);
  cr_expect_float_eq(current[d1], 1e-3, 1e-15, "%g", current[d1]);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

/* The network-generation options' defaults come from one table: the macro and the function agree,
 * and the values are the documented ones. */
Test(library, netgen_defaults_come_from_their_table) {
  kh_netgen_options a = KH_NETGEN_OPTIONS_INIT, b;
  memset(&b, 0xff, sizeof b);
  kh_netgen_options_init(&b);
#define SAME(field, kind, value)                                                                   \
  cr_expect(memcmp(&a.field, &b.field, sizeof a.field) == 0, "%s differs", #field);
  KH_NETGEN_OPTIONS_TABLE(SAME)
#undef SAME
  cr_expect(a.version == b.version && a.layer_count == b.layer_count);
  cr_expect(a.version == KH_NETGEN_OPTIONS_VERSION && a.input_gain == 1.0 && a.init_scale == 1.0);
  cr_expect(a.gmin == 1e-9 && isinf(a.gmax) && a.seed == 1 && a.layer_count == 0);
}
