/* The parser's shared vocabulary: errors at a token, parameter tables, expression and value
 * evaluation (`name = value` lists included), and model and subcircuit lookup through nested
 * definitions. Used by every stage (parse.c sorts the lines, the card and element readers
 * evaluate them), so kept apart from parse.c, which calls those stages. */
#include "parser.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
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

/* Tables this long get a hash index of their names: a scan per lookup made decks with many
 * .param lines quadratic (PDK corner files hold thousands; 40,000 took 4.9 s to parse). An
 * instance's few parameters stay a short list. */
enum { PARAM_INDEX_FROM = 32 };

struct kh_param *kh_param_find(const kh_param_table *t, const char *name, size_t len) {
  if (!t) return NULL;
  if (t->index) {
    uint32_t id = kh_strmap_find(t->index, name, len);
    return id == KH_NOT_FOUND ? NULL : &t->items[id];
  }
  for (size_t i = 0; i < t->count; i++)
    if (strlen(t->items[i].name) == len && memcmp(t->items[i].name, name, len) == 0)
      return &t->items[i];
  return NULL;
}

/* Adds items[i]'s name to the index, where it must get id i. */
static int index_item(kh_param_table *t, size_t i) {
  uint32_t id;
  int added;
  const char *name = t->items[i].name;
  return kh_strmap_intern(t->index, name, strlen(name), &id, &added) || !added || id != i ? -1 : 0;
}

static int build_index(kh_arena *arena, kh_param_table *t) {
  if (!(t->index = kh_malloc(sizeof *t->index))) return -1;
  kh_strmap_init(t->index, arena);
  for (size_t i = 0; i < t->count; i++)
    if (index_item(t, i)) return -1;
  return 0;
}

int kh_param_set(kh_arena *arena, kh_param_table *t, const char *name, size_t len, double v) {
  struct kh_param *e = kh_param_find(t, name, len);
  if (e) {
    if (e->given) /* the instance's value stands */
      e->given = KH_PARAM_GIVEN_DECLARED;
    else
      e->value = v, e->drawn = 0, e->temper = 0;
    return 0;
  }
  if (kh_reserve((void **)&t->items, &t->capacity, t->count + 1, sizeof *t->items)) return -1;
  const char *copy = kh_arena_strndup(arena, name, len);
  if (!copy) return -1;
  t->items[t->count++] = (struct kh_param){copy, v, 0, 0, 0, 0};
  if (t->index) return index_item(t, t->count - 1);
  return t->count >= PARAM_INDEX_FROM ? build_index(arena, t) : 0;
}

void kh_param_release(kh_param_table *t) {
  if (t->index) kh_strmap_release(t->index);
  kh_free(t->index);
  kh_free(t->items);
  memset(t, 0, sizeof *t);
}

typedef struct {
  kh_parser *p;
  const kh_scope *scope;
} lookup_env;

/* Whether a lookup reads from inside a subcircuit instance (its parameters, or its definition's
 * body): ngspice 39 substitutes a global .param that reads temper only into the top level's
 * lines, and leaves it undefined in a subcircuit's (measured: R, E value=, B, a diode's area, a
 * body .param and a .model card there stop it with "Undefined parameter"; a .func that reads
 * temper is read everywhere). */
static int inside_subcircuit(const lookup_env *env) {
  for (const kh_scope *s = env->scope ? env->scope : env->p->model_scope; s; s = s->outer)
    if (s->def || s->params) return 1;
  return 0;
}

/* How the deck's expressions compute: '^' as ngspice's LTspice mode computes it, there. */
static unsigned expr_flags(const kh_parser *p) {
  return p->src.compat & KH_COMPAT_LT ? KH_EXPR_LT_POWER : 0;
}

/* ... and how a value s[0, len) of line `line` reads: braces inside its braces as parentheses
 * where ngspice 39 makes them so (kh_inner_braces_group), else refused, as ngspice fails on
 * them. */
static unsigned value_flags(const kh_parser *p, uint32_t line, const kh_scope *scope, const char *s,
                            size_t len) {
  unsigned flags = expr_flags(p);
  if (memchr(s, '{', len) && kh_line_text(&p->src, &p->src.lines[line])[0] != '.' &&
      kh_inner_braces_group(p, line, scope))
    flags |= KH_EXPR_INNER_BRACES;
  return flags;
}

static int lookup(void *user, const char *name, size_t len, double *v) {
  lookup_env *env = user;
  int self = env->p->self_name && env->p->self_len == len && !memcmp(env->p->self_name, name, len);
  for (size_t k = 0; !self && k < env->p->pending_param_count; k++) { /* not yet evaluated */
    const struct kh_pending_param *q = &env->p->pending_params[k];
    if (!q->done && q->len == len && !memcmp(q->name, name, len)) {
      env->p->param_blocked = 1;
      return 0;
    }
  }
  const kh_scope *scope = env->scope ? env->scope : env->p->model_scope; /* kh_instance_models */
  if (self) scope = env->p->self_outer; /* `x1 a sub w=w`: the caller's w */
  const struct kh_param *e = NULL;
  for (; scope && !e; scope = scope->outer)
    e = scope->params ? kh_param_find(scope->params, name, len) : NULL;
  struct kh_param *global = e ? NULL : kh_param_find(&env->p->globals, name, len);
  if (global && global->temper && inside_subcircuit(env)) return KH_PARAM_TEMPER_GLOBAL;
  if (global) global->read = 1, e = global;
  if (e) {
    *v = e->value, env->p->temper_reads += e->temper;
    if (e->temper && env->p->temper_undefined) return KH_PARAM_TEMPER_UNDEFINED;
    return e->drawn ? KH_PARAM_DRAWN : 1;
  }
  if (len == 6 && memcmp(name, "temper", 6) == 0) { /* ngspice's circuit temperature, in C */
    if (env->p->temper_undefined) return KH_PARAM_TEMPER_UNDEFINED;
    *v = kh_netlist_temperature(env->p->nl) - KH_CELSIUS_TO_KELVIN;
    env->p->temper_used = 1, env->p->temper = *v, env->p->temper_reads++;
    return 1;
  }
  if (env->p->speculative) env->p->missed = 1; /* a .param further down, maybe */
  env->p->param_unknown = 1;
  return 0;
}

int kh_param_value(kh_parser *p, const kh_scope *scope, const char *name, size_t len, double *v) {
  lookup_env env = {p, scope};
  return lookup(&env, name, len, v);
}

static int function(void *user, const char *name, size_t len, kh_user_function *f) {
  lookup_env *env = user;
  uint32_t id = kh_strmap_find(&env->p->func_names, name, len);
  if (id == KH_NOT_FOUND && !kh_expr_is_builtin(name, len)) {
    /* a .func further down, maybe: ngspice reads every .func before the other cards */
    if (env->p->speculative) env->p->missed = 1;
    env->p->param_unknown = 1;
  }
  if (id == KH_NOT_FOUND) return 0;
  const struct kh_func *u = &env->p->funcs[id];
  *f = (kh_user_function){u->body, strlen(u->body), u->params, u->arity};
  return 1;
}

kh_status kh_eval_line(kh_parser *p, uint32_t line, size_t at, const kh_scope *scope, double *out) {
  const kh_line *l = &p->src.lines[line];
  const char *text = kh_line_text(&p->src, l);
  size_t len = strlen(text);
  lookup_env env = {p, scope};
  kh_expr_error err;
  while (at < len && text[at] == ' ') at++;
  if (at == len)
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, kh_source_loc(&p->src, l, 0),
                          "a condition is missing");
  if (kh_expr_eval_with(text + at, len - at, lookup, function, &env, expr_flags(p), out, &err,
                        NULL) != 0)
    return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, kh_source_loc(&p->src, l, at + err.offset),
                          "%s", err.message);
  return KH_OK;
}

static int starts_like_name(char c) {
  return (c >= 'a' && c <= 'z') || c == '_';
}

/* A device line's or .model card's value as ngspice 39's device parser gets it (p->device_values;
 * else v): a number token's text read by INPevaluate; an expression's value (numparam's) put in
 * its place as % 23.15e text (xpressn.c) and read so (kh_expression_parameter), or, where it
 * reads temper on a line that ngspice alters so, printed %g and read back by alter's number
 * parser (inp_evaluate_temper in frontend/inp.c; measured: a diode's is={1e-14*temper/27} at
 * 50 C solves as is=1.85185e-14, 2.8e-8 V from the unrounded value). Read otherwise, `v1 a 0 0.3`
 * and a B source's `v(a) <= 0.3` compared as equal, where ngspice finds 0.30000000000000004
 * above it (tests/data/compat/values_as_ngspice_reads_them.cir). */
static double as_device_reads(const kh_parser *p, double v, const kh_token *number, int temper) {
  if (!p->device_values) return v;
  if (number) return kh_inp_evaluate(number->s, number->len);
  if (!temper || !p->temper_printed) return kh_expression_parameter(v);
  char text[32];
  snprintf(text, sizeof text, "%g", v);
  return isfinite(v) ? kh_ft_numparse(text) : v;
}

/* Evaluates t's text from base for len bytes as an expression; errors point into t. drawn: NULL
 * to refuse a value that depends on a random draw, else where to say whether it does. On a
 * device line or .model card the value is the one ngspice's device parser gets
 * (as_device_reads). */
static kh_status eval_expression(kh_parser *p, uint32_t line, const kh_token *t, size_t base,
                                 size_t len, const kh_scope *scope, double *out, int *drawn) {
  lookup_env env = {p, scope};
  kh_expr_error err;
  size_t temper_reads = p->temper_reads;
  unsigned flags = value_flags(p, line, scope, t->s + base, len);
  if (kh_expr_eval_with(t->s + base, len, lookup, function, &env, flags, out, &err, drawn) == 0) {
    *out = as_device_reads(p, *out, NULL, p->temper_reads != temper_reads);
    return KH_OK;
  }
  kh_token at = {t->s + base + err.offset, 1, t->off + (uint32_t)(base + err.offset)};
  return kh_token_fail(p, line, &at, "%s", err.message);
}

/* Whether a value token is a number (1) or an expression (0): {expr} or 'expr' (its text from
 * *base for *len bytes), or one that starts like a name. */
static int number_token(const kh_token *t, size_t *base, size_t *len) {
  int braced = t->len >= 2 && (t->s[0] == '{' || t->s[0] == '\'');
  *base = braced, *len = braced ? t->len - 2 : t->len;
  return !braced && !starts_like_name(t->s[0]);
}

static kh_status eval_token(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *scope,
                            double *out, int *drawn) {
  size_t base, len;
  if (number_token(t, &base, &len)) {
    size_t bad = 0;
    kh_number_error e = kh_parse_number(t->s, len, out, &bad);
    size_t mil =
        e == KH_NUM_OK && !p->device_values && !p->option_values ? kh_number_mil_at(t->s, len) : 0;
    if (mil) {
      kh_token at = {t->s + mil, t->len - (uint32_t)mil, t->off + (uint32_t)mil};
      return kh_token_fail(p, line, &at, KH_MIL_IN_EXPRESSION);
    }
    if (e == KH_NUM_OK) return *out = as_device_reads(p, *out, t, 0), KH_OK;
    kh_token at = {t->s + bad, t->len - (uint32_t)bad, t->off + (uint32_t)bad};
    return kh_token_fail(p, line, &at, "%s in '%.*s'", kh_number_error_text(e), (int)t->len, t->s);
  }
  return eval_expression(p, line, t, base, len, scope, out, drawn);
}

kh_status kh_eval_token(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *scope,
                        double *out) {
  return eval_token(p, line, t, scope, out, NULL);
}

int kh_eval_quiet(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *scope,
                  double *out) {
  size_t base, len, bad = 0;
  if (number_token(t, &base, &len)) {
    if (kh_parse_number(t->s, len, out, &bad) != KH_NUM_OK) return -1;
    return *out = as_device_reads(p, *out, t, 0), 0;
  }
  /* the lookups' marks (a name not found, a read that would wait) are the real reading's */
  int unknown = p->param_unknown, missed = p->missed, blocked = p->param_blocked, drawn = 0;
  lookup_env env = {p, scope};
  kh_expr_error err;
  size_t temper_reads = p->temper_reads;
  int r = kh_expr_eval_with(t->s + base, len, lookup, function, &env,
                            value_flags(p, line, scope, t->s + base, len), out, &err, &drawn);
  if (r == 0) *out = as_device_reads(p, *out, NULL, p->temper_reads != temper_reads);
  p->param_unknown = unknown, p->missed = missed, p->param_blocked = blocked;
  return r != 0 ? -1 : drawn ? 1 : 0;
}

size_t kh_assignment_end(const kh_tokens *tok, size_t value_at, size_t to) {
  size_t k = value_at + 1;
  while (k < to && !(k + 1 < to && starts_like_name(tok->items[k].s[0]) &&
                     kh_token_eq(&tok->items[k + 1], "=") &&
                     !(k + 2 < to && kh_token_eq(&tok->items[k + 2], "="))))
    k++;
  return k;
}

/* How a card's values are read (assignments). */
enum {
  WHOLE_AT_END = 1, /* a .param line's one assignment: its value whole, spaces included */
  KEEP_DRAWN = 2,   /* a parameter table's: a random draw is kept, marked (netlist/expr.c) */
  PAREN_WORDS = 4,  /* a word runs on through spaces inside parentheses (.param and X lines) */
  LINE_VALUE = 8    /* an X line's: reading temper is refused, as ngspice 39 refuses it */
};

/* The end of the value's first word from token at: the first token after a space outside
 * parentheses, as ngspice 39 splits a .param or X line's values (measured: `b=max(a, 3)` is 3
 * beside another assignment, `b = max(1, 2) * 3 a=2` gives b = 2, the rest dropped). */
static size_t word_end(const kh_tokens *tok, size_t at, size_t end) {
  int depth = 0;
  for (size_t k = at; k < end; k++) {
    const kh_token *t = &tok->items[k], *before = &tok->items[k - (k > at)];
    if (k > at && depth <= 0 && t->s > before->s + before->len) return k;
    for (uint32_t c = 0; c < t->len; c++) depth += (t->s[c] == '(') - (t->s[c] == ')');
  }
  return end;
}

/* The value of `name = value` from tokens [at, end): one token as kh_eval_token reads it, or,
 * where the card allows it, several as the expression their text spells. ngspice 39 reads a
 * value without braces or quotes whole only when it is a .param line's one assignment
 * (`.param y = 2k + 500`); beside another assignment, or on an X or .subckt line, it reads the
 * first word and drops the rest silently (measured: `.param a = 1k * 2 b=3` and `.param b=3 a =
 * 2k + 500` both give a = the first word), so that is refused. A word on a .param or X line runs
 * on through spaces inside parentheses (word_end); a .subckt line's `p=max(1, 3)` is ngspice's
 * formula error. */
static kh_status eval_value(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at,
                            size_t end, size_t to, size_t first_value, int how,
                            const kh_scope *scope, double *out, int *drawn) {
  const kh_token *first = &tok->items[at], *last = &tok->items[end - 1];
  double number;
  size_t bad = 0;
  if (end == at + 1 && (how & WHOLE_AT_END) && !starts_like_name(first->s[0]) &&
      kh_parse_number(first->s, first->len, &number, &bad) == KH_NUM_TRAILING)
    return eval_expression(p, line, first, 0, first->len, scope, out, drawn); /* `3*w_min` */
  if (end == at + 1) return eval_token(p, line, first, scope, out, drawn);
  size_t word = how & PAREN_WORDS ? word_end(tok, at, end) : at + 1;
  int whole = (how & WHOLE_AT_END) && end == to && at == first_value;
  if (word < end && !whole) {
    const kh_token *w = &tok->items[word - 1];
    return kh_token_fail(p, line, &tok->items[word],
                         "ngspice 39 reads only '%.*s' as this value and drops the rest "
                         "silently; write the expression in braces: {...}",
                         (int)(w->s + w->len - first->s), first->s);
  }
  kh_token span = {first->s, (uint32_t)(last->s + last->len - first->s), first->off};
  return eval_expression(p, line, &span, 0, span.len, scope, out, drawn);
}

static kh_status assignments(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to, int how, const kh_scope *scope, kh_param_table *table) {
  for (size_t i = from, end; i < to; i = end) {
    const kh_token *name = &tok->items[i];
    if (!starts_like_name(name->s[0]))
      return kh_token_fail(p, line, name, "expected a parameter name, found '%.*s'", (int)name->len,
                           name->s);
    if (i + 1 >= to || !kh_token_eq(&tok->items[i + 1], "="))
      return kh_token_fail(p, line, i + 1 < to ? &tok->items[i + 1] : name,
                           "expected '=' after '%.*s'", (int)name->len, name->s);
    if (i + 2 >= to) return kh_token_fail(p, line, &tok->items[i + 1], "missing value after '='");
    double v;
    int drawn = 0; /* a parameter may hold a draw that the expressions reading it multiply by 0 */
    size_t temper_reads = p->temper_reads;
    end = kh_assignment_end(tok, i + 2, to);
    kh_status st = eval_value(p, line, tok, i + 2, end, to, from + 2, how, scope, &v,
                              how & KEEP_DRAWN ? &drawn : NULL);
    if (st != KH_OK) return st;
    if ((how & LINE_VALUE) && p->temper_reads != temper_reads)
      return kh_token_fail(p, line, &tok->items[i + 2],
                           "an X line's value that reads temper: ngspice 39 stops at it "
                           "(\"Subckt call, symbol not understood\"); give it in the subcircuit");
    const struct kh_param *old =
        table == &p->globals ? kh_param_find(table, name->s, name->len) : NULL;
    if (old && old->read && old->value != v) /* a card read the value this one changes */
      return kh_token_fail(p, line, name,
                           "parameter '%.*s' is defined again, to another value, after a card "
                           "read it: ngspice gives every use the last definition, kirchhoff "
                           "read the one before (define it once, or before its first use)",
                           (int)name->len, name->s);
    struct kh_param *e = kh_param_find(table, name->s, name->len);
    int instance_value_stands = e && e->given;
    if (kh_param_set(&p->nl->arena, table, name->s, name->len, v))
      return kh_fail_nomem(p->ctx, "storing parameters");
    if (!instance_value_stands) {
      struct kh_param *set = kh_param_find(table, name->s, name->len);
      set->drawn = (uint8_t)drawn, set->temper = p->temper_reads != temper_reads;
    }
    for (size_t q = 0; p->pending_card && q < p->pending_param_count; q++) {
      struct kh_pending_param *pend = &p->pending_params[q];
      if (pend->card + 1 == p->pending_card && pend->len == name->len &&
          !memcmp(pend->name, name->s, name->len))
        pend->done = 1; /* assigned: the rest of its line may read it */
    }
  }
  return KH_OK;
}

kh_status kh_parse_assignments(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to, const kh_scope *scope, kh_param_table *table) {
  return assignments(p, line, tok, from, to, 0, scope, table);
}

kh_status kh_parse_instance_assignments(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                        size_t from, size_t to, const kh_scope *scope,
                                        kh_param_table *table, int header) {
  return assignments(p, line, tok, from, to, KEEP_DRAWN | (header ? 0 : PAREN_WORDS | LINE_VALUE),
                     scope, table);
}

kh_status kh_parse_param_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *scope, kh_param_table *table) {
  return assignments(p, line, tok, 1, tok->count, WHOLE_AT_END | KEEP_DRAWN | PAREN_WORDS, scope,
                     table);
}

static uint32_t find_scoped(const kh_parser *p, const kh_strmap *names, const kh_scope *scope,
                            const kh_token *name) {
  char key[512];
  for (const kh_subckt *d = scope ? scope->def : NULL; d;
       d = d->parent == KH_NOT_FOUND ? NULL : &p->subckts[d->parent]) {
    int n = snprintf(key, sizeof key, "%s.%.*s", d->key, (int)name->len, name->s);
    if (n < 0 || (size_t)n >= sizeof key) continue;
    for (size_t k = p->override_count; names == &p->nl->model_names && k-- > 0;)
      if (!strcmp(p->overrides[k].key, key)) return p->overrides[k].model; /* this instance's */
    uint32_t id = kh_strmap_find(names, key, (size_t)n);
    if (id != KH_NOT_FOUND) return id;
  }
  return kh_strmap_find(names, name->s, name->len);
}

uint32_t kh_find_model(const kh_parser *p, const kh_scope *scope, const kh_token *name) {
  return find_scoped(p, &p->nl->model_names, scope, name);
}

kh_status kh_model_refused(kh_parser *p, uint32_t id) {
  const char *why = id == KH_NOT_FOUND ? NULL : p->nl->models[id].refusal;
  return why ? kh_fail(p->ctx, KH_ERR_INPUT, "%s", why) : KH_OK;
}

kh_status kh_model_at(kh_parser *p, uint32_t line, const kh_scope *scope, const kh_token *at,
                      uint32_t *id) {
  *id = kh_find_model(p, scope, at);
  if (*id == KH_NOT_FOUND && p->speculative) p->missed = 1;
  if (*id == KH_NOT_FOUND)
    return kh_token_fail(p, line, at, "unknown model '%.*s'", (int)at->len, at->s);
  return kh_model_refused(p, *id);
}

uint32_t kh_find_subckt(const kh_parser *p, const kh_scope *scope, const kh_token *name) {
  return find_scoped(p, &p->subckt_names, scope, name);
}

/* p->subckts are in the order of their .subckt lines (parse.c registers each as it reads it), so
 * a binary search finds a nested definition; a scan per body line made a deck of many
 * definitions quadratic (20,000 subcircuits with a local model each: 1.43 s of parsing). */
uint32_t kh_next_body_line(const kh_parser *p, uint32_t line) {
  size_t lo = 0, hi = p->subckt_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->subckts[mid].line < line)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p->subckt_count && p->subckts[lo].line == line ? p->subckts[lo].end + 1 : line + 1;
}
