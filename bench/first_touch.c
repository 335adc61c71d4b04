/* What the first write to fresh memory costs on this machine, against a second write to the same
 * pages: small pages, then pages advised MADV_HUGEPAGE (as the tool's heap is, cli/memory.c).
 * On a virtual machine whose host backs guest memory lazily, the first touch is the host's
 * fault as well as the guest's, and it decides how long the start-up of a run that allocates
 * hundreds of MB takes (docs/benchmarks.md). Prints, asserts nothing.
 * Usage: bench/first_touch [MB] (default 256) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void measure(size_t mb, int huge) {
  size_t n = mb << 20, align = (size_t)2 << 20;
  char *raw = mmap(NULL, n + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    perror("first_touch: mmap");
    exit(1);
  }
  char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
  madvise(p, n, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  double t0 = now();
  memset(p, 1, n);
  double first = now() - t0;
  t0 = now();
  memset(p, 2, n);
  double second = now() - t0;
  printf("%-12s %5zu MB: first write %7.1f ms (%.2f ms/MB), second %6.1f ms (%.3f ms/MB)\n",
         huge ? "huge pages" : "small pages", mb, 1e3 * first, 1e3 * first / (double)mb,
         1e3 * second, 1e3 * second / (double)mb);
  munmap(raw, n + align);
}

int main(int argc, char **argv) {
  long mb = argc > 1 ? atol(argv[1]) : 256;
  if (mb < 1) {
    fprintf(stderr, "usage: first_touch [MB]\n");
    return 1;
  }
  measure((size_t)mb, 0);
  measure((size_t)mb, 1);
  return 0;
}
