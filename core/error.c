#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int sg3_set_error(char **error, const char *fmt, ...) {
  if (error && !*error) {
    va_list ap;
    va_start(ap, fmt);
    *error = vformat(fmt, ap);
    va_end(ap);
  }
  return -1;
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
