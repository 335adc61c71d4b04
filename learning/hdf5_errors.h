/* HDF5 prints its error stack to stderr by default; kirchhoff reports through its context
 * instead. The printing is switched off for the span of one library call and restored after,
 * so that a program using HDF5 beside kirchhoff keeps its own setting (no process state is
 * changed for good). */
#ifndef KH_LEARNING_HDF5_ERRORS_H
#define KH_LEARNING_HDF5_ERRORS_H

#include <hdf5.h>

typedef struct {
  H5E_auto2_t print;
  void *data;
} kh_hdf5_errors;

static inline kh_hdf5_errors kh_hdf5_errors_off(void) {
  kh_hdf5_errors saved = {NULL, NULL};
  H5Eget_auto2(H5E_DEFAULT, &saved.print, &saved.data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  return saved;
}

static inline void kh_hdf5_errors_restore(kh_hdf5_errors saved) {
  H5Eset_auto2(H5E_DEFAULT, saved.print, saved.data);
}

#endif
