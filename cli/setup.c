#include "setup.h"

#include "cli.h"
#include "files.h"
#include "names.h"
#include "kirchhoff/atomic_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_train_setup_init(kh_train_setup *s) {
  memset(s, 0, sizeof *s);
  s->net = (kh_netgen_options)KH_NETGEN_OPTIONS_INIT;
  s->net.input_gain = 4.0;
  s->train = (kh_train_options)KH_TRAIN_OPTIONS_INIT;
  s->epochs = 20;
  s->threads = 1;
  s->trace_grad = 16;
  s->first_epoch = 1;
  s->hw = (kh_hw_options)KH_HW_OPTIONS_INIT;
  s->writer = 1;
  s->mpi_size = 1;
}

/* The files a run writes besides its trace (--save-test, --save-net) go to PATH.kh-tmp
 * (kh_atomic_write) and are renamed into place only once the whole setup has succeeded: a bad
 * input leaves nothing. Renames the pending files into place (ok) or removes them; keeps an
 * earlier error. */
static kh_status commit_pending(kh_context *ctx, kh_train_setup *s, kh_status st) {
  char *tmp[2] = {s->save_test_tmp, s->save_net_tmp};
  const char *path[2] = {s->save_test, s->save_net};
  for (int i = 0; i < 2; i++) {
    if (!tmp[i][0]) continue;
    kh_status done = kh_atomic_commit(ctx, tmp[i], path[i], st == KH_OK);
    if (st == KH_OK) st = done;
    tmp[i][0] = '\0';
  }
  return st;
}

/* Raw, before scaling: what `kirchhoff validate --data` reads; the first line, a comment the
 * reader skips, says kirchhoff wrote it (cli/files.h). */
static void write_samples(FILE *f, const void *data) {
  const kh_dataset *d = data;
  fprintf(f, KH_CSV_SIGNATURE "%s test set: %zu samples of %zu features, then the class\n",
          kh_version(), kh_dataset_count(d), kh_dataset_features(d));
  for (size_t i = 0; i < kh_dataset_count(d); i++) {
    for (size_t j = 0; j < kh_dataset_features(d); j++)
      fprintf(f, "%.17g,", kh_dataset_sample(d, i)[j]);
    fprintf(f, "%u\n", kh_dataset_label(d, i));
  }
}

static void write_text(FILE *f, const void *text) {
  fputs(text, f);
}

/* The library's data policy (kirchhoff/dataset.h): the sets, then --save-test of the test set
 * as read, then the scaling. */
static kh_status load_data(kh_context *ctx, kh_train_setup *s) {
  kh_data_policy policy = KH_DATA_POLICY_INIT;
  policy.data = s->data, policy.test = s->test, policy.seed = s->train.seed;
  policy.scaling_given = s->scaling_given, policy.scaling = s->scaling;
  kh_data_sets sets;
  kh_status st = kh_data_load(ctx, &policy, &sets);
  if (st != KH_OK) return st;
  s->train_set = sets.train, s->test_set = sets.test; /* the setup frees them (close) */
  static const char *const notes[] = {"from --test", "the folder's t10k set",
                                      "a seeded 20 % held out"};
  s->test_note = notes[sets.test_source];
  s->held_out = sets.test_source == KH_TEST_HELD_OUT;
  if (s->save_test && s->writer)
    st = kh_atomic_write(ctx, s->save_test, s->save_test_tmp, sizeof s->save_test_tmp,
                         write_samples, s->test_set);
  if (st == KH_OK) st = kh_data_scale(ctx, &policy, &sets);
  s->scaler = sets.scaler;
  return st;
}

static kh_status generate(kh_context *ctx, kh_train_setup *s, char **text) {
  size_t size = 0;
  FILE *mem = open_memstream(text, &size);
  if (!mem) return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory while generating the network");
  s->net.seed = s->train.seed;
  kh_status st = kh_netgen_parse_arch(ctx, &s->net, s->arch);
  if (st == KH_OK) st = kh_netgen_write(ctx, &s->net, mem);
  fclose(mem);
  if (st == KH_OK && s->save_net && s->writer)
    st = kh_atomic_write(ctx, s->save_net, s->save_net_tmp, sizeof s->save_net_tmp, write_text,
                         *text);
  return st;
}

static kh_status load_network(kh_context *ctx, kh_train_setup *s, char *resumed_text) {
  kh_status st;
  if (resumed_text) {
    st = kh_netlist_parse_string(ctx, &s->nl, resumed_text, s->resume);
  } else if (s->arch) {
    char *text = NULL;
    st = generate(ctx, s, &text);
    if (st == KH_OK) st = kh_netlist_parse_string(ctx, &s->nl, text, "generated network");
    free(text);
  } else {
    st = kh_netlist_parse_file(ctx, &s->nl, s->netlist);
  }
  /* the trace keeps the canonical text: parsing it gives back exactly this circuit */
  if (st == KH_OK) st = kh_netlist_write_string(ctx, s->nl, &s->netlist_text);
  return st;
}

kh_status kh_train_setup_open_network(kh_context *ctx, kh_train_setup *s) {
  kh_status st = s->data ? load_data(ctx, s) : KH_OK;
  if (st == KH_OK) st = load_network(ctx, s, NULL);
  return commit_pending(ctx, s, st);
}

static int has_device_model(const kh_train_setup *s) {
  return s->hw.bits || s->hw.prog_noise > 0 || s->hw.stuck_rate > 0 || s->hw.variation > 0 ||
         s->hw.prog_noise_add > 0;
}

/* The options of a device model (docs/hardware.md) in a trace's command line. */
static const char *device_option(const char *command) {
  static const char *const names[] = {"--quantize-bits", "--prog-noise", "--stuck-rate",
                                      "--variation"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strstr(command, names[i])) return names[i];
  return NULL;
}

/* What --resume needs from the trace before the data is read: the options (kh_trace_read_config),
 * the scaling the run used, and whether anything is left to train. */
static kh_status read_resumed(kh_context *ctx, kh_train_setup *s, char **text, kh_trace_run *run) {
  size_t planned = 0, done = 0;
  int threads = s->train.threads;
  kh_status st = kh_trace_read_config(ctx, s->resume, text, &s->train, &planned, &done);
  s->train.threads = threads; /* one of the options a resumed run may change (cli/train.c) */
  if (st == KH_OK) st = kh_trace_read_run(ctx, s->resume, run);
  if (st != KH_OK) return st;
  const char *device = device_option(run->command);
  if (run->has_hw) /* the device model and its write count come back with the run */
    s->hw = run->hw, s->hw_aware = run->hw_aware;
  else if (device)
    return kh_set_error(
        ctx, KH_ERR_USAGE,
        "%s was trained with a device model (%s) by a kirchhoff that did not trace it: "
        "--resume cannot continue it exactly; train it again",
        s->resume, device);
  if (!s->epochs_given) s->epochs = planned;
  s->first_epoch = done + 1;
  kh_trace_snapshot last = {0};
  st = kh_trace_read_snapshot(ctx, s->resume, -1, &last);
  if (st != KH_OK) return st;
  s->scaling = last.scaling, s->scaling_given = 1; /* the run's own, refitted on the same data */
  s->resumed_test_error = last.test_error;
  s->nothing_left = done >= s->epochs;
  kh_trace_snapshot_release(&last);
  return KH_OK;
}

/* --resume continues on the data the run started with, split the same way. */
static kh_status check_resumed_data(kh_context *ctx, const kh_train_setup *s,
                                    const kh_trace_run *run) {
  if (!run->has_fingerprints) { /* traces written before fingerprints: say what is unchecked */
    if (s->writer)
      fprintf(stderr,
              "kirchhoff train: warning: %s predates data fingerprints; that %s is the run's "
              "own data (same file, order and --seed) cannot be checked\n",
              s->resume, s->data);
    return KH_OK;
  }
  const kh_dataset *set[2] = {s->train_set, s->test_set};
  const uint64_t want[2] = {run->train_fingerprint, run->test_fingerprint};
  const size_t count[2] = {run->train_samples, run->test_samples};
  for (int i = 0; i < 2; i++)
    if (kh_dataset_fingerprint(set[i]) != want[i] || kh_dataset_count(set[i]) != count[i])
      return kh_set_error(
          ctx, KH_ERR_INPUT,
          "%s is not the %s set %s was trained on: it has %zu samples with fingerprint "
          "%016llx, the run %zu with %016llx; --resume continues a run on its own data "
          "(the same --data, --test and --seed)",
          kh_dataset_name(set[i]), i ? "test" : "training", s->resume, kh_dataset_count(set[i]),
          (unsigned long long)kh_dataset_fingerprint(set[i]), count[i],
          (unsigned long long)want[i]);
  return KH_OK;
}

static kh_status open_trainer(kh_context *ctx, kh_train_setup *s) {
  char *resumed_text = NULL;
  kh_trace_run run = {0};
  kh_status st = s->resume ? read_resumed(ctx, s, &resumed_text, &run) : KH_OK;
  if (st != KH_OK || s->nothing_left) {
    free(resumed_text);
    kh_trace_run_release(&run);
    return st;
  }
  if (st == KH_OK) st = load_data(ctx, s);
  if (st == KH_OK && s->resume) st = check_resumed_data(ctx, s, &run);
  kh_trace_run_release(&run);
  if (st == KH_OK) st = load_network(ctx, s, resumed_text);
  free(resumed_text);
  if (st == KH_OK) st = kh_trainer_new(ctx, &s->trainer, s->nl, &s->train, s->train_set);
  if (st == KH_OK) st = kh_trainer_check_data(ctx, s->trainer, s->test_set);
  if (st == KH_OK && has_device_model(s)) {
    s->hw.seed = s->train.seed;
    st = kh_hw_attach(ctx, s->trainer, &s->hw, s->hw_aware);
  }
  if (st != KH_OK) return st;
  if (!s->writer) return KH_OK; /* the others get the state from the first (cli/processes.h) */
  if (s->resume) return kh_trace_resume(ctx, &s->tracer, s->resume, s->trainer);
  if (!s->trace) return KH_OK;
  kh_trace_config cfg = {.netlist_text = s->netlist_text,
                         .command = s->command,
                         .data = s->data,
                         .test = s->test ? s->test : "",
                         .options = &s->train,
                         .epochs = s->epochs,
                         .scaler = &s->scaler,
                         .mpi_size = s->mpi_size,
                         .train_fingerprint = kh_dataset_fingerprint(s->train_set),
                         .test_fingerprint = kh_dataset_fingerprint(s->test_set),
                         .train_samples = kh_dataset_count(s->train_set),
                         .test_samples = kh_dataset_count(s->test_set),
                         .hw = has_device_model(s) ? &s->hw : NULL,
                         .hw_aware = s->hw_aware};
  return kh_trace_create(ctx, &s->tracer, s->trace, &cfg, s->trainer);
}

kh_status kh_train_setup_open(kh_context *ctx, kh_train_setup *s) {
  return commit_pending(ctx, s, open_trainer(ctx, s));
}

void kh_train_setup_describe_data(const kh_train_setup *s, FILE *out) {
  const kh_dataset *d = s->train_set;
  size_t seen = 0, classes = kh_dataset_classes(d);
  unsigned char present[65536] = {0};
  for (size_t i = 0; i < kh_dataset_count(d); i++) present[kh_dataset_label(d, i)] = 1;
  for (size_t k = 0; k < classes; k++) seen += present[k];
  static const char *const scalings[] = {"none", "standardize (training-set mean and deviation)",
                                         "pixels (x / 255)"};
  size_t train = kh_dataset_count(d), test = kh_dataset_count(s->test_set);
  fprintf(out, "data: %s (%s): %zu samples, %zu features, %zu classes", s->data,
          kh_dataset_format(d), train + (s->held_out ? test : 0), kh_dataset_features(d), classes);
  if (seen < classes) fprintf(out, " (%zu of them without a training sample)", classes - seen);
  fprintf(out, "; training on %zu, testing on %zu (%s); scaling %s\n", train, test, s->test_note,
          scalings[s->scaler.kind]);
}

/* Estimator against the exact gradient on the first training samples, per layer. */
static kh_status probe(kh_context *ctx, kh_train_setup *s, double *cosine, double *rel) {
  kh_model *m = kh_trainer_model(s->trainer);
  size_t n = kh_model_param_count(m), outs = kh_model_output_count(m);
  size_t count = kh_dataset_count(s->train_set) < s->trace_grad ? kh_dataset_count(s->train_set)
                                                                : s->trace_grad;
  double *g = calloc(4 * n + outs + 1, sizeof *g), *est = g + n, *ex = g + 2 * n, *ref = g + 3 * n,
         *target = g + 4 * n;
  if (!g) return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory while probing gradients");
  kh_status st = KH_OK;
  for (size_t i = 0; st == KH_OK && i < count; i++) {
    kh_trainer_target(s->trainer, kh_dataset_label(s->train_set, i), target);
    st = kh_model_set_input(ctx, m, kh_dataset_sample(s->train_set, i));
    if (st == KH_OK)
      st = kh_model_gradient(ctx, m, s->train.estimator, s->train.beta, target, g, NULL);
    for (size_t k = 0; st == KH_OK && k < n; k++) est[k] += g[k];
    if (st == KH_OK) st = kh_model_gradient(ctx, m, KH_EST_EXACT, 0, target, g, NULL);
    for (size_t k = 0; st == KH_OK && k < n; k++) ref[k] += g[k];
  }
  (void)ex;
  if (st == KH_OK) kh_grad_compare(m, est, ref, cosine, rel);
  free(g);
  return st;
}

kh_status kh_train_setup_record(kh_context *ctx, kh_train_setup *s, const kh_epoch_report *r,
                                double test_loss, double test_error) {
  if (!s->tracer) return KH_OK;
  unsigned layers = kh_model_layer_count(kh_trainer_model(s->trainer));
  double cosine[layers], rel[layers];
  if (!s->trace_grad_given && s->train.backend == KH_BACKEND_LAYERED) s->trace_grad = 0;
  kh_status st = s->trace_grad ? probe(ctx, s, cosine, rel) : KH_OK;
  if (st != KH_OK) return st;
  kh_trace_epoch e = {r,
                      test_loss,
                      test_error,
                      s->train.beta,
                      s->trace_grad ? cosine : NULL,
                      s->trace_grad ? rel : NULL,
                      layers};
  return kh_trace_append(ctx, s->tracer, s->trainer, &e);
}

void kh_train_setup_close(kh_train_setup *s) {
  kh_trace_free(s->tracer);
  kh_trainer_free(s->trainer);
  kh_netlist_free(s->nl);
  free(s->netlist_text);
  kh_scaler_release(&s->scaler);
  kh_dataset_free(s->train_set);
  kh_dataset_free(s->test_set);
}

void kh_cli_oscillation_init(kh_cli_oscillation *o) {
  kh_oscillation d = KH_OSCILLATION_INIT;
  *o = (kh_cli_oscillation){d.period, d.node_capacitance, d.periods, d.settle, d.steps, 3};
}

size_t kh_cli_oscillation_opts(kh_cli_oscillation *o, kh_opt *opts) {
  const kh_opt add[] = {
      {"--period", KH_OPT_DOUBLE, &o->period, NULL},
      {"--periods", KH_OPT_SIZE, &o->periods, NULL},
      {"--settle", KH_OPT_SIZE, &o->settle, NULL},
      {"--steps", KH_OPT_SIZE, &o->steps, NULL},
      {"--harmonics", KH_OPT_SIZE, &o->harmonics, NULL},
      {"--node-capacitance", KH_OPT_DOUBLE, &o->node_capacitance, NULL},
  };
  memcpy(opts, add, sizeof add);
  return sizeof add / sizeof add[0];
}

int kh_cli_oscillation_apply(const char *cmd, const kh_cli_oscillation *in, kh_oscillation *out,
                             unsigned *harmonics) {
  if (!(in->period > 0)) return kh_cli_usage(cmd, "--period must be > 0 (seconds)");
  if (in->periods < 1 || in->periods > 100000 || in->settle > 100000)
    return kh_cli_usage(cmd, "--periods must be 1..100000 and --settle 0..100000");
  if (in->steps < 8 || in->steps > 1000000) return kh_cli_usage(cmd, "--steps must be 8..1000000");
  if (in->harmonics < 1 || in->harmonics > 64 || 2 * in->harmonics - 1 > in->steps / 2)
    return kh_cli_usage(cmd, "--harmonics must be 1..64 with 2H - 1 <= steps / 2");
  if (!(in->node_capacitance >= 0)) return kh_cli_usage(cmd, "--node-capacitance must be >= 0");
  *out = (kh_oscillation){in->period,          (unsigned)in->periods, (unsigned)in->settle,
                          (unsigned)in->steps, in->node_capacitance,  0};
  *harmonics = (unsigned)in->harmonics;
  return 0;
}

int kh_cli_parse_scaling(const char *cmd, const char *name, kh_scaling *out) {
  static const char *const names[] = {"standardize", "pixels", "none"};
  static const kh_scaling kinds[] = {KH_SCALE_STANDARDIZE, KH_SCALE_PIXELS, KH_SCALE_NONE};
  int k = kh_cli_choose(cmd, "--scale", name, names, 3);
  if (k < 0) return 1;
  *out = kinds[k];
  return 0;
}

int kh_cli_parse_contour(const char *cmd, const char *name, kh_contour *out) {
  const char *names[] = {kh_contour_name(KH_CONTOUR_CIRCLE), kh_contour_name(KH_CONTOUR_SLIT)};
  int k = kh_cli_choose(cmd, "--contour", name, names, 2);
  if (k < 0) return 1;
  *out = k ? KH_CONTOUR_SLIT : KH_CONTOUR_CIRCLE;
  return 0;
}
