#include "arena.h"

#include "alloc.h"

#include <stdint.h>
#include <string.h>

struct kh_arena_block {
  kh_arena_block *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
};

enum { MIN_BLOCK = 64 * 1024 };

void kh_arena_init(kh_arena *a) {
  a->head = NULL;
}

void kh_arena_release(kh_arena *a) {
  kh_arena_block *b = a->head;
  while (b) {
    kh_arena_block *next = b->next;
    kh_free(b);
    b = next;
  }
  a->head = NULL;
}

void *kh_arena_alloc(kh_arena *a, size_t size) {
  size = (size + 15) & ~(size_t)15;
  kh_arena_block *b = a->head;
  if (!b || b->size - b->used < size) {
    if (size > SIZE_MAX / 2) return NULL;
    size_t cap = size > MIN_BLOCK ? size : MIN_BLOCK;
    /* Grow blocks with the arena so huge netlists need few allocations. */
    if (b && b->size * 2 > cap && b->size < (1u << 26)) cap = b->size * 2;
    b = kh_malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = a->head;
    b->used = 0;
    b->size = cap;
    a->head = b;
  }
  void *p = b->data + b->used;
  b->used += size;
  return p;
}

char *kh_arena_strndup(kh_arena *a, const char *s, size_t len) {
  char *p = kh_arena_alloc(a, len + 1);
  if (!p) return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *kh_arena_strdup(kh_arena *a, const char *s) {
  return kh_arena_strndup(a, s, strlen(s));
}
