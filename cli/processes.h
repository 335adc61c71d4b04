/* kirchhoff under mpirun (docs/scaling.md): data-parallel training, one process per rank. MPI
 * lives here, in the command-line tool, and only when the build found it (-Dmpi=auto); the
 * library stays free of it and sees a kh_partition. Without MPI, or when not launched by
 * mpirun, these describe one process and communicate nothing. */
#ifndef KH_CLI_PROCESSES_H
#define KH_CLI_PROCESSES_H

#include "kirchhoff/kirchhoff.h"
#include "kirchhoff/train.h"

/* MPI_Init when launched by mpirun (its environment says so); else nothing. */
void kh_cli_mpi_start(int *argc, char ***argv);
void kh_cli_mpi_stop(void);
int kh_cli_mpi_rank(void);
int kh_cli_mpi_size(void);
/* This process's share of training: sums and maxima through MPI_Allreduce. */
void kh_cli_mpi_partition(kh_partition *p);
/* Collective: every process learns whether any failed. A process that did not fail itself
 * gets an error saying another did; st (and its message) is kept where it failed. */
kh_status kh_cli_mpi_agree(kh_context *ctx, kh_status st);
/* Rank 0's trainer state (parameters, optimizer moments, random state) to every process. */
kh_status kh_cli_mpi_share_state(kh_context *ctx, kh_trainer *t);
/* Sums values across the processes, in place (collective). */
kh_status kh_cli_mpi_sum(kh_context *ctx, double *values, size_t count);
/* Bytes this process has passed to collective operations so far. */
double kh_cli_mpi_bytes(void);

#endif
