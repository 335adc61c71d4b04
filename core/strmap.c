#include "strmap.h"

#include "alloc.h"

#include <string.h>

static uint32_t hash_bytes(const char *s, size_t len) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
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

static size_t probe(const kh_strmap *m, const char *s, size_t len, uint32_t h) {
  size_t mask = m->slot_count - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t slot = m->slots[i];
    if (!slot) return i;
    uint32_t id = slot - 1;
    const struct kh_strmap_entry *e = &m->entries[id];
    if (e->hash == h && strncmp(e->name, s, len) == 0 && e->name[len] == '\0') return i;
  }
}

uint32_t kh_strmap_find(const kh_strmap *m, const char *s, size_t len) {
  if (!m->slot_count) return KH_NOT_FOUND;
  uint32_t slot = m->slots[probe(m, s, len, hash_bytes(s, len))];
  return slot ? slot - 1 : KH_NOT_FOUND;
}

static int rehash(kh_strmap *m, size_t slot_count) {
  uint32_t *slots = kh_calloc(slot_count, sizeof *slots);
  if (!slots) return -1;
  for (size_t id = 0; id < m->count; id++) {
    size_t i = m->entries[id].hash & (slot_count - 1);
    while (slots[i]) i = (i + 1) & (slot_count - 1);
    slots[i] = (uint32_t)id + 1;
  }
  kh_free(m->slots);
  m->slots = slots;
  m->slot_count = slot_count;
  return 0;
}

int kh_strmap_intern(kh_strmap *m, const char *s, size_t len, uint32_t *id, int *added) {
  if ((m->count + 1) * 2 > m->slot_count && rehash(m, m->slot_count ? m->slot_count * 2 : 64))
    return -1;
  uint32_t h = hash_bytes(s, len);
  size_t i = probe(m, s, len, h);
  if (m->slots[i]) {
    *id = m->slots[i] - 1;
    if (added) *added = 0;
    return 0;
  }
  if (m->count >= KH_NOT_FOUND - 1) return -1;
  if (kh_reserve((void **)&m->entries, &m->capacity, m->count + 1, sizeof *m->entries)) return -1;
  char *copy = kh_arena_strndup(m->arena, s, len);
  if (!copy) return -1;
  m->entries[m->count].name = copy;
  m->entries[m->count].hash = h;
  m->slots[i] = (uint32_t)m->count + 1;
  *id = (uint32_t)m->count++;
  if (added) *added = 1;
  return 0;
}
