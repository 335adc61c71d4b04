#include "files.h"

#include "cli.h"
#include "kirchhoff/trace.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The absolute path after resolving links; for a file not there yet, its resolved folder plus
 * its name. Returns 0 when even the folder cannot be resolved (the write will then fail with
 * its own message). */
static int resolve(const char *path, char *out) {
  if (realpath(path, out)) return 1;
  char dir[PATH_MAX], real[PATH_MAX];
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n >= sizeof dir) return 0;
  memcpy(dir, path, n);
  dir[n] = '\0';
  if (!realpath(slash ? (n ? dir : "/") : ".", real)) return 0;
  return snprintf(out, PATH_MAX, "%s/%s", real, base) < PATH_MAX;
}

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  char ra[PATH_MAX], rb[PATH_MAX];
  return resolve(a, ra) && resolve(b, rb) && !strcmp(ra, rb);
}

/* The first bytes of a file, NUL-terminated. */
static size_t head(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, size - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  return n;
}

/* A netlist kirchhoff wrote says so in its first lines (kirchhoff net, export, train
 * --save-net). */
static int ours(const char *path, kh_file_kind kind) {
  char buf[1024];
  switch (kind) {
  case KH_FILE_TRACE: return kh_trace_recognize(path);
  case KH_FILE_NETLIST:
    head(path, buf, sizeof buf);
    return strstr(buf, "\n* written by kirchhoff ") || strstr(buf, "\n* exported by kirchhoff ") ||
           !strncmp(buf, "* exported by kirchhoff ", 24);
  case KH_FILE_CSV: /* ours start with the signature, or are a sweep's index (cli/sweep.c) */
    head(path, buf, sizeof buf);
    return !strncmp(buf, KH_CSV_SIGNATURE, strlen(KH_CSV_SIGNATURE)) ||
           (!strncmp(buf, "point,", 6) && strstr(buf, ",exit_code,test_error,seconds,trace\n"));
  case KH_FILE_INPUT: break;
  }
  return 0;
}

static const char *kind_name(kh_file_kind kind) {
  return kind == KH_FILE_TRACE     ? "an HDF5 trace"
         : kind == KH_FILE_NETLIST ? "a netlist"
                                   : "a CSV file";
}

int kh_cli_check_files(const char *cmd, const kh_cli_file *files, size_t count, int force) {
  for (size_t i = 0; i < count; i++) {
    const kh_cli_file *o = &files[i];
    if (o->kind == KH_FILE_INPUT || !o->path) continue;
    for (size_t j = 0; j < count; j++) {
      const kh_cli_file *other = &files[j];
      if (j == i || !other->path || !same_file(o->path, other->path)) continue;
      if (other->kind == KH_FILE_INPUT)
        return kh_cli_usage(cmd,
                            "%s '%s' is the %s file '%s': an output never replaces an "
                            "input; nothing was written",
                            o->option, o->path, other->option, other->path);
      if (j < i)
        return kh_cli_usage(cmd, "%s '%s' and %s '%s' are the same file; nothing was written",
                            other->option, other->path, o->option, o->path);
    }
    struct stat st;
    if (stat(o->path, &st) != 0) continue; /* a new file */
    if (S_ISDIR(st.st_mode))
      return kh_cli_usage(cmd, "%s '%s' is a folder; give a file name", o->option, o->path);
    if (!force && st.st_size > 0 && !ours(o->path, o->kind)) /* an empty file loses nothing */
      return kh_cli_usage(cmd,
                          "%s '%s' exists and is not %s that kirchhoff wrote; nothing was "
                          "written (--force replaces it)",
                          o->option, o->path, kind_name(o->kind));
  }
  return 0;
}
