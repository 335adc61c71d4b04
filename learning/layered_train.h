/* Training on the layered backend (private to learning/): whole minibatches per phase, the two
 * nudged phases swept together from the free state, and one fused SGD pass per conductance
 * matrix that also prepares the next batch's input product. */
#ifndef KH_LEARNING_LAYERED_TRAIN_H
#define KH_LEARNING_LAYERED_TRAIN_H

#include "engine.h"
#include "optimizer.h"

#include "kirchhoff/train.h"

typedef struct kh_layered_trainer kh_layered_trainer;

/* m: the trainer's model (its circuit is what gets detected); opt: rates and bounds. */
kh_status kh_layered_trainer_new(kh_context *ctx, kh_layered_trainer **out, kh_model *m,
                                 const kh_optimizer *opt, const kh_train_options *o,
                                 double noise_volts);
void kh_layered_trainer_free(kh_layered_trainer *lt);
kh_status kh_layered_trainer_set_params(kh_context *ctx, kh_layered_trainer *lt,
                                        const double *theta);
void kh_layered_trainer_get_params(const kh_layered_trainer *lt, double *theta);
/* Data-parallel training (kh_trainer_set_partition): this process relaxes its share of every
 * batch's rows; the phases' voltages of all shares are gathered so that every process applies
 * the whole batch's update. */
kh_status kh_layered_trainer_set_partition(kh_context *ctx, kh_layered_trainer *lt,
                                           const kh_partition *p);
/* Free phases from 0 V, as many samples at once as the handle holds. */
kh_status kh_layered_trainer_evaluate(kh_context *ctx, kh_layered_trainer *lt, const kh_dataset *d,
                                      double *loss, double *error);

#endif
