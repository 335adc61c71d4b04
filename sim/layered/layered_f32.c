/* The layered backend's kernels in single precision. */
#define REAL float
#define SUFFIX f32
#define GEMM cblas_sgemm
#include "layered_kernels.h"
#include "layered_adjoint.h"
