/* The crew (core/crew.h): every item of every job runs exactly once, on a worker index in range,
 * whatever the helpers and the jobs' sizes; a helper that stalls in an item holds up only that
 * item (the caller runs the rest meanwhile); jobs of 0 and 1 items and a crew of none run in the
 * caller. */
#include "core/crew.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

enum { ITEMS = 4096 };

typedef struct {
  atomic_int runs[ITEMS];
  atomic_int bad_worker, by_helpers;
  int helpers;
  atomic_int armed;   /* 1: the next item a helper runs stalls first (stall_until_the_rest) */
  atomic_int stalled; /* that happened */
  atomic_int done;    /* items finished */
  int work;           /* iterations of busy work per item */
} tally;

/* The stall: until every other item of the job has finished, at most 2 s. A fixed 50 ms was
 * flaky: under ASan on a busy machine the caller had not run all 4,096 items by then, and the
 * helper, awake again, ran 1,445 of them (CI, 2026-12-04). If the caller could not take a
 * stalled helper's items, this waits the 2 s and the helper then runs them. */
static void stall_until_the_rest(tally *t, size_t items) {
  for (int ms = 0; ms < 2000 && (size_t)atomic_load(&t->done) + 1 < items; ms++)
    nanosleep(&(struct timespec){0, 1000000}, NULL);
}

static void count(void *arg, size_t item, int worker) {
  tally *t = arg;
  atomic_fetch_add(&t->runs[item], 1);
  if (worker < 0 || worker > t->helpers) atomic_store(&t->bad_worker, 1);
  if (worker > 0) {
    atomic_fetch_add(&t->by_helpers, 1);
    if (atomic_exchange(&t->armed, 0)) {
      stall_until_the_rest(t, ITEMS);
      atomic_store(&t->stalled, 1);
    }
  }
  for (volatile int k = 0; k < t->work; k++) continue;
  atomic_fetch_add(&t->done, 1);
}

static void run_jobs(kh_crew *crew, int helpers) {
  static tally t;
  uint64_t z = 12345;
  for (int job = 0; job < 2000; job++) {
    z = z * 6364136223846793005u + 1442695040888963407u;
    size_t n = (size_t)(z >> 33) % 64; /* 0 .. 63 items */
    for (size_t i = 0; i < n; i++) atomic_store(&t.runs[i], 0);
    t.helpers = helpers, t.work = 0, atomic_store(&t.armed, 0);
    kh_crew_run(crew, n, count, &t);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(atomic_load(&t.runs[i]), 1, "job %d: item %zu ran %d times", job, i,
                   atomic_load(&t.runs[i]));
  }
  cr_expect_eq(atomic_load(&t.bad_worker), 0);
}

Test(crew, every_item_runs_once) {
  for (int helpers = 0; helpers <= 3; helpers++) {
    kh_crew *crew = kh_crew_new(helpers);
    cr_assert((crew != NULL) == (helpers > 0));
    run_jobs(crew, helpers);
    kh_crew_free(crew);
  }
}

/* A job of many items (about 10 us each) with one helper that stalls in the first item it runs
 * until the others are done: the caller runs them meanwhile (the helper runs hardly any), and
 * the job still ends with every item run once. */
Test(crew, a_stalled_helper_holds_up_its_item_only) {
  kh_crew *crew = kh_crew_new(1);
  cr_assert_not_null(crew);
  static tally t;
  t.helpers = 1, t.work = 3000;
  /* on a busy machine the helper may not get a core during a whole job: a few tries */
  for (int attempt = 0; attempt < 20 && !atomic_load(&t.stalled); attempt++) {
    for (size_t i = 0; i < ITEMS; i++) atomic_store(&t.runs[i], 0);
    atomic_store(&t.by_helpers, 0), atomic_store(&t.done, 0), atomic_store(&t.armed, 1);
    kh_crew_run(crew, ITEMS, count, &t);
    for (size_t i = 0; i < ITEMS; i++) cr_assert_eq(atomic_load(&t.runs[i]), 1);
  }
  cr_assert(atomic_load(&t.stalled), "the helper never ran an item in 20 jobs");
  cr_expect(atomic_load(&t.by_helpers) < ITEMS / 4, "the stalled helper ran %d of %d items",
            atomic_load(&t.by_helpers), ITEMS);
  kh_crew_free(crew);
}
