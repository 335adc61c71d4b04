/* Resistor-code (RKM) values in ngspice 39's LTspice mode: an R, C or L line's value right after
 * its nodes, as inp2r.c, inp2c.c and inp2l.c read it there (inpeval.c's INPevaluateRKM_R, _C and
 * _L, read there): `4k7` is 4.7k, `2r5` 2.5, `r100` 0.1 (a resistor's), `4p7` 4.7p. Where that
 * reading gives what the text does not say, the value is refused at its byte: a resistor's `1f`
 * (no femto there: 1 ohm), digits after a suffix that follows a decimal point or an exponent
 * (`2.5k3` is 2530 there), letters after the value that are not a unit. */
#include "device_cards.h"
#include "lexer.h"
#include "parser.h"

#include <math.h>
#include <string.h>

static int digit(char c) {
  return c >= '0' && c <= '9';
}

typedef struct {
  double mantissa;
  int exponent; /* of ten: the fraction's digits, the suffix's and the written exponent */
  size_t at;    /* the next byte */
  int dotted;   /* a decimal point or an exponent was written */
} reading;

/* The multiplier letter at r->at for `device` (ngspice's RKM readers' switch): 1 with its
 * exponent, 0 for none. */
static int multiplier(const char *s, size_t n, char device, reading *r, int *rkm) {
  size_t i = r->at;
  *rkm = 1;
  if (n - i >= 3 && !memcmp(s + i, "meg", 3)) return r->exponent += 6, r->at += 3, 1;
  if (n - i >= 3 && !memcmp(s + i, "mil", 3)) /* 25.4 micro, no digits after it */
    return r->mantissa *= 25.4, r->exponent -= 6, r->at += 3, *rkm = 0, 1;
  static const char letters[] = "tgkunpmlrf";
  static const int powers[] = {12, 9, 3, -6, -9, -12, -3, -3, 0, -15};
  const char *c = strchr(letters, s[i]);
  if (!s[i] || !c || (*c == 'f' && device == 'r')) return 0;
  r->exponent += powers[c - letters], r->at++;
  return 1;
}

/* Reads s[0, n) (not starting like a name) as ngspice's LTspice mode reads `device`'s value;
 * returns NULL with *out set, or why it is refused with *bad the byte. */
static const char *read_rkm(const char *s, size_t n, char device, double *out, size_t *bad) {
  reading r = {0, 0, 0, 0};
  double sign = 1;
  if (n && (s[0] == '+' || s[0] == '-')) sign = s[0] == '-' ? -1 : 1, r.at = 1;
  size_t digits = 0;
  for (; r.at < n && digit(s[r.at]); r.at++, digits++) r.mantissa = 10 * r.mantissa + s[r.at] - '0';
  if (r.at < n && s[r.at] == '.')
    for (r.at++, r.dotted = 1; r.at < n && digit(s[r.at]); r.at++, digits++)
      r.mantissa = 10 * r.mantissa + s[r.at] - '0', r.exponent--;
  int leading_r = !digits && r.at < n && s[r.at] == 'r';
  if (!digits && !leading_r) return *bad = 0, "expected a number";
  int written = 0, esign = 1;
  if (r.at + 1 < n && s[r.at] == 'e' &&
      (digit(s[r.at + 1]) || s[r.at + 1] == '-' || s[r.at + 1] == '+')) {
    r.at++, r.dotted = 1;
    if (s[r.at] == '-' || s[r.at] == '+') esign = s[r.at++] == '-' ? -1 : 1;
    while (r.at < n && digit(s[r.at])) written = 10 * written + s[r.at++] - '0';
  }
  int rkm = 0;
  size_t suffix = r.at;
  if (r.at < n && !multiplier(s, n, device, &r, &rkm) && device == 'r' && s[r.at] == 'f')
    return *bad = r.at, "a resistor's 'f' in ngspice's LTspice mode, whose resistance reading "
                        "has no femto (1f is 1 ohm there): write the value in ohms";
  size_t from = r.at;
  double deci = 0;
  int places = 0;
  for (; rkm && r.at < n && digit(s[r.at]); r.at++, places++) deci = 10 * deci + s[r.at] - '0';
  if (places && r.dotted)
    return *bad = from, "digits after the suffix of a number with a decimal point or an exponent: "
                        "ngspice's LTspice mode adds them to the digits before the point (2.5k3 "
                        "is 2530 there); write the value without them";
  /* a resistor's 'r' takes digits to the end of the value, or none (10r is 10, 2r5x is 2) */
  if (device == 'r' && suffix < n && s[suffix] == 'r' && places && r.at < n)
    return *bad = r.at, "letters after resistor-code digits (2r5x), which ngspice's LTspice mode "
                        "reads as the number before the r";
  if (leading_r && (!places || (device == 'r' && r.at < n)))
    return *bad = 0, "not a value ngspice's LTspice mode reads as written (it reads a leading r "
                     "as a decimal point: r47 is 0.47)";
  if (!kh_number_unit(s + r.at, n - r.at))
    return *bad = r.at, "unknown suffix or unit (suffixes: f p n u m l k meg g t, r as a decimal "
                        "point; units: V A Ohm R F H S Hz s W C)";
  r.mantissa += deci * pow(10.0, -places);
  *out = sign * r.mantissa * pow(10.0, r.exponent + esign * written);
  return NULL;
}

int kh_rkm_value(kh_parser *p, uint32_t line, const kh_token *t, double *out, kh_status *st) {
  char device = p->src.lines[line].len ? kh_line_text(&p->src, &p->src.lines[line])[0] : 0;
  const char *s = t->s;
  if (!(p->src.compat & KH_COMPAT_LT) || !t->len || !strchr("rcl", device)) return 0;
  int numeric = digit(s[0]) || strchr("+-.", s[0]) || (s[0] == 'r' && t->len > 1 && digit(s[1]));
  if (!numeric && !(s[0] == 'r' && device != 'r')) return 0; /* a model or a parameter */
  if (!numeric && kh_token_eq(t, "r")) return 0;             /* c1 a b r=... is not a value */
  size_t bad = 0;
  const char *why = read_rkm(s, t->len, device, out, &bad);
  if (!why) return *st = KH_OK, 1;
  kh_token at = {s + bad, t->len - (uint32_t)bad, t->off + (uint32_t)bad};
  *st = kh_token_fail(p, line, &at, "%s in '%.*s'", why, (int)t->len, s);
  return 1;
}
