/* How many cores this process may use: the default of train's --threads. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "cli.h"

#include <sched.h>
#include <unistd.h>

int kh_cli_cores(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)(n < 1024 ? n : 1024) : 1;
}
