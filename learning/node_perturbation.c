/* Node perturbation (perturbation.c's third rule): a current +-delta_a injected at each
 * solved-for node a, through a probe source on a copy of the circuit (kh_model_copy), reads
 * lambda_a = dL/dI_a by central differences of the measured loss; then each conductance moves by
 * dL/dg_ab = -(lambda_a - lambda_b)(v_a - v_b) and each current by -(lambda+ - lambda-), v the
 * free state as measured: the adjoint's formula with lambda read instead of solved for. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The copy with "ikh_probe<k> 0 <node> dc 0" at every solved-for node; probe[k] its node. */
static kh_status probe_open(kh_context *ctx, kh_model *m, size_t *probe, size_t *count) {
  size_t n = 0;
  for (size_t a = 1; a < m->nodes; a++)
    if (!kh_circuit_node_fixed(m->circuit, a)) probe[n++] = a;
  *count = n;
  if (m->probe) return KH_OK;
  size_t cap = 1 + n * 64;
  for (size_t k = 0; k < n; k++) cap += strlen(kh_netlist_node_name(m->nl, probe[k]));
  char *cards = kh_malloc(cap), (*names)[32] = kh_malloc((n + 1) * sizeof *names);
  const char **name = kh_malloc((n + 1) * sizeof *name);
  kh_status st = cards && names && name ? KH_OK : kh_fail_nomem(ctx, "node perturbation");
  size_t len = 0;
  if (cards) cards[0] = '\0';
  for (size_t k = 0; st == KH_OK && k < n; k++) {
    snprintf(names[k], sizeof names[k], "ikh_probe%zu", k);
    name[k] = names[k];
    len += (size_t)snprintf(cards + len, cap - len, "%s 0 %s dc 0\n", names[k],
                            kh_netlist_node_name(m->nl, probe[k]));
  }
  if (st == KH_OK) st = kh_model_copy_open(ctx, m, cards, name, n, &m->probe);
  if (st != KH_OK) kh_context_prefix(ctx, "node perturbation's probes: ");
  kh_free(cards), kh_free(names), kh_free(name);
  return st;
}

/* delta_a: sigma times 1 V times the trainable conductance meeting node a (their mean where
 * none meets it). */
static void injections(const kh_model *m, double sigma, double *delta) {
  memset(delta, 0, m->nodes * sizeof *delta);
  for (size_t i = 0; i < m->params; i++) {
    if (!m->param[i].conductance) continue;
    double g = fabs(kh_circuit_conductance(m->circuit, m->param[i].element));
    delta[m->param[i].node_pos] += g, delta[m->param[i].node_neg] += g;
  }
  double sum = 0;
  size_t count = 0;
  for (size_t a = 1; a < m->nodes; a++)
    if (delta[a] > 0) sum += delta[a], count++;
  double mean = count ? sum / count : 1e-3;
  for (size_t a = 0; a < m->nodes; a++) delta[a] = sigma * 1.0 * (delta[a] > 0 ? delta[a] : mean);
}

/* L with probe k injecting `current`. */
static kh_status probed_loss(kh_context *ctx, kh_model *m, size_t k, double current, double *loss,
                             kh_grad_info *info) {
  kh_model_copy *p = m->probe;
  kh_status st = kh_circuit_set_source(ctx, p->circuit, p->added[k], current);
  if (st == KH_OK) st = kh_model_copy_solve(ctx, m, p, &info->iterations);
  if (st != KH_OK) return st;
  info->phases++;
  *loss = kh_model_measured_loss(m, p->v_model);
  return KH_OK;
}

kh_status kh_model_node_perturbation(kh_context *ctx, kh_model *m, double sigma, double *grad,
                                     kh_grad_info *info) {
  for (size_t i = 0; i < m->params; i++)
    if (m->param[i].weight != 1)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "node perturbation reads dL/dI at the nodes; amplifiers reweight the "
                     "energy behind them, which it does not model: use another estimator");
  size_t *probe = kh_malloc(m->nodes * sizeof *probe), count = 0;
  double *lambda = kh_calloc(m->nodes, sizeof *lambda),
         *delta = kh_malloc(m->nodes * sizeof *delta);
  kh_status st = probe && lambda && delta ? probe_open(ctx, m, probe, &count)
                                          : kh_fail_nomem(ctx, "node perturbation");
  if (st == KH_OK) st = kh_model_copy_sync(ctx, m, m->probe);
  if (st == KH_OK) injections(m, sigma, delta);
  for (size_t k = 0; st == KH_OK && k < count; k++) {
    double up = 0, down = 0, d = delta[probe[k]];
    st = probed_loss(ctx, m, k, d, &up, info);
    if (st == KH_OK) st = probed_loss(ctx, m, k, -d, &down, info);
    kh_status back = kh_circuit_set_source(ctx, m->probe->circuit, m->probe->added[k], 0);
    if (st == KH_OK) st = back;
    lambda[probe[k]] = (up - down) / (2 * d);
  }
  if (st == KH_OK) {
    const double *v = kh_model_measure(m, m->v_free, m->nodes);
    for (size_t i = 0; i < m->params; i++) {
      const kh_param *p = &m->param[i];
      double dl = lambda[p->node_pos] - lambda[p->node_neg];
      grad[i] = p->conductance ? -dl * (v[p->node_pos] - v[p->node_neg]) : -dl;
    }
  }
  kh_free(probe), kh_free(lambda), kh_free(delta);
  return st;
}
