#include "source.h"

#include "pspice.h"

#include "kirchhoff/netlist.h"

#include "core/alloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Hands every complete line not yet offered to on_line (in PSpice mode rewritten first). */
static kh_status offer_lines(kh_context *ctx, kh_source *src) {
  while (src->offered < src->line_count) {
    kh_status st = src->compat ? kh_source_offer_pspice_line(ctx, src) : kh_source_hand_on(src);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

/* ---- building logical lines ---- */

typedef struct {
  kh_source *src;
  kh_context *ctx;
  uint32_t file;
  const char *dir; /* directory for relative .include paths */
  int can_continue;
  int in_control;
  kh_loc control_loc;
  /* .lib sections: the one this file is read for (NULL: the whole file), whether it was seen,
   * and where a .lib block being read or skipped began */
  const char *section;
  int section_found;
  enum { OUTSIDE_LIB, IN_SECTION, SKIPPING_SECTION } lib_state;
  kh_loc lib_loc;
} reader;

static kh_status nomem(reader *r) {
  return kh_fail_nomem(r->ctx, "reading the netlist");
}

/* Bytes in the UTF-8 sequence s[0..n) starts with (a character above ASCII), 0 where it is not
 * one. */
static size_t utf8_length(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t k = c >= 0xc2 && c <= 0xdf   ? 2
             : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4
                                      : 0;
  if (!k || k > n) return 0;
  for (size_t j = 1; j < k; j++)
    if ((s[j] & 0xc0) != 0x80) return 0;
  if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
      (c == 0xf4 && s[1] > 0x8f))
    return 0; /* overlong, a surrogate, or past U+10FFFF */
  return k;
}

/* A piece of the logical line from its offset on, at file column col: after a micro sign read
 * as one byte, so that later bytes keep their columns. */
static kh_status split_segment(reader *r, kh_line *l, uint32_t offset, uint32_t line,
                               uint32_t col) {
  kh_source *src = r->src;
  if (kh_reserve((void **)&src->segs, &src->seg_cap, src->seg_count + 1, sizeof *src->segs))
    return nomem(r);
  src->segs[src->seg_count++] = (kh_segment){offset, line, col};
  l->nseg++;
  return KH_OK;
}

static char lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether the logical line whose first `len` bytes are at t is a .title card. */
static int title_line(const char *t, size_t len) {
  return len > 6 && !strncmp(t, ".title", 6) && (t[6] == ' ' || t[6] == '\t');
}

/* s[0..n) lower-cased into dst, as ngspice 39 reads it: the micro sign is u wherever it stands,
 * in a value (10µ) or a name, whether UTF-8's C2 B5 or Latin-1's lone B5 as LTspice IV writes
 * it (measured: `aµ` is the node `au`), every byte of any other character is '_', and any
 * other byte that is not UTF-8 stops ngspice at the line ("UTF-8 syntax error"; comments, the
 * title and .title aside): refused there. Returns the bytes written through *written. */
static kh_status copy_text(reader *r, kh_line *l, const char *s, size_t n, uint32_t line,
                           uint32_t col, uint32_t offset, char *dst, size_t *written) {
  size_t w = 0, i = 0;
  for (; i < n && !((unsigned char)s[i] & 0x80); i++) /* ASCII: the whole line, nearly always */
    dst[i] = lower_ascii(s[i]);
  for (w = i; i < n;) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      dst[w++] = lower_ascii(s[i++]);
      continue;
    }
    size_t k = utf8_length((const unsigned char *)s + i, n - i);
    if (c == 0xb5 || (k == 2 && c == 0xc2 && (unsigned char)s[i + 1] == 0xb5)) {
      dst[w++] = 'u', i += c == 0xb5 ? 1 : 2;
      kh_status st = c == 0xc2 && i < n
                         ? split_segment(r, l, offset + (uint32_t)w, line, col + (uint32_t)i)
                         : KH_OK;
      if (st != KH_OK) return st;
      continue;
    }
    int title = title_line(r->src->text + l->text, offset + w);
    if (!k && title) k = 1; /* a .title's text, which ngspice 39 does not check either (measured) */
    if (!k)
      return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT,
                            (kh_loc){r->file, line, col + (uint32_t)i},
                            "byte 0x%02X is not UTF-8, where ngspice 39 stops at the line (\"UTF-8 "
                            "syntax error\"); save the file as UTF-8",
                            c);
    /* ngspice 39 writes each byte of any other character as '_' (measured: the node aε is
     * a__, and a literal a__ joins it); the Greek mu after a digit is kept for the number's
     * own message (ngspice reads 10μ as 10) */
    int greek_mu = k == 2 && c == 0xce && (unsigned char)s[i + 1] == 0xbc && w > 0 &&
                   (isdigit((unsigned char)dst[w - 1]) || dst[w - 1] == '.');
    int bom = offset + w == 0 && k == 3 && !memcmp(s + i, "\xef\xbb\xbf", 3); /* named later */
    if (title || greek_mu || bom)
      memcpy(dst + w, s + i, k);
    else
      memset(dst + w, '_', k);
    w += k, i += k;
  }
  *written = w;
  return KH_OK;
}

static kh_status append_text(reader *r, const char *s, size_t n, uint32_t line, uint32_t col) {
  kh_source *src = r->src;
  kh_line *l = &src->lines[src->line_count - 1];
  if (kh_reserve((void **)&src->text, &src->text_cap, src->text_len + n + 2, 1) ||
      kh_reserve((void **)&src->segs, &src->seg_cap, src->seg_count + 1, sizeof *src->segs))
    return nomem(r);
  if ((size_t)l->len + n + 1 > UINT32_MAX)
    return kh_source_fail(r->ctx, src, KH_ERR_INPUT, (kh_loc){r->file, line, col},
                          "logical line too long");
  if (l->nseg)
    src->text[src->text_len - 1] = ' '; /* joins a '+' continuation */
  else
    src->text_len--; /* drop the placeholder NUL */
  kh_segment *seg = &src->segs[src->seg_count++];
  seg->offset = l->len + (l->nseg ? 1 : 0);
  seg->line = line;
  seg->col = col;
  l->len = seg->offset;
  l->nseg++;
  size_t w = 0;
  kh_status st = copy_text(r, l, s, n, line, col, seg->offset, src->text + src->text_len, &w);
  src->text_len += w;
  src->text[src->text_len++] = '\0';
  l->len += (uint32_t)w;
  return st;
}

static kh_status begin_line(reader *r) {
  kh_source *src = r->src;
  kh_status st = offer_lines(r->ctx, src); /* a new line begins: the last one is complete */
  if (st != KH_OK) return st;
  if (kh_reserve((void **)&src->lines, &src->line_cap, src->line_count + 1, sizeof *src->lines) ||
      kh_reserve((void **)&src->text, &src->text_cap, src->text_len + 1, 1))
    return nomem(r);
  kh_line *l = &src->lines[src->line_count++];
  l->text = src->text_len;
  l->len = 0;
  l->file = r->file;
  l->seg = src->seg_count;
  l->nseg = 0;
  src->text[src->text_len++] = '\0'; /* placeholder, replaced by append_text */
  return KH_OK;
}

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* Length of s[0..n) once ';' comments and '$' comments (after a blank, a comma or a leading
 * continuation '+', which all separate words: "a,$" or "+$x" must not give the node "$" or
 * "$x", which written back after a blank would read as a comment) are cut off. */
static size_t strip_inline_comment(const char *s, size_t n, int dollar) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == ';') return i;
    if (dollar && s[i] == '$' &&
        (i == 0 || is_blank(s[i - 1]) || s[i - 1] == ',' || (i == 1 && s[0] == '+')))
      return i;
  }
  return n;
}

static int word_is(const char *s, size_t n, const char *word) {
  size_t w = strlen(word);
  if (n < w) return 0;
  for (size_t i = 0; i < w; i++)
    if (tolower((unsigned char)s[i]) != word[i]) return 0;
  return n == w || is_blank(s[w]);
}

static kh_status read_file_at(reader *parent, const char *path, const char *section, kh_loc where);

/* The words of a card line after its keyword: up to two, quotes removed. */
static size_t card_words(const char *s, size_t n, const char *word[2], size_t len[2]) {
  size_t i = 0, count = 0;
  while (i < n && !is_blank(s[i])) i++;
  while (count < 3) {
    while (i < n && is_blank(s[i])) i++;
    if (i >= n) break;
    size_t start = i;
    char quote = s[i] == '"' || s[i] == '\'' ? s[i] : 0;
    if (quote) {
      start = ++i;
      while (i < n && s[i] != quote) i++;
    } else {
      while (i < n && !is_blank(s[i])) i++;
    }
    if (count < 2) word[count] = s + start, len[count] = i - start;
    count++;
    if (quote && i < n) i++;
  }
  return count;
}

/* .include FILE, or .lib FILE SECTION (the lines of FILE between `.lib SECTION` and `.endl`). */
/* Where ngspice 39 looks for an included file (inpcom.c's inp_pathresolve_at): a path from the
 * root as written; ~/x in the home directory; else x in the working directory first, where it is
 * there, then beside the including file (noted where both hold a file: ngspice reads the first,
 * which a user reading the deck may not expect). Returns the length written, -1 if too long. */
static int include_path(reader *r, const char *file, size_t n, kh_loc loc, char path[PATH_MAX],
                        kh_status *st) {
  const char *home = getenv("HOME");
  char here[PATH_MAX];
  struct stat in_here, beside;
  *st = KH_OK;
  if (n >= 2 && file[0] == '~' && file[1] == '/' && home)
    return snprintf(path, PATH_MAX, "%s%.*s", home, (int)(n - 1), file + 1);
  if (file[0] == '/' || !r->dir[0]) return snprintf(path, PATH_MAX, "%.*s", (int)n, file);
  int len = snprintf(path, PATH_MAX, "%s/%.*s", r->dir, (int)n, file);
  if (snprintf(here, sizeof here, "%.*s", (int)n, file) >= (int)sizeof here ||
      stat(here, &in_here) != 0)
    return len;
  if (len < PATH_MAX && stat(path, &beside) == 0 &&
      (beside.st_ino != in_here.st_ino || beside.st_dev != in_here.st_dev))
    *st = kh_source_note(r->ctx, r->src, loc,
                         "'%s' read from the working directory, where ngspice 39 looks first; "
                         "'%s', beside the including file, is not read",
                         here, path);
  return snprintf(path, PATH_MAX, "%s", here);
}

static kh_status include_file(reader *r, const char *file, size_t n, const char *section,
                              size_t section_len, kh_loc loc) {
  char path[PATH_MAX], wanted[256];
  kh_status st;
  int len = include_path(r, file, n, loc, path, &st);
  if (st != KH_OK) return st;
  if (len < 0 || (size_t)len >= sizeof path)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc, ".include path too long");
  if (section && section_len >= sizeof wanted)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc, ".lib section name too long");
  if (section) {
    for (size_t k = 0; k < section_len; k++) wanted[k] = (char)tolower((unsigned char)section[k]);
    wanted[section_len] = '\0';
  }
  return read_file_at(r, path, section ? wanted : NULL, loc);
}

/* .lib FILE SECTION includes a section; .lib SECTION opens one in a file read for a section,
 * read when it is the one asked for and skipped otherwise, up to .endl. */
static kh_status lib_card(reader *r, const char *c, size_t m, kh_loc loc) {
  const char *word[2] = {0};
  size_t len[2] = {0};
  size_t count = card_words(c, m, word, len);
  if (count == 2) {
    if (r->lib_state == SKIPPING_SECTION || (r->section && r->lib_state != IN_SECTION))
      return KH_OK;
    return include_file(r, word[0], len[0], word[1], len[1], loc);
  }
  if (count != 1)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc,
                          ".lib takes a file and a section (.lib FILE SECTION) or opens a "
                          "section (.lib SECTION ... .endl)");
  if (!r->section) /* measured: ngspice 39 stops with "unimplemented control card" */
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc,
                          ".lib SECTION outside a library file: ngspice 39 refuses it (sections "
                          "are read from a file with .lib FILE SECTION)");
  if (r->lib_state != OUTSIDE_LIB)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc,
                          ".lib section inside another section (missing .endl?)");
  int wanted = r->section && strlen(r->section) == len[0];
  for (size_t k = 0; wanted && k < len[0]; k++)
    wanted = tolower((unsigned char)word[0][k]) == r->section[k];
  r->lib_state = wanted ? IN_SECTION : SKIPPING_SECTION;
  r->section_found |= wanted;
  r->lib_loc = loc;
  return KH_OK;
}

/* ngspice's PSpice mode reads every `.lib` as `.inc` (inpcom.c): the first word is a file,
 * included whole; the words after it are not read. */
static kh_status pspice_lib(reader *r, const char *c, size_t m, kh_loc loc) {
  const char *word[2] = {0};
  size_t len[2] = {0};
  size_t count = card_words(c, m, word, len);
  if (count == 0)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc, ".lib needs a file name");
  kh_status st = count == 1 ? KH_OK
                            : kh_source_note(r->ctx, r->src, loc,
                                             "in ngspice's PSpice mode .lib includes the whole "
                                             "file, as .inc (its section '%.*s' is not read)",
                                             (int)len[1], word[1]);
  return st == KH_OK ? include_file(r, word[0], len[0], NULL, 0, loc) : st;
}

/* Handles one physical line (without its newline). */
static kh_status read_physical_line(reader *r, const char *s, size_t n, uint32_t lineno) {
  size_t i = 0;
  while (i < n && is_blank(s[i])) i++;
  if (i == n) return KH_OK;
  if (r->in_control) {
    if (word_is(s + i, n - i, ".endc")) r->in_control = 0;
    return KH_OK;
  }
  if (s[i] == '*') {
    /* "*kh .input V1": a learning card hidden from SPICE in a comment. */
    if (n - i > 4 && tolower((unsigned char)s[i + 1]) == 'k' &&
        tolower((unsigned char)s[i + 2]) == 'h' && is_blank(s[i + 3])) {
      i += 4;
      while (i < n && is_blank(s[i])) i++;
      if (i == n) return KH_OK;
    } else {
      return KH_OK;
    }
  }
  if (n - i == 1 && s[i] == '\x1a') /* vendors' libraries written on DOS end with one */
    return kh_source_note(r->ctx, r->src, (kh_loc){r->file, lineno, (uint32_t)i + 1},
                          "a line of one Ctrl-Z (byte 0x1A, DOS's end-of-file mark) is skipped, "
                          "as ngspice 39 skips it");
  if (strchr(")(=[]?&%!:,\f", s[i])) /* ngspice 39 turns such a line into a comment */
    return kh_source_note(r->ctx, r->src, (kh_loc){r->file, lineno, (uint32_t)i + 1},
                          "a line starting with '%c' is a comment, as ngspice reads it", s[i]);
  /* ngspice's PSpice mode reads '$' as part of a word everywhere (inpcom.c's stripcomments) */
  size_t end = i + strip_inline_comment(s + i, n - i, !(r->src->compat & KH_COMPAT_PS));
  while (end > i && is_blank(s[end - 1])) end--;
  if (end == i) return KH_OK;
  kh_loc loc = {r->file, lineno, (uint32_t)i + 1};
  const char *c = s + i;
  size_t m = end - i;
  /* a section not asked for, or (in a file read for a section) lines outside every section */
  int skipping = r->lib_state == SKIPPING_SECTION || (r->section && r->lib_state == OUTSIDE_LIB);
  if (c[0] == '+') {
    if (skipping) return KH_OK; /* continues a line skipped with its section */
    if (!r->can_continue)
      return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc,
                            "continuation line '+' has no line to continue");
    size_t j = 1;
    while (j < m && is_blank(c[j])) j++;
    if (j == m) return KH_OK;
    return append_text(r, c + j, m - j, lineno, (uint32_t)(i + j + 1));
  }
  if (word_is(c, m, ".lib") && r->src->compat) return r->can_continue = 0, pspice_lib(r, c, m, loc);
  if (word_is(c, m, ".lib")) return r->can_continue = 0, lib_card(r, c, m, loc);
  if (word_is(c, m, ".endl")) {
    if (r->lib_state == OUTSIDE_LIB)
      return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc, ".endl without .lib");
    r->lib_state = OUTSIDE_LIB;
    r->can_continue = 0;
    return KH_OK;
  }
  if (skipping) {
    r->can_continue = 0;
    return KH_OK;
  }
  r->can_continue = 0;
  if (word_is(c, m, ".include") || word_is(c, m, ".inc")) {
    const char *word[2] = {0};
    size_t len[2] = {0};
    if (card_words(c, m, word, len) != 1)
      return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc, ".include needs one file name");
    return include_file(r, word[0], len[0], NULL, 0, loc);
  }
  if (word_is(c, m, ".control")) {
    r->in_control = 1;
    r->control_loc = loc;
    r->src->control_blocks++;
    return kh_source_note(r->ctx, r->src, loc, ".control block skipped (ngspice commands)");
  }
  if (word_is(c, m, ".endc"))
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, loc, ".endc without .control");
  kh_status st = begin_line(r);
  if (st == KH_OK) st = append_text(r, c, m, lineno, loc.col);
  r->can_continue = st == KH_OK;
  return st;
}

/* One physical line s[0..n) (without its newline), line number lineno of the file; the first
 * line is the title when `titled`. */
static kh_status read_line(reader *r, const char *s, size_t n, uint32_t lineno, int titled) {
  if (n && s[n - 1] == '\r') n--;
  const char *nul = memchr(s, '\0', n);
  if (nul)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT,
                          (kh_loc){r->file, lineno, (uint32_t)(nul - s) + 1},
                          "NUL byte in netlist text");
  if (titled && lineno == 1) {
    while (n && is_blank(s[n - 1])) n--;
    r->src->title = kh_arena_strndup(r->src->arena, s, n);
    return r->src->title ? KH_OK : nomem(r);
  }
  size_t i = 0;
  while (i < n && is_blank(s[i])) i++;
  /* ngspice 39 turns .end into a comment and reads on (measured: a resistor after .end is part
   * of its circuit), so .end ends nothing here either */
  if (!r->in_control && word_is(s + i, n - i, ".end")) return KH_OK;
  return read_physical_line(r, s, n, lineno);
}

static kh_status next_line_number(reader *r, uint32_t *lineno) {
  if (*lineno == UINT32_MAX - 1)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, (kh_loc){r->file, *lineno, 1},
                          "too many lines");
  ++*lineno;
  return KH_OK;
}

static kh_status finish_reading(reader *r) {
  if (r->in_control)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, r->control_loc,
                          ".control block is never closed by .endc");
  if (r->lib_state != OUTSIDE_LIB)
    return kh_source_fail(r->ctx, r->src, KH_ERR_INPUT, r->lib_loc,
                          ".lib section is never closed by .endl");
  return KH_OK;
}

/* Sizes the logical lines' text, records and segments once for `bytes` more input holding about
 * `lines` lines: grown by doubling, a 33 MB netlist moved and touched twice its text. The text
 * bound is exact (a line's text is never longer than its bytes plus the newline); the line
 * count is an estimate, and kh_reserve grows past it if the estimate was short. */
static kh_status reserve_for(reader *r, size_t bytes, size_t lines) {
  kh_source *src = r->src;
  src->line_estimate += lines;
  if (kh_reserve_exact((void **)&src->text, &src->text_cap, src->text_len + bytes + 2, 1) ||
      kh_reserve_exact((void **)&src->lines, &src->line_cap, src->line_count + lines,
                       sizeof *src->lines) ||
      kh_reserve_exact((void **)&src->segs, &src->seg_cap, src->seg_count + lines,
                       sizeof *src->segs))
    return nomem(r);
  return KH_OK;
}

static size_t count_lines(const char *buf, size_t len) {
  size_t lines = 1;
  for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))) != NULL; p++) lines++;
  return lines;
}

/* Reads the lines of buf (a string given in memory). */
static kh_status read_buffer(reader *r, const char *buf, size_t len, int titled) {
  kh_status st = reserve_for(r, len, count_lines(buf, len));
  uint32_t lineno = 0;
  size_t pos = 0;
  while (st == KH_OK && pos < len) {
    const char *nl = memchr(buf + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
    const char *s = buf + pos;
    pos += n + (nl ? 1 : 0);
    st = next_line_number(r, &lineno);
    if (st == KH_OK) st = read_line(r, s, n, lineno, titled);
  }
  return st == KH_OK ? finish_reading(r) : st;
}

/* Reads the lines of an open file of `size` bytes (as stat saw it) a chunk at a time: the whole
 * file is never held twice, as raw bytes and as logical lines. A chunk grows only to hold a
 * physical line longer than itself. 64 KiB: the chunk stays in the L2 cache between read() and
 * the parse, and its pages are faulted in once (1 MiB chunks: the 1.6 MB power-grid deck of
 * bench/gen_pg.py parsed in 21 ms; 64 KiB: 15 ms, with the name table's lower load). */
enum { READ_CHUNK = 1 << 16 };

static kh_status read_stream(reader *r, FILE *f, size_t size, int titled, const char **why) {
  size_t cap = READ_CHUNK, have = 0, start = 0, total = 0;
  char *buf = kh_malloc(cap);
  if (!buf) return nomem(r);
  kh_status st = KH_OK;
  uint32_t lineno = 0;
  int eof = 0, sized = 0;
  while (st == KH_OK) {
    const char *nl = memchr(buf + start, '\n', have - start);
    if (nl || (eof && start < have)) {
      size_t n = nl ? (size_t)(nl - (buf + start)) : have - start;
      const char *s = buf + start;
      start += n + (nl ? 1 : 0);
      st = next_line_number(r, &lineno);
      if (st == KH_OK) st = read_line(r, s, n, lineno, titled);
      continue;
    }
    if (eof) break;
    memmove(buf, buf + start, have - start);
    have -= start, start = 0;
    if (have == cap) {
      if (kh_reserve((void **)&buf, &cap, cap + 1, 1)) {
        st = nomem(r);
        break;
      }
    }
    size_t got = fread(buf + have, 1, cap - have, f);
    if (got == 0) {
      if (ferror(f)) *why = "read error", st = KH_ERR_IO;
      eof = 1;
      continue;
    }
    total += got;
    if (total > size) {
      *why = "file changed while being read", st = KH_ERR_IO;
      break;
    }
    if (!sized) { /* the first chunk's line length, with an eighth to spare, sizes the rest */
      sized = 1;
      size_t lines = count_lines(buf + have, got);
      st = reserve_for(r, size, (size_t)((double)size / (double)got * lines * 1.125) + 16);
    }
    have += got;
  }
  kh_free(buf);
  return st == KH_OK ? finish_reading(r) : st;
}

static kh_status add_file(kh_context *ctx, kh_source *src, const char *name, uint32_t *index) {
  if (kh_reserve((void **)&src->files, &src->file_cap, src->file_count + 1, sizeof *src->files))
    return kh_fail_nomem(ctx, "reading the netlist");
  const char *copy = kh_arena_strdup(src->arena, name);
  if (!copy) return kh_fail_nomem(ctx, "reading the netlist");
  *index = (uint32_t)src->file_count;
  src->files[src->file_count++] = copy;
  return KH_OK;
}

static kh_status fail_file(reader *parent, kh_context *ctx, kh_source *src, kh_loc where,
                           kh_status status, const char *path, const char *why) {
  if (parent) return kh_source_fail(ctx, src, status, where, "cannot include '%s': %s", path, why);
  return kh_fail(ctx, status, "%s: cannot read netlist: %s", path, why);
}

/* Opens a regular file (refusing devices, pipes and huge files); *size: its length by stat. */
static kh_status open_file(reader *parent, kh_context *ctx, kh_source *src, kh_loc where,
                           const char *path, FILE **out, size_t *size) {
  struct stat st;
  if (stat(path, &st) != 0)
    return fail_file(parent, ctx, src, where, KH_ERR_IO, path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail_file(parent, ctx, src, where, KH_ERR_INPUT, path, "not a regular file");
  if ((unsigned long long)st.st_size > KH_MAX_FILE_BYTES)
    return fail_file(parent, ctx, src, where, KH_ERR_INPUT, path, "file larger than 8 GiB");
  *out = fopen(path, "rb");
  if (!*out) return fail_file(parent, ctx, src, where, KH_ERR_IO, path, strerror(errno));
  *size = (size_t)st.st_size;
  return KH_OK;
}

/* Reads an opened file into r's source and closes it; read errors name the file as opened. */
static kh_status read_opened(reader *parent, reader *r, kh_loc where, const char *path, FILE *f,
                             size_t size, int titled) {
  const char *why = NULL;
  kh_status st = read_stream(r, f, size, titled, &why);
  fclose(f);
  if (why) return fail_file(parent, r->ctx, r->src, where, KH_ERR_IO, path, why);
  return st;
}

static void directory_of(const char *path, char dir[PATH_MAX]) {
  snprintf(dir, PATH_MAX, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    dir[0] = '\0';
}

/* The lines ngspice's compatibility modes put before a rewritten file's own, at `where`:
 * pspice_compat's (kh_pspice_header) before ltspice_compat's (kh_ltspice_header), which it
 * rewrites after. */
static kh_status compat_header(kh_context *ctx, kh_source *src, uint32_t file, kh_loc where) {
  kh_status st = offer_lines(ctx, src); /* the line before is complete */
  for (size_t k = 0; st == KH_OK && (src->compat & KH_COMPAT_PS) && kh_pspice_header[k]; k++)
    st = kh_source_take_synthetic_line(ctx, src, file, where.line, where.col, kh_pspice_header[k]);
  for (size_t k = 0; st == KH_OK && (src->compat & KH_COMPAT_LT) && kh_ltspice_header[k]; k++)
    st = kh_source_take_synthetic_line(ctx, src, file, where.line, where.col, kh_ltspice_header[k]);
  return st;
}

static kh_status read_file_at(reader *parent, const char *path, const char *section, kh_loc where) {
  kh_source *src = parent->src;
  kh_context *ctx = parent->ctx;
  if (src->include_depth >= KH_MAX_INCLUDE_DEPTH)
    return kh_source_fail(ctx, src, KH_ERR_INPUT, where, ".include nested deeper than %d files",
                          KH_MAX_INCLUDE_DEPTH);
  char canon[PATH_MAX + 260];
  if (!realpath(path, canon))
    return fail_file(parent, ctx, src, where, KH_ERR_IO, path, strerror(errno));
  if (section) /* one file may include its own other sections: a cycle is file and section */
    snprintf(canon + strlen(canon), sizeof canon - strlen(canon), " .lib %s", section);
  for (size_t i = 0; i < src->include_depth; i++)
    if (strcmp(src->include_stack[i], canon) == 0)
      return kh_source_fail(ctx, src, KH_ERR_INPUT, where,
                            "include cycle: '%s' is already being read", path);
  FILE *f = NULL;
  size_t size = 0;
  kh_status st = open_file(parent, ctx, src, where, path, &f, &size);
  if (st != KH_OK) return st;
  char *canon_copy = kh_strdup(canon);
  if (!canon_copy) {
    fclose(f);
    return kh_fail_nomem(ctx, "reading the netlist");
  }
  src->include_stack[src->include_depth++] = canon_copy;
  /* ps, lt: the lines ngspice puts before an included file's, at the .include */
  if (src->compat && !(src->compat & KH_COMPAT_WHOLE))
    st = compat_header(parent->ctx, src, parent->file, where);
  if (st != KH_OK) {
    fclose(f);
    kh_free(src->include_stack[--src->include_depth]);
    return st;
  }
  char dir[PATH_MAX];
  directory_of(path, dir);
  reader r = {.src = src, .ctx = ctx, .dir = dir, .section = section};
  st = add_file(ctx, src, path, &r.file);
  if (st == KH_OK)
    st = read_opened(parent, &r, where, path, f, size, 0);
  else
    fclose(f);
  /* ps: the file's AKO cards whose base came after them, at its end */
  if (st == KH_OK && src->held_count && !(src->compat & KH_COMPAT_WHOLE) &&
      (st = offer_lines(ctx, src)) == KH_OK)
    st = kh_source_release_held(ctx, src, r.file, 0, 0);
  if (st == KH_OK && section && !r.section_found)
    st = kh_source_fail(ctx, src, KH_ERR_INPUT, where, "'%s' has no .lib section '%s'", path,
                        section);
  kh_free(src->include_stack[--src->include_depth]);
  return st;
}

static kh_status empty_netlist(kh_context *ctx, const char *name) {
  return kh_fail(ctx, KH_ERR_INPUT, "%s:1:1: empty netlist (line 1 is the title)", name);
}

kh_status kh_source_read_string(kh_context *ctx, kh_source *src, const char *text, size_t len,
                                const char *name) {
  if (!name) name = "<string>";
  if (len == 0) return empty_netlist(ctx, name);
  reader r = {.src = src, .ctx = ctx, .dir = ""};
  kh_status st = add_file(ctx, src, name, &r.file);
  if (st == KH_OK) st = read_buffer(&r, text, len, 1);
  return st == KH_OK ? offer_lines(ctx, src) : st;
}

kh_status kh_source_read_file(kh_context *ctx, kh_source *src, const char *path) {
  char canon[PATH_MAX];
  FILE *f = NULL;
  size_t size = 0;
  kh_status st = open_file(NULL, ctx, src, (kh_loc){0, 0, 0}, path, &f, &size);
  if (st != KH_OK) return st;
  if (size == 0) st = empty_netlist(ctx, path);
  if (st == KH_OK && !realpath(path, canon))
    st = kh_fail(ctx, KH_ERR_IO, "%s: cannot resolve path: %s", path, strerror(errno));
  if (st == KH_OK && !(src->include_stack[0] = kh_strdup(canon)))
    st = kh_fail_nomem(ctx, "reading the netlist");
  if (st != KH_OK) {
    fclose(f);
    return st;
  }
  src->include_depth = 1;
  char dir[PATH_MAX];
  directory_of(path, dir);
  reader r = {.src = src, .ctx = ctx, .dir = dir};
  st = add_file(ctx, src, path, &r.file);
  if (st == KH_OK && !(src->deck_dir = kh_arena_strdup(src->arena, dir)))
    st = kh_fail_nomem(ctx, "reading the netlist");
  /* `psa`, `lta`: ngspice's modes rewrite the whole deck, its lines after the title first */
  if (st == KH_OK && (src->compat & KH_COMPAT_WHOLE))
    st = compat_header(ctx, src, r.file, (kh_loc){r.file, 1, 1});
  if (st != KH_OK) {
    fclose(f);
    return st;
  }
  st = read_opened(NULL, &r, (kh_loc){0, 0, 0}, path, f, size, 1);
  if (st == KH_OK) st = offer_lines(ctx, src);
  /* psa: the deck's AKO cards whose base came after them, at its end */
  return st == KH_OK && src->held_count ? kh_source_release_held(ctx, src, 0, 1, 0) : st;
}
