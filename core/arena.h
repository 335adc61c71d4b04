/* Bump allocator for objects that live exactly as long as their owner (a parsed netlist):
 * one free releases everything, so parse errors at any point cannot leak. */
#ifndef KH_CORE_ARENA_H
#define KH_CORE_ARENA_H

#include <stddef.h>

typedef struct kh_arena_block kh_arena_block;
typedef struct {
  kh_arena_block *head;
} kh_arena;

void kh_arena_init(kh_arena *a);
void kh_arena_release(kh_arena *a);
/* 16-byte aligned; NULL when out of memory. */
void *kh_arena_alloc(kh_arena *a, size_t size);
/* NUL-terminated copy of s[0..len). */
char *kh_arena_strndup(kh_arena *a, const char *s, size_t len);
char *kh_arena_strdup(kh_arena *a, const char *s);

#endif
