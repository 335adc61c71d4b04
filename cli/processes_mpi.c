/* MPI for the command-line tool (see processes.h). The one process-wide state is MPI's own, plus
 * whether this process started it and how many bytes it has reduced. */
#include "processes.h"

#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int started, rank, size = 1;
static double bytes_moved;

void kh_cli_mpi_start(int *argc, char ***argv) {
  /* mpirun (Open MPI, or a PMI/PMIx launcher) leaves these; a plain run does not pay for
   * MPI_Init. */
  if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK")) return;
  if (MPI_Init(argc, argv) != MPI_SUCCESS) return;
  started = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
}

void kh_cli_mpi_stop(void) {
  if (started) MPI_Finalize();
  started = 0;
}

int kh_cli_mpi_rank(void) {
  return rank;
}

int kh_cli_mpi_size(void) {
  return size;
}

static kh_status allreduce(double *values, size_t count, MPI_Op op) {
  for (size_t done = 0; done < count;) { /* MPI counts are ints */
    int n = count - done > (size_t)INT32_MAX ? INT32_MAX : (int)(count - done);
    if (MPI_Allreduce(MPI_IN_PLACE, values + done, n, MPI_DOUBLE, op, MPI_COMM_WORLD) !=
        MPI_SUCCESS)
      return KH_ERR_IO;
    done += (size_t)n;
  }
  bytes_moved += (double)count * sizeof *values;
  return KH_OK;
}

static kh_status sum(void *state, double *values, size_t count) {
  (void)state;
  return allreduce(values, count, MPI_SUM);
}

static kh_status max(void *state, double *values, size_t count) {
  (void)state;
  return allreduce(values, count, MPI_MAX);
}

/* MPI_Allgatherv of bytes[p] bytes from each process p, in process order. */
static kh_status gather(void *state, const void *mine, void *all, const size_t *bytes) {
  (void)state;
  int *counts = malloc(2 * (size_t)size * sizeof *counts), *at = counts + size;
  if (!counts) return KH_ERR_NOMEM;
  size_t offset = 0;
  kh_status st = KH_OK;
  for (int p = 0; p < size; p++) {
    if (bytes[p] > (size_t)INT32_MAX || offset > (size_t)INT32_MAX) st = KH_ERR_IO;
    counts[p] = (int)bytes[p], at[p] = (int)offset;
    offset += bytes[p];
  }
  if (st == KH_OK && MPI_Allgatherv(mine, counts[rank], MPI_BYTE, all, counts, at, MPI_BYTE,
                                    MPI_COMM_WORLD) != MPI_SUCCESS)
    st = KH_ERR_IO;
  if (st == KH_OK) bytes_moved += (double)offset;
  free(counts);
  return st;
}

void kh_cli_mpi_partition(kh_partition *p) {
  *p = (kh_partition){rank, size, sum, max, gather, NULL};
}

kh_status kh_cli_mpi_agree(kh_context *ctx, kh_status st) {
  if (size == 1) return st;
  double failed = st != KH_OK;
  if (allreduce(&failed, 1, MPI_MAX) != KH_OK)
    return kh_set_error(ctx, KH_ERR_IO, "MPI_Allreduce failed");
  if (st == KH_OK && failed != 0)
    return kh_set_error(ctx, KH_ERR_IO, "another process failed (its message is above)");
  return st;
}

static kh_status bcast(void *data, size_t count, MPI_Datatype type, size_t elem) {
  unsigned char *p = data;
  for (size_t done = 0; done < count;) {
    int n = count - done > (size_t)INT32_MAX ? INT32_MAX : (int)(count - done);
    if (MPI_Bcast(p + done * elem, n, type, 0, MPI_COMM_WORLD) != MPI_SUCCESS) return KH_ERR_IO;
    done += (size_t)n;
  }
  bytes_moved += (double)(count * elem);
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
  kh_status st = bcast(head, 8, MPI_UINT64_T, sizeof *head);
  if (st == KH_OK) st = bcast(theta, n, MPI_DOUBLE, sizeof *theta);
  if (st == KH_OK && have[0]) st = bcast(m1, n, MPI_DOUBLE, sizeof *m1);
  if (st == KH_OK && have[1]) st = bcast(m2, n, MPI_DOUBLE, sizeof *m2);
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
  if (size == 1 || allreduce(values, count, MPI_SUM) == KH_OK) return KH_OK;
  return kh_set_error(ctx, KH_ERR_IO, "MPI_Allreduce failed");
}

double kh_cli_mpi_bytes(void) {
  return bytes_moved;
}
