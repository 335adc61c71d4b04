/* HDF5 traces of training runs (layout: docs/traces.md). The file is opened, appended to and
 * closed at every epoch end, so between epochs it is a complete HDF5 file that h5py can read
 * (even while the run goes on), and a run killed mid-epoch loses only that epoch. */
#ifndef KIRCHHOFF_TRACE_H
#define KIRCHHOFF_TRACE_H
#include "kirchhoff/hw.h"
#include "kirchhoff/train.h"
#ifdef __cplusplus
extern "C" {
#endif
typedef struct kh_trace kh_trace;
typedef struct {
  const char *netlist_text; /* the network as trained (before training) */
  const char *command;      /* the command line (NULL: "") */
  const char *data, *test;  /* data paths, or what the data was (NULL: "") */
  const kh_train_options *options;
  size_t epochs;           /* planned */
  const kh_scaler *scaler; /* feature scaling fitted on the training set (NULL: none) */
  int mpi_size;            /* processes that trained (mpirun -np); 0 means 1 */
  /* the data the run trains and tests on, after any hold-out split (kh_dataset_fingerprint):
   * --resume refuses other data */
  uint64_t train_fingerprint, test_fingerprint;
  size_t train_samples, test_samples;
  /* the device model the run trained with (NULL: none), and whether training saw its
   * conductances: traced so that --resume continues it exactly */
  const kh_hw_options *hw;
  int hw_aware;
} kh_trace_config;
typedef struct {
  const kh_epoch_report *report;
  double test_loss, test_error, beta;
  /* estimator vs exact gradient on a fixed probe of training samples, per layer (may be NULL) */
  const double *grad_cosine, *grad_relative_error;
  size_t grad_layers;
} kh_trace_epoch;
/* Creates (replaces) the trace: /config and the initial parameters (row 0 of the /params datasets).
 */
KH_API kh_status kh_trace_create(kh_context *ctx, kh_trace **out, const char *path,
                                 const kh_trace_config *cfg, kh_trainer *t);
/* Appends one epoch: metrics, parameters and the checkpoint; then closes the file again. */
KH_API kh_status kh_trace_append(kh_context *ctx, kh_trace *tr, kh_trainer *t,
                                 const kh_trace_epoch *e);
/* Reads a trace's netlist text and options back (the caller frees *netlist_text with free()).
 * epochs_done: the last complete epoch. */
KH_API kh_status kh_trace_read_config(kh_context *ctx, const char *path, char **netlist_text,
                                      kh_train_options *options, size_t *epochs_planned,
                                      size_t *epochs_done);
/* What a trace says about the run's data and command line (kh_trace_read_run). */
typedef struct {
  int has_fingerprints; /* 0: a trace written before kirchhoff recorded them */
  uint64_t train_fingerprint, test_fingerprint;
  size_t train_samples, test_samples;
  char *command; /* the command line that started the run (malloc'ed; "" when absent) */
  int has_hw;    /* 1: the run traced its device model (hw, hw_aware; seed is the run's) */
  kh_hw_options hw;
  int hw_aware;
} kh_trace_run;
KH_API kh_status kh_trace_read_run(kh_context *ctx, const char *path, kh_trace_run *out);
KH_API void kh_trace_run_release(kh_trace_run *r);
/* Opens an existing trace for appending and restores the trainer from its checkpoint. */
KH_API kh_status kh_trace_resume(kh_context *ctx, kh_trace **out, const char *path, kh_trainer *t);
KH_API void kh_trace_free(kh_trace *tr);
/* What `kirchhoff export` needs from a trace: the network, the parameters after one epoch (in
 * .train order, conductances and currents apart) and the feature scaling. */
typedef struct {
  char *netlist_text;
  size_t epoch;       /* the epoch read (0: before training) */
  double *g, *i_bias; /* /params/g and /params/i_bias at that epoch */
  size_t n_g, n_i;
  kh_scaling scaling;
  double *mean, *inv_std; /* standardize only */
  size_t features;
  double test_error; /* /metrics/test_error of that epoch (NaN for epoch 0) */
} kh_trace_snapshot;
/* A run's learning curves, one value per epoch done (index e - 1 for epoch e): the means over
 * the epoch's training samples (free phase), the test set's after the epoch, the epoch's
 * seconds and the nudge strength it used. Arrays are malloc'ed (kh_trace_metrics_release). */
typedef struct {
  size_t epochs;
  double *train_loss, *train_error, *test_loss, *test_error, *seconds, *beta;
} kh_trace_metrics;
KH_API kh_status kh_trace_read_metrics(kh_context *ctx, const char *path, kh_trace_metrics *out);
KH_API void kh_trace_metrics_release(kh_trace_metrics *m);

/* 1 when path is an HDF5 file with the /config group and version kirchhoff train writes. */
KH_API int kh_trace_recognize(const char *path);
/* epoch < 0: the last one. */
KH_API kh_status kh_trace_read_snapshot(kh_context *ctx, const char *path, long epoch,
                                        kh_trace_snapshot *s);
KH_API void kh_trace_snapshot_release(kh_trace_snapshot *s);
/* `kirchhoff export`: the network of `trace` with the parameters of `epoch` (< 0: the last; 0:
 * before training) as a netlist the ngspice program runs unchanged and kirchhoff reads back as
 * the same circuit (kh_netlist_export, docs/export.md), written to path through PATH.kh-tmp,
 * renamed into place only when complete. hw (or NULL): a device model whose conductances are
 * written instead of the trained ones (kh_hw_map, the same model and seed as training). */
KH_API kh_status kh_trace_export(kh_context *ctx, const char *trace, long epoch,
                                 const kh_hw_options *hw, const char *path);
#ifdef __cplusplus
}
#endif
#endif
