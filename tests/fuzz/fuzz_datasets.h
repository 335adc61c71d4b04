/* What every data set a reader accepts must satisfy (the harnesses abort otherwise). */
#ifndef KH_FUZZ_DATASETS_H
#define KH_FUZZ_DATASETS_H

#include "kirchhoff/kirchhoff.h"

#include <math.h>
#include <stdlib.h>

static inline void kh_fuzz_check_dataset(const kh_dataset *d) {
  size_t n = kh_dataset_count(d), f = kh_dataset_features(d), k = kh_dataset_classes(d);
  if (!n || !f || !k) abort();
  for (size_t i = 0; i < n; i++) {
    if (kh_dataset_label(d, i) >= k) abort();
    for (size_t j = 0; j < f; j++)
      if (!isfinite(kh_dataset_sample(d, i)[j])) abort();
  }
}

/* Loads path as kh_dataset_load does (test = 0) and checks what it accepts; a refusal must
 * come with a message. */
static inline void kh_fuzz_load_and_check(const char *path) {
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) abort();
  kh_dataset *d = NULL;
  if (kh_dataset_load(ctx, &d, path, 0) == KH_OK)
    kh_fuzz_check_dataset(d);
  else if (!kh_last_error(ctx)[0])
    abort();
  kh_dataset_free(d);
  kh_context_free(ctx);
}

#endif
