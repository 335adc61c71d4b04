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
 * parameters from TNOM to TNOM plus that rise, as for its own). The pass takes the models in the
 * reverse order of their creation, at their first instance in the deck (CKTmodCrt puts each new
 * model first), and each model's instances in the reverse order of theirs (CKTcrtElt). Measured:
 * with a non-heated VBIC's card before a heated one's (0.35 K rise), ngspice 39 puts its collector
 * 0.49 mV lower than with the cards the other way round, which it evaluates at 0 K. */
kh_status kh_vbic_inherit_rises(kh_context *ctx, kh_general *g) {
  size_t count = 0, heated = 0; /* without a heated VBIC every rise is 0 K: nothing to order */
  for (size_t k = 0; k < g->elements; k++)
    if (g->bjt[k] >= 0 && g->bjts[g->bjt[k]].level4)
      count++,
          heated += kh_model_number(g->nl, kh_netlist_element(g->nl, k).model, "rth", 0, NULL) > 0;
  if (heated == 0) return KH_OK;
  size_t *order = kh_malloc(count * sizeof *order), *rank = kh_malloc(count * sizeof *rank);
  if (!order || !rank) {
    kh_free(order), kh_free(rank);
    return kh_fail_nomem(ctx, "VBIC's load order");
  }
  size_t n = 0;
  for (size_t k = 0; k < g->elements; k++) {
    if (g->bjt[k] < 0 || !g->bjts[g->bjt[k]].level4) continue;
    const char *model = kh_netlist_element(g->nl, k).model;
    size_t first = n; /* the model's creation: its first instance's place among the VBICs */
    for (size_t j = 0; j < n; j++)
      if (!strcmp(kh_netlist_element(g->nl, order[j]).model, model)) {
        first = rank[j];
        break;
      }
    order[n] = k, rank[n++] = first;
  }
  /* the load pass: the latest model first, each model's latest instance first; as n is small,
   * an insertion sort on (rank, place) descending */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i;
         j > 0 && (rank[j - 1] < rank[j] || (rank[j - 1] == rank[j] && order[j - 1] < order[j]));
         j--) {
      size_t o = order[j], r = rank[j];
      order[j] = order[j - 1], rank[j] = rank[j - 1], order[j - 1] = o, rank[j - 1] = r;
    }
  long rise = -1;
  for (size_t i = 0; i < n; i++) {
    kh_vbic *v = &g->bjts[g->bjt[order[i]]].vbic;
    if (kh_model_number(g->nl, kh_netlist_element(g->nl, order[i]).model, "rth", 0, NULL) > 0)
      rise = v->th;
    else
      v->inherited = rise;
  }
  kh_free(order), kh_free(rank);
  return KH_OK;
}
