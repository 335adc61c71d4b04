#include "option_rows.h"

#include "names.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define TYPE_DOUBLE KH_OPT_DOUBLE
#define TYPE_SIZE KH_OPT_SIZE
#define TYPE_U64 KH_OPT_U64
#define TYPE_INT KH_OPT_FLAG
#define TYPE_UNSIGNED KH_OPT_UNSIGNED
#define TYPE_ENUM KH_CLI_ENUM

#define TRAIN(field, name, kind, value, since)                                                     \
  {#field, TYPE_##kind, offsetof(kh_train_options, field)},
#define HW(field, name, kind, value, since) {#field, TYPE_##kind, offsetof(kh_hw_options, field)},
#define NET(field, kind, value) {#field, TYPE_##kind, offsetof(kh_netgen_options, field)},
static const kh_cli_field train_fields[] = {KH_TRAIN_OPTIONS_TABLE(TRAIN)};
static const kh_cli_field hw_fields[] = {KH_HW_OPTIONS_TABLE(HW)};
static const kh_cli_field net_fields[] = {KH_NETGEN_OPTIONS_TABLE(NET)};
#undef TRAIN
#undef HW
#undef NET

#define COUNT(a) (sizeof(a) / sizeof(a)[0])
static const struct {
  const kh_cli_field *fields;
  size_t count;
} tables[] = {{train_fields, COUNT(train_fields)},
              {hw_fields, COUNT(hw_fields)},
              {net_fields, COUNT(net_fields)}};

static int skipped(const char *field, const char *const *skip) {
  for (size_t k = 0; skip && skip[k]; k++)
    if (!strcmp(field, skip[k])) return 1;
  return 0;
}

void kh_cli_rows_add(kh_cli_rows *r, kh_cli_table table, void *options, const char *const *skip) {
  const kh_cli_field *f = tables[table].fields;
  for (size_t k = 0; k < tables[table].count && r->count < KH_CLI_ROWS; k++) {
    if (skipped(f[k].field, skip)) continue;
    size_t n = r->count++;
    snprintf(r->flags[n], KH_CLI_FLAG_LEN, "--%s", f[k].field);
    for (char *c = r->flags[n]; *c; c++)
      if (*c == '_') *c = '-';
    void *value = (char *)options + f[k].offset;
    int name = f[k].type == KH_CLI_ENUM;
    r->words[n] = NULL, r->fields[n] = name ? f[k].field : NULL;
    r->targets[n] = name ? value : NULL;
    r->rows[n] = (kh_opt){r->flags[n], name ? KH_OPT_STRING : (kh_opt_type)f[k].type,
                          name ? (void *)&r->words[n] : value, NULL};
  }
}

kh_opt *kh_cli_rows_find(kh_cli_rows *r, const char *flag) {
  for (size_t n = 0; n < r->count; n++)
    if (!strcmp(r->rows[n].name, flag)) return &r->rows[n];
  return NULL;
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

int kh_cli_rows_names(const char *cmd, const kh_cli_rows *r) {
  for (size_t n = 0; n < r->count; n++) {
    if (!r->fields[n] || !r->words[n]) continue;
    int v = kh_cli_train_option_choose(cmd, r->flags[n], r->fields[n], r->words[n]);
    if (v < 0) return 1;
    *r->targets[n] = v;
  }
  return 0;
}
