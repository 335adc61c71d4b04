/* A trainable circuit: the learning cards bound to a circuit and its native solver. */
#include "model_impl.h"
#include "kirchhoff/train.h"

#include "core/alloc.h"
#include "core/context.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Layer of a generator-named parameter: r<l>_<j>_<k> or i<l>_<j>; 1 otherwise. */
static unsigned layer_of(const char *name) {
  if ((name[0] != 'r' && name[0] != 'i') || !isdigit((unsigned char)name[1])) return 1;
  char *end;
  unsigned long l = strtoul(name + 1, &end, 10);
  return *end == '_' && l > 0 && l < 1000 ? (unsigned)l : 1;
}

static kh_status bind_cards(kh_context *ctx, kh_model *m) {
  const kh_netlist *nl = m->nl;
  m->inputs = kh_netlist_input_count(nl);
  m->outputs = kh_netlist_output_count(nl);
  m->params = kh_netlist_trainable_count(nl);
  if (!m->inputs || !m->outputs || !m->params)
    return kh_fail(ctx, KH_ERR_INPUT,
                   "a trainable netlist needs .input, .output and .train cards (this one has %zu "
                   "inputs, %zu outputs, %zu trainable elements)",
                   m->inputs, m->outputs, m->params);
  m->nodes = kh_netlist_node_count(nl);
  m->gain = kh_netlist_input_gain(nl);
  if (!kh_netlist_bounds(nl, &m->gmin, &m->gmax)) m->gmin = 0, m->gmax = INFINITY;
  m->source = kh_malloc(2 * m->inputs * sizeof *m->source);
  m->source_value = kh_malloc(2 * m->inputs * sizeof *m->source_value);
  m->out = kh_malloc(m->outputs * sizeof *m->out);
  m->param = kh_malloc(m->params * sizeof *m->param);
  if (!m->source || !m->source_value || !m->out || !m->param)
    return kh_fail_nomem(ctx, "binding the learning cards");
  for (size_t i = 0; i < m->inputs; i++) {
    kh_input in = kh_netlist_input(nl, i);
    m->source[m->source_count++] = in.source;
    if (in.negated != (size_t)-1) m->source[m->source_count++] = in.negated;
  }
  for (size_t k = 0; k < m->outputs; k++) m->out[k] = kh_netlist_output(nl, k);
  for (size_t i = 0; i < m->params; i++) {
    kh_element e = kh_netlist_element(nl, kh_netlist_trainable(nl, i));
    m->param[i] = (kh_param){kh_netlist_trainable(nl, i), e.node_pos,       e.node_neg,
                             e.kind == KH_RESISTOR,       layer_of(e.name), 1.0};
  }
  return KH_OK;
}

kh_status kh_model_new(kh_context *ctx, kh_model **out, const kh_netlist *nl) {
  *out = NULL;
  kh_model *m = kh_calloc(1, sizeof *m);
  if (!m) return kh_fail_nomem(ctx, "creating a model");
  m->nl = nl;
  m->holo_points = 4;
  m->adjoint_k = 10;
  m->damping = 1;
  m->holo_strict = 1;
  m->noise_readings = 1;
  m->perturbations = 1;
  kh_rng_seed(&m->perturb_rng, 1);
  kh_rng_seed(&m->noise_rng, 1);
  m->osc = (kh_oscillation)KH_OSCILLATION_INIT;
  m->osc_harmonics = 3;
  kh_status st = bind_cards(ctx, m);
  if (st == KH_OK) st = kh_circuit_new(ctx, &m->circuit, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &m->solver, m->circuit, "native");
  for (size_t i = 0; st == KH_OK && i < m->params; i++)
    m->param[i].weight = kh_circuit_element_weight(m->circuit, m->param[i].element);
  if (st == KH_OK) {
    size_t n = m->nodes, u = kh_circuit_unknowns(m->circuit) + 1;
    m->v_free = kh_malloc(n * sizeof *m->v_free);
    m->v_nudged = kh_malloc(n * sizeof *m->v_nudged);
    m->node_work = kh_malloc(n * sizeof *m->node_work);
    m->v_measured = kh_malloc(2 * n * sizeof *m->v_measured);
    m->warm = kh_malloc(u * sizeof *m->warm);
    m->dedtheta = kh_malloc(m->params * sizeof *m->dedtheta);
    m->target = kh_calloc(m->outputs, sizeof *m->target);
    if (!m->v_free || !m->v_nudged || !m->node_work || !m->warm || !m->dedtheta || !m->target ||
        !m->v_measured)
      st = kh_fail_nomem(ctx, "creating a model");
  }
  if (st != KH_OK) {
    kh_model_free(m);
    return st;
  }
  *out = m;
  return KH_OK;
}

void kh_model_free(kh_model *m) {
  if (!m) return;
  kh_model_copy_free(m->clamp), kh_model_copy_free(m->probe);
  kh_solver_free(m->osc_solver);
  kh_relaxation_free(m->relax);
  kh_solver_free(m->solver);
  kh_circuit_free(m->circuit);
  kh_free(m->osc_sum);
  kh_free(m->source), kh_free(m->source_value), kh_free(m->out), kh_free(m->param);
  kh_free(m->v_free), kh_free(m->v_nudged), kh_free(m->node_work), kh_free(m->warm);
  kh_free(m->dedtheta), kh_free(m->target), kh_free(m->v_measured);
  kh_free(m);
}

size_t kh_model_input_count(const kh_model *m) {
  return m->inputs;
}
size_t kh_model_output_count(const kh_model *m) {
  return m->outputs;
}
size_t kh_model_param_count(const kh_model *m) {
  return m->params;
}
const kh_netlist *kh_model_netlist(const kh_model *m) {
  return m->nl;
}
kh_solver *kh_model_solver(kh_model *m) {
  return m->solver;
}
int kh_model_param_is_conductance(const kh_model *m, size_t i) {
  return m->param[i].conductance;
}
const char *kh_model_param_name(const kh_model *m, size_t i) {
  return kh_netlist_element(m->nl, m->param[i].element).name;
}
unsigned kh_model_param_layer(const kh_model *m, size_t i) {
  return m->param[i].layer;
}
void kh_model_bounds(const kh_model *m, double *gmin, double *gmax) {
  *gmin = m->gmin, *gmax = m->gmax;
}

void kh_model_get_params(const kh_model *m, double *theta) {
  for (size_t i = 0; i < m->params; i++)
    theta[i] = m->param[i].conductance ? kh_circuit_conductance(m->circuit, m->param[i].element)
                                       : kh_circuit_source(m->circuit, m->param[i].element);
}

kh_status kh_model_set_param(kh_context *ctx, kh_model *m, size_t i, double value) {
  return m->param[i].conductance
             ? kh_circuit_set_conductance(ctx, m->circuit, m->param[i].element, value)
             : kh_circuit_set_source(ctx, m->circuit, m->param[i].element, value);
}

kh_status kh_model_set_params(kh_context *ctx, kh_model *m, const double *theta) {
  for (size_t i = 0; i < m->params; i++) {
    kh_status st = kh_model_set_param(ctx, m, i, theta[i]);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

kh_status kh_model_set_input(kh_context *ctx, kh_model *m, const double *x) {
  size_t s = 0;
  for (size_t i = 0; i < m->inputs; i++) {
    if (!isfinite(x[i])) return kh_fail(ctx, KH_ERR_INPUT, "input feature %zu is not finite", i);
    m->source_value[s++] = m->gain * x[i];
    if (kh_netlist_input(m->nl, i).negated != (size_t)-1) m->source_value[s++] = -m->gain * x[i];
  }
  return kh_circuit_set_sources(ctx, m->circuit, m->source_count, m->source, m->source_value);
}

void kh_model_read_outputs(const kh_model *m, const double *v, double *outputs) {
  for (size_t k = 0; k < m->outputs; k++)
    outputs[k] = v[m->out[k].node_pos] - v[m->out[k].node_neg];
}

kh_status kh_model_solve(kh_context *ctx, kh_model *m, double beta, double *v, unsigned *iterations,
                         unsigned *factorizations) {
  if (m->inner) return kh_model_relaxed_phase(ctx, m, beta, v);
  kh_status st = kh_circuit_set_nudge(ctx, m->circuit, beta, beta != 0 ? m->target : NULL);
  kh_solve_stats stats;
  if (st == KH_OK) st = kh_solver_solve(ctx, m->solver, v, &stats);
  if (st == KH_OK && iterations) *iterations += stats.iterations;
  if (st == KH_OK && factorizations) *factorizations = stats.factorizations;
  if (st != KH_OK && beta < 0)
    kh_context_prefix(ctx,
                      "nudged phase (beta = %g; a negative nudge subtracts conductance at the "
                      "outputs and can leave the co-content without a minimum: try a smaller beta "
                      "or a forward estimator): ",
                      beta);
  else if (st != KH_OK && beta != 0)
    kh_context_prefix(ctx, "nudged phase (beta = %g): ", beta);
  return st;
}

kh_status kh_model_predict(kh_context *ctx, kh_model *m, double *outputs) {
  kh_status st = kh_model_solve(ctx, m, 0.0, m->v_free, NULL, NULL);
  if (st == KH_OK) kh_model_read_outputs(m, m->v_free, outputs);
  return st;
}

kh_status kh_model_set_holomorphic_points(kh_context *ctx, kh_model *m, unsigned points) {
  if (points < 2 || points > 64)
    return kh_fail(ctx, KH_ERR_USAGE, "holomorphic EP takes 2..64 points, got %u", points);
  m->holo_points = points;
  return KH_OK;
}

kh_status kh_model_set_adjoint_iterations(kh_context *ctx, kh_model *m, unsigned k) {
  if (k < 1 || k > 1000000)
    return kh_fail(ctx, KH_ERR_USAGE, "an iterative adjoint takes 1..1000000 products, got %u", k);
  m->adjoint_k = k;
  return KH_OK;
}

kh_status kh_model_set_phantom_damping(kh_context *ctx, kh_model *m, double d) {
  if (!(d > 0 && d <= 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the phantom gradient's damping must be in (0, 1], got %g",
                   d);
  m->damping = d;
  return KH_OK;
}

kh_status kh_model_set_holomorphic_contour(kh_context *ctx, kh_model *m, kh_contour contour) {
  if (contour != KH_CONTOUR_CIRCLE && contour != KH_CONTOUR_SLIT)
    return kh_fail(ctx, KH_ERR_USAGE, "unknown holomorphic contour %d", (int)contour);
  m->holo_contour = contour;
  return KH_OK;
}

kh_status kh_model_require_rational(kh_context *ctx, const kh_model *m) {
  if (kh_solver_nudge_rational(m->solver)) return KH_OK;
  return kh_fail(ctx, KH_ERR_USAGE,
                 "the slit contour needs a nudged response that is rational in beta (linear and "
                 "ideal-diode circuits); with Shockley or PWL diodes use the circle contour");
}

const char *kh_contour_name(kh_contour contour) {
  size_t count;
  const char *const *names = kh_train_option_names("holomorphic_contour", &count);
  return (size_t)contour < count ? names[contour] : "?";
}

void kh_model_set_holomorphic_strict(kh_model *m, int strict) {
  m->holo_strict = strict;
}

void kh_model_set_beta_relative(kh_model *m, int relative) {
  m->beta_relative = relative;
}
