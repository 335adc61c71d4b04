/* PSpice's AKO ("a kind of") models in ngspice 39's PSpice mode (inpcom.c's ako_model and
 * find_model, read there): `.model new ako:base type (params)` becomes the base's card with the
 * new name, the card's parameters after the base's (where a parameter is given twice the last
 * one counts). The base is looked up among the cards read so far, as written. */
#include "pspice.h"

#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_pspice_state_release(kh_pspice_state *st) {
  for (size_t k = 0; k < st->model_count; k++) {
    kh_free(st->models[k].name), kh_free(st->models[k].type), kh_free(st->models[k].rest);
  }
  kh_free(st->models), kh_free(st->ideal);
  *st = (kh_pspice_state){0};
}

static int blank(char c) {
  return c == ' ' || c == '\t';
}

static char *copy(const char *s, size_t n) {
  char *c = kh_malloc(n + 1);
  if (c) memcpy(c, s, n), c[n] = '\0';
  return c;
}

/* A word: from *s, past blanks, up to a blank (or with `noparens` a parenthesis or comma, as
 * gettok_noparens reads a model type); *s after it and the blanks that follow. */
static const char *word(const char **s, int noparens, size_t *len) {
  const char *p = *s;
  while (blank(*p)) p++;
  const char *w = p;
  while (*p && !blank(*p) && !(noparens && (*p == '(' || *p == ')' || *p == ','))) p++;
  *len = (size_t)(p - w);
  while (blank(*p)) p++;
  *s = p;
  return w;
}

/* The card `.model name type rest` recorded under the scope it stands in. */
static int record(kh_pspice_state *st, uint32_t file, const char *line) {
  const char *s = line + 6;
  size_t nl, tl;
  const char *name = word(&s, 0, &nl), *type = word(&s, 1, &tl);
  if (!nl || !tl) return 0;
  if (kh_reserve((void **)&st->models, &st->model_cap, st->model_count + 1, sizeof *st->models))
    return -1;
  struct kh_pspice_model m = {copy(name, nl), copy(type, tl), copy(s, strlen(s)), file,
                              st->depth == 0   ? 0
                              : st->depth == 1 ? st->scope
                                               : UINT32_MAX};
  if (!m.name || !m.type || !m.rest) {
    kh_free(m.name), kh_free(m.type), kh_free(m.rest);
    return -1;
  }
  st->models[st->model_count++] = m;
  return 0;
}

/* The first card recorded of that name in scope (of that file unless `whole`), or NULL: ngspice's
 * find_model takes the first in file order (measured: of two `.model base` cards, the AKO copy
 * has the first's parameters; kirchhoff took the last until 2026-12-07). */
static const struct kh_pspice_model *find(const kh_pspice_state *st, uint32_t file, int whole,
                                          uint32_t scope, const char *name, size_t len) {
  for (size_t k = 0; k < st->model_count; k++) {
    const struct kh_pspice_model *m = &st->models[k];
    if (m->scope == scope && (whole || m->file == file) && strlen(m->name) == len &&
        !memcmp(m->name, name, len))
      return m;
  }
  return NULL;
}

int kh_pspice_ako(kh_pspice_state *st, uint32_t file, int whole, kh_edit *e, kh_edit *tmp,
                  kh_pspice_result *res) {
  char *ako = strstr(e->t, "ako:");
  if (!ako || ako == e->t || !blank(ako[-1])) return record(st, file, e->t);
  const char *s = e->t + 6, *after = ako + 4;
  size_t nl, bl, tl;
  const char *name = word(&s, 0, &nl), *base = word(&after, 0, &bl), *type = word(&after, 1, &tl);
  const struct kh_pspice_model *m = st->scope ? find(st, file, whole, st->scope, base, bl) : NULL;
  if (!m) m = find(st, file, whole, 0, base, bl);
  if (!m && !st->releasing && st->depth <= 1) /* read again at its .subckt's or file's end */
    return res->hold = 1, 0;
  if (!m)
    return kh_pspice_refuse(res, e, base,
                            "AKO base model '%.*s' is no .model card of its .subckt or of the "
                            "top level%s above it (ngspice 39 stops: \"no model found\")",
                            (int)bl, base, whole ? "" : " of its file");
  if (strlen(m->type) != tl || memcmp(m->type, type, tl))
    return kh_pspice_refuse(res, e, type,
                            "AKO model of type '%.*s' where its base '%s' is '%s' (ngspice 39: "
                            "\"Original and new type for AKO model disagree\")",
                            (int)tl, type, m->name, m->type);
  size_t n = 16 + nl + tl + strlen(m->rest) + strlen(after);
  char *card = kh_malloc(n);
  if (!card) return -1;
  snprintf(card, n, "%.*s %.*s %s%s", (int)nl, name, (int)tl, type, m->rest, after);
  char *join = strstr(card, ")(");
  if (join) join[0] = join[1] = ' ';
  size_t at = (size_t)(name - e->t);
  int r = kh_edit_splice(e, tmp, at, e->n - at, card);
  kh_free(card);
  return r ? -1 : record(st, file, e->t);
}
