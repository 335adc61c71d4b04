/* ngspice 39's PSpice compatibility mode (`set ngbehavior=ps` in .spiceinit; inpcom.c's
 * pspice_compat and rem_mfg_from_models, read there): a logical line rewritten as ngspice
 * rewrites it before reading. Where ngspice's rewrite is one kirchhoff does not make, the line is
 * refused at its token, never read in ngspice's own mode instead. */
#include "pspice.h"

#include "kirchhoff/netlist.h"

#include "core/alloc.h"
#include "core/context.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kh_pspice_header[] = {
    ".param temp = 'temper'",
    ".param vt = '(temper + 273.15) * 8.6173303e-5'",
    ".param gmin = 1e-12",
    ".func limit(x, a, b) { ternary_fcn(a > b, max(min(x, a), b), max(min(x, b), a)) }",
    ".func pwr(x, a) { pow(x, a) }",
    ".func pwrs(x, a) { sgn(x) * pow(x, a) }",
    ".func stp(x) { u(x) }",
    ".func if(a, b, c) {ternary_fcn( a , b , c )}",
    ".func int(x) { sign(x)*floor(abs(x)) }",
    NULL};
const char *const kh_pspice_subckt_params[] = {
    ".param temp = 'temper'", ".param vt = '(temper + 273.15) * 8.6173303e-5'", NULL};

static int starts(const char *s, const char *word) {
  return !strncmp(s, word, strlen(word));
}

static int blank(char c) {
  return c == ' ' || c == '\t';
}

/* The start of the word after `skip` blank-separated words, or NULL. */
static char *word_after(char *s, int skip) {
  while (blank(*s)) s++;
  for (int k = 0; k < skip && *s; k++) {
    while (*s && !blank(*s)) s++;
    while (blank(*s)) s++;
  }
  return *s ? s : NULL;
}

/* & to && and | to ||, in pspice_compat's loop: each lone `c` from the first on becomes two, the
 * search going on past the last pair, and stopping at a pair already written. */
static int double_operator(kh_edit *e, kh_edit *tmp, char c) {
  char pair[3] = {c, c, 0};
  char *t = strchr(e->t, c);
  while (t && t[1] != c) {
    if (kh_edit_splice(e, tmp, (size_t)(t - e->t), 1, pair)) return -1;
    char *last = NULL;
    for (char *u = e->t; (u = strstr(u, pair)) != NULL; u += 2) last = u + 2;
    if (!last) break;
    t = strchr(last, c);
  }
  return 0;
}

/* rem_mfg_from_models: `word=value` blanked where `word` stands alone (every .model card). */
static void blank_word_value(kh_edit *e, const char *word) {
  char *at = kh_plain_word(e->t, word);
  size_t n = strlen(word);
  if (!at || at[n] != '=') return;
  while (*at && !blank(*at)) *at++ = ' ';
}

/* Blanks around every '=' removed (inpcom.c's inp_remove_ws, as the VSWITCH rewrite reads). */
static int close_equals(kh_edit *e, kh_edit *tmp) {
  for (size_t i = 0; i < e->n; i++) {
    if (e->t[i] != '=') continue;
    size_t a = i, b = i + 1;
    while (a > 0 && blank(e->t[a - 1])) a--;
    while (b < e->n && blank(e->t[b])) b++;
    if (a == i && b == i + 1) continue;
    if (kh_edit_splice(e, tmp, a, b - a, "=")) return -1;
    i = a;
  }
  return 0;
}

/* `name=` renamed (its first occurrence) or, absent, `dflt` put first in the parameters at p */
static int rename_or_default(kh_edit *e, kh_edit *tmp, size_t p, const char *name, const char *to,
                             const char *dflt) {
  char *at = strstr(e->t + p, name);
  if (at) return kh_edit_splice(e, tmp, (size_t)(at - e->t), strlen(name), to);
  return kh_edit_splice(e, tmp, p, 0, dflt);
}

/* PSpice's switch models as pspice_compat rewrites them: VSWITCH (S lines) and ISWITCH (W). */
static const struct switch_kind {
  const char *type, *name, *t, *h, *on, *off, *plain, *coded, *words, *letter;
} switch_kinds[2] = {
    {"vswitch", "VSWITCH", "vt=", "vh=", "von=", "voff=", "sw     ", "pswitch", "log=true", "V"},
    {"iswitch", "ISWITCH", "it=", "ih=", "ion=", "ioff=", "csw    ", "aswitch",
     "log=true limit=true", "I"}};

/* A VSWITCH or ISWITCH model: with VT or VH (IT, IH) the SW (CSW) model it is (their parameters
 * and defaults are the same), with VON and VOFF (ION, IOFF) the pswitch (aswitch) code model, its
 * parameters renamed and ngspice's defaults for RON and ROFF written first, log=true (and
 * limit=true). `type`: the type word's offset. */
static int switch_model(kh_edit *e, kh_edit *tmp, size_t type, const struct switch_kind *k,
                        kh_pspice_result *res) {
  memcpy(e->t + type, k->plain, 7); /* "vswitch" and "iswitch": 7 bytes */
  size_t p = type + 7;
  while (p < e->n && (blank(e->t[p]) || e->t[p] == '(')) p++;
  if (strstr(e->t + p, k->t) || strstr(e->t + p, k->h)) return 0;
  int on = strstr(e->t + p, k->on) != NULL, off = strstr(e->t + p, k->off) != NULL;
  if (!on && !off)
    return kh_pspice_refuse(res, e, e->t + type,
                            "%s model with neither %sT, %sH nor %sON, %sOFF (ngspice 39: \"Bad "
                            "switch model\")",
                            k->name, k->letter, k->letter, k->letter, k->letter);
  if (!on || !off)
    return kh_pspice_refuse(res, e, e->t + type,
                            "%s model without %s%s, on which ngspice 39's PSpice mode fails "
                            "(measured: \"double free or corruption\"): give both",
                            k->name, k->letter, on ? "OFF" : "ON");
  memcpy(e->t + type, k->coded, 7);
  int paren = memchr(e->t + type, '(', e->n - type) != NULL;
  char words[40];
  snprintf(words, sizeof words, paren ? "%s " : " %s)", k->words);
  if (!paren &&
      (kh_edit_splice(e, tmp, e->n, 0, words) || kh_edit_splice(e, tmp, type + 7, 0, "(")))
    return -1;
  if (paren && kh_edit_splice(e, tmp, p, 0, words)) return -1;
  p = (size_t)(strchr(e->t + type, '(') - e->t) + 1;
  if (rename_or_default(e, tmp, p, "ron=", "r_on=", "r_on=1.0 ") ||
      rename_or_default(e, tmp, p, "roff=", "r_off=", "r_off=1.0e6 ") ||
      rename_or_default(e, tmp, p, k->on, "cntl_on=", "") ||
      rename_or_default(e, tmp, p, k->off, "cntl_off=", ""))
    return -1;
  return 0;
}

/* The end of the type word at `type` (gettok_noparens: up to a blank or a parenthesis). */
static size_t type_end(const kh_edit *e, const char *type) {
  const char *t = type;
  while (*t && !blank(*t) && *t != '(' && *t != ')') t++;
  return (size_t)(t - e->t);
}

/* A MOSFET's or BJT's LEVEL as pspice_compat maps it: NMOS and PMOS levels 6 and 7 to BSIM3
 * 3.2.4 (`level=8 version=3.2.4`, the words between the type and the level dropped, as it drops
 * them), the levels it maps to models kirchhoff lacks refused, the others kept. */
static int mapped_level(kh_edit *e, kh_edit *tmp, const char *type, kh_pspice_result *res) {
  int mos = starts(type, "nmos") || starts(type, "pmos");
  char *lv = strstr(type, "level=");
  if (!lv || !(mos || starts(type, "npn") || starts(type, "pnp"))) return 0;
  int level = atoi(lv + 6);
  if (mos && (level == 5 || level == 8))
    return kh_pspice_refuse(
        res, e, lv,
        "PSpice MOSFET LEVEL=%d, which ngspice 39's PSpice mode reads as %s: not in "
        "kirchhoff",
        level, level == 5 ? "EKV (level 44)" : "BSIM4 4.5.0 (level 14)");
  if (!mos && level == 2)
    return kh_pspice_refuse(
        res, e, lv,
        "PSpice BJT LEVEL=2, which ngspice 39's PSpice mode reads as MEXTRAM (level 6): "
        "not in kirchhoff");
  if (!mos || (level != 6 && level != 7)) return 0;
  size_t from = type_end(e, type), to = (size_t)(lv - e->t);
  while (to < e->n && !blank(e->t[to])) to++;
  return kh_edit_splice(e, tmp, from, to - from, " level=8 version=3.2.4");
}

/* pspice_compat's Monte-Carlo words removed: tokens after the type starting dev= or lot=. */
static void drop_tolerances(char *type) {
  for (char *w = word_after(type, 1); w;) {
    int drop = starts(w, "dev=") || starts(w, "lot=");
    while (drop && *w && !blank(*w)) *w++ = ' ';
    w = word_after(w, !drop); /* past the word kept, or to the next after the blanked one */
  }
}

/* A .model card: LEVELs mapped, DEV and LOT dropped, T_ABS, T_REL_GLOBAL and T_MEASURED
 * renamed (the first of them, as pspice_compat renames it), LPNP as PNP, VSWITCH and ISWITCH;
 * AKO cards are copied before (pspice_ako). */
static int model_card(kh_edit *e, kh_edit *tmp, kh_pspice_result *res) {
  if (close_equals(e, tmp)) return -1;
  char *type = word_after(e->t, 2), *t;
  if (!type) return 0;
  size_t at = (size_t)(type - e->t);
  if (mapped_level(e, tmp, e->t + at, res)) return -1;
  if (res->why[0]) return 0;
  drop_tolerances(e->t + at);
  if ((t = strstr(e->t, "t_abs")) != NULL)
    memcpy(t, " temp", 5);
  else if ((t = strstr(e->t, "t_rel_global")) != NULL)
    memcpy(t, "       dtemp", 12);
  else if ((t = strstr(e->t, "t_measured")) != NULL)
    memcpy(t, "      tnom", 10);
  if (starts(e->t + at, "lpnp")) /* a lateral PNP: the substrate at the base */
    return kh_edit_splice(e, tmp, at, type_end(e, e->t + at) - at, "pnp level=1 subs=-1");
  for (int k = 0; k < 2; k++)
    if (starts(e->t + at, switch_kinds[k].type))
      return switch_model(e, tmp, at, &switch_kinds[k], res);
  return 0;
}

/* The values after R's, L's or C's TC: TC1= and TC2= for them (pspice_compat's rewrite, which
 * drops whatever follows: refused there). */
static int temperature_coefficients(kh_edit *e, kh_edit *tmp, kh_pspice_result *res) {
  char *from = word_after(e->t, 3), *tc = from ? kh_plain_word(from, "tc") : NULL;
  if (!tc) return 0;
  char *s = tc + 2, *value[2] = {0};
  size_t len[2] = {0};
  while (blank(*s)) s++;
  if (*s != '=')
    return kh_pspice_refuse(res, e, tc,
                            "TC without '=': not in kirchhoff's PSpice mode (write TC=a,b)");
  s++;
  for (int k = 0; k < 3; k++) {
    while (blank(*s) || *s == ',' || *s == '(' || *s == ')') s++;
    if (!*s) break;
    if (k == 2)
      return kh_pspice_refuse(
          res, e, s,
          "words after TC=a,b, which ngspice 39's PSpice mode drops: put them before "
          "TC");
    value[k] = s;
    while (*s && !blank(*s) && *s != ',' && *s != '(' && *s != ')') s++;
    len[k] = (size_t)(s - value[k]);
    if (memchr(value[k], '=', len[k]) || strpbrk(value[k], "{'") == value[k])
      return kh_pspice_refuse(
          res, e, value[k],
          "TC's values as ngspice 39's PSpice mode splits them (numbers): write TC1= "
          "and TC2= instead");
  }
  if (!value[0])
    return kh_pspice_refuse(res, e, tc, "TC without values (ngspice 39's PSpice mode removes it)");
  char words[160];
  if (snprintf(words, sizeof words, "tc1=%.*s%s%.*s", (int)len[0], value[0],
               value[1] ? " tc2=" : "", (int)len[1], value[1] ? value[1] : "") >= (int)sizeof words)
    return kh_pspice_refuse(res, e, tc, "TC's values too long");
  return kh_edit_splice(e, tmp, (size_t)(tc - e->t), e->n - (size_t)(tc - e->t), words);
}

/* rem_double_braces: in a .model card or inside a .subckt, braces inside the first brace pair
 * are parentheses. */
static void inner_braces(kh_edit *e) {
  char *s = strchr(e->t, '{');
  if (!s) return;
  for (int level = 1; *++s;) {
    if (*s == '{' && ++level > 1)
      *s = '(';
    else if (*s == '}' && level-- > 1)
      *s = ')';
  }
}

/* replace_table: each `table(x, x0, y0, ...)` in an E's or G's VALUE (or a G's CUR) as
 * ` v(table_new_N)`, the node of `btable_new_N table_new_N 0 v=pwl(x, x0, y0, ...)` put after
 * the line (each new one right after it, so the last first), N counting from 0 over the run. */
static int value_tables(kh_edit *e, kh_edit *tmp, kh_pspice_state *st, kh_pspice_result *res) {
  char *t;
  while ((t = strstr(e->t, "table(")) != NULL) {
    char *q = t + 5;
    for (int depth = 0; *q; q++)
      if (*q == '(')
        depth++;
      else if (*q == ')' && --depth == 0)
        break;
    if (!*q)
      return kh_pspice_refuse(res, e, t,
                              "TABLE( without its ')', on which ngspice 39's PSpice mode fails");
    if (res->after_count == KH_PSPICE_AFTER)
      return kh_pspice_refuse(res, e, t, "more than %d TABLE( functions in one line",
                              KH_PSPICE_AFTER);
    size_t len = (size_t)(q - (t + 5)) + 1, cap = len + 64;
    char *line = kh_malloc(cap), node[40];
    if (!line) return -1;
    snprintf(line, cap, "btable_new_%u table_new_%u 0 v=pwl%.*s", st->tables, st->tables, (int)len,
             t + 5);
    memmove(res->after + 1, res->after, res->after_count * sizeof *res->after);
    res->after[0] = line, res->after_count++;
    snprintf(node, sizeof node, " v(table_new_%u)", st->tables++);
    if (kh_edit_splice(e, tmp, (size_t)(t - e->t), (size_t)(q + 1 - t), node)) return -1;
  }
  return 0;
}

/* The rewrites of a line of a rewritten file, in pspice_compat's order. */
static int library_line(kh_edit *e, kh_edit *tmp, uint32_t file, int whole, kh_pspice_state *st,
                        kh_pspice_result *res) {
  char c = e->t[0];
  if (starts(e->t, ".distribution")) /* a comment for pspice_compat */
    return res->drop = 1, 0;
  res->opens_subckt = starts(e->t, ".subckt");
  if (starts(e->t, ".model") && kh_pspice_ako(st, file, whole, e, tmp, res)) return -1;
  if (res->why[0]) return 0;
  if (starts(e->t, ".model") || st->depth > 0) inner_braces(e);
  if ((c == 'e' && kh_plain_word(e->t, "value")) ||
      (c == 'g' && (kh_plain_word(e->t, "value") || kh_plain_word(e->t, "cur")))) {
    if (value_tables(e, tmp, st, res)) return -1;
    if (res->why[0]) return 0;
  }
  if (c == 'r' || c == 'l' || c == 'c') {
    if (temperature_coefficients(e, tmp, res)) return -1;
    if (res->why[0]) return 0;
  }
  if (double_operator(e, tmp, '&') || double_operator(e, tmp, '|')) return -1;
  if (c != 'a')
    for (char *t = e->t; (t = strchr(t, '~')) != NULL;) *t = '!';
  if (starts(e->t, ".model")) return model_card(e, tmp, res);
  char *node4 = c == 'q' ? word_after(e->t, 4) : NULL;
  if (node4 && *node4 == '[' && strchr(node4, ']')) *node4 = ' ', *strchr(node4, ']') = ' ';
  return 0;
}

/* The .subckt nesting both modes' rewrites follow (ako_model's subcircuit: the last .subckt, none
 * after .ends). */
static void nesting(const char *t, kh_pspice_state *st) {
  if (starts(t, ".subckt")) st->depth++, st->scope = ++st->scopes;
  if (starts(t, ".ends")) st->depth--, st->scope = 0;
}

/* A line of a rewritten file: ltspice_compat's rewrites (rem_double_braces's among them, where
 * pspice_compat does not make them), then pspice_compat's. */
static int rewritten_line(kh_edit *e, kh_edit *tmp, uint32_t file, int mode, kh_pspice_state *st,
                          kh_pspice_result *res) {
  nesting(e->t, st);
  if (mode & KH_COMPAT_LT) {
    if (kh_ltspice_line(e, tmp, res)) return -1;
    if (res->drop || res->why[0]) return 0;
    if (!(mode & KH_COMPAT_PS) && (starts(e->t, ".model") || st->depth > 0)) inner_braces(e);
  }
  if (!(mode & KH_COMPAT_PS)) return 0;
  return library_line(e, tmp, file, (mode & KH_COMPAT_WHOLE) != 0, st, res);
}

int kh_pspice_rewrite(const char *s, size_t n, int in_library, uint32_t file, int mode,
                      kh_pspice_state *state, kh_edit *out, kh_pspice_result *res) {
  kh_edit tmp = {0};
  *res = (kh_pspice_result){.why = "", .ideal_at = SIZE_MAX};
  out->n = 0;
  if (kh_edit_from_text(out, s, n)) return -1;
  int st = in_library ? rewritten_line(out, &tmp, file, mode, state, res) : 0;
  if (st == 0 && !res->why[0] && starts(out->t, ".model"))
    for (size_t k = 0; k < 4; k++)
      blank_word_value(out, (const char *[]){"mfg", "icrating", "vceo", "type"}[k]);
  kh_edit_release(&tmp);
  return st;
}
