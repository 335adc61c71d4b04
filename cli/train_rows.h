/* The train command's rows for the training options that are one number, switch or name each,
 * generated from KH_TRAIN_OPTIONS_TABLE (kirchhoff/train.h): a new such option gets its flag
 * without a line here. */
#ifndef KH_CLI_TRAIN_ROWS_H
#define KH_CLI_TRAIN_ROWS_H

#include "kirchhoff/train.h"
#include "options.h"

enum { KH_CLI_FLAG_LEN = 40, KH_CLI_TRAIN_ROWS = 40 };

/* Each row's flag is the trace attribute's name with '-' for '_' ("lr_decay": --lr-decay).
 * DOUBLE, SIZE and U64 options take a value and INT ones are switches, written straight into
 * the options; an ENUM option takes a name, kept in words until kh_cli_train_option_names turns
 * it into the value. Left to the command's own rows: the options a word of its own stands for
 * or that are checked first (--limit, --threads, --points, --sweeps, --contour, --k). */
typedef struct {
  kh_opt rows[KH_CLI_TRAIN_ROWS];
  size_t count;
  char flags[KH_CLI_TRAIN_ROWS][KH_CLI_FLAG_LEN];
  const char *words[KH_CLI_TRAIN_ROWS];  /* ENUM rows: the name given (NULL: none) */
  const char *fields[KH_CLI_TRAIN_ROWS]; /* ENUM rows: the option's field (NULL: not an enum) */
} kh_cli_train_rows;

/* The rows, pointing into o and r (neither may move while the command line is parsed). */
void kh_cli_train_option_rows(kh_train_options *o, kh_cli_train_rows *r);
/* The value of an ENUM option's name (kh_train_option_value: short and earlier names too), or
 * -1 after printing the usage error with the valid names under `flag`. */
int kh_cli_train_option_choose(const char *cmd, const char *flag, const char *field,
                               const char *given);
/* After parsing: each ENUM name given into o (short and earlier names accepted,
 * kh_train_option_value). Prints the usage error and returns 1 for an unknown name. */
int kh_cli_train_option_names(const char *cmd, kh_train_options *o, const kh_cli_train_rows *r);

#endif
