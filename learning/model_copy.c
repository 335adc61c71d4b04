/* A copy of a model's circuit with sources of the caller's added (model_impl.h): how coupled
 * learning clamps the outputs with voltage sources and node perturbation injects currents, each
 * solved exactly by the same certified solver as every other phase. The model's netlist is
 * written out, the cards appended before its .end, and the text parsed back; the copy is kept in
 * step with the model's parameters and inputs by kh_model_copy_sync. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_model_copy_free(kh_model_copy *k) {
  if (!k) return;
  kh_solver_free(k->solver);
  kh_circuit_free(k->circuit);
  kh_netlist_free(k->nl);
  kh_free(k->added), kh_free(k->param), kh_free(k->input), kh_free(k->node);
  kh_free(k->v), kh_free(k->v_model);
  kh_free(k);
}

/* The model's netlist with `cards` (one string, lines ending in newlines) before its .end. */
static kh_status copy_text(kh_context *ctx, const kh_model *m, const char *cards, char **out) {
  char *text = NULL;
  kh_status st = kh_netlist_write_string(ctx, m->nl, &text);
  if (st != KH_OK) return st;
  char *end = strstr(text, "\n.end");
  size_t head = end ? (size_t)(end - text) + 1 : strlen(text);
  size_t cap = head + strlen(cards) + 8;
  char *s = kh_malloc(cap);
  if (s) snprintf(s, cap, "%.*s%s.end\n", (int)head, text, cards);
  kh_free(text);
  *out = s;
  return s ? KH_OK : kh_fail_nomem(ctx, "a copy of the circuit");
}

static size_t copy_element(const kh_model_copy *k, const kh_model *m, size_t element) {
  return kh_netlist_find_element(k->nl, kh_netlist_element(m->nl, element).name);
}

/* Where the copy keeps each added source, parameter, input source and node. */
static kh_status map_copy(kh_context *ctx, kh_model_copy *k, const kh_model *m,
                          const char *const *names) {
  size_t none = (size_t)-1, bad = 0;
  for (size_t a = 0; a < k->added_count; a++)
    bad |= (k->added[a] = kh_netlist_find_element(k->nl, names[a])) == none;
  for (size_t i = 0; i < m->params; i++)
    bad |= (k->param[i] = copy_element(k, m, m->param[i].element)) == none;
  for (size_t i = 0; i < m->source_count; i++)
    bad |= (k->input[i] = copy_element(k, m, m->source[i])) == none;
  for (size_t v = 0; v < m->nodes; v++)
    bad |= (k->node[v] = kh_netlist_find_node(k->nl, kh_netlist_node_name(m->nl, v))) == none;
  return bad ? kh_fail(ctx, KH_ERR_INPUT, "the circuit's copy lost an element or a node") : KH_OK;
}

static kh_status copy_arrays(kh_context *ctx, kh_model_copy *k, const kh_model *m) {
  k->added = kh_malloc(k->added_count * sizeof *k->added + 1);
  k->param = kh_malloc(m->params * sizeof *k->param + 1);
  k->input = kh_malloc(m->source_count * sizeof *k->input + 1);
  k->node = kh_malloc(m->nodes * sizeof *k->node);
  k->v = kh_malloc(kh_netlist_node_count(k->nl) * sizeof *k->v);
  k->v_model = kh_malloc(m->nodes * sizeof *k->v_model);
  return k->added && k->param && k->input && k->node && k->v && k->v_model
             ? KH_OK
             : kh_fail_nomem(ctx, "a copy of the circuit");
}

kh_status kh_model_copy_open(kh_context *ctx, const kh_model *m, const char *cards,
                             const char *const *names, size_t count, kh_model_copy **out) {
  kh_model_copy *k = kh_calloc(1, sizeof *k);
  char *text = NULL;
  kh_status st = k ? copy_text(ctx, m, cards, &text) : kh_fail_nomem(ctx, "a copy of the circuit");
  if (st == KH_OK) st = kh_netlist_parse_own_text(ctx, &k->nl, text, "<the circuit's copy>");
  kh_free(text);
  if (k) k->added_count = count;
  if (st == KH_OK) st = copy_arrays(ctx, k, m);
  if (st == KH_OK) st = map_copy(ctx, k, m, names);
  if (st == KH_OK) st = kh_circuit_new(ctx, &k->circuit, k->nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &k->solver, k->circuit, "native");
  if (st != KH_OK) {
    kh_model_copy_free(k);
    return st;
  }
  *out = k;
  return KH_OK;
}

kh_status kh_model_copy_sync(kh_context *ctx, const kh_model *m, kh_model_copy *k) {
  kh_status st = KH_OK;
  /* the sample's first solve of the copy starts cold: what it computes then depends on this
   * sample alone, not on which samples this worker solved before (train.c's threads) */
  kh_solver_set_warm_start(k->solver, NULL);
  kh_solver_forget_history(k->solver);
  for (size_t i = 0; st == KH_OK && i < m->params; i++) {
    size_t e = m->param[i].element;
    if (m->param[i].conductance) {
      double g = kh_circuit_conductance(m->circuit, e);
      if (g != kh_circuit_conductance(k->circuit, k->param[i])) /* keeps the factor otherwise */
        st = kh_circuit_set_conductance(ctx, k->circuit, k->param[i], g);
    } else {
      st = kh_circuit_set_source(ctx, k->circuit, k->param[i], kh_circuit_source(m->circuit, e));
    }
  }
  double inputs[m->source_count + 1];
  for (size_t i = 0; i < m->source_count; i++)
    inputs[i] = kh_circuit_source(m->circuit, m->source[i]);
  return st == KH_OK ? kh_circuit_set_sources(ctx, k->circuit, m->source_count, k->input, inputs)
                     : st;
}

kh_status kh_model_copy_solve(kh_context *ctx, const kh_model *m, kh_model_copy *k,
                              unsigned *iterations) {
  kh_solve_stats stats;
  kh_status st = kh_solver_solve(ctx, k->solver, k->v, &stats);
  if (st != KH_OK) return st;
  if (iterations) *iterations += stats.iterations;
  for (size_t n = 0; n < m->nodes; n++) k->v_model[n] = k->v[k->node[n]];
  return KH_OK;
}
