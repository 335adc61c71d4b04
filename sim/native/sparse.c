/* The native backend's CHOLMOD calls that its solvers share (newton.c, lagged.c, nudge.c and
 * the backend table in native.c): a solve with the current factor, a numeric factorization, and
 * the report of a CHOLMOD failure. Kept apart from the table, which calls those solvers, so
 * that they never call back into it. */
#include "sparse.h"

#include "core/context.h"

#include <string.h>

kh_status kh_sparse_failure(kh_context *ctx, kh_sparse *s, const char *during) {
  if (s->cm.status == CHOLMOD_OUT_OF_MEMORY) return kh_fail_nomem(ctx, during);
  return kh_fail(ctx, KH_ERR_NUMERIC, "CHOLMOD failed while %s (status %d)", during, s->cm.status);
}

kh_status kh_sparse_solve(kh_context *ctx, kh_sparse *s, const double *rhs, double *out) {
  size_t n = s->A->nrow;
  memcpy(s->b->x, rhs, n * sizeof(double));
  cholmod_dense *x = cholmod_l_solve(CHOLMOD_A, s->L, s->b, &s->cm);
  if (!x) return kh_sparse_failure(ctx, s, "solving");
  memcpy(out, x->x, n * sizeof(double));
  cholmod_l_free_dense(&x, &s->cm);
  return KH_OK;
}

kh_status kh_sparse_factorize(kh_context *ctx, kh_sparse *s, kh_solve_stats *st) {
  s->has_numeric = 0;
  if (!cholmod_l_factorize(s->A, s->L, &s->cm) || s->cm.status < CHOLMOD_OK)
    return kh_sparse_failure(ctx, s, "factorizing the Laplacian");
  st->factorizations++;
  /* CHOLMOD reports a non-positive pivot only as a warning plus L->minor < n. */
  if (s->cm.status == CHOLMOD_NOT_POSDEF || s->L->minor < s->L->n)
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "the conductance matrix is not positive definite (pivot %zu of %zu): "
                   "conductances too far apart for double precision?",
                   (size_t)s->L->minor, (size_t)s->L->n);
  s->has_numeric = 1, s->stale = 0;
  if (s->fixed && s->fixed_factored) memcpy(s->fixed_factored, s->fixed, s->A->nrow);
  return KH_OK;
}
