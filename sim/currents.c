/* Element currents of a solved circuit (kirchhoff op --currents): each element's current from
 * its positive node through it to its negative node, as ngspice reports i(name). Resistors,
 * current sources and smooth diodes give theirs directly; voltage sources and inductors (ties
 * between nodes) carry what the rest of their tree's nodes leave unbalanced, summed from the
 * leaves of the source forest towards its roots. */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <string.h>

kh_status kh_circuit_currents(kh_context *ctx, const kh_circuit *c, const double *v,
                              double *current) {
  if (c->ideal_count || c->augmented_count || kh_netlist_amplifier_count(c->nl))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "element currents are not available for circuits with ideal diodes or "
                   "amplifiers yet");
  /* out[n]: the current leaving node n through every element that is not a tie */
  long double *out = kh_calloc(c->node_count + 1, sizeof *out);
  if (!out) return kh_fail_nomem(ctx, "computing element currents");
  const kh_diode *d = c->diodes;
  for (size_t k = 0; k < c->element_count; k++) {
    uint32_t a = c->ends[k][0], b = c->ends[k][1];
    double i = 0, phi, g;
    switch ((kh_element_kind)c->kind[k]) {
    case KH_RESISTOR: i = c->value[k] * (v[a] - v[b]); break;
    case KH_ISOURCE: i = c->value[k]; break;
    case KH_DIODE: kh_diode_eval(d++, v[a] - v[b], &phi, &i, &g); break;
    default: i = 0; break; /* capacitors (open) and the ties, below */
    }
    current[k] = i;
    out[a] += i, out[b] -= i;
  }
  /* A tie from parent p to node w supplies what w's subtree sends out: children first. */
  for (size_t t = c->tree_count; t-- > 0;) {
    const kh_tree_step *s = &c->tree[t];
    long double into_w = out[s->node]; /* the tie pushes this into w */
    uint32_t pos = c->ends[s->source][0];
    current[s->source] = (double)(pos == s->node ? -into_w : into_w);
    out[s->parent] += into_w;
  }
  kh_free(out);
  return KH_OK;
}
