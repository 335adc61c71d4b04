/* Private helpers for recording errors into a kh_context. */
#ifndef KH_CORE_CONTEXT_H
#define KH_CORE_CONTEXT_H

#include "kirchhoff/status.h"

#include <stdarg.h>
#include <stddef.h>

#define KH_ERROR_CAPACITY 1024

struct kh_context {
  kh_status status;
  char message[KH_ERROR_CAPACITY];
};

#if defined(__GNUC__)
#define KH_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KH_PRINTF(a, b)
#endif

/* Records status and a formatted message; returns status so callers can `return kh_fail(...)`.
 * ctx may be NULL (the message is then dropped). */
#define kh_fail kh_set_error /* the public name (kirchhoff/status.h); kh_fail reads shorter */
kh_status kh_vfail(kh_context *ctx, kh_status status, const char *fmt, va_list ap);
/* Puts a formatted prefix in front of the recorded message (context for an error raised deeper
 * down, e.g. "nudged phase (beta = 0.1): "). */
void kh_context_prefix(kh_context *ctx, const char *fmt, ...) KH_PRINTF(2, 3);
/* The common out-of-memory report. */
kh_status kh_fail_nomem(kh_context *ctx, const char *what);

#endif
