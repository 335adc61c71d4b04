/* Switches in general Newton, as ngspice 39's swload.c and cswload.c decide their state: a
 * conductance 1/RON when on, 1/ROFF (ROFF defaulting to 1/GMIN) when off. In the first
 * iteration of an .op method and the next ones until one that limited no device (ngspice's
 * MODEINITJCT and MODEINITFIX) each switch keeps the state its card gives (off unless `on`);
 * from then on (MODEINITFLOAT) each linearization sets it from the control voltage at the
 * iterate: on above VT + VH, off below VT - VH, unchanged between (hysteresis). With VH = 0 a
 * control voltage exactly at VT turns it on, as ngspice's state machine does at DC (its previous
 * state there reads as "really off", whose hysteresis state is on). A W switch's control is the
 * current through its voltage source, against IT and IH, and between those it is off whatever it
 * was (cswload.c reads there its state at the last transient step, which at DC is never written:
 * off; measured: a W card `on` with its current inside the band is off). A state that changes is
 * a step that has not converged (ngspice's noncon).
 *
 * One Newton step with a switch just flipped can carry its control voltage across VT again, and
 * the next one back: a switch that has flipped FLIPS_BEFORE_HOLDING times in one Newton holds
 * its state while Newton converges, and is then asked at the converged point; one that would
 * flip there flips, and Newton goes on (seen: a BJT stage chattering between 1.56 V and -0.13 V
 * on each step forever, its operating point 0.57 V, on). The answer is the same kind of point:
 * every switch in the state its control voltage gives there. */
#include "general_impl.h"

#include "core/context.h"
#include "../circuit/circuit_impl.h"

#include <math.h>
#include <string.h>

enum { FLIPS_BEFORE_HOLDING = 3 };

kh_status kh_switch_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_switch *s) {
  kh_element e = kh_netlist_element(nl, k);
  size_t cp, cn, src;
  kh_netlist_control(nl, k, &cp, &cn, &src);
  s->current = !strcmp(kh_netlist_model_type(nl, e.model), "csw");
  if (s->current && (src == (size_t)-1 || kh_netlist_element(nl, src).kind != KH_VSOURCE))
    return kh_fail_at_element(ctx, nl, k, KH_ERR_INPUT,
                              "W switch '%s': its controlling name is not a voltage source of "
                              "this circuit",
                              e.name);
  double gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &gmin);
  s->vt = kh_model_number(nl, e.model, s->current ? "it" : "vt", 0, NULL);
  s->vh = kh_model_number(nl, e.model, s->current ? "ih" : "vh", 0, NULL);
  s->gon = 1 / kh_model_number(nl, e.model, "ron", 1, NULL);
  s->goff = 1 / kh_model_number(nl, e.model, "roff", 1 / gmin, NULL);
  s->initial = s->state = e.value != 0;
  return KH_OK;
}

/* The state the rule gives at control voltage v, from state. */
static int rule(const kh_switch *s, double v) {
  if (s->vh > 0) return v > s->vt + s->vh ? 1 : v < s->vt - s->vh ? 0 : s->current ? 0 : s->state;
  return v >= s->vt;
}

void kh_switch_decide(kh_general *g, kh_switch *s, double v) {
  int state = g->settling ? s->initial : s->holding ? s->state : rule(s, v);
  if (state != s->state) {
    g->limited = 1;
    if (!g->settling && ++s->flips >= FLIPS_BEFORE_HOLDING) s->holding = 1;
  }
  s->state = (uint8_t)state;
}

double kh_switch_control(const kh_general *g, size_t k, const double *x) {
  if (g->switches[k].current) return x[g->control[k]];
  size_t cp, cn, src;
  kh_netlist_control(g->nl, k, &cp, &cn, &src);
  return kh_general_value(x, kh_general_at(cp)) - kh_general_value(x, kh_general_at(cn));
}

void kh_switches_begin(kh_general *g) {
  for (size_t k = 0; g->switch_count && k < g->elements; k++)
    g->switches[k].flips = 0, g->switches[k].holding = 0;
}

int kh_switches_flip_held(kh_general *g) {
  int flipped = 0;
  for (size_t k = 0; g->switch_count && k < g->elements; k++) {
    kh_switch *s = &g->switches[k];
    if (!s->holding) continue;
    int state = rule(s, kh_switch_control(g, k, g->x));
    if (state != s->state) s->state = (uint8_t)state, flipped = 1;
  }
  return flipped;
}
