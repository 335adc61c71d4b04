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

/* The raw block's address sits just before the aligned pointer. */
void *kh_aligned_calloc(size_t count, size_t size) {
  if (size && count > (SIZE_MAX - 128) / size) return NULL;
  unsigned char *raw = kh_calloc(1, count * size + 64 + sizeof(void *));
  if (!raw) return NULL;
  uintptr_t at = ((uintptr_t)(raw + sizeof(void *)) + 63) & ~(uintptr_t)63;
  memcpy((void *)(at - sizeof(void *)), &raw, sizeof raw);
  return (void *)at;
}

void kh_aligned_free(void *ptr) {
  if (!ptr) return;
  void *raw;
  memcpy(&raw, (unsigned char *)ptr - sizeof raw, sizeof raw);
  kh_free(raw);
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
