/* How a trainer runs its phases and updates (private to learning/): the trainer shuffles, cuts
 * the epoch into minibatches, reports progress, decays the rates, keeps the parameters and the
 * device model, and calls one of these engines for each minibatch's phases and update, never
 * asking which one it has.
 *   kh_engine_sparse  (train.c): any circuit; each sample of a minibatch solved on one of the
 *                     worker models (OpenMP), gradients summed in sample order, one optimizer
 *                     step per minibatch;
 *   kh_engine_layered (layered_train.c): layered networks; whole minibatches per phase, the
 *                     update fused into one pass per conductance matrix.
 * A new engine is one more table. */
#ifndef KH_LEARNING_ENGINE_H
#define KH_LEARNING_ENGINE_H

#include "partition.h"

#include "kirchhoff/train.h"

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
  void (*begin_epoch)(void *impl);
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

extern const kh_engine_ops kh_engine_sparse;
extern const kh_engine_ops kh_engine_layered;

#endif
