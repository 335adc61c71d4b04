/* The edit buffer of ngspice's compatibility-mode rewrites (pspice.h's kh_edit), their refusals,
 * and the word search they share. */
#include "pspice.h"

#include "core/alloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kh_edit_release(kh_edit *e) {
  kh_free(e->t), kh_free(e->from);
  *e = (kh_edit){0};
}

static int put(kh_edit *e, char c, uint32_t from) {
  if (e->n + 2 > e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 256;
    char *t = kh_realloc(e->t, cap);
    if (!t) return -1;
    e->t = t;
    uint32_t *f = kh_realloc(e->from, cap * sizeof *f);
    if (!f) return -1;
    e->from = f, e->cap = cap;
  }
  e->t[e->n] = c, e->from[e->n++] = from, e->t[e->n] = '\0';
  return 0;
}

int kh_edit_splice(kh_edit *e, kh_edit *tmp, size_t at, size_t cut, const char *insert) {
  tmp->n = 0;
  for (size_t i = 0; i < at; i++)
    if (put(tmp, e->t[i], e->from[i])) return -1;
  uint32_t here = at < e->n ? e->from[at] : e->n ? e->from[e->n - 1] + 1 : 0;
  for (const char *s = insert; *s; s++)
    if (put(tmp, *s, here)) return -1;
  for (size_t i = at + cut; i < e->n; i++)
    if (put(tmp, e->t[i], e->from[i])) return -1;
  if (!tmp->t && (put(tmp, ' ', 0) || (tmp->n = 0, tmp->t[0] = '\0'))) return -1;
  kh_edit t = *e;
  *e = *tmp, *tmp = t;
  return 0;
}

int kh_edit_from_text(kh_edit *e, const char *s, size_t n) {
  e->n = 0;
  for (size_t i = 0; i < n; i++)
    if (put(e, s[i], (uint32_t)i)) return -1;
  if (!e->t && (put(e, ' ', 0) || (e->n = 0, e->t[0] = '\0'))) return -1;
  return 0;
}

int kh_pspice_refuse(kh_pspice_result *res, const kh_edit *e, const char *at, const char *fmt,
                     ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->why, sizeof res->why, fmt, ap);
  va_end(ap);
  res->why_at = at && at < e->t + e->n ? e->from[at - e->t] : 0;
  return 0;
}

void kh_pspice_result_release(kh_pspice_result *res) {
  for (size_t k = 0; k < res->after_count; k++) kh_free(res->after[k]);
  res->after_count = 0;
}

static int is_ident(char c) {
  return isalnum((unsigned char)c) || c == '_';
}

char *kh_plain_word(char *s, const char *word) {
  size_t n = strlen(word);
  for (char *at = strstr(s, word); at; at = strstr(at + 1, word))
    if ((at == s || !is_ident(at[-1])) && !is_ident(at[n])) return at;
  return NULL;
}
