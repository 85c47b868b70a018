/* Error messages and codes. A message is a malloc()ed string handed to the
 * caller through char **error; its code (sg3_status) travels beside it in a
 * thread-local slot, so that deep code can say what kind of failure it is
 * without every layer passing codes up. Public entry points call
 * sg3_error_begin() first and sg3_error_end() to pick the code they
 * return. */
#ifndef SG3_ERROR_H
#define SG3_ERROR_H

#include <stdarg.h>

#include "sg3.h"

/* Sets *error (if error is non-NULL and *error is NULL) to a formatted
 * message, of no particular kind (the entry point's default code applies).
 * Always returns -1 so callers can `return sg3_set_error(...)`. */
int sg3_set_error(char **error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same with a code; returns -1. The first error of a call keeps its
 * code, as it keeps its message. */
int sg3_fail(char **error, sg3_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "out of memory" (SG3_ERR_NO_MEMORY), optionally naming what for. */
int sg3_oom(char **error, const char *what);
/* Prefixes an existing message: "<prefix>: <old>". */
void sg3_prefix_error(char **error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Starts a public call: forgets the code of any earlier error. */
void sg3_error_begin(void);
/* Ends one: SG3_OK if rc == 0, else the recorded code, or `fallback` when
 * the error had none. */
sg3_status sg3_error_end(int rc, sg3_status fallback);

#endif
