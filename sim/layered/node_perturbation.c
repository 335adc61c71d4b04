/* Node perturbation on the layered backend (the native rule: learning/node_perturbation.c): every
 * node of layers 1..L probed by a current +-delta from the free state, all probes of the batch
 * swept together as rows of their own, and lambda = dL/dI read from the losses; the adjoint's
 * formula then makes the step (gradient.c), as for an adjoint solved for. */
#include "layered_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

/* delta_p: sigma times 1 V times the conductance between layers that meets node p. */
static void injections(const kh_layered *lay, double sigma, double *delta) {
  int single = lay->precision == KH_PRECISION_SINGLE;
  size_t p = 0;
  for (size_t l = 1; l <= lay->depth; l++)
    for (size_t j = 0; j < lay->width[l]; j++) {
      const void *cs = lay->colsum[l], *next = l < lay->depth ? lay->rowsum[l + 1] : NULL;
      double g = single ? ((const float *)cs)[j] : ((const double *)cs)[j];
      if (next) g += single ? ((const float *)next)[j] : ((const double *)next)[j];
      delta[p++] = sigma * 1.0 * g;
    }
}

/* 1/2 |o - y|^2 of row `row` (targets y). */
static double row_loss(const kh_layered *lay, size_t row, const double *y, double *out) {
  KH_LAYERED_CALL(lay, outputs, lay, row, out);
  double loss = 0;
  for (size_t k = 0; k < lay->outputs; k++) loss += 0.5 * (out[k] - y[k]) * (out[k] - y[k]);
  return loss;
}

/* lambda from the probes' losses; the probes' phases are in V. */
static void read_lambda(const kh_layered *lay, size_t n, const double *targets, const size_t *off,
                        const double *delta, void *lambda) {
  double out[lay->outputs + 1];
  size_t p = 0;
  for (size_t l = 1; l <= lay->depth; l++)
    for (size_t j = 0; j < lay->width[l]; j++, p++)
      for (size_t r = 0; r < n; r++) {
        size_t up = n + 2 * p * n + r;
        const double *y = targets + r * lay->outputs;
        double g = (row_loss(lay, up, y, out) - row_loss(lay, up + n, y, out)) / (2 * delta[p]);
        size_t at = n * off[l] + r * lay->ld[l] + j;
        if (lay->precision == KH_PRECISION_SINGLE)
          ((float *)lambda)[at] = (float)g;
        else
          ((double *)lambda)[at] = g;
      }
}

size_t kh_layered_free_nodes(const kh_layered *lay) {
  size_t nodes = 0;
  for (size_t l = 1; l <= lay->depth; l++) nodes += lay->width[l];
  return nodes;
}

kh_status kh_layered_node_lambda(kh_context *ctx, kh_layered *lay, size_t n, const double *targets,
                                 const kh_layered_grad_options *o, const size_t *off, void *lambda,
                                 kh_layered_grad_info *info) {
  size_t probes = kh_layered_free_nodes(lay);
  if ((1 + 2 * probes) * n > lay->rows_max)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "node perturbation probes %zu nodes: on %zu rows it needs a layered handle of "
                   "%zu rows (1 + 2 per node, per row), this one has %zu",
                   probes, n, (1 + 2 * probes) * n, lay->rows_max);
  if (!(o->sigma > 0 && isfinite(o->sigma)))
    return kh_fail(ctx, KH_ERR_USAGE, "node perturbation's sigma must be > 0, got %g", o->sigma);
  double *delta = kh_malloc((probes + 1) * sizeof *delta);
  if (!delta) return kh_fail_nomem(ctx, "node perturbation");
  injections(lay, o->sigma, delta);
  for (size_t b = 0; b < 2 * probes; b++) KH_LAYERED_CALL(lay, copy_rows, lay, 0, n + b * n, n);
  for (size_t r = n; r < (1 + 2 * probes) * n; r++) lay->beta_row[r] = 0;
  lay->probe.delta = delta, lay->probe.first = n, lay->probe.batch = n;
  unsigned sweeps = 0;
  double change;
  kh_status st = kh_layered_relax(ctx, lay, n, 2 * probes * n, o->sweeps, o->tol, &sweeps, &change);
  lay->probe.delta = NULL;
  info->sweeps += sweeps * (unsigned)(2 * probes), info->phases += (unsigned)(2 * probes);
  for (size_t b = 0; st == KH_OK && o->measure && b < 2 * probes; b++) /* the probes' readings */
    o->measure(o->measure_user, lay, n + b * n, n, (unsigned)(1 + b));
  if (st == KH_OK) read_lambda(lay, n, targets, off, delta, lambda);
  kh_free(delta);
  return st;
}
