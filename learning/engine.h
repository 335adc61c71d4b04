/* How a trainer runs its phases and updates (private to learning/): the trainer shuffles,
 * decays the rates, keeps the parameters and the device model, and calls one of these engines
 * for the rest, never asking which one it has.
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
  /* One epoch over the samples order[0..n) of d, learning rates times lr_scale; theta gets the
   * parameters after it; r its loss, error and solver counts (epoch and seconds: the trainer).
   * progress (may be NULL) after every minibatch: samples done, n. */
  kh_status (*epoch)(kh_context *ctx, void *impl, const kh_dataset *d, const size_t *order,
                     size_t n, double lr_scale, double *theta, kh_epoch_report *r,
                     kh_progress_fn progress, void *user);
  /* Mean loss and error over d's free phases, every process's share combined. */
  kh_status (*evaluate)(kh_context *ctx, void *impl, const kh_dataset *d, double *loss,
                        double *error);
  void (*destroy)(void *impl); /* may be NULL */
} kh_engine_ops;

extern const kh_engine_ops kh_engine_sparse;
extern const kh_engine_ops kh_engine_layered;

#endif
