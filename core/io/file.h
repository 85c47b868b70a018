/* A model file's bytes, opened the careful way: never blocking on a FIFO or
 * device, telling a missing file from an unreadable or special one by its
 * error code, and never parsed in place: the bytes are copied (pread) into
 * private memory, so that a file truncated or rewritten while it is loaded
 * gives an error (SG3_ERR_IO), never SIGBUS or bytes that change under the
 * parser.
 *
 * The readers see the bytes through an sg3_source: all of them at once (a
 * buffer in memory, or a file read whole), or read on demand, where the
 * reader asks for the ranges it is about to look at (sg3_need) and may let
 * them go again (sg3_release). Bytes not asked for read as zeros; they are
 * never undefined. */
#ifndef SG3_FILE_H
#define SG3_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sg3_source sg3_source;
struct sg3_source {
  const uint8_t *data;
  size_t size;
  const char *name; /* for messages */
  /* NULL when all of data is there. */
  int (*need)(const sg3_source *src, const uint8_t *p, size_t n, char **error);
  void (*release)(const sg3_source *src, const uint8_t *p, size_t n);
  void *ctx;
};

/* A source over bytes already in memory. */
void sg3_source_memory(sg3_source *src, const void *data, size_t size,
                       const char *name);

/* Makes [p, p + n) hold the input's bytes; p may point anywhere (outside
 * src->data there is nothing to do). Returns -1 with the error set (the
 * file shrank, a read failed: SG3_ERR_IO; the message does not name the
 * file, the reader prefixes it). */
static inline int sg3_need(const sg3_source *src, const void *p, size_t n,
                           char **error) {
  return src && src->need ? src->need(src, (const uint8_t *)p, n, error) : 0;
}

/* The bytes of [p, p + n) will not be looked at again (soon): their memory
 * may be returned. They read as zeros until sg3_need'ed again. */
static inline void sg3_release(const sg3_source *src, const void *p, size_t n) {
  if (src && src->release)
    src->release(src, (const uint8_t *)p, n);
}

typedef struct {
  const uint8_t *data; /* the file's bytes (see src) */
  size_t size;
  sg3_source src;
  void *priv;
} sg3_file;

/* Opens `path` for reading (O_RDONLY | O_NONBLOCK | O_CLOEXEC, fstat,
 * regular files only) and reads all of it into memory. Error codes:
 * SG3_ERR_NOT_FOUND, SG3_ERR_PERMISSION, SG3_ERR_NOT_REGULAR, SG3_ERR_IO,
 * SG3_ERR_FORMAT (empty), SG3_ERR_TOO_LARGE, SG3_ERR_NO_MEMORY. Messages
 * start with the path. */
int sg3_file_open(sg3_file *f, const char *path, char **error);
/* The same, but reads nothing yet: f->src reads the ranges its user asks
 * for. Memory is reserved for the whole file but only used for what is
 * read. */
int sg3_file_open_lazy(sg3_file *f, const char *path, char **error);
/* After reading: fails (SG3_ERR_IO) if the file's size or modification time
 * changed since it was opened, i.e. what was read may be a mixture. */
int sg3_file_check_unchanged(const sg3_file *f, char **error);
void sg3_file_close(sg3_file *f);

/* Which file it is and which version of it, as fstat said at open: two
 * opens with equal identities read the same bytes (unless the file was
 * rewritten in place within the file system's timestamp granularity,
 * keeping its size). */
typedef struct {
  uint64_t dev, ino, size;
  int64_t mtime_sec, mtime_nsec;
} sg3_file_id;
void sg3_file_identity(const sg3_file *f, sg3_file_id *id);

#endif
