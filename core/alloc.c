#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *kh_malloc(size_t size) {
  return malloc(size ? size : 1);
}

void *kh_calloc(size_t count, size_t size) {
  return calloc(count ? count : 1, size ? size : 1);
}

void *kh_realloc(void *ptr, size_t size) {
  return realloc(ptr, size ? size : 1);
}

void kh_free(void *ptr) {
  free(ptr);
}

char *kh_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = kh_malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

int kh_reserve(void **items, size_t *capacity, size_t need, size_t elem_size) {
  if (need <= *capacity) return 0;
  size_t cap = *capacity ? *capacity : 8;
  while (cap < need) {
    if (cap > SIZE_MAX / 2 / elem_size) return -1;
    cap *= 2;
  }
  void *p = kh_realloc(*items, cap * elem_size);
  if (!p) return -1;
  *items = p;
  *capacity = cap;
  return 0;
}
