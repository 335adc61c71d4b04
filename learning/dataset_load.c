/* Loading a data set by path: an IDX folder or file (gzipped or not), or a CSV file, told apart
 * by content whatever the name says. */
#include "dataset_impl.h"

#include "core/context.h"
#include "core/file_head.h"

#include <sys/stat.h>

static int gzipped(const char *path) {
  unsigned char m[2] = {0};
  return kh_file_head(path, m, 2) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

kh_status kh_dataset_load(kh_context *ctx, kh_dataset **out, const char *path, int test) {
  struct stat info;
  *out = NULL;
  if (stat(path, &info) != 0) return kh_fail(ctx, KH_ERR_IO, "cannot open data '%s'", path);
  int dir = S_ISDIR(info.st_mode);
  if (test && !dir)
    return kh_fail(ctx, KH_ERR_USAGE, "'%s' is a file: only IDX folders hold their own test set",
                   path);
  /* the kind comes from the content, whatever the name says */
  int idx = dir ? 0 : kh_idx_sniff(path);
  kh_status st = dir             ? kh_dataset_load_idx(ctx, out, path, test)
                 : idx           ? kh_dataset_load_idx_file(ctx, out, path, idx)
                 : gzipped(path) ? kh_fail(ctx, KH_ERR_INPUT,
                                           "%s:1:1: gzip-compressed data that is not IDX; "
                                           "decompress it (gunzip -k) and give the CSV",
                                           path)
                                 : kh_dataset_load_csv(ctx, out, path);
  if (st == KH_OK)
    st = kh_dataset_set_name(ctx, *out, path, dir ? (test ? " (t10k set)" : " (train set)") : "");
  if (st != KH_OK) kh_dataset_free(*out), *out = NULL;
  return st;
}
