/* .npz: a zip archive of .npy entries (numpy.savez, savez_compressed). A
 * small zip reader with strict bounds: the end record, then the central
 * directory (sizes, offsets and CRC-32s come from there: numpy writes its
 * local headers with zip64 placeholders), stored or deflated entries
 * (inflated by zlib), zip64 extra fields; no encryption, no multi-disk
 * archives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "error.h"
#include "io/npy.h"

#define EOCD_SIG 0x06054b50u
#define CDIR_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define MAX_ENTRIES 4096

static uint32_t u16(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t u32(const uint8_t *p) {
  return u16(p) | u16(p + 2) << 16;
}
static uint64_t u64(const uint8_t *p) {
  return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32;
}

typedef struct {
  char name[256];
  uint32_t method, flags, crc;
  uint64_t csize, usize, offset;
} entry;

/* Zip64 extended information (extra field 0x0001): the 64-bit values of
 * the fields that are 0xffffffff, in this order. */
static int zip64_extra(const uint8_t *x, size_t n, entry *e, int big_usize,
                       int big_csize, int big_offset) {
  while (n >= 4) {
    uint32_t id = u16(x), len = u16(x + 2);
    if (len > n - 4)
      return -1;
    if (id == 1) {
      const uint8_t *p = x + 4, *end = p + len;
      if (big_usize) {
        if (end - p < 8)
          return -1;
        e->usize = u64(p);
        p += 8;
      }
      if (big_csize) {
        if (end - p < 8)
          return -1;
        e->csize = u64(p);
        p += 8;
      }
      if (big_offset) {
        if (end - p < 8)
          return -1;
        e->offset = u64(p);
      }
      return 0;
    }
    x += 4 + len;
    n -= 4 + len;
  }
  return big_usize || big_csize || big_offset ? -1 : 0;
}

/* The entry's data, inflated if need be, into a malloc()ed buffer. */
static int entry_data(const uint8_t *buf, size_t size, const char *name,
                      const entry *e, uint8_t **out, char **error) {
  *out = NULL;
  if (e->flags & 1)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED, "%s: '%s' is encrypted", name,
                    e->name);
  if (e->method != 0 && e->method != 8)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: '%s' uses zip compression method %u (only stored "
                    "and deflated entries are read)",
                    name, e->name, e->method);
  if (e->usize > SG3_NPY_MAX_BYTES || e->csize > SG3_NPY_MAX_BYTES)
    return sg3_fail(error, SG3_ERR_TOO_LARGE, "%s: '%s' is larger than %zu MiB",
                    name, e->name, SG3_NPY_MAX_BYTES >> 20);
  if (e->offset > size || size - e->offset < 30 ||
      u32(buf + e->offset) != LOCAL_SIG)
    return sg3_fail(error, SG3_ERR_CORRUPT, "%s: '%s' has no local header",
                    name, e->name);
  const uint8_t *lh = buf + e->offset;
  uint64_t data = e->offset + 30 + u16(lh + 26) + u16(lh + 28);
  if (data > size || size - data < e->csize)
    return sg3_fail(error, SG3_ERR_CORRUPT, "%s: '%s' runs past the end", name,
                    e->name);
  if (e->method == 0 && e->csize != e->usize)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: stored entry '%s' has two sizes", name, e->name);
  uint8_t *u = malloc(e->usize ? (size_t)e->usize : 1);
  if (!u)
    return sg3_oom(error, name);
  if (e->method == 0) {
    memcpy(u, buf + data, (size_t)e->usize);
  } else {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
      free(u);
      return sg3_oom(error, "zlib");
    }
    zs.next_in = (Bytef *)(buf + data);
    zs.avail_in = (uInt)e->csize;
    zs.next_out = u;
    zs.avail_out = (uInt)e->usize;
    int zr = inflate(&zs, Z_FINISH);
    uLong got = zs.total_out;
    inflateEnd(&zs);
    if (zr != Z_STREAM_END || got != e->usize) {
      free(u);
      return sg3_fail(error, SG3_ERR_CORRUPT,
                      "%s: '%s' does not inflate to its size", name, e->name);
    }
  }
  if (crc32(0L, u, (uInt)e->usize) != e->crc) {
    free(u);
    return sg3_fail(error, SG3_ERR_CORRUPT, "%s: '%s' fails its CRC-32 check",
                    name, e->name);
  }
  *out = u;
  return 0;
}

int sg3_npz_parse(const uint8_t *buf, size_t size, const char *name,
                  const char *key, sg3_npy *out, char **error) {
  memset(out, 0, sizeof *out);
  /* The end of central directory record: 22 bytes and a comment of up to
   * 65535, at the very end. */
  size_t eocd = 0;
  int found = 0;
  for (size_t back = 22; back <= size && back <= 22 + 65535; back++) {
    const uint8_t *p = buf + size - back;
    if (u32(p) == EOCD_SIG && u16(p + 20) == back - 22) {
      eocd = size - back;
      found = 1;
      break;
    }
  }
  if (!found)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: not a complete zip archive (no end record)", name);
  const uint8_t *e = buf + eocd;
  uint32_t nentries = u16(e + 10);
  uint64_t cd_size = u32(e + 12), cd_off = u32(e + 16);
  if (u16(e + 4) != 0 || u16(e + 6) != 0)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED, "%s: a multi-disk zip archive",
                    name);
  if (nentries == 0xffff || cd_size == 0xffffffffu || cd_off == 0xffffffffu) {
    /* zip64 end record, found through its locator just before */
    if (eocd < 20 || u32(buf + eocd - 20) != 0x07064b50u)
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad zip64 archive", name);
    uint64_t z = u64(buf + eocd - 20 + 8);
    if (z > size || size - z < 56 || u32(buf + z) != 0x06064b50u)
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad zip64 end record",
                      name);
    uint64_t n64 = u64(buf + z + 32);
    nentries = n64 > MAX_ENTRIES ? MAX_ENTRIES + 1 : (uint32_t)n64;
    cd_size = u64(buf + z + 40);
    cd_off = u64(buf + z + 48);
  }
  if (nentries > MAX_ENTRIES)
    return sg3_fail(error, SG3_ERR_TOO_LARGE,
                    "%s: more than %d entries in the archive", name,
                    MAX_ENTRIES);
  if (cd_off > size || size - cd_off < cd_size)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: the zip directory lies outside the file", name);
  const uint8_t *p = buf + cd_off, *end = p + cd_size;
  entry best = {0}, only = {0};
  int have_best = 0, arrays = 0;
  char names[512] = "";
  for (uint32_t i = 0; i < nentries; i++) {
    if (end - p < 46 || u32(p) != CDIR_SIG)
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad zip directory entry",
                      name);
    entry en = {0};
    en.flags = u16(p + 8);
    en.method = u16(p + 10);
    en.crc = u32(p + 16);
    en.csize = u32(p + 20);
    en.usize = u32(p + 24);
    uint32_t nlen = u16(p + 28), xlen = u16(p + 30), clen = u16(p + 32);
    en.offset = u32(p + 42);
    if ((size_t)(end - p) - 46 < (size_t)nlen + xlen + clen)
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad zip directory entry",
                      name);
    if (zip64_extra(p + 46 + nlen, xlen, &en, en.usize == 0xffffffffu,
                    en.csize == 0xffffffffu, en.offset == 0xffffffffu))
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad zip64 extra field",
                      name);
    size_t n = nlen < sizeof en.name - 1 ? nlen : sizeof en.name - 1;
    memcpy(en.name, p + 46, n);
    en.name[n] = '\0';
    p += 46 + nlen + xlen + clen;
    size_t len = strlen(en.name);
    if (len != nlen || len < 4 || strcmp(en.name + len - 4, ".npy"))
      continue; /* numpy.load skips nothing, but only .npy are arrays */
    arrays++;
    only = en;
    if (strlen(names) + len + 3 < sizeof names)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%.*s",
               *names ? ", " : "", (int)(len - 4), en.name);
    const char *want = key ? key : "w";
    if (len - 4 == strlen(want) && !strncmp(en.name, want, len - 4)) {
      best = en;
      have_best = 1;
    }
  }
  if (!have_best) {
    if (!arrays)
      return sg3_fail(error, SG3_ERR_NOT_FOUND,
                      "%s: no arrays (.npy entries) in the archive", name);
    if (key || arrays != 1)
      return sg3_fail(error, SG3_ERR_NOT_FOUND,
                      "%s: no array '%s' in the archive (it has: %s)", name,
                      key ? key : "w", names);
    best = only;
  }
  uint8_t *data;
  if (entry_data(buf, size, name, &best, &data, error))
    return -1;
  char sub[600];
  snprintf(sub, sizeof sub, "%s[%.*s]", name, (int)strlen(best.name) - 4,
           best.name);
  int rc = sg3_npy_parse(data, (size_t)best.usize, sub, out, error);
  free(data);
  return rc;
}

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
}

int sg3_npz_encode(const char *key, const uint8_t *npy, size_t npy_size,
                   uint8_t **out, size_t *size, char **error) {
  char fname[128];
  int nlen = snprintf(fname, sizeof fname, "%s.npy", key);
  if (nlen <= 0 || (size_t)nlen >= sizeof fname || npy_size > 0xfffffff0u)
    return sg3_set_error(error, "cannot write an .npz entry '%s'", key);
  uint32_t crc = (uint32_t)crc32(0L, npy, (uInt)npy_size);
  size_t local = 30 + (size_t)nlen, central = 46 + (size_t)nlen;
  *size = local + npy_size + central + 22;
  uint8_t *b = calloc(1, *size);
  if (!b)
    return sg3_oom(error, "the .npz file");
  /* Stored, version 2.0, DOS time 1980-01-01 00:00 (reproducible files). */
  uint8_t *l = b;
  put32(l, LOCAL_SIG);
  put16(l + 4, 20);
  put16(l + 12, 0x21);
  put32(l + 14, crc);
  put32(l + 18, (uint32_t)npy_size);
  put32(l + 22, (uint32_t)npy_size);
  put16(l + 26, (uint32_t)nlen);
  memcpy(l + 30, fname, (size_t)nlen);
  memcpy(l + local, npy, npy_size);
  uint8_t *c = b + local + npy_size;
  put32(c, CDIR_SIG);
  put16(c + 4, 20);
  put16(c + 6, 20);
  put16(c + 14, 0x21);
  put32(c + 16, crc);
  put32(c + 20, (uint32_t)npy_size);
  put32(c + 24, (uint32_t)npy_size);
  put16(c + 28, (uint32_t)nlen);
  put32(c + 38, 0x81a40000u); /* -rw-r--r-- */
  memcpy(c + 46, fname, (size_t)nlen);
  uint8_t *e = c + central;
  put32(e, EOCD_SIG);
  put16(e + 8, 1);
  put16(e + 10, 1);
  put32(e + 12, (uint32_t)central);
  put32(e + 16, (uint32_t)(local + npy_size));
  *out = b;
  return 0;
}
