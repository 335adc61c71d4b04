#include "strmap.h"

#include "alloc.h"

#include <string.h>

static uint32_t hash_bytes(const char *s, size_t len) {
  uint32_t h = 2166136261u; /* FNV-1a, then murmur3's finalizer: names like r1..r2000000 */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  h ^= h >> 16; /* differ only in their last bytes, which FNV leaves in the high bits */
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

void kh_strmap_init(kh_strmap *m, kh_arena *arena) {
  memset(m, 0, sizeof *m);
  m->arena = arena;
}

void kh_strmap_release(kh_strmap *m) {
  kh_free(m->slots);
  kh_free(m->entries);
  kh_arena *arena = m->arena;
  kh_strmap_init(m, arena);
}

#define ID_MASK ((1u << KH_STRMAP_ID_BITS) - 1)

/* The hash's top bits, above the id; the slot index comes from its low bits. */
static uint32_t tag_of(uint32_t h) {
  return h & ~ID_MASK;
}

static size_t probe(const kh_strmap *m, const char *s, size_t len, uint32_t h) {
  size_t mask = m->slot_count - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t slot = m->slots[i];
    if (!slot) return i;
    if ((slot & ~ID_MASK) != tag_of(h)) continue;
    const char *name = m->entries[(slot & ID_MASK) - 1].name;
    if (strncmp(name, s, len) == 0 && name[len] == '\0') return i;
  }
}

uint32_t kh_strmap_find(const kh_strmap *m, const char *s, size_t len) {
  if (!m->slot_count) return KH_NOT_FOUND;
  uint32_t id1 = m->slots[probe(m, s, len, hash_bytes(s, len))] & ID_MASK;
  return id1 ? id1 - 1 : KH_NOT_FOUND;
}

void kh_strmap_prefetch(const kh_strmap *m, const char *s, size_t len) {
  if (m->slot_count) __builtin_prefetch(&m->slots[hash_bytes(s, len) & (m->slot_count - 1)]);
}

static int rehash(kh_strmap *m, size_t slot_count) {
  uint32_t *slots = kh_calloc(slot_count, sizeof *slots);
  if (!slots) return -1;
  for (size_t id = 0; id < m->count; id++) {
    const char *name = m->entries[id].name;
    uint32_t h = hash_bytes(name, strlen(name));
    size_t i = h & (slot_count - 1);
    while (slots[i]) i = (i + 1) & (slot_count - 1);
    slots[i] = tag_of(h) | (uint32_t)(id + 1);
  }
  kh_free(m->slots);
  m->slots = slots;
  m->slot_count = slot_count;
  return 0;
}

/* Linear probing at a load of at most 1/2: an unsuccessful probe (every new name) reads ~2.5
 * slots, against ~13 at the 4/5 this allowed until 2026-12-04, and each slot whose 5-bit tag
 * matches costs a string compare; 4 bytes a slot make it 8-16 bytes a name, next to the ~1 KB
 * a node costs in all (docs/scaling.md). The power-grid deck parsed in 15 ms instead of 21. */
static int overloaded(size_t count, size_t slots) {
  return count * 2 > slots;
}

int kh_strmap_reserve(kh_strmap *m, size_t count) {
  size_t slots = 64;
  while (overloaded(count, slots)) slots *= 2;
  if (slots <= m->slot_count) return 0;
  if (kh_reserve((void **)&m->entries, &m->capacity, count, sizeof *m->entries)) return -1;
  return rehash(m, slots);
}

int kh_strmap_intern(kh_strmap *m, const char *s, size_t len, uint32_t *id, int *added) {
  if (overloaded(m->count + 1, m->slot_count) && rehash(m, m->slot_count ? m->slot_count * 2 : 64))
    return -1;
  uint32_t h = hash_bytes(s, len);
  size_t i = probe(m, s, len, h);
  if (m->slots[i]) {
    *id = (m->slots[i] & ID_MASK) - 1;
    if (added) *added = 0;
    return 0;
  }
  if (m->count >= ID_MASK - 1) return -1;
  if (kh_reserve((void **)&m->entries, &m->capacity, m->count + 1, sizeof *m->entries)) return -1;
  char *copy = kh_arena_strndup(m->arena, s, len);
  if (!copy) return -1;
  m->entries[m->count].name = copy;
  m->slots[i] = tag_of(h) | (uint32_t)(m->count + 1);
  *id = (uint32_t)m->count++;
  if (added) *added = 1;
  return 0;
}
