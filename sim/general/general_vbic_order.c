/* Which self-heating VBIC's rise each VBIC without self-heating is evaluated at, in ngspice 39's
 * load order (general_vbic.c evaluates it there). */
#include "general_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <string.h>

/* ngspice 39's vbicload.c keeps the rise, Vrth, in a variable of the whole load pass that only a
 * self-heating instance (its model's RTH above 0) sets, to its thermal node's voltage (ground's
 * 0 V without one): an instance without self-heating is evaluated at the rise that the last
 * self-heating instance before it in the pass set (0 K when none did; vbic_4T_et_cf_fj maps its
 * parameters from TNOM to TNOM plus that rise, as for its own), in the pass's order
 * (kh_general_load_order). Measured:
 * with a non-heated VBIC's card before a heated one's (0.35 K rise), ngspice 39 puts its collector
 * 0.49 mV lower than with the cards the other way round, which it evaluates at 0 K. */
static int is_vbic(const kh_general *g, size_t k) {
  return g->bjt[k] >= 0 && g->bjts[g->bjt[k]].level4;
}

kh_status kh_vbic_inherit_rises(kh_context *ctx, kh_general *g) {
  size_t heated = 0; /* without a heated VBIC every rise is 0 K: nothing to order */
  for (size_t k = 0; k < g->elements; k++)
    heated += is_vbic(g, k) &&
              kh_model_number(g->nl, kh_netlist_element(g->nl, k).model, "rth", 0, NULL) > 0;
  if (heated == 0) return KH_OK;
  size_t n, *order = kh_general_load_order(g, is_vbic, &n);
  if (!order) return kh_fail_nomem(ctx, "VBIC's load order");
  long rise = -1;
  for (size_t i = 0; i < n; i++) {
    kh_vbic *v = &g->bjts[g->bjt[order[i]]].vbic;
    if (kh_model_number(g->nl, kh_netlist_element(g->nl, order[i]).model, "rth", 0, NULL) > 0)
      rise = v->th;
    else
      v->inherited = rise;
  }
  kh_free(order);
  return KH_OK;
}
