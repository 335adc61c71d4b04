/* Interning map from strings to dense ids 0, 1, 2, ... in insertion order. Names are kept in
 * the caller's arena; ids index the caller's own arrays. Used for node and element names,
 * where netlists with millions of lines need O(1) lookups. */
#ifndef KH_CORE_STRMAP_H
#define KH_CORE_STRMAP_H

#include "arena.h"

#include <stddef.h>
#include <stdint.h>

#define KH_NOT_FOUND UINT32_MAX
#define KH_STRMAP_ID_BITS 27 /* up to 2^27 - 2 names */

typedef struct {
  kh_arena *arena;
  /* A slot: id + 1 in the low KH_STRMAP_ID_BITS (0: empty), above them the hash's top bits,
   * so that a probe passing other names rarely leaves the slot array to compare them (1 in
   * 32). Four bytes, not eight: the slots of a million names are touched at random, and on
   * virtual machines fresh memory costs milliseconds per megabyte. */
  uint32_t *slots;
  size_t slot_count;
  struct kh_strmap_entry {
    const char *name;
  } * entries; /* by id */
  size_t count, capacity;
} kh_strmap;

void kh_strmap_init(kh_strmap *m, kh_arena *arena);
void kh_strmap_release(kh_strmap *m);
/* Name of an existing id. */
static inline const char *kh_strmap_name(const kh_strmap *m, uint32_t id) {
  return m->entries[id].name;
}
/* Sizes the table for `count` names up front (a hint: no rehash until it is exceeded). */
int kh_strmap_reserve(kh_strmap *m, size_t count);
uint32_t kh_strmap_find(const kh_strmap *m, const char *s, size_t len);
/* Starts loading the slot where s would go: a name interned a few hundred nanoseconds later
 * then finds it in cache (a million names make every slot a cache and TLB miss otherwise). */
void kh_strmap_prefetch(const kh_strmap *m, const char *s, size_t len);
/* Finds or adds s; *id receives its id, *added whether it was new. -1 on out of memory. */
int kh_strmap_intern(kh_strmap *m, const char *s, size_t len, uint32_t *id, int *added);

#endif
