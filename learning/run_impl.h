/* A run's state (kirchhoff/run.h), shared by its set-up (run.c) and its epochs (run_epochs.c). */
#ifndef KH_LEARNING_RUN_IMPL_H
#define KH_LEARNING_RUN_IMPL_H

#include "kirchhoff/run.h"
#include "kirchhoff/trace.h"

struct kh_run {
  kh_run_options o;
  kh_dataset *train_set, *test_set;
  kh_scaler scaler;
  kh_test_source test_source;
  char *netlist_text;
  kh_netlist *nl;
  kh_trainer *trainer;
  kh_trace *tracer;
  size_t next_epoch;
  int nothing_left; /* a resumed run that has its epochs: no trainer */
  double resumed_test_error;
  char warning[512];
  char save_test_tmp[4096], save_net_tmp[4096]; /* written, renamed when the setup succeeds */
};

#endif
