/* The subcircuit multiplier, as ngspice 39's front end applies it (inp_fix_subckt_multiplier in
 * its inpcom.c; measured on its `listing expand`): an X line with a parameter m makes its
 * subcircuit, unless that declares an m of its own, take `params: m=1` and appends ` m={m}` to
 * every element line of its body but those of V, E, H, B, S, W, A and K (and the transmission
 * lines), which take no multiplier. So R, C, L, D, I, G, F, J, M and Q inside carry the
 * instance's m, 1 where the X line gives none, whatever m they carry themselves: the appended
 * one is read last. The rewrite is textual, done once over the whole deck in its order, so
 * where it reaches further is order-dependent (an X line inside a rewritten body gains m= and
 * then rewrites its own subcircuit only if the pass has not gone by it yet; a nested .subckt
 * ends the rewrite at its own .ends), and it overrides an element's own m= silently. Those
 * cases are refused at their token here rather than guessed; what remains is exact: the
 * instance's m reaches the elements through kh_scope.multiplier (flatten.c). */
#include "parser.h"

#include <string.h>

/* The element letters whose lines ngspice appends m= to (of the kinds kirchhoff reads). */
static int multiplied_letter(char c) {
  return c && strchr("rcldigfjmq", c);
}

/* The index of the assignment `m = ...` among tokens [from, count), or 0 when none. */
static size_t m_assignment(const kh_tokens *tok, size_t from) {
  for (size_t i = from; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count))
    if (kh_token_eq(&tok->items[i], "m") && kh_token_eq(&tok->items[i + 1], "=")) return i;
  return 0;
}

/* Whether the .subckt line of def declares a parameter m itself (then m is only that). */
static kh_status declares_m(kh_parser *p, const kh_subckt *def, kh_tokens *tok, int *declared) {
  kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[def->line], tok);
  size_t params_at;
  kh_split_params(tok, 2, &params_at);
  *declared = st == KH_OK && m_assignment(tok, params_at) != 0;
  return st;
}

/* The words of a line but parentheses, which a linear controlled source may put around its
 * nodes (flatten.c) */
static size_t words(const kh_tokens *tok) {
  size_t n = 0;
  for (size_t i = 0; i < tok->count; i++)
    n += !kh_token_eq(&tok->items[i], "(") && !kh_token_eq(&tok->items[i], ")");
  return n;
}

/* What a rewritten body may not hold, refused at its token: a nested definition, an X line, an
 * element's own m=, and G or F in a form other than the linear one. */
static kh_status check_body(kh_parser *p, const kh_subckt *def, uint32_t by, kh_tokens *tok) {
  const char *why = NULL;
  for (uint32_t line = def->first; line < def->end; line++) {
    kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st != KH_OK) return st;
    if (!tok->count) continue;
    const kh_token *t = tok->items;
    size_t at = 0;
    if (kh_token_eq(&t[0], ".subckt"))
      why = "a subcircuit defined inside one that an X line multiplies (m=): ngspice 39 stops "
            "appending m= at its .ends and leaves the rest of the outer body as it is";
    else if (t[0].s[0] == 'x')
      why = "an X line inside a subcircuit that an X line multiplies (m=): ngspice 39 rewrites "
            "the nested one or not by where it stands in the file";
    else if (multiplied_letter(t[0].s[0]) && (at = m_assignment(tok, 1)) != 0)
      why = "m= on an element inside a subcircuit that an X line multiplies: ngspice 39 "
            "appends the instance's m (1 where the X line gives none) and reads that one, so "
            "this one is silently lost; give the product on the X line";
    else if ((t[0].s[0] == 'g' || t[0].s[0] == 'f') && words(tok) != (t[0].s[0] == 'g' ? 6u : 5u))
      why = "a G or F other than a linear one inside a subcircuit that an X line multiplies "
            "(m=): kirchhoff applies the multiplier to linear ones only";
    if (why)
      return kh_token_fail(p, line, &t[at],
                           "%s (subcircuit '%s', multiplied by the X line on line %u)", why,
                           def->name, p->src.segs[p->src.lines[by].seg].line);
  }
  return KH_OK;
}

/* Marks the definition an X line at `line` with m= names, its name the last positional token
 * (every definition of that name: the rewrite finds the last one in the file, so more than one
 * is refused). */
static kh_status mark(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t positional,
                      size_t m_at) {
  if (positional < 2) return KH_OK; /* a malformed X line: flatten.c says why */
  const kh_token *name = &tok->items[positional - 1];
  kh_subckt *found = NULL;
  for (size_t k = 0; k < p->subckt_count; k++) {
    if (!kh_token_eq(name, p->subckts[k].name)) continue;
    if (found)
      return kh_token_fail(p, line, &tok->items[m_at],
                           "m= on an instance of '%s', defined more than once: ngspice 39 "
                           "multiplies the last definition in the file whichever one this "
                           "instance takes",
                           found->name);
    found = &p->subckts[k];
  }
  if (found && !found->multiplied_at) found->multiplied_at = line + 1;
  return KH_OK;
}

kh_status kh_mark_multiplied(kh_parser *p) {
  kh_tokens *tok = &p->line_tokens[0];
  for (uint32_t line = 0; line < p->src.line_count; line++) {
    const char *text = kh_line_text(&p->src, &p->src.lines[line]);
    if (text[0] != 'x') continue;
    kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st != KH_OK) return st;
    size_t params_at, positional = kh_split_params(tok, 1, &params_at);
    size_t m_at = m_assignment(tok, params_at);
    if (m_at && (st = mark(p, line, tok, positional, m_at)) != KH_OK) return st;
  }
  for (size_t k = 0; k < p->subckt_count; k++) {
    kh_subckt *def = &p->subckts[k];
    if (!def->multiplied_at) continue;
    int declared;
    kh_status st = declares_m(p, def, tok, &declared);
    if (st == KH_OK && declared) def->multiplied_at = 0; /* m is its own parameter */
    if (st == KH_OK && def->multiplied_at) st = check_body(p, def, def->multiplied_at - 1, tok);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}
