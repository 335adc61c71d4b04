/* Holomorphic EP's complex phases on the layered backend, for one working type (included at the
 * end of layered_kernels.h, whose helpers it uses). Point k of the contour (lay->holo) has its
 * real parts in rows first + 2 k n + [0, n) and its imaginary parts in the n rows after them (n
 * the batch), so that one real GEMM per neighbouring layer gives both parts' sums. A node the
 * free phase left at a bound stays there at every point (imaginary part 0): the nudged response
 * is continued analytically from the free phase's active set, whose derivative at beta = 0 is
 * the gradient (as kh_model_set_holomorphic_strict's continuation on the native backend).
 * With lay->holo.unit, point 0's rows hold instead the response u = A^-1 P 1 of that linearized
 * network to 1 A into every output (held nodes and inputs at 0 V): it bounds the nudged
 * response's radius of convergence (layered.c, kh_layered_holo_radius). */

void FN(complex_start)(kh_layered *lay) {
  size_t n = lay->holo.batch, first = lay->holo.first, ld1 = lay->ld[1];
  int unit = lay->holo.unit;
  for (unsigned k = 0; k < lay->holo.count; k++) {
    size_t re = first + 2 * k * n, im = re + n;
    for (size_t l = 1; l <= lay->depth; l++) {
      size_t ld = lay->ld[l];
      if (unit)
        memset(layer(lay->V[l]) + re * ld, 0, n * ld * sizeof(REAL));
      else
        memcpy(layer(lay->V[l]) + re * ld, lay->V[l], n * ld * sizeof(REAL));
      memset(layer(lay->V[l]) + im * ld, 0, n * ld * sizeof(REAL));
    }
    /* the inputs are real and clamped: their product is the free rows' in the real parts (0 V
     * in the response) */
    if (unit)
      memset(layer(lay->P) + re * ld1, 0, n * ld1 * sizeof(REAL));
    else
      memcpy(layer(lay->P) + re * ld1, lay->P, n * ld1 * sizeof(REAL));
    memset(layer(lay->P) + im * ld1, 0, n * ld1 * sizeof(REAL));
  }
}

/* Node j at point (br, bi) from its neighbours' sums sr + i si; y its target when an output.
 * The response (holo.unit): 1 A into each output instead of the sources and the nudge. */
static void complex_node(const kh_layered *lay, size_t l, size_t j, double sr, double si, double br,
                         double bi, const double *y, double *xr, double *xi) {
  int k = l == lay->depth ? lay->out_of[j] : -1;
  double nr = sr + (lay->holo.unit ? k >= 0 : (double)layer(lay->cst[l])[j]), ni = si;
  double d = (double)layer(lay->diag[l])[j];
  if (k < 0 || lay->holo.unit) {
    *xr = nr / d, *xi = ni / d;
    return;
  }
  double complex x = (nr + br * y[k] + I * (ni + bi * y[k])) / (d + br + I * bi);
  *xr = creal(x), *xi = cimag(x);
}

/* Layer l of points [k0, k0 + points); S: scratch for their rows' sums. */
static double complex_layer(kh_layered *lay, size_t l, size_t k0, size_t points, REAL *S) {
  size_t n = lay->holo.batch, width = lay->width[l], ld = lay->ld[l];
  size_t first = lay->holo.first + 2 * n * k0;
  REAL *V = layer(lay->V[l]);
  const REAL *lo = layer(lay->lo[l]), *hi = layer(lay->hi[l]);
  neighbour_sums(lay, l, first, 2 * n * points, 0, width, S);
  double change = 0;
  for (size_t p = 0; p < points; p++) {
    double br = lay->holo.points[2 * (k0 + p)], bi = lay->holo.points[2 * (k0 + p) + 1];
    for (size_t r = 0; r < n; r++) {
      size_t re = first + 2 * n * p + r;
      const REAL *v0 = V + r * ld, *sr = S + (re - first) * ld, *si = sr + n * ld;
      REAL *vr = V + re * ld, *vi = vr + n * ld;
      const double *y = lay->target_row + r * lay->outputs;
      for (size_t j = 0; j < width; j++) {
        double xr = lay->holo.unit ? 0 : (double)v0[j], xi = 0;
        if (v0[j] > lo[j] && v0[j] < hi[j])
          complex_node(lay, l, j, (double)sr[j], (double)si[j], br, bi, y, &xr, &xi);
        change = fmax(change, fmax(fabs(xr - (double)vr[j]), fabs(xi - (double)vi[j])));
        vr[j] = (REAL)xr, vi[j] = (REAL)xi;
      }
    }
  }
  return change;
}

static void complex_chunk(void *job_, size_t c, int worker) {
  const sweep_job *job = job_;
  kh_layered *lay = job->lay;
  size_t k0 = c * job->per, N = lay->holo.count, count = N - k0 < job->per ? N - k0 : job->per;
  (void)worker;
  REAL *S = layer(lay->work) + 2 * lay->holo.batch * k0 * lay->ld[job->l];
  lay->chunk_change[c] = complex_layer(lay, job->l, k0, count, S);
}

/* One sweep (odd layers, then even ones) of every point. Points go to threads in fixed chunks
 * of about ROW_CHUNK rows, as rows do in kh_layered_sweep. */
double FN(sweep_complex)(kh_layered *lay) {
  size_t n = lay->holo.batch, N = lay->holo.count;
  size_t per = ROW_CHUNK / (2 * n) ? ROW_CHUNK / (2 * n) : 1;
  sweep_job job = {lay, 0, 0, 0, per, 1};
  return sweep_layers(lay, &job, (N + per - 1) / per, complex_chunk, 0);
}

/* The factors of kh_layered_update for holomorphic EP's estimate on W_l, Re sum_k w_k 1/2 (v_i -
 * v_j)^2 summed over the batch's `count` rows, w_k = e^(-2 pi i k/N) / N (the step divides by
 * |beta|); dsum_j = Re sum w_k v_j for the biases. l = 1: the inputs are real and the same at
 * every point (sum w_k = 0 removes their squares): At = the inputs, C = Re sum_k w_k v (rank
 * count). l >= 2: rt, ct the squares' terms and, per point and row, At = [Re(w a), -Im(w a)]
 * against C = [Re b; Im b] (rank 2 N count). The points' rows follow the free rows [0, count)
 * (after data-parallel sharing, count is the whole batch). Returns the rank. */
size_t FN(holo_factors)(const kh_layered *lay, size_t l, size_t count, void *At, void *C, void *rt,
                        void *ct, double *dsum) {
  size_t m = lay->width[l - 1], n = lay->width[l], N = lay->holo.count, first = count;
  size_t ldm = lay->ld[l - 1], ld = lay->ld[l], K = l == 1 ? count : 2 * N * count;
  const REAL *below = layer(lay->V[l - 1]), *V = layer(lay->V[l]);
  REAL *at = At, *c = C, *rterm = rt, *cterm = ct;
  for (size_t j = 0; j < n; j++) cterm[j] = 0, dsum[j] = 0;
  if (l == 1) memset(c, 0, count * ld * sizeof *c);
  for (size_t k = 0; k < N; k++) {
    REAL wr = (REAL)(cos(2 * M_PI * (double)k / (double)N) / (double)N);
    REAL wi = (REAL)(-sin(2 * M_PI * (double)k / (double)N) / (double)N);
    for (size_t r = 0; r < count; r++) {
      const REAL *b = V + (first + 2 * k * count + r) * ld, *bi = b + count * ld;
      size_t col = 2 * (k * count + r);
      for (size_t j = 0; j < n; j++) {
        REAL pr = wr * b[j] - wi * bi[j], pi = wr * bi[j] + wi * b[j]; /* w b */
        cterm[j] += (REAL)0.5 * (pr * b[j] - pi * bi[j]);
        dsum[j] += (double)pr;
        if (l == 1)
          c[r * ld + j] += pr;
        else
          c[col * ld + j] = b[j], c[(col + 1) * ld + j] = bi[j];
      }
      for (size_t i = 0; l > 1 && i < m; i++) {
        REAL ar = below[(first + 2 * k * count + r) * ldm + i];
        REAL ai = below[(first + (2 * k + 1) * count + r) * ldm + i];
        REAL pr = wr * ar - wi * ai, pi = wr * ai + wi * ar; /* w a */
        at[i * K + col] = pr, at[i * K + col + 1] = -pi;
        rterm[i] = (k == 0 && r == 0 ? 0 : rterm[i]) + (REAL)0.5 * (pr * ar - pi * ai);
      }
    }
  }
  for (size_t i = 0; l == 1 && i < m; i++)
    for (size_t r = 0; r < count; r++) at[i * K + r] = below[r * ldm + i];
  return K;
}
