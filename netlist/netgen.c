/* Writes layered deep resistive networks as netlists. Names (stable, documented in
 * docs/networks.md): input feature i is the source pair vx<i>p/vx<i>n on nodes x<i>p/x<i>n;
 * hidden node j of layer l is h<l>_<j>; output j is o<j> (or o<j>p/o<j>n); the conductance from
 * node k of the layer below to node j of layer l is r<l>_<j>_<k>; the bias current into a node is
 * i<l>_<j>; its clamping diode d<l>_<j>. An amplifier after hidden node h<l>_<j> is ea<l>_<j>
 * (output node ao<l>_<j>), its sensing source vsa<l>_<j> (to node ab<l>_<j>, which the next
 * layer's conductances meet) and fa<l>_<j>. With wire resistance, device r<l>_<j>_<k> joins the
 * crosspoint nodes xr<l>_<j>_<k> (row wire from the neuron) and xc<l>_<j>_<k> (column wire from
 * the input), and the wire segments are rwr<l>_<j>_<k> and rwc<l>_<j>_<k>. */
#include "core/decimal.h"
#include "lexer.h"
#include "core/context.h"
#include "core/rng.h"
#include "core/text_stream.h"
#include "kirchhoff/netgen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void kh_netgen_options_init(kh_netgen_options *o) {
  *o = (kh_netgen_options)KH_NETGEN_OPTIONS_INIT;
}

kh_status kh_netgen_parse_arch(kh_context *ctx, kh_netgen_options *o, const char *arch) {
  const char *p = arch;
  o->layer_count = 0;
  while (*p) {
    char *end;
    errno = 0;
    unsigned long long w = strtoull(p, &end, 10);
    if (end == p || errno || w == 0 || w > 1000000 || *p == '-' || *p == '+')
      return kh_fail(ctx, KH_ERR_USAGE, "architecture '%s': layer %zu is not a width in 1..1000000",
                     arch, o->layer_count + 1);
    if (o->layer_count == KH_NETGEN_MAX_LAYERS)
      return kh_fail(ctx, KH_ERR_USAGE, "architecture '%s': more than %d layers", arch,
                     KH_NETGEN_MAX_LAYERS);
    o->layers[o->layer_count++] = (size_t)w;
    if (*end == '-' && end[1])
      end++;
    else if (*end)
      return kh_fail(ctx, KH_ERR_USAGE, "architecture '%s': expected widths joined by '-'", arch);
    p = end;
  }
  if (o->layer_count < 2)
    return kh_fail(ctx, KH_ERR_USAGE, "architecture '%s': needs inputs and outputs, e.g. 64-32-10",
                   arch);
  return KH_OK;
}

static kh_status check(kh_context *ctx, const kh_netgen_options *o) {
  if (o->version != KH_NETGEN_OPTIONS_VERSION)
    return kh_fail(ctx, KH_ERR_USAGE, "kh_netgen_options: version %u, expected %d", o->version,
                   KH_NETGEN_OPTIONS_VERSION);
  if (o->layer_count < 2 || o->layer_count > KH_NETGEN_MAX_LAYERS)
    return kh_fail(ctx, KH_ERR_USAGE, "a network needs 2..%d layers", KH_NETGEN_MAX_LAYERS);
  for (size_t l = 0; l < o->layer_count; l++)
    if (o->layers[l] == 0) return kh_fail(ctx, KH_ERR_USAGE, "layer %zu has no nodes", l);
  if (!(o->gmin > 0) || !(o->gmax > o->gmin) || !isfinite(o->gmin))
    return kh_fail(ctx, KH_ERR_USAGE, "bounds need 0 < gmin < gmax (got %g, %g)", o->gmin, o->gmax);
  if (!(o->input_gain != 0) || !isfinite(o->input_gain))
    return kh_fail(ctx, KH_ERR_USAGE, "the input gain must be finite and non-zero");
  if (!(o->wire_resistance >= 0) || !isfinite(o->wire_resistance))
    return kh_fail(ctx, KH_ERR_USAGE, "the wire resistance must be finite and >= 0");
  if (!(o->bias_voltage >= 0) || !isfinite(o->bias_voltage))
    return kh_fail(ctx, KH_ERR_USAGE, "the bias voltage V_b must be finite and >= 0");
  if (o->clamp_pairs && !(o->bias_voltage > 0))
    return kh_fail(ctx, KH_ERR_USAGE, "diode pairs clamp to [-V_b, V_b] and need V_b > 0");
  for (size_t l = 0; l < KH_NETGEN_MAX_LAYERS; l++)
    if (!(o->amp_gain[l] >= 0) || !isfinite(o->amp_gain[l]))
      return kh_fail(ctx, KH_ERR_USAGE, "amplifier gains must be finite and > 0 (0: none)");
  if (o->init_high > 0 ? !(o->init_low >= 0 && o->init_high >= o->init_low)
                       : !(o->init_scale > 0 && isfinite(o->init_scale)))
    return kh_fail(ctx, KH_ERR_USAGE, "bad initialization range");
  return KH_OK;
}

static int amplified(const kh_netgen_options *o, size_t l) {
  return l >= 1 && l + 1 < o->layer_count && o->amp_gain[l - 1] > 0;
}

static size_t width(const kh_netgen_options *o, size_t l) {
  int doubled = l == 0 || (l == o->layer_count - 1 && o->differential_outputs);
  return o->layers[l] * (doubled ? 2 : 1);
}

static double initial_conductance(const kh_netgen_options *o, kh_rng *rng, size_t fan_in) {
  double g;
  if (o->init_high > 0) {
    g = o->init_low + (o->init_high - o->init_low) * kh_rng_uniform(rng);
  } else {
    double c = o->init_scale / sqrt((double)fan_in);
    g = c * (2 * kh_rng_uniform(rng) - 1);
  }
  return fmin(fmax(g, o->gmin), o->gmax);
}

static void write_header(const kh_netgen_options *o, FILE *out) {
  fprintf(out, "deep resistive network");
  for (size_t l = 0; l < o->layer_count; l++) fprintf(out, "%s%zu", l ? "-" : " ", o->layers[l]);
  fprintf(out, "\n* written by kirchhoff %s: kirchhoff net, seed %llu, input gain %.17g\n",
          kh_version(), (unsigned long long)o->seed, o->input_gain);
  fprintf(out, ".model dclamp d(kh_ideal=1)\n");
  if (o->layer_count > 2) {
    fprintf(out, "vbias_hi bias_hi 0 dc %s\n", KH_INP(o->bias_voltage));
    fprintf(out, "vbias_lo bias_lo 0 dc %s\n", KH_INP(0.0 - o->bias_voltage));
  }
  for (size_t i = 0; i < o->layers[0]; i++)
    fprintf(out, "vx%zup x%zup 0 dc 0\nvx%zun x%zun 0 dc 0\n", i, i, i, i);
}

/* The node the next layer's conductances meet: the node itself, or its amplifier's output. */

static char *put_size(char *p, size_t v) {
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n) *p++ = digits[--n];
  return p;
}

/* "<prefix><a>[_<b>]<suffix>" into buf (64 bytes): names are written once per resistor (1.6
 * million times for DRN-1H), so without snprintf. b < 0: none; suffix 0: none. */
static void put_name(char *buf, const char *prefix, size_t a, long long b, char suffix) {
  char *p = stpcpy(buf, prefix);
  p = put_size(p, a);
  if (b >= 0) *p++ = '_', p = put_size(p, (size_t)b);
  if (suffix) *p++ = suffix;
  *p = '\0';
}

/* Node name of node k of layer l (l = 0: the input nodes, two per feature). buf: 64 bytes. */
static void node_name(const kh_netgen_options *o, size_t l, size_t k, char *buf) {
  size_t last = o->layer_count - 1;
  if (l == 0)
    put_name(buf, "x", k / 2, -1, k % 2 ? 'n' : 'p');
  else if (l < last)
    put_name(buf, "h", l, (long long)k, 0);
  else if (o->differential_outputs)
    put_name(buf, "o", k / 2, -1, k % 2 ? 'n' : 'p');
  else
    put_name(buf, "o", k, -1, 0);
}

/* The node a layer-l node's conductances reach it through: its amplifier's buffered output, or
 * the node itself. buf: 64 bytes. */
static void source_name(const kh_netgen_options *o, size_t l, size_t k, char *buf) {
  if (amplified(o, l))
    put_name(buf, "ab", l, (long long)k, 0);
  else
    node_name(o, l, k, buf);
}

/* "r<l>_<j>_<k> <a> <b> <ohms>", the value as ngspice reads it back (kh_format_inp), without
 * printf's parsing of the format: most of the time of writing a large network (1.6 million
 * lines for DRN-1H). a and b: node names shorter than 80 characters. */
static void resistor_line(FILE *out, size_t l, size_t j, size_t k, const char *a, const char *b,
                          double ohms) {
  char line[256], *p = line;
  *p++ = 'r', p = put_size(p, l), *p++ = '_', p = put_size(p, j), *p++ = '_', p = put_size(p, k);
  *p++ = ' ', p = stpcpy(p, a), *p++ = ' ', p = stpcpy(p, b), *p++ = ' ';
  p += kh_format_inp(p, ohms);
  *p++ = '\n';
  fwrite(line, 1, (size_t)(p - line), out);
}

static void write_amplifier(const kh_netgen_options *o, size_t l, size_t j, FILE *out) {
  double A = o->amp_gain[l - 1];
  fprintf(out, "ea%zu_%zu ao%zu_%zu 0 h%zu_%zu 0 %s\n", l, j, l, j, l, j, KH_INP(A));
  fprintf(out, "vsa%zu_%zu ao%zu_%zu ab%zu_%zu 0\n", l, j, l, j, l, j);
  fprintf(out, "fa%zu_%zu h%zu_%zu 0 vsa%zu_%zu %s\n", l, j, l, j, l, j, KH_INP(1.0 / A));
}

static void write_layer(const kh_netgen_options *o, size_t l, kh_rng *rng, FILE *out) {
  char a[64], b[64];
  size_t below = width(o, l - 1), last = o->layer_count - 1;
  for (size_t j = 0; j < width(o, l); j++) {
    node_name(o, l, j, a);
    if (amplified(o, l)) write_amplifier(o, l, j, out);
    for (size_t k = 0; k < below; k++) {
      source_name(o, l - 1, k, b);
      double r = 1.0 / initial_conductance(o, rng, below);
      if (o->wire_resistance > 0) { /* crossbar: the device sits between row and column wires */
        char row[80], col[80];
        snprintf(row, sizeof row, "xr%zu_%zu_%zu", l, j, k);
        snprintf(col, sizeof col, "xc%zu_%zu_%zu", l, j, k);
        resistor_line(out, l, j, k, row, col, r);
        /* row wire: neuron a, then crosspoints k = 0, 1, ...; column wire: the input b, then
         * crosspoints j = 0, 1, ... of the layer */
        if (k == 0)
          fprintf(out, "rwr%zu_%zu_%zu %s %s %s\n", l, j, k, a, row, KH_INP(o->wire_resistance));
        else
          fprintf(out, "rwr%zu_%zu_%zu xr%zu_%zu_%zu %s %s\n", l, j, k, l, j, k - 1, row,
                  KH_INP(o->wire_resistance));
        if (j == 0)
          fprintf(out, "rwc%zu_%zu_%zu %s %s %s\n", l, j, k, b, col, KH_INP(o->wire_resistance));
        else
          fprintf(out, "rwc%zu_%zu_%zu xc%zu_%zu_%zu %s %s\n", l, j, k, l, j - 1, k, col,
                  KH_INP(o->wire_resistance));
      } else {
        resistor_line(out, l, j, k, a, b, r);
      }
    }
    fprintf(out, "i%zu_%zu 0 %s dc 0\n", l, j, a); /* flows from 0 through the source into a */
    if (l == last) continue;
    if (o->clamp_pairs) { /* -V_b <= v <= V_b: a window, like Kendall's diode pairs */
      fprintf(out, "d%zu_%zu %s bias_hi dclamp\n", l, j, a);
      fprintf(out, "dl%zu_%zu bias_lo %s dclamp\n", l, j, a);
    } else if (j < width(o, l) / 2 + width(o, l) % 2)
      fprintf(out, "d%zu_%zu bias_hi %s dclamp\n", l, j, a); /* v >= V_b */
    else
      fprintf(out, "d%zu_%zu %s bias_lo dclamp\n", l, j, a); /* v <= -V_b */
  }
}

static void write_cards(const kh_netgen_options *o, FILE *out) {
  fprintf(out, "*kh .input gain=%.17g", o->input_gain);
  for (size_t i = 0; i < o->layers[0]; i++) {
    if (i && i % 8 == 0) fprintf(out, "\n*kh +");
    fprintf(out, " (vx%zup vx%zun)", i, i);
  }
  fprintf(out, "\n*kh .output");
  for (size_t j = 0; j < o->layers[o->layer_count - 1]; j++) {
    if (j && j % 8 == 0) fprintf(out, "\n*kh +");
    if (o->differential_outputs)
      fprintf(out, " v(o%zup,o%zun)", j, j);
    else
      fprintf(out, " o%zu", j);
  }
  fprintf(out, "\n*kh .train");
  for (size_t l = 1; l < o->layer_count; l++) fprintf(out, " r%zu_*", l); /* not the wires */
  fprintf(out, " i*\n*kh .bounds gmin=%.17g", o->gmin);
  if (isfinite(o->gmax)) fprintf(out, " gmax=%.17g", o->gmax);
  fprintf(out, "\n.end\n");
}

kh_status kh_netgen_write(kh_context *ctx, const kh_netgen_options *o, FILE *out) {
  kh_status st = check(ctx, o);
  if (st != KH_OK) return st;
  kh_rng rng;
  kh_rng_seed(&rng, o->seed);
  write_header(o, out);
  for (size_t l = 1; l < o->layer_count; l++) write_layer(o, l, &rng, out);
  write_cards(o, out);
  if (ferror(out)) return kh_fail(ctx, KH_ERR_IO, "writing the network failed");
  return KH_OK;
}

kh_status kh_netgen_string(kh_context *ctx, const kh_netgen_options *o, char **text,
                           size_t *length) {
  FILE *f = kh_text_stream(text, length);
  if (!f) return kh_fail_nomem(ctx, "generating the network");
  kh_status st = kh_netgen_write(ctx, o, f);
  if (fclose(f) != 0 && st == KH_OK) st = kh_fail_nomem(ctx, "generating the network");
  if (st != KH_OK) free(*text), *text = NULL, *length = 0;
  return st;
}
