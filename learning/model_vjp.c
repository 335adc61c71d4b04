/* kh_model_vjp (model.h): the outputs' vector-Jacobian product for any output cotangent c.
 *
 * Parameters, by any estimator: the estimators differentiate L = 1/2 |o - t|^2, whose derivative
 * at the free state is (o - t)^T do/dtheta; with t = o_free - c that is c^T do/dtheta, so each
 * estimator's gradient toward that target is its estimate of the VJP (coupled learning's, of
 * its own G_out-weighted cost).
 *
 * Inputs, exactly: with lambda = H^-1 c (the adjoint of the free phase), a source that fixes
 * node s at V moves the solved-for node a behind an element of curvature k by
 * dL/dV = sum_e w_e k_e lambda_a (differentiating grad E = 0 along V; docs/python.md). The
 * elements that reach an input's node must be resistors (k = g) for this to be the whole
 * derivative; a current source input I adds -(lambda_pos - lambda_neg). */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

/* dL/dV for the voltage source `element` that fixes its + node s against ground */
static kh_status voltage_input(kh_context *ctx, const kh_model *m, size_t element,
                               const double *lambda, double *out) {
  const kh_netlist *nl = m->nl;
  kh_element src = kh_netlist_element(nl, element);
  size_t s = src.node_pos;
  if (src.node_neg != 0 || !kh_circuit_node_fixed(m->circuit, s))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "%s:%u:%u: input gradients need each input voltage source between its node "
                   "and ground ('%s' is not)",
                   src.file, src.line, src.col, src.name);
  double sum = 0;
  for (size_t e = 0; e < kh_netlist_element_count(nl); e++) {
    kh_element el = kh_netlist_element(nl, e);
    if (e == element || (el.node_pos != s && el.node_neg != s)) continue;
    size_t other = el.node_pos == s ? el.node_neg : el.node_pos;
    if (kh_circuit_node_fixed(m->circuit, other) || el.kind == KH_ISOURCE ||
        el.kind == KH_CAPACITOR)
      continue; /* moves nothing the circuit solves for */
    if (el.kind != KH_RESISTOR)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "%s:%u:%u: input gradients need the input nodes joined to the network by "
                     "resistors only ('%s' joins input '%s')",
                     el.file, el.line, el.col, el.name, src.name);
    sum += kh_circuit_element_weight(m->circuit, e) * kh_circuit_conductance(m->circuit, e) *
           lambda[other];
  }
  *out = sum;
  return KH_OK;
}

static kh_status source_gradient(kh_context *ctx, const kh_model *m, size_t element,
                                 const double *lambda, double *out) {
  kh_element src = kh_netlist_element(m->nl, element);
  if (src.kind == KH_ISOURCE) {
    *out = -(lambda[src.node_pos] - lambda[src.node_neg]);
    return KH_OK;
  }
  return voltage_input(ctx, m, element, lambda, out);
}

/* dL/dx per feature from the free phase just solved (the model's solver holds its factor) */
static kh_status input_gradient(kh_context *ctx, kh_model *m, const double *cotangent,
                                double *input_grad) {
  if (m->inner)
    return kh_fail(ctx, KH_ERR_USAGE, "input gradients need exact phases (no inner sweeps)");
  double *r = m->node_work;
  memset(r, 0, m->nodes * sizeof *r);
  for (size_t k = 0; k < m->outputs; k++) {
    r[m->out[k].node_pos] += cotangent[k];
    r[m->out[k].node_neg] -= cotangent[k];
  }
  r[0] = 0;
  kh_status st = kh_solver_adjoint(ctx, m->solver, r, r);
  for (size_t i = 0; st == KH_OK && i < m->inputs; i++) {
    kh_input in = kh_netlist_input(m->nl, i);
    double pos = 0, neg = 0;
    st = source_gradient(ctx, m, in.source, r, &pos);
    if (st == KH_OK && in.negated != (size_t)-1) st = source_gradient(ctx, m, in.negated, r, &neg);
    input_grad[i] = m->gain * (pos - neg);
  }
  return st;
}

kh_status kh_model_vjp(kh_context *ctx, kh_model *m, kh_estimator est, double beta,
                       const double *cotangent, double *grad, double *input_grad, double *outputs,
                       kh_grad_info *info) {
  double *o = kh_malloc(m->outputs * sizeof *o), *target = kh_malloc(m->outputs * sizeof *o);
  if (!o || !target) return kh_free(o), kh_free(target), kh_fail_nomem(ctx, "a VJP");
  kh_status st = kh_model_predict(ctx, m, o);
  for (size_t k = 0; st == KH_OK && k < m->outputs; k++) {
    if (!isfinite(cotangent[k]))
      st = kh_fail(ctx, KH_ERR_USAGE, "cotangent %zu is %g: it must be finite", k, cotangent[k]);
    target[k] = o[k] - cotangent[k];
  }
  if (st == KH_OK && input_grad) st = input_gradient(ctx, m, cotangent, input_grad);
  if (st == KH_OK && grad) st = kh_model_gradient(ctx, m, est, beta, target, grad, info);
  if (st == KH_OK && outputs) memcpy(outputs, o, m->outputs * sizeof *o);
  kh_free(o), kh_free(target);
  return st;
}
