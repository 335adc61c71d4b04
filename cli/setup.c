#include "setup.h"

#include "cli.h"
#include "core/context.h"
#include "learning/atomic_file.h"

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

/* Raw, before scaling: what `kirchhoff validate --data` reads. */
static void write_samples(FILE *f, const void *data) {
  const kh_dataset *d = data;
  for (size_t i = 0; i < kh_dataset_count(d); i++) {
    for (size_t j = 0; j < kh_dataset_features(d); j++)
      fprintf(f, "%.17g,", kh_dataset_sample(d, i)[j]);
    fprintf(f, "%u\n", kh_dataset_label(d, i));
  }
}

static void write_text(FILE *f, const void *text) {
  fputs(text, f);
}

static kh_status load_data(kh_context *ctx, kh_train_setup *s) {
  kh_status st = kh_dataset_load(ctx, &s->train_set, s->data, 0);
  if (st != KH_OK) return st;
  int idx_folder = kh_dataset_is_images(s->train_set);
  if (s->test) {
    FILE *probe = fopen(s->test, "r");
    int is_dir = !probe; /* a folder cannot be fopen'ed for reading as a file stream on Linux */
    if (probe) fclose(probe);
    st = kh_dataset_load(ctx, &s->test_set, s->test, is_dir && idx_folder);
    s->test_note = "from --test";
  } else if (idx_folder) {
    st = kh_dataset_load(ctx, &s->test_set, s->data, 1);
    s->test_note = "the folder's t10k set";
  } else {
    st = kh_dataset_split(ctx, s->train_set, 0.2, s->train.seed, &s->test_set);
    s->test_note = "a seeded 20 % held out";
  }
  if (st != KH_OK) return st;
  if (kh_dataset_features(s->test_set) != kh_dataset_features(s->train_set))
    return kh_fail(ctx, KH_ERR_INPUT, "%s has %zu features but the training data %s %zu",
                   kh_dataset_name(s->test_set), kh_dataset_features(s->test_set),
                   kh_dataset_name(s->train_set), kh_dataset_features(s->train_set));
  if (s->save_test && s->writer)
    st = kh_atomic_write(ctx, s->save_test, s->save_test_tmp, sizeof s->save_test_tmp,
                         write_samples, s->test_set);
  if (st != KH_OK) return st;
  kh_scaling kind = s->scaling_given ? s->scaling
                    : idx_folder     ? KH_SCALE_PIXELS
                                     : KH_SCALE_STANDARDIZE;
  st = kh_scaler_fit(ctx, &s->scaler, kind, s->train_set);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &s->scaler, s->train_set);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &s->scaler, s->test_set);
  return st;
}

static kh_status generate(kh_context *ctx, kh_train_setup *s, char **text) {
  size_t size = 0;
  FILE *mem = open_memstream(text, &size);
  if (!mem) return kh_fail(ctx, KH_ERR_NOMEM, "out of memory while generating the network");
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

static kh_status open_trainer(kh_context *ctx, kh_train_setup *s) {
  char *resumed_text = NULL;
  kh_status st = KH_OK;
  if (s->resume) {
    size_t planned = 0, done = 0;
    int threads = s->train.threads;
    st = kh_trace_read_config(ctx, s->resume, &resumed_text, &s->train, &planned, &done);
    s->train.threads = threads; /* the one option a resumed run may change */
    if (st == KH_OK && !s->epochs_given) s->epochs = planned;
    s->first_epoch = done + 1;
  }
  if (st == KH_OK) st = load_data(ctx, s);
  if (st == KH_OK) st = load_network(ctx, s, resumed_text);
  free(resumed_text);
  if (st == KH_OK) st = kh_trainer_new(ctx, &s->trainer, s->nl, &s->train, s->train_set);
  if (st == KH_OK) st = kh_trainer_check_data(ctx, s->trainer, s->test_set);
  if (st == KH_OK && (s->hw.bits || s->hw.prog_noise > 0 || s->hw.stuck_rate > 0 ||
                      s->hw.variation > 0 || s->hw.prog_noise_add > 0)) {
    s->hw.seed = s->train.seed;
    st = kh_hw_attach(ctx, s->trainer, &s->hw, s->hw_aware);
  }
  if (st != KH_OK) return st;
  if (!s->writer) return KH_OK; /* the others get the state from the first (cli/processes.h) */
  if (s->resume) return kh_trace_resume(ctx, &s->tracer, s->resume, s->trainer);
  if (!s->trace) return KH_OK;
  kh_trace_config cfg = {s->netlist_text, s->command, s->data,    s->test ? s->test : "",
                         &s->train,       s->epochs,  &s->scaler, s->mpi_size};
  return kh_trace_create(ctx, &s->tracer, s->trace, &cfg, s->trainer);
}

kh_status kh_train_setup_open(kh_context *ctx, kh_train_setup *s) {
  return commit_pending(ctx, s, open_trainer(ctx, s));
}

/* Estimator against the exact gradient on the first training samples, per layer. */
static kh_status probe(kh_context *ctx, kh_train_setup *s, double *cosine, double *rel) {
  kh_model *m = kh_trainer_model(s->trainer);
  size_t n = kh_model_param_count(m), outs = kh_model_output_count(m);
  size_t count = kh_dataset_count(s->train_set) < s->trace_grad ? kh_dataset_count(s->train_set)
                                                                : s->trace_grad;
  double *g = calloc(4 * n + outs + 1, sizeof *g), *est = g + n, *ex = g + 2 * n, *ref = g + 3 * n,
         *target = g + 4 * n;
  if (!g) return kh_fail(ctx, KH_ERR_NOMEM, "out of memory while probing gradients");
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

int kh_cli_parse_scaling(const char *name, kh_scaling *out) {
  static const struct {
    const char *name;
    kh_scaling scaling;
  } names[] = {
      {"standardize", KH_SCALE_STANDARDIZE}, {"pixels", KH_SCALE_PIXELS}, {"none", KH_SCALE_NONE}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(name, names[i].name)) return *out = names[i].scaling, 0;
  return 1;
}

int kh_cli_parse_contour(const char *name, kh_contour *out) {
  for (kh_contour c = KH_CONTOUR_CIRCLE; c <= KH_CONTOUR_SLIT; c++)
    if (!strcmp(name, kh_contour_name(c))) return *out = c, 0;
  return 1;
}
