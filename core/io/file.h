/* A model file's bytes, opened the careful way: never blocking on a FIFO or
 * device, and telling a missing file from an unreadable or special one by
 * its error code. */
#ifndef SG3_FILE_H
#define SG3_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *data;
  size_t size;
  void *priv; /* the mapping */
} sg3_file;

/* Opens `path` for reading (O_NONBLOCK, regular files only) and maps it.
 * Error codes: SG3_ERR_NOT_FOUND, SG3_ERR_PERMISSION, SG3_ERR_NOT_REGULAR,
 * SG3_ERR_IO. Messages start with the path. */
int sg3_file_open(sg3_file *f, const char *path, char **error);
void sg3_file_close(sg3_file *f);

#endif
