/* OpenBLAS's thread count around the layered backend's calls (layered_impl.h). */
#include "layered_impl.h"

#include <cblas.h>

int kh_layered_blas_serial(void) {
  int before = openblas_get_num_threads();
  openblas_set_num_threads(1);
  return before;
}

void kh_layered_blas_restore(int threads) {
  openblas_set_num_threads(threads);
}
