/* CSV data: one sample per line, features then an integer class label, comma separated. A first
 * line with any field that is not a number is a header and skipped. Every error names
 * file:line:column. */
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

kh_status kh_dataset_load_csv(kh_context *ctx, kh_dataset **out, const char *path) {
  *out = NULL;
  size_t size = 0, lines = 0;
  kh_status st = KH_OK;
  char *text = read_all(ctx, path, &size, &st);
  if (!text) return st;
  for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
  lines++;
  field *f = NULL;
  size_t columns = 0, count = 0, max_fields = 0;
  int first = 1;
  kh_dataset *d = NULL;
  const char *p = text, *end = text + size;
  for (size_t line = 1; st == KH_OK && p < end; line++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
    if (!blank(p, e)) {
      size_t n = split(p, e, NULL, 0);
      if (n > max_fields) {
        kh_free(f);
        f = kh_malloc((n + 1) * sizeof *f);
        max_fields = n;
        if (!f) {
          st = kh_fail_nomem(ctx, "reading a CSV file");
          break;
        }
      }
      split(p, e, f, n);
      if (first) { /* the first line sets the shape, or is a header */
        double v;
        int header = 0;
        first = 0;
        for (size_t k = 0; k < n; k++) header |= number(&f[k], &v) == 0;
        if (header) {
          p = nl ? nl + 1 : end;
          continue;
        }
      }
      if (!columns) columns = n;
      if (st == KH_OK && columns < 2)
        st =
            kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:1: a sample needs features and a label", path, line);
      if (st == KH_OK && n != columns)
        st = kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:1: %zu fields, expected %zu as on the first line",
                     path, line, n, columns);
      if (st == KH_OK && !d) st = kh_dataset_alloc(ctx, &d, lines, columns - 1);
      for (size_t k = 0; st == KH_OK && k < n; k++) {
        double v;
        int ok = number(&f[k], &v);
        if (ok <= 0)
          st = kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: %s '%.*s'", path, line, f[k].col,
                       ok < 0 ? "not a finite number:" : "not a number:",
                       (int)(f[k].len > 40 ? 40 : f[k].len), f[k].start);
        else if (k + 1 < n)
          d->x[count * d->features + k] = v;
        else if (v < 0 || v != floor(v) || v > 65535)
          st = kh_fail(ctx, KH_ERR_INPUT, "%s:%zu:%zu: the label must be a class 0..65535, got %g",
                       path, line, f[k].col, v);
        else
          d->label[count] = (unsigned)v;
      }
      if (st == KH_OK) count++;
    }
    p = nl ? nl + 1 : end;
  }
  kh_free(f);
  kh_free(text);
  if (st == KH_OK && count == 0) st = kh_fail(ctx, KH_ERR_INPUT, "%s: no samples", path);
  if (st != KH_OK) {
    kh_dataset_free(d);
    return st;
  }
  d->count = count;
  for (size_t i = 0; i < count; i++)
    if (d->label[i] + 1 > d->classes) d->classes = d->label[i] + 1;
  *out = d;
  return KH_OK;
}
