/* Inexact phases and iterative differentiation (kirchhoff/model.h: kh_model_set_inner,
 * KH_EST_ITD): phases as a fixed number of relaxation sweeps (kh_relaxation), and reverse mode
 * through them. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

/* A relaxation handle that keeps at least `sweeps` sweeps. */
static kh_status ensure_relaxation(kh_context *ctx, kh_model *m, unsigned sweeps) {
  if (m->relax && m->relax_capacity >= sweeps) return KH_OK;
  kh_relaxation *r = NULL;
  kh_status st = kh_relaxation_new(ctx, &r, m->circuit, sweeps);
  if (st != KH_OK) return st;
  kh_relaxation_free(m->relax);
  m->relax = r, m->relax_capacity = sweeps;
  return KH_OK;
}

kh_status kh_model_set_inner(kh_context *ctx, kh_model *m, unsigned sweeps, double tol,
                             kh_inner_start start) {
  if (start != KH_INNER_FROM_FREE && start != KH_INNER_FROM_PREVIOUS)
    return kh_fail(ctx, KH_ERR_USAGE, "unknown start of the inexact nudged phases %d", (int)start);
  if (!(tol >= 0 && tol < INFINITY))
    return kh_fail(ctx, KH_ERR_USAGE, "the inexact phases' tolerance must be finite and >= 0");
  if (tol > 0 && !sweeps) sweeps = 100000;
  kh_status st = sweeps ? ensure_relaxation(ctx, m, sweeps) : KH_OK;
  if (st != KH_OK) return st;
  m->inner = sweeps, m->inner_tol = tol, m->inner_start = start;
  return KH_OK;
}

int kh_estimator_takes_inexact_phases(kh_estimator e) {
  return e != KH_EST_OSCILLATING && !(e >= KH_EST_COUPLED && e <= KH_EST_NODE_PERTURBATION) &&
         (unsigned)e < KH_EST_COUNT;
}

kh_status kh_model_check_inner(kh_context *ctx, const kh_model *m, kh_estimator est) {
  if (!m->inner) return KH_OK;
  if (!kh_estimator_takes_inexact_phases(est))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "the %s estimator's phases are its time steps; with inexact phases (%u sweeps) "
                   "every other estimator runs",
                   kh_estimator_name(est), m->inner);
  if (m->beta_relative)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "a relative beta reads the exact free phase's nudge radius; with inexact "
                   "phases give beta in siemens");
  return KH_OK;
}

kh_status kh_model_relaxed_phase(kh_context *ctx, kh_model *m, double beta, double *v) {
  kh_status st = kh_circuit_set_nudge(ctx, m->circuit, beta, beta != 0 ? m->target : NULL);
  kh_relaxation_stats stats = {0, 0, 0};
  if (st == KH_OK)
    st = kh_relaxation_run(ctx, m->relax, m->inner, m->inner_tol, beta != 0 ? m->inner_from : NULL,
                           v, &stats);
  m->sweeps += stats.sweeps, m->inner_sweeps = stats.sweeps;
  if (st == KH_OK && !(stats.error_bound <= m->inner_error)) m->inner_error = stats.error_bound;
  if (st != KH_OK && beta != 0) kh_context_prefix(ctx, "nudged phase (beta = %g): ", beta);
  return st;
}

kh_status kh_model_itd(kh_context *ctx, kh_model *m, const double *outputs, double *grad,
                       kh_grad_info *info) {
  unsigned sweeps = m->inner ? m->inner_sweeps : m->adjoint_k; /* the free phase's, or k */
  kh_status st = KH_OK;
  if (!m->inner) { /* warm: k sweeps from the equilibrium just found */
    st = ensure_relaxation(ctx, m, sweeps);
    if (st == KH_OK)
      st = kh_relaxation_run(ctx, m->relax, sweeps, 0, m->v_free, m->node_work, NULL);
    if (st != KH_OK) return st;
    m->sweeps += sweeps;
  }
  size_t elements = kh_netlist_element_count(m->nl);
  double *cotangent = kh_calloc(m->nodes, sizeof *cotangent);
  double *element_grad = kh_calloc(elements + 1, sizeof *element_grad);
  if (!cotangent || !element_grad) {
    kh_free(cotangent), kh_free(element_grad);
    return kh_fail_nomem(ctx, "iterative differentiation");
  }
  for (size_t k = 0; k < m->outputs; k++) { /* dL/dv of L = 1/2 |o - y|^2 */
    double e = outputs[k] - m->target[k];
    cotangent[m->out[k].node_pos] += e;
    cotangent[m->out[k].node_neg] -= e;
  }
  st = kh_relaxation_vjp(ctx, m->relax, cotangent, element_grad);
  for (size_t i = 0; st == KH_OK && i < m->params; i++) grad[i] = element_grad[m->param[i].element];
  info->products += sweeps; /* one product with A per reverse sweep */
  kh_free(cotangent), kh_free(element_grad);
  return st;
}
