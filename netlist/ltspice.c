/* ngspice 39's LTspice compatibility mode (`set ngbehavior=lt` in .spiceinit; inpcom.c's
 * ltspice_compat, read there): a logical line of a rewritten file as ngspice rewrites it before
 * reading. What the mode changes in every line (resistor-code values, powers) is read where the
 * values are (values.c's kh_eval_rkm_token, expr.c, behavioural.c); the D lines that name an
 * ideal diode's card are read at their model (flatten.c, kh_ltspice_diode). */
#include "pspice.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const kh_ltspice_header[] = {
    ".func uplim(x, pos, z) { min(x, pos - z) + (1 - (min(max(0, x - pos + z), 2 * z) / 2 / z - "
    "1)**2)*z }",
    ".func dnlim(x, neg, z) { max(x, neg + z) - (1 - (min(max(0, -x + neg + z), 2 * z) / 2 / z - "
    "1)**2)*z }",
    ".func uplim_tanh(x, pos, z) { min(x, pos - z) + tanh(max(0, x - pos + z) / z)*z }",
    ".func dnlim_tanh(x, neg, z) { max(x, neg + z) - tanh(max(0, neg + z - x) / z)*z }", NULL};

static int blank(char c) {
  return c == ' ' || c == '\t';
}

/* A resistor's `noiseless` (the first, where it is a word of its own) as `noisy=0  `. */
static void noiseless(kh_edit *e) {
  char *at = strstr(e->t, "noiseless");
  if (at && at > e->t && isspace((unsigned char)at[-1]) &&
      (isspace((unsigned char)at[9]) || !isprint((unsigned char)at[9])))
    memcpy(at, "noisy=0  ", 9);
}

/* A .model card of LTspice's ideal diode (a `d` card with one of its words): `.model aNAME
 * sidiode...`, the XSPICE model ngspice reads it as, `noiseless` dropped; res->ideal_at is where
 * its name begins. */
static int ideal_diode(kh_edit *e, kh_edit *tmp, kh_pspice_result *res) {
  static const char *const words[] = {"roff",    "ron",        "rrev",   "vfwd",     "vrev",
                                      "epsilon", "revepsilon", "ilimit", "revilimit"};
  int ideal = 0;
  for (size_t k = 0; k < sizeof words / sizeof *words; k++)
    ideal |= kh_plain_word(e->t, words[k]) != NULL;
  if (!ideal || !kh_plain_word(e->t, "d")) return 0;
  size_t name = 6, end, type;
  while (blank(e->t[name])) name++;
  for (end = name; end < e->n && !blank(e->t[end]) && e->t[end] != '('; end++) continue;
  for (type = end; blank(e->t[type]); type++) continue;
  if (end == name || e->t[type] != 'd') return 0; /* ngspice rewrites only a type starting d */
  char *quiet = kh_plain_word(e->t, "noiseless");
  if (quiet) memset(quiet, ' ', 9);
  res->ideal_at = e->from[name];
  if (kh_edit_splice(e, tmp, type, 1, "sidiode")) return -1;
  return kh_edit_splice(e, tmp, name, 0, "a");
}

int kh_ltspice_line(kh_edit *e, kh_edit *tmp, kh_pspice_result *res) {
  if (!strncmp(e->t, ".backanno", 9)) return res->drop = 1, 0;
  if (e->t[0] == 'r') noiseless(e);
  if (!strncmp(e->t, ".model", 6)) return ideal_diode(e, tmp, res);
  return 0;
}
