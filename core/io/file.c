#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

static int open_error(const char *path, int err, char **error) {
  sg3_status code = err == ENOENT || err == ENOTDIR ? SG3_ERR_NOT_FOUND
                    : err == EACCES || err == EPERM ? SG3_ERR_PERMISSION
                                                    : SG3_ERR_IO;
  return sg3_fail(error, code, "%s: %s", path, strerror(err));
}

int sg3_file_open(sg3_file *f, const char *path, char **error) {
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
    const char *what = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                       : S_ISSOCK(st.st_mode)                       ? "a socket"
                                              : "not a regular file";
    return sg3_fail(error, SG3_ERR_NOT_REGULAR, "%s: is %s, not a model file",
                    path, what);
  }
  if (st.st_size == 0) {
    close(fd);
    return sg3_fail(error, SG3_ERR_FORMAT, "%s: the file is empty", path);
  }
  /* Mapped, not read: a training snapshot pickle carries G and D too, and
   * only G_ema's pages need to be touched. */
  GError *gerr = NULL;
  GMappedFile *m = g_mapped_file_new_from_fd(fd, FALSE, &gerr);
  close(fd);
  if (!m) {
    sg3_fail(error, SG3_ERR_IO, "%s: cannot map the file: %s", path,
             gerr->message);
    g_error_free(gerr);
    return -1;
  }
  f->priv = m;
  f->data = (const uint8_t *)g_mapped_file_get_contents(m);
  f->size = g_mapped_file_get_length(m);
  return 0;
}

void sg3_file_close(sg3_file *f) {
  if (f->priv)
    g_mapped_file_unref(f->priv);
  memset(f, 0, sizeof *f);
}
