/* Labelled data sets: CSV files (features then an integer class per line; a first line with no
 * number among its fields is a header; '#' lines are comments) and IDX files (MNIST,
 * Fashion-MNIST; gzip or raw). The kind comes from the content, not the name.
 * docs/training.md describes the formats. */
#ifndef KIRCHHOFF_DATASET_H
#define KIRCHHOFF_DATASET_H
#include "kirchhoff/status.h"
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct kh_dataset kh_dataset;
/* A CSV file, an IDX images or labels file (with the other file of its pair beside it), or an
 * IDX folder's training set (train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]);
 * with test = 1, the folder's t10k-* files instead. */
KH_API kh_status kh_dataset_load(kh_context *ctx, kh_dataset **out, const char *path, int test);
/* A data set from arrays in memory, copied: x holds count rows of `features` values (row-major),
 * labels one class per sample. name says where the samples came from, in messages (NULL:
 * "arrays"). Every feature must be finite; there must be at least one sample and one feature. */
KH_API kh_status kh_dataset_from_arrays(kh_context *ctx, kh_dataset **out, const char *name,
                                        const double *x, const unsigned *labels, size_t count,
                                        size_t features);
/* count samples of `features` values drawn uniformly from [-1, 1) and labels drawn uniformly
 * from 0..classes-1, from seed (the same seed gives the same set on every machine): the probe
 * set `kirchhoff grad` uses when no data is given. classes is taken as the set's class count. */
KH_API kh_status kh_dataset_random(kh_context *ctx, kh_dataset **out, size_t count, size_t features,
                                   size_t classes, uint64_t seed);
KH_API void kh_dataset_free(kh_dataset *d);
/* Where the samples came from (the path, with " (t10k set)" and the like), for messages. */
KH_API const char *kh_dataset_name(const kh_dataset *d);
KH_API size_t kh_dataset_count(const kh_dataset *d);
KH_API size_t kh_dataset_features(const kh_dataset *d);
KH_API size_t kh_dataset_classes(const kh_dataset *d); /* largest label + 1 */
KH_API int kh_dataset_is_images(const kh_dataset *d);  /* IDX: pixel values 0..255 */
/* "IDX", "CSV with a header line" or "CSV without a header", for messages. */
KH_API const char *kh_dataset_format(const kh_dataset *d);
/* A 64-bit hash of the samples and labels in order (FNV-1a over their bytes): --resume checks
 * that a run continues on the data it started with. */
KH_API uint64_t kh_dataset_fingerprint(const kh_dataset *d);
KH_API const double *kh_dataset_sample(const kh_dataset *d, size_t i);
KH_API unsigned kh_dataset_label(const kh_dataset *d, size_t i);
/* Splits off a seeded random `fraction` of d as a held-out set: *held gets those samples, d
 * keeps the rest (order otherwise kept). */
KH_API kh_status kh_dataset_split(kh_context *ctx, kh_dataset *d, double fraction, uint64_t seed,
                                  kh_dataset **held);
/* Scaling of features to input voltages, fitted on a training set and applied to any set with
 * the same features: standardize (x - mean) / std per feature (std 0: x - mean), or divide by
 * 255 (images, as Scellier's reference does). */
typedef enum { KH_SCALE_NONE, KH_SCALE_STANDARDIZE, KH_SCALE_PIXELS } kh_scaling;
/* "none", "standardize", "pixels" (as traces and the CLI write them); from a name: -1 if unknown */
KH_API const char *kh_scaling_name(kh_scaling kind);
KH_API int kh_scaling_from_name(const char *name);
typedef struct {
  kh_scaling kind;
  size_t features;
  double *mean, *inv_std; /* standardize only */
} kh_scaler;
KH_API kh_status kh_scaler_fit(kh_context *ctx, kh_scaler *s, kh_scaling kind,
                               const kh_dataset *train);
KH_API kh_status kh_scaler_apply(kh_context *ctx, const kh_scaler *s, kh_dataset *d);
KH_API void kh_scaler_release(kh_scaler *s);

/* kirchhoff train's data policy, for programs that want the same sets from the same files:
 *   the test set: `test` when given (a CSV file, an IDX file or an IDX folder's t10k set); else
 *   an IDX folder's own t10k set; else a seeded `hold_out` fraction of the training data;
 *   the scaling: `scaling` when scaling_given; else pixels (x / 255) for IDX images and
 *   standardize for the rest, fitted on the training set and applied to both. */
typedef struct {
  const char *data;  /* CSV file or IDX folder */
  const char *test;  /* or NULL */
  double hold_out;   /* fraction held out when no test set is found (kirchhoff train: 0.2) */
  uint64_t seed;     /* the hold-out split's */
  int scaling_given; /* 0: the default above */
  kh_scaling scaling;
} kh_data_policy;
#define KH_DATA_POLICY_INIT                                                                        \
  { NULL, NULL, 0.2, 1, 0, KH_SCALE_NONE }
typedef enum { KH_TEST_GIVEN, KH_TEST_IDX_T10K, KH_TEST_HELD_OUT } kh_test_source;
typedef struct {
  kh_dataset *train, *test;
  kh_test_source test_source;
  kh_scaler scaler; /* filled by kh_data_scale */
} kh_data_sets;
/* Loads both sets as the policy says, unscaled (a caller may save the test set as read). */
KH_API kh_status kh_data_load(kh_context *ctx, const kh_data_policy *p, kh_data_sets *out);
/* Fits the policy's scaling on sets->train and applies it to both sets. */
KH_API kh_status kh_data_scale(kh_context *ctx, const kh_data_policy *p, kh_data_sets *sets);
KH_API void kh_data_sets_release(kh_data_sets *sets);
#ifdef __cplusplus
}
#endif
#endif
