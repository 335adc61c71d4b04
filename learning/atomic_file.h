/* Crash-safe whole-file edits: begin (private to learning/, which edits traces in place) makes
 * PATH.kh-tmp (a copy of PATH when copy = 1, else nothing there yet), the caller writes the
 * temporary file, commit renames it over PATH (ok = 1) or removes it (ok = 0). The public half,
 * kh_atomic_write and kh_atomic_commit, is in kirchhoff/atomic_file.h. */
#ifndef KH_LEARNING_ATOMIC_FILE_H
#define KH_LEARNING_ATOMIC_FILE_H

#include "kirchhoff/atomic_file.h"

#include <stddef.h>

kh_status kh_atomic_begin(kh_context *ctx, const char *path, int copy, char *tmp, size_t size);

#endif
