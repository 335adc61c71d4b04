/* Data set objects: loading by kind, held-out splits, and feature scaling. */
#include "dataset_impl.h"

#include "core/alloc.h"
#include "core/context.h"
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

kh_status kh_dataset_alloc(kh_context *ctx, kh_dataset **out, size_t count, size_t features) {
  *out = NULL;
  kh_dataset *d = kh_calloc(1, sizeof *d);
  if (!d || (features && count > SIZE_MAX / sizeof(double) / features)) {
    kh_free(d);
    return kh_fail_nomem(ctx, "allocating a data set");
  }
  d->count = count, d->features = features;
  d->x = kh_malloc(count * features * sizeof *d->x + 1);
  d->label = kh_malloc(count * sizeof *d->label + 1);
  if (!d->x || !d->label) {
    kh_dataset_free(d);
    return kh_fail_nomem(ctx, "allocating a data set");
  }
  *out = d;
  return KH_OK;
}

kh_status kh_dataset_set_name(kh_context *ctx, kh_dataset *d, const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  kh_free(d->name);
  d->name = kh_malloc(n);
  if (!d->name) return kh_fail_nomem(ctx, "naming a data set");
  snprintf(d->name, n, "%s%s", a, b);
  return KH_OK;
}

kh_status kh_dataset_from_arrays(kh_context *ctx, kh_dataset **out, const char *what,
                                 const double *x, const unsigned *labels, size_t count,
                                 size_t features) {
  *out = NULL;
  if (!what) what = "arrays";
  if (!count || !features || !x || !labels)
    return kh_fail(ctx, KH_ERR_USAGE, "%s: a data set needs at least one sample and one feature",
                   what);
  for (size_t k = 0; k < count * features; k++)
    if (!isfinite(x[k]))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s: feature %zu of sample %zu is %g; features must be "
                     "finite",
                     what, k % features, k / features, x[k]);
  kh_dataset *d;
  kh_status st = kh_dataset_alloc(ctx, &d, count, features);
  if (st != KH_OK) return st;
  memcpy(d->x, x, count * features * sizeof *x);
  memcpy(d->label, labels, count * sizeof *labels);
  for (size_t k = 0; k < count; k++)
    if (labels[k] + (size_t)1 > d->classes) d->classes = labels[k] + (size_t)1;
  if ((st = kh_dataset_set_name(ctx, d, what, "")) != KH_OK) {
    kh_dataset_free(d);
    return st;
  }
  *out = d;
  return KH_OK;
}

kh_status kh_dataset_random(kh_context *ctx, kh_dataset **out, size_t count, size_t features,
                            size_t classes, uint64_t seed) {
  *out = NULL;
  if (!count || !features || !classes)
    return kh_fail(ctx, KH_ERR_USAGE, "a random data set needs samples, features and classes");
  kh_dataset *d;
  kh_status st = kh_dataset_alloc(ctx, &d, count, features);
  if (st != KH_OK) return st;
  kh_rng rng;
  kh_rng_seed(&rng, seed);
  for (size_t i = 0; i < count; i++) { /* features, then the label, sample by sample */
    for (size_t j = 0; j < features; j++) d->x[i * features + j] = 2 * kh_rng_uniform(&rng) - 1;
    d->label[i] = (unsigned)kh_rng_below(&rng, classes);
  }
  d->classes = classes;
  char what[64];
  snprintf(what, sizeof what, "random samples (seed %llu)", (unsigned long long)seed);
  if ((st = kh_dataset_set_name(ctx, d, what, "")) != KH_OK) {
    kh_dataset_free(d);
    return st;
  }
  *out = d;
  return KH_OK;
}

const char *kh_dataset_name(const kh_dataset *d) {
  return d->name ? d->name : "the data";
}

void kh_dataset_free(kh_dataset *d) {
  if (!d) return;
  kh_free(d->x);
  kh_free(d->label);
  kh_free(d->name);
  kh_free(d);
}

size_t kh_dataset_count(const kh_dataset *d) {
  return d->count;
}
size_t kh_dataset_features(const kh_dataset *d) {
  return d->features;
}
size_t kh_dataset_classes(const kh_dataset *d) {
  return d->classes;
}
int kh_dataset_is_images(const kh_dataset *d) {
  return d->images;
}
uint64_t kh_dataset_fingerprint(const kh_dataset *d) {
  uint64_t h = 0xcbf29ce484222325ULL;
  const unsigned char *x = (const unsigned char *)d->x;
  for (size_t i = 0; i < d->count * d->features * sizeof *d->x; i++)
    h = (h ^ x[i]) * 0x100000001b3ULL;
  for (size_t i = 0; i < d->count; i++) {
    uint32_t label = d->label[i];
    for (int b = 0; b < 4; b++) h = (h ^ ((label >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
  }
  return h;
}

const char *kh_dataset_format(const kh_dataset *d) {
  return d->images        ? "IDX"
         : d->header == 2 ? "CSV with scikit-learn's header line"
         : d->header      ? "CSV with a header line"
                          : "CSV without a header";
}
const double *kh_dataset_sample(const kh_dataset *d, size_t i) {
  return d->x + i * d->features;
}
unsigned kh_dataset_label(const kh_dataset *d, size_t i) {
  return d->label[i];
}

kh_status kh_dataset_split(kh_context *ctx, kh_dataset *d, double fraction, uint64_t seed,
                           kh_dataset **held) {
  *held = NULL;
  if (!(fraction > 0 && fraction < 1))
    return kh_fail(ctx, KH_ERR_USAGE, "a held-out fraction must lie in (0, 1)");
  size_t n = d->count, k = (size_t)llround(fraction * (double)n);
  if (k == 0 || k == n)
    return kh_fail(ctx, KH_ERR_INPUT, "%zu samples are too few to hold out %g of them", n,
                   fraction);
  unsigned char *pick = kh_calloc(n, 1);
  size_t *order = kh_malloc(n * sizeof *order);
  kh_status st = pick && order ? kh_dataset_alloc(ctx, held, k, d->features)
                               : kh_fail_nomem(ctx, "splitting a data set");
  if (st == KH_OK) {
    kh_rng rng;
    kh_rng_seed(&rng, seed ^ 0x5eedda7aULL);
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = 0; i < k; i++) { /* partial Fisher-Yates: the first k are held out */
      size_t j = i + (size_t)kh_rng_below(&rng, n - i), t = order[i];
      order[i] = order[j], order[j] = t;
      pick[order[i]] = 1;
    }
    size_t h = 0, r = 0, f = d->features;
    for (size_t i = 0; i < n; i++) {
      kh_dataset *to = pick[i] ? *held : d;
      size_t at = pick[i] ? h++ : r++;
      memmove(to->x + at * f, d->x + i * f, f * sizeof *d->x);
      to->label[at] = d->label[i];
    }
    d->count = r;
    (*held)->classes = d->classes;
    (*held)->images = d->images, (*held)->header = d->header;
    st = kh_dataset_set_name(ctx, *held, kh_dataset_name(d), " (held-out part)");
  }
  if (st != KH_OK) kh_dataset_free(*held), *held = NULL;
  kh_free(pick);
  kh_free(order);
  return st;
}

static const char *const scaling_names[] = {"none", "standardize", "pixels"};
_Static_assert(KH_SCALE_NONE == 0 && KH_SCALE_STANDARDIZE == 1 && KH_SCALE_PIXELS == 2,
               "scaling names in the enum's order");

const char *kh_scaling_name(kh_scaling kind) {
  return (unsigned)kind < 3 ? scaling_names[kind] : "?";
}

int kh_scaling_from_name(const char *name) {
  for (int k = 0; name && k < 3; k++)
    if (!strcmp(name, scaling_names[k])) return k;
  return -1;
}

kh_status kh_scaler_fit(kh_context *ctx, kh_scaler *s, kh_scaling kind, const kh_dataset *d) {
  *s = (kh_scaler){kind, d->features, NULL, NULL};
  if (kind != KH_SCALE_STANDARDIZE) return KH_OK;
  s->mean = kh_calloc(d->features + 1, sizeof *s->mean);
  s->inv_std = kh_calloc(d->features + 1, sizeof *s->inv_std);
  if (!s->mean || !s->inv_std) {
    kh_scaler_release(s);
    return kh_fail_nomem(ctx, "fitting the feature scaling");
  }
  for (size_t j = 0; j < d->features; j++) {
    long double sum = 0, sq = 0;
    for (size_t i = 0; i < d->count; i++) sum += d->x[i * d->features + j];
    long double mean = d->count ? sum / d->count : 0;
    for (size_t i = 0; i < d->count; i++) {
      long double e = d->x[i * d->features + j] - mean;
      sq += e * e;
    }
    double sd = d->count ? (double)sqrtl(sq / d->count) : 0;
    s->mean[j] = (double)mean;
    s->inv_std[j] = sd > 0 ? 1.0 / sd : 1.0;
  }
  return KH_OK;
}

kh_status kh_scaler_apply(kh_context *ctx, const kh_scaler *s, kh_dataset *d) {
  if (d->features != s->features)
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s has %zu features, the training data the scaling was fitted on %zu",
                   kh_dataset_name(d), d->features, s->features);
  size_t f = d->features;
  for (size_t i = 0; i < d->count; i++)
    for (size_t j = 0; j < f; j++) {
      double *x = &d->x[i * f + j];
      if (s->kind == KH_SCALE_STANDARDIZE)
        *x = (*x - s->mean[j]) * s->inv_std[j];
      else if (s->kind == KH_SCALE_PIXELS)
        *x /= 255.0;
    }
  return KH_OK;
}

void kh_scaler_release(kh_scaler *s) {
  kh_free(s->mean);
  kh_free(s->inv_std);
  s->mean = s->inv_std = NULL;
}
