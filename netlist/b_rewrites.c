/* Resistors and capacitors that ngspice 39's front end makes B sources (inpcom.c's inp_compat;
 * each rule here measured against ngspice 39). A resistor whose words after its nodes name
 * v(...), i(...), temper, hertz or time, where a .param or .func that reads temper counts as that
 * text (ngspice writes them into the line first), becomes
 *   b<name> n+ n- i = v(n+, n-) / (expr) tc1=T1 tc2=T2 m=M reciproctc=1 reciprocm=0
 * with expr the first {...} or '...' after the nodes and T1, T2 and M the first tc1=, tc2= and m=
 * of the line (0, 0 and 1 without). Every other word is dropped: a model and its coefficients,
 * temp=, dtemp=, scale=, tc=, w=, l=, ... At DC the current is M v / (expr (1 + T1 d + T2 d^2)),
 * d the circuit's temperature less 27 C (asrcload.c's). kirchhoff reads it so: a B source where
 * expr reads the solution, time or hertz, else a linear resistor of that resistance; a note
 * names the words dropped. Until 2026-12-06 kirchhoff read a resistor whose value reads temper
 * as a resistor with all its words (scale=2 doubled it where ngspice drops it, and so dtemp=,
 * temp= and a model's tc1), and refused one that reads the solution beside other words, which
 * every resistor of the sky130 PDK is (`rbody ra r2 resbody r = {... v(r1,r2) ...}`).
 *
 * A capacitor is rewritten on the same words, or where its line has `q=`. With `c=` anywhere on
 * the line (ngspice's strstr: `ic=` counts), the capacitance form
 *   e<name> <name>_int1 0 n- n+ M;  c<name> <name>_int1 0 1;  b<name> n+ n- i = i(e<name>) * (expr)
 * else the charge form
 *   g<name> n+ n- <name>_int1 0 M;  l<name> <name>_int1 0 1;  b<name> 0 <name>_int1 i = (expr)
 * Both are open between n+ and n- at DC: the E holds <name>_int1 at M (v(n-) - v(n+)) and feeds
 * only a capacitor, so the B's current is 0; the inductor holds <name>_int1 at 0 and carries the
 * B's current alone. kirchhoff builds those nodes and the linear parts (the E and its capacitor,
 * the G and the inductor) and reads the expression for its errors without keeping it (until
 * 2026-12-06 such a capacitor was refused, and every PDK capacitor whose value reads its voltage
 * with it, sky130's MIM capacitor among them). */
#include "parser.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int name_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* inpcom.c's b_transformation_wanted, on one word's text: v( or i(, or the name temper, hertz or
 * time, none of them inside a longer name. */
static int names_rewrite_word(const char *s, const char *end, int temper) {
  static const char *const names[] = {"hertz", "time", "temper"};
  for (const char *c = s; c < end; c++) {
    if (c > s && name_char(c[-1])) continue;
    if ((*c == 'v' || *c == 'i') && c + 1 < end && c[1] == '(') return 1;
    for (size_t k = 0; k < (temper ? 3u : 2u); k++) {
      size_t n = strlen(names[k]);
      if ((size_t)(end - c) >= n && !memcmp(c, names[k], n) && (c + n == end || !name_char(c[n])))
        return 1;
    }
  }
  return 0;
}

/* Whether value token t reads temper through a parameter or a .func (its text aside). */
static int reads_temper(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s) {
  size_t before = p->temper_reads;
  double v;
  kh_eval_quiet(p, line, t, s, &v);
  return p->temper_reads != before;
}

int kh_resistor_is_b_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  for (size_t k = 3; k < tok->count; k++) {
    if (names_rewrite_word(t[k].s, t[k].s + t[k].len, 1)) return 1;
    int value = t[k].s[0] == '{' || t[k].s[0] == '\'' || kh_token_eq(&t[k - 1], "=");
    if (value && reads_temper(p, line, &t[k], s)) return 1;
  }
  return 0;
}

/* Whether the line's text has `<letter>=` as ngspice's strstr finds it once it has taken the
 * blanks around '=' out: a word ending in the letter before '=', or inside a braced word. */
static int line_has(const kh_tokens *tok, char letter) {
  const kh_token *t = tok->items;
  for (size_t k = 0; k < tok->count; k++) {
    if (k + 1 < tok->count && t[k].s[t[k].len - 1] == letter && kh_token_eq(&t[k + 1], "="))
      return 1;
    for (uint32_t c = 0; c + 1 < t[k].len; c++)
      if (t[k].s[c] == letter && t[k].s[c + 1] == '=') return 1;
  }
  return 0;
}

int kh_capacitor_is_b_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  return line_has(tok, 'q') || kh_resistor_is_b_source(p, line, tok, s);
}

/* Appends word (a model's name, or `name=`) to the list of those dropped. */
static void drop(char *list, size_t size, const kh_token *word, int assigned) {
  size_t used = strlen(list);
  if (used + 1 < size)
    snprintf(list + used, size - used, "%s%.*s%s", used ? ", " : "", (int)word->len, word->s,
             assigned ? "=" : "");
}

/* The words the rewrite keeps (the first tc1=, tc2= and m=) into w; the others into dropped;
 * the expression is token at, the `r =` before it neither. */
static kh_status kept_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at,
                            const kh_scope *s, kh_xwords *w, char *dropped, size_t size) {
  static const char *const value_names[] = {"r",           "resistance", "c", "cap",
                                            "capacitance", "q",          "l", "inductance"};
  char letter = tok->items[0].s[0];
  size_t from = letter == 'r' ? 0 : letter == 'c' ? 2 : 6, to = letter == 'c' ? 6 : from + 2;
  const kh_token *t = tok->items;
  static const char *const kept[] = {"tc1", "tc2", "m"};
  int have[3] = {0, 0, 0};
  for (size_t k = 3; k < tok->count;) {
    if (k + 2 >= tok->count || !kh_token_eq(&t[k + 1], "=")) { /* a word alone */
      if (k != at) drop(dropped, size, &t[k], 0);
      k++;
      continue;
    }
    size_t which = 0;
    while (which < 3 && !kh_token_eq(&t[k], kept[which])) which++;
    if (k + 2 == at) { /* r = {expr} */
      size_t name = from;
      while (name < to && !kh_token_eq(&t[k], value_names[name])) name++;
      if (which < 3 || name == to)
        return kh_token_fail(p, line, &t[at],
                             "ngspice 39 takes the first {...} or '...' after the nodes, here the "
                             "value of '%.*s=', as the expression of the B source it makes of "
                             "this card: write the value first, braced",
                             (int)t[k].len, t[k].s);
    } else if (which < 3 && !have[which]) {
      double v;
      kh_status st = kh_eval_token(p, line, &t[k + 2], s, &v);
      if (st != KH_OK) return st;
      *(which == 0 ? &w->tc1 : which == 1 ? &w->tc2 : &w->m) = v, have[which] = 1;
    } else {
      drop(dropped, size, &t[k], 1);
    }
    k += 3;
  }
  return KH_OK;
}

/* A resistance that is a constant at DC, as the B source's current makes it: expr (1 + tc1 d +
 * tc2 d^2) / m. */
static kh_status linear_resistor(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at,
                                 const kh_scope *s, const kh_xwords *w) {
  const kh_token *t = tok->items;
  kh_elem e = {.kind = KH_RESISTOR, .model = KH_NOT_FOUND};
  double r, d = kh_netlist_temperature(p->nl) - 300.15; /* asrcload.c's, not TNOM */
  kh_status st = kh_eval_token(p, line, &t[at], s, &r);
  if (st != KH_OK) return st;
  e.value = r * (1 + w->tc1 * d + w->tc2 * d * d) / w->m;
  if (!(e.value > 0) || !isfinite(e.value))
    return kh_token_fail(p, line, &t[at],
                         "the resistance comes to %g ohm (the expression %g, tc1, tc2 and m "
                         "applied as the B source ngspice 39 makes of this resistor applies "
                         "them): it must be positive",
                         e.value, r);
  st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  return st == KH_OK ? kh_add_element(p, line, &t[0], s, e) : st;
}

/* What the rewrite of a card (a resistor or a capacitor, `what`) keeps: its expression's token
 * (*at) and words (*w); a note for the words it drops. */
static kh_status rewrite(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                         const char *what, size_t *at, kh_xwords *w) {
  const kh_token *t = tok->items;
  for (*at = 3; *at < tok->count && t[*at].s[0] != '{' && t[*at].s[0] != '\''; ++*at) continue;
  if (*at == tok->count)
    return kh_token_fail(p, line, &t[3],
                         "ngspice 39 makes this %s a B source (its words name v(...), i(...), "
                         "temper, hertz or time%s) and stops at it: no {...} or '...' holds its "
                         "value",
                         what, *what == 'c' ? ", or its line q=" : "");
  if (kh_scope_multiplier(s) != 1)
    return kh_token_fail(p, line, &t[0],
                         "a %s that ngspice 39 makes a B source inside a subcircuit an X line "
                         "multiplies (m=): kirchhoff does not apply the X line's m to it",
                         what);
  *w = (kh_xwords){.m = 1, .reciproctc = 1};
  char dropped[200] = "";
  kh_status st = kept_words(p, line, tok, *at, s, w, dropped, sizeof dropped);
  if (st == KH_OK && *dropped)
    st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[0]),
                        "'%.*s': ngspice 39 makes this %s a B source and drops its words %s (a "
                        "model's coefficients too); so does kirchhoff",
                        (int)t[0].len, t[0].s, what, dropped);
  return st;
}

kh_status kh_resistor_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  size_t at;
  kh_xwords w;
  kh_status st = rewrite(p, line, tok, s, "resistor", &at, &w);
  if (st != KH_OK) return st;
  if (kh_reads_solution(&t[at]) || names_rewrite_word(t[at].s, t[at].s + t[at].len, 0))
    return kh_behavioural_resistor(p, line, tok, at, s, w);
  return linear_resistor(p, line, tok, at, s, &w);
}

/* A capacitor's or inductor's rewrite (`what`): its words (*w), its expression read for errors,
 * its nodes (n) and the node of its own, <name><suffix> (*node). */
static kh_status reactive(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                          const char *what, const char *suffix, kh_xwords *w, uint32_t *n,
                          uint32_t *node) {
  const kh_token *t = tok->items;
  size_t at;
  char inner_text[224];
  kh_token inner;
  kh_status st = rewrite(p, line, tok, s, what, &at, w);
  if (st == KH_OK) st = kh_behavioural_check(p, line, &t[at], s);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[1], &n[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &n[1]);
  if (st == KH_OK)
    st = kh_derived_name(p, line, &t[0], "", suffix, inner_text, sizeof inner_text, &inner);
  return st == KH_OK ? kh_resolve_node(p, line, s, &inner, node) : st;
}

kh_status kh_capacitor_source(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *s) {
  const kh_token *t = tok->items;
  kh_xwords w;
  uint32_t n[2], node;
  kh_status st = reactive(p, line, tok, s, "capacitor", "_int1", &w, n, &node);
  if (st != KH_OK) return st;
  if (line_has(tok, 'c')) { /* e<name>: <name>_int1 at m (v(n-) - v(n+)); c<name>, open */
    st = kh_add_derived(p, line, &t[0], s, "e",
                        (kh_elem){.kind = KH_VCVS,
                                  .model = KH_NOT_FOUND,
                                  .value = w.m,
                                  .node = {node, 0},
                                  .ctrl = {n[1], n[0]}});
    return st == KH_OK ? kh_add_derived(p, line, &t[0], s, "c",
                                        (kh_elem){.kind = KH_CAPACITOR,
                                                  .model = KH_NOT_FOUND,
                                                  .value = 1,
                                                  .node = {node, 0}})
                       : st;
  } /* g<name>: m v(<name>_int1) from n+ to n-; l<name> holds <name>_int1 at 0 */
  st = kh_add_derived(p, line, &t[0], s, "g",
                      (kh_elem){.kind = KH_VCCS,
                                .model = KH_NOT_FOUND,
                                .value = w.m,
                                .node = {n[0], n[1]},
                                .ctrl = {node, 0}});
  return st == KH_OK
             ? kh_add_derived(
                   p, line, &t[0], s, "l",
                   (kh_elem){
                       .kind = KH_INDUCTOR, .model = KH_NOT_FOUND, .value = 1, .node = {node, 0}})
             : st;
}

/* An inductor is rewritten on the same words as a resistor:
 *   f<name> <name>_int2 0 b<name> -1;  l<name> <name>_int2 0 1;  b<name> n- n+ v = v(<name>_int2) *
 *   (expr) / M
 * a short at DC (the inductor holds <name>_int2 at 0 V, so the B source's voltage is 0), with one
 * node more than the inductor: kirchhoff builds l<name> and the node, and the short between n+
 * and n- as an inductor under the card's own name; the expression is read for its errors. */
kh_status kh_inductor_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  kh_xwords w;
  uint32_t n[2], node;
  double rseries;
  if (kh_netlist_option(p->nl, "rseries", &rseries))
    return kh_token_fail(p, line, &t[0],
                         "an inductor that ngspice 39 makes a B source, under .options rseries: "
                         "kirchhoff does not put the series resistance in its rewrite");
  kh_status st = reactive(p, line, tok, s, "inductor", "_int2", &w, n, &node);
  if (st == KH_OK)
    st = kh_add_derived(
        p, line, &t[0], s, "l",
        (kh_elem){.kind = KH_INDUCTOR, .model = KH_NOT_FOUND, .value = 1, .node = {node, 0}});
  return st == KH_OK ? kh_add_element(p, line, &t[0], s,
                                      (kh_elem){.kind = KH_INDUCTOR,
                                                .model = KH_NOT_FOUND,
                                                .value = 1,
                                                .node = {n[0], n[1]}})
                     : st;
}
