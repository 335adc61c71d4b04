/* Processes for the command-line tool (see processes.h). Under mpirun it loads the MPI module
 * (cli/mpi_module.h) and talks through it; otherwise it is one process and communicates
 * nothing. The one process-wide state is MPI's own, the module, and how many bytes this process
 * has passed to collectives. */
#include "processes.h"

#include "mpi_module.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const kh_mpi_module *mpi;
static int rank, size = 1;
static double bytes_moved;

/* How many processes mpirun (Open MPI, or a PMI/PMIx launcher) says it started: 0 when it did
 * not start this one, -1 when it did but does not say how many. */
static int launched_processes(void) {
  const char *n = getenv("OMPI_COMM_WORLD_SIZE");
  if (!n) n = getenv("PMI_SIZE");
  if (n) return atoi(n) > 0 ? atoi(n) : -1;
  return getenv("PMIX_RANK") ? -1 : 0;
}

/* The module beside the executable (the build tree), else where meson installs it; *why says
 * what each place answered. RTLD_GLOBAL: Open MPI's own plugins resolve MPI's symbols through the
 * global scope. */
static const kh_mpi_module *load_module(char *why, size_t size_of_why) {
  char dir[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
  const char *dirs[2] = {NULL, KH_MPI_MODULE_DIR};
  if (len > 0) {
    dir[len] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0', dirs[0] = dir;
  }
  if (!KH_MPI_BUILT) {
    snprintf(why, size_of_why,
             "this build has no MPI (meson setup -Dmpi=enabled needs libopenmpi-dev)");
    return NULL;
  }
  size_t used = (size_t)snprintf(why, size_of_why, "its MPI module cannot be loaded");
  for (int k = 0; k < 2; k++) {
    if (!dirs[k]) continue;
    char path[PATH_MAX + sizeof KH_MPI_MODULE_FILE + 1];
    snprintf(path, sizeof path, "%s/%s", dirs[k], KH_MPI_MODULE_FILE);
    void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    const kh_mpi_module *m = handle ? dlsym(handle, KH_MPI_MODULE_SYMBOL) : NULL;
    if (m) return m;
    if (used < size_of_why)
      used += (size_t)snprintf(why + used, size_of_why - used, "%s %s", k ? ";" : ":",
                               handle ? "it has no " KH_MPI_MODULE_SYMBOL : dlerror());
  }
  return NULL;
}

void kh_cli_mpi_start(int *argc, char ***argv) {
  int launched = launched_processes();
  if (!launched) return; /* a plain run neither loads MPI nor pays for MPI_Init */
  char why[PATH_MAX + 256];
  mpi = load_module(why, sizeof why);
  if (mpi && mpi->init(argc, argv, &rank, &size)) {
    snprintf(why, sizeof why, "MPI_Init failed");
    mpi = NULL, rank = 0, size = 1;
  }
  /* Without MPI every process would train the whole run and write the same files: refuse. */
  if (!mpi && launched != 1) {
    fprintf(stderr, "kirchhoff: started by mpirun, but %s\n", why);
    exit(1);
  }
}

void kh_cli_mpi_stop(void) {
  if (mpi) mpi->finalize();
  mpi = NULL;
}

int kh_cli_mpi_rank(void) {
  return rank;
}

int kh_cli_mpi_size(void) {
  return size;
}

/* MPI counts are ints: the calls below go in pieces of at most INT_MAX elements. */
static int piece(size_t count, size_t done) {
  return count - done > (size_t)INT_MAX ? INT_MAX : (int)(count - done);
}

static kh_status allreduce(double *values, size_t count, int max) {
  for (size_t done = 0; done < count; done += (size_t)piece(count, done))
    if (mpi->allreduce(values + done, piece(count, done), max)) return KH_ERR_IO;
  bytes_moved += (double)count * sizeof *values;
  return KH_OK;
}

static kh_status sum(void *state, double *values, size_t count) {
  (void)state;
  return allreduce(values, count, 0);
}

static kh_status max(void *state, double *values, size_t count) {
  (void)state;
  return allreduce(values, count, 1);
}

/* Every process's bytes[p] bytes, in process order. */
static kh_status gather(void *state, const void *mine, void *all, const size_t *bytes) {
  (void)state;
  int *counts = malloc(2 * (size_t)size * sizeof *counts);
  if (!counts) return KH_ERR_NOMEM;
  int *at = counts + size;
  size_t offset = 0;
  kh_status st = KH_OK;
  for (int p = 0; p < size; p++) {
    if (bytes[p] > (size_t)INT_MAX || offset > (size_t)INT_MAX) st = KH_ERR_IO;
    counts[p] = (int)bytes[p], at[p] = (int)offset;
    offset += bytes[p];
  }
  if (st == KH_OK && mpi->allgather(mine, all, counts, at)) st = KH_ERR_IO;
  if (st == KH_OK) bytes_moved += (double)offset;
  free(counts);
  return st;
}

void kh_cli_mpi_partition(kh_partition *p) {
  if (size == 1)
    *p = (kh_partition){0, 1, NULL, NULL, NULL, NULL};
  else
    *p = (kh_partition){rank, size, sum, max, gather, NULL};
}

kh_status kh_cli_mpi_agree(kh_context *ctx, kh_status st) {
  if (size == 1) return st;
  double failed = st != KH_OK;
  if (allreduce(&failed, 1, 1) != KH_OK)
    return kh_set_error(ctx, KH_ERR_IO, "MPI_Allreduce failed");
  if (st == KH_OK && failed != 0)
    return kh_set_error(ctx, KH_ERR_IO, "another process failed (its message is above)");
  return st;
}

static kh_status broadcast(void *data, size_t bytes) {
  unsigned char *p = data;
  for (size_t done = 0; done < bytes; done += (size_t)piece(bytes, done))
    if (mpi->broadcast(p + done, piece(bytes, done))) return KH_ERR_IO;
  bytes_moved += (double)bytes;
  return KH_OK;
}

kh_status kh_cli_mpi_share_state(kh_context *ctx, kh_trainer *t) {
  if (size == 1) return KH_OK;
  kh_trainer_state s;
  kh_trainer_get_state(t, &s);
  size_t n = kh_model_param_count(kh_trainer_model(t));
  uint64_t head[8] = {s.epoch, s.step, s.rng[0], s.rng[1], s.rng[2], s.rng[3], 0, s.device_writes};
  memcpy(&head[6], &s.lr_scale, sizeof s.lr_scale);
  /* set_state copies from these, so rank > 0 receives into copies of its own arrays */
  double *copy = rank ? malloc((3 * n + 1) * sizeof *copy) : NULL;
  if (rank && !copy)
    return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory while sharing the trainer state");
  double *theta = rank ? copy : s.theta, *m1 = rank ? copy + n : s.moment1,
         *m2 = rank ? copy + 2 * n : s.moment2;
  int have[2] = {s.moment1 != NULL, s.moment2 != NULL};
  kh_status st = broadcast(head, sizeof head);
  if (st == KH_OK) st = broadcast(theta, n * sizeof *theta);
  if (st == KH_OK && have[0]) st = broadcast(m1, n * sizeof *m1);
  if (st == KH_OK && have[1]) st = broadcast(m2, n * sizeof *m2);
  if (st != KH_OK) st = kh_set_error(ctx, KH_ERR_IO, "MPI_Bcast of the trainer state failed");
  if (st == KH_OK && rank) {
    kh_trainer_state r = {.epoch = head[0],
                          .step = head[1],
                          .rng = {head[2], head[3], head[4], head[5]},
                          .theta = theta,
                          .moment1 = have[0] ? m1 : NULL,
                          .moment2 = have[1] ? m2 : NULL,
                          .device_writes = head[7]};
    memcpy(&r.lr_scale, &head[6], sizeof r.lr_scale);
    st = kh_trainer_set_state(ctx, t, &r);
  }
  free(copy);
  return st;
}

kh_status kh_cli_mpi_sum(kh_context *ctx, double *values, size_t count) {
  if (size == 1 || allreduce(values, count, 0) == KH_OK) return KH_OK;
  return kh_set_error(ctx, KH_ERR_IO, "MPI_Allreduce failed");
}

double kh_cli_mpi_bytes(void) {
  return bytes_moved;
}
