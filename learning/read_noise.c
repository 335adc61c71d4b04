/* The read noise's scale in volts (kh_read_noise_volts, kirchhoff/train.h). */
#include "kirchhoff/train.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <stdlib.h>

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median over the samples of each sample's RMS input voltage: a sample a thousand times
 * larger than the rest moves it by at most one rank, where it would set the largest voltage. */
static kh_status median_rms(kh_context *ctx, const kh_dataset *d, double gain, double *out) {
  size_t n = kh_dataset_count(d), f = kh_dataset_features(d);
  *out = 0;
  if (!n || !f) return KH_OK;
  double *rms = kh_malloc(n * sizeof *rms);
  if (!rms) return kh_fail_nomem(ctx, "measuring the inputs' RMS voltages");
  for (size_t i = 0; i < n; i++) {
    const double *x = kh_dataset_sample(d, i);
    double sum = 0;
    for (size_t j = 0; j < f; j++) sum += x[j] * x[j];
    rms[i] = fabs(gain) * sqrt(sum / (double)f);
  }
  qsort(rms, n, sizeof *rms, by_value);
  *out = n % 2 ? rms[n / 2] : 0.5 * (rms[n / 2 - 1] + rms[n / 2]);
  kh_free(rms);
  return KH_OK;
}

static double largest(const kh_dataset *d, double gain) {
  double v = 0;
  for (size_t i = 0; i < kh_dataset_count(d); i++)
    for (size_t j = 0; j < kh_dataset_features(d); j++)
      v = fmax(v, fabs(kh_dataset_sample(d, i)[j] * gain));
  return v;
}

kh_status kh_read_noise_volts(kh_context *ctx, const kh_train_options *o, const kh_dataset *train,
                              double gain, double *sigma) {
  *sigma = 0;
  if (o->read_noise_volts > 0) *sigma = o->read_noise_volts;
  if (o->read_noise_volts > 0 || !(o->read_noise > 0) || !train) return KH_OK;
  double reference = 0;
  kh_status st = o->read_noise_reference == KH_NOISE_LARGEST
                     ? (reference = largest(train, gain), KH_OK)
                     : median_rms(ctx, train, gain, &reference);
  *sigma = o->read_noise * reference;
  return st;
}
