/* open_memstream's contract with a buffer that grows in place: a FILE whose writes append to a
 * malloc'ed buffer, *text and *size kept current (NUL-terminated), freed by the caller with
 * free() also after an error. glibc's memory stream copies its whole buffer into a fresh
 * allocation at every doubling, each new page faulted in: a 69 MB DRN-1H netlist took 0.8 s to
 * generate in memory against 0.2 s into a file. Here realloc can move the pages (mremap) and
 * large buffers ask for huge pages. NULL when the stream cannot be made. */
#ifndef KH_CORE_TEXT_STREAM_H
#define KH_CORE_TEXT_STREAM_H
#include <stddef.h>
#include <stdio.h>
FILE *kh_text_stream(char **text, size_t *size);
#endif
