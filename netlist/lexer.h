/* Tokens of one logical line, and SPICE numbers with engineering suffixes and units. */
#ifndef KH_NETLIST_LEXER_H
#define KH_NETLIST_LEXER_H

#include "source.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *s; /* into the line's text; not NUL-terminated */
  uint32_t len;
  uint32_t off; /* byte offset within the logical line (for locations) */
} kh_token;

typedef struct {
  kh_token *items;
  size_t count, capacity;
} kh_tokens;

/* Splits a logical line: blanks and commas separate; '=', '(' and ')' are tokens of their own;
 * '{...}' (nested braces allowed) and a quoted '...' are one token each. */
kh_status kh_tokenize(kh_context *ctx, const kh_source *src, const kh_line *line, kh_tokens *out);
void kh_tokens_release(kh_tokens *t);
/* Length of the word at the start of NUL-terminated s, as kh_tokenize would end it (the element
 * name of a logical line, which starts at its first word). */
size_t kh_first_word_length(const char *s);

/* Whether t is a lone '(' or ')', and whether it starts as a (lower-cased) name does. */
static inline int kh_token_parenthesis(const kh_token *t) {
  return t->len == 1 && (t->s[0] == '(' || t->s[0] == ')');
}
static inline int kh_token_name(const kh_token *t) {
  return t->len && ((t->s[0] >= 'a' && t->s[0] <= 'z') || t->s[0] == '_');
}

static inline int kh_token_eq(const kh_token *t, const char *word) {
  size_t i = 0;
  for (; i < t->len; i++)
    if (word[i] != t->s[i]) return 0;
  return word[i] == '\0';
}

typedef enum {
  KH_NUM_OK,
  KH_NUM_NOT_A_NUMBER, /* does not start like a number */
  KH_NUM_BAD_SUFFIX,   /* letters after the digits that are neither a suffix nor a unit */
  KH_NUM_TRAILING,     /* something else after a valid number */
  KH_NUM_RKM,          /* digits after the suffix letter: 4k7 */
  KH_NUM_GREEK_MU,     /* the Greek mu after the number: 10μ (ngspice: 10) */
  KH_NUM_RANGE,        /* overflows a double */
  KH_NUM_TOO_LONG
} kh_number_error;

/* Parses a number that must fill all of s[0..len): digits, optional exponent, optional
 * engineering suffix (f p n u m k meg g t) and optional unit (v a ohm f h s hz).
 * On failure *bad_at is the offset of the offending character. */
kh_number_error kh_parse_number(const char *s, size_t len, double *out, size_t *bad_at);
/* Whether s[0, n) is a unit word ngspice reads and ignores after a number's scale (ohm, v, hz,
 * ...: none too), in any case. */
int kh_number_unit(const char *s, size_t n);
/* Like kh_parse_number but stops after the number's letters; *used gets the bytes consumed.
 * Used inside expressions, where an operator may follow. */
kh_number_error kh_scan_number(const char *s, size_t len, double *out, size_t *used,
                               size_t *bad_at);
/* A number as ngspice 39's device and model-card parsers read it (INPevaluate, inpeval.c): the
 * digits accumulated as 10 m + d in a double, the fraction's places, the exponent and the first
 * scale letter summed into one power of ten, m times pow(10, that); not correctly rounded (0.3 is
 * 3 * 0.1 = 0.30000000000000004 there). For text kh_parse_number accepted (leading blanks
 * skipped); it reads as far as INPevaluate does and ignores the rest. */
double kh_inp_evaluate(const char *s, size_t len);
/* Writes text that kh_inp_evaluate reads as x (finite), so that ngspice's device parser gets x
 * itself: "%.17g" where that reads so, else digits and an exponent that do, where some do (for
 * about 1.1 % of random doubles none tried does: "%.17g" then). Returns the length; out: 32
 * bytes. */
int kh_format_inp(char *out, double x);
/* kh_format_inp's text of x in out (32 bytes), returned; KH_INP(x) in a call's arguments gives
 * each value its own buffer, alive to the end of the statement. */
static inline const char *kh_inp_text(char *out, double x) {
  kh_format_inp(out, x);
  return out;
}
#define KH_INP(x) kh_inp_text((char[32]){0}, (x))
/* A number as ngspice 39's front end reads it (ft_numparse, frontend/parser/numparse.c): the
 * integer digits accumulated, plus the fraction's digits times pow(10, -places), times pow(10,
 * the exponent or scale); how `alter` reads the %g text of a value that reads temper. */
double kh_ft_numparse(const char *s);
/* The offset of a number's `mil` suffix in s[0, len) (a number kh_scan_number read), or 0 for
 * none. ngspice 39's parameter evaluation (numparam's parseunit) reads `mil` as milli, 1e-3,
 * where its device parser reads 25.4e-6: such a value is refused there (KH_MIL_IN_EXPRESSION). */
size_t kh_number_mil_at(const char *s, size_t len);
#define KH_MIL_IN_EXPRESSION                                                                       \
  "'mil' in a parameter or expression, which ngspice 39 reads as milli (1e-3) there, not 25.4e-6 " \
  "as on a device line: write 25.4u per mil"
/* "unknown suffix", ... (for messages). */
const char *kh_number_error_text(kh_number_error e);

#endif
