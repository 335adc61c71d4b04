/* The run API (kirchhoff/run.h): the CLI's train is it (the same trace, bit for bit), a callback
 * stops a run, sets in memory take the place of files, a run resumes through it, and a failed
 * open frees what it was given. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kh_trace_metrics metrics(kh_context *ctx, const char *path) {
  kh_trace_metrics m = {0};
  cr_assert_eq(kh_trace_read_metrics(ctx, path, &m), KH_OK, "%s", kh_last_error(ctx));
  return m;
}

/* `kirchhoff train` and a program's run with the same options write the same learning curves. */
Test(run, the_cli_trains_through_the_run_api) {
  kh_context *ctx;
  kh_context_new(&ctx);
  char *csv = strdup(kh_test_blobs_csv("blobs.csv", 90, 3, 4));
  char *cli_trace = strdup(kh_test_write_temp("cli.h5", ""));
  char *api_trace = strdup(kh_test_write_temp("api.h5", ""));
  char args[4096];
  snprintf(args, sizeof args,
           "train --arch 4-16-3 --data %s --epochs 3 --seed 5 --trace %s --force", csv, cli_trace);
  char *out = NULL;
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  free(out);
  kh_run_options o;
  kh_run_options_init(&o);
  o.arch = "4-16-3", o.data = csv, o.epochs = 3, o.train.seed = 5, o.trace = api_trace;
  kh_run *r = NULL;
  cr_assert_eq(kh_run_open(ctx, &r, &o), KH_OK, "%s", kh_last_error(ctx));
  cr_assert_eq(kh_run_all(ctx, r, NULL, NULL), KH_OK, "%s", kh_last_error(ctx));
  kh_run_free(r);
  kh_trace_metrics a = metrics(ctx, cli_trace), b = metrics(ctx, api_trace);
  cr_assert_eq(a.epochs, 3);
  cr_assert_eq(b.epochs, 3);
  for (size_t e = 0; e < 3; e++)
    cr_expect(a.train_loss[e] == b.train_loss[e] && a.test_error[e] == b.test_error[e],
              "epoch %zu: CLI %.17g %.17g, API %.17g %.17g", e + 1, a.train_loss[e],
              a.test_error[e], b.train_loss[e], b.test_error[e]);
  kh_trace_metrics_release(&a), kh_trace_metrics_release(&b);
  free(csv), free(cli_trace), free(api_trace);
  kh_context_free(ctx);
}

static int stop_after_two(void *user, const kh_run_epoch *e) {
  ++*(int *)user;
  return e->epoch >= 2;
}

/* Sets in memory (a test set of its own), a callback that stops after two of five epochs, and a
 * resume through the API that goes on to the fifth. */
Test(run, arrays_a_stopping_callback_and_a_resume) {
  kh_context *ctx;
  kh_context_new(&ctx);
  double x[2 * 64];
  unsigned y[64];
  uint64_t s = 3;
  for (size_t i = 0; i < 64; i++)
    x[2 * i] = kh_test_uniform(&s) - 0.5, x[2 * i + 1] = kh_test_uniform(&s) - 0.5,
          y[i] = x[2 * i] > x[2 * i + 1];
  const char *trace = kh_test_write_temp("arrays.h5", "");
  kh_run_options o;
  kh_run_options_init(&o);
  o.arch = "2-8-2", o.epochs = 5, o.trace = trace;
  cr_assert_eq(kh_dataset_from_arrays(ctx, &o.train_data, "train", x, y, 48, 2), KH_OK);
  cr_assert_eq(kh_dataset_from_arrays(ctx, &o.test_data, "test", x + 96, y + 48, 16, 2), KH_OK);
  kh_run *r = NULL;
  cr_assert_eq(kh_run_open(ctx, &r, &o), KH_OK, "%s", kh_last_error(ctx));
  cr_expect_null(o.train_data); /* the run's now */
  cr_expect_eq(kh_dataset_count(kh_run_test_set(r)), 16);
  cr_expect_str_eq(kh_run_test_source(r), "the test file given");
  int calls = 0;
  cr_assert_eq(kh_run_all(ctx, r, stop_after_two, &calls), KH_OK, "%s", kh_last_error(ctx));
  cr_expect_eq(calls, 2);
  size_t next, last;
  kh_run_epochs(r, &next, &last, NULL);
  cr_expect(next == 3 && last == 5, "next %zu, last %zu", next, last);
  kh_run_free(r);
  kh_trace_metrics m = metrics(ctx, trace);
  cr_expect_eq(m.epochs, 2);
  kh_trace_metrics_release(&m);
  /* resumed on the same sets: epochs 3 to 5 */
  kh_run_options_init(&o);
  o.resume = trace, o.epochs = 0; /* the trace's own five */
  cr_assert_eq(kh_dataset_from_arrays(ctx, &o.train_data, "train", x, y, 48, 2), KH_OK);
  cr_assert_eq(kh_dataset_from_arrays(ctx, &o.test_data, "test", x + 96, y + 48, 16, 2), KH_OK);
  cr_assert_eq(kh_run_open(ctx, &r, &o), KH_OK, "%s", kh_last_error(ctx));
  kh_run_epochs(r, &next, &last, NULL);
  cr_expect(next == 3 && last == 5, "next %zu, last %zu", next, last);
  cr_assert_eq(kh_run_all(ctx, r, NULL, NULL), KH_OK, "%s", kh_last_error(ctx));
  kh_run_free(r);
  m = metrics(ctx, trace);
  cr_expect_eq(m.epochs, 5);
  kh_trace_metrics_release(&m);
  kh_context_free(ctx);
}

/* Other data than the run's is refused on resume; a run that cannot open frees what it took. */
Test(run, refusals_free_what_they_were_given) {
  kh_context *ctx;
  kh_context_new(&ctx);
  long before = kh_live_allocations();
  double x[] = {0, 1, 1, 0, 0.5, 0.5, 1, 1};
  unsigned y[] = {0, 1, 0, 1};
  kh_run_options o;
  kh_run_options_init(&o);
  o.arch = "2-x-2";
  cr_assert_eq(kh_dataset_from_arrays(ctx, &o.train_data, "train", x, y, 4, 2), KH_OK);
  kh_run *r = NULL;
  cr_expect_neq(kh_run_open(ctx, &r, &o), KH_OK);
  cr_expect_null(r);
  cr_expect_null(o.train_data);
  cr_expect_eq(kh_live_allocations(), before, "%ld allocations left",
               kh_live_allocations() - before);
  kh_run_options_init(&o);
  cr_expect_eq(kh_run_open(ctx, &r, &o), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "a run needs data"), "%s", kh_last_error(ctx));
  kh_context_free(ctx);
}
