/* kirchhoff-mpi.so: cli/mpi_module.h's table over Open MPI. */
#include "mpi_module.h"

#include <mpi.h>

static int rank;

static int init(int *argc, char ***argv, int *my_rank, int *size) {
  if (MPI_Init(argc, argv) != MPI_SUCCESS) return 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  *my_rank = rank;
  return 0;
}

static void finalize(void) {
  MPI_Finalize();
}

static int allreduce(double *values, int n, int max) {
  return MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_DOUBLE, max ? MPI_MAX : MPI_SUM,
                       MPI_COMM_WORLD) != MPI_SUCCESS;
}

static int allgather(const void *mine, void *all, const int *counts, const int *at) {
  return MPI_Allgatherv(mine, counts[rank], MPI_BYTE, all, counts, at, MPI_BYTE, MPI_COMM_WORLD) !=
         MPI_SUCCESS;
}

static int broadcast(void *data, int n) {
  return MPI_Bcast(data, n, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS;
}

__attribute__((visibility("default")))
const kh_mpi_module kh_mpi_module_v1 = {init, finalize, allreduce, allgather, broadcast};
