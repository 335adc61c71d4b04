/* CSV data: one sample per line, features then an integer class label, comma separated. The
 * first line is a header when none of its fields is a number, or when it is scikit-learn's
 * "samples,features,class names" and the file agrees; lines starting with '#' are comments. Binary
 * input, other separators, empty fields (trailing commas), ragged rows and non-numbers are errors,
 * each at file:line:column. */
#include "dataset_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CSV_BYTES = 1 << 30 };

static char *read_all(kh_context *ctx, const char *path, size_t *size, kh_status *st) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *st = kh_fail(ctx, KH_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = kh_malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    if (cap >= MAX_CSV_BYTES) {
      *st = kh_fail(ctx, KH_ERR_INPUT, "'%s' is larger than 1 GiB", path);
      kh_free(buf), fclose(f);
      return NULL;
    }
    char *bigger = kh_realloc(buf, 2 * cap + 1);
    if (!bigger) kh_free(buf);
    buf = bigger, cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf)
    *st = kh_fail_nomem(ctx, "reading a CSV file");
  else if (bad)
    *st = kh_fail(ctx, KH_ERR_IO, "reading '%s' failed", path), kh_free(buf), buf = 0;
  if (buf) buf[n] = '\0', *size = n;
  return buf;
}

typedef struct {
  const char *start; /* field text (not terminated) */
  size_t len, col;
} field;

/* Splits line [s, e) at commas; trims blanks and a trailing '\r'. Returns the field count. */
static size_t split(const char *line, const char *e, field *out, size_t max) {
  size_t n = 0;
  const char *s = line;
  for (;;) {
    const char *comma = memchr(s, ',', (size_t)(e - s));
    const char *end = comma ? comma : e, *a = s, *b = end;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
    if (n < max) out[n] = (field){a, (size_t)(b - a), (size_t)(a - line) + 1};
    n++;
    if (!comma) return n;
    s = comma + 1;
  }
}

/* 1: a finite number filling the field; 0: not a number; -1: NaN or infinite. */
static int number(const field *f, double *v) {
  char tmp[64];
  if (f->len == 0 || f->len >= sizeof tmp) return 0;
  memcpy(tmp, f->start, f->len);
  tmp[f->len] = '\0';
  char *end;
  *v = strtod(tmp, &end);
  if (*end) return 0;
  return isfinite(*v) ? 1 : -1;
}

static int blank(const char *s, const char *e) {
  for (; s < e; s++)
    if (*s != ' ' && *s != '\t' && *s != '\r') return 0;
  return 1;
}

/* A line whose first non-blank character is '#': a comment (kirchhoff's own CSV files start
 * with one saying what wrote them). */
static int comment(const char *s, const char *e) {
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  return s < e && *s == '#';
}

/* Bytes no text file holds (controls other than tab, CR, LF, FF): the file is binary. Returns
 * the first one's offset, or size. */
static size_t first_binary(const char *text, size_t size) {
  for (size_t i = 0; i < size; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') return i;
  }
  return size;
}

static void line_and_column(const char *text, size_t at, size_t *line, size_t *col) {
  *line = 1, *col = 1;
  for (size_t i = 0; i < at; i++) text[i] == '\n' ? (*line)++, *col = 1 : (*col)++;
}

/* Why a line with one field is not a sample: another separator, or a single column. */
static const char *separator_hint(const char *s, const char *e) {
  for (const char *p = s; p < e; p++) {
    if (*p == ';') return "its fields are separated by ';': kirchhoff reads comma-separated values";
    if (*p == '\t')
      return "its fields are separated by tabs: kirchhoff reads comma-separated values";
  }
  return "a sample needs features and a label, separated by commas";
}

typedef struct {
  const char *path;
  size_t columns, count, line;
  int header;                       /* 1: names; 2: scikit-learn's counts and class names */
  double said_count, said_features; /* what a scikit-learn header says */
  kh_dataset *d;
} reader;

/* One data line's fields into sample r->count. */
static kh_status sample(kh_context *ctx, reader *r, const field *f, size_t n, const char *line,
                        const char *e) {
  if (n == r->columns + 1 && !f[n - 1].len)
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%zu:%zu: empty field at the end of the line (a "
                   "trailing comma?)",
                   r->path, r->line, f[n - 1].col);
  if (n != r->columns) {
    size_t col = n > r->columns ? f[r->columns].col : (size_t)(e - line) + 1;
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: %zu fields, but %zu on the first %s line",
                   r->path, r->line, col, n, r->columns, r->header ? "(header)" : "data");
  }
  for (size_t k = 0; k < n; k++) {
    double v;
    int ok = f[k].len ? number(&f[k], &v) : 0;
    if (!f[k].len)
      return kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: empty field%s", r->path, r->line, f[k].col,
                     k + 1 == n ? " at the end of the line (a trailing comma?)" : "");
    if (ok <= 0)
      return kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: %s '%.*s'", r->path, r->line, f[k].col,
                     ok < 0 ? "not a finite number:" : "not a number:",
                     (int)(f[k].len > 40 ? 40 : f[k].len), f[k].start);
    if (k + 1 < n)
      r->d->x[r->count * r->d->features + k] = v;
    else if (v < 0 || v != floor(v) || v > 65535)
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%zu:%zu: the label (last field) must be a class "
                     "0..65535, got %g",
                     r->path, r->line, f[k].col, v);
    else
      r->d->label[r->count] = (unsigned)v;
  }
  r->count++;
  return KH_OK;
}

/* The first line that is not blank or a comment is a header when none of its fields is a number
 * (1), or when it is scikit-learn's "samples,features,class names.." (2: checked against the
 * file once read); a line otherwise mixing names and numbers is data, and its words errors. */
static int is_header(const field *f, size_t n, reader *r) {
  int numbers = 0;
  for (size_t k = 0; k < n; k++) {
    double v;
    if (number(&f[k], &v) && (k >= 2 || v < 0 || v != floor(v))) return 0;
    numbers += k < 2 && number(&f[k], &v);
  }
  if (!numbers) return 1;
  if (numbers < 2 || n < 3) return 0;
  number(&f[0], &r->said_count), number(&f[1], &r->said_features);
  return 2;
}

kh_status kh_dataset_load_csv(kh_context *ctx, kh_dataset **out, const char *path) {
  *out = NULL;
  size_t size = 0, lines = 0;
  kh_status st = KH_OK;
  char *text = read_all(ctx, path, &size, &st);
  if (!text) return st;
  size_t bad = first_binary(text, size);
  if (bad < size) {
    size_t line, col;
    line_and_column(text, bad, &line, &col);
    st = kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: binary data (byte 0x%02x), not CSV text", path,
                 line, col, (unsigned char)text[bad]);
    kh_free(text);
    return st;
  }
  for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
  lines++;
  field *f = NULL;
  size_t max_fields = 0;
  reader r = {path, 0, 0, 0, 0, 0, 0, NULL};
  const char *p = text, *end = text + size;
  if (size >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) p += 3; /* the byte-order mark Excel writes */
  while (st == KH_OK && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
    r.line++;
    if (!blank(p, e) && !comment(p, e)) {
      size_t n = split(p, e, NULL, 0);
      if (n > max_fields) {
        kh_free(f);
        f = kh_malloc((n + 1) * sizeof *f);
        max_fields = f ? n : 0;
        if (!f) st = kh_fail_nomem(ctx, "reading a CSV file");
      }
      if (st == KH_OK) split(p, e, f, n);
      if (st == KH_OK && !r.header && !r.columns) { /* the first line sets the shape */
        if (n < 2)
          st = kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:1: %s", path, r.line, separator_hint(p, e));
        r.header = st == KH_OK ? is_header(f, n, &r) : 0;
        if (r.header != 2) r.columns = n; /* scikit-learn's header: the first sample's */
        if (st == KH_OK && r.columns) st = kh_dataset_alloc(ctx, &r.d, lines, n - 1);
        if (r.header) {
          for (size_t k = 0; st == KH_OK && k < n; k++)
            if (!f[k].len)
              st = kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: empty name in the header%s", path,
                           r.line, f[k].col, k + 1 == n ? " (a trailing comma?)" : "");
          p = nl ? nl + 1 : end;
          continue;
        }
      }
      if (st == KH_OK && !r.columns) {
        r.columns = n;
        st = n < 2 ? kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:1: %s", path, r.line, separator_hint(p, e))
                   : kh_dataset_alloc(ctx, &r.d, lines, n - 1);
      }
      if (st == KH_OK) st = sample(ctx, &r, f, n, p, e);
    }
    p = nl ? nl + 1 : end;
  }
  kh_free(f);
  kh_free(text);
  if (st == KH_OK && r.count == 0)
    st = kh_fail(ctx, KH_ERR_INPUT, "%s: no samples%s", path, r.header ? " after the header" : "");
  if (st == KH_OK && r.header == 2 &&
      (r.said_count != (double)r.count || r.said_features != (double)(r.columns - 1)))
    st = kh_fail(ctx, KH_ERR_INPUT,
                 "%s:1:1: the first line reads as scikit-learn's header (%g samples of %g "
                 "features, then class names) but the file holds %zu samples of %zu features",
                 path, r.said_count, r.said_features, r.count, r.columns - 1);
  if (st != KH_OK) {
    kh_dataset_free(r.d);
    return st;
  }
  kh_dataset *d = r.d;
  d->count = r.count;
  d->header = r.header;
  for (size_t i = 0; i < d->count; i++)
    if (d->label[i] + 1 > d->classes) d->classes = d->label[i] + 1;
  *out = d;
  return KH_OK;
}
