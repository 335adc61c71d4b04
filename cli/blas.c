/* The tool's OpenBLAS: one thread unless OPENBLAS_NUM_THREADS asks for more, and the line
 * `kirchhoff --version` gives about it.
 *
 * OpenBLAS's constructor starts a worker thread per core, and each spins (sched_yield) for a
 * while after start-up and after every call: a 30 ms `op` of a 100 x 100 grid burned 33 ms of
 * CPU instead of 25, and a power grid 89 instead of 39, taken from whatever else runs on the
 * machine. Nothing the tool does runs faster with them: the layered backend calls OpenBLAS
 * single-threaded (sim/layered/blas.c), sparse circuits up to 300 x 300 factorize simplicially
 * without BLAS, and the supernodal factorization of a 1000 x 1000 grid took 4.5-5.3 s with one
 * thread or two (docs/benchmarks.md). The setting comes from a constructor that runs before
 * OpenBLAS's own. That holds where OpenBLAS is linked into the executable (-Dstatic_solvers, the
 * default); a shared OpenBLAS starts before any of the tool's code and keeps its threads, which
 * --version then shows. */
#include "cli.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor(101))) static void one_blas_thread_unless_asked(void) {
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
}

void kh_cli_print_blas(FILE *out) {
  int threads = openblas_get_num_threads();
  fprintf(out, "%s, %d thread%s\n", openblas_get_config(), threads, threads == 1 ? "" : "s");
}
