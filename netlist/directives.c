/* Directive cards beyond models and subcircuits: .options, .temp, .global, .func and .dc
 * (kept for kirchhoff dc), and the resistors .options rshunt adds once the file is read. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int starts_like_name(char c) {
  return (c >= 'a' && c <= 'z') || c == '_';
}

/* A circuit temperature that an expression's `temper` has already read otherwise: ngspice reads
 * the whole deck first, kirchhoff in order, so the deck is read again from that temperature
 * (parse.c), and refused where it conflicts again rather than split. */
static kh_status check_temper(kh_parser *p, uint32_t line, const kh_token *at, double celsius) {
  if (!p->temper_used || celsius == p->temper) return KH_OK;
  p->temper_conflict = celsius;
  return kh_token_fail(p, line, at,
                       "the temperature changes to %g degrees C after an expression above read "
                       "'temper' as %g, which a card above set: ngspice would read every "
                       "'temper' at the last temperature, kirchhoff reads in order (and a deck "
                       "read again from the last one still meets the one above); keep one "
                       "temperature card",
                       celsius, p->temper);
}

static kh_status append_option(kh_context *ctx, kh_netlist *nl, kh_option opt) {
  if (kh_reserve((void **)&nl->options, &nl->option_cap, nl->option_count + 1, sizeof *nl->options))
    return kh_fail_nomem(ctx, "storing options");
  nl->options[nl->option_count++] = opt;
  return KH_OK;
}

static kh_status add_option(kh_parser *p, kh_option opt) {
  return append_option(p->ctx, p->nl, opt);
}

kh_status kh_netlist_set_option(kh_context *ctx, kh_netlist *nl, const char *name, double value) {
  kh_option opt = {kh_arena_strdup(&nl->arena, name), value, 1};
  return opt.name ? append_option(ctx, nl, opt) : kh_fail_nomem(ctx, "storing options");
}

/* Options whose value is a word, not a number: ngspice 39's transient integration method and
 * its random seed. Neither changes an operating point (random .param functions are refused), so
 * such an option is kept without a value; another word is refused. */
static const struct {
  const char *option, *words[3];
} word_options[] = {{"method", {"gear", "trap", "trapezoidal"}}, {"seed", {"random"}}};

/* Whether tok[i] = word is one of word_options (*known: the option is one of them). */
static int word_option(const kh_tokens *tok, size_t i, int *known) {
  *known = 0;
  if (i + 2 >= tok->count || !starts_like_name(tok->items[i + 2].s[0])) return 0;
  for (size_t k = 0; k < sizeof word_options / sizeof word_options[0]; k++) {
    if (!kh_token_eq(&tok->items[i], word_options[k].option)) continue;
    *known = 1;
    for (size_t w = 0; w < 3 && word_options[k].words[w]; w++)
      if (kh_token_eq(&tok->items[i + 2], word_options[k].words[w])) return 1;
  }
  return 0;
}

kh_status kh_card_options(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  for (size_t i = 1; i < tok->count; i++) {
    int known = 0;
    /* ngspice 39 takes its compatibility mode from .spiceinit's `set ngbehavior=...` only: as an
     * option it prints "No compatibility mode selected!" and reads the deck in its own mode
     * (measured with exp() in a B source, whose ps mode makes linear past 14) */
    if (i + 2 < tok->count && kh_token_eq(&tok->items[i], "ngbehavior") &&
        kh_token_eq(&tok->items[i + 1], "=")) {
      kh_status st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &tok->items[i]),
                                    "ngbehavior=%.*s ignored, as ngspice 39 ignores it in "
                                    ".options (it reads it from .spiceinit only): the deck is "
                                    "read in ngspice's own mode",
                                    (int)tok->items[i + 2].len, tok->items[i + 2].s);
      if (st != KH_OK) return st;
      i += 2;
      continue;
    }
    if (i + 1 < tok->count && kh_token_eq(&tok->items[i + 1], "=") && word_option(tok, i, &known)) {
      i += 2; /* no DC effect, and no number to keep */
      continue;
    }
    if (known)
      return kh_token_fail(p, line, &tok->items[i + 2], "option '%.*s' takes %s, not '%.*s'",
                           (int)tok->items[i].len, tok->items[i].s,
                           kh_token_eq(&tok->items[i], "seed") ? "a number or random"
                                                               : "gear or trap",
                           (int)tok->items[i + 2].len, tok->items[i + 2].s);
    const kh_token *t = &tok->items[i];
    kh_option opt = {kh_arena_strndup(&nl->arena, t->s, t->len), 0, 0};
    if (!opt.name) return kh_fail_nomem(p->ctx, "storing options");
    if (i + 1 < tok->count && kh_token_eq(&tok->items[i + 1], "=")) {
      if (i + 2 >= tok->count) return kh_token_fail(p, line, &tok->items[i + 1], "missing value");
      const kh_token *v = &tok->items[i + 2];
      if (kh_token_name(v)) /* no braces: the front end reads a number or a word */
        return kh_token_fail(p, line, v,
                             "'%.*s': ngspice 39 reads an option's value as a number, and a "
                             "parameter's bare name as a word (\"bad type given for option\") "
                             "and leaves the option as it was (measured: temp=tval runs at 27 "
                             "C); write {%.*s}",
                             (int)v->len, v->s, (int)v->len, v->s);
      p->option_values = 1;
      kh_status st = kh_eval_token(p, line, v, NULL, &opt.value);
      p->option_values = 0;
      if (st != KH_OK) return st;
      opt.has_value = 1;
      if (!strcmp(opt.name, "temp") && p->temp_fixed) { /* a .dc TEMP sweep's point wins */
        i += 2;
        continue;
      }
      if (!strcmp(opt.name, "temp") && p->dot_temp.line) { /* ngspice: .temp wins, anywhere */
        st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, t),
                            "temp=%g ignored: a .temp card above sets the temperature, and "
                            "ngspice lets .temp win over .options temp=",
                            opt.value);
        if (st != KH_OK) return st;
        i += 2;
        continue;
      }
      if (!strcmp(opt.name, "temp")) st = check_temper(p, line, &tok->items[i + 2], opt.value);
      if (!strcmp(opt.name, "rshunt") && !(opt.value >= 0 && isfinite(opt.value)))
        st = kh_token_fail(p, line, &tok->items[i + 2],
                           "rshunt=%g: the shunt resistance must be positive (0: none)", opt.value);
      if (!strcmp(opt.name, "rseries") && !(opt.value > 0 && isfinite(opt.value)))
        st = kh_token_fail(p, line, &tok->items[i + 2],
                           "rseries=%g: ngspice 39 puts that resistance in series with every "
                           "inductor (and reads 0 ohms as 1 milliohm); give a positive one",
                           opt.value);
      if (st != KH_OK) return st;
      i += 2;
    } else if (!strcmp(opt.name, "rseries")) /* alone: 1 milliohm (measured in ngspice 39) */
      opt.value = 1e-3, opt.has_value = 1;
    kh_status st = add_option(p, opt);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

/* .dc SRC START STOP STEP [SRC2 START2 STOP2 STEP2]: kept for kirchhoff dc (op ignores it,
 * with a note). The sources are checked there, where a sweep of anything else is refused. */
kh_status kh_card_dc(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  kh_netlist *nl = p->nl;
  if (tok->count != 5 && tok->count != 9)
    return kh_token_fail(p, line, &t[0],
                         ".dc takes SOURCE START STOP STEP, once or twice (%zu words given)",
                         tok->count - 1);
  if (nl->dc_count) return kh_token_fail(p, line, &t[0], "a second .dc card");
  for (size_t k = 0; k * 4 + 1 < tok->count; k++) {
    kh_dc_sweep *w = &nl->dc[k];
    const kh_token *src = &t[1 + 4 * k];
    w->source = kh_arena_strndup(&nl->arena, src->s, src->len);
    if (!w->source) return kh_fail_nomem(p->ctx, "storing .dc");
    double *v[3] = {&w->start, &w->stop, &w->step};
    for (int j = 0; j < 3; j++) { /* read as a device's values are: inp2dot.c's INPgetValue */
      p->device_values = 1;
      kh_status st = kh_eval_token(p, line, &t[2 + 4 * k + j], NULL, v[j]);
      p->device_values = 0;
      if (st != KH_OK) return st;
    }
    if (!(w->step != 0) || (w->stop - w->start) / w->step < 0)
      return kh_token_fail(p, line, &t[4 + 4 * k], ".dc step %g never reaches %g from %g", w->step,
                           w->stop, w->start);
    if ((w->stop - w->start) / w->step > 1e7)
      return kh_token_fail(p, line, &t[4 + 4 * k], ".dc sweep of more than 1e7 points");
  }
  nl->dc_count = tok->count == 9 ? 2 : 1;
  nl->dc_loc = kh_token_loc(p, line, &t[0]);
  return kh_source_note(p->ctx, &p->src, nl->dc_loc,
                        ".dc kept for 'kirchhoff dc' (op computes the operating point)");
}

/* Whether function f has these parameters and this body. */
static int same_function(const struct kh_func *f, const char *const *params, size_t arity,
                         const char *body) {
  if (f->arity != arity || strcmp(f->body, body)) return 0;
  for (size_t k = 0; k < arity; k++)
    if (strcmp(f->params[k], params[k])) return 0;
  return 1;
}

/* .func name(a, b) [=] {body} (or 'body', or a bare body token): a function of its parameters
 * and the global parameters, usable in every expression after it. */
kh_status kh_card_func(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  if (n < 4 || !starts_like_name(t[1].s[0]) || !kh_token_eq(&t[2], "("))
    return kh_token_fail(p, line, &t[n > 1 ? 1 : 0], ".func needs name(parameters) and a body");
  uint32_t before = kh_strmap_find(&p->func_names, t[1].s, t[1].len);
  kh_arena *a = &p->nl->arena;
  const char **params = kh_arena_alloc(a, (n + 1) * sizeof *params);
  size_t arity = 0;
  for (; i < n && !kh_token_eq(&t[i], ")"); i++) {
    if (!starts_like_name(t[i].s[0]))
      return kh_token_fail(p, line, &t[i], "expected a parameter name, found '%.*s'", (int)t[i].len,
                           t[i].s);
    if (params && !(params[arity++] = kh_arena_strndup(a, t[i].s, t[i].len))) params = NULL;
  }
  if (i >= n) return kh_token_fail(p, line, &t[n - 1], "')' missing in .func");
  i++;
  if (i < n && kh_token_eq(&t[i], "=")) i++;
  if (i + 1 != n) return kh_token_fail(p, line, &t[i < n ? i : n - 1], ".func needs one body");
  const kh_token *body = &t[i];
  size_t skip = body->s[0] == '{' || body->s[0] == '\'' ? 1 : 0;
  const char *text = kh_arena_strndup(a, body->s + skip, body->len - 2 * skip);
  if (before != KH_NOT_FOUND && params && text &&
      same_function(&p->funcs[before], params, arity, text))
    return KH_OK; /* the same again: ngspice's compatibility modes put theirs before each file */
  if (before != KH_NOT_FOUND)
    return kh_token_fail(p, line, &t[1], "function '%.*s' is defined twice", (int)t[1].len, t[1].s);
  if (!params || !text ||
      kh_reserve((void **)&p->funcs, &p->func_cap, p->func_count + 1, sizeof *p->funcs))
    return kh_fail_nomem(p->ctx, "storing .func");
  uint32_t id; /* == func_count: names are only ever added, with their function */
  if (kh_strmap_intern(&p->func_names, t[1].s, t[1].len, &id, NULL))
    return kh_fail_nomem(p->ctx, "storing .func");
  p->funcs[p->func_count++] = (struct kh_func){text, params, arity};
  return KH_OK;
}

/* .global n1 n2 ...: nodes that keep their name inside every subcircuit instance. */
kh_status kh_card_global(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  if (tok->count < 2) return kh_token_fail(p, line, &tok->items[0], ".global needs node names");
  for (size_t i = 1; i < tok->count; i++) {
    const kh_token *t = &tok->items[i];
    if (kh_token_eq(t, "=") || kh_token_eq(t, "(") || kh_token_eq(t, ")") || t->s[0] == '{')
      return kh_token_fail(p, line, t, "expected a node name, found '%.*s'", (int)t->len, t->s);
    uint32_t id;
    if (kh_strmap_intern(&p->global_nodes, t->s, t->len, &id, NULL))
      return kh_fail_nomem(p->ctx, "storing .global");
  }
  return KH_OK;
}

/* Drops the options named `name` read so far. */
static void drop_option(kh_netlist *nl, const char *name) {
  size_t kept = 0;
  for (size_t i = 0; i < nl->option_count; i++)
    if (strcmp(nl->options[i].name, name)) nl->options[kept++] = nl->options[i];
  nl->option_count = kept;
}

/* Whether .temp's value is one ngspice 39 reads: in braces or quotes (numparam's number), or a
 * number strtod reads whole (frontend/inp.c; measured: `.temp 50C`, `50k` and a parameter's
 * bare name all run at 27 degrees C there). */
static int plain_temperature(const kh_token *t) {
  if (t->len >= 2 && (t->s[0] == '{' || t->s[0] == '\'')) return 1;
  char text[64], *end;
  if (t->len == 0 || t->len >= sizeof text) return 0;
  memcpy(text, t->s, t->len), text[t->len] = '\0';
  strtod(text, &end);
  return end == text + t->len;
}

/* .temp T: the circuit temperature in degrees Celsius, stored as `.options temp=T`. ngspice 39
 * gives the last .temp card precedence over every `.options temp=`, before or after it
 * (measured), so those are dropped, and later ones ignored (kh_card_options). */
kh_status kh_card_temp(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  if (tok->count != 2)
    return kh_token_fail(p, line, &t[tok->count > 2 ? 2 : 0],
                         ".temp takes one temperature in degrees Celsius");
  kh_option opt = {"temp", 0, 1};
  if (!plain_temperature(&t[1]))
    return kh_token_fail(p, line, &t[1],
                         "'%.*s': ngspice 39 reads .temp with strtod and, where anything but a "
                         "plain number is written (a unit, a scale, a parameter's name), runs "
                         "at 27 degrees C with a warning; write the number alone or in braces",
                         (int)t[1].len, t[1].s);
  kh_status st = kh_eval_token(p, line, &t[1], NULL, &opt.value);
  if (st == KH_OK && !(opt.value > -273.15))
    st = kh_token_fail(p, line, &t[1], "temperature %g degrees Celsius is below absolute zero",
                       opt.value);
  if (st == KH_OK && !p->temp_fixed) st = check_temper(p, line, &t[1], opt.value);
  if (st != KH_OK || p->temp_fixed) return st;
  drop_option(p->nl, "temp");
  p->dot_temp = kh_token_loc(p, line, &t[0]);
  p->dot_temp_card = line + 1;
  return add_option(p, opt);
}

/* Whether the options hold `name` with a value other than the one tok[at] gives (another card
 * set it otherwise). */
static int option_set_otherwise(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at) {
  const kh_token *name = &tok->items[at];
  double v;
  if (at + 2 >= tok->count || kh_eval_token(p, line, &tok->items[at + 2], NULL, &v) != KH_OK)
    return 0; /* the card's own reading says what is wrong with it */
  for (size_t i = 0; i < p->nl->option_count; i++)
    if (p->nl->options[i].has_value && strlen(p->nl->options[i].name) == name->len &&
        !strncmp(p->nl->options[i].name, name->s, name->len) && p->nl->options[i].value != v)
      return 1;
  return 0;
}

kh_status kh_late_directive(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  if (kh_token_eq(&t[0], ".temp") && p->dot_temp_card > line + 1)
    return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[0]),
                          ".temp ignored: a .temp card further down sets the temperature, and "
                          "ngspice lets the last one win");
  if (kh_token_eq(&t[0], ".temp")) return kh_card_temp(p, line, tok);
  for (size_t i = 1; i + 1 < tok->count; i++)
    if (kh_token_eq(&t[i + 1], "=") && option_set_otherwise(p, line, tok, i) &&
        !(kh_token_eq(&t[i], "temp") && p->dot_temp.line))
      return kh_token_fail(p, line, &t[i],
                           "option '%.*s' is set otherwise on another card, and this card reads "
                           "a parameter defined further down, so it is read after the other: "
                           "which one comes last (ngspice uses it) is not kept",
                           (int)t[i].len, t[i].s);
  return kh_card_options(p, line, tok);
}

/* .options rshunt=R: a resistor R from every node to ground, as ngspice adds one (internal
 * nodes such as a diode's RS node included), named "rshunt#<node>". */
kh_status kh_add_shunts(kh_parser *p) {
  kh_netlist *nl = p->nl;
  double r = 0;
  /* The card checked the value (kh_card_options). 0: none, as in ngspice. */
  if (!kh_netlist_option(nl, "rshunt", &r) || r == 0) return KH_OK;
  size_t nodes = nl->nodes.count;
  if (kh_reserve_exact((void **)&nl->elements, &nl->element_cap, nl->element_count + nodes,
                       sizeof *nl->elements))
    return kh_fail_nomem(p->ctx, "adding the rshunt resistors");
  for (uint32_t n = 1; n < nodes; n++) {
    const char *node = kh_strmap_name(&nl->nodes, n);
    char *name = kh_arena_alloc(&nl->arena, strlen(node) + 8);
    uint32_t id;
    int added;
    if (!name) return kh_fail_nomem(p->ctx, "adding the rshunt resistors");
    snprintf(name, strlen(node) + 8, "rshunt#%s", node);
    if (kh_strmap_intern(&nl->element_names, name, strlen(name), &id, &added))
      return kh_fail_nomem(p->ctx, "adding the rshunt resistors");
    if (!added)
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, nl->elements[id].loc,
                            "element name '%s' is the one .options rshunt gives the resistor it "
                            "adds from node %s to ground: rename this element",
                            name, node);
    nl->elements[nl->element_count++] = (kh_elem){
        .kind = KH_RESISTOR, .synthetic = 3, .node = {n, 0}, .model = KH_NOT_FOUND, .value = r};
  }
  return KH_OK;
}

kh_status kh_fix_temperature(kh_parser *p, double celsius) {
  p->temp_fixed = 1;
  return add_option(p, (kh_option){"temp", celsius, 1});
}
