#include "file_head.h"

#include <stdio.h>

size_t kh_file_head(const char *path, void *buf, size_t size) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(buf, 1, size, f);
  fclose(f);
  return n;
}
