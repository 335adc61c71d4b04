/* libFuzzer harness: the netlist parser, in ngspice's own mode and (the input as a file) in its
 * PSpice mode for the whole deck, whose rewrites (netlist/pspice.c) then see every line. Any
 * input either parses or fails with a message; what parses is written back as canonical text,
 * which must parse again in ngspice's own mode (kirchhoff reads its own files) and whose circuit
 * must assemble or fail cleanly. */
#include "fuzz_scratch.h"
#include "kirchhoff/kirchhoff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A reading's promises: what parsed writes canonical text that parses again in ngspice's own
 * mode and assembles or fails cleanly; a failure has a message. Frees nl and ctx. */
static void check(kh_context *ctx, kh_status st, kh_netlist *nl) {
  if (st == KH_OK) {
    kh_netlist *again = NULL;
    char *canonical = NULL;
    if (kh_netlist_write_string(ctx, nl, &canonical) != KH_OK) abort();
    if (kh_netlist_parse_string(ctx, &again, canonical, "canonical.cir") != KH_OK) abort();
    kh_circuit *c = NULL;
    if (kh_circuit_new(ctx, &c, nl) == KH_OK) kh_circuit_free(c);
    kh_netlist_free(again);
    free(canonical);
  } else if (!kh_last_error(ctx)[0]) {
    abort(); /* a failure without a message */
  }
  kh_netlist_free(nl);
  kh_context_free(ctx);
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
