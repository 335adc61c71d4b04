/* U: uniform distributed RC lines, `Uname n1 n2 n3 model l=LEN [n=LUMPS]` with `.model model
 * URC([k=1.5] [fmax=1G] [rperl=1000] [cperl=1e-12] [isperl=] [rsperl=])`, as ngspice 39 builds
 * them (urcsetup.c, read there): LUMPS sections of resistors in geometric progression (ratio k)
 * from n1 to n2 with capacitors to n3 between them, whose resistances sum to LEN rperl (r1 =
 * r0 (k - 1) / (2 (k^LUMPS - 1)), two of r1 k^(i-1) per section). At DC the capacitors are open,
 * so the line is the resistor LEN rperl from n1 to n2, which kirchhoff makes of it (written back
 * as the U card). With isperl the capacitors are diodes to n3, whose leakage acts at DC: not
 * read yet. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

static const char *const model_words[] = {"k", "fmax", "rperl", "cperl", "isperl", "rsperl"};

kh_status kh_urc_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t end, kh_model_param **out, size_t *count) {
  const kh_token *t = tok->items;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 2) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  for (size_t i = from; i < end; i += 3) {
    const char *name = NULL;
    for (size_t k = 0; k < sizeof model_words / sizeof *model_words && !name; k++)
      if (kh_token_eq(&t[i], model_words[k])) name = model_words[k];
    if (!name)
      return kh_token_fail(p, line, &t[i],
                           "unknown URC model parameter '%.*s' (k, fmax, rperl, cperl, isperl, "
                           "rsperl)",
                           (int)t[i].len, t[i].s);
    kh_status st = kh_line_model_number(p, line, tok, i, end, name, params, &n);
    if (st != KH_OK) return st;
  }
  *out = params, *count = n;
  return KH_OK;
}

/* The card's words l= and n= from token 5 on into l->value[0] and [1]. */
static kh_status instance_words(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                const kh_scope *s, kh_tline *l) {
  const kh_token *t = tok->items;
  for (size_t i = 5; i < tok->count; i += 3) {
    int k = kh_token_eq(&t[i], "l") ? 0 : kh_token_eq(&t[i], "n") ? 1 : -1;
    if (k < 0)
      return kh_token_fail(p, line, &t[i], "unknown U line parameter '%.*s' (l, n)", (int)t[i].len,
                           t[i].s);
    kh_status st = kh_line_word(p, line, tok, i, s, &l->given, k, &l->value[k]);
    if (st != KH_OK) return st;
  }
  if (!(l->given & 1u))
    return kh_token_fail(p, line, &t[0], "'%.*s' needs its length l=", (int)t[0].len, t[0].s);
  return KH_OK;
}

kh_status kh_urc_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  if (tok->count < 5)
    return kh_token_fail(p, line, &t[tok->count - 1], "'%.*s' needs three nodes and a URC model",
                         (int)t[0].len, t[0].s);
  kh_elem r = {.kind = KH_RESISTOR, .model = KH_NOT_FOUND, .synthetic = KH_SYNTHETIC_TLINE};
  kh_tline l = {.rc = 1};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &r.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &r.node[1]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[3], &l.ground);
  if (st != KH_OK) return st;
  st = kh_model_at(p, line, s, &t[4], &l.model);
  if (st != KH_OK) return st;
  const kh_model *m = &p->nl->models[l.model];
  if (strcmp(m->type, "urc") != 0)
    return kh_token_fail(p, line, &t[4], "model '%s' is of type '%s', a U line needs type 'urc'",
                         m->name, m->type);
  if (!isnan(kh_model_value(m, "isperl", NAN)))
    return kh_token_fail(p, line, &t[4],
                         "URC model '%s': isperl makes its capacitors diodes, whose leakage acts "
                         "at DC; kirchhoff does not read that yet",
                         m->name);
  st = instance_words(p, line, tok, s, &l);
  if (st != KH_OK) return st;
  r.value = l.value[0] * kh_model_value(m, "rperl", 1000);
  if (!(r.value > 0) || !isfinite(r.value))
    return kh_token_fail(p, line, &t[0], "'%.*s': its resistance l rperl = %g must be above 0",
                         (int)t[0].len, t[0].s, r.value);
  kh_netlist *nl = p->nl;
  l.element = (uint32_t)nl->element_count;
  if (kh_reserve((void **)&nl->tlines, &nl->tline_cap, nl->tline_count + 1, sizeof *nl->tlines))
    return kh_fail_nomem(p->ctx, "adding an RC line");
  st = kh_add_element(p, line, &t[0], s, r);
  if (st == KH_OK) nl->tlines[nl->tline_count++] = l;
  return st;
}
