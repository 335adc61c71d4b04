/* A crew of helper threads that share the items of a job with the thread that posts it. Each
 * item goes to whoever claims it first, so a helper that is not running (descheduled on a busy
 * machine, or not yet awake) holds up the job only by the items it has claimed and not
 * finished: there is no barrier that waits for every thread to arrive. An idle helper polls a
 * few times, then polls between sched_yield calls for up to 0.2 ms (a core the caller or another
 * program wants is given away at each poll), then sleeps. Results must not depend on which
 * thread ran an item. */
#ifndef KH_CORE_CREW_H
#define KH_CORE_CREW_H

#include <stddef.h>

typedef struct kh_crew kh_crew;
/* Item `item` of a job; `worker` is 0 for the caller and 1..helpers for the helpers (an index
 * for per-thread scratch). */
typedef void (*kh_crew_task)(void *arg, size_t item, int worker);

/* helpers >= 1 threads; NULL when helpers < 1 or they cannot be started (kh_crew_run then runs
 * every item in the caller). */
kh_crew *kh_crew_new(int helpers);
void kh_crew_free(kh_crew *crew);
/* Runs task(arg, i, worker) for every i in [0, count) and returns when all are done. crew NULL:
 * in order, in the caller. count < 2^32. One job at a time per crew. */
void kh_crew_run(kh_crew *crew, size_t count, kh_crew_task task, void *arg);

#endif
