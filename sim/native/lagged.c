/* Newton steps without a new factorization. Between Newton iterations on circuits with Shockley
 * (or PWL) diodes only the diodes' conductances change, and near the solution they change
 * little: the factor of an earlier Hessian is then an excellent preconditioner for the current
 * one, and conjugate gradients with it reach the Newton step to 1e-10 in a few iterations, each a
 * sparse product and one pair of triangular solves instead of a numeric factorization. Newton
 * asks for an inexact step while it is far from the solution (newton.c: Eisenstat-Walker
 * forcing), which CG gives in one or two iterations even with a factor several iterations old.
 * When CG would not get there within MAX_CG iterations (judged from its rate after 3), the
 * caller factorizes as before. A solve that ends on such a step leaves the factor stale; the
 * adjoint and the free-factor nudges need the factor of the final Hessian and call
 * kh_newton_refresh, which factorizes it then and only then. */
#include "sparse.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

enum { MAX_CG = 20 };

void kh_lagged_release(kh_sparse *s) {
  kh_free(s->cg);
  s->cg = NULL;
}

/* y = A x (A symmetric, its lower triangle stored). */
static kh_status multiply(kh_context *ctx, kh_sparse *s, double *x, double *y) {
  size_t n = s->A->nrow;
  cholmod_dense X = {.nrow = n,
                     .ncol = 1,
                     .nzmax = n,
                     .d = n,
                     .x = x,
                     .xtype = CHOLMOD_REAL,
                     .dtype = CHOLMOD_DOUBLE};
  cholmod_dense Y = X;
  Y.x = y;
  double one[2] = {1, 0}, zero[2] = {0, 0};
  if (!cholmod_l_sdmult(s->A, 0, one, zero, &X, &Y, &s->cm))
    return kh_fail(ctx, KH_ERR_NUMERIC, "CHOLMOD failed multiplying by the Hessian");
  return KH_OK;
}

static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++) s += a[k] * b[k];
  return s;
}

kh_status kh_lagged_solve(kh_context *ctx, const kh_circuit *c, kh_sparse *s, double *step,
                          double tolerance, int *solved, kh_solve_stats *stats) {
  size_t n = c->unknowns;
  *solved = 0;
  /* the factor must hold the same unknowns: CG on a matrix whose held rows differ from the
   * preconditioner's mixes held and free components, and the projected step stops being a
   * descent direction */
  if (!s->has_numeric || c->smooth_count == 0 || !s->fixed ||
      memcmp(s->fixed, s->fixed_factored, n) != 0)
    return KH_OK;
  if (!s->cg && !(s->cg = kh_malloc((6 * n + 1) * sizeof *s->cg)))
    return kh_fail_nomem(ctx, "preparing Newton steps");
  double *b = s->cg, *x = b + n, *r = x + n, *z = r + n, *p = z + n, *q = p + n;
  memcpy(b, step, n * sizeof *b);
  memset(x, 0, n * sizeof *x);
  memcpy(r, b, n * sizeof *r);
  /* held rows are identity in both the matrix and the factor: solved exactly by the first
   * iteration, so the tolerance is relative to the free unknowns' part */
  double bnorm = 0;
  for (size_t u = 0; u < n; u++)
    if (!s->fixed[u]) bnorm += b[u] * b[u];
  bnorm = sqrt(bnorm);
  if (!(bnorm > 0)) return KH_OK; /* nothing free to move: the factor's solve is as cheap */
  kh_status st = kh_sparse_solve(ctx, s, r, z);
  if (st != KH_OK) return st;
  memcpy(p, z, n * sizeof *p);
  double rz = dot(r, z, n);
  for (int k = 0; k < MAX_CG; k++) {
    if ((st = multiply(ctx, s, p, q)) != KH_OK) return st;
    double pq = dot(p, q, n);
    if (!(pq > 0)) return KH_OK; /* not positive definite along p: leave it to the factor */
    double alpha = rz / pq;
    for (size_t u = 0; u < n; u++) x[u] += alpha * p[u], r[u] -= alpha * q[u];
    stats->krylov_iterations++;
    double reduced = sqrt(dot(r, r, n)) / bnorm;
    if (reduced <= tolerance) {
      if (!(dot(b, x, n) > 0)) return KH_OK; /* not a descent direction: factorize */
      memcpy(step, x, n * sizeof *step);
      s->stale = 1;
      *solved = 1;
      return KH_OK;
    }
    /* at the rate so far, would CG get there in time? If not, stop wasting products */
    double rate = pow(reduced, 1.0 / (k + 1));
    if (k >= 2 && (!(rate < 1) || k + 1 + log(tolerance / reduced) / log(rate) > MAX_CG))
      return KH_OK;
    if ((st = kh_sparse_solve(ctx, s, r, z)) != KH_OK) return st;
    double rz_next = dot(r, z, n);
    for (size_t u = 0; u < n; u++) p[u] = z[u] + rz_next / rz * p[u];
    rz = rz_next;
  }
  return KH_OK;
}
