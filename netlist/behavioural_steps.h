/* The steps the trees of XSPICE code models are built of (behavioural_models.c,
 * behavioural_ilimit.c): an instance's element and reader, its ports' inputs, constants,
 * tests, choices and cm_smooth_corner's parabola. */
#ifndef KH_NETLIST_BEHAVIOURAL_STEPS_H
#define KH_NETLIST_BEHAVIOURAL_STEPS_H

#include "behavioural_reader.h"

/* An XSPICE instance's element: its output a voltage or a current between out[0] and out[1],
 * ctrl[1] its model's index + 1 (0 for KH_NOT_FOUND: a pwl curve writes its own model). */
static inline kh_elem port_element(const kh_curve_ports *ports, uint32_t model) {
  return (kh_elem){.kind = ports->current ? KH_BEHAVIOURAL_I : KH_BEHAVIOURAL_V,
                   .model = KH_NOT_FOUND,
                   .value = 1,
                   .node = {ports->out[0], ports->out[1]},
                   .ctrl = {0, model == KH_NOT_FOUND ? 0 : model + 1}};
}

/* A reader for the tree of the instance named `name` (its card's first token). */
static inline kh_expr_reader reader_for(kh_parser *p, uint32_t line, const kh_scope *s,
                                        const kh_token *name) {
  return (kh_expr_reader){
      .p = p, .line = line, .scope = s, .first = name, .words = {.m = 1}, .xspice = 1};
}

/* A port's input in r's tree: v(in[0]) - v(in[1]), v(in[0]) or a source's current. */
static inline uint32_t port_input(kh_expr_reader *r, const kh_curve_ports *ports) {
  uint32_t x = kh_reader_input(r, ports->in[0], ports->source);
  if (!ports->source && ports->in[1] != 0) /* not ground (node 0): %vd */
    x = kh_reader_binary(r, KH_X_SUB, x, kh_reader_input(r, ports->in[1], NULL));
  return x;
}

static inline uint32_t constant(kh_expr_reader *r, double k) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_CONST, .k = k});
}
static inline uint32_t test(kh_expr_reader *r, kh_xfunction fn, uint32_t a) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_CALL, .fn = (uint8_t)fn, .a = a});
}
/* a / b, a plain quotient (the code models', not the B source's division by b +- 1e-20) */
static inline uint32_t quotient(kh_expr_reader *r, uint32_t a, uint32_t b) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_DIV, .fn = 1, .a = a, .b = b});
}
static inline uint32_t choose(kh_expr_reader *r, uint32_t cond, uint32_t yes, uint32_t no) {
  return kh_reader_add(r, (kh_xnode){.op = KH_X_TERN, .a = cond, .b = yes, .c = no});
}

/* cm_smooth_corner's parabola (cmutil.c) at x about (x_center, y_center), over +-domain (nodes),
 * from slope `lower` to `upper`, its coefficients computed in its order: a x x + b x + c. */
static inline uint32_t corner_at(kh_expr_reader *r, uint32_t x, uint32_t x_center,
                                 uint32_t y_center, uint32_t domain, double lower, double upper) {
  uint32_t x_upper = kh_reader_binary(r, KH_X_ADD, x_center, domain);
  uint32_t y_upper = kh_reader_binary(r, KH_X_ADD, y_center,
                                      kh_reader_binary(r, KH_X_MUL, constant(r, upper), domain));
  uint32_t inverse = quotient(r, constant(r, 1), domain);
  uint32_t a = kh_reader_binary(r, KH_X_MUL, constant(r, (upper - lower) / 4.0), inverse);
  uint32_t two_a = kh_reader_binary(r, KH_X_MUL, constant(r, 2.0), a);
  uint32_t b = kh_reader_binary(r, KH_X_SUB, constant(r, upper),
                                kh_reader_binary(r, KH_X_MUL, two_a, x_upper));
  uint32_t a_xx = kh_reader_binary(r, KH_X_MUL, kh_reader_binary(r, KH_X_MUL, a, x_upper), x_upper);
  uint32_t c = kh_reader_binary(r, KH_X_SUB, kh_reader_binary(r, KH_X_SUB, y_upper, a_xx),
                                kh_reader_binary(r, KH_X_MUL, b, x_upper));
  uint32_t quadratic = kh_reader_binary(r, KH_X_MUL, kh_reader_binary(r, KH_X_MUL, a, x), x);
  uint32_t linear = kh_reader_binary(r, KH_X_MUL, b, x);
  return kh_reader_binary(r, KH_X_ADD, kh_reader_binary(r, KH_X_ADD, quadratic, linear), c);
}
/* ... about (center, center) */
static inline uint32_t corner(kh_expr_reader *r, uint32_t x, uint32_t center, uint32_t domain,
                              double lower, double upper) {
  return corner_at(r, x, center, center, domain, lower, upper);
}

#endif
