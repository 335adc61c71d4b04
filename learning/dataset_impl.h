/* Data sets as learning/ keeps them (private): row-major features, one label per sample. */
#ifndef KH_LEARNING_DATASET_IMPL_H
#define KH_LEARNING_DATASET_IMPL_H

#include "kirchhoff/dataset.h"

struct kh_dataset {
  size_t count, features, classes;
  double *x; /* count * features */
  unsigned *label;
  int images;
  char *name; /* where the samples came from, for messages */
};

/* An empty data set of the given shape (x and label allocated). */
kh_status kh_dataset_alloc(kh_context *ctx, kh_dataset **out, size_t count, size_t features);
kh_status kh_dataset_load_csv(kh_context *ctx, kh_dataset **out, const char *path);
kh_status kh_dataset_load_idx(kh_context *ctx, kh_dataset **out, const char *dir, int test);

#endif
