/* What `kirchhoff train` (and `grad`) set up before the first epoch: data sets and their scaling,
 * the network (generated or parsed), the trainer, and the trace (new or resumed). */
#ifndef KH_CLI_SETUP_H
#define KH_CLI_SETUP_H

#include "kirchhoff/kirchhoff.h"
#include "kirchhoff/trace.h"
#include "options.h"

#include <stdio.h>

typedef struct {
  /* options */
  const char *arch, *netlist, *data, *test, *trace, *resume, *save_net, *save_test, *command;
  kh_netgen_options net;
  kh_train_options train;
  kh_scaling scaling; /* used when scaling_given; else pixels for IDX, standardize for CSV */
  int scaling_given, epochs_given, quiet, force;
  size_t epochs, threads;
  /* training samples of the per-epoch gradient check in the trace (0: none); default 16, or 0
   * with the layered backend (the check solves them on the sparse backend) */
  size_t trace_grad;
  int trace_grad_given;
  kh_hw_options hw; /* device model (bits, noise, stuck devices) */
  int hw_aware;
  /* 0 on every process but the first under mpirun: it writes no trace or files */
  int writer;
  int mpi_size; /* recorded in the trace */
  /* state */
  kh_dataset *train_set, *test_set;
  kh_scaler scaler;
  char *netlist_text;
  kh_netlist *nl;
  kh_trainer *trainer;
  kh_trace *tracer;
  size_t first_epoch;
  /* --resume of a run that already has its epochs: no trainer is set up; the trace's last
   * test error is reported */
  int nothing_left;
  double resumed_test_error;
  const char *test_note;
  int held_out;                                 /* the test set was split off the training data */
  char save_test_tmp[4096], save_net_tmp[4096]; /* written, renamed when the setup succeeds */
} kh_train_setup;

/* The oscillating estimator's options, shared by train and grad. */
typedef struct {
  double period, node_capacitance;
  size_t periods, settle, steps, harmonics;
} kh_cli_oscillation;
#define KH_CLI_OSCILLATION_HELP                                                                    \
  "  --period T          oscillating estimator: period of the nudge (s, default 1e-6)\n"           \
  "  --periods M         periods measured (default 4), after --settle S (default 1)\n"             \
  "  --steps N           time steps per period (default 64)\n"                                     \
  "  --harmonics H       odd harmonics 1..2H-1 in the Chebyshev estimate (default 3;\n"            \
  "                      1: the first harmonic alone)\n"                                           \
  "  --node-capacitance C  farads from every free node to ground, besides C elements\n"
void kh_cli_oscillation_init(kh_cli_oscillation *o);
/* Appends the 6 options to opts (returns 6). */
size_t kh_cli_oscillation_opts(kh_cli_oscillation *o, kh_opt *opts);
/* Checks and converts; prints a usage error and returns 1 when out of range. */
int kh_cli_oscillation_apply(const char *cmd, const kh_cli_oscillation *in, kh_oscillation *out,
                             unsigned *harmonics);

/* --scale NAME: standardize, pixels or none; another name: a usage error for cmd, returns 1. */
int kh_cli_parse_scaling(const char *cmd, const char *name, kh_scaling *out);
/* --contour NAME: circle or slit; another name: a usage error for cmd, returns 1. */
int kh_cli_parse_contour(const char *cmd, const char *name, kh_contour *out);

void kh_train_setup_init(kh_train_setup *s);
kh_status kh_train_setup_open(kh_context *ctx, kh_train_setup *s);
/* For kirchhoff grad: the data (if --data) and the network only. */
kh_status kh_train_setup_open_network(kh_context *ctx, kh_train_setup *s);
/* One line on what was loaded: samples, features, classes, header, split and scaling. */
void kh_train_setup_describe_data(const kh_train_setup *s, FILE *out);
/* After each epoch: appends to the trace (if any). */
kh_status kh_train_setup_record(kh_context *ctx, kh_train_setup *s, const kh_epoch_report *r,
                                double test_loss, double test_error);
void kh_train_setup_close(kh_train_setup *s);

#endif
