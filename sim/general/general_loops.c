/* The structural check general Newton makes before it assembles anything (general.c). */
#include "general_impl.h"

#include "core/context.h"
#include "core/union_find.h"
#include "../circuit/circuit_impl.h"

/* Voltage sources, inductors (shorts at DC) and voltage-controlled or current-controlled voltage
 * sources each fix the voltage between their ends; a loop of them leaves the current around it
 * undetermined, so the nodal equations are singular whatever the values. Named here, at the
 * element that closes the loop, as the sparse path names it (assemble.c). */
kh_status kh_general_voltage_loops(kh_context *ctx, const kh_netlist *nl, size_t nodes) {
  union_find u = {kh_malloc((nodes + 1) * sizeof *u.parent)};
  if (!u.parent) return kh_fail_nomem(ctx, "general Newton");
  for (size_t i = 0; i < nodes; i++) u.parent[i] = (uint32_t)i;
  kh_status st = KH_OK;
  for (size_t k = 0; st == KH_OK && k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    if ((e.kind == KH_VSOURCE || e.kind == KH_INDUCTOR || e.kind == KH_VCVS || e.kind == KH_CCVS ||
         e.kind == KH_BEHAVIOURAL_V) &&
        !uf_union(&u, (uint32_t)e.node_pos, (uint32_t)e.node_neg))
      st = kh_fail_at_element(ctx, nl, k, KH_ERR_INPUT,
                              "%s '%s' closes a loop of voltage sources (between nodes '%s' and "
                              "'%s'): the current around it is not determined",
                              e.kind == KH_VSOURCE    ? "voltage source"
                              : e.kind == KH_INDUCTOR ? "inductor (a short at DC)"
                                                      : "controlled voltage source",
                              e.name, kh_netlist_node_name(nl, e.node_pos),
                              kh_netlist_node_name(nl, e.node_neg));
  }
  kh_free(u.parent);
  return st;
}
