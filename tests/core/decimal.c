/* The fast decimal conversion against strtod, bit for bit: whatever it accepts it must convert
 * exactly as strtod does, and it must hand every case it cannot guarantee back to strtod. */
#include "core/decimal.h"

#include <kirchhoff/netlist.h>

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *state) { /* splitmix64 */
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Returns whether the fast path took s; fails the test if it took it and strtod disagrees. */
static int agrees(const char *s) {
  double fast = 0;
  if (!kh_decimal_fast(s, strlen(s), &fast)) return 0;
  double slow = strtod(s, NULL);
  cr_assert(memcmp(&fast, &slow, sizeof fast) == 0, "%s: fast %.17g, strtod %.17g", s, fast, slow);
  return 1;
}

Test(decimal, random_numbers_match_strtod_bit_for_bit) {
  uint64_t state = 7;
  size_t taken = 0, total = 400000;
  char text[96];
  for (size_t k = 0; k < total; k++) {
    int digits = 1 + (int)(next(&state) % 20), point = (int)(next(&state) % (digits + 2));
    size_t n = 0;
    if (next(&state) % 4 == 0) text[n++] = '-';
    for (int d = 0; d < digits; d++) {
      if (d == point) text[n++] = '.';
      text[n++] = (char)('0' + next(&state) % 10);
    }
    if (next(&state) % 2)
      n += (size_t)snprintf(text + n, sizeof text - n, "e%d", (int)(next(&state) % 61) - 30);
    text[n] = '\0';
    taken += (size_t)agrees(text);
  }
  /* the "%.17g" shape of written netlists must nearly always take the fast path */
  size_t shaped = 0;
  for (size_t k = 0; k < 100000; k++) {
    double v = (double)(next(&state) >> 11) / 9007199254740992.0 * 1e3;
    snprintf(text, sizeof text, "%.17g", v);
    shaped += (size_t)agrees(text);
  }
  cr_expect_gt(taken, total / 2, "fast path took only %zu of %zu", taken, total);
  cr_expect_gt(shaped, 99000, "fast path took only %zu of 100000 %%.17g numbers", shaped);
}

Test(decimal, halfway_cases_go_to_strtod) {
  /* 2^53 + 1 lies exactly between two doubles; ties go to even, which only strtod settles */
  double v;
  cr_assert_not(kh_decimal_fast("9007199254740993", 16, &v));
  /* one digit either side of the tie is decided correctly by the fast path */
  cr_assert(agrees("9007199254740992"));
  cr_assert(agrees("90071992547409931e-1"));
  cr_assert(agrees("90071992547409929e-1"));
}

Test(decimal, what_it_refuses) {
  double v = 42;
  const char *refused[] = {"",
                           "-",
                           ".",
                           "e5",
                           "1e",
                           "1e+",
                           "1.5x",
                           "1e400",
                           "1e-28",
                           "1e28",
                           "12345678901234567890",
                           "0x10",
                           "inf",
                           "nan",
                           "1.2.3",
                           " 1"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    cr_assert_not(kh_decimal_fast(refused[i], strlen(refused[i]), &v), "took '%s'", refused[i]);
  cr_assert_eq(v, 42);
  cr_assert(agrees("0"));
  cr_assert(agrees("-0.000"));
  cr_assert(agrees("000000000000000000000000000001.5"));
  cr_assert(agrees("1e27"));
  cr_assert(agrees("1e-27"));
  cr_assert(agrees("9999999999999999999"));
  cr_assert(agrees(".5"));
  cr_assert(agrees("5."));
}

/* kh_format_g17 (public: kh_format_double) writes what snprintf's %.17g writes, character for
 * character: random bit patterns (subnormals, infinities, NaNs and huge exponents take snprintf's
 * path), values spread evenly in log scale over the fast path's range and past it, decimal-looking
 * values (k / 10^j, which sit near printf's rounding ties), powers of ten and their neighbours.
 * Counts how many the fast path took, so a path that always falls back fails. */
static int format_matches(double x, long *fast) {
  char a[64], b[64], c[64];
  int n = kh_format_g17(a, x), m = snprintf(b, sizeof b, "%.17g", x);
  cr_assert(n == m && strcmp(a, b) == 0, "%a: '%s' against printf's '%s'", x, a, b);
  int f = kh_format_g17_fast(c, x);
  cr_assert(f == 0 || (f == m && strcmp(c, b) == 0), "%a: fast path '%s', printf '%s'", x, c, b);
  *fast += f > 0;
  char d[32]; /* the public kh_format_double, what the CLI's CSV writers call */
  cr_assert(kh_format_double(d, x) == m && strcmp(d, b) == 0, "%a: public '%s'", x, d);
  return 1;
}

Test(decimal, formats_as_printf) {
  uint64_t state = 7;
  long fast = 0, cases = 0;
  for (int i = 0; i < 300000; i++, cases++) {
    uint64_t bits = next(&state);
    double x;
    memcpy(&x, &bits, sizeof x);
    format_matches(x, &fast);
  }
  for (int i = 0; i < 1000000; i++, cases++) {
    double u = (double)(next(&state) >> 11) / 9007199254740992.0;
    format_matches((i % 2 ? -1 : 1) * pow(10, -14 + 62 * u), &fast);
  }
  for (int j = 0; j <= 20; j++)
    for (int k = -3000; k <= 3000; k++, cases++) format_matches(k / pow(10, j), &fast);
  for (int p = -30; p <= 45; p++) {
    double t = pow(10, p);
    format_matches(t, &fast), format_matches(nextafter(t, 0), &fast);
    format_matches(nextafter(t, INFINITY), &fast), cases += 3;
  }
  format_matches(0.0, &fast), format_matches(-0.0, &fast), format_matches(DBL_MAX, &fast);
  format_matches(DBL_MIN, &fast), format_matches(5e-324, &fast);
  cr_log_info("%ld of %ld values took the fast path (the rest fall back to snprintf)", fast, cases);
  cr_expect(fast > cases / 2, "the fast path took only %ld of %ld", fast, cases);
}
