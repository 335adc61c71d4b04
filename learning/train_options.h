/* The single-value training options as data (KH_TRAIN_OPTIONS_TABLE, kirchhoff/train.h): where
 * each lives in kh_train_options, its kind, its trace attribute and, for enums, its names. The
 * trace writer and reader walk this table instead of naming each option. */
#ifndef KH_LEARNING_TRAIN_OPTIONS_H
#define KH_LEARNING_TRAIN_OPTIONS_H

#include "kirchhoff/train.h"

#include <stddef.h>

typedef enum {
  KH_FIELD_DOUBLE,
  KH_FIELD_SIZE,
  KH_FIELD_UNSIGNED,
  KH_FIELD_INT,
  KH_FIELD_U64,
  KH_FIELD_ENUM
} kh_field_kind;

typedef struct {
  const char *field, *attribute; /* its name in kh_train_options, and in the trace */
  kh_field_kind kind;
  size_t offset;
  int required;             /* traced from the first version (FIRST) */
  const char *const *names; /* ENUM: the values' names, in the enum's order */
  size_t name_count;
} kh_train_field;

extern const kh_train_field kh_train_fields[];
extern const size_t kh_train_field_count;
/* KH_HW_OPTIONS_TABLE (kirchhoff/hw.h) the same way: offsets into kh_hw_options. */
extern const kh_train_field kh_hw_fields[];
extern const size_t kh_hw_field_count;

#endif
