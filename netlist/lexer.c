#include "lexer.h"

#include "core/alloc.h"
#include "core/decimal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void kh_tokens_release(kh_tokens *t) {
  kh_free(t->items);
  t->items = NULL;
  t->count = t->capacity = 0;
}

/* Byte classes: a table, since every byte of a million-line netlist goes through here. */
enum { SEPARATOR = 1, SINGLE = 2, BRACE = 4 };
static const unsigned char byte_class[256] = {
    [' '] = SEPARATOR,  ['\t'] = SEPARATOR, [','] = SEPARATOR, ['\f'] = SEPARATOR,
    ['\v'] = SEPARATOR, ['='] = SINGLE,     ['('] = SINGLE,    [')'] = SINGLE,
    ['{'] = BRACE,      ['}'] = BRACE,      ['\''] = BRACE};

static unsigned class_of(char c) {
  return byte_class[(unsigned char)c];
}

size_t kh_first_word_length(const char *s) {
  size_t n = 0;
  while (s[n] && !class_of(s[n])) n++;
  return n;
}

static int identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The end of the word at s[i]. A '(' glued to a word that cannot name a function (it holds a
 * '-', '/' or the like: KiCad's net names, Net-(D1-Pad2)) is part of it through its ')', as
 * ngspice reads such node names; sin(, v(, max( and every other call still split there. */
static size_t word_end(const char *s, size_t n, size_t i) {
  size_t start = i;
  for (;;) {
    while (i < n && !class_of(s[i])) i++;
    if (i == n || s[i] != '(' || i == start) return i;
    int named = 1;
    for (size_t k = start; k < i; k++) named &= identifier_char(s[k]);
    if (named) return i;
    size_t k = i + 1;
    int depth = 1;
    for (; k < n && depth > 0; k++) {
      if (s[k] == '(') depth++;
      if (s[k] == ')') depth--;
      if (class_of(s[k]) == SEPARATOR || class_of(s[k]) == BRACE) break;
    }
    if (depth > 0) return i; /* not closed within the word: the '(' stands alone */
    i = k;
  }
}

/* Whether items[i] is a `(` glued to the word after it or a `)` glued to the word before it. */
static int glued_parenthesis(const kh_tokens *t, size_t i) {
  const kh_token *w = &t->items[i];
  if (w->len != 1) return 0;
  if (w->s[0] == '(') return i + 1 < t->count && t->items[i + 1].off == w->off + 1;
  return w->s[0] == ')' && i > 0 && t->items[i - 1].off + t->items[i - 1].len == w->off;
}

/* A .subckt line's ports and an X line's nodes may stand in parentheses, which ngspice 39 drops
 * (`.subckt sub ( a b )`, `x1 (a b) sub`, measured): those go, before the parameters (`params:`
 * or a word followed by `=`). On an X line only those glued to a node: one standing apart
 * (`x1 ( a b ) sub`) stays, a node too many, and the line is refused: ngspice 39 stops on it
 * ("Too many parameters for subcircuit type") or reads a node named "(" and leaves the last node
 * open (measured). */
static void drop_node_parentheses(kh_tokens *t) {
  int x = t->count && (t->items[0].s[0] | 0x20) == 'x';
  if (!x && !(t->count && t->items[0].len == 7 && !strncasecmp(t->items[0].s, ".subckt", 7)))
    return;
  size_t kept = x ? 1 : 2, i = kept;
  if (t->count <= kept) return; /* `.subckt` alone: nothing to drop (found by the fuzzer) */
  for (; i < t->count; i++) {
    const kh_token *w = &t->items[i];
    if ((w->len == 7 && !strncasecmp(w->s, "params:", 7)) ||
        (i + 1 < t->count && t->items[i + 1].len == 1 && t->items[i + 1].s[0] == '='))
      break;
    if (!(x ? glued_parenthesis(t, i) : kh_token_parenthesis(w))) t->items[kept++] = *w;
  }
  for (; i < t->count; i++) t->items[kept++] = t->items[i];
  t->count = kept;
}

/* A V or I line's parentheses after its nodes: ngspice 39 reads its sources' words and values with
 * a tokenizer that takes '(' and ')' for blanks (INPgetTok, INPevaluate), so `5 (ac 1)`,
 * `(pwl 0 2 1 3)`, `pwl (0 2) (1 3)` and `dc (5)` are the words and numbers without them
 * (measured). A parameter name glued after a '(' stays refused by the source's reader (ngspice
 * does not substitute it there), which finds the '(' in the line's text. */
static void drop_source_parentheses(kh_tokens *t) {
  if (t->count < 4 || ((t->items[0].s[0] | 0x20) != 'v' && (t->items[0].s[0] | 0x20) != 'i'))
    return;
  size_t kept = 3;
  for (size_t i = 3; i < t->count; i++)
    if (!kh_token_parenthesis(&t->items[i])) t->items[kept++] = t->items[i];
  t->count = kept;
}

/* A device line's value written as a call after a `=` (`r=max(1k, 2k)`, `area=min(2,3)*2`):
 * ngspice 39's front end braces it, from its name to the next blank outside parentheses
 * (inpcom.c's inp_fix_param_values), and numparam reads it, so it is one token here, which the
 * readers evaluate as an expression. A ')' glued on that the value does not open leaves it
 * apart (the reader refuses it, where ngspice stops). .model cards do the same (model_cards.c);
 * .param, X, B, E, F, G, H, V and I lines read their values their own ways. */
static void brace_calls(const char *line, kh_tokens *out) {
  if (!strchr("rcldqjmzswtouk", line[0])) return;
  kh_token *t = out->items;
  size_t w = 0;
  for (size_t i = 0; i < out->count; i++) {
    size_t last = i;
    if (i >= 2 && i + 1 < out->count && kh_token_eq(&t[i - 1], "=") && kh_token_name(&t[i]) &&
        kh_token_eq(&t[i + 1], "(") && t[i].off + t[i].len == t[i + 1].off) {
      int depth = 0;
      for (size_t k = i + 1; k < out->count && depth >= 0; k++) {
        depth += kh_token_parenthesis(&t[k]) ? (t[k].s[0] == '(' ? 1 : -1) : 0;
        if (depth == 0 && (k + 1 == out->count || t[k + 1].off != t[k].off + t[k].len)) {
          last = k;
          break;
        }
      }
    }
    kh_token merged = {t[i].s, t[last].off + t[last].len - t[i].off, t[i].off};
    t[w++] = merged;
    i = last;
  }
  out->count = w;
}

kh_status kh_tokenize(kh_context *ctx, const kh_source *src, const kh_line *line, kh_tokens *out) {
  const char *s = kh_line_text(src, line);
  size_t n = line->len, i = 0;
  out->count = 0;
  while (i < n) {
    if (class_of(s[i]) == SEPARATOR) {
      i++;
      continue;
    }
    size_t start = i;
    if (s[i] == '{') {
      int depth = 0;
      for (; i < n; i++) {
        if (s[i] == '{')
          depth++;
        else if (s[i] == '}' && --depth == 0)
          break;
      }
      if (i == n)
        return kh_source_fail(ctx, src, KH_ERR_INPUT, kh_source_loc(src, line, start),
                              "'{' is never closed by '}'");
      i++;
    } else if (s[i] == '\'') { /* 'expr', as ngspice writes {expr} too */
      for (i++; i < n && s[i] != '\''; i++) {
      }
      if (i == n)
        return kh_source_fail(ctx, src, KH_ERR_INPUT, kh_source_loc(src, line, start),
                              "quote is never closed");
      i++;
    } else if (s[i] == '}') {
      return kh_source_fail(ctx, src, KH_ERR_INPUT, kh_source_loc(src, line, i),
                            "'}' without a matching '{'");
    } else if (class_of(s[i]) == SINGLE) {
      i++;
    } else {
      /* '$' after a blank starts a comment; glued to a quote or a parenthesis it would start
       * a word that, written back after a blank, reads as one */
      if (s[i] == '$')
        return kh_source_fail(ctx, src, KH_ERR_INPUT, kh_source_loc(src, line, i),
                              "a word starting with '$' (after a blank, '$' starts a comment): "
                              "put a blank before it or rename it");
      i = word_end(s, n, i);
    }
    if (out->count == out->capacity &&
        kh_reserve((void **)&out->items, &out->capacity, out->count + 1, sizeof *out->items))
      return kh_fail_nomem(ctx, "tokenizing");
    out->items[out->count++] = (kh_token){s + start, (uint32_t)(i - start), (uint32_t)start};
  }
  drop_node_parentheses(out);
  drop_source_parentheses(out);
  brace_calls(s, out);
  return KH_OK;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}
static int is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int letters_eq(const char *s, size_t n, const char *word) {
  if (strlen(word) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if ((s[i] | 0x20) != word[i]) return 0;
  return 1;
}

/* unit words ngspice reads and ignores after the scale (10ohms is 10, 1.5volts is 1.5; 10R,
 * the European resistor label, is 10: its RKM form 4R7 is refused by kh_parse_number; 2mW is
 * 2m and 27C, a temperature in ngspice's examples, 27) */
static const char *const units[] = {"",    "v",    "a",   "ohm",  "r",    "f",
                                    "h",   "s",    "hz",  "ohms", "volt", "volts",
                                    "amp", "amps", "sec", "secs", "w",    "c"};

int kh_number_unit(const char *s, size_t n) {
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
    if (letters_eq(s, n, units[u])) return 1;
  return 0;
}

/* Splits a run of letters into scale suffix and unit; returns the scale, or 0 when the
 * run is invalid with *bad set to the offset of the first letter that does not fit. */
static double suffix_scale(const char *s, size_t n, size_t *bad) {
  static const struct {
    const char *text;
    double scale;
  } suffixes[] = {{"meg", 1e6}, {"mil", 25.4e-6}, {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9},
                  {"u", 1e-6},  {"m", 1e-3},      {"k", 1e3},   {"g", 1e9},   {"t", 1e12}};
  double scale = 1.0;
  size_t used = 0;
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    size_t len = strlen(suffixes[i].text);
    if (len <= n && letters_eq(s, len, suffixes[i].text)) {
      scale = suffixes[i].scale;
      used = len;
      break;
    }
  }
  if (kh_number_unit(s + used, n - used)) return scale;
  *bad = used;
  return 0;
}

kh_number_error kh_scan_number(const char *s, size_t len, double *out, size_t *used,
                               size_t *bad_at) {
  size_t i = 0;
  *bad_at = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) i++;
  size_t digits = 0;
  while (i < len && is_digit(s[i])) i++, digits++;
  if (i < len && s[i] == '.') {
    i++;
    while (i < len && is_digit(s[i])) i++, digits++;
  }
  if (!digits) return KH_NUM_NOT_A_NUMBER;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < len && (s[j] == '+' || s[j] == '-')) j++;
    if (j < len && is_digit(s[j])) {
      while (j < len && is_digit(s[j])) j++;
      i = j;
    }
  }
  char buf[72];
  if (i >= sizeof buf) {
    *bad_at = 0;
    return KH_NUM_TOO_LONG;
  }
  double v;
  if (!kh_decimal_fast(s, i, &v)) {
    memcpy(buf, s, i);
    buf[i] = '\0';
    errno = 0;
    v = strtod(buf, NULL);
    if (errno == ERANGE && isinf(v)) return KH_NUM_RANGE;
  }
  size_t letters = i;
  while (letters < len && is_letter(s[letters])) letters++;
  if (letters > i) {
    size_t bad = 0;
    double scale = suffix_scale(s + i, letters - i, &bad);
    if (scale == 0) {
      *bad_at = i + bad;
      return KH_NUM_BAD_SUFFIX;
    }
    v *= scale;
    if (!isfinite(v)) return KH_NUM_RANGE;
  }
  *out = v;
  *used = letters;
  return KH_NUM_OK;
}

kh_number_error kh_parse_number(const char *s, size_t len, double *out, size_t *bad_at) {
  size_t used = 0;
  kh_number_error e = kh_scan_number(s, len, out, &used, bad_at);
  if (e == KH_NUM_OK && used != len) {
    *bad_at = used;
    /* 4k7: resistor-code (RKM) notation, which ngspice 39 reads as 4k, dropping the 7 */
    if (len - used >= 2 && (unsigned char)s[used] == 0xce && (unsigned char)s[used + 1] == 0xbc)
      return KH_NUM_GREEK_MU;
    return used > 0 && is_letter(s[used - 1]) && is_digit(s[used]) ? KH_NUM_RKM : KH_NUM_TRAILING;
  }
  return e;
}

/* The power of ten of the scale letter at s (before end), as INPevaluate and ft_numparse both
 * read it (t g k u n p f, m: meg, mil or milli; 0 for another); *mil set for mil, whose mantissa
 * both multiply by 25.4 (its power -6). */
static int scale_letter(const char *s, const char *end, int *mil) {
  switch (s < end ? *s | 0x20 : 0) {
  case 't': return 12;
  case 'g': return 9;
  case 'k': return 3;
  case 'u': return -6;
  case 'n': return -9;
  case 'p': return -12;
  case 'f': return -15;
  case 'm':
    if (end - s >= 3 && letters_eq(s + 1, 2, "eg")) return 6;
    if (end - s >= 3 && letters_eq(s + 1, 2, "il")) return *mil = 1, -6;
    return -3;
  default: return 0;
  }
}

double kh_inp_evaluate(const char *s, size_t len) {
  const char *end = s + len;
  while (s < end && (*s == ' ' || *s == '\t')) s++;
  double mantis = 0, sign = 1;
  int expo1 = 0, expo2 = 0, expsgn = 1;
  if (s < end && (*s == '+' || *s == '-')) sign = *s++ == '-' ? -1 : 1;
  /* in its order, (10 m + c) - '0': past 2^53 the sum rounds before the '0' comes off */
  for (; s < end && is_digit(*s); s++) mantis = 10 * mantis + *s - '0';
  if (s == end) return mantis * sign;
  if (*s == '.') {
    if (++s == end) return mantis * sign;
    for (; s < end && is_digit(*s); s++) mantis = 10 * mantis + *s - '0', expo1--;
  }
  if (s < end && strchr("eEdD", *s)) {
    if (++s < end && (*s == '+' || *s == '-')) expsgn = *s++ == '-' ? -1 : 1;
    for (; s < end && is_digit(*s); s++) /* held past 1e6 (int overflow; pow is inf or 0) */
      expo2 = expo2 < 1000000 ? 10 * expo2 + (*s - '0') : expo2;
  }
  int mil = 0;
  expo1 += scale_letter(s, end, &mil);
  if (mil) mantis *= 25.4;
  return sign * mantis * pow(10.0, (double)(expo1 + expsgn * expo2));
}

/* INPevaluate's digit step, in its order: (10 m + c) - '0'. */
static double next_sum(double m, int digit) {
  return 10 * m + ('0' + digit) - '0';
}

/* The k-th whole number next to the whole number w, above and below in turn (k = 0: w). */
static double whole_near(double w, int k) {
  int j = (k + 1) / 2;
  if (w < 9007199254740992.0) return k & 1 ? w + j : w - j; /* every whole number a double */
  for (; j > 0; j--) w = k & 1 ? nextafter(w, INFINITY) : nextafter(w, 0);
  return w;
}

/* n's decimal digits at out (NUL ended, no sign), their count: snprintf's %llu without its cost
 * (a network's writer meets this for a third of its values). */
static int decimal_digits(unsigned long long n, char *out) {
  char rev[24];
  int count = 0;
  do rev[count++] = (char)('0' + n % 10), n /= 10;
  while (n);
  for (int i = 0; i < count; i++) out[i] = rev[count - 1 - i];
  out[count] = '\0';
  return count;
}

/* Digits whose sum, taken as INPevaluate takes it, is f (a whole number): appended at out (NUL
 * ended); their count, or 0 where none is found. Below 2^53 f's own digits sum exactly; above, the
 * sum rounds at each step, so the digits of a prefix g with next_sum(g, d) == f are sought, g
 * among the whole numbers next to (f - d) / 10 (its own digits are not always such a prefix). */
static int digits_summing_to(double f, char *out, int depth) {
  if (f < 9007199254740992.0) return decimal_digits((unsigned long long)f, out);
  if (depth > 2) return 0;
  for (int d = 0; d < 10; d++) {
    double g0 = floor((f - d) / 10);
    for (int k = 0; k < 5; k++) {
      double g = whole_near(g0, k);
      if (g < 0 || next_sum(g, d) != f) continue;
      int n = digits_summing_to(g, out, depth + 1);
      if (n) return out[n] = (char)('0' + d), out[n + 1] = '\0', n + 1;
    }
  }
  return 0;
}

/* The text of (sign) f times 10^e as d.ddd...e(E), f a whole number, written to out if
 * INPevaluate reads it as x (it reads the digits and the sum of the exponents, so where the point
 * stands does not matter); its length, or 0. */
static int written_as(char *out, double x, double f, int e) {
  char digits[64], text[96], *p = text;
  int count = digits_summing_to(f, digits, 0);
  if (count < 2 || count > 20) return 0;
  if (x < 0) *p++ = '-';
  *p++ = digits[0], *p++ = '.';
  memcpy(p, digits + 1, (size_t)count - 1), p += count - 1;
  *p++ = 'e';
  int exponent = e + count - 1;
  if (exponent < 0) *p++ = '-', exponent = -exponent;
  p += decimal_digits((unsigned long long)exponent, p);
  size_t len = (size_t)(p - text);
  if (kh_inp_evaluate(text, len) != x) return 0;
  memcpy(out, text, len + 1);
  return (int)len;
}

/* "%.17g" does not always read back through INPevaluate (0.3's 0.29999999999999999 sums 17
 * digits past 2^53, then meets an inexact pow(10, -17)). INPevaluate's value is m * pow(10, e),
 * m the digits' sum: for each e that makes m 17, 16, 15 ... 10, 18 or 19 digits long, the whole
 * numbers m next to |x| / pow(10, e) whose product is |x| are tried, nearest first, written with
 * digits that sum to m. Each e's products skip some doubles, and some doubles no e reaches: of
 * random doubles from 1e-15 to 1e15, 55 to 67 % (by range) read back from "%.17g" and 1.1 % from
 * no text tried (tests/netlist/numbers.c); those keep "%.17g", read 1 or 2 units in the last
 * place away, the same in both programs. */
int kh_format_inp(char *out, double x) {
  int n = kh_format_g17(out, x);
  if (!isfinite(x) || x == 0 || kh_inp_evaluate(out, (size_t)n) == x) return n;
  double a = fabs(x);
  int e10 = (int)floor(log10(a));
  static const int lengths[] = {17, 16, 15, 14, 13, 12, 11, 10, 18, 19};
  for (size_t k = 0; k < sizeof lengths / sizeof *lengths; k++) {
    int e = e10 - (lengths[k] - 1);
    double p = pow(10.0, (double)e), f0 = nearbyint(a / p);
    for (int step = 0; step <= 6; step++) {
      double f = whole_near(f0, step);
      int len = f > 0 && f * p == a ? written_as(out, x, f, e) : 0;
      if (len) return len;
    }
  }
  return n; /* out still holds "%.17g": written_as writes only a text that reads as x */
}

/* numparse.c's get_decimal_number: the integer part, then the fraction's digits as one number
 * times pow(10, -places). */
static double decimal_number(const char **at, int *ok) {
  const char *s = *at;
  double sign = 1, val = 0;
  if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
  *ok = is_digit(*s) || (*s == '.' && is_digit(s[1]));
  if (!*ok) return 0;
  for (; is_digit(*s); s++) val = val * 10.0 + (double)(*s - '0');
  if (*s == '.') {
    const char *p0 = ++s;
    double numerator = 0;
    for (; is_digit(*s); s++) numerator = numerator * 10.0 + (double)(*s - '0');
    val += numerator * pow(10, (double)(p0 - s));
  }
  *at = s;
  return sign * val;
}

double kh_ft_numparse(const char *s) {
  int ok;
  double mant = decimal_number(&s, &ok), expo = 0;
  if (!ok) return NAN;
  if ((*s | 0x20) == 'e') {
    const char *e = s + 1;
    expo = decimal_number(&e, &ok);
    if (!ok) expo = 0;
  } else {
    int mil = 0;
    expo = scale_letter(s, s + strlen(s), &mil);
    if (mil) mant *= 25.4;
  }
  return mant * (expo == 0.0 ? 1.0 : pow(10.0, expo));
}

size_t kh_number_mil_at(const char *s, size_t len) {
  size_t i = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) i++;
  while (i < len && (is_digit(s[i]) || s[i] == '.')) i++;
  if (i + 1 < len && (s[i] | 0x20) == 'e' &&
      (is_digit(s[i + 1]) || s[i + 1] == '+' || s[i + 1] == '-'))
    for (i += 2; i < len && is_digit(s[i]); i++) {
    }
  return len - i >= 3 && letters_eq(s + i, 3, "mil") ? i : 0;
}

const char *kh_number_error_text(kh_number_error e) {
  switch (e) {
  case KH_NUM_OK: return "ok";
  case KH_NUM_NOT_A_NUMBER: return "expected a number";
  case KH_NUM_BAD_SUFFIX:
    return "unknown suffix or unit (suffixes: f p n u m k meg g t; units: V A Ohm R F H S Hz s W "
           "C)";
  case KH_NUM_TRAILING: return "unexpected characters after the number";
  case KH_NUM_GREEK_MU:
    return "the Greek letter mu, which ngspice 39 reads as nothing (10\xce\xbc is 10 there, a "
           "millionfold off): write u, or the micro sign \xc2\xb5";
  case KH_NUM_RKM:
    return "resistor-code notation (4k7 for 4.7k): ngspice 39 drops the digits after the "
           "letter (reads 4k7 as 4k); write the decimal point";
  case KH_NUM_RANGE: return "number out of range";
  case KH_NUM_TOO_LONG: return "number too long";
  }
  return "bad number";
}
