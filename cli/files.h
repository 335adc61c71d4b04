/* The files a command reads and writes, checked before it writes anything: an output never
 * replaces an input or another output of the same run, and replaces an existing file only when
 * kirchhoff wrote it (a file of the same kind it recognizes) or with --force. */
#ifndef KH_CLI_FILES_H
#define KH_CLI_FILES_H

#include <stddef.h>

typedef enum { KH_FILE_INPUT, KH_FILE_TRACE, KH_FILE_NETLIST, KH_FILE_CSV } kh_file_kind;

typedef struct {
  const char *option; /* "--trace", "-o", or "the trace" for a positional argument */
  const char *path;   /* NULL: not given */
  kh_file_kind kind;  /* what an output holds; inputs are KH_FILE_INPUT */
} kh_cli_file;

/* Returns 0, or prints a usage error naming both files and returns 1. */
int kh_cli_check_files(const char *cmd, const kh_cli_file *files, size_t count, int force);

/* KH_CSV_SIGNATURE (kirchhoff/run.h), the first line of the CSV files kirchhoff writes, is how
 * kh_cli_check_files recognizes them. */
#include "kirchhoff/run.h"

#endif
