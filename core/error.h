/* Error messages: malloc()ed strings handed to the caller through char **. */
#ifndef SG3_ERROR_H
#define SG3_ERROR_H

#include <stdarg.h>

/* Sets *error (if error is non-NULL and *error is NULL) to a formatted
 * message. Always returns -1 so callers can `return sg3_set_error(...)`. */
int sg3_set_error(char **error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefixes an existing message: "<prefix>: <old>". */
void sg3_prefix_error(char **error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
