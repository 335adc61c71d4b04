#include "decimal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* Why this is exact. With at most 19 significant digits the digits form an integer w < 2^64,
 * exact as an x87 long double (64-bit mantissa), and so is 10^k for k <= 27 (5^27 < 2^63). The
 * value w * 10^e is then one long double operation, rounded once: q = RN64(x), |q - x| <= half
 * an ulp of q. Converting q to double rounds a second time, which could differ from rounding x
 * directly only if a midpoint between two doubles lay between x and q. Midpoints have 54
 * significant bits, so they sit on the long double grid: unless q is itself a midpoint (its 11
 * bits below double precision are 10000000000), every midpoint is at least one long double ulp
 * from q, further than x is, and both round alike. A q on a midpoint goes to strtod. */
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__)) /* x87 extended */
enum { MAX_DIGITS = 19, MAX_POW = 27 };

static const long double pow10[MAX_POW + 1] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                               1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                               1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                               1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

int kh_decimal_fast(const char *s, size_t n, double *out) {
  size_t i = 0;
  int negative = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  uint64_t w = 0;
  int digits = 0, seen = 0;
  long scale = 0; /* decimal exponent of w's last digit */
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, seen++) {
    if (!digits && s[i] == '0') continue; /* leading zeros carry no digits */
    if (++digits > MAX_DIGITS) return 0;
    w = w * 10 + (uint64_t)(s[i] - '0');
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, seen++) {
      scale--;
      if (!digits && s[i] == '0') continue;
      if (++digits > MAX_DIGITS) return 0;
      w = w * 10 + (uint64_t)(s[i] - '0');
    }
  }
  if (!seen) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    int minus = 0;
    long e = 0;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) minus = s[i++] == '-';
    if (i == n || s[i] < '0' || s[i] > '9') return 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      if (e > 100000) return 0;
      e = e * 10 + (s[i] - '0');
    }
    scale += minus ? -e : e;
  }
  if (i != n) return 0;
  if (w == 0) {
    *out = negative ? -0.0 : 0.0;
    return 1;
  }
  if (scale > MAX_POW || scale < -MAX_POW) return 0;
  long double q = scale >= 0 ? (long double)w * pow10[scale] : (long double)w / pow10[-scale];
  uint64_t mantissa;
  memcpy(&mantissa, &q, sizeof mantissa); /* x87 layout: the explicit 64-bit mantissa first */
  if ((mantissa & 0x7FF) == 0x400) return 0;
  double v = (double)q;
  *out = negative ? -v : v;
  return 1;
}

/* The 17 significant digits of ax > 0 as an integer D in [10^16, 10^17) and its decimal
 * exponent *e, rounded as printf rounds (to nearest), or 0 where that is not certain. p =
 * ax 10^(16 - e) is one long double operation (10^k exact for k <= 27): |p - exact| <= 2^-64 p
 * < 2^-7.5, so rounding p to an integer rounds the exact value alike unless p's fraction lies
 * within 2^-7 of one half (then printf decides). */
static int seventeen_digits(double ax, uint64_t *D, int *e) {
  int x = (ilogb(ax) * 78913) >> 18; /* floor(log2 ax * log10 2), perhaps one too small */
  for (int tries = 0; tries < 3; tries++) {
    int k = 16 - x;
    if (k > MAX_POW || k < -MAX_POW) return 0;
    long double p = k >= 0 ? (long double)ax * pow10[k] : (long double)ax / pow10[-k];
    if (p < 1e16L) { /* log10 rounded up across a power of ten */
      x--;
      continue;
    }
    if (p >= 1e17L) {
      x++;
      continue;
    }
    uint64_t d = (uint64_t)p; /* p < 2^57: truncation, exact */
    long double frac = p - (long double)d;
    if (frac > 0.5L - 1.0L / 128 && frac < 0.5L + 1.0L / 128) return 0;
    d += frac > 0.5L;
    if (d == 100000000000000000ULL) d /= 10, x++; /* 9.99...95 rounds up to 1.0 e+1 */
    *D = d, *e = x;
    return 1;
  }
  return 0;
}

/* D's 17 digits in printf's %.17g layout for exponent e (C11 7.21.6.1: %f with 16 - e decimals
 * when -4 <= e < 17, else %e with 16; trailing fractional zeros and a bare point removed). */
static int layout(char *out, int negative, uint64_t D, int e) {
  char digits[17];
  uint32_t hi = (uint32_t)(D / 100000000), lo = (uint32_t)(D % 100000000); /* 9 + 8 digits */
  for (int i = 16; i >= 9; i--) digits[i] = (char)('0' + lo % 10), lo /= 10;
  for (int i = 8; i >= 0; i--) digits[i] = (char)('0' + hi % 10), hi /= 10;
  int last = 16; /* the last nonzero digit */
  while (last > 0 && digits[last] == '0') last--;
  char *o = out;
  if (negative) *o++ = '-';
  if (e >= -4 && e < 17) {
    if (e < 0) {
      *o++ = '0', *o++ = '.';
      for (int z = 0; z < -e - 1; z++) *o++ = '0';
      for (int i = 0; i <= last; i++) *o++ = digits[i];
    } else {
      for (int i = 0; i <= e; i++) *o++ = digits[i];
      if (last > e) *o++ = '.';
      for (int i = e + 1; i <= last; i++) *o++ = digits[i];
    }
  } else {
    *o++ = digits[0];
    if (last > 0) *o++ = '.';
    for (int i = 1; i <= last; i++) *o++ = digits[i];
    *o++ = 'e', *o++ = e < 0 ? '-' : '+';
    int a = e < 0 ? -e : e;
    if (a >= 100) *o++ = (char)('0' + a / 100);
    *o++ = (char)('0' + a / 10 % 10), *o++ = (char)('0' + a % 10);
  }
  *o = '\0';
  return (int)(o - out);
}

int kh_format_g17_fast(char *out, double x) {
  uint64_t D;
  int e;
  if (isfinite(x) && x != 0 && fabs(x) >= DBL_MIN && seventeen_digits(fabs(x), &D, &e))
    return layout(out, signbit(x) != 0, D, e);
  return 0;
}

int kh_format_g17(char *out, double x) {
  int n = kh_format_g17_fast(out, x);
  return n ? n : snprintf(out, 32, "%.17g", x);
}
#else
int kh_decimal_fast(const char *s, size_t n, double *out) {
  (void)s, (void)n, (void)out;
  return 0;
}

int kh_format_g17_fast(char *out, double x) {
  (void)out, (void)x;
  return 0;
}

int kh_format_g17(char *out, double x) {
  return snprintf(out, 32, "%.17g", x);
}
#endif
