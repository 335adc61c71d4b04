/* Disjoint sets of nodes, for the structural checks of a circuit (sim/circuit/assemble.c,
 * sim/general/general.c): which nodes voltage sources tie together, which a DC path reaches.
 * The caller owns parent[] (one entry per node, parent[i] = i to start). */
#ifndef KH_CORE_UNION_FIND_H
#define KH_CORE_UNION_FIND_H

#include <stdint.h>

typedef struct {
  uint32_t *parent;
} union_find;

static inline uint32_t uf_find(union_find *u, uint32_t x) {
  while (u->parent[x] != x) {
    u->parent[x] = u->parent[u->parent[x]];
    x = u->parent[x];
  }
  return x;
}

/* Joins the sets of a and b; prefers ground's set as the root. Returns 0 if already joined. */
static inline int uf_union(union_find *u, uint32_t a, uint32_t b) {
  a = uf_find(u, a);
  b = uf_find(u, b);
  if (a == b) return 0;
  if (a < b)
    u->parent[b] = a;
  else
    u->parent[a] = b;
  return 1;
}

#endif
