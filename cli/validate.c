/* kirchhoff validate: an exported network, sample by sample, in ngspice and in kirchhoff. */
#include "cli.h"
#include "options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_help_validate(void) {
  printf("usage: kirchhoff validate NETLIST --data PATH [--samples N]\n\n"
         "Drives the inputs of a trained network (as `kirchhoff export` writes it) with the first\n"
         "N samples of a data set (default 500; the netlist's *kh .scale card turns raw features\n"
         "into inputs), solves each with ngspice (.op through the shared library) and with\n"
         "kirchhoff's own solver, and reports, one per line: class agreement, ngspice accuracy,\n"
         "kirchhoff accuracy and the largest output-voltage difference.\n");
}

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

int kh_cmd_validate(int argc, char **argv) {
  const char *data = NULL, *pos[1];
  size_t npos, samples = 500;
  const kh_opt opts[] = {{"--data", KH_OPT_STRING, &data, NULL},
                         {"--samples", KH_OPT_SIZE, &samples, NULL}};
  if (kh_parse_options("validate", argc, argv, opts, 2, pos, 1, &npos, kh_help_validate))
    return KH_EXIT_USAGE;
  if (!npos) return kh_cli_usage("validate", "missing the NETLIST");
  if (!data) return kh_cli_usage("validate", "--data is required");
  if (!samples) return kh_cli_usage("validate", "--samples must be >= 1");
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_netlist *nl = NULL;
  kh_dataset *d = NULL;
  kh_model *m = NULL;
  kh_circuit *c = NULL;
  kh_solver *ng = NULL;
  kh_cli_progress("validate: reading %s and %s", pos[0], data);
  kh_status st = kh_netlist_parse_file(ctx, &nl, pos[0]);
  if (st == KH_OK) st = kh_dataset_load(ctx, &d, data, 0);
  if (st == KH_OK) st = kh_model_new(ctx, &m, nl);
  if (st == KH_OK && kh_dataset_features(d) != kh_model_input_count(m))
    st = kh_set_error(ctx, KH_ERR_INPUT, "the data has %zu features but the network %zu inputs",
                      kh_dataset_features(d), kh_model_input_count(m));
  if (st == KH_OK) st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &ng, c, "ngspice");
  size_t nin = st == KH_OK ? kh_netlist_input_count(nl) : 0,
         nout = nl ? kh_netlist_output_count(nl) : 0;
  size_t n = d && samples > kh_dataset_count(d) ? kh_dataset_count(d) : samples;
  double *x = calloc(nin + 1, sizeof *x), *src = calloc(2 * nin + 1, sizeof *src),
         *ko = calloc(nout + 1, sizeof *ko), *no = calloc(nout + 1, sizeof *no),
         *v = nl ? calloc(kh_netlist_node_count(nl) + 1, sizeof *v) : NULL;
  size_t *el = calloc(2 * nin + 1, sizeof *el);
  if (st == KH_OK && (!x || !src || !ko || !no || !v || !el))
    st = kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  size_t agree = 0, kright = 0, nright = 0;
  double worst = 0, gain = nl ? kh_netlist_input_gain(nl) : 1;
  double shown = 0;
  for (size_t i = 0; st == KH_OK && i < n; i++) {
    if (kh_cli_now() - shown > 0.25)
      kh_cli_progress("validate: sample %zu/%zu in ngspice and kirchhoff", i + 1, n),
          shown = kh_cli_now();
    scaled(nl, d, i, x);
    size_t k = 0;
    for (size_t f = 0; f < nin; f++) {
      kh_input in = kh_netlist_input(nl, f);
      el[k] = in.source, src[k++] = gain * x[f];
      if (in.negated != (size_t)-1) el[k] = in.negated, src[k++] = -gain * x[f];
    }
    st = kh_model_set_input(ctx, m, x);
    if (st == KH_OK) st = kh_model_predict(ctx, m, ko);
    if (st == KH_OK) st = kh_circuit_set_sources(ctx, c, k, el, src);
    if (st == KH_OK) st = kh_solver_solve(ctx, ng, v, NULL);
    if (st != KH_OK) break;
    for (size_t o = 0; o < nout; o++) {
      kh_output out = kh_netlist_output(nl, o);
      no[o] = v[out.node_pos] - v[out.node_neg];
      worst = fmax(worst, fabs(no[o] - ko[o]));
    }
    size_t kc = argmax(ko, nout), nc = argmax(no, nout), label = kh_dataset_label(d, i);
    agree += kc == nc, kright += kc == label, nright += nc == label;
  }
  kh_cli_progress_done();
  if (st == KH_OK) {
    printf("samples: %zu (%s)\n", n, data);
    printf("class agreement: %.2f %%\n", 100.0 * (double)agree / (double)n);
    printf("ngspice accuracy: %.2f %%\n", 100.0 * (double)nright / (double)n);
    printf("kirchhoff accuracy: %.2f %%\n", 100.0 * (double)kright / (double)n);
    printf("largest output difference: %.3g V\n", worst);
  }
  const char *inputs[] = {pos[0], data};
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, inputs, 2);
  free(x), free(src), free(ko), free(no), free(v), free(el);
  kh_solver_free(ng), kh_circuit_free(c), kh_model_free(m), kh_dataset_free(d), kh_netlist_free(nl);
  kh_context_free(ctx);
  return rc;
}
