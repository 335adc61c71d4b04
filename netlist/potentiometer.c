/* XSPICE's potentiometer (src/xspice/icm/xtradev/potentiometer, read there, and measured in
 * ngspice 39): `Aname R0 WIPER R1 model`, `.model model potentiometer([r=1e5] [position=0.5]
 * [log=false] [log_multiplier=1])`, each port a single-ended conductance port (%g node, or a
 * bare node). cm_potentiometer is two linear conductances: (v(R0) - v(WIPER)) / r_lower out of
 * R0 and (v(R1) - v(WIPER)) / r_upper out of R1, the wiper taking both, where r_lower = position r
 * (with log, r / 10^(position log_multiplier)) and r_upper = r - r_lower. So kirchhoff makes it
 * two resistors, r0#Aname from R0 to WIPER and r1#Aname from R1 to WIPER (not trainable: the
 * card is written back as given). ngspice 39 holds position in [0, 1] (measured: 1.2 answers as
 * 1, -0.5 as 0); a half that comes to 0 or below is refused: cm_potentiometer divides by it (a
 * short that ngspice reaches only by gmin stepping, or not at all) or it is a negative
 * resistance, which kirchhoff's resistors are not. */
#include "netlist_impl.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* The two halves' resistances of model m, as cm_potentiometer computes them. */
static void halves(const kh_model *m, double *lower, double *upper) {
  double r = kh_model_value(m, "r", 1.0e5), position = kh_model_value(m, "position", 0.5);
  position = position < 0 ? 0 : position > 1 ? 1 : position;
  if (kh_model_value(m, "log", 0) != 0)
    *lower = r / pow(10.0, position * kh_model_value(m, "log_multiplier", 1.0));
  else
    *lower = position * r;
  *upper = r - *lower;
}

kh_status kh_potentiometer(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                           size_t i, uint32_t model) {
  const kh_token *t = tok->items;
  kh_curve_ports port[3];
  for (int k = 0; k < 3; k++) {
    if (i + 1 >= tok->count)
      return kh_token_fail(p, line, &t[0], "'%.*s' takes three ports (r0, wiper, r1) and a model",
                           (int)t[0].len, t[0].s);
    kh_status st = kh_xspice_port(p, line, tok, s, &i, KH_XSPICE_G, &port[k]);
    if (st != KH_OK) return st;
  }
  if (i + 1 != tok->count)
    return kh_token_fail(p, line, &t[i < tok->count ? i : tok->count - 1],
                         "'%.*s' takes three ports (r0, wiper, r1) and a model", (int)t[0].len,
                         t[0].s);
  const kh_model *m = &p->nl->models[model];
  double ohms[2];
  halves(m, &ohms[0], &ohms[1]);
  for (int k = 0; k < 2; k++)
    if (!(ohms[k] > 0) || !isfinite(ohms[k]))
      return kh_token_fail(p, line, &t[tok->count - 1],
                           "potentiometer model '%s': the resistance from r%d to the wiper comes "
                           "to %g ohm (r = %g, position held in [0, 1]); at 0 cm_potentiometer "
                           "divides by it, below 0 it is a negative resistance",
                           m->name, k, ohms[k], kh_model_value(m, "r", 1.0e5));
  const char *name;
  size_t len;
  kh_status st = kh_qualify_name(p, t[0].s[0], s->path, t[0].s, t[0].len, &name, &len);
  char *part = st == KH_OK ? kh_arena_alloc(&p->nl->arena, len + 4) : NULL;
  if (st == KH_OK && !part) st = kh_fail_nomem(p->ctx, "adding a potentiometer");
  if (st == KH_OK) part[0] = 'r', part[2] = '#', memcpy(part + 3, name, len + 1);
  for (int k = 0; st == KH_OK && k < 2; k++) {
    part[1] = (char)('0' + k);
    kh_elem r = {.kind = KH_RESISTOR,
                 .node = {port[2 * k].out[0], port[1].out[0]},
                 .model = KH_NOT_FOUND,
                 .value = ohms[k],
                 .synthetic = k ? KH_SYNTHETIC_POT_PART : KH_SYNTHETIC_POT};
    r.ctrl[0] = model;
    st = kh_add_part(p, line, &t[0], part, r);
  }
  return st;
}
