/* ngspice 39's load order of one device's instances: the pass takes the models in the reverse
 * order of their creation, at their first instance in the deck (CKTmodCrt puts each new model
 * first), and each model's instances in the reverse order of theirs (CKTcrtElt). Devices whose
 * load function keeps a variable from one instance to the next (vbicload.c's rise, mesaload.c's
 * inverse mode) depend on it. */
#include "general_impl.h"

#include "core/alloc.h"

#include <string.h>

size_t *kh_general_load_order(const kh_general *g, int (*member)(const kh_general *, size_t),
                              size_t *count) {
  size_t n = 0;
  for (size_t k = 0; k < g->elements; k++) n += member(g, k) != 0;
  size_t *order = kh_malloc((n + 1) * sizeof *order), *rank = kh_malloc((n + 1) * sizeof *rank);
  if (!order || !rank) {
    kh_free(order), kh_free(rank);
    return NULL;
  }
  n = 0;
  for (size_t k = 0; k < g->elements; k++) {
    if (!member(g, k)) continue;
    const char *model = kh_netlist_element(g->nl, k).model;
    size_t first = n; /* the model's creation: its first instance's place among the members */
    for (size_t j = 0; j < n; j++)
      if (!strcmp(kh_netlist_element(g->nl, order[j]).model, model)) {
        first = rank[j];
        break;
      }
    order[n] = k, rank[n++] = first;
  }
  /* the latest model first, each model's latest instance first; as n is small, an insertion
   * sort on (rank, place) descending */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i;
         j > 0 && (rank[j - 1] < rank[j] || (rank[j - 1] == rank[j] && order[j - 1] < order[j]));
         j--) {
      size_t o = order[j], r = rank[j];
      order[j] = order[j - 1], rank[j] = rank[j - 1], order[j - 1] = o, rank[j - 1] = r;
    }
  kh_free(rank);
  *count = n;
  return order;
}
