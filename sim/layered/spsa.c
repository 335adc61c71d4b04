/* Simultaneous perturbation on the layered backend (kh_layered_gradient's spsa): the whole
 * minibatch shares each perturbation, as hardware that perturbs its devices and reads a batch
 * would (one write of every matrix per perturbation, where a perturbation per sample would take
 * a matrix per row). For each of K directions Delta in {-1, 1}^P, the free phases of the batch at
 * center +- c o Delta (warm from the free state) give the summed loss L+ and L-, and
 * g_i += Delta_i (L+ - L-) / (2 c_i K): the gradient of the batch's summed loss up to O(sigma^2)
 * (steps and centers: kh_perturbation_steps). The parameters and the free rows go back as they
 * were. */
#include "layered_impl.h"

#include "core/alloc.h"
#include "core/context.h"
#include "core/rng.h"
#include "sim/perturbation_steps.h"

#include <math.h>
#include <string.h>

/* The batch's summed loss after a phase from the kept free rows at the parameters now set. */
static kh_status perturbed_loss(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                                const double *targets, const kh_layered_grad_options *o,
                                const size_t *off, void *keep, double *loss,
                                kh_layered_grad_info *info) {
  KH_LAYERED_CALL(lay, keep_rows, lay, rows, off, keep, 1);
  unsigned sweeps = 0;
  double change;
  kh_status st =
      kh_layered_phase(ctx, lay, rows, x, 0, NULL, o->sweeps, o->tol, 1, &sweeps, &change);
  info->sweeps += sweeps, info->phases++;
  if (st == KH_OK && o->measure) o->measure(o->measure_user, lay, 0, rows, info->phases - 1);
  return st == KH_OK ? kh_layered_loss(ctx, lay, rows, targets, loss) : st;
}

static kh_status directions(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                            const double *targets, const kh_layered_grad_options *o,
                            const size_t *off, void *keep, double *work, double *grad,
                            kh_layered_grad_info *info) {
  size_t P = lay->params;
  double *theta = work, *c = theta + P, *center = c + P, *d = center + P, *at = d + P;
  kh_rng rng;
  kh_rng_seed(&rng, o->seed);
  kh_status st = KH_OK;
  for (unsigned k = 0; st == KH_OK && k < o->perturbations; k++) {
    for (size_t i = 0; i < P; i++) d[i] = kh_rng_next(&rng) >> 63 ? 1 : -1;
    double loss[2] = {0, 0};
    for (int side = 0; st == KH_OK && side < 2; side++) {
      for (size_t i = 0; i < P; i++) at[i] = center[i] + (side ? -1 : 1) * c[i] * d[i];
      st = kh_layered_set_params(ctx, lay, at);
      if (st == KH_OK)
        st = perturbed_loss(ctx, lay, rows, x, targets, o, off, keep, &loss[side], info);
    }
    for (size_t i = 0; st == KH_OK && i < P; i++)
      grad[i] += d[i] * (loss[0] - loss[1]) / (2 * c[i] * o->perturbations);
  }
  return st;
}

kh_status kh_layered_spsa(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                          const double *targets, const kh_layered_grad_options *o,
                          const size_t *off, void *keep, double *grad, kh_layered_grad_info *info) {
  if (!(o->sigma > 0 && o->sigma < 1) || o->perturbations < 1)
    return kh_fail(ctx, KH_ERR_USAGE, "spsa needs a step in (0, 1) and at least 1 perturbation");
  size_t P = lay->params;
  double *work = kh_malloc((5 * P + 1) * sizeof *work);
  int *conductance = kh_malloc((P + 1) * sizeof *conductance);
  if (!work || !conductance) {
    kh_free(work), kh_free(conductance);
    return kh_fail_nomem(ctx, "spsa");
  }
  double *theta = work, gmin = 0, gmax = INFINITY; /* the .bounds card's, when there is one */
  if (!kh_netlist_bounds(kh_circuit_netlist(lay->c), &gmin, &gmax)) gmin = 0, gmax = INFINITY;
  kh_layered_get_params(lay, theta);
  for (size_t i = 0; i < P; i++) conductance[i] = !lay->param[i].bias;
  kh_perturbation_steps(P, theta, conductance, o->sigma, gmin, gmax, work + P, work + 2 * P);
  KH_LAYERED_CALL(lay, keep_rows, lay, rows, off, keep, 0); /* the free state */
  kh_status st = directions(ctx, lay, rows, x, targets, o, off, keep, work, grad, info);
  kh_status back = kh_layered_set_params(ctx, lay, theta);
  if (st == KH_OK) st = back;
  KH_LAYERED_CALL(lay, keep_rows, lay, rows, off, keep, 1);
  kh_free(work), kh_free(conductance);
  return st;
}
