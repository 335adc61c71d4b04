#include "decimal.h"

#include <float.h>
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

int kh_decimal_fast(const char *s, size_t n, double *out) {
  static const long double pow10[MAX_POW + 1] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                                 1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                                 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                                 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
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
#else
int kh_decimal_fast(const char *s, size_t n, double *out) {
  (void)s, (void)n, (void)out;
  return 0;
}
#endif
