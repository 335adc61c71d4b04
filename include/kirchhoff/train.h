/* Training a model's parameters with equilibrium propagation (docs/training.md). */
#ifndef KIRCHHOFF_TRAIN_H
#define KIRCHHOFF_TRAIN_H
#include "kirchhoff/dataset.h"
#include "kirchhoff/layered.h"
#include "kirchhoff/model.h"
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
enum { KH_MAX_LAYER_RATES = 16 };
typedef enum { KH_OPT_SGD, KH_OPT_MOMENTUM, KH_OPT_ADAM } kh_optimizer_kind;
/* What solves the training phases: the native backend (kirchhoff's sparse solver), one sample at a
 * time (any circuit), or the layered backend, a whole minibatch at once (layered circuits;
 * docs/layered.md). */
typedef enum { KH_BACKEND_NATIVE, KH_BACKEND_LAYERED } kh_backend;
/* What read noise is relative to (kh_read_noise_volts): the median over the training samples of
 * each sample's RMS input voltage (input gain included: one outlier sample cannot inflate it),
 * or the largest input-voltage magnitude over the training set (the meaning before the median;
 * a trace that does not record the reference ran with it). */
typedef enum { KH_NOISE_MEDIAN_RMS, KH_NOISE_LARGEST } kh_noise_reference;
typedef struct {
  unsigned version;
  size_t batch;                  /* samples per update (default 8) */
  double beta;                   /* nudge strength (default 0.1) */
  kh_estimator estimator;        /* default centered */
  kh_optimizer_kind optimizer;   /* default adam */
  double lr[KH_MAX_LAYER_RATES]; /* learning rate per layer; lr_count = 1: one for all */
  size_t lr_count;
  double momentum;              /* momentum and Adam's beta1 (default 0.9) */
  double lr_decay;              /* learning rates times this after every epoch (default 0.9) */
  double target_on, target_off; /* output target voltages for the right class and the others */
  uint64_t seed;
  int threads;                 /* workers over the samples of a batch (default 1) */
  unsigned holomorphic_points; /* N of the holomorphic estimator (default 4) */
  /* read noise: every measured node voltage of every training phase (the nodes the circuit
   * solves for: sources set the others) gets Gaussian noise of standard deviation
   * read_noise * V_ref (read_noise_reference: V_ref the median RMS input voltage by default), or
   * read_noise_volts volts; 0 (default): none. Each reading is the mean of read_samples draws
   * (default 1), as hardware averages repeated readings. kh_read_noise_volts gives the sigma. */
  double read_noise;
  int beta_relative; /* beta is a fraction of each sample's nudge radius
                        (kh_model_set_beta_relative) */
  /* Hardware update rules for conductances (docs/hardware.md): sign_updates = 1 moves each by
   * lr in the direction its update asks (a programming pulse, decided locally from the device's
   * own two phases); soft_bounds = 1 scales increases by (gmax - g)/(gmax - gmin) and decreases
   * by depression * (g - gmin)/(gmax - gmin), as memristive devices saturate. */
  int sign_updates, soft_bounds;
  double depression;
  double pulse; /* > 0: updates become whole numbers of pulses of this size (siemens), rounded */
  /* The layered backend (needs a layered circuit, SGD (with momentum: centered, plus, minus,
   * holomorphic or coupled estimators only), the centered, plus, minus, holomorphic, coupled,
   * spsa, node-perturbation, exact, first-order, rbp, cg, cg-jacobi, phantom or itd estimator,
   * and no device model): */
  kh_backend backend;     /* default native */
  kh_precision precision; /* working precision (default double) */
  /* sweeps per phase; 0 (default): sweep until the largest change of a sweep is below
   * layered_tol times the largest input voltage (default 1e-9) */
  unsigned sweeps;
  double layered_tol;
  size_t samples; /* > 0: epochs use only the first `samples` training samples (default 0: all) */
  /* the oscillating estimator (model.h: kh_model_set_oscillation) */
  kh_oscillation oscillation;
  unsigned osc_harmonics; /* default 3 */
  /* where the holomorphic estimator's points lie (model.h; default the circle); on the slit
   * contour, beta is rho in (0, 1) */
  kh_contour holomorphic_contour;
  unsigned
      adjoint_iterations; /* k of the rbp, cg, phantom and (warm) itd estimators (default 10) */
  double damping;         /* the phantom gradient's (default 1) */
  /* inexact phases (kh_model_set_inner): relaxation sweeps per phase (with inner_tol > 0: the
   * most), 0 (default): exact; the error bound they stop at (V, default 0: none); and where the
   * nudged ones start (default the free state) */
  size_t inner;
  double inner_tol;
  kh_inner_start inner_start;
  kh_noise_reference read_noise_reference;
  double read_noise_volts;
  unsigned read_samples;
  double eta; /* coupled learning's clamp, o + eta (y - o), in (0, 1] (default 0.1; 1: hard) */
  /* the perturbation rules' relative step sigma (default 0.01) and, for wp and spsa, the
   * perturbations per sample (default 1: with the free phase three settled states, as centered
   * EP reads) */
  double perturbation;
  unsigned perturbations;
} kh_train_options;
#define KH_TRAIN_OPTIONS_VERSION 1
/* The options that are one value each, in one table: X(field, trace name, kind, default, since).
 * It generates KH_TRAIN_OPTIONS_INIT's defaults, the trace's /config attributes (written and
 * read back by learning/, docs/traces.md) and every name<->enum conversion
 * (kh_train_option_names). kind: DOUBLE, SIZE, UNSIGNED, INT, U64, or ENUM (an enum whose values
 * are 0, 1, ... in the order of its names). since: FIRST (traced from the first version: a trace
 * without it is refused) or LATER (a trace that predates it gets the default). */
#define KH_TRAIN_OPTIONS_TABLE(X)                                                                  \
  X(batch, "batch", SIZE, 8, FIRST)                                                                \
  X(beta, "beta", DOUBLE, 0.1, FIRST)                                                              \
  X(estimator, "estimator", ENUM, KH_EST_CENTERED, FIRST)                                          \
  X(optimizer, "optimizer", ENUM, KH_OPT_ADAM, FIRST)                                              \
  X(momentum, "momentum", DOUBLE, 0.9, FIRST)                                                      \
  X(lr_decay, "lr_decay", DOUBLE, 0.9, FIRST)                                                      \
  X(target_on, "target_on", DOUBLE, 1.0, FIRST)                                                    \
  X(target_off, "target_off", DOUBLE, 0.0, FIRST)                                                  \
  X(seed, "seed", U64, 1, FIRST)                                                                   \
  X(threads, "threads", INT, 1, FIRST)                                                             \
  X(holomorphic_points, "holomorphic_points", UNSIGNED, 4, LATER)                                  \
  X(read_noise, "read_noise", DOUBLE, 0.0, LATER)                                                  \
  X(beta_relative, "beta_relative", INT, 0, LATER)                                                 \
  X(sign_updates, "sign_updates", INT, 0, LATER)                                                   \
  X(soft_bounds, "soft_bounds", INT, 0, LATER)                                                     \
  X(depression, "depression", DOUBLE, 1.0, LATER)                                                  \
  X(pulse, "pulse", DOUBLE, 0.0, LATER)                                                            \
  X(backend, "backend", ENUM, KH_BACKEND_NATIVE, LATER)                                            \
  X(precision, "precision", ENUM, KH_PRECISION_DOUBLE, LATER)                                      \
  X(sweeps, "sweeps", UNSIGNED, 0, LATER)                                                          \
  X(layered_tol, "layered_tol", DOUBLE, 1e-9, LATER)                                               \
  X(samples, "samples", SIZE, 0, LATER)                                                            \
  X(osc_harmonics, "osc_harmonics", UNSIGNED, 3, LATER)                                            \
  X(holomorphic_contour, "holomorphic_contour", ENUM, KH_CONTOUR_CIRCLE, LATER)                    \
  X(adjoint_iterations, "adjoint_iterations", UNSIGNED, 10, LATER)                                 \
  X(damping, "damping", DOUBLE, 1.0, LATER)                                                        \
  X(inner, "inner", SIZE, 0, LATER)                                                                \
  X(inner_tol, "inner_tol", DOUBLE, 0.0, LATER)                                                    \
  X(inner_start, "inner_start", ENUM, KH_INNER_FROM_FREE, LATER)                                   \
  X(read_noise_reference, "read_noise_reference", ENUM, KH_NOISE_MEDIAN_RMS, LATER)                \
  X(read_noise_volts, "read_noise_volts", DOUBLE, 0.0, LATER)                                      \
  X(read_samples, "read_samples", UNSIGNED, 1, LATER)                                              \
  X(eta, "eta", DOUBLE, 0.1, LATER)                                                                \
  X(perturbation, "perturbation", DOUBLE, 0.01, LATER)                                             \
  X(perturbations, "perturbations", UNSIGNED, 1, LATER)
/* The oscillation's fields, traced the same way; their defaults are KH_OSCILLATION_INIT's. */
#define KH_TRAIN_OPTIONS_NESTED_TABLE(X)                                                           \
  X(oscillation.period, "osc_period", DOUBLE, 0, LATER)                                            \
  X(oscillation.periods, "osc_periods", UNSIGNED, 0, LATER)                                        \
  X(oscillation.settle, "osc_settle", UNSIGNED, 0, LATER)                                          \
  X(oscillation.steps, "osc_steps", UNSIGNED, 0, LATER)                                            \
  X(oscillation.node_capacitance, "osc_node_capacitance", DOUBLE, 0, LATER)
#define KH_TRAIN_OPTION_DEFAULT(field, name, kind, value, since) .field = value,
#define KH_TRAIN_OPTIONS_INIT                                                                      \
  {                                                                                                \
    .version = KH_TRAIN_OPTIONS_VERSION,                                                           \
    KH_TRAIN_OPTIONS_TABLE(KH_TRAIN_OPTION_DEFAULT).lr = {0.01}, .lr_count = 1,                    \
    .oscillation = KH_OSCILLATION_INIT                                                             \
  }
/* The defaults, for code that cannot use the macro. */
KH_API void kh_train_options_init(kh_train_options *o);
/* The read noise's standard deviation in volts for a run on training set `train` whose input
 * gain is `gain`, into *sigma: o->read_noise_volts when > 0, else o->read_noise times the
 * reference voltage (read_noise_reference) over train. A run that gives both is refused by the
 * trainer. */
KH_API kh_status kh_read_noise_volts(kh_context *ctx, const kh_train_options *o,
                                     const kh_dataset *train, double gain, double *sigma);
/* The holomorphic estimator's defaults as `kirchhoff train` applies them (docs/training.md): the
 * slit contour with read noise (its points reach past the outputs' radius R, which divides the
 * noise by 2 R instead of the circle's R / 4), the circle without; the nudge rho = 0.5 on the
 * slit, a quarter of the radius (beta_relative) on the circle. What the caller chose
 * (contour_given, beta_given) is kept; other estimators get the contour only. */
KH_API void kh_train_options_holomorphic_defaults(kh_train_options *o, int contour_given,
                                                  int beta_given);
/* An ENUM option's names, by its field name ("optimizer": "sgd", "momentum", "adam", in the
 * enum's order): NULL and *count 0 for anything else. */
KH_API const char *const *kh_train_option_names(const char *field, size_t *count);
/* The value an ENUM option's name stands for: one of kh_train_option_names, a short form
 * ("holo") or a name an earlier version used ("sparse" for the native backend); -1 otherwise. */
KH_API int kh_train_option_value(const char *field, const char *name);
typedef struct kh_trainer kh_trainer;
typedef struct {
  size_t epoch;                   /* 1-based, of the epoch just finished */
  double train_loss, train_error; /* means over the epoch's samples, measured in their free phase */
  double seconds;
  unsigned long newton_iterations, solves;
  double max_relative_residual;         /* worst KCL certificate of the epoch's solves (layered
                                         * backend: the KKT residual of the last batch's free phase) */
  unsigned long sweeps;                 /* layered backend: sweeps, per sample and phase */
  double phase_seconds, update_seconds; /* layered backend: time in the phases, in the updates */
  unsigned long holomorphic_frozen;     /* samples whose clamps would switch within |beta| (the
                                         * holomorphic estimator continued their active set) */
  unsigned long beta_narrowed;          /* samples nudged at half their radius: -beta went past
                                         * their outputs' conductance (kh_grad_info.narrowed),
                                         * or, holomorphic on the layered backend, the circle
                                         * reached the batch's radius bound (docs/layered.md) */
} kh_epoch_report;
/* The trainer keeps its own models (one per thread) built from nl, which must outlive it. */
KH_API kh_status kh_trainer_new(kh_context *ctx, kh_trainer **out, const kh_netlist *nl,
                                const kh_train_options *o, const kh_dataset *train);
KH_API void kh_trainer_free(kh_trainer *t);
KH_API kh_model *
kh_trainer_model(kh_trainer *t); /* the first worker's model: holds the parameters */
/* One pass over the training set in a seeded random order. */
KH_API kh_status kh_trainer_epoch(kh_context *ctx, kh_trainer *t, kh_epoch_report *report);
/* Called after every minibatch of kh_trainer_epoch, on the calling thread, with the samples done
 * so far and the epoch's total (this process's count of the whole batches, under a partition):
 * for a progress display within long epochs. fn NULL: none. An epoch runs to its end either way
 * (stopping between epochs keeps a run resumable). */
typedef void (*kh_progress_fn)(void *user, size_t done, size_t total);
KH_API void kh_trainer_set_progress(kh_trainer *t, kh_progress_fn fn, void *user);
/* Data-parallel training over several processes (docs/scaling.md): each minibatch and each
 * evaluated data set is split into `size` contiguous shares, this process solves share `rank`,
 * and `sum` adds the partial sums across the processes (in place, every process getting the
 * same result: kirchhoff's CLI passes MPI_Allreduce; the library itself has no MPI). `max`
 * likewise. `gather` concatenates every process's `mine` (bytes[p] bytes from process p) into
 * `all`, in process order, on every process (MPI_Allgatherv): the layered backend exchanges its
 * phases' node voltages, from which every process forms the whole batch's update. Every process
 * must run the same trainer from the same state; the result then equals the one-process result
 * up to the order of floating-point additions (native backend) or of the sweeps' products
 * (layered backend). */
typedef struct {
  int rank, size;
  kh_status (*sum)(void *state, double *values, size_t count);
  kh_status (*max)(void *state, double *values, size_t count);
  kh_status (*gather)(void *state, const void *mine, void *all, const size_t *bytes);
  void *state;
} kh_partition;
KH_API kh_status kh_trainer_set_partition(kh_context *ctx, kh_trainer *t, const kh_partition *p);
/* How a trainer runs each minibatch's phases and its update: an engine. The trainer shuffles,
 * cuts the epoch into minibatches, reports progress, decays the learning rates and keeps the
 * parameters, the device model and the checkpoints; kirchhoff's own engines are the native one
 * (each sample solved on a worker model) and the layered one (whole minibatches at once). A
 * program adds its own with kh_trainer_set_engine; impl is its state. */
typedef struct {
  const char *name;
  /* 1 when the phases can run on a device model's conductances (kh_trainer_set_device) */
  int device_models;
  /* the parameters the next epoch or evaluation starts from */
  kh_status (*set_params)(kh_context *ctx, void *impl, const double *theta);
  /* this process's share of every minibatch (data-parallel training) */
  kh_status (*set_partition)(kh_context *ctx, void *impl, const kh_partition *p);
  /* An epoch, as the trainer runs it: begin_epoch, then minibatch for each minibatch of the
   * shuffled samples, then end_epoch (always, also after a failure, with its status). */
  void (*begin_epoch)(void *impl, size_t epoch); /* 1-based: what per-epoch draws seed from */
  /* Samples batch[0..count) of d, every process's (the engine takes its own share): the phases
   * and the parameter update, learning rates times lr_scale, and the epoch's sums. next[0..
   * next_count) is the minibatch after it (0: none), for an engine that prepares it during the
   * update. */
  kh_status (*minibatch)(kh_context *ctx, void *impl, const kh_dataset *d, const size_t *batch,
                         size_t count, const size_t *next, size_t next_count, double lr_scale);
  /* The epoch's sums over its n samples into r (loss, error, solver counts; epoch and seconds
   * are the trainer's), combined across processes, and the parameters after it into theta;
   * `failed` is the first minibatch's failure (then nothing is combined, and it is returned). */
  kh_status (*end_epoch)(kh_context *ctx, void *impl, kh_status failed, size_t n, double *theta,
                         kh_epoch_report *r);
  /* Mean loss and error over d's free phases, every process's share combined. */
  kh_status (*evaluate)(kh_context *ctx, void *impl, const kh_dataset *d, double *loss,
                        double *error);
  void (*destroy)(void *impl); /* may be NULL */
} kh_engine_ops;
/* Hands the trainer's minibatches to `ops` from the next epoch on: the engine first gets the
 * present parameters and partition (set_params, set_partition), then every epoch and evaluation.
 * The trainer frees the engine it replaces (its destroy), and this one when it is freed or
 * replaced. On failure nothing changes and the caller keeps impl. */
KH_API kh_status kh_trainer_set_engine(kh_context *ctx, kh_trainer *t, const kh_engine_ops *ops,
                                       void *impl);
/* Whether d fits the network: its features are the inputs, its classes at most the outputs
 * (an error naming d otherwise). Evaluation checks this too; callers check before writing. */
KH_API kh_status kh_trainer_check_data(kh_context *ctx, const kh_trainer *t, const kh_dataset *d);
/* Mean loss and error fraction over d (free phases only). */
KH_API kh_status kh_trainer_evaluate(kh_context *ctx, kh_trainer *t, const kh_dataset *d,
                                     double *loss, double *error);
/* A device model (hw/ implements one): fills device[i] with what the hardware holds for the
 * requested parameters theta (conductances and currents, .train order); `write` counts the
 * calls, so that per-write noise is reproducible. */
typedef void (*kh_device_map)(void *state, const kh_model *m, const double *theta, double *device,
                              uint64_t write);
/* hardware_aware = 1: training phases see the device too; evaluation always does. destroy (may
 * be NULL) is called with state when the trainer is freed or another device replaces it, so
 * the state can be allocated any way its owner likes. */
typedef void (*kh_device_destroy)(void *state);
KH_API void kh_trainer_set_device(kh_trainer *t, kh_device_map map, void *state,
                                  kh_device_destroy destroy, int hardware_aware);
/* Target vector of a class (kh_model_output_count values). */
KH_API void kh_trainer_target(const kh_trainer *t, unsigned label, double *target);
/* Everything a bitwise resume needs, as flat arrays (sizes from kh_trainer_state_sizes):
 * parameters, optimizer moments, and the random-number state and counters. */
typedef struct {
  size_t epoch, step;
  uint64_t rng[4];
  double lr_scale;
  double *theta, *moment1, *moment2; /* param_count each */
  uint64_t device_writes;            /* writes the device model has seen (hw.h; 0: none) */
} kh_trainer_state;
KH_API void kh_trainer_get_state(const kh_trainer *t, kh_trainer_state *s); /* pointers into t */
KH_API kh_status kh_trainer_set_state(kh_context *ctx, kh_trainer *t, const kh_trainer_state *s);
#ifdef __cplusplus
}
#endif
#endif
