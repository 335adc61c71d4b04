/* XSPICE's ilimit, a current-limited output stage (src/xspice/icm/analog/ilimit, read there):
 * `Aname IN POS_PWR NEG_PWR OUT model`, IN a voltage input (pwl's ports), the others single-ended
 * conductance ports (%g node, or a bare node), POS_PWR and NEG_PWR `NULL` where absent (then
 * at +-1e6 V). cm_ilimit computes, in its order: veq, the input gain (in + in_offset) held
 * between the supplies by cm_climit_fcn (rounded over v_pwr_range); r_out, r_out_source or
 * r_out_sink, joined over +-r_out_domain of veq - v(OUT) by cm_smooth_discontinuity; i_out = (veq
 * - v(OUT)) / r_out out of OUT, held at i_limit_source and -i_limit_sink (the corners rounded,
 * the upper one over i_sink_range, as its code has it); and the supply that gives that current
 * (POS_PWR when sourcing, NEG_PWR when sinking), rounded near 0 over the ranges. kirchhoff makes
 * the three currents B sources of the same tree: the card's own name for OUT, `pos#Aname` and
 * `neg#Aname` for the supplies, written back as the A card. ngspice's first iteration
 * (MODEINITJCT) puts veq halfway between the supplies; that changes where its Newton starts, not
 * the equations. */
#include "behavioural_steps.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

enum { OUT, POS, NEG };

typedef struct {
  kh_curve_ports in;
  uint32_t node[3]; /* OUT, POS_PWR, NEG_PWR */
  int has[3];       /* the supplies given (not NULL); OUT always */
} ilimit_ports;

/* cm_climit_fcn of the input between the supplies, its deltas 0 and its range absolute. */
static uint32_t equivalent_voltage(kh_expr_reader *r, const ilimit_ports *pt, const kh_model *m) {
  uint32_t in = port_input(r, &pt->in);
  uint32_t upper = pt->has[POS] ? kh_reader_input(r, pt->node[POS], NULL) : constant(r, 1.0e6);
  uint32_t lower = pt->has[NEG] ? kh_reader_input(r, pt->node[NEG], NULL) : constant(r, -1.0e6);
  uint32_t range = constant(r, kh_model_value(m, "v_pwr_range", 1.0e-6));
  uint32_t threshold_upper = kh_reader_binary(r, KH_X_SUB, upper, range),
           threshold_lower = kh_reader_binary(r, KH_X_ADD, lower, range);
  uint32_t out = kh_reader_binary(
      r, KH_X_MUL, constant(r, kh_model_value(m, "gain", 1)),
      kh_reader_binary(r, KH_X_ADD, constant(r, kh_model_value(m, "in_offset", 0)), in));
  uint32_t low_edge = kh_reader_binary(r, KH_X_SUB, lower, range),
           high_edge = kh_reader_binary(r, KH_X_ADD, upper, range);
  uint32_t low = choose(r, test(r, KH_XF_GT0, kh_reader_binary(r, KH_X_SUB, out, low_edge)),
                        corner(r, out, lower, range, 0.0, 1.0), lower);
  uint32_t high = choose(r, test(r, KH_XF_LT0, kh_reader_binary(r, KH_X_SUB, out, high_edge)),
                         corner(r, out, upper, range, 1.0, 0.0), upper);
  return choose(r, test(r, KH_XF_LT0, kh_reader_binary(r, KH_X_SUB, out, threshold_lower)), low,
                choose(r, test(r, KH_XF_GT0, kh_reader_binary(r, KH_X_SUB, out, threshold_upper)),
                       high, out));
}

/* a x x + b x + c, in that order */
static uint32_t parabola(kh_expr_reader *r, double a, double b, double c, uint32_t x) {
  uint32_t ax = kh_reader_binary(r, KH_X_MUL, constant(r, a), x);
  uint32_t sum = kh_reader_binary(r, KH_X_ADD, kh_reader_binary(r, KH_X_MUL, ax, x),
                                  kh_reader_binary(r, KH_X_MUL, constant(r, b), x));
  return kh_reader_binary(r, KH_X_ADD, sum, constant(r, c));
}

/* below(x, at): x < at */
static uint32_t below(kh_expr_reader *r, uint32_t x, double at) {
  return test(r, KH_XF_LT0, kh_reader_binary(r, KH_X_SUB, x, constant(r, at)));
}
static uint32_t above(kh_expr_reader *r, uint32_t x, double at) {
  return test(r, KH_XF_GT0, kh_reader_binary(r, KH_X_SUB, x, constant(r, at)));
}

/* cm_smooth_discontinuity at x from (-d, r_out_sink) to (d, r_out_source), its coefficients
 * computed in its order. */
static uint32_t output_resistance(kh_expr_reader *r, uint32_t x, const kh_model *m) {
  double source = kh_model_value(m, "r_out_source", 1), sink = kh_model_value(m, "r_out_sink", 1);
  if (source == sink) return constant(r, source);
  double d = kh_model_value(m, "r_out_domain", 1.0e-9), xl = -d, yl = sink, xu = d, yu = source;
  double xc = (xu + xl) / 2.0, yc = (yu + yl) / 2.0, slope = 2.0 * (yu - yl) / (xu - xl);
  double a1 = slope / (xu - xl), b1 = slope - 2.0 * a1 * xc, c1 = yc - a1 * xc * xc - b1 * xc;
  double a2 = -slope / (xu - xl), b2 = -2.0 * a2 * xu, c2 = yu - a2 * xu * xu - b2 * xu;
  return choose(r, below(r, x, xl), constant(r, yl),
                choose(r, below(r, x, xc), parabola(r, a1, b1, c1, x),
                       choose(r, below(r, x, xu), parabola(r, a2, b2, c2, x), constant(r, yu))));
}

/* The current out of the model at port `which` as ngspice's OUTPUT gives it (into the model from
 * the node), as cm_ilimit computes it. */
static uint32_t port_current(kh_expr_reader *r, const ilimit_ports *pt, const kh_model *m,
                             int which) {
  uint32_t veq = equivalent_voltage(r, pt, m);
  uint32_t drop = kh_reader_binary(r, KH_X_SUB, veq, kh_reader_input(r, pt->node[OUT], NULL));
  uint32_t i = quotient(r, drop, output_resistance(r, drop, m));
  double sink = kh_model_value(m, "i_limit_sink", 10.0e-3),
         source = kh_model_value(m, "i_limit_source", 10.0e-3),
         sink_range = kh_model_value(m, "i_sink_range", 1.0e-9),
         source_range = kh_model_value(m, "i_source_range", 1.0e-9);
  uint32_t sinking = below(r, i, 0.0);
  uint32_t held_sink = choose(r, below(r, i, -sink - sink_range), constant(r, -sink),
                              corner(r, i, constant(r, -sink), constant(r, sink_range), 0.0, 1.0));
  uint32_t held_source =
      choose(r, above(r, i, source + source_range), constant(r, source),
             corner(r, i, constant(r, source), constant(r, sink_range), 1.0, 0.0));
  uint32_t at_sink = below(r, i, -sink + sink_range),
           at_source = above(r, i, source - source_range);
  if (which == OUT) /* -i_out */
    return kh_reader_binary(
        r, KH_X_MUL, constant(r, -1.0),
        choose(r, sinking, choose(r, at_sink, held_sink, i), choose(r, at_source, held_source, i)));
  uint32_t zero = constant(r, 0);
  if (which == NEG) { /* -i_neg_pwr: the sunk current, rounded to 0 within 2 i_sink_range */
    uint32_t near =
        corner_at(r, i, constant(r, -sink_range), zero, constant(r, sink_range), 1.0, 0.0);
    return choose(r, sinking,
                  choose(r, at_sink, held_sink, choose(r, above(r, i, -2.0 * sink_range), near, i)),
                  zero);
  }
  uint32_t near = /* -i_pos_pwr */
      corner_at(r, i, constant(r, source_range), zero, constant(r, source_range), 0.0, 1.0);
  return choose(
      r, sinking, zero,
      choose(r, at_source, held_source, choose(r, below(r, i, 2.0 * source_range), near, i)));
}

/* The model's ranges and resistances above 0 (cm_ilimit divides by the resistances and by the
 * ranges in its roundings; the ifspec's limits, which ngspice 39 does not check, say so too),
 * and its current limits above 0. */
static kh_status check_model(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const positive[] = {"r_out_source", "r_out_sink",  "i_limit_source",
                                         "i_limit_sink", "v_pwr_range", "i_source_range",
                                         "i_sink_range", "r_out_domain"};
  for (size_t k = 0; k < sizeof positive / sizeof *positive; k++)
    if (!(kh_model_value(m, positive[k], 1) > 0))
      return kh_token_fail(p, line, at, "ilimit model '%s': %s must be above 0, got %g", m->name,
                           positive[k], kh_model_value(m, positive[k], 1));
  return KH_OK;
}

/* The ports from token *i on: IN, then POS_PWR and NEG_PWR (a port or NULL), then OUT. */
static kh_status read_ports(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            size_t *i, ilimit_ports *pt) {
  kh_status st = kh_xspice_port(p, line, tok, s, i, 0, &pt->in);
  static const int order[] = {POS, NEG, OUT};
  for (int k = 0; st == KH_OK && k < 3; k++) {
    int w = order[k];
    int null = *i < tok->count && kh_token_eq(&tok->items[*i], "null");
    if (null && w == OUT)
      return kh_token_fail(p, line, &tok->items[*i], "an ilimit's output cannot be NULL");
    pt->has[w] = !null;
    kh_curve_ports c = {{0, 0}, {0, 0}, NULL, 0};
    if (pt->has[w] && *i + 1 < tok->count)
      st = kh_xspice_port(p, line, tok, s, i, KH_XSPICE_G, &c);
    else if (pt->has[w])
      st = kh_token_fail(p, line, &tok->items[0],
                         "'%.*s' takes four ports (in, pos_pwr, neg_pwr, "
                         "out) and a model",
                         (int)tok->items[0].len, tok->items[0].s);
    else
      (*i)++;
    pt->node[w] = c.out[0];
  }
  if (st == KH_OK && *i + 1 != tok->count)
    st = kh_token_fail(p, line, &tok->items[*i < tok->count ? *i : tok->count - 1],
                       "'%.*s' takes four ports (in, pos_pwr, neg_pwr, out) and a model",
                       (int)tok->items[0].len, tok->items[0].s);
  return st;
}

kh_status kh_ilimit(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s, size_t i,
                    uint32_t model) {
  const kh_token *t = tok->items;
  ilimit_ports pt;
  kh_status st = read_ports(p, line, tok, s, &i, &pt);
  const kh_model *m = &p->nl->models[model];
  if (st == KH_OK) st = check_model(p, line, &t[tok->count - 1], m);
  const char *name;
  size_t len;
  if (st == KH_OK) st = kh_qualify_name(p, t[0].s[0], s->path, t[0].s, t[0].len, &name, &len);
  char *part = st == KH_OK ? kh_arena_alloc(&p->nl->arena, len + 5) : NULL;
  if (st == KH_OK && !part) st = kh_fail_nomem(p->ctx, "adding an ilimit");
  if (st == KH_OK) memcpy(part + 4, name, len + 1);
  for (int w = OUT; st == KH_OK && w <= NEG; w++) {
    if (!pt.has[w]) continue;
    kh_curve_ports out = {{0, 0}, {pt.node[w], 0}, NULL, 1};
    kh_elem e = port_element(&out, model);
    kh_expr_reader r = reader_for(p, line, s, &t[0]);
    uint32_t root = port_current(&r, &pt, m, w);
    if (w == OUT) {
      st = kh_reader_finish(&r, root, &t[0], e);
      continue;
    }
    memcpy(part, w == POS ? "pos#" : "neg#", 4);
    e.synthetic = w == POS ? KH_SYNTHETIC_ILIMIT_POS : KH_SYNTHETIC_ILIMIT_NEG;
    st = kh_reader_finish_part(&r, root, &t[0], part, e);
  }
  return st;
}
