/* Products of a few rows with a wide matrix, for the sweeps of a minibatch's phases (4 free rows,
 * 8 nudged ones): S = A B and S += A Bt with A of R <= SMALL_ROWS rows. OpenBLAS packs B for
 * every call and runs these shapes at 31-70 GFLOP/s on one core of the project's machine (4 or
 * 8 rows against a 1024 x 128 block of DRN-2H's middle matrix); these loops keep a tile of S for
 * all R rows in vector registers while B streams by once, and run the same shapes at 97-190
 * GFLOP/s (NoTrans) and 59-97 GFLOP/s (Trans), docs/layered.md. Each sum is taken in one fixed
 * order, so a row's result depends on its chunk alone. The handle's rows are padded with zeros
 * to whole 64-byte lines (layered_impl.h's ld), which the loops read as whole vectors at a
 * layer's right edge. Included by layered_kernels.h with REAL defined. */
#include <stddef.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) &&                  \
    !defined(__clang__)
/* The same loop for the vector units this CPU has (picked once at load time). */
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

enum { SMALL_ROWS = 8, LANES = 64 / sizeof(REAL), TILE = 2 * LANES, SMALL_TERMS = 4 * LANES };

/* Columns [j0, j0 + w) of S = (add ? S : 0) + A B, w <= width; width (LANES or TILE) is a
 * constant, so the R x width sums stay in registers; B is read width columns wide. */
static inline __attribute__((always_inline)) void
nn_tile(size_t R, size_t width, const REAL *restrict A, size_t lda, const REAL *restrict B,
        size_t ldb, size_t K, size_t j0, size_t w, REAL *restrict S, size_t lds, int add) {
  REAL acc[SMALL_ROWS][TILE];
  for (size_t r = 0; r < R; r++)
    for (size_t j = 0; j < width; j++) acc[r][j] = add && j < w ? S[r * lds + j0 + j] : 0;
  for (size_t k = 0; k < K; k++) {
    const REAL *restrict b = B + k * ldb + j0;
    for (size_t r = 0; r < R; r++) {
      REAL a = A[r * lda + k];
#pragma omp simd
      for (size_t j = 0; j < width; j++) acc[r][j] += a * b[j];
    }
  }
  for (size_t r = 0; r < R; r++)
    for (size_t j = 0; j < w; j++) S[r * lds + j0 + j] = acc[r][j];
}

static inline __attribute__((always_inline)) void nn_rows(size_t R, const REAL *A, size_t lda,
                                                          const REAL *B, size_t ldb, size_t K,
                                                          size_t n, REAL *S, size_t lds, int add) {
  size_t j0 = 0;
  for (; j0 + TILE <= n; j0 += TILE) nn_tile(R, TILE, A, lda, B, ldb, K, j0, TILE, S, lds, add);
  if (n - j0 > LANES)
    nn_tile(R, TILE, A, lda, B, ldb, K, j0, n - j0, S, lds, add);
  else if (j0 < n)
    nn_tile(R, LANES, A, lda, B, ldb, K, j0, n - j0, S, lds, add);
}

#if defined(__GNUC__) && !defined(__clang__) /* clang has no such warning (and would flag it) */
#pragma GCC diagnostic push /* acc's rows and columns beyond R and Q are neither set nor read */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/* Rows [i, i + Q) of B: S[r, i + q] = (add ? S : 0) + sum_k A[r k] B[(i + q) ldb + k], the k
 * sums in LANES partial sums added in lane order; K is read in whole vectors. */
static inline __attribute__((always_inline)) void
nt_group(size_t R, size_t Q, const REAL *restrict A, size_t lda, const REAL *restrict B, size_t ldb,
         size_t K, size_t i, REAL *restrict S, size_t lds, int add) {
  REAL acc[SMALL_ROWS][4][LANES];
  for (size_t r = 0; r < R; r++)
    for (size_t q = 0; q < Q; q++)
      for (size_t j = 0; j < LANES; j++) acc[r][q][j] = 0;
  for (size_t k = 0; k < K; k += LANES)
    for (size_t q = 0; q < Q; q++) {
      const REAL *restrict b = B + (i + q) * ldb + k;
      for (size_t r = 0; r < R; r++) {
        const REAL *restrict a = A + r * lda + k;
#pragma omp simd
        for (size_t j = 0; j < LANES; j++) acc[r][q][j] += a[j] * b[j];
      }
    }
  for (size_t r = 0; r < R; r++)
    for (size_t q = 0; q < Q; q++) {
      REAL t = add ? S[r * lds + i + q] : 0;
      for (size_t j = 0; j < LANES; j++) t += acc[r][q][j];
      S[r * lds + i + q] = t;
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static inline __attribute__((always_inline)) void nt_rows(size_t R, const REAL *A, size_t lda,
                                                          const REAL *B, size_t ldb, size_t K,
                                                          size_t n, REAL *S, size_t lds, int add) {
  size_t Q = R <= 4 ? 4 : 2, i = 0; /* R Q sums: 16 vector registers at most */
  for (; i + Q <= n; i += Q) nt_group(R, Q, A, lda, B, ldb, K, i, S, lds, add);
  for (; i < n; i++) nt_group(R, 1, A, lda, B, ldb, K, i, S, lds, add);
}

#define SMALL_CASE(R, fn)                                                                          \
  case R:                                                                                          \
    fn(R, A, lda, B, ldb, K, n, S, lds, add);                                                      \
    break;
#define SMALL_CASES(fn)                                                                            \
  SMALL_CASE(1, fn)                                                                                \
  SMALL_CASE(2, fn)                                                                                \
  SMALL_CASE(3, fn)                                                                                \
  SMALL_CASE(4, fn) SMALL_CASE(5, fn) SMALL_CASE(6, fn) SMALL_CASE(7, fn) SMALL_CASE(8, fn)

/* S (rows x n, lds) = (add ? S : 0) + A (rows x K) B (K x n, ldb); rows <= SMALL_ROWS. B's rows
 * are read to the end of their 64-byte line past column n. */
CLONES static void small_nn(size_t rows, const REAL *A, size_t lda, const REAL *B, size_t ldb,
                            size_t K, size_t n, REAL *S, size_t lds, int add) {
  switch (rows) { SMALL_CASES(nn_rows) }
}

/* S (rows x n) = (add ? S : 0) + A (rows x K) Bt, B (n x K, ldb); rows <= SMALL_ROWS; A's and
 * B's rows are read to the end of their 64-byte line past column K. Each sum ends by adding
 * its LANES partial sums, so it pays for K >= SMALL_TERMS only. */
CLONES static void small_nt(size_t rows, const REAL *A, size_t lda, const REAL *B, size_t ldb,
                            size_t K, size_t n, REAL *S, size_t lds, int add) {
  switch (rows) { SMALL_CASES(nt_rows) }
}
