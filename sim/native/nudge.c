/* Nudged phases from the free phase's factor. The nudge adds beta P P^T to the Hessian H of the
 * free equilibrium x0 (P: one column per output, +1 at its positive node's unknown, -1 at its
 * negative one's), a rank-m change. While the ideal diodes' active set stays as it is, the
 * nudged equilibrium solves
 *   (H + beta P P^T) d = -beta P r,   r = outputs(x0) - targets,   x = x0 + d
 * exactly (the co-content is quadratic there and its gradient vanishes at x0 on the free
 * unknowns), and Woodbury's identity gives d = -beta Z (I + beta P^T Z)^-1 r with Z = H^-1 P:
 * m solves with the existing factor, once per free phase, and an m x m system per nudge; no
 * factorization. The result is accepted only if it is a KKT point of the nudged problem (free
 * unknowns inside their bounds, held ones still pushed outward), after one step of iterative
 * refinement against the elements; otherwise the caller runs projected Newton from x0. Circuits
 * with Shockley or PWL diodes (whose Hessian moves with x) always take the Newton path. */
#include "sparse.h"

#include "core/alloc.h"
#include "core/context.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void kh_nudge_release(kh_sparse *s) {
  kh_free(s->x_free), kh_free(s->z), kh_free(s->dense), kh_free(s->nudge_work);
  s->x_free = s->z = s->nudge_work = NULL;
  s->dense = NULL;
}

kh_status kh_nudge_remember_free(kh_context *ctx, const kh_circuit *c, kh_sparse *s,
                                 const double *x) {
  size_t n = c->unknowns, m = c->output_count;
  s->free_valid = 0;
  if (m == 0) return KH_OK;
  if (!s->x_free && !(s->x_free = kh_malloc((n + 1) * sizeof *s->x_free)))
    return kh_fail_nomem(ctx, "preparing nudged solves");
  memcpy(s->x_free, x, n * sizeof *x);
  s->free_valid = 1;
  s->z_valid = s->radius_valid = 0;
  s->free_version = c->param_version;
  return KH_OK;
}

static int held(const kh_sparse *s, int64_t u) {
  return u < 0 || (s->fixed && s->fixed[u]);
}

void kh_nudge_output_column(const kh_circuit *c, const kh_sparse *s, size_t k, double *col) {
  memset(col, 0, c->unknowns * sizeof *col);
  int64_t a = c->unknown_of[c->out_ends[k][0]], b = c->unknown_of[c->out_ends[k][1]];
  if (a == b) return;
  if (!held(s, a)) col[a] += c->coef[c->out_ends[k][0]];
  if (!held(s, b)) col[b] -= c->coef[c->out_ends[k][1]];
}

/* Z (n x m), the m x m system and the nudge's work space, at the first nudge rather than with
 * the free phase: an operating point of a deck with many outputs needs none of them (80,000
 * outputs would ask for 51 GB). -1 when out of memory. */
static int woodbury_buffers(const kh_circuit *c, kh_sparse *s) {
  size_t n = c->unknowns, m = c->output_count;
  if (s->z) return 0;
  s->z = kh_malloc((n * m + 1) * sizeof *s->z);
  s->dense = kh_malloc((m * m + m + 1) * sizeof *s->dense);
  s->nudge_work = kh_malloc((3 * n + 1) * sizeof *s->nudge_work);
  if (s->z && s->dense && s->nudge_work) return 0;
  kh_free(s->z), kh_free(s->dense), kh_free(s->nudge_work);
  s->z = s->nudge_work = NULL;
  s->dense = NULL;
  return -1;
}

/* Whether Z is worth holding for real nudges: at most 16 factors' worth of numbers (or 8 MB).
 * Past that (many outputs on a sparse circuit: a chain of 80,000 nodes, each an output, would
 * need 51 GB against a 2 MB factor) its m solves cost more than the Newton solves they save, and
 * it may not fit in memory at all; projected Newton solves the nudge instead. Ten outputs on any
 * circuit pass: the factor holds at least one number per unknown. */
static int woodbury_fits(const kh_circuit *c, const kh_sparse *s) {
  double factor = 0; /* nonzeros of L, from the symbolic analysis */
  for (size_t u = 0; u < s->L->n; u++) factor += (double)((const int64_t *)s->L->ColCount)[u];
  return (double)c->unknowns * (double)c->output_count <= fmax(1 << 20, 16 * factor);
}

/* The memory this process may have: the machine's, or less under `ulimit -v`. */
static double memory_limit(void) {
  double memory = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  struct rlimit limit;
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (double)limit.rlim_cur < memory)
    memory = (double)limit.rlim_cur;
  return memory;
}

/* Z = H^-1 P, column by column. Complex nudges have no other way, so only a Z larger than the
 * memory this process may have is refused up front (an allocation the kernel grants lazily
 * would otherwise be filled until the machine swaps). */
static kh_status make_z(kh_context *ctx, const kh_circuit *c, kh_sparse *s) {
  double bytes = (double)c->unknowns * (double)c->output_count * sizeof *s->z;
  double memory = memory_limit();
  if (memory > 0 && bytes > memory)
    return kh_fail(ctx, KH_ERR_NOMEM,
                   "nudging %zu outputs of a circuit of %zu unknowns needs a dense %zu x %zu "
                   "matrix (%.3g GB), more than the %.3g GB this process may have",
                   c->output_count, c->unknowns, c->unknowns, c->output_count, bytes / 1e9,
                   memory / 1e9);
  if (woodbury_buffers(c, s)) return kh_fail_nomem(ctx, "preparing nudged solves");
  kh_status st = kh_newton_refresh(ctx, c, s);
  for (size_t k = 0; st == KH_OK && k < c->output_count; k++) {
    double *col = s->z + k * c->unknowns;
    kh_nudge_output_column(c, s, k, col);
    st = kh_sparse_solve(ctx, s, col, col);
  }
  s->z_valid = st == KH_OK;
  return st;
}

double kh_nudge_project_out(const kh_circuit *c, const kh_sparse *s, size_t k, const double *v) {
  int64_t a = c->unknown_of[c->out_ends[k][0]], b = c->unknown_of[c->out_ends[k][1]];
  if (a == b) return 0;
  return (held(s, a) ? 0 : c->coef[c->out_ends[k][0]] * v[a]) -
         (held(s, b) ? 0 : c->coef[c->out_ends[k][1]] * v[b]);
}

/* Solves the m x m system a w = w in place (Gaussian elimination, partial pivoting); complex,
 * for the holomorphic nudges, and real nudges use it too (m is the number of outputs).
 * Returns -1 when a pivot vanishes. */
int kh_dense_solve_complex(double complex *a, double complex *w, size_t m) {
  for (size_t j = 0; j < m; j++) {
    size_t p = j;
    for (size_t i = j + 1; i < m; i++)
      if (cabs(a[i * m + j]) > cabs(a[p * m + j])) p = i;
    if (!(cabs(a[p * m + j]) > 1e-300)) return -1;
    if (p != j) {
      for (size_t k = 0; k < m; k++) {
        double complex t = a[j * m + k];
        a[j * m + k] = a[p * m + k], a[p * m + k] = t;
      }
      double complex t = w[j];
      w[j] = w[p], w[p] = t;
    }
    for (size_t i = j + 1; i < m; i++) {
      double complex f = a[i * m + j] / a[j * m + j];
      for (size_t k = j; k < m; k++) a[i * m + k] -= f * a[j * m + k];
      w[i] -= f * w[j];
    }
  }
  for (size_t j = m; j-- > 0;) {
    for (size_t k = j + 1; k < m; k++) w[j] -= a[j * m + k] * w[k];
    w[j] /= a[j * m + j];
  }
  return 0;
}

/* d = (H + beta P P^T)^-1 rhs for rhs over the free unknowns (zero at held ones), in place. */
static kh_status woodbury(kh_context *ctx, const kh_circuit *c, kh_sparse *s, double *rhs,
                          int *ok) {
  size_t n = c->unknowns, m = c->output_count;
  double beta = c->beta;
  double complex *a = s->dense, *w = s->dense + m * m;
  kh_status st = kh_sparse_solve(ctx, s, rhs, rhs); /* H^-1 rhs */
  if (st != KH_OK) return st;
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < m; j++)
      a[i * m + j] = (i == j) + beta * kh_nudge_project_out(c, s, i, s->z + j * n);
    w[i] = kh_nudge_project_out(c, s, i, rhs);
  }
  if (kh_dense_solve_complex(a, w, m)) {
    *ok = 0;
    return KH_OK;
  }
  for (size_t j = 0; j < m; j++)
    for (size_t u = 0; u < n; u++) rhs[u] -= beta * creal(w[j]) * s->z[j * n + u];
  *ok = 1;
  return KH_OK;
}

/* KKT check: free unknowns inside their bounds, held ones still pushed outward by the
 * gradient -r. Zeroes r at held unknowns (what refinement may correct). */
static int kkt_holds(const kh_circuit *c, const kh_sparse *s, const double *x, double *r) {
  for (size_t u = 0; u < c->unknowns; u++) {
    if (s->fixed && s->fixed[u]) {
      int upper = x[u] >= s->hi[u];
      if (upper ? r[u] < 0 : r[u] > 0) return 0; /* the diode would stop conducting */
      r[u] = 0;
    } else if (s->lo && (x[u] < s->lo[u] || x[u] > s->hi[u])) {
      return 0;
    }
  }
  return 1;
}

kh_status kh_nudge_solve(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *voltages,
                         kh_solve_stats *stats, int *done) {
  size_t n = c->unknowns, m = c->output_count;
  *done = 0;
  if (!s->free_valid || s->free_version != c->param_version || c->smooth_count > 0 || n == 0)
    return KH_OK;
  if (!s->z && (!woodbury_fits(c, s) || woodbury_buffers(c, s))) return KH_OK; /* Newton */
  kh_status st = s->z_valid ? KH_OK : make_z(ctx, c, s);
  if (st != KH_OK) return st;
  if (c->beta < 0) {
    /* -beta subtracts conductance at the outputs; past their smallest effective conductance
     * the quadratic on this face has no minimum and its stationary point means nothing. Only
     * the bounds can then hold the problem: leave it to projected Newton. */
    double radius;
    if ((st = kh_nudge_radius(ctx, c, s, &radius)) != KH_OK) return st;
    if (!(-c->beta < radius)) return KH_OK;
  }
  double *x = s->nudge_work, *r = s->nudge_work + n;
  memset(r, 0, n * sizeof *r);
  for (size_t k = 0; k < m; k++) { /* rhs = -beta P r0, r0 = outputs(x0) - targets */
    const uint32_t *end = c->out_ends[k];
    int64_t a = c->unknown_of[end[0]], b = c->unknown_of[end[1]];
    double va = kh_circuit_node_voltage(c, end[0], s->x_free);
    double vb = kh_circuit_node_voltage(c, end[1], s->x_free);
    double e = -c->beta * (va - vb - c->target[k]);
    if (a != b && !held(s, a)) r[a] += c->coef[end[0]] * e;
    if (a != b && !held(s, b)) r[b] -= c->coef[end[1]] * e;
  }
  int ok;
  if ((st = woodbury(ctx, c, s, r, &ok)) != KH_OK || !ok) return st;
  for (size_t u = 0; u < n; u++) x[u] = s->x_free[u] + r[u];
  /* the residual against the elements: the KKT check first, then one refinement step with it */
  if (kh_circuit_residual(c, x, r)) return kh_fail_nomem(ctx, "refining a nudged solve");
  if (!kkt_holds(c, s, x, r)) return KH_OK;
  if ((st = woodbury(ctx, c, s, r, &ok)) != KH_OK || !ok) return st;
  for (size_t u = 0; u < n; u++) x[u] += r[u];
  if (kh_circuit_residual(c, x, r)) return kh_fail_nomem(ctx, "checking a nudged solve");
  if (!kkt_holds(c, s, x, r)) return KH_OK;
  stats->iterations = 0;
  kh_circuit_expand(c, x, voltages);
  *done = 1;
  return KH_OK;
}

/* Complex nudges (holomorphic EP). With the free phase's active set held, the nudged
 * equilibrium is a rational function of beta, and the same Woodbury identity continues it to
 * complex beta: x(beta) = x0 - beta Z (I + beta P^T Z)^-1 r0, a complex m x m system per nudge.
 * It describes the circuit only while the active set stays as it is; the caller's real nudges
 * (the ends of the real segment its contour encloses) are solved and checked as KKT points
 * first. */
/* The nudged response (I + beta P^T Z)^-1 has its poles at beta = -1/lambda for the eigenvalues
 * lambda of the symmetric positive semidefinite P^T Z (the outputs' effective resistances), so
 * the continuation in beta converges for |beta| < 1/lambda_max: the outputs' smallest effective
 * conductance. Power iteration on the m x m matrix. */
kh_status kh_nudge_radius(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *radius) {
  size_t n = c->unknowns, m = c->output_count;
  if (!s->free_valid || s->free_version != c->param_version)
    return kh_fail(ctx, KH_ERR_USAGE, "complex nudges need the free phase solved just before");
  if (s->radius_valid) {
    *radius = s->radius;
    return KH_OK;
  }
  kh_status st = s->z_valid ? KH_OK : make_z(ctx, c, s);
  if (st != KH_OK) return st;
  double *mat = kh_malloc((m * m + 2 * m + 1) * sizeof *mat), *v = mat + m * m, *w = v + m;
  if (!mat) return kh_fail_nomem(ctx, "bounding complex nudges");
  for (size_t i = 0; i < m; i++) {
    v[i] = 1;
    for (size_t j = 0; j < m; j++) mat[i * m + j] = kh_nudge_project_out(c, s, i, s->z + j * n);
  }
  double lambda = 0;
  for (int it = 0; it < 200; it++) {
    double norm = 0, dot = 0;
    for (size_t i = 0; i < m; i++) {
      w[i] = 0;
      for (size_t j = 0; j < m; j++) w[i] += mat[i * m + j] * v[j];
      dot += w[i] * v[i], norm += w[i] * w[i];
    }
    double vv = 0;
    for (size_t i = 0; i < m; i++) vv += v[i] * v[i];
    double next = vv > 0 ? dot / vv : 0;
    norm = sqrt(norm);
    if (!(norm > 0)) break;
    for (size_t i = 0; i < m; i++) v[i] = w[i] / norm;
    if (fabs(next - lambda) <= 1e-12 * fabs(next)) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  kh_free(mat);
  *radius = s->radius = lambda > 0 ? 1 / lambda : INFINITY;
  s->radius_valid = 1;
  return KH_OK;
}

kh_status kh_nudge_complex(kh_context *ctx, kh_circuit *c, kh_sparse *s, size_t count,
                           const double complex *beta, double complex *voltages) {
  size_t n = c->unknowns, m = c->output_count;
  if (c->smooth_count)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "complex nudges of circuits with Shockley or PWL diodes need a complex sparse "
                   "factorization per Newton step, which kirchhoff does not have yet; linear and "
                   "ideal-diode circuits are supported");
  if (!s->free_valid || s->free_version != c->param_version)
    return kh_fail(ctx, KH_ERR_USAGE, "complex nudges need the free phase solved just before");
  double radius; /* the poles, -1 / the eigenvalues of P^T Z, lie on (-inf, -radius] */
  kh_status st = kh_nudge_radius(ctx, c, s, &radius);
  for (size_t q = 0; st == KH_OK && q < count; q++)
    if (!(cimag(beta[q]) != 0 || creal(beta[q]) > -radius) || !isfinite(cabs(beta[q])))
      st = kh_fail(ctx, KH_ERR_NUMERIC,
                   "the nudge %g%+gi lies on the half-line (-inf, -%g] that holds the nudged "
                   "response's poles (%g S: the outputs' smallest effective conductance)",
                   creal(beta[q]), cimag(beta[q]), radius, radius);
  if (st != KH_OK) return st;
  double complex *a = s->dense, *w = a + m * m, *d = kh_malloc((n + 1) * sizeof *d);
  double *r0 = kh_malloc((m + 1) * sizeof *r0);
  if (!d || !r0) {
    kh_free(d), kh_free(r0);
    return kh_fail_nomem(ctx, "solving complex nudges");
  }
  for (size_t k = 0; k < m; k++)
    r0[k] = kh_circuit_node_voltage(c, c->out_ends[k][0], s->x_free) -
            kh_circuit_node_voltage(c, c->out_ends[k][1], s->x_free) - c->target[k];
  for (size_t q = 0; q < count && st == KH_OK; q++) {
    for (size_t i = 0; i < m; i++) {
      for (size_t j = 0; j < m; j++)
        a[i * m + j] = (i == j) + beta[q] * kh_nudge_project_out(c, s, i, s->z + j * n);
      w[i] = r0[i];
    }
    if (kh_dense_solve_complex(a, w, m)) {
      st = kh_fail(ctx, KH_ERR_NUMERIC, "the complex nudge %g%+gi is singular", creal(beta[q]),
                   cimag(beta[q]));
      break;
    }
    for (size_t u = 0; u < n; u++) d[u] = s->x_free[u];
    for (size_t j = 0; j < m; j++)
      for (size_t u = 0; u < n; u++) d[u] -= beta[q] * w[j] * s->z[j * n + u];
    double complex *v = voltages + q * c->node_count;
    for (size_t node = 0; node < c->node_count; node++) {
      int64_t u = c->unknown_of[node];
      v[node] = c->offset[node] + (u >= 0 ? c->coef[node] * d[u] : 0);
    }
  }
  kh_free(d), kh_free(r0);
  return st;
}

kh_status kh_nudge_check_active_set(kh_context *ctx, kh_circuit *c, kh_sparse *s, double lo,
                                    double hi) {
  if (!c->ideal_count) return KH_OK;
  double beta0 = c->beta, ends[2] = {lo, hi};
  double *v = kh_malloc((c->node_count + 1) * sizeof *v);
  if (!v) return kh_fail_nomem(ctx, "checking the active set");
  kh_status st = KH_OK;
  for (int e = 0; e < 2 && st == KH_OK; e++) {
    c->beta = ends[e];
    kh_solve_stats stats = {0};
    int done = 0;
    st = kh_nudge_solve(ctx, c, s, v, &stats, &done);
    if (st == KH_OK && !done)
      st = kh_fail(ctx, KH_ERR_NUMERIC,
                   "an ideal diode changes state within a nudge of %g: the analytic continuation "
                   "behind holomorphic EP does not hold there; use a smaller |beta|",
                   ends[e]);
  }
  c->beta = beta0;
  kh_free(v);
  return st;
}
