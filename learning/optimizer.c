#include "optimizer.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>

kh_status kh_optimizer_init(kh_context *ctx, kh_optimizer *o, const kh_model *m,
                            const kh_train_options *opts) {
  size_t n = kh_model_param_count(m);
  *o = (kh_optimizer){opts->optimizer,
                      n,
                      0,
                      opts->momentum,
                      0.999,
                      1e-8,
                      1.0,
                      NULL,
                      NULL,
                      NULL,
                      NULL,
                      NULL,
                      opts->sign_updates,
                      opts->soft_bounds,
                      opts->depression,
                      opts->pulse};
  o->rate = kh_malloc(n * sizeof *o->rate);
  o->lo = kh_malloc(n * sizeof *o->lo), o->hi = kh_malloc(n * sizeof *o->hi);
  o->m1 = kh_calloc(n, sizeof *o->m1), o->m2 = kh_calloc(n, sizeof *o->m2);
  if (!o->rate || !o->lo || !o->hi || !o->m1 || !o->m2)
    return kh_fail_nomem(ctx, "creating the optimizer");
  double gmin, gmax;
  kh_model_bounds(m, &gmin, &gmax);
  /* a conductance must stay > 0: without a .bounds card, 1e-12 S stands in for 0 */
  if (!(gmin > 0)) gmin = 1e-12;
  unsigned layers = kh_model_layer_count(m);
  if (opts->lr_count > 1 && opts->lr_count != layers)
    return kh_fail(ctx, KH_ERR_USAGE, "%zu learning rates for a network of %u layers",
                   opts->lr_count, layers);
  for (size_t i = 0; i < n; i++) {
    unsigned l = kh_model_param_layer(m, i);
    o->rate[i] = opts->lr[opts->lr_count > 1 ? l - 1 : 0];
    int g = kh_model_param_is_conductance(m, i);
    o->lo[i] = g ? gmin : -INFINITY;
    o->hi[i] = g ? gmax : INFINITY;
  }
  return KH_OK;
}

void kh_optimizer_release(kh_optimizer *o) {
  kh_free(o->rate), kh_free(o->lo), kh_free(o->hi), kh_free(o->m1), kh_free(o->m2);
  o->rate = o->lo = o->hi = o->m1 = o->m2 = NULL;
}

void kh_optimizer_project(const kh_optimizer *o, double *theta) {
  for (size_t i = 0; i < o->params; i++) theta[i] = fmin(fmax(theta[i], o->lo[i]), o->hi[i]);
}

void kh_optimizer_step(kh_optimizer *o, double *theta, const double *grad) {
  o->step++;
  double b1 = o->momentum, b2 = o->beta2;
  double c1 = 1 - pow(b1, (double)o->step), c2 = 1 - pow(b2, (double)o->step);
  for (size_t i = 0; i < o->params; i++) {
    double lr = o->rate[i] * o->lr_scale, g = grad[i], d;
    switch (o->kind) {
    case KH_OPT_MOMENTUM:
      o->m1[i] = b1 * o->m1[i] + g;
      d = o->m1[i];
      break;
    case KH_OPT_ADAM:
      o->m1[i] = b1 * o->m1[i] + (1 - b1) * g;
      o->m2[i] = b2 * o->m2[i] + (1 - b2) * g * g;
      d = (o->m1[i] / c1) / (sqrt(o->m2[i] / c2) + o->eps);
      break;
    default: d = g; break;
    }
    double delta = -lr * d;
    if (isfinite(o->hi[i]) && o->hi[i] > o->lo[i]) { /* a conductance with a range: a device */
      if (o->sign_updates) delta = d > 0 ? -lr : d < 0 ? lr : 0;
      if (o->pulse > 0) delta = o->pulse * round(delta / o->pulse); /* whole pulses */
      if (o->soft_bounds) {
        double span = o->hi[i] - o->lo[i];
        delta *=
            delta > 0 ? (o->hi[i] - theta[i]) / span : o->depression * (theta[i] - o->lo[i]) / span;
      }
    }
    theta[i] += delta;
  }
  kh_optimizer_project(o, theta);
}

void kh_optimizer_scale_rates(kh_optimizer *o, double factor) {
  o->lr_scale *= factor;
}
