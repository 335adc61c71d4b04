/* Command-line rows generated from the library's option tables (KH_TRAIN_OPTIONS_TABLE,
 * KH_HW_OPTIONS_TABLE, KH_NETGEN_OPTIONS_TABLE): each option that is one number, switch or name
 * gets the flag of its field's name with '-' for '_' ("lr_decay": --lr-decay), so a new option
 * gets its flag without a line here. DOUBLE, SIZE, UNSIGNED and U64 options take a value and INT
 * ones are switches, written straight into the options; an ENUM option takes a name, kept in
 * words until kh_cli_rows_names turns it into the value. */
#ifndef KH_CLI_OPTION_ROWS_H
#define KH_CLI_OPTION_ROWS_H

#include "kirchhoff/hw.h"
#include "kirchhoff/netgen.h"
#include "kirchhoff/train.h"
#include "options.h"

enum { KH_CLI_FLAG_LEN = 40, KH_CLI_ROWS = 64 };

/* One option of a table: its field, its kind (a kh_opt_type, or KH_CLI_ENUM) and where it is. */
enum { KH_CLI_ENUM = -1 };
typedef struct {
  const char *field;
  int type;
  size_t offset;
} kh_cli_field;

typedef struct {
  kh_opt rows[KH_CLI_ROWS];
  size_t count;
  char flags[KH_CLI_ROWS][KH_CLI_FLAG_LEN];
  const char *words[KH_CLI_ROWS];  /* ENUM rows: the name given (NULL: none) */
  const char *fields[KH_CLI_ROWS]; /* ENUM rows: the option's field (NULL: not an enum) */
  int *targets[KH_CLI_ROWS];       /* ENUM rows: where the value goes */
} kh_cli_rows;

/* The tables' options (kh_train_options, kh_hw_options, kh_netgen_options). */
typedef enum { KH_CLI_TRAIN, KH_CLI_HW, KH_CLI_NET } kh_cli_table;
/* Appends the rows of table's options in `options` but those named in skip (a NULL-terminated
 * list of fields, which the command reads its own way, or not at all); the rows point into
 * options and r, neither of which may move while the command line is parsed. */
void kh_cli_rows_add(kh_cli_rows *r, kh_cli_table table, void *options, const char *const *skip);
/* The row of flag, or NULL (to mark it seen, say). */
kh_opt *kh_cli_rows_find(kh_cli_rows *r, const char *flag);
/* The value of an ENUM option's name (kh_train_option_value: short and earlier names too), or
 * -1 after printing the usage error with the valid names under `flag`. */
int kh_cli_train_option_choose(const char *cmd, const char *flag, const char *field,
                               const char *given);
/* After parsing: each ENUM name given into its option. Prints the usage error and returns 1 for
 * an unknown name. */
int kh_cli_rows_names(const char *cmd, const kh_cli_rows *r);

#endif
