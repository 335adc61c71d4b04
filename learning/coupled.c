/* Coupled learning (Stern et al. 2021; docs/algorithms.md, "Coupled learning"): the free phase,
 * then a clamped phase with the outputs held by voltage sources at o_c = o + eta (y - o), and
 * per element the difference of the two states' dE/dtheta (half the squared drop of a
 * conductance), over eta. The clamped phase is solved exactly on a copy of the circuit whose
 * outputs carry real voltage sources (kh_model_copy). */
#include "model_impl.h"

#include "core/context.h"

#include <stdio.h>
#include <string.h>

static kh_status clamp_open(kh_context *ctx, kh_model *m) {
  char cards[m->outputs * 160 + 1], names[m->outputs + 1][32];
  const char *name[m->outputs + 1];
  size_t n = 0;
  cards[0] = '\0';
  for (size_t k = 0; k < m->outputs; k++) {
    snprintf(names[k], sizeof names[k], "vkh_clamp%zu", k);
    name[k] = names[k];
    n += (size_t)snprintf(cards + n, sizeof cards - n, "%s %s %s dc 0\n", names[k],
                          kh_netlist_node_name(m->nl, m->out[k].node_pos),
                          kh_netlist_node_name(m->nl, m->out[k].node_neg));
  }
  kh_status st = kh_model_copy_open(ctx, m, cards, name, m->outputs, &m->clamp);
  if (st != KH_OK) kh_context_prefix(ctx, "coupled learning's clamped circuit: ");
  return st;
}

kh_status kh_model_coupled(kh_context *ctx, kh_model *m, double eta, const double *outputs,
                           double *grad, kh_grad_info *info) {
  if (!(eta > 0 && eta <= 1))
    return kh_fail(ctx, KH_ERR_USAGE, "coupled learning's eta must lie in (0, 1] (got %g)", eta);
  kh_status st = m->clamp ? KH_OK : clamp_open(ctx, m);
  double clamps[m->outputs + 1];
  for (size_t o = 0; o < m->outputs; o++)
    clamps[o] = outputs[o] + eta * (m->target[o] - outputs[o]);
  if (st == KH_OK) st = kh_model_copy_sync(ctx, m, m->clamp);
  if (st == KH_OK)
    st = kh_circuit_set_sources(ctx, m->clamp->circuit, m->outputs, m->clamp->added, clamps);
  if (st == KH_OK) st = kh_model_copy_solve(ctx, m, m->clamp, &info->iterations);
  if (st != KH_OK) {
    kh_context_prefix(ctx, "clamped phase (eta = %g): ", eta);
    return st;
  }
  info->phases++;
  /* The free state as measured, then the clamped one: the clamps set the outputs (no noise). */
  kh_model_dE_dtheta(m, kh_model_measure(m, m->v_free, m->nodes), m->dedtheta);
  for (size_t i = 0; i < m->params; i++) grad[i] = -m->dedtheta[i] / eta;
  double *exact = m->clamp->v_model, *v = m->node_work;
  memcpy(v, kh_model_measure(m, exact, m->nodes), m->nodes * sizeof *v);
  for (size_t o = 0; o < m->outputs; o++)
    v[m->out[o].node_pos] = exact[m->out[o].node_pos],
    v[m->out[o].node_neg] = exact[m->out[o].node_neg];
  kh_model_dE_dtheta(m, v, m->dedtheta);
  for (size_t i = 0; i < m->params; i++) grad[i] += m->dedtheta[i] / eta;
  return KH_OK;
}
