/* Trains a generated resistive network on data held in memory with the run API (what `kirchhoff
 * train` does: hold-out split, scaling, trace), stops when the test error reaches 0, and prints
 * the learning curves read back from the trace.
 *
 *   cc train_arrays.c $(pkg-config --cflags --libs kirchhoff) -lm -o train_arrays
 *   ./train_arrays run.h5
 *
 * The data: two features in [-1, 1], class 1 where x0 + x1 > 0 (a line a 2-4-2 network learns). */
#include <kirchhoff/kirchhoff.h>

#include <stdio.h>

enum { SAMPLES = 200, EPOCHS = 30 };

/* A reproducible uniform number in [-1, 1) (xorshift64). */
static double uniform(unsigned long long *s) {
  *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
  return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

/* After each epoch: a nonzero return stops the run. */
static int after_epoch(void *user, const kh_run_epoch *e) {
  (void)user;
  printf("epoch %zu: test error %.2f %%\n", e->epoch, 100 * e->test_error);
  return e->test_error == 0;
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
  kh_run_options o;
  kh_run_options_init(&o);
  o.arch = "2-4-2"; /* kirchhoff net --arch 2-4-2 */
  o.epochs = EPOCHS;
  o.train.lr[0] = 0.2;
  o.trace = argv[1];
  o.command = "examples/c/train_arrays";
  kh_run *run = NULL;
  kh_trace_metrics curves = {0};
  /* the run takes the set over; without a test set it holds a seeded 20 % out */
  kh_status st =
      kh_dataset_from_arrays(ctx, &o.train_data, "in-memory samples", x, label, SAMPLES, 2);
  if (st == KH_OK) st = kh_run_open(ctx, &run, &o);
  if (st == KH_OK) st = kh_run_all(ctx, run, after_epoch, NULL);
  kh_run_free(run); /* closes the trace */
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
  kh_context_free(ctx);
  return code;
}
