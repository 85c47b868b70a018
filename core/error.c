#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The code of the first error since sg3_error_begin(): SG3_OK, a code, or
 * UNSPECIFIED for a message without one. */
#define UNSPECIFIED 1
static _Thread_local int current_code;

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (s)
    vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static void record(int code) {
  if (current_code == SG3_OK)
    current_code = code;
}

static void set_message(char **error, const char *fmt, va_list ap) {
  if (error && !*error)
    *error = vformat(fmt, ap);
}

int sg3_set_error(char **error, const char *fmt, ...) {
  record(UNSPECIFIED);
  va_list ap;
  va_start(ap, fmt);
  set_message(error, fmt, ap);
  va_end(ap);
  return -1;
}

int sg3_fail(char **error, sg3_status code, const char *fmt, ...) {
  record(code);
  va_list ap;
  va_start(ap, fmt);
  set_message(error, fmt, ap);
  va_end(ap);
  return -1;
}

int sg3_oom(char **error, const char *what) {
  if (what)
    return sg3_fail(error, SG3_ERR_NO_MEMORY, "out of memory for %s", what);
  return sg3_fail(error, SG3_ERR_NO_MEMORY, "out of memory");
}

void sg3_prefix_error(char **error, const char *fmt, ...) {
  if (!error || !*error)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = vformat(fmt, ap);
  va_end(ap);
  if (!prefix)
    return;
  size_t a = strlen(prefix), b = strlen(*error);
  char *s = malloc(a + 2 + b + 1);
  if (s) {
    memcpy(s, prefix, a);
    memcpy(s + a, ": ", 2);
    memcpy(s + a + 2, *error, b + 1);
    free(*error);
    *error = s;
  }
  free(prefix);
}

void sg3_error_begin(void) {
  current_code = SG3_OK;
}

sg3_status sg3_error_end(int rc, sg3_status fallback) {
  int code = current_code;
  current_code = SG3_OK;
  if (rc == 0)
    return SG3_OK;
  if (code == SG3_OK || code == UNSPECIFIED)
    return fallback;
  return (sg3_status)code;
}

const char *sg3_status_name(sg3_status s) {
  switch (s) {
  case SG3_OK:
    return "ok";
  case SG3_ERR_INVALID_ARGUMENT:
    return "invalid argument";
  case SG3_ERR_NOT_FOUND:
    return "not found";
  case SG3_ERR_NOT_REGULAR:
    return "not a regular file";
  case SG3_ERR_PERMISSION:
    return "permission denied";
  case SG3_ERR_IO:
    return "input/output error";
  case SG3_ERR_FORMAT:
    return "unknown file format";
  case SG3_ERR_UNSUPPORTED:
    return "unsupported network";
  case SG3_ERR_CORRUPT:
    return "corrupt model";
  case SG3_ERR_NO_MEMORY:
    return "out of memory";
  case SG3_ERR_TOO_LARGE:
    return "too large";
  case SG3_ERR_CANCELLED:
    return "cancelled";
  }
  return "unknown error";
}
