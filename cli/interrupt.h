/* Ctrl-C (SIGINT) and SIGTERM while kirchhoff trains: the process stops at once and says which
 * epoch its trace keeps. Trace writes are atomic (learning/atomic_file.h), and signals are held
 * while one runs, so an interrupted run leaves either the epoch being written, whole, or the one
 * before it, and never a half-written file. */
#ifndef KH_CLI_INTERRUPT_H
#define KH_CLI_INTERRUPT_H

/* Installs the handlers; from now on a signal prints the last message set and exits 128 + the
 * signal's number. */
void kh_cli_interrupt_arm(void);
/* The message to print if interrupted from now on (copied; a newline is added). */
void kh_cli_interrupt_say(const char *message);
/* hold = 1: signals wait (a trace write is under way); 0: a waiting signal is delivered now. */
void kh_cli_interrupt_hold(int hold);
/* Restores the default handlers. */
void kh_cli_interrupt_disarm(void);

#endif
