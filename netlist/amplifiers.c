/* Stage 2b: E and F elements are accepted only as the two halves of a bidirectional amplifier
 * (kirchhoff.h: kh_amplifier); here each F finds its sensing source and that source's E, and
 * every rule is checked with the offending element named. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

#define FAIL_AT(p, index, ...)                                                                     \
  kh_source_fail((p)->ctx, &(p)->src, KH_ERR_INPUT, (p)->nl->elements[index].loc, __VA_ARGS__)

static const char *name_of(const kh_netlist *nl, size_t i) {
  return kh_strmap_name(&nl->element_names, (uint32_t)i);
}

/* The E whose output node is the sensing source's positive node, or KH_NOT_FOUND. */
static uint32_t vcvs_at(const kh_netlist *nl, uint32_t node) {
  for (size_t i = 0; i < nl->element_count; i++)
    if (nl->elements[i].kind == KH_VCVS && nl->elements[i].node[0] == node) return (uint32_t)i;
  return KH_NOT_FOUND;
}

static kh_status pair(kh_parser *p, uint32_t f, unsigned char *used) {
  kh_netlist *nl = p->nl;
  const kh_elem *F = &nl->elements[f];
  uint32_t v = kh_strmap_find(&nl->element_names, F->control, strlen(F->control));
  if (v == KH_NOT_FOUND || nl->elements[v].kind != KH_VSOURCE)
    return FAIL_AT(p, f,
                   "'%s' is controlled by '%s', which is not a voltage source of this circuit",
                   name_of(nl, f), F->control);
  const kh_elem *V = &nl->elements[v];
  uint32_t e = vcvs_at(nl, V->node[0]);
  if (e == KH_NOT_FOUND)
    return FAIL_AT(p, f,
                   "'%s' is not half of a bidirectional amplifier: its sensing source '%s' must "
                   "carry an E element's output current (E's output node is '%s''s positive node)",
                   name_of(nl, f), F->control, F->control);
  const kh_elem *E = &nl->elements[e];
  double A = E->value;
  if (E->node[1] != 0 || E->ctrl[1] != 0)
    return FAIL_AT(p, e, "amplifier '%s': both of its ports must be referenced to ground (0)",
                   name_of(nl, e));
  if (!(A > 0) || !isfinite(A))
    return FAIL_AT(p, e, "amplifier '%s': the voltage gain must be finite and > 0, got %g",
                   name_of(nl, e), A);
  if (F->node[0] != E->ctrl[0] || F->node[1] != 0)
    return FAIL_AT(p, f, "'%s' must draw its current from '%s''s input node to ground",
                   name_of(nl, f), name_of(nl, e));
  if (!(fabs(F->value * A - 1) <= 1e-12))
    return FAIL_AT(p, f,
                   "'%s': current gain %.17g is not the reciprocal of '%s''s voltage gain %.17g "
                   "(an amplifier with an energy needs gain 1/A)",
                   name_of(nl, f), F->value, name_of(nl, e), A);
  if (V->value != 0)
    return FAIL_AT(p, v, "'%s' senses amplifier '%s''s current and must be 0 V", name_of(nl, v),
                   name_of(nl, e));
  if (used[e]) return FAIL_AT(p, f, "amplifier '%s' already has its F element", name_of(nl, e));
  used[e] = 1;
  kh_amplifier amp = {e, f, v, E->ctrl[0], E->node[0], A};
  if (kh_reserve((void **)&nl->amplifiers, &p->amplifier_cap, nl->amplifier_count + 1,
                 sizeof *nl->amplifiers))
    return kh_fail_nomem(p->ctx, "storing amplifiers");
  nl->amplifiers[nl->amplifier_count++] = amp;
  return KH_OK;
}

kh_status kh_resolve_amplifiers(kh_parser *p) {
  kh_netlist *nl = p->nl;
  if (!p->controlled_count) return KH_OK;
  unsigned char *used = kh_calloc(nl->element_count + 1, 1);
  if (!used) return kh_fail_nomem(p->ctx, "checking amplifiers");
  kh_status st = KH_OK;
  for (size_t i = 0; st == KH_OK && i < nl->element_count; i++)
    if (nl->elements[i].kind == KH_CCCS) st = pair(p, (uint32_t)i, used);
  for (size_t i = 0; st == KH_OK && i < nl->element_count; i++)
    if (nl->elements[i].kind == KH_VCVS && !used[i])
      st = FAIL_AT(p, i,
                   "'%s': kirchhoff accepts E elements only as half of a bidirectional "
                   "amplifier, with an F element of gain 1/A drawing the output current from the "
                   "input node (docs/netlist.md)",
                   name_of(nl, i));
  kh_free(used);
  return st;
}
