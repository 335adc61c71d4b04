/* B cards: `Bname n+ n- I=expr` and `Bname n+ n- V=expr`, the expression read as ngspice 39's
 * inpptree-parser.y reads it and built into the tree its inpptree.c builds (expression.h):
 * precedence from loosest to tightest ?: (right), ||, &&, == != <>, < > <= >=, + -, * /, unary
 * - + !, and ^ (or **, left: 2^3^2 is 64); comparisons become gt0(a - b) and the like, a || b
 * ne0(ne0(a) + ne0(b)), a && b eq0(eq0(a) + eq0(b)). Parameters are read at parse time; v(n),
 * v(n, m) and i(vname) are the expression's inputs; a .func is expanded at its call, and pwl's
 * points kept as a table. Anything else is refused where it stands. Numbers written
 * in the expression keep 11 significant digits, as ngspice's front end leaves them (it reprints
 * them with %.10e: 0.33333333333333331 is 0.3333333333 there, measured), parameters 16 (numparam
 * substitutes them % 23.15e), each then read as ngspice's B-source parser reads numbers
 * (kh_expression_literal, kh_expression_parameter). */
#include "behavioural_reader.h"
#include "expression.h"
#include "parser.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

typedef kh_expr_reader reader;

/* How ngspice reads the brace or quote at r->pos (KH_BRACE_*; 0 for another byte, or where
 * braces group as parentheses). */
static int brace_kind(const reader *r) {
  return r->brace_kind && r->pos < r->end ? r->brace_kind[r->pos - r->s] : 0;
}

static void blanks(reader *r) {
  while (r->pos < r->end && (*r->pos == ' ' || *r->pos == '\t' || brace_kind(r) == KH_BRACE_BLANK))
    r->pos++;
}

/* Consumes `word` (an operator) if the text continues with it. */
static int take(reader *r, const char *word) {
  blanks(r);
  size_t n = strlen(word);
  if ((size_t)(r->end - r->pos) < n || memcmp(r->pos, word, n) != 0) return 0;
  r->pos += n;
  return 1;
}

static uint32_t call(reader *r, kh_xfunction fn, uint32_t a, uint32_t b) {
  return r->st == KH_OK
             ? kh_reader_add(r, (kh_xnode){.op = KH_X_CALL, .fn = (uint8_t)fn, .a = a, .b = b})
             : UINT32_MAX;
}

static uint32_t expression(reader *r);
static uint32_t unary(reader *r);

/* exp and pwr as ngspice 39's PSpice mode computes them in every B source (ptfuncs.c's PTexp
 * and PTpwr, read there): exp(u) linear past u = 14 (EXPMAX (u - 14 + 1), EXPMAX = exp(14) as
 * ngspice writes it), pwr(x, a) with x = 0 moved to gmin 1e-20 where a < 0 (the .options gmin
 * read so far). */
static uint32_t pspice_call(reader *r, kh_xfunction fn, uint32_t a, uint32_t b) {
  if (r->st != KH_OK) return UINT32_MAX;
  uint32_t k[3];
  double gmin = 1e-12;
  kh_netlist_option(r->p->nl, "gmin", &gmin);
  double constants[3] = {14.0, 1202604.284, gmin * 1.0e-20};
  for (int i = 0; i < 3; i++)
    k[i] = kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = constants[i]});
  if (fn == KH_XF_EXP) {
    uint32_t past = kh_reader_binary(r, KH_X_SUB, a, k[0]);
    uint32_t one = kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = 1.0});
    uint32_t line = kh_reader_binary(r, KH_X_MUL, k[1], kh_reader_binary(r, KH_X_ADD, past, one));
    uint32_t above = call(r, KH_XF_GT0, past, 0);
    return kh_reader_add(
        r, (kh_xnode){.op = KH_X_TERN, .a = above, .b = line, .c = call(r, fn, a, 0)});
  }
  uint32_t at_zero =
      kh_reader_binary(r, KH_X_MUL, call(r, KH_XF_EQ0, a, 0), call(r, KH_XF_LT0, b, 0));
  uint32_t x = kh_reader_binary(r, KH_X_ADD, a, kh_reader_binary(r, KH_X_MUL, at_zero, k[2]));
  return call(r, fn, x, b);
}

static int name_char(char c, int first) {
  return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* v(n) or v(n, m) from the '(' on: the node names as ngspice's lexer ends them. */
/* A name in v(...) or i(...), ended as ngspice's lexer ends it: at a blank, comma or parenthesis.
 * Returns its length (0: none), r->pos after it. */
static size_t probe_name(reader *r) {
  while (r->pos < r->end && (*r->pos == ' ' || *r->pos == '\t')) r->pos++; /* a quote stays */
  const char *at = r->pos;
  while (r->pos < r->end && !strchr(" \t,()", *r->pos)) r->pos++;
  for (const char *c = at; c < r->pos; c++) /* the lexer's: no other line could name it */
    if (*c == '\'' || *c == '{' || *c == '}')
      return kh_reader_fail(r, c,
                            "a quote or brace in a name in v(...) or i(...) (ngspice 39 fails on "
                            "the deck)"),
             0;
  return (size_t)(r->pos - at);
}

static uint32_t voltage(reader *r) {
  uint32_t node[2] = {0, 0};
  size_t count = 0;
  do {
    size_t len = probe_name(r);
    const char *at = r->pos - len;
    if (!len) return kh_reader_fail(r, at, "expected a node name in v(...)");
    kh_token t = {at, (uint32_t)len, r->first->off + (uint32_t)(at - r->first->s)};
    if (r->st != KH_OK ||
        (r->st = kh_resolve_node(r->p, r->line, r->scope, &t, &node[count++])) != KH_OK)
      return UINT32_MAX;
  } while (count < 2 && take(r, ","));
  if (!take(r, ")")) return kh_reader_fail(r, r->pos, "expected ')' after v(...)'s nodes");
  uint32_t in[2];
  for (size_t k = 0; k < count; k++) in[k] = kh_reader_input(r, node[k], NULL);
  return count == 1 ? in[0] : kh_reader_binary(r, KH_X_SUB, in[0], in[1]);
}

/* i(name) from the '(' on: the current through voltage source `name` (from its + node through
 * it to its - node), its name flattened as an F's controlling source's is. */
static uint32_t current(reader *r) {
  size_t len = probe_name(r);
  const char *at = r->pos - len;
  if (!len) return kh_reader_fail(r, at, "expected a voltage source's name in i(...)");
  if (!take(r, ")")) return kh_reader_fail(r, r->pos, "expected ')' after i(...)'s source");
  const char *name;
  size_t qualified;
  if (r->st != KH_OK ||
      (r->st = kh_qualify_name(r->p, 'v', r->scope->path, at, len, &name, &qualified)) != KH_OK)
    return UINT32_MAX;
  for (size_t i = 0; i < r->input_count; i++)
    if (r->sources[i] && !strcmp(r->sources[i], name)) return kh_reader_input(r, 0, r->sources[i]);
  const char *kept = kh_arena_strndup(&r->p->nl->arena, name, qualified);
  if (!kept) return r->st = kh_fail_nomem(r->p->ctx, "reading a B source"), UINT32_MAX;
  return kh_reader_input(r, 0, kept);
}

/* A .func's body with its parameters bound to the arguments' nodes, as ngspice expands a .func
 * in a B source's text (measured: sat(x) = min(max(x, -1), 1) reads the same there). */
static uint32_t user_call(reader *r, const char *name, size_t len, const struct kh_func *f,
                          const uint32_t *arg, size_t n) {
  if (n != f->arity)
    return kh_reader_fail(r, name, "'%.*s' takes %zu argument%s, got %zu", (int)len, name, f->arity,
                          f->arity == 1 ? "" : "s", n);
  binding b = {f->params, arg, n, r->bound};
  reader body = *r;
  body.s = body.pos = f->body, body.end = f->body + strlen(f->body);
  body.call = r->call ? r->call : name, body.bound = &b;
  body.brace_kind = NULL; /* the body's own text: its braces group, as its .func card reads */
  uint32_t v = expression(&body);
  blanks(&body);
  if (body.st == KH_OK && body.pos < body.end)
    kh_reader_fail(&body, body.pos, "unexpected text in the body of .func '%.*s'", (int)len, name);
  /* the arrays may have moved: take them back */
  r->nodes = body.nodes, r->count = body.count, r->cap = body.cap;
  r->inputs = body.inputs, r->sources = body.sources, r->input_count = body.input_count;
  r->input_cap = body.input_cap, r->source_cap = body.source_cap, r->st = body.st;
  return v;
}

/* pwl(x, x0, y0, x1, y1, ...) from the '(' on, as ngspice 39 takes it (inpptree.c,
 * prepare_PTF_PWL): the points numbers (a parameter, or a negated number, is one), at least two,
 * the abscissas ascending. x a number crashes ngspice where the expression reads a voltage or a
 * current (`v(a) + pwl(3, ...)`: a segmentation fault, measured; its derivative calls PTpwl
 * without data), refused there (finish, behavioural_reader.c); an expression of numbers alone
 * (`pwl(0.5, -10, -8, 2, 4)`, as ngspice's bxpressn-1 test writes them) ngspice evaluates. A
 * parameter in x, or a negated one among the points, fails ngspice's parse in some decks and not in
 * others (measured: `pwl(kk + v(a), ...)` fails in a deck without subcircuit parameters, and is
 * read in one with them): read, and never written so. */
static uint32_t pwl_call(reader *r, const char *name) {
  uint32_t x = expression(r);
  if (r->st == KH_OK && r->nodes[x].op == KH_X_CONST && !r->constant_pwl) r->constant_pwl = name;
  double *points = NULL;
  size_t count = 0, cap = 0;
  while (r->st == KH_OK && take(r, ",")) {
    blanks(r);
    const char *at = r->pos;
    uint32_t v = expression(r);
    if (r->st != KH_OK) break;
    const kh_xnode *n = &r->nodes[v];
    int negated = n->op == KH_X_CALL && n->fn == KH_XF_UMINUS;
    const kh_xnode *c = negated ? &r->nodes[n->a] : n;
    if (c->op != KH_X_CONST) {
      kh_reader_fail(r, at,
                     "pwl's points must be numbers or parameters (ngspice 39 reads only those)");
      break;
    }
    if (kh_reserve((void **)&points, &cap, count + 1, sizeof *points)) {
      r->st = kh_fail_nomem(r->p->ctx, "reading a B source");
      break;
    }
    points[count++] = negated ? -c->k : c->k;
  }
  if (r->st == KH_OK && !take(r, ")")) kh_reader_fail(r, r->pos, "expected ')' or ','");
  if (r->st == KH_OK && (count < 4 || count % 2))
    kh_reader_fail(r, name, "pwl takes its input and two or more points x, y");
  for (size_t k = 2; r->st == KH_OK && k < count; k += 2)
    if (!(points[k - 2] < points[k])) kh_reader_fail(r, name, "pwl's abscissas must ascend");
  uint32_t first = (uint32_t)r->count, v = UINT32_MAX;
  for (size_t k = 0; r->st == KH_OK && k < count; k++)
    kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = points[k]});
  if (r->st == KH_OK)
    v = kh_reader_add(r,
                      (kh_xnode){.op = KH_X_PWL, .a = x, .b = first, .c = (uint32_t)(count / 2)});
  kh_free(points);
  return v;
}

/* name(args) from the '(' on. */
static uint32_t function_call(reader *r, const char *name, size_t len) {
  if (len == 3 && !memcmp(name, "pwl", 3)) return pwl_call(r, name);
  uint32_t arg[3];
  size_t n = 0;
  uint32_t user = kh_strmap_find(&r->p->func_names, name, len);
  if (user != KH_NOT_FOUND && take(r, ")")) /* f(): a .func of no parameters, as ngspice reads it */
    return user_call(r, name, len, &r->p->funcs[user], arg, 0);
  do {
    if (n == 3) return kh_reader_fail(r, r->pos, "too many arguments");
    arg[n++] = expression(r);
  } while (r->st == KH_OK && take(r, ","));
  if (r->st != KH_OK) return UINT32_MAX;
  if (!take(r, ")")) return kh_reader_fail(r, r->pos, "expected ')' or ','");
  if (user != KH_NOT_FOUND) return user_call(r, name, len, &r->p->funcs[user], arg, n);
  if (len == 11 && !memcmp(name, "ternary_fcn", 11)) {
    if (n != 3) return kh_reader_fail(r, name, "ternary_fcn takes three arguments");
    return kh_reader_add(r, (kh_xnode){.op = KH_X_TERN, .a = arg[0], .b = arg[1], .c = arg[2]});
  }
  for (int fn = 0; fn < KH_XF_COUNT; fn++) {
    if (fn == KH_XF_UMINUS || strlen(kh_xfunction_names[fn]) != len ||
        memcmp(kh_xfunction_names[fn], name, len))
      continue;
    size_t want = fn >= KH_XF_POW ? 2 : 1;
    if (n != want)
      return kh_reader_fail(r, name, "'%.*s' takes %s", (int)len, name,
                            want == 2 ? "two arguments" : "one argument");
    if ((r->p->src.compat & KH_COMPAT_LT) && fn == KH_XF_POW)
      return kh_reader_ltspice_power(r, arg[0], arg[1], name);
    if ((r->p->src.compat & KH_COMPAT_PS) && (fn == KH_XF_EXP || fn == KH_XF_PWR))
      return pspice_call(r, (kh_xfunction)fn, arg[0], arg[1]);
    return call(r, (kh_xfunction)fn, arg[0], n == 2 ? arg[1] : 0);
  }
  return kh_reader_fail(
      r, name, "unknown function '%.*s' in a B source (ngspice 39's are listed in docs/netlist.md)",
      (int)len, name);
}

/* A name alone: a parameter, then ngspice's constants e and pi, time and hertz (0 at DC). */
static uint32_t named_value(reader *r, const char *name, size_t len) {
  for (const binding *b = r->bound; b; b = b->outer)
    for (size_t k = 0; k < b->count; k++)
      if (strlen(b->names[k]) == len && !memcmp(b->names[k], name, len)) return b->nodes[k];
  double v;
  int found = kh_param_value(r->p, r->scope, name, len, &v);
  if (found == KH_PARAM_TEMPER_GLOBAL)
    return kh_reader_fail(r, name,
                          "'%.*s' is a global .param reading temper: ngspice 39 leaves it "
                          "undefined in a subcircuit; define it there, or as a .func",
                          (int)len, name);
  if (found == KH_PARAM_DRAWN)
    return kh_reader_fail(r, name,
                          "'%.*s' is a random draw (agauss ...: ngspice draws a new one per run); "
                          "kirchhoff does not draw parameters: write the value",
                          (int)len, name);
  if (found) return kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = kh_expression_parameter(v)});
  static const struct {
    const char *name;
    double value;
  } known[] = {
      {"e", 2.718281828459045235}, {"pi", 3.141592653589793238}, {"time", 0}, {"hertz", 0}};
  for (size_t k = 0; k < sizeof known / sizeof *known; k++)
    if (strlen(known[k].name) == len && !memcmp(known[k].name, name, len))
      return kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = known[k].value});
  return kh_reader_fail(r, name, "unknown name '%.*s' (not a parameter)", (int)len, name);
}

static uint32_t primary(reader *r) {
  if (r->st != KH_OK) return UINT32_MAX; /* after an error nothing more is read */
  blanks(r);
  const char *at = r->pos;
  if (r->pos == r->end) return kh_reader_fail(r, at, "the expression ends where a value should be");
  static const char *const close[] = {")", "}", "'"};
  const char *open = strchr("({'", *r->pos);
  if (brace_kind(r) == KH_BRACE_OPEN) { /* braces inside braces that ngspice makes parentheses */
    char want = *r->pos == '{' ? '}' : '\'';
    r->pos++;
    uint32_t v = expression(r);
    blanks(r);
    if (r->st == KH_OK && brace_kind(r) != KH_BRACE_CLOSE)
      return kh_reader_fail(r, r->pos, "expected '%c'", want);
    r->pos++;
    return v;
  }
  if (open && *open && (*r->pos == '(' || !r->brace_kind)) { /* braces group as parentheses do */
    r->pos++;
    uint32_t v = expression(r);
    const char *want = close[open - "({'"];
    if (r->st == KH_OK && !take(r, want)) return kh_reader_fail(r, r->pos, "expected '%s'", want);
    return v;
  }
  if (name_char(*r->pos, 1)) {
    while (r->pos < r->end && name_char(*r->pos, 0)) r->pos++;
    size_t len = (size_t)(r->pos - at);
    if (!take(r, "(")) return named_value(r, at, len);
    if (len == 1 && *at == 'v') return voltage(r);
    if (len == 1 && *at == 'i') return current(r);
    return function_call(r, at, len);
  }
  double v;
  size_t used = 0, bad = 0;
  kh_number_error e = kh_scan_number(r->pos, (size_t)(r->end - r->pos), &v, &used, &bad);
  if (e != KH_NUM_OK) return kh_reader_fail(r, r->pos + bad, "%s", kh_number_error_text(e));
  r->pos += used;
  if (r->pos < r->end && *r->pos >= '0' && *r->pos <= '9') /* 4k7: ngspice reads 4k, then fails */
    return kh_reader_fail(r, r->pos, "digits after the suffix (write 4.7k, not 4k7)");
  return kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = kh_expression_literal(v)});
}

/* What follows '^': a signed operand reaches over further '^' (a^-b^c is a^(-(b^c))). */
static uint32_t power(reader *r) {
  uint32_t v = primary(r);
  while (r->st == KH_OK && (take(r, "^") || take(r, "**"))) {
    blanks(r);
    const char *at = r->pos;
    uint32_t rhs = r->pos < r->end && strchr("-+!", *r->pos) ? unary(r) : primary(r);
    v = r->p->src.compat & KH_COMPAT_LT ? kh_reader_ltspice_power(r, v, rhs, at)
                                        : kh_reader_binary(r, KH_X_POW, v, rhs);
  }
  return v;
}

static uint32_t unary(reader *r) {
  if (++r->depth > MAX_DEPTH) return kh_reader_fail(r, r->pos, "expression nested too deeply");
  uint32_t v;
  if (take(r, "-")) {
    size_t before = r->count;
    v = unary(r);
    /* a number or parameter negated is a number, as ngspice's parser folds it (inpptree.c's mkf),
     * and as kirchhoff writes a negative constant back: "-0.001" reads as it was written */
    if (r->st == KH_OK && v == before && r->count == before + 1 && r->nodes[v].op == KH_X_CONST)
      r->nodes[v].k = -r->nodes[v].k;
    else
      v = call(r, KH_XF_UMINUS, v, 0);
  } else if (take(r, "!=")) /* not a unary '!' */
    v = kh_reader_fail(r, r->pos - 2, "'!=' where a value should be");
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
    v = kh_reader_binary(r, op, v, unary(r));
  }
}

static uint32_t sum(reader *r) {
  uint32_t v = product(r);
  for (;;) {
    if (r->st != KH_OK) return v;
    if (take(r, "+"))
      v = kh_reader_binary(r, KH_X_ADD, v, product(r));
    else if (take(r, "-"))
      v = kh_reader_binary(r, KH_X_SUB, v, product(r));
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
    v = call(r, fn, kh_reader_binary(r, KH_X_SUB, v, rhs), 0);
  }
  return v;
}

static uint32_t logical(reader *r, int is_or) {
  uint32_t v = is_or ? logical(r, 0) : compare(r, 1);
  kh_xfunction each = is_or ? KH_XF_NE0 : KH_XF_EQ0;
  while (r->st == KH_OK && take(r, is_or ? "||" : "&&")) {
    uint32_t rhs = is_or ? logical(r, 0) : compare(r, 1);
    v = call(r, each, kh_reader_binary(r, KH_X_ADD, call(r, each, v, 0), call(r, each, rhs, 0)), 0);
  }
  return v;
}

static uint32_t expression(reader *r) {
  if (++r->depth > MAX_DEPTH) return kh_reader_fail(r, r->pos, "expression nested too deeply");
  uint32_t v = logical(r, 1);
  if (r->st == KH_OK && take(r, "?")) {
    uint32_t a = expression(r);
    if (r->st == KH_OK && !take(r, ":")) return kh_reader_fail(r, r->pos, "expected ':' of '?'");
    uint32_t b = expression(r);
    v = r->st == KH_OK ? kh_reader_add(r, (kh_xnode){.op = KH_X_TERN, .a = v, .b = a, .c = b})
                       : UINT32_MAX;
  }
  r->depth--;
  return v;
}

/* The words after a B card's expression, from token k on (ngspice 39's asrc.c parameters). */
static kh_status card_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t k,
                            const kh_scope *s, kh_xwords *w) {
  const kh_token *t = tok->items;
  static const char *const names[] = {"tc1", "tc2",        "temp",     "dtemp",
                                      "m",   "reciproctc", "reciprocm"};
  for (; k < tok->count; k += 3) {
    size_t which = 0;
    while (which < 7 && !kh_token_eq(&t[k], names[which])) which++;
    if (which == 7)
      return kh_token_fail(p, line, &t[k],
                           "unexpected '%.*s' after the expression (a B source's words: tc1, tc2, "
                           "temp, dtemp, m, reciproctc, reciprocm)",
                           (int)t[k].len, t[k].s);
    if (k + 2 >= tok->count || !kh_token_eq(&t[k + 1], "="))
      return kh_token_fail(p, line, &t[k], "'%s' needs '=' and a value", names[which]);
    double v;
    kh_status st = kh_eval_token(p, line, &t[k + 2], s, &v);
    if (st != KH_OK) return st;
    if (which >= 5 && v != 0 && v != 1)
      return kh_token_fail(p, line, &t[k + 2], "'%s' is 0 or 1", names[which]);
    double *slot[] = {&w->tc1, &w->tc2, &w->temp, &w->dtemp, &w->m};
    if (which < 5) *slot[which] = v;
    if (which == 2) w->has_temp = 1;
    if (which == 5) w->reciproctc = (uint8_t)v;
    if (which == 6) w->reciprocm = (uint8_t)v;
  }
  if (w->reciprocm && w->m == 0)
    return kh_token_fail(p, line, &t[0], "'%.*s': reciprocm=1 with m=0 divides by zero",
                         (int)t[0].len, t[0].s);
  return KH_OK;
}

/* How the expression stands on its line: a B card's (its words may follow), an E's or G's
 * value=, an E's or G's TABLE (its points follow), a resistance (the current is v(a, b) over
 * it). */
enum { B_CARD, VALUE, TABLE, RESISTANCE };

/* One number of a TABLE's points: a number with its suffix, no parameter (ngspice 39's parse
 * fails on one, braced or not; measured). */
static int table_number(reader *r, double *v) {
  blanks(r);
  size_t used = 0, bad = 0;
  kh_number_error e = kh_scan_number(r->pos, (size_t)(r->end - r->pos), v, &used, &bad);
  if (e != KH_NUM_OK) {
    kh_reader_fail(r, r->pos + bad, "%s (a TABLE's points are numbers)", kh_number_error_text(e));
    return 0;
  }
  r->pos += used;
  if (r->pos < r->end && *r->pos >= '0' && *r->pos <= '9')
    return kh_reader_fail(r, r->pos, "digits after the suffix (write 4.7k, not 4k7)"), 0;
  return 1;
}

/* An E or G TABLE's points after its expression, as ngspice 39 takes them (inpcom.c's
 * inp_compat, read there, and measured): an optional '=', then numbers, which it pairs as x and
 * y, blanks, commas and parentheses between them all alike (`((0,0)(1,2)` and Microchip's
 * `((-1,-1n)(0,0)(3.4k,1n))(3.5k,1))` read as their numbers); at least two points, the
 * abscissas ascending (ngspice makes one point a constant, and answers nonsense for points out
 * of order: refused), their count even (ngspice drops an odd last one with "Missing token":
 * refused). Into *xy (x0, y0, x1, ...), *count numbers. */
static void table_points(reader *r, const char *card, double **xy, size_t *count) {
  take(r, "=");
  size_t cap = 0;
  while (r->st == KH_OK) {
    while (r->pos < r->end && strchr(" \t,()", *r->pos)) r->pos++;
    if (r->pos >= r->end) break;
    if (kh_reserve((void **)xy, &cap, *count + 1, sizeof **xy)) {
      r->st = kh_fail_nomem(r->p->ctx, "reading a TABLE");
      break;
    }
    if (table_number(r, *xy + *count)) ++*count;
  }
  if (r->st == KH_OK && *count % 2)
    kh_reader_fail(r, card,
                   "a TABLE's numbers come in pairs (x, y), and these are %zu (ngspice 39 drops "
                   "the last with \"Missing token\")",
                   *count);
  if (r->st == KH_OK && *count < 4)
    kh_reader_fail(r, card, "a TABLE takes two or more points (x, y) after its expression");
  for (size_t k = 2; r->st == KH_OK && k < *count; k += 2)
    if (!((*xy)[k - 2] < (*xy)[k]))
      kh_reader_fail(r, card, "a TABLE's abscissas must ascend (%g after %g)", (*xy)[k],
                     (*xy)[k - 2]);
}

/* Whether s[0, n) holds `=pwl(`, blanks aside. */
static int equals_pwl(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '=') continue;
    const char *want = "pwl(";
    for (size_t j = i + 1; j < n && *want; j++)
      if (s[j] == *want)
        want++;
      else if (s[j] != ' ' && s[j] != '\t')
        break;
    if (!*want) return 1;
  }
  return 0;
}

/* Whether ngspice 39 leaves the braces of this expression (token `at` on, in form `form`) to
 * its parameter evaluation, grouping as parentheses do: on a B line that holds `=pwl(`, blanks
 * aside, which inp_bsource_compat skips (an E's or G's VALUE becomes `v = VALUE`). */
static int numparam_braces(kh_parser *p, uint32_t line, const kh_token *at, int form) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  if (form == B_CARD) return equals_pwl(text, strlen(text));
  if (form != VALUE) return 0;
  char head[8] = "=";
  size_t n = 1;
  for (uint32_t k = 0; k < at->len && n < 6; k++)
    if (at->s[k] != ' ' && at->s[k] != '\t') head[n++] = at->s[k];
  return equals_pwl(head, n);
}

/* The element named `name` between tokens a and b whose value is the expression from token
 * `from` to the end of the line (or, for a B card, to its words; for a TABLE, to its points,
 * into *points, whose xy the caller frees). */
static kh_status behavioural_element(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                     const kh_scope *s, kh_element_kind kind, const kh_token *name,
                                     const kh_token *a, const kh_token *b, size_t from, int form,
                                     kh_curve *points, kh_xwords words) {
  const kh_token *t = tok->items;
  kh_elem e = {.kind = kind, .model = KH_NOT_FOUND, .value = 1};
  kh_status st = kh_resolve_node(p, line, s, a, &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, b, &e.node[1]);
  if (st != KH_OK) return st;
  const kh_token *last = &t[tok->count - 1];
  reader r = {.p = p,
              .line = line,
              .scope = s,
              .s = t[from].s,
              .end = last->s + last->len,
              .pos = t[from].s,
              .first = &t[from],
              .words = words};
  if (form != TABLE && !numparam_braces(p, line, &t[from], form))
    kh_reader_brace_kinds(&r, kh_inner_braces_group(p, line, s));
  if (form == TABLE && t[from].s[0] != '{' && t[from].s[0] != '\'')
    kh_reader_fail(&r, t[from].s,
                   "a TABLE's expression in braces or quotes (ngspice 39 reads a bare one "
                   "as a constant)");
  uint32_t across = 0; /* v(a, b) of a resistance, first: as its written text reads back */
  if (form == RESISTANCE)
    across = kh_reader_binary(&r, KH_X_SUB, kh_reader_input(&r, e.node[0], NULL),
                              kh_reader_input(&r, e.node[1], NULL));
  uint32_t root = expression(&r);
  double *xy = NULL;
  size_t count = 0;
  if (form == TABLE) table_points(&r, t[from].s, &xy, &count);
  if (points) points->xy = xy, points->points = count / 2;
  if (form == RESISTANCE) root = kh_reader_binary(&r, KH_X_DIV, across, root);
  blanks(&r);
  size_t k = from; /* the token the expression ends before, where words may follow */
  while (k < tok->count && t[k].s < r.pos) k++;
  if (r.st == KH_OK && r.pos < r.end && (form != B_CARD || k == tok->count || t[k].s != r.pos))
    kh_reader_fail(&r, r.pos, "unexpected '%.*s' after the %s",
                   (int)((r.end - r.pos) > 20 ? 20 : (r.end - r.pos)), r.pos,
                   form == TABLE ? "points" : "expression");
  else if (r.st == KH_OK && r.pos < r.end)
    r.st = card_words(p, line, tok, k, s, &r.words);
  return kh_reader_finish(&r, root, name, e);
}

kh_status kh_behavioural_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *s) {
  const kh_token *t = tok->items;
  int voltage_source = tok->count > 3 && kh_token_eq(&t[3], "v");
  if (tok->count < 6 || !(voltage_source || kh_token_eq(&t[3], "i")) || !kh_token_eq(&t[4], "="))
    return kh_token_fail(p, line, &t[tok->count < 4 ? tok->count - 1 : 3],
                         "'%.*s' needs two nodes and I=expression or V=expression", (int)t[0].len,
                         t[0].s);
  return behavioural_element(p, line, tok, s, voltage_source ? KH_BEHAVIOURAL_V : KH_BEHAVIOURAL_I,
                             &t[0], &t[1], &t[2], 5, B_CARD, NULL, (kh_xwords){.m = 1});
}

/* As ngspice 39's front end rewrites `e1 n+ n- value={expr}` (its listing, measured): `e1 n+ n-
 * e1_int1 0 1` and `be1 e1_int1 0 v=expr`, a G the same with its VCCS of gain 1; so the node
 * e1_int1 and the source be1 are the deck's too, as in ngspice. `e1 n+ n- table {expr} = (x,
 * y) ...`: the same E, `be1 e1_int2 0 v=expr`, and the XSPICE pwl instance ae1 from e1_int2 to
 * e1_int1 (kirchhoff's `ae1 e1_int1 0 v=table(v(e1_int2))`). */
kh_status kh_behavioural_value(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                               size_t from, int table) {
  const kh_token *t = tok->items;
  if (tok->count <= from)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         table ? "'%.*s': an expression and points after TABLE"
                               : "'%.*s': an expression after '='",
                         (int)t[0].len, t[0].s);
  char inner[224], source[224], computed[224], pwl[224];
  kh_token node, name, ground = {"0", 1, t[0].off}, at, curve;
  kh_status st = kh_derived_name(p, line, &t[0], "", "_int1", inner, sizeof inner, &node);
  if (st == KH_OK) st = kh_derived_name(p, line, &t[0], "b", "", source, sizeof source, &name);
  if (st == KH_OK && table) /* be1 computes the expression at e1_int2, ae1 the curve at e1_int1 */
    st = kh_derived_name(p, line, &t[0], "", "_int2", computed, sizeof computed, &at);
  if (st == KH_OK && table) st = kh_derived_name(p, line, &t[0], "a", "", pwl, sizeof pwl, &curve);
  kh_elem e = {.kind = t[0].s[0] == 'e' ? KH_VCVS : KH_VCCS, .model = KH_NOT_FOUND, .value = 1};
  /* a last `m = M`, where ngspice 39 puts it (measured with m=2): a G's on the G of gain 1
   * (g1_int1 keeps the expression's value, the output doubles), an E's on its B source (e1_int1
   * doubles: ngspice's E takes no m=); on an E TABLE, unmeasured, refused as a word after the
   * points, and so is a second m= (ngspice multiplies them) */
  kh_tokens words = *tok;
  double m = 1;
  if (tok->count >= from + 4 && kh_token_eq(&t[tok->count - 3], "m") &&
      kh_token_eq(&t[tok->count - 2], "=") && !(table && e.kind == KH_VCVS)) {
    if (st == KH_OK) st = kh_eval_token(p, line, &t[tok->count - 1], s, &m);
    words.count -= 3;
  }
  if (e.kind == KH_VCCS) e.value = m, m = 1;
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &node, &e.ctrl[0]);
  if (st == KH_OK) st = kh_add_element(p, line, &t[0], s, e);
  if (st == KH_OK) p->controlled_count++;
  /* a TABLE's curve: ngspice's pwl instance, rounding a tenth of the segments, its ends held */
  kh_curve c = {NULL, 0, 0.1, 1, 1};
  kh_curve_ports ports = {{0, 0}, {e.ctrl[0], 0}, NULL, 0}; /* node 0: ground */
  if (st == KH_OK)
    st = behavioural_element(p, line, &words, s, KH_BEHAVIOURAL_V, &name, table ? &at : &node,
                             &ground, from, table ? TABLE : VALUE, table ? &c : NULL,
                             (kh_xwords){.m = m});
  if (st == KH_OK && table) st = kh_xspice_name(p, line, &t[0], s);
  if (st == KH_OK && table) st = kh_resolve_node(p, line, s, &at, &ports.in[0]);
  if (st == KH_OK && table) st = kh_xspice_port_node(p, line, &t[0], ports.in[0]);
  if (st == KH_OK && table) st = kh_behavioural_curve(p, line, s, &curve, &ports, &c, KH_NOT_FOUND);
  kh_free((void *)c.xy);
  return st;
}

int kh_reads_solution(const kh_token *t) {
  if (t->len < 2 || (t->s[0] != '{' && t->s[0] != '\'')) return 0;
  for (size_t k = 1; k + 1 < t->len; k++) {
    if ((t->s[k] != 'v' && t->s[k] != 'i') || name_char(t->s[k - 1], 0)) continue;
    size_t next = k + 1;
    while (next < t->len && (t->s[next] == ' ' || t->s[next] == '\t')) next++;
    if (next < t->len && t->s[next] == '(') return 1;
  }
  return 0;
}

/* As ngspice 39's front end rewrites `r20 1 0 '1k*v(200)'` (its listing, measured): the B source
 * `br20 1 0 i=v(1, 0) / (1k*v(200))`, so the current is the voltage over the expression (token
 * `at`), with the words the rewrite keeps (b_rewrites.c). */
kh_status kh_behavioural_resistor(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at,
                                  const kh_scope *s, kh_xwords words) {
  const kh_token *t = tok->items;
  char source[224];
  kh_token name;
  kh_tokens expression = *tok;
  expression.count = at + 1; /* the expression alone: the words were read */
  kh_status st = kh_derived_name(p, line, &t[0], "b", "", source, sizeof source, &name);
  return st == KH_OK ? behavioural_element(p, line, &expression, s, KH_BEHAVIOURAL_I, &name, &t[1],
                                           &t[2], at, RESISTANCE, NULL, words)
                     : st;
}

kh_status kh_behavioural_check(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s) {
  reader r = {
      .p = p, .line = line, .scope = s, .s = t->s, .end = t->s + t->len, .pos = t->s, .first = t};
  expression(&r);
  blanks(&r);
  if (r.st == KH_OK && r.pos < r.end)
    kh_reader_fail(&r, r.pos, "unexpected '%.*s' after the expression",
                   (int)((r.end - r.pos) > 20 ? 20 : (r.end - r.pos)), r.pos);
  kh_free(r.nodes), kh_free(r.inputs), kh_free(r.sources);
  return r.st;
}
