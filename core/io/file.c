#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* Files are read and let go in blocks of this size (a multiple of every
 * page size in use, so that blocks can be returned with madvise). */
#define BLOCK ((size_t)64 << 10)

typedef struct {
  int fd;
  char *path;
  uint8_t *map; /* anonymous, private, the file's size rounded up */
  size_t map_size, size;
  uint8_t *present; /* one byte per block: read */
  /* What fstat said at open, to notice a file that changes. */
  off_t st_size;
  struct timespec st_mtim;
  dev_t st_dev;
  ino_t st_ino;
} file_priv;

void sg3_source_memory(sg3_source *src, const void *data, size_t size,
                       const char *name) {
  memset(src, 0, sizeof *src);
  src->data = data;
  src->size = size;
  src->name = name;
}

static const char *kind_of(mode_t mode) {
  return S_ISDIR(mode)                    ? "a directory"
         : S_ISFIFO(mode)                 ? "a FIFO"
         : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
         : S_ISSOCK(mode)                 ? "a socket"
                                          : "not a regular file";
}

static int not_regular(const char *path, mode_t mode, char **error) {
  return sg3_fail(error, SG3_ERR_NOT_REGULAR, "%s: is %s, not a model file",
                  path, kind_of(mode));
}

static int open_error(const char *path, int err, char **error) {
  /* Sockets and absent devices cannot even be opened (ENXIO...): say what
   * they are. */
  struct stat st;
  if (err != ENOENT && err != EACCES && stat(path, &st) == 0 &&
      !S_ISREG(st.st_mode))
    return not_regular(path, st.st_mode, error);
  sg3_status code = err == ENOENT || err == ENOTDIR ? SG3_ERR_NOT_FOUND
                    : err == EACCES || err == EPERM ? SG3_ERR_PERMISSION
                                                    : SG3_ERR_IO;
  return sg3_fail(error, code, "%s: %s", path, strerror(err));
}

/* Reads blocks [b0, b1) with as few preads as the file allows. */
static int read_blocks(file_priv *fp, size_t b0, size_t b1, char **error) {
  size_t off = b0 * BLOCK, end = b1 * BLOCK < fp->size ? b1 * BLOCK : fp->size;
  while (off < end) {
    size_t want = end - off;
    if (want > ((size_t)8 << 20))
      want = (size_t)8 << 20;
    ssize_t got = pread(fp->fd, fp->map + off, want, (off_t)off);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return sg3_fail(error, SG3_ERR_IO, "read error at byte %zu: %s", off,
                      strerror(errno));
    if (got == 0)
      return sg3_fail(error, SG3_ERR_IO,
                      "the file shrank while it was being read (it had %zu "
                      "bytes, now ends before byte %zu)",
                      fp->size, off + 1);
    off += (size_t)got;
  }
  memset(fp->present + b0, 1, b1 - b0);
  return 0;
}

static int file_need(const sg3_source *src, const uint8_t *p, size_t n,
                     char **error) {
  file_priv *fp = src->ctx;
  if (!n || p < fp->map || p >= fp->map + fp->size)
    return 0;
  size_t start = (size_t)(p - fp->map);
  size_t end = n > fp->size - start ? fp->size : start + n;
  size_t b = start / BLOCK, last = (end - 1) / BLOCK;
  while (b <= last) {
    if (fp->present[b]) {
      b++;
      continue;
    }
    size_t e = b;
    while (e <= last && !fp->present[e])
      e++;
    if (read_blocks(fp, b, e, error))
      return -1;
    b = e;
  }
  return 0;
}

static void file_release(const sg3_source *src, const uint8_t *p, size_t n) {
  file_priv *fp = src->ctx;
  if (!n || p < fp->map || p >= fp->map + fp->size)
    return;
  size_t start = (size_t)(p - fp->map);
  size_t end = n > fp->size - start ? fp->size : start + n;
  /* Whole blocks only; the last block of the file counts as whole when the
   * range reaches the end. */
  size_t b0 = (start + BLOCK - 1) / BLOCK;
  size_t b1 = end == fp->size ? (end + BLOCK - 1) / BLOCK : end / BLOCK;
  if (b0 >= b1)
    return;
  if (madvise(fp->map + b0 * BLOCK, (b1 - b0) * BLOCK, MADV_DONTNEED) == 0)
    memset(fp->present + b0, 0, b1 - b0);
}

int sg3_file_open_lazy(sg3_file *f, const char *path, char **error) {
  memset(f, 0, sizeof *f);
  if (!path || !*path)
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT, "no model file given");
  /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return open_error(path, errno, error);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return open_error(path, err, error);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return not_regular(path, st.st_mode, error);
  }
  if (st.st_size == 0) {
    close(fd);
    return sg3_fail(error, SG3_ERR_FORMAT, "%s: the file is empty", path);
  }
  if ((uint64_t)st.st_size > SIZE_MAX / 4) {
    close(fd);
    return sg3_fail(error, SG3_ERR_TOO_LARGE, "%s: the file is too large",
                    path);
  }
  file_priv *fp = g_new0(file_priv, 1);
  fp->fd = fd;
  fp->path = g_strdup(path);
  fp->size = (size_t)st.st_size;
  fp->st_size = st.st_size;
  fp->st_mtim = st.st_mtim;
  fp->st_dev = st.st_dev;
  fp->st_ino = st.st_ino;
  size_t nblocks = (fp->size + BLOCK - 1) / BLOCK;
  fp->map_size = nblocks * BLOCK;
  /* Zero pages until written: only what is read costs memory. */
  void *map = mmap(NULL, fp->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  fp->present = map == MAP_FAILED ? NULL : g_try_malloc0(nblocks);
  if (map == MAP_FAILED || !fp->present) {
    if (map != MAP_FAILED)
      munmap(map, fp->map_size);
    close(fd);
    g_free(fp->path);
    g_free(fp);
    return sg3_fail(error, SG3_ERR_NO_MEMORY,
                    "%s: out of memory for the file's %zu bytes", path,
                    (size_t)st.st_size);
  }
  fp->map = map;
  f->priv = fp;
  f->data = fp->map;
  f->size = fp->size;
  f->src.data = fp->map;
  f->src.size = fp->size;
  f->src.name = fp->path;
  f->src.need = file_need;
  f->src.release = file_release;
  f->src.ctx = fp;
  return 0;
}

int sg3_file_open(sg3_file *f, const char *path, char **error) {
  if (sg3_file_open_lazy(f, path, error))
    return -1;
  if (sg3_need(&f->src, f->data, f->size, error)) {
    sg3_prefix_error(error, "%s", path);
    sg3_file_close(f);
    return -1;
  }
  if (sg3_file_check_unchanged(f, error)) {
    sg3_file_close(f);
    return -1;
  }
  /* All there: nothing to ask for any more. */
  f->src.need = NULL;
  f->src.release = NULL;
  return 0;
}

int sg3_file_check_unchanged(const sg3_file *f, char **error) {
  const file_priv *fp = f->priv;
  struct stat st;
  if (fstat(fp->fd, &st) != 0)
    return sg3_fail(error, SG3_ERR_IO, "%s: %s", fp->path, strerror(errno));
  if (st.st_size != fp->st_size || st.st_mtim.tv_sec != fp->st_mtim.tv_sec ||
      st.st_mtim.tv_nsec != fp->st_mtim.tv_nsec || st.st_dev != fp->st_dev ||
      st.st_ino != fp->st_ino)
    return sg3_fail(error, SG3_ERR_IO,
                    "%s: the file changed while it was being read", fp->path);
  return 0;
}

void sg3_file_identity(const sg3_file *f, sg3_file_id *id) {
  const file_priv *fp = f->priv;
  memset(id, 0, sizeof *id);
  id->dev = (uint64_t)fp->st_dev;
  id->ino = (uint64_t)fp->st_ino;
  id->size = (uint64_t)fp->st_size;
  id->mtime_sec = (int64_t)fp->st_mtim.tv_sec;
  id->mtime_nsec = (int64_t)fp->st_mtim.tv_nsec;
}

void sg3_file_close(sg3_file *f) {
  file_priv *fp = f->priv;
  if (fp) {
    munmap(fp->map, fp->map_size);
    close(fp->fd);
    g_free(fp->present);
    g_free(fp->path);
    g_free(fp);
  }
  memset(f, 0, sizeof *f);
}
