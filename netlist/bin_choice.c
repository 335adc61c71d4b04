/* Which per-instance model bins an instance reads. A PDK's device subcircuit (the SkyWater
 * sky130 and gf180mcu models) holds dozens of BSIM bins whose values read the instance's l, w and
 * mult, so each instance reads its own copy of each, as ngspice's numparam expands them; its
 * MOSFET then uses one. Reading only the bins its MOSFET lines can choose gives the same model
 * (the first bin in the file holding its L and W is among those read, in the same order) at a
 * fraction of the cost. Where a use of a bin's name cannot be judged (another element, an X line
 * in the body, a geometry that does not evaluate), every bin is read, as before. */
#include "parser.h"

#include "core/alloc.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/* The plain-number value of `word = value` among a card's words (from 3 on), or 0. */
static int plain_word(const kh_tokens *tok, const char *word, double *v) {
  size_t bad = 0;
  for (size_t i = 3; i + 2 < tok->count; i += 3)
    if (kh_token_eq(&tok->items[i], word) && kh_token_eq(&tok->items[i + 1], "="))
      return kh_parse_number(tok->items[i + 2].s, tok->items[i + 2].len, v, &bad) == KH_NUM_OK;
  return 0;
}

kh_status kh_bin_facts(kh_parser *p, const kh_tokens *tok, struct kh_deferred_model *d) {
  static const char *const limits[4] = {"lmin", "lmax", "wmin", "wmax"};
  const kh_token *name = &tok->items[1];
  size_t dot = name->len;
  while (dot > 0 && name->s[dot - 1] >= '0' && name->s[dot - 1] <= '9') dot--;
  if (dot == name->len || dot < 2 || name->s[dot - 1] != '.') return KH_OK; /* not name.N */
  if (!kh_token_eq(&tok->items[2], "nmos") && !kh_token_eq(&tok->items[2], "pmos")) return KH_OK;
  double level = kh_mos_card_level(tok, 3, tok->count);
  if (level != 8 && level != 49 && level != 14 && level != 54) return KH_OK;
  for (int k = 0; k < 4; k++)
    if (!plain_word(tok, limits[k], &d->limit[k])) return KH_OK;
  d->name = kh_arena_strndup(&p->nl->arena, name->s, name->len);
  d->base_len = dot - 1;
  return d->name ? KH_OK : kh_fail_nomem(p->ctx, "storing a model");
}

/* The L and binning W of an M line whose model is at tok[5], in scope, as mosfet.c bins them
 * (times .options scale); 0 where they do not evaluate (or are not both given). */
static int geometry(kh_parser *p, const kh_tokens *tok, const kh_scope *scope, double *l,
                    double *w) {
  double v[4] = {NAN, NAN, NAN, NAN}; /* l, w, nf, wnflag */
  static const char *const words[4] = {"l", "w", "nf", "wnflag"};
  for (size_t i = 6; i + 2 < tok->count; i++)
    for (int k = 0; k < 4; k++)
      if (kh_token_eq(&tok->items[i], words[k]) && kh_token_eq(&tok->items[i + 1], "=") &&
          kh_eval_quiet(p, &tok->items[i + 2], scope, &v[k]))
        return 0;
  if (isnan(v[0]) || isnan(v[1])) return 0;
  double scale = 1;
  kh_netlist_option(p->nl, "scale", &scale);
  *l = v[0] * scale;
  *w = kh_bin_width(p->nl, v[1], !isnan(v[2]), v[2], v[3]) * scale;
  return 1;
}

/* Whether token t names deferred bin d: its base (used = 1) or its whole name (used = 2). */
static int names_bin(const kh_token *t, const struct kh_deferred_model *d) {
  if (t->len == d->base_len && !memcmp(t->s, d->name, d->base_len)) return 1;
  return t->len == strlen(d->name) && !memcmp(t->s, d->name, t->len) ? 2 : 0;
}

/* One body line's uses of def's bins: want[k] set for each bin it may choose. *unsure: the
 * line is one this reading does not judge (an X line). */
static kh_status line_uses(kh_parser *p, uint32_t line, uint32_t def, const kh_scope *inner,
                           unsigned char *want, int *unsure) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  while (*text == ' ' || *text == '\t') text++;
  char c = (char)tolower((unsigned char)*text);
  if (c == '.' || c == '\0') return KH_OK; /* cards: .model, .param, .if ... */
  if (c == 'x') return *unsure = 1, KH_OK;
  kh_tokens *tok = &p->line_tokens[inner->depth];
  kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
  int known = -1; /* whether this line's geometry evaluated (-1: not tried) */
  double l = 0, w = 0;
  for (size_t i = 0; st == KH_OK && i < tok->count; i++)
    for (size_t k = 0; k < p->deferred_count; k++) {
      const struct kh_deferred_model *d = &p->deferred_models[k];
      int use = d->def == def && d->name ? names_bin(&tok->items[i], d) : 0;
      if (!use) continue;
      if (use == 1 && i == 5 && c == 'm' && known < 0) known = geometry(p, tok, inner, &l, &w);
      want[k] |= use == 2 || i != 5 || c != 'm' || !known ||
                 (kh_bin_range_holds(l, d->limit[0], d->limit[1]) &&
                  kh_bin_range_holds(w, d->limit[2], d->limit[3]));
    }
  return st;
}

kh_status kh_choose_bins(kh_parser *p, uint32_t def, const kh_scope *inner, unsigned char *read) {
  size_t bins = 0;
  for (size_t k = 0; k < p->deferred_count; k++)
    bins += p->deferred_models[k].def == def && p->deferred_models[k].name;
  if (bins == 0) return KH_OK;
  unsigned char *want = kh_calloc(p->deferred_count, 1);
  if (!want) return kh_fail_nomem(p->ctx, "reading models");
  const kh_subckt *d = &p->subckts[def];
  int unsure = 0;
  kh_status st = KH_OK;
  for (uint32_t line = d->first; st == KH_OK && !unsure && line < d->end;
       line = kh_next_body_line(p, line))
    st = line_uses(p, line, def, inner, want, &unsure);
  for (size_t k = 0; st == KH_OK && !unsure && k < p->deferred_count; k++)
    if (p->deferred_models[k].def == def && p->deferred_models[k].name && !want[k]) read[k] = 0;
  kh_free(want);
  return st;
}
