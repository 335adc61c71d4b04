/* libFuzzer harness: the CSV reader (through a file, as users give it). Accepted data sets hold
 * only finite features and labels below the class count; rejected ones come with a message. */
#include "fuzz_datasets.h"
#include "fuzz_scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/kh-fuzz-csv-%d.csv", (int)getpid());
    kh_fuzz_scratch(path);
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  kh_fuzz_load_and_check(path);
  return 0;
}
