/* Solves a netlist's DC operating point and prints every node voltage.
 *
 *   cc solve_netlist.c $(pkg-config --cflags --libs kirchhoff) -o solve_netlist
 *   ./solve_netlist ../circuits/divider.cir
 *
 * The library reports every failure as a status code plus a message (file:line:col for
 * netlists); kh_status_exit_code maps it to the exit code the kirchhoff CLI would use. */
#include <kirchhoff/kirchhoff.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s NETLIST\n", argv[0]);
    return 1;
  }
  kh_context *ctx = NULL;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_netlist *nl = NULL;
  kh_circuit *circuit = NULL;
  kh_solver *solver = NULL;
  double *v = NULL;
  kh_solve_stats stats;
  kh_status st = kh_netlist_parse_file(ctx, &nl, argv[1]);
  if (st == KH_OK) st = kh_circuit_new(ctx, &circuit, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &solver, circuit, "native");
  if (st == KH_OK && !(v = calloc(kh_netlist_node_count(nl), sizeof *v))) st = KH_ERR_NOMEM;
  if (st == KH_OK) st = kh_solver_solve(ctx, solver, v, &stats);
  if (st == KH_OK) {
    for (size_t node = 1; node < kh_netlist_node_count(nl); node++) /* node 0 is ground */
      printf("%-12s %.12g V\n", kh_netlist_node_name(nl, node), v[node]);
    printf("KCL residual %.3g A after %u Newton iterations\n", stats.residual, stats.iterations);
  } else {
    fprintf(stderr, "solve_netlist: %s\n", kh_last_error(ctx));
  }
  int code = kh_status_exit_code(st);
  free(v);
  kh_solver_free(solver);
  kh_circuit_free(circuit);
  kh_netlist_free(nl);
  kh_context_free(ctx);
  return code;
}
