/* Complex nudges of circuits with Shockley diodes. Their nudged equilibria are no longer a
 * rational function of beta, so there is no Woodbury shortcut: Newton on the analytically
 * continued stationarity equations grad E(x) + beta grad C(x) = 0, from the free solution, each
 * step one complex sparse LU of the complex symmetric Hessian (KLU: CHOLMOD factors only real
 * or Hermitian matrices). Unknowns held by ideal diodes stay held. */
#include "sparse.h"

#include "core/alloc.h"
#include "core/context.h"

#include <complex.h>
#include <klu.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_COMPLEX_NEWTON = 50 };

typedef struct {
  size_t n, nnz;
  SuiteSparse_long *colptr, *rowidx;
  int64_t *pos_lower, *pos_upper; /* per lower-pattern slot: its place(s) in the full pattern */
  double complex *ax, *f, *x;
} full_matrix;

static void release(full_matrix *fm) {
  kh_free(fm->colptr), kh_free(fm->rowidx), kh_free(fm->pos_lower), kh_free(fm->pos_upper);
  kh_free(fm->ax), kh_free(fm->f), kh_free(fm->x);
}

/* Both triangles of the circuit's pattern, columns in row order (KLU wants a full matrix). */
static int build_full(const kh_circuit *c, full_matrix *fm) {
  size_t n = c->unknowns, lower = c->nnz;
  fm->n = n;
  fm->colptr = kh_calloc(n + 1, sizeof *fm->colptr);
  fm->rowidx = kh_malloc((2 * lower + 1) * sizeof *fm->rowidx);
  fm->pos_lower = kh_malloc((lower + 1) * sizeof *fm->pos_lower);
  fm->pos_upper = kh_malloc((lower + 1) * sizeof *fm->pos_upper);
  fm->ax = kh_malloc((2 * lower + 1) * sizeof *fm->ax);
  fm->f = kh_malloc((n + 1) * sizeof *fm->f);
  fm->x = kh_malloc((n + 1) * sizeof *fm->x);
  SuiteSparse_long *fill = kh_malloc((n + 1) * sizeof *fill);
  if (!fm->colptr || !fm->rowidx || !fm->pos_lower || !fm->pos_upper || !fm->ax || !fm->f ||
      !fm->x || !fill) {
    kh_free(fill);
    return -1;
  }
  for (size_t j = 0; j < n; j++)
    for (int64_t k = c->colptr[j]; k < c->colptr[j + 1]; k++) {
      size_t i = (size_t)c->rowidx[k];
      fm->colptr[j + 1]++;
      if (i != j) fm->colptr[i + 1]++;
    }
  for (size_t j = 0; j < n; j++) fm->colptr[j + 1] += fm->colptr[j];
  memcpy(fill, fm->colptr, n * sizeof *fill);
  /* column j of the full matrix: the upper part (row i < j: lower entry (j, i) of column i)
   * first, in increasing i, then column j's own lower entries, already sorted */
  for (size_t i = 0; i < n; i++)
    for (int64_t k = c->colptr[i]; k < c->colptr[i + 1]; k++) {
      size_t j = (size_t)c->rowidx[k];
      if (j == i) continue;
      fm->pos_upper[k] = fill[j];
      fm->rowidx[fill[j]++] = (SuiteSparse_long)i;
    }
  for (size_t j = 0; j < n; j++)
    for (int64_t k = c->colptr[j]; k < c->colptr[j + 1]; k++) {
      fm->pos_lower[k] = fill[j];
      fm->rowidx[fill[j]++] = c->rowidx[k];
      if ((size_t)c->rowidx[k] == j) fm->pos_upper[k] = -1;
    }
  fm->nnz = (size_t)fm->colptr[n];
  kh_free(fill);
  return 0;
}

static double complex node_v(const kh_circuit *c, uint32_t node, const double complex *x) {
  int64_t u = c->unknown_of[node];
  return c->offset[node] + (u >= 0 ? c->coef[node] * x[u] : 0);
}

/* One exponential junction (saturation current cs, emission vte) at a complex voltage: the
 * analytic continuation of the branch its real part lies on (diode.h). The contour is small
 * against the branches' widths (several N Vt), so the nudged voltages stay on the free phase's
 * branch. */
static void exponential(double cs, double vte, double bv, double vtb, double complex v,
                        double complex *i, double complex *g) {
  double re = creal(v);
  if (re >= -3 * vte) {
    double complex e = cexp(v / vte);
    *i += cs * (e - 1);
    *g += cs * e / vte;
  } else if (re >= -bv) {
    double complex a = 3 * vte / KH_E / v, a3 = a * a * a;
    *i -= cs * (1 + a3);
    *g += 3 * cs * a3 / v;
  } else {
    double complex e = cexp(-(bv + v) / vtb);
    *i -= cs * e;
    *g += cs * e / vtb;
  }
}

/* The junction's current and conductance at a complex voltage: bottom, sidewall (NS) and
 * tunnelling currents, each continued analytically. */
static void shockley(const kh_diode *d, double complex v, double complex *i, double complex *g) {
  *i = 0, *g = 0;
  exponential(d->csat, d->vte, d->bv, d->vtb, v, i, g);
  if (d->csatsw > 0) exponential(d->csatsw, d->vtesw, d->bv, d->vtb, v, i, g);
  if (d->ctun > 0) { /* the tunnelling current, analytic everywhere */
    double complex e = cexp(-v / d->vtetun);
    *i -= d->ctun * (e - 1);
    *g += d->ctun * e / d->vtetun;
  }
  *i += d->gmin * v;
  *g += d->gmin;
}

/* f = grad E(x) + beta grad C(x) (weighted as the real solver's gradient); zero where held. */
static void residual(const kh_circuit *c, const kh_sparse *s, double complex beta,
                     const double complex *x, double complex *f) {
  for (size_t u = 0; u < c->unknowns; u++) f[u] = 0;
  for (size_t k = 0; k < c->element_count; k++) {
    if (c->kind[k] != KH_RESISTOR && c->kind[k] != KH_ISOURCE) continue;
    uint32_t a = c->ends[k][0], b = c->ends[k][1];
    int64_t ua = c->unknown_of[a], ub = c->unknown_of[b];
    double complex i =
        c->kind[k] == KH_ISOURCE ? c->value[k] : c->value[k] * (node_v(c, a, x) - node_v(c, b, x));
    if (c->kind[k] == KH_RESISTOR && ua == ub) continue;
    if (ua >= 0) f[ua] += c->kw[a] * i;
    if (ub >= 0) f[ub] -= c->kw[b] * i;
  }
  for (const kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++) {
    if (d->kind != KH_DIODE_SHOCKLEY) continue;
    uint32_t a = c->ends[d->element][0], k = c->ends[d->element][1];
    double complex i, g;
    shockley(d, node_v(c, a, x) - node_v(c, k, x), &i, &g);
    if (c->unknown_of[a] >= 0) f[c->unknown_of[a]] += c->kw[a] * i;
    if (c->unknown_of[k] >= 0) f[c->unknown_of[k]] -= c->kw[k] * i;
  }
  for (size_t k = 0; k < c->output_count; k++) {
    uint32_t a = c->out_ends[k][0], b = c->out_ends[k][1];
    double complex i = beta * (node_v(c, a, x) - node_v(c, b, x) - c->target[k]);
    if (c->unknown_of[a] >= 0) f[c->unknown_of[a]] += c->coef[a] * i;
    if (c->unknown_of[b] >= 0) f[c->unknown_of[b]] -= c->coef[b] * i;
  }
  for (size_t u = 0; s->fixed && u < c->unknowns; u++)
    if (s->fixed[u]) f[u] = 0;
}

/* Adds v at lower-pattern slot k (and its mirror) of the full matrix. */
static void add(full_matrix *fm, int64_t k, double complex v) {
  if (k < 0) return;
  fm->ax[fm->pos_lower[k]] += v;
  if (fm->pos_upper[k] >= 0) fm->ax[fm->pos_upper[k]] += v;
}

static void jacobian(const kh_circuit *c, kh_sparse *s, double complex beta,
                     const double complex *x, full_matrix *fm) {
  double *real = s->A->x;
  double saved = c->beta;
  ((kh_circuit *)c)->beta = 0; /* the real Laplacian alone; beta enters below, complex */
  kh_circuit_fill_laplacian(c, real);
  ((kh_circuit *)c)->beta = saved;
  for (size_t k = 0; k < fm->nnz; k++) fm->ax[k] = 0;
  for (size_t k = 0; k < c->nnz; k++) add(fm, (int64_t)k, real[k]);
  size_t edge = c->resistor_count;
  for (const kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++) {
    if (d->kind == KH_DIODE_IDEAL) continue;
    const uint32_t *end = c->ends[d->element];
    double complex i, g;
    shockley(d, node_v(c, end[0], x) - node_v(c, end[1], x), &i, &g);
    add(fm, c->slot_a[edge], g * c->kw[end[0]] * c->coef[end[0]]);
    add(fm, c->slot_b[edge], g * c->kw[end[1]] * c->coef[end[1]]);
    add(fm, c->slot_ab[edge], -g * c->kw[end[0]] * c->coef[end[1]]);
    edge++;
  }
  for (size_t r = c->edge_count; r < c->edge_count + c->output_count; r++) {
    const uint32_t *end = kh_circuit_pattern_ends(c, r);
    add(fm, c->slot_a[r], beta * c->coef[end[0]] * c->coef[end[0]]);
    add(fm, c->slot_b[r], beta * c->coef[end[1]] * c->coef[end[1]]);
    add(fm, c->slot_ab[r], -beta * c->coef[end[0]] * c->coef[end[1]]);
  }
  if (!s->fixed) return;
  for (size_t j = 0; j < c->unknowns; j++)
    for (SuiteSparse_long k = fm->colptr[j]; k < fm->colptr[j + 1]; k++) {
      size_t i = (size_t)fm->rowidx[k];
      if (s->fixed[i] || s->fixed[j]) fm->ax[k] = i == j ? 1 : 0;
    }
}

/* Out of memory is not a numeric failure: callers retry those another way. */
static kh_status klu_failure(kh_context *ctx, const klu_l_common *common, const char *during) {
  if (common->status == KLU_OUT_OF_MEMORY) return kh_fail_nomem(ctx, during);
  return kh_fail(ctx, KH_ERR_NUMERIC, "KLU failed while %s (status %ld)", during,
                 (long)common->status);
}

kh_status kh_complex_newton(kh_context *ctx, kh_circuit *c, kh_sparse *s, size_t count,
                            const double complex *beta, double complex *voltages,
                            unsigned *factorizations) {
  for (const kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++)
    if (d->kind == KH_DIODE_PWL)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "complex nudges of circuits with PWL diodes (or ideal diodes between two free "
                     "nodes) are not supported: their segments have no analytic continuation");
  for (const kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++)
    if (d->kind == KH_DIODE_SHOCKLEY && d->ikf > 0)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "complex nudges of diodes with IKF are not supported: ngspice's knee "
                     "switches on at 1e-18 A, which has no analytic continuation");
  if (!s->free_valid || s->free_version != c->param_version)
    return kh_fail(ctx, KH_ERR_USAGE, "complex nudges need the free phase solved just before");
  full_matrix fm = {0};
  klu_l_common common;
  klu_l_defaults(&common);
  klu_l_symbolic *sym = NULL;
  kh_status st = build_full(c, &fm) ? kh_fail_nomem(ctx, "preparing complex nudges") : KH_OK;
  size_t n = c->unknowns;
  if (st == KH_OK && n) {
    sym = klu_l_analyze((SuiteSparse_long)n, fm.colptr, fm.rowidx, &common);
    if (!sym) st = klu_failure(ctx, &common, "analyzing the complex Hessian");
  }
  for (size_t q = 0; q < count && st == KH_OK; q++) {
    for (size_t u = 0; u < n; u++) fm.x[u] = s->x_free[u];
    int converged = n == 0;
    for (int it = 0; it < MAX_COMPLEX_NEWTON && !converged && st == KH_OK; it++) {
      residual(c, s, beta[q], fm.x, fm.f);
      jacobian(c, s, beta[q], fm.x, &fm);
      klu_l_numeric *num = klu_zl_factor(fm.colptr, fm.rowidx, (double *)fm.ax, sym, &common);
      if (!num || common.status != KLU_OK) {
        if (num) klu_zl_free_numeric(&num, &common);
        st = klu_failure(ctx, &common, "factoring the complex Hessian");
        break;
      }
      (*factorizations)++;
      for (size_t u = 0; u < n; u++) fm.f[u] = -fm.f[u];
      klu_zl_solve(sym, num, (SuiteSparse_long)n, 1, (double *)fm.f, &common);
      klu_zl_free_numeric(&num, &common);
      double step = 0, size = 0;
      for (size_t u = 0; u < n; u++) {
        fm.x[u] += fm.f[u];
        step = fmax(step, cabs(fm.f[u])), size = fmax(size, cabs(fm.x[u]));
      }
      converged = step <= 1e-14 * (1 + size);
    }
    if (st == KH_OK && !converged)
      st = kh_fail(ctx, KH_ERR_NUMERIC,
                   "complex Newton did not converge for the nudge %g%+gi in %d steps: |beta| is "
                   "too large for the continuation",
                   creal(beta[q]), cimag(beta[q]), MAX_COMPLEX_NEWTON);
    for (size_t node = 0; st == KH_OK && node < c->node_count; node++)
      voltages[q * c->node_count + node] = node_v(c, (uint32_t)node, fm.x);
  }
  if (sym) klu_l_free_symbolic(&sym, &common);
  release(&fm);
  return st;
}
