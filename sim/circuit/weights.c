/* Energy weights for circuits with bidirectional amplifiers. An amplifier of gain A copies
 * A v(in) to its output and draws i / A from its input, i being the current it delivers; no
 * single co-content gives those KCL equations, but weighing every element behind the amplifier
 * by 1/A^2 does: the output side's terms then differentiate, through v(out) = A v(in), to
 * exactly i / A at the input (docs/algorithms.md). Elements that share a node without an
 * amplifier between them share a weight (a domain); amplifiers divide it by A^2 from domain to
 * domain, and a loop of amplifiers whose gains do not multiply to 1 has no energy at all. The
 * read-outs' domain has weight 1 (earlier layers A^2 per stage). */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

static uint32_t find(uint32_t *parent, uint32_t x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

static kh_status element_error(kh_context *ctx, const kh_circuit *c, size_t i, const char *what) {
  kh_element e = kh_netlist_element(c->nl, i);
  return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: '%s' %s", e.file, e.line, e.col, e.name, what);
}

/* Domains: nodes joined by any element other than the amplifiers' own, where both ends carry
 * an unknown (a fixed node belongs to every domain it touches). */
static void join_domains(const kh_circuit *c, uint32_t *parent) {
  for (size_t n = 0; n < c->node_count; n++) parent[n] = (uint32_t)n;
  for (size_t i = 0; i < c->element_count; i++) {
    if (c->kind[i] == KH_VCVS || c->kind[i] == KH_CCCS || c->kind[i] == KH_CAPACITOR) continue;
    uint32_t a = c->ends[i][0], b = c->ends[i][1];
    if (c->unknown_of[a] < 0 || c->unknown_of[b] < 0) continue;
    uint32_t ra = find(parent, a), rb = find(parent, b);
    if (ra != rb) parent[ra] = rb;
  }
}

/* Weights of the domains from the amplifier ratios, by relaxation from weight 1 per connected
 * group of domains; a contradiction is a loop of amplifiers without an energy. */
static kh_status spread(kh_context *ctx, kh_circuit *c, uint32_t *parent, double *dw) {
  size_t namp = kh_netlist_amplifier_count(c->nl);
  for (size_t n = 0; n < c->node_count; n++) dw[n] = NAN;
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t k = 0; k < namp; k++) {
      kh_amplifier amp = kh_netlist_amplifier(c->nl, k);
      if (c->unknown_of[amp.in] < 0) continue; /* a driven input: the output is fixed too */
      uint32_t din = find(parent, (uint32_t)amp.in), dout = find(parent, (uint32_t)amp.out);
      double ratio = 1 / (amp.gain * amp.gain);
      if (isnan(dw[din]) && isnan(dw[dout])) dw[din] = 1, changed = 1;
      if (isnan(dw[dout])) dw[dout] = dw[din] * ratio, changed = 1;
      if (isnan(dw[din])) dw[din] = dw[dout] / ratio, changed = 1;
      if (!(fabs(dw[dout] - dw[din] * ratio) <= 1e-12 * dw[dout]))
        return element_error(ctx, c, amp.vcvs,
                             "closes a loop of amplifiers whose gains do not multiply to 1: such a "
                             "circuit has no energy to minimize");
    }
  }
  return KH_OK;
}

kh_status kh_circuit_build_weights(kh_context *ctx, kh_circuit *c) {
  size_t n = c->node_count;
  uint32_t *parent = kh_malloc((n + 1) * sizeof *parent);
  double *dw = kh_malloc((n + 1) * sizeof *dw),
         *root_weight = kh_malloc((c->unknowns + 1) * sizeof *dw);
  unsigned char *child = kh_calloc(n + 1, 1);
  kh_status st =
      parent && dw && root_weight && child ? KH_OK : kh_fail_nomem(ctx, "weighing amplifiers");
  if (st == KH_OK) {
    join_domains(c, parent);
    st = spread(ctx, c, parent, dw);
  }
  for (size_t i = 0; st == KH_OK && i < c->element_count; i++) {
    if (c->kind[i] != KH_RESISTOR && c->kind[i] != KH_DIODE && c->kind[i] != KH_ISOURCE) continue;
    uint32_t a = c->ends[i][0], b = c->ends[i][1];
    if (c->unknown_of[a] >= 0 && c->unknown_of[a] == c->unknown_of[b] && c->coef[a] != c->coef[b])
      st = element_error(ctx, c, i, "joins an amplifier's input side to its output side");
  }
  if (st == KH_OK) {
    /* The outputs' domain gets weight 1, so that the nudge (a term of the energy) is the
     * physical current -beta (v - y) at the outputs whatever the amplifiers before them. */
    double unit = 1;
    if (c->output_count && c->unknown_of[c->out_ends[0][0]] >= 0) {
      double w = dw[find(parent, c->out_ends[0][0])];
      if (!isnan(w)) unit = w;
    }
    for (size_t v = 0; v < n; v++) dw[v] /= unit;
    for (size_t i = 0; i < c->tree_count; i++) child[c->tree[i].node] = 1;
    for (size_t v = 0; v < n; v++) {
      double w = dw[find(parent, (uint32_t)v)];
      c->weight[v] = c->unknown_of[v] >= 0 && !isnan(w) ? w : 1.0;
      c->kw[v] = c->weight[v] * c->coef[v];
      if (c->unknown_of[v] >= 0 && !child[v]) root_weight[c->unknown_of[v]] = c->weight[v];
    }
    for (size_t v = 0; v < n; v++)
      c->kf[v] = c->unknown_of[v] >= 0 ? c->kw[v] / root_weight[c->unknown_of[v]] : 1.0;
  }
  kh_free(parent), kh_free(dw), kh_free(root_weight), kh_free(child);
  return st;
}

double kh_circuit_element_weight(const kh_circuit *c, size_t element) {
  uint32_t a = c->ends[element][0], b = c->ends[element][1];
  return c->unknown_of[a] >= 0 ? c->weight[a] : c->weight[b];
}
