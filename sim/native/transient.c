/* The transient analysis (solver.h: kh_solver_transient; the oscillating nudge is its forcing
 * b(t) = amplitude cos(2 pi t / T), kh_solver_oscillate). From the free equilibrium x0,
 * integrate
 *   C x' = -(grad E(x) + b(t) P (P^T x - y)),   b(t) from the forcing at each step,
 * C the capacitance matrix (capacitors stamped like conductances, plus a capacitance to ground at
 * every free node), with BDF2 at a constant step h:
 *   C (3 x_{n+1} - 4 x_n + x_{n-1}) / (2h) + grad E(x_{n+1}) + b_{n+1} P (P^T x_{n+1} - y) = 0.
 * BDF2 is stiffly stable and treats nodes without capacitance (algebraic equations) correctly;
 * starting with x_{-1} = x0 (the circuit was at rest) keeps one step size and so one matrix:
 * K = 3 C / (2h) + H(x0), factored once per run. The nudge's conductance changes every step
 * but only on the outputs (rank m): Woodbury with Z = K^-1 P. Diodes make grad E nonlinear:
 * each step iterates x <- x - (K + b P P^T)^-1 R(x) with the fixed matrix (a chord method),
 * which converges while the junctions' conductances stay near their free values, as they do for
 * the small nudges EP uses; linear circuits take one iteration and one refinement. */
#include "sparse.h"

#include "core/alloc.h"
#include "core/context.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CHORD = 60, MAX_REFORMS = 8 };

struct kh_transient {
  cholmod_sparse *K; /* lower triangle: the Laplacian's pattern plus the capacitors' entries */
  cholmod_factor *L;
  int64_t *from_h;  /* per Laplacian slot: its place in K */
  int64_t *cap_pos; /* per capacitor: places of (a,a), (b,b), (a,b) in K, or -1 */
  size_t cap_count;
  uint32_t *cap_element;
  cholmod_dense *x, *y, *e; /* cholmod_l_solve2's workspace, kept between solves */
};

void kh_transient_release(struct kh_transient *t, cholmod_common *cm) {
  if (!t) return;
  cholmod_l_free_sparse(&t->K, cm);
  cholmod_l_free_factor(&t->L, cm);
  cholmod_l_free_dense(&t->x, cm), cholmod_l_free_dense(&t->y, cm);
  cholmod_l_free_dense(&t->e, cm);
  kh_free(t->from_h), kh_free(t->cap_pos), kh_free(t->cap_element);
  kh_free(t);
}

/* A capacitor between two different unknowns, or from one unknown to a fixed node. */
static int stamps(const kh_circuit *c, size_t e) {
  if (c->kind[e] != KH_CAPACITOR || !(c->value[e] > 0)) return 0;
  int64_t ua = c->unknown_of[c->ends[e][0]], ub = c->unknown_of[c->ends[e][1]];
  return ua != ub && (ua >= 0 || ub >= 0);
}

static int64_t find_row(const cholmod_sparse *K, int64_t row, int64_t col) {
  const int64_t *p = K->p, *i = K->i;
  for (int64_t k = p[col]; k < p[col + 1]; k++)
    if (i[k] == row) return k;
  return -1;
}

/* (column, row) of a capacitor's off-diagonal entry, for sorting. */
typedef struct {
  int64_t col, row;
} entry;

static int by_place(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

static kh_status analyze_failed(kh_context *ctx, const cholmod_common *cm) {
  return cm->status == CHOLMOD_OUT_OF_MEMORY
             ? kh_fail_nomem(ctx, "preparing the oscillation")
             : kh_fail(ctx, KH_ERR_NUMERIC, "CHOLMOD could not analyze the oscillation's matrix");
}

/* K's pattern: the Laplacian's columns with the capacitors' missing off-diagonal entries added
 * at their ends (each once: CHOLMOD takes no duplicates). */
static kh_status build(kh_context *ctx, const kh_circuit *c, kh_sparse *s) {
  struct kh_transient *t = kh_calloc(1, sizeof *t);
  if (!t) return kh_fail_nomem(ctx, "preparing the oscillation");
  s->transient = t;
  size_t n = c->unknowns;
  for (size_t e = 0; e < c->element_count; e++) t->cap_count += (size_t)stamps(c, e);
  t->cap_element = kh_malloc((t->cap_count + 1) * sizeof *t->cap_element);
  t->cap_pos = kh_malloc((3 * t->cap_count + 1) * sizeof *t->cap_pos);
  t->from_h = kh_malloc((c->nnz + 1) * sizeof *t->from_h);
  entry *add = kh_malloc((t->cap_count + 1) * sizeof *add);
  if (!t->cap_element || !t->cap_pos || !t->from_h || !add) {
    kh_free(add);
    return kh_fail_nomem(ctx, "preparing the oscillation");
  }
  size_t k = 0, adds = 0;
  for (size_t e = 0; e < c->element_count; e++)
    if (stamps(c, e)) t->cap_element[k++] = (uint32_t)e;
  cholmod_sparse lap = {.nrow = n, .ncol = n, .p = c->colptr, .i = c->rowidx};
  for (k = 0; k < t->cap_count; k++) {
    const uint32_t *end = c->ends[t->cap_element[k]];
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    if (ua < 0 || ub < 0) continue;
    entry x = {ua < ub ? ua : ub, ua < ub ? ub : ua};
    if (find_row(&lap, x.row, x.col) < 0) add[adds++] = x;
  }
  qsort(add, adds, sizeof *add, by_place);
  size_t unique = 0;
  for (k = 0; k < adds; k++)
    if (unique == 0 || by_place(&add[unique - 1], &add[k])) add[unique++] = add[k];
  t->K = cholmod_l_allocate_sparse(n, n, c->nnz + unique, 0, 1, -1, CHOLMOD_REAL, &s->cm);
  if (!t->K) {
    kh_free(add);
    return analyze_failed(ctx, &s->cm);
  }
  int64_t *p = t->K->p, *ri = t->K->i;
  size_t next = 0;
  p[0] = 0;
  for (size_t j = 0; j < n; j++) {
    int64_t q = p[j];
    for (int64_t h = c->colptr[j]; h < c->colptr[j + 1]; h++) {
      ri[q] = c->rowidx[h];
      t->from_h[h] = q++;
    }
    for (; next < unique && add[next].col == (int64_t)j; next++) ri[q++] = add[next].row;
    p[j + 1] = q;
  }
  kh_free(add);
  for (k = 0; k < t->cap_count; k++) {
    const uint32_t *end = c->ends[t->cap_element[k]];
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    int64_t *pos = t->cap_pos + 3 * k;
    pos[0] = ua >= 0 ? find_row(t->K, ua, ua) : -1;
    pos[1] = ub >= 0 ? find_row(t->K, ub, ub) : -1;
    pos[2] = ua >= 0 && ub >= 0 ? find_row(t->K, ua > ub ? ua : ub, ua < ub ? ua : ub) : -1;
  }
  t->K->sorted = 0;
  t->L = cholmod_l_analyze(t->K, &s->cm);
  return t->L ? KH_OK : analyze_failed(ctx, &s->cm);
}

typedef struct {
  const kh_circuit *c;
  kh_sparse *s;
  struct kh_transient *t;
  const kh_transient_options *o;
  size_t n, m;
  double alpha; /* 3 / (2h) */
  double *z;    /* K^-1 P, m columns */
  double *pz;   /* P^T Z, m x m */
  double *x, *x_now, *x_before, *r, *y, *v;
  double *ground_c;      /* per unknown: node capacitance times the nodes it stands for */
  double complex *dense; /* m x m + m */
} run_state;

/* C v (length n), capacitors and node capacitance; held unknowns do not move and get 0. */
static void apply_c(const run_state *r, const double *v, double *out) {
  const kh_circuit *c = r->c;
  for (size_t u = 0; u < r->n; u++) out[u] = r->ground_c[u] * v[u];
  for (size_t k = 0; k < r->t->cap_count; k++) {
    uint32_t e = r->t->cap_element[k];
    int64_t ua = c->unknown_of[c->ends[e][0]], ub = c->unknown_of[c->ends[e][1]];
    double i = c->value[e] * ((ua >= 0 ? v[ua] : 0) - (ub >= 0 ? v[ub] : 0));
    if (ua >= 0) out[ua] += i;
    if (ub >= 0) out[ub] -= i;
  }
}

/* K = alpha C + H(at), held unknowns as identity rows and columns; then its factorization. */
static kh_status factor_k(kh_context *ctx, run_state *r, const double *at,
                          kh_oscillation_stats *stats) {
  const kh_circuit *c = r->c;
  kh_sparse *s = r->s;
  struct kh_transient *t = r->t;
  double *kx = t->K->x, *hx = s->A->x; /* s->A is scratch here: the solver's factor stays */
  memset(kx, 0, t->K->nzmax * sizeof *kx);
  kh_newton_fill_hessian(c, s, at);
  for (size_t q = 0; q < c->nnz; q++) kx[t->from_h[q]] += hx[q];
  for (size_t u = 0; u < r->n; u++) kx[t->from_h[c->colptr[u]]] += r->alpha * r->ground_c[u];
  for (size_t k = 0; k < t->cap_count; k++) {
    double g = r->alpha * c->value[t->cap_element[k]];
    const int64_t *pos = t->cap_pos + 3 * k;
    if (pos[0] >= 0) kx[pos[0]] += g;
    if (pos[1] >= 0) kx[pos[1]] += g;
    if (pos[2] >= 0) kx[pos[2]] -= g;
  }
  const int64_t *p = t->K->p, *ri = t->K->i;
  for (size_t j = 0; s->fixed && j < r->n; j++)
    for (int64_t q = p[j]; q < p[j + 1]; q++)
      if (s->fixed[ri[q]] || s->fixed[j]) kx[q] = (size_t)ri[q] == j ? 1.0 : 0.0;
  if (!cholmod_l_factorize(t->K, t->L, &s->cm) || s->cm.status < CHOLMOD_OK)
    return s->cm.status == CHOLMOD_OUT_OF_MEMORY
               ? kh_fail_nomem(ctx, "factoring the oscillation's matrix")
               : kh_fail(ctx, KH_ERR_NUMERIC, "CHOLMOD failed on the oscillation's matrix");
  if (s->cm.status == CHOLMOD_NOT_POSDEF || t->L->minor < t->L->n)
    return kh_fail(ctx, KH_ERR_NUMERIC, "the oscillation's matrix is not positive definite");
  stats->factorizations++;
  return KH_OK;
}

static kh_status solve_k(kh_context *ctx, run_state *r, double *v) {
  cholmod_dense b = {.nrow = r->n,
                     .ncol = 1,
                     .nzmax = r->n,
                     .d = r->n,
                     .x = v,
                     .xtype = CHOLMOD_REAL,
                     .dtype = CHOLMOD_DOUBLE};
  struct kh_transient *t = r->t; /* solve2 allocates its workspace once, then reuses it */
  if (!cholmod_l_solve2(CHOLMOD_A, t->L, &b, NULL, &t->x, NULL, &t->y, &t->e, &r->s->cm))
    return r->s->cm.status == CHOLMOD_OUT_OF_MEMORY
               ? kh_fail_nomem(ctx, "solving the oscillation's step")
               : kh_fail(ctx, KH_ERR_NUMERIC, "CHOLMOD failed solving the oscillation's step");
  memcpy(v, t->x->x, r->n * sizeof *v);
  return KH_OK;
}

/* Z = K^-1 P and P^T Z. */
static kh_status make_z(kh_context *ctx, run_state *r) {
  const kh_circuit *c = r->c;
  for (size_t k = 0; k < r->m; k++) {
    double *col = r->z + k * r->n;
    kh_nudge_output_column(c, r->s, k, col);
    kh_status st = solve_k(ctx, r, col);
    if (st != KH_OK) return st;
  }
  for (size_t i = 0; i < r->m; i++)
    for (size_t j = 0; j < r->m; j++)
      r->pz[i * r->m + j] = kh_nudge_project_out(c, r->s, i, r->z + j * r->n);
  return KH_OK;
}

/* grad E at x in double precision: the current each unknown's nodes send out through resistors,
 * current sources and smooth diodes (no amplifiers here: every weight and coefficient is 1). The
 * long-double residual of the DC certificate costs 3x as much, and a time step's accuracy is
 * BDF2's, not the last bits of KCL. Returns 1 when a diode current overflows. */
static int gradient(const kh_circuit *c, const double *x, double *g) {
  memset(g, 0, c->unknowns * sizeof *g);
  for (size_t k = 0; k < c->element_count; k++) {
    if (c->kind[k] != KH_RESISTOR && c->kind[k] != KH_ISOURCE) continue;
    uint32_t a = c->ends[k][0], b = c->ends[k][1];
    int64_t ua = c->unknown_of[a], ub = c->unknown_of[b];
    if (ua == ub) continue; /* inside a supernode, or between fixed nodes */
    double i =
        c->kind[k] == KH_ISOURCE
            ? c->value[k]
            : c->value[k] * (kh_circuit_node_voltage(c, a, x) - kh_circuit_node_voltage(c, b, x));
    if (ua >= 0) g[ua] += i;
    if (ub >= 0) g[ub] -= i;
  }
  for (const kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++) {
    if (d->kind == KH_DIODE_IDEAL) continue;
    double phi, i, gd;
    kh_diode_eval(d, kh_circuit_diode_voltage(c, d, x), &phi, &i, &gd);
    if (!isfinite(i)) return 1;
    int64_t ua = c->unknown_of[c->ends[d->element][0]], uk = c->unknown_of[c->ends[d->element][1]];
    if (ua == uk) continue;
    if (ua >= 0) g[ua] += i;
    if (uk >= 0) g[uk] -= i;
  }
  return 0;
}

/* The step's residual at r->x, nudge conductance b: C (3x - 4 x_now + x_before) / (2h) + grad E
 * + b P (P^T x - y); held unknowns' entries are left as they are (their diode's current). */
static kh_status residual(kh_context *ctx, run_state *r, double b) {
  const kh_circuit *c = r->c;
  if (gradient(c, r->x, r->r))
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "a diode current overflowed during the oscillation: the "
                   "nudge is too large");
  for (size_t u = 0; u < r->n; u++) r->y[u] = r->x[u] - r->x_now[u];
  for (size_t u = 0; u < r->n; u++) r->y[u] = 3 * r->y[u] - (r->x_now[u] - r->x_before[u]);
  apply_c(r, r->y, r->v);
  double scale = r->alpha / 3; /* 1 / (2h) */
  for (size_t u = 0; u < r->n; u++) r->r[u] += scale * r->v[u];
  for (size_t k = 0; k < r->m; k++) {
    const uint32_t *end = c->out_ends[k];
    double e = b * (kh_circuit_node_voltage(c, end[0], r->x) -
                    kh_circuit_node_voltage(c, end[1], r->x) - c->target[k]);
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    if (ua == ub) continue;
    if (ua >= 0) r->r[ua] += e;
    if (ub >= 0) r->r[ub] -= e;
  }
  return KH_OK;
}

/* d = (K + b P P^T)^-1 rhs, in place (rhs zero at held unknowns). */
static kh_status woodbury(kh_context *ctx, run_state *r, double b, double *rhs) {
  kh_status st = solve_k(ctx, r, rhs);
  if (st != KH_OK || r->m == 0) return st;
  double complex *a = r->dense, *w = a + r->m * r->m;
  for (size_t i = 0; i < r->m; i++) {
    for (size_t j = 0; j < r->m; j++) a[i * r->m + j] = (i == j) + b * r->pz[i * r->m + j];
    w[i] = kh_nudge_project_out(r->c, r->s, i, rhs);
  }
  if (kh_dense_solve_complex(a, w, r->m))
    return kh_fail(ctx, KH_ERR_NUMERIC, "the oscillating nudge %g S made the step singular", b);
  for (size_t j = 0; j < r->m; j++)
    for (size_t u = 0; u < r->n; u++) rhs[u] -= b * creal(w[j]) * r->z[j * r->n + u];
  return KH_OK;
}

/* Ideal diodes keep their state: held unknowns still pushed against their bound, free ones
 * inside theirs. */
static kh_status check_clamps(kh_context *ctx, const run_state *r, double t) {
  const kh_sparse *s = r->s;
  if (r->o->keep_clamps) return KH_OK;
  for (size_t u = 0; s->fixed && u < r->n; u++) {
    int bad = s->fixed[u] ? (r->x[u] >= s->hi[u] ? r->r[u] > 0 : r->r[u] < 0)
                          : r->x[u] > s->hi[u] + 1e-12 * (1 + fabs(s->hi[u])) ||
                                r->x[u] < s->lo[u] - 1e-12 * (1 + fabs(s->lo[u]));
    if (bad)
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "an ideal diode changes state %.3g s into the oscillation: the oscillating "
                     "nudge needs the free phase's clamps to hold (a smaller forcing)",
                     t);
  }
  return KH_OK;
}

/* One BDF2 step to time t: chord iterations from the extrapolated state. When they stop
 * contracting (the diodes have moved far from where K was formed), K is formed again at the
 * current iterate (a Newton step) and kept for the steps that follow. */
static kh_status step(kh_context *ctx, run_state *r, double t, double b,
                      kh_oscillation_stats *stats) {
  for (size_t u = 0; u < r->n; u++) r->x[u] = 2 * r->x_now[u] - r->x_before[u];
  if (r->s->fixed)
    for (size_t u = 0; u < r->n; u++)
      if (r->s->fixed[u]) r->x[u] = r->x_now[u];
  double last = INFINITY;
  int reforms = 0;
  for (int it = 0;; it++) {
    kh_status st = residual(ctx, r, b);
    if (st != KH_OK) return st;
    if (it > 0 && (st = check_clamps(ctx, r, t)) != KH_OK) return st;
    double *d = r->v;
    for (size_t u = 0; u < r->n; u++) d[u] = r->s->fixed && r->s->fixed[u] ? 0 : -r->r[u];
    if ((st = woodbury(ctx, r, b, d)) != KH_OK) return st;
    double big = 0, size = 0;
    for (size_t u = 0; u < r->n; u++)
      big = fmax(big, fabs(d[u])), size = fmax(size, fabs(r->x[u] + d[u]));
    stats->iterations++;
    if (it > 0 && !(big < 0.5 * last) && !(big <= 1e-12 * (1 + size)) && reforms < MAX_REFORMS) {
      /* slow or diverging: re-form K here and redo this iteration with it */
      if ((st = factor_k(ctx, r, r->x, stats)) != KH_OK || (st = make_z(ctx, r)) != KH_OK)
        return st;
      reforms++, last = INFINITY;
      continue;
    }
    for (size_t u = 0; u < r->n; u++) r->x[u] += d[u];
    if (!(big > 1e-14 * (1 + size)) || (it > 0 && big <= 1e-12 * (1 + size) && big >= last / 2))
      break; /* converged, or creeping at round-off */
    if (it == MAX_CHORD || !isfinite(big))
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "the oscillation's step at t = %.3g s did not converge: the nudge drives "
                     "the diodes too hard (a smaller forcing, or a smaller step)",
                     t);
    last = big;
  }
  return KH_OK;
}

/* What kh_solver_oscillate has not checked already: the free phase, and no amplifiers. */
static kh_status check_request(kh_context *ctx, const kh_circuit *c, const kh_sparse *s) {
  if (!s->free_valid || s->free_version != c->param_version)
    return kh_fail(ctx, KH_ERR_USAGE, "the oscillation starts from the free phase: solve it first");
  for (size_t node = 0; node < c->node_count; node++)
    if (c->coef[node] != 1 || c->kw[node] != 1)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "oscillating nudges of circuits with amplifiers are not supported: their "
                     "energy weighs the stages, which is not the circuit's physical dynamics");
  return KH_OK;
}

kh_status kh_transient_run(kh_context *ctx, kh_circuit *c, kh_sparse *s,
                           const kh_transient_options *o, kh_forcing forcing, void *forcing_user,
                           kh_oscillation_sample sample, void *user, kh_oscillation_stats *stats) {
  kh_status st = check_request(ctx, c, s);
  if (st != KH_OK) return st;
  size_t n = c->unknowns, m = c->output_count, nodes = c->node_count;
  double h = o->step;
  run_state r = {.c = c, .s = s, .o = o, .n = n, .m = m, .alpha = 1.5 / h};
  double *buf = kh_malloc((n * m + m * m + 7 * n + nodes + 1) * sizeof *buf);
  r.dense = kh_malloc((m * m + m + 1) * sizeof *r.dense);
  if (!buf || !r.dense) {
    kh_free(buf), kh_free(r.dense);
    return kh_fail_nomem(ctx, "running the transient analysis");
  }
  r.z = buf, r.pz = r.z + n * m, r.x = r.pz + m * m, r.x_now = r.x + n, r.x_before = r.x_now + n;
  r.r = r.x_before + n, r.y = r.r + n, r.v = r.y + n;
  r.ground_c = r.v + n;
  double *voltages = r.ground_c + n;
  memset(r.ground_c, 0, n * sizeof *r.ground_c);
  for (size_t node = 0; node < nodes; node++)
    if (c->unknown_of[node] >= 0) r.ground_c[c->unknown_of[node]] += o->node_capacitance;
  memcpy(r.x_now, s->x_free, n * sizeof *r.x);
  memcpy(r.x_before, s->x_free, n * sizeof *r.x);
  if (n && !s->transient && (st = build(ctx, c, s)) != KH_OK) {
    kh_transient_release(s->transient, &s->cm); /* half built: the next run starts over */
    s->transient = NULL;
  }
  r.t = s->transient;
  double saved_beta = c->beta;
  c->beta = 0; /* grad E without the static nudge; the oscillating one is added here */
  if (st == KH_OK && n) st = factor_k(ctx, &r, r.x_now, stats);
  if (st == KH_OK && n) st = make_z(ctx, &r);
  for (unsigned j = 1; st == KH_OK && j <= o->steps; j++) {
    double t = j * h, b = forcing(forcing_user, j, t);
    if (n) st = step(ctx, &r, t, b, stats);
    if (st != KH_OK) break;
    stats->steps++;
    memcpy(r.x_before, r.x_now, n * sizeof *r.x);
    memcpy(r.x_now, r.x, n * sizeof *r.x);
    if (j <= o->skip) continue;
    kh_circuit_expand(c, r.x_now, voltages);
    if (sample(user, (j - o->skip) * h, voltages))
      st = kh_fail(ctx, KH_ERR_USAGE, "the transient run was stopped by its reader");
  }
  c->beta = saved_beta;
  kh_free(buf), kh_free(r.dense);
  return st;
}
