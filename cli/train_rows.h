/* The train command's rows for the training options that are one number or switch each,
 * generated from KH_TRAIN_OPTIONS_TABLE (kirchhoff/train.h): a new such option gets its flag
 * without a line here. */
#ifndef KH_CLI_TRAIN_ROWS_H
#define KH_CLI_TRAIN_ROWS_H

#include "kirchhoff/train.h"
#include "options.h"

enum { KH_CLI_FLAG_LEN = 40 };

/* Rows into rows[0..), their flags written into names: the trace attribute's name with '-' for
 * '_' ("lr_decay": --lr-decay), pointing into o. DOUBLE, SIZE and U64 options take a value, INT
 * ones are switches. Left to the command's own rows: enums (chosen by name), and the options a
 * word of its own stands for or that are checked first (--limit, --threads, --points, --sweeps,
 * --harmonics). Returns the count (at most KH_CLI_TRAIN_ROWS). */
#define KH_CLI_TRAIN_ROWS 32
size_t kh_cli_train_option_rows(kh_train_options *o, kh_opt *rows, char names[][KH_CLI_FLAG_LEN]);

#endif
