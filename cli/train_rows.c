#include "train_rows.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { OWN = -1 }; /* the command's own row */
#define KIND_DOUBLE KH_OPT_DOUBLE
#define KIND_SIZE KH_OPT_SIZE
#define KIND_U64 KH_OPT_U64
#define KIND_INT KH_OPT_FLAG
#define KIND_UNSIGNED OWN
#define KIND_ENUM OWN

typedef struct {
  const char *name;
  int type;
  size_t offset;
} row;

#define ROW(field, name, kind, value, since) {name, KIND_##kind, offsetof(kh_train_options, field)},
static const row table[] = {KH_TRAIN_OPTIONS_TABLE(ROW)};
#undef ROW

static int own(const char *name) {
  static const char *const words[] = {"samples", "threads"}; /* --limit; checked as a count */
  for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
    if (!strcmp(name, words[k])) return 1;
  return 0;
}

size_t kh_cli_train_option_rows(kh_train_options *o, kh_opt *rows, char names[][KH_CLI_FLAG_LEN]) {
  size_t n = 0;
  for (size_t k = 0; k < sizeof table / sizeof table[0] && n < KH_CLI_TRAIN_ROWS; k++) {
    if (table[k].type == OWN || own(table[k].name)) continue;
    snprintf(names[n], KH_CLI_FLAG_LEN, "--%s", table[k].name);
    for (char *c = names[n]; *c; c++)
      if (*c == '_') *c = '-';
    rows[n] = (kh_opt){names[n], (kh_opt_type)table[k].type, (char *)o + table[k].offset, NULL};
    n++;
  }
  return n;
}
