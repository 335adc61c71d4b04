/* Crash-safe edits of a whole file: work on a copy next to it, then rename the copy over the
 * original. rename() is atomic on POSIX file systems, so a process killed at any moment leaves
 * either the old complete file or the new one, never a half-written HDF5 file (HDF5 has no
 * journal; a file killed mid-write may not open at all). */
#define _GNU_SOURCE /* copy_file_range */
#include "atomic_file.h"

#include "core/context.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

kh_status kh_atomic_begin(kh_context *ctx, const char *path, int copy, char *tmp, size_t size) {
  if ((size_t)snprintf(tmp, size, "%s.kh-tmp", path) >= size)
    return kh_fail(ctx, KH_ERR_IO, "path too long: '%s'", path);
  if (!copy) { /* made empty here, so that a path that cannot be written says why */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return kh_fail(ctx, KH_ERR_IO, "cannot write '%s' (written as '%s' first): %s", path, tmp,
                     strerror(errno));
    close(fd);
    return KH_OK;
  }
  int in = open(path, O_RDONLY | O_CLOEXEC);
  if (in < 0) return kh_fail(ctx, KH_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    int e = errno;
    close(in);
    return kh_fail(ctx, KH_ERR_IO, "cannot write '%s': %s", tmp, strerror(e));
  }
  int bad = 0;
  /* in-kernel copy first (no trip through user space; a clone where the file system can);
   * where that is not supported, by hand from the start */
  ssize_t got;
  while ((got = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0) {
  }
  int by_hand = got < 0;
  if (by_hand)
    bad = lseek(in, 0, SEEK_SET) != 0 || lseek(out, 0, SEEK_SET) != 0 || ftruncate(out, 0) != 0;
  static __thread char buf[1 << 16];
  while (!bad && by_hand && (got = read(in, buf, sizeof buf)) != 0) {
    if (got < 0) {
      bad = errno != EINTR;
      continue;
    }
    for (ssize_t done = 0; !bad && done < got;) {
      ssize_t w = write(out, buf + done, (size_t)(got - done));
      if (w < 0 && errno != EINTR) bad = 1;
      if (w > 0) done += w;
    }
  }
  close(in);
  if (close(out) != 0) bad = 1;
  if (bad) {
    remove(tmp);
    return kh_fail(ctx, KH_ERR_IO, "copying '%s' to '%s' failed", path, tmp);
  }
  return KH_OK;
}

kh_status kh_atomic_commit(kh_context *ctx, const char *tmp, const char *path, int ok) {
  if (!ok) {
    remove(tmp);
    return KH_OK;
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    remove(tmp);
    return kh_fail(ctx, KH_ERR_IO, "cannot replace '%s': %s", path, strerror(e));
  }
  return KH_OK;
}

kh_status kh_atomic_write(kh_context *ctx, const char *path, char *tmp, size_t size,
                          void (*write)(FILE *, const void *), const void *what) {
  kh_status st = kh_atomic_begin(ctx, path, 0, tmp, size);
  if (st != KH_OK) return tmp[0] = '\0', st;
  FILE *f = fopen(tmp, "w");
  if (f) write(f, what);
  if (!f || ferror(f) | (fclose(f) != 0)) {
    remove(tmp), tmp[0] = '\0';
    return kh_fail(ctx, KH_ERR_IO, "cannot write '%s'", path);
  }
  return KH_OK;
}
