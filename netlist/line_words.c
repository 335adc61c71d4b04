/* The name=value words of the line cards (T, O, U) and the numbers of their models (LTRA, URC),
 * read alike (tline.c, ltra.c, urc.c). */
#include "parser.h"

kh_status kh_line_word(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                       const kh_scope *s, unsigned *given, int k, double *value) {
  const kh_token *t = tok->items;
  if (i + 2 >= tok->count || !kh_token_eq(&t[i + 1], "="))
    return kh_token_fail(p, line, &t[i], "'%.*s' needs '=' and a value", (int)t[i].len, t[i].s);
  if (*given & 1u << k)
    return kh_token_fail(p, line, &t[i], "'%.*s' is given twice", (int)t[i].len, t[i].s);
  *given |= 1u << k;
  return kh_eval_token(p, line, &t[i + 2], s, value);
}

kh_status kh_line_model_number(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                               size_t end, const char *name, kh_model_param *params, size_t *n) {
  const kh_token *t = tok->items;
  if (i + 2 >= end || !kh_token_eq(&t[i + 1], "="))
    return kh_token_fail(p, line, &t[i], "'%s' needs '=' and a value", name);
  for (size_t k = 0; k < *n; k++)
    if (params[k].name == name) return kh_token_fail(p, line, &t[i], "'%s' is given twice", name);
  params[*n].name = name;
  return kh_eval_token(p, line, &t[i + 2], NULL, &params[(*n)++].value);
}
