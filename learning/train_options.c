/* KH_TRAIN_OPTIONS_TABLE as data (train_options.h), and what is generated from it. */
#include "train_options.h"

#include "model_impl.h"

#include "kirchhoff/hw.h"

#include <stddef.h>
#include <string.h>

static const char *const optimizer_names[] = {"sgd", "momentum", "adam"};
static const char *const backend_names[] = {"native", "layered"};
static const char *const precision_names[] = {"double", "single"};
static const char *const contour_names[] = {"circle", "slit"};
static const char *const inner_start_names[] = {"free", "previous"};
static const char *const noise_reference_names[] = {"median-rms", "largest"};
_Static_assert(KH_OPT_SGD == 0 && KH_OPT_MOMENTUM == 1 && KH_OPT_ADAM == 2, "optimizer order");
_Static_assert(KH_BACKEND_NATIVE == 0 && KH_BACKEND_LAYERED == 1, "backend order");
_Static_assert(KH_PRECISION_DOUBLE == 0 && KH_PRECISION_SINGLE == 1, "precision order");
_Static_assert(KH_CONTOUR_CIRCLE == 0 && KH_CONTOUR_SLIT == 1, "contour order");
_Static_assert(KH_INNER_FROM_FREE == 0 && KH_INNER_FROM_PREVIOUS == 1, "inner start order");
_Static_assert(KH_NOISE_MEDIAN_RMS == 0 && KH_NOISE_LARGEST == 1, "noise reference order");
_Static_assert(sizeof(kh_optimizer_kind) == sizeof(int) && sizeof(kh_backend) == sizeof(int) &&
                   sizeof(kh_precision) == sizeof(int) && sizeof(kh_contour) == sizeof(int) &&
                   sizeof(kh_estimator) == sizeof(int) && sizeof(kh_inner_start) == sizeof(int) &&
                   sizeof(kh_noise_reference) == sizeof(int),
               "the trace reads and writes enums as int");

#define COUNT(a) (sizeof(a) / sizeof(a)[0])
/* each ENUM field's names, found by the field's name */
#define NAMES_estimator kh_estimator_names, KH_EST_COUNT
#define NAMES_optimizer optimizer_names, COUNT(optimizer_names)
#define NAMES_backend backend_names, COUNT(backend_names)
#define NAMES_precision precision_names, COUNT(precision_names)
#define NAMES_holomorphic_contour contour_names, COUNT(contour_names)
#define NAMES_inner_start inner_start_names, COUNT(inner_start_names)
#define NAMES_read_noise_reference noise_reference_names, COUNT(noise_reference_names)
#define NAMES_DOUBLE(field) NULL, 0
#define NAMES_SIZE(field) NULL, 0
#define NAMES_UNSIGNED(field) NULL, 0
#define NAMES_INT(field) NULL, 0
#define NAMES_U64(field) NULL, 0
#define NAMES_ENUM(field) NAMES_##field
#define SINCE_FIRST 1
#define SINCE_LATER 0
#define FIELD(field, name, kind, value, since)                                                     \
  {#field,          name,                                                                          \
   KH_FIELD_##kind, offsetof(kh_train_options, field),                                             \
   SINCE_##since,   NAMES_##kind(field)},
#define NESTED(field, name, kind, value, since)                                                    \
  {#field, name, KH_FIELD_##kind, offsetof(kh_train_options, field), SINCE_##since, NULL, 0},

const kh_train_field kh_train_fields[] = {KH_TRAIN_OPTIONS_TABLE(FIELD)
                                              KH_TRAIN_OPTIONS_NESTED_TABLE(NESTED)};
const size_t kh_train_field_count = COUNT(kh_train_fields);

#define HW_FIELD(field, name, kind, value, since)                                                  \
  {#field, name, KH_FIELD_##kind, offsetof(kh_hw_options, field), SINCE_##since, NULL, 0},
const kh_train_field kh_hw_fields[] = {KH_HW_OPTIONS_TABLE(HW_FIELD)};
const size_t kh_hw_field_count = COUNT(kh_hw_fields);

void kh_train_options_init(kh_train_options *o) {
  kh_train_options defaults = KH_TRAIN_OPTIONS_INIT;
  *o = defaults;
}

void kh_train_options_holomorphic_defaults(kh_train_options *o, int contour_given, int beta_given) {
  int noisy = o->read_noise > 0 || o->read_noise_volts > 0;
  if (!contour_given) o->holomorphic_contour = noisy ? KH_CONTOUR_SLIT : KH_CONTOUR_CIRCLE;
  if (o->estimator != KH_EST_HOLOMORPHIC || beta_given) return;
  if (o->holomorphic_contour == KH_CONTOUR_SLIT)
    o->beta = 0.5; /* rho */
  else
    o->beta = 0.25, o->beta_relative = 1; /* a quarter of the radius */
}

const char *const *kh_train_option_names(const char *field, size_t *count) {
  for (size_t k = 0; field && k < kh_train_field_count; k++)
    if (kh_train_fields[k].kind == KH_FIELD_ENUM && !strcmp(kh_train_fields[k].field, field)) {
      *count = kh_train_fields[k].name_count;
      return kh_train_fields[k].names;
    }
  *count = 0;
  return NULL;
}

/* Other names an ENUM option's values answer to: short forms, and the names earlier versions
 * wrote into traces (a trace from before "native" says "sparse"). */
static const struct {
  const char *field, *name;
  int value;
} other_names[] = {
    {"backend", "sparse", KH_BACKEND_NATIVE},
    {"estimator", "holo", KH_EST_HOLOMORPHIC},
    {"estimator", "osc", KH_EST_OSCILLATING},
    {"estimator", "neumann", KH_EST_RBP}, /* the truncated series: rbp's iterates */
    {"estimator", "np", KH_EST_NODE_PERTURBATION},
};

int kh_train_option_value(const char *field, const char *name) {
  size_t count;
  const char *const *names = kh_train_option_names(field, &count);
  for (size_t i = 0; name && i < count; i++)
    if (!strcmp(names[i], name)) return (int)i;
  for (size_t k = 0; name && k < COUNT(other_names); k++)
    if (!strcmp(other_names[k].field, field) && !strcmp(other_names[k].name, name))
      return other_names[k].value;
  return -1;
}

/* The estimators' names (kirchhoff/model.h), beside the other name tables. */
const char *const kh_estimator_names[] = {
    "exact",    "plus",     "minus",     "centered",          "forward2",
    "forward3", "forward4", "forward5",  "holomorphic",       "oscillating",
    "coupled",  "wp",       "spsa",      "node-perturbation", "first-order",
    "rbp",      "cg",       "cg-jacobi", "phantom",           "itd"};
_Static_assert(sizeof kh_estimator_names / sizeof kh_estimator_names[0] == KH_EST_COUNT,
               "a name per estimator");

int kh_estimator_from_name(const char *name) {
  return kh_train_option_value("estimator", name);
}

const char *kh_estimator_name(kh_estimator e) {
  return (unsigned)e < KH_EST_COUNT ? kh_estimator_names[e] : "?";
}
