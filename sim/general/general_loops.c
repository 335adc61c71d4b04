/* The structural check general Newton makes before it assembles anything (general.c). */
#include "general_impl.h"

#include "core/context.h"
#include "core/union_find.h"
#include "../circuit/circuit_impl.h"

/* Marks each H in series with the 0 V source that controls it (the node between them touched by
 * nothing else), and that source: together they are a resistor of the H's r ohms (a T or O
 * line's sensing pair, netlist/tline.c; r is 0 for a lossless O line, a wire), which closes no
 * loop of voltage sources by itself. (A loop such a wire closes with independent sources alone
 * is still singular: the factorization says so.) */
static void resistive_pairs(const kh_netlist *nl, size_t nodes, unsigned char *pair) {
  size_t n = kh_netlist_element_count(nl);
  unsigned *degree = kh_calloc(nodes + 1, sizeof *degree);
  if (!degree) return; /* then every H counts: the check is only stricter */
  for (size_t k = 0; k < n; k++) {
    kh_element e = kh_netlist_element(nl, k);
    degree[e.node_pos]++, degree[e.node_neg]++;
  }
  for (size_t k = 0; k < n; k++) {
    kh_element h = kh_netlist_element(nl, k);
    size_t pos, neg, v;
    if (h.kind != KH_CCVS || kh_netlist_control(nl, k, &pos, &neg, &v) != 0 || v == (size_t)-1)
      continue;
    kh_element s = kh_netlist_element(nl, v);
    size_t shared = s.node_neg == h.node_pos || s.node_neg == h.node_neg   ? s.node_neg
                    : s.node_pos == h.node_pos || s.node_pos == h.node_neg ? s.node_pos
                                                                           : 0;
    if (s.kind == KH_VSOURCE && s.value == 0 && shared != 0 && degree[shared] == 2)
      pair[k] = pair[v] = 1;
  }
  kh_free(degree);
}

/* Voltage sources, inductors (shorts at DC) and voltage-controlled or current-controlled voltage
 * sources each fix the voltage between their ends; a loop of them leaves the current around it
 * undetermined, so the nodal equations are singular whatever the values. Named here, at the
 * element that closes the loop, as the sparse path names it (assemble.c). */
kh_status kh_general_voltage_loops(kh_context *ctx, const kh_netlist *nl, size_t nodes) {
  union_find u = {kh_malloc((nodes + 1) * sizeof *u.parent)};
  unsigned char *pair = kh_calloc(kh_netlist_element_count(nl) + 1, 1);
  if (!u.parent || !pair)
    return kh_free(u.parent), kh_free(pair), kh_fail_nomem(ctx, "general Newton");
  for (size_t i = 0; i < nodes; i++) u.parent[i] = (uint32_t)i;
  resistive_pairs(nl, nodes, pair);
  kh_status st = KH_OK;
  for (size_t k = 0; st == KH_OK && k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    if ((e.kind == KH_VSOURCE || e.kind == KH_INDUCTOR || e.kind == KH_VCVS || e.kind == KH_CCVS ||
         e.kind == KH_BEHAVIOURAL_V) &&
        !pair[k] && !uf_union(&u, (uint32_t)e.node_pos, (uint32_t)e.node_neg))
      st = kh_fail_at_element(ctx, nl, k, KH_ERR_INPUT,
                              "%s '%s' closes a loop of voltage sources (between nodes '%s' and "
                              "'%s'): the current around it is not determined",
                              e.kind == KH_VSOURCE    ? "voltage source"
                              : e.kind == KH_INDUCTOR ? "inductor (a short at DC)"
                                                      : "controlled voltage source",
                              e.name, kh_netlist_node_name(nl, e.node_pos),
                              kh_netlist_node_name(nl, e.node_neg));
  }
  kh_free(u.parent), kh_free(pair);
  return st;
}
