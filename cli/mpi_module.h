/* The MPI calls of the command-line tool, in a module of their own (kirchhoff-mpi.so, built when
 * meson finds MPI): cli/processes.c loads it only when mpirun started the process, so that a
 * plain run does not load Open MPI's seven shared libraries (about 3 ms of every start,
 * docs/benchmarks.md). The module knows nothing of kirchhoff: buffers and counts in, 0 for
 * success out. */
#ifndef KH_CLI_MPI_MODULE_H
#define KH_CLI_MPI_MODULE_H

#define KH_MPI_MODULE_FILE "kirchhoff-mpi.so"
/* The one symbol the module exports: a kh_mpi_module. A new layout gets a new name. */
#define KH_MPI_MODULE_SYMBOL "kh_mpi_module_v1"

typedef struct {
  /* MPI_Init, then this process's rank and the number of processes. */
  int (*init)(int *argc, char ***argv, int *rank, int *size);
  void (*finalize)(void);
  /* In place across the processes: the sum (max = 0) or the maximum (max = 1) of n doubles. */
  int (*allreduce)(double *values, int n, int max);
  /* Every process's bytes in process order: process p's counts[p] bytes land at all + at[p]. */
  int (*allgather)(const void *mine, void *all, const int *counts, const int *at);
  /* The first process's n bytes at data to every process. */
  int (*broadcast)(void *data, int n);
} kh_mpi_module;

#endif
