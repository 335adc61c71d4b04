/* libFuzzer harness: the netlist parser. Any input either parses or fails with a message; what
 * parses is written back as canonical text, which must parse again (kirchhoff reads its own
 * files) and whose circuit must assemble or fail cleanly. */
#include "kirchhoff/kirchhoff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) abort();
  kh_netlist *nl = NULL, *again = NULL;
  if (kh_netlist_parse_string(ctx, &nl, text, "fuzz.cir") == KH_OK) {
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
  free(text);
  return 0;
}
