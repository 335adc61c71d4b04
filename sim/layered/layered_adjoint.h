/* Gradients on the layered backend, written once for a working type (layered_f32.c and
 * layered_f64.c include this after layered_kernels.h): the co-content's Hessian applied to a
 * whole minibatch at once (two GEMMs per layer), the approximate adjoints of sim/adjoint.c row by
 * row on it (Richardson, conjugate gradients, Jacobi-preconditioned, the phantom gradient's
 * series, and conjugate gradients to convergence for the exact gradient), and dL/dtheta or
 * dE/dtheta summed over the rows with one GEMM per conductance matrix.
 *
 * A batch vector holds layers 1..L of `rows` rows: layer l at offset rows * off[l], row r at
 * r * ld[l] from there (sim/layered/gradient.c). Held nodes (at a bound their ideal diode
 * holds) have identity rows in H and a zero adjoint, as on the native backend. */
#include "kirchhoff/solver.h"

/* The Hessian of the free phase on a batch: out = H v (held: out = v). Layer 0 (the inputs) is
 * fixed: it enters no product. */
static void FN(hessian_batch)(const kh_layered *lay, size_t rows, const size_t *off, const REAL *v,
                              REAL *out, const unsigned char *held) {
  size_t L = lay->depth;
  for (size_t l = 1; l <= L; l++) {
    size_t n = lay->width[l], ld = lay->ld[l];
    const REAL *vl = v + rows * off[l], *diag = layer(lay->diag[l]);
    REAL *o = out + rows * off[l];
    for (size_t r = 0; r < rows; r++)
      for (size_t j = 0; j < n; j++) o[r * ld + j] = diag[j] * vl[r * ld + j];
    if (l > 1) { /* - v_{l-1} W_l */
      size_t m = lay->width[l - 1], ldm = lay->ld[l - 1];
      GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)m, -1,
           v + rows * off[l - 1], (int)ldm, layer(lay->W[l]), (int)ld, 1, o, (int)ld);
    }
    if (l < L) { /* - v_{l+1} W_{l+1}^T */
      size_t m = lay->width[l + 1], ldm = lay->ld[l + 1];
      GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n, (int)m, -1,
           v + rows * off[l + 1], (int)ldm, layer(lay->W[l + 1]), (int)ldm, 1, o, (int)ld);
    }
    const unsigned char *h = held + rows * off[l];
    for (size_t r = 0; r < rows; r++)
      for (size_t j = 0; j < n; j++)
        if (h[r * ld + j]) o[r * ld + j] = vl[r * ld + j];
  }
}

/* Per row, over every layer's nodes: sum_j a_j b_j (w = NULL) or sum_j a_j w_j b_j. */
static void FN(row_dots)(const kh_layered *lay, size_t rows, const size_t *off, const REAL *a,
                         const REAL *b, double *dot) {
  for (size_t r = 0; r < rows; r++) dot[r] = 0;
  for (size_t l = 1; l <= lay->depth; l++)
    for (size_t r = 0; r < rows; r++) {
      const REAL *x = a + rows * off[l] + r * lay->ld[l], *y = b + rows * off[l] + r * lay->ld[l];
      double s = 0;
      for (size_t j = 0; j < lay->width[l]; j++) s += (double)x[j] * (double)y[j];
      dot[r] += s;
    }
}

/* y += s[r] x on each row r (over every layer) */
static void FN(row_axpy)(const kh_layered *lay, size_t rows, const size_t *off, const double *s,
                         const REAL *x, REAL *y) {
  for (size_t l = 1; l <= lay->depth; l++)
    for (size_t r = 0; r < rows; r++) {
      const REAL *a = x + rows * off[l] + r * lay->ld[l];
      REAL *b = y + rows * off[l] + r * lay->ld[l];
      for (size_t j = 0; j < lay->width[l]; j++) b[j] += (REAL)s[r] * a[j];
    }
}

/* Each row's lambda for H lambda = g by `method` (kh_adjoint_method; exact: conjugate gradients
 * until every row's residual is below 1e-13 of its g, at most 4 x the unknowns), k products.
 * work: 4 batch vectors; scalars: 4 rows doubles; inv_diag: D^-1 (held: 1). */
void FN(adjoint)(const kh_layered *lay, size_t rows, const size_t *off, size_t total,
                 const unsigned char *held, int method, unsigned k, double damping, const void *gv,
                 void *lambdav, void *workv, const void *inv_diagv, double *scalars,
                 unsigned *products) {
  const REAL *g = gv, *inv_diag = inv_diagv;
  REAL *lambda = lambdav, *work = workv;
  REAL *r = work, *z = work + total, *p = work + 2 * total, *q = work + 3 * total;
  double *rz = scalars, *next = scalars + rows, *step = scalars + 2 * rows,
         *goal = scalars + 3 * rows;
  memset(lambda, 0, total * sizeof *lambda);
  if (method == KH_ADJOINT_IDENTITY) {
    memcpy(lambda, g, total * sizeof *lambda);
    return;
  }
  if (method == KH_ADJOINT_PHANTOM) { /* lambda = d D^-1 sum_{i<k} (I - d H D^-1)^i g */
    memcpy(r, g, total * sizeof *r);  /* r: the series' term y_i; z: the sum */
    memset(z, 0, total * sizeof *z);
    for (unsigned it = 0; it < k; it++) {
      for (size_t i = 0; i < total; i++) z[i] += r[i];
      if (it + 1 == k) break;
      for (size_t i = 0; i < total; i++) p[i] = inv_diag[i] * r[i];
      FN(hessian_batch)(lay, rows, off, p, q, held), ++*products;
      for (size_t i = 0; i < total; i++) r[i] -= (REAL)damping * q[i];
    }
    for (size_t i = 0; i < total; i++) lambda[i] = (REAL)damping * inv_diag[i] * z[i];
    return;
  }
  if (method == KH_ADJOINT_RICHARDSON) { /* lambda -= alpha (H lambda - g), alpha in scalars */
    for (unsigned it = 0; it < k; it++) {
      if (it) FN(hessian_batch)(lay, rows, off, lambda, q, held), ++*products;
      for (size_t l = 1; l <= lay->depth; l++)
        for (size_t row = 0; row < rows; row++)
          for (size_t j = 0; j < lay->width[l]; j++) {
            size_t i = rows * off[l] + row * lay->ld[l] + j;
            lambda[i] -= (REAL)step[row] * ((it ? q[i] : 0) - g[i]);
          }
    }
    return;
  }
  /* conjugate gradients, per row; preconditioned by D^-1 for cg-jacobi */
  int jacobi = method == KH_ADJOINT_CG_JACOBI;
  memcpy(r, g, total * sizeof *r);
  for (size_t i = 0; i < total; i++) z[i] = jacobi ? inv_diag[i] * r[i] : r[i];
  memcpy(p, z, total * sizeof *p);
  FN(row_dots)(lay, rows, off, r, z, rz);
  double floor = sizeof(REAL) == sizeof(float) ? 1e-12 : 1e-26; /* (residual / g)^2 reachable */
  for (size_t row = 0; row < rows; row++) goal[row] = floor * rz[row];
  unsigned limit = method < 0 ? 4 * (unsigned)total / (unsigned)rows + 10 : k;
  for (unsigned it = 0; it < limit; it++) {
    int active = 0;
    for (size_t row = 0; row < rows; row++) active |= rz[row] > (method < 0 ? goal[row] : 0);
    if (!active) break;
    FN(hessian_batch)(lay, rows, off, p, q, held), ++*products;
    FN(row_dots)(lay, rows, off, p, q, step);
    for (size_t row = 0; row < rows; row++) step[row] = step[row] > 0 ? rz[row] / step[row] : 0;
    FN(row_axpy)(lay, rows, off, step, p, lambda);
    for (size_t row = 0; row < rows; row++) step[row] = -step[row];
    FN(row_axpy)(lay, rows, off, step, q, r);
    for (size_t i = 0; i < total; i++) z[i] = jacobi ? inv_diag[i] * r[i] : r[i];
    FN(row_dots)(lay, rows, off, r, z, next);
    for (size_t l = 1; l <= lay->depth; l++)
      for (size_t row = 0; row < rows; row++) {
        double b = rz[row] > 0 ? next[row] / rz[row] : 0;
        for (size_t j = 0; j < lay->width[l]; j++) {
          size_t i = rows * off[l] + row * lay->ld[l] + j;
          p[i] = z[i] + (REAL)b * p[i];
        }
      }
    memcpy(rz, next, rows * sizeof *rz);
  }
}

/* Where layer l's gathered terms lie in theta_gather's M (REAL) and sums (doubles), for layers
 * 1..L in turn: M_l (width[l-1] x ld[l]); col_l and node_l (ld[l] each), row_l (width[l-1]). */
typedef struct {
  REAL *M[KH_LAYERED_MAX + 1];
  double *col[KH_LAYERED_MAX + 1], *node[KH_LAYERED_MAX + 1], *row[KH_LAYERED_MAX + 1];
} gathered;

static gathered gathered_at(const kh_layered *lay, void *Mv, double *sums) {
  gathered g = {{0}, {0}, {0}, {0}};
  REAL *M = Mv;
  for (size_t l = 1; l <= lay->depth; l++) {
    g.M[l] = M, g.col[l] = sums, g.node[l] = sums + lay->ld[l], g.row[l] = sums + 2 * lay->ld[l];
    M += lay->width[l - 1] * lay->ld[l], sums += 2 * lay->ld[l] + lay->width[l - 1];
  }
  return g;
}

/* The batch's terms of the parameters' gradient, weight times them added into M and sums (first:
 * set instead), from batch vectors: with lambda given, dL/dtheta = -lambda^T d(grad_v E)/dtheta
 * (a conductance between i in layer l - 1 and j in layer l: -(lambda_j - lambda_i)(v_j - v_i);
 * a bias current: sign lambda_j); with lambda NULL, dE/dtheta at the voltages V (1/2 (v_j -
 * v_i)^2; a bias: -sign v_j, its fixed end left out: the estimators' weights sum to 0). Per
 * layer: M_l = V_{l-1}^T X_l (+ Lambda_{l-1}^T V_l), X = Lambda or V; col_j = sum_r lambda_j v_j
 * or 1/2 v_j^2; row_i the same of the layer below (lambda and l = 1: 0); node_j = sum_r
 * lambda_j or -v_j. Several phases gathered with their weights cost one theta_scatter. */
typedef struct {
  const kh_layered *lay;
  size_t rows;
  const size_t *off;
  const REAL *lambda;
  double weight;
  int first;
  gathered at;
  size_t start[KH_LAYERED_MAX + 2]; /* layer l's items: [start[l], start[l + 1]) */
} gather_job;

enum { GATHER_BLOCK = 64 }; /* rows of M_l per item of the crew */

/* Layer l's col and node terms (block NULL), or rows [i0, i0 + count) of M_l and row_l. */
static void gather_part(const gather_job *job, size_t l, int block, size_t i0, size_t count) {
  const kh_layered *lay = job->lay;
  size_t rows = job->rows, n = lay->width[l], ldm = lay->ld[l - 1], ld = lay->ld[l];
  double weight = job->weight;
  const REAL *below = layer(lay->V[l - 1]), *V = layer(lay->V[l]);
  const REAL *lam = job->lambda ? job->lambda + rows * job->off[l] : NULL;
  const REAL *lam_below = job->lambda && l > 1 ? job->lambda + rows * job->off[l - 1] : NULL;
  if (!block) {
    double *col = job->at.col[l], *node = job->at.node[l];
    if (job->first) memset(col, 0, n * sizeof *col), memset(node, 0, n * sizeof *node);
    for (size_t r = 0; r < rows; r++) { /* by rows: the arrays are row-major */
      const REAL *v = V + r * ld, *x = lam ? lam + r * ld : NULL;
      for (size_t j = 0; j < n; j++)
        col[j] += weight * ((double)(x ? x[j] : (REAL)0.5 * v[j]) * v[j]);
      for (size_t j = 0; j < n; j++) node[j] += weight * (x ? (double)x[j] : -(double)v[j]);
    }
    return;
  }
  REAL *M = job->at.M[l] + i0 * ld;
  GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)count, (int)n, (int)rows, weight, below + i0,
       (int)ldm, lam ? lam : V, (int)ld, job->first ? 0 : 1, M, (int)ld);
  if (lam_below)
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)count, (int)n, (int)rows, weight,
         lam_below + i0, (int)ldm, V, (int)ld, 1, M, (int)ld);
  double *row = job->at.row[l] + i0;
  if (job->first) memset(row, 0, count * sizeof *row);
  for (size_t r = 0; r < rows; r++) {
    const REAL *u = below + r * ldm + i0, *y = lam_below ? lam_below + r * ldm + i0 : NULL;
    for (size_t i = 0; !lam && i < count; i++) row[i] += weight * (0.5 * (double)u[i] * u[i]);
    for (size_t i = 0; y && i < count; i++) row[i] += weight * ((double)y[i] * u[i]);
  }
}

static void gather_item(void *job_, size_t item, int worker) {
  const gather_job *job = job_;
  size_t l = 1;
  (void)worker;
  while (item >= job->start[l + 1]) l++;
  size_t k = item - job->start[l], m = job->lay->width[l - 1];
  if (k == 0)
    gather_part(job, l, 0, 0, 0);
  else
    gather_part(job, l, 1, (k - 1) * GATHER_BLOCK,
                m - (k - 1) * GATHER_BLOCK < GATHER_BLOCK ? m - (k - 1) * GATHER_BLOCK
                                                          : GATHER_BLOCK);
}

/* The batch's terms of the parameters' gradient, weight times them added into M and sums (first:
 * set instead), from batch vectors: with lambda given, dL/dtheta = -lambda^T d(grad_v E)/dtheta
 * (a conductance between i in layer l - 1 and j in layer l: -(lambda_j - lambda_i)(v_j - v_i);
 * a bias current: sign lambda_j); with lambda NULL, dE/dtheta at the voltages V (1/2 (v_j -
 * v_i)^2; a bias: -sign v_j, its fixed end left out: the estimators' weights sum to 0). Per
 * layer: M_l = V_{l-1}^T X_l (+ Lambda_{l-1}^T V_l), X = Lambda or V; col_j = sum_r lambda_j v_j
 * or 1/2 v_j^2; row_i the same of the layer below (lambda and l = 1: 0); node_j = sum_r
 * lambda_j or -v_j. Several phases gathered with their weights cost one theta_scatter. The crew
 * shares fixed blocks of GATHER_BLOCK rows of each M_l (and of row_l), each entry the work of
 * one item, so the result does not depend on the threads. */
void FN(theta_gather)(const kh_layered *lay, size_t rows, const size_t *off, const void *lambdav,
                      double weight, int first, void *Mv, double *sums) {
  gather_job job = {lay, rows, off, lambdav, weight, first, gathered_at(lay, Mv, sums), {0}};
  job.start[1] = 0;
  for (size_t l = 1; l <= lay->depth; l++)
    job.start[l + 1] = job.start[l] + 1 + (lay->width[l - 1] + GATHER_BLOCK - 1) / GATHER_BLOCK;
  kh_crew_run(lay->crew, job.start[lay->depth + 1], gather_item, &job);
}

typedef struct {
  const kh_layered *lay;
  gathered at;
  int adjoint;
  double scale, *grad;
  size_t start[KH_LAYERED_MAX + 2]; /* dense layer l's items: [start[l], start[l + 1]); then
                                     * the loose parameters' */
} scatter_job;

enum { SCATTER_ROWS = 64, SCATTER_CHUNK = 8192 }; /* rows of a dense W_l, loose parameters */

/* One conductance's term: lambda: M - col - row (the gradient); V: col + row - M (dE/dg) */
static double scatter_term(const scatter_job *job, size_t l, size_t i, size_t j) {
  const gathered *at = &job->at;
  double t = (double)at->M[l][i * job->lay->ld[l] + j] - at->col[l][j] - at->row[l][i];
  return job->scale * (job->adjoint ? t : -t);
}

static void scatter_item(void *job_, size_t item, int worker) {
  const scatter_job *job = job_;
  const kh_layered *lay = job->lay;
  (void)worker;
  size_t l = 1;
  while (l <= lay->depth && item >= job->start[l + 1]) l++;
  if (l <= lay->depth) { /* rows of a dense layer */
    size_t i0 = (item - job->start[l]) * SCATTER_ROWS, m = lay->width[l - 1], n = lay->width[l];
    size_t si = lay->dense_si[l], sj = lay->dense_sj[l];
    double *g = job->grad + lay->dense[l];
    for (size_t i = i0; i < i0 + SCATTER_ROWS && i < m; i++)
      for (size_t j = 0; j < n; j++) g[i * si + j * sj] += scatter_term(job, l, i, j);
    return;
  }
  size_t k0 = (item - job->start[lay->depth + 1]) * SCATTER_CHUNK;
  for (size_t k = k0; k < k0 + SCATTER_CHUNK && k < lay->loose_count; k++) {
    size_t p = lay->loose[k];
    const kh_layered_slot *s = &lay->param[p];
    if (s->bias)
      job->grad[p] += job->scale * s->sign * job->at.node[s->layer][s->entry];
    else
      job->grad[p] += scatter_term(job, s->layer, s->i, s->j);
  }
}

/* grad (params) += scale times the gathered gradient (adjoint: gathered with lambda, else at the
 * voltages): one pass over the parameters, shared by the crew (each parameter on its own, so
 * the result does not depend on who took which item). */
void FN(theta_scatter)(const kh_layered *lay, int adjoint, double scale, double *grad, void *Mv,
                       double *sums) {
  scatter_job job = {lay, gathered_at(lay, Mv, sums), adjoint, scale, grad, {0}};
  for (size_t l = 1; l <= lay->depth; l++)
    job.start[l + 1] =
        job.start[l] +
        (lay->dense[l] < 0 ? 0 : (lay->width[l - 1] + SCATTER_ROWS - 1) / SCATTER_ROWS);
  size_t items = job.start[lay->depth + 1] + (lay->loose_count + SCATTER_CHUNK - 1) / SCATTER_CHUNK;
  kh_crew_run(lay->crew, items, scatter_item, &job);
}

/* From the free phase in V: g = dL/dv (outputs: v - y; held nodes: 0), which nodes are held (at
 * a bound), D^-1 (held: 1), and into *bound the largest Gershgorin row sum of H (2 diag at most,
 * held rows 1). */
void FN(adjoint_setup)(const kh_layered *lay, size_t rows, const size_t *off, const double *targets,
                       void *gv, unsigned char *held, void *inv_diagv, double *bound) {
  REAL *g = gv, *inv_diag = inv_diagv;
  size_t L = lay->depth;
  *bound = 0;
  for (size_t l = 1; l <= L; l++) {
    size_t n = lay->width[l], ld = lay->ld[l];
    const REAL *V = layer(lay->V[l]), *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
    const REAL *diag = layer(lay->diag[l]), *cs = layer(lay->colsum[l]);
    const REAL *next = l < L ? layer(lay->rowsum[l + 1]) : NULL;
    for (size_t r = 0; r < rows; r++)
      for (size_t j = 0; j < n; j++) {
        size_t i = rows * off[l] + r * ld + j;
        REAL v = V[r * ld + j];
        held[i] = v <= lo[j] || v >= hi[j];
        g[i] = 0;
        inv_diag[i] = held[i] ? (REAL)1 : (REAL)1 / diag[j];
        double sum = held[i] ? 1.0 : (double)diag[j] + cs[j] + (next ? (double)next[j] : 0);
        *bound = sum > *bound ? sum : *bound;
      }
  }
  size_t ld = lay->ld[L];
  for (size_t r = 0; r < rows; r++)
    for (size_t k = 0; k < lay->outputs; k++) {
      size_t j = lay->out_index[k], i = rows * off[L] + r * ld + j;
      if (!held[i])
        g[i] = (REAL)((double)layer(lay->V[L])[r * ld + j] - targets[r * lay->outputs + k]);
    }
}

/* Copies V's rows [0, rows) of layers 1..L into the batch vector keep (back = 0) or back. */
void FN(keep_rows)(kh_layered *lay, size_t rows, const size_t *off, void *keepv, int back) {
  REAL *keep = keepv;
  for (size_t l = 1; l <= lay->depth; l++) {
    REAL *V = layer(lay->V[l]), *k = keep + rows * off[l];
    size_t bytes = rows * lay->ld[l] * sizeof(REAL);
    if (back)
      memcpy(V, k, bytes);
    else
      memcpy(k, V, bytes);
  }
}

/* SGD from lambda (a batch vector) straight on W: W_l -= step[l] (dL/dW_l summed over the rows),
 * projected onto [lo, hi]; each bias p (a current) theta[p] -= bias_step[p] dL/dI_p; then the
 * sums and per-node terms refreshed. Every layer's conductances must be trainable one to one
 * (lay->full). M, sums: theta_gather's. */
void FN(adjoint_step)(kh_layered *lay, size_t rows, const size_t *off, const void *lambdav,
                      const double *step, const double *bias_step, double *theta, double lo,
                      double hi, void *Mv, double *sums) {
  FN(theta_gather)(lay, rows, off, lambdav, 1, 1, Mv, sums);
  gathered at = gathered_at(lay, Mv, sums);
  for (size_t l = 1; l <= lay->depth; l++) {
    size_t m = lay->width[l - 1], n = lay->width[l], ld = lay->ld[l];
    const REAL *M = at.M[l];
    const double *col = at.col[l], *rowterm = at.row[l];
    /* the step, and W's row and column sums in the order refresh's would take them */
    REAL *W = layer(lay->W[l]), s = (REAL)step[l], wlo = (REAL)lo, whi = (REAL)hi;
    REAL *cs = layer(lay->colsum[l]), *rs = layer(lay->rowsum[l]);
    memset(cs, 0, n * sizeof *cs);
    for (size_t i = 0; i < m; i++) {
      REAL *w = W + i * ld, ri = (REAL)rowterm[i], t = 0;
      const REAL *g = M + i * ld;
      for (size_t j = 0; j < n; j++) {
        REAL x = w[j] - s * (g[j] - (REAL)col[j] - ri);
        x = x < wlo ? wlo : x > whi ? whi : x;
        w[j] = x, t += x, cs[j] += x;
      }
      rs[i] = t;
    }
    for (size_t b = 0; b < lay->bias_count; b++) { /* dL/dI = sign lambda */
      size_t p = lay->bias[b];
      const kh_layered_slot *sl = &lay->param[p];
      if (sl->layer == l) theta[p] -= bias_step[p] * sl->sign * at.node[l][sl->entry];
    }
  }
  FN(refresh)(lay, theta, 0);
}

/* ITD on the layered backend: reverse mode through T odd/even block sweeps of rows [0, rows)
 * from the state V holds (0 V, or the equilibrium), V's layers 1..L saved before every half
 * sweep into X (2T + 1 batch vectors: (2T + 1) x rows x sum ld). A half sweep sets each layer l
 * of its parity to u_l = clip((x_{l-1} W_l + x_{l+1} W_{l+1}^T + cst_l) / diag_l); backwards,
 * ubar_l = xbar_l where u_l lies inside its bounds, xbar_l = 0 (the old value fed nothing), its
 * neighbours get (ubar_l / diag_l) W^T, and W_l's entries (x_{l-1,i} - u_{l,j}) ubar_j / diag_j,
 * W_{l+1}'s (x_{l+1,j} - u_{l,i}) ubar_i / diag_i (diag_l sums them), the biases sign ubar_j /
 * diag_j. The loss is at the last state: g there (targets). Adds dL/dtheta into grad. G: one
 * width[l-1] x ld[l] block per layer (REAL, zeroed here); xbar, a: batch vectors. */
void FN(itd)(kh_layered *lay, size_t rows, const size_t *off, unsigned T, const double *targets,
             void *Xv, void *xbarv, void *av, void *Gv, double *grad) {
  REAL *X = Xv, *xbar = xbarv, *a = av, *G = Gv;
  size_t L = lay->depth, total = 0, goff[KH_LAYERED_MAX + 1];
  for (size_t l = 1; l <= L; l++) total += rows * lay->ld[l];
  for (size_t l = 1, at = 0; l <= L; l++) goff[l] = at, at += lay->width[l - 1] * lay->ld[l];
  for (size_t r = 0; r < rows; r++) lay->beta_row[r] = 0;
  for (unsigned h = 0; h < 2 * T; h++) { /* forward, recording */
    FN(keep_rows)(lay, rows, off, X + (size_t)h * total, 0);
    for (size_t l = h % 2 ? 2 : 1; l <= L; l += 2)
      update_layer(lay, l, 0, rows, 0, lay->width[l], layer(lay->work));
  }
  FN(keep_rows)(lay, rows, off, X + (size_t)2 * T * total, 0);
  memset(xbar, 0, total * sizeof *xbar);
  size_t ld = lay->ld[L];
  const REAL *last = X + (size_t)2 * T * total + rows * off[L];
  for (size_t r = 0; r < rows; r++)
    for (size_t k = 0; k < lay->outputs; k++) {
      size_t j = lay->out_index[k];
      xbar[rows * off[L] + r * ld + j] =
          (REAL)((double)last[r * ld + j] - targets[r * lay->outputs + k]);
    }
  for (size_t l = 1; l <= L; l++)
    memset(G + goff[l], 0, lay->width[l - 1] * lay->ld[l] * sizeof *G);
  for (unsigned h = 2 * T; h-- > 0;) { /* half sweep h took X_h to X_{h+1} */
    const REAL *before = X + (size_t)h * total, *after = X + (size_t)(h + 1) * total;
    for (size_t l = h % 2 ? 2 : 1; l <= L; l += 2) { /* a = ubar / diag; xbar_l = 0 */
      size_t n = lay->width[l], ldl = lay->ld[l];
      const REAL *u = after + rows * off[l], *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
      const REAL *diag = layer(lay->diag[l]);
      REAL *xb = xbar + rows * off[l], *al = a + rows * off[l];
      for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
          REAL v = u[r * ldl + j];
          int inside = v > lo[j] && v < hi[j];
          al[r * ldl + j] = inside ? xb[r * ldl + j] / diag[j] : 0;
          xb[r * ldl + j] = 0;
        }
      for (size_t b = 0; b < lay->bias_count; b++) {
        const kh_layered_slot *s = &lay->param[lay->bias[b]];
        double t = 0;
        for (size_t r = 0; s->layer == l && r < rows; r++) t += al[r * ldl + s->entry];
        grad[lay->bias[b]] += s->sign * t;
      }
    }
    for (size_t l = h % 2 ? 2 : 1; l <= L; l += 2) {
      size_t n = lay->width[l], ldl = lay->ld[l];
      const REAL *al = a + rows * off[l], *u = after + rows * off[l];
      if (l > 1) { /* xbar_{l-1} += a_l W_l^T; W_l: X_{l-1}^T a_l - col(a u) */
        size_t m = lay->width[l - 1], ldm = lay->ld[l - 1];
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)m, (int)n, 1, al, (int)ldl,
             layer(lay->W[l]), (int)ldl, 1, xbar + rows * off[l - 1], (int)ldm);
      }
      if (l < L) { /* xbar_{l+1} += a_l W_{l+1} */
        size_t m = lay->width[l + 1], ldm = lay->ld[l + 1];
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)m, (int)n, 1, al, (int)ldl,
             layer(lay->W[l + 1]), (int)ldm, 1, xbar + rows * off[l + 1], (int)ldm);
      }
      /* W_l (l - 1 below it, held or an input layer): G_l += x_{l-1}^T a_l - 1 (a_l u_l) */
      const REAL *below = l == 1 ? layer(lay->V[0]) : before + rows * off[l - 1];
      size_t m = lay->width[l - 1], ldm = lay->ld[l - 1];
      REAL *Gl = G + goff[l];
      GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)n, (int)rows, 1, below, (int)ldm,
           al, (int)ldl, 1, Gl, (int)ldl);
      for (size_t j = 0; j < n; j++) {
        REAL t = 0;
        for (size_t r = 0; r < rows; r++) t += al[r * ldl + j] * u[r * ldl + j];
        for (size_t i = 0; i < m; i++) Gl[i * ldl + j] -= t;
      }
      if (l < L) { /* W_{l+1}: G_{l+1} += a_l^T x_{l+1} - row(a u) */
        size_t mm = lay->width[l + 1], ldn = lay->ld[l + 1];
        REAL *Gn = G + goff[l + 1];
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)mm, (int)rows, 1, al, (int)ldl,
             before + rows * off[l + 1], (int)ldn, 1, Gn, (int)ldn);
        for (size_t i = 0; i < n; i++) {
          REAL t = 0;
          for (size_t r = 0; r < rows; r++) t += al[r * ldl + i] * u[r * ldl + i];
          for (size_t j = 0; j < mm; j++) Gn[i * ldn + j] -= t;
        }
      }
    }
  }
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (!s->bias) grad[p] += (double)(G + goff[s->layer])[s->entry];
  }
}
