/* What every C test shares: one assertion that prints "ok: …" or
 * "FAIL: …" and counts, the closing "N passed, M failed" line, and reading
 * a whole data file. */
#ifndef SG3_TEST_CHECK_H
#define SG3_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int check_count, check_failures;

__attribute__((format(printf, 2, 3), unused)) static int
check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s: ", ok ? "ok" : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  check_count++;
  check_failures += !ok;
  return ok;
}

/* Prints the closing line; returns the test's exit code. */
__attribute__((unused)) static int check_summary(void) {
  printf("%d passed, %d failed\n", check_count - check_failures,
         check_failures);
  return check_failures ? 1 : 0;
}

/* The whole file, malloc()ed; NULL with a message on stderr. */
__attribute__((unused)) static unsigned char *check_read_file(const char *path,
                                                              size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return NULL;
  }
  unsigned char *buf = NULL;
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (n > 0 && fseek(f, 0, SEEK_SET) == 0)
    buf = malloc((size_t)n);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "%s: read error\n", path);
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = buf ? (size_t)n : 0;
  return buf;
}

#endif
