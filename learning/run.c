/* kirchhoff/run.h: a training run set up and carried out as `kirchhoff train` does it. */
#include "kirchhoff/run.h"

#include "core/context.h"
#include "core/crew.h"
#include "kirchhoff/atomic_file.h"
#include "run_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kh_run_options_init(kh_run_options *o) {
  memset(o, 0, sizeof *o);
  o->net = (kh_netgen_options)KH_NETGEN_OPTIONS_INIT;
  o->net.input_gain = 4.0;
  kh_train_options_init(&o->train);
  o->hw = (kh_hw_options)KH_HW_OPTIONS_INIT;
  o->epochs = 20;
  o->trace_grad = KH_RUN_TRACE_GRAD_DEFAULT;
  o->writer = 1;
  o->mpi_size = 1;
}

/* The files a run writes besides its trace (save_test, save_net) go to PATH.kh-tmp
 * (kh_atomic_write) and are renamed into place only once the whole setup has succeeded: a bad
 * input leaves nothing. Renames the pending files into place (ok) or removes them; keeps an
 * earlier error. */
static kh_status commit_pending(kh_context *ctx, kh_run *r, kh_status st) {
  char *tmp[2] = {r->save_test_tmp, r->save_net_tmp};
  const char *path[2] = {r->o.save_test, r->o.save_net};
  for (int i = 0; i < 2; i++) {
    if (!tmp[i][0]) continue;
    kh_status done = kh_atomic_commit(ctx, tmp[i], path[i], st == KH_OK);
    if (st == KH_OK) st = done;
    tmp[i][0] = '\0';
  }
  return st;
}

/* Raw, before scaling: what `kirchhoff validate --data` reads; the first line, a comment the
 * reader skips, says kirchhoff wrote it. */
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

/* Sets in memory take the place of the files: the test set given, or a seeded part held out. */
static kh_status adopt(kh_context *ctx, kh_run *r, const kh_data_policy *p, kh_data_sets *sets) {
  sets->train = r->o.train_data, sets->test = r->o.test_data;
  r->o.train_data = r->o.test_data = NULL; /* the run's now */
  sets->test_source = sets->test ? KH_TEST_GIVEN : KH_TEST_HELD_OUT;
  if (sets->test) return KH_OK;
  return kh_dataset_split(ctx, sets->train, p->hold_out, p->seed, &sets->test);
}

/* The library's data policy (kirchhoff/dataset.h): the sets, then save_test of the test set as
 * read, then the scaling. */
static kh_status load_data(kh_context *ctx, kh_run *r) {
  if (!r->o.data && !r->o.train_data)
    return kh_fail(ctx, KH_ERR_USAGE, "a run needs data: a data file or a set in memory");
  kh_data_policy policy = KH_DATA_POLICY_INIT;
  policy.data = r->o.data, policy.test = r->o.test, policy.seed = r->o.train.seed;
  policy.scaling_given = r->o.scaling_given, policy.scaling = r->o.scaling;
  kh_data_sets sets = {0};
  kh_status st =
      r->o.train_data ? adopt(ctx, r, &policy, &sets) : kh_data_load(ctx, &policy, &sets);
  r->train_set = sets.train, r->test_set = sets.test; /* the run frees them */
  if (st != KH_OK) return st;
  r->test_source = sets.test_source;
  if (r->o.save_test && r->o.writer)
    st = kh_atomic_write(ctx, r->o.save_test, r->save_test_tmp, sizeof r->save_test_tmp,
                         write_samples, r->test_set);
  if (st == KH_OK) st = kh_data_scale(ctx, &policy, &sets);
  r->scaler = sets.scaler;
  return st;
}

static kh_status generate(kh_context *ctx, kh_run *r, char **text) {
  size_t size = 0;
  r->o.net.seed = r->o.train.seed;
  kh_status st = kh_netgen_parse_arch(ctx, &r->o.net, r->o.arch);
  if (st == KH_OK) st = kh_netgen_string(ctx, &r->o.net, text, &size);
  if (st == KH_OK && r->o.save_net && r->o.writer)
    st = kh_atomic_write(ctx, r->o.save_net, r->save_net_tmp, sizeof r->save_net_tmp, write_text,
                         *text);
  return st;
}

static kh_status load_network(kh_context *ctx, kh_run *r, char *resumed_text) {
  kh_status st;
  if (resumed_text) {
    st = kh_netlist_parse_own_text(ctx, &r->nl, resumed_text, r->o.resume);
  } else if (r->o.arch) {
    char *text = NULL;
    st = generate(ctx, r, &text);
    if (st == KH_OK) st = kh_netlist_parse_own_text(ctx, &r->nl, text, "generated network");
    free(text);
  } else if (r->o.netlist) {
    st = kh_netlist_parse_file_compat(ctx, &r->nl, r->o.netlist, NULL, r->o.compat);
  } else {
    st = kh_fail(ctx, KH_ERR_USAGE, "a run needs a network: an architecture or a netlist");
  }
  return st;
}

static int has_device_model(const kh_run *r) {
  const kh_hw_options *h = &r->o.hw;
  return h->quantize_bits || h->prog_noise > 0 || h->stuck_rate > 0 || h->variation > 0 ||
         h->prog_noise_add > 0;
}

/* A device option (docs/hardware.md) in a trace's command line. */
static const char *device_option(const char *command) {
  static const char *const names[] = {"--quantize-bits", "--prog-noise", "--stuck-rate",
                                      "--variation"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strstr(command, names[i])) return names[i];
  return NULL;
}

/* What resuming needs from the trace before the data is read: the options
 * (kh_trace_read_config), the scaling the run used, and whether anything is left to train. */
static kh_status read_resumed(kh_context *ctx, kh_run *r, char **text, kh_trace_run *run) {
  size_t planned = 0, done = 0;
  int threads = r->o.train.threads;
  kh_status st = kh_trace_read_config(ctx, r->o.resume, text, &r->o.train, &planned, &done);
  r->o.train.threads = threads; /* how fast a resumed run goes is the caller's */
  if (st == KH_OK) st = kh_trace_read_run(ctx, r->o.resume, run);
  if (st != KH_OK) return st;
  const char *device = device_option(run->command);
  if (run->has_hw) /* the device model and its write count come back with the run */
    r->o.hw = run->hw, r->o.hw_aware = run->hw_aware;
  else if (device)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "%s was trained with a device model (%s) by a kirchhoff that did not trace "
                   "it: it cannot be resumed exactly; train it again",
                   r->o.resume, device);
  if (!r->o.epochs) r->o.epochs = planned;
  r->next_epoch = done + 1;
  kh_trace_snapshot last = {0};
  st = kh_trace_read_snapshot(ctx, r->o.resume, -1, &last);
  if (st != KH_OK) return st;
  r->o.scaling = last.scaling, r->o.scaling_given = 1; /* the run's own, refitted on its data */
  r->resumed_test_error = last.test_error;
  r->nothing_left = done >= r->o.epochs;
  kh_trace_snapshot_release(&last);
  return KH_OK;
}

/* A resumed run continues on the data it started with, split the same way. */
static kh_status check_resumed_data(kh_context *ctx, kh_run *r, const kh_trace_run *run) {
  if (!run->has_fingerprints) { /* traces written before fingerprints: say what is unchecked */
    snprintf(r->warning, sizeof r->warning,
             "%s predates data fingerprints; that %s is the run's own data (same file, order and "
             "seed) cannot be checked",
             r->o.resume, kh_dataset_name(r->train_set));
    return KH_OK;
  }
  const kh_dataset *set[2] = {r->train_set, r->test_set};
  const uint64_t want[2] = {run->train_fingerprint, run->test_fingerprint};
  const size_t count[2] = {run->train_samples, run->test_samples};
  for (int i = 0; i < 2; i++)
    if (kh_dataset_fingerprint(set[i]) != want[i] || kh_dataset_count(set[i]) != count[i])
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s is not the %s set %s was trained on: it has %zu samples with "
                     "fingerprint %016llx, the run %zu with %016llx; a resumed run continues on "
                     "its own data (the same files, in the same order, with the same seed)",
                     kh_dataset_name(set[i]), i ? "test" : "training", r->o.resume,
                     kh_dataset_count(set[i]), (unsigned long long)kh_dataset_fingerprint(set[i]),
                     count[i], (unsigned long long)want[i]);
  return KH_OK;
}

static kh_status create_trace(kh_context *ctx, kh_run *r) {
  /* The trace keeps the canonical text: parsing it gives back exactly this circuit. Written
   * only for a trace: for DRN-1H (1.6 million lines) it was a third of the start-up. */
  kh_status st = kh_netlist_write_string(ctx, r->nl, &r->netlist_text);
  if (st != KH_OK) return st;
  kh_trace_config cfg = {.netlist_text = r->netlist_text,
                         .command = r->o.command,
                         .data = r->o.data ? r->o.data : kh_dataset_name(r->train_set),
                         .test = r->o.test ? r->o.test : "",
                         .options = &r->o.train,
                         .epochs = r->o.epochs,
                         .scaler = &r->scaler,
                         .mpi_size = r->o.mpi_size,
                         .train_fingerprint = kh_dataset_fingerprint(r->train_set),
                         .test_fingerprint = kh_dataset_fingerprint(r->test_set),
                         .train_samples = kh_dataset_count(r->train_set),
                         .test_samples = kh_dataset_count(r->test_set),
                         .hw = has_device_model(r) ? &r->o.hw : NULL,
                         .hw_aware = r->o.hw_aware};
  return kh_trace_create(ctx, &r->tracer, r->o.trace, &cfg, r->trainer);
}

/* The data and the network, which do not depend on each other: on two threads when the run may
 * use two (a DRN-1H start-up reads 440 MB of samples and parses 1.6 million generated lines, about
 * a second each). The network's item records into its own context; a data error is reported
 * first, as when they run in order. */
typedef struct {
  kh_run *r;
  char *resumed_text;
  const kh_trace_run *run;
  kh_context *ctx[2];
  kh_status st[2];
} inputs_job;

static void load_input(void *arg, size_t item, int worker) {
  (void)worker;
  inputs_job *j = arg;
  kh_context *ctx = j->ctx[item];
  if (item == 1) {
    j->st[1] = load_network(ctx, j->r, j->resumed_text);
    return;
  }
  j->st[0] = load_data(ctx, j->r);
  if (j->st[0] == KH_OK && j->r->o.resume) j->st[0] = check_resumed_data(ctx, j->r, j->run);
}

static kh_status load_inputs(kh_context *ctx, kh_run *r, char *resumed_text,
                             const kh_trace_run *run) {
  kh_context network_ctx = {KH_OK, ""};
  inputs_job j = {r, resumed_text, run, {ctx, &network_ctx}, {KH_OK, KH_OK}};
  kh_crew *crew = r->o.train.threads > 1 ? kh_crew_new(1) : NULL;
  kh_crew_run(crew, 2, load_input, &j);
  kh_crew_free(crew);
  if (j.st[0] != KH_OK) return j.st[0];
  if (j.st[1] != KH_OK) return kh_fail(ctx, j.st[1], "%s", network_ctx.message);
  return KH_OK;
}

static kh_status open_trainer(kh_context *ctx, kh_run *r) {
  char *resumed_text = NULL;
  kh_trace_run run = {0};
  kh_status st = r->o.resume ? read_resumed(ctx, r, &resumed_text, &run) : KH_OK;
  if (st != KH_OK || r->nothing_left) {
    free(resumed_text);
    kh_trace_run_release(&run);
    return st;
  }
  /* the gradient check's default follows the backend, a resumed run's from its trace */
  if (r->o.trace_grad == KH_RUN_TRACE_GRAD_DEFAULT)
    r->o.trace_grad = r->o.train.backend == KH_BACKEND_LAYERED ? 0 : 16;
  st = load_inputs(ctx, r, resumed_text, &run);
  kh_trace_run_release(&run);
  free(resumed_text);
  if (st == KH_OK) st = kh_trainer_new(ctx, &r->trainer, r->nl, &r->o.train, r->train_set);
  if (st == KH_OK) st = kh_trainer_check_data(ctx, r->trainer, r->test_set);
  if (st == KH_OK && has_device_model(r)) {
    r->o.hw.seed = r->o.train.seed;
    st = kh_hw_attach(ctx, r->trainer, &r->o.hw, r->o.hw_aware);
  }
  if (st != KH_OK || !r->o.writer) return st; /* the others get the state from the first */
  if (r->o.resume) return kh_trace_resume(ctx, &r->tracer, r->o.resume, r->trainer);
  return r->o.trace ? create_trace(ctx, r) : KH_OK;
}

kh_status kh_run_open(kh_context *ctx, kh_run **out, kh_run_options *o) {
  *out = NULL;
  kh_run *r = calloc(1, sizeof *r);
  if (!r) {
    kh_dataset_free(o->train_data), kh_dataset_free(o->test_data);
    o->train_data = o->test_data = NULL;
    return kh_fail_nomem(ctx, "setting up a run");
  }
  r->o = *o;
  o->train_data = o->test_data = NULL; /* the run's now */
  r->next_epoch = 1, r->resumed_test_error = NAN;
  kh_status st = KH_OK;
  if (!r->o.resume && !r->o.network_only && r->o.epochs < 1)
    st = kh_fail(ctx, KH_ERR_USAGE, "a run needs at least one epoch");
  else if (r->o.network_only) {
    st = r->o.data || r->o.train_data ? load_data(ctx, r) : KH_OK;
    if (st == KH_OK) st = load_network(ctx, r, NULL);
  } else
    st = open_trainer(ctx, r);
  st = commit_pending(ctx, r, st);
  if (st != KH_OK) {
    kh_run_free(r);
    return st;
  }
  *out = r;
  return KH_OK;
}

void kh_run_free(kh_run *r) {
  if (!r) return;
  kh_trace_free(r->tracer);
  kh_trainer_free(r->trainer);
  kh_netlist_free(r->nl);
  free(r->netlist_text);
  kh_scaler_release(&r->scaler);
  kh_dataset_free(r->train_set), kh_dataset_free(r->test_set);
  kh_dataset_free(r->o.train_data), kh_dataset_free(r->o.test_data);
  free(r);
}
