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

#endif
