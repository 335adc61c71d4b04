/* kirchhoff train: trains a network's conductances and bias currents with equilibrium
 * propagation on a labelled data set, printing per-epoch losses and errors. */
#include "cli.h"
#include "files.h"
#include "interrupt.h"
#include "names.h"
#include "processes.h"
#include "options.h"
#include "option_rows.h"
#include "learning_options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help_learning_and_output(void);

void kh_help_train(void) {
  printf("usage: kirchhoff train (--arch A-B-..-Z | NETLIST) --data PATH [options]\n\n"
         "Trains the network's trainable conductances and currents with equilibrium\n"
         "propagation and prints, per epoch, the training loss/error (measured in the free\n"
         "phases of the epoch) and the test loss/error. docs/training.md has the details.\n"
         "Under 'mpirun -np P' the P processes share every minibatch; the first one prints\n"
         "and writes the trace (docs/scaling.md).\n\n"
         "data:\n"
         "  --data PATH         CSV file (features, then the class) or IDX folder (MNIST)\n"
         "  --test PATH         test set; default: the IDX folder's t10k-* files, or a seeded\n"
         "                      20 %% of a CSV file held out (and reported as test)\n"
         "  --save-test FILE    write the test set (raw features, CSV) for kirchhoff validate\n"
         "  --limit N           train on the first N training samples only\n"
         "  --scale KIND        standardize (CSV default; training-set statistics), pixels\n"
         "                      (x/255, IDX default) or none\n"
         "network (with --arch; see 'kirchhoff net --help'):\n"
         "  --arch WIDTHS       generate a deep resistive network, e.g. 64-64-10\n"
         "  --gain A            input gain (default 4; also --input-gain)\n"
         "  --init-scale C      initial conductances +-C/sqrt(fan_in) (default 1)\n"
         "  --amp-gain G1,G2..  bidirectional amplifiers after hidden layer l (0: none)\n"
         "  --save-net FILE     also write the generated (untrained) netlist\n"
         "  --gmax G            upper conductance bound of the generated network (default none)\n"
         "  --wire-resistance R crossbar layout, R ohms per wire segment (IR drop; default 0)\n"
         "  --gmin, --bias-voltage, --clamp-pairs, --differential-outputs, --init-low,\n"
         "  --init-high         as kirchhoff net takes them\n"
         "devices (docs/hardware.md):\n"
         "  --quantize-bits B   conductances take 2^B levels in [gmin, gmax] (needs a gmax)\n"
         "  --prog-noise S      multiplicative programming noise, per write (default 0)\n"
         "  --stuck-rate R      fraction of devices stuck at gmin or gmax (default 0)\n"
         "  --variation V       device-to-device spread: g (1 + V zeta), zeta fixed per device\n"
         "  --prog-noise-add A  additive programming noise of A siemens, per write\n"
         "  --hw-aware          train on the device's conductances (straight-through); without\n"
         "                      it, only evaluation sees the device\n"
         "  --sign-updates      each conductance moves by lr in its update's direction (a pulse)\n"
         "  --soft-bounds       updates shrink near the bounds, as memristive devices saturate\n"
         "  --depression D      decreases D times as strong as increases (with --soft-bounds)\n"
         "  --pulse P           updates in whole pulses of P siemens (pulse-count rule)\n");
  help_learning_and_output();
}

/* The second half of kh_help_train. */
static void help_learning_and_output(void) {
  printf(
      "learning:\n"
      "  --epochs N          passes over the training set (default 20)\n"
      "  --batch B           samples per update (default 8)\n"
      "  --estimator NAME    centered (default), plus, minus, forward2..forward5,\n"
      "                      holomorphic (complex nudges), oscillating (a nudge oscillating\n"
      "                      in time, read through its odd harmonics), coupled (outputs\n"
      "                      clamped at o + eta (y - o), Stern et al. 2021), exact, or implicit\n"
      "                      differentiation with an approximate adjoint: first-order (H as\n"
      "                      I), rbp (or neumann), cg, cg-jacobi, phantom; or itd\n"
      "                      (reverse mode through relaxation sweeps)\n"
      "  --eta E             coupled learning's clamp, in (0, 1] (default 0.1; 1: hard)\n"
      "  --precond P         cg's preconditioner: none (default) or jacobi (cg-jacobi)\n"
      "  --k K               Hessian-vector products of rbp, cg and phantom, sweeps of itd\n"
      "                      from the equilibrium (default 10)\n"
      "  --damping D         the phantom gradient's damping, in (0, 1] (default 1)\n"
      "  --inner T           inexact phases: T relaxation sweeps each instead of the exact\n"
      "                      equilibrium (plus, minus, centered, forwardP, itd; default 0)\n"
      "  --inner-tol D       inexact phases sweep until their error bound is below D volts\n"
      "                      (at most --inner sweeps, default 100000)\n"
      "  --inner-start S     where inexact nudged phases start: free (the free state,\n"
      "                      default) or previous (the phase before)\n"
      "  --points N          points of the holomorphic estimator (default "
      "4)\n" KH_CLI_OSCILLATION_HELP
      "  --read-noise S      Gaussian noise of S times the median over the training samples\n"
      "                      of each one's RMS input voltage (gain included) on every node\n"
      "                      voltage measured in training phases (the solved-for nodes;\n"
      "                      those sources set stay exact; default 0)\n"
      "  --read-noise-volts V  instead: noise of V volts\n"
      "  --read-noise-reference R  what S is relative to: median-rms (default) or largest\n"
      "                      (the largest input voltage, kirchhoff's meaning before 2026-12)\n"
      "  --read-samples R    each measurement the mean of R readings (default 1)\n"
      "  --contour NAME      where the holomorphic points lie: circle (|beta| e^(2 pi i k/N))\n"
      "                      or slit (the plane slit along the poles, docs/algorithms.md;\n"
      "                      linear and ideal-diode circuits); default: slit with\n"
      "                      --read-noise, circle without\n"
      "  --beta B            nudge strength (default 0.1; holomorphic on the circle: a\n"
      "                      quarter of each sample's nudge radius, the outputs' effective\n"
      "                      conductance; on the slit: rho in (0, 1), default 0.5)\n"
      "  --beta-relative     B is a fraction of each sample's nudge radius G_out, for every\n"
      "                      estimator (siemens otherwise)\n"
      "  --optimizer NAME    adam (default), momentum or sgd\n"
      "  --lr R[,R2,...]     learning rate, or one per layer (default 0.01)\n"
      "  --momentum M        momentum / Adam beta1 (default 0.9)\n"
      "  --lr-decay D        learning rates times D after each epoch (default 0.9)\n"
      "  --target-on V       output target of the right class (default 1 V)\n"
      "  --target-off V      output target of the other classes (default 0 V)\n"
      "  --seed S            seed of initialization, split and shuffles (default 1)\n"
      "  --threads T         threads (default: the cores this process may use; one per\n"
      "                      process under mpirun); results do not depend on it\n"
      "solver (docs/layered.md):\n"
      "  --backend NAME      native (default: any circuit, one sample at a time) or layered\n"
      "                      (layered networks: a minibatch at a time, block-coordinate\n"
      "                      descent; SGD with centered, plus, minus, exact, first-order,\n"
      "                      rbp, cg, cg-jacobi, phantom or itd)\n"
      "  --precision P       layered: double (default) or single\n"
      "  --sweeps K          layered: K sweeps per phase (default 0: until converged)\n"
      "  --layered-tol T     layered: converged when no voltage moves more than T times\n"
      "                      the largest input voltage in a sweep (default 1e-9)\n"
      "  --preset NAME       drn-xs, drn-1h or drn-2h: Scellier 2024's MNIST networks and\n"
      "                      hyperparameters (docs/layered.md); other options override it\n"
      "output:\n"
      "  --trace FILE        HDF5 trace of the run (docs/traces.md)\n"
      "  --trace-grad N      per epoch, the estimator against the exact gradient on the first N\n"
      "                      training samples, in the trace (default 16; layered backend: 0)\n"
      "  --resume FILE       continue the run traced in FILE from its last epoch, on the same\n"
      "                      data (checked); it keeps the run's options: only --data, --test,\n"
      "                      --epochs (a new total), --threads, --trace-grad, --save-test,\n"
      "                      --quiet and --force may be given with it\n"
      "  --force             replace existing output files that kirchhoff did not write\n"
      "                      (outputs never replace an input of the run)\n"
      "  --quiet             only the final line\n");
}

/* The line a terminal shows during an epoch: redrawn at each whole percent of its samples. */
typedef struct {
  size_t epoch, epochs;
  int shown; /* the percent on screen */
} epoch_line;

static void show_epoch_progress(void *user, size_t done, size_t total) {
  epoch_line *l = user;
  int percent = total ? (int)(100 * done / total) : 100;
  if (percent == l->shown) return;
  l->shown = percent;
  kh_cli_progress("epoch %zu/%zu ... %d %%", l->epoch, l->epochs, percent);
}

static void progress(size_t epoch, size_t epochs, const kh_epoch_report *r, double test_loss,
                     double test_error, double test_seconds, int tty) {
  if (tty) fprintf(stderr, "\r\033[K");
  double per =
      r->solves ? (double)(r->sweeps ? r->sweeps : r->newton_iterations) / (double)r->solves : 0.0;
  printf("epoch %3zu/%zu  train loss %.4f error %6.2f %%  test loss %.4f error %6.2f %%  "
         "(%.2f s + test %.2f s, %.1f %s per solve)\n",
         epoch, epochs, r->train_loss, 100 * r->train_error, test_loss, 100 * test_error,
         r->seconds, test_seconds, per, r->sweeps ? "sweeps" : "Newton iterations");
  if (r->sweeps)
    printf("          layered: %.2f s in phases, %.2f s in updates\n", r->phase_seconds,
           r->update_seconds);
  if (r->holomorphic_frozen)
    printf("          %lu samples had a clamp switching under the nudge (within |beta|, or during "
           "the oscillation); their free phase's active set was continued\n",
           r->holomorphic_frozen);
  if (r->beta_narrowed)
    printf("          %lu samples were nudged at half their radius: -beta went past their "
           "outputs' conductance (holomorphic EP on the layered backend: the circle reached "
           "their minibatch's radius bound)\n",
           r->beta_narrowed);
  fflush(stdout);
}

/* Applies --preset NAME (wherever it stands) before the other options, which then override
 * (kh_run_preset: the library's table; --sweeps is a word here, so it takes the preset's). */
static int apply_preset(int argc, char **argv, kh_run_options *s, size_t *sweeps) {
  const char *name = NULL;
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--preset")) name = argv[i + 1];
  if (!name) return 0;
  kh_context *ctx = NULL;
  if (kh_context_new(&ctx) != KH_OK) return fprintf(stderr, "kirchhoff: out of memory\n"), 1;
  kh_status st = kh_run_preset(ctx, s, name);
  kh_context_free(ctx);
  if (st == KH_OK) {
    *sweeps = s->train.sweeps;
    return 0;
  }
  size_t count = 0;
  const char *const *names = kh_run_preset_names(&count);
  kh_cli_unknown("train", "--preset", name, names, count);
  return 1;
}

/* Collective only when the processes train together (a sweep's point trains alone). */
static kh_status agree(kh_context *ctx, kh_status st, int distributed) {
  return distributed ? kh_cli_mpi_agree(ctx, st) : st;
}

int kh_cmd_train(int argc, char **argv) {
  return kh_cli_train(argc, argv, KH_TRAIN_DISTRIBUTED, NULL);
}

/* What --resume lets a user give: the run's data again (checked against the trace), how long
 * and how fast to go on, and output that does not change the training. */
static const char *const resumable[] = {"--resume",    "--data",    "--test",
                                        "--epochs",    "--threads", "--trace-grad",
                                        "--save-test", "--quiet",   "--force"};

/* What an interruption in epoch `epoch` leaves, for kh_cli_interrupt_say. */
static void say_saved(const kh_run_options *s, size_t kept, const char *when) {
  char m[1024];
  const char *trace = s->resume ? s->resume : s->trace;
  if (!trace)
    snprintf(m, sizeof m, "kirchhoff train: interrupted %s; nothing was saved (no --trace)", when);
  else if (kept == 0)
    snprintf(m, sizeof m, "kirchhoff train: interrupted %s; %s holds the untrained network only",
             when, trace);
  else
    snprintf(m, sizeof m,
             "kirchhoff train: interrupted %s; %s keeps epoch%s %s%zu (continue with: kirchhoff "
             "train --resume %s --data %s%s%s)",
             when, trace, kept > 1 ? "s" : "", kept > 1 ? "1.." : "", kept, trace, s->data,
             s->test ? " --test " : "", s->test ? s->test : "");
  kh_cli_interrupt_say(m);
}

/* The words of a train command line that are not fields of the setup itself. */
typedef struct {
  const char *lr, *scale, *amps, *contour, *preset, *precond;
  size_t points, sweeps, k;
  int beta_given;
  kh_cli_oscillation osc;
  kh_opt opts[128];
  kh_cli_rows rows; /* generated from the options tables */
  size_t nopts;
  size_t threads;
  int epochs_given, quiet, force;
} train_words;

/* Parses the command line into s and w (defaults, then a --preset's, then what was given). */
static int read_words(int argc, char **argv, kh_run_options *s, train_words *w) {
  *w = (train_words){.points = 4, .k = 10, .threads = 0}; /* 0: not given */
  if (apply_preset(argc, argv, s, &w->sweeps)) return KH_EXIT_USAGE;
  kh_cli_oscillation_init(&w->osc);
  const kh_opt table[] = {
      {"--arch", KH_OPT_STRING, &s->arch, NULL},
      {"--gain", KH_OPT_DOUBLE, &s->net.input_gain, NULL},
      {"--data", KH_OPT_STRING, &s->data, NULL},
      {"--test", KH_OPT_STRING, &s->test, NULL},
      {"--scale", KH_OPT_STRING, &w->scale, NULL},
      {"--limit", KH_OPT_SIZE, &s->train.samples, NULL},
      {"--sweeps", KH_OPT_SIZE, &w->sweeps, NULL},
      {"--preset", KH_OPT_STRING, &w->preset, NULL},
      {"--amp-gain", KH_OPT_STRING, &w->amps, NULL},
      {"--save-net", KH_OPT_STRING, &s->save_net, NULL},
      {"--save-test", KH_OPT_STRING, &s->save_test, NULL},
      {"--epochs", KH_OPT_SIZE, &s->epochs, &w->epochs_given},
      {"--points", KH_OPT_SIZE, &w->points, NULL},
      {"--k", KH_OPT_SIZE, &w->k, NULL},
      {"--contour", KH_OPT_STRING, &w->contour, NULL},
      {"--precond", KH_OPT_STRING, &w->precond, NULL},
      {"--hw-aware", KH_OPT_FLAG, &s->hw_aware, NULL},
      {"--lr", KH_OPT_STRING, &w->lr, NULL},
      {"--threads", KH_OPT_SIZE, &w->threads, NULL},
      {"--trace", KH_OPT_STRING, &s->trace, NULL},
      {"--trace-grad", KH_OPT_SIZE, &s->trace_grad, NULL},
      {"--resume", KH_OPT_STRING, &s->resume, NULL},
      {"--quiet", KH_OPT_FLAG, &w->quiet, NULL},
      {"--force", KH_OPT_FLAG, &w->force, NULL},
  };
  memcpy(w->opts, table, sizeof table);
  w->nopts = sizeof table / sizeof table[0];
  /* the options' own rows, from their tables; --beta says whether it was given */
  static const char *const train_own[] = {
      "samples",       "threads", "holomorphic_contour", "holomorphic_points",
      "osc_harmonics", "sweeps",  "adjoint_iterations",  NULL};
  static const char *const net_own[] = {"seed", NULL}; /* the run's */
  kh_cli_rows_add(&w->rows, KH_CLI_TRAIN, &s->train, train_own);
  kh_cli_rows_add(&w->rows, KH_CLI_HW, &s->hw, NULL);
  kh_cli_rows_add(&w->rows, KH_CLI_NET, &s->net, net_own);
  kh_cli_rows_find(&w->rows, "--beta")->seen = &w->beta_given;
  memcpy(w->opts + w->nopts, w->rows.rows, w->rows.count * sizeof w->rows.rows[0]);
  w->nopts += w->rows.count;
  w->nopts += kh_cli_oscillation_opts(&w->osc, w->opts + w->nopts);
  const char *pos[1];
  size_t npos;
  if (kh_parse_options("train", argc, argv, w->opts, w->nopts, pos, 1, &npos, kh_help_train) ||
      kh_cli_oscillation_apply("train", &w->osc, &s->train.oscillation, &s->train.osc_harmonics))
    return KH_EXIT_USAGE;
  s->netlist = npos ? pos[0] : NULL;
  return KH_EXIT_OK;
}

/* The estimator and its points, contour and default beta. */
static int apply_estimator(kh_run_options *s, train_words *w) {
  if (kh_cli_precondition("train", w->precond, &s->train.estimator)) return KH_EXIT_USAGE;
  if (w->points < 2 || w->points > 64) return kh_cli_usage("train", "--points must be 2..64");
  if (w->contour && kh_cli_parse_contour("train", w->contour, &s->train.holomorphic_contour))
    return KH_EXIT_USAGE;
  kh_train_options_holomorphic_defaults(&s->train, w->contour != NULL, w->beta_given);
  s->train.holomorphic_points = (unsigned)w->points;
  if (w->k < 1 || w->k > 1000000) return kh_cli_usage("train", "--k must be 1..1000000");
  s->train.adjoint_iterations = (unsigned)w->k;
  return KH_EXIT_OK;
}

/* Turns the words into the setup's options, checking each, and checks the files. */
static int apply_words(int argc, char **argv, kh_run_options *s, train_words *w) {
  if (kh_cli_rows_names("train", &w->rows)) return KH_EXIT_USAGE;
  int rates = w->lr ? kh_parse_number_list(w->lr, s->train.lr, KH_MAX_LAYER_RATES, 0) : 1;
  if (rates > 0 && w->lr) s->train.lr_count = (size_t)rates;
  if (rates < 0) return kh_cli_usage("train", "--lr needs rates >= 0: R or R1,R2,..");
  if (w->amps && kh_parse_number_list(w->amps, s->net.amp_gain, KH_NETGEN_MAX_LAYERS, 0) < 0)
    return kh_cli_usage("train", "--amp-gain needs gains >= 0: G1,G2,...");
  int rc = apply_estimator(s, w);
  if (rc != KH_EXIT_OK) return rc;
  if (s->hw.quantize_bits > 24) return kh_cli_usage("train", "--quantize-bits must be 0..24");
  /* the generated network's bound is the CLI's to name (the library asks for .bounds gmax=) */
  if (s->arch && !isfinite(s->net.gmax) && (s->hw.quantize_bits || s->hw.stuck_rate > 0))
    return kh_cli_usage("train", "--quantize-bits and --stuck-rate need an upper conductance "
                                 "bound: give --gmax");
  if (w->scale && kh_cli_parse_scaling("train", w->scale, &s->scaling)) return KH_EXIT_USAGE;
  /* a preset's pixel scaling stands unless --scale says otherwise (it was reset here, so a
   * preset run on CSV pixels was standardized) */
  if (w->scale) s->scaling_given = 1;
  if (w->sweeps > 100000) return kh_cli_usage("train", "--sweeps must be 0..100000");
  s->train.sweeps = (unsigned)w->sweeps;
  if (!(s->train.layered_tol > 0)) return kh_cli_usage("train", "--layered-tol must be > 0");
  if (!s->data) return kh_cli_usage("train", "--data is required");
  if (!s->arch == !s->netlist && !s->resume)
    return kh_cli_usage("train", "give either --arch or a NETLIST");
  if (w->threads == 0) /* the cores this process may use; one per process under mpirun */
    w->threads = kh_cli_mpi_size() > 1 ? 1 : (size_t)kh_cli_cores();
  if (w->threads < 1 || w->threads > 1024)
    return kh_cli_usage("train", "--threads must be 1..1024");
  s->train.threads = (int)w->threads;
  if (s->resume) {
    const char *fixed = kh_option_given_outside(argc, argv, w->opts, w->nopts, resumable,
                                                sizeof resumable / sizeof resumable[0]);
    if (fixed) {
      char allowed[256] = "";
      for (size_t k = 1; k < sizeof resumable / sizeof resumable[0]; k++) /* [0] is --resume */
        snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                 k == 1 ? "" : ", ", resumable[k]);
      return kh_cli_usage("train",
                          "%s cannot be given with --resume: the run continues with the options "
                          "its trace recorded; only %s apply",
                          fixed, allowed);
    }
    if (!w->epochs_given) s->epochs = 0; /* the trace's own */
  } else if (s->epochs < 1) {
    return kh_cli_usage("train", "--epochs must be >= 1");
  }
  const kh_cli_file files[] = {
      {"--data", s->data, KH_FILE_INPUT},          {"--test", s->test, KH_FILE_INPUT},
      {"NETLIST", s->netlist, KH_FILE_INPUT},      {"--resume", s->resume, KH_FILE_INPUT},
      {"--trace", s->trace, KH_FILE_TRACE},        {"--save-test", s->save_test, KH_FILE_CSV},
      {"--save-net", s->save_net, KH_FILE_NETLIST}};
  if (kh_cli_check_files("train", files, sizeof files / sizeof files[0], w->force))
    return KH_EXIT_USAGE;

  return KH_EXIT_OK;
}

/* The run's opening: under mpirun every process sets up the same run and the first alone
 * writes; all then start from its state (a resumed run's checkpoint, whatever P it was written
 * with). Sets *own to the status of this process's own part. */
static kh_status open_run(kh_context *ctx, kh_run_options *s, int distributed, kh_run **r,
                          kh_status *own) {
  int processes = distributed ? kh_cli_mpi_size() : 1;
  s->writer = !distributed || kh_cli_mpi_rank() == 0, s->mpi_size = processes;
  kh_status st = *own = kh_run_open(ctx, r, s);
  st = agree(ctx, st, distributed);
  if (st == KH_OK && s->writer && kh_run_warning(*r))
    fprintf(stderr, "kirchhoff train: warning: %s\n", kh_run_warning(*r));
  if (st == KH_OK && processes > 1 && kh_run_trainer(*r)) {
    kh_partition part;
    kh_cli_mpi_partition(&part);
    *own = st = kh_trainer_set_partition(ctx, kh_run_trainer(*r), &part);
    st = agree(ctx, st, distributed);
    if (st == KH_OK) *own = st = kh_cli_mpi_share_state(ctx, kh_run_trainer(*r));
  }
  return st;
}

/* One epoch: trained and tested, its trace row written whole (an interruption waits for it),
 * then printed. */
static kh_status epoch_of(kh_context *ctx, kh_run *r, const kh_run_options *s, int quiet,
                          int distributed, kh_status *own, kh_run_epoch *e) {
  size_t next, last;
  kh_run_epochs(r, &next, &last, NULL);
  int first = s->writer, tty = first && isatty(STDERR_FILENO);
  char when[64];
  snprintf(when, sizeof when, "in epoch %zu", next);
  if (first) say_saved(s, next - 1, when);
  epoch_line line = {next, last, -1};
  if (tty && !quiet) {
    show_epoch_progress(&line, 0, 1);
    kh_trainer_set_progress(kh_run_trainer(r), show_epoch_progress, &line);
  }
  double sent = kh_cli_mpi_bytes();
  kh_status st = *own = kh_run_train_epoch(ctx, r, e);
  kh_trainer_set_progress(kh_run_trainer(r), NULL, NULL); /* line lives in this call only */
  if (first) kh_cli_interrupt_hold(1); /* the epoch's trace write finishes whole */
  if (st == KH_OK) *own = st = kh_run_record(ctx, r, e);
  snprintf(when, sizeof when, "after epoch %zu", next);
  if (first) say_saved(s, st == KH_OK ? next : next - 1, when), kh_cli_interrupt_hold(0);
  st = agree(ctx, st, distributed); /* a failed trace write stops every process */
  if (st == KH_OK && !quiet)
    progress(e->epoch, last, &e->report, e->test_loss, e->test_error, e->test_seconds, tty);
  if (st == KH_OK && !quiet && distributed && kh_cli_mpi_size() > 1)
    printf("          mpi: %d processes, %.3g MB reduced per process\n", kh_cli_mpi_size(),
           (kh_cli_mpi_bytes() - sent) / 1e6);
  return st;
}

/* Trains, printing as it goes (nothing when quiet or silent, and only the first process). */
static int run(kh_context *ctx, kh_run_options *s, int quiet, int flags, double *final_error) {
  int distributed = flags & KH_TRAIN_DISTRIBUTED, silent = flags & KH_TRAIN_SILENT;
  kh_run *r = NULL;
  kh_status own, st = open_run(ctx, s, distributed, &r, &own);
  int first = s->writer;
  if (!first || silent) quiet = 1;
  size_t next = 1, last = 0;
  double test_error = NAN;
  if (st == KH_OK) kh_run_epochs(r, &next, &last, &test_error);
  if (st == KH_OK && next > last && first && !silent)
    printf("nothing left to train: %s holds %zu epochs, the run ends at %zu (--epochs N goes on "
           "to N); its last test accuracy: %.2f %%\n",
           s->resume, next - 1, last, 100 * (1 - test_error));
  else if (st == KH_OK && !quiet)
    kh_run_describe_data(r, stdout);
  int training = st == KH_OK && next <= last;
  if (training && first) kh_cli_interrupt_arm();
  for (; st == KH_OK && next <= last; next++) {
    kh_run_epoch e;
    st = epoch_of(ctx, r, s, quiet, distributed, &own, &e);
    test_error = e.test_error;
  }
  if (training && first) kh_cli_interrupt_disarm();
  if (st == KH_OK && training && first && !silent)
    printf("test accuracy: %.2f %% (%zu test samples, %s)\n", 100 * (1 - test_error),
           kh_dataset_count(kh_run_test_set(r)), kh_run_test_source(r));
  if (final_error) *final_error = test_error;
  kh_run_free(r);
  /* each failure is reported once, by the process it happened in; a circuit the solver refuses
   * is the netlist's, or the trace's, or the network --arch generated */
  char generated[256];
  snprintf(generated, sizeof generated, "the network --arch %s generated", s->arch ? s->arch : "");
  const char *inputs[] = {s->resume    ? s->resume
                          : s->netlist ? s->netlist
                                       : generated,
                          s->data, s->test, s->resume};
  return st == KH_OK             ? KH_EXIT_OK
         : own != KH_OK || first ? kh_cli_report_in(ctx, st, inputs, 4)
                                 : kh_status_exit_code(st);
}

int kh_cli_train(int argc, char **argv, int flags, double *final_test_error) {
  kh_run_options s;
  kh_run_options_init(&s);
  train_words w;
  int rc = read_words(argc, argv, &s, &w);
  if (rc == KH_EXIT_OK) rc = apply_words(argc, argv, &s, &w);
  if (rc != KH_EXIT_OK) return rc;
  char command[4096];
  size_t used = (size_t)snprintf(command, sizeof command, "kirchhoff");
  for (int i = 0; i < argc && used < sizeof command; i++)
    used += (size_t)snprintf(command + used, sizeof command - used, " %s", argv[i]);
  s.command = command;
  if (s.netlist) s.compat = kh_cli_compat_mode(); /* as ngspice on this machine reads it */
  if (s.netlist && !w.quiet && !(flags & KH_TRAIN_SILENT)) kh_cli_note_compat_mode();
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  rc = run(ctx, &s, w.quiet, flags, final_test_error);
  kh_context_free(ctx);
  return rc;
}
