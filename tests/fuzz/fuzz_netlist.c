/* libFuzzer harness: the netlist parser, in ngspice's own mode and (the input as a file) in its
 * PSpice mode for the whole deck, whose rewrites (netlist/pspice.c) then see every line. Any
 * input either parses or fails with a message; what parses is written back as canonical text,
 * which must parse again in ngspice's own mode (kirchhoff reads its own files) and whose circuit
 * must assemble or fail cleanly. */
#include "fuzz_reading.h"
#include "fuzz_scratch.h"
#include "kirchhoff/kirchhoff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The circuit of what parsed assembles or fails cleanly. */
static void assemble(kh_context *ctx, const kh_netlist *nl) {
  kh_circuit *c = NULL;
  if (kh_circuit_new(ctx, &c, nl) == KH_OK) kh_circuit_free(c);
}

static void check(kh_context *ctx, kh_status st, kh_netlist *nl) {
  kh_fuzz_check_reading(ctx, st, nl, assemble);
}

/* The input as a file, parsed in ngspice's compatibility modes: PSpice's and LTspice's rewrites on
 * every line (ltpsa), and LTspice's alone (lta: its own resistor codes, powers, ideal diodes). */
static void compat_modes(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/kh-fuzz-netlist-%d.cir", (int)getpid());
    kh_fuzz_scratch(path);
  }
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fwrite(data, 1, size, f);
  fclose(f);
  const kh_compat modes[] = {KH_COMPAT_LTPSA, KH_COMPAT_LTA};
  for (size_t m = 0; m < 2; m++) {
    kh_context *ctx;
    if (kh_context_new(&ctx) != KH_OK) abort();
    kh_netlist *nl = NULL;
    check(ctx, kh_netlist_parse_file_compat(ctx, &nl, path, NULL, modes[m]), nl);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) abort();
  kh_netlist *nl = NULL;
  check(ctx, kh_netlist_parse_string(ctx, &nl, text, "fuzz.cir"), nl);
  free(text);
  compat_modes(data, size);
  return 0;
}
