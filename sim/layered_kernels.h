/* The layered backend's kernels, written once for a working type: layered_f32.c and
 * layered_f64.c include this with REAL, SUFFIX and GEMM defined. Every product of a layer with
 * its neighbours is one BLAS GEMM over the whole minibatch; the SGD update of a conductance
 * matrix is one fused pass over it (kh_layered_update), because at small batches the products
 * that would otherwise build the gradient and then apply it are bound by memory traffic, not
 * arithmetic (docs/layered.md has the measurements). */
#include "layered_impl.h"

#include "circuit_impl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(kh_layered_##name, SUFFIX)

enum { BLOCK = KH_LAYERED_BLOCK };

static REAL *layer(void *p) {
  return (REAL *)p;
}

void FN(drive)(kh_layered *lay, size_t rows, const double *x) {
  size_t n0 = lay->width[0], n1 = lay->width[1], F = lay->features;
  REAL *U = layer(lay->V[0]);
  double scale = 0;
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < n0; i++) {
      double v = lay->drive_gain[i] * x[r * F + lay->drive_feature[i]];
      U[r * n0 + i] = (REAL)v;
      scale = fmax(scale, fabs(v));
    }
  lay->input_scale = scale;
  GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n1, (int)n0, 1, U, (int)n0,
       layer(lay->W[1]), (int)n1, 0, layer(lay->P), (int)n1);
}

/* S = what the neighbours of layer l push into it: sum_k g_jk v_k over both adjacent layers. */
static void neighbour_sums(kh_layered *lay, size_t l, size_t rows, REAL *S) {
  size_t L = lay->depth, n = lay->width[l];
  if (l == 1) {
    memcpy(S, lay->P, rows * n * sizeof *S);
  } else {
    size_t m = lay->width[l - 1];
    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)m, 1,
         layer(lay->V[l - 1]), (int)m, layer(lay->W[l]), (int)n, 0, S, (int)n);
  }
  if (l < L) {
    size_t m = lay->width[l + 1];
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n, (int)m, 1,
         layer(lay->V[l + 1]), (int)m, layer(lay->W[l + 1]), (int)m, 1, S, (int)n);
  }
}

/* Node j of row r's exact minimizer: (sum + cst + beta y) / (diag + beta), and the net current
 * into the node at voltage v (for the KKT residual). */
static void node_terms(const kh_layered *lay, size_t l, size_t r, size_t j, REAL sum, double *num,
                       double *den) {
  *num = (double)sum + (double)layer(lay->cst[l])[j];
  *den = (double)layer(lay->diag[l])[j];
  int k = l == lay->depth ? lay->out_of[j] : -1;
  double beta = lay->beta_row[r];
  if (k >= 0 && beta != 0) {
    *num += beta * lay->target_row[r * lay->outputs + (size_t)k];
    *den += beta;
  }
}

static double update_layer(kh_layered *lay, size_t l, size_t rows) {
  size_t n = lay->width[l];
  REAL *S = layer(lay->work), *V = layer(lay->V[l]);
  const REAL *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
  neighbour_sums(lay, l, rows, S);
  double change = 0;
  for (size_t r = 0; r < rows; r++) {
    REAL *v = V + r * n;
    const REAL *s = S + r * n;
    if (l == lay->depth && lay->beta_row[r] != 0) { /* the nudged output layer */
      for (size_t j = 0; j < n; j++) {
        double num, den;
        node_terms(lay, l, r, j, s[j], &num, &den);
        REAL x = (REAL)(num / den);
        x = x < lo[j] ? lo[j] : x > hi[j] ? hi[j] : x;
        change = fmax(change, fabs((double)(x - v[j])));
        v[j] = x;
      }
      continue;
    }
    const REAL *cst = layer(lay->cst[l]), *diag = layer(lay->diag[l]);
    REAL worst = 0;
    for (size_t j = 0; j < n; j++) {
      REAL x = (s[j] + cst[j]) / diag[j];
      x = x < lo[j] ? lo[j] : x > hi[j] ? hi[j] : x;
      REAL d = x > v[j] ? x - v[j] : v[j] - x;
      worst = d > worst ? d : worst;
      v[j] = x;
    }
    change = fmax(change, (double)worst);
  }
  return change;
}

double FN(sweep)(kh_layered *lay, size_t rows) {
  double change = 0;
  for (size_t parity = 1; parity <= 2; parity++)
    for (size_t l = parity; l <= lay->depth; l += 2)
      change = fmax(change, update_layer(lay, l, rows));
  return change;
}

double FN(residual)(kh_layered *lay, size_t rows) {
  double worst = 0, scale = 0;
  for (size_t l = 1; l <= lay->depth; l++) {
    size_t n = lay->width[l];
    REAL *S = layer(lay->work), *V = layer(lay->V[l]);
    const REAL *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
    neighbour_sums(lay, l, rows, S);
    for (size_t r = 0; r < rows; r++)
      for (size_t j = 0; j < n; j++) {
        double num, den, v = (double)V[r * n + j];
        node_terms(lay, l, r, j, S[r * n + j], &num, &den);
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
  size_t m = lay->width[l - 1], n = lay->width[l];
  const REAL *W = layer(lay->W[l]);
  REAL *cs = layer(lay->colsum[l]), *rs = layer(lay->rowsum[l]);
  memset(cs, 0, n * sizeof *cs);
  for (size_t i = 0; i < m; i++) {
    REAL t = 0;
    for (size_t j = 0; j < n; j++) t += W[i * n + j], cs[j] += W[i * n + j];
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
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (s->bias) layer(lay->cst[s->layer])[s->entry] += (REAL)(s->sign * theta[p]);
  }
}

void FN(load)(kh_layered *lay, const double *theta) {
  for (size_t l = 1; l <= lay->depth; l++)
    memset(lay->W[l], 0, lay->width[l - 1] * lay->width[l] * sizeof(REAL));
  for (size_t e = 0; e < lay->element_count; e++) {
    const kh_layered_element *el = &lay->elements[e];
    if (el->slot.bias) continue;
    double g = el->param >= 0 ? theta[el->param] : el->value;
    layer(lay->W[el->slot.layer])[el->slot.entry] += (REAL)g;
  }
  FN(refresh)(lay, theta, 1);
}

void FN(store)(const kh_layered *lay, double *theta) {
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (!s->bias && lay->full[s->layer]) theta[p] = (double)layer(lay->W[s->layer])[s->entry];
  }
}

void FN(copy_rows)(kh_layered *lay, size_t from, size_t to, size_t rows) {
  for (size_t l = 1; l <= lay->depth; l++) {
    size_t n = lay->width[l];
    memmove(layer(lay->V[l]) + to * n, layer(lay->V[l]) + from * n, rows * n * sizeof(REAL));
  }
}

void FN(export)(const kh_layered *lay, size_t r, double *voltages) {
  const kh_circuit *c = lay->c;
  for (size_t node = 0; node < c->node_count; node++) voltages[node] = c->offset[node];
  for (size_t l = 0; l <= lay->depth; l++)
    for (size_t j = 0; j < lay->width[l]; j++)
      voltages[lay->node[l][j]] = (double)layer(lay->V[l])[r * lay->width[l] + j];
}

void FN(outputs)(const kh_layered *lay, size_t r, double *outputs) {
  size_t L = lay->depth, n = lay->width[L];
  for (size_t k = 0; k < lay->outputs; k++)
    outputs[k] = (double)layer(lay->V[L])[r * n + lay->out_index[k]];
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) &&                  \
    !defined(__clang__)
/* The same loop for the vector units this CPU has (picked once at load time). */
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

/* Columns [j0, j1) of the fused update (see layered_impl.h). */
CLONES static void update_block(REAL *restrict W, size_t m, size_t n, size_t j0, size_t j1,
                                size_t k, const REAL *restrict At, const REAL *restrict C,
                                const REAL *restrict rt, const REAL *restrict ct, REAL step,
                                REAL lo, REAL hi, REAL *restrict colsum, REAL *restrict rowsum,
                                size_t next_rows, const REAL *restrict Ut, REAL *restrict P) {
  REAL g[BLOCK];
  size_t w = j1 - j0;
  for (size_t j = 0; j < w; j++) colsum[j0 + j] = 0;
  for (size_t r = 0; r < next_rows; r++)
    for (size_t j = 0; j < w; j++) P[r * n + j0 + j] = 0;
  for (size_t i = 0; i < m; i++) {
    REAL *restrict wi = W + i * n + j0, base = rt ? rt[i] : 0, total = 0;
#pragma omp simd
    for (size_t j = 0; j < w; j++) g[j] = ct[j0 + j] + base;
    for (size_t r = 0; r < k; r++) {
      REAL a = At[i * k + r];
      const REAL *restrict cr = C + r * n + j0;
#pragma omp simd
      for (size_t j = 0; j < w; j++) g[j] -= a * cr[j];
    }
#pragma omp simd reduction(+ : total)
    for (size_t j = 0; j < w; j++) {
      REAL x = wi[j] - step * g[j];
      x = x < lo ? lo : x;
      x = x > hi ? hi : x;
      wi[j] = x;
      colsum[j0 + j] += x;
      total += x;
    }
    rowsum[i] = total;
    for (size_t r = 0; r < next_rows; r++) {
      REAL u = Ut[i * next_rows + r];
      REAL *restrict pr = P + r * n + j0;
#pragma omp simd
      for (size_t j = 0; j < w; j++) pr[j] += u * wi[j];
    }
  }
}

void FN(update)(kh_layered *lay, size_t l, size_t k, const void *At, const void *C, const void *rt,
                const void *ct, double step, double lo, double hi, size_t next_rows, const void *Ut,
                int threads) {
  size_t m = lay->width[l - 1], n = lay->width[l], blocks = (n + BLOCK - 1) / BLOCK;
  REAL *partial = layer(lay->rowsum_blocks), *rs = layer(lay->rowsum[l]);
  REAL rlo = (REAL)lo, rhi = isfinite(hi) ? (REAL)hi : (REAL)INFINITY;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && blocks > 1)
  for (size_t b = 0; b < blocks; b++) {
    size_t j0 = b * BLOCK, j1 = j0 + BLOCK < n ? j0 + BLOCK : n;
    update_block(layer(lay->W[l]), m, n, j0, j1, k, At, C, rt, ct, (REAL)step, rlo, rhi,
                 layer(lay->colsum[l]), partial + b * m, next_rows, Ut, layer(lay->P));
  }
  for (size_t i = 0; i < m; i++) { /* blocks summed in a fixed order */
    REAL t = 0;
    for (size_t b = 0; b < blocks; b++) t += partial[b * m + i];
    rs[i] = t;
  }
}
