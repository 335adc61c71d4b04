/* The layered backend's kernels in double precision. */
#define REAL double
#define SUFFIX f64
#define GEMM cblas_dgemm
#include "layered_kernels.h"
#include "layered_adjoint.h"
