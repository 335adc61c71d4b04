/* The adjoint without a factorization (solver.h: kh_solver_adjoint_iterative): Richardson
 * (recurrent backpropagation; its iterates are the truncated Neumann series') and conjugate
 * gradients, plain or Jacobi-preconditioned, on the reduced unknowns through the backend's
 * Hessian-vector product. */
#include "backend.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

typedef struct {
  kh_context *ctx;
  const kh_solver_ops *ops;
  kh_circuit *c;
  void *impl;
  size_t n;
  kh_adjoint_stats *stats;
} hessian;

static kh_status apply(hessian *h, const double *v, double *out) {
  h->stats->products++;
  return h->ops->hessian(h->ctx, h->c, h->impl, v, out, NULL, NULL, NULL);
}

/* Four running sums: vectorizes, and rounds less than one sum would. */
static double dot(const double *a, const double *b, size_t n) {
  double s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; j++) s[j] += a[i + j] * b[i + j];
  for (; i < n; i++) s[0] += a[i] * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/* lambda <- lambda - alpha (H lambda - g) from 0, k times; w: n of workspace */
static kh_status richardson(hessian *h, unsigned k, const double *g, double *lambda, double *w,
                            double alpha) {
  memset(lambda, 0, h->n * sizeof *lambda);
  for (unsigned it = 0; it < k; it++) {
    kh_status st = it ? apply(h, lambda, w) : KH_OK; /* H 0 = 0: the first step is free */
    if (st != KH_OK) return st;
    for (size_t i = 0; i < h->n; i++) lambda[i] -= alpha * ((it ? w[i] : 0) - g[i]);
  }
  return KH_OK;
}

/* Preconditioned CG from 0 for H lambda = g, k iterations or a zero residual; inv_diag NULL: no
 * preconditioner; w: 4 n of workspace (r, z, p, q) */
static kh_status cg(hessian *h, unsigned k, const double *g, double *lambda, double *w,
                    const double *inv_diag) {
  size_t n = h->n;
  double *r = w, *z = w + n, *p = w + 2 * n, *q = w + 3 * n; /* 4 n */
  memset(lambda, 0, n * sizeof *lambda);
  memcpy(r, g, n * sizeof *r);
  for (size_t i = 0; i < n; i++) z[i] = inv_diag ? inv_diag[i] * r[i] : r[i];
  memcpy(p, z, n * sizeof *p);
  double rz = dot(r, z, n);
  for (unsigned it = 0; it < k && rz != 0; it++) {
    kh_status st = apply(h, p, q);
    if (st != KH_OK) return st;
    double pq = dot(p, q, n);
    if (!(pq > 0)) break; /* H is positive definite: only round-off gets here */
    double a = rz / pq;
    for (size_t i = 0; i < n; i++) lambda[i] += a * p[i], r[i] -= a * q[i];
    for (size_t i = 0; i < n; i++) z[i] = inv_diag ? inv_diag[i] * r[i] : r[i];
    double next = dot(r, z, n), b = next / rz;
    rz = next;
    for (size_t i = 0; i < n; i++) p[i] = z[i] + b * p[i];
  }
  return KH_OK;
}

/* The phantom gradient's adjoint: y_0 = g, y_{i+1} = y_i - d H D^-1 y_i, lambda = d D^-1
 * sum_{i<k} y_i (k - 1 products); inv_diag: D^-1 (held unknowns: 1, their g is 0); w: 3 n. */
static kh_status phantom(hessian *h, unsigned k, double d, const double *g, double *lambda,
                         double *w, const double *inv_diag) {
  size_t n = h->n;
  double *y = w, *scaled = w + n, *hy = lambda; /* lambda holds H D^-1 y until the end */
  double *sum = w + 2 * n;
  memcpy(y, g, n * sizeof *y);
  memset(sum, 0, n * sizeof *sum);
  for (unsigned it = 0; it < k; it++) {
    for (size_t i = 0; i < n; i++) sum[i] += y[i];
    if (it + 1 == k) break;
    for (size_t i = 0; i < n; i++) scaled[i] = inv_diag[i] * y[i];
    kh_status st = apply(h, scaled, hy);
    if (st != KH_OK) return st;
    for (size_t i = 0; i < n; i++) y[i] -= d * hy[i];
  }
  for (size_t i = 0; i < n; i++) lambda[i] = d * inv_diag[i] * sum[i];
  return KH_OK;
}

kh_status kh_adjoint_iterate(kh_context *ctx, const kh_solver_ops *ops, kh_circuit *c, void *impl,
                             kh_adjoint_method method, unsigned k, double damping, double *rl,
                             kh_adjoint_stats *stats) {
  size_t n = c->unknowns;
  if (n == 0) return KH_OK;
  if (!ops->hessian)
    return kh_fail(ctx, KH_ERR_USAGE, "the %s backend has no Hessian-vector product", ops->name);
  if ((unsigned)method > KH_ADJOINT_PHANTOM)
    return kh_fail(ctx, KH_ERR_USAGE, "unknown adjoint method");
  if (method == KH_ADJOINT_PHANTOM && !(damping > 0 && damping <= 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the phantom gradient's damping must be in (0, 1], got %g",
                   damping);
  hessian h = {ctx, ops, c, impl, n, stats};
  double *w = kh_malloc((6 * n + 1) * sizeof *w), bound = 0;
  unsigned char *held = kh_malloc(n + 1);
  if (!w || !held) return kh_free(w), kh_free(held), kh_fail_nomem(ctx, "the iterative adjoint");
  double *g = w, *diag = w + n, *work = w + 2 * n;
  /* only what the method reads: Richardson its step's bound, cg-jacobi and phantom D */
  int scaled = method == KH_ADJOINT_CG_JACOBI || method == KH_ADJOINT_PHANTOM;
  kh_status st = ops->hessian(ctx, c, impl, NULL, NULL, scaled ? diag : NULL,
                              method == KH_ADJOINT_RICHARDSON ? &bound : NULL, held);
  for (size_t i = 0; i < n; i++) g[i] = held[i] ? 0 : rl[i]; /* held: lambda = 0, as exactly */
  kh_free(held);
  if (st == KH_OK && method == KH_ADJOINT_IDENTITY) {
    memcpy(rl, g, n * sizeof *rl); /* H taken as I */
  } else if (st == KH_OK && method == KH_ADJOINT_RICHARDSON) {
    stats->alpha = bound > 0 ? 1 / bound : 1;
    st = richardson(&h, k, g, rl, work, stats->alpha);
  } else if (st == KH_OK) {
    for (size_t i = 0; scaled && i < n; i++) diag[i] = diag[i] > 0 ? 1 / diag[i] : 1;
    st = method == KH_ADJOINT_PHANTOM ? phantom(&h, k, damping, g, rl, work, diag)
                                      : cg(&h, k, g, rl, work, scaled ? diag : NULL);
  }
  kh_free(w);
  return st;
}
