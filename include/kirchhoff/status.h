/* Status codes and the error context every kirchhoff call reports into. */
#ifndef KIRCHHOFF_STATUS_H
#define KIRCHHOFF_STATUS_H

#include "kirchhoff/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One table drives the enum, the names and the process exit codes, so they cannot drift apart.
 * X(symbol, exit_code, description) */
#define KH_STATUS_TABLE(X)                                                                         \
  X(KH_OK, 0, "ok")                                                                                \
  X(KH_ERR_USAGE, 1, "usage error")                                                                \
  X(KH_ERR_INPUT, 2, "input error")                                                                \
  X(KH_ERR_IO, 2, "file error")                                                                    \
  X(KH_ERR_NUMERIC, 3, "numerical failure")                                                        \
  X(KH_ERR_NOMEM, 4, "out of memory")                                                              \
  X(KH_ERR_BACKEND, 4, "backend failure")

typedef enum {
#define KH_STATUS_ENUM(sym, code, text) sym,
  KH_STATUS_TABLE(KH_STATUS_ENUM)
#undef KH_STATUS_ENUM
} kh_status;

/* "KH_ERR_INPUT" etc. */
KH_API const char *kh_status_name(kh_status status);
/* A short human description ("input error"). */
KH_API const char *kh_status_text(kh_status status);
/* The exit code the command-line tool uses for this status: 0 ok, 1 usage, 2 input,
 * 3 numerical failure, 4 environment (memory, missing backend). */
KH_API int kh_status_exit_code(kh_status status);

/* Per-caller error context: holds the message of the last failed call. Not shared between
 * threads; give each thread its own. */
typedef struct kh_context kh_context;

KH_API kh_status kh_context_new(kh_context **out);
KH_API void kh_context_free(kh_context *ctx);
/* Message of the last failure ("file:line:col: message" for input errors); "" if none. */
KH_API const char *kh_last_error(const kh_context *ctx);
/* Status of the last failure recorded in ctx (KH_OK if none since the last clear). */
KH_API kh_status kh_last_status(const kh_context *ctx);
KH_API void kh_clear_error(kh_context *ctx);
/* Records status and a printf-style message in ctx, as the library does for its own failures,
 * and returns status (`return kh_set_error(ctx, KH_ERR_USAGE, "...")`): for programs built on
 * the library that report their own errors the same way. ctx may be NULL. */
KH_API kh_status kh_set_error(kh_context *ctx, kh_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Blocks kirchhoff has allocated and not yet freed, in the whole process (its own allocations;
 * CHOLMOD's, HDF5's and ngspice's are theirs to count): equal before and after a
 * create/free cycle unless something leaked, which is how tests in other languages check for
 * leaks. A relaxed atomic counter; the one process-wide value the library keeps besides the
 * ngspice backend. */
KH_API long kh_live_allocations(void);

/* Library version as "MAJOR.MINOR.PATCH". */
KH_API const char *kh_version(void);

#ifdef __cplusplus
}
#endif
#endif
