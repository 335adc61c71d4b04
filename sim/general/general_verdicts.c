/* General Newton's verdicts beside its answer (general.c): whether the ideal diodes' states from
 * the guess hold at it, and what to say when there is none (a singular system, the hottest
 * self-heating junction). */
#include "core/context.h"
#include "general_impl.h"

#include <math.h>
#include <stdio.h>

/* The ideal diodes' states came from the guess: the answer must agree with them, to round-off
 * (a conducting one carries current forward, a blocking one stays at or below its threshold). */
kh_status kh_general_ideal_states_hold(kh_context *ctx, const kh_general *g) {
  for (size_t k = 0; k < g->elements; k++) {
    long d = g->diode[k];
    if (d < 0 || g->diodes[d].kind != KH_DIODE_IDEAL) continue;
    kh_element e = kh_netlist_element(g->nl, k);
    double va = e.node_pos ? g->x[kh_general_at(e.node_pos)] : 0,
           vb = e.node_neg ? g->x[kh_general_at(e.node_neg)] : 0;
    double v = va - vb, i = g->x[g->branch[k]], vth = g->diodes[d].vth;
    int broken =
        g->on[d] ? i < -1e-12 - 1e-9 * fabs(i) : v > vth + 1e-9 * (1 + fabs(v) + fabs(vth));
    if (broken)
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "ideal diode '%s': the answer from the guess contradicts its state there "
                     "(%s), so the guess was not an operating point; solve with the projected "
                     "solver first",
                     e.name, g->on[d] ? "current backwards" : "forward-biased");
  }
  return KH_OK;
}

/* For a failure message: the hottest self-heating junction at the last iterate, which tells a
 * thermal runaway (thousands of kelvins) from a hard circuit; "" without heating. */
void kh_general_hottest(const kh_general *g, char *text, size_t size) {
  double hot = -INFINITY;
  size_t at = 0;
  text[0] = '\0';
  for (size_t k = 0; k < g->elements; k++) {
    long d = g->diode[k];
    if (d < 0 || g->heat[d].tj < 0) continue;
    double t = g->heat[d].t0 + g->x[g->heat[d].tj];
    if (t > hot) hot = t, at = k;
  }
  if (hot > -INFINITY)
    snprintf(text, size, "; the last step put self-heating diode '%s' at %.4g K",
             kh_netlist_element(g->nl, at).name, hot);
}

kh_status kh_general_singular_fail(kh_context *ctx, const kh_general *g) {
  char why[320] = "";
  kh_vbic_explain(g, why, sizeof why); /* not the circuit's equations: a model's numbers */
  if (why[0]) return kh_fail(ctx, KH_ERR_NUMERIC, "general Newton found no operating point%s", why);
  kh_behaviour_explain(g, why, sizeof why);
  return kh_fail(ctx, KH_ERR_INPUT,
                 "the nodal equations are singular: a node no DC path fixes (only capacitors or "
                 "controlled outputs reach it), or a voltage that double precision cannot "
                 "determine (conductances or slopes too far apart)%s",
                 why);
}
