/* Crash-safe whole-file edits (private to learning/): begin makes PATH.kh-tmp (a copy of PATH
 * when copy = 1, else nothing there yet), the caller writes the temporary file, commit renames it
 * over PATH (ok = 1) or removes it (ok = 0). */
#ifndef KH_LEARNING_ATOMIC_FILE_H
#define KH_LEARNING_ATOMIC_FILE_H

#include "kirchhoff/status.h"

#include <stddef.h>
#include <stdio.h>

kh_status kh_atomic_begin(kh_context *ctx, const char *path, int copy, char *tmp, size_t size);
kh_status kh_atomic_commit(kh_context *ctx, const char *tmp, const char *path, int ok);
/* begin (no copy), then write(f, what) into the temporary file, then close it; on failure the
 * temporary file is gone and tmp is "". The caller commits. */
kh_status kh_atomic_write(kh_context *ctx, const char *path, char *tmp, size_t size,
                          void (*write)(FILE *, const void *), const void *what);

#endif
