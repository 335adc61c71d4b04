/* The .model cards ngspice 39 drops as unused although an element uses them (inpcom.c's
 * inp_rem_unused_models, get_number_terminals and get_model_name, read there and measured): in
 * a deck without .if, its front end guesses each element line's model word from a count of the
 * line's words, drops every card no guess names, and then stops at the element whose model is
 * gone ("could not find a valid modelname"). For D and Q lines the count depends on what follows
 * the model: `d1 a b dm 2` (the area as a number) is taken for a diode with a thermal node, its
 * model word '2'; a parenthesis among a Q line's words (`area={max(1,2)}`) runs the count
 * long. kirchhoff reads such lines, and refuses them where no line names the card as ngspice
 * guesses it, so that it never answers where ngspice stops. */
#include "parser.h"

#include "core/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* gettok_instance: past blanks, a word up to a blank or a parenthesis (which it never passes:
 * every word after one is empty); *s after it and the blanks after it. */
static size_t instance_word(const char **s, const char **word) {
  const char *p = *s;
  while (*p == ' ' || *p == '\t') p++;
  *word = p;
  while (*p && *p != ' ' && *p != '\t' && *p != '(' && *p != ')') p++;
  size_t n = (size_t)(p - *word);
  while (*p == ' ' || *p == '\t') p++;
  *s = p;
  return n;
}

static int has(const char *w, size_t n, char c) {
  return memchr(w, c, n) != NULL;
}

/* `id` standing alone in the word (search_plain_identifier). */
static int plain(const char *w, size_t n, const char *id) {
  size_t k = strlen(id);
  for (size_t i = 0; i + k <= n; i++)
    if (!memcmp(w + i, id, k) &&
        (i == 0 || !(isalnum((unsigned char)w[i - 1]) || w[i - 1] == '_')) &&
        (i + k == n || !(isalnum((unsigned char)w[i + k]) || w[i + k] == '_')))
      return 1;
  return 0;
}

/* A diode's node count as get_number_terminals makes it: its words up to the first after the
 * fourth with `off`, `thermal` or '=', less 2. */
static int diode_terminals(const char *c) {
  int i = 0;
  const char *w;
  while (i < 10 && *c) {
    size_t n = instance_word(&c, &w);
    if (i > 3 && (plain(w, n, "off") || plain(w, n, "thermal") || has(w, n, '='))) break;
    i++;
  }
  return i - 2;
}

/* inp_remove_ws: blanks before '=' and after it dropped, and inside braces those around
 * arithmetic and commas; other runs of blanks one. Into out (cap bytes). */
static void remove_ws(const char *s, char *out, size_t cap) {
  size_t o = 0;
  int braces = 0;
  const char *arith = "+-*/^%<>=!&|?:,"; /* is_arith_char, and ',' */
  if (*s == ' ' || *s == '\t') out[o++] = *s++;
  while (*s && o + 2 < cap) {
    braces += (*s == '{') - (*s == '}');
    if (*s == ' ' || *s == '\t') {
      while (*s == ' ' || *s == '\t') s++;
      if (!(*s == '\0' || *s == '=' || (braces > 0 && strchr(arith, *s)))) out[o++] = ' ';
      continue;
    }
    int skip = *s == '=' || (braces > 0 && strchr(arith, *s));
    out[o++] = *s++;
    while (skip && (*s == ' ' || *s == '\t')) s++;
  }
  out[o] = '\0';
}

/* A BJT's node count as get_number_terminals makes it (at most 12 words of the line without
 * its blanks around '='; those with `off`, '=', a last ',' or CIDER's save and print are not
 * nodes; an area is a word of digits whose word before has no ','). */
static int bjt_terminals(const char *line) {
  char buf[4096];
  remove_ws(line, buf, sizeof buf);
  const char *c = buf, *w[12];
  size_t n[12];
  int i = 0, j = 0;
  while (i < 12 && *c) {
    n[i] = instance_word(&c, &w[i]);
    j += plain(w[i], n[i], "off") || has(w[i], n[i], '=') || plain(w[i], n[i], "save") ||
         plain(w[i], n[i], "print");
    j += n[i] > 0 && w[i][n[i] - 1] == ',';
    j += n[i] == 1 && w[i][0] == ',';
    i++;
  }
  i--;
  int area = 0;
  for (int k = i; k > i - j - 1 && k > 0; k--) {
    int digits = 1;
    for (size_t q = 0; q < n[k]; q++) digits &= !isalpha((unsigned char)w[k][q]) && w[k][q] != ',';
    if (digits && !has(w[k - 1], n[k - 1], ',')) area = 1;
  }
  return area ? i - j - 2 : i - j - 1;
}

/* get_model_name: the word after the element's name and `terminals` words. */
static size_t model_word(const char *line, int terminals, const char **word) {
  const char *p = line;
  for (int k = 0; k <= terminals; k++) {
    while (*p && *p != ' ' && *p != '\t') p++;
    while (*p == ' ' || *p == '\t') p++;
  }
  *word = p;
  while (*p && *p != ' ' && *p != '\t') p++;
  return (size_t)(p - *word);
}

/* The record of model `model`'s card (by "file:line:name": instances' copies of a card share
 * it), cached by model index; UINT32_MAX for a name too long to key. */
static kh_status use_of(kh_parser *p, uint32_t model, uint32_t *id) {
  if (model < p->use_of_model_cap && p->use_of_model[model])
    return *id = p->use_of_model[model] - 1, KH_OK;
  const kh_model *m = &p->nl->models[model];
  char key[512];
  int len = snprintf(key, sizeof key, "%u:%u:%s", m->loc.file, m->loc.line, m->name), added;
  *id = UINT32_MAX;
  if (len < 0 || (size_t)len >= sizeof key) return KH_OK;
  size_t had = p->use_of_model_cap;
  if (kh_strmap_intern(&p->model_uses, key, (size_t)len, id, &added) ||
      kh_reserve((void **)&p->model_use, &p->model_use_cap, *id + 1, sizeof *p->model_use) ||
      kh_reserve((void **)&p->use_of_model, &p->use_of_model_cap, model + 1,
                 sizeof *p->use_of_model))
    return kh_fail_nomem(p->ctx, "reading models");
  memset(p->use_of_model + had, 0, (p->use_of_model_cap - had) * sizeof *p->use_of_model);
  if (added) p->model_use[*id] = (struct kh_model_use){0};
  p->use_of_model[model] = *id + 1;
  return KH_OK;
}

kh_status kh_ngspice_model_use(kh_parser *p, uint32_t line, const kh_token *name_tok,
                               uint32_t model) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]), *w = text;
  int terminals = text[0] == 'd' ? diode_terminals(text) : bjt_terminals(text);
  size_t n = terminals > 0 ? model_word(text, terminals, &w) : 0;
  int seen = n == name_tok->len && !memcmp(w, name_tok->s, n);
  uint32_t id;
  kh_status st = use_of(p, model, &id);
  if (st != KH_OK) return st;
  if (id == UINT32_MAX) return KH_OK;
  struct kh_model_use *u = &p->model_use[id];
  u->seen |= seen;
  if (!seen && !u->misread) {
    u->misread = 1, u->model = model;
    u->at = kh_token_loc(p, line, name_tok);
    snprintf(u->word, sizeof u->word, "%.*s", (int)(n < 40 ? n : 40), n ? w : "");
  }
  return KH_OK;
}

kh_status kh_check_dropped_models(kh_parser *p) {
  for (size_t k = 0; !p->saw_if && k < p->model_uses.count; k++) {
    const struct kh_model_use *u = &p->model_use[k];
    if (!u->misread || u->seen) continue;
    char guess[80];
    snprintf(guess, sizeof guess,
             u->word[0] ? "takes '%s' for its model word" : "finds no model word%s", u->word);
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, u->at,
                          "ngspice 39 would stop here (\"could not find a valid modelname\"): "
                          "its front end counts this line's nodes from its words, %s, finds no "
                          "line that uses model '%s' and drops the card; give the area as area= "
                          "(and values without parentheses on a BJT)",
                          guess, p->nl->models[u->model].name);
  }
  return KH_OK;
}
