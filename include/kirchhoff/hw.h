/* Device non-idealities of trainable conductances (docs/hardware.md): what the hardware stores
 * when training asks for conductance g. */
#ifndef KIRCHHOFF_HW_H
#define KIRCHHOFF_HW_H
#include "kirchhoff/train.h"
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct {
  unsigned quantize_bits; /* quantization to 2^bits levels in [gmin, gmax] (0: continuous) */
  double prog_noise;      /* programming noise: g (1 + prog_noise xi), xi ~ N(0, 1), per write */
  double prog_noise_add; /* additive programming noise (siemens): + prog_noise_add xi', per write */
  double variation;  /* device-to-device: g (1 + variation zeta), zeta ~ N(0, 1) fixed per device
                      * (cycle-to-cycle is prog_noise) */
  double stuck_rate; /* fraction of devices stuck (half at gmin, half at gmax), fixed */
  uint64_t seed;
} kh_hw_options;
/* The device model's traced options in one table, as KH_TRAIN_OPTIONS_TABLE (kirchhoff/train.h):
 * X(field, trace attribute, kind, default, since). It generates KH_HW_OPTIONS_INIT, the trace's
 * /config hw_* attributes, written and read back (a resumed run gets the same device), and the
 * command line's flags, one per field ("prog_noise": --prog-noise). quantize_bits keeps the
 * attribute name "hw_bits" of the traces written before it was renamed. seed is not in it: the
 * CLI takes the run's seed, which the trace keeps. */
#define KH_HW_OPTIONS_TABLE(X)                                                                     \
  X(quantize_bits, "hw_bits", UNSIGNED, 0, FIRST)                                                  \
  X(prog_noise, "hw_prog_noise", DOUBLE, 0.0, FIRST)                                               \
  X(prog_noise_add, "hw_prog_noise_add", DOUBLE, 0.0, FIRST)                                       \
  X(variation, "hw_variation", DOUBLE, 0.0, FIRST)                                                 \
  X(stuck_rate, "hw_stuck_rate", DOUBLE, 0.0, FIRST)
#define KH_HW_OPTION_DEFAULT(field, name, kind, value, since) .field = value,
#define KH_HW_OPTIONS_INIT                                                                         \
  { KH_HW_OPTIONS_TABLE(KH_HW_OPTION_DEFAULT).seed = 1 }
/* Attaches the device model to a trainer's conductances (bounds from the network's .bounds card,
 * gmax must be finite when quantizing or sticking devices on). hardware_aware = 1: the training
 * phases run on the device's conductances while the optimizer keeps its own continuous copy
 * (straight-through); 0: training is ideal and only evaluation sees the device. */
KH_API kh_status kh_hw_attach(kh_context *ctx, kh_trainer *t, const kh_hw_options *o,
                              int hardware_aware);
/* What the device stores for conductance g of device `index` at write number `write`. */
KH_API double kh_hw_map(const kh_hw_options *o, double g, double gmin, double gmax, uint64_t index,
                        uint64_t write);
#ifdef __cplusplus
}
#endif
#endif
