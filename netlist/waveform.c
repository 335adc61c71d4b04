/* Time-dependent source specifications (SIN, PULSE, PWL, EXP, SFFM, AM) at DC. ngspice's DC
 * operating point uses a source's DC value when one is given, and otherwise its waveform at
 * t = 0 (vsrcload.c, isrcload.c). The value at t = 0 is exact where it does not depend on the
 * transient analysis (delays >= 0); a waveform whose value at t = 0 would need .tran's step or
 * stop time (a PULSE or SIN that starts before 0, a PWL with td=) is refused. Also the words and
 * values of a V or I line as ngspice's front end leaves them (kh_source_word, kh_source_value). */
#include "parser.h"

#include <math.h>
#include <string.h>

enum { MAX_COEFFS = 64 };

typedef enum { SIN, PULSE, PWL, EXP, SFFM, AM, NOISE } waveform;

static const struct {
  const char *name;
  waveform kind;
} waveforms[] = {{"sin", SIN}, {"sine", SIN},      {"pulse", PULSE},
                 {"pwl", PWL}, {"exp", EXP},       {"sffm", SFFM},
                 {"am", AM},   {"trnoise", NOISE}, {"trrandom", NOISE}};

int kh_waveform_name(const kh_token *t) {
  for (size_t k = 0; k < sizeof waveforms / sizeof waveforms[0]; k++)
    if (kh_token_eq(t, waveforms[k].name)) return 1;
  return 0;
}

/* The words of an RF port on a V line: portnum, z0, and .sp's pwr and freq. */
int kh_port_word(const kh_token *t) {
  return kh_token_eq(t, "portnum") || kh_token_eq(t, "z0") || kh_token_eq(t, "pwr") ||
         kh_token_eq(t, "freq");
}

int kh_source_word(const kh_token *t) {
  return kh_token_eq(t, "dc") || kh_token_eq(t, "ac") || kh_token_eq(t, "distof1") ||
         kh_token_eq(t, "distof2") || kh_waveform_name(t) || kh_port_word(t);
}

/* Whether the character before `s` (at offset `off` of its line), blanks skipped, is `c`. */
static int after(const char *s, uint32_t off, char c) {
  while (off > 0 && (s[-1] == ' ' || s[-1] == '\t')) s--, off--;
  return off > 0 && s[-1] == c;
}

/* A number or parameter of a V or I line at t. ngspice 39 puts braces around a bare parameter name
 * only where a blank, '=' or ',' precedes it (inpcom.c's inp_quote_params); glued after a '('
 * (`pulse(vdd ...)`, `(vdd)`, which its tokenizer then reads as a blank) the name stays a word,
 * and ngspice stops at the card (measured), so kirchhoff refuses it there. */
kh_status kh_source_value(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s,
                          double *value) {
  /* `dc=(vdd)`: after a `=` ngspice's front end makes an expression of the value up to the next
   * blank (inp_fix_param_values), so a name in one pair of parentheses there is read */
  int braced = kh_token_name(t) && t->off > 0 && t->s[-1] == '(' &&
               after(t->s - 1, t->off - 1, '=') && t->s[t->len] == ')' &&
               (t->s[t->len + 1] == '\0' || t->s[t->len + 1] == ' ' || t->s[t->len + 1] == '\t');
  if (kh_token_name(t) && t->off > 0 && t->s[-1] == '(' && !braced)
    return kh_token_fail(p, line, t,
                         "parameter '%.*s' right after '(': ngspice 39 substitutes a parameter "
                         "name there only after a blank, '=' or ',' and stops at this card; write "
                         "'( %.*s' or {%.*s}",
                         (int)t->len, t->s, (int)t->len, t->s, (int)t->len, t->s);
  if (kh_token_name(t) && after(t->s, t->off, '=') && t->s[t->len] == ')')
    return kh_token_fail(p, line, t,
                         "'%.*s)' after '=': ngspice 39 reads a name there up to the next blank, "
                         "')' included, and stops at the expression; write {%.*s} or put a blank "
                         "before ')'",
                         (int)t->len, t->s, (int)t->len, t->s);
  return kh_eval_token(p, line, t, s, value);
}

static waveform kind_of(const kh_token *t) {
  for (size_t k = 0; k < sizeof waveforms / sizeof waveforms[0]; k++)
    if (kh_token_eq(t, waveforms[k].name)) return waveforms[k].kind;
  return NOISE;
}

#define DEG (3.14159265358979323846 / 180.0)

/* The waveform's value at t = 0 from its coefficients c[0..n). */
static kh_status value_at_zero(kh_parser *p, uint32_t line, const kh_token *name, waveform kind,
                               const double *c, size_t n, double td, double *out) {
  static const size_t needed[] = {
      [SIN] = 2, [PULSE] = 2, [PWL] = 2, [EXP] = 2, [SFFM] = 2, [AM] = 2};
  if (kind == NOISE) { /* ngspice 39's operating point (measured): TRNOISE contributes 0, and */
    /* TRRANDOM (TYPE TS TD PARAM1 PARAM2) its offset or mean PARAM2, whatever the type */
    *out = kh_token_eq(name, "trrandom") && n > 4 ? c[4] : 0;
    return KH_OK;
  }
  if (n < needed[kind])
    return kh_token_fail(p, line, name, "'%.*s' needs at least %zu values", (int)name->len, name->s,
                         needed[kind]);
  double delay = 0; /* the coefficient that shifts the waveform in time */
  switch (kind) {
  case SIN: /* VO VA FREQ TD THETA PHASE: VO + VA sin(PHASE) until TD */
    delay = n > 3 ? c[3] : 0;
    *out = c[0] + c[1] * sin((n > 5 ? c[5] : 0) * DEG);
    break;
  case PULSE: /* V1 V2 TD TR TF PW PER PHASE: V1 until TD */
    delay = n > 2 ? c[2] : 0;
    if (n > 7 && c[7] != 0) delay = -1; /* a phase shifts it back: needs PER's position */
    *out = c[0];
    break;
  case EXP: /* V1 V2 TD1 TAU1 TD2 TAU2: V1 until TD1 */
    delay = n > 2 ? c[2] : 0;
    *out = c[0];
    break;
  case SFFM: /* VO VA FC MDI FS PHASEC PHASES */
    *out = c[0] + c[1] * sin((n > 5 ? c[5] : 0) * DEG +
                             (n > 3 ? c[3] : 0) * sin((n > 6 ? c[6] : 0) * DEG));
    break;
  case AM: /* VA VO MF FC TD: 0 until TD */
    delay = n > 4 ? c[4] : 0;
    *out = 0;
    break;
  case PWL: { /* t1 v1 t2 v2 ...: v1 before t1, linear between points, the last after */
    if (n % 2)
      return kh_token_fail(p, line, name, "'pwl' needs time-value pairs, got %zu values", n);
    double t = -td;
    *out = c[n - 1];
    if (t <= c[0]) *out = c[1];
    for (size_t k = 0; k + 3 < n; k += 2)
      if (t > c[k] && t < c[k + 2])
        *out = c[k + 1] + (t - c[k]) / (c[k + 2] - c[k]) * (c[k + 3] - c[k + 1]);
    break;
  }
  case NOISE: break;
  }
  if (!(delay >= 0))
    return kh_token_fail(p, line, name,
                         "'%.*s' starts before t = 0 (a negative delay or a phase): its DC value "
                         "would depend on the transient analysis; give the source a DC value",
                         (int)name->len, name->s);
  if (!isfinite(*out))
    return kh_token_fail(p, line, name, "'%.*s' is not finite at t = 0", (int)name->len, name->s);
  return KH_OK;
}

/* The waveform's values from tok[*k] on, appended to c, up to one of the source's own words or
 * name= (the V or I line's parentheses are gone: ngspice reads them as blanks, so that bare
 * values after `sin(0 1 1k)` are the sine's too, `sin(0 1 1k) 5` delaying it by 5 s). */
static kh_status values(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                        const kh_token *name, size_t *k, double c[MAX_COEFFS], size_t *count) {
  const kh_token *t = tok->items;
  size_t n = tok->count;
  for (; *k < n && !kh_source_word(&t[*k]) && !kh_token_eq(&t[*k], "=") &&
         !(*k + 1 < n && kh_token_eq(&t[*k + 1], "="));
       (*k)++) {
    if (*count == MAX_COEFFS)
      return kh_token_fail(p, line, &t[*k], "'%.*s' has more than %d values", (int)name->len,
                           name->s, MAX_COEFFS);
    kh_status st = kh_source_value(p, line, &t[*k], s, &c[(*count)++]);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

kh_status kh_parse_waveform(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            size_t *i, double *at_zero) {
  const kh_token *t = tok->items, *name = &t[*i];
  size_t n = tok->count, k = *i + 1, count = 0;
  double c[MAX_COEFFS];
  kh_status st = values(p, line, tok, s, name, &k, c, &count);
  if (st != KH_OK) return st;
  double td = 0; /* PWL's own words: r= (repeat after the last point) and td= (delay) */
  int repeats = 0;
  while (kind_of(name) == PWL && k + 2 < n && kh_token_eq(&t[k + 1], "=") &&
         (kh_token_eq(&t[k], "r") || kh_token_eq(&t[k], "td"))) {
    double v;
    kh_status st = kh_source_value(p, line, &t[k + 2], s, &v);
    if (st != KH_OK) return st;
    if (kh_token_eq(&t[k], "td")) {
      td = v;
    } else {
      repeats = 0; /* as ngspice: r= must be one of the time points */
      for (size_t j = 0; j + 1 < count; j += 2) repeats |= c[j] == v;
      if (!repeats)
        return kh_token_fail(p, line, &t[k + 2], "'pwl' repeat time %g is none of its time points",
                             v);
    }
    k += 3;
  }
  if (repeats && count >= 2 && -td > c[count - 2])
    return kh_token_fail(p, line, name, "'pwl' repeats before t = 0; give the source a DC value");
  *i = k;
  return value_at_zero(p, line, name, kind_of(name), c, count, td, at_zero);
}
