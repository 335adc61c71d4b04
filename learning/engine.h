/* The trainer's two engines (kh_engine_ops, kirchhoff/train.h): the trainer shuffles, cuts
 * the epoch into minibatches, reports progress, decays the rates, keeps the parameters and the
 * device model, and calls one of these engines for each minibatch's phases and update, never
 * asking which one it has.
 *   kh_engine_native  (train.c): any circuit; each sample of a minibatch solved on one of the
 *                     worker models (OpenMP), gradients summed in sample order, one optimizer
 *                     step per minibatch;
 *   kh_engine_layered (layered_train.c): layered networks; whole minibatches per phase, the
 *                     update fused into one pass per conductance matrix.
 * A program's own engine is one more table (kh_trainer_set_engine). */
#ifndef KH_LEARNING_ENGINE_H
#define KH_LEARNING_ENGINE_H

#include "partition.h"

#include "kirchhoff/train.h"

extern const kh_engine_ops kh_engine_native;
extern const kh_engine_ops kh_engine_layered;

#endif
