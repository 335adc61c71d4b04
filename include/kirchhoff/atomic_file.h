/* Crash-safe file output, as kirchhoff writes its own outputs: the content goes to a temporary
 * file next to PATH, which replaces PATH by rename() only once it is complete, so a program
 * killed at any moment leaves either the old file or the new one, never half of one. */
#ifndef KIRCHHOFF_ATOMIC_FILE_H
#define KIRCHHOFF_ATOMIC_FILE_H

#include "kirchhoff/export.h"
#include "kirchhoff/status.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes write(f, what) to a new temporary file next to path and closes it; its name goes to
 * tmp (size bytes; PATH_MAX is enough). On failure the temporary file is gone and tmp is "".
 * Nothing replaces path until kh_atomic_commit. */
KH_API kh_status kh_atomic_write(kh_context *ctx, const char *path, char *tmp, size_t size,
                                 void (*write)(FILE *, const void *), const void *what);
/* ok = 1: renames tmp over path; ok = 0: removes tmp. tmp "" does nothing. Writing several files
 * first and committing them together only when all succeeded keeps a failed run from leaving
 * some of them changed. */
KH_API kh_status kh_atomic_commit(kh_context *ctx, const char *tmp, const char *path, int ok);

#ifdef __cplusplus
}
#endif
#endif
