/* Data-parallel training's bookkeeping, shared by both trainers (private to learning/): which
 * rows of a batch each process solves, and sums across the processes (kh_partition). */
#ifndef KH_LEARNING_PARTITION_H
#define KH_LEARNING_PARTITION_H

#include "kirchhoff/train.h"

/* Process p's share of n items, [first, first + *count): contiguous, in process order. */
size_t kh_partition_share(const kh_partition *part, int p, size_t n, size_t *count);
/* Sums `count` values across the processes, and takes the maximum of *max when given (one
 * process: nothing to do). */
kh_status kh_partition_combine(kh_context *ctx, const kh_partition *part, double *sums,
                               size_t count, double *max);

#endif
