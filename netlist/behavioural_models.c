/* The trees of XSPICE code models (xspice.c reads their cards): each instance a B source whose
 * expression is the model's output computed in its cfunc.mod's order, written back as the A
 * card of its model (the element's ctrl[1] is that model's index + 1). */
#include "behavioural_reader.h"

#include <string.h>

/* An XSPICE instance's element (its output a voltage or a current between out[0] and out[1]) and
 * its input in r's tree: v(in[0]) - v(in[1]), v(in[0]) or a source's current. */
static kh_elem port_element(const kh_curve_ports *ports) {
  return (kh_elem){.kind = ports->current ? KH_BEHAVIOURAL_I : KH_BEHAVIOURAL_V,
                   .model = KH_NOT_FOUND,
                   .value = 1,
                   .node = {ports->out[0], ports->out[1]}};
}
static uint32_t port_input(kh_expr_reader *r, const kh_curve_ports *ports) {
  uint32_t x = kh_reader_input(r, ports->in[0], ports->source);
  if (!ports->source && ports->in[1] != 0) /* not ground (node 0): %vd */
    x = kh_reader_binary(r, KH_X_SUB, x, kh_reader_input(r, ports->in[1], NULL));
  return x;
}

kh_status kh_behavioural_curve(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *ports, const kh_curve *c) {
  kh_elem e = port_element(ports);
  kh_expr_reader r = {.p = p, .line = line, .scope = s, .first = name, .words = {.m = 1}};
  uint32_t x = port_input(&r, ports);
  uint32_t first = (uint32_t)r.count;
  for (size_t k = 0; k < 2 * c->points; k++)
    kh_reader_add(&r, (kh_xnode){.op = KH_X_CONST, .k = c->xy[k]});
  uint32_t root = kh_reader_add(&r, (kh_xnode){.op = KH_X_TABLE,
                                               .fn = (uint8_t)(c->fraction | c->limit << 1),
                                               .a = x,
                                               .b = first,
                                               .c = (uint32_t)c->points,
                                               .k = c->domain});
  return kh_reader_finish(&r, root, name, e);
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
  kh_elem e = port_element(ports);
  e.ctrl[1] = model + 1; /* the gain model's, for the writer */
  kh_expr_reader r = {.p = p, .line = line, .scope = s, .first = name, .words = {.m = 1}};
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
  kh_elem e = port_element(ports);
  e.ctrl[1] = model + 1; /* the limit model's, for the writer */
  kh_expr_reader r = {.p = p, .line = line, .scope = s, .first = name, .words = {.m = 1}};
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

kh_status kh_behavioural_vector(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in, size_t count,
                                const kh_curve_ports *out, uint32_t model, int product) {
  kh_elem e = port_element(out);
  e.ctrl[1] = model + 1; /* the model's, for the writer */
  kh_expr_reader r = {.p = p, .line = line, .scope = s, .first = name, .words = {.m = 1}};
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

static uint32_t constant(kh_expr_reader *r, double k) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = k});
}
static uint32_t test(kh_expr_reader *r, kh_xfunction fn, uint32_t a) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_CALL, .fn = (uint8_t)fn, .a = a});
}
static uint32_t choose(kh_expr_reader *r, uint32_t cond, uint32_t yes, uint32_t no) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_TERN, .a = cond, .b = yes, .c = no});
}

/* cm_smooth_corner's parabola (cmutil.c) at x about (center, center), over +-domain, from slope
 * 0 to 1, its coefficients computed in its order: a x x + b x + c. */
static uint32_t corner(kh_expr_reader *r, uint32_t x, double center, double domain) {
  double x_upper = center + domain, y_upper = center + (1.0 * domain);
  double a = ((1.0 - 0.0) / 4.0) * (1 / domain), b = 1.0 - (2.0 * a * x_upper);
  double c = y_upper - (a * x_upper * x_upper) - (b * x_upper);
  uint32_t ax = kh_reader_binary(r, KH_X_MUL, constant(r, a), x);
  uint32_t quadratic = kh_reader_binary(r, KH_X_MUL, ax, x);
  uint32_t linear = kh_reader_binary(r, KH_X_MUL, constant(r, b), x);
  return kh_reader_binary(r, KH_X_ADD, kh_reader_binary(r, KH_X_ADD, quadratic, linear),
                          constant(r, c));
}

/* cm_divide's denominator, limited away from 0 to +-lower as it limits it: on the positive side
 * held at lower below lower - domain and rounded up to lower + domain; on the negative side, for
 * den in (-(lower + domain), 0), held at -lower above -(lower - domain) and below it the same
 * parabola moved to -lower (slopes 0 to 1 again, as cfunc.mod has it: that side jumps by domain
 * at both ends of its parabola, and kirchhoff computes the same function). No parabola when
 * domain is 0 (its range is empty, and its coefficients would divide by 0). */
static uint32_t limited_denominator(kh_expr_reader *r, uint32_t den, double lower, double domain) {
  double upper_threshold = lower + domain, lower_threshold = lower - domain;
  uint32_t hold = constant(r, lower), negative_hold = constant(r, -lower);
  uint32_t positive = domain > 0 ? corner(r, den, lower, domain) : hold;
  uint32_t negative = domain > 0 ? corner(r, den, -lower, domain) : negative_hold;
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

kh_status kh_behavioural_divide(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in,
                                const kh_curve_ports *out, uint32_t model) {
  kh_elem e = port_element(out);
  e.ctrl[1] = model + 1; /* the model's, for the writer */
  kh_expr_reader r = {.p = p, .line = line, .scope = s, .first = name, .words = {.m = 1}};
  const kh_model *m = &p->nl->models[model];
  double lower = kh_model_value(m, "den_lower_limit", 1.0e-10),
         domain = kh_model_value(m, "den_domain", 1.0e-16);
  if (kh_model_value(m, "fraction", 0) != 0) domain = domain * lower;
  /* (in + offset) gain, numerator first (the writer lists the ports in this order) */
  uint32_t num =
      kh_reader_binary(&r, KH_X_MUL,
                       kh_reader_binary(&r, KH_X_ADD, port_input(&r, &in[0]),
                                        constant(&r, kh_model_value(m, "num_offset", 0))),
                       constant(&r, kh_model_value(m, "num_gain", 1)));
  uint32_t den =
      kh_reader_binary(&r, KH_X_MUL,
                       kh_reader_binary(&r, KH_X_ADD, port_input(&r, &in[1]),
                                        constant(&r, kh_model_value(m, "den_offset", 0))),
                       constant(&r, kh_model_value(m, "den_gain", 1)));
  uint32_t quotient = kh_reader_add(
      &r, (kh_xnode){
              .op = KH_X_DIV, .fn = 1, .a = num, .b = limited_denominator(&r, den, lower, domain)});
  uint32_t scaled =
      kh_reader_binary(&r, KH_X_MUL, constant(&r, kh_model_value(m, "out_gain", 1)), quotient);
  return kh_reader_finish(
      &r, kh_reader_binary(&r, KH_X_ADD, constant(&r, kh_model_value(m, "out_offset", 0)), scaled),
      name, e);
}
