/* Clears the time stamps of an MP4's headers (music-mp4.h). Boxes (ISO/IEC
 * 14496-12 4.2): a 32-bit size (1: a 64-bit size follows the type; 0: to
 * the end of the parent) and a four-character type. mvhd, tkhd and mdhd
 * are full boxes: version (1 byte), flags (3), then the creation and
 * modification times, 32-bit in version 0 and 64-bit in version 1. */
#include "music-mp4.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 4

typedef struct {
  int fd;
  int cleared;
  char *error;
} Mp4;

static gboolean read_at(Mp4 *m, guint64 off, void *buf, gsize n) {
  gsize got = 0;
  while (got < n) {
    ssize_t r = pread(m->fd, (char *)buf + got, n - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      m->error = g_strdup(r < 0 ? g_strerror(errno) : "cut short");
      return FALSE;
    }
    got += (gsize)r;
  }
  return TRUE;
}

static gboolean write_zeros(Mp4 *m, guint64 off, gsize n) {
  static const guint8 zeros[16];
  gsize done = 0;
  while (done < n) {
    ssize_t w = pwrite(m->fd, zeros, n - done, (off_t)(off + done));
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      m->error = g_strdup(w < 0 ? g_strerror(errno) : "cannot write");
      return FALSE;
    }
    done += (gsize)w;
  }
  return TRUE;
}

/* A full box's two times, at `body` (after the header) within `end`. */
static gboolean clear_full_box(Mp4 *m, guint64 body, guint64 end) {
  guint8 version;
  if (body + 1 > end || !read_at(m, body, &version, 1))
    return FALSE;
  gsize n = version == 1 ? 16 : 8;
  if (version > 1 || body + 4 + n > end) {
    m->error = g_strdup("a header of an unknown version or cut short");
    return FALSE;
  }
  if (!write_zeros(m, body + 4, n))
    return FALSE;
  m->cleared++;
  return TRUE;
}

/* The boxes in [start, end): mvhd, tkhd and mdhd are cleared; moov, trak
 * and mdia are entered. */
static gboolean walk(Mp4 *m, guint64 start, guint64 end, int depth) {
  guint64 off = start;
  while (off + 8 <= end) {
    guint8 h[16];
    if (!read_at(m, off, h, 8))
      return FALSE;
    guint64 size = (guint64)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
    guint64 hdr = 8;
    if (size == 1) {
      if (off + 16 > end || !read_at(m, off + 8, h + 8, 8))
        return FALSE;
      size = 0;
      for (int i = 8; i < 16; i++)
        size = size << 8 | h[i];
      hdr = 16;
    } else if (size == 0) {
      size = end - off;
    }
    if (size < hdr || size > end - off) {
      m->error = g_strdup_printf(
          "a box of %" G_GUINT64_FORMAT " bytes past its parent's end", size);
      return FALSE;
    }
    const char *type = (const char *)h + 4;
    guint64 body = off + hdr, bend = off + size;
    if (!memcmp(type, "mvhd", 4) || !memcmp(type, "tkhd", 4) ||
        !memcmp(type, "mdhd", 4)) {
      if (!clear_full_box(m, body, bend))
        return FALSE;
    } else if (depth < MAX_DEPTH &&
               (!memcmp(type, "moov", 4) || !memcmp(type, "trak", 4) ||
                !memcmp(type, "mdia", 4))) {
      if (!walk(m, body, bend, depth + 1))
        return FALSE;
    }
    off = bend;
  }
  return TRUE;
}

int sg3_mp4_clear_times(const char *path, char **error) {
  Mp4 m = {.fd = open(path, O_RDWR | O_CLOEXEC)};
  if (m.fd < 0) {
    *error = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return -1;
  }
  struct stat st;
  gboolean ok = fstat(m.fd, &st) == 0 && S_ISREG(st.st_mode);
  if (!ok)
    m.error = g_strdup("not a regular file");
  else
    ok = walk(&m, 0, (guint64)st.st_size, 0);
  if (ok && m.cleared == 0) {
    ok = FALSE;
    m.error = g_strdup("no movie header");
  }
  if (close(m.fd) != 0 && ok) {
    ok = FALSE;
    m.error = g_strdup(g_strerror(errno));
  }
  if (!ok) {
    *error = g_strdup_printf("%s: %s", path, m.error);
    g_free(m.error);
    return -1;
  }
  return m.cleared;
}
