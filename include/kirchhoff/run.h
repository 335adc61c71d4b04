/* A training run as `kirchhoff train` does it, for any program: the data policy (the sets, the
 * held-out split and the scaling, kh_data_load), the network (generated from an architecture, or
 * a netlist), the trainer with its device model, and the trace (new, or resumed from one), then
 * epoch after epoch with a callback that can stop. The CLI is its option parsing and printing.
 * docs/api.md shows it in use (examples/c/train_arrays.c). */
#ifndef KIRCHHOFF_RUN_H
#define KIRCHHOFF_RUN_H

#include "kirchhoff/dataset.h"
#include "kirchhoff/hw.h"
#include "kirchhoff/netgen.h"
#include "kirchhoff/netlist.h"
#include "kirchhoff/status.h"
#include "kirchhoff/train.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The first line of the CSV files kirchhoff writes (a comment its CSV reader skips). */
#define KH_CSV_SIGNATURE "# kirchhoff "

/* trace_grad's default: 16 samples, or none with the layered backend (the check solves them on
 * the native backend) */
#define KH_RUN_TRACE_GRAD_DEFAULT ((size_t)-1)

typedef struct {
  /* the network: `arch` ("64-64-10", generated with `net`) or `netlist` (a path); neither with
   * `resume` (the trace holds it) */
  const char *arch, *netlist;
  kh_compat compat;      /* how ngspice's start-up file has `netlist` read (its own mode: 0) */
  kh_netgen_options net; /* its seed is the training seed */
  /* the data: `data` and `test` (paths, kh_data_policy), or sets in memory in their place: the
   * run takes `train_data` and `test_data` over (scales and frees them); without `test_data` it
   * holds a seeded 20 % of `train_data` out, as it does for a CSV file */
  const char *data, *test;
  kh_dataset *train_data, *test_data;
  kh_scaling scaling; /* when scaling_given; else pixels for IDX images, standardize otherwise */
  int scaling_given;
  kh_train_options train;
  kh_hw_options hw;   /* a device model, when it has one (bits, noise, stuck devices, spread) */
  int hw_aware;       /* train on the device's conductances (straight-through) */
  size_t epochs;      /* the last epoch (a resumed run: 0 keeps the trace's own) */
  size_t trace_grad;  /* per epoch, the estimator against the exact gradient on this many samples */
  const char *trace;  /* an HDF5 trace to write (NULL: none) */
  const char *resume; /* a trace to continue from its last epoch, on the same data (checked) */
  const char *save_net, *save_test; /* the generated netlist, the test set as read (CSV) */
  const char *command;              /* recorded in the trace */
  int writer;                       /* 0: write no file (every process but the first under MPI) */
  int mpi_size;                     /* recorded in the trace */
  /* only the data (when given) and the network: no trainer, no trace (kirchhoff grad) */
  int network_only;
} kh_run_options;
KH_API void kh_run_options_init(kh_run_options *o);
/* `kirchhoff train --preset NAME`: Scellier 2024's MNIST networks with the reference code's
 * hyperparameters ("drn-xs", "drn-1h", "drn-2h"; docs/layered.md): sets the architecture, the
 * layered backend, SGD with per-layer rates, batch 4, centered EP at beta 1, the sweeps, input
 * gain, epochs and pixel scaling in o; set other fields after it to override. Unknown names are
 * KH_ERR_USAGE. */
KH_API kh_status kh_run_preset(kh_context *ctx, kh_run_options *o, const char *name);
KH_API const char *const *kh_run_preset_names(size_t *count);

typedef struct kh_run kh_run;

/* Sets the run up. The files it writes besides the trace (save_net, save_test) appear only
 * when all of it succeeded. On failure *out is NULL and the options' datasets are freed. */
KH_API kh_status kh_run_open(kh_context *ctx, kh_run **out, kh_run_options *o);
KH_API void kh_run_free(kh_run *r);

/* One epoch's outcome. */
typedef struct {
  size_t epoch;
  kh_epoch_report report;
  double test_loss, test_error, test_seconds;
} kh_run_epoch;

/* Trains the next epoch and evaluates the test set; then kh_run_record traces it (kept apart so
 * that a caller can make the trace write uninterruptible). */
KH_API kh_status kh_run_train_epoch(kh_context *ctx, kh_run *r, kh_run_epoch *out);
KH_API kh_status kh_run_record(kh_context *ctx, kh_run *r, const kh_run_epoch *e);
/* Called after each recorded epoch; a nonzero return stops the run after it. */
typedef int (*kh_run_epoch_fn)(void *user, const kh_run_epoch *e);
/* Every epoch left (train, test, record, callback); stops early when `fn` says so. */
KH_API kh_status kh_run_all(kh_context *ctx, kh_run *r, kh_run_epoch_fn fn, void *user);

KH_API kh_trainer *kh_run_trainer(const kh_run *r); /* NULL when nothing is left to train */
KH_API const kh_netlist *kh_run_netlist(const kh_run *r);
KH_API const kh_dataset *kh_run_train_set(const kh_run *r); /* scaled */
KH_API const kh_dataset *kh_run_test_set(const kh_run *r);
/* The next epoch to train and the last one; a resumed run that already has its epochs has
 * next > last, and its last test error in *resumed_error (else NAN). */
KH_API void kh_run_epochs(const kh_run *r, size_t *next, size_t *last, double *resumed_error);
/* Where the test set came from, in words ("from the test file", "the folder's t10k set", "a
 * seeded 20 % held out"). */
KH_API const char *kh_run_test_source(const kh_run *r);
/* A warning the run has for its user (NULL: none), e.g. a resumed trace too old to check the
 * data against. */
KH_API const char *kh_run_warning(const kh_run *r);
/* One line on the data: samples, features, classes, the split and the scaling. */
KH_API void kh_run_describe_data(const kh_run *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
