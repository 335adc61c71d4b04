#include "partition.h"

#include "core/context.h"

size_t kh_partition_share(const kh_partition *part, int p, size_t n, size_t *count) {
  size_t r = (size_t)p, size = (size_t)part->size, first = n * r / size;
  *count = n * (r + 1) / size - first;
  return first;
}

kh_status kh_partition_combine(kh_context *ctx, const kh_partition *part, double *sums,
                               size_t count, double *max) {
  if (part->size == 1) return KH_OK;
  kh_status st = part->sum(part->state, sums, count);
  if (st == KH_OK && max) st = part->max(part->state, max, 1);
  return st == KH_OK ? KH_OK : kh_fail(ctx, st, "combining results across processes");
}
