/* The source's side of ngspice's compatibility modes (pspice.c and ltspice.c rewrite a line's
 * text): which lines they rewrite, a rewritten line put in place of the one read (its bytes
 * keeping their file:line:col), the lines the modes add, each handed on as it is complete, and
 * PSpice's AKO cards held to their scope's end. */
#include "pspice.h"
#include "source.h"

#include "kirchhoff/netlist.h"

#include "core/alloc.h"

#include <stdint.h>
#include <string.h>

int kh_source_pspice_line(const kh_source *src, uint32_t line) {
  return (src->compat & KH_COMPAT_WHOLE) || (src->compat && src->lines[line].file != 0);
}

static kh_status out_of_memory(kh_context *ctx) {
  return kh_fail_nomem(ctx, "reading the netlist");
}

/* Appends the complete logical line `text` (lower case ASCII) of file `file` at line:col. */
static kh_status append_line(kh_context *ctx, kh_source *src, uint32_t file, uint32_t line,
                             uint32_t col, const char *text) {
  size_t n = strlen(text);
  if (kh_reserve((void **)&src->lines, &src->line_cap, src->line_count + 1, sizeof *src->lines) ||
      kh_reserve((void **)&src->text, &src->text_cap, src->text_len + n + 1, 1) ||
      kh_reserve((void **)&src->segs, &src->seg_cap, src->seg_count + 1, sizeof *src->segs))
    return out_of_memory(ctx);
  src->lines[src->line_count++] = (kh_line){
      .text = src->text_len, .len = (uint32_t)n, .file = file, .seg = src->seg_count, .nseg = 1};
  src->segs[src->seg_count++] = (kh_segment){0, line, col};
  memcpy(src->text + src->text_len, text, n + 1);
  src->text_len += n + 1;
  return KH_OK;
}

/* Logical line i (the last one) replaced by e's text, each byte located where e->from says its
 * byte of the line as read was. */
static kh_status replace_line(kh_context *ctx, kh_source *src, uint32_t i, const kh_edit *e) {
  kh_line *l = &src->lines[i];
  if (i + 1 != src->line_count || l->text + l->len + 1 != src->text_len ||
      l->seg + l->nseg != src->seg_count)
    return kh_source_fail(ctx, src, KH_ERR_INPUT, kh_source_loc(src, l, 0),
                          "PSpice mode: a line rewritten after the next one began");
  kh_line old = *l;
  kh_segment *was = kh_malloc(old.nseg * sizeof *was);
  if (!was) return out_of_memory(ctx);
  memcpy(was, src->segs + old.seg, old.nseg * sizeof *was);
  kh_source view = *src;
  view.segs = was, old.seg = 0;
  src->seg_count = l->seg, src->text_len = l->text, l->nseg = 0;
  kh_status st = KH_OK;
  if (kh_reserve((void **)&src->text, &src->text_cap, src->text_len + e->n + 1, 1) ||
      kh_reserve((void **)&src->segs, &src->seg_cap, src->seg_count + e->n + 1, sizeof *src->segs))
    st = out_of_memory(ctx);
  for (size_t o = 0; st == KH_OK && o < e->n; o++) {
    kh_loc at = kh_source_loc(&view, &old, e->from[o]);
    const kh_segment *last = l->nseg ? &src->segs[src->seg_count - 1] : NULL;
    if (!last || last->line != at.line || last->col + (o - last->offset) != at.col)
      src->segs[src->seg_count++] = (kh_segment){(uint32_t)o, at.line, at.col}, l->nseg++;
  }
  if (st == KH_OK && !l->nseg) src->segs[src->seg_count++] = was[0], l->nseg = 1;
  kh_free(was);
  if (st != KH_OK) return st;
  memcpy(src->text + src->text_len, e->t, e->n);
  src->text_len += e->n;
  src->text[src->text_len++] = '\0';
  l->len = (uint32_t)e->n;
  return KH_OK;
}

/* Hands line `offered` to on_line (counts it where there is none). */
kh_status kh_source_hand_on(kh_source *src) {
  if (!src->on_line) return src->offered++, KH_OK;
  return src->on_line(src->on_line_user, src->offered++);
}

/* Appends a complete synthetic line (append_line) and hands it on at once: the parser takes
 * each line as the last one read (parse.c streams and removes lines behind it). */
kh_status kh_source_take_synthetic_line(kh_context *ctx, kh_source *src, uint32_t file,
                                        uint32_t line, uint32_t col, const char *text) {
  kh_status st = append_line(ctx, src, file, line, col, text);
  return st == KH_OK ? kh_source_hand_on(src) : st;
}

/* Where an ideal diode's card rewritten in LTspice mode has its name; -1 when out of memory. */
static int record_ideal(kh_source *src, kh_loc at) {
  kh_pspice_state *ps = &src->pspice;
  if (kh_reserve((void **)&ps->ideal, &ps->ideal_cap, ps->ideal_count + 1, sizeof *ps->ideal))
    return -1;
  ps->ideal[ps->ideal_count++] = (struct kh_ideal_diode){at.file, at.line, at.col};
  return 0;
}

/* Line i as ngspice's compatibility modes rewrite it (pspice.c), *res what else that rewrite asks.
 */
static kh_status pspice_line(kh_context *ctx, kh_source *src, uint32_t i, kh_pspice_result *res) {
  kh_edit e = {0};
  const kh_line *l = &src->lines[i];
  if (kh_pspice_rewrite(kh_line_text(src, l), l->len, kh_source_pspice_line(src, i), l->file,
                        src->compat, &src->pspice, &e, res))
    return kh_edit_release(&e), out_of_memory(ctx);
  kh_status st = KH_OK;
  if (res->why[0])
    st = kh_source_fail(ctx, src, KH_ERR_INPUT, kh_source_loc(src, l, res->why_at),
                        "%s (ngspice's %s mode, from its start-up file)", res->why,
                        src->compat & KH_COMPAT_PS ? "PSpice" : "LTspice");
  else if (res->ideal_at != SIZE_MAX && record_ideal(src, kh_source_loc(src, l, res->ideal_at)))
    st = out_of_memory(ctx);
  if (st == KH_OK && !res->why[0] && (e.n != l->len || memcmp(e.t, kh_line_text(src, l), e.n)))
    st = replace_line(ctx, src, i, &e);
  kh_edit_release(&e);
  return st;
}

/* The lines ngspice's PSpice mode puts after a rewritten one (the parameters after a .subckt,
 * a TABLE( function's B source), at its place. */
static kh_status lines_after(kh_context *ctx, kh_source *src, const kh_pspice_result *res,
                             uint32_t file, kh_segment at) {
  kh_status st = KH_OK;
  for (size_t k = 0; st == KH_OK && res->opens_subckt && kh_pspice_subckt_params[k]; k++)
    st = kh_source_take_synthetic_line(ctx, src, file, at.line, at.col, kh_pspice_subckt_params[k]);
  for (size_t k = 0; st == KH_OK && k < res->after_count; k++)
    st = kh_source_take_synthetic_line(ctx, src, file, at.line, at.col, res->after[k]);
  return st;
}

/* The next line in PSpice mode: rewritten, then handed on with the lines that mode puts after
 * it (or dropped). */
kh_status kh_source_offer_pspice_line(kh_context *ctx, kh_source *src) {
  kh_status st = kh_source_release_before_ends(ctx, src);
  if (st != KH_OK) return st;
  uint32_t i = src->offered;
  kh_pspice_result res = {.why = ""};
  uint32_t scope = src->pspice.depth ? src->pspice.scope : 0;
  st = pspice_line(ctx, src, i, &res);
  kh_line l = src->lines[i];
  kh_segment at = src->segs[l.seg]; /* the line may be gone once taken */
  if (st == KH_OK && res.drop)      /* the last line: rewritten lines are */
    kh_source_remove_lines(src, i, i + 1);
  else if (st == KH_OK && res.hold) /* an AKO card whose base is not read yet */
    st = kh_source_hold_line(ctx, src, i, scope);
  else if (st == KH_OK && (st = kh_source_hand_on(src)) == KH_OK)
    st = lines_after(ctx, src, &res, l.file, at);
  kh_pspice_result_release(&res);
  return st;
}

/* ---- AKO cards whose base comes after them ----
 * ngspice 39's ako_model looks the base up in the card's .subckt, then at its file's top level,
 * below the card as above it; kirchhoff's source streams its lines to the parser, so such a card
 * is held out of the store as read and put back, to be rewritten as any other line, at its
 * scope's end: before the .ends of its .subckt, or at its file's end (the deck's with `psa`).
 * Its location stays its own. */

static void free_held(struct kh_held_line *h) {
  kh_free(h->text), kh_free(h->segs);
  h->text = NULL, h->segs = NULL;
}

/* Line i's text and segments copied into *h; -1 when out of memory. */
static int copy_line(const kh_source *src, uint32_t i, struct kh_held_line *h) {
  const kh_line *l = &src->lines[i];
  *h = (struct kh_held_line){
      kh_malloc(l->len + 1), kh_malloc(l->nseg * sizeof *h->segs), l->len, l->nseg, l->file, 0};
  if (!h->text || !h->segs) return free_held(h), -1;
  memcpy(h->text, kh_line_text(src, l), l->len + 1);
  memcpy(h->segs, src->segs + l->seg, l->nseg * sizeof *h->segs);
  return 0;
}

/* *h appended as the last, complete line (its segments keep their file:line:col). */
static kh_status put_line(kh_context *ctx, kh_source *src, const struct kh_held_line *h) {
  if (kh_reserve((void **)&src->lines, &src->line_cap, src->line_count + 1, sizeof *src->lines) ||
      kh_reserve((void **)&src->text, &src->text_cap, src->text_len + h->len + 1, 1) ||
      kh_reserve((void **)&src->segs, &src->seg_cap, src->seg_count + h->nseg, sizeof *src->segs))
    return out_of_memory(ctx);
  src->lines[src->line_count++] = (kh_line){.text = src->text_len,
                                            .len = h->len,
                                            .file = h->file,
                                            .seg = src->seg_count,
                                            .nseg = h->nseg};
  memcpy(src->segs + src->seg_count, h->segs, h->nseg * sizeof *h->segs);
  src->seg_count += h->nseg;
  memcpy(src->text + src->text_len, h->text, h->len + 1);
  src->text_len += h->len + 1;
  return KH_OK;
}

kh_status kh_source_hold_line(kh_context *ctx, kh_source *src, uint32_t i, uint32_t scope) {
  if (kh_reserve((void **)&src->held, &src->held_cap, src->held_count + 1, sizeof *src->held))
    return out_of_memory(ctx);
  struct kh_held_line *h = &src->held[src->held_count];
  if (copy_line(src, i, h)) return out_of_memory(ctx);
  h->scope = scope, src->held_count++;
  kh_source_remove_lines(src, i, i + 1);
  return KH_OK;
}

kh_status kh_source_release_held(kh_context *ctx, kh_source *src, uint32_t file, int any_file,
                                 uint32_t scope) {
  kh_status st = KH_OK;
  size_t kept = 0;
  for (size_t k = 0; k < src->held_count; k++) {
    struct kh_held_line h = src->held[k];
    if (st != KH_OK || h.scope != scope || (!any_file && h.file != file)) {
      src->held[kept++] = h;
      continue;
    }
    st = put_line(ctx, src, &h);
    src->pspice.releasing = 1; /* a base still missing is refused now */
    if (st == KH_OK) st = kh_source_offer_pspice_line(ctx, src);
    src->pspice.releasing = 0;
    free_held(&h);
  }
  src->held_count = kept;
  return st;
}

kh_status kh_source_release_before_ends(kh_context *ctx, kh_source *src) {
  uint32_t i = src->offered, scope = src->pspice.scope;
  const char *text = kh_line_text(src, &src->lines[i]);
  int any = 0;
  for (size_t k = 0; k < src->held_count && !any; k++) any = src->held[k].scope == scope;
  if (!any || src->pspice.depth != 1 || strncmp(text, ".ends", 5) || !kh_source_pspice_line(src, i))
    return KH_OK;
  struct kh_held_line ends; /* the .ends itself out of the way, then back after its cards */
  if (copy_line(src, i, &ends)) return out_of_memory(ctx);
  kh_source_remove_lines(src, i, i + 1);
  kh_status st = kh_source_release_held(ctx, src, 0, 1, scope);
  if (st == KH_OK) st = put_line(ctx, src, &ends);
  free_held(&ends);
  return st;
}
