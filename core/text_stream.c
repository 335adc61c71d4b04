#define _GNU_SOURCE /* fopencookie */
#include "text_stream.h"

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char **text;
  size_t *size, capacity;
} sink;

/* Room for `need` bytes and the NUL. */
static int grow(sink *s, size_t need) {
  if (need < s->capacity) return 0;
  size_t cap = s->capacity ? s->capacity : 4096;
  while (cap <= need) {
    if (cap > SIZE_MAX / 2) return -1;
    cap *= 2;
  }
  char *p = realloc(*s->text, cap);
  if (!p) return -1;
  *s->text = kh_advise_huge(p, cap), s->capacity = cap;
  return 0;
}

static ssize_t append(void *cookie, const char *buf, size_t n) {
  sink *s = cookie;
  if (grow(s, *s->size + n)) return 0; /* a short write: the stream's error */
  memcpy(*s->text + *s->size, buf, n);
  *s->size += n;
  (*s->text)[*s->size] = '\0';
  return (ssize_t)n;
}

static int close_sink(void *cookie) {
  free(cookie);
  return 0;
}

FILE *kh_text_stream(char **text, size_t *size) {
  sink *s = malloc(sizeof *s);
  *text = NULL, *size = 0;
  if (!s) return NULL;
  *s = (sink){text, size, 0};
  if (grow(s, 0)) return free(s), NULL;
  (*text)[0] = '\0';
  FILE *f = fopencookie(s, "w", (cookie_io_functions_t){NULL, append, NULL, close_sink});
  if (!f)
    free(*text), *text = NULL, free(s);
  else
    setvbuf(f, NULL, _IOFBF, 1 << 16);
  return f;
}
