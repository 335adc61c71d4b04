/* B cards: `Bname n+ n- I=expr` and `Bname n+ n- V=expr`, the expression read as ngspice 39's
 * inpptree-parser.y reads it and built into the tree its inpptree.c builds (expression.h):
 * precedence from loosest to tightest ?: (right), ||, &&, == != <>, < > <= >=, + -, * /, unary
 * - + !, and ^ (or **, left: 2^3^2 is 64); comparisons become gt0(a - b) and the like, a || b
 * ne0(ne0(a) + ne0(b)), a && b eq0(eq0(a) + eq0(b)). Parameters are read at parse time; v(n) and
 * v(n, m) are the expression's inputs. Anything else is refused where it stands. Numbers written
 * in the expression keep 11 significant digits, as ngspice's front end leaves them (it reprints
 * them with %.10e: 0.33333333333333331 is 0.3333333333 there, measured), while parameters keep
 * their full value. */
#include "expression.h"
#include "parser.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 200, MAX_NODES = 1 << 20 };

typedef struct {
  kh_parser *p;
  uint32_t line;
  const kh_scope *scope;
  const char *s, *end; /* the expression's text */
  const char *pos;
  const kh_token *first; /* the token the text starts at: offsets for messages */
  int depth;
  kh_xnode *nodes;
  size_t count, cap;
  size_t *inputs;
  size_t input_count, input_cap;
  kh_status st;
} reader;

/* Records the first error, at `at` in the text; returns UINT32_MAX, what a failed node is. */
static uint32_t fail(reader *r, const char *at, const char *fmt, ...) KH_PRINTF(3, 4);
static uint32_t fail(reader *r, const char *at, const char *fmt, ...) {
  if (r->st != KH_OK) return UINT32_MAX;
  char message[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  kh_token t = {at, 1, r->first->off + (uint32_t)(at - r->first->s)};
  r->st = kh_token_fail(r->p, r->line, &t, "%s", message);
  return UINT32_MAX;
}

static void blanks(reader *r) {
  while (r->pos < r->end && (*r->pos == ' ' || *r->pos == '\t')) r->pos++;
}

/* Consumes `word` (an operator) if the text continues with it. */
static int take(reader *r, const char *word) {
  blanks(r);
  size_t n = strlen(word);
  if ((size_t)(r->end - r->pos) < n || memcmp(r->pos, word, n) != 0) return 0;
  r->pos += n;
  return 1;
}

/* Adds a node; returns its index (or UINT32_MAX after an error). */
static uint32_t add(reader *r, kh_xnode n) {
  if (r->st != KH_OK) return UINT32_MAX;
  if (r->count >= MAX_NODES) return fail(r, r->pos, "expression too long");
  if (kh_reserve((void **)&r->nodes, &r->cap, r->count + 1, sizeof *r->nodes))
    return r->st = kh_fail_nomem(r->p->ctx, "reading a B source"), UINT32_MAX;
  r->nodes[r->count] = n;
  return (uint32_t)r->count++;
}
static uint32_t binary(reader *r, uint8_t op, uint32_t a, uint32_t b) {
  return r->st == KH_OK ? add(r, (kh_xnode){.op = op, .a = a, .b = b}) : UINT32_MAX;
}
static uint32_t call(reader *r, kh_xfunction fn, uint32_t a, uint32_t b) {
  return r->st == KH_OK ? add(r, (kh_xnode){.op = KH_X_CALL, .fn = (uint8_t)fn, .a = a, .b = b})
                        : UINT32_MAX;
}

static uint32_t expression(reader *r);
static uint32_t unary(reader *r);

static int name_char(char c, int first) {
  return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* v(n) or v(n, m) from the '(' on: the node names as ngspice's lexer ends them. */
static uint32_t voltage(reader *r) {
  uint32_t node[2] = {0, 0};
  size_t count = 0;
  do {
    blanks(r);
    const char *at = r->pos;
    while (r->pos < r->end && !strchr(" \t,()", *r->pos)) r->pos++;
    if (r->pos == at) return fail(r, at, "expected a node name in v(...)");
    kh_token t = {at, (uint32_t)(r->pos - at), r->first->off + (uint32_t)(at - r->first->s)};
    if ((r->st = kh_resolve_node(r->p, r->line, r->scope, &t, &node[count++])) != KH_OK)
      return UINT32_MAX;
  } while (count < 2 && take(r, ","));
  if (!take(r, ")")) return fail(r, r->pos, "expected ')' after v(...)'s nodes");
  uint32_t in[2];
  for (size_t k = 0; k < count; k++) {
    size_t i = 0;
    while (i < r->input_count && r->inputs[i] != node[k]) i++;
    if (i == r->input_count) {
      if (kh_reserve((void **)&r->inputs, &r->input_cap, i + 1, sizeof *r->inputs))
        return r->st = kh_fail_nomem(r->p->ctx, "reading a B source"), UINT32_MAX;
      r->inputs[r->input_count++] = node[k];
    }
    in[k] = add(r, (kh_xnode){.op = KH_X_INPUT, .a = (uint32_t)i});
  }
  return count == 1 ? in[0] : binary(r, KH_X_SUB, in[0], in[1]);
}

/* name(args) from the '(' on. */
static uint32_t function_call(reader *r, const char *name, size_t len) {
  uint32_t arg[3];
  size_t n = 0;
  do {
    if (n == 3) return fail(r, r->pos, "too many arguments");
    arg[n++] = expression(r);
  } while (r->st == KH_OK && take(r, ","));
  if (r->st != KH_OK) return UINT32_MAX;
  if (!take(r, ")")) return fail(r, r->pos, "expected ')' or ','");
  if (len == 11 && !memcmp(name, "ternary_fcn", 11)) {
    if (n != 3) return fail(r, name, "ternary_fcn takes three arguments");
    return add(r, (kh_xnode){.op = KH_X_TERN, .a = arg[0], .b = arg[1], .c = arg[2]});
  }
  for (int fn = 0; fn < KH_XF_COUNT; fn++) {
    if (fn == KH_XF_UMINUS || strlen(kh_xfunction_names[fn]) != len ||
        memcmp(kh_xfunction_names[fn], name, len))
      continue;
    size_t want = fn >= KH_XF_POW ? 2 : 1;
    if (n != want)
      return fail(r, name, "'%.*s' takes %s", (int)len, name,
                  want == 2 ? "two arguments" : "one argument");
    return call(r, (kh_xfunction)fn, arg[0], n == 2 ? arg[1] : 0);
  }
  return fail(r, name,
              "unknown function '%.*s' in a B source (ngspice 39's are listed in docs/netlist.md)",
              (int)len, name);
}

/* A name alone: a parameter, then ngspice's constants e and pi, time and hertz (0 at DC). */
static uint32_t named_value(reader *r, const char *name, size_t len) {
  double v;
  if (kh_param_value(r->p, r->scope, name, len, &v))
    return add(r, (kh_xnode){.op = KH_X_CONST, .k = v});
  static const struct {
    const char *name;
    double value;
  } known[] = {
      {"e", 2.718281828459045235}, {"pi", 3.141592653589793238}, {"time", 0}, {"hertz", 0}};
  for (size_t k = 0; k < sizeof known / sizeof *known; k++)
    if (strlen(known[k].name) == len && !memcmp(known[k].name, name, len))
      return add(r, (kh_xnode){.op = KH_X_CONST, .k = known[k].value});
  return fail(r, name, "unknown name '%.*s' (not a parameter)", (int)len, name);
}

static uint32_t primary(reader *r) {
  blanks(r);
  const char *at = r->pos;
  if (r->pos == r->end) return fail(r, at, "the expression ends where a value should be");
  int brace = *r->pos == '{';
  if (take(r, "(") || take(r, "{")) {
    uint32_t v = expression(r);
    if (r->st == KH_OK && !take(r, brace ? "}" : ")"))
      return fail(r, r->pos, brace ? "expected '}'" : "expected ')'");
    return v;
  }
  if (name_char(*r->pos, 1)) {
    while (r->pos < r->end && name_char(*r->pos, 0)) r->pos++;
    size_t len = (size_t)(r->pos - at);
    if (!take(r, "(")) return named_value(r, at, len);
    if (len == 1 && *at == 'v') return voltage(r);
    if (len == 1 && *at == 'i')
      return fail(r, at,
                  "i(...): B sources controlled by currents are not supported (a CCCS or "
                  "CCVS reads a 0 V source's current)");
    return function_call(r, at, len);
  }
  double v;
  size_t used = 0, bad = 0;
  kh_number_error e = kh_scan_number(r->pos, (size_t)(r->end - r->pos), &v, &used, &bad);
  if (e != KH_NUM_OK) return fail(r, r->pos + bad, "%s", kh_number_error_text(e));
  r->pos += used;
  if (r->pos < r->end && *r->pos >= '0' && *r->pos <= '9') /* 4k7: ngspice reads 4k, then fails */
    return fail(r, r->pos, "digits after the suffix (write 4.7k, not 4k7)");
  return add(r, (kh_xnode){.op = KH_X_CONST, .k = kh_expression_literal(v)});
}

/* What follows '^': a signed operand reaches over further '^' (a^-b^c is a^(-(b^c))). */
static uint32_t power(reader *r) {
  uint32_t v = primary(r);
  while (r->st == KH_OK && (take(r, "^") || take(r, "**"))) {
    blanks(r);
    uint32_t rhs = r->pos < r->end && strchr("-+!", *r->pos) ? unary(r) : primary(r);
    v = binary(r, KH_X_POW, v, rhs);
  }
  return v;
}

static uint32_t unary(reader *r) {
  if (++r->depth > MAX_DEPTH) return fail(r, r->pos, "expression nested too deeply");
  uint32_t v;
  if (take(r, "-"))
    v = call(r, KH_XF_UMINUS, unary(r), 0);
  else if (take(r, "!=")) /* not a unary '!' */
    v = fail(r, r->pos - 2, "'!=' where a value should be");
  else if (take(r, "!"))
    v = call(r, KH_XF_EQ0, unary(r), 0);
  else if (take(r, "+"))
    v = unary(r);
  else
    v = power(r);
  r->depth--;
  return v;
}

static uint32_t product(reader *r) {
  uint32_t v = unary(r);
  for (;;) {
    blanks(r);
    if (r->st != KH_OK || r->pos == r->end || (*r->pos != '*' && *r->pos != '/') ||
        (r->pos + 1 < r->end && r->pos[0] == '*' && r->pos[1] == '*'))
      return v;
    uint8_t op = *r->pos++ == '*' ? KH_X_MUL : KH_X_DIV;
    v = binary(r, op, v, unary(r));
  }
}

static uint32_t sum(reader *r) {
  uint32_t v = product(r);
  for (;;) {
    if (r->st != KH_OK) return v;
    if (take(r, "+"))
      v = binary(r, KH_X_ADD, v, product(r));
    else if (take(r, "-"))
      v = binary(r, KH_X_SUB, v, product(r));
    else
      return v;
  }
}

/* The comparison at the text's position if it is of this level (equality: == != <>, else <
 * > <= >=): its length, and its function into *fn; else 0. */
static size_t comparison_at(reader *r, int equality, kh_xfunction *fn) {
  static const struct {
    const char *op;
    kh_xfunction fn;
    int equality;
  } ops[] = {{"==", KH_XF_EQ0, 1}, {"!=", KH_XF_NE0, 1}, {"<>", KH_XF_NE0, 1}, {"<=", KH_XF_LE0, 0},
             {">=", KH_XF_GE0, 0}, {"<", KH_XF_LT0, 0},  {">", KH_XF_GT0, 0}};
  blanks(r);
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
    size_t n = strlen(ops[k].op);
    if ((size_t)(r->end - r->pos) < n || memcmp(r->pos, ops[k].op, n)) continue;
    if (ops[k].equality != equality) return 0;
    *fn = ops[k].fn;
    return n;
  }
  return 0;
}

static uint32_t compare(reader *r, int equality) {
  uint32_t v = equality ? compare(r, 0) : sum(r);
  kh_xfunction fn;
  for (size_t n; r->st == KH_OK && (n = comparison_at(r, equality, &fn));) {
    r->pos += n;
    uint32_t rhs = equality ? compare(r, 0) : sum(r);
    v = call(r, fn, binary(r, KH_X_SUB, v, rhs), 0);
  }
  return v;
}

static uint32_t logical(reader *r, int is_or) {
  uint32_t v = is_or ? logical(r, 0) : compare(r, 1);
  kh_xfunction each = is_or ? KH_XF_NE0 : KH_XF_EQ0;
  while (r->st == KH_OK && take(r, is_or ? "||" : "&&")) {
    uint32_t rhs = is_or ? logical(r, 0) : compare(r, 1);
    v = call(r, each, binary(r, KH_X_ADD, call(r, each, v, 0), call(r, each, rhs, 0)), 0);
  }
  return v;
}

static uint32_t expression(reader *r) {
  if (++r->depth > MAX_DEPTH) return fail(r, r->pos, "expression nested too deeply");
  uint32_t v = logical(r, 1);
  if (r->st == KH_OK && take(r, "?")) {
    uint32_t a = expression(r);
    if (r->st == KH_OK && !take(r, ":")) return fail(r, r->pos, "expected ':' of '?'");
    uint32_t b = expression(r);
    v = r->st == KH_OK ? add(r, (kh_xnode){.op = KH_X_TERN, .a = v, .b = a, .c = b}) : UINT32_MAX;
  }
  r->depth--;
  return v;
}

/* The tree in evaluation order (operands first, as the nodes were added) into the arena. */
static kh_status store(reader *r, uint32_t *index) {
  kh_netlist *nl = r->p->nl;
  kh_xnode *nodes = kh_arena_alloc(&nl->arena, r->count * sizeof *nodes);
  size_t *inputs = kh_arena_alloc(&nl->arena, (r->input_count + 1) * sizeof *inputs);
  if (!nodes || !inputs ||
      kh_reserve((void **)&nl->expressions, &nl->expression_cap, nl->expression_count + 1,
                 sizeof *nl->expressions))
    return kh_fail_nomem(r->p->ctx, "storing a B source");
  memcpy(nodes, r->nodes, r->count * sizeof *nodes);
  if (r->input_count) memcpy(inputs, r->inputs, r->input_count * sizeof *inputs);
  nl->expressions[nl->expression_count] =
      (struct kh_expression){nodes, (uint32_t)r->count, inputs, (uint32_t)r->input_count};
  *index = (uint32_t)nl->expression_count++;
  return KH_OK;
}

kh_status kh_behavioural_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *s) {
  const kh_token *t = tok->items;
  int voltage_source = tok->count > 3 && kh_token_eq(&t[3], "v");
  if (tok->count < 6 || !(voltage_source || kh_token_eq(&t[3], "i")) || !kh_token_eq(&t[4], "="))
    return kh_token_fail(p, line, &t[tok->count < 4 ? tok->count - 1 : 3],
                         "'%.*s' needs two nodes and I=expression or V=expression", (int)t[0].len,
                         t[0].s);
  kh_elem e = {.kind = voltage_source ? KH_BEHAVIOURAL_V : KH_BEHAVIOURAL_I,
               .model = KH_NOT_FOUND,
               .value = 1};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st != KH_OK) return st;
  const kh_token *last = &t[tok->count - 1];
  reader r = {.p = p,
              .line = line,
              .scope = s,
              .s = t[5].s,
              .end = last->s + last->len,
              .pos = t[5].s,
              .first = &t[5]};
  expression(&r); /* its root is the last node added, as every construct's is */
  blanks(&r);
  if (r.st == KH_OK && r.pos < r.end)
    fail(&r, r.pos,
         "unexpected '%.*s' after the expression (a B source's tc1=, m= and other words are "
         "not supported)",
         (int)((r.end - r.pos) > 20 ? 20 : (r.end - r.pos)), r.pos);
  if (r.st == KH_OK) st = store(&r, &e.ctrl[0]);
  kh_free(r.nodes), kh_free(r.inputs);
  if (r.st != KH_OK) return r.st;
  if (st == KH_OK) st = kh_add_element(p, line, &t[0], s, e);
  if (st == KH_OK) p->controlled_count++;
  return st;
}
