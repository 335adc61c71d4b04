/* kh_validate (model.h): an exported network, sample by sample, in ngspice and in kirchhoff (what
 * `kirchhoff validate` and kirchhoff.validate report). */
#include "core/context.h"
#include "kirchhoff/circuit.h"
#include "kirchhoff/dataset.h"
#include "kirchhoff/model.h"
#include "kirchhoff/netlist.h"
#include "kirchhoff/solver.h"

#include <math.h>
#include <stdlib.h>

static size_t argmax(const double *v, size_t n) {
  size_t k = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[k]) k = i;
  return k;
}

/* The features of sample i as the netlist's .scale card says. */
static void scaled(const kh_netlist *nl, const kh_dataset *d, size_t i, double *x) {
  size_t count, f = kh_dataset_features(d);
  const double *mean, *inv;
  kh_netlist_scale_kind kind = kh_netlist_scale(nl, &count, &mean, &inv);
  const double *raw = kh_dataset_sample(d, i);
  for (size_t j = 0; j < f; j++)
    x[j] = kind == KH_NETLIST_SCALE_PIXELS                     ? raw[j] / 255
           : kind == KH_NETLIST_SCALE_STANDARDIZE && j < count ? (raw[j] - mean[j]) * inv[j]
                                                               : raw[j];
}

typedef struct {
  const kh_netlist *nl;
  kh_model *m;
  kh_circuit *c;
  kh_solver *ng;
  double *x, *src, *ko, *no, *v;
  size_t *el;
} validation;

/* Sample i through both: outputs into w->ko (kirchhoff) and w->no (ngspice) */
static kh_status both(kh_context *ctx, validation *w, const kh_dataset *d, size_t i) {
  const kh_netlist *nl = w->nl;
  size_t k = 0, nin = kh_netlist_input_count(nl);
  double gain = kh_netlist_input_gain(nl);
  scaled(nl, d, i, w->x);
  for (size_t f = 0; f < nin; f++) {
    kh_input in = kh_netlist_input(nl, f);
    w->el[k] = in.source, w->src[k++] = gain * w->x[f];
    if (in.negated != (size_t)-1) w->el[k] = in.negated, w->src[k++] = -gain * w->x[f];
  }
  kh_status st = kh_model_set_input(ctx, w->m, w->x);
  if (st == KH_OK) st = kh_model_predict(ctx, w->m, w->ko);
  if (st == KH_OK) st = kh_circuit_set_sources(ctx, w->c, k, w->el, w->src);
  if (st == KH_OK) st = kh_solver_solve(ctx, w->ng, w->v, NULL);
  for (size_t o = 0; st == KH_OK && o < kh_netlist_output_count(nl); o++) {
    kh_output out = kh_netlist_output(nl, o);
    w->no[o] = w->v[out.node_pos] - w->v[out.node_neg];
  }
  return st;
}

kh_status kh_validate(kh_context *ctx, const kh_netlist *nl, const kh_dataset *d, size_t samples,
                      void (*progress)(void *user, size_t done, size_t total), void *user,
                      kh_validation *out) {
  validation w = {.nl = nl};
  *out = (kh_validation){0};
  kh_status st = kh_model_new(ctx, &w.m, nl);
  if (st == KH_OK && kh_dataset_features(d) != kh_model_input_count(w.m))
    st = kh_fail(ctx, KH_ERR_INPUT, "the data has %zu features but the network %zu inputs",
                 kh_dataset_features(d), kh_model_input_count(w.m));
  if (st == KH_OK) st = kh_circuit_new(ctx, &w.c, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &w.ng, w.c, "ngspice");
  size_t nin = kh_netlist_input_count(nl), nout = kh_netlist_output_count(nl);
  size_t n = samples > kh_dataset_count(d) ? kh_dataset_count(d) : samples;
  w.x = calloc(nin + 1, sizeof *w.x), w.src = calloc(2 * nin + 1, sizeof *w.src);
  w.ko = calloc(nout + 1, sizeof *w.ko), w.no = calloc(nout + 1, sizeof *w.no);
  w.v = calloc(kh_netlist_node_count(nl) + 1, sizeof *w.v);
  w.el = calloc(2 * nin + 1, sizeof *w.el);
  if (st == KH_OK && (!w.x || !w.src || !w.ko || !w.no || !w.v || !w.el))
    st = kh_fail_nomem(ctx, "validating");
  for (size_t i = 0; st == KH_OK && i < n; i++) {
    if ((st = both(ctx, &w, d, i)) != KH_OK) break;
    for (size_t o = 0; o < nout; o++)
      out->largest_difference = fmax(out->largest_difference, fabs(w.no[o] - w.ko[o]));
    size_t kc = argmax(w.ko, nout), nc = argmax(w.no, nout), label = kh_dataset_label(d, i);
    out->agree += kc == nc, out->kirchhoff_right += kc == label, out->ngspice_right += nc == label;
    out->samples = i + 1;
    if (progress) progress(user, i + 1, n);
  }
  free(w.x), free(w.src), free(w.ko), free(w.no), free(w.v), free(w.el);
  kh_solver_free(w.ng), kh_circuit_free(w.c), kh_model_free(w.m);
  return st;
}
