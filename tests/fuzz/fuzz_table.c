/* libFuzzer harness: the table files of XSPICE table2d and table3d (netlist/table_file.c). The
 * first byte picks the model (bit 0: table3d) and its order (bits 1-2: 1 to 4) and where its
 * inputs stand (the rest: a scale); the rest is the file, written under /tmp and read by a
 * deck that names it. A file either reads or fails with a message; what reads is solved (the
 * interpolation at inputs anywhere, inside the table or past it) to a finite answer or a clean
 * failure, and written back as text that reads again. */
#include "fuzz_reading.h"
#include "fuzz_scratch.h"
#include "kirchhoff/kirchhoff.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What read solves to a finite answer, or fails cleanly. */
static void solve(kh_context *ctx, const kh_netlist *nl) {
  size_t n = kh_netlist_node_count(nl);
  double *v = calloc(n + 1, sizeof *v);
  kh_solve_stats stats;
  if (v && kh_general_op(ctx, nl, NULL, NULL, v, NULL, &stats) == KH_OK)
    for (size_t i = 0; i < n; i++)
      if (!isfinite(v[i])) abort(); /* an answer is finite */
  free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char dir[64], path[128];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/kh-fuzz-table-%d", (int)getpid());
    mkdir(dir, 0700);
    kh_fuzz_scratch(dir);
    snprintf(path, sizeof path, "%s/t.table", dir);
    kh_fuzz_scratch(path);
  }
  if (size < 1) return 0;
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  int dims = 2 + (data[0] & 1), order = 1 + (data[0] >> 1 & 3);
  double at = (double)(data[0] >> 3) - 10; /* -10 V to 21 V */
  char deck[512];
  snprintf(deck, sizeof deck,
           "fuzz\nvx x 0 %g\nvy y 0 %g\nvz z 0 %g\na1 x y%s %%id(o 0) tab\nro o 0 1k\n"
           ".model tab table%dd (order=%d gain=2 offset=-1 file=\"%s\")\n",
           at, -at / 3, at / 7, dims == 3 ? " z" : "", dims, order, path);
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) abort();
  kh_netlist *nl = NULL;
  kh_fuzz_check_reading(ctx, kh_netlist_parse_string(ctx, &nl, deck, "fuzz.cir"), nl, solve);
  return 0;
}
