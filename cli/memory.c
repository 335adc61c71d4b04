/* Memory policy of the command-line tool (the library leaves malloc alone). */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#endif

enum { MIN_RESERVE_MB = 64, RESERVE_PER_INPUT_BYTE = 32 };

/* First-touch page faults on 4 KiB pages cost more than the solve on virtual machines: the
 * 100x100 diode grid took 3,870 faults and 107 ms, of which 37 ms went to them; the 1000x1000
 * grid's factor alone is hundreds of MB. So the heap is moved to transparent huge pages (2 MiB,
 * one fault each) before the input is read: every allocation comes from the brk heap (no
 * mmap'd blocks, none given back to the kernel while the tool runs), which is grown at once by
 * a reserve sized from the input (virtual address space only; pages are touched as used) and
 * advised MADV_HUGEPAGE. Growth past the reserve still works, on small pages. Under valgrind or
 * ASan, whose malloc replaces glibc's, the heap does not move and nothing happens.
 * KH_NO_HUGEPAGES=1 turns this off. */
void kh_cli_prefer_huge_pages(const char *input_file) {
#if defined(__GLIBC__) && defined(__linux__) && defined(MADV_HUGEPAGE)
  if (getenv("KH_NO_HUGEPAGES")) return;
  struct stat st;
  uint64_t reserve = (uint64_t)MIN_RESERVE_MB << 20;
  if (input_file && stat(input_file, &st) == 0 && st.st_size > 0)
    reserve = (uint64_t)st.st_size * RESERVE_PER_INPUT_BYTE > reserve
                  ? (uint64_t)st.st_size * RESERVE_PER_INPUT_BYTE
                  : reserve;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0 && reserve > (uint64_t)pages * (uint64_t)page / 2)
    reserve = (uint64_t)pages * (uint64_t)page / 2;
  if (reserve > INT32_MAX) reserve = INT32_MAX; /* mallopt takes an int */
  if (!mallopt(M_MMAP_MAX, 0) || !mallopt(M_TRIM_THRESHOLD, INT32_MAX) ||
      !mallopt(M_TOP_PAD, (int)reserve))
    return;
  uintptr_t before = (uintptr_t)sbrk(0);
  void *volatile grow = malloc(1 << 20); /* volatile: the compiler may not drop the pair */
  free(grow);
  uintptr_t after = (uintptr_t)sbrk(0), huge = (uintptr_t)2 << 20;
  uintptr_t start = (before + huge - 1) & ~(huge - 1);
  if (before != (uintptr_t)-1 && after > start)
    madvise((void *)start, after - start, MADV_HUGEPAGE);
#else
  (void)input_file;
#endif
}
