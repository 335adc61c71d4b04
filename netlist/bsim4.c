/* BSIM4 model cards (LEVEL 14 or 54) as ngspice 39 reads them (its bsim4 directory, BSIM4 4.8.2:
 * b4.c's names, b4mpar.c, b4set.c's defaults); the equations are in sim/general/general_bsim4.c
 * and general_bsim4_eval.c. Every model parameter ngspice 39's BSIM4 knows is read, with the
 * length, width and cross terms (l, w and p before the name) of every parameter it bins. What
 * kirchhoff does not compute is refused at its word, so that no answer leaves it out: another
 * VERSION (ngspice 39 takes 4.0 to 4.5 to its BSIM4v5, 4.6 to its BSIM4v6 and 4.7 to its
 * BSIM4v7, each read here too), RGATEMOD 2 and 3 beside gate tunnelling, the bias-dependent
 * source and
 * drain resistances (RDSMOD=1), the scalable body resistances (RBODYMOD=2), other gate and
 * substrate materials (MTRLMOD), the well proximity effect (WPEMOD) and RGEOMOD's resistances; and
 * every word BSIM4 does not know (ngspice would warn and ignore it). */
#include "device_cards.h"
#include "parser.h"

#include <math.h>
#include <string.h>

/* Parameters ngspice bins (b4temp.c: value + l/Leff + w/Weff + p/(Leff Weff)), at DC and not. */
static const char *const binned[] = {
    "cdsc",     "cdscb",     "cdscd",   "cit",      "nfactor", "xj",      "vsat",    "at",
    "a0",       "ags",       "a1",      "a2",       "keta",    "nsub",    "ndep",    "nsd",
    "phin",     "ngate",     "gamma1",  "gamma2",   "vbx",     "vbm",     "xt",      "k1",
    "kt1",      "kt1l",      "kt2",     "k2",       "k3",      "k3b",     "w0",      "dvtp0",
    "dvtp1",    "dvtp2",     "dvtp3",   "dvtp4",    "dvtp5",   "lpe0",    "lpeb",    "dvt0",
    "dvt1",     "dvt2",      "dvt0w",   "dvt1w",    "dvt2w",   "drout",   "dsub",    "vth0",
    "ua",       "ua1",       "ub",      "ub1",      "uc",      "uc1",     "ud",      "ud1",
    "up",       "lp",        "u0",      "eu",       "ucs",     "ute",     "ucste",   "voff",
    "minv",     "minvcv",    "delta",   "rdsw",     "rsw",     "rdw",     "prwg",    "prwb",
    "prt",      "eta0",      "etab",    "pclm",     "pdiblc1", "pdiblc2", "pdiblcb", "fprout",
    "pdits",    "pditsd",    "pscbe1",  "pscbe2",   "pvag",    "vfbcv",   "vfb",     "acde",
    "moin",     "noff",      "voffcv",  "xrcrg1",   "xrcrg2",  "lambda",  "vtl",     "xn",
    "vfbsdoff", "tvfbsdoff", "tvoff",   "tnfactor", "teta0",   "tvoffcv", "wr",      "dwg",
    "dwb",      "b0",        "b1",      "cgsl",     "cgdl",    "ckappas", "ckappad", "cf",
    "clc",      "cle",       "alpha0",  "alpha1",   "beta0",   "agidl",   "bgidl",   "cgidl",
    "rgidl",    "kgidl",     "fgidl",   "egidl",    "agisl",   "bgisl",   "cgisl",   "rgisl",
    "kgisl",    "fgisl",     "egisl",   "aigc",     "bigc",    "cigc",    "aigsd",   "bigsd",
    "cigsd",    "aigs",      "bigs",    "cigs",     "aigd",    "bigd",    "cigd",    "aigbacc",
    "bigbacc",  "cigbacc",   "aigbinv", "bigbinv",  "cigbinv", "nigc",    "nigbinv", "nigbacc",
    "ntox",     "eigbinv",   "pigcd",   "poxedge",  "ku0",     "kvth0",   "kvth0we", "k2we",
    "ku0we"};
/* Parameters ngspice does not bin: the selectors, the oxide, temperature, the junctions, the
 * length and width offsets, the parasitics' geometry, noise and the rest. */
static const char *const plain[] = {"level",
                                    "cvchargemod",
                                    "capmod",
                                    "diomod",
                                    "rdsmod",
                                    "trnqsmod",
                                    "acnqsmod",
                                    "mobmod",
                                    "rbodymod",
                                    "rgatemod",
                                    "permod",
                                    "geomod",
                                    "rgeomod",
                                    "fnoimod",
                                    "tnoimod",
                                    "mtrlmod",
                                    "mtrlcompatmod",
                                    "igcmod",
                                    "igbmod",
                                    "tempmod",
                                    "gidlmod",
                                    "paramchk",
                                    "binunit",
                                    "version",
                                    "eot",
                                    "vddeot",
                                    "tempeot",
                                    "leffeot",
                                    "weffeot",
                                    "ados",
                                    "bdos",
                                    "toxe",
                                    "toxp",
                                    "toxm",
                                    "toxref",
                                    "dtox",
                                    "epsrox",
                                    "phig",
                                    "epsrgate",
                                    "easub",
                                    "epsrsub",
                                    "ni0sub",
                                    "bg0sub",
                                    "tbgasub",
                                    "tbgbsub",
                                    "voffl",
                                    "voffcvl",
                                    "tnom",
                                    "cgso",
                                    "cgdo",
                                    "cgbo",
                                    "xpart",
                                    "rsh",
                                    "rdswmin",
                                    "rdwmin",
                                    "rswmin",
                                    "pditsl",
                                    "jss",
                                    "jsws",
                                    "jswgs",
                                    "pbs",
                                    "njs",
                                    "xtis",
                                    "mjs",
                                    "pbsws",
                                    "mjsws",
                                    "pbswgs",
                                    "mjswgs",
                                    "cjs",
                                    "cjsws",
                                    "cjswgs",
                                    "jsd",
                                    "jswd",
                                    "jswgd",
                                    "pbd",
                                    "njd",
                                    "xtid",
                                    "mjd",
                                    "pbswd",
                                    "mjswd",
                                    "pbswgd",
                                    "mjswgd",
                                    "cjd",
                                    "cjswd",
                                    "cjswgd",
                                    "tpb",
                                    "tcj",
                                    "tpbsw",
                                    "tcjsw",
                                    "tpbswg",
                                    "tcjswg",
                                    "dmcg",
                                    "dmci",
                                    "dmdg",
                                    "dmcgt",
                                    "xgw",
                                    "xgl",
                                    "rshg",
                                    "ngcon",
                                    "lc",
                                    "lintnoi",
                                    "lint",
                                    "ll",
                                    "llc",
                                    "lln",
                                    "lw",
                                    "lwc",
                                    "lwn",
                                    "lwl",
                                    "lwlc",
                                    "lmin",
                                    "lmax",
                                    "wint",
                                    "wl",
                                    "wlc",
                                    "wln",
                                    "ww",
                                    "wwc",
                                    "wwn",
                                    "wwl",
                                    "wwlc",
                                    "wmin",
                                    "wmax",
                                    "dwc",
                                    "dlc",
                                    "xw",
                                    "xl",
                                    "dlcig",
                                    "dlcigd",
                                    "dwj",
                                    "ijthdfwd",
                                    "ijthsfwd",
                                    "ijthdrev",
                                    "ijthsrev",
                                    "xjbvd",
                                    "xjbvs",
                                    "bvd",
                                    "bvs",
                                    "jtss",
                                    "jtsd",
                                    "jtssws",
                                    "jtsswd",
                                    "jtsswgs",
                                    "jtsswgd",
                                    "jtweff",
                                    "njts",
                                    "njtssw",
                                    "njtsswg",
                                    "njtsd",
                                    "njtsswd",
                                    "njtsswgd",
                                    "xtss",
                                    "xtsd",
                                    "xtssws",
                                    "xtsswd",
                                    "xtsswgs",
                                    "xtsswgd",
                                    "tnjts",
                                    "tnjtssw",
                                    "tnjtsswg",
                                    "tnjtsd",
                                    "tnjtsswd",
                                    "tnjtsswgd",
                                    "vtss",
                                    "vtsd",
                                    "vtssws",
                                    "vtsswd",
                                    "vtsswgs",
                                    "vtsswgd",
                                    "gbmin",
                                    "rbdb",
                                    "rbpb",
                                    "rbsb",
                                    "rbps",
                                    "rbpd",
                                    "rbps0",
                                    "rbpsl",
                                    "rbpsw",
                                    "rbpsnf",
                                    "rbpd0",
                                    "rbpdl",
                                    "rbpdw",
                                    "rbpdnf",
                                    "rbpbx0",
                                    "rbpbxl",
                                    "rbpbxw",
                                    "rbpbxnf",
                                    "rbpby0",
                                    "rbpbyl",
                                    "rbpbyw",
                                    "rbpbynf",
                                    "rbsbx0",
                                    "rbsby0",
                                    "rbdbx0",
                                    "rbdby0",
                                    "rbsdbxl",
                                    "rbsdbxw",
                                    "rbsdbxnf",
                                    "rbsdbyl",
                                    "rbsdbyw",
                                    "rbsdbynf",
                                    "saref",
                                    "sbref",
                                    "wlod",
                                    "kvsat",
                                    "tku0",
                                    "llodku0",
                                    "wlodku0",
                                    "llodvth",
                                    "wlodvth",
                                    "stk2",
                                    "lodk2",
                                    "steta0",
                                    "lodeta0",
                                    "web",
                                    "wec",
                                    "scref",
                                    "wpemod",
                                    "noia",
                                    "noib",
                                    "noic",
                                    "tnoia",
                                    "tnoib",
                                    "tnoic",
                                    "rnoia",
                                    "rnoib",
                                    "rnoic",
                                    "gidlclamp",
                                    "idovvds",
                                    "ntnoi",
                                    "em",
                                    "ef",
                                    "af",
                                    "kf",
                                    "vgs_max",
                                    "vgd_max",
                                    "vgb_max",
                                    "vds_max",
                                    "vbs_max",
                                    "vbd_max",
                                    "vgsr_max",
                                    "vgdr_max",
                                    "vgbr_max",
                                    "vbsr_max",
                                    "vbdr_max"};

/* The instance words a card may give as its instances' default (inpgmod.c). */
static const char *const instance_defaults[] = {"l", "w", "ad", "as", "pd", "ps", "nrd", "nrs"};

/* Selectors kirchhoff computes at the values listed (-1 ends a list): each other value is
 * refused with the reason. */
static const struct {
  const char *name;
  double values[12];
  const char *why;
} selectors[] = {
    {"mobmod",
     {0, 1, 2, 3, 4, 5, 6, -1},
     "BSIM4 MOBMOD must be 0 to 6 (ngspice 39 takes another as 0)"},
    {"diomod", {0, 1, 2, -1}, "BSIM4 DIOMOD must be 0, 1 or 2 (ngspice 39 takes another as 1)"},
    {"tempmod", {0, 1, 2, 3, -1}, "BSIM4 TEMPMOD must be 0 to 3 (ngspice 39 takes another as 0)"},
    {"gidlmod", {0, 1, -1}, "BSIM4 GIDLMOD must be 0 or 1"},
    {"permod", {0, 1, -1}, "BSIM4 PERMOD must be 0 or 1 (ngspice 39 takes another as 1)"},
    {"geomod", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1}, "BSIM4 GEOMOD must be 0 to 10"},
    {"rgatemod", {0, 1, 2, 3, -1}, "BSIM4 RGATEMOD must be 0 to 3 (ngspice 39 takes another as 0)"},
    {"rdsmod", {0, 1, -1}, "BSIM4 RDSMOD must be 0 or 1 (ngspice 39 takes another as 0)"},
    {"rbodymod", {0, 1, 2, -1}, "BSIM4 RBODYMOD must be 0, 1 or 2 (ngspice 39 takes another as 0)"},
    {"rgeomod",
     {0, 1, -1},
     "BSIM4 RGEOMOD must be 0 or 1 (ngspice 39 takes another as 1, with a warning, and computes "
     "no contact other than 1's)"},
    {"igcmod", {0, 1, 2, -1}, "BSIM4 IGCMOD must be 0, 1 or 2 (ngspice 39 takes another as 0)"},
    {"igbmod", {0, 1, -1}, "BSIM4 IGBMOD must be 0 or 1 (ngspice 39 takes another as 0)"},
    {"mtrlmod",
     {0, -1},
     "BSIM4 MTRLMOD=1 (non-silicon substrate, metal gate) is not implemented: kirchhoff reads "
     "MTRLMOD=0"},
    {"wpemod", {0, 1, -1}, "BSIM4 WPEMOD must be 0 or 1 (ngspice 39 takes another as 0)"},
};

/* The canonical name of a word (kh_model_word: vtho is vth0), 1 and *name, 0 when BSIM4 has
 * none, -1 out of memory. */
static int canonical(kh_parser *p, const kh_token *t, const char **name) {
  static const kh_word_list lists[] = {
      {plain, sizeof plain / sizeof *plain, 0},
      {binned, sizeof binned / sizeof *binned, 1},
      {instance_defaults, sizeof instance_defaults / sizeof *instance_defaults, 0}};
  return kh_model_word(&p->bsim_words[1], lists, 3, t->s, t->len, name);
}

int kh_bsim4_card(const kh_tokens *tok, size_t from, size_t to) {
  double level = kh_mos_card_level(tok, from, to);
  return level == 14 || level == 54;
}

/* The model a VERSION selects in ngspice 39 (its front end reads the first three characters, in
 * double quotes or none): 48 for its BSIM4 (4.8.2) from "4.8", 5 for its BSIM4v5 (4.5.0) from
 * "4.0" to "4.5", 6 and 7 for BSIM4v6 and BSIM4v7, 0 for none (ngspice stops: "not available"). */
static int version_model(const kh_token *v) {
  const char *s = v->s;
  size_t len = v->len;
  if (len >= 2 && s[0] == '"') s++, len -= 2;
  if (len < 3 || strncmp(s, "4.", 2) || s[2] < '0' || s[2] > '8') return 0;
  return s[2] == '8' ? 48 : s[2] <= '5' ? 5 : s[2] - '0';
}

/* The version's code as stored: 4.5 for BSIM4v5, 4.6 and 4.7 for BSIM4v6 and BSIM4v7; 4.82
 * where b4set.c takes
 * 4.8.1's and 4.8.2's defaults (VERSION 4.8.1 or 4.8.2, or one that starts with 4.81 or 4.82: UA
 * 1e-15 at MOBMOD 6, UC and UC1 in 1/V at MOBMOD 5, as with none), 4.8 for the rest (4.8, 4.8.0,
 * 4.80, 4.8.3, ...), measured. */
static double version_code(const kh_token *v) {
  int model = version_model(v);
  if (model == 5) return 4.5;
  if (model == 6 || model == 7) return model == 6 ? 4.6 : 4.7;
  const char *s = v->s;
  size_t len = v->len;
  if (len >= 2 && s[0] == '"') s++, len -= 2;
  int newer = (len == 5 && (!strncmp(s, "4.8.1", 5) || !strncmp(s, "4.8.2", 5))) ||
              (len >= 4 && (!strncmp(s, "4.81", 4) || !strncmp(s, "4.82", 4)));
  return newer ? 4.82 : 4.8;
}

const char *kh_bsim4_version_text(double code) {
  return code == 4.82  ? "4.8.2"
         : code == 4.5 ? "4.5"
         : code == 4.6 ? "4.6"
         : code == 4.7 ? "4.7"
                       : "4.8";
}

/* The card's version code (4.82 where it gives none). */
static double card_version(const kh_tokens *tok, size_t from, size_t to) {
  for (size_t i = from; i + 2 < to; i += 3)
    if (kh_token_eq(&tok->items[i], "version")) return version_code(&tok->items[i + 2]);
  return 4.82;
}

static kh_status check_version(kh_parser *p, uint32_t line, const kh_token *v) {
  if (v->len >= 1 && v->s[0] == '\'')
    return kh_token_fail(p, line, v,
                         "a VERSION in single quotes stops ngspice 39 (a fatal error: quotes "
                         "there are an expression's); write it bare or in double quotes");
  if (version_model(v)) return KH_OK;
  return kh_token_fail(p, line, v,
                       "BSIM4 VERSION %.*s: ngspice 39 has no BSIM4 of that version (it stops: "
                       "\"not available in this binary\"); give 4.0 to 4.8",
                       (int)v->len, v->s);
}

/* The words BSIM4 4.8 knows and ngspice 39's BSIM4v5 (VERSION 4.0 to 4.5) does not (it would
 * warn and ignore them): binned ones with their l, w and p forms. */
static const char *const not_v5[] = {
    "ados",     "bdos",    "bg0sub",    "cvchargemod", "dlcigd",   "easub",     "eot",
    "epsrgate", "epsrsub", "gidlclamp", "gidlmod",     "idovvds",  "jtweff",    "mtrlcompatmod",
    "mtrlmod",  "ni0sub",  "njtsd",     "njtsswd",     "njtsswgd", "phig",      "rnoic",
    "tbgasub",  "tbgbsub", "tempeot",   "tnjtsd",      "tnjtsswd", "tnjtsswgd", "tnoic",
    "vddeot",   "voffcvl", "leffeot",   "weffeot"};
static const char *const not_v5_binned[] = {
    "agisl",  "aigd",  "aigs",  "bgisl", "bigd",     "bigs",    "cgisl", "cigd",  "cigs",
    "dvtp2",  "dvtp3", "dvtp4", "dvtp5", "egisl",    "fgidl",   "fgisl", "kgidl", "kgisl",
    "minvcv", "rgidl", "rgisl", "teta0", "tnfactor", "tvoffcv", "ucs",   "ucste"};

/* The words BSIM4 4.8 knows and ngspice 39's BSIM4v7 (VERSION 4.7) does not, and those its
 * BSIM4v6 (4.6) does not know beside them (binned ones with their l, w and p forms): each of the
 * words kirchhoff reads, given to ngspice 39 on a 4.7 and a 4.6 card, measured. */
static const char *const not_v7[] = {"gidlclamp", "idovvds"};
static const char *const not_v6[] = {"mtrlcompatmod", "gidlmod", "tnoic", "rnoic"};
static const char *const not_v6_binned[] = {"dvtp2", "dvtp3",   "dvtp4", "dvtp5", "tnfactor",
                                            "teta0", "tvoffcv", "rgidl", "kgidl", "fgidl",
                                            "rgisl", "kgisl",   "fgisl"};

/* Whether a binned word (or its l, w or p form) is one of the list's. */
#define BINNED_LISTED(list, name, len)                                                             \
  (KH_LISTED(list, name, len) ||                                                                   \
   ((name[0] == 'l' || name[0] == 'w' || name[0] == 'p') && KH_LISTED(list, name + 1, len - 1)))

/* The older model a version code selects, as messages name it (BSIM4v5, v6 or v7), and its
 * VERSIONs. */
static const char *older_model(double version) {
  return version == 4.5 ? "BSIM4v5" : version == 4.6 ? "BSIM4v6" : "BSIM4v7";
}
static const char *older_versions(double version) {
  return version == 4.5 ? "4.0 to 4.5" : kh_bsim4_version_text(version);
}

/* Whether the version's model knows a word BSIM4 4.8 knows. */
static int version_knows(double version, const char *name) {
  size_t len = strlen(name);
  if (version == 4.5)
    return !KH_LISTED(not_v5, name, len) && !BINNED_LISTED(not_v5_binned, name, len);
  if (version == 4.6 && (KH_LISTED(not_v6, name, len) || BINNED_LISTED(not_v6_binned, name, len)))
    return 0;
  return !((version == 4.6 || version == 4.7) && KH_LISTED(not_v7, name, len));
}

static kh_status check_selector(kh_parser *p, uint32_t line, const kh_token *name,
                                const kh_token *value) {
  for (size_t k = 0; k < sizeof selectors / sizeof *selectors; k++) {
    if (!kh_token_eq(name, selectors[k].name)) continue;
    double v;
    kh_status st = kh_eval_token(p, line, value, NULL, &v);
    if (st != KH_OK) return st;
    for (const double *ok = selectors[k].values; *ok >= 0; ok++)
      if (v == *ok) return KH_OK;
    return kh_token_fail(p, line, value, "%s (here %g)", selectors[k].why, v);
  }
  return KH_OK;
}

/* The value of the card's word (NaN where it has none or it does not evaluate). */
static double card_value(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from, size_t to,
                         const char *word) {
  double v = NAN;
  for (size_t i = from; i + 2 < to; i += 3)
    if (kh_token_eq(&tok->items[i], word) &&
        kh_eval_token(p, line, &tok->items[i + 2], NULL, &v) != KH_OK)
      return NAN;
  return v;
}

static kh_status check_word(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t i, size_t to, double version) {
  const kh_token *t = tok->items;
  const char *name = NULL;
  if (i + 2 >= to || !kh_token_eq(&t[i + 1], "="))
    return kh_model_word_expected(p, line, tok, from, i);
  if (kh_token_eq(&t[i], "version")) return check_version(p, line, &t[i + 2]);
  int known = canonical(p, &t[i], &name);
  if (known < 0) return kh_fail_nomem(p->ctx, "reading a model");
  kh_status st = kh_check_model_instance_word(p, line, tok, from, i, known, instance_defaults,
                                              sizeof instance_defaults / sizeof *instance_defaults);
  if (st != KH_OK) return st;
  if (!known)
    return kh_token_fail(p, line, &t[i],
                         "unknown BSIM4 model parameter '%.*s' (ngspice 39 would ignore it with a "
                         "warning; docs/netlist.md lists them)",
                         (int)t[i].len, t[i].s);
  if (!version_knows(version, name))
    return kh_token_fail(p, line, &t[i],
                         "'%.*s' is not a %s parameter (VERSION %s): ngspice 39's %s ignores it "
                         "with a warning; remove it, or give VERSION=4.8",
                         (int)t[i].len, t[i].s, older_model(version), older_versions(version),
                         older_model(version));
  double sel;
  if (version == 4.5 && (kh_token_eq(&t[i], "mobmod") || kh_token_eq(&t[i], "tempmod")) &&
      kh_eval_token(p, line, &t[i + 2], NULL, &sel) == KH_OK && sel != 0 && sel != 1 && sel != 2)
    return kh_token_fail(p, line, &t[i + 2],
                         "BSIM4v5 (VERSION 4.0 to 4.5) %s must be 0, 1 or 2 (here %g)", name, sel);
  if ((version == 4.6 || version == 4.7) && kh_token_eq(&t[i], "mobmod") &&
      kh_eval_token(p, line, &t[i + 2], NULL, &sel) == KH_OK && sel != 0 && sel != 1 && sel != 2 &&
      sel != 3)
    return kh_token_fail(p, line, &t[i + 2],
                         "%s (VERSION %s) MOBMOD must be 0 to 3 (here %g; ngspice 39's %s takes "
                         "another as 0)",
                         older_model(version), older_versions(version), sel, older_model(version));
  st = check_selector(p, line, &t[i], &t[i + 2]);
  if (st != KH_OK) return st;
  double v;
  if ((!strcmp(name, "njs") || !strcmp(name, "njd")) &&
      kh_eval_token(p, line, &t[i + 2], NULL, &v) == KH_OK && v < 0.1)
    return kh_token_fail(p, line, &t[i + 2],
                         "BSIM4 %s = %g: ngspice 39 sets the junctions' saturation up with it and "
                         "then raises it to 0.1 for their current (b4check.c); give at least 0.1",
                         name, v);
  return KH_OK;
}

/* The gate resistance carries DC only where a tunnelling current flows through it (RGATEMOD 1
 * to 3, sim/general/general_bsim4_layout.c): its NGCON must then be 1 or 2. */
static kh_status check_gate(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t to) {
  double igc = card_value(p, line, tok, from, to, "igcmod"),
         igb = card_value(p, line, tok, from, to, "igbmod");
  double rgate = card_value(p, line, tok, from, to, "rgatemod"),
         ngcon = card_value(p, line, tok, from, to, "ngcon");
  int tunnel = (!isnan(igc) && igc != 0) || (!isnan(igb) && igb != 0);
  if (!tunnel || isnan(rgate) || rgate == 0) return KH_OK;
  for (size_t i = from; i + 2 < to; i += 3) {
    const kh_token *t = &tok->items[i];
    if (kh_token_eq(t, "ngcon") && ngcon != 1 && ngcon != 2)
      return kh_token_fail(p, line, t,
                           "BSIM4 NGCON=%g: ngspice 39's check sets it to 1 for the one instance "
                           "it checks; give 1 or 2",
                           ngcon);
  }
  return KH_OK;
}

kh_status kh_check_bsim4_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to) {
  double version = card_version(tok, from, to);
  for (size_t i = from; i < to; i += 3) {
    kh_status st = check_word(p, line, tok, from, i, to, version);
    if (st != KH_OK) return st;
  }
  return check_gate(p, line, tok, from, to);
}

kh_status kh_bsim4_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t end, kh_model_param **out, size_t *count) {
  const kh_token *t = tok->items;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 2) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  for (size_t i = from; i + 2 < end; i += 3) { /* every word checked (kh_check_bsim4_model) */
    const char *key = NULL;
    double v;
    if (kh_token_eq(&t[i], "version")) { /* 4.8.x all read by BSIM4 4.8.2 */
      params[n++] = (kh_model_param){"version", version_code(&t[i + 2])};
      continue;
    }
    int known = canonical(p, &t[i], &key);
    if (known < 0) return kh_fail_nomem(p->ctx, "storing a model");
    if (!known) continue;
    kh_status st = kh_eval_token(p, line, &t[i + 2], NULL, &v);
    if (st != KH_OK) return st;
    params[n++] = (kh_model_param){key, v};
  }
  *out = params, *count = n;
  return KH_OK;
}

int kh_bsim4_model(const kh_model *m) {
  double level = kh_model_value(m, "level", 1);
  return (!strcmp(m->type, "nmos") || !strcmp(m->type, "pmos")) && (level == 14 || level == 54);
}

/* BSIM4's instance words (b4.c) beyond the MOSFETs' and BSIM3's: those with a DC effect kept in
 * kh_mos_bsim4, those without (the gate resistance's, the NQS selectors) read and left. */
static const char *const with_dc[] = {"nf",       "min",     "geomod", "sa",   "sb",   "sd",
                                      "rbodymod", "rgeomod", "wnflag", "rbdb", "rbsb", "rbpb",
                                      "rbps",     "rbpd",    "sca",    "scb",  "scc",  "sc"};
static const char *const without_dc[] = {"xgw", "ngcon", "trnqsmod", "acnqsmod", "rgatemod"};
#define WITH_DC (sizeof with_dc / sizeof *with_dc)
#define WITHOUT_DC (sizeof without_dc / sizeof *without_dc)

void kh_bsim4_instance_words(kh_mos_bsim4 *b4, double *unread, kh_instance_word *words) {
  *b4 = (kh_mos_bsim4){
      1, 0, -1, 0, 0, NAN, -1, -1, NAN, {NAN, NAN, NAN, NAN, NAN}, {NAN, NAN, NAN, NAN}};
  double *at[WITH_DC] = {&b4->nf,       &b4->min_sd,   &b4->geomod,   &b4->sa,       &b4->sb,
                         &b4->sd,       &b4->rbodymod, &b4->rgeomod,  &b4->wnflag,   &b4->rbody[0],
                         &b4->rbody[1], &b4->rbody[2], &b4->rbody[3], &b4->rbody[4], &b4->sc[0],
                         &b4->sc[1],    &b4->sc[2],    &b4->sc[3]};
  for (size_t k = 0; k < WITH_DC; k++)
    words[k] = (kh_instance_word){with_dc[k], at[k],
                                  k == 0  ? '+'
                                  : k < 3 ? '0'
                                          : 0,
                                  k < 3 ? 1u << (KH_MOS_NF + k) : 0};
  for (size_t k = 0; k < WITHOUT_DC; k++)
    words[WITH_DC + k] = (kh_instance_word){without_dc[k], &unread[k], 0, 0};
}

/* The first of the instance's tokens (after its nodes and model) that is one of words, or NULL. */
static const kh_token *written(const kh_tokens *tok, const char *const *words, size_t n) {
  for (size_t i = 6; i + 1 < tok->count; i++)
    for (size_t k = 0; k < n; k++)
      if (kh_token_eq(&tok->items[i], words[k]) && kh_token_eq(&tok->items[i + 1], "="))
        return &tok->items[i];
  return NULL;
}

kh_status kh_bsim4_check_instance(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                  const kh_model *model, const kh_mos_inst *in) {
  const kh_token *w = written(tok, with_dc, WITH_DC);
  if (!w) w = written(tok, without_dc, WITHOUT_DC);
  if (!kh_bsim4_model(model))
    return w ? kh_token_fail(
                   p, line, w,
                   "'%.*s' is a BSIM4 instance parameter: ngspice 39's MOSFET at LEVEL %g "
                   "stops at it as unknown",
                   (int)w->len, w->s, kh_model_value(model, "level", 1))
             : KH_OK;
  const kh_mos_bsim4 *b = &in->b4;
  const kh_token *at = &tok->items[5];
  double version = kh_model_value(model, "version", 4.82);
  if (!isnan(b->wnflag) && (version == 4.5 || version == 4.6))
    return kh_token_fail(p, line, written(tok, with_dc + 8, 1),
                         "'wnflag' is not a %s instance parameter (VERSION %s): ngspice 39 stops "
                         "at it as unknown; give .options wnflag instead, or VERSION=4.8",
                         older_model(version), older_versions(version));
  if (b->rbodymod != -1 && b->rbodymod != 0 && b->rbodymod != 1 && b->rbodymod != 2)
    return kh_token_fail(p, line, written(tok, with_dc + 6, 1),
                         "BSIM4 RBODYMOD=%g: it must be 0, 1 or 2 (ngspice 39 takes another as 0)",
                         b->rbodymod);
  int tunnel = kh_model_value(model, "igcmod", 0) != 0 || kh_model_value(model, "igbmod", 0) != 0;
  static const char *const gate_words[] = {"rgatemod", "xgw", "ngcon"};
  const kh_token *gw = written(tok, gate_words, 3);
  if (tunnel && gw)
    return kh_token_fail(p, line, gw,
                         "BSIM4 instance '%.*s' beside gate tunnelling currents: the gate "
                         "resistance's words are read from the model card only; give them there",
                         (int)gw->len, gw->s);
  if (tunnel && kh_model_value(model, "rgatemod", 0) >= 1 &&
      !(in->geo[KH_MOS_L] + kh_model_value(model, "xl", 0) > kh_model_value(model, "xgl", 0)))
    return kh_token_fail(p, line, at, "BSIM4 XGL must be below L + XL (ngspice 39 stops)");
  if (b->rgeomod != -1 && b->rgeomod != 0 && b->rgeomod != 1)
    return kh_token_fail(p, line, written(tok, with_dc + 7, 1),
                         "BSIM4 RGEOMOD=%g: it must be 0 or 1 (ngspice 39 takes another as the "
                         "model's, with a warning)",
                         b->rgeomod);
  if (b->geomod > 10 || b->geomod != floor(b->geomod))
    return kh_token_fail(p, line, written(tok, with_dc + 2, 1),
                         "BSIM4 GEOMOD must be a whole number from 0 to 10");
  return KH_OK;
}
