/* XSPICE A cards as ngspice 39 runs them, of sixteen code models (src/xspice/icm/analog:
 * ifspec.ifs and cfunc.mod of each, read there): `Aname IN OUT model`, the ports read by
 * xspice_ports.c: IN a voltage (`%v node`, `%vd a b`, with or without parentheses, or a bare node,
 * the default type), a current into the port (`%i node`, `%id a b`) or a voltage source's current
 * (`%vnam vname`), OUT a voltage, or a current (`%i node`, `%id a b`: from the first through the
 * instance to the second, or ground, measured).
 * - pwl: `.model model pwl(x_array=[x0 x1 ...] y_array=[y0 y1 ...] [input_domain=0.01]
 *   [fraction=true] [limit=false])`; kirchhoff holds OUT at the curve of IN
 *   (kh_behavioural_curve, computed as cm_pwl does in netlist/expression.c).
 * - gain: `.model model gain([in_offset=0] [gain=1] [out_offset=0])`; OUT = out_offset + gain
 *   (IN + in_offset), as cm_gain computes it (kh_behavioural_gain).
 * - limit: `.model model limit(out_lower_limit=L out_upper_limit=U [in_offset=0] [gain=1]
 *   [limit_range=1e-6] [fraction=false])`; OUT = gain (IN + in_offset) held in [L, U], the
 *   corners rounded as cm_limit rounds them (kh_behavioural_limit).
 * - summer and mult: `Aname [IN1 IN2 ...] OUT model`, `.model model summer([in_offset=[...]]
 *   [in_gain=[...]] [out_gain=1] [out_offset=0])` (mult the same), the sum or the product of
 *   the offset inputs as cm_summer and cm_mult compute it (kh_behavioural_vector).
 * - divide: `Aname NUM DEN OUT model`, `.model model divide(...)`, the scaled quotient with the
 *   denominator limited away from 0 as cm_divide limits it (kh_behavioural_divide).
 * - climit: `Aname IN CNTL_UPPER CNTL_LOWER OUT model`, `.model model climit(...)`, limit's
 *   output between limits the controls set, as cm_climit computes it (kh_behavioural_climit).
 * - slew: `.model model slew([rise_slope] [fall_slope])`: at DC OUT = IN (cm_slew's DC branch).
 * - int and d_dt: `.model model int(out_lower_limit=L out_upper_limit=U [out_ic=0] ...)`, d_dt
 *   the same without out_ic: at DC (their TIME 0) OUT is out_ic, or 0, held in [L, U] as they
 *   hold it, whatever IN is (kh_behavioural_held).
 * - aswitch: `Aname CNTL OUT model`, OUT a conductance port (%gd a b, or a b, or (a b): its
 *   default type) whose current v(a, b) / r the control sets (kh_behavioural_aswitch).
 * - sidiode: `Aname DS model`, DS a conductance port as aswitch's OUT, whose current is
 *   cm_sidiode's piecewise curve of its own voltage (src/xspice/icm/xtradev/sidiode;
 *   kh_behavioural_sidiode).
 * - zener: `Aname Z model`, Z a conductance port, whose current is cm_zener's three-segment (or
 *   two-segment) curve of its own voltage (src/xspice/icm/xtradev/zener; kh_behavioural_zener).
 * - potentiometer: `Aname R0 WIPER R1 model`, three single-ended conductance ports (%g node or
 *   a node): two resistors (potentiometer.c).
 * - ilimit: `Aname IN POS_PWR NEG_PWR OUT model`, a current-limited output stage (ilimit.c).
 * - memristor: `Aname M model`, M a conductance port as aswitch's OUT: at DC the resistor rinit.
 * - sine, square and triangle: `Aname CNTL OUT model`, oscillators whose frequency CNTL sets: at
 *   DC (their MIF_DC branches) sine gives (out_low + out_high) / 2, square and triangle out_low,
 *   whatever CNTL is (kh_behavioural_held).
 * - pwlts: `Aname OUT model`, `.model model pwlts(...)` with pwl's words: at DC OUT is pwl's curve
 *   at TIME 0, as cm_pwlts computes it (kh_behavioural_time_curve).
 * - table2d and table3d: `Aname X Y [Z] OUT model`, `.model model table2d([offset=0] [gain=1]
 *   [order=3] [verbose=0] file="name")`: OUT = offset + gain f(X, Y[, Z]), f the file's table
 *   (table_file.c) interpolated as cm_table2D and cm_table3D do (table_interp.c).
 * The other code models are refused at their token. */
#include "netlist_impl.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* An instance of limit model `id` (its name at token i): the limits given (ngspice 39 stops
 * with "Parameter on model has no default" without one), lower below upper, and the rounding
 * range (times upper - lower with fraction) at least 0 and at most half the span, where
 * cm_limit's two roundings would overlap and its output jump. */
static kh_status limit_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_tokens *tok, size_t i, const kh_curve_ports *ports,
                                uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  const kh_token *at = &tok->items[i];
  double lower = kh_param_first(m->params, m->param_count, "out_lower_limit", NAN);
  double upper = kh_param_first(m->params, m->param_count, "out_upper_limit", NAN);
  double range = kh_param_first(m->params, m->param_count, "limit_range", 1e-6);
  if (isnan(lower) || isnan(upper))
    return kh_token_fail(p, line, at,
                         "limit model '%s' needs out_lower_limit and out_upper_limit (ngspice 39 "
                         "stops: they have no default)",
                         m->name);
  if (!(lower < upper))
    return kh_token_fail(p, line, at,
                         "limit model '%s': out_lower_limit %g must lie below "
                         "out_upper_limit %g",
                         m->name, lower, upper);
  if (kh_param_first(m->params, m->param_count, "fraction", 0) != 0) range *= upper - lower;
  if (!(range >= 0 && 2 * range <= upper - lower))
    return kh_token_fail(p, line, at,
                         "limit model '%s': limit_range %g V must lie in [0, half the span %g] "
                         "(wider, cm_limit's two roundings overlap and its output jumps)",
                         m->name, range, upper - lower);
  const double bounds[3] = {lower, upper, range};
  return kh_behavioural_limit(p, line, s, &tok->items[0], ports, id, bounds);
}

/* An instance of int or d_dt model `id`: its limits given (ngspice 39 stops with "Parameter on
 * model has no default" without them, measured). */
static kh_status held_instance(kh_parser *p, uint32_t line, const kh_scope *s, const kh_tokens *tok,
                               size_t i, const kh_curve_ports *ports, uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  if (isnan(kh_param_first(m->params, m->param_count, "out_lower_limit", NAN)) ||
      isnan(kh_param_first(m->params, m->param_count, "out_upper_limit", NAN)))
    return kh_token_fail(p, line, &tok->items[i],
                         "%s model '%s' needs out_lower_limit and out_upper_limit (ngspice 39 "
                         "stops: they have no default)",
                         m->type, m->name);
  return kh_behavioural_held(p, line, s, &tok->items[0], ports, id);
}

/* An instance of the oscillator sine, square or triangle, model `id`: its cntl_array and
 * freq_array given, of one length of two or more (ngspice 39 requires them; with lengths apart
 * cm_sine and the others print an error and give no output). At DC its output is fixed. */
static kh_status oscillator_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                     const kh_tokens *tok, size_t i, const kh_curve_ports *ports,
                                     uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  size_t cntl = kh_model_array_size(m, "cntl_array"), freq = kh_model_array_size(m, "freq_array");
  if (cntl < 2 || cntl != freq)
    return kh_token_fail(p, line, &tok->items[i],
                         "%s model '%s' needs cntl_array and freq_array of one length, two or "
                         "more (it has %zu and %zu)",
                         m->type, m->name, cntl, freq);
  return kh_behavioural_held(p, line, s, &tok->items[0], ports, id);
}

/* An instance of summer or mult model `id` on `count` inputs: its in_gain and in_offset arrays
 * have one value per input where given (ngspice 39 stops otherwise: "Array parameter size on
 * model does not match connection size"). */
static kh_status vector_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_tokens *tok, size_t i, const kh_curve_ports *in,
                                 size_t count, const kh_curve_ports *out, uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  static const char *const arrays[] = {"in_gain", "in_offset"};
  for (int a = 0; a < 2; a++) {
    size_t n = kh_model_array_size(m, arrays[a]);
    if (n && n != count)
      return kh_token_fail(p, line, &tok->items[i],
                           "%s model '%s' has %zu %s values for %zu inputs (ngspice 39 stops: "
                           "one per input)",
                           m->type, m->name, n, arrays[a], count);
  }
  return kh_behavioural_vector(p, line, s, &tok->items[0], in, count, out, id,
                               !strcmp(m->type, "mult"));
}

/* An instance of divide model `id`: its denominator limit above 0 (at 0 cm_divide can divide
 * by it) and its smoothing domain at least 0. */
static kh_status divide_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_tokens *tok, size_t i, const kh_curve_ports *in,
                                 const kh_curve_ports *out, uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  double lower = kh_param_first(m->params, m->param_count, "den_lower_limit", 1.0e-10),
         domain = kh_param_first(m->params, m->param_count, "den_domain", 1.0e-16);
  if (!(lower > 0) || !(domain >= 0))
    return kh_token_fail(p, line, &tok->items[i],
                         "divide model '%s': den_lower_limit (%g) must be above 0 and "
                         "den_domain (%g) at least 0",
                         m->name, lower, domain);
  return kh_behavioural_divide(p, line, s, &tok->items[0], in, out, id);
}

kh_status kh_xspice_aswitch(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                            const kh_token *at, const kh_curve_ports *in, const kh_curve_ports *out,
                            uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  double on = kh_param_first(m->params, m->param_count, "cntl_on", 1.0),
         off = kh_param_first(m->params, m->param_count, "cntl_off", 0.0),
         r_off = kh_param_first(m->params, m->param_count, "r_off", 1.0e12);
  if (!(fabs(on - off) >= 1.0e-12))
    return kh_token_fail(p, line, at,
                         "aswitch model '%s': cntl_on and cntl_off less than 1e-12 apart "
                         "(ngspice 39: \"CONTROL voltage delta less than 1.0e-12\")",
                         m->name);
  if (kh_param_first(m->params, m->param_count, "log", 1) != 0 && !(r_off > 0))
    return kh_token_fail(
        p, line, at, "aswitch model '%s': r_off must be above 0 with log (its logarithm)", m->name);
  return kh_behavioural_aswitch(p, line, s, name, in, out, id);
}

/* An instance of zener model `id`: v_breakdown given (ngspice 39 stops without it), and cm_zener's
 * constants finite. */
static kh_status zener_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_tokens *tok, size_t i, const kh_curve_ports *port,
                                uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  kh_zener z;
  if (isnan(kh_param_first(m->params, m->param_count, "v_breakdown", NAN)))
    return kh_token_fail(p, line, &tok->items[i], "zener model '%s' needs v_breakdown", m->name);
  if (kh_zener_constants(m, &z) != KH_OK)
    return kh_token_fail(p, line, &tok->items[i],
                         "zener model '%s': its parameters make cm_zener's constants infinite or "
                         "NaN (a parameter 0, or a logarithm of a negative number)",
                         m->name);
  return kh_behavioural_zener(p, line, s, &tok->items[0], port, id, &z);
}

/* An instance of memristor model `id`: at DC cm_memristor drives v / rinit through its port
 * (its state moves only in time, between rmin and rmax), so it is the resistor rinit, written
 * back as the A card (not trainable). rinit at or below 0 refused (it divides by rinit; below 0
 * a negative resistance, which kirchhoff's resistors are not). */
static kh_status memristor_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                    const kh_tokens *tok, size_t i, const kh_curve_ports *port,
                                    uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  double rinit = kh_param_first(m->params, m->param_count, "rinit", 7000.0);
  if (!(rinit > 0) || !isfinite(rinit))
    return kh_token_fail(p, line, &tok->items[i],
                         "memristor model '%s': rinit must be above 0 ohm, got %g", m->name, rinit);
  kh_elem r = {.kind = KH_RESISTOR,
               .node = {port->out[0], port->out[1]},
               .model = KH_NOT_FOUND,
               .value = rinit,
               .synthetic = KH_SYNTHETIC_MEMRISTOR};
  r.ctrl[0] = id;
  return kh_add_element(p, line, &tok->items[0], s, r);
}

/* An instance of sidiode model `id` (or of zener, zener_instance): ron, roff, ilimit and
 * revilimit not 0 (cm_sidiode divides by each; ngspice 39 checks none of the ifspec's limits, so
 * other values are computed as it computes them). */
static kh_status diode_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_tokens *tok, size_t i, const kh_curve_ports *port,
                                uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  if (!strcmp(m->type, "zener")) return zener_instance(p, line, s, tok, i, port, id);
  if (!strcmp(m->type, "memristor")) return memristor_instance(p, line, s, tok, i, port, id);
  static const char *const divisors[] = {"ron", "roff", "ilimit", "revilimit"};
  for (size_t k = 0; k < 4; k++)
    if (kh_param_first(m->params, m->param_count, divisors[k], 1) == 0)
      return kh_token_fail(p, line, &tok->items[i],
                           "sidiode model '%s': %s = 0 (cm_sidiode divides by it)", m->name,
                           divisors[k]);
  return kh_behavioural_sidiode(p, line, s, &tok->items[0], port, id);
}

/* An instance of s_xfer model `id`, whose DC output cm_s_xfer computes from its integrators held
 * at int_ic (not from the transfer function's gain at s = 0): the arrays ngspice 39 needs (each
 * given; no more numerator than denominator coefficients, where it stops with "Numerator
 * coefficient array size greater than denominator"; an int_ic per integrator, where it reads
 * past the array) and a highest denominator coefficient it can divide by. */
static kh_status s_xfer_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_tokens *tok, size_t i, const kh_curve_ports *ports,
                                 uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  size_t nn = kh_model_array_size(m, "num_coeff"), nd = kh_model_array_size(m, "den_coeff"),
         ic = kh_model_array_size(m, "int_ic");
  const char *why = !nn || nd < 2 ? "needs num_coeff and two or more den_coeff values"
                    : nn > nd     ? "has more num_coeff than den_coeff values (ngspice 39 stops)"
                    : ic < nd - 1 ? "needs an int_ic value per integrator (one fewer than "
                                    "den_coeff's values)"
                    : kh_param_first(m->params, m->param_count, "den_coeff", 0) == 0
                        ? "has a highest den_coeff of 0 (ngspice divides by it)"
                        : NULL;
  if (why) return kh_token_fail(p, line, &tok->items[i], "s_xfer model '%s' %s", m->name, why);
  uint32_t source =
      ports->source ? kh_strmap_find(&p->nl->element_names, ports->source, strlen(ports->source))
                    : KH_NOT_FOUND;
  if (ports->source &&
      (source == KH_NOT_FOUND || p->nl->elements[source].synthetic != KH_SYNTHETIC_XSPICE_INPUT))
    return kh_token_fail(p, line, &tok->items[1],
                         "s_xfer's input takes %%v, %%vd, %%i or %%id, not %%vnam (ngspice 39 "
                         "stops: its interface allows no %%vnam there)");
  kh_status st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &tok->items[0]),
                                "s_xfer '%.*s' at DC: its integrators hold int_ic, as ngspice's "
                                "do (its output is not the transfer function's gain at s = 0)",
                                (int)tok->items[0].len, tok->items[0].s);
  return st == KH_OK ? kh_behavioural_s_xfer(p, line, s, &tok->items[0], ports, id) : st;
}

/* An instance of hyst model `id`. cm_hyst picks its leg once, at its first call, from its input
 * then (ngspice's first DC iteration reads every XSPICE input as 0): the lower leg (rising) where
 * 0 < in_high + hyst + input_domain, else the upper; the leg's state only moves between time
 * points, so at DC the output is that leg's curve: out_lower_limit up to in_low +- hyst and
 * out_upper_limit from in_high +- hyst, linear between, the corners cm_smooth_corner's parabolas
 * over input_domain (times in_high - in_low with fraction) - pwl's curve through the two points,
 * held past both. Refused: in_high not above in_low (the slope divides by it), a negative
 * input_domain, and corners that overlap (pwl's rule). */
static kh_status hyst_instance(kh_parser *p, uint32_t line, const kh_scope *s, const kh_tokens *tok,
                               size_t i, const kh_curve_ports *ports, uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  double low = kh_param_first(m->params, m->param_count, "in_low", 0),
         high = kh_param_first(m->params, m->param_count, "in_high", 1),
         hyst = kh_param_first(m->params, m->param_count, "hyst", 0.1),
         domain = kh_param_first(m->params, m->param_count, "input_domain", 0.01);
  if (kh_param_first(m->params, m->param_count, "fraction", 1) != 0) domain = domain * (high - low);
  const char *why = !(high > low)    ? "needs in_high above in_low"
                    : !(domain >= 0) ? "needs a input_domain of 0 or more"
                    : !(high - low >= 2 * domain)
                        ? "has corners that overlap (in_high - in_low under twice input_domain)"
                        : NULL;
  if (why) return kh_token_fail(p, line, &tok->items[i], "hyst model '%s' %s", m->name, why);
  int rising = 0 < high + hyst + domain; /* cm_hyst's X_RISING at INIT, its input 0 */
  double shift = rising ? hyst : -hyst,
         xy[4] = {low + shift, kh_param_first(m->params, m->param_count, "out_lower_limit", 0),
                  high + shift, kh_param_first(m->params, m->param_count, "out_upper_limit", 1)};
  kh_status st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &tok->items[0]),
                                "hyst '%.*s' at DC: on its %s leg, as ngspice holds it (the leg "
                                "its input of 0 picks at the first iteration)",
                                (int)tok->items[0].len, tok->items[0].s,
                                rising ? "lower (rising)" : "upper (falling)");
  kh_curve c = {xy, 2, domain, 0, 1};
  return st == KH_OK ? kh_behavioural_curve(p, line, s, &tok->items[0], ports, &c, id) : st;
}

/* The curve of model `id`'s points (pwl's words, and pwlts's) on `ports`: of its input, or (with
 * `time`) of the time, at DC 0 (cm_pwlts: cm_pwl's curve with TIME for its input). */
static kh_status curve_instance(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *ports, uint32_t id,
                                int time) {
  const kh_model *m = &p->nl->models[id];
  size_t points = 0;
  double xy[2 * m->param_count + 2];
  for (size_t k = 0, xs = 0, ys = 0; k < m->param_count; k++) {
    if (!strcmp(m->params[k].name, "x_array")) xy[2 * xs++] = m->params[k].value, points = xs;
    if (!strcmp(m->params[k].name, "y_array")) xy[2 * ys++ + 1] = m->params[k].value;
  }
  kh_curve c = {xy, points, kh_param_first(m->params, m->param_count, "input_domain", 0.01),
                kh_param_first(m->params, m->param_count, "fraction", 1) != 0,
                kh_param_first(m->params, m->param_count, "limit", 0) != 0};
  return time ? kh_behavioural_time_curve(p, line, s, name, ports, &c, id)
              : kh_behavioural_curve(p, line, s, name, ports, &c, KH_NOT_FOUND);
}

/* An instance of pwlts model `id` (`Aname OUT model`): its output, a voltage or a current port,
 * at the curve of the time. */
static kh_status pwlts_instance(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                const kh_scope *s, uint32_t id) {
  size_t i = 1;
  kh_curve_ports out;
  kh_status st = kh_xspice_port(p, line, tok, s, &i, KH_XSPICE_OUT, &out);
  if (st == KH_OK && i + 1 != tok->count)
    return kh_token_fail(p, line, &tok->items[i < tok->count ? i : tok->count - 1],
                         "'%.*s' takes its output and a model (pwlts has no input)",
                         (int)tok->items[0].len, tok->items[0].s);
  return st == KH_OK ? curve_instance(p, line, s, &tok->items[0], &out, id, 1) : st;
}

/* An instance of pswitch model `id` from token i on: its control and output, conductance ports
 * both, and the model. */
static kh_status pswitch_instance(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                  const kh_scope *s, size_t i, uint32_t id) {
  kh_curve_ports cntl, out;
  kh_status st = kh_xspice_port(p, line, tok, s, &i, KH_XSPICE_GD_OUT, &cntl);
  if (st == KH_OK) st = kh_xspice_port(p, line, tok, s, &i, KH_XSPICE_GD_OUT, &out);
  if (st == KH_OK && i + 1 != tok->count)
    return kh_token_fail(p, line, &tok->items[i < tok->count ? i : tok->count - 1],
                         "'%.*s' takes its control (a b), its output (a b) and a model",
                         (int)tok->items[0].len, tok->items[0].s);
  /* the ports were read as outputs: the control's nodes go to its input */
  cntl.in[0] = cntl.out[0], cntl.in[1] = cntl.out[1];
  return st == KH_OK ? kh_pswitch(p, line, s, &tok->items[0], &cntl, &out, id) : st;
}

/* The code models read, each with its input connections: single ports (0 to 3) or a vector. */
static const struct {
  const char *type;
  size_t inputs;
} code_models[] = {{"pwl", 1},
                   {"gain", 1},
                   {"limit", 1},
                   {"summer", KH_XSPICE_VECTOR},
                   {"mult", KH_XSPICE_VECTOR},
                   {"divide", 2},
                   {"climit", 3},
                   {"slew", 1},
                   {"aswitch", 1},
                   {"pswitch", 1},
                   {"sidiode", 0},
                   {"zener", 0},
                   {"int", 1},
                   {"d_dt", 1},
                   {"memristor", 0},
                   {"potentiometer", 0},
                   {"ilimit", 0},
                   {"s_xfer", 1},
                   {"hyst", 1},
                   {"table2d", 2},
                   {"table3d", 3},
                   {"pwlts", 0},
                   {"sine", 1},
                   {"square", 1},
                   {"triangle", 1}};

/* Which of code_models model m is (the count of them where none). */
static size_t code_model_kind(const kh_model *m) {
  size_t kind = 0;
  while (kind < sizeof code_models / sizeof *code_models && strcmp(m->type, code_models[kind].type))
    kind++;
  return kind;
}

static kh_status unsupported(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  return kh_token_fail(p, line, at,
                       "XSPICE code model '%s' is not supported (kirchhoff reads pwl, gain, "
                       "limit, summer, mult, divide, climit, slew, int, d_dt, s_xfer, hyst, "
                       "ilimit, aswitch, pswitch, sidiode, zener, memristor, potentiometer, "
                       "table2d, table3d, pwlts, sine, square and triangle)",
                       m->type);
}

/* The A card in tok, its brackets split off; its model at its last token. */
static kh_status instance(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                          kh_curve_ports *in) {
  const kh_token *t = tok->items, *at = &t[tok->count - 1];
  uint32_t id;
  kh_status st = kh_model_at(p, line, s, at, &id);
  if (st != KH_OK) return st;
  const kh_model *m = &p->nl->models[id];
  size_t kind = code_model_kind(m), count, i = 1;
  if (kind == sizeof code_models / sizeof *code_models) return unsupported(p, line, at, m);
  if (!strcmp(m->type, "potentiometer")) return kh_potentiometer(p, line, tok, s, i, id);
  if (!strcmp(m->type, "ilimit")) return kh_ilimit(p, line, tok, s, i, id);
  if (!strcmp(m->type, "pswitch")) return pswitch_instance(p, line, tok, s, i, id);
  if (!strcmp(m->type, "pwlts")) return pwlts_instance(p, line, tok, s, id);
  size_t inputs = code_models[kind].inputs;
  if (inputs != KH_XSPICE_VECTOR && kh_token_eq(&t[1], "["))
    return kh_token_fail(p, line, &t[1], "%s's %s a single port, not a vector", m->type,
                         inputs ? "input is" : "port is");
  kh_curve_ports ports;
  int aswitch = !strcmp(m->type, "aswitch"), diode = inputs == 0; /* sidiode, zener, memristor */
  st = kh_xspice_ports(p, line, tok, s, &i, inputs, in, tok->count, &count,
                       aswitch || diode ? KH_XSPICE_GD_OUT : KH_XSPICE_OUT, &ports);
  if (st != KH_OK) return st;
  if (i + 1 != tok->count)
    return kh_token_fail(p, line, &t[i < tok->count ? i : tok->count - 1],
                         diode ? "'%.*s' takes its port (a b) and a model"
                               : "'%.*s' takes %s, an output and a model",
                         (int)t[0].len, t[0].s,
                         inputs == 3   ? "three inputs"
                         : inputs == 2 ? "two inputs"
                                       : "an input");
  if (diode) return diode_instance(p, line, s, tok, i, &ports, id);
  if (inputs == KH_XSPICE_VECTOR) return vector_instance(p, line, s, tok, i, in, count, &ports, id);
  if (!strncmp(m->type, "table", 5)) return kh_behavioural_grid(p, line, s, &t[0], in, &ports, id);
  if (inputs == 2) return divide_instance(p, line, s, tok, i, in, &ports, id);
  if (inputs == 3) return kh_behavioural_climit(p, line, s, &t[0], in, &ports, id);
  if (aswitch) return kh_xspice_aswitch(p, line, s, &t[0], &t[i], in, &ports, id);
  ports.in[0] = in[0].in[0], ports.in[1] = in[0].in[1], ports.source = in[0].source;
  /* slew follows its input at DC (cm_slew's DC branch): gain's tree at the defaults */
  if (!strcmp(m->type, "gain") || !strcmp(m->type, "slew"))
    return kh_behavioural_gain(p, line, s, &t[0], &ports, id);
  if (!strcmp(m->type, "limit")) return limit_instance(p, line, s, tok, i, &ports, id);
  if (!strcmp(m->type, "s_xfer")) return s_xfer_instance(p, line, s, tok, i, &ports, id);
  if (!strcmp(m->type, "hyst")) return hyst_instance(p, line, s, tok, i, &ports, id);
  if (!strcmp(m->type, "int") || !strcmp(m->type, "d_dt"))
    return held_instance(p, line, s, tok, i, &ports, id);
  if (!strcmp(m->type, "sine") || !strcmp(m->type, "square") || !strcmp(m->type, "triangle"))
    return oscillator_instance(p, line, s, tok, i, &ports, id);
  return curve_instance(p, line, s, &t[0], &ports, id, 0);
}

kh_status kh_xspice_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  uint32_t id;
  int one_port = 0; /* a code model of one port (pwlts, a source): named where unsupported */
  if (tok->count < 4 && tok->count > 2 &&
      (id = kh_find_model(p, s, &tok->items[tok->count - 1])) != KH_NOT_FOUND) {
    const kh_model *m = &p->nl->models[id];
    if (!m->refusal && code_model_kind(m) == sizeof code_models / sizeof *code_models)
      return unsupported(p, line, &tok->items[tok->count - 1], m);
    one_port = !strcmp(m->type, "pwlts");
  }
  if (tok->count < 4 && !one_port)
    return kh_token_fail(p, line, &tok->items[0], "'%.*s' needs an input, an output and a model",
                         (int)tok->items[0].len, tok->items[0].s);
  kh_tokens split = {0};
  kh_status st = kh_xspice_name(p, line, &tok->items[0], s);
  if (st == KH_OK) st = kh_xspice_split_brackets(p->ctx, tok, &split);
  kh_curve_ports *in = st == KH_OK ? kh_malloc(split.count * sizeof *in) : NULL;
  if (st == KH_OK && !in) st = kh_fail_nomem(p->ctx, "reading an A card");
  if (st == KH_OK) st = instance(p, line, &split, s, in);
  kh_free(in), kh_free(split.items);
  return st;
}
