#include "interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* A signal handler can only reach process-wide state: two message buffers, the one to print
 * chosen by an atomic index, so a message is never read while it is being replaced. */
static char messages[2][1024];
static volatile sig_atomic_t current;

static void on_signal(int sig) {
  const char *m = messages[current];
  ssize_t ignored = write(STDERR_FILENO, m, strlen(m));
  (void)ignored;
  _exit(128 + sig);
}

void kh_cli_interrupt_say(const char *message) {
  int next = !current;
  size_t n = strlen(message);
  if (n > sizeof messages[next] - 3) n = sizeof messages[next] - 3;
  messages[next][0] = '\n'; /* off the progress line */
  memcpy(messages[next] + 1, message, n);
  messages[next][n + 1] = '\n';
  messages[next][n + 2] = '\0';
  current = next;
}

static void set(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

void kh_cli_interrupt_arm(void) {
  set(on_signal);
}

void kh_cli_interrupt_disarm(void) {
  set(SIG_DFL);
}

void kh_cli_interrupt_hold(int hold) {
  sigset_t both;
  sigemptyset(&both);
  sigaddset(&both, SIGINT);
  sigaddset(&both, SIGTERM);
  pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &both, NULL);
}
