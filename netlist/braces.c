/* Braces inside braces on an element line, as ngspice 39's front end leaves them (inpcom.c's
 * inp_quote_params, read there, and measured): in a scope whose parameters it sorts (the top
 * level where a .param card stands there: every line of the deck; a subcircuit with its own
 * .param: its body) it makes them parentheses, unless the line will be a B source's (it reads
 * v(, i(, temper, hertz or time: b_transformation_wanted), where inp_bsource_compat blanks every
 * brace. So `{2*{k+1}}` is 6 on a V line and in a B source's constant expression beside a .param,
 * `{v(a)*{k+1}}` is v(a)*k + 1, and without a .param ngspice fails on the V line. */
#include "parser.h"

#include <ctype.h>
#include <string.h>

static int identifier_char(char c) {
  return c == '_' || isalnum((unsigned char)c);
}

/* b_transformation_wanted: v( or i(, or temper, hertz or time as a word, anywhere in the line. */
static int reads_solution_or_time(const char *line) {
  for (const char *p = line; (p = strpbrk(p, "vith")) != NULL; p++) {
    if (p > line && identifier_char(p[-1])) continue;
    if (!strncmp(p, "v(", 2) || !strncmp(p, "i(", 2)) return 1;
    static const char *const words[] = {"temper", "hertz", "time"};
    for (int k = 0; k < 3; k++) {
      size_t n = strlen(words[k]);
      if (!strncmp(p, words[k], n) && !identifier_char(p[n])) return 1;
    }
  }
  return 0;
}

int kh_inner_braces_group(const kh_parser *p, uint32_t line, const kh_scope *s) {
  int sorted = p->top_params;
  for (const kh_subckt *d = s ? s->def : NULL; d && !sorted;
       d = d->parent == KH_NOT_FOUND ? NULL : &p->subckts[d->parent])
    sorted = d->has_params;
  return sorted && !reads_solution_or_time(kh_line_text(&p->src, &p->src.lines[line]));
}
