/* ngspice's work in a child process, with a time limit (child.h). The answer comes back down a
 * pipe: the status, the voltages and found flags, the message. The parent waits for it with
 * poll() against a deadline (CLOCK_MONOTONIC), and kills the child once that passes: libngspice
 * has no point at which a DC operating point can be interrupted (its bg_halt is checked between
 * the steps of sweeps and transients only), so a child is the only way to stop one that crawls
 * (source stepping at reltol 1e-9 ran 138 s on one random BSIM4 deck). */
#include "child.h"

#include "core/context.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t size) {
  for (const char *p = data; size;) {
    ssize_t w = write(fd, p, size);
    if (w <= 0) return -1;
    p += w, size -= (size_t)w;
  }
  return 0;
}

void kh_child_run(int fd, kh_child_work work, void *arg, size_t n, double *voltages,
                  unsigned char *found) {
  kh_context *ctx = NULL;
  kh_status st = kh_context_new(&ctx);
  if (st == KH_OK) st = work(ctx, arg, voltages, found);
  const char *msg = st == KH_OK || !ctx ? "" : kh_last_error(ctx);
  size_t len = strlen(msg);
  int code = (int)st,
      bad = write_all(fd, &code, sizeof code) || write_all(fd, voltages, n * sizeof *voltages) ||
            write_all(fd, found, n) || write_all(fd, &len, sizeof len) || write_all(fd, msg, len);
  _exit(bad);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Reads size bytes by the deadline (INFINITY: none): 0, -1 at the end of the pipe or an error,
 * -2 past the deadline. */
static int read_by(int fd, void *data, size_t size, double deadline) {
  for (char *p = data; size;) {
    double left = deadline - now();
    if (left <= 0) return -2;
    struct pollfd q = {fd, POLLIN, 0};
    int ms = isinf(deadline) ? -1 : (int)fmin(ceil(left * 1e3), 1e9);
    int ready = poll(&q, 1, ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return -1;
    if (ready == 0) continue; /* the loop's test decides */
    ssize_t r = read(fd, p, size);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r, size -= (size_t)r;
  }
  return 0;
}

kh_status kh_child_collect(kh_context *ctx, pid_t pid, int fd, size_t n, double *voltages,
                           unsigned char *found, double seconds, const char *doing) {
  double deadline = seconds > 0 ? now() + seconds : INFINITY;
  int code = KH_ERR_BACKEND, status = 0, r = -1;
  size_t len = 0;
  char msg[1024] = "";
  if (pid > 0) {
    r = read_by(fd, &code, sizeof code, deadline);
    if (!r) r = read_by(fd, voltages, n * sizeof *voltages, deadline);
    if (!r) r = read_by(fd, found, n, deadline);
    if (!r) r = read_by(fd, &len, sizeof len, deadline);
    if (!r) r = read_by(fd, msg, len < sizeof msg ? len : sizeof msg - 1, deadline);
  }
  close(fd);
  if (r == -2) kill(pid, SIGKILL);
  if (pid > 0) waitpid(pid, &status, 0);
  if (r == 0 && code >= KH_OK && code <= KH_ERR_BACKEND)
    return code == KH_OK ? KH_OK : kh_fail(ctx, (kh_status)code, "%s", msg);
  memset(found, 0, n);
  if (r == -2)
    return kh_fail(ctx, KH_ERR_BACKEND,
                   "ngspice took longer than %g s %s and was stopped (the time limit: "
                   "kirchhoff op --ngspice-limit, kh_ngspice_set_time_limit)",
                   seconds, doing);
  if (pid > 0 && WIFSIGNALED(status))
    return kh_fail(ctx, KH_ERR_BACKEND, "ngspice crashed %s (%s)", doing,
                   strsignal(WTERMSIG(status)));
  return kh_fail(ctx, KH_ERR_BACKEND, "ngspice %s %s",
                 pid < 0 ? "could not be started for" : "stopped", doing);
}
