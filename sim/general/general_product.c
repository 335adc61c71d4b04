/* POLY product terms in general Newton (docs/netlist.md, POLY): an E whose voltage is
 * v(a) - v(b) = c · Π_k x_k^{e_k}, x_k = v(p_k) - v(n_k). Newton linearizes it at x0:
 * v(a) - v(b) - Σ_k ∂f/∂x_k x_k = f(x0) - Σ_k ∂f/∂x_k x0_k. */
#include "general_impl.h"

#include <math.h>

enum { KH_MAX_FACTORS = 64 }; /* netlist/poly.c refuses POLY cards of more controls */

int kh_product_setup(kh_general *g) {
  size_t total = 0;
  for (size_t k = 0; k < g->elements; k++) total += kh_netlist_product(g->nl, k, NULL, 0);
  g->product = kh_malloc((g->elements + 1) * sizeof *g->product);
  g->factors = kh_malloc((total + 1) * sizeof *g->factors);
  if (!g->product || !g->factors) return -1;
  kh_product_factor *f = g->factors;
  for (size_t k = 0; k < g->elements; k++) {
    size_t count = kh_netlist_product(g->nl, k, f, total);
    g->product[k] = count ? f - g->factors : -1;
    f += count, total -= count;
  }
  return 0;
}

static double factor_value(const kh_product_factor *f, const double *x) {
  return kh_general_value(x, kh_general_at(f->pos)) - kh_general_value(x, kh_general_at(f->neg));
}

/* f and, if d is not NULL, each ∂f/∂x_k into d[k]. */
static double evaluate(const kh_general *g, size_t k, double c, const double *x, double *d) {
  const kh_product_factor *f = g->factors + g->product[k];
  size_t count = kh_netlist_product(g->nl, k, NULL, 0);
  double value = c;
  for (size_t i = 0; i < count; i++) value *= pow(factor_value(&f[i], x), f[i].power);
  for (size_t i = 0; d && i < count; i++) { /* the product of the others, not value / x_i */
    double di = c * f[i].power * pow(factor_value(&f[i], x), f[i].power - 1.0);
    for (size_t m = 0; m < count; m++)
      if (m != i) di *= pow(factor_value(&f[m], x), f[m].power);
    d[i] = di;
  }
  return value;
}

int kh_product_stamp(kh_general *g, size_t k, long a, long b, double c, const double *x) {
  long j = g->branch[k];
  const kh_product_factor *f = g->factors + g->product[k];
  size_t count = kh_netlist_product(g->nl, k, NULL, 0);
  double deriv[KH_MAX_FACTORS]; /* a product's factors are its card's controls, at most 64 */
  if (count > KH_MAX_FACTORS) return -1;
  double value = evaluate(g, k, c, x, deriv), rhs = value;
  int bad = kh_general_stamp(g, a, j, 1) | kh_general_stamp(g, b, j, -1) |
            kh_general_stamp(g, j, a, 1) | kh_general_stamp(g, j, b, -1);
  for (size_t i = 0; i < count; i++) {
    bad |= kh_general_stamp(g, j, kh_general_at(f[i].pos), -deriv[i]) |
           kh_general_stamp(g, j, kh_general_at(f[i].neg), deriv[i]);
    rhs -= deriv[i] * factor_value(&f[i], x);
  }
  g->rhs[j] = rhs;
  return bad;
}

int kh_product_holds(const kh_general *g, size_t k, long a, long b, double c) {
  double va = kh_general_value(g->x, a), vb = kh_general_value(g->x, b);
  double f = evaluate(g, k, c, g->x, NULL), r = va - vb - f;
  return isfinite(r) && fabs(r) <= 1e-12 * fmax(fmax(fabs(va) + fabs(vb), fabs(f)), 1e-12);
}
