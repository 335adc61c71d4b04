/* A B source's expression written back (expression.h) in the syntax it was read from: infix
 * operators with the parentheses precedence needs and no more, comparisons, && and ||, and !
 * where the tree holds ngspice's gt0(a - b), eq0(eq0(a) + eq0(b)) and the like (as calls inside
 * a pwl's input), v(a, b) where it holds v(a) - v(b), ?: as ternary_fcn(c, a, b). ngspice builds
 * the same tree from that text, and it nests no deeper than the text the tree was read from, so
 * a long sum or a chain of comparisons reads back within the reader's depth (a fully
 * parenthesized form did not: found by fuzzing). */
#include "expression.h"
#include "lexer.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* Precedence, loosest first (inpptree-parser.y); ATOM: numbers, names, calls. */
enum { P_TERN, P_OR, P_AND, P_EQ, P_REL, P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM };

typedef struct {
  const struct kh_expression *x;
  FILE *out;
  const char *(*name)(const void *user, size_t node);
  const void *user;
  const char *prefix;
  const unsigned char *in_pwl; /* per node: inside a pwl's input (no parameter there); NULL
                                * when there was no memory for it: none then */
} writer;

/* How node i reads as text: its precedence, and for an operator its spelling and operands. */
typedef struct {
  int prec;
  const char *op; /* infix or prefix operator; NULL for an atom */
  uint32_t left, right;
  int prefix;
} shape;

static int call_of(const kh_xnode *n, int fn) {
  return n->op == KH_X_CALL && n->fn == fn;
}

static int voltage_input(const struct kh_expression *x, uint32_t i) {
  return x->nodes[i].op == KH_X_INPUT && !x->sources[x->nodes[i].a];
}

/* eq0(eq0(p) + eq0(q)) is p && q, ne0(ne0(p) + ne0(q)) p || q: *p and *q, or 0. */
static int logic_of(const struct kh_expression *x, const kh_xnode *n, int fn, uint32_t *p,
                    uint32_t *q) {
  if (!call_of(n, fn)) return 0;
  const kh_xnode *sum = &x->nodes[n->a];
  if (sum->op != KH_X_ADD || !call_of(&x->nodes[sum->a], fn) || !call_of(&x->nodes[sum->b], fn))
    return 0;
  *p = x->nodes[sum->a].a, *q = x->nodes[sum->b].a;
  return 1;
}

/* in_pwl: the node is inside a pwl's input, where ngspice's front end fails on a comparison
 * written as one (`pwl(2>v(a), ...)`, measured; `pwl(gt0(2-v(a)), ...)` reads): calls there. */
static shape shape_of(const struct kh_expression *x, uint32_t i, int in_pwl) {
  const kh_xnode *n = &x->nodes[i];
  static const char *const infix[] = {"", "", "+", "-", "*", "/", "^"};
  static const int prec[] = {P_ATOM, P_ATOM, P_ADD, P_ADD, P_MUL, P_MUL, P_POW};
  shape s = {P_ATOM, NULL, 0, 0, 0};
  if (n->op >= KH_X_ADD && n->op <= KH_X_POW &&
      !(n->op == KH_X_SUB && voltage_input(x, n->a) && voltage_input(x, n->b)))
    return (shape){prec[n->op], infix[n->op], n->a, n->b, 0};
  if (n->op == KH_X_CONST && n->k < 0) return (shape){P_UNARY, "-", i, 0, 1}; /* or a parameter */
  if (call_of(n, KH_XF_UMINUS)) return (shape){P_UNARY, "-", n->a, 0, 1};
  if (in_pwl) return s;
  if (logic_of(x, n, KH_XF_EQ0, &s.left, &s.right)) return s.prec = P_AND, s.op = "&&", s;
  if (logic_of(x, n, KH_XF_NE0, &s.left, &s.right)) return s.prec = P_OR, s.op = "||", s;
  static const struct {
    int fn, prec;
    const char *op;
  } compare[] = {{KH_XF_EQ0, P_EQ, "=="}, {KH_XF_NE0, P_EQ, "!="},  {KH_XF_GT0, P_REL, ">"},
                 {KH_XF_LT0, P_REL, "<"}, {KH_XF_GE0, P_REL, ">="}, {KH_XF_LE0, P_REL, "<="}};
  for (size_t k = 0; n->op == KH_X_CALL && k < sizeof compare / sizeof *compare; k++)
    if (n->fn == compare[k].fn && x->nodes[n->a].op == KH_X_SUB)
      return (shape){compare[k].prec, compare[k].op, x->nodes[n->a].a, x->nodes[n->a].b, 0};
  if (call_of(n, KH_XF_EQ0)) return (shape){P_UNARY, "!", n->a, 0, 1};
  return s;
}

/* v as a + b, each of 11 digits, where that sum is v exactly. */
static int as_sum(double v, double *a, double *b) {
  *a = kh_expression_literal(v), *b = kh_expression_literal(v - *a);
  return isfinite(*a) && isfinite(*b) && *a + *b == v;
}

/* Whether constant node i is written as the parameter <prefix><i>: where 11 digits do not hold
 * it, outside a pwl's input (there: as a sum, or else as a parameter still). */
static int as_parameter(const struct kh_expression *x, const unsigned char *in_pwl, uint32_t i) {
  double a, b, k = x->nodes[i].k;
  return x->nodes[i].op == KH_X_CONST && kh_expression_literal(k) != k &&
         (!in_pwl || !in_pwl[i] || !as_sum(k, &a, &b));
}

static void write_node(const writer *w, uint32_t i, int least);

/* A constant's magnitude: 11 digits, or the sum of two numbers of 11. */
static void write_magnitude(const writer *w, double k) {
  double a, b;
  if (kh_expression_literal(k) == k || !as_sum(fabs(k), &a, &b))
    fprintf(w->out, "%.11g", fabs(k));
  else
    fprintf(w->out, b < 0 ? "(%.11g-%.11g)" : "(%.11g+%.11g)", a, fabs(b));
}

/* An atom: a name, a call, a parameter, a positive number. */
static void write_atom(const writer *w, uint32_t i) {
  const kh_xnode *n = &w->x->nodes[i];
  switch (n->op) {
  case KH_X_CONST:
    if (as_parameter(w->x, w->in_pwl, i))
      fprintf(w->out, "%s%u", w->prefix, i); /* holding its sign */
    else
      write_magnitude(w, n->k);
    return;
  case KH_X_INPUT:
    if (w->x->sources[n->a])
      fprintf(w->out, "i(%s)", w->x->sources[n->a]);
    else
      fprintf(w->out, "v(%s)", w->name(w->user, w->x->inputs[n->a]));
    return;
  case KH_X_SUB: /* of two node voltages */
    fprintf(w->out, "v(%s, ", w->name(w->user, w->x->inputs[w->x->nodes[n->a].a]));
    fprintf(w->out, "%s)", w->name(w->user, w->x->inputs[w->x->nodes[n->b].a]));
    return;
  case KH_X_TERN: /* as a call: ngspice's front end rewrites ?: in the text, and fails on one as
                   * an argument without parentheses around it (measured) */
    fputs("ternary_fcn(", w->out), write_node(w, n->a, P_TERN);
    fputs(", ", w->out), write_node(w, n->b, P_TERN);
    fputs(", ", w->out), write_node(w, n->c, P_TERN);
    fputc(')', w->out);
    return;
  case KH_X_PWL:
    fputs("pwl(", w->out), write_node(w, n->a, P_TERN);
    for (uint32_t k = 0; k < 2 * n->c; k++) fputs(", ", w->out), write_node(w, n->b + k, P_TERN);
    fputc(')', w->out);
    return;
  default: /* a function of one or two arguments */
    fprintf(w->out, "%s(", kh_xfunction_names[n->fn]), write_node(w, n->a, P_TERN);
    if (n->fn >= KH_XF_POW) fputs(", ", w->out), write_node(w, n->b, P_TERN);
    fputc(')', w->out);
  }
}

/* Node i, in parentheses where its precedence is below `least`. */
static int in_pwl(const writer *w, uint32_t i) {
  return w->in_pwl && w->in_pwl[i];
}

static void write_node(const writer *w, uint32_t i, int least) {
  shape s = shape_of(w->x, i, in_pwl(w, i));
  int paren = s.prec < least;
  if (paren) fputc('(', w->out);
  if (!s.op || (s.left == i && as_parameter(w->x, w->in_pwl, i)))
    write_atom(w, i);
  else if (s.prefix) { /* a negative number: the sign, then its magnitude */
    fputs(s.op, w->out);
    if (s.left == i)
      write_magnitude(w, w->x->nodes[i].k);
    else
      write_node(w, s.left, P_UNARY);
  } else { /* left-associative; a^-b needs no parentheses */
    write_node(w, s.left, s.prec);
    fputs(s.op, w->out);
    int right = s.prec + 1;
    if (s.prec == P_POW && shape_of(w->x, s.right, in_pwl(w, s.right)).prec == P_UNARY)
      right = P_UNARY;
    write_node(w, s.right, right);
  }
  if (paren) fputc(')', w->out);
}

/* Marks the nodes of pwl inputs' trees in in_pwl. */
static void mark(const struct kh_expression *x, uint32_t i, int inside, unsigned char *in_pwl) {
  const kh_xnode *n = &x->nodes[i];
  in_pwl[i] |= (unsigned char)inside;
  if (n->op == KH_X_CONST || n->op == KH_X_INPUT) return;
  if (n->op == KH_X_PWL) {
    mark(x, n->a, 1, in_pwl);
    for (uint32_t k = 0; k < 2 * n->c; k++) mark(x, n->b + k, inside, in_pwl);
    return;
  }
  mark(x, n->a, inside, in_pwl);
  if (n->op != KH_X_CALL || n->fn >= KH_XF_POW) mark(x, n->b, inside, in_pwl);
  if (n->op == KH_X_TERN) mark(x, n->c, inside, in_pwl);
}

static unsigned char *pwl_inputs(const struct kh_expression *x) {
  unsigned char *in_pwl = kh_calloc(x->count + 1, 1);
  if (in_pwl) mark(x, x->root, 0, in_pwl);
  return in_pwl;
}

void kh_expression_write(const struct kh_expression *x, FILE *out,
                         const char *(*name)(const void *user, size_t node), const void *user,
                         const char *prefix) {
  writer w = {x, out, name, user, prefix, pwl_inputs(x)};
  write_node(&w, x->root, P_TERN);
  kh_free((void *)w.in_pwl);
}

/* A value whose parameter an expression reads as k (kh_expression_parameter: its 16 digits read
 * back, not always k itself): k, or the nearest double a few units in the last place away. */
static double parameter_for(double k) {
  double up = k, down = k;
  for (int step = 0; step < 16; step++) {
    if (kh_expression_parameter(up) == k) return up;
    if (kh_expression_parameter(down) == k) return down;
    up = nextafter(up, INFINITY), down = nextafter(down, -INFINITY);
  }
  return k;
}

void kh_expression_write_params(const struct kh_expression *x, FILE *out, const char *prefix) {
  unsigned char *in_pwl = pwl_inputs(x);
  for (uint32_t i = 0; i < x->count; i++)
    if (as_parameter(x, in_pwl, i))
      fprintf(out, ".param %s%u = %.17g\n", prefix, i, parameter_for(x->nodes[i].k));
  kh_free(in_pwl);
}

/* The port of inputs k (kh_expression_curve_inputs's) as kh_expression_table says it. */
static int port(const struct kh_expression *x, const uint32_t k[2], size_t in[2]) {
  in[0] = x->inputs[k[0]], in[1] = k[1] != UINT32_MAX ? x->inputs[k[1]] : 0;
  return x->sources[k[0]] ? 2 : 1;
}

int kh_expression_table(const struct kh_expression *x, size_t in[2]) {
  uint32_t k[2];
  return kh_expression_curve_inputs(x, k) ? port(x, k, in) : 0;
}

size_t kh_expression_model_ports(const struct kh_expression *x, size_t (*in)[2], int *kinds,
                                 size_t cap) {
  uint32_t k[KH_CODE_MODEL_PORTS][2];
  size_t n =
      kh_expression_model_inputs(x, k, cap < KH_CODE_MODEL_PORTS ? cap : KH_CODE_MODEL_PORTS);
  for (size_t j = 0; j < n; j++) kinds[j] = port(x, k[j], in[j]);
  return n;
}

void kh_expression_write_table_model(const struct kh_expression *x, FILE *out, const char *name) {
  const kh_xnode *n = &x->nodes[x->root];
  for (int axis = 0; axis < 2; axis++) {
    fprintf(out, axis ? " y_array=[" : ".model %s pwl(x_array=[", name);
    for (uint32_t k = 0; k < n->c; k++)
      fprintf(out, k ? " %s" : "%s", KH_INP(x->nodes[n->b + 2 * k + (uint32_t)axis].k));
    fputc(']', out);
  }
  fprintf(out, " input_domain=%s fraction=%s limit=%s)\n", KH_INP(n->k),
          n->fn & 1 ? "true" : "false", n->fn & 2 ? "true" : "false");
}

void kh_expression_write_words(const struct kh_expression *x, FILE *out) {
  const kh_xwords *w = &x->words;
  const char *names[] = {"tc1", "tc2", "temp", "dtemp", "m"};
  double values[] = {w->tc1, w->tc2, w->temp, w->dtemp, w->m}, plain[] = {0, 0, 0, 0, 1};
  for (int k = 0; k < 5; k++)
    if ((values[k] != plain[k] || (k == 2 && w->has_temp)) && !(k == 3 && w->has_temp))
      fprintf(out, " %s=%s", names[k], KH_INP(values[k]));
  if (w->reciproctc) fputs(" reciproctc=1", out);
  if (w->reciprocm) fputs(" reciprocm=1", out);
}
