/* A B source's expression (expression.h): its value as ngspice 39's ptfuncs.c and ifeval.c
 * compute it, every derivative by one backward pass, and its text for ngspice. Recursion
 * follows the tree, whose depth the reader bounds (netlist/behavioural.c). */
#include "expression.h"
#include "lexer.h"

#include "netlist_impl.h"
#include "table_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const kh_xfunction_names[KH_XF_COUNT] = {
    "abs",   "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp",
    "ln",    "log",  "log10", "sgn",  "sin",   "sinh", "sqrt",  "tan", "tanh", "u",
    "uramp", "u2",   "eq0",   "ne0",  "gt0",   "lt0",  "ge0",   "le0", "ceil", "floor",
    "nint",  "ddt",  "-",     "pow",  "pwr",   "min",  "max"};

/* ngspice's MODULUS(NUM, LIMIT): the argument of sin, cos and tan reduced through an int. */
static double modulus(double num, double limit) {
  double q = num / limit;
  if (!(fabs(q) < 2147483647.0)) return NAN; /* past an int: undefined in ngspice's C */
  return num - (double)(int)q * limit;
}

static double step(double x) {
  return x < 0 ? 0 : x > 0 ? 1 : 0.5; /* ngspice's u(0) is one half */
}

/* ngspice 39's PTexp: past an argument of 227.9559242 the value is 1e99 (and so is the
 * derivative, its tree's exp of the same argument), measured: exp(300*v(a)) at 1 V is 1e99. */
static double ngspice_exp(double x) {
  return x > 227.9559242 ? 1e99 : exp(x);
}

static double value1(kh_xfunction fn, double x) {
  switch (fn) {
  case KH_XF_ABS: return fabs(x);
  case KH_XF_ACOS: return acos(x);
  case KH_XF_ACOSH: return acosh(x);
  case KH_XF_ASIN: return asin(x);
  case KH_XF_ASINH: return asinh(x);
  case KH_XF_ATAN: return atan(x);
  case KH_XF_ATANH: return atanh(x);
  case KH_XF_COS: return cos(modulus(x, 2 * M_PI));
  case KH_XF_COSH: return cosh(x);
  case KH_XF_EXP: return ngspice_exp(x);
  case KH_XF_LN: /* ngspice 39: out of range below 0, -1e99 at 0 (measured) */
  case KH_XF_LOG: return x < 0 ? NAN : x == 0 ? -1e99 : log(x);
  case KH_XF_LOG10: return x < 0 ? NAN : x == 0 ? -1e99 : log10(x);
  case KH_XF_SGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
  case KH_XF_SIN: return sin(modulus(x, 2 * M_PI));
  case KH_XF_SINH: return sinh(x);
  case KH_XF_SQRT: return x < 0 ? NAN : sqrt(x);
  case KH_XF_TAN: return tan(modulus(x, M_PI));
  case KH_XF_TANH: return tanh(x);
  case KH_XF_U: return step(x);
  case KH_XF_URAMP: return x < 0 ? 0 : x;
  case KH_XF_U2: return x <= 0 ? 0 : x <= 1 ? x : 1;
  case KH_XF_EQ0: return x == 0;
  case KH_XF_NE0: return x != 0;
  case KH_XF_GT0: return x > 0;
  case KH_XF_LT0: return x < 0;
  case KH_XF_GE0: return x >= 0;
  case KH_XF_LE0: return x <= 0;
  case KH_XF_CEIL: return ceil(x);
  case KH_XF_FLOOR: return floor(x);
  case KH_XF_NINT: return nearbyint(x); /* halves to even */
  case KH_XF_DDT: return 0;             /* nothing changes in time at an operating point */
  case KH_XF_UMINUS: return -x;
  default: return NAN;
  }
}

/* ngspice's PTdivide moves a divisor away from 0 by its fudge factor (GMIN 1e-20). */
static double fudged(double b, double fudge) {
  return b >= 0 ? b + fudge : b - fudge;
}

/* The derivative of value1 as ngspice's derivative trees give it (inpptree.c: a quotient goes
 * through PTdivide, so it stays finite where its divisor is 0); the steps' is 0, as ngspice's
 * is. */
static double slope1(kh_xfunction fn, double x, double fudge) {
  switch (fn) {
  case KH_XF_ABS: return x > 0 ? 1 : x < 0 ? -1 : 0;
  case KH_XF_ACOS: return -1 / sqrt(1 - x * x);
  case KH_XF_ACOSH: return 1 / sqrt(x * x - 1);
  case KH_XF_ASIN: return 1 / sqrt(1 - x * x);
  case KH_XF_ASINH: return 1 / sqrt(x * x + 1);
  case KH_XF_ATAN: return 1 / (1 + x * x);
  case KH_XF_ATANH: return 1 / (1 - x * x);
  case KH_XF_COS: return -sin(modulus(x, 2 * M_PI));
  case KH_XF_COSH: return sinh(x);
  case KH_XF_EXP: return ngspice_exp(x);
  case KH_XF_LN:
  case KH_XF_LOG: return 1 / fudged(x, fudge);
  case KH_XF_LOG10: return M_LOG10E / fudged(x, fudge);
  case KH_XF_SIN: return cos(modulus(x, 2 * M_PI));
  case KH_XF_SINH: return cosh(x);
  case KH_XF_SQRT: return 1 / fudged(2 * sqrt(x), fudge);
  case KH_XF_TAN: return 1 / fudged(cos(modulus(x, M_PI)) * cos(modulus(x, M_PI)), fudge);
  case KH_XF_TANH: return 1 / (cosh(x) * cosh(x));
  case KH_XF_URAMP: return step(x);
  case KH_XF_U2: return step(x) - step(x - 1);
  case KH_XF_UMINUS: return -1;
  default: return 0;
  }
}

typedef struct {
  const struct kh_expression *x;
  const double *in;
  double fudge; /* ngspice's PTfudge_factor, gmin 1e-20 */
  double *val, *grad;
  const char *what;
  int by_zero; /* a divisor was 0 (ngspice's quotient then: the numerator over the fudge) */
} eval_state;

static double divisor(const eval_state *s, double b) {
  return fudged(b, s->fudge); /* ngspice's PTdivide */
}

static double binary_value(const eval_state *s, const kh_xnode *n, double a, double b) {
  switch (n->op) {
  case KH_X_ADD: return a + b;
  case KH_X_SUB: return a - b;
  case KH_X_MUL: return a * b;
  case KH_X_DIV: return n->fn ? a / b : a / divisor(s, b); /* fn 1: XSPICE divide's */
  case KH_X_POW: return pow(fabs(a), b);
  default: break;
  }
  switch (n->fn) {
  case KH_XF_POW: return pow(fabs(a), b);
  case KH_XF_PWR: return a < 0 ? -pow(-a, b) : pow(a, b);
  case KH_XF_MIN: return a > b ? b : a;
  case KH_XF_MAX: return a > b ? a : b;
  default: return value1((kh_xfunction)n->fn, a);
  }
}

static const char *name_of(const kh_xnode *n) {
  static const char *const ops[] = {[KH_X_CONST] = "a constant",
                                    [KH_X_INPUT] = "an input that is not finite",
                                    [KH_X_ADD] = "+",
                                    [KH_X_SUB] = "-",
                                    [KH_X_MUL] = "*",
                                    [KH_X_DIV] = "/",
                                    [KH_X_POW] = "^",
                                    [KH_X_TERN] = "?:",
                                    [KH_X_PWL] = "pwl",
                                    [KH_X_TABLE] = "the curve",
                                    [KH_X_GRID] = "the table"};
  return n->op == KH_X_CALL ? kh_xfunction_names[n->fn] : ops[n->op];
}

/* ngspice's PTpwl: the segment by bisection (the first or the last one beyond the ends, which
 * extend them), its value at x by the same operations, and its slope. */
static double pwl(const eval_state *s, const kh_xnode *n, double x, double *slope) {
  const kh_xnode *p = &s->x->nodes[n->b];
  uint32_t k0 = 0, k1 = n->c - 1;
  while (k1 - k0 > 1) {
    uint32_t k = (k0 + k1) / 2;
    if (p[2 * k].k > x)
      k1 = k;
    else
      k0 = k;
  }
  double x0 = p[2 * k0].k, y0 = p[2 * k0 + 1].k, x1 = p[2 * k1].k, y1 = p[2 * k1 + 1].k;
  *slope = (y1 - y0) / (x1 - x0);
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

/* The point i of a curve as ngspice 39's XSPICE pwl model holds it (cfunc.mod, INIT): the
 * points 1..c, and one more at each end a segment further on, at the end's height (limit) or on
 * the end segment's line. */
static double table_x(const kh_xnode *p, uint32_t c, uint32_t i) {
  if (i == 0) return 2. * p[0].k - p[2].k;
  if (i == c + 1) return 2. * p[2 * (c - 1)].k - p[2 * (c - 2)].k;
  return p[2 * (i - 1)].k;
}
static double table_y(const kh_xnode *p, uint32_t c, uint32_t i, int limit) {
  if (i == 0) return limit ? p[1].k : 2. * p[1].k - p[3].k;
  if (i == c + 1) return limit ? p[2 * c - 1].k : 2. * p[2 * c - 1].k - p[2 * c - 3].k;
  return p[2 * (i - 1) + 1].k;
}

/* The pwl code model's output (cm_pwl, ngspice 39): linear outside the end points' midpoints;
 * around each point i, within input_domain (n->k) of it (times the shorter segment beside it
 * with fraction, n->fn bit 0), the parabola of cm_smooth_corner (cmutil.c) that meets both
 * segments with their slopes; the same operations, so the same roundings. The model's limiting
 * of its input between Newton passes changes the path, not the solution. An E or G TABLE card is
 * this with input_domain=0.1 fraction=true limit=true (n->fn bit 1). */
static double table(const eval_state *s, const kh_xnode *n, double x, double *slope) {
  const kh_xnode *p = &s->x->nodes[n->b];
  uint32_t c = n->c, last = c + 1;
#define X(i) table_x(p, c, i)
#define Y(i) table_y(p, c, i, n->fn >> 1)
  if (x <= (X(0) + X(1)) / 2.0) {
    *slope = (Y(1) - Y(0)) / (X(1) - X(0));
    return Y(0) + (x - X(0)) * *slope;
  }
  if (x >= (X(last - 1) + X(last)) / 2.0) {
    *slope = (Y(last) - Y(last - 1)) / (X(last) - X(last - 1));
    return Y(last) + (x - X(last)) * *slope;
  }
  uint32_t i = 1;
  while (i + 1 < last && !(x < (X(i) + X(i + 1)) / 2.0)) i++;
  double lower = X(i) - X(i - 1), upper = X(i + 1) - X(i);
  double domain = n->fn & 1 ? n->k * (lower <= upper ? lower : upper) : n->k;
  double lower_slope = (Y(i) - Y(i - 1)) / lower, upper_slope = (Y(i + 1) - Y(i)) / upper;
  if (x < X(i) - domain) {
    *slope = lower_slope;
    return Y(i) + (x - X(i)) * *slope;
  }
  if (!(x < X(i) + domain)) {
    *slope = upper_slope;
    return Y(i) + (x - X(i)) * *slope;
  }
  double x_upper = X(i) + domain, y_upper = Y(i) + (upper_slope * domain);
  double a = ((upper_slope - lower_slope) / 4.0) * (1 / domain);
  double b = upper_slope - (2.0 * a * x_upper);
  double c0 = y_upper - (a * x_upper * x_upper) - (b * x_upper);
  *slope = 2.0 * a * x + b;
  return a * x * x + b * x + c0;
#undef X
#undef Y
}

/* cfunc.mod's limit_x_value: in at most fraction (0.3) of (lo, hi) away from *last. */
static double limit_value(double lo, double hi, double in, double *last, int *limited) {
  double max = 0.3 * (hi - lo);
  if (max < fabs(in - *last)) {
    in = *last = in - *last >= 0 ? *last + max : *last - max;
    *limited = 1;
  } else
    *last = in;
  return in;
}

/* cm_pwl's limiting of its input (ngspice 39, cfunc.mod), on the curve's points with one more at
 * each end: where the last input was decides the segment whose length bounds the step, and a step
 * that would cross one of its ends stops there (just below a lower one). */
static double curve_limit(const kh_xnode *p, uint32_t c, double in, double *last, int *limited) {
  const double eps = 1.0e-9;
  uint32_t end = c + 1;
#define X(i) table_x(p, c, i)
  if (*last < X(0)) {
    double t = X(0) - in > X(1) - X(0) ? limit_value(in, X(0), in, last, limited)
                                       : limit_value(X(0), X(1), in, last, limited);
    if (t >= X(0)) return *limited = 1, *last = X(0);
    return *last = t;
  }
  if (*last >= X(end)) {
    double t = in - X(end) > X(end) - X(end - 1)
                   ? limit_value(X(end), in, in, last, limited)
                   : limit_value(X(end - 1), X(end), in, last, limited);
    if (t < X(end)) return *limited = 1, *last = X(end) - eps;
    return *last = t;
  }
  uint32_t i = 1;
  while (i < end && !(*last < X(i))) i++;
  double t = limit_value(X(i - 1), X(i), in, last, limited);
  if (t > X(i)) return *limited = 1, *last = X(i);
  if (t < X(i - 1)) return *limited = 1, *last = X(i - 1) - eps;
  return *last = t;
#undef X
}

/* An A card's input as the expression reads it at node a: one input (a node's voltage or a
 * source's current), or the difference of two nodes' voltages. */
static int port_inputs(const struct kh_expression *x, const kh_xnode *a, uint32_t k[2]) {
  if (a->op == KH_X_INPUT) { /* a node's voltage or a source's current */
    k[0] = a->a, k[1] = UINT32_MAX;
    return 1;
  }
  if (a->op != KH_X_SUB) return 0;
  const kh_xnode *p = &x->nodes[a->a], *q = &x->nodes[a->b];
  if (p->op != KH_X_INPUT || q->op != KH_X_INPUT || x->sources[p->a] || x->sources[q->a]) return 0;
  k[0] = p->a, k[1] = q->a;
  return 1;
}

int kh_expression_curve_inputs(const struct kh_expression *x, uint32_t k[2]) {
  const kh_xnode *n = &x->nodes[x->root];
  return n->op == KH_X_TABLE && port_inputs(x, &x->nodes[n->a], k);
}

/* Whether node n may stand in a code model's tree: constants, its ports' inputs, arithmetic,
 * the tests and choices of divide's and climit's limiting, and limit's curve. */
static int code_model_node(const kh_xnode *n) {
  switch (n->op) {
  case KH_X_CONST:
  case KH_X_INPUT:
  case KH_X_ADD:
  case KH_X_SUB:
  case KH_X_MUL:
  case KH_X_DIV:
  case KH_X_TERN:
  case KH_X_TABLE:
  case KH_X_GRID: return 1;
  case KH_X_CALL: return n->fn < KH_XF_POW;
  default: return 0;
  }
}

size_t kh_expression_model_inputs(const struct kh_expression *x, uint32_t (*k)[2], size_t cap) {
  /* The builders (behavioural_models.c) add each port's nodes in port order, so the ports are
   * the tree's port nodes in index order: a difference of two node voltages (its two inputs
   * then belong to it), or an input alone. */
  enum { MAX_NODES = 8 * KH_CODE_MODEL_PORTS };
  unsigned char taken[MAX_NODES] = {0};
  if (x->count > MAX_NODES) return 0;
  size_t n = 0;
  for (uint32_t i = 0; i < x->count; i++) {
    const kh_xnode *a = &x->nodes[i];
    uint32_t at[2];
    if (!code_model_node(a)) return 0;
    if (a->op == KH_X_SUB && port_inputs(x, a, at)) taken[a->a] = taken[a->b] = 1;
  }
  for (uint32_t i = 0; i < x->count; i++) {
    const kh_xnode *a = &x->nodes[i];
    if ((a->op != KH_X_INPUT || taken[i]) && !(a->op == KH_X_SUB && taken[a->a])) continue;
    if (n == cap) return 0;
    port_inputs(x, a, k[n++]);
  }
  return n;
}

size_t kh_expression_ports(const kh_expression *x, size_t (*k)[2], size_t cap) {
  uint32_t at[KH_CODE_MODEL_PORTS][2];
  size_t n =
      x->xspice
          ? kh_expression_model_inputs(x, at, cap < KH_CODE_MODEL_PORTS ? cap : KH_CODE_MODEL_PORTS)
          : 0;
  for (size_t j = 0; j < n; j++)
    k[j][0] = at[j][0], k[j][1] = at[j][1] == UINT32_MAX ? SIZE_MAX : at[j][1];
  return n;
}

int kh_expression_limit(const kh_expression *x, double *in, double *last) {
  uint32_t k[2];
  if (!kh_expression_curve_inputs(x, k)) return 0;
  const kh_xnode *n = &x->nodes[x->root];
  uint32_t k0 = k[0];
  double value = k[1] != UINT32_MAX ? in[k0] - in[k[1]] : in[k0];
  if (isnan(*last)) {
    *last = value;
    return 0;
  }
  int limited = 0;
  double moved = curve_limit(&x->nodes[n->b], n->c, value, last, &limited);
  in[k0] += moved - value;
  return limited;
}

/* s->val[i] for the nodes a value needs (a ternary's other branch is not evaluated, as in
 * ngspice, where it may be out of range); -1 at a value that is not finite. */
static int forward(eval_state *s, uint32_t i) {
  const kh_xnode *n = &s->x->nodes[i];
  double v;
  if (n->op == KH_X_CONST)
    v = n->k;
  else if (n->op == KH_X_INPUT)
    v = s->in[n->a];
  else if (n->op == KH_X_PWL || n->op == KH_X_TABLE) {
    double slope;
    if (forward(s, n->a)) return -1;
    v = (n->op == KH_X_PWL ? pwl : table)(s, n, s->val[n->a], &slope);
  } else if (n->op == KH_X_GRID) {
    double in[3];
    if (forward(s, n->a) || forward(s, n->b) || (n->fn == 3 && forward(s, n->c))) return -1;
    in[0] = s->val[n->a], in[1] = s->val[n->b], in[2] = n->fn == 3 ? s->val[n->c] : 0;
    v = kh_grid_value(s->x->grid, in, NULL);
  } else if (n->op == KH_X_TERN) {
    if (forward(s, n->a)) return -1;
    uint32_t taken = s->val[n->a] != 0 ? n->b : n->c;
    if (forward(s, taken)) return -1;
    v = s->val[taken];
  } else {
    int two = n->op != KH_X_CALL || n->fn >= KH_XF_POW;
    if (forward(s, n->a) || (two && forward(s, n->b))) return -1;
    v = binary_value(s, n, s->val[n->a], two ? s->val[n->b] : 0);
    s->by_zero |= n->op == KH_X_DIV && !n->fn && s->val[n->b] == 0;
  }
  if (!isfinite(v)) {
    s->what = name_of(n);
    return -1;
  }
  s->val[i] = v;
  return 0;
}

/* Power |a|^b's (or pwr's, sign(a) |a|^b) derivatives by a and b. */
static void power_slopes(double a, double b, double value, double *da, double *db) {
  double sign = a > 0 ? 1 : a < 0 ? -1 : 0;
  *da = b * pow(fabs(a), b - 1) * sign;
  *db = value * log(fabs(a));
}

static void backward(eval_state *s, uint32_t i, double w) {
  const kh_xnode *n = &s->x->nodes[i];
  if (w == 0 || n->op == KH_X_CONST) return; /* ngspice's derivative folds 0 * u' to 0 */
  if (n->op == KH_X_INPUT) {
    s->grad[n->a] += w;
    return;
  }
  if (n->op == KH_X_TERN) return backward(s, s->val[n->a] != 0 ? n->b : n->c, w);
  if (n->op == KH_X_PWL || n->op == KH_X_TABLE) {
    double slope;
    (n->op == KH_X_PWL ? pwl : table)(s, n, s->val[n->a], &slope);
    return backward(s, n->a, w * slope);
  }
  if (n->op == KH_X_GRID) {
    const uint32_t at[3] = {n->a, n->b, n->c};
    double in[3] = {s->val[n->a], s->val[n->b], n->fn == 3 ? s->val[n->c] : 0}, slope[3];
    kh_grid_value(s->x->grid, in, slope);
    for (uint32_t d = 0; d < n->fn; d++) backward(s, at[d], w * slope[d]);
    return;
  }
  double a = s->val[n->a], b = 0, da = 0, db = 0;
  int two = n->op != KH_X_CALL || n->fn >= KH_XF_POW;
  if (two) b = s->val[n->b];
  int fn = n->op == KH_X_CALL ? n->fn : -1;
  if (n->op == KH_X_ADD || n->op == KH_X_SUB)
    da = 1, db = n->op == KH_X_ADD ? 1 : -1;
  else if (n->op == KH_X_MUL)
    da = b, db = a;
  else if (n->op == KH_X_DIV) {
    double d = n->fn ? b : divisor(s, b);
    da = 1 / d, db = -a / (d * d);
  } else if (n->op == KH_X_POW || fn == KH_XF_POW || fn == KH_XF_PWR) {
    power_slopes(a, b, s->val[i], &da, &db);
    if (fn == KH_XF_PWR) da = b * pow(fabs(a), b - 1);
  } else if (fn == KH_XF_MIN || fn == KH_XF_MAX) /* ngspice: lt0(a - b) ? a' : b' (gt0: max) */
    da = fn == KH_XF_MIN ? a - b < 0 : a - b > 0, db = 1 - da;
  else
    da = slope1((kh_xfunction)n->fn, a, s->fudge);
  backward(s, n->a, w * da);
  if (two && s->x->nodes[n->b].op != KH_X_CONST) backward(s, n->b, w * db);
}

int kh_expression_eval(const kh_expression *x, const double *in, double gmin, double *value,
                       double *gradient, double *scratch, const char **what) {
  eval_state s = {x, in, gmin * 1e-20, scratch, gradient, NULL, 0};
  uint32_t root = x->root;
  int failed = forward(&s, root);
  if (!failed && gradient) {
    for (uint32_t k = 0; k < x->input_count; k++) gradient[k] = 0;
    backward(&s, root, 1);
    for (uint32_t k = 0; k < x->input_count && !failed; k++)
      if (!isfinite(gradient[k])) failed = 1, s.what = "a derivative";
  }
  for (uint32_t k = 0; !failed && gradient && k < x->input_count; k++) gradient[k] *= x->scale;
  if (what) *what = failed ? s.what : s.by_zero ? "a division by zero" : NULL;
  if (!failed) *value = x->scale * s.val[root];
  return failed ? -1 : 0;
}

size_t kh_expression_input_count(const kh_expression *x) {
  return x->input_count;
}
size_t kh_expression_input(const kh_expression *x, size_t k) {
  return x->sources[k] ? 0 : x->inputs[k];
}
size_t kh_expression_input_source(const kh_expression *x, size_t k) {
  return x->sources[k] ? x->inputs[k] : (size_t)-1;
}
size_t kh_expression_scratch(const kh_expression *x) {
  return x->count;
}

const kh_expression *kh_netlist_expression(const kh_netlist *nl, size_t element) {
  const kh_elem *e = &nl->elements[element];
  if (e->kind != KH_BEHAVIOURAL_V && e->kind != KH_BEHAVIOURAL_I) return NULL;
  return &nl->expressions[e->ctrl[0]];
}

/* A number printed with %e as ngspice 39's B-source parser reads it (INPevaluate, inpeval.c:
 * kh_inp_evaluate), not correctly rounded: 0.1 printed %.10e reads 0.09999999999999999 there, and
 * the parameter -1.5 printed % 23.15e reads -1.5000000000000002 (measured: floor(m + m) is -4 in
 * ngspice's B source). */
/* v printed %.<digits>e (the blanks the front end pads with INPevaluate skips) and read back. */
static double printed_and_read(double v, int digits) {
  char text[40];
  snprintf(text, sizeof text, "%.*e", digits, v);
  return isfinite(v) ? kh_inp_evaluate(text, strlen(text)) : v;
}

double kh_expression_literal(double v) {
  return printed_and_read(v, 10); /* the front end's %.10e */
}

double kh_expression_parameter(double v) {
  return printed_and_read(v, 15); /* numparam's substitution, % 23.15e (xpressn.c) */
}
