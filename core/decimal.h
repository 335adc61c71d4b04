/* Exact decimal-to-double conversion for the common case, without strtod's arbitrary-precision
 * path: netlists written with "%.17g" carry 17 significant digits, which strtod converts
 * through multi-word arithmetic (a fifth of the time of parsing a million-resistor netlist). */
#ifndef KH_CORE_DECIMAL_H
#define KH_CORE_DECIMAL_H

#include <stddef.h>

/* Converts s[0..n): [+-]digits[.digits][(e|E)[+-]digits], the whole of it. Returns 1 with the
 * correctly rounded double (the value strtod gives) in *out, or 0 when this fast path cannot
 * guarantee that (more than 19 significant digits, a decimal exponent beyond +-27, a result
 * exactly between two doubles, a platform without 64-bit long double mantissas, or text that
 * is not of the form above): the caller then uses strtod. */
int kh_decimal_fast(const char *s, size_t n, double *out);

/* Writes what snprintf(out, 32, "%.17g", x) writes, character for character, and returns its
 * length; for the common case (normal numbers from 1e-11 to 1e43) without printf's
 * arbitrary-precision path (most of the time of writing a million-resistor netlist), falling back
 * to snprintf wherever the digits are not certain. out: 32 bytes. */
int kh_format_g17(char *out, double x);
/* Its fast path alone: the length written, or 0 (nothing written) where it falls back. */
int kh_format_g17_fast(char *out, double x);

#endif
