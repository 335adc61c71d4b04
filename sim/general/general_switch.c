/* Voltage-controlled switches in general Newton, as ngspice 39's swload.c decides their state: a
 * conductance 1/RON when on, 1/ROFF (ROFF defaulting to 1/GMIN) when off. Until the first Newton
 * of an .op method converges (ngspice's MODEINITJCT and MODEINITFIX) each switch keeps the state
 * its card gives (off unless `on`); from then on (MODEINITFLOAT) each linearization sets it from
 * the control voltage at the iterate: on above VT + VH, off below VT - VH, unchanged between
 * (hysteresis). With VH = 0 a control voltage exactly at VT turns it on, as ngspice's state
 * machine does at DC (its previous state there reads as "really off", whose hysteresis state is
 * on). A state that changes is a step that has not converged (ngspice's noncon). */
#include "general_impl.h"

#include <math.h>

kh_status kh_switch_from_netlist(const kh_netlist *nl, size_t k, kh_switch *s) {
  kh_element e = kh_netlist_element(nl, k);
  double gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &gmin);
  s->vt = kh_model_number(nl, e.model, "vt", 0, NULL);
  s->vh = kh_model_number(nl, e.model, "vh", 0, NULL);
  s->gon = 1 / kh_model_number(nl, e.model, "ron", 1, NULL);
  s->goff = 1 / kh_model_number(nl, e.model, "roff", 1 / gmin, NULL);
  s->initial = s->state = e.value != 0;
  return KH_OK;
}

void kh_switch_decide(kh_general *g, kh_switch *s, double v) {
  int state = s->state;
  if (g->settling)
    state = s->initial;
  else if (s->vh > 0)
    state = v > s->vt + s->vh ? 1 : v < s->vt - s->vh ? 0 : state;
  else
    state = v >= s->vt;
  if (state != s->state) g->limited = 1;
  s->state = (uint8_t)state;
}
