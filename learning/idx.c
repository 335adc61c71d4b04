/* IDX data (MNIST, Fashion-MNIST): big-endian headers, images as bytes; gzip-compressed or raw
 * (zlib reads both). A folder holds train-* and t10k-* (the test set). */
#include "dataset_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

enum { IMAGES_MAGIC = 0x00000803, LABELS_MAGIC = 0x00000801, MAX_SAMPLES = 100000000 };

/* Finds DIR/PREFIX-KIND-idxN-ubyte[.gz] into path. */
static int find(const char *dir, const char *prefix, const char *kind, char *path, size_t size) {
  static const char *const suffixes[] = {".gz", ""};
  struct stat st;
  for (int i = 0; i < 2; i++) {
    snprintf(path, size, "%s/%s-%s-ubyte%s", dir, prefix, kind, suffixes[i]);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) return 1;
  }
  return 0;
}

/* Reads n bytes; *got (if given) counts those read. Returns 0, -1 when the file ends first, -2
 * when zlib reports a corrupt stream. */
static int read_exact(gzFile f, void *buf, size_t n, size_t *got) {
  unsigned char *p = buf;
  while (n) {
    unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
    int r = gzread(f, p, chunk);
    if (r < 0) return -2;
    if (r == 0) return -1;
    p += r, n -= (size_t)r;
    if (got) *got += (size_t)r;
  }
  return 0;
}

/* Exactly `want` bytes into a buffer grown as they arrive: a header that claims more than the
 * file holds costs no more memory than the file (libFuzzer found a 4 GB allocation from a
 * 32-byte file). Returns read_exact's codes, or -3 when out of memory; *have: bytes read. */
static int read_growing(gzFile f, size_t want, unsigned char **out, size_t *have) {
  unsigned char *buf = NULL;
  size_t cap = 0;
  *out = NULL, *have = 0;
  while (*have < want) {
    size_t chunk = want - *have < ((size_t)1 << 20) ? want - *have : ((size_t)1 << 20);
    if (kh_reserve((void **)&buf, &cap, *have + chunk, 1)) {
      kh_free(buf);
      return -3;
    }
    int r = read_exact(f, buf + *have, chunk, have);
    if (r) {
      kh_free(buf);
      return r;
    }
  }
  *out = buf;
  return 0;
}

/* The error for a payload that read_growing could not read whole. */
static kh_status payload_error(kh_context *ctx, gzFile f, const char *path, int code, size_t header,
                               size_t have, size_t want, const char *what) {
  if (code == -3) return kh_fail_nomem(ctx, "reading IDX");
  if (code == -2) {
    int zerr = 0;
    const char *why = gzerror(f, &zerr);
    return kh_fail(ctx, KH_ERR_INPUT, "%s: corrupt data after byte %zu (%s)", path, header + have,
                   why && *why ? why : "zlib error");
  }
  size_t len = strlen(path);
  int gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;
  return kh_fail(ctx, KH_ERR_INPUT,
                 "%s: truncated at byte %zu%s: the header promises %s (%zu bytes after the header)",
                 path, header + have, gz ? " of the decompressed data" : "", what, want);
}

static kh_status read_header(kh_context *ctx, gzFile f, const char *path, uint32_t magic,
                             uint32_t *dims, int ndims) {
  unsigned char h[16];
  int r = read_exact(f, h, 4 * (size_t)(ndims + 1), NULL);
  if (r == -2) return kh_fail(ctx, KH_ERR_INPUT, "%s: corrupt compressed data in the header", path);
  if (r) return kh_fail(ctx, KH_ERR_INPUT, "%s: truncated IDX header", path);
  uint32_t m = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
  if (m != magic)
    return kh_fail(ctx, KH_ERR_INPUT, "%s: IDX magic 0x%08x, expected 0x%08x", path, m, magic);
  for (int i = 0; i < ndims; i++) {
    const unsigned char *b = h + 4 * (i + 1);
    dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (dims[i] == 0 || dims[i] > MAX_SAMPLES)
      return kh_fail(ctx, KH_ERR_INPUT, "%s: IDX dimension %d is %u", path, i, dims[i]);
  }
  return KH_OK;
}

static kh_status load(kh_context *ctx, kh_dataset **out, const char *images, const char *labels) {
  gzFile fi = gzopen(images, "rb"), fl = gzopen(labels, "rb");
  uint32_t idim[3] = {0}, ldim[1] = {0};
  kh_status st = KH_OK;
  if (!fi || !fl) st = kh_fail(ctx, KH_ERR_IO, "cannot open '%s'", fi ? labels : images);
  if (st == KH_OK) st = read_header(ctx, fi, images, IMAGES_MAGIC, idim, 3);
  if (st == KH_OK) st = read_header(ctx, fl, labels, LABELS_MAGIC, ldim, 1);
  if (st == KH_OK && idim[0] != ldim[0])
    st = kh_fail(ctx, KH_ERR_INPUT, "%s holds %u images but %s %u labels", images, idim[0], labels,
                 ldim[0]);
  if (st == KH_OK && (uint64_t)idim[1] * idim[2] > 1u << 24)
    st = kh_fail(ctx, KH_ERR_INPUT, "%s: images of %ux%u are too large", images, idim[1], idim[2]);
  size_t n = idim[0], f = (size_t)idim[1] * idim[2];
  unsigned char *pixels = NULL, *classes = NULL;
  size_t have = 0;
  char what[96];
  int code = st == KH_OK ? read_growing(fi, n * f, &pixels, &have) : 0;
  if (code) {
    snprintf(what, sizeof what, "%zu images of %ux%u", n, idim[1], idim[2]);
    st = payload_error(ctx, fi, images, code, 16, have, n * f, what);
  }
  code = st == KH_OK ? read_growing(fl, n, &classes, &have) : 0;
  if (code) {
    snprintf(what, sizeof what, "%zu labels", n);
    st = payload_error(ctx, fl, labels, code, 8, have, n, what);
  }
  if (st == KH_OK) st = kh_dataset_alloc(ctx, out, n, f);
  for (size_t i = 0; st == KH_OK && i < n * f; i++) (*out)->x[i] = pixels[i];
  for (size_t i = 0; st == KH_OK && i < n; i++) {
    (*out)->label[i] = classes[i];
    if (classes[i] + 1u > (*out)->classes) (*out)->classes = classes[i] + 1u;
  }
  if (st == KH_OK) (*out)->images = 1;
  kh_free(pixels), kh_free(classes);
  if (fi) gzclose(fi);
  if (fl) gzclose(fl);
  if (st != KH_OK) {
    kh_dataset_free(*out);
    *out = NULL;
  }
  return st;
}

int kh_idx_sniff(const char *path) {
  gzFile f = gzopen(path, "rb");
  if (!f) return 0;
  unsigned char h[4];
  int got = read_exact(f, h, 4, NULL);
  gzclose(f);
  if (got) return 0;
  uint32_t m = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
  return m == IMAGES_MAGIC ? 1 : m == LABELS_MAGIC ? 2 : 0;
}

/* The other file of an images/labels pair: the same name with images-idx3 and labels-idx1
 * swapped, compressed or not. */
static int partner(const char *path, int kind, char *out, size_t size) {
  const char *from = kind == 1 ? "images-idx3" : "labels-idx1",
             *to = kind == 1 ? "labels-idx1" : "images-idx3";
  const char *at = strstr(path, from);
  if (!at) return 0;
  struct stat st;
  for (int gz = 0; gz < 2; gz++) {
    size_t len = strlen(at + strlen(from));
    const char *rest = at + strlen(from);
    /* with or without the ".gz" the given file has */
    int has_gz = len >= 3 && !strcmp(rest + len - 3, ".gz");
    int cut = has_gz && gz == 0 ? 3 : 0;
    snprintf(out, size, "%.*s%s%.*s%s", (int)(at - path), path, to, (int)(len - (size_t)cut), rest,
             !has_gz && gz == 1 ? ".gz" : "");
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) return 1;
  }
  return 0;
}

kh_status kh_dataset_load_idx_file(kh_context *ctx, kh_dataset **out, const char *path, int kind) {
  char other[4096];
  *out = NULL;
  if (!partner(path, kind, other, sizeof other))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s: an IDX %s file, whose %s file was not found beside it (named as it is, "
                   "with %s for %s); or give the folder that holds both",
                   path, kind == 1 ? "images" : "labels", kind == 1 ? "labels" : "images",
                   kind == 1 ? "labels-idx1" : "images-idx3",
                   kind == 1 ? "images-idx3" : "labels-idx1");
  return kind == 1 ? load(ctx, out, path, other) : load(ctx, out, other, path);
}

kh_status kh_dataset_load_idx(kh_context *ctx, kh_dataset **out, const char *dir, int test) {
  char images[4096], labels[4096];
  const char *prefix = test ? "t10k" : "train";
  *out = NULL;
  if (!find(dir, prefix, "images-idx3", images, sizeof images) ||
      !find(dir, prefix, "labels-idx1", labels, sizeof labels))
    return kh_fail(ctx, KH_ERR_IO, "%s: no %s-images-idx3-ubyte[.gz] and %s-labels-idx1-ubyte[.gz]",
                   dir, prefix, prefix);
  return load(ctx, out, images, labels);
}
