/* The GEMM rates the layered backend's work is measured against (bench/drn.sh): OpenBLAS sgemm
 * and dgemm on square 1024 matrices (the machine's arithmetic peak for this kind of work) and at
 * the shape of a DRN-1H first-layer product for a minibatch of B rows (B x 1568 times
 * 1568 x 1024), where the product is bound by reading the matrix, not by arithmetic.
 * Usage: gemm_peak THREADS [B...]; prints "name GFLOP/s" lines. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* GFLOP/s of C = A B with A m x k, B k x n, over at least 0.3 s. */
static double rate(int single, int m, int k, int n) {
  size_t bytes = single ? sizeof(float) : sizeof(double);
  void *a = calloc((size_t)m * k, bytes), *b = calloc((size_t)k * n, bytes);
  void *c = calloc((size_t)m * n, bytes);
  if (!a || !b || !c) return 0;
  double t0 = now(), t = 0;
  long reps = 0;
  while ((t = now() - t0) < 0.3 || reps < 3) {
    if (single)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
    else
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
    reps++;
  }
  free(a), free(b), free(c);
  return 2.0 * m * k * n * (double)reps / t / 1e9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  openblas_set_num_threads(threads > 0 ? threads : 1);
  printf("sgemm_peak %.1f\ndgemm_peak %.1f\n", rate(1, 1024, 1024, 1024),
         rate(0, 1024, 1024, 1024));
  for (int i = 2; i < argc; i++) {
    int B = atoi(argv[i]);
    printf("sgemm_batch%d %.1f\ndgemm_batch%d %.1f\n", B, rate(1, B, 1568, 1024), B,
           rate(0, B, 1568, 1024));
  }
  return 0;
}
