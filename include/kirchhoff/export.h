/* KH_API marks the functions of the public API: the shared library is built with
 * -fvisibility=hidden, so these and nothing else are exported (tests/api/exports.py checks the
 * library's dynamic symbols against the headers). */
#ifndef KIRCHHOFF_EXPORT_H
#define KIRCHHOFF_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define KH_API __attribute__((visibility("default")))
#else
#define KH_API
#endif

#endif
