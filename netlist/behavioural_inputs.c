/* B sources once the circuit is flattened: each i(vname) an expression reads bound to that
 * voltage source (another element is refused: ngspice 39 reads any device's current through a 0 V
 * source it adds in series, kirchhoff only voltage sources'), and the card's tc1, tc2, temp,
 * dtemp and m folded into one factor at the circuit's temperature, as asrcload.c applies them. */
#include "expression.h"
#include "parser.h"

#include <string.h>

kh_status kh_resolve_behavioural(kh_parser *p) {
  kh_netlist *nl = p->nl;
  for (size_t e = 0; e < nl->element_count; e++) {
    const kh_elem *b = &nl->elements[e];
    if (b->kind != KH_BEHAVIOURAL_V && b->kind != KH_BEHAVIOURAL_I) continue;
    struct kh_expression *x = &nl->expressions[b->ctrl[0]];
    for (uint32_t k = 0; k < x->input_count; k++) {
      if (!x->sources[k]) continue;
      uint32_t v = kh_strmap_find(&nl->element_names, x->sources[k], strlen(x->sources[k]));
      if (v == KH_NOT_FOUND || nl->elements[v].kind != KH_VSOURCE)
        return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, b->loc,
                              "'%s' reads i(%s), which is not a voltage source of this circuit "
                              "(ngspice puts a 0 V source in series with another element it "
                              "reads; kirchhoff reads voltage sources' currents only: add one)",
                              kh_strmap_name(&nl->element_names, (uint32_t)e), x->sources[k]);
      x->inputs[k] = v;
    }
    const kh_xwords *w = &x->words;
    double d =
        (w->has_temp ? w->temp + KH_CELSIUS_TO_KELVIN : kh_netlist_temperature(nl) + w->dtemp) -
        300.15; /* asrcload.c's, not TNOM */
    double f = 1 + w->tc1 * d + w->tc2 * d * d;
    if (w->reciproctc) f = 1 / f;
    x->scale = w->reciprocm ? f / w->m : f * w->m;
  }
  return KH_OK;
}
