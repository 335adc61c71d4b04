/* The trace's per-epoch scalar series, in row order: the one layout the writer (trace.c) and
 * the readers (trace_read.c, which truncates them on resume) share. */
#include "trace_impl.h"

const char *const kh_trace_scalars[KH_TRACE_SCALARS] = {
    "metrics/train_loss",       "metrics/test_loss",     "metrics/train_error",
    "metrics/test_error",       "metrics/epoch_seconds", "metrics/beta",
    "solver/newton_iterations", "solver/solves",         "solver/max_relative_residual"};
