/* Coupled learning (Stern et al. 2021; docs/algorithms.md, "Coupled learning"): the free phase,
 * then a clamped phase with the outputs held by voltage sources at o_c = o + eta (y - o), and
 * per element the difference of the two states' dE/dtheta (half the squared drop of a
 * conductance), over eta. The clamped phase is solved exactly on a copy of the circuit in which
 * the clamps are real voltage sources: the model's netlist written out with one source per
 * output added, parsed back, and kept in step with the model's parameters and inputs. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kh_clamp {
  kh_netlist *nl;
  kh_circuit *circuit;
  kh_solver *solver;
  size_t *clamp;   /* per output: the clamp source's element */
  size_t *param;   /* per parameter: its element in the copy */
  size_t *input;   /* per input source: its element in the copy */
  size_t *node;    /* per node of the model: its node in the copy */
  double *v;       /* the clamped state, nodes of the copy */
  double *v_model; /* the same, nodes of the model */
};

void kh_clamp_free(kh_clamp *k) {
  if (!k) return;
  kh_solver_free(k->solver);
  kh_circuit_free(k->circuit);
  kh_netlist_free(k->nl);
  kh_free(k->clamp), kh_free(k->param), kh_free(k->input), kh_free(k->node);
  kh_free(k->v), kh_free(k->v_model);
  kh_free(k);
}

/* The model's netlist with a source "vkh_clamp<k> p n" per output, before its .end. */
static kh_status clamped_text(kh_context *ctx, const kh_model *m, char **out) {
  char *text = NULL;
  kh_status st = kh_netlist_write_string(ctx, m->nl, &text);
  if (st != KH_OK) return st;
  char *end = strstr(text, "\n.end");
  size_t head = end ? (size_t)(end - text) + 1 : strlen(text), cap = strlen(text) + 64;
  cap += m->outputs * 160;
  char *s = kh_malloc(cap);
  if (!s) {
    kh_free(text);
    return kh_fail_nomem(ctx, "the clamped circuit of coupled learning");
  }
  size_t n = (size_t)snprintf(s, cap, "%.*s", (int)head, text);
  for (size_t k = 0; k < m->outputs; k++)
    n += (size_t)snprintf(s + n, cap - n, "vkh_clamp%zu %s %s dc 0\n", k,
                          kh_netlist_node_name(m->nl, m->out[k].node_pos),
                          kh_netlist_node_name(m->nl, m->out[k].node_neg));
  snprintf(s + n, cap - n, ".end\n");
  kh_free(text);
  *out = s;
  return KH_OK;
}

static size_t copy_element(const kh_clamp *k, const kh_model *m, size_t element) {
  return kh_netlist_find_element(k->nl, kh_netlist_element(m->nl, element).name);
}

/* Where the copy keeps each output's clamp, each parameter, input source and node. */
static kh_status map_copy(kh_context *ctx, kh_clamp *k, const kh_model *m) {
  size_t none = (size_t)-1, bad = 0;
  for (size_t o = 0; o < m->outputs; o++) {
    char name[32];
    snprintf(name, sizeof name, "vkh_clamp%zu", o);
    bad |= (k->clamp[o] = kh_netlist_find_element(k->nl, name)) == none;
  }
  for (size_t i = 0; i < m->params; i++)
    bad |= (k->param[i] = copy_element(k, m, m->param[i].element)) == none;
  for (size_t i = 0; i < m->source_count; i++)
    bad |= (k->input[i] = copy_element(k, m, m->source[i])) == none;
  for (size_t v = 0; v < m->nodes; v++)
    bad |= (k->node[v] = kh_netlist_find_node(k->nl, kh_netlist_node_name(m->nl, v))) == none;
  return bad ? kh_fail(ctx, KH_ERR_INPUT, "coupled learning: the clamped copy lost an element")
             : KH_OK;
}

static kh_status clamp_open(kh_context *ctx, kh_model *m) {
  kh_clamp *k = kh_calloc(1, sizeof *k);
  char *text = NULL;
  kh_status st = k ? clamped_text(ctx, m, &text) : kh_fail_nomem(ctx, "coupled learning");
  if (st == KH_OK) st = kh_netlist_parse_string(ctx, &k->nl, text, "<the clamped circuit>");
  kh_free(text);
  if (st == KH_OK) {
    size_t nodes = kh_netlist_node_count(k->nl);
    k->clamp = kh_malloc(m->outputs * sizeof *k->clamp + 1);
    k->param = kh_malloc(m->params * sizeof *k->param + 1);
    k->input = kh_malloc(m->source_count * sizeof *k->input + 1);
    k->node = kh_malloc(m->nodes * sizeof *k->node);
    k->v = kh_malloc(nodes * sizeof *k->v);
    k->v_model = kh_malloc(m->nodes * sizeof *k->v_model);
    if (!k->clamp || !k->param || !k->input || !k->node || !k->v || !k->v_model)
      st = kh_fail_nomem(ctx, "coupled learning");
  }
  if (st == KH_OK) st = map_copy(ctx, k, m);
  if (st == KH_OK) st = kh_circuit_new(ctx, &k->circuit, k->nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &k->solver, k->circuit, "native");
  if (st != KH_OK) {
    kh_context_prefix(ctx, "coupled learning's clamped circuit: ");
    kh_clamp_free(k);
    return st;
  }
  m->clamp = k;
  return KH_OK;
}

/* The copy takes the model's present parameters and inputs, and the clamps o_c. */
static kh_status clamp_set(kh_context *ctx, kh_model *m, const double *clamps) {
  kh_clamp *k = m->clamp;
  kh_status st = KH_OK;
  for (size_t i = 0; st == KH_OK && i < m->params; i++) {
    size_t e = m->param[i].element;
    if (m->param[i].conductance) {
      double g = kh_circuit_conductance(m->circuit, e);
      if (g != kh_circuit_conductance(k->circuit, k->param[i]))
        st = kh_circuit_set_conductance(ctx, k->circuit, k->param[i], g);
    } else {
      st = kh_circuit_set_source(ctx, k->circuit, k->param[i], kh_circuit_source(m->circuit, e));
    }
  }
  double inputs[m->source_count + 1];
  for (size_t i = 0; i < m->source_count; i++)
    inputs[i] = kh_circuit_source(m->circuit, m->source[i]);
  if (st == KH_OK) st = kh_circuit_set_sources(ctx, k->circuit, m->source_count, k->input, inputs);
  if (st == KH_OK) st = kh_circuit_set_sources(ctx, k->circuit, m->outputs, k->clamp, clamps);
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
  if (st == KH_OK) st = clamp_set(ctx, m, clamps);
  kh_solve_stats stats;
  if (st == KH_OK) st = kh_solver_solve(ctx, m->clamp->solver, m->clamp->v, &stats);
  if (st != KH_OK) {
    kh_context_prefix(ctx, "clamped phase (eta = %g): ", eta);
    return st;
  }
  info->iterations += stats.iterations;
  info->phases++;
  /* The free state as measured, then the clamped one: the clamps set the outputs (no noise). */
  kh_model_dE_dtheta(m, kh_model_measure(m, m->v_free, m->nodes), m->dedtheta);
  for (size_t i = 0; i < m->params; i++) grad[i] = -m->dedtheta[i] / eta;
  double *v = m->clamp->v_model;
  for (size_t n = 0; n < m->nodes; n++) v[n] = m->clamp->v[m->clamp->node[n]];
  memcpy(v, kh_model_measure(m, v, m->nodes), m->nodes * sizeof *v);
  for (size_t o = 0; o < m->outputs; o++)
    v[m->out[o].node_pos] = m->clamp->v[m->clamp->node[m->out[o].node_pos]],
    v[m->out[o].node_neg] = m->clamp->v[m->clamp->node[m->out[o].node_neg]];
  kh_model_dE_dtheta(m, v, m->dedtheta);
  for (size_t i = 0; i < m->params; i++) grad[i] += m->dedtheta[i] / eta;
  return KH_OK;
}
