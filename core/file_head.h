/* The first bytes of a file, for telling its kind by content (gzip, HDF5, a kirchhoff
 * signature) before opening it for real. */
#ifndef KH_CORE_FILE_HEAD_H
#define KH_CORE_FILE_HEAD_H

#include <stddef.h>

/* Reads up to size bytes from the start of path into buf; returns how many (0 when the file
 * cannot be opened or is empty). */
size_t kh_file_head(const char *path, void *buf, size_t size);

#endif
