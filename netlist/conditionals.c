/* .if/.elseif/.else/.endif: which lines are read, at the top level while the file is scanned
 * and in subcircuit bodies per instance, with ngspice's semantics (a .param inside a branch,
 * which ngspice applies whichever branch is taken, is refused). */
#include "parser.h"

#include <string.h>

/* Which conditional card a line is: 1 .if, 2 .elseif, 3 .else, 4 .endif, 0 none; *expr gets
 * the offset of what follows the keyword. */
static int conditional(const char *text, size_t *expr) {
  static const char *const cards[] = {".if", ".elseif", ".else", ".endif"};
  for (int k = 0; k < 4; k++) {
    size_t n = strlen(cards[k]);
    if (strncmp(text, cards[k], n) == 0 &&
        (text[n] == '\0' || text[n] == ' ' || text[n] == '(' || text[n] == '\t')) {
      *expr = n;
      return k + 1;
    }
  }
  return 0;
}

static int reading(const kh_if_state *s) {
  for (size_t k = 0; k < s->depth; k++)
    if (!s->ifs[k].active) return 0;
  return 1;
}

/* .if and .elseif conditions: an expression of the parameters in scope (ngspice's comparisons,
 * && and ||), true when not 0. */
static kh_status condition(kh_parser *p, uint32_t line, size_t at, const kh_scope *scope,
                           int *value) {
  double v;
  kh_status st = kh_eval_line(p, line, at, scope, &v);
  *value = st == KH_OK && v != 0;
  return st;
}

static kh_status if_card(kh_parser *p, kh_if_state *s, const kh_scope *scope, uint32_t line,
                         int card, size_t at) {
  kh_loc loc = kh_source_loc(&p->src, &p->src.lines[line], 0);
  if (card == 1) {
    if (s->depth == KH_MAX_IF_DEPTH)
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, loc, ".if nested deeper than %d",
                            KH_MAX_IF_DEPTH);
    int value = 0, outer = reading(s);
    kh_status st = outer ? condition(p, line, at, scope, &value) : KH_OK;
    if (st != KH_OK) return st;
    s->ifs[s->depth++] = (struct kh_if){value || !outer, value, 0, line};
    return KH_OK;
  }
  if (!s->depth)
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, loc, "%s without .if",
                          card == 2   ? ".elseif"
                          : card == 3 ? ".else"
                                      : ".endif");
  struct kh_if *f = &s->ifs[s->depth - 1];
  if (card == 4) {
    s->depth--;
    return KH_OK;
  }
  if (f->seen_else)
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, loc, "%s after .else",
                          card == 2 ? ".elseif" : ".else");
  if (card == 3) {
    f->seen_else = 1;
    f->active = !f->taken;
    f->taken = 1;
    return KH_OK;
  }
  int value = 0;
  f->active = 0;
  s->depth--; /* the condition is read only where the .if's surroundings are */
  kh_status st = !f->taken && reading(s) ? condition(p, line, at, scope, &value) : KH_OK;
  s->depth++;
  if (st != KH_OK) return st;
  f->active = value;
  f->taken |= value;
  return KH_OK;
}

/* ngspice 39 applies a .param line inside an .if branch whichever branch is taken (measured):
 * refused, so that no deck means one thing to ngspice and another to kirchhoff. */
static kh_status param_in_branch(kh_parser *p, uint32_t line) {
  return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT,
                        kh_source_loc(&p->src, &p->src.lines[line], 0),
                        ".param inside .if: ngspice 39 applies it whichever branch is taken; "
                        "define the parameter outside, with ?: if it depends on the condition");
}

kh_status kh_body_line(kh_parser *p, uint32_t line, const kh_scope *scope, kh_if_state *state,
                       int *read) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  size_t at;
  int card = conditional(text, &at);
  *read = 0;
  if (card) return if_card(p, state, scope, line, card, at);
  if (state->depth && !strncmp(text, ".param", 6)) return param_in_branch(p, line);
  *read = reading(state);
  return KH_OK;
}

static kh_status unclosed(kh_parser *p, const kh_if_state *s) {
  const struct kh_if *f = &s->ifs[s->depth - 1];
  return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT,
                        kh_source_loc(&p->src, &p->src.lines[f->line], 0),
                        ".if is never closed by .endif");
}

kh_status kh_body_done(kh_parser *p, const kh_if_state *state) {
  return state->depth ? unclosed(p, state) : KH_OK;
}

int kh_is_conditional(const char *text) {
  size_t at;
  return conditional(text, &at);
}

/* A top-level line (the file's scan): cards update the top-level state; a line inside a .subckt
 * body keeps its conditionals for the instances (kh_body_line). */
kh_status kh_top_line(kh_parser *p, uint32_t line, int *read) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  size_t at;
  int card = conditional(text, &at);
  *read = 0;
  if (card && p->inside && reading(&p->top_if)) return KH_OK; /* the body's own */
  if (card) return if_card(p, &p->top_if, NULL, line, card, at);
  if (p->top_if.depth && !strncmp(text, ".param", 6)) return param_in_branch(p, line);
  *read = reading(&p->top_if);
  return KH_OK;
}

kh_param_kind kh_param_card_kind(const kh_parser *p, uint32_t line, const kh_token *t) {
  if (t->len < 6 || memcmp(t->s, ".param", 6)) return KH_NOT_PARAM;
  const kh_line *l = &p->src.lines[line];
  return memchr(kh_line_text(&p->src, l), '=', l->len) ? KH_PARAM_CARD : KH_PARAM_IGNORED;
}
