/* Holomorphic EP on the layered backend (docs/layered.md): the radius its circle must stay
 * inside, the points' phases, and the gradient of kh_layered_gradient. The kernels
 * (layered_complex.h) sweep the points and the response the radius is read from. */
#include "layered_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <complex.h>
#include <math.h>
#include <string.h>

/* Whether N points' rows (2N blocks of n) fit after the free rows [0, n). */
static kh_status rows_fit(kh_context *ctx, const kh_layered *lay, size_t n, unsigned N) {
  if ((1 + 2 * (size_t)N) * n > lay->rows_max)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "holomorphic EP with %u points on %zu rows needs a layered handle of %zu rows "
                   "(each point's real and imaginary parts), this one has %zu",
                   N, n, (1 + 2 * (size_t)N) * n, lay->rows_max);
  return KH_OK;
}

/* The largest response of row r's outputs (the points' first block of rows). */
static double row_response(const kh_layered *lay, size_t n, size_t r, double *out) {
  KH_LAYERED_CALL(lay, outputs, lay, n + r, out);
  double u = 0;
  for (size_t k = 0; k < lay->outputs; k++) u = fmax(u, out[k]);
  return u;
}

kh_status kh_layered_holo_radius(kh_context *ctx, kh_layered *lay, size_t n, unsigned max_sweeps,
                                 unsigned *sweeps, double *radius) {
  static const double origin[2] = {0, 0};
  kh_status st = rows_fit(ctx, lay, n, 1);
  if (st != KH_OK) return st;
  lay->holo.points = origin, lay->holo.first = n, lay->holo.batch = n, lay->holo.count = 1;
  lay->holo.unit = 1;
  KH_LAYERED_CALL(lay, complex_start, lay);
  double out[lay->outputs + 1], change = INFINITY, largest = 0;
  /* Gauss-Seidel from 0 rises monotonically to u (A is an M-matrix, the source positive), so
   * an early stop would underestimate u and overstate the radius: sweep u to round-off of the
   * working precision, and take the bound that much smaller. */
  double tol = lay->precision == KH_PRECISION_SINGLE ? 1e-6 : 1e-10;
  for (*sweeps = 0; *sweeps < max_sweeps && !(change <= tol * largest); ++*sweeps) {
    change = KH_LAYERED_CALL(lay, sweep_complex, lay);
    largest = 0;
    for (size_t r = 0; r < n; r++) largest = fmax(largest, row_response(lay, n, r, out));
  }
  *radius = INFINITY;
  for (size_t r = 0; r < n; r++) {
    double u = row_response(lay, n, r, out);
    if (u > 0) *radius = fmin(*radius, (1 - 10 * tol) / u);
  }
  lay->holo.points = NULL, lay->holo.unit = 0;
  if (!(change <= tol * largest) && largest > 0)
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "the outputs' response to a nudge did not converge in %u sweeps (holomorphic "
                   "EP's radius)",
                   *sweeps);
  return KH_OK;
}

double kh_layered_holo_points(kh_contour contour, unsigned N, double beta, double R,
                              double *points) {
  for (unsigned k = 0; k < N; k++) {
    double complex w = cexp(2 * M_PI * I * k / N), z = beta * w;
    if (contour == KH_CONTOUR_SLIT) z = 4 * R * beta * w / ((1 - beta * w) * (1 - beta * w));
    points[2 * k] = creal(z), points[2 * k + 1] = cimag(z);
  }
  return contour == KH_CONTOUR_SLIT ? 1 / (4 * R * beta) : 1 / beta;
}

kh_status kh_layered_holo_phases(kh_context *ctx, kh_layered *lay, size_t n, unsigned N,
                                 const double *points, const double *targets, unsigned max_sweeps,
                                 double tol, unsigned *sweeps) {
  kh_status st = N >= 2 && N <= 64
                     ? rows_fit(ctx, lay, n, N)
                     : kh_fail(ctx, KH_ERR_USAGE, "holomorphic EP takes 2..64 points, got %u", N);
  if (st != KH_OK) return st;
  memcpy(lay->target_row, targets, n * lay->outputs * sizeof *targets); /* the free rows' */
  lay->holo.points = points, lay->holo.first = n, lay->holo.batch = n, lay->holo.count = N;
  KH_LAYERED_CALL(lay, complex_start, lay);
  /* Block Gauss-Seidel has no energy to descend at a complex nudge: a first sweep, then the
   * rest, whose last change must not exceed the first's (fixed sweeps test nothing else) */
  unsigned first = 0, rest = 0;
  double change = INFINITY, first_change = INFINITY;
  st = kh_layered_relax(ctx, lay, n, 2 * N * n, 1, 0, &first, &first_change);
  if (st == KH_OK && max_sweeps > 1)
    st = kh_layered_relax(ctx, lay, n, 2 * N * n, max_sweeps - 1, tol, &rest, &change);
  lay->holo.points = NULL; /* the factors read the rows only */
  *sweeps = first + rest;
  double reach = 0;
  for (unsigned k = 0; k < N; k++) reach = fmax(reach, hypot(points[2 * k], points[2 * k + 1]));
  if (st == KH_OK && rest && !(change <= first_change))
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "holomorphic EP's sweeps diverge at its points (|beta| up to %g S; last change "
                   "%.3g V after %.3g V): try a smaller beta",
                   reach, change, first_change);
  return st;
}

/* grad += each parameter's factor of layer l, G_ij = rt_i + ct_j - sum_r At_ir C_rj (the
 * biases' -sign dsum_j), times scale. */
static void gather_layer(const kh_layered *lay, size_t l, size_t K, const void *At, const void *C,
                         const void *rt, const void *ct, const double *dsum, double scale,
                         double *grad) {
  int single = lay->precision == KH_PRECISION_SINGLE;
#define AT(p, i) (single ? (double)((const float *)(p))[i] : ((const double *)(p))[i])
  size_t ld = lay->ld[l];
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (s->layer != l) continue;
    if (s->bias) {
      grad[p] += -s->sign * dsum[s->entry] * scale;
      continue;
    }
    size_t i = s->i, j = s->j;
    double g = (l > 1 ? AT(rt, i) : 0) + AT(ct, j);
    for (size_t r = 0; r < K; r++) g -= AT(At, i * K + r) * AT(C, r * ld + j);
    grad[p] += g * scale;
  }
#undef AT
}

kh_status kh_layered_holo_gradient(kh_context *ctx, kh_layered *lay, size_t n,
                                   const double *targets, const kh_layered_grad_options *o,
                                   double *grad, kh_layered_grad_info *info) {
  unsigned N = o->points ? o->points : 4, rs = 0, ps = 0;
  double R = INFINITY, *points = kh_malloc(2 * (N + 1) * sizeof *points);
  if (!points) return kh_fail_nomem(ctx, "holomorphic EP's points");
  kh_status st = N >= 2 && N <= 64 ? rows_fit(ctx, lay, n, N) : KH_OK; /* phases say why */
  if (st == KH_OK) st = kh_layered_holo_radius(ctx, lay, n, 100000, &rs, &R);
  int slit = o->contour == KH_CONTOUR_SLIT;
  if (st == KH_OK && slit && !(o->beta > 0 && o->beta < 1 && isfinite(R)))
    st = kh_fail(ctx, isfinite(R) ? KH_ERR_USAGE : KH_ERR_NUMERIC,
                 isfinite(R) ? "the slit contour's rho (beta) must lie in (0, 1), got %g"
                             : "the outputs do not respond to a nudge (no radius)",
                 o->beta);
  if (st == KH_OK && !slit && !(o->beta > 0 && o->beta < R))
    st = kh_fail(ctx, KH_ERR_NUMERIC,
                 "|beta| = %g S reaches the bound %g S on the nudged response's radius (the "
                 "outputs' largest response to 1 A, held nodes held): holomorphic EP's circle "
                 "must stay inside it",
                 o->beta, R);
  double scale = 0;
  if (st == KH_OK) {
    scale = kh_layered_holo_points(o->contour, N, o->beta, R, points);
    st = kh_layered_holo_phases(ctx, lay, n, N, points, targets, o->sweeps, o->tol, &ps);
  }
  info->sweeps += rs + ps * N, info->phases += N; /* each point's sweeps, and the bound's */
  size_t m = lay->max_width, K = 2 * (size_t)N * n;
  void *At = NULL, *C = NULL, *rt = NULL, *ct = NULL;
  double *dsum = NULL;
  if (st == KH_OK) {
    At = kh_aligned_calloc(m * K, lay->real), C = kh_aligned_calloc(K * lay->max_ld, lay->real);
    rt = kh_aligned_calloc(m, lay->real), ct = kh_aligned_calloc(lay->max_ld, lay->real);
    dsum = kh_malloc((lay->max_ld + 1) * sizeof *dsum);
    if (!At || !C || !rt || !ct || !dsum) st = kh_fail_nomem(ctx, "holomorphic EP's gradient");
  }
  lay->holo.count = N;
  for (size_t l = 1; st == KH_OK && l <= lay->depth; l++) {
    size_t rank = KH_LAYERED_CALL(lay, holo_factors, lay, l, n, At, C, rt, ct, dsum);
    gather_layer(lay, l, rank, At, C, rt, ct, dsum, scale, grad);
  }
  kh_aligned_free(At), kh_aligned_free(C), kh_aligned_free(rt), kh_aligned_free(ct);
  kh_free(dsum), kh_free(points);
  return st;
}
