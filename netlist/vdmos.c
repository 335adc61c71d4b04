/* VDMOS power MOSFETs as ngspice 39 reads them (LTspice's model, which vendors' discrete-MOSFET
 * libraries use): `Mname d g s model [m=] [temp=] [dtemp=] [off] [ic=VDS,VGS] [icvds=]
 * [icvgs=]` with `.model NAME VDMOS(...)`, `pchan` (or `vdmosp`) anywhere among the parameters
 * for a p-channel device. The device is a KH_MOSFET element from the drain to the source as
 * written (its RD, RS and the body diode's RB are inside it: sim/general/general_vdmos.c gives
 * them unknowns of their own, since ngspice keeps those nodes out of its answer), its gate in
 * ctrl[0]; the equations are in general_vdmos.c. Every model word ngspice 39 knows is read, at
 * DC or as having no DC effect; LTspice's part data (mfg=, Vds=, Ron=, Qg=), which ngspice drops
 * without a word, is read and dropped too; any other word is refused at its token. `Mname d g s
 * tj tc model [thermal]` gives the thermal nodes (the junction's and the case's) that
 * self-heating heats (general_vdmos.c); without `thermal` the device leaves them alone. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

static const kh_param_alias vdmos_params[] = {
    /* at DC: the channel */
    {"vto", "vto"},
    {"vth0", "vto"},
    {"kp", "kp"},
    {"phi", "phi"},
    {"lambda", "lambda"},
    {"theta", "theta"},
    {"mtriode", "mtriode"},
    {"subshift", "subshift"},
    {"ksubthres", "ksubthres"},
    {"tksubthres1", "tksubthres1"},
    {"tksubthres2", "tksubthres2"},
    {"tcvth", "tcvth"},
    {"vtotc", "tcvth"},
    {"mu", "mu"},
    {"bex", "mu"},
    {"tnom", "tnom"},
    /* at DC: the resistances */
    {"rd", "rd"},
    {"rs", "rs"},
    {"rb", "rb"},
    {"rds", "rds"},
    {"texp0", "texp0"},
    {"trd1", "trd1"},
    {"trd2", "trd2"},
    {"trs1", "trs1"},
    {"trs2", "trs2"},
    {"trb1", "trb1"},
    {"trb2", "trb2"},
    /* at DC: quasi-saturation, RD + RQ vds / (vds + |VQ|) (with both), RQ at temperature */
    {"rq", "rq"},
    {"vq", "vq"},
    {"texp1", "texp1"},
    /* at DC: the body diode */
    {"is", "is"},
    {"n", "n"},
    {"bv", "bv"},
    {"ibv", "ibv"},
    {"nbv", "nbv"},
    {"eg", "eg"},
    {"xti", "xti"},
    /* the instances' defaults (ngspice 39's inpgmod.c: an instance parameter on the card) */
    {"temp", "temp"},
    {"dtemp", "dtemp"},
    /* no DC effect: the gate resistance (no gate current at DC), capacitances, transit time,
     * self-heating's thermal network (without an instance's `thermal`), noise, the
     * safe-operating-area limits */
    {"rg", "rg"},
    {"trg1", "trg1"},
    {"trg2", "trg2"},
    {"cjo", "cjo"},
    {"m", "m"},
    {"fc", "fc"},
    {"vj", "vj"},
    {"tt", "tt"},
    {"cgdmin", "cgdmin"},
    {"cgdmax", "cgdmax"},
    {"a", "a"},
    {"cgs", "cgs"},
    {"rthjc", "rthjc"},
    {"rthca", "rthca"},
    {"cthj", "cthj"},
    {"kf", "kf"},
    {"af", "af"},
    {"vgs_max", "vgs_max"},
    {"vgd_max", "vgd_max"},
    {"vds_max", "vds_max"},
    {"vgsr_max", "vgsr_max"},
    {"vgdr_max", "vgdr_max"},
    {"pd_max", "pd_max"},
    {"id_max", "id_max"},
    {"idr_max", "idr_max"},
    {"te_max", "te_max"},
    {"rth_ext", "rth_ext"},
    {"derating", "derating"},
};
#define VDMOS_PARAMS (sizeof vdmos_params / sizeof *vdmos_params)

const char *kh_vdmos_param_canonical(const char *name) {
  return kh_param_alias_canonical(vdmos_params, VDMOS_PARAMS, name);
}

/* LTspice's part data on a VDMOS card, which ngspice 39 drops without a word (measured). */
static int part_data(const kh_token *t) {
  return kh_token_eq(t, "mfg") || kh_token_eq(t, "vds") || kh_token_eq(t, "ron") ||
         kh_token_eq(t, "qg");
}

/* A polarity flag: 1 p-channel, 0 n-channel, -1 none. */
static int polarity(const kh_token *t) {
  if (kh_token_eq(t, "pchan") || kh_token_eq(t, "vdmosp")) return 1;
  if (kh_token_eq(t, "nchan") || kh_token_eq(t, "vdmosn")) return 0;
  return -1;
}

static kh_status word(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from, size_t i,
                      const char **canonical) {
  const kh_token *t = tok->items;
  *canonical = kh_param_alias_find(vdmos_params, VDMOS_PARAMS, t[i].s, t[i].len);
  if (!*canonical)
    return kh_token_fail(p, line, &t[i],
                         "unknown VDMOS model parameter '%.*s' (ngspice 39 would ignore it with a "
                         "warning; docs/netlist.md lists them)",
                         (int)t[i].len, t[i].s);
  static const char *const defaults[] = {"temp", "dtemp"};
  return kh_check_model_instance_word(p, line, tok, from, i, 1, defaults, 2);
}

kh_status kh_vdmos_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t end, kh_model_param **out, size_t *count) {
  const kh_token *t = tok->items;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 2) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  for (size_t i = from; i < end;) {
    if (polarity(&t[i]) >= 0 && !(i + 1 < end && kh_token_eq(&t[i + 1], "="))) {
      params[n++] = (kh_model_param){"pchan", polarity(&t[i])};
      i++;
      continue;
    }
    if (i + 2 >= end || !kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(p, line, &t[i], "expected name=value, found '%.*s'", (int)t[i].len,
                           t[i].s);
    if (part_data(&t[i])) { /* any value, a name such as International_Rectifier included */
      i += 3;
      continue;
    }
    const char *c;
    kh_status st = word(p, line, tok, from, i, &c);
    double v;
    if (st == KH_OK) st = kh_eval_token(p, line, &t[i + 2], NULL, &v);
    if (st != KH_OK) return st;
    params[n++] = (kh_model_param){c, v};
    i += 3;
  }
  *out = params, *count = n;
  return KH_OK;
}

/* Quasi-saturation needs RQ and VQ both (ngspice 39 ignores one alone without a word), RD > 0 and
 * VQ other than 0 (ngspice divides by RD + RQ vds / (vds + |VQ|), 0 or 0/0 at vds = 0). */
static kh_status check_quasi_saturation(kh_parser *p, uint32_t line, const kh_token *at,
                                        const kh_model *m) {
  int rq = !isnan(kh_model_value(m, "rq", NAN)), vq = !isnan(kh_model_value(m, "vq", NAN));
  if (rq != vq)
    return kh_token_fail(p, line, at,
                         "model '%s': %s without %s: ngspice 39 then leaves out quasi-saturation "
                         "without a word (give both, or neither)",
                         m->name, rq ? "RQ" : "VQ", rq ? "VQ" : "RQ");
  if (rq && !(kh_model_value(m, "rd", 0) > 0))
    return kh_token_fail(p, line, at,
                         "model '%s': RQ and VQ need RD > 0 (ngspice 39 divides by RD + RQ vds / "
                         "(vds + |VQ|), 0 at vds = 0)",
                         m->name);
  if (rq && kh_model_value(m, "vq", 0) == 0)
    return kh_token_fail(p, line, at, "model '%s': VQ 0 makes ngspice 39's RQ term 0/0 at vds = 0",
                         m->name);
  return KH_OK;
}

/* What ngspice 39 refuses (PHI) or computes to no meaning. */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const nonnegative[] = {"kp", "rd", "rs", "rb", "is", "ksubthres", "rq"};
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st != KH_OK) return st;
  if (!(kh_model_value(m, "phi", 0.6) > 0))
    return kh_token_fail(p, line, at, "model '%s': PHI must be positive (ngspice 39 stops there)",
                         m->name);
  if (!(kh_model_value(m, "ksubthres", 0.1) > 0))
    return kh_token_fail(p, line, at,
                         "model '%s': KSUBTHRES must be positive (ngspice divides by it)", m->name);
  if (!(kh_model_value(m, "n", 1) > 0) || !(kh_model_value(m, "nbv", 1) > 0))
    return kh_token_fail(p, line, at, "model '%s': N and NBV must be positive", m->name);
  return check_quasi_saturation(p, line, at, m);
}

/* `thermal` at k of the instance words (self-heating, sim/general/general_vdmos.c), as ngspice 39
 * heats the device: with the thermal nodes and the model's RTHJC; not with quasi-saturation
 * (not implemented with heating) nor with TRS1 or TRS2 (vdmostemp.c divides RS's conductance by
 * its factor again at every iteration when heated, so ngspice's answer would depend on its path).
 */
static kh_status thermal_word(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                              kh_mos_inst *inst) {
  if (inst->extra_nodes != 2)
    return kh_token_fail(p, line, at,
                         "'thermal' needs the thermal nodes before the model (Mname d g s tj tc "
                         "model thermal; ngspice 39: \"We need exactly 5 nodes\")");
  if (!(kh_model_value(m, "rthjc", 0) > 0))
    return kh_token_fail(p, line, at,
                         "'thermal' with model '%s', which gives no RTHJC > 0 (junction to case): "
                         "ngspice 39 then heats nothing",
                         m->name);
  if (kh_model_value(m, "rthca", 1000) <= 0)
    return kh_token_fail(p, line, at, "model '%s': RTHCA must be positive", m->name);
  if (kh_model_value(m, "rq", 0) != 0 || kh_model_value(m, "vq", 0) != 0)
    return kh_token_fail(p, line, at,
                         "self-heating with quasi-saturation (model '%s''s RQ, VQ) is not "
                         "implemented",
                         m->name);
  if (kh_model_value(m, "trs1", 0) != 0 || kh_model_value(m, "trs2", 0) != 0)
    return kh_token_fail(p, line, at,
                         "self-heating with model '%s''s TRS1 or TRS2: ngspice 39 divides RS's "
                         "conductance by its temperature factor again at every iteration",
                         m->name);
  inst->thermal = 1;
  return KH_OK;
}

/* The words after the model: m, temp, dtemp (bits for temp and dtemp), off, ic and icvds/icvgs
 * (a transient's start: read and left), and `thermal` anywhere among them (an instance flag). */
static kh_status instance_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                                const kh_scope *s, const kh_model *m, kh_mos_inst *inst) {
  unsigned given = 0;
  size_t thermal = 0;
  const kh_instance_word words[] = {{"m", &inst->m, '+', 0},
                                    {"temp", &inst->t.temp, 0, 1},
                                    {"dtemp", &inst->t.dtemp, 0, 2},
                                    {"icvds", NULL, 0, 0},
                                    {"icvgs", NULL, 0, 0}};
  const kh_instance_words w = {"VDMOS",   "m, temp, dtemp, ic, icvds, icvgs, off and thermal",
                               NULL,      words,
                               5,         2,
                               &given,    &inst->off,
                               "thermal", &thermal};
  kh_status st = kh_instance_words_parse(p, line, tok, i, s, &w);
  inst->t.has_temp = given & 1, inst->t.has_dtemp = (given >> 1) & 1;
  if (st == KH_OK && thermal) st = thermal_word(p, line, &tok->items[thermal], m, inst);
  return st;
}

kh_status kh_vdmos_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                        uint32_t model, size_t at) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  kh_mos_inst inst = {.m = kh_scope_multiplier(s)};
  kh_elem e = {.kind = KH_MOSFET, .value = 1, .model = model};
  /* Mname d g s model; Mname d g s tj tc model with the thermal nodes; ngspice 39 also takes
   * one node more than three (Mname d g s b model: as a bulk, written by habit) and leaves it
   * alone (measured) */
  kh_status st = kh_resolve_node(p, line, s, &t[1], &inst.drain);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &inst.gate);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[3], &inst.source);
  if (st == KH_OK && at >= 5) st = kh_resolve_node(p, line, s, &t[4], &inst.tj);
  if (st == KH_OK && at == 6) st = kh_resolve_node(p, line, s, &t[5], &inst.tc);
  inst.extra_nodes = (uint8_t)(at - 4);
  if (st == KH_OK) st = check_values(p, line, &t[at], &nl->models[model]);
  if (st == KH_OK) st = instance_words(p, line, tok, at + 1, s, &nl->models[model], &inst);
  if (st != KH_OK) return st;
  inst.bulk = inst.source; /* none: the body diode runs from the source to the drain */
  if (kh_reserve((void **)&nl->mos_inst, &nl->mos_inst_cap, nl->mos_inst_count + 1,
                 sizeof *nl->mos_inst))
    return kh_fail_nomem(p->ctx, "storing a MOSFET");
  e.node[0] = inst.drain, e.node[1] = inst.source, e.ctrl[0] = inst.gate;
  e.ctrl[1] = (uint32_t)nl->mos_inst_count;
  nl->mos_inst[nl->mos_inst_count++] = inst;
  return kh_add_element(p, line, &t[0], s, e);
}

int kh_is_vdmos(const kh_netlist *nl, const kh_elem *e) {
  return e->kind == KH_MOSFET && e->model != KH_NOT_FOUND &&
         !strcmp(nl->models[e->model].type, "vdmos");
}
