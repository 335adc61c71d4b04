/* The logical lines a source holds (source.h): made, removed from near the end, released, and
 * their bytes located in their files for messages and notes. */
#include "source.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kh_source_init(kh_source *src, kh_arena *arena) {
  memset(src, 0, sizeof *src);
  src->arena = arena;
}

void kh_source_remove_lines(kh_source *src, uint32_t from, uint32_t to) {
  if (from >= to) return;
  const kh_line *first = &src->lines[from], *next = to < src->line_count ? &src->lines[to] : NULL;
  size_t text_cut = (next ? next->text : src->text_len) - first->text;
  size_t seg_cut = (next ? next->seg : src->seg_count) - first->seg;
  size_t text_at = first->text, seg_at = first->seg;
  memmove(src->text + text_at, src->text + text_at + text_cut, src->text_len - text_at - text_cut);
  memmove(src->segs + seg_at, src->segs + seg_at + seg_cut,
          (src->seg_count - seg_at - seg_cut) * sizeof *src->segs);
  for (size_t i = to; i < src->line_count; i++) {
    kh_line l = src->lines[i];
    l.text -= text_cut, l.seg -= seg_cut;
    src->lines[i - (to - from)] = l;
  }
  src->line_count -= to - from;
  src->text_len -= text_cut;
  src->seg_count -= seg_cut;
  src->offered = src->offered >= to    ? src->offered - (to - from)
                 : src->offered > from ? from
                                       : src->offered;
}

void kh_source_release(kh_source *src) {
  kh_free(src->text);
  kh_free(src->lines);
  kh_free(src->segs);
  kh_free(src->files);
  kh_free(src->notes);
  for (size_t i = 0; i < src->include_depth; i++) kh_free(src->include_stack[i]);
  kh_pspice_state_release(&src->pspice);
  for (size_t k = 0; k < src->held_count; k++)
    kh_free(src->held[k].text), kh_free(src->held[k].segs);
  kh_free(src->held);
  kh_source_init(src, src->arena);
}

kh_loc kh_source_loc(const kh_source *src, const kh_line *l, size_t offset) {
  const kh_segment *s = src->segs + l->seg;
  uint32_t i = 0;
  while (i + 1 < l->nseg && s[i + 1].offset <= offset) i++;
  kh_loc loc = {l->file, s[i].line, s[i].col + (uint32_t)(offset - s[i].offset)};
  return loc;
}

static int format_loc(char *buf, size_t cap, const kh_source *src, kh_loc loc) {
  const char *file = loc.file < src->file_count ? src->files[loc.file] : "?";
  return snprintf(buf, cap, "%s:%u:%u: ", file, (unsigned)loc.line, (unsigned)loc.col);
}

kh_status kh_source_fail(kh_context *ctx, const kh_source *src, kh_status status, kh_loc loc,
                         const char *fmt, ...) {
  if (!ctx) return status;
  int n = format_loc(ctx->message, sizeof ctx->message, src, loc);
  if (n < 0 || (size_t)n >= sizeof ctx->message) n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->message + n, sizeof ctx->message - (size_t)n, fmt, ap);
  va_end(ap);
  ctx->status = status;
  return status;
}

kh_status kh_source_note(kh_context *ctx, kh_source *src, kh_loc loc, const char *fmt, ...) {
  char buf[512];
  int n = format_loc(buf, sizeof buf, src, loc);
  if (n < 0 || (size_t)n >= sizeof buf) n = 0;
  n += snprintf(buf + n, sizeof buf - (size_t)n, "note: ");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  va_end(ap);
  if (kh_reserve((void **)&src->notes, &src->note_cap, src->note_count + 1, sizeof *src->notes))
    return kh_fail_nomem(ctx, "recording a note");
  char *copy = kh_arena_strdup(src->arena, buf);
  if (!copy) return kh_fail_nomem(ctx, "recording a note");
  src->notes[src->note_count++].message = copy;
  return KH_OK;
}
