/* Entry points and stage 1: sorting logical lines into directives, subcircuit bodies and
 * top-level elements; global .param, .model and .options are evaluated here. */
#include "parser.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

kh_loc kh_token_loc(const kh_parser *p, uint32_t line, const kh_token *t) {
  return kh_source_loc(&p->src, &p->src.lines[line], t->off);
}

kh_status kh_token_fail(kh_parser *p, uint32_t line, const kh_token *t, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, kh_token_loc(p, line, t), "%s", msg);
}

int kh_param_set(kh_arena *arena, kh_param_table *t, const char *name, size_t len, double v) {
  for (size_t i = 0; i < t->count; i++)
    if (strlen(t->items[i].name) == len && memcmp(t->items[i].name, name, len) == 0) {
      t->items[i].value = v;
      return 0;
    }
  if (kh_reserve((void **)&t->items, &t->capacity, t->count + 1, sizeof *t->items)) return -1;
  const char *copy = kh_arena_strndup(arena, name, len);
  if (!copy) return -1;
  t->items[t->count++] = (struct kh_param){copy, v};
  return 0;
}

void kh_param_release(kh_param_table *t) {
  kh_free(t->items);
  memset(t, 0, sizeof *t);
}

typedef struct {
  kh_parser *p;
  const kh_scope *scope;
} lookup_env;

int kh_param_get(const kh_param_table *t, const char *name, size_t len, double *v) {
  if (!t) return 0;
  for (size_t i = 0; i < t->count; i++)
    if (strlen(t->items[i].name) == len && memcmp(t->items[i].name, name, len) == 0) {
      *v = t->items[i].value;
      return 1;
    }
  return 0;
}

static int lookup(void *user, const char *name, size_t len, double *v) {
  lookup_env *env = user;
  if (env->scope && kh_param_get(env->scope->params, name, len, v)) return 1;
  if (kh_param_get(&env->p->globals, name, len, v)) return 1;
  if (env->p->speculative) env->p->missed = 1; /* a .param further down, maybe */
  return 0;
}

static int function(void *user, const char *name, size_t len, kh_user_function *f) {
  lookup_env *env = user;
  for (size_t k = 0; k < env->p->func_count; k++) {
    const struct kh_func *u = &env->p->funcs[k];
    if (strlen(u->name) != len || memcmp(u->name, name, len) != 0) continue;
    *f = (kh_user_function){u->body, strlen(u->body), u->params, u->arity};
    return 1;
  }
  return 0;
}

static int starts_like_name(char c) {
  return (c >= 'a' && c <= 'z') || c == '_';
}

kh_status kh_eval_token(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *scope,
                        double *out) {
  const char *s = t->s;
  size_t len = t->len, base = 0;
  if (len >= 2 && (s[0] == '{' || s[0] == '\'')) { /* {expr} or 'expr' */
    s++;
    len -= 2;
    base = 1;
  } else if (!starts_like_name(s[0])) {
    size_t bad = 0;
    kh_number_error e = kh_parse_number(s, len, out, &bad);
    if (e == KH_NUM_OK) return KH_OK;
    kh_token at = {t->s + bad, t->len - (uint32_t)bad, t->off + (uint32_t)bad};
    return kh_token_fail(p, line, &at, "%s in '%.*s'", kh_number_error_text(e), (int)t->len, t->s);
  }
  lookup_env env = {p, scope};
  kh_expr_error err;
  if (kh_expr_eval_functions(s, len, lookup, function, &env, out, &err) == 0) return KH_OK;
  kh_token at = {t->s + base + err.offset, 1, t->off + (uint32_t)(base + err.offset)};
  return kh_token_fail(p, line, &at, "%s", err.message);
}

kh_status kh_parse_assignments(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to, const kh_scope *scope, kh_param_table *table) {
  for (size_t i = from; i < to; i += 3) {
    const kh_token *name = &tok->items[i];
    if (!starts_like_name(name->s[0]))
      return kh_token_fail(p, line, name, "expected a parameter name, found '%.*s'", (int)name->len,
                           name->s);
    if (i + 1 >= to || !kh_token_eq(&tok->items[i + 1], "="))
      return kh_token_fail(p, line, i + 1 < to ? &tok->items[i + 1] : name,
                           "expected '=' after '%.*s'", (int)name->len, name->s);
    if (i + 2 >= to) return kh_token_fail(p, line, &tok->items[i + 1], "missing value after '='");
    double v;
    kh_status st = kh_eval_token(p, line, &tok->items[i + 2], scope, &v);
    if (st != KH_OK) return st;
    if (kh_param_set(&p->nl->arena, table, name->s, name->len, v))
      return kh_fail_nomem(p->ctx, "storing parameters");
  }
  return KH_OK;
}

static kh_status push_line(kh_parser *p, uint32_t **items, size_t *count, size_t *cap,
                           uint32_t line) {
  if (kh_reserve((void **)items, cap, *count + 1, sizeof **items))
    return kh_fail_nomem(p->ctx, "parsing");
  (*items)[(*count)++] = line;
  return KH_OK;
}

/* key = prefix "." name (or name when prefix is NULL), in the arena */
static const char *scoped_key(kh_parser *p, const char *prefix, const char *name, size_t len) {
  size_t plen = prefix ? strlen(prefix) + 1 : 0;
  char *key = kh_arena_alloc(&p->nl->arena, plen + len + 1);
  if (!key) return NULL;
  if (prefix) memcpy(key, prefix, plen - 1), key[plen - 1] = '.';
  memcpy(key + plen, name, len);
  key[plen + len] = '\0';
  return key;
}

static kh_status parse_model(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  if (tok->count < 3) return kh_token_fail(p, line, &t[0], ".model needs a name and a type");
  /* a model inside a .subckt body is that definition's own: "sub.name" */
  const char *key =
      p->inside ? scoped_key(p, p->subckts[p->open[p->inside - 1]].key, t[1].s, (size_t)t[1].len)
                : NULL;
  if (p->inside && !key) return kh_fail_nomem(p->ctx, "storing a model");
  const char *mname = key ? key : t[1].s;
  size_t mlen = key ? strlen(key) : t[1].len;
  if (kh_strmap_find(&nl->model_names, mname, mlen) != KH_NOT_FOUND)
    return kh_token_fail(p, line, &t[1], "model '%.*s' is defined twice", (int)t[1].len, t[1].s);
  /* parameters in parentheses, or (as ngspice also reads them) without */
  size_t end = tok->count, from = 3;
  if (tok->count > 3 && kh_token_eq(&t[3], "(")) {
    if (!kh_token_eq(&t[end - 1], ")"))
      return kh_token_fail(p, line, &t[end - 1], "')' missing at the end of model '%.*s'",
                           (int)t[1].len, t[1].s);
    end--, from = 4;
  }
  int diode = kh_token_eq(&t[2], "d");
  kh_status st = diode ? kh_check_diode_model(p, line, tok, from, end) : KH_OK;
  if (st == KH_OK && (kh_token_eq(&t[2], "r") || kh_token_eq(&t[2], "res")))
    st = kh_check_resistor_model(p, line, tok, from, end);
  if (st != KH_OK) return st;
  kh_param_table params = {0};
  st = kh_parse_assignments(p, line, tok, from, end, NULL, &params);
  uint32_t id;
  if (st == KH_OK &&
      (kh_reserve((void **)&nl->models, &nl->model_cap, nl->model_count + 1, sizeof *nl->models) ||
       kh_strmap_intern(&nl->model_names, mname, mlen, &id, NULL)))
    st = kh_fail_nomem(p->ctx, "storing a model");
  if (st == KH_OK) {
    kh_model *m = &nl->models[nl->model_count++];
    m->name = kh_strmap_name(&nl->model_names, id);
    m->type = kh_arena_strndup(&nl->arena, t[2].s, t[2].len);
    m->loc = kh_token_loc(p, line, &t[1]);
    m->param_count = params.count;
    m->params = kh_arena_alloc(&nl->arena, (params.count + 1) * sizeof *m->params);
    if (!m->type || !m->params) st = kh_fail_nomem(p->ctx, "storing a model");
    for (size_t i = 0; st == KH_OK && i < params.count; i++)
      m->params[i] = (kh_model_param){diode ? kh_diode_param_canonical(params.items[i].name)
                                            : params.items[i].name,
                                      params.items[i].value};
  }
  kh_param_release(&params);
  return st;
}

static kh_status add_option(kh_parser *p, kh_option opt) {
  kh_netlist *nl = p->nl;
  if (kh_reserve((void **)&nl->options, &nl->option_cap, nl->option_count + 1, sizeof *nl->options))
    return kh_fail_nomem(p->ctx, "storing options");
  nl->options[nl->option_count++] = opt;
  return KH_OK;
}

/* Options that change a DC answer in ngspice and that kirchhoff does not model yet: refused
 * rather than ignored (docs/netlist.md). */
static const char *const refused_options[] = {"rseries"};

static kh_status parse_options(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  for (size_t i = 1; i < tok->count; i++) {
    const kh_token *t = &tok->items[i];
    for (size_t k = 0; k < sizeof refused_options / sizeof refused_options[0]; k++)
      if (kh_token_eq(t, refused_options[k]))
        return kh_token_fail(p, line, t,
                             "option '%s' changes the DC answer and is not implemented yet",
                             refused_options[k]);
    kh_option opt = {kh_arena_strndup(&nl->arena, t->s, t->len), 0, 0};
    if (!opt.name) return kh_fail_nomem(p->ctx, "storing options");
    if (i + 1 < tok->count && kh_token_eq(&tok->items[i + 1], "=")) {
      if (i + 2 >= tok->count) return kh_token_fail(p, line, &tok->items[i + 1], "missing value");
      kh_status st = kh_eval_token(p, line, &tok->items[i + 2], NULL, &opt.value);
      if (st != KH_OK) return st;
      opt.has_value = 1;
      i += 2;
    }
    kh_status st = add_option(p, opt);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

/* .dc SRC START STOP STEP [SRC2 START2 STOP2 STEP2]: kept for kirchhoff dc (op ignores it,
 * with a note). The sources are checked there, where a sweep of anything else is refused. */
static kh_status parse_dc(kh_parser *p, uint32_t line, const kh_tokens *tok) {
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
    for (int j = 0; j < 3; j++) {
      kh_status st = kh_eval_token(p, line, &t[2 + 4 * k + j], NULL, v[j]);
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

/* .func name(a, b) [=] {body} (or 'body', or a bare body token): a function of its parameters
 * and the global parameters, usable in every expression after it. */
static kh_status parse_func(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  if (n < 4 || !starts_like_name(t[1].s[0]) || !kh_token_eq(&t[2], "("))
    return kh_token_fail(p, line, &t[n > 1 ? 1 : 0], ".func needs name(parameters) and a body");
  for (size_t k = 0; k < p->func_count; k++)
    if (strlen(p->funcs[k].name) == t[1].len && !memcmp(p->funcs[k].name, t[1].s, t[1].len))
      return kh_token_fail(p, line, &t[1], "function '%.*s' is defined twice", (int)t[1].len,
                           t[1].s);
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
  if (!params || !text ||
      kh_reserve((void **)&p->funcs, &p->func_cap, p->func_count + 1, sizeof *p->funcs))
    return kh_fail_nomem(p->ctx, "storing .func");
  const char *name = kh_arena_strndup(a, t[1].s, t[1].len);
  if (!name) return kh_fail_nomem(p->ctx, "storing .func");
  p->funcs[p->func_count++] = (struct kh_func){name, text, params, arity};
  return KH_OK;
}

/* .global n1 n2 ...: nodes that keep their name inside every subcircuit instance. */
static kh_status parse_global(kh_parser *p, uint32_t line, const kh_tokens *tok) {
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

/* .temp T: the circuit temperature in degrees Celsius, as `.options temp=T`. */
static kh_status parse_temp(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  if (tok->count != 2)
    return kh_token_fail(p, line, &t[tok->count > 2 ? 2 : 0],
                         ".temp takes one temperature in degrees Celsius");
  kh_option opt = {"temp", 0, 1};
  kh_status st = kh_eval_token(p, line, &t[1], NULL, &opt.value);
  if (st == KH_OK && !(opt.value > -273.15))
    st = kh_token_fail(p, line, &t[1], "temperature %g degrees Celsius is below absolute zero",
                       opt.value);
  return st == KH_OK ? add_option(p, opt) : st;
}

static const char *const skipped_cards[] = {".op",      ".tran",  ".ac",    ".print",   ".plot",
                                            ".probe",   ".save",  ".ic",    ".nodeset", ".meas",
                                            ".measure", ".four",  ".noise", ".tf",      ".sens",
                                            ".width",   ".disto", ".pz",    ".csparam", ".title"};

static int is_skipped_card(const kh_token *t) {
  for (size_t i = 0; i < sizeof skipped_cards / sizeof skipped_cards[0]; i++)
    if (kh_token_eq(t, skipped_cards[i])) return 1;
  return 0;
}

static int is_learning_card(const kh_token *t) {
  return kh_token_eq(t, ".input") || kh_token_eq(t, ".output") || kh_token_eq(t, ".train") ||
         kh_token_eq(t, ".bounds") || kh_token_eq(t, ".scale");
}

static kh_status open_subckt(kh_parser *p, uint32_t line, const kh_tokens *tok, int *inside) {
  const kh_token *t = tok->items;
  if (tok->count < 2) return kh_token_fail(p, line, &t[0], ".subckt needs a name");
  if (*inside > KH_MAX_SUBCKT_DEPTH)
    return kh_token_fail(p, line, &t[0], ".subckt definitions nested deeper than %d",
                         KH_MAX_SUBCKT_DEPTH);
  uint32_t parent = *inside ? p->open[*inside - 1] : KH_NOT_FOUND;
  const char *key =
      scoped_key(p, *inside ? p->subckts[parent].key : NULL, t[1].s, (size_t)t[1].len);
  uint32_t id;
  int added;
  if (!key || kh_strmap_intern(&p->subckt_names, key, strlen(key), &id, &added) ||
      kh_reserve((void **)&p->subckts, &p->subckt_cap, p->subckt_count + 1, sizeof *p->subckts))
    return kh_fail_nomem(p->ctx, "parsing .subckt");
  if (!added)
    return kh_token_fail(p, line, &t[1], "subcircuit '%.*s' is defined twice", (int)t[1].len,
                         t[1].s);
  const char *name = kh_arena_strndup(&p->nl->arena, t[1].s, t[1].len);
  if (!name) return kh_fail_nomem(p->ctx, "parsing .subckt");
  p->subckts[p->subckt_count++] = (kh_subckt){name, line, line + 1, line + 1, 0, parent, key};
  p->open[(*inside)++] = id;
  return KH_OK;
}

static kh_status close_subckt(kh_parser *p, uint32_t line, const kh_tokens *tok, int *inside) {
  const kh_token *t = tok->items;
  if (!*inside) return kh_token_fail(p, line, &t[0], ".ends without .subckt");
  kh_subckt *s = &p->subckts[p->open[*inside - 1]];
  if (tok->count > 1 && !kh_token_eq(&t[1], s->name))
    return kh_token_fail(p, line, &t[1], ".ends '%.*s' closes .subckt '%s'", (int)t[1].len, t[1].s,
                         s->name);
  s->end = line;
  (*inside)--;
  return KH_OK;
}

static uint32_t find_scoped(const kh_parser *p, const kh_strmap *names, const kh_scope *scope,
                            const kh_token *name) {
  char key[512];
  for (const kh_subckt *d = scope ? scope->def : NULL; d;
       d = d->parent == KH_NOT_FOUND ? NULL : &p->subckts[d->parent]) {
    int n = snprintf(key, sizeof key, "%s.%.*s", d->key, (int)name->len, name->s);
    if (n < 0 || (size_t)n >= sizeof key) continue;
    uint32_t id = kh_strmap_find(names, key, (size_t)n);
    if (id != KH_NOT_FOUND) return id;
  }
  return kh_strmap_find(names, name->s, name->len);
}

uint32_t kh_find_model(const kh_parser *p, const kh_scope *scope, const kh_token *name) {
  return find_scoped(p, &p->nl->model_names, scope, name);
}

uint32_t kh_find_subckt(const kh_parser *p, const kh_scope *scope, const kh_token *name) {
  return find_scoped(p, &p->subckt_names, scope, name);
}

uint32_t kh_next_body_line(const kh_parser *p, uint32_t line) {
  for (size_t k = 0; k < p->subckt_count; k++)
    if (p->subckts[k].line == line) return p->subckts[k].end + 1;
  return line + 1;
}

static kh_status directive(kh_parser *p, uint32_t line, const kh_tokens *tok, int *inside) {
  const kh_token *t = &tok->items[0];
  if (kh_token_eq(t, ".subckt")) return open_subckt(p, line, tok, inside);
  if (kh_token_eq(t, ".ends")) return close_subckt(p, line, tok, inside);
  if (kh_token_eq(t, ".param")) {
    if (*inside) return KH_OK; /* evaluated per instance */
    return kh_parse_assignments(p, line, tok, 1, tok->count, NULL, &p->globals);
  }
  if (kh_token_eq(t, ".model")) return parse_model(p, line, tok);
  if (is_learning_card(t)) {
    if (*inside) return kh_token_fail(p, line, t, "learning cards belong at the top level");
    return push_line(p, &p->cards, &p->card_count, &p->card_cap, line);
  }
  if (kh_token_eq(t, ".options") || kh_token_eq(t, ".option") || kh_token_eq(t, ".opt"))
    return parse_options(p, line, tok);
  if (kh_token_eq(t, ".temp")) return parse_temp(p, line, tok);
  if (kh_token_eq(t, ".dc")) return parse_dc(p, line, tok);
  if (kh_token_eq(t, ".global")) return parse_global(p, line, tok);
  if (kh_token_eq(t, ".func")) return parse_func(p, line, tok);
  if (is_skipped_card(t))
    return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, t),
                          "%.*s skipped (kirchhoff computes the DC operating point)", (int)t->len,
                          t->s);
  return kh_token_fail(p, line, t, "unsupported card '%.*s'", (int)t->len, t->s);
}

/* Sorts one logical line: directives are evaluated, element lines kept for flattening. A
 * logical line starts at its first word. Element lines (nearly all of them) are split into
 * tokens when they are expanded; only braces can make that fail, so lines with braces are
 * tokenized here too, to report it even in a subcircuit never instantiated. */
static kh_status scan_line(kh_parser *p, uint32_t line) {
  kh_tokens *tok = &p->scan_tokens;
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  kh_status st = KH_OK;
  if (text[0] >= 'a' && text[0] <= 'z') {
    if (strpbrk(text, "{}'")) st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st != KH_OK || p->inside) return st;
    p->streaming = 0; /* elements keep the file's order: none may stream past this one */
    return push_line(p, &p->top, &p->top_count, &p->top_cap, line);
  }
  st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
  if (st != KH_OK || tok->count == 0) return st;
  if (tok->items[0].s[0] == '.') return directive(p, line, tok, &p->inside);
  return kh_token_fail(p, line, &tok->items[0],
                       "expected an element name or a '.' card, found '%.*s'",
                       (int)tok->items[0].len, tok->items[0].s);
}

/* Streamed lines are flattened in batches, so that each name's hash slot can be fetched a few
 * lines ahead (flatten.c), and then dropped from the source. */
enum { STREAM_BATCH = 64 };

static int streamable(const kh_parser *p, uint32_t line) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  return p->streaming && !p->inside && text[0] && strchr("rcvid", text[0]) && !strpbrk(text, "{}'");
}

/* Flattens the waiting streamed lines and removes them from the source; a line that must wait
 * for definitions further down ends streaming and, with the lines after it, is kept. Lines
 * after the waiting ones (the line being offered) move down. */
static kh_status flush_streamed(kh_parser *p) {
  uint32_t from = p->pending_from, count = p->pending, done = 0;
  p->pending = 0;
  if (!count) return KH_OK;
  kh_status st = kh_flatten_ahead(p, from, from + count, &done);
  if (st != KH_OK) return st;
  kh_source_remove_lines(&p->src, from, from + done);
  if (done < count) p->streaming = 0;
  for (uint32_t line = from; st == KH_OK && line < from + count - done; line++)
    st = push_line(p, &p->top, &p->top_count, &p->top_cap, line);
  return st;
}

/* Sizes the element storage for the lines the source expects, before they arrive: unless the
 * estimate falls short, the name map is not rehashed and the elements are not copied while they
 * stream in. Only element names: nodes are far fewer than lines in the networks that matter
 * (784-500-10: 2,080 nodes) and their map grows as needed. */
static kh_status reserve_elements(kh_parser *p) {
  size_t lines = p->src.line_estimate;
  if (lines <= p->reserved_lines) return KH_OK;
  p->reserved_lines = lines;
  if (kh_strmap_reserve(&p->nl->element_names, lines) ||
      kh_reserve_exact((void **)&p->nl->elements, &p->nl->element_cap, lines,
                       sizeof *p->nl->elements))
    return kh_fail_nomem(p->ctx, "parsing");
  return KH_OK;
}

/* The source's on_line: each complete logical line, in order, while the file is read. */
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
  const kh_line *l = &p->src.lines[line];
  const char *text = kh_line_text(&p->src, l);
  size_t len = strlen(text);
  lookup_env env = {p, scope};
  kh_expr_error err;
  double v;
  while (at < len && text[at] == ' ') at++;
  if (at == len)
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, kh_source_loc(&p->src, l, 0),
                          "a condition is missing");
  if (kh_expr_eval_functions(text + at, len - at, lookup, function, &env, &v, &err) != 0)
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, kh_source_loc(&p->src, l, at + err.offset),
                          "%s", err.message);
  *value = v != 0;
  return KH_OK;
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

static kh_status take_line(void *user, uint32_t line) {
  kh_parser *p = user;
  kh_status st = reserve_elements(p);
  if (st != KH_OK) return st;
  size_t at;
  int card = conditional(kh_line_text(&p->src, &p->src.lines[line]), &at);
  if (card && p->inside && reading(&p->top_if))
    return KH_OK; /* a body's own: evaluated per instance (kh_body_line) */
  if (card || p->top_if.depth) {
    if ((st = flush_streamed(p)) != KH_OK) return st;
    line = p->src.line_count - 1; /* the line moved down */
    if (card) return if_card(p, &p->top_if, NULL, line, card, at);
    if (!strncmp(kh_line_text(&p->src, &p->src.lines[line]), ".param", 6))
      return param_in_branch(p, line);
    if (!reading(&p->top_if)) return KH_OK; /* a branch not taken */
  }
  if (streamable(p, line)) {
    if (!p->pending) p->pending_from = line;
    return ++p->pending == STREAM_BATCH ? flush_streamed(p) : KH_OK;
  }
  st = flush_streamed(p);
  return st == KH_OK ? scan_line(p, p->src.line_count - 1) : st; /* the line moved down */
}

static kh_status finish_scan(kh_parser *p) {
  kh_status st = flush_streamed(p);
  if (st == KH_OK && p->top_if.depth) st = unclosed(p, &p->top_if);
  if (st == KH_OK && p->inside) {
    kh_subckt *s = &p->subckts[p->subckt_count - 1];
    kh_loc loc = kh_source_loc(&p->src, &p->src.lines[s->line], 0);
    st = kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, loc, ".subckt '%s' is never closed by .ends",
                        s->name);
  }
  return st;
}

void kh_netlist_free(kh_netlist *nl) {
  if (!nl) return;
  kh_strmap_release(&nl->nodes);
  kh_strmap_release(&nl->element_names);
  kh_strmap_release(&nl->model_names);
  kh_free(nl->elements);
  kh_free(nl->models);
  kh_free(nl->options);
  kh_free(nl->diode_inst);
  kh_free(nl->resistor_temp);
  kh_free(nl->inputs);
  kh_free(nl->amplifiers);
  kh_free(nl->scale_mean);
  kh_free(nl->scale_inv_std);
  kh_free(nl->outputs);
  kh_free(nl->trainable);
  kh_arena_release(&nl->arena);
  kh_free(nl);
}

/* .options rshunt=R: a resistor R from every node to ground, as ngspice adds one (internal
 * nodes such as a diode's RS node included), named "rshunt#<node>". */
static kh_status add_shunts(kh_parser *p) {
  kh_netlist *nl = p->nl;
  double r = 0;
  if (!kh_netlist_option(nl, "rshunt", &r) || r == 0) return KH_OK; /* 0: none, as in ngspice */
  if (!(r > 0) || !isfinite(r))
    return kh_fail(p->ctx, KH_ERR_INPUT, "%s: .options rshunt=%g must be positive", nl->files[0],
                   r);
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
      return kh_fail(p->ctx, KH_ERR_INPUT, "%s: element name '%s' is taken", nl->files[0], name);
    nl->elements[nl->element_count++] = (kh_elem){
        .kind = KH_RESISTOR, .synthetic = 3, .node = {n, 0}, .model = KH_NOT_FOUND, .value = r};
  }
  return KH_OK;
}

/* Moves what the netlist keeps (title, file names, notes) out of the source. */
static kh_status adopt_source(kh_parser *p) {
  kh_netlist *nl = p->nl;
  kh_source *src = &p->src;
  nl->title = src->title ? src->title : kh_arena_strdup(&nl->arena, "");
  nl->files = kh_arena_alloc(&nl->arena, (src->file_count + 1) * sizeof *nl->files);
  nl->notes = kh_arena_alloc(&nl->arena, (src->note_count + 1) * sizeof *nl->notes);
  if (!nl->title || !nl->files || !nl->notes) return kh_fail_nomem(p->ctx, "parsing");
  memcpy(nl->files, src->files, src->file_count * sizeof *nl->files);
  nl->file_count = src->file_count;
  for (size_t i = 0; i < src->note_count; i++) nl->notes[i] = src->notes[i].message;
  nl->note_count = src->note_count;
  return KH_OK;
}

static kh_status parse(kh_context *ctx, kh_netlist **out, const char *path, const char *text,
                       const char *name) {
  *out = NULL;
  kh_netlist *nl = kh_calloc(1, sizeof *nl);
  if (!nl) return kh_fail_nomem(ctx, "parsing");
  kh_arena_init(&nl->arena);
  nl->input_gain = 1.0;
  kh_strmap_init(&nl->nodes, &nl->arena);
  kh_strmap_init(&nl->element_names, &nl->arena);
  kh_strmap_init(&nl->model_names, &nl->arena);
  kh_parser p = {.ctx = ctx, .nl = nl, .streaming = 1};
  kh_source_init(&p.src, &nl->arena);
  p.src.on_line = take_line;
  p.src.on_line_user = &p;
  kh_strmap_init(&p.subckt_names, &nl->arena);
  kh_strmap_init(&p.instance_names, &nl->arena);
  kh_strmap_init(&p.global_nodes, &nl->arena);
  uint32_t ground;
  kh_status st =
      kh_strmap_intern(&nl->nodes, "0", 1, &ground, NULL) ? kh_fail_nomem(ctx, "parsing") : KH_OK;
  if (st == KH_OK)
    st = path ? kh_source_read_file(ctx, &p.src, path)
              : kh_source_read_string(ctx, &p.src, text, strlen(text), name);
  if (st == KH_OK) st = finish_scan(&p);
  if (st == KH_OK) st = kh_flatten(&p);
  if (st == KH_OK && nl->element_count == 0)
    st = kh_source_fail(ctx, &p.src, KH_ERR_INPUT, (kh_loc){0, 1, 1},
                        "netlist has no elements (line 1 is always the title)");
  if (st == KH_OK) st = kh_finish_resistors(&p);
  if (st == KH_OK) st = add_shunts(&p);
  if (st == KH_OK) st = kh_finish_diodes(&p);
  if (st == KH_OK) st = kh_resolve_amplifiers(&p);
  if (st == KH_OK) st = kh_resolve_cards(&p);
  if (st == KH_OK) st = adopt_source(&p);
  kh_source_release(&p.src);
  kh_param_release(&p.globals);
  kh_strmap_release(&p.subckt_names);
  kh_strmap_release(&p.instance_names);
  kh_strmap_release(&p.global_nodes);
  kh_free(p.subckts);
  kh_free(p.funcs);
  kh_free(p.top);
  kh_free(p.cards);
  kh_free(p.scratch);
  kh_tokens_release(&p.scan_tokens);
  for (size_t i = 0; i < KH_MAX_SUBCKT_DEPTH + 2; i++) {
    kh_tokens_release(&p.line_tokens[i]);
    kh_tokens_release(&p.header_tokens[i]);
  }
  if (st != KH_OK) {
    kh_netlist_free(nl);
    return st;
  }
  *out = nl;
  return KH_OK;
}

kh_status kh_netlist_parse_file(kh_context *ctx, kh_netlist **out, const char *path) {
  return parse(ctx, out, path, NULL, NULL);
}

kh_status kh_netlist_parse_string(kh_context *ctx, kh_netlist **out, const char *text,
                                  const char *name) {
  return parse(ctx, out, NULL, text, name);
}
