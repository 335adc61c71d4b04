/* K: coupled inductors, `Kname Lname1 Lname2 k`. At DC an inductor is a short and its coupling
 * carries nothing (ngspice 39's mutual inductance loads only in transient and AC), so the card
 * changes no operating point; it is read, checked as ngspice checks it, and written back with
 * the netlist so that nothing of the user's circuit is lost. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* The flattened name of the inductor token t ("l.x1.l1" inside instance x1), in the arena. */
static kh_status inductor_name(kh_parser *p, const kh_scope *s, const kh_token *t,
                               const char **out) {
  const char *name;
  size_t len;
  kh_status st = kh_qualify_name(p, 'l', s->path, t->s, t->len, &name, &len);
  if (st == KH_OK && !(*out = kh_arena_strndup(&p->nl->arena, name, len)))
    st = kh_fail_nomem(p->ctx, "storing coupled inductors");
  return st;
}

kh_status kh_coupling_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  if (tok->count < 4)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         "'%.*s' needs two inductors and a coupling coefficient", (int)t[0].len,
                         t[0].s);
  for (size_t i = 1; i < 3; i++)
    if (t[i].s[0] != 'l')
      return kh_token_fail(p, line, &t[i], "'%.*s' couples inductors: '%.*s' is not an L",
                           (int)t[0].len, t[0].s, (int)t[i].len, t[i].s);
  if (tok->count > 4)
    return kh_token_fail(p, line, &t[4],
                         "unexpected '%.*s' after the coupling coefficient (kirchhoff reads "
                         "`Kname L1 L2 k`, one pair per card, as ngspice 39 does)",
                         (int)t[4].len, t[4].s);
  kh_coupling c = {.loc = kh_token_loc(p, line, &t[0])};
  kh_status st = kh_eval_token(p, line, &t[3], s, &c.k);
  if (st != KH_OK) return st;
  if (!(fabs(c.k) <= 1))
    return kh_token_fail(p, line, &t[3],
                         "'%.*s': coupling coefficient %g; |k| must be at most 1 (ngspice 39 "
                         "calls that inductive system not positive definite)",
                         (int)t[0].len, t[0].s, c.k);
  const char *name;
  size_t len;
  st = kh_qualify_name(p, 'k', s->path, t[0].s, t[0].len, &name, &len);
  if (st == KH_OK && !(c.name = kh_arena_strndup(&p->nl->arena, name, len)))
    st = kh_fail_nomem(p->ctx, "storing coupled inductors");
  if (st == KH_OK) st = inductor_name(p, s, &t[1], &c.l1);
  if (st == KH_OK) st = inductor_name(p, s, &t[2], &c.l2);
  if (st != KH_OK) return st;
  kh_netlist *nl = p->nl;
  if (kh_reserve((void **)&nl->couplings, &nl->coupling_cap, nl->coupling_count + 1,
                 sizeof *nl->couplings))
    return kh_fail_nomem(p->ctx, "storing coupled inductors");
  nl->couplings[nl->coupling_count++] = c;
  return KH_OK;
}

kh_status kh_resolve_couplings(kh_parser *p) {
  kh_netlist *nl = p->nl;
  for (size_t i = 0; i < nl->coupling_count; i++) {
    const kh_coupling *c = &nl->couplings[i];
    const char *l[2] = {c->l1, c->l2};
    for (size_t k = 0; k < 2; k++) {
      uint32_t e = kh_strmap_find(&nl->element_names, l[k], strlen(l[k]));
      if (e == KH_NOT_FOUND || nl->elements[e].kind != KH_INDUCTOR)
        return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, c->loc,
                              "'%s' couples '%s', which is not an inductor of this circuit",
                              c->name, l[k]);
    }
    if (!strcmp(c->l1, c->l2))
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, c->loc, "'%s' couples '%s' with itself",
                            c->name, c->l1);
  }
  return KH_OK;
}

void kh_netlist_write_couplings(const kh_netlist *nl, FILE *out) {
  for (size_t i = 0; i < nl->coupling_count; i++)
    fprintf(out, "%s %s %s %s\n", nl->couplings[i].name, nl->couplings[i].l1, nl->couplings[i].l2,
            KH_INP(nl->couplings[i].k));
}
