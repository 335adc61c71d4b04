/* The trees of XSPICE code models (xspice.c reads their cards): each instance a B source whose
 * expression is the model's output computed in its cfunc.mod's order, written back as the A
 * card of its model (the element's ctrl[1] is that model's index + 1). */
#include "behavioural_steps.h"
#include "table_grid.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* The curve c of node x in r's tree. */
static uint32_t curve_of(kh_expr_reader *r, uint32_t x, const kh_curve *c) {
  uint32_t first = (uint32_t)r->count;
  for (size_t k = 0; k < 2 * c->points; k++) constant(r, c->xy[k]);
  return kh_reader_add(r, (kh_xnode){.op = KH_X_TABLE,
                                     .fn = (uint8_t)(c->fraction | c->limit << 1),
                                     .a = x,
                                     .b = first,
                                     .c = (uint32_t)c->points,
                                     .k = c->domain});
}

kh_status kh_behavioural_curve(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *ports, const kh_curve *c, uint32_t model) {
  kh_elem e = port_element(ports, model);
  kh_expr_reader r = reader_for(p, line, s, name);
  uint32_t x = port_input(&r, ports);
  return kh_reader_finish(&r, curve_of(&r, x, c), name, e);
}

kh_status kh_behavioural_time_curve(kh_parser *p, uint32_t line, const kh_scope *s,
                                    const kh_token *name, const kh_curve_ports *ports,
                                    const kh_curve *c, uint32_t model) {
  kh_elem e = port_element(ports, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  return kh_reader_finish(&r, curve_of(&r, constant(&r, 0), c), name, e); /* TIME 0 */
}

/* gain (input + in_offset) of the gain or limit model m, in cm_gain's and cm_limit's order */
static uint32_t scaled_input(kh_expr_reader *r, const kh_curve_ports *ports, const kh_model *m) {
  uint32_t x = port_input(r, ports);
  uint32_t in_offset =
      kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = kh_model_value(m, "in_offset", 0)});
  uint32_t gain = kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = kh_model_value(m, "gain", 1)});
  return kh_reader_binary(r, KH_X_MUL, gain, kh_reader_binary(r, KH_X_ADD, x, in_offset));
}

kh_status kh_behavioural_gain(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                              const kh_curve_ports *ports, uint32_t model) {
  kh_elem e = port_element(ports, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  uint32_t x = scaled_input(&r, ports, m);
  uint32_t out_offset =
      kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = kh_model_value(m, "out_offset", 0)});
  return kh_reader_finish(&r, kh_reader_binary(&r, KH_X_ADD, out_offset, x), name, e);
}

/* cm_limit's output is pwl's curve through (lower, lower) and (upper, upper), held past both:
 * its corners are cm_smooth_corner's parabolas over +-range with slopes 0 and 1, the ones pwl
 * rounds its points with (the slopes come out exactly 0 and 1). */
kh_status kh_behavioural_limit(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *ports, uint32_t model,
                               const double bounds[3]) {
  kh_elem e = port_element(ports, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  uint32_t x = scaled_input(&r, ports, &p->nl->models[model]);
  uint32_t first = (uint32_t)r.count;
  for (int k = 0; k < 4; k++) kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = bounds[k / 2]});
  uint32_t root = kh_reader_add(&r, (kh_xnode){.op = KH_X_TABLE,
                                               .fn = 2, /* held past the ends, the range absolute */
                                               .a = x,
                                               .b = first,
                                               .c = 2,
                                               .k = bounds[2]});
  return kh_reader_finish(&r, root, name, e);
}

/* The k-th value of a model's array word (`name` given once per value, in order), or absent. */
static double array_value(const kh_model *m, const char *name, size_t k, double absent) {
  for (size_t j = 0; j < m->param_count; j++)
    if (!strcmp(m->params[j].name, name) && k-- == 0) return m->params[j].value;
  return absent;
}

/* The coefficients of s_xfer's array `name` (highest power first on the card) lowest power first,
 * each divided by denormalized_freq^i, as cm_s_xfer reads them at TIME 0. */
static void s_xfer_coefficients(const kh_model *m, const char *name, size_t n, double *c) {
  double freq = kh_model_value(m, "denormalized_freq", 1);
  for (size_t i = 0; i < n; i++) {
    c[i] = array_value(m, name, n - 1 - i, 0);
    if (freq != 1.0) c[i] = c[i] / pow(freq, (double)i);
  }
}

kh_status kh_behavioural_s_xfer(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *ports, uint32_t model) {
  kh_elem e = port_element(ports, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  size_t nn = kh_model_array_size(m, "num_coeff"),
         nd = kh_model_array_size(m, "den_coeff"); /* 2 <= nd, nn <= nd */
  double num[nn], den[nd], gain = kh_model_value(m, "gain", 1), factor;
  s_xfer_coefficients(m, "num_coeff", nn, num);
  s_xfer_coefficients(m, "den_coeff", nd, den);
  if ((factor = den[nd - 1]) != 1.0) { /* the denominator made monic, and the gain with it */
    for (size_t i = 0; i < nd; i++) den[i] = den[i] / factor;
    gain = gain / factor;
  }
  uint32_t x = kh_reader_binary(&r, KH_X_ADD, port_input(&r, ports),
                                constant(&r, kh_model_value(m, "in_offset", 0)));
  /* the last integrator's input: gain (in + in_offset) less each held integrator times its
   * denominator coefficient; the output, each integrator times its numerator coefficient */
  uint32_t top = kh_reader_binary(&r, KH_X_MUL, constant(&r, gain), x);
  for (size_t i = 0; i + 1 < nd; i++)
    top = kh_reader_binary(&r, KH_X_SUB, top,
                           kh_reader_binary(&r, KH_X_MUL,
                                            constant(&r, array_value(m, "int_ic", nd - 2 - i, 0)),
                                            constant(&r, den[i])));
  uint32_t out = constant(&r, 0);
  for (size_t i = 0; i < nn; i++) {
    uint32_t held = i + 1 < nd ? constant(&r, array_value(m, "int_ic", nd - 2 - i, 0)) : top;
    out = kh_reader_binary(&r, KH_X_ADD, out,
                           kh_reader_binary(&r, KH_X_MUL, held, constant(&r, num[i])));
  }
  if (nn < nd) /* the input is not read: kept in the tree times 0, so the card keeps its port */
    out = kh_reader_binary(&r, KH_X_ADD, out, kh_reader_binary(&r, KH_X_MUL, constant(&r, 0), top));
  return kh_reader_finish(&r, out, name, e);
}

kh_status kh_behavioural_vector(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in, size_t count,
                                const kh_curve_ports *out, uint32_t model, int product) {
  kh_elem e = port_element(out, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  /* cm_summer: acc = 0, acc += in_gain_k (in_k + in_offset_k); cm_mult: acc = 1, acc *= (in_k +
   * in_offset_k), and the gains' product (1 times each) a number */
  uint32_t acc = kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = product ? 1 : 0});
  double gains = 1;
  for (size_t k = 0; k < count; k++) {
    uint32_t offset =
        kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = array_value(m, "in_offset", k, 0)});
    uint32_t x = kh_reader_binary(&r, KH_X_ADD, port_input(&r, &in[k]), offset);
    double gain = array_value(m, "in_gain", k, 1);
    gains *= gain;
    if (!product)
      x = kh_reader_binary(&r, KH_X_MUL, kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = gain}),
                           x);
    acc = kh_reader_binary(&r, product ? KH_X_MUL : KH_X_ADD, acc, x);
  }
  if (product)
    acc = kh_reader_binary(&r, KH_X_MUL, acc,
                           kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = gains}));
  uint32_t out_gain =
      kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = kh_model_value(m, "out_gain", 1)});
  uint32_t out_offset =
      kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = kh_model_value(m, "out_offset", 0)});
  return kh_reader_finish(
      &r, kh_reader_binary(&r, KH_X_ADD, kh_reader_binary(&r, KH_X_MUL, acc, out_gain), out_offset),
      name, e);
}

/* cm_divide's denominator, limited away from 0 to +-lower as it limits it: on the positive side
 * held at lower below lower - domain and rounded up to lower + domain; on the negative side, for
 * den in (-(lower + domain), 0), held at -lower above -(lower - domain) and below it the same
 * parabola moved to -lower (slopes 0 to 1 again, as cfunc.mod has it: that side jumps by domain
 * at both ends of its parabola, and kirchhoff computes the same function). With domain 0 the
 * parabolas' ranges are empty, and their 1 / domain is never evaluated. */
static uint32_t limited_denominator(kh_expr_reader *r, uint32_t den, double lower, double domain) {
  double upper_threshold = lower + domain, lower_threshold = lower - domain;
  uint32_t hold = constant(r, lower), negative_hold = constant(r, -lower);
  uint32_t positive = corner(r, den, hold, constant(r, domain), 0.0, 1.0);
  uint32_t negative = corner(r, den, negative_hold, constant(r, domain), 0.0, 1.0);
  uint32_t above_low =
      test(r, KH_XF_GT0, kh_reader_binary(r, KH_X_SUB, den, constant(r, lower_threshold)));
  uint32_t below_high =
      test(r, KH_XF_LT0, kh_reader_binary(r, KH_X_SUB, den, constant(r, upper_threshold)));
  uint32_t below_neg_low =
      test(r, KH_XF_LT0, kh_reader_binary(r, KH_X_ADD, den, constant(r, lower_threshold)));
  uint32_t above_neg_high =
      test(r, KH_XF_GT0, kh_reader_binary(r, KH_X_ADD, den, constant(r, upper_threshold)));
  uint32_t pos = choose(r, below_high, choose(r, above_low, positive, hold), den);
  uint32_t neg = choose(r, above_neg_high, choose(r, below_neg_low, negative, negative_hold), den);
  return choose(r, test(r, KH_XF_GE0, den), pos, neg);
}

/* (port + offset) gain, the offset and gain model m's words (cm_divide's numerator and
 * denominator). */
static uint32_t offset_scaled(kh_expr_reader *r, const kh_curve_ports *port, const kh_model *m,
                              const char *offset, const char *gain) {
  uint32_t sum =
      kh_reader_binary(r, KH_X_ADD, port_input(r, port), constant(r, kh_model_value(m, offset, 0)));
  return kh_reader_binary(r, KH_X_MUL, sum, constant(r, kh_model_value(m, gain, 1)));
}

kh_status kh_behavioural_divide(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in,
                                const kh_curve_ports *out, uint32_t model) {
  kh_elem e = port_element(out, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  double lower = kh_model_value(m, "den_lower_limit", 1.0e-10),
         domain = kh_model_value(m, "den_domain", 1.0e-16);
  if (kh_model_value(m, "fraction", 0) != 0) domain = domain * lower;
  /* (in + offset) gain, numerator first (the writer lists the ports in this order) */
  uint32_t num = offset_scaled(&r, &in[0], m, "num_offset", "num_gain");
  uint32_t den = offset_scaled(&r, &in[1], m, "den_offset", "den_gain");
  uint32_t ratio = quotient(&r, num, limited_denominator(&r, den, lower, domain));
  uint32_t scaled =
      kh_reader_binary(&r, KH_X_MUL, constant(&r, kh_model_value(m, "out_gain", 1)), ratio);
  return kh_reader_finish(
      &r, kh_reader_binary(&r, KH_X_ADD, constant(&r, kh_model_value(m, "out_offset", 0)), scaled),
      name, e);
}

/* cm_smooth_corner (cmutil.c) at x, in its order: the parabola about (center, center) over
 * +-domain from slope `lower` to `upper`. */
static double smooth_corner(double x, double center, double domain, double lower, double upper) {
  double x_upper = center + domain, y_upper = center + upper * domain;
  double a = ((upper - lower) / 4.0) * (1 / domain), b = upper - 2.0 * a * x_upper;
  double c = y_upper - a * x_upper * x_upper - b * x_upper;
  return a * x * x + b * x + c;
}

/* What cm_int and cm_d_dt do to their output before they give it: held at out_lower_limit
 * below it - limit_range, rounded within limit_range of it, the same at out_upper_limit. */
static double held_in_limits(const kh_model *m, double out) {
  double lower = kh_model_value(m, "out_lower_limit", 0),
         upper = kh_model_value(m, "out_upper_limit", 0),
         range = kh_model_value(m, "limit_range", 1.0e-6);
  if (out < lower - range) return lower;
  if (out < lower + range) return smooth_corner(out, lower, range, 0.0, 1.0);
  if (out > upper + range) return upper;
  if (out > upper - range) return smooth_corner(out, upper, range, 1.0, 0.0);
  return out;
}

/* What a code model whose output does not follow its input at DC (TIME 0) gives there: int its
 * out_ic and d_dt 0, held in their limits as cm_int and cm_d_dt hold them; sine the middle of
 * out_low and out_high, square and triangle out_low (their MIF_DC branches). */
static double held_value(const kh_model *m) {
  double low = kh_model_value(m, "out_low", -1.0);
  if (!strcmp(m->type, "sine")) return (kh_model_value(m, "out_high", 1.0) + low) / 2;
  if (!strcmp(m->type, "square") || !strcmp(m->type, "triangle")) return low;
  return held_in_limits(m, strcmp(m->type, "int") ? 0.0 : kh_model_value(m, "out_ic", 0));
}

kh_status kh_behavioural_held(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                              const kh_curve_ports *ports, uint32_t model) {
  kh_elem e = port_element(ports, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  /* the input stays in the tree as 0 input, so that the card is written back with its port */
  uint32_t unread = kh_reader_binary(&r, KH_X_MUL, constant(&r, 0), port_input(&r, ports));
  double value = held_value(&p->nl->models[model]);
  return kh_reader_finish(&r, kh_reader_binary(&r, KH_X_ADD, unread, constant(&r, value)), name, e);
}

kh_status kh_behavioural_climit(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in,
                                const kh_curve_ports *out, uint32_t model) {
  kh_elem e = port_element(out, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  /* the ports in their order (in, cntl_upper, cntl_lower: the writer lists them so) */
  uint32_t input = port_input(&r, &in[0]), cntl_upper = port_input(&r, &in[1]),
           cntl_lower = port_input(&r, &in[2]);
  uint32_t lower =
      kh_reader_binary(&r, KH_X_ADD, cntl_lower, constant(&r, kh_model_value(m, "lower_delta", 0)));
  uint32_t upper =
      kh_reader_binary(&r, KH_X_SUB, cntl_upper, constant(&r, kh_model_value(m, "upper_delta", 0)));
  uint32_t range = constant(&r, kh_model_value(m, "limit_range", 1.0e-6));
  if (kh_model_value(m, "fraction", 0) != 0)
    range = kh_reader_binary(&r, KH_X_MUL, range, kh_reader_binary(&r, KH_X_SUB, upper, lower));
  uint32_t threshold_upper = kh_reader_binary(&r, KH_X_SUB, upper, range),
           threshold_lower = kh_reader_binary(&r, KH_X_ADD, lower, range);
  uint32_t linear_range = kh_reader_binary(&r, KH_X_SUB, threshold_upper, threshold_lower);
  uint32_t x = kh_reader_binary(
      &r, KH_X_MUL, constant(&r, kh_model_value(m, "gain", 1)),
      kh_reader_binary(&r, KH_X_ADD, constant(&r, kh_model_value(m, "in_offset", 0)), input));
  /* cm_climit's branches: below threshold_lower the lower corner (held below lower - range),
   * above threshold_upper the upper one (held above upper + range), else x itself */
  uint32_t low_edge = kh_reader_binary(&r, KH_X_SUB, lower, range),
           high_edge = kh_reader_binary(&r, KH_X_ADD, upper, range);
  uint32_t low = choose(&r, test(&r, KH_XF_GT0, kh_reader_binary(&r, KH_X_SUB, x, low_edge)),
                        corner(&r, x, lower, range, 0.0, 1.0), lower);
  uint32_t high = choose(&r, test(&r, KH_XF_LT0, kh_reader_binary(&r, KH_X_SUB, x, high_edge)),
                         corner(&r, x, upper, range, 1.0, 0.0), upper);
  uint32_t limited = choose(
      &r, test(&r, KH_XF_LT0, kh_reader_binary(&r, KH_X_SUB, x, threshold_lower)), low,
      choose(&r, test(&r, KH_XF_GT0, kh_reader_binary(&r, KH_X_SUB, x, threshold_upper)), high, x));
  /* no linear range (the limits crossed): cm_climit returns without an output, and MIFload
   * has set it to 0 */
  uint32_t root = choose(&r, test(&r, KH_XF_LT0, linear_range), constant(&r, 0), limited);
  return kh_reader_finish(&r, root, name, e);
}

kh_status kh_behavioural_aswitch(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_token *name, const kh_curve_ports *in,
                                 const kh_curve_ports *out, uint32_t model) {
  kh_elem e = port_element(out, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  double on = kh_model_value(m, "cntl_on", 1.0), off = kh_model_value(m, "cntl_off", 0.0),
         r_on = kh_model_value(m, "r_on", 1.0), r_off = kh_model_value(m, "r_off", 1.0e12);
  if (r_on < 1.0e-3) r_on = 1.0e-3; /* cm_aswitch's smallest on resistance */
  uint32_t cntl = port_input(&r, &in[0]), resistance, exponent = 0;
  double overflow = INFINITY; /* the exponent above which r_on e^x is no double */
  int logarithmic = kh_model_value(m, "log", 1) != 0;
  if (logarithmic) { /* r_on e^{k (on - cntl)}, k = ln(r_off/r_on)/(on - off) */
    double k = log(r_off / r_on) / (on - off);
    overflow = log(DBL_MAX) - log(r_on);
    exponent = kh_reader_binary(&r, KH_X_MUL, constant(&r, k),
                                kh_reader_binary(&r, KH_X_SUB, constant(&r, on), cntl));
    resistance = kh_reader_binary(
        &r, KH_X_MUL, constant(&r, r_on),
        kh_reader_add(&r, (kh_xnode){.op = KH_X_CALL, .fn = KH_XF_EXP, .a = exponent}));
  } else { /* cntl k + (r_off on - r_on off) / (on - off), k = (r_on - r_off) / (on - off) */
    double k = (r_on - r_off) / (on - off);
    resistance =
        kh_reader_binary(&r, KH_X_ADD, kh_reader_binary(&r, KH_X_MUL, cntl, constant(&r, k)),
                         constant(&r, (r_off * on - r_on * off) / (on - off)));
  }
  int limit = kh_model_value(m, "limit", 0) != 0;
  if (limit) { /* cm_aswitch's limit: r below r_on is r_on, and then above r_off r_off */
    uint32_t lower = constant(&r, r_on), upper = constant(&r, r_off);
    resistance = choose(&r, test(&r, KH_XF_LT0, kh_reader_binary(&r, KH_X_SUB, resistance, lower)),
                        lower, resistance);
    resistance = choose(&r, test(&r, KH_XF_GT0, kh_reader_binary(&r, KH_X_SUB, resistance, upper)),
                        upper, resistance);
    if (logarithmic) /* e^x past a double: r infinite, limited to r_off */
      resistance = choose(
          &r, test(&r, KH_XF_GT0, kh_reader_binary(&r, KH_X_SUB, exponent, constant(&r, overflow))),
          upper, resistance);
  } else { /* at least 1e-9 ohm (cm_aswitch: r <= 1e-9 is 1e-9) */
    uint32_t floor = constant(&r, 1.0e-9);
    resistance = choose(&r, test(&r, KH_XF_LE0, kh_reader_binary(&r, KH_X_SUB, resistance, floor)),
                        floor, resistance);
  }
  /* the port's own voltage over it (its current from out[0] through it to out[1]) */
  kh_curve_ports across = {{out->out[0], out->out[1]}, {0, 0}, NULL, 0};
  uint32_t v = port_input(&r, &across);
  uint32_t current = quotient(&r, v, resistance);
  /* where e^x overflows, cm_aswitch's r is infinite and its current and partials 0: the same
   * without the infinity, which the tree's evaluation refuses */
  if (logarithmic && !limit)
    current = choose(
        &r, test(&r, KH_XF_GT0, kh_reader_binary(&r, KH_X_SUB, exponent, constant(&r, overflow))),
        constant(&r, 0), current);
  return kh_reader_finish(&r, current, name, e);
}

/* a0 + a1 x, or with `square` a0 + a1 x + 0.5 (x - at)^2 q: cm_sidiode's linear and quadratic
 * pieces, in its order (the quadratic term first) */
static uint32_t piece(kh_expr_reader *r, uint32_t x, double a0, double a1, int square, double at,
                      double q) {
  uint32_t y = kh_reader_binary(r, KH_X_MUL, x, constant(r, a1));
  if (a0 != 0) y = kh_reader_binary(r, KH_X_ADD, constant(r, a0), y);
  if (!square) return y;
  uint32_t d = kh_reader_binary(r, KH_X_SUB, x, constant(r, at));
  uint32_t half = kh_reader_binary(r, KH_X_MUL, constant(r, 0.5), d);
  uint32_t quadratic =
      kh_reader_binary(r, KH_X_MUL, kh_reader_binary(r, KH_X_MUL, half, d), constant(r, q));
  return kh_reader_binary(r, KH_X_ADD, quadratic, y);
}

/* (limit - y0) tanh(k (x - at)) + y0: cm_sidiode's current limits */
static uint32_t saturating(kh_expr_reader *r, uint32_t x, double limit, double y0, double k,
                           double at) {
  uint32_t arg = kh_reader_binary(r, KH_X_MUL, constant(r, k),
                                  kh_reader_binary(r, KH_X_SUB, x, constant(r, at)));
  uint32_t t = kh_reader_add(r, (kh_xnode){.op = KH_X_CALL, .fn = KH_XF_TANH, .a = arg});
  return kh_reader_binary(r, KH_X_ADD, kh_reader_binary(r, KH_X_MUL, constant(r, limit - y0), t),
                          constant(r, y0));
}

/* below(x, at, yes, no): x < at ? yes : no */
static uint32_t below(kh_expr_reader *r, uint32_t x, double at, uint32_t yes, uint32_t no) {
  return choose(r, test(r, KH_XF_LT0, kh_reader_binary(r, KH_X_SUB, x, constant(r, at))), yes, no);
}

kh_status kh_behavioural_sidiode(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_token *name, const kh_curve_ports *port, uint32_t model) {
  kh_elem e = port_element(port, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  /* cm_sidiode's constants, computed as its first call computes them (ngspice 39's version:
   * the quadratic regions [vrev_ - revepsilon, vrev_) and [vfwd, vfwd + epsilon), vrev_ = -vrev;
   * a2 and b2 set whether or not those regions exist, a1 and b1 0 where they do not) */
  double v_rev = -kh_model_value(m, "vrev", 1e30), v_fwd = kh_model_value(m, "vfwd", 0);
  double i_limit = kh_model_value(m, "ilimit", 1e30),
         rev_limit = -kh_model_value(m, "revilimit", 1e30);
  double eps = kh_model_value(m, "epsilon", 0), rev_eps = kh_model_value(m, "revepsilon", 0);
  double rrev = kh_model_value(m, "rrev", 0);
  double g_off = 1. / kh_model_value(m, "roff", 1), g_on = 1. / kh_model_value(m, "ron", 1);
  double g_rev = rrev == 0. ? g_on : 1. / rrev;
  double va = v_rev - rev_eps, vb = v_rev, a2 = g_rev / rev_limit;
  double a1 = rev_eps > 0.0 ? (g_off - g_rev) / rev_eps : 0;
  double vc = v_fwd, vd = v_fwd + eps, b2 = g_on / i_limit;
  double b1 = eps > 0.0 ? (g_on - g_off) / eps : 0;
  kh_curve_ports across = {{port->out[0], port->out[1]}, {0, 0}, NULL, 0};
  uint32_t v = port_input(&r, &across);
  /* its branches in its order; each test's earlier ones imply v is at least the threshold
   * before it, so one comparison each */
  uint32_t forward =
      i_limit < 1e29
          ? saturating(&r, v, i_limit, g_off * vd + 0.5 * (vd - vc) * (vd - vc) * b1, b2, vd)
          : piece(&r, kh_reader_binary(&r, KH_X_SUB, v, constant(&r, v_fwd)), v_fwd * g_off, g_on,
                  0, 0, 0);
  if (eps > 0.0) forward = below(&r, v, vd, piece(&r, v, 0, g_off, 1, vc, b1), forward);
  uint32_t current = below(&r, v, vc, piece(&r, v, 0, g_off, 0, 0, 0), forward);
  if (rev_eps > 0.0) current = below(&r, v, vb, piece(&r, v, 0, g_off, 1, vb, a1), current);
  uint32_t reverse =
      rev_limit > -1e29
          ? saturating(&r, v, rev_limit, g_off * va + 0.5 * (va - vb) * (va - vb) * a1, a2, va)
          : piece(&r, kh_reader_binary(&r, KH_X_SUB, v, constant(&r, v_rev)), v_rev * g_off, g_rev,
                  0, 0, 0);
  return kh_reader_finish(&r, below(&r, v, va, reverse, current), name, e);
}

static uint32_t call(kh_expr_reader *r, kh_xfunction fn, uint32_t a) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_CALL, .fn = (uint8_t)fn, .a = a});
}
static uint32_t times(kh_expr_reader *r, double k, uint32_t x) {
  return kh_reader_binary(r, KH_X_MUL, constant(r, k), x);
}

kh_status kh_zener_constants(const kh_model *m, kh_zener *z) {
  z->n = kh_model_value(m, "n_forward", 1.0), z->i_sat = kh_model_value(m, "i_sat", 1e-12);
  double v_bd = kh_model_value(m, "v_breakdown", NAN),
         i_bd = kh_model_value(m, "i_breakdown", 2e-2),
         r_bd = kh_model_value(m, "r_breakdown", 1.0);
  /* cm_zener's, in its order (vt fixed at 0.026 V) */
  double vt = 0.026;
  z->v12 = z->n * vt * log(z->n * vt / 10.0);
  z->k = 1.0 / i_bd / r_bd;
  z->v23 = -v_bd + log(10.0 / z->i_sat / r_bd) / z->k;
  z->three = z->v23 < z->v12;
  if (z->three) {
    z->i0 = 1.e-6;
    z->v0 = -v_bd + 1.0 / z->k * log(i_bd / z->i0);
    double ord12 = z->i_sat * (exp(z->v12 / z->n / vt) - 1.0);
    z->a = z->i_sat / 10.0;
    z->b = ord12 - z->a * z->v12;
    z->c = z->a * z->v23 + z->b + z->i0 * exp(-z->k * (z->v23 - z->v0));
  } else {
    z->i0 = i_bd / (exp(z->k * v_bd) - 1.0);
    z->a = z->i_sat / z->n / vt - z->i0 * z->k; /* slope1 - slope2 */
    z->b = z->c = z->v0 = 0;
  }
  z->g = kh_model_value(m, "i_rev", 1e-6) / v_bd;
  double all[] = {z->v12, z->k, z->v23, z->i0, z->v0, z->a, z->b, z->c, z->g};
  for (size_t j = 0; j < sizeof all / sizeof *all; j++)
    if (!isfinite(all[j])) return KH_ERR_INPUT;
  return KH_OK;
}

kh_status kh_behavioural_zener(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *port, uint32_t model, const kh_zener *z) {
  kh_elem e = port_element(port, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  kh_curve_ports across = {{port->out[0], port->out[1]}, {0, 0}, NULL, 0};
  uint32_t v = port_input(&r, &across);
  /* the forward exponential i_sat (e^(v / n / vt) - 1), cm_zener's operations */
  uint32_t scaled = quotient(&r, quotient(&r, v, constant(&r, z->n)), constant(&r, 0.026));
  uint32_t forward = times(
      &r, z->i_sat, kh_reader_binary(&r, KH_X_SUB, call(&r, KH_XF_EXP, scaled), constant(&r, 1.0)));
  uint32_t current;
  if (z->three) { /* above v12 the exponential, above v23 a v + b, below -i0 e^(-k (v - v0)) + c */
    uint32_t linear = kh_reader_binary(&r, KH_X_ADD, times(&r, z->a, v), constant(&r, z->b));
    uint32_t arg = times(&r, -z->k, kh_reader_binary(&r, KH_X_SUB, v, constant(&r, z->v0)));
    uint32_t reverse = kh_reader_binary(&r, KH_X_ADD, times(&r, -z->i0, call(&r, KH_XF_EXP, arg)),
                                        constant(&r, z->c));
    current = below(&r, v, z->v12, below(&r, v, z->v23, reverse, linear), forward);
  } else { /* two segments meeting at 0, the steeper side's slope added to the other */
    uint32_t reverse =
        times(&r, -z->i0,
              kh_reader_binary(&r, KH_X_SUB, call(&r, KH_XF_EXP, times(&r, -z->k, v)),
                               constant(&r, 1.0)));
    if (z->a < 0) forward = kh_reader_binary(&r, KH_X_ADD, forward, times(&r, -z->a, v));
    if (z->a > 0) reverse = kh_reader_binary(&r, KH_X_ADD, reverse, times(&r, z->a, v));
    current = below(&r, v, 0.0, reverse, forward);
  }
  /* the leakage conductance i_rev / v_breakdown in parallel */
  return kh_reader_finish(&r, kh_reader_binary(&r, KH_X_ADD, current, times(&r, z->g, v)), name, e);
}

kh_status kh_behavioural_grid(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                              const kh_curve_ports *in, const kh_curve_ports *out, uint32_t model) {
  kh_elem e = port_element(out, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  const kh_model *m = &p->nl->models[model];
  const kh_grid *g = p->nl->grids[(size_t)kh_model_value(m, "file", 0)];
  r.grid = g;
  /* the ports in their order (x, y, z: the writer lists them so) */
  uint32_t x = port_input(&r, &in[0]), y = port_input(&r, &in[1]);
  uint32_t z = g->dims == 3 ? port_input(&r, &in[2]) : 0;
  uint32_t f = kh_reader_add(
      &r, (kh_xnode){.op = KH_X_GRID, .fn = (uint8_t)g->dims, .a = x, .b = y, .c = z});
  /* cm_table2D: offset + gain * value */
  uint32_t scaled = kh_reader_binary(&r, KH_X_MUL, constant(&r, kh_model_value(m, "gain", 1)), f);
  return kh_reader_finish(
      &r, kh_reader_binary(&r, KH_X_ADD, constant(&r, kh_model_value(m, "offset", 0)), scaled),
      name, e);
}
