/* libFuzzer harness: the IDX reader (MNIST's format). The input is split into an images file
 * and a labels file (the first byte says where, as a fraction of the rest); both are written
 * raw (the reader also takes gzip) into a folder that kh_dataset_load reads. */
#include "fuzz_datasets.h"
#include "fuzz_scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t size) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fwrite(data, 1, size, f);
  return fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char dir[64];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/kh-fuzz-idx-%d", (int)getpid());
    mkdir(dir, 0700);
    char file[128];
    kh_fuzz_scratch(dir);
    snprintf(file, sizeof file, "%s/train-images-idx3-ubyte", dir);
    kh_fuzz_scratch(file);
    snprintf(file, sizeof file, "%s/train-labels-idx1-ubyte", dir);
    kh_fuzz_scratch(file);
  }
  if (size < 1) return 0;
  size_t rest = size - 1, split = rest * data[0] / 255;
  if (write_file(dir, "train-images-idx3-ubyte", data + 1, split) ||
      write_file(dir, "train-labels-idx1-ubyte", data + 1 + split, rest - split))
    return 0;
  kh_fuzz_load_and_check(dir);
  return 0;
}
