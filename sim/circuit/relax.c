/* Relaxation sweeps and reverse mode through them (kirchhoff/circuit.h: kh_relaxation). One sweep
 * is the projected Jacobi step x <- clip(u), u = x + D^-1 (b - A x), on the reduced unknowns: A
 * is the weighted Laplacian with the nudge (pattern.c fills it), b its right-hand side
 * (circuit.c), D A's diagonal and clip the ideal diodes' bounds. Each free node moves to the
 * conductance-weighted average of its neighbours, all at once.
 *
 * Reverse mode (iterative differentiation, ITD): with u_t the sweep's unclipped values,
 * x_{t+1} = clip(u_t) passes a cotangent where lo <= u_t <= hi and stops it elsewhere;
 * du/dx = I - D^-1 A, so xbar_t = ubar - A D^-1 ubar (A symmetric); and for an element of value
 * p, du_j/dp = (dr_j/dp) / D_j - r_j (dD_j/dp) / D_j^2 with r_t = D (u_t - x_t) recovered from
 * the stored u_t. The trajectory kept is x_0 and u_0..u_{T-1}: (T + 1) x unknowns doubles, grown
 * as runs need it.
 *
 * With a tolerance, a run stops once the error bound rho / (1 - rho) times the last sweep's
 * largest move is below it, rho the larger of the last two ratios of successive moves (the
 * a-posteriori bound of a contraction with rate rho; Jacobi's slowest modes alternate in sign on
 * layered networks, whose moves keep their size, so one ratio is not enough). */
#include "circuit_impl.h"

#include "../backend.h"

#include "core/alloc.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>

struct kh_relaxation {
  const kh_circuit *c;
  size_t n;
  unsigned capacity, sweeps; /* sweeps: of the last run */
  unsigned stored;           /* sweeps the trajectory has room for */
  int64_t *node_of;          /* per unknown: a node it stands for */
  double *ax, *b, *diag, *lo, *hi;
  double *trajectory; /* x_0, then u_0 .. u_{sweeps-1} */
  double *work;       /* 2 n */
};

void kh_relaxation_free(kh_relaxation *r) {
  if (!r) return;
  kh_free(r->node_of), kh_free(r->ax), kh_free(r->b), kh_free(r->diag), kh_free(r->lo);
  kh_free(r->hi), kh_free(r->trajectory), kh_free(r->work), kh_free(r);
}

kh_status kh_relaxation_new(kh_context *ctx, kh_relaxation **out, const kh_circuit *c,
                            unsigned capacity) {
  *out = NULL;
  if (capacity < 1 || capacity > 1000000)
    return kh_fail(ctx, KH_ERR_USAGE, "relaxation takes 1..1000000 sweeps, got %u", capacity);
  for (size_t k = 0; k < c->diode_count; k++)
    if (c->diodes[k].kind != KH_DIODE_IDEAL || c->diodes[k].augmented)
      return kh_fail_at_element(ctx, c->nl, c->diodes[k].element, KH_ERR_USAGE,
                                "relaxation sweeps take ideal diodes with one end fixed only (a "
                                "diode that bounds one node), not this one");
  size_t n = c->unknowns;
  kh_relaxation *r = kh_calloc(1, sizeof *r);
  if (!r) return kh_fail_nomem(ctx, "relaxation");
  r->c = c, r->n = n, r->capacity = capacity;
  r->node_of = kh_malloc((n + 1) * sizeof *r->node_of);
  r->ax = kh_malloc((c->nnz + 1) * sizeof *r->ax);
  r->b = kh_malloc((n + 1) * sizeof *r->b), r->diag = kh_malloc((n + 1) * sizeof *r->diag);
  r->lo = kh_malloc((n + 1) * sizeof *r->lo), r->hi = kh_malloc((n + 1) * sizeof *r->hi);
  r->work = kh_malloc(2 * (n + 1) * sizeof *r->work);
  if (!r->node_of || !r->ax || !r->b || !r->diag || !r->lo || !r->hi || !r->work) {
    kh_relaxation_free(r);
    return kh_fail_nomem(ctx, "relaxation's trajectory");
  }
  for (size_t u = 0; u < n; u++) r->node_of[u] = -1;
  for (size_t node = c->node_count; node-- > 0;)
    if (c->unknown_of[node] >= 0) r->node_of[c->unknown_of[node]] = (int64_t)node;
  *out = r;
  return KH_OK;
}

size_t kh_relaxation_bytes(const kh_relaxation *r) {
  return r->trajectory ? ((size_t)r->stored + 1) * r->n * sizeof(double) : 0;
}

/* Room for `sweeps` sweeps in the trajectory (doubling, up to the capacity). */
static kh_status grow(kh_context *ctx, kh_relaxation *r, unsigned sweeps) {
  if (r->trajectory && sweeps <= r->stored) return KH_OK;
  unsigned want = r->stored ? r->stored : 16;
  while (want < sweeps) want = want > r->capacity / 2 ? r->capacity : 2 * want;
  if (want > r->capacity) want = r->capacity;
  double *t = kh_realloc(r->trajectory, ((size_t)want + 1) * (r->n + 1) * sizeof *t);
  if (!t) return kh_fail_nomem(ctx, "relaxation's trajectory");
  r->trajectory = t, r->stored = want;
  return KH_OK;
}

/* out = A v, A symmetric with its lower triangle in compressed columns (diagonal first) */
static void multiply(const kh_circuit *c, const double *ax, const double *v, double *out) {
  memset(out, 0, c->unknowns * sizeof *out);
  for (size_t j = 0; j < c->unknowns; j++)
    for (int64_t p = c->colptr[j]; p < c->colptr[j + 1]; p++) {
      size_t i = (size_t)c->rowidx[p];
      out[i] += ax[p] * v[j];
      if (i != j) out[j] += ax[p] * v[i];
    }
}

/* A, b, D and the bounds as the circuit stands */
static kh_status prepare(kh_context *ctx, kh_relaxation *r) {
  const kh_circuit *c = r->c;
  kh_circuit_fill_laplacian(c, r->ax);
  kh_circuit_fill_rhs(c, r->b);
  for (size_t u = 0; u < r->n; u++) {
    r->diag[u] = r->ax[c->colptr[u]]; /* the diagonal comes first in each column */
    if (!(r->diag[u] > 0) || !isfinite(r->diag[u]))
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "relaxation: node %s has no conductance to move it (diagonal %g)",
                     kh_netlist_node_name(c->nl, (size_t)r->node_of[u]), r->diag[u]);
  }
  long bad = kh_circuit_bounds(c, r->lo, r->hi);
  if (bad >= 0)
    return kh_fail_at_element(ctx, c->nl, c->diodes[c->ideal[bad]].element, KH_ERR_INPUT,
                              "the ideal diode's bounds leave no voltage for its node");
  return KH_OK;
}

/* One sweep from x (n unknowns) into u_t (unclipped) and next (clipped); the largest move. */
static double sweep(kh_relaxation *r, const double *x, double *u_t, double *next) {
  double *ax = r->work, moved = 0;
  multiply(r->c, r->ax, x, ax);
  for (size_t u = 0; u < r->n; u++) {
    u_t[u] = x[u] + (r->b[u] - ax[u]) / r->diag[u];
    double v = fmin(fmax(u_t[u], r->lo[u]), r->hi[u]);
    moved = fmax(moved, fabs(v - x[u]));
    next[u] = v; /* may be x itself: x[u] was read last */
  }
  return moved;
}

kh_status kh_relaxation_run(kh_context *ctx, kh_relaxation *r, unsigned max_sweeps, double tol,
                            const double *start, double *voltages, kh_relaxation_stats *stats) {
  const kh_circuit *c = r->c;
  size_t n = r->n;
  if (max_sweeps < 1 || max_sweeps > r->capacity || !(tol >= 0))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "this relaxation runs 1..%u sweeps to a tolerance >= 0, asked for %u to %g",
                   r->capacity, max_sweeps, tol);
  kh_status st = prepare(ctx, r);
  if (st == KH_OK) st = grow(ctx, r, tol > 0 ? 16 : max_sweeps);
  if (st != KH_OK) return st;
  double *x = r->work + n, moved = INFINITY, before = INFINITY, ratio = 1, bound = INFINITY;
  for (size_t u = 0; u < n; u++) {
    int64_t node = r->node_of[u];
    double v = start ? (start[node] - c->offset[node]) / c->coef[node] : 0.0;
    x[u] = r->trajectory[u] = fmin(fmax(v, r->lo[u]), r->hi[u]);
  }
  unsigned t = 0;
  while (t < max_sweeps && !(tol > 0 && bound <= tol)) {
    if ((st = grow(ctx, r, t + 1)) != KH_OK) return st;
    double earlier = before;
    before = moved;
    moved = sweep(r, x, r->trajectory + (size_t)(++t) * n, x);
    double scale = 0;
    for (size_t u = 0; u < n; u++) scale = fmax(scale, fabs(x[u]));
    if (moved <= 8 * DBL_EPSILON * (1 + scale)) { /* at round-off: ratios say nothing more */
      bound = moved;
    } else if (isfinite(earlier)) { /* two ratios of successive moves to go by */
      ratio = fmax(before > 0 ? moved / before : 1, earlier > 0 ? before / earlier : 1);
      bound = ratio < 1 ? moved * ratio / (1 - ratio) : INFINITY;
    }
  }
  r->sweeps = t;
  if (stats) *stats = (kh_relaxation_stats){t, moved, bound};
  for (size_t u = 0; u < n; u++)
    if (!isfinite(x[u]))
      return kh_fail(ctx, KH_ERR_NUMERIC, "relaxation diverged at node %s",
                     kh_netlist_node_name(c->nl, (size_t)r->node_of[u]));
  if (tol > 0 && !(bound <= tol))
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "relaxation did not reach an error bound of %g V within %u sweeps (the last "
                   "moved %g V, contracting by %g a sweep)",
                   tol, t, moved, ratio);
  kh_circuit_expand(c, x, voltages);
  return KH_OK;
}

/* ubar times du/dp over the element's unknowns at one sweep: x the sweep's start, u its result */
static double element_term(const kh_relaxation *r, size_t e, const double *x, const double *u,
                           const double *ubar) {
  const kh_circuit *c = r->c;
  uint32_t pos = c->ends[e][0], neg = c->ends[e][1];
  int64_t up = c->unknown_of[pos], un = c->unknown_of[neg];
  if (up == un) return 0; /* a resistor across a floating source, or between fixed nodes */
  double term = 0;
  if (c->kind[e] == KH_ISOURCE) { /* r gets -kw I at pos and +kw I at neg */
    if (up >= 0) term -= ubar[up] * c->kw[pos] / r->diag[up];
    if (un >= 0) term += ubar[un] * c->kw[neg] / r->diag[un];
    return term;
  }
  double dv = kh_circuit_node_voltage(c, pos, x) - kh_circuit_node_voltage(c, neg, x);
  const int64_t end_u[2] = {up, un};
  const uint32_t end_node[2] = {pos, neg};
  for (int k = 0; k < 2; k++) {
    int64_t j = end_u[k];
    if (j < 0) continue;
    double kw = c->kw[end_node[k]], d = r->diag[j];
    double dr = (k ? 1 : -1) * kw * dv;    /* the current g dv leaves pos, enters neg */
    double res = d * (u[j] - x[j]);        /* r_j at this sweep */
    double dd = kw * c->coef[end_node[k]]; /* the diagonal's share of this conductance */
    term += ubar[j] * (dr / d - res * dd / (d * d));
  }
  return term;
}

kh_status kh_relaxation_vjp(kh_context *ctx, kh_relaxation *r, const double *node_cotangent,
                            double *element_grad) {
  const kh_circuit *c = r->c;
  size_t n = r->n;
  if (!r->sweeps) return kh_fail(ctx, KH_ERR_USAGE, "reverse mode needs a relaxation run first");
  double *xbar = kh_malloc(3 * (n + 1) * sizeof *xbar), *x = kh_malloc((n + 1) * sizeof *x);
  if (!xbar || !x) return kh_free(xbar), kh_free(x), kh_fail_nomem(ctx, "relaxation's reverse");
  double *ubar = xbar + n + 1, *scaled = xbar + 2 * (n + 1);
  memset(xbar, 0, n * sizeof *xbar);
  for (size_t node = 0; node < c->node_count; node++) /* dv(node)/dx_u = coef */
    if (c->unknown_of[node] >= 0) xbar[c->unknown_of[node]] += c->coef[node] * node_cotangent[node];
  for (unsigned t = r->sweeps; t-- > 0;) {
    const double *u_t = r->trajectory + (size_t)(t + 1) * n;
    const double *u_before = r->trajectory + (size_t)t * n; /* x_0, or u_{t-1} */
    for (size_t j = 0; j < n; j++) /* x_t = clip(u_{t-1}); x_0 was stored clipped */
      x[j] = fmin(fmax(u_before[j], r->lo[j]), r->hi[j]);
    for (size_t j = 0; j < n; j++) {
      ubar[j] = u_t[j] >= r->lo[j] && u_t[j] <= r->hi[j] ? xbar[j] : 0;
      scaled[j] = ubar[j] / r->diag[j];
    }
    for (size_t e = 0; e < c->element_count; e++)
      if (c->kind[e] == KH_RESISTOR || c->kind[e] == KH_ISOURCE)
        element_grad[e] += element_term(r, e, x, u_t, ubar);
    multiply(c, r->ax, scaled, xbar);
    for (size_t j = 0; j < n; j++) xbar[j] = ubar[j] - xbar[j];
  }
  kh_free(xbar), kh_free(x);
  return KH_OK;
}

/* Whether unknown u lies strictly inside its bounds at x (a clipped one is held there). */
static int inside(const kh_relaxation *r, const double *x, size_t u) {
  return x[u] > r->lo[u] && x[u] < r->hi[u];
}

/* The Hessian at the last run's end, as the iterative adjoint asks for it (backend.h): A with
 * the clipped unknowns held (identity rows, zero columns). impl: the relaxation. */
static kh_status end_hessian(kh_context *ctx, kh_circuit *c, void *impl, const double *v,
                             double *out, double *diag, double *bound, unsigned char *held) {
  (void)ctx, (void)c;
  kh_relaxation *r = impl;
  size_t n = r->n;
  const double *x = r->work + n; /* the end state, as kh_relaxation_run left it */
  for (size_t u = 0; held && u < n; u++) held[u] = !inside(r, x, u);
  if (diag)
    for (size_t u = 0; u < n; u++) diag[u] = inside(r, x, u) ? r->diag[u] : 1;
  if (bound) {             /* Gershgorin over the free unknowns' rows, held columns left out */
    double *sum = r->work; /* free here: the run is over */
    for (size_t u = 0; u < n; u++) sum[u] = 0;
    for (size_t j = 0; j < n; j++)
      for (int64_t p = r->c->colptr[j]; p < r->c->colptr[j + 1]; p++) {
        size_t i = (size_t)r->c->rowidx[p];
        int fi = inside(r, x, i), fj = inside(r, x, j);
        if (fi && fj) sum[i] += fabs(r->ax[p]), sum[j] += i != j ? fabs(r->ax[p]) : 0;
      }
    *bound = 1;
    for (size_t u = 0; u < n; u++) *bound = fmax(*bound, sum[u]);
  }
  if (!v) return KH_OK;
  double *masked = kh_malloc((n + 1) * sizeof *masked);
  if (!masked) return kh_fail_nomem(ctx, "the relaxation's Hessian");
  for (size_t u = 0; u < n; u++) masked[u] = inside(r, x, u) ? v[u] : 0;
  multiply(r->c, r->ax, masked, out);
  for (size_t u = 0; u < n; u++)
    if (!inside(r, x, u)) out[u] = v[u];
  kh_free(masked);
  return KH_OK;
}

kh_status kh_relaxation_adjoint(kh_context *ctx, kh_relaxation *r, kh_adjoint_method method,
                                unsigned k, double damping, const double *node_rhs,
                                double *node_lambda, kh_adjoint_stats *stats) {
  static const kh_solver_ops ops = {.name = "relaxation", .hessian = end_hessian};
  const kh_circuit *c = r->c;
  kh_adjoint_stats local = {0};
  if (!stats) stats = &local;
  *stats = (kh_adjoint_stats){0};
  if (!r->sweeps) return kh_fail(ctx, KH_ERR_USAGE, "the relaxation's adjoint needs a run first");
  double *rl = kh_malloc((r->n + 1) * sizeof *rl);
  if (!rl) return kh_fail_nomem(ctx, "the relaxation's adjoint");
  memset(rl, 0, r->n * sizeof *rl);
  for (size_t node = 0; node < c->node_count; node++)
    if (c->unknown_of[node] >= 0) rl[c->unknown_of[node]] += c->coef[node] * node_rhs[node];
  kh_status st = kh_adjoint_iterate(ctx, &ops, (kh_circuit *)c, r, method, k, damping, rl, stats);
  for (size_t node = 0; st == KH_OK && node < c->node_count; node++)
    node_lambda[node] = c->unknown_of[node] >= 0 ? c->coef[node] * rl[c->unknown_of[node]] : 0;
  kh_free(rl);
  return st;
}

/* One complex sweep's residual b - A x at the complex nudges beta (A, b: the last run's, at
 * beta = 0; the nudge added here), into r; x, r complex, n unknowns. */
static void complex_residual(const kh_relaxation *r, double complex beta, const double *targets,
                             const double complex *x, double complex *res) {
  const kh_circuit *c = r->c;
  size_t n = r->n;
  for (size_t u = 0; u < n; u++) res[u] = r->b[u];
  for (size_t j = 0; j < n; j++) /* - A x, A symmetric (lower triangle stored) */
    for (int64_t p = c->colptr[j]; p < c->colptr[j + 1]; p++) {
      size_t i = (size_t)c->rowidx[p];
      res[i] -= r->ax[p] * x[j];
      if (i != j) res[j] -= r->ax[p] * x[i];
    }
  for (size_t k = 0; k < c->output_count; k++) { /* the nudge's current beta (dv - y) */
    uint32_t a = c->out_ends[k][0], b = c->out_ends[k][1];
    int64_t ua = c->unknown_of[a], ub = c->unknown_of[b];
    if (ua == ub) continue;
    double complex va = c->offset[a] + (ua >= 0 ? c->coef[a] * x[ua] : 0);
    double complex vb = c->offset[b] + (ub >= 0 ? c->coef[b] * x[ub] : 0);
    double complex i = beta * (va - vb - targets[k]);
    if (ua >= 0) res[ua] -= c->coef[a] * i;
    if (ub >= 0) res[ub] += c->coef[b] * i;
  }
}

kh_status kh_relaxation_run_complex(kh_context *ctx, kh_relaxation *r, unsigned sweeps,
                                    double complex beta, const double *targets,
                                    double complex *voltages) {
  const kh_circuit *c = r->c;
  size_t n = r->n;
  if (!r->sweeps) return kh_fail(ctx, KH_ERR_USAGE, "complex sweeps start from a run's end");
  if (sweeps < 1) return kh_fail(ctx, KH_ERR_USAGE, "complex sweeps: at least one");
  double complex *x = kh_malloc(2 * (n + 1) * sizeof *x), *res = x + n + 1;
  double complex *d = kh_malloc((n + 1) * sizeof *d);
  if (!x || !d) return kh_free(x), kh_free(d), kh_fail_nomem(ctx, "complex sweeps");
  const double *end = r->work + n; /* the free phase's end state; its clipped unknowns held */
  for (size_t u = 0; u < n; u++) x[u] = end[u], d[u] = r->diag[u];
  for (size_t k = 0; k < c->output_count; k++)
    for (int e = 0; e < 2; e++) {
      uint32_t node = c->out_ends[k][e];
      int64_t u = c->unknown_of[node], other = c->unknown_of[c->out_ends[k][1 - e]];
      if (u >= 0 && u != other) d[u] += beta * c->coef[node] * c->coef[node];
    }
  for (unsigned t = 0; t < sweeps; t++) {
    complex_residual(r, beta, targets, x, res);
    for (size_t u = 0; u < n; u++)
      if (inside(r, end, u)) x[u] += res[u] / d[u];
  }
  kh_status st = KH_OK;
  for (size_t u = 0; u < n; u++)
    if (!isfinite(creal(x[u])) || !isfinite(cimag(x[u])))
      st = kh_fail(ctx, KH_ERR_NUMERIC, "complex sweeps diverged");
  for (size_t node = 0; st == KH_OK && node < c->node_count; node++) {
    int64_t u = c->unknown_of[node];
    voltages[node] = c->offset[node] + (u >= 0 ? c->coef[node] * x[u] : 0);
  }
  kh_free(x), kh_free(d);
  return st;
}
