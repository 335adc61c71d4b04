/* XSPICE's pswitch code model (src/xspice/icm/xtradev/pswitch, read there), which ngspice 39's
 * PSpice mode makes of a VSWITCH model with VON and VOFF: `Aname CNTL OUT model`, CNTL and OUT
 * conductance ports (%gd a b, or (a b), or a b). OUT carries v(OUT) / r, r set by the control
 * voltage as cm_pswitch computes it; CNTL is the resistor r_cntl_in. */
#include "behavioural_steps.h"
#include "netlist_impl.h"
#include "parser.h"

#include <math.h>
#include <stdio.h>

static uint32_t sub(kh_expr_reader *r, uint32_t a, uint32_t b) {
  return kh_reader_binary(r, KH_X_SUB, a, b);
}
static uint32_t mul(kh_expr_reader *r, uint32_t a, uint32_t b) {
  return kh_reader_binary(r, KH_X_MUL, a, b);
}
/* yes where a - k holds `fn` (KH_XF_GT0, KH_XF_LT0), else no */
static uint32_t when(kh_expr_reader *r, kh_xfunction fn, uint32_t a, double k, uint32_t yes,
                     uint32_t no) {
  return choose(r, test(r, fn, sub(r, a, constant(r, k))), yes, no);
}

/* cm_pswitch's logarithmic r: exp(logmean + c1 x - c3 x^3) (at least r_on) over the control's
 * range, x its position there less 0.5, and r_on and r_off beyond it. */
static uint32_t logarithmic(kh_expr_reader *r, uint32_t c, double on, double off, double r_on,
                            double r_off) {
  double d = on > off ? 1 : -1; /* cm_pswitch's control range, normalized */
  double logmean = log(sqrt(r_on * r_off)), logratio = log(r_on / r_off);
  double c1 = 1.5 * logratio / d, c3 = 2. * logratio / (d * d * d);
  uint32_t along = on > off ? sub(r, c, constant(r, off)) : sub(r, constant(r, on), c);
  uint32_t x = sub(r, quotient(r, along, constant(r, on - off)), constant(r, 0.5));
  uint32_t cube = mul(r, mul(r, mul(r, constant(r, c3), x), x), x);
  uint32_t exponent =
      sub(r, kh_reader_binary(r, KH_X_ADD, constant(r, logmean), mul(r, constant(r, c1), x)), cube);
  uint32_t mid = kh_reader_add(r, (kh_xnode){.op = KH_X_CALL, .fn = KH_XF_EXP, .a = exponent});
  mid = when(r, KH_XF_LT0, mid, r_on, constant(r, r_on), mid); /* the minimum limiter */
  if (on > off)
    return when(r, KH_XF_GT0, c, on, constant(r, r_on),
                when(r, KH_XF_LT0, c, off, constant(r, r_off), mid));
  return when(r, KH_XF_LT0, c, on, constant(r, r_on),
              when(r, KH_XF_GT0, c, off, constant(r, r_off), mid));
}

/* cm_pswitch's linear r, at least 1e-9 ohm. */
static uint32_t linear(kh_expr_reader *r, uint32_t c, double on, double off, double r_on,
                       double r_off) {
  double d = on - off;
  uint32_t mid = kh_reader_binary(r, KH_X_ADD, mul(r, c, constant(r, (r_on - r_off) / d)),
                                  constant(r, (r_off * on - r_on * off) / d));
  uint32_t res = d >= 0 ? when(r, KH_XF_LT0, c, off, constant(r, r_off),
                               when(r, KH_XF_GT0, c, on, constant(r, r_on), mid))
                        : when(r, KH_XF_GT0, c, off, constant(r, r_off),
                               when(r, KH_XF_LT0, c, on, constant(r, r_on), mid));
  uint32_t floor = constant(r, 1.0e-9);
  return choose(r, test(r, KH_XF_LE0, sub(r, res, floor)), floor, res);
}

kh_status kh_pswitch(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                     const kh_curve_ports *cntl, const kh_curve_ports *out, uint32_t model) {
  const kh_model *m = &p->nl->models[model];
  double on = kh_model_value(m, "cntl_on", 1.0), off = kh_model_value(m, "cntl_off", 0.0),
         r_on = kh_model_value(m, "r_on", 1.0), r_off = kh_model_value(m, "r_off", 1.0e12),
         r_in = kh_model_value(m, "r_cntl_in", 1.0e12);
  int log_r = kh_model_value(m, "log", 1) != 0;
  r_on = r_on < 1.0e-3 ? 1.0e-3 : r_on; /* cm_pswitch's limits on the resistances */
  r_off = r_off > 1.0e12 ? 1.0e12 : r_off;
  if (fabs(on - off) < 1.0e-12) on += 0.001, off -= 0.001; /* as cm_pswitch moves them apart */
  if (!(r_in > 0) || !isfinite(r_in) || (log_r && !(r_off > 0)))
    return kh_token_fail(p, line, name, "pswitch model '%s': r_cntl_in (%g) must be above 0%s",
                         m->name, r_in, log_r ? ", and r_off too with log (its logarithm)" : "");
  const char *qualified;
  size_t len;
  char part[512];
  kh_status st = kh_qualify_name(p, name->s[0], s->path, name->s, name->len, &qualified, &len);
  if (st != KH_OK) return st;
  if (snprintf(part, sizeof part, "%.*s#cntl", (int)len, qualified) >= (int)sizeof part)
    return kh_token_fail(p, line, name, "name too long");
  kh_elem e = port_element(out, model); /* ctrl[1]: the model, for the writer */
  kh_expr_reader r = reader_for(p, line, s, name);
  kh_curve_ports control = {{cntl->in[0], cntl->in[1]}, {0, 0}, NULL, 0};
  uint32_t c = port_input(&r, &control);
  uint32_t res =
      log_r ? logarithmic(&r, c, on, off, r_on, r_off) : linear(&r, c, on, off, r_on, r_off);
  kh_curve_ports across = {{out->out[0], out->out[1]}, {0, 0}, NULL, 0};
  st = kh_reader_finish(&r, quotient(&r, port_input(&r, &across), res), name, e);
  kh_elem input = {.kind = KH_RESISTOR,
                   .node = {cntl->in[0], cntl->in[1]},
                   .model = KH_NOT_FOUND,
                   .value = r_in,
                   .synthetic = KH_SYNTHETIC_PSWITCH_CONTROL};
  return st == KH_OK ? kh_add_part(p, line, name, part, input) : st;
}
