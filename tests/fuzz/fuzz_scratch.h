/* Scratch files the harnesses write under /tmp, removed when the fuzzer exits normally (each
 * run of scripts/fuzz.sh used to leave them behind); a crash keeps them for a look. */
#ifndef KH_FUZZ_SCRATCH_H
#define KH_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KH_FUZZ_SCRATCH_MAX = 8 };
static char kh_fuzz_scratch_paths[KH_FUZZ_SCRATCH_MAX][128];
static int kh_fuzz_scratch_count;

static void kh_fuzz_scratch_remove(void) {
  while (kh_fuzz_scratch_count > 0) remove(kh_fuzz_scratch_paths[--kh_fuzz_scratch_count]);
}

/* Registers path for removal at exit, after everything registered later (a directory before
 * its files). */
static inline void kh_fuzz_scratch(const char *path) {
  if (kh_fuzz_scratch_count == 0) atexit(kh_fuzz_scratch_remove);
  if (kh_fuzz_scratch_count == KH_FUZZ_SCRATCH_MAX || strlen(path) >= 128) abort();
  strcpy(kh_fuzz_scratch_paths[kh_fuzz_scratch_count++], path);
}

#endif
