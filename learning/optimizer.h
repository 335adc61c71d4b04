/* Optimizers on the parameter vector (SGD, momentum, Adam), per-layer learning rates, and the
 * projection of conductances onto their bounds after every step. Private to learning/. */
#ifndef KH_LEARNING_OPTIMIZER_H
#define KH_LEARNING_OPTIMIZER_H

#include "kirchhoff/train.h"

typedef struct {
  kh_optimizer_kind kind;
  size_t params, step;
  double momentum, beta2, eps, lr_scale;
  double *rate;    /* per parameter: its layer's learning rate */
  double *lo, *hi; /* per parameter bounds (+-inf for currents) */
  double *m1, *m2; /* momentum / Adam moments */
  int sign_updates, soft_bounds;
  double depression, pulse;
} kh_optimizer;

kh_status kh_optimizer_init(kh_context *ctx, kh_optimizer *o, const kh_model *m,
                            const kh_train_options *opts);
void kh_optimizer_release(kh_optimizer *o);
void kh_optimizer_project(const kh_optimizer *o, double *theta);
/* theta -= update(grad), then projection onto the bounds. */
void kh_optimizer_step(kh_optimizer *o, double *theta, const double *grad);
void kh_optimizer_scale_rates(kh_optimizer *o, double factor);

#endif
