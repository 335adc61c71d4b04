/* BSIM3 v3.3 model cards (LEVEL 8 or 49) as ngspice 39 reads them (its bsim3 directory: b3.c's
 * names, b3mpar.c, b3set.c's defaults); the equations are in sim/general/general_bsim3.c.
 * Every model parameter ngspice 39's BSIM3 knows is read, at DC or as having no DC effect
 * (capacitances, noise, the C-V model's own lengths), with the length, width and cross terms
 * (l, w and p before the name) of every parameter ngspice bins; and of BSIM3v32 (VERSION 3.2,
 * 3.2.2, 3.2.3, 3.2.4) and BSIM3v1 (VERSION 3.1, the MOSIS cards' version), which differ at DC
 * in a few places only (general_bsim3_eval.c) and know fewer words; ACM's words where ACM is
 * 1, 2, 3, 11, 12 or 13. Refused: another VERSION (3.0 is another model in ngspice), another
 * ACM, ACM's words at ACM=0 (ngspice ignores RD, RS and the rest there without a word), MOBMOD
 * other than 1, 2 or 3, v3.1's HDIF, and every word the version's model does not know (ngspice
 * would warn and ignore it), except HSPICE's words with no DC effect (accepted, not kept). */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* Parameters ngspice bins (b3temp.c: value + l/Leff + w/Weff + p/(Leff Weff)), at DC and not. */
static const char *const binned[] = {
    "cdsc",  "cdscb", "cdscd",  "cit",     "nfactor", "xj",      "vsat",   "at",     "a0",
    "ags",   "a1",    "a2",     "keta",    "nsub",    "nch",     "ngate",  "gamma1", "gamma2",
    "vbx",   "vbm",   "xt",     "vfb",     "k1",      "kt1",     "kt1l",   "k2",     "kt2",
    "k3",    "k3b",   "w0",     "nlx",     "dvt0",    "dvt1",    "dvt2",   "dvt0w",  "dvt1w",
    "dvt2w", "drout", "dsub",   "vth0",    "ua",      "ua1",     "ub",     "ub1",    "uc",
    "uc1",   "u0",    "ute",    "voff",    "delta",   "rdsw",    "prwg",   "prwb",   "prt",
    "eta0",  "etab",  "pclm",   "pdiblc1", "pdiblc2", "pdiblcb", "pscbe1", "pscbe2", "pvag",
    "wr",    "dwg",   "dwb",    "b0",      "b1",      "alpha0",  "alpha1", "beta0",  "elm",
    "cgsl",  "cgdl",  "ckappa", "cf",      "clc",     "cle",     "vfbcv",  "acde",   "moin",
    "noff",  "voffcv"};

/* Parameters ngspice does not bin: the selectors, the oxide, temperature, the junctions' DC
 * terms, the channel's length and width offsets (DC and C-V), and what has no DC effect. */
static const char *const plain[] = {
    "level",    "mobmod",   "binunit",  "paramchk", "capmod",  "noimod",  "nqsmod",   "acnqsmod",
    "acm",      "calcacm",  "tox",      "toxm",     "tnom",    "rsh",     "js",       "jsw",
    "nj",       "xti",      "ijth",     "lint",     "ll",      "lln",     "lw",       "lwn",
    "lwl",      "wint",     "wl",       "wln",      "ww",      "wwn",     "wwl",      "xl",
    "xw",       "dlc",      "llc",      "lwc",      "lwlc",    "dwc",     "wlc",      "wwc",
    "wwlc",     "lintnoi",  "lmin",     "lmax",     "wmin",    "wmax",    "cgso",     "cgdo",
    "cgbo",     "xpart",    "cj",       "mj",       "pb",      "pbsw",    "mjsw",     "pbswg",
    "mjswg",    "cjsw",     "cjswg",    "tpb",      "tcj",     "tpbsw",   "tcjsw",    "tpbswg",
    "tcjswg",   "noia",     "noib",     "noic",     "em",      "ef",      "af",       "kf",
    "vgs_max",  "vgd_max",  "vgb_max",  "vds_max",  "vbs_max", "vbd_max", "vgsr_max", "vgdr_max",
    "vgbr_max", "vbsr_max", "vbdr_max", "lmlt"};

/* ACM's words: ngspice 39 reads them only at ACM > 0 (and ignores them at ACM=0). */
static const char *const acm_words[] = {"hdif", "ldif", "ld", "rd", "rs", "rdc", "rsc", "wmlt"};

/* Words BSIM3v1 (VERSION 3.1, ngspice 39's bsim3v1 directory) does not know, and ngspice 39
 * ignores there with a warning: they came with v3.2 (XL, XW, TOXM, IJTH, the C-V offsets) or
 * v3.3. Binned ones with their l, w and p forms. */
static const char *const not_v31[] = {
    "acm",     "toxm",    "ijth",     "xl",       "xw",       "llc",      "lwc",     "lwlc",
    "wlc",     "wwc",     "wwlc",     "lintnoi",  "acnqsmod", "calcacm",  "tpb",     "tcj",
    "tpbsw",   "tcjsw",   "tpbswg",   "tcjswg",   "vgs_max",  "vgd_max",  "vgb_max", "vds_max",
    "vbs_max", "vbd_max", "vgsr_max", "vgdr_max", "vgbr_max", "vbsr_max", "vbdr_max"};
static const char *const not_v31_binned[] = {"vfb", "alpha1", "acde", "moin", "noff", "voffcv"};

/* HSPICE's words of foundry cards that have no DC effect in HSPICE either (capacitances, their
 * temperature laws, charge partitioning, noise), and that ngspice 39 ignores with a warning:
 * accepted, with a note, and not kept. CBD and CBS are among them at v3.1 only: at v3.2 and
 * v3.3 ngspice stops at them (measured: "no such parameter on this device" at each instance). */
static const char *const hspice_no_dc[] = {"nlev",  "gdsnoi", "fc",  "tt",  "php",
                                           "cta",   "ctp",    "pta", "ptp", "cjgate",
                                           "capop", "tlevc",  "xqc"};
static const char *const hspice_zero_bias_caps[] = {"cbd", "cbs"};

/* HSPICE's words of foundry cards that count at DC in HSPICE (its junctions' IS, N, NDS, VNDS,
 * temperature laws and levels, binning references and flags), which ngspice 39 ignores with a
 * warning: refused, since the two programs would disagree. */
static const char *const hspice_dc[] = {"is",   "n",    "nds",     "vnds",     "eg",
                                        "gap1", "gap2", "trd",     "trs",      "tlev",
                                        "lref", "wref", "binflag", "sfvtflag", "vfbflag"};

/* The instance words a card may give as its instances' default (inpgmod.c). */
static const char *const instance_defaults[] = {"l", "w", "ad", "as", "pd", "ps", "nrd", "nrs"};

/* Whether the word is one of HSPICE's with no DC effect that the version's model ignores. */
static int hspice_without_dc_effect(const kh_token *w, double version) {
  return KH_LISTED(hspice_no_dc, w->s, w->len) ||
         (version == 3.1 && KH_LISTED(hspice_zero_bias_caps, w->s, w->len));
}

/* The canonical name of a word (lower case: the lexer's; kh_model_word: vtho is vth0), 1 and
 * *name, 0 when BSIM3 has none, -1 out of memory. */
static int canonical(kh_parser *p, const kh_token *t, const char **name) {
  static const kh_word_list lists[] = {
      {plain, sizeof plain / sizeof *plain, 0},
      {binned, sizeof binned / sizeof *binned, 1},
      {instance_defaults, sizeof instance_defaults / sizeof *instance_defaults, 0},
      {acm_words, sizeof acm_words / sizeof *acm_words, 0}};
  return kh_model_word(&p->bsim_words[0], lists, 4, t->s, t->len, name);
}

int kh_bsim3_card(const kh_tokens *tok, size_t from, size_t to) {
  double level = kh_mos_card_level(tok, from, to);
  return level == 8 || level == 49;
}

double kh_mos_card_level(const kh_tokens *tok, size_t from, size_t to) {
  const kh_token *t = tok->items;
  double level = 1;
  size_t bad;
  for (size_t i = from; i + 2 < to; i += 3) /* a number as ngspice reads it: 4.900e+01 is 49 */
    if (kh_token_eq(&t[i], "level"))
      return kh_parse_number(t[i + 2].s, t[i + 2].len, &level, &bad) == KH_NUM_OK ? level : NAN;
  return level;
}

/* The model a VERSION selects, as ngspice 39 reads it: its front end (inpdomod.c) takes one that
 * starts with 3.3 (or none) to BSIM3 v3.3, one that starts with 3.2 to BSIM3v32, whose
 * b3v32set.c knows 3.2.4, 3.2.3, 3.2.2 and 3.2 (also written 3.24, 3.23, 3.22, 3.20), and 3.1
 * exactly to BSIM3v1. Stored as 3.3, 3.24, 3.23, 3.22, 3.2 or 3.1, which ngspice reads back the
 * same; 0 for any other. */
static const struct {
  const char *text; /* the first of a code is how it is written back */
  double code;
} versions[] = {{"3.3.0", 3.3},  {"3.2.4", 3.24}, {"3.24", 3.24}, {"3.2.3", 3.23}, {"3.23", 3.23},
                {"3.2.2", 3.22}, {"3.22", 3.22},  {"3.2", 3.2},   {"3.20", 3.2},   {"3.1", 3.1}};

static double version_code(const kh_token *v) {
  const char *s = v->s;
  size_t len = v->len;
  if (len >= 2 && (s[0] == '"' || s[0] == '\'')) s++, len -= 2;
  if (len >= 3 && !strncmp(s, "3.3", 3)) return 3.3;
  for (size_t k = 0; k < sizeof versions / sizeof *versions; k++)
    if (strlen(versions[k].text) == len && !strncmp(s, versions[k].text, len))
      return versions[k].code;
  return 0;
}

const char *kh_bsim3_version_text(double code) {
  for (size_t k = 0; k < sizeof versions / sizeof *versions; k++)
    if (versions[k].code == code) return versions[k].text;
  return NULL;
}

static kh_status check_version(kh_parser *p, uint32_t line, const kh_token *v) {
  if (version_code(v) > 0) return KH_OK;
  return kh_token_fail(p, line, v,
                       "BSIM3 VERSION %.*s is not implemented: kirchhoff reads BSIM3 v3.3 (VERSION "
                       "3.3 or 3.3.0, or none), v3.2 (3.2, 3.2.2, 3.2.3, 3.2.4) and v3.1 (3.1), "
                       "ngspice 39 answers for another model at 3.0",
                       (int)v->len, v->s);
}

/* The card's VERSION code (3.3 where none is given). */
static double card_version(const kh_tokens *tok, size_t from, size_t to) {
  for (size_t i = from; i + 2 < to; i += 3)
    if (kh_token_eq(&tok->items[i], "version")) return version_code(&tok->items[i + 2]);
  return 3.3;
}

/* TREF, HSPICE's TNOM, which every BSIM3 of ngspice 39 ignores (with a warning): accepted where
 * it says what TNOM is anyway (the card's, else 27 C; the Predictive Technology Model's cards
 * write TREF=27), refused where HSPICE and ngspice would differ. */
static kh_status check_tref(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t i, size_t to) {
  const kh_token *t = tok->items;
  double tref, tnom = 27;
  kh_status st = kh_eval_token(p, line, &t[i + 2], NULL, &tref);
  for (size_t k = from; st == KH_OK && k + 2 < to; k += 3)
    if (kh_token_eq(&t[k], "tnom")) st = kh_eval_token(p, line, &t[k + 2], NULL, &tnom);
  if (st != KH_OK || tref == tnom) return st;
  return kh_token_fail(p, line, &t[i],
                       "BSIM3 'tref' (HSPICE's name for TNOM) is ignored by ngspice 39 (with a "
                       "warning): here it says %g C where TNOM is %g C; give TNOM=%g to mean it, "
                       "or remove TREF",
                       tref, tnom, tref);
}

/* XL, XW or ACM given as 0, which MOSIS's v3.1 cards often write: BSIM3v1 ignores them, and 0
 * is what it takes anyway. */
static int zero_offset(kh_parser *p, uint32_t line, const char *name, const kh_token *value) {
  double v;
  return (!strcmp(name, "xl") || !strcmp(name, "xw") || !strcmp(name, "acm")) &&
         kh_eval_token(p, line, value, NULL, &v) == KH_OK && v == 0;
}

/* Whether BSIM3v1 knows the word (canonical, known to BSIM3 v3.3). */
static int v31_word(const char *name) {
  size_t len = strlen(name);
  if (KH_LISTED(not_v31, name, len) || KH_LISTED(not_v31_binned, name, len)) return 0;
  return !((name[0] == 'l' || name[0] == 'w' || name[0] == 'p') &&
           KH_LISTED(not_v31_binned, name + 1, len - 1));
}

static kh_status check_word(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t i, size_t to, double version, double acm) {
  const kh_token *t = tok->items;
  const char *name = NULL;
  if (i + 2 >= to || !kh_token_eq(&t[i + 1], "="))
    return kh_model_word_expected(p, line, tok, from, i);
  if (kh_token_eq(&t[i], "version")) return check_version(p, line, &t[i + 2]);
  if (kh_token_eq(&t[i], "tref")) return check_tref(p, line, tok, from, i, to);
  if (version == 3.1 && kh_token_eq(&t[i], "hdif"))
    return kh_token_fail(p, line, &t[i],
                         "BSIM3 v3.1's HDIF (areas and perimeters from W) is not implemented: give "
                         "AS, AD, PS and PD on the instances");
  if (acm == 0 && KH_LISTED(acm_words, t[i].s, t[i].len))
    return kh_token_fail(p, line, &t[i],
                         "BSIM3 '%.*s' is an ACM parameter, which ngspice 39 ignores at ACM=0 (the "
                         "default): give ACM=1, 2, 3, 11, 12 or 13 to mean it, or the series "
                         "resistance as RSH with NRD and NRS",
                         (int)t[i].len, t[i].s);
  if (hspice_without_dc_effect(&t[i], version)) return KH_OK;
  if (KH_LISTED(hspice_zero_bias_caps, t[i].s, t[i].len))
    return kh_token_fail(p, line, &t[i],
                         "HSPICE's '%.*s' (a zero-bias junction capacitance) stops ngspice 39 at "
                         "every instance of this card (\"no such parameter on this device\"); it "
                         "has no DC effect: remove it",
                         (int)t[i].len, t[i].s);
  if (KH_LISTED(hspice_dc, t[i].s, t[i].len))
    return kh_token_fail(p, line, &t[i],
                         "HSPICE's '%.*s' counts at DC in HSPICE, and ngspice 39's BSIM3 ignores "
                         "it (with a warning): the two would not agree; remove it to get "
                         "ngspice's answer",
                         (int)t[i].len, t[i].s);
  int known = canonical(p, &t[i], &name);
  if (known < 0) return kh_fail_nomem(p->ctx, "reading a model");
  if (known && !strcmp(name, "lmlt") && !(version >= 3.2 && version < 3.3))
    return kh_token_fail(p, line, &t[i],
                         "LMLT (HSPICE's channel length multiplier) is read by ngspice 39's "
                         "BSIM3v32 only; its BSIM3 v%s ignores it with a warning where HSPICE "
                         "applies it: give VERSION=3.2.4 to mean it, or remove it",
                         version == 3.1 ? "3.1" : "3.3");
  if (known && version >= 3.2 && version < 3.3 &&
      (!strcmp(name, "lintnoi") || !strcmp(name, "acnqsmod")))
    return kh_token_fail(p, line, &t[i],
                         "'%.*s' is not a BSIM3 v3.2 parameter (ngspice 39's BSIM3v32 would ignore "
                         "it with a warning)",
                         (int)t[i].len, t[i].s);
  if (known && version == 3.1 && !strcmp(name, "ldvt0w"))
    return kh_token_fail(p, line, &t[i],
                         "BSIM3 v3.1's LDVT0W is dropped by ngspice 39 (its b3v1mpar.c marks LDVT0 "
                         "given in its place, and b3v1set.c then sets LDVT0W to 0): remove it to "
                         "get ngspice's answer, or give VERSION=3.3");
  if (known && version == 3.1 && !v31_word(name) && !zero_offset(p, line, name, &t[i + 2]))
    return kh_token_fail(p, line, &t[i],
                         "'%.*s' is not a BSIM3 v3.1 parameter: ngspice 39's BSIM3v1 ignores it "
                         "with a warning (it counts from v3.2 on, and in HSPICE): remove it to get "
                         "ngspice's answer, or give a VERSION that knows it",
                         (int)t[i].len, t[i].s);
  kh_status st = kh_check_model_instance_word(p, line, tok, from, i, known, instance_defaults,
                                              sizeof instance_defaults / sizeof *instance_defaults);
  if (st != KH_OK) return st;
  if (!known)
    return kh_token_fail(p, line, &t[i],
                         "unknown BSIM3 model parameter '%.*s' (ngspice 39 would ignore it with a "
                         "warning; docs/netlist.md lists them)",
                         (int)t[i].len, t[i].s);
  if (!strcmp(name, "acm") && acm != 0 && acm != 1 && acm != 2 && acm != 3 && acm != 11 &&
      acm != 12 && acm != 13)
    return kh_token_fail(p, line, &t[i + 2],
                         "BSIM3 ACM=%.*s: ngspice 39 knows ACM 0, 1, 2, 3, 11, 12 and 13",
                         (int)t[i + 2].len, t[i + 2].s);
  double mobmod = 1; /* as a number: HSPICE-made cards write MOBMOD =1.000e+00 */
  if (!strcmp(name, "mobmod") && (kh_eval_token(p, line, &t[i + 2], NULL, &mobmod) != KH_OK ||
                                  (mobmod != 1 && mobmod != 2 && mobmod != 3)))
    return kh_token_fail(p, line, &t[i + 2], "BSIM3 MOBMOD must be 1, 2 or 3");
  return KH_OK;
}

kh_status kh_check_bsim3_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to) {
  double version = card_version(tok, from, to), acm = 0;
  for (size_t i = from; version == 0 && i + 2 < to; i += 3) /* the VERSION first: it says which */
    if (kh_token_eq(&tok->items[i], "version")) return check_version(p, line, &tok->items[i + 2]);
  for (size_t i = from; i + 2 < to; i += 3) /* and the ACM: it says which words count */
    if (kh_token_eq(&tok->items[i], "acm")) {
      kh_status st = kh_eval_token(p, line, &tok->items[i + 2], NULL, &acm);
      if (st != KH_OK) return st;
    }
  /* every word checked, so that a card with several refused words (an HSPICE card's own)
   * names them all at once, the first with its place and reason */
  kh_status first = KH_OK;
  char saved[2048], more[256] = "";
  size_t others = 0;
  for (size_t i = from; i < to; i += 3) {
    kh_status st = check_word(p, line, tok, from, i, to, version, acm);
    if (st == KH_OK) continue;
    if (first == KH_OK) {
      first = st;
      snprintf(saved, sizeof saved, "%s", kh_last_error(p->ctx));
    } else if (others++ < 12) {
      size_t used = strlen(more);
      snprintf(more + used, sizeof more - used, "%s'%.*s'", used ? ", " : "",
               (int)tok->items[i].len, tok->items[i].s);
    }
  }
  if (!others) return first; /* the first failure's message is still the one recorded */
  return kh_fail(p->ctx, first, "%s; also refused on this card: %s%s", saved, more,
                 others > 12 ? " and more" : "");
}

/* What BSIM3v1 reproduces of ngspice 39 that is not the circuit's, said where the deck asks
 * for it. */
static kh_status v31_note(kh_parser *p, uint32_t line, const kh_token *version) {
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, version),
                        "BSIM3 VERSION 3.1 is ngspice 39's BSIM3v1, quirks included: each "
                        "instance loses gbd V(drain) from its source and counts GMIN twice in its "
                        "junctions (docs/netlist.md); where those currents matter the answer is "
                        "ngspice's, not the circuit's");
}

/* The card's HSPICE words without DC effect, named at the first of them. */
static kh_status hspice_note(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t first,
                             size_t end, double version) {
  char names[256] = "";
  for (size_t i = first; i + 2 < end; i += 3)
    if (hspice_without_dc_effect(&tok->items[i], version)) {
      size_t used = strlen(names);
      snprintf(names + used, sizeof names - used, "%s%.*s", used ? ", " : "",
               (int)tok->items[i].len, tok->items[i].s);
    }
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &tok->items[first]),
                        "HSPICE's %s: capacitance and noise words with no DC effect, which "
                        "ngspice 39's BSIM3 ignores (with a warning); not kept",
                        names);
}

kh_status kh_bsim3_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t end, kh_model_param **out, size_t *count) {
  const kh_token *t = tok->items;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 2) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  double version = card_version(tok, from, end);
  int noted = 0;
  for (size_t i = from; i + 2 < end; i += 3) { /* every word checked (kh_check_bsim3_model) */
    const char *key = NULL;
    double v;
    if (kh_token_eq(&t[i], "version")) { /* as its code, which ngspice reads back the same */
      params[n++] = (kh_model_param){"version", version_code(&t[i + 2])};
      kh_status st = version == 3.1 ? v31_note(p, line, &t[i + 2]) : KH_OK;
      if (st != KH_OK) return st;
      continue;
    }
    if (hspice_without_dc_effect(&t[i], version) && !noted) {
      kh_status st = hspice_note(p, line, tok, i, end, version);
      if (st != KH_OK) return st;
      noted = 1;
    }
    int known = canonical(p, &t[i], &key);
    if (known < 0) return kh_fail_nomem(p->ctx, "storing a model");
    if (!known || (version == 3.1 && !v31_word(key)))
      continue; /* what ngspice ignores (v3.1's XL = 0 and XW = 0, HSPICE's CBD) is not kept */
    kh_status st = kh_eval_token(p, line, &t[i + 2], NULL, &v);
    if (st != KH_OK) return st;
    params[n++] = (kh_model_param){key, v};
  }
  *out = params, *count = n;
  return KH_OK;
}

/* Whether a model's name is name.N, N digits: a bin ngspice 39 may choose for name. */
static int bin_name(const char *model, const kh_token *name) {
  size_t n = strlen(model);
  if (n <= name->len + 1 || strncmp(model, name->s, name->len) || model[name->len] != '.') return 0;
  const char *digits = model + name->len + 1;
  return strspn(digits, "0123456789") == strlen(digits);
}

int kh_bsim3_has_bins(const kh_netlist *nl, const kh_token *name) {
  for (size_t k = 0; k < nl->model_count; k++)
    if (bin_name(nl->models[k].name, name)) return 1;
  return 0;
}

uint32_t kh_bsim3_held_bin(const kh_netlist *nl, const kh_token *name) {
  for (size_t k = 0; k < nl->model_count; k++)
    if (nl->models[k].refusal && bin_name(nl->models[k].name, name)) return (uint32_t)k;
  return KH_NOT_FOUND;
}

/* ngspice 39's in_range (inpgmod.c): within min and max, or within 1e-9 (metres, absolute) of
 * either end; measured: W = 1.5995u is in a bin from WMIN = 1.6u, 3.0009u in one to WMAX = 3u, and
 * the first bin in the file that holds it wins, so a W just past an earlier bin's end takes that
 * bin. */
int kh_bin_range_holds(double v, double min, double max) {
  return fabs(v - min) < 1e-9 || fabs(v - max) < 1e-9 || (min < v && v < max);
}

uint32_t kh_bsim3_bin(const kh_netlist *nl, const kh_token *name, double l, double w) {
  static const char *const limits[4] = {"lmin", "lmax", "wmin", "wmax"};
  for (size_t k = 0; k < nl->model_count; k++) {
    const kh_model *m = &nl->models[k];
    if (!bin_name(m->name, name) || (strcmp(m->type, "nmos") && strcmp(m->type, "pmos"))) continue;
    double level = kh_model_value(m, "level", 1), v[4];
    int complete = level == 8 || level == 49 || level == 14 || level == 54; /* BSIM3, BSIM4 */
    for (int j = 0; j < 4; j++) complete &= !isnan(v[j] = kh_model_value(m, limits[j], NAN));
    if (complete && kh_bin_range_holds(l, v[0], v[1]) && kh_bin_range_holds(w, v[2], v[3]))
      return (uint32_t)k;
  }
  return KH_NOT_FOUND;
}

kh_bin_lookup kh_find_model_bin(const kh_parser *p, const kh_scope *scope, const kh_token *name,
                                int sized, double l, double w) {
  kh_bin_lookup r = {KH_NOT_FOUND, KH_NOT_FOUND, 0};
  char key[512];
  const kh_subckt *d = scope ? scope->def : NULL;
  /* this instance's own models (read per instance where they read its parameters) first, then
   * its definition's and the enclosing ones', then the top level's */
  for (int own = d && scope->path[0] ? 1 : 0;; own = 0) {
    int n = own ? snprintf(key, sizeof key, "%s.%.*s", scope->path, (int)name->len, name->s)
            : d ? snprintf(key, sizeof key, "%s.%.*s", d->key, (int)name->len, name->s)
                : snprintf(key, sizeof key, "%.*s", (int)name->len, name->s);
    kh_token base = {key, n > 0 && (size_t)n < sizeof key ? (uint32_t)n : 0, name->off};
    if (base.len && kh_bsim3_has_bins(p->nl, &base)) {
      r.any = 1;
      if (sized) r.bin = kh_bsim3_bin(p->nl, &base, l, w);
      if (r.bin != KH_NOT_FOUND) return r;
      if (r.held == KH_NOT_FOUND) r.held = kh_bsim3_held_bin(p->nl, &base);
    }
    if (own) continue;
    if (!d) return r;
    d = d->parent == KH_NOT_FOUND ? NULL : &p->subckts[d->parent];
  }
}
