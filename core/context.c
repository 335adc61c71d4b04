#include "context.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  int exit_code;
  const char *text;
} status_table[] = {
#define KH_STATUS_ROW(sym, code, text) {#sym, code, text},
    KH_STATUS_TABLE(KH_STATUS_ROW)
#undef KH_STATUS_ROW
};

#define STATUS_COUNT (sizeof status_table / sizeof status_table[0])

const char *kh_status_name(kh_status s) {
  return (unsigned)s < STATUS_COUNT ? status_table[s].name : "KH_UNKNOWN";
}

const char *kh_status_text(kh_status s) {
  return (unsigned)s < STATUS_COUNT ? status_table[s].text : "unknown status";
}

int kh_status_exit_code(kh_status s) {
  return (unsigned)s < STATUS_COUNT ? status_table[s].exit_code : 4;
}

kh_status kh_context_new(kh_context **out) {
  *out = kh_calloc(1, sizeof **out);
  return *out ? KH_OK : KH_ERR_NOMEM;
}

void kh_context_free(kh_context *ctx) {
  kh_free(ctx);
}

const char *kh_last_error(const kh_context *ctx) {
  return ctx ? ctx->message : "";
}

kh_status kh_last_status(const kh_context *ctx) {
  return ctx ? ctx->status : KH_OK;
}

void kh_clear_error(kh_context *ctx) {
  if (!ctx) return;
  ctx->status = KH_OK;
  ctx->message[0] = '\0';
}

kh_status kh_vfail(kh_context *ctx, kh_status status, const char *fmt, va_list ap) {
  if (ctx) {
    ctx->status = status;
    vsnprintf(ctx->message, sizeof ctx->message, fmt, ap);
  }
  return status;
}

kh_status kh_set_error(kh_context *ctx, kh_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kh_vfail(ctx, status, fmt, ap);
  va_end(ap);
  return status;
}

void kh_context_prefix(kh_context *ctx, const char *fmt, ...) {
  if (!ctx) return;
  char prefix[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  size_t lp = strlen(prefix), lm = strnlen(ctx->message, sizeof ctx->message - 1);
  if (lp + lm > sizeof ctx->message - 1) lm = sizeof ctx->message - 1 - lp; /* truncate the tail */
  memmove(ctx->message + lp, ctx->message, lm);
  memcpy(ctx->message, prefix, lp);
  ctx->message[lp + lm] = '\0';
}

kh_status kh_fail_nomem(kh_context *ctx, const char *what) {
  return kh_fail(ctx, KH_ERR_NOMEM, "out of memory while %s", what);
}

const char *kh_version(void) {
  return KH_VERSION_STRING;
}
