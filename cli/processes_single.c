/* The build without MPI: one process, nothing to communicate. */
#include "processes.h"

#include <stdio.h>
#include <stdlib.h>

/* Under mpirun every process would train the whole run and write the same files: refuse. */
void kh_cli_mpi_start(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *size = getenv("OMPI_COMM_WORLD_SIZE");
  if (!size) size = getenv("PMI_SIZE");
  if (size && atoi(size) > 1) {
    fprintf(stderr,
            "kirchhoff: started by mpirun with %s processes, but built without MPI "
            "(meson setup -Dmpi=enabled needs libopenmpi-dev)\n",
            size);
    exit(1);
  }
}

void kh_cli_mpi_stop(void) {}

int kh_cli_mpi_rank(void) {
  return 0;
}

int kh_cli_mpi_size(void) {
  return 1;
}

void kh_cli_mpi_partition(kh_partition *p) {
  *p = (kh_partition){0, 1, NULL, NULL, NULL, NULL};
}

kh_status kh_cli_mpi_agree(kh_context *ctx, kh_status st) {
  (void)ctx;
  return st;
}

kh_status kh_cli_mpi_share_state(kh_context *ctx, kh_trainer *t) {
  (void)ctx, (void)t;
  return KH_OK;
}

kh_status kh_cli_mpi_sum(kh_context *ctx, double *values, size_t count) {
  (void)ctx, (void)values, (void)count;
  return KH_OK;
}

double kh_cli_mpi_bytes(void) {
  return 0;
}
