/* The native backend: the reduced Laplacian factored by CHOLMOD. Symbolic analysis (fill-reducing
 * ordering) happens once per circuit; a new conductance vector costs one numeric factorization,
 * new source values only a solve. This file is the backend's table (kh_solver_ops_native):
 * linear circuits are solved here, diodes by newton.c, nudges by nudge.c, the oscillating nudge
 * by transient.c. */
#include "sparse.h"

#include "core/alloc.h"
#include "core/context.h"

#include <complex.h>
#include <math.h>
#include <string.h>

typedef kh_sparse sparse_state;

static void destroy(void *impl) {
  sparse_state *s = impl;
  kh_transient_release(s->transient, &s->cm);
  cholmod_l_free_factor(&s->L, &s->cm);
  cholmod_l_free_sparse(&s->A, &s->cm);
  cholmod_l_free_dense(&s->b, &s->cm);
  cholmod_l_finish(&s->cm);
  kh_free(s->x), kh_free(s->lo), kh_free(s->hi), kh_free(s->grad), kh_free(s->step);
  kh_free(s->trial), kh_free(s->trial_grad), kh_free(s->fixed), kh_free(s->fixed_factored);
  kh_free(s->diag);
  kh_nudge_release(s);
  kh_lagged_release(s);
  kh_free(s);
}

static kh_status prepare(kh_context *ctx, kh_circuit *c, void **impl) {
  sparse_state *s = kh_calloc(1, sizeof *s);
  if (!s) return kh_fail_nomem(ctx, "preparing the sparse solver");
  cholmod_l_start(&s->cm);
  s->cm.print = 0; /* errors come back through status codes, not stdout */
  /* CHOLMOD goes supernodal at 40 flops per factor entry; on 2-core machines simplicial was
   * faster up to ~160 (grids: 100x100 at 58, 20 ms vs 40 ms; 300x300 at 159, 0.33 s vs 0.45 s)
   * and supernodal wins at the 1000x1000 grid's 478. */
  s->cm.supernodal_switch = 200;
  *impl = s;
  size_t n = c->unknowns;
  if (n == 0) return KH_OK; /* every node fixed by sources: nothing to factor */
  /* Checked one at a time: every CHOLMOD call resets cm.status, which says why one failed. */
  s->A = cholmod_l_allocate_sparse(n, n, c->nnz, 1, 1, -1, CHOLMOD_REAL, &s->cm);
  if (!s->A) return kh_sparse_failure(ctx, s, "allocating the Laplacian");
  s->b = cholmod_l_allocate_dense(n, 1, n, CHOLMOD_REAL, &s->cm);
  if (!s->b) return kh_sparse_failure(ctx, s, "allocating the Laplacian");
  memcpy(s->A->p, c->colptr, (n + 1) * sizeof(int64_t));
  memcpy(s->A->i, c->rowidx, c->nnz * sizeof(int64_t));
  kh_circuit_fill_laplacian(c, s->A->x);
  s->L = cholmod_l_analyze(s->A, &s->cm);
  if (!s->L) return kh_sparse_failure(ctx, s, "analyzing the Laplacian");
  if (c->diode_count) {
    s->x = kh_calloc(n, sizeof *s->x);
    s->lo = kh_malloc(n * sizeof *s->lo), s->hi = kh_malloc(n * sizeof *s->hi);
    s->grad = kh_malloc(n * sizeof *s->grad), s->step = kh_malloc(n * sizeof *s->step);
    s->trial = kh_malloc(n * sizeof *s->trial), s->fixed = kh_calloc(n, 1);
    s->fixed_factored = kh_calloc(n, 1);
    s->trial_grad = kh_malloc(n * sizeof *s->trial_grad);
    s->diag = kh_malloc(n * sizeof *s->diag);
    if (!s->x || !s->lo || !s->hi || !s->grad || !s->step || !s->trial || !s->fixed ||
        !s->trial_grad || !s->fixed_factored || !s->diag)
      return kh_fail_nomem(ctx, "preparing the Newton solver");
  }
  return KH_OK;
}

static kh_status factorize(kh_context *ctx, kh_circuit *c, sparse_state *s, kh_solve_stats *st) {
  kh_circuit_fill_laplacian(c, s->A->x);
  kh_status status = kh_sparse_factorize(ctx, s, st);
  s->factored = status == KH_OK;
  s->factored_version = c->conductance_version;
  return status;
}

/* One step of iterative refinement. The residual is summed element by element in long double
 * (kh_circuit_residual), not from the assembled matrix: a diagonal entry is a sum of conductances
 * already rounded to double, and with conductances spread over many decades (cond(A) ~ 1e8 and
 * more) that rounding alone moves node voltages by 1e-8 V. Refining against the elements
 * themselves gives the answer for the conductances as given, for the price of one more solve. */
static kh_status refine(kh_context *ctx, kh_circuit *c, sparse_state *s, cholmod_dense *x,
                        double *step) {
  size_t n = c->unknowns;
  cholmod_dense *r = cholmod_l_allocate_dense(n, 1, n, CHOLMOD_REAL, &s->cm);
  if (!r) return kh_sparse_failure(ctx, s, "refining the solution");
  if (kh_circuit_residual(c, x->x, r->x)) {
    cholmod_l_free_dense(&r, &s->cm);
    return kh_fail_nomem(ctx, "refining the solution");
  }
  cholmod_dense *dx = cholmod_l_solve(CHOLMOD_A, s->L, r, &s->cm);
  cholmod_l_free_dense(&r, &s->cm);
  if (!dx) return kh_sparse_failure(ctx, s, "refining the solution");
  double *xv = x->x, size = 0;
  const double *dv = dx->x;
  *step = 0;
  for (size_t i = 0; i < n; i++) {
    xv[i] += dv[i];
    *step = fmax(*step, fabs(dv[i]));
    size = fmax(size, fabs(xv[i]));
  }
  *step = size > 0 ? *step / size : *step;
  cholmod_l_free_dense(&dx, &s->cm);
  return KH_OK;
}

/* Refinement until the corrections stop shrinking: one step suffices for well-conditioned
 * circuits; conductances spanning twelve decades (tests/sim/honesty.c) need several before the
 * answer is right to the last digits rather than only backward stable. */
static kh_status refine_fully(kh_context *ctx, kh_circuit *c, sparse_state *s, cholmod_dense *x) {
  double step = 0, previous = INFINITY;
  for (int k = 0; k < 10; k++) {
    kh_status st = refine(ctx, c, s, x, &step);
    if (st != KH_OK) return st;
    if (!(step > 1e-16) || !(step < 0.5 * previous)) break;
    previous = step;
  }
  return KH_OK;
}

static kh_status linear_solve(kh_context *ctx, kh_circuit *c, sparse_state *s, double *voltages,
                              kh_solve_stats *stats) {
  if (c->unknowns == 0) {
    kh_circuit_expand(c, NULL, voltages);
    return KH_OK;
  }
  stats->analyses = 1;
  if (!s->factored || s->factored_version != c->conductance_version) {
    kh_status st = factorize(ctx, c, s, stats);
    if (st != KH_OK) return st;
  }
  kh_circuit_fill_rhs(c, s->b->x);
  cholmod_dense *x = cholmod_l_solve(CHOLMOD_A, s->L, s->b, &s->cm);
  if (!x) return kh_sparse_failure(ctx, s, "solving");
  kh_status st = refine_fully(ctx, c, s, x);
  if (st == KH_OK) kh_circuit_expand(c, x->x, voltages);
  if (st == KH_OK && c->beta == 0) st = kh_nudge_remember_free(ctx, c, s, x->x);
  cholmod_l_free_dense(&x, &s->cm);
  return st;
}

static kh_status solve(kh_context *ctx, kh_circuit *c, void *impl, double *voltages,
                       kh_solve_stats *stats) {
  sparse_state *s = impl;
  s->counts = stats;
  if (c->beta != 0) { /* first try the free phase's factor (nudge.c) */
    int done;
    kh_status st = kh_nudge_solve(ctx, c, s, voltages, stats, &done);
    if (st != KH_OK || done) return st;
    if (s->free_valid && s->x && s->free_version == c->param_version) {
      memcpy(s->x, s->x_free, c->unknowns * sizeof *s->x); /* Newton starts from the free state */
      s->have_x = 1;
    }
    s->free_valid = 0; /* the factor is about to change */
  }
  if (!c->diode_count) return linear_solve(ctx, c, s, voltages, stats);
  kh_status st = kh_newton_solve(ctx, c, s, voltages, stats);
  if (st == KH_OK && c->beta == 0) st = kh_nudge_remember_free(ctx, c, s, s->x);
  if (st != KH_OK) s->free_valid = 0;
  return st;
}

/* The last solve left its Hessian factored: the Laplacian (linear circuits), or Newton's last
 * Hessian with held bounds as identity rows, evaluated at the solution (Newton stops on a step
 * that no longer moves x, computed from that very factor). */
static kh_status adjoint(kh_context *ctx, kh_circuit *c, void *impl, double *rhs_lambda) {
  sparse_state *s = impl;
  if (c->unknowns == 0) return KH_OK;
  if (!s->factored) return kh_fail(ctx, KH_ERR_USAGE, "adjoint solve before any successful solve");
  kh_status st = kh_newton_refresh(ctx, c, s);
  if (st != KH_OK) return st;
  if (s->fixed)
    for (size_t u = 0; u < c->unknowns; u++)
      if (s->fixed[u]) rhs_lambda[u] = 0;
  return kh_sparse_solve(ctx, s, rhs_lambda, rhs_lambda);
}

/* H v by CHOLMOD's symmetric product (A holds the lower triangle); the diagonal and the
 * Gershgorin bound from A's entries, each off-diagonal counted in both rows. */
static kh_status hessian(kh_context *ctx, kh_circuit *c, void *impl, const double *v, double *out,
                         double *diag, double *bound, unsigned char *held) {
  sparse_state *s = impl;
  size_t n = c->unknowns;
  if (n == 0) return KH_OK;
  if (!s->factored) return kh_fail(ctx, KH_ERR_USAGE, "a Hessian product before any solve");
  kh_status st = kh_newton_refresh(ctx, c, s);
  if (st != KH_OK) return st;
  if (v) {
    cholmod_dense x = {n, 1, n, n, (void *)v, NULL, CHOLMOD_REAL, CHOLMOD_DOUBLE};
    cholmod_dense y = {n, 1, n, n, out, NULL, CHOLMOD_REAL, CHOLMOD_DOUBLE};
    double one[2] = {1, 0}, zero[2] = {0, 0};
    if (!cholmod_l_sdmult(s->A, 0, one, zero, &x, &y, &s->cm))
      return kh_fail(ctx, KH_ERR_NOMEM, "CHOLMOD's Hessian product failed");
  }
  for (size_t u = 0; held && u < n; u++) held[u] = s->fixed && s->fixed[u];
  const int64_t *p = s->A->p, *i = s->A->i;
  const double *a = s->A->x;
  for (size_t j = 0; diag && j < n; j++) diag[j] = a[p[j]]; /* each column's first entry */
  if (!bound) return KH_OK;
  double *rows = kh_calloc(n, sizeof *rows);
  if (!rows) return kh_fail_nomem(ctx, "bounding the Hessian");
  for (size_t j = 0; j < n; j++)
    for (int64_t k = p[j]; k < p[j + 1]; k++) {
      size_t r = (size_t)i[k];
      rows[r] += fabs(a[k]);
      if (r != j) rows[j] += fabs(a[k]);
    }
  *bound = 0;
  for (size_t j = 0; j < n; j++) *bound = fmax(*bound, rows[j]);
  kh_free(rows);
  return KH_OK;
}

/* Only the Newton solve (circuits with diodes) starts from a previous state. */
static int get_warm(const kh_circuit *c, const void *impl, double *x) {
  const sparse_state *s = impl;
  if (!s->x || !s->have_x) return 0;
  memcpy(x, s->x, c->unknowns * sizeof *x);
  return 1;
}

static void set_warm(const kh_circuit *c, void *impl, const double *x) {
  sparse_state *s = impl;
  if (!s->x) return;
  s->have_x = x != NULL;
  if (x) memcpy(s->x, x, c->unknowns * sizeof *x);
}

static void forget(const kh_circuit *c, void *impl) {
  (void)c;
  ((sparse_state *)impl)->fresh = 1; /* newton.c forgets at the next solve */
}

static kh_status nudge_complex(kh_context *ctx, kh_circuit *c, void *impl, size_t count,
                               const double _Complex *beta, double _Complex *voltages,
                               const double *check, unsigned *complex_factorizations) {
  sparse_state *s = impl;
  if (c->smooth_count) {
    if (c->ideal_count)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "complex nudges of circuits with both ideal and Shockley diodes are not "
                     "supported (no check that the clamps hold within the circle)");
    return kh_complex_newton(ctx, c, s, count, beta, voltages, complex_factorizations);
  }
  kh_status st = check ? kh_nudge_check_active_set(ctx, c, s, check[0], check[1]) : KH_OK;
  return st == KH_OK ? kh_nudge_complex(ctx, c, s, count, beta, voltages) : st;
}

static kh_status nudge_radius(kh_context *ctx, kh_circuit *c, void *impl, double *radius) {
  return kh_nudge_radius(ctx, c, impl, radius);
}

static kh_status transient(kh_context *ctx, kh_circuit *c, void *impl,
                           const kh_transient_options *o, kh_forcing forcing, void *forcing_user,
                           kh_oscillation_sample sample, void *user, kh_oscillation_stats *stats) {
  return kh_transient_run(ctx, c, impl, o, forcing, forcing_user, sample, user, stats);
}

const kh_solver_ops kh_solver_ops_native = {.name = "native",
                                            .prepare = prepare,
                                            .solve = solve,
                                            .adjoint = adjoint,
                                            .hessian = hessian,
                                            .get_warm = get_warm,
                                            .set_warm = set_warm,
                                            .nudge_complex = nudge_complex,
                                            .nudge_radius = nudge_radius,
                                            .transient = transient,
                                            .destroy = destroy,
                                            .max_relative_residual = 1e-10,
                                            .ideal_tolerance = 1e-12,
                                            .forget = forget};
