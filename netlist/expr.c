#include "expr.h"

#include "lexer.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
  /* Whether the value just computed depends on a random draw (agauss, gauss, aunif, unif,
   * limit): 0 if not, else 1 + the offset of the call it depends on. Each parse_ function sets
   * it for the value it returns. */
  size_t drawn;
  /* A '-' right after a binary operator, pending: 0, else 1 + its offset (see negation). */
  size_t negate;
  unsigned flags; /* KH_EXPR_LT_POWER */
} parser;

/* Whether the text names temper (as a word, in any case). */
static int reads_temper(const parser *p) {
  for (size_t i = 0; i + 6 <= p->len; i++)
    if (!strncasecmp(p->s + i, "temper", 6) &&
        (i == 0 || !(isalnum((unsigned char)p->s[i - 1]) || p->s[i - 1] == '_')) &&
        (i + 6 == p->len || !(isalnum((unsigned char)p->s[i + 6]) || p->s[i + 6] == '_')))
      return 1;
  return 0;
}

int kh_ltspice_integer(double y, double *n) {
  *n = nearbyint(y);
  if (*n == y) return 1;
  int64_t a, b; /* AlmostEqualUlps: the doubles' bits ordered as two's-complement integers */
  memcpy(&a, n, sizeof a), memcpy(&b, &y, sizeof b);
  if (a < 0) a = INT64_MIN - a;
  if (b < 0) b = INT64_MIN - b;
  uint64_t diff = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
  return diff <= 10;
}

double kh_ltspice_power(double x, double y) {
  double n;
  if (x >= 0) return pow(x, y);
  return kh_ltspice_integer(y, &n) ? pow(x, n) : 0;
}

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
  return b->outer ? b->outer(b->outer_user, name, len, value) : 0; /* drawn, temper: as found */
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

/* A '-' right after a binary operator (`+ - * / % ^`, comparisons, `&& || ? :`) is not a sign in
 * ngspice 39's .param and {...} values (numparam's formula()): it negates the next number
 * written at the same level of parentheses (a group's or an argument's own), wherever that is,
 * and stops the deck where none follows ("wrongly determined negation"). Measured:
 * 1+-sw*sqrt(4)+3 is 0 with sw = 1 (the 3 negated), 1*-2^2 is 4, 2^-sw*3 is -6, 3*-(2)+4 is 2,
 * 1 ? -sw : 3 is sw, and 1+-sqrt(4), 1*-sw and 2^-sw stop ngspice. A '+' there is its
 * "Misplaced operator". kirchhoff reads them the same way, and stops where ngspice stops. */
static int after_operator(const parser *p, size_t at) {
  while (at > 0 && (p->s[at - 1] == ' ' || p->s[at - 1] == '\t')) at--;
  return at > 0 && strchr("+-*/%^<>=&|?:", p->s[at - 1]) != NULL;
}

/* A new level of parentheses: the outer level's pending negation waits outside it. */
static size_t level_enter(parser *p) {
  size_t outer = p->negate;
  p->negate = 0;
  return outer;
}

/* The level's end: a negation still pending is where ngspice 39 stops. */
static int level_leave(parser *p, size_t outer) {
  if (p->negate)
    return fail(p, p->negate - 1,
                "'-' right after an operator negates only a number written after it in ngspice "
                "39, which stops here ('wrongly determined negation'); write (-x)");
  p->negate = outer;
  return 0;
}

/* A sign at p->pos (c): 0 to go on, -1 on error; after an operator a '-' becomes the pending
 * negation and *c is cleared, a '+' is refused. */
static int sign_after_operator(parser *p, int *c) {
  if ((*c != '-' && *c != '+') || !after_operator(p, p->pos)) return 0;
  if (*c == '+')
    return fail(p, p->pos,
                "'+' right after an operator: ngspice 39 stops at it ('Misplaced "
                "operator'); leave it out");
  p->negate = p->pos + 1;
  *c = 0;
  return 0;
}

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
  size_t drawn = 0;
  p->pos++;           /* '(' */
  if (peek(p) == ')') /* f(): a .func of no parameters, as ngspice 39 calls one (measured) */
    return p->pos++, p->drawn = 0, 0;
  for (;;) {
    if (n == MAX_ARGS) return fail(p, p->pos, "too many arguments");
    size_t outer = level_enter(p);
    if (parse_expr(p, &arg[n++]) || level_leave(p, outer)) return -1;
    if (!drawn) drawn = p->drawn;
    int c = peek(p);
    if (c == ')') break;
    if (c != ',') return fail(p, p->pos, "expected ',' or ')'");
    p->pos++;
  }
  p->pos++;
  p->drawn = drawn; /* the call's value depends on a draw where an argument does */
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
  size_t args_drawn = p->drawn;
  binding b = {f, arg, p->lookup, p->user};
  kh_expr_error inner;
  parser q = {f->body,          f->body_len, 0,      p->depth + 8,
              bound_lookup,     &b,          &inner, p->functions,
              p->function_user, 0,           0,      p->flags};
  /* checked with room to spare, so that a recursive .func ends here rather than in the nesting
   * check of the expressions between its calls */
  if (q.depth > MAX_DEPTH - 16)
    return fail(p, at, "functions call each other too deeply (a .func that calls itself?)");
  if (parse_expr(&q, out) || (peek(&q) >= 0 && fail(&q, q.pos, "unexpected character")) ||
      level_leave(&q, 0)) {
    char msg[160];
    const char *prefix = "in its body: "; /* once, however deep the calls went */
    snprintf(msg, sizeof msg, "%s%.120s",
             strncmp(inner.message, prefix, strlen(prefix)) == 0 ? "" : prefix, inner.message);
    return fail(p, at, msg);
  }
  p->drawn = args_drawn ? args_drawn : q.drawn ? at + 1 : 0;
  return 0;
}

int kh_expr_is_builtin(const char *name, size_t len) {
  for (size_t k = 0; k < sizeof functions / sizeof functions[0]; k++)
    if (strlen(functions[k].name) == len && memcmp(functions[k].name, name, len) == 0) return 1;
  return 0;
}

/* ngspice's Monte Carlo functions: a new random value per run. */
static int is_random(const char *name, size_t len) {
  static const char *const random[] = {"agauss", "gauss", "aunif", "unif", "limit"};
  for (size_t r = 0; r < sizeof random / sizeof random[0]; r++)
    if (strlen(random[r]) == len && memcmp(random[r], name, len) == 0) return 1;
  return 0;
}

/* A random function's call, p->pos at the '(': ngspice 39 takes one to three arguments (a
 * fourth is its syntax error) and draws. kirchhoff stands in the nominal value (the first) and
 * marks the value as drawn: a value that still depends on it at the end is refused
 * (kh_expr_eval_functions); one multiplied by an exact 0 no longer does, as PDK cards write
 * mismatch (`vth0 = {0.519 + MC_SWITCH*AGAUSS(0,1.0,1)*...}` with MC_SWITCH = 0), where
 * ngspice's value is that of the card without the term (measured: 1k + 0*agauss(...) is 1k in
 * every run, 1k + agauss(5,1,1) is not). */
static int parse_draw(parser *p, size_t at, double *out) {
  double arg[MAX_ARGS];
  int n = parse_arguments(p, arg);
  if (n < 0) return -1;
  if (n < 1 || n > 3)
    return fail(p, at,
                "a random function takes one to three arguments (nominal, variation, sigma)");
  *out = arg[0];
  p->drawn = at + 1;
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
  if (k == nf && is_random(p->s + at, end - at)) return parse_draw(p, at, out);
  if (k == nf) {
    char msg[160];
    if (end - at == 1 && (p->s[at] == 'v' || p->s[at] == 'i'))
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
  p->drawn = 0; /* a number or a parameter (a drawn .param value is refused where it is set) */
  if (c == '(' || (c == '{' && (p->flags & KH_EXPR_INNER_BRACES))) {
    int close = c == '(' ? ')' : '}';
    p->pos++;
    size_t outer = level_enter(p);
    if (parse_expr(p, out)) return -1;
    if (peek(p) != close) return fail(p, p->pos, close == ')' ? "expected ')'" : "expected '}'");
    if (level_leave(p, outer)) return -1;
    p->pos++;
    return 0;
  }
  if ((c >= '0' && c <= '9') || c == '.') {
    size_t used = 0, bad = 0;
    kh_number_error e = kh_scan_number(p->s + at, p->len - at, out, &used, &bad);
    if (e != KH_NUM_OK) return fail(p, at + bad, kh_number_error_text(e));
    size_t mil = kh_number_mil_at(p->s + at, used);
    if (mil) return fail(p, at + mil, KH_MIL_IN_EXPRESSION);
    p->pos = at + used;
    if (p->negate) *out = -*out, p->negate = 0;
    return 0;
  }
  if (is_ident_start(c)) {
    size_t end = at;
    while (end < p->len && is_ident(p->s[end])) end++;
    p->pos = end;
    if (peek(p) == '(') return parse_call(p, at, end, out);
    int found = p->lookup ? p->lookup(p->user, p->s + at, end - at, out) : 0;
    if (found == KH_PARAM_DRAWN) p->drawn = at + 1;
    if (found == KH_PARAM_TEMPER_GLOBAL) {
      char msg[160];
      snprintf(msg, sizeof msg,
               "'%.*s' is a global .param reading temper: ngspice 39 leaves it undefined in a "
               "subcircuit; define it there, or as a .func",
               (int)(end - at > 30 ? 30 : end - at), p->s + at);
      return fail(p, at, msg);
    }
    if (found == KH_PARAM_TEMPER_UNDEFINED) {
      char msg[160];
      int self = end - at == 6 && !memcmp(p->s + at, "temper", 6);
      snprintf(msg, sizeof msg,
               "%s%.*s%s, which ngspice 39 leaves undefined in a V, I, E or G card's value "
               "(\"Undefined parameter [temper]\")",
               self ? "" : "'", self ? 0 : (int)(end - at > 40 ? 40 : end - at), p->s + at,
               self ? "temper" : "' reads temper");
      return fail(p, at, msg);
    }
    if (!found) {
      char msg[120];
      snprintf(msg, sizeof msg, "unknown parameter '%.*s'", (int)(end - at > 60 ? 60 : end - at),
               p->s + at);
      return fail(p, at, msg);
    }
    return 0;
  }
  if (c < 0) return fail(p, p->pos, "expression ends where a value was expected");
  if (c == '{' && reads_temper(p))
    return fail(p, at,
                "a brace inside braces in an expression that reads temper, where ngspice 39 "
                "makes a .param a .func and may read them as blanks: write parentheses");
  if (c == '{')
    return fail(p, at,
                "a brace inside braces, which ngspice 39 fails on here (it reads them as "
                "parentheses only on element lines beside a .param): write parentheses");
  return fail(p, at, "expected a number, a parameter or '('");
}

/* An exponent: a primary, maybe after '!' or a '-' that negates the next number (negation), as
 * ngspice 39 reads 2^-1^2 (measured: (2^-1)^2 = 0.25). */
static int parse_exponent(parser *p, double *out) {
  int c = peek(p);
  int sign = c == '-' || c == '+' || c == '!';
  if (sign_after_operator(p, &c)) return -1;
  if (sign) p->pos++;
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
    size_t drawn = p->drawn;
    if (parse_exponent(p, &exponent)) return -1;
    if (drawn) p->drawn = drawn;
    /* numparam's '^' (measured: (-2)^3 is 8, (-2)^0.5 1.41; LTspice mode: -8 and 0) */
    *out =
        p->flags & KH_EXPR_LT_POWER ? kh_ltspice_power(*out, exponent) : pow(fabs(*out), exponent);
    if (!isfinite(*out)) return fail(p, at, "power is not a finite number");
  }
}

/* A sign or '!' before a value, once: ngspice 39 reads two in a row its own way (measured:
 * 2*--3 = -6, --2^2 = -4), so kirchhoff refuses them rather than differ. */
static int parse_unary(parser *p, double *out) {
  if (++p->depth > MAX_DEPTH) return fail(p, p->pos, "expression nested too deeply");
  int c = peek(p), r;
  int sign = c == '-' || c == '+' || c == '!';
  if (sign_after_operator(p, &c)) return -1;
  if (sign) { /* '!' is logical not: 1 for 0, else 0 */
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
    size_t drawn = p->drawn;
    if (parse_unary(p, &rhs)) return -1;
    /* an exact 0 that is not drawn times a drawn value is 0 whatever the draw */
    if (c == '*' && ((*out == 0 && !drawn) || (rhs == 0 && !p->drawn)))
      p->drawn = 0;
    else if (drawn)
      p->drawn = drawn;
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
    size_t drawn = p->drawn;
    if (parse_product(p, &rhs)) return -1;
    if (drawn) p->drawn = drawn;
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

/* Comparisons share one level and chain left to right, as ngspice 39's numparam reads them
 * (measured: 0==1<2 is (0==1)<2 = 1, 3<2<1 is 1, 1<=1<=0 is 0), `<>` is `!=`, and a lone '='
 * is equality too (ngspice's own tests write .elseif (x = 2)). Until 2026-12-06 kirchhoff read
 * one comparison and refused a second. */
static int parse_comparison(parser *p, double *out) {
  if (parse_sum(p, out)) return -1;
  static const char *const ops[] = {"==", "!=", "<>", "<=", ">=", "<", ">", "="};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    if (!match(p, ops[k])) continue;
    double rhs;
    size_t drawn = p->drawn;
    if (parse_sum(p, &rhs)) return -1;
    if (drawn) p->drawn = drawn;
    double a = *out;
    *out = k == 0 || k == 7   ? a == rhs
           : k == 1 || k == 2 ? a != rhs
           : k == 3           ? a <= rhs
           : k == 4           ? a >= rhs
           : k == 5           ? a < rhs
                              : a > rhs;
    k = (size_t)-1; /* the next comparison, if any, takes this one's value */
  }
  return 0;
}

static int parse_and(parser *p, double *out) {
  if (parse_comparison(p, out)) return -1;
  while (match(p, "&&")) {
    double rhs;
    size_t drawn = p->drawn;
    if (parse_comparison(p, &rhs)) return -1;
    if (drawn) p->drawn = drawn;
    *out = *out != 0 && rhs != 0;
  }
  return 0;
}

static int parse_or(parser *p, double *out) {
  if (parse_and(p, out)) return -1;
  while (match(p, "||")) {
    double rhs;
    size_t drawn = p->drawn;
    if (parse_and(p, &rhs)) return -1;
    if (drawn) p->drawn = drawn;
    *out = *out != 0 || rhs != 0;
  }
  return 0;
}

/* c ? a : b, right-associative (a ternary in the first branch needs parentheses); both
 * branches are evaluated (they must be valid). */
static int parse_expr(parser *p, double *out) {
  if (++p->depth > MAX_DEPTH) return fail(p, p->pos, "expression nested too deeply");
  if (parse_or(p, out)) return -1;
  if (peek(p) == '?') {
    p->pos++;
    double a, b;
    size_t drawn = p->drawn, drawn_a;
    /* a bare ternary in the first branch: ngspice 39's parameter evaluation (its operator
     * stack, xpressn.c) reads `1 ? 0 ? 6 : 7 : 8` as 6 (measured), no grammar's answer */
    if (parse_or(p, &a)) return -1;
    if (peek(p) == '?')
      return fail(p, p->pos,
                  "a ternary inside another's first branch, which ngspice 39 reads its own way "
                  "(1 ? 0 ? 6 : 7 : 8 is 6 there): write parentheses");
    drawn_a = p->drawn;
    if (peek(p) != ':') return fail(p, p->pos, "expected ':'");
    p->pos++;
    if (parse_expr(p, &b)) return -1;
    p->drawn = drawn ? drawn : *out != 0 ? drawn_a : p->drawn; /* the branch taken */
    *out = *out != 0 ? a : b;
  }
  p->depth--;
  return 0;
}

int kh_expr_eval_functions(const char *s, size_t len, kh_param_lookup lookup,
                           kh_function_lookup functions, void *user, double *out,
                           kh_expr_error *err) {
  return kh_expr_eval_drawn(s, len, lookup, functions, user, out, err, NULL);
}

int kh_expr_eval_drawn(const char *s, size_t len, kh_param_lookup lookup,
                       kh_function_lookup functions, void *user, double *out, kh_expr_error *err,
                       int *drawn) {
  return kh_expr_eval_with(s, len, lookup, functions, user, 0, out, err, drawn);
}

int kh_expr_eval_with(const char *s, size_t len, kh_param_lookup lookup,
                      kh_function_lookup functions, void *user, unsigned flags, double *out,
                      kh_expr_error *err, int *drawn) {
  parser p = {s, len, 0, 0, lookup, user, err, functions, user, 0, 0, flags};
  if (parse_expr(&p, out)) return -1;
  if (peek(&p) >= 0) return fail(&p, p.pos, "unexpected character in expression");
  if (level_leave(&p, 0)) return -1;
  if (drawn) *drawn = p.drawn != 0;
  if (p.drawn && !drawn) {
    size_t at = p.drawn - 1, end = at;
    while (end < len && is_ident(s[end])) end++;
    char msg[160];
    int n = (int)(end - at > 40 ? 40 : end - at);
    if (is_random(s + at, end - at))
      snprintf(msg, sizeof msg,
               "the value depends on the random draw of '%.*s' (ngspice: a new one per run); "
               "kirchhoff does not draw parameters: set its switch to 0 or write the value",
               n, s + at);
    else
      snprintf(msg, sizeof msg,
               "the value depends on '%.*s', which holds a random draw (agauss ...: a new one "
               "per ngspice run); kirchhoff does not draw parameters: set its switch to 0",
               n, s + at);
    return fail(&p, at, msg);
  }
  return 0;
}
