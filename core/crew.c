/* kh_crew (crew.h). The job is one 64-bit word, (count << 32) | next: claiming item `next` is a
 * compare-and-swap that advances it, so a claim can only succeed while the job has unclaimed
 * items, and the caller publishes the next job only after every item of this one is done. A
 * helper that read a job's task and then lost the race finds next >= count and claims nothing. */
#include "crew.h"

#include "alloc.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* An idle helper's polls before it sleeps. Few: a helper spinning while the machine has no
 * spare core takes the caller's (DRN-XS beside a busy loop: 4,000 polls made two threads 1.33x
 * slower than one, 50 polls 1.06x); a sleeping helper joins a job late, which costs only its
 * share of the job. */
enum { SPINS = 50 };
static const long YIELD_NS = 200000;

struct kh_crew {
  int helpers;
  pthread_t *thread;
  _Atomic uint64_t claim;
  _Atomic size_t done;
  _Atomic int stop, sleepers;
  kh_crew_task task; /* the job's: written before claim is published */
  void *arg;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  struct member {
    kh_crew *crew;
    int index;
  } * member;
};

static int has_work(kh_crew *c) {
  uint64_t v = atomic_load(&c->claim);
  return (v & 0xffffffffu) < (v >> 32);
}

static void pause_briefly(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claims and runs items until none is left; worker: who runs them. */
static void work(kh_crew *c, int worker) {
  uint64_t v = atomic_load_explicit(&c->claim, memory_order_acquire);
  while ((v & 0xffffffffu) < (v >> 32)) {
    kh_crew_task task = c->task; /* this job's: the next is posted only after it is done */
    void *arg = c->arg;
    if (!atomic_compare_exchange_weak_explicit(&c->claim, &v, v + 1, memory_order_acq_rel,
                                               memory_order_acquire))
      continue;
    task(arg, (size_t)(v & 0xffffffffu), worker);
    atomic_fetch_add_explicit(&c->done, 1, memory_order_release);
    v = atomic_load_explicit(&c->claim, memory_order_acquire);
  }
}

/* Then polls between sched_yield calls for up to YIELD_NS: a core another thread wants is given
 * to it at each poll, and on an idle machine the next job, usually microseconds away, finds the
 * helper awake. Sleeping at once instead made every job wait for a futex wake-up (tens of
 * microseconds on a virtual machine), 30,000 times an epoch of DRN-1H. */
static void yield_until_work(kh_crew *c) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (!has_work(c) && !atomic_load(&c->stop)) {
    sched_yield();
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > YIELD_NS) return;
  }
}

static void *helper(void *member_) {
  struct member *me = member_;
  kh_crew *c = me->crew;
  for (;;) {
    for (int s = 0; s < SPINS && !has_work(c) && !atomic_load(&c->stop); s++) pause_briefly();
    yield_until_work(c);
    if (!has_work(c) && !atomic_load(&c->stop)) {
      pthread_mutex_lock(&c->lock);
      atomic_fetch_add(&c->sleepers, 1); /* then look again: a post either sees us or we it */
      while (!has_work(c) && !atomic_load(&c->stop)) pthread_cond_wait(&c->wake, &c->lock);
      atomic_fetch_sub(&c->sleepers, 1);
      pthread_mutex_unlock(&c->lock);
    }
    if (atomic_load(&c->stop)) return NULL;
    work(c, me->index);
  }
}

kh_crew *kh_crew_new(int helpers) {
  if (helpers < 1) return NULL;
  kh_crew *c = kh_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->thread = kh_calloc((size_t)helpers, sizeof *c->thread);
  c->member = kh_calloc((size_t)helpers, sizeof *c->member);
  if (!c->thread || !c->member || pthread_mutex_init(&c->lock, NULL) ||
      pthread_cond_init(&c->wake, NULL)) {
    kh_free(c->thread), kh_free(c->member), kh_free(c);
    return NULL;
  }
  for (int h = 0; h < helpers; h++) {
    c->member[h] = (struct member){c, h + 1};
    if (pthread_create(&c->thread[h], NULL, helper, &c->member[h])) break;
    c->helpers = h + 1;
  }
  if (c->helpers < helpers) { /* as many as started, then none: the caller alone */
    kh_crew_free(c);
    return NULL;
  }
  return c;
}

void kh_crew_free(kh_crew *c) {
  if (!c) return;
  pthread_mutex_lock(&c->lock);
  atomic_store(&c->stop, 1);
  pthread_cond_broadcast(&c->wake);
  pthread_mutex_unlock(&c->lock);
  for (int h = 0; h < c->helpers; h++) pthread_join(c->thread[h], NULL);
  pthread_cond_destroy(&c->wake);
  pthread_mutex_destroy(&c->lock);
  kh_free(c->thread), kh_free(c->member), kh_free(c);
}

void kh_crew_run(kh_crew *c, size_t count, kh_crew_task task, void *arg) {
  if (!c || count < 2) {
    for (size_t i = 0; i < count; i++) task(arg, i, 0);
    return;
  }
  c->task = task, c->arg = arg;
  atomic_store_explicit(&c->done, 0, memory_order_relaxed);
  atomic_store(&c->claim, (uint64_t)count << 32); /* publishes the job */
  if (atomic_load(&c->sleepers) > 0) {
    pthread_mutex_lock(&c->lock);
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
  }
  work(c, 0);
  /* only items a helper claimed can be left: wait for them, giving the core away while waiting
   * (their helper may need it) */
  for (unsigned s = 0; atomic_load_explicit(&c->done, memory_order_acquire) < count; s++)
    if (s < 1000)
      pause_briefly();
    else
      sched_yield();
}
