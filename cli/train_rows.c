#include "train_rows.h"

#include "names.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { OWN = -1, NAME = -2 }; /* the command's own row; a name, looked up after parsing */
#define KIND_DOUBLE KH_OPT_DOUBLE
#define KIND_SIZE KH_OPT_SIZE
#define KIND_U64 KH_OPT_U64
#define KIND_INT KH_OPT_FLAG
#define KIND_UNSIGNED OWN
#define KIND_ENUM NAME

typedef struct {
  const char *field, *name;
  int type;
  size_t offset;
} row;

#define ROW(field, name, kind, value, since)                                                       \
  {#field, name, KIND_##kind, offsetof(kh_train_options, field)},
static const row table[] = {KH_TRAIN_OPTIONS_TABLE(ROW)};
#undef ROW

static int own(const char *name) {
  /* --limit; checked as a count; --contour, shared with grad, defaults by the read noise */
  static const char *const words[] = {"samples", "threads", "holomorphic_contour"};
  for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
    if (!strcmp(name, words[k])) return 1;
  return 0;
}

void kh_cli_train_option_rows(kh_train_options *o, kh_cli_train_rows *r) {
  size_t n = 0;
  for (size_t k = 0; k < sizeof table / sizeof table[0] && n < KH_CLI_TRAIN_ROWS; k++) {
    if (table[k].type == OWN || own(table[k].name)) continue;
    snprintf(r->flags[n], KH_CLI_FLAG_LEN, "--%s", table[k].name);
    for (char *c = r->flags[n]; *c; c++)
      if (*c == '_') *c = '-';
    int name = table[k].type == NAME;
    r->words[n] = NULL, r->fields[n] = name ? table[k].field : NULL;
    void *value = name ? (void *)&r->words[n] : (void *)((char *)o + table[k].offset);
    r->rows[n] =
        (kh_opt){r->flags[n], name ? KH_OPT_STRING : (kh_opt_type)table[k].type, value, NULL};
    n++;
  }
  r->count = n;
}

int kh_cli_train_option_choose(const char *cmd, const char *flag, const char *field,
                               const char *given) {
  int v = kh_train_option_value(field, given);
  if (v < 0) {
    size_t count;
    const char *const *names = kh_train_option_names(field, &count);
    kh_cli_unknown(cmd, flag, given, names, count);
  }
  return v;
}

int kh_cli_train_option_names(const char *cmd, kh_train_options *o, const kh_cli_train_rows *r) {
  for (size_t n = 0; n < r->count; n++) {
    if (!r->fields[n] || !r->words[n]) continue;
    int v = kh_cli_train_option_choose(cmd, r->flags[n], r->fields[n], r->words[n]);
    if (v < 0) return 1;
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
      if (!strcmp(table[k].field, r->fields[n])) memcpy((char *)o + table[k].offset, &v, sizeof v);
  }
  return 0;
}
