#include "alloc.h"

#include "kirchhoff/status.h" /* kh_live_allocations */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>
#include <sys/mman.h>

/* Blocks allocated and not yet freed, for kh_live_allocations: a diagnostic counter (relaxed
 * atomics, a few cycles per allocation), the one piece of process-wide state the library keeps
 * besides the ngspice backend. */
static atomic_long live;

long kh_live_allocations(void) {
  return atomic_load_explicit(&live, memory_order_relaxed);
}

static void *counted(void *p) {
  if (p) atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
  return p;
}
#define COUNTED(p) counted(p)
#define UNCOUNT(p) (p ? (void)atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed) : (void)0)

#ifdef KH_ALLOC_TORTURE
#include <execinfo.h>
#include <unistd.h>

/* Test builds only (meson -Dalloc_torture=true): a test can fail any single allocation. */
static atomic_long torture_calls, torture_fail_at;
static atomic_int torture_persistent;

void kh_alloc_torture_arm(long k, int persistent) {
  atomic_store(&torture_calls, 0);
  atomic_store(&torture_persistent, persistent);
  atomic_store(&torture_fail_at, k);
}

long kh_alloc_torture_calls(void) {
  return atomic_load(&torture_calls);
}

long kh_alloc_torture_live(void) {
  return kh_live_allocations();
}

static int refuse(void) {
  long k = atomic_load(&torture_fail_at), call = atomic_fetch_add(&torture_calls, 1) + 1;
  if (k > 0 && call == k && getenv("KH_TORTURE_BACKTRACE")) { /* where is allocation k? */
    void *frames[32];
    backtrace_symbols_fd(frames, backtrace(frames, 32), STDERR_FILENO);
  }
  return k > 0 && (call == k || (call > k && atomic_load(&torture_persistent)));
}
#define REFUSE() refuse()
#else
#define REFUSE() 0
#endif

/* Large blocks (data sets, a DRN's matrices and netlist arrays: hundreds of MB) ask for
 * transparent huge pages where the kernel gives them on request (THP "madvise"): one fault per
 * 2 MiB instead of per 4 KiB. On a virtual machine a fault costs microseconds, and a DRN-1H run
 * touches about 900 MB before its first sweep. Only the 2 MiB-aligned interior is advised. */
enum { HUGE_MIN = 8 << 20, HUGE_PAGE = 2 << 20 };

void *kh_advise_huge(void *p, size_t size) {
#ifdef MADV_HUGEPAGE
  if (p && size >= HUGE_MIN) {
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t b = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (b > a) madvise((void *)a, b - a, MADV_HUGEPAGE); /* advice: a refusal changes nothing */
  }
#else
  (void)size;
#endif
  return p;
}

void *kh_malloc(size_t size) {
  if (REFUSE()) return NULL;
  return COUNTED(kh_advise_huge(malloc(size ? size : 1), size));
}

void *kh_calloc(size_t count, size_t size) {
  if (REFUSE()) return NULL;
  size_t bytes = count && size && count <= SIZE_MAX / size ? count * size : 0;
  return COUNTED(kh_advise_huge(calloc(count ? count : 1, size ? size : 1), bytes));
}

void *kh_realloc(void *ptr, size_t size) {
  if (REFUSE()) return NULL;
  void *p = kh_advise_huge(realloc(ptr, size ? size : 1), size);
  return ptr ? p : COUNTED(p);
}

void kh_free(void *ptr) {
  UNCOUNT(ptr);
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

int kh_reserve_exact(void **items, size_t *capacity, size_t need, size_t elem_size) {
  if (need <= *capacity) return 0;
  if (need > SIZE_MAX / elem_size) return -1;
  void *p = kh_realloc(*items, need * elem_size);
  if (!p) return -1;
  *items = p;
  *capacity = need;
  return 0;
}
