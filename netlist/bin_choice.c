/* Which per-instance model bins an instance reads. A PDK's device subcircuit (the SkyWater
 * sky130 and gf180mcu models) holds dozens of BSIM bins whose values read the instance's l, w and
 * mult, so each instance reads its own copy of each, as ngspice's numparam expands them; its
 * MOSFET then uses one. Reading only the bins its MOSFET lines can choose gives the same model
 * (the first bin in the file holding its L and W is among those read, in the same order) at a
 * fraction of the cost. Where a use of a bin's name cannot be judged (another element, an X line
 * in the body, a geometry that does not evaluate), every bin is read, as before. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* The plain-number value of `word = value` among a card's words (from 3 on), read as the card's
 * reading reads it (ngspice's INPevaluate), or 0. */
static int plain_word(const kh_tokens *tok, const char *word, double *v) {
  size_t bad = 0;
  for (size_t i = 3; i + 2 < tok->count; i += 3)
    if (kh_token_eq(&tok->items[i], word) && kh_token_eq(&tok->items[i + 1], "=")) {
      const kh_token *t = &tok->items[i + 2];
      if (kh_parse_number(t->s, t->len, v, &bad) != KH_NUM_OK) return 0;
      return *v = kh_inp_evaluate(t->s, t->len), 1;
    }
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
static int geometry(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *scope,
                    double *l, double *w) {
  double v[4] = {NAN, NAN, NAN, NAN}; /* l, w, nf, wnflag */
  static const char *const words[4] = {"l", "w", "nf", "wnflag"};
  for (size_t i = 6; i + 2 < tok->count; i++)
    for (int k = 0; k < 4; k++)
      if (kh_token_eq(&tok->items[i], words[k]) && kh_token_eq(&tok->items[i + 1], "=") &&
          kh_eval_quiet(p, line, &tok->items[i + 2], scope, &v[k]))
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

/* One body line's uses of def's bins (the deferred models bins[0..n)): want[k] set for each
 * bin k it may choose. *unsure: the line is one this reading does not judge (an X line). Lines
 * are stored lower case from their first word. */
static kh_status line_uses(kh_parser *p, uint32_t line, const size_t *bins, size_t n,
                           const kh_scope *inner, unsigned char *want, int *unsure) {
  char c = kh_line_text(&p->src, &p->src.lines[line])[0];
  if (c == '.' || c == '\0') return KH_OK; /* cards: .model, .param, .if ... */
  if (c == 'x') return *unsure = 1, KH_OK;
  kh_tokens *tok = &p->line_tokens[inner->depth];
  kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
  int known = -1; /* whether this line's geometry evaluated (-1: not tried) */
  double l = 0, w = 0;
  for (size_t i = 0; st == KH_OK && i < tok->count; i++)
    for (size_t b = 0; b < n; b++) {
      size_t k = bins[b];
      const struct kh_deferred_model *d = &p->deferred_models[k];
      int use = names_bin(&tok->items[i], d);
      if (!use) continue;
      if (use == 1 && i == 5 && c == 'm' && known < 0)
        known = geometry(p, line, tok, inner, &l, &w);
      want[k] |= use == 2 || i != 5 || c != 'm' || !known ||
                 (kh_bin_range_holds(l, d->limit[0], d->limit[1]) &&
                  kh_bin_range_holds(w, d->limit[2], d->limit[3]));
    }
  return st;
}

kh_status kh_choose_bins(kh_parser *p, uint32_t def, const kh_scope *inner, unsigned char *read) {
  if (p->deferred_count == 0) return KH_OK;
  size_t n = 0, *bins = kh_malloc((p->deferred_count + 1) * sizeof *bins); /* def's bins */
  unsigned char *want = kh_calloc(p->deferred_count + 1, 1);
  if (!bins || !want) {
    kh_free(bins), kh_free(want);
    return kh_fail_nomem(p->ctx, "reading models");
  }
  for (size_t k = 0; k < p->deferred_count; k++)
    if (p->deferred_models[k].def == def && p->deferred_models[k].name) bins[n++] = k;
  const kh_subckt *d = &p->subckts[def];
  int unsure = 0;
  kh_status st = KH_OK;
  for (uint32_t line = d->first; n && st == KH_OK && !unsure && line < d->end;
       line = kh_next_body_line(p, line))
    st = line_uses(p, line, bins, n, inner, want, &unsure);
  for (size_t b = 0; st == KH_OK && !unsure && b < n; b++)
    if (!want[bins[b]]) read[bins[b]] = 0;
  kh_free(bins), kh_free(want);
  return st;
}
