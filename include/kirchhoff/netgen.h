/* The layered-network generator: deep resistive networks (DRN) as in Kendall et al. 2020 and
 * Scellier 2024, written as an ordinary netlist with learning cards (docs/networks.md). */
#ifndef KIRCHHOFF_NETGEN_H
#define KIRCHHOFF_NETGEN_H
#include "kirchhoff/status.h"
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#ifdef __cplusplus
extern "C" {
#endif
enum { KH_NETGEN_MAX_LAYERS = 16 };
typedef struct {
  unsigned version;
  /* Layer widths, inputs first, outputs last (at least 2 layers). Each input feature becomes a
   * pair of voltage sources (+A x, -A x). */
  size_t layers[KH_NETGEN_MAX_LAYERS];
  size_t layer_count;
  double input_gain; /* A (default 1) */
  /* Initial conductances: uniform in +-init_scale/sqrt(fan_in), clamped at gmin (Scellier's
   * code); or, when init_high > 0, uniform in [init_low, init_high]. */
  double init_scale, init_low, init_high;
  double gmin, gmax;        /* bounds (.bounds card); gmax = INFINITY for none */
  double bias_voltage;      /* V_b: hidden nodes clamped at v >= V_b (first half), <= -V_b */
  double wire_resistance;   /* crossbar layout: this resistance per wire segment (0: ideal wires) */
  int clamp_pairs;          /* instead: two diodes per hidden node, -V_b <= v <= V_b (V_b > 0) */
  int differential_outputs; /* each output is a node pair read as v(p) - v(n) */
  /* Bidirectional amplifiers (Kendall et al. 2020) after hidden layer l (amp_gain[l - 1] > 0):
   * each of its nodes drives the next layer's conductances through an amplifier of that gain. */
  double amp_gain[KH_NETGEN_MAX_LAYERS];
  uint64_t seed;
} kh_netgen_options;
#define KH_NETGEN_OPTIONS_VERSION 1
/* The options that are one value each, in one table: X(field, kind, default), kind DOUBLE, INT
 * (a switch) or U64. It is the one place a default is written (KH_NETGEN_OPTIONS_INIT and
 * kh_netgen_options_init() come from it), and kirchhoff's command line makes each a flag of the
 * field's name ("bias_voltage": --bias-voltage). */
#define KH_NETGEN_OPTIONS_TABLE(X)                                                                 \
  X(input_gain, DOUBLE, 1.0)                                                                       \
  X(init_scale, DOUBLE, 1.0)                                                                       \
  X(init_low, DOUBLE, 0.0)                                                                         \
  X(init_high, DOUBLE, 0.0)                                                                        \
  X(gmin, DOUBLE, 1e-9)                                                                            \
  X(gmax, DOUBLE, INFINITY)                                                                        \
  X(bias_voltage, DOUBLE, 0.0)                                                                     \
  X(wire_resistance, DOUBLE, 0.0)                                                                  \
  X(clamp_pairs, INT, 0)                                                                           \
  X(differential_outputs, INT, 0)                                                                  \
  X(seed, U64, 1)
#define KH_NETGEN_OPTION_DEFAULT(field, kind, value) .field = value,
#define KH_NETGEN_OPTIONS_INIT                                                                     \
  { .version = KH_NETGEN_OPTIONS_VERSION, KH_NETGEN_OPTIONS_TABLE(KH_NETGEN_OPTION_DEFAULT) }
/* The defaults, for code that cannot use the macro. */
KH_API void kh_netgen_options_init(kh_netgen_options *o);
/* Parses "784-100-10" into o->layers. */
KH_API kh_status kh_netgen_parse_arch(kh_context *ctx, kh_netgen_options *o, const char *arch);
/* Writes the network as a netlist (parseable by kirchhoff and by ngspice). */
KH_API kh_status kh_netgen_write(kh_context *ctx, const kh_netgen_options *o, FILE *out);
/* The same text in memory: *text (NUL-terminated, *length bytes), which the caller frees with
 * free(); NULL on failure. Faster than kh_netgen_write into open_memstream for large networks. */
KH_API kh_status kh_netgen_string(kh_context *ctx, const kh_netgen_options *o, char **text,
                                  size_t *length);
#ifdef __cplusplus
}
#endif
#endif
