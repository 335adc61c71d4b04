/* The layered backend's kernels, written once for a working type: layered_f32.c and
 * layered_f64.c include this with REAL, SUFFIX and GEMM defined. Every product of a layer with
 * its neighbours is one BLAS GEMM over the whole minibatch; the SGD update of a conductance
 * matrix is one fused pass over it (kh_layered_update), because at small batches the products
 * that would otherwise build the gradient and then apply it are bound by memory traffic, not
 * arithmetic (docs/layered.md has the measurements). */
#include "layered_impl.h"
#include "layered_small.h"

#include "../circuit/circuit_impl.h"
#include "core/crew.h"

#include <cblas.h>
#include <complex.h>
#include <math.h>
#include <string.h>

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(kh_layered_##name, SUFFIX)

enum { BLOCK = KH_LAYERED_BLOCK };

static REAL *layer(void *p) {
  return (REAL *)p;
}

typedef struct {
  kh_layered *lay;
  size_t rows;
} drive_job;

/* Rows [32 c, 32 c + 32) of P <- V[0] W_1. */
static void drive_chunk(void *job_, size_t c, int worker) {
  const drive_job *job = job_;
  const kh_layered *lay = job->lay;
  size_t n0 = lay->width[0], n1 = lay->width[1], ld0 = lay->ld[0], ld1 = lay->ld[1];
  size_t r0 = c * 32, count = job->rows - r0 < 32 ? job->rows - r0 : 32;
  (void)worker;
  GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)count, (int)n1, (int)n0, 1,
       layer(lay->V[0]) + r0 * ld0, (int)ld0, layer(lay->W[1]), (int)ld1, 0,
       layer(lay->P) + r0 * ld1, (int)ld1);
}

void FN(drive)(kh_layered *lay, size_t rows, const double *x, int product) {
  size_t n0 = lay->width[0], F = lay->features, ld0 = lay->ld[0];
  REAL *U = layer(lay->V[0]);
  double scale = 0;
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < n0; i++) {
      double v = lay->drive_gain[i] * x[r * F + lay->drive_feature[i]];
      U[r * ld0 + i] = (REAL)v;
      scale = fabs(v) > scale ? fabs(v) : scale; /* x is finite (checked): no fmax call */
    }
  lay->input_scale = scale;
  if (!product) return;
  drive_job job = {lay, rows};
  kh_crew_run(lay->crew, (rows + 31) / 32, drive_chunk, &job); /* fixed chunks, as in sweeps */
}

void FN(inputs_t)(const kh_layered *lay, size_t rows, const double *x, void *Ut) {
  size_t n0 = lay->width[0], F = lay->features;
  REAL *u = Ut;
  for (size_t i = 0; i < n0; i++)
    for (size_t r = 0; r < rows; r++)
      u[i * rows + r] = (REAL)(lay->drive_gain[i] * x[r * F + lay->drive_feature[i]]);
}

void FN(factors)(const kh_layered *lay, size_t l, size_t a, size_t b, size_t count, void *At,
                 void *C, void *rt, void *ct, double *dsum) {
  size_t m = lay->width[l - 1], n = lay->width[l], k = l == 1 ? count : 2 * count;
  size_t ldm = lay->ld[l - 1], ld = lay->ld[l];
  const REAL *below = layer(lay->V[l - 1]), *V = layer(lay->V[l]);
  REAL *at = At, *c = C, *rterm = rt, *cterm = ct;
  for (size_t j = 0; j < n; j++) cterm[j] = 0, dsum[j] = 0;
  for (size_t r = 0; r < count; r++)
    for (size_t j = 0; j < n; j++) {
      REAL va = V[(a + r) * ld + j], vb = V[(b + r) * ld + j];
      cterm[j] += (REAL)0.5 * (va * va - vb * vb);
      dsum[j] += (double)va - (double)vb;
      if (l == 1)
        c[r * ld + j] = va - vb;
      else
        c[r * ld + j] = va, c[(count + r) * ld + j] = -vb;
    }
  for (size_t i = 0; i < m; i++) {
    REAL t = 0;
    for (size_t r = 0; r < count; r++) {
      REAL ua = below[(l == 1 ? r : a + r) * ldm + i], ub = below[(l == 1 ? r : b + r) * ldm + i];
      at[i * k + r] = ua;
      if (l > 1) at[i * k + count + r] = ub;
      t += (REAL)0.5 * (ua * ua - ub * ub);
    }
    if (l > 1) rterm[i] = t;
  }
}

/* S = what the neighbours of layer l push into its nodes [j0, j1): sum_k g_jk v_k over both
 * adjacent layers (S indexed like the layer, columns outside [j0, j1) untouched). */
static void neighbour_sums(kh_layered *lay, size_t l, size_t first, size_t rows, size_t j0,
                           size_t j1, REAL *S) {
  size_t L = lay->depth, n = j1 - j0, ld = lay->ld[l];
  int small = rows <= SMALL_ROWS; /* a minibatch's phase: our loops, not BLAS (layered_small.h) */
  if (l == 1) {
    const REAL *P = layer(lay->P) + first * ld;
    for (size_t r = 0; r < rows; r++) memcpy(S + r * ld + j0, P + r * ld + j0, n * sizeof *S);
  } else {
    size_t m = lay->width[l - 1], ldm = lay->ld[l - 1];
    const REAL *A = layer(lay->V[l - 1]) + first * ldm, *B = layer(lay->W[l]) + j0;
    if (small)
      small_nn(rows, A, ldm, B, ld, m, n, S + j0, ld, 0);
    else
      GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)m, 1, A, (int)ldm, B,
           (int)ld, 0, S + j0, (int)ld);
  }
  if (l < L) {
    size_t m = lay->width[l + 1], ldm = lay->ld[l + 1];
    const REAL *A = layer(lay->V[l + 1]) + first * ldm, *B = layer(lay->W[l + 1]) + j0 * ldm;
    if (small && m >= SMALL_TERMS) /* short sums: BLAS (the lanes' sums would dominate) */
      small_nt(rows, A, ldm, B, ldm, m, n, S + j0, ld, 1);
    else
      GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n, (int)m, 1, A, (int)ldm, B,
           (int)ldm, 1, S + j0, (int)ld);
  }
}

/* Node j of row r's exact minimizer: (sum + cst + beta y) / (diag + beta), and the net current
 * into the node at voltage v (for the KKT residual); beta = INFINITY clamps an output at y
 * (coupled learning's clamped phase). */
static void node_terms(const kh_layered *lay, size_t l, size_t r, size_t j, REAL sum, double *num,
                       double *den) {
  *num = (double)sum + (double)layer(lay->cst[l])[j];
  *den = (double)layer(lay->diag[l])[j];
  int k = l == lay->depth ? lay->out_of[j] : -1;
  double beta = lay->beta_row[r];
  if (k >= 0 && isinf(beta)) { /* clamped: a voltage source holds the output at its target */
    *num = lay->target_row[r * lay->outputs + (size_t)k], *den = 1;
    return;
  }
  if (k >= 0 && beta != 0) {
    *num += beta * lay->target_row[r * lay->outputs + (size_t)k];
    *den += beta;
  }
}

/* Node perturbation's probe on `row` (lay->probe): the current it injects into node *j of layer
 * l (probe p is node p of layers 1..L in order; its +delta rows come first, then its -delta
 * rows), or 0 when it probes another layer or the row is not a probe's. */
static double probe_current(const kh_layered *lay, size_t l, size_t row, size_t *j) {
  size_t B = lay->probe.batch;
  if (!lay->probe.delta || row < lay->probe.first) return 0;
  size_t at = row - lay->probe.first, p = at / (2 * B), q = p;
  for (size_t k = 1; k < l; k++) {
    if (q < lay->width[k]) return 0;
    q -= lay->width[k];
  }
  if (q >= lay->width[l]) return 0;
  *j = q;
  return (at / B) % 2 ? -lay->probe.delta[p] : lay->probe.delta[p];
}

/* Nodes [j0, j1) of one row v of layer l from its sums s, `current` into node `probed`; their
 * largest change. */
static double probed_row(const kh_layered *lay, size_t l, REAL *v, const REAL *s, size_t j0,
                         size_t j1, size_t probed, double current) {
  const REAL *cst = layer(lay->cst[l]), *diag = layer(lay->diag[l]);
  const REAL *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
  double change = 0;
  for (size_t j = j0; j < j1; j++) {
    double x = ((double)s[j] + (double)cst[j] + (j == probed ? current : 0)) / (double)diag[j];
    REAL y = (REAL)x;
    y = y < lo[j] ? lo[j] : y > hi[j] ? hi[j] : y;
    change = fmax(change, fabs((double)(y - v[j])));
    v[j] = y;
  }
  return change;
}

/* Nodes [j0, j1) of layer l in rows [first, first + rows); S: scratch for those rows' sums. */
static double update_layer(kh_layered *lay, size_t l, size_t first, size_t rows, size_t j0,
                           size_t j1, REAL *S) {
  size_t n = lay->width[l], ld = lay->ld[l];
  REAL *V = layer(lay->V[l]);
  const REAL *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
  neighbour_sums(lay, l, first, rows, j0, j1, S);
  double change = 0;
  for (size_t row = first; row < first + rows; row++) {
    size_t r = row - first;
    REAL *v = V + row * ld;
    const REAL *s = S + r * ld;
    if (l == lay->depth && lay->beta_row[row] != 0) { /* the nudged output layer */
      for (size_t j = j0; j < j1; j++) {
        double num, den;
        node_terms(lay, l, row, j, s[j], &num, &den);
        REAL x = (REAL)(num / den);
        x = x < lo[j] ? lo[j] : x > hi[j] ? hi[j] : x;
        change = fmax(change, fabs((double)(x - v[j])));
        v[j] = x;
      }
      continue;
    }
    const REAL *cst = layer(lay->cst[l]), *diag = layer(lay->diag[l]);
    size_t probed = n;
    double current = probe_current(lay, l, row, &probed);
    if (probed < n) { /* a probe's row: its node gets the probe's current too */
      change = fmax(change, probed_row(lay, l, v, s, j0, j1, probed, current));
      continue;
    }
    REAL worst = 0;
    /* vectorized: selects and a max reduction, the same bits as one element at a time */
#pragma omp simd reduction(max : worst)
    for (size_t j = j0; j < j1; j++) {
      REAL x = (s[j] + cst[j]) / diag[j], l = lo[j], h = hi[j], u = v[j];
      x = x < l ? l : x > h ? h : x;
      REAL d = x > u ? x - u : u - x;
      worst = d > worst ? d : worst;
      v[j] = x;
    }
    change = fmax(change, (double)worst);
  }
  return change;
}

/* A sweep's work goes to the crew in fixed chunks, each its own products: ROW_CHUNK rows and,
 * for up to SPLIT_ROWS rows, COL_CHUNK nodes of a layer whose products are large (SPLIT_INNER
 * and more terms per sum). The columns matter for small batches: a minibatch of 4 is one row
 * chunk, and DRN-2H's 1024-node layers would otherwise leave all but one thread idle; small
 * products are not worth a job each (DRN-1H's first layer sums 10 outputs), and many rows spread
 * well enough alone. The chunks are a function of the shapes: a node's result depends on its
 * chunk alone, not on the number of threads nor on who claims it. */
enum {
  ROW_CHUNK = KH_LAYERED_ROW_CHUNK,
  COL_CHUNK = KH_LAYERED_COL_CHUNK,
  SPLIT_INNER = 256,
  SPLIT_ROWS = 4 * ROW_CHUNK
};

static size_t column_chunks(const kh_layered *lay, size_t l, size_t rows) {
  size_t inner = (l > 1 ? lay->width[l - 1] : 0) + (l < lay->depth ? lay->width[l + 1] : 0);
  if (inner < SPLIT_INNER || rows > SPLIT_ROWS) return 1;
  return (lay->width[l] + COL_CHUNK - 1) / COL_CHUNK;
}

/* A sweep's job for the crew: layer l of rows [first, first + rows) in chunks of ROW_CHUNK
 * (complex: of `per` points; cols = 1), `cols` column chunks each, each chunk's largest change
 * in lay->chunk_change. */
typedef struct {
  kh_layered *lay;
  size_t l, first, rows, per, cols;
} sweep_job;

static void sweep_chunk(void *job_, size_t c, int worker) {
  const sweep_job *job = job_;
  (void)worker;
  size_t r0 = c / job->cols * ROW_CHUNK, j0 = c % job->cols * COL_CHUNK;
  size_t count = job->rows - r0 < ROW_CHUNK ? job->rows - r0 : ROW_CHUNK,
         n = job->lay->width[job->l];
  size_t j1 = job->cols == 1 || n - j0 < COL_CHUNK ? n : j0 + COL_CHUNK;
  job->lay->chunk_change[c] = update_layer(job->lay, job->l, job->first + r0, count, j0, j1,
                                           layer(job->lay->work) + r0 * job->lay->ld[job->l]);
}

/* Each layer's chunks as one job of the crew, then the largest change; split: in columns too. */
static double sweep_layers(kh_layered *lay, sweep_job *job, size_t chunks,
                           void (*chunk)(void *, size_t, int), int split) {
  double change = 0;
  for (size_t parity = 1; parity <= 2; parity++)
    for (size_t l = parity; l <= lay->depth; l += 2) {
      job->l = l, job->cols = split ? column_chunks(lay, l, job->rows) : 1;
      kh_crew_run(lay->crew, chunks * job->cols, chunk, job);
      for (size_t c = 0; c < chunks * job->cols; c++) change = fmax(change, lay->chunk_change[c]);
    }
  return change;
}

/* Minibatches spread by columns (column_chunks), evaluation by rows. */
double FN(sweep)(kh_layered *lay, size_t first, size_t rows) {
  sweep_job job = {lay, 0, first, rows, 0, 1};
  return sweep_layers(lay, &job, (rows + ROW_CHUNK - 1) / ROW_CHUNK, sweep_chunk, 1);
}

double FN(residual)(kh_layered *lay, size_t first, size_t rows) {
  double worst = 0, scale = 0;
  for (size_t l = 1; l <= lay->depth; l++) {
    size_t n = lay->width[l], ld = lay->ld[l];
    REAL *S = layer(lay->work), *V = layer(lay->V[l]);
    const REAL *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
    neighbour_sums(lay, l, first, rows, 0, n, S);
    for (size_t row = first; row < first + rows; row++)
      for (size_t j = 0; j < n; j++) {
        double num, den, v = (double)V[row * ld + j];
        node_terms(lay, l, row, j, S[(row - first) * ld + j], &num, &den);
        double f = num - den * v;               /* net current into the node, diodes aside */
        if (v <= (double)lo[j]) f = fmax(f, 0); /* a diode may push current in at the bound */
        if (v >= (double)hi[j]) f = fmin(f, 0); /* or draw it out */
        worst = fmax(worst, fabs(f));
        scale = fmax(scale, fabs(num) + den * fabs(v));
      }
  }
  return scale > 0 ? worst / scale : worst;
}

static void sums(kh_layered *lay, size_t l) {
  size_t m = lay->width[l - 1], n = lay->width[l], ld = lay->ld[l];
  const REAL *W = layer(lay->W[l]);
  REAL *cs = layer(lay->colsum[l]), *rs = layer(lay->rowsum[l]);
  memset(cs, 0, n * sizeof *cs);
  for (size_t i = 0; i < m; i++) {
    REAL t = 0;
    for (size_t j = 0; j < n; j++) t += W[i * ld + j], cs[j] += W[i * ld + j];
    rs[i] = t;
  }
}

void FN(refresh)(kh_layered *lay, const double *theta, int recompute) {
  size_t L = lay->depth;
  for (size_t l = 1; recompute && l <= L; l++) sums(lay, l);
  for (size_t l = 1; l <= L; l++) {
    REAL *diag = layer(lay->diag[l]), *cst = layer(lay->cst[l]);
    const REAL *cs = layer(lay->colsum[l]), *next = l < L ? layer(lay->rowsum[l + 1]) : NULL;
    for (size_t j = 0; j < lay->width[l]; j++) {
      diag[j] = (REAL)lay->leak[l][j] + cs[j] + (next ? next[j] : 0);
      cst[j] = (REAL)lay->fixed[l][j];
    }
  }
  for (size_t b = 0; b < lay->bias_count; b++) {
    const kh_layered_slot *s = &lay->param[lay->bias[b]];
    layer(lay->cst[s->layer])[s->entry] += (REAL)(s->sign * theta[lay->bias[b]]);
  }
}

void FN(load)(kh_layered *lay, const double *theta) {
  int every_full = 1;
  for (size_t l = 1; l <= lay->depth; l++) {
    every_full &= lay->full[l];
    if (!lay->full[l]) memset(lay->W[l], 0, lay->width[l - 1] * lay->ld[l] * sizeof(REAL));
  }
  for (size_t e = 0; !every_full && e < lay->element_count; e++) { /* the other layers, summed */
    const kh_layered_element *el = &lay->elements[e];
    if (el->slot.bias || lay->full[el->slot.layer]) continue;
    double g = el->param >= 0 ? theta[el->param] : el->value;
    layer(lay->W[el->slot.layer])[el->slot.entry] += (REAL)g;
  }
  for (size_t l = 1; l <= lay->depth; l++) { /* dense layers: no slots to read */
    if (lay->dense[l] < 0) continue;
    size_t n = lay->width[l], ld = lay->ld[l], si = lay->dense_si[l], sj = lay->dense_sj[l];
    const double *t = theta + lay->dense[l];
    REAL *W = layer(lay->W[l]);
    for (size_t i = 0; i < lay->width[l - 1]; i++)
      for (size_t j = 0; j < n; j++) W[i * ld + j] = (REAL)t[i * si + j * sj];
  }
  for (size_t k = 0; k < lay->loose_count; k++) { /* other full layers: one parameter an entry */
    const kh_layered_slot *s = &lay->param[lay->loose[k]];
    if (!s->bias && lay->full[s->layer])
      layer(lay->W[s->layer])[s->entry] = (REAL)theta[lay->loose[k]];
  }
  FN(refresh)(lay, theta, 1);
}

void FN(from_layout)(const kh_layered *lay, void *const *arrays, double *values) {
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (!s->bias && lay->full[s->layer]) values[p] = (double)layer(arrays[s->layer])[s->entry];
  }
}

void FN(to_layout)(const kh_layered *lay, const double *values, void *const *arrays) {
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (!s->bias && lay->full[s->layer]) layer(arrays[s->layer])[s->entry] = (REAL)values[p];
  }
}

void FN(store)(const kh_layered *lay, double *theta) {
  FN(from_layout)(lay, lay->W, theta);
}

void FN(copy_rows)(kh_layered *lay, size_t from, size_t to, size_t rows) {
  for (size_t l = 1; l <= lay->depth; l++) {
    size_t ld = lay->ld[l];
    memmove(layer(lay->V[l]) + to * ld, layer(lay->V[l]) + from * ld, rows * ld * sizeof(REAL));
  }
  size_t ld1 = lay->ld[1];
  memmove(layer(lay->P) + to * ld1, layer(lay->P) + from * ld1, rows * ld1 * sizeof(REAL));
}

void FN(export)(const kh_layered *lay, size_t r, double *voltages) {
  const kh_circuit *c = lay->c;
  for (size_t node = 0; node < c->node_count; node++) voltages[node] = c->offset[node];
  for (size_t l = 0; l <= lay->depth; l++)
    for (size_t j = 0; j < lay->width[l]; j++)
      voltages[lay->node[l][j]] = (double)layer(lay->V[l])[r * lay->ld[l] + j];
}

void FN(outputs)(const kh_layered *lay, size_t r, double *outputs) {
  size_t L = lay->depth, ld = lay->ld[L];
  for (size_t k = 0; k < lay->outputs; k++)
    outputs[k] = (double)layer(lay->V[L])[r * ld + lay->out_index[k]];
}

/* One row of the fused update: k and next are constants in the common cases (update_rows'
 * switch), so that the loop over the columns keeps every factor in registers and makes one pass
 * over the row. */
static inline __attribute__((always_inline)) REAL
update_row(REAL *restrict wi, size_t ld, size_t n, size_t k, const REAL *restrict a,
           const REAL *restrict C, REAL base, const REAL *restrict ct, REAL step, REAL lo, REAL hi,
           int bounded, int row_sum, REAL *restrict colsum, size_t next, const REAL *restrict u,
           REAL *restrict P, int momentum, REAL *restrict vi, REAL mu, REAL gain) {
  REAL total = 0;
#pragma omp simd reduction(+ : total)
  for (size_t j = 0; j < n; j++) {
    REAL g = ct[j] + base;
    for (size_t r = 0; r < k; r++) g -= a[r] * C[r * ld + j];
    if (momentum) g = vi[j] = mu * vi[j] + gain * g;
    REAL x = wi[j] - step * g;
    x = x < lo ? lo : x;
    if (bounded) x = x > hi ? hi : x;
    wi[j] = x;
    colsum[j] += x;
    if (row_sum) total += x;
    for (size_t r = 0; r < next; r++) P[r * ld + j] += u[r] * x;
  }
  return total;
}

/* Whether any of a[0..k) is not zero (NaN counts: it must reach the parameters). */
static inline int any_nonzero(const REAL *a, size_t k) {
  for (size_t r = 0; r < k; r++)
    if (a[r] != 0) return 1;
  return 0;
}

/* Row i with the rank KV of its gradient and NV rows of the next product: K and NEXT, or 0 where
 * the row's factors are all zero. The first layer's factors are the inputs' voltages, and most
 * of a minibatch's MNIST pixels are 0 V: such a row's products add nothing (an exact zero times
 * a finite factor), so skipping them leaves every bit as it was and saves most of the
 * arithmetic, which bounds this loop. */
#define ROW(KV, NV, K, NEXT, BOUNDED, ROW_SUM, MOMENTUM)                                           \
  update_row(W + i * ld, ld, n, KV, At + i * (K), C, rt ? rt[i] : 0, ct, step, lo, hi, BOUNDED,    \
             ROW_SUM, part, NV, Ut + i * (NEXT), part + ld, MOMENTUM,                              \
             MOMENTUM ? Vel + i * ld : NULL, mu, gain)
#define ROWS_LOOP(K, NEXT, BOUNDED, ROW_SUM, MOMENTUM)                                             \
  for (size_t i = i0; i < i1; i++) {                                                               \
    int a_ = any_nonzero(At + i * (K), K), u_ = any_nonzero(Ut + i * (NEXT), NEXT);                \
    REAL t = a_ ? (u_ ? ROW(K, NEXT, K, NEXT, BOUNDED, ROW_SUM, MOMENTUM)                          \
                      : ROW(K, 0, K, NEXT, BOUNDED, ROW_SUM, MOMENTUM))                            \
                : (u_ ? ROW(0, NEXT, K, NEXT, BOUNDED, ROW_SUM, MOMENTUM)                          \
                      : ROW(0, 0, K, NEXT, BOUNDED, ROW_SUM, MOMENTUM));                           \
    if (ROW_SUM) rowsum[i] = t;                                                                    \
  }

/* Rows [i0, i1) of the fused update (see layered_impl.h); part gets the rows' column sums and,
 * after them, their share of the next input product (next_rows rows), each ld long. The first
 * layer's update (k = batch, next = batch, no upper bound, row sums unused: layer 0 is clamped)
 * is the hot loop of training; it and the deeper layers' get their own compiled copies. */
CLONES static void update_rows(REAL *restrict W, size_t ld, size_t n, size_t i0, size_t i1,
                               size_t k, const REAL *restrict At, const REAL *restrict C,
                               const REAL *restrict rt, const REAL *restrict ct, REAL step, REAL lo,
                               REAL hi, REAL *restrict rowsum, size_t next_rows,
                               const REAL *restrict Ut, REAL *restrict part, REAL *restrict Vel,
                               REAL mu, REAL gain) {
  memset(part, 0, (1 + next_rows) * ld * sizeof *part);
  int bounded = isfinite(hi), sums = rowsum != NULL;
  if (Vel)
    ROWS_LOOP(k, next_rows, bounded, sums, 1)
  else if (k == 4 && next_rows == 4 && !bounded && !sums)
    ROWS_LOOP(4, 4, 0, 0, 0)
  else if (k == 8 && next_rows == 0 && !bounded && sums)
    ROWS_LOOP(8, 0, 0, 1, 0)
  else
    ROWS_LOOP(k, next_rows, bounded, sums, 0)
}

/* The same for a large rank k (minibatches of 16 and more): the rank-k product and the next
 * input product are BLAS GEMMs on the block, which run near the machine's peak at that size,
 * and the step is one elementwise pass. G: BLOCK x ld scratch. */
static inline __attribute__((always_inline)) void
apply_rows_with(REAL *restrict W, size_t ld, size_t n, size_t rows, const REAL *restrict G,
                const REAL *restrict rt, const REAL *restrict ct, REAL step, REAL lo, REAL hi,
                REAL *restrict rowsum, REAL *restrict colsum, int momentum, REAL *restrict Vel,
                REAL mu, REAL gain) {
  for (size_t i = 0; i < rows; i++) {
    REAL *restrict wi = W + i * ld, *restrict vi = momentum ? Vel + i * ld : NULL;
    REAL base = rt ? rt[i] : 0, total = 0;
    const REAL *restrict gi = G + i * ld;
#pragma omp simd reduction(+ : total)
    for (size_t j = 0; j < n; j++) {
      REAL g = ct[j] + base - gi[j];
      if (momentum) g = vi[j] = mu * vi[j] + gain * g;
      REAL x = wi[j] - step * g;
      x = x < lo ? lo : x;
      x = x > hi ? hi : x;
      wi[j] = x;
      colsum[j] += x;
      total += x;
    }
    if (rowsum) rowsum[i] = total;
  }
}

CLONES static void apply_rows(REAL *restrict W, size_t ld, size_t n, size_t rows,
                              const REAL *restrict G, const REAL *restrict rt,
                              const REAL *restrict ct, REAL step, REAL lo, REAL hi,
                              REAL *restrict rowsum, REAL *restrict colsum, REAL *restrict Vel,
                              REAL mu, REAL gain) {
  if (Vel)
    apply_rows_with(W, ld, n, rows, G, rt, ct, step, lo, hi, rowsum, colsum, 1, Vel, mu, gain);
  else
    apply_rows_with(W, ld, n, rows, G, rt, ct, step, lo, hi, rowsum, colsum, 0, NULL, 0, 0);
}

static void update_rows_gemm(REAL *W, size_t ld, size_t n, size_t i0, size_t i1, size_t k,
                             const REAL *At, const REAL *C, const REAL *rt, const REAL *ct,
                             REAL step, REAL lo, REAL hi, REAL *rowsum, size_t next_rows,
                             const REAL *Ut, REAL *part, REAL *G, REAL *Vel, REAL mu, REAL gain) {
  size_t rows = i1 - i0;
  memset(part, 0, (1 + next_rows) * ld * sizeof *part);
  GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)k, 1, At + i0 * k, (int)k,
       C, (int)ld, 0, G, (int)ld);
  apply_rows(W + i0 * ld, ld, n, rows, G, rt ? rt + i0 : NULL, ct, step, lo, hi,
             rowsum ? rowsum + i0 : NULL, part, Vel ? Vel + i0 * ld : NULL, mu, gain);
  if (next_rows)
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)next_rows, (int)n, (int)rows, 1,
         Ut + i0 * next_rows, (int)next_rows, W + i0 * ld, (int)ld, 1, part + ld, (int)ld);
}

enum { GEMM_RANK = 16 }; /* from this rank on, the update's products go to BLAS */

size_t FN(update_workspace)(const kh_layered *lay, size_t next_rows, int threads) {
  size_t blocks = (lay->max_width + BLOCK - 1) / BLOCK;
  return (blocks * (1 + next_rows) + (size_t)(threads > 0 ? threads : 1) * BLOCK) * lay->max_ld *
         sizeof(REAL);
}

/* The update's job for the crew: one block of BLOCK rows per item (update_block). */
typedef struct {
  kh_layered *lay;
  size_t l, k, m, next_rows, stride;
  const REAL *At, *C, *rt, *ct, *Ut;
  REAL step, lo, hi, *rowsum, *part, *scratch;
  REAL *velocity, mu, gain; /* momentum (velocity NULL: none) */
} update_job;

static void update_block(void *job_, size_t b, int worker) {
  const update_job *j = job_;
  const kh_layered *lay = j->lay;
  size_t ld = lay->ld[j->l], n = lay->width[j->l];
  size_t i0 = b * BLOCK, i1 = i0 + BLOCK < j->m ? i0 + BLOCK : j->m;
  if (j->k >= GEMM_RANK)
    update_rows_gemm(layer(lay->W[j->l]), ld, n, i0, i1, j->k, j->At, j->C, j->rt, j->ct, j->step,
                     j->lo, j->hi, j->rowsum, j->next_rows, j->Ut, j->part + b * j->stride,
                     j->scratch + (size_t)worker * BLOCK * lay->max_ld, j->velocity, j->mu,
                     j->gain);
  else
    update_rows(layer(lay->W[j->l]), ld, n, i0, i1, j->k, j->At, j->C, j->rt, j->ct, j->step, j->lo,
                j->hi, j->rowsum, j->next_rows, j->Ut, j->part + b * j->stride, j->velocity, j->mu,
                j->gain);
}

/* Rows go to threads in fixed blocks, each with its own partial sums, added in block order:
 * the result depends neither on the number of threads nor on which thread claims a block (the
 * crew: no thread waits for another to arrive, core/crew.h). (Splitting the columns instead
 * makes two cores write neighbouring parts of the same rows, which costs them several times the
 * update itself here.) */
void FN(update)(kh_layered *lay, size_t l, size_t k, const void *At, const void *C, const void *rt,
                const void *ct, double step, const kh_layered_momentum *momentum, double lo,
                double hi, size_t next_rows, const void *Ut, void *workspace, int threads) {
  size_t m = lay->width[l - 1], n = lay->width[l], ld = lay->ld[l];
  size_t blocks = (m + BLOCK - 1) / BLOCK, stride = (1 + next_rows) * ld;
  size_t all_blocks = (lay->max_width + BLOCK - 1) / BLOCK;
  REAL *part = workspace, *colsum = layer(lay->colsum[l]), *P = layer(lay->P);
  (void)threads; /* the crew's (kh_layered_set_threads); the workspace has its scratch */
  update_job job = {lay,
                    l,
                    k,
                    m,
                    next_rows,
                    stride,
                    At,
                    C,
                    rt,
                    ct,
                    Ut,
                    (REAL)(momentum ? momentum->rate : step),
                    (REAL)lo,
                    isfinite(hi) ? (REAL)hi : (REAL)INFINITY,
                    l > 1 ? layer(lay->rowsum[l]) : NULL,
                    part,
                    part + all_blocks * (1 + next_rows) * lay->max_ld /* per thread: G */,
                    momentum ? layer(momentum->velocity) : NULL,
                    momentum ? (REAL)momentum->mu : 0,
                    momentum ? (REAL)momentum->gain : 0};
  kh_crew_run(lay->crew, blocks, update_block, &job);
  for (size_t q = 0; q <= next_rows; q++) { /* the blocks' sums, in block order */
    REAL *restrict out = q ? P + (q - 1) * ld : colsum;
    for (size_t j = 0; j < n; j++) out[j] = 0;
    for (size_t b = 0; b < blocks; b++) {
      const REAL *restrict p = part + b * stride + q * ld;
#pragma omp simd
      for (size_t j = 0; j < n; j++) out[j] += p[j];
    }
  }
}

#include "layered_complex.h"
