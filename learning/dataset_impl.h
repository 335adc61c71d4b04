/* Data sets as learning/ keeps them (private): row-major features, one label per sample. */
#ifndef KH_LEARNING_DATASET_IMPL_H
#define KH_LEARNING_DATASET_IMPL_H

#include "kirchhoff/dataset.h"

struct kh_dataset {
  size_t count, features, classes;
  double *x; /* count * features */
  unsigned *label;
  int images;
  int header; /* CSV: 1 the first line named the columns, 2 scikit-learn's counts and classes */
  char *name; /* where the samples came from, for messages */
};

/* An empty data set of the given shape (x and label allocated). */
kh_status kh_dataset_alloc(kh_context *ctx, kh_dataset **out, size_t count, size_t features);
/* d->name = a followed by b. */
kh_status kh_dataset_set_name(kh_context *ctx, kh_dataset *d, const char *a, const char *b);
kh_status kh_dataset_load_csv(kh_context *ctx, kh_dataset **out, const char *path);
kh_status kh_dataset_load_idx(kh_context *ctx, kh_dataset **out, const char *dir, int test);
/* What a file's (decompressed) first bytes say: 1 IDX images, 2 IDX labels, 0 neither. */
int kh_idx_sniff(const char *path);
/* An IDX images (kind 1) or labels (kind 2) file and the other file of its pair beside it. */
kh_status kh_dataset_load_idx_file(kh_context *ctx, kh_dataset **out, const char *path, int kind);

#endif
