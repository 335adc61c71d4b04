/* Trains a generated resistive network on data held in memory, writes an HDF5 trace, and prints
 * the learning curves read back from it.
 *
 *   cc train_arrays.c $(pkg-config --cflags --libs kirchhoff) -lm -o train_arrays
 *   ./train_arrays run.h5
 *
 * The data: two features in [-1, 1], class 1 where x0 + x1 > 0 (a line a 2-4-2 network learns).
 * The network: `kirchhoff net --arch 2-4-2`'s, generated with kh_netgen_write. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <kirchhoff/kirchhoff.h>

#include <stdio.h>
#include <stdlib.h>

enum { SAMPLES = 200, EPOCHS = 5 };

/* A reproducible uniform number in [-1, 1) (xorshift64). */
static double uniform(unsigned long long *s) {
  *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
  return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

/* The network's netlist text, as `kirchhoff net --arch 2-4-2 --seed 1` writes it. */
static char *network(kh_context *ctx) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  if (!f) return NULL;
  kh_status st = kh_netgen_parse_arch(ctx, &o, "2-4-2");
  if (st == KH_OK) st = kh_netgen_write(ctx, &o, f);
  fclose(f);
  if (st != KH_OK) free(text);
  return st == KH_OK ? text : NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s TRACE.h5\n", argv[0]);
    return 1;
  }
  static double x[SAMPLES * 2];
  static unsigned label[SAMPLES];
  unsigned long long seed = 42;
  for (size_t i = 0; i < SAMPLES; i++) {
    x[2 * i] = uniform(&seed), x[2 * i + 1] = uniform(&seed);
    label[i] = x[2 * i] + x[2 * i + 1] > 0;
  }
  kh_context *ctx = NULL;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_dataset *train = NULL, *test = NULL;
  kh_netlist *nl = NULL;
  kh_trainer *trainer = NULL;
  kh_trace *trace = NULL;
  kh_trace_metrics curves = {0};
  char *text = network(ctx);
  kh_status st = text ? KH_OK : KH_ERR_NOMEM;
  if (st == KH_OK) st = kh_netlist_parse_string(ctx, &nl, text, "2-4-2 network");
  if (st == KH_OK)
    st = kh_dataset_from_arrays(ctx, &train, "in-memory samples", x, label, SAMPLES, 2);
  if (st == KH_OK) st = kh_dataset_split(ctx, train, 0.25, 7, &test); /* a quarter held out */
  kh_scaler scaler = {0}; /* standardized inputs, fitted on the training set, as the CLI does */
  if (st == KH_OK) st = kh_scaler_fit(ctx, &scaler, KH_SCALE_STANDARDIZE, train);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &scaler, train);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &scaler, test);
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.lr[0] = 0.2;
  if (st == KH_OK) st = kh_trainer_new(ctx, &trainer, nl, &o, train);
  kh_trace_config cfg = {.netlist_text = text,
                         .command = "examples/c/train_arrays",
                         .data = "memory",
                         .test = "memory",
                         .options = &o,
                         .epochs = EPOCHS};
  if (st == KH_OK) st = kh_trace_create(ctx, &trace, argv[1], &cfg, trainer);
  for (size_t epoch = 1; st == KH_OK && epoch <= EPOCHS; epoch++) {
    kh_epoch_report report;
    kh_trace_epoch row = {.report = &report, .beta = o.beta};
    st = kh_trainer_epoch(ctx, trainer, &report);
    if (st == KH_OK) st = kh_trainer_evaluate(ctx, trainer, test, &row.test_loss, &row.test_error);
    if (st == KH_OK) st = kh_trace_append(ctx, trace, trainer, &row);
  }
  kh_trace_free(trace);
  if (st == KH_OK) st = kh_trace_read_metrics(ctx, argv[1], &curves);
  if (st == KH_OK) {
    printf("epoch  train loss  train error  test error\n");
    for (size_t e = 0; e < curves.epochs; e++)
      printf("%5zu  %10.4g  %10.2f %%  %9.2f %%\n", e + 1, curves.train_loss[e],
             100 * curves.train_error[e], 100 * curves.test_error[e]);
  } else {
    fprintf(stderr, "train_arrays: %s\n", kh_last_error(ctx));
  }
  int code = kh_status_exit_code(st);
  kh_trace_metrics_release(&curves);
  kh_scaler_release(&scaler);
  kh_trainer_free(trainer);
  kh_dataset_free(test);
  kh_dataset_free(train);
  kh_netlist_free(nl);
  free(text);
  kh_context_free(ctx);
  return code;
}
