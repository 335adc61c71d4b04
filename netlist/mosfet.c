/* MOSFETs as ngspice 39 reads them at levels 1, 2, 3 and 6: the M card (Mname nd ng ns nb model
 * [l=] [w=] [ad=] [as=] [pd=] [ps=] [nrd=] [nrs=] [m=] [temp=] [dtemp=] [off] [ic=VDS,VGS,VBS]) and
 * its .model NMOS or PMOS card (mos1's Shichman-Hodges, mos2's Grove-Frohman, mos3's semi-empirical
 * model, mos6's n-th power law; the equations are in sim/general/general_mosfet.c,
 * general_mos2.c, general_mos3.c and general_mos6.c).
 * Every parameter ngspice 39 knows at the card's level is read (at DC or as having no DC effect);
 * another LEVEL, or any other word, is refused: ngspice would ignore the word with a warning, and
 * answer for another device.
 *
 * RD and RS (or RSH times NRD and NRS) become resistors of their own (never written back) from
 * the drain and source as written to internal nodes "<name>#rd" and "<name>#rs", as for JFETs
 * (jfet.c), so that the element itself (kind KH_MOSFET) joins the drain and source inside
 * them; its gate and bulk are in its kh_mos_inst. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const kh_param_alias mos_params[] = {
    /* at DC */
    {"level", "level"},
    {"vto", "vto"},
    {"vt0", "vto"},
    {"kp", "kp"},
    {"gamma", "gamma"},
    {"phi", "phi"},
    {"rd", "rd"},
    {"rs", "rs"},
    {"rsh", "rsh"},
    {"is", "is"},
    {"js", "js"},
    {"ld", "ld"},
    {"tox", "tox"},
    {"u0", "u0"},
    {"uo", "u0"},
    {"nsub", "nsub"},
    {"tpg", "tpg"},
    {"nss", "nss"},
    {"tnom", "tnom"},
    /* at DC, LEVELs 1, 2 and 6 (mos1, mos2, mos6's LAMBDA0 where that is not given) */
    {"lambda", "lambda"},
    /* at DC, LEVEL 6 only (mos6, Sakurai and Newton's n-th power law): the saturation voltage
     * KV vgon^NV and current KC W/L vgon^NC, the threshold's GAMMA1 and SIGMA, and the
     * channel-length modulation LAMBDA0 - LAMBDA1 vbs; NVTH has no effect (mos6load.c does not
     * read it) */
    {"kv", "kv"},
    {"nv", "nv"},
    {"kc", "kc"},
    {"nc", "nc"},
    {"nvth", "nvth"},
    {"gamma1", "gamma1"},
    {"sigma", "sigma"},
    {"lambda0", "lambda0"},
    {"lambda1", "lambda1"},
    /* at DC, LEVEL 2 only (mos2): mobility degradation and the channel charge's coefficient;
     * UTRA, SPICE2's transverse-field coefficient, which neither SPICE2 nor ngspice 39 uses (it
     * warns and ignores it), has no effect */
    {"uexp", "uexp"},
    {"ucrit", "ucrit"},
    {"neff", "neff"},
    {"utra", "utra"},
    /* at DC, LEVELs 2 and 3: velocity saturation, junction depth, fast surface states, narrow
     * width */
    {"vmax", "vmax"},
    {"xj", "xj"},
    {"nfs", "nfs"},
    {"delta", "delta"},
    /* at DC, LEVEL 3 only (mos3): mask adjustments, the threshold's shift, static feedback,
     * mobility modulation and the saturation field factor */
    {"xl", "xl"},
    {"wd", "wd"},
    {"xw", "xw"},
    {"delvto", "delvto"},
    {"delvt0", "delvto"},
    {"eta", "eta"},
    {"theta", "theta"},
    {"kappa", "kappa"},
    /* the instance's defaults: ngspice 39 (inpgmod.c) keeps an instance parameter written on the
     * .model card as the default of every instance of it, read as if the instance line gave it
     * (PSpice's power-MOSFET cards carry L and W so) */
    {"l", "l"},
    {"w", "w"},
    {"ad", "ad"},
    {"as", "as"},
    {"pd", "pd"},
    {"ps", "ps"},
    {"nrd", "nrd"},
    {"nrs", "nrs"},
    {"temp", "temp"},
    {"dtemp", "dtemp"},
    /* the junctions' potential: at DC at LEVEL 2 only (mos2's punch-through limit) */
    {"pb", "pb"},
    /* no DC effect: capacitances and noise */
    {"cbd", "cbd"},
    {"cbs", "cbs"},
    {"cgso", "cgso"},
    {"cgdo", "cgdo"},
    {"cgbo", "cgbo"},
    {"cj", "cj"},
    {"mj", "mj"},
    {"cjsw", "cjsw"},
    {"mjsw", "mjsw"},
    {"fc", "fc"},
    {"kf", "kf"},
    {"af", "af"},
};

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(mos_params, sizeof mos_params / sizeof mos_params[0], s, len);
}
const char *kh_mos_param_canonical(const char *name) {
  return kh_param_alias_canonical(mos_params, sizeof mos_params / sizeof mos_params[0], name);
}

/* The model words that are instance parameters whose default they give (the table above). */
static const char *const instance_defaults[] = {"l",  "w",   "ad",  "as",   "pd",
                                                "ps", "nrd", "nrs", "temp", "dtemp"};

/* The levels a word belongs to, as bits 1 << level (every level: 0), per the table above; and
 * those levels in words. */
static unsigned levels_of_word(const char *canonical) {
  static const struct {
    const char *name;
    unsigned levels;
  } only[] = {{"lambda", 1u << 1 | 1u << 2 | 1u << 6},
              {"kp", 1u << 1 | 1u << 2 | 1u << 3},
              {"kf", 1u << 1 | 1u << 2 | 1u << 3},
              {"af", 1u << 1 | 1u << 2 | 1u << 3},
              {"kv", 1u << 6},
              {"nv", 1u << 6},
              {"kc", 1u << 6},
              {"nc", 1u << 6},
              {"nvth", 1u << 6},
              {"gamma1", 1u << 6},
              {"sigma", 1u << 6},
              {"lambda0", 1u << 6},
              {"lambda1", 1u << 6},
              {"uexp", 1u << 2},
              {"ucrit", 1u << 2},
              {"neff", 1u << 2},
              {"utra", 1u << 2},
              {"vmax", 1u << 2 | 1u << 3},
              {"xj", 1u << 2 | 1u << 3},
              {"nfs", 1u << 2 | 1u << 3},
              {"delta", 1u << 2 | 1u << 3},
              {"xl", 1u << 3},
              {"wd", 1u << 3},
              {"xw", 1u << 3},
              {"delvto", 1u << 3},
              {"eta", 1u << 3},
              {"theta", 1u << 3},
              {"kappa", 1u << 3}};
  for (size_t k = 0; k < sizeof only / sizeof *only; k++)
    if (strcmp(canonical, only[k].name) == 0) return only[k].levels;
  return 0;
}
static const char *levels_in_words(unsigned levels) {
  switch (levels) {
  case 1u << 1 | 1u << 2 | 1u << 6: return "LEVELs 1, 2 and 6";
  case 1u << 1 | 1u << 2 | 1u << 3: return "LEVELs 1, 2 and 3";
  case 1u << 2: return "LEVEL 2";
  case 1u << 2 | 1u << 3: return "LEVELs 2 and 3";
  case 1u << 6: return "LEVEL 6";
  default: return "LEVEL 3";
  }
}

kh_status kh_check_mos_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to) {
  const kh_token *t = tok->items;
  if (kh_bsim3_card(tok, from, to)) return kh_check_bsim3_model(p, line, tok, from, to);
  if (kh_bsim4_card(tok, from, to)) return kh_check_bsim4_model(p, line, tok, from, to);
  double number = kh_mos_card_level(tok, from, to); /* 1 unless a LEVEL token says otherwise */
  int level = (int)(number == 2 || number == 3 || number == 6 ? number : 1);
  for (size_t i = from; i + 2 < to && number != level; i += 3) { /* the LEVEL token, refused */
    const char *c = find_param(t[i].s, t[i].len);
    if (c && !strcmp(c, "level"))
      return kh_token_fail(
          p, line, &t[i + 2],
          "MOSFET LEVEL %.*s is not implemented (LEVEL=1, the default, 2, 3, 6, 8 or 49 "
          "(BSIM3 v3.3, v3.2.x and v3.1), and 14 or 54 (BSIM4 4.8) are)",
          (int)t[i + 2].len, t[i + 2].s);
  }
  for (size_t i = from; i < to; i += 3) {
    const char *c = find_param(t[i].s, t[i].len);
    kh_status st =
        kh_check_model_instance_word(p, line, tok, from, i, c != NULL, instance_defaults,
                                     sizeof instance_defaults / sizeof *instance_defaults);
    if (st != KH_OK) return st;
    if (!c)
      return kh_token_fail(
          p, line, &t[i],
          "unknown LEVEL %d MOSFET model parameter '%.*s' (ngspice 39 would ignore "
          "it with a warning; docs/netlist.md lists them)",
          level, (int)t[i].len, t[i].s);
    unsigned only = levels_of_word(c);
    if (only && !(only & 1u << level))
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' belongs to MOSFET %s, this model is LEVEL %d (ngspice 39 "
                           "would ignore it with a warning)",
                           (int)t[i].len, t[i].s, levels_in_words(only), level);
  }
  return KH_OK;
}

/* A BSIM3 v3.3 model (LEVEL 8 or 49; bsim3.c): its instances default to 5 um by 5 um (b3set.c,
 * whatever .options DEFL and DEFW say), have no TEMP or DTEMP (ngspice 39: "unknown parameter"),
 * and its values are checked per instance with its binned parameters (general_bsim3.c). */
static int is_bsim3(const kh_model *m) {
  double level = kh_model_value(m, "level", 1);
  return level == 8 || level == 49;
}

/* Whether the instance gives NRD (k = KH_MOS_NRD) or NRS nonzero: a LEVEL 6 model's RSH acts
 * only then (mos6set.c makes the inner node only then). */
static int squares_given(const kh_mos_inst *in, int k) {
  return (in->given & 1u << k) && in->geo[k] != 0;
}

/* What ngspice 39 refuses (PHI, NSUB) or computes to no meaning (a length of zero or less). */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                              const kh_mos_inst *in) {
  static const char *const nonnegative[] = {"kp", "rd", "rs", "rsh", "is", "js", "tox", "u0"};
  if (is_bsim3(m) || kh_bsim4_model(m))
    return in->t.has_temp || in->t.has_dtemp
               ? kh_token_fail(p, line, at,
                               "a BSIM%d instance has no temp= or dtemp= (ngspice 39 stops at an "
                               "unknown parameter): BSIM%d runs at the circuit's .temp",
                               is_bsim3(m) ? 3 : 4, is_bsim3(m) ? 3 : 4)
               : kh_check_nonnegative(p, line, at, m, nonnegative + 3, 1);
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st != KH_OK) return st;
  if (!(kh_model_value(m, "phi", 0.6) > 0))
    return kh_token_fail(p, line, at, "model '%s': PHI must be positive (ngspice 39 stops there)",
                         m->name);
  int level = (int)kh_model_value(m, "level", 1);
  double nsub = kh_model_value(m, "nsub", NAN); /* NaN: not given (NSUB=0 given counts) */
  if (level != 3 && (level == 2 || kh_model_value(m, "tox", 0) > 0) && !isnan(nsub) &&
      !(nsub * 1e6 > 1.45e16)) /* mos3's limit depends on TNOM: general_mosfet.c checks it */
    return kh_token_fail(p, line, at,
                         "model '%s': NSUB %g is at or below the intrinsic density 1.45e10 cm^-3 "
                         "(ngspice 39 stops there)",
                         m->name, nsub);
  double gamma = kh_model_value(m, "gamma", NAN);
  if (level == 2 && kh_model_value(m, "vmax", 0) > 0 && (isnan(gamma) ? isnan(nsub) : gamma == 0))
    return kh_token_fail(p, line, at,
                         "model '%s': LEVEL 2 VMAX without a body effect (GAMMA 0, or neither "
                         "GAMMA nor NSUB): mos2's quartic for the saturation voltage is then "
                         "biquadratic and ngspice 39 takes square roots of its rounding errors "
                         "(NaN at some biases; give GAMMA)",
                         m->name);
  if (level != 1 && level != 6 && !(kh_model_value(m, "tox", 1e-7) > 0)) /* cox is 1/TOX */
    return kh_token_fail(p, line, at, "model '%s': LEVEL %d TOX must be positive", m->name, level);
  if (level == 2 && (!(kh_model_value(m, "ucrit", 1e4) > 0) || !(kh_model_value(m, "neff", 1) > 0)))
    return kh_token_fail(p, line, at,
                         "model '%s': LEVEL 2 UCRIT and NEFF must be positive (mos2 takes the "
                         "logarithm of UCRIT's voltage and divides by NEFF's square root)",
                         m->name);
  /* mos1, mos2: L - 2 LD; mos3: L - 2 LD + XL and W - 2 WD + XW (ngspice 39 stops at zero or
   * less at levels 1 and 3, and computes nonsense at level 2) */
  double length = in->geo[KH_MOS_L] - 2 * kh_model_value(m, "ld", 0) + kh_model_value(m, "xl", 0),
         width = in->geo[KH_MOS_W] - 2 * kh_model_value(m, "wd", 0) + kh_model_value(m, "xw", 0);
  if (!(length > 0) || !(width > 0))
    return kh_token_fail(p, line, at,
                         "MOSFET channel %g m long (L - 2 LD + XL) and %g m wide (W - 2 WD + XW): "
                         "both must be positive",
                         length, width);
  if (level == 6 && (kh_model_value(m, "rd", -1) == 0 || kh_model_value(m, "rs", -1) == 0) &&
      kh_model_value(m, "rsh", 0) != 0 &&
      (squares_given(in, KH_MOS_NRD) || squares_given(in, KH_MOS_NRS)))
    return kh_token_fail(p, line, at,
                         "LEVEL 6 model '%s' with RD or RS 0 beside RSH and NRD or NRS: mos6set.c "
                         "makes the inner node and mos6temp.c no conductance to it (the drain or "
                         "source left open)",
                         m->name);
  if (level != 6 && kh_model_value(m, "rd", -1) < 0 && kh_model_value(m, "rsh", 0) > 0 &&
      in->geo[KH_MOS_NRD] == 0)
    return kh_token_fail(p, line, at,
                         "NRD=0 with model '%s''s RSH: ngspice 39 divides by it (give RD, or NRD)",
                         m->name);
  return KH_OK;
}

const char *const kh_mos_geometry_words[8] = {"l", "w", "ad", "as", "pd", "ps", "nrd", "nrs"};

/* Instance words after the model, name=value pairs (and `off`, ic=VDS,VGS,VBS), in inst. */
static kh_status instance_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                                const kh_scope *s, kh_mos_inst *inst) {
  unsigned given = 0;
  kh_instance_word words[14 + KH_BSIM4_INSTANCE_WORDS];
  for (size_t k = 0; k < 8; k++) /* geometry: bit k for geo[k] */
    words[k] =
        (kh_instance_word){kh_mos_geometry_words[k], &inst->geo[k], k < 2 ? '+' : '0', 1u << k};
  words[8] = (kh_instance_word){"m", &inst->m, '+', 0};
  words[9] = (kh_instance_word){"temp", &inst->t.temp, 0, 1u << 8};
  words[10] = (kh_instance_word){"dtemp", &inst->t.dtemp, 0, 1u << 9};
  words[11] = (kh_instance_word){"delvto", &inst->delvto, 0, 1u << KH_MOS_DELVTO};
  words[12] = (kh_instance_word){"mulu0", &inst->mulu0, '+', 1u << KH_MOS_MULU0};
  words[13] = (kh_instance_word){"geo", &inst->acm_geo, '0', 1u << KH_MOS_ACM_GEO};
  double unread[KH_BSIM4_INSTANCE_WORDS];
  kh_bsim4_instance_words(&inst->b4, unread, words + 14);
  const kh_instance_words w = {
      "MOSFET",
      "l, w, ad, as, pd, ps, nrd, nrs, m, temp, dtemp, ic and off (and BSIM3's delvto, mulu0 "
      "and geo; BSIM4's delvto, mulu0, nf, min, geomod and the rest docs/netlist.md lists)",
      NULL,
      words,
      14 + KH_BSIM4_INSTANCE_WORDS,
      3,
      &given,
      &inst->off,
      NULL,
      NULL};
  inst->mulu0 = 1;
  kh_status st = kh_instance_words_parse(p, line, tok, i, s, &w);
  inst->given |= given & (0xffu | 7u << KH_MOS_DELVTO | 7u << KH_MOS_NF);
  inst->t.has_temp = (given >> 8) & 1;
  inst->t.has_dtemp = (given >> 9) & 1;
  return st;
}

/* Whether the model card gives word, and its value. */
static int model_word(const kh_model *m, const char *word, double *v) {
  *v = kh_model_value(m, word, NAN);
  return !isnan(*v);
}

/* ngspice's geometry: the instance's L, W, AD, AS, PD, PS (else the model card's, which ngspice
 * reads as the instance's) times `.options scale` (squared for the areas), its defaults
 * (.options defl, defw, defad, defas; 100 um, 100 um, 0, 0) not; NRD and NRS 1 unless given;
 * the temperature and its offset the model card's where the instance has none. */
static void geometry(const kh_netlist *nl, const kh_model *model, kh_mos_inst *in) {
  double scale = 1, defaults[4] = {100e-6, 100e-6, 0, 0}, v;
  int bsim3 = is_bsim3(model) || kh_bsim4_model(model); /* BSIM3's and BSIM4's 5 um */
  if (bsim3) defaults[0] = defaults[1] = 5e-6;
  static const char *const options[4] = {"defl", "defw", "defad", "defas"};
  kh_netlist_option(nl, "scale", &scale);
  for (int k = 0; k <= KH_MOS_NRS; k++)
    if (!(in->given & (1u << k)) && model_word(model, kh_mos_geometry_words[k], &v))
      in->geo[k] = v, in->given |= 1u << k;
  for (int k = 0; k < KH_MOS_NRD; k++) {
    if (in->given & (1u << k))
      in->geo[k] *= k == KH_MOS_AD || k == KH_MOS_AS ? scale * scale : scale;
    else if (k < 4) {
      if (!(bsim3 && k < 2)) kh_netlist_option(nl, options[k], &defaults[k]);
      in->geo[k] = defaults[k];
    }
  }
  for (int k = KH_MOS_NRD; k <= KH_MOS_NRS; k++)
    if (!(in->given & (1u << k))) in->geo[k] = 1;
  if (kh_bsim4_model(model)) { /* ngspice 39's BSIM4 scales SA, SB, SD and SC too (measured) */
    in->b4.sa *= scale, in->b4.sb *= scale, in->b4.sd *= scale, in->b4.sc[3] *= scale;
  }
  kh_inst_temp_defaults(&in->t, model);
}

/* The drain and source series resistances over m, as ngspice 39 computes them: mos1temp.c's RD
 * (else RSH NRD) and RS (else RSH NRS); BSIM3 at ACM > 0 as devsup.c's ACM_SourceDrainResistances
 * (NRD and NRS 0 unless given: ACM 1 and 11 (LD + LDIF) RD / Weff + RSH NRD + RDC, 2, 3, 12 and
 * 13 the same where NRD is given, else ((LD + LDIF) RD + HDIF WMLT RSH) / Weff + RDC, with
 * Weff = W WMLT + XW; the source's likewise). None for BSIM4, whose (RSH NRD, RGEOMOD's,
 * RDSMOD=1's) are the device's own (sim/general/general_bsim4_layout.c). */
static void series_resistances(const kh_model *m, const kh_mos_inst *in, double *rd, double *rs) {
  if (kh_bsim4_model(m)) {
    *rd = *rs = 0;
    return;
  }
  double rsh = kh_model_value(m, "rsh", 0), acm = is_bsim3(m) ? kh_model_value(m, "acm", 0) : 0;
  const char *const rwords[2] = {"rd", "rs"}, *const cwords[2] = {"rdc", "rsc"};
  double *out[2] = {rd, rs};
  for (int k = 0; k < 2; k++) {
    int given = in->given & 1u << (KH_MOS_NRD + k);
    double squares = in->geo[KH_MOS_NRD + k], r = kh_model_value(m, rwords[k], -1);
    if (kh_model_value(m, "level", 1) == 6) { /* mos6set.c: RSH only with NRD given nonzero */
      *out[k] = (r >= 0 ? r : squares_given(in, KH_MOS_NRD + k) ? rsh * squares : 0) / in->m;
      continue;
    }
    if (acm == 0) { /* RD (else RSH NRD) */
      *out[k] = (r >= 0 ? r : rsh * squares) / in->m;
      continue;
    }
    double ld = kh_model_value(m, "ld", 0) + kh_model_value(m, "ldif", 0);
    double wmlt = kh_model_value(m, "wmlt", 1), hdif = kh_model_value(m, "hdif", 0);
    double weff = in->geo[KH_MOS_W] * wmlt + kh_model_value(m, "xw", 0);
    double rc = kh_model_value(m, cwords[k], 0);
    r = kh_model_value(m, rwords[k], 0); /* as given, a negative one too (-1 meant "none" above) */
    if (!given) squares = 0;
    if (acm == 1 || acm == 11 || given)
      *out[k] = ld / weff * r + rsh * squares + rc;
    else
      *out[k] = (ld * r + hdif * wmlt * rsh) / weff + rc;
    *out[k] /= in->m;
  }
}

/* delvto, mulu0 and geo are BSIM3's instance words from v3.2 on: ngspice 39's other levels, and
 * its BSIM3v1 (VERSION 3.1), stop at them as unknown parameters. */
static kh_status bsim3_words_only(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                  const kh_model *model, const kh_mos_inst *inst) {
  static const char *const words[3] = {"delvto", "mulu0", "geo"};
  int v31 = is_bsim3(model) && kh_model_value(model, "version", 3.3) == 3.1;
  if (is_bsim3(model) && !v31) return KH_OK;
  for (int k = kh_bsim4_model(model) ? 2 : 0; k < 3; k++) { /* BSIM4 has delvto and mulu0 */
    if (!(inst->given & 1u << (KH_MOS_DELVTO + k))) continue;
    for (size_t i = 6; i < tok->count; i++)
      if (kh_token_eq(&tok->items[i], words[k]))
        return v31 ? kh_token_fail(p, line, &tok->items[i],
                                   "'%s' is a BSIM3 instance parameter from v3.2 on: ngspice 39's "
                                   "BSIM3v1 (VERSION 3.1) stops at it as unknown",
                                   words[k])
                   : kh_token_fail(p, line, &tok->items[i],
                                   "'%s' is a BSIM3 instance parameter: ngspice 39's MOSFET at "
                                   "LEVEL %g stops at it as unknown",
                                   words[k], kh_model_value(model, "level", 1));
  }
  return KH_OK;
}

/* The width ngspice 39 bins by (inpgmod.c's INPgetModBin): W per finger where NF is on the line
 * and WNFLAG asks for it, else W. The instance's wnflag asks when nonzero; without one, the last
 * `.options wnflag=N` does when N's integer part is nonzero (a bare `.options wnflag` is a flag
 * that the numeric reading does not see: 0). Measured: W = 2u, NF = 2 binned as 1u under
 * `.option wnflag=1`, 2, -1 or 1.6, or instance wnflag=1 or 0.4; as 2u without the option, with
 * wnflag=0.7, -0.5 or bare, with instance wnflag=0 under the option, or without NF. */
double kh_bin_width(const kh_netlist *nl, double w, int nf_given, double nf, double wnflag) {
  if (!nf_given) return w;
  int per_finger = 0;
  if (!isnan(wnflag))
    per_finger = wnflag != 0;
  else
    for (size_t i = 0; i < nl->option_count; i++)
      if (strcasecmp(nl->options[i].name, "wnflag") == 0)
        per_finger = nl->options[i].has_value && trunc(nl->options[i].value) != 0;
  return per_finger ? w / nf : w;
}

static double bin_width(const kh_netlist *nl, const kh_mos_inst *inst) {
  return kh_bin_width(nl, inst->geo[KH_MOS_W], (inst->given & 1u << KH_MOS_NF) != 0, inst->b4.nf,
                      inst->b4.wnflag);
}

/* The instance's model: the one named, else (where the instance gives L and W itself) the BSIM3
 * or BSIM4 bin ngspice 39 would choose (bsim3.c, bin_width), else an error at the name. */
static kh_status model_or_bin(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *at,
                              const kh_mos_inst *inst, uint32_t *id) {
  unsigned both = 1u << KH_MOS_L | 1u << KH_MOS_W;
  double scale = 1;
  kh_netlist_option(p->nl, "scale", &scale);
  *id = kh_find_model(p, s, at);
  kh_bin_lookup bins = {KH_NOT_FOUND, KH_NOT_FOUND, 0};
  double w = bin_width(p->nl, inst);
  if (*id == KH_NOT_FOUND)
    bins = kh_find_model_bin(p, s, at, (inst->given & both) == both, inst->geo[KH_MOS_L] * scale,
                             w * scale);
  if (*id == KH_NOT_FOUND) *id = bins.bin;
  if (*id != KH_NOT_FOUND) return kh_model_refused(p, *id);
  if (p->speculative || !bins.any) return kh_model_at(p, line, s, at, id);
  if (bins.held != KH_NOT_FOUND) /* a bin set aside might have held it */
    return kh_model_refused(p, bins.held);
  if ((inst->given & both) != both)
    return kh_token_fail(p, line, at,
                         "unknown model '%.*s': its bins (%.*s.1, ...) are chosen by L and W, and "
                         "ngspice 39 takes them from the instance line only (give l= and w=)",
                         (int)at->len, at->s, (int)at->len, at->s);
  return kh_token_fail(p, line, at,
                       "unknown model '%.*s': no bin %.*s.N (a BSIM3 or BSIM4 model with LMIN, "
                       "LMAX, WMIN and WMAX, ends included to 1e-9) holds L = %g and W = %g%s",
                       (int)at->len, at->s, (int)at->len, at->s, inst->geo[KH_MOS_L] * scale,
                       w * scale, w != inst->geo[KH_MOS_W] ? " (per finger: WNFLAG)" : "");
}

kh_status kh_mosfet_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  /* the first model name after three nodes: a VDMOS's (Mname d g s [n4 [n5]] model), or a
   * MOSFET's after its bulk */
  for (size_t at = 4; at <= 6 && at < tok->count; at++) {
    uint32_t id = kh_find_model(p, s, &t[at]);
    if (id == KH_NOT_FOUND) continue;
    kh_status st = kh_model_refused(p, id);
    if (st != KH_OK) return st;
    if (!strcmp(nl->models[id].type, "vdmos")) return kh_vdmos_card(p, line, tok, s, id, at);
    break;
  }
  if (tok->count < 6)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         "'%.*s' needs drain, gate, source and bulk nodes and a model (or drain, "
                         "gate and source and a VDMOS model)",
                         (int)t[0].len, t[0].s);
  kh_mos_inst inst = {.m = kh_scope_multiplier(s)};
  kh_elem e = {.kind = KH_MOSFET, .value = 1};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &inst.drain);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &inst.gate);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[3], &inst.source);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[4], &inst.bulk);
  if (st != KH_OK) return st;
  st = instance_words(p, line, tok, 6, s, &inst);
  if (st == KH_OK) st = model_or_bin(p, line, s, &t[5], &inst, &e.model);
  if (st != KH_OK) return st;
  const kh_model *model = &nl->models[e.model];
  if (strcmp(model->type, "nmos") != 0 && strcmp(model->type, "pmos") != 0)
    return kh_token_fail(p, line, &t[5],
                         "model '%.*s' is of type '%s', a MOSFET needs type 'nmos' or 'pmos'",
                         (int)t[5].len, t[5].s, model->type);
  st = bsim3_words_only(p, line, tok, model, &inst);
  if (st == KH_OK) st = kh_bsim4_check_instance(p, line, tok, model, &inst);
  if (st != KH_OK) return st;
  kh_mos_inst scaled = inst;
  geometry(nl, model, &scaled);
  st = check_values(p, line, &t[5], model, &scaled);
  if (st != KH_OK) return st;
  if (kh_reserve((void **)&nl->mos_inst, &nl->mos_inst_cap, nl->mos_inst_count + 1,
                 sizeof *nl->mos_inst))
    return kh_fail_nomem(p->ctx, "storing a MOSFET");
  e.node[0] = inst.drain, e.node[1] = inst.source, e.ctrl[0] = inst.gate;
  e.ctrl[1] = (uint32_t)nl->mos_inst_count;
  nl->mos_inst[nl->mos_inst_count++] = inst;
  st = kh_add_element(p, line, &t[0], s, e);
  if (st != KH_OK) return st;
  size_t k = nl->element_count - 1;
  const char *mname = kh_strmap_name(&nl->element_names, (uint32_t)k);
  double rd, rs;
  series_resistances(model, &scaled, &rd, &rs);
  if (rd < 0 || rs < 0)
    return kh_token_fail(p, line, &t[0],
                         "'%.*s': its ACM drain and source resistances come to %g and %g ohm: a "
                         "negative one leaves ngspice 39 an internal node with nothing on it",
                         (int)t[0].len, t[0].s, rd * inst.m, rs * inst.m);
  if (kh_model_value(model, "level", 1) == 6 && kh_model_value(model, "rsh", 0) != 0 &&
      (!squares_given(&scaled, KH_MOS_NRD) || !squares_given(&scaled, KH_MOS_NRS)))
    st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[0]),
                        "LEVEL 6 model's RSH without NRD or NRS on '%.*s': no drain or source "
                        "resistance there, as ngspice 39's mos6set.c makes the inner node only "
                        "for NRD or NRS given nonzero",
                        (int)t[0].len, t[0].s);
  uint32_t drain = inst.drain, source = inst.source;
  if (st == KH_OK && rd > 0) st = kh_series_part(p, line, &t[0], mname, "rd", rd, &drain);
  if (st == KH_OK && rs > 0) st = kh_series_part(p, line, &t[0], mname, "rs", rs, &source);
  if (st != KH_OK) return st;
  nl->elements[k].node[0] = drain, nl->elements[k].node[1] = source;
  return KH_OK;
}

kh_mosfet_instance kh_netlist_mosfet_instance(const kh_netlist *nl, size_t element) {
  const kh_elem *e = &nl->elements[element];
  kh_mosfet_instance out = {0};
  out.m = 1, out.mulu0 = 1, out.nf = 1, out.geomod = -1, out.rbodymod = out.rgeomod = -1,
  out.sd = NAN, out.sc[0] = out.sc[1] = out.sc[2] = out.sc[3] = NAN,
  out.temperature = kh_netlist_temperature(nl);
  if (e->kind != KH_MOSFET) return out;
  kh_mos_inst in = nl->mos_inst[e->ctrl[1]];
  geometry(nl, &nl->models[e->model], &in);
  out.gate = in.gate, out.bulk = in.bulk, out.drain = in.drain, out.source = in.source;
  out.l = in.geo[KH_MOS_L], out.w = in.geo[KH_MOS_W], out.ad = in.geo[KH_MOS_AD];
  out.as = in.geo[KH_MOS_AS], out.pd = in.geo[KH_MOS_PD], out.ps = in.geo[KH_MOS_PS];
  out.nrd = in.geo[KH_MOS_NRD], out.nrs = in.geo[KH_MOS_NRS];
  out.m = in.m, out.off = in.off, out.delvto = in.delvto;
  out.mulu0 = in.given & 1u << KH_MOS_MULU0 ? in.mulu0 : 1;
  out.geo = (int)in.acm_geo, out.given = in.given & 0xffu; /* the geometry's bits */
  out.nf = in.b4.nf, out.min_sd = (int)in.b4.min_sd, out.geomod = (int)in.b4.geomod;
  out.rbodymod = (int)in.b4.rbodymod, out.rgeomod = (int)in.b4.rgeomod;
  for (int k = 0; k < 5; k++) out.rbody[k] = in.b4.rbody[k];
  out.sa = in.b4.sa, out.sb = in.b4.sb, out.sd = in.b4.sd;
  for (int k = 0; k < 4; k++) out.sc[k] = in.b4.sc[k];
  out.temperature = kh_inst_temp_kelvins(&in.t, nl);
  out.tj = in.tj, out.tc = in.tc, out.thermal = in.thermal;
  return out;
}
