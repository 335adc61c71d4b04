/* Shared between the trace writer and reader (private): the datasets with one value per epoch. */
#ifndef KH_LEARNING_TRACE_IMPL_H
#define KH_LEARNING_TRACE_IMPL_H

#include "kirchhoff/trace.h"

enum { KH_TRACE_SCALARS = 9 };
/* train_loss, test_loss, train_error, test_error, epoch_seconds, beta (in /metrics), then
 * newton_iterations, solves, max_relative_residual (in /solver). */
extern const char *const kh_trace_scalars[KH_TRACE_SCALARS];

/* Restores the trainer from the checkpoint of the trace at path (n parameters) and cuts every
 * per-epoch dataset back to the checkpoint's epoch. */
kh_status kh_trace_resume_file(kh_context *ctx, const char *path, kh_trainer *t, size_t n);

#endif
