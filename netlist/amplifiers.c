/* Stage 2b: an F whose sensing source carries an E's output current, with the gains, grounds
 * and 0 V sensing source of a bidirectional amplifier (kirchhoff.h: kh_amplifier), forms one
 * with that E; every other E and F, and every G and H, is a controlled source without a
 * co-content (kh_netlist_general_count), which only op's general Newton path solves. */
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
    if (nl->elements[i].kind == KH_VCVS && nl->elements[i].synthetic != KH_SYNTHETIC_PRODUCT &&
        nl->elements[i].node[0] == node)
      return (uint32_t)i;
  return KH_NOT_FOUND;
}

/* Whether F (controlled by voltage source v) is half of a bidirectional amplifier with the E
 * whose output current v carries: then that E's index, else KH_NOT_FOUND. */
static uint32_t amplifier_of(const kh_netlist *nl, const kh_elem *F, uint32_t v,
                             const unsigned char *used) {
  const kh_elem *V = &nl->elements[v];
  uint32_t e = vcvs_at(nl, V->node[0]);
  if (e == KH_NOT_FOUND || used[e]) return KH_NOT_FOUND;
  const kh_elem *E = &nl->elements[e];
  double A = E->value;
  int pair = E->node[1] == 0 && E->ctrl[1] == 0 && A > 0 && isfinite(A) &&
             F->node[0] == E->ctrl[0] && F->node[1] == 0 && fabs(F->value * A - 1) <= 1e-12 &&
             V->value == 0;
  return pair ? e : KH_NOT_FOUND;
}

/* Pairs F with its E when they form an amplifier; a controlling name that is not a voltage
 * source is an error (ngspice's rule too). */
static kh_status pair(kh_parser *p, uint32_t f, unsigned char *used) {
  kh_netlist *nl = p->nl;
  const kh_elem *F = &nl->elements[f];
  uint32_t v = kh_strmap_find(&nl->element_names, F->control, strlen(F->control));
  if (v == KH_NOT_FOUND || nl->elements[v].kind != KH_VSOURCE)
    return FAIL_AT(p, f,
                   "'%s' is controlled by '%s', which is not a voltage source of this circuit",
                   name_of(nl, f), F->control);
  if (F->kind != KH_CCCS) return KH_OK;
  uint32_t e = amplifier_of(nl, F, v, used);
  if (e == KH_NOT_FOUND) return KH_OK;
  used[e] = used[f] = 1;
  const kh_elem *E = &nl->elements[e];
  kh_amplifier amp = {e, f, v, E->ctrl[0], E->node[0], E->value};
  if (kh_reserve((void **)&nl->amplifiers, &p->amplifier_cap, nl->amplifier_count + 1,
                 sizeof *nl->amplifiers))
    return kh_fail_nomem(p->ctx, "storing amplifiers");
  nl->amplifiers[nl->amplifier_count++] = amp;
  return KH_OK;
}

kh_status kh_resolve_amplifiers(kh_parser *p) {
  kh_netlist *nl = p->nl;
  nl->general_count = 0, nl->first_general = (size_t)-1;
  if (!p->controlled_count) return KH_OK;
  unsigned char *used = kh_calloc(nl->element_count + 1, 1);
  if (!used) return kh_fail_nomem(p->ctx, "checking amplifiers");
  kh_status st = KH_OK;
  for (size_t i = 0; st == KH_OK && i < nl->element_count; i++)
    if (nl->elements[i].kind == KH_CCCS || nl->elements[i].kind == KH_CCVS)
      st = pair(p, (uint32_t)i, used);
  for (size_t i = 0; st == KH_OK && i < nl->element_count; i++) {
    uint8_t k = nl->elements[i].kind;
    if ((k == KH_VCVS || k == KH_CCCS || k == KH_VCCS || k == KH_CCVS || k == KH_BEHAVIOURAL_V ||
         k == KH_BEHAVIOURAL_I) &&
        !used[i]) {
      if (!nl->general_count++) nl->first_general = i;
    }
  }
  kh_free(used);
  return st;
}
