#include "expr.h"

#include "lexer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 200 }; /* bounds recursion on inputs like "((((((..." */

typedef struct {
  const char *s;
  size_t len, pos;
  int depth;
  kh_param_lookup lookup;
  void *user;
  kh_expr_error *err;
  kh_function_lookup functions;
  void *function_user; /* what `functions` is asked with (the outermost user) */
} parser;

/* A user function's arguments bound to its parameter names, in front of the caller's scope. */
typedef struct {
  const kh_user_function *f;
  const double *args;
  kh_param_lookup outer;
  void *outer_user;
} binding;

static int bound_lookup(void *user, const char *name, size_t len, double *value) {
  const binding *b = user;
  for (size_t k = 0; k < b->f->arity; k++)
    if (strlen(b->f->params[k]) == len && memcmp(b->f->params[k], name, len) == 0) {
      *value = b->args[k];
      return 1;
    }
  return b->outer && b->outer(b->outer_user, name, len, value);
}

static int fail(parser *p, size_t at, const char *what) {
  p->err->offset = at;
  snprintf(p->err->message, sizeof p->err->message, "%s", what);
  return -1;
}

static void skip_blanks(parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')) p->pos++;
}

static int peek(parser *p) {
  skip_blanks(p);
  return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int is_ident_start(int c) {
  return (c >= 'a' && c <= 'z') || c == '_';
}
static int is_ident(int c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int parse_sum(parser *p, double *out);
static int parse_expr(parser *p, double *out);
static int parse_unary(parser *p, double *out);

/* ngspice's expression functions, with its semantics where they differ from C's (checked
 * against ngspice 39's .param values): log is the natural logarithm, int truncates, nint rounds
 * halves to even, pwr(x, y) = |x|^y. */
static double square(double x) {
  return x * x;
}

static double sgn(double x) {
  return (x > 0) - (x < 0);
}
static double pwr(double x, double y) {
  return pow(fabs(x), y);
}
static double ternary(double c, double a, double b) {
  return c != 0 ? a : b;
}

static const struct {
  const char *name;
  int arity;
  double (*f1)(double);
  double (*f2)(double, double);
  double (*f3)(double, double, double);
} functions[] = {
    {"sqrt", 1, sqrt, 0, 0},   {"exp", 1, exp, 0, 0},     {"ln", 1, log, 0, 0},
    {"log", 1, log, 0, 0},     {"log10", 1, log10, 0, 0}, {"abs", 1, fabs, 0, 0},
    {"sin", 1, sin, 0, 0},     {"cos", 1, cos, 0, 0},     {"tan", 1, tan, 0, 0},
    {"asin", 1, asin, 0, 0},   {"acos", 1, acos, 0, 0},   {"atan", 1, atan, 0, 0},
    {"arctan", 1, atan, 0, 0}, {"sqr", 1, square, 0, 0},  {"sinh", 1, sinh, 0, 0},
    {"cosh", 1, cosh, 0, 0},   {"tanh", 1, tanh, 0, 0},   {"asinh", 1, asinh, 0, 0},
    {"acosh", 1, acosh, 0, 0}, {"atanh", 1, atanh, 0, 0}, {"floor", 1, floor, 0, 0},
    {"ceil", 1, ceil, 0, 0},   {"int", 1, trunc, 0, 0},   {"nint", 1, rint, 0, 0},
    {"sgn", 1, sgn, 0, 0},     {"pow", 2, 0, pow, 0},     {"pwr", 2, 0, pwr, 0},
    {"min", 2, 0, fmin, 0},    {"max", 2, 0, fmax, 0},    {"ternary_fcn", 3, 0, 0, ternary}};

enum { MAX_ARGS = 16 };

/* Arguments of a call, p->pos at the '(': up to MAX_ARGS, into arg; returns their count or -1. */
static int parse_arguments(parser *p, double *arg) {
  int n = 0;
  p->pos++;           /* '(' */
  if (peek(p) == ')') /* f(): a .func of no parameters, as ngspice 39 calls one (measured) */
    return p->pos++, 0;
  for (;;) {
    if (n == MAX_ARGS) return fail(p, p->pos, "too many arguments");
    if (parse_expr(p, &arg[n++])) return -1;
    int c = peek(p);
    if (c == ')') break;
    if (c != ',') return fail(p, p->pos, "expected ',' or ')'");
    p->pos++;
  }
  p->pos++;
  return n;
}

/* A .func call: its body evaluated with the arguments bound to its parameter names. */
static int call_user(parser *p, size_t at, const kh_user_function *f, double *out) {
  double arg[MAX_ARGS];
  int n = parse_arguments(p, arg);
  if (n < 0) return -1;
  if ((size_t)n != f->arity) {
    char msg[160];
    snprintf(msg, sizeof msg, "function takes %zu argument%s, got %d", f->arity,
             f->arity == 1 ? "" : "s", n);
    return fail(p, at, msg);
  }
  binding b = {f, arg, p->lookup, p->user};
  kh_expr_error inner;
  parser q = {f->body,      f->body_len,     0, p->depth + 8, bound_lookup, &b, &inner,
              p->functions, p->function_user};
  /* checked with room to spare, so that a recursive .func ends here rather than in the nesting
   * check of the expressions between its calls */
  if (q.depth > MAX_DEPTH - 16)
    return fail(p, at, "functions call each other too deeply (a .func that calls itself?)");
  if (parse_expr(&q, out) || (peek(&q) >= 0 && fail(&q, q.pos, "unexpected character"))) {
    char msg[160];
    const char *prefix = "in its body: "; /* once, however deep the calls went */
    snprintf(msg, sizeof msg, "%s%.120s",
             strncmp(inner.message, prefix, strlen(prefix)) == 0 ? "" : prefix, inner.message);
    return fail(p, at, msg);
  }
  return 0;
}

int kh_expr_is_builtin(const char *name, size_t len) {
  for (size_t k = 0; k < sizeof functions / sizeof functions[0]; k++)
    if (strlen(functions[k].name) == len && memcmp(functions[k].name, name, len) == 0) return 1;
  return 0;
}

/* name(args) with the name at [at, end); p->pos is at the '('. */
static int parse_call(parser *p, size_t at, size_t end, double *out) {
  kh_user_function user;
  if (p->functions && p->functions(p->function_user, p->s + at, end - at, &user))
    return call_user(p, at, &user, out);
  size_t k = 0, nf = sizeof functions / sizeof functions[0];
  while (k < nf && !(strlen(functions[k].name) == end - at &&
                     memcmp(functions[k].name, p->s + at, end - at) == 0))
    k++;
  if (k == nf) {
    char msg[160];
    static const char *const random[] = {"agauss", "gauss", "aunif", "unif", "limit"};
    int is_random = 0;
    for (size_t r = 0; r < sizeof random / sizeof random[0]; r++)
      is_random |= strlen(random[r]) == end - at && memcmp(random[r], p->s + at, end - at) == 0;
    if (is_random)
      snprintf(msg, sizeof msg,
               "'%.*s' draws a random value (ngspice: a new one per run); kirchhoff does not "
               "draw parameters, write the value",
               (int)(end - at), p->s + at);
    else if (end - at == 1 && (p->s[at] == 'v' || p->s[at] == 'i'))
      /* ngspice turns such an element into a behavioural source (B) */
      snprintf(
          msg, sizeof msg,
          "'%c(...)' reads the solution: kirchhoff reads that in B sources, E and G value= and "
          "a resistance right after its nodes",
          p->s[at]);
    else
      snprintf(msg, sizeof msg, "unknown function '%.*s' (docs/netlist.md lists them)",
               (int)(end - at > 60 ? 60 : end - at), p->s + at);
    return fail(p, at, msg);
  }
  double arg[MAX_ARGS];
  int n = parse_arguments(p, arg);
  if (n < 0) return -1;
  if (n != functions[k].arity) {
    /* ngspice 39 does not refuse a wrong count: it reads the first and the last argument, and
     * a lone one with 1 (measured: max(3,5,2) = 3, max(0.5) = 1, sqrt(4,9) = 3) */
    char msg[160];
    snprintf(msg, sizeof msg,
             "'%s' takes %d argument%s, got %d (ngspice 39 reads another count quietly and "
             "oddly: max(3,5,2) is 3 there, max(0.5) is 1)",
             functions[k].name, functions[k].arity, functions[k].arity > 1 ? "s" : "", n);
    return fail(p, at, msg);
  }
  *out = n == 1   ? functions[k].f1(arg[0])
         : n == 2 ? functions[k].f2(arg[0], arg[1])
                  : functions[k].f3(arg[0], arg[1], arg[2]);
  if (!isfinite(*out)) return fail(p, at, "function value is not a finite number");
  return 0;
}

static int parse_primary(parser *p, double *out) {
  int c = peek(p);
  size_t at = p->pos;
  if (c == '(') {
    p->pos++;
    if (parse_expr(p, out)) return -1;
    if (peek(p) != ')') return fail(p, p->pos, "expected ')'");
    p->pos++;
    return 0;
  }
  if ((c >= '0' && c <= '9') || c == '.') {
    size_t used = 0, bad = 0;
    kh_number_error e = kh_scan_number(p->s + at, p->len - at, out, &used, &bad);
    if (e != KH_NUM_OK) return fail(p, at + bad, kh_number_error_text(e));
    p->pos = at + used;
    return 0;
  }
  if (is_ident_start(c)) {
    size_t end = at;
    while (end < p->len && is_ident(p->s[end])) end++;
    p->pos = end;
    if (peek(p) == '(') return parse_call(p, at, end, out);
    if (!p->lookup || !p->lookup(p->user, p->s + at, end - at, out)) {
      char msg[120];
      snprintf(msg, sizeof msg, "unknown parameter '%.*s'", (int)(end - at > 60 ? 60 : end - at),
               p->s + at);
      return fail(p, at, msg);
    }
    return 0;
  }
  if (c < 0) return fail(p, p->pos, "expression ends where a value was expected");
  return fail(p, at, "expected a number, a parameter or '('");
}

/* An exponent: a primary, maybe after one sign ('-', '+' or '!'), as ngspice 39 reads 2^-1^2
 * (measured: (2^-1)^2 = 0.25). */
static int parse_exponent(parser *p, double *out) {
  int c = peek(p);
  if (c == '-' || c == '+' || c == '!') p->pos++;
  if (parse_primary(p, out)) return -1;
  if (c == '-') *out = -*out;
  if (c == '!') *out = *out == 0;
  return 0;
}

/* Powers chain left to right, as ngspice 39's .param and {...} values read them (measured:
 * 2^3^2 = 64 and 4^0.5^2 = 4, where the B source's parser agrees; until 2026-12-05 kirchhoff
 * read them right to left, 512). */
static int parse_power(parser *p, double *out) {
  if (parse_primary(p, out)) return -1;
  for (;;) {
    int c = peek(p);
    size_t at = p->pos;
    int two_stars = c == '*' && p->pos + 1 < p->len && p->s[p->pos + 1] == '*';
    if (c != '^' && !two_stars) return 0;
    p->pos += two_stars ? 2 : 1;
    double exponent;
    if (parse_exponent(p, &exponent)) return -1;
    *out = pow(*out, exponent);
    if (!isfinite(*out)) return fail(p, at, "power is not a finite number");
  }
}

/* A sign or '!' before a value, once: ngspice 39 reads two in a row its own way (measured:
 * 2*--3 = -6, --2^2 = -4), so kirchhoff refuses them rather than differ. */
static int parse_unary(parser *p, double *out) {
  if (++p->depth > MAX_DEPTH) return fail(p, p->pos, "expression nested too deeply");
  int c = peek(p), r;
  if (c == '-' || c == '+' || c == '!') { /* '!' is logical not: 1 for 0, else 0 */
    size_t at = p->pos++;
    int next = peek(p);
    if (next == '-' || next == '+' || next == '!')
      return fail(p, at,
                  "two signs in a row: ngspice 39 reads them its own way (2*--3 gives -6 "
                  "there); write parentheses");
    r = parse_power(p, out);
    if (c == '-') *out = -*out;
    if (c == '!') *out = *out == 0;
  } else {
    r = parse_power(p, out);
  }
  p->depth--;
  return r;
}

/* Products, quotients and remainders, left to right; '%' is C's fmod, the dividend's sign, as
 * ngspice 39 computes it (measured: -7%2 = -1, 7%-2 = 1, 7%0.3 = 0.1). */
static int parse_product(parser *p, double *out) {
  if (parse_unary(p, out)) return -1;
  for (;;) {
    int c = peek(p);
    size_t at = p->pos;
    if ((c != '*' && c != '/' && c != '%') || (c == '*' && at + 1 < p->len && p->s[at + 1] == '*'))
      return 0;
    p->pos++;
    double rhs;
    if (parse_unary(p, &rhs)) return -1;
    if (c != '*' && rhs == 0)
      return fail(p, at, c == '/' ? "division by zero" : "remainder of a division by zero");
    *out = c == '*' ? *out * rhs : c == '/' ? *out / rhs : fmod(*out, rhs);
    if (!isfinite(*out)) return fail(p, at, "result is not a finite number");
  }
}

static int parse_sum(parser *p, double *out) {
  if (++p->depth > MAX_DEPTH) return fail(p, p->pos, "expression nested too deeply");
  if (parse_product(p, out)) return -1;
  for (;;) {
    int c = peek(p);
    size_t at = p->pos;
    if (c != '+' && c != '-') break;
    p->pos++;
    double rhs;
    if (parse_product(p, &rhs)) return -1;
    *out = c == '+' ? *out + rhs : *out - rhs;
    if (!isfinite(*out)) return fail(p, at, "result is not a finite number");
  }
  p->depth--;
  return 0;
}

int kh_expr_eval(const char *s, size_t len, kh_param_lookup lookup, void *user, double *out,
                 kh_expr_error *err) {
  return kh_expr_eval_functions(s, len, lookup, NULL, user, out, err);
}

/* Comparisons and logic, as ngspice's .if and ?: read them: 1 for true, 0 for false. */
static int match(parser *p, const char *op) {
  size_t n = strlen(op);
  peek(p);
  if (p->pos + n > p->len || memcmp(p->s + p->pos, op, n) != 0) return 0;
  if (n == 1 && (op[0] == '<' || op[0] == '>') && p->pos + 1 < p->len && p->s[p->pos + 1] == '=')
    return 0; /* '<' of '<=' */
  p->pos += n;
  return 1;
}

static int parse_comparison(parser *p, double *out) {
  if (parse_sum(p, out)) return -1;
  /* a lone '=' is equality too, as ngspice reads it (its own tests write .elseif (x = 2)) */
  static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", "="};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    if (!match(p, ops[k])) continue;
    double rhs;
    if (parse_sum(p, &rhs)) return -1;
    double a = *out;
    *out = k == 0 || k == 6 ? a == rhs
           : k == 1         ? a != rhs
           : k == 2         ? a <= rhs
           : k == 3         ? a >= rhs
           : k == 4         ? a < rhs
                            : a > rhs;
    return 0;
  }
  return 0;
}

static int parse_and(parser *p, double *out) {
  if (parse_comparison(p, out)) return -1;
  while (match(p, "&&")) {
    double rhs;
    if (parse_comparison(p, &rhs)) return -1;
    *out = *out != 0 && rhs != 0;
  }
  return 0;
}

static int parse_or(parser *p, double *out) {
  if (parse_and(p, out)) return -1;
  while (match(p, "||")) {
    double rhs;
    if (parse_and(p, &rhs)) return -1;
    *out = *out != 0 || rhs != 0;
  }
  return 0;
}

/* c ? a : b, right-associative; both branches are evaluated (they must be valid). */
static int parse_expr(parser *p, double *out) {
  if (++p->depth > MAX_DEPTH) return fail(p, p->pos, "expression nested too deeply");
  if (parse_or(p, out)) return -1;
  if (peek(p) == '?') {
    p->pos++;
    double a, b;
    if (parse_expr(p, &a)) return -1;
    if (peek(p) != ':') return fail(p, p->pos, "expected ':'");
    p->pos++;
    if (parse_expr(p, &b)) return -1;
    *out = *out != 0 ? a : b;
  }
  p->depth--;
  return 0;
}

int kh_expr_eval_functions(const char *s, size_t len, kh_param_lookup lookup,
                           kh_function_lookup functions, void *user, double *out,
                           kh_expr_error *err) {
  parser p = {s, len, 0, 0, lookup, user, err, functions, user};
  if (parse_expr(&p, out)) return -1;
  if (peek(&p) >= 0) return fail(&p, p.pos, "unexpected character in expression");
  return 0;
}
