/* Stage 2's naming (flatten.c, poly.c): flattened element and node names, nodes resolved in
 * their scope, and elements added under their names. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <stdio.h>
#include <math.h>
#include <string.h>

/* scratch = prefix + "." + name (or just name when prefix is empty); letter: optional
 * leading element letter and dot ("r." in "r.x1.r2"). */
kh_status kh_qualify_name(kh_parser *p, char letter, const char *prefix, const char *name,
                          size_t len, const char **out, size_t *out_len) {
  size_t plen = strlen(prefix);
  size_t need = len + plen + 4;
  if (kh_reserve((void **)&p->scratch, &p->scratch_cap, need, 1))
    return kh_fail_nomem(p->ctx, "naming elements");
  size_t n = 0;
  if (plen) {
    if (letter) {
      p->scratch[n++] = letter;
      p->scratch[n++] = '.';
    }
    memcpy(p->scratch + n, prefix, plen);
    n += plen;
    p->scratch[n++] = '.';
  }
  memcpy(p->scratch + n, name, len);
  n += len;
  p->scratch[n] = '\0';
  *out = p->scratch;
  *out_len = n;
  return KH_OK;
}

static int is_ground(const kh_token *t) {
  return kh_token_eq(t, "0") || kh_token_eq(t, "gnd");
}

/* Which port the node name t is (the first of that name), or port_count if none. */
static size_t port_of(const kh_scope *s, const kh_token *t) {
  if (s->def && s->def->port_index) {
    uint32_t id = kh_strmap_find(s->def->port_index, t->s, t->len);
    return id == KH_NOT_FOUND ? s->port_count : s->def->port_at[id];
  }
  for (size_t i = 0; i < s->port_count; i++)
    if (s->ports[i].len == t->len && memcmp(s->ports[i].s, t->s, t->len) == 0) return i;
  return s->port_count;
}

kh_status kh_resolve_node(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *t,
                          uint32_t *id) {
  if (kh_token_eq(t, "=") || kh_token_eq(t, "(") || kh_token_eq(t, ")") || t->s[0] == '{' ||
      t->s[0] == '\'') /* ngspice makes a quoted span a braced one */
    return kh_token_fail(p, line, t, "expected a node name, found '%.*s'", (int)t->len, t->s);
  if (is_ground(t)) {
    *id = 0;
    return KH_OK;
  }
  size_t port = port_of(s, t);
  if (port < s->port_count) {
    *id = s->port_nodes[port];
    return KH_OK;
  }
  const char *name = NULL;
  size_t len = 0;
  int global = s->path[0] && kh_strmap_find(&p->global_nodes, t->s, t->len) != KH_NOT_FOUND;
  kh_status st = kh_qualify_name(p, 0, global ? "" : s->path, t->s, t->len, &name, &len);
  if (st == KH_OK && kh_strmap_intern(&p->nl->nodes, name, len, id, NULL))
    st = kh_fail_nomem(p->ctx, "naming nodes");
  if (st == KH_OK && *id < p->internal_cap && p->internal[*id])
    st = kh_token_fail(p, line, t, "node '%s' is the internal node of an element above", name);
  return st;
}

kh_status kh_internal_node(kh_parser *p, uint32_t line, const kh_token *name_tok, const char *name,
                           uint32_t *id) {
  int added;
  size_t had = p->internal_cap;
  if (kh_strmap_intern(&p->nl->nodes, name, strlen(name), id, &added) ||
      kh_reserve((void **)&p->internal, &p->internal_cap, *id + 1, 1))
    return kh_fail_nomem(p->ctx, "naming nodes");
  memset(p->internal + had, 0, p->internal_cap - had);
  if (!added) return kh_token_fail(p, line, name_tok, "node name '%s' is taken", name);
  p->internal[*id] = 1;
  return KH_OK;
}

kh_status kh_add_part(kh_parser *p, uint32_t line, const kh_token *name_tok, const char *name,
                      kh_elem e) {
  kh_netlist *nl = p->nl;
  uint32_t id;
  int added;
  if (nl->element_count >= KH_MAX_ELEMENTS)
    return kh_token_fail(p, line, name_tok, "more than %zu elements", (size_t)KH_MAX_ELEMENTS);
  if (kh_reserve((void **)&nl->elements, &nl->element_cap, nl->element_count + 1,
                 sizeof *nl->elements) ||
      kh_strmap_intern(&nl->element_names, name, strlen(name), &id, &added))
    return kh_fail_nomem(p->ctx, "storing elements");
  if (!added) return kh_token_fail(p, line, name_tok, "element name '%s' is taken", name);
  e.loc = kh_token_loc(p, line, name_tok);
  nl->elements[nl->element_count++] = e;
  return KH_OK;
}

kh_status kh_add_element(kh_parser *p, uint32_t line, const kh_token *name_tok, const kh_scope *s,
                         kh_elem e) {
  kh_netlist *nl = p->nl;
  if (nl->element_count >= KH_MAX_ELEMENTS)
    return kh_token_fail(p, line, name_tok, "more than %zu elements", (size_t)KH_MAX_ELEMENTS);
  const char *name = NULL;
  size_t len = 0;
  kh_status st =
      kh_qualify_name(p, name_tok->s[0], s->path, name_tok->s, name_tok->len, &name, &len);
  if (st != KH_OK) return st;
  uint32_t id;
  int added;
  if (kh_reserve((void **)&nl->elements, &nl->element_cap, nl->element_count + 1,
                 sizeof *nl->elements) ||
      kh_strmap_intern(&nl->element_names, name, len, &id, &added))
    return kh_fail_nomem(p->ctx, "storing elements");
  if (!added) {
    kh_loc first = nl->elements[id].loc;
    return kh_token_fail(p, line, name_tok, "duplicate element name '%s' (first at %s:%u:%u)", name,
                         p->src.files[first.file], (unsigned)first.line, (unsigned)first.col);
  }
  e.loc = kh_token_loc(p, line, name_tok);
  nl->elements[nl->element_count++] = e;
  return KH_OK;
}

/* The token "<prefix><name><suffix>" (in buf) for the parts ngspice's rewrites name after an
 * element (`be1`, `e1_int1`), told at the element's own token. */
kh_status kh_derived_name(kh_parser *p, uint32_t line, const kh_token *t, const char *prefix,
                          const char *suffix, char *buf, size_t size, kh_token *out) {
  size_t plen = strlen(prefix), slen = strlen(suffix);
  if (t->len > 200 || plen + t->len + slen >= size)
    return kh_token_fail(p, line, t, "element name too long");
  memcpy(buf, prefix, plen);
  memcpy(buf + plen, t->s, t->len);
  memcpy(buf + plen + t->len, suffix, slen + 1);
  *out = (kh_token){buf, (uint32_t)(plen + t->len + slen), t->off};
  return KH_OK;
}

kh_status kh_add_derived(kh_parser *p, uint32_t line, const kh_token *name, const kh_scope *s,
                         const char *prefix, kh_elem e) {
  char text[224];
  kh_token t;
  kh_status st = kh_derived_name(p, line, name, prefix, "", text, sizeof text, &t);
  if (st == KH_OK) st = kh_add_element(p, line, &t, s, e);
  if (st == KH_OK &&
      (e.kind == KH_VCVS || e.kind == KH_VCCS || e.kind == KH_CCCS || e.kind == KH_CCVS))
    p->controlled_count++; /* general Newton solves them (amplifiers.c) */
  return st;
}

kh_status kh_add_behind_resistor(kh_parser *p, uint32_t line, const kh_token *name_tok,
                                 const kh_scope *s, kh_elem e, const char *tag, double r,
                                 uint8_t marks[2], uint32_t *index) {
  kh_netlist *nl = p->nl;
  kh_status st = kh_add_element(p, line, name_tok, s, e);
  if (st != KH_OK) return st;
  *index = (uint32_t)nl->element_count - 1;
  const char *name = kh_strmap_name(&nl->element_names, *index);
  size_t size = strlen(name) + strlen(tag) + 2;
  char *node = kh_arena_alloc(&nl->arena, size), *rname = kh_arena_alloc(&nl->arena, size);
  if (!node || !rname) return kh_fail_nomem(p->ctx, "adding a series resistance");
  snprintf(node, size, "%s#%s", name, tag);
  snprintf(rname, size, "%s#%s", tag, name);
  uint32_t internal;
  st = kh_internal_node(p, line, name_tok, node, &internal);
  kh_elem res = {.kind = KH_RESISTOR,
                 .node = {nl->elements[*index].node[0], internal},
                 .model = KH_NOT_FOUND,
                 .value = r,
                 .synthetic = marks[0]};
  if (st == KH_OK) st = kh_add_part(p, line, name_tok, rname, res);
  if (st != KH_OK) return st;
  kh_elem *moved = &nl->elements[*index]; /* after the part: adding it may move the array */
  moved->ctrl[0] = moved->node[0], moved->node[0] = internal, moved->synthetic = marks[1];
  return KH_OK;
}

/* The word name=value at token *i, checked against w (kh_instance_words_parse). */
static kh_status instance_pair(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t *i,
                               const kh_scope *s, const kh_instance_words *w) {
  const kh_token *t = tok->items, *name = &t[*i];
  size_t n = tok->count;
  double v;
  kh_status st = kh_eval_token(p, line, &t[*i + 2], s, &v);
  if (st != KH_OK) return st;
  *i += 2;
  if (!isfinite(v))
    return kh_token_fail(p, line, &t[*i], "'%.*s' must be finite", (int)name->len, name->s);
  if (kh_token_eq(name, "ic")) { /* more values, the commas read as spaces */
    for (int more = 1; more < w->ic_values && *i + 1 < n && !kh_token_eq(&t[*i + 1], "off") &&
                       !(*i + 2 < n && kh_token_eq(&t[*i + 2], "="));
         more++)
      if ((st = kh_eval_token(p, line, &t[++*i], s, &v)) != KH_OK) return st;
    return KH_OK;
  }
  for (size_t k = 0; k < w->count; k++) {
    const kh_instance_word *word = &w->words[k];
    if (!kh_token_eq(name, word->name)) continue;
    if ((word->sign == '+' && !(v > 0)) || (word->sign == '0' && !(v >= 0)))
      return kh_token_fail(p, line, &t[*i], "%s %s must be %s, got %g", w->device, word->name,
                           word->sign == '+' ? "positive" : ">= 0", v);
    if (word->value) *word->value = v;
    if (w->given) *w->given |= word->bit;
    return KH_OK;
  }
  return kh_token_fail(p, line, name, "unknown %s instance parameter '%.*s' (%s are known)",
                       w->device, (int)name->len, name->s, w->known);
}

size_t kh_split_params(const kh_tokens *tok, size_t from, size_t *params_at) {
  size_t k = tok->count;
  for (size_t i = from; i < tok->count; i++)
    if (kh_token_eq(&tok->items[i], "params:") ||
        (i + 1 < tok->count && kh_token_eq(&tok->items[i + 1], "="))) {
      k = i;
      break;
    }
  *params_at = k < tok->count && kh_token_eq(&tok->items[k], "params:") ? k + 1 : k;
  return k;
}

int kh_ltspice_rating(kh_parser *p, uint32_t line, const kh_token *t, const char *const *words,
                      kh_status *st) {
  for (; *words; words++)
    if (kh_token_eq(t, *words)) {
      *st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, t),
                           "'%.*s' is LTspice's rating of the part, which ngspice 39 ignores with "
                           "a warning: ignored",
                           (int)t->len, t->s);
      return 1;
    }
  return 0;
}

kh_status kh_check_positive(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                            const kh_model_default *words, size_t count) {
  for (size_t k = 0; k < count; k++) {
    double v = kh_model_value(m, words[k].name, words[k].fallback);
    if (!(v > 0) || !isfinite(v))
      return kh_token_fail(p, line, at, "model '%s': %s (%g) must be positive", m->name,
                           words[k].name, v);
  }
  return KH_OK;
}

kh_status kh_check_nonnegative(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                               const char *const *names, size_t count) {
  for (size_t k = 0; k < count; k++) {
    double v = kh_model_value(m, names[k], 0);
    if (!(v >= 0) || !isfinite(v))
      return kh_token_fail(p, line, at, "model '%s': %s must be >= 0, got %g", m->name, names[k],
                           v);
  }
  return KH_OK;
}

void kh_inst_temp_defaults(kh_inst_temp *t, const kh_model *m) {
  double v;
  if (!t->has_temp && !isnan(v = kh_model_value(m, "temp", NAN))) t->temp = v, t->has_temp = 1;
  if (!t->has_dtemp && !isnan(v = kh_model_value(m, "dtemp", NAN))) t->dtemp = v, t->has_dtemp = 1;
}

double kh_inst_temp_kelvins(const kh_inst_temp *t, const kh_netlist *nl) {
  return t->has_temp ? t->temp + KH_CELSIUS_TO_KELVIN : kh_netlist_temperature(nl) + t->dtemp;
}

kh_status kh_model_word_expected(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                 size_t i) {
  const kh_token *t = tok->items;
  int op = t[i].len == 1 && strchr("+-*/", t[i].s[0]) != NULL;
  if (op && i >= from + 3 && kh_token_eq(&t[i - 2], "="))
    return kh_token_fail(p, line, &t[i],
                         "ngspice 39 reads only '%.*s' as the value of '%.*s' and ignores the "
                         "rest of the expression (\"unrecognized parameter (%.*s)\"); write it in "
                         "braces: {...}",
                         (int)t[i - 1].len, t[i - 1].s, (int)t[i - 3].len, t[i - 3].s,
                         (int)t[i].len, t[i].s);
  return kh_token_fail(p, line, &t[i], "expected name=value, found '%.*s'", (int)t[i].len, t[i].s);
}

kh_status kh_check_model_instance_word(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                       size_t from, size_t i, int model_word,
                                       const char *const *defaults, size_t count) {
  const kh_token *t = tok->items;
  if (!model_word && kh_token_eq(&t[i], "m"))
    return kh_token_fail(p, line, &t[i],
                         "m on a .model card: ngspice 39 drops it without a word (no instance "
                         "default for the multiplier); give m= on the instance lines");
  for (size_t k = 0; k < count; k++) {
    if (!kh_token_eq(&t[i], defaults[k])) continue;
    for (size_t j = from; j < i; j += 3)
      if (kh_token_eq(&t[j], defaults[k]))
        return kh_token_fail(p, line, &t[i],
                             "'%s' given twice on the .model card: ngspice 39 takes the first as "
                             "the instances' default and the last everywhere else; give it once",
                             defaults[k]);
  }
  return KH_OK;
}

kh_status kh_check_card_default(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                                const char *name, double value, int zero_ok) {
  if ((zero_ok ? value >= 0 : value > 0) && isfinite(value)) return KH_OK;
  return kh_token_fail(p, line, at, "model '%s': its %s = %g, the instances' default, must be %s",
                       m->name, name, value, zero_ok ? "at least 0" : "positive");
}

kh_status kh_eval_positional_area(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s,
                                  double *area) {
  size_t temper_reads = p->temper_reads;
  kh_status st = kh_eval_token(p, line, t, s, area);
  if (st != KH_OK || p->temper_reads == temper_reads) return st;
  return kh_token_fail(p, line, t,
                       "an area after the model that reads temper: ngspice 39 sets only name=value "
                       "words to their value at the temperature, and stops at this one; write "
                       "area=");
}

kh_status kh_instance_words_parse(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                                  const kh_scope *s, const kh_instance_words *w) {
  const kh_token *t = tok->items;
  size_t n = tok->count;
  if (w->positional && i < n && !kh_token_eq(&t[i], "off") &&
      !(i + 1 < n && kh_token_eq(&t[i + 1], "="))) {
    kh_status st = kh_eval_positional_area(p, line, &t[i], s, w->positional);
    if (st != KH_OK) return st;
    if (!(*w->positional > 0) || !isfinite(*w->positional))
      return kh_token_fail(p, line, &t[i], "%s area must be positive, got %g", w->device,
                           *w->positional);
    i++;
  }
  for (; i < n; i++) {
    if (kh_token_eq(&t[i], "off")) { /* where Newton starts and holds it: sim/general */
      if (w->off) *w->off = 1;
      continue;
    }
    if (w->flag && kh_token_eq(&t[i], w->flag)) {
      *w->flag_at = i;
      continue;
    }
    if (i + 2 >= n || !kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(p, line, &t[i], "unexpected '%.*s' in %s '%.*s'", (int)t[i].len, t[i].s,
                           w->device, (int)t[0].len, t[0].s);
    kh_status st = instance_pair(p, line, tok, &i, s, w);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

kh_status kh_series_part(kh_parser *p, uint32_t line, const kh_token *name_tok, const char *owner,
                         const char *which, double ohms, uint32_t *inner) {
  kh_netlist *nl = p->nl;
  size_t len = strlen(owner) + 16;
  char *node = kh_arena_alloc(&nl->arena, len), *rname = kh_arena_alloc(&nl->arena, len);
  if (!node || !rname) return kh_fail_nomem(p->ctx, "adding a transistor's series resistance");
  snprintf(node, len, "%s#%s", owner, which);
  snprintf(rname, len, "%s#%s", which, owner);
  uint32_t outer = *inner;
  kh_status st = kh_internal_node(p, line, name_tok, node, inner);
  kh_elem r = {.kind = KH_RESISTOR,
               .node = {outer, *inner},
               .model = KH_NOT_FOUND,
               .value = ohms,
               .synthetic = KH_SYNTHETIC_SERIES};
  return st == KH_OK ? kh_add_part(p, line, name_tok, rname, r) : st;
}

const char *kh_param_alias_canonical(const kh_param_alias *table, size_t n, const char *name) {
  const char *c = kh_param_alias_find(table, n, name, strlen(name));
  return c ? c : name;
}

/* Whether name is s[0..len). The first character first: the BSIM lists hold hundreds of names,
 * looked up for every word of every model card (a PDK's per-instance bins: a strlen per name
 * was half of parse time). */
static int is_word(const char *name, const char *s, size_t len) {
  return len && name[0] == s[0] && !strncmp(name, s, len) && name[len] == '\0';
}

int kh_listed(const char *const *names, size_t n, const char *s, size_t len) {
  for (size_t k = 0; k < n; k++)
    if (is_word(names[k], s, len)) return 1;
  return 0;
}

static int intern_words(kh_strmap *table, const kh_word_list *lists, size_t nlists) {
  for (size_t l = 0; l < nlists; l++)
    for (size_t k = 0; k < lists[l].count; k++)
      for (int form = 0; form < (lists[l].with_lwp ? 4 : 1); form++) {
        char word[40];
        int n = snprintf(word, sizeof word, "%s%s",
                         form ? (const char *[]){"l", "w", "p"}[form - 1] : "", lists[l].names[k]);
        uint32_t id;
        if (n < 0 || (size_t)n >= sizeof word ||
            kh_strmap_intern(table, word, (size_t)n, &id, NULL))
          return -1;
      }
  return 0;
}

int kh_model_word(kh_strmap *table, const kh_word_list *lists, size_t nlists, const char *s,
                  size_t len, const char **out) {
  char word[40];
  if (len == 0 || len >= sizeof word) return 0;
  if (table->count == 0 && intern_words(table, lists, nlists)) return -1;
  memcpy(word, s, len), word[len] = '\0';
  size_t at = (word[0] == 'l' || word[0] == 'w' || word[0] == 'p') && len > 4 ? 1 : 0;
  if (!strcmp(word + at, "vtho")) word[at + 3] = '0';
  uint32_t id = kh_strmap_find(table, word, len);
  if (id == KH_NOT_FOUND) return 0;
  *out = kh_strmap_name(table, id);
  return 1;
}

const char *kh_word_note_find(const kh_word_note *table, const kh_token *t) {
  for (size_t k = 0; table[k].name; k++)
    if (kh_token_eq(t, table[k].name)) return table[k].what;
  return NULL;
}

const char *kh_param_alias_find(const kh_param_alias *table, size_t n, const char *s, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (is_word(table[i].name, s, len)) return table[i].canonical;
  return NULL;
}
