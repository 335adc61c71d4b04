/* The file of a table2d or table3d model (`file="name"`), found and read as ngspice 39 finds and
 * reads it (src/xspice/icm/dlmain.c: fopen_with_path; table2D/cfunc.mod and table3D/cfunc.mod:
 * init_local_data; support/gettokens.c: CNVgettok, cnv_get_spice_value; read there, and
 * measured). Its layout, a line each, lines starting with '*' and blank lines skipped:
 *
 *   nx                      points on the x axis
 *   ny                      on the y axis
 *   [nz]                    on the z axis (table3d)
 *   x0 x1 ... x(nx-1)       the axes, ascending
 *   y0 y1 ... y(ny-1)
 *   [z0 z1 ... z(nz-1)]
 *   f(x0,y0) ... f(x(nx-1),y0)      a row per y (per z, ny rows each, for table3d)
 *   ...
 *
 * Numbers are split by blanks, '=', '(', ')' and ','; each is read as cnv_get_spice_value reads
 * it (a number, then a scale from its first letter other than e: t g k u n p f m, meg and mil,
 * any other letter 1). Where ngspice would read a file otherwise than as it is written, it is
 * refused at its line and column: a token that is no number (ngspice reads its start or 0), a
 * count that is not a whole number of 2 or more, an axis that does not ascend, a row of too many
 * or too few numbers, too few rows (ngspice leaves the rest 0), more rows (table2d writes past
 * its table; table3d ignores them), a line of blanks alone (a row of no numbers there). */
#include "netlist_impl.h"
#include "parser.h"
#include "table_grid.h"

#include "core/alloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_TABLE_BYTES = 1 << 30, MAX_NUMBER = 81 /* cnv_get_spice_value's line_t */ };

typedef struct {
  kh_parser *p;
  uint32_t line;      /* the model card's */
  const kh_token *at; /* its file= value */
  const char *name;   /* as the card names it (in lower case): for messages */
  const char *text, *end;
  uint32_t row, col; /* where the token read last starts */
} table_reader;

static kh_status table_fail(table_reader *t, const char *fmt, ...) KH_PRINTF(2, 3);
static kh_status table_fail(table_reader *t, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return kh_token_fail(t->p, t->line, t->at, "table file %s:%u:%u: %s", t->name,
                       t->row ? t->row : 1, t->col, msg);
}

static int separator(char c) {
  return isspace((unsigned char)c) || c == '=' || c == '(' || c == ')' || c == ',';
}

/* cnv_get_spice_value's scale for the letter at s[0] (s[1] the next, or 0). */
static double scale_of(const char *s, const char *end) {
  char next = s + 1 < end ? (char)toupper((unsigned char)s[1]) : 0;
  switch (tolower((unsigned char)s[0])) {
  case 't': return 1.0e12;
  case 'g': return 1.0e9;
  case 'k': return 1.0e3;
  case 'u': return 1.0e-6;
  case 'n': return 1.0e-9;
  case 'p': return 1.0e-12;
  case 'f': return 1.0e-15;
  case 'm': return next == 'E' ? 1.0e6 : next == 'I' ? 25.4e-6 : 1.0e-3;
  default: return 1.0;
  }
}

/* The number of the token [s, end): its digits up to the first letter other than e, scaled as
 * that letter says; -1 where the digits are not one whole finite number. */
static int number_of(const char *s, const char *end, double *value) {
  size_t len = (size_t)(end - s), i = 0;
  if (len > MAX_NUMBER) return -1;
  while (i < len && !(isalpha((unsigned char)s[i]) && s[i] != 'e' && s[i] != 'E')) i++;
  char digits[MAX_NUMBER + 1], *stop;
  memcpy(digits, s, i);
  digits[i] = '\0';
  errno = 0;
  double v = strtod(digits, &stop);
  if (i == 0 || *stop != '\0' || errno == ERANGE) return -1;
  *value = i < len ? v * scale_of(s + i, end) : v;
  return 0;
}

/* The next line that is neither blank nor a comment, into [*line, *line_end); 0 at the file's
 * end. t->row follows it. */
static int next_line(table_reader *t, const char **cursor, const char **line,
                     const char **line_end) {
  while (*cursor < t->end) {
    const char *s = *cursor, *e = memchr(s, '\n', (size_t)(t->end - s));
    if (!e) e = t->end;
    *cursor = e < t->end ? e + 1 : e;
    t->row++;
    if (e == s || s[0] == '*') continue;
    *line = s, *line_end = e;
    return 1;
  }
  return 0;
}

/* The numbers of the line [s, e) into v (at most cap; *count gets how many it holds, cap + 1
 * where more). */
static kh_status line_numbers(table_reader *t, const char *s, const char *e, double *v, size_t cap,
                              size_t *count) {
  const char *line = s;
  *count = 0;
  while (s < e) {
    while (s < e && separator(*s)) s++;
    if (s == e) break;
    const char *start = s;
    while (s < e && !separator(*s)) s++;
    t->col = (uint32_t)(start - line) + 1;
    if (*count == cap) return (*count)++, KH_OK;
    if (number_of(start, s, &v[*count]))
      return table_fail(t, "'%.*s' is not a number (ngspice 39 reads its start, or 0)",
                        (int)(s - start < 40 ? s - start : 40), start);
    (*count)++;
  }
  t->col = 1;
  if (*count == 0)
    return table_fail(t, "a line of blanks alone (ngspice 39 reads it as a row of no numbers)");
  return KH_OK;
}

/* Reads `want` numbers, one line of them, into v: `what` names the line for messages. */
static kh_status read_row(table_reader *t, const char **cursor, double *v, size_t want,
                          const char *what) {
  const char *s, *e;
  if (!next_line(t, cursor, &s, &e))
    return table_fail(t, "the file ends before %s (ngspice 39 would read 0 there)", what);
  size_t got;
  kh_status st = line_numbers(t, s, e, v, want, &got);
  if (st == KH_OK && got != want)
    st = table_fail(t, "%s holds %s numbers, the table's size is %zu", what,
                    got > want ? "more" : "fewer", want);
  return st;
}

static const char *const axis_names[3] = {"x", "y", "z"};

/* The points on each axis: a whole number of 2 or more, alone on its line. */
static kh_status read_counts(table_reader *t, const char **cursor, kh_grid *g, size_t bytes) {
  uint64_t total = 1;
  for (uint32_t d = 0; d < g->dims; d++) {
    const char *s, *e;
    double n = 0;
    char what[40];
    snprintf(what, sizeof what, "the %s axis' number of points", axis_names[d]);
    if (!next_line(t, cursor, &s, &e)) return table_fail(t, "the file ends before %s", what);
    t->col = 1;
    if (separator(s[0]))
      return table_fail(t, "%s must start its line (ngspice 39 reads none there)", what);
    size_t got;
    kh_status st = line_numbers(t, s, e, &n, 1, &got);
    if (st != KH_OK) return st;
    t->col = 1;
    if (got != 1) return table_fail(t, "%s must stand alone on its line", what);
    if (!(n >= 2 && n == floor(n)))
      return table_fail(t, "%s must be a whole number of 2 or more, got %g", what, n);
    if (n > (double)bytes) /* and below 2^32: the file is at most 1 GiB */
      return table_fail(t, "%s makes a table larger than the file could hold", what);
    g->n[d] = (uint32_t)n;
    total *= g->n[d];
    if (total > bytes / 2) /* each value takes a digit and a blank */
      return table_fail(t, "%s makes a table larger than the file could hold", what);
  }
  return KH_OK;
}

static kh_status read_axes(table_reader *t, const char **cursor, kh_grid *g, kh_arena *arena) {
  for (uint32_t d = 0; d < g->dims; d++) {
    double *axis = kh_arena_alloc(arena, g->n[d] * sizeof *axis);
    if (!axis) return kh_fail_nomem(t->p->ctx, "reading a table file");
    char what[24];
    snprintf(what, sizeof what, "the %s axis' line", axis_names[d]);
    kh_status st = read_row(t, cursor, axis, g->n[d], what);
    if (st != KH_OK) return st;
    for (uint32_t i = 1; i < g->n[d]; i++)
      if (!(axis[i] > axis[i - 1]))
        return table_fail(t, "the %s axis must ascend: %g after %g", axis_names[d], axis[i],
                          axis[i - 1]);
    g->axis[d] = axis;
  }
  return KH_OK;
}

static kh_status read_values(table_reader *t, const char **cursor, kh_grid *g, kh_arena *arena) {
  size_t rows = g->n[1] * (g->dims == 3 ? (size_t)g->n[2] : 1);
  double *values = kh_arena_alloc(arena, rows * g->n[0] * sizeof *values);
  if (!values) return kh_fail_nomem(t->p->ctx, "reading a table file");
  for (size_t r = 0; r < rows; r++) {
    char what[64];
    snprintf(what, sizeof what, "row %zu of %zu", r + 1, rows);
    kh_status st = read_row(t, cursor, values + r * g->n[0], g->n[0], what);
    if (st != KH_OK) return st;
  }
  const char *s, *e;
  if (next_line(t, cursor, &s, &e)) {
    t->col = 1;
    return table_fail(t, "more rows than the table's %zu (ngspice 39 %s)", rows,
                      g->dims == 2 ? "writes them past its table" : "ignores them");
  }
  g->values = values;
  return KH_OK;
}

/* Where ngspice 39 opens `name` (fopen_with_path): a relative name first beside the deck (the
 * directory of the file it was given), then in $NGSPICE_INPUT_DIR, then as written; the first
 * path that names a file (of any kind: ngspice opens a directory there too, and fails reading
 * it; a FIFO is not opened here, where opening would wait for a writer) into `path`, with its
 * status. Returns 0 where none names a file. */
static int find_table(const char *deck_dir, const char *name, char path[PATH_MAX],
                      struct stat *st) {
  int relative = name[0] != '/' && name[1] != ':';
  const char *input_dir = getenv("NGSPICE_INPUT_DIR");
  const char *dirs[2] = {deck_dir, input_dir && *input_dir ? input_dir : NULL};
  for (int k = 0; relative && deck_dir && k < 2; k++) {
    if (!dirs[k]) continue;
    size_t n = strlen(dirs[k]);
    const char *slash = k == 1 && n && dirs[k][n - 1] == '/' ? "" : "/";
    if (snprintf(path, PATH_MAX, "%s%s%s", *dirs[k] ? dirs[k] : ".", slash, name) < PATH_MAX &&
        stat(path, st) == 0)
      return 1;
  }
  snprintf(path, PATH_MAX, "%s", name);
  return stat(path, st) == 0;
}

static int has_capitals(const char *s) {
  for (; *s; s++)
    if (isupper((unsigned char)*s)) return 1;
  return 0;
}

/* The path the deck kirchhoff writes names the table by, which ngspice 39 reads in lower case
 * (and not beside the deck it was read from): the file's full path where that has no capitals,
 * else the path it was opened by where that has none (from the working directory), else the full
 * path (which the caller notes). `resolved` holds the full path. */
static const char *written_path(const char *path, char resolved[PATH_MAX]) {
  if (!realpath(path, resolved)) snprintf(resolved, PATH_MAX, "%s", path);
  return has_capitals(resolved) && !has_capitals(path) ? path : resolved;
}

/* The whole file at path (of status st) into the arena, NUL-terminated. */
static kh_status slurp(table_reader *t, const char *path, const struct stat *st, kh_arena *arena,
                       size_t *bytes) {
  const char *why = NULL;
  char *text = NULL;
  FILE *f = NULL;
  if (!S_ISREG(st->st_mode))
    why = "is not a regular file";
  else if (st->st_size > MAX_TABLE_BYTES)
    why = "is larger than 1 GiB";
  else if (!(f = fopen(path, "rb")))
    why = "cannot be opened";
  else if (!(text = kh_arena_alloc(arena, (size_t)st->st_size + 1)))
    why = "does not fit in memory";
  else if (fread(text, 1, (size_t)st->st_size, f) != (size_t)st->st_size || ferror(f))
    why = "could not be read whole";
  if (f) fclose(f);
  if (why) return kh_token_fail(t->p, t->line, t->at, "table file '%s' %s", t->name, why);
  text[st->st_size] = '\0';
  t->text = text, t->end = text + st->st_size, *bytes = (size_t)st->st_size;
  return KH_OK;
}

kh_status kh_table_file_read(kh_parser *p, uint32_t line, const kh_token *at, uint32_t dims,
                             size_t *index) {
  if (at->len < 2 || at->s[0] != '"' || at->s[at->len - 1] != '"')
    return kh_token_fail(p, line, at,
                         "a table file's name must be in double quotes (ngspice 39 fails on it "
                         "bare)");
  char name[PATH_MAX], path[PATH_MAX];
  if (at->len - 2 >= sizeof name || at->len == 2)
    return kh_token_fail(p, line, at, "a table file's name must be 1 to %d characters",
                         PATH_MAX - 1);
  for (size_t k = 0; k + 2 < at->len; k++) /* ngspice 39's front end lowercases it (measured) */
    name[k] = (char)tolower((unsigned char)at->s[k + 1]);
  name[at->len - 2] = '\0';
  struct stat found;
  if (!find_table(p->src.deck_dir, name, path, &found))
    return kh_token_fail(p, line, at,
                         "cannot open table file '%s' (looked for as ngspice 39 does, in lower "
                         "case: beside the deck, in $NGSPICE_INPUT_DIR, in the working "
                         "directory)",
                         name);
  char resolved[PATH_MAX];
  const char *written = written_path(path, resolved);
  kh_netlist *nl = p->nl;
  for (size_t k = 0; k < nl->grid_count; k++)
    if (nl->grids[k]->dims == dims && !strcmp(nl->grids[k]->path, written)) {
      *index = k;
      return KH_OK;
    }
  table_reader t = {p, line, at, name, NULL, NULL, 0, 1};
  kh_grid *g = kh_arena_alloc(&nl->arena, sizeof *g);
  size_t bytes = 0;
  if (!g) return kh_fail_nomem(p->ctx, "reading a table file");
  *g = (kh_grid){.dims = dims, .path = kh_arena_strdup(&nl->arena, written)};
  kh_status st = slurp(&t, path, &found, &nl->arena, &bytes);
  const char *cursor = t.text;
  if (st == KH_OK && memchr(t.text, '\0', bytes))
    st = kh_token_fail(p, line, at, "table file '%s' holds a NUL byte", name);
  if (st == KH_OK) st = read_counts(&t, &cursor, g, bytes);
  if (st == KH_OK) st = read_axes(&t, &cursor, g, &nl->arena);
  if (st == KH_OK) st = read_values(&t, &cursor, g, &nl->arena);
  if (st == KH_OK && !g->path) st = kh_fail_nomem(p->ctx, "reading a table file");
  if (st == KH_OK &&
      kh_reserve((void **)&nl->grids, &nl->grid_cap, nl->grid_count + 1, sizeof *nl->grids))
    st = kh_fail_nomem(p->ctx, "reading a table file");
  if (st == KH_OK && has_capitals(written))
    st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, at),
                        "the table's path %s has capitals, which ngspice 39 lowercases: the deck "
                        "kirchhoff writes for it (op --compare, validate, export) names a file "
                        "it will not find",
                        written);
  if (st != KH_OK) return st;
  *index = nl->grid_count;
  nl->grids[nl->grid_count++] = g;
  return KH_OK;
}
