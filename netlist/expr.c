#include "expr.h"

#include "lexer.h"

#include <math.h>
#include <stdio.h>

enum { MAX_DEPTH = 200 }; /* bounds recursion on inputs like "((((((..." */

typedef struct {
  const char *s;
  size_t len, pos;
  int depth;
  kh_param_lookup lookup;
  void *user;
  kh_expr_error *err;
} parser;

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
static int parse_unary(parser *p, double *out);

static int parse_primary(parser *p, double *out) {
  int c = peek(p);
  size_t at = p->pos;
  if (c == '(') {
    p->pos++;
    if (parse_sum(p, out)) return -1;
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
    if (peek(p) == '(') return fail(p, at, "functions are not supported in expressions");
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

static int parse_power(parser *p, double *out) {
  if (parse_primary(p, out)) return -1;
  int c = peek(p);
  size_t at = p->pos;
  int two_stars = c == '*' && p->pos + 1 < p->len && p->s[p->pos + 1] == '*';
  if (c != '^' && !two_stars) return 0;
  p->pos += two_stars ? 2 : 1;
  double exponent;
  if (parse_unary(p, &exponent)) return -1; /* right-associative: 2^3^2 = 2^9 */
  *out = pow(*out, exponent);
  if (!isfinite(*out)) return fail(p, at, "power is not a finite number");
  return 0;
}

static int parse_unary(parser *p, double *out) {
  if (++p->depth > MAX_DEPTH) return fail(p, p->pos, "expression nested too deeply");
  int c = peek(p), r;
  if (c == '-' || c == '+') {
    p->pos++;
    r = parse_unary(p, out);
    if (c == '-') *out = -*out;
  } else {
    r = parse_power(p, out);
  }
  p->depth--;
  return r;
}

static int parse_product(parser *p, double *out) {
  if (parse_unary(p, out)) return -1;
  for (;;) {
    int c = peek(p);
    size_t at = p->pos;
    if ((c != '*' && c != '/') || (c == '*' && at + 1 < p->len && p->s[at + 1] == '*')) return 0;
    p->pos++;
    double rhs;
    if (parse_unary(p, &rhs)) return -1;
    if (c == '/' && rhs == 0) return fail(p, at, "division by zero");
    *out = c == '*' ? *out * rhs : *out / rhs;
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
  parser p = {s, len, 0, 0, lookup, user, err};
  if (parse_sum(&p, out)) return -1;
  if (peek(&p) >= 0) return fail(&p, p.pos, "unexpected character in expression");
  return 0;
}
