/* kirchhoff train's data policy (kirchhoff/dataset.h): which test set, which scaling. */
#include "dataset_impl.h"

#include "core/context.h"

#include <string.h>
#include <sys/stat.h>

static int is_folder(const char *path) {
  struct stat info;
  return path && stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

kh_status kh_data_load(kh_context *ctx, const kh_data_policy *p, kh_data_sets *out) {
  memset(out, 0, sizeof *out);
  if (!p->data) return kh_fail(ctx, KH_ERR_USAGE, "the data policy names no training data");
  if (!p->test && !is_folder(p->data) && !(p->hold_out > 0 && p->hold_out < 1))
    return kh_fail(ctx, KH_ERR_USAGE, "the held-out fraction must lie in (0, 1), got %g",
                   p->hold_out);
  kh_status st = kh_dataset_load(ctx, &out->train, p->data, 0);
  if (st == KH_OK && p->test) {
    out->test_source = KH_TEST_GIVEN;
    st = kh_dataset_load(ctx, &out->test, p->test, is_folder(p->test));
  } else if (st == KH_OK && is_folder(p->data)) {
    out->test_source = KH_TEST_IDX_T10K;
    st = kh_dataset_load(ctx, &out->test, p->data, 1);
  } else if (st == KH_OK) {
    out->test_source = KH_TEST_HELD_OUT;
    st = kh_dataset_split(ctx, out->train, p->hold_out, p->seed, &out->test);
  }
  if (st == KH_OK && kh_dataset_features(out->test) != kh_dataset_features(out->train))
    st = kh_fail(ctx, KH_ERR_INPUT, "%s has %zu features but the training data %s %zu",
                 kh_dataset_name(out->test), kh_dataset_features(out->test),
                 kh_dataset_name(out->train), kh_dataset_features(out->train));
  if (st != KH_OK) kh_data_sets_release(out);
  return st;
}

kh_status kh_data_scale(kh_context *ctx, const kh_data_policy *p, kh_data_sets *sets) {
  kh_scaling kind = p->scaling_given                    ? p->scaling
                    : kh_dataset_is_images(sets->train) ? KH_SCALE_PIXELS
                                                        : KH_SCALE_STANDARDIZE;
  kh_status st = kh_scaler_fit(ctx, &sets->scaler, kind, sets->train);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &sets->scaler, sets->train);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &sets->scaler, sets->test);
  return st;
}

void kh_data_sets_release(kh_data_sets *sets) {
  kh_dataset_free(sets->train);
  kh_dataset_free(sets->test);
  kh_scaler_release(&sets->scaler);
  memset(sets, 0, sizeof *sets);
}
