/* Every kirchhoff allocation goes through these, so a test build can fail the k-th one
 * (allocation-failure torture) and so CHOLMOD can be pointed at the same hooks. */
#ifndef KH_CORE_ALLOC_H
#define KH_CORE_ALLOC_H

#include <stddef.h>

void *kh_malloc(size_t size);
void *kh_calloc(size_t count, size_t size);
void *kh_realloc(void *ptr, size_t size);
void kh_free(void *ptr);
char *kh_strdup(const char *s);
/* Zeroed and aligned to a cache line (64 bytes), so that threads working on different lines of
 * an array never share one; freed with kh_aligned_free. */
void *kh_aligned_calloc(size_t count, size_t size);
void kh_aligned_free(void *ptr);

/* Asks for transparent huge pages on the 2 MiB-aligned interior of a block of 8 MB or more
 * (kh_malloc, kh_calloc and kh_realloc do it; so does a buffer that grows by plain realloc).
 * Advice only: nothing changes when the kernel declines. Returns p. */
void *kh_advise_huge(void *p, size_t size);

/* Ensures *items has room for `need` elements of `elem_size` bytes, growing geometrically.
 * Returns 0 on success, -1 when out of memory (the array is left as it was). */
int kh_reserve(void **items, size_t *capacity, size_t need, size_t elem_size);
/* The same, growing to exactly `need` (for callers that know the final size up front). */
int kh_reserve_exact(void **items, size_t *capacity, size_t need, size_t elem_size);

/* Allocation-failure torture, compiled in only with meson -Dalloc_torture=true (tests/core/
 * alloc_torture.c): arm(k, persistent) makes the k-th allocation from now fail (k = 0: none),
 * and every later one too when persistent; calls counts allocations since arm; live counts the
 * blocks allocated and not yet freed, so a test can see leaks on each error path. */
void kh_alloc_torture_arm(long k, int persistent);
long kh_alloc_torture_calls(void);
long kh_alloc_torture_live(void);

#endif
