/* kh_run_preset (run.h): Scellier 2024's deep resistive networks on MNIST, with the hyperparameters
 * of the reference code (papers/fast-drn/drn.py of rain-neuromorphics/energy-based-learning):
 * layers, input gain, sweeps per phase, per-layer learning rates (biases and weights alike); all:
 * centered EP with beta = 1, SGD, batch 4, decay 0.99 per epoch, squared error on one-hot targets,
 * pixels / 255, on the layered backend. One table for the command line and the Python package. */
#include "core/context.h"
#include "kirchhoff/run.h"

#include <string.h>

typedef struct {
  const char *name, *arch;
  double lr[3];
  size_t lr_count;
  double gain;
  unsigned sweeps;
  size_t epochs;
} preset;

static const preset presets[] = {
    {"drn-xs", "784-100-10", {0.006}, 1, 100, 4, 10},
    {"drn-1h", "784-1024-10", {0.006}, 1, 480, 4, 50},
    {"drn-2h", "784-1024-1024-10", {0.002, 0.006, 0.018}, 3, 2000, 5, 50},
};
static const char *const names[] = {"drn-xs", "drn-1h", "drn-2h"};

const char *const *kh_run_preset_names(size_t *count) {
  *count = sizeof names / sizeof names[0];
  return names;
}

kh_status kh_run_preset(kh_context *ctx, kh_run_options *o, const char *name) {
  for (size_t k = 0; k < sizeof presets / sizeof presets[0]; k++) {
    const preset *p = &presets[k];
    if (strcmp(p->name, name)) continue;
    o->arch = p->arch;
    memcpy(o->train.lr, p->lr, p->lr_count * sizeof p->lr[0]), o->train.lr_count = p->lr_count;
    o->train.optimizer = KH_OPT_SGD, o->train.backend = KH_BACKEND_LAYERED;
    o->train.sweeps = p->sweeps;
    o->net.input_gain = p->gain, o->net.init_scale = 1;
    o->epochs = p->epochs;
    o->train.beta = 1, o->train.batch = 4, o->train.lr_decay = 0.99, o->train.momentum = 0;
    o->train.target_on = 1, o->train.target_off = 0;
    o->train.estimator = KH_EST_CENTERED;
    o->scaling = KH_SCALE_PIXELS, o->scaling_given = 1;
    return KH_OK;
  }
  return kh_fail(ctx, KH_ERR_USAGE, "unknown preset '%s': drn-xs, drn-1h or drn-2h", name);
}
