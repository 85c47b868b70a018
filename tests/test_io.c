/* Unit tests of core/io's pieces: the JSON check, the dtype table, the
 * tensor set's index and limit, the safetensors writer's padding and
 * atomic replacement, format detection, and reading files on demand.
 *
 * usage: test_io MODEL.safetensors NETWORK.pkl [MORE.pkl|.safetensors...]
 * Every file given must read the same on demand as from memory. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "io/dtype.h"
#include "io/file.h"
#include "io/json_check.h"
#include "io/model_file.h"
#include "io/tensors.h"

/* ---- sg3_json_check ---- */

static void json_case(const char *text, int ok, sg3_status code,
                      const char *needle) {
  char *err = NULL;
  sg3_error_begin();
  int rc = sg3_json_check(text, strlen(text), NULL, &err);
  sg3_status got = sg3_error_end(rc, SG3_ERR_CORRUPT);
  int pass =
      ok ? rc == 0 && !err
         : rc != 0 && err && got == code && (!needle || strstr(err, needle));
  char shown[48];
  snprintf(shown, sizeof shown, "%s", text);
  check(pass, "json %s'%s' -> %s", ok ? "ok " : "bad ", shown,
        err ? err : "accepted");
  free(err);
}

static char *nested(int depth, const char *open, const char *inner,
                    const char *close) {
  GString *s = g_string_new(NULL);
  for (int i = 0; i < depth; i++)
    g_string_append(s, open);
  g_string_append(s, inner);
  for (int i = 0; i < depth; i++)
    g_string_append(s, close);
  return g_string_free(s, FALSE);
}

static void test_json(void) {
  json_case("{}", 1, 0, NULL);
  json_case(" [1, -2.5e+3, 0, true, false, null, \"x\"] ", 1, 0, NULL);
  json_case("{\"a\": {\"b\": [1, {\"c\": \"\\u00e9\\ud83d\\ude00\"}]}}", 1, 0,
            NULL);
  json_case("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 1, 0, NULL);
  json_case("", 0, SG3_ERR_CORRUPT, "empty");
  json_case("{", 0, SG3_ERR_CORRUPT, "ends early");
  json_case("{\"a\" 1}", 0, SG3_ERR_CORRUPT, "':'");
  json_case("{\"a\": 1,}", 0, SG3_ERR_CORRUPT, "key");
  json_case("[1,]", 0, SG3_ERR_CORRUPT, NULL);
  json_case("[1 2]", 0, SG3_ERR_CORRUPT, "','");
  json_case("{} {}", 0, SG3_ERR_CORRUPT, "after the JSON value");
  json_case("[01]", 0, SG3_ERR_CORRUPT, NULL);
  json_case("[1.]", 0, SG3_ERR_CORRUPT, "number");
  json_case("[tru]", 0, SG3_ERR_CORRUPT, NULL);
  json_case("[\"a\tb\"]", 0, SG3_ERR_CORRUPT, "control character");
  json_case("[\"\\x\"]", 0, SG3_ERR_CORRUPT, "escape");
  json_case("[\"\\u12\"]", 0, SG3_ERR_CORRUPT, "\\u");
  json_case("[\"abc", 0, SG3_ERR_CORRUPT, "unterminated");
  json_case("[\"\xc3\x28\"]", 0, SG3_ERR_CORRUPT, "UTF-8");
  /* Keys: duplicates after unescaping, NUL however written. */
  json_case("{\"a\": 1, \"a\": 2}", 0, SG3_ERR_CORRUPT, "\"a\" twice");
  json_case("{\"a\": 1, \"\\u0061\": 2}", 0, SG3_ERR_CORRUPT, "twice");
  json_case("{\"\\ud83d\\ude00\": 1, \"\xf0\x9f\x98\x80\": 2}", 0,
            SG3_ERR_CORRUPT, "twice");
  json_case("{\"a\": {\"a\": 1}, \"b\": {\"a\": 1}}", 1, 0, NULL);
  json_case("[{\"a\": 1}, {\"a\": 2}]", 1, 0, NULL);
  json_case("{\"a\\u0000b\": 1}", 0, SG3_ERR_CORRUPT, "NUL");
  json_case("[\"x\\u0000\"]", 0, SG3_ERR_CORRUPT, "NUL");
  char raw_nul[] = "[\"a_b\"]";
  raw_nul[3] = 0;
  char *err = NULL;
  int rc = sg3_json_check(raw_nul, sizeof raw_nul - 1, NULL, &err);
  check(rc && err && strstr(err, "NUL"), "raw NUL byte -> %s",
        err ? err : "accepted");
  free(err);

  /* Depth: exactly at the limit passes, one more fails, 80,000 fails fast
   * and without recursion. */
  char *at = nested(SG3_JSON_MAX_DEPTH, "[", "1", "]");
  char *over = nested(SG3_JSON_MAX_DEPTH + 1, "{\"a\":", "1", "}");
  char *deep = nested(80000, "[", "", "");
  json_case(at, 1, 0, NULL);
  json_case(over, 0, SG3_ERR_TOO_LARGE, "nested more than 64");
  json_case(deep, 0, SG3_ERR_TOO_LARGE, "nested more than 64");
  err = NULL;
  rc = sg3_json_check_depth(at, strlen(at), 8, &err);
  check(rc && err && strstr(err, "more than 8 levels"),
        "sg3_json_check_depth with a limit of 8 -> %s", err ? err : "accepted");
  free(err);
  g_free(at);
  g_free(over);
  g_free(deep);

  /* Counts. */
  const char *two_levels = "{\"a\":{\"x\":1,\"y\":2,\"z\":3}}";
  sg3_json_limits lim = {.max_values = 3, .max_root_members = 2};
  err = NULL;
  rc = sg3_json_check("[1,2,3]", 7, &lim, &err);
  check(rc && err && strstr(err, "values"), "3 values allowed -> %s",
        err ? err : "accepted");
  free(err);
  err = NULL;
  rc = sg3_json_check(two_levels, strlen(two_levels), &lim, &err);
  check(rc && err && strstr(err, "values"), "nested values count -> %s",
        err ? err : "accepted");
  free(err);
  lim.max_values = 0;
  err = NULL;
  rc = sg3_json_check(two_levels, strlen(two_levels), &lim, &err);
  check(rc == 0, "root members count only the root (%s)",
        err ? err : "accepted");
  free(err);
  err = NULL;
  rc = sg3_json_check("{\"a\":1,\"b\":2,\"c\":3}", 19, &lim, &err);
  check(rc && err && strstr(err, "more than 2 entries"),
        "3 root members with at most 2 -> %s", err ? err : "accepted");
  free(err);
}

/* ---- dtypes ---- */

static void test_dtype(void) {
  check(sg3_dtype_from_torch("FloatStorage", 12) == SG3_DT_F32 &&
            sg3_dtype_from_torch("HalfStorage", 11) == SG3_DT_F16 &&
            sg3_dtype_from_torch("BFloat16Storage", 15) == SG3_DT_BF16 &&
            sg3_dtype_from_torch("UntypedStorage", 14) == SG3_DT_U8 &&
            sg3_dtype_from_torch("FloatStorageX", 12) == SG3_DT_F32 &&
            sg3_dtype_from_torch("Float", 5) == SG3_DT_UNKNOWN,
        "torch storage names");
  check(sg3_dtype_from_numpy('f', 4) == SG3_DT_F32 &&
            sg3_dtype_from_numpy('f', 2) == SG3_DT_F16 &&
            sg3_dtype_from_numpy('i', 8) == SG3_DT_I64 &&
            sg3_dtype_from_numpy('u', 1) == SG3_DT_U8 &&
            sg3_dtype_from_numpy('b', 1) == SG3_DT_BOOL &&
            sg3_dtype_from_numpy('i', 3) == SG3_DT_UNKNOWN &&
            sg3_dtype_from_numpy('O', 8) == SG3_DT_UNKNOWN,
        "numpy kinds and sizes");
  check(sg3_dtype_from_safetensors("F32") == SG3_DT_F32 &&
            sg3_dtype_from_safetensors("BF16") == SG3_DT_BF16 &&
            sg3_dtype_from_safetensors("I64") == SG3_DT_I64 &&
            sg3_dtype_from_safetensors("f32") == SG3_DT_UNKNOWN,
        "safetensors names");
  int names_ok = 1;
  for (int t = 1; t < SG3_DT_COUNT; t++) {
    const sg3_dtype_info *d = sg3_dtype_get((sg3_dtype)t);
    names_ok &= d->size > 0 && d->name != NULL;
    if (d->torch)
      names_ok &= (int)sg3_dtype_from_torch(d->torch, strlen(d->torch)) == t;
    if (d->safetensors)
      names_ok &= (int)sg3_dtype_from_safetensors(d->safetensors) == t;
  }
  check(names_ok, "every name in the table looks itself up");

  /* Every float16 value, exactly: against ldexp. */
  int half_ok = 1;
  for (uint32_t h = 0; h < 65536; h++) {
    int e = (h >> 10) & 31, m = h & 1023;
    double want = e == 0    ? ldexp(m, -24)
                  : e == 31 ? (m ? NAN : INFINITY)
                            : ldexp(1024 + m, e - 25);
    if (h & 0x8000)
      want = -want;
    uint8_t b[2] = {(uint8_t)h, (uint8_t)(h >> 8)};
    float got;
    sg3_dtype_to_f32(SG3_DT_F16, b, 1, &got);
    half_ok &= isnan(want) ? isnan(got) : (double)got == want;
  }
  check(half_ok, "float16 to float32 is exact for all 65536 values");
  uint8_t bf[2] = {0x49, 0x40}; /* 0x4049 -> 3.140625 */
  float f;
  sg3_dtype_to_f32(SG3_DT_BF16, bf, 1, &f);
  uint8_t i16[2] = {0xfe, 0xff}, u64[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};
  int64_t iv = 0;
  double dv = 0;
  check(f == 3.140625f &&
            sg3_dtype_read_number(SG3_DT_I16, i16, 0, &iv, &dv) == 1 &&
            iv == -2 &&
            sg3_dtype_read_number(SG3_DT_U64, u64, 0, &iv, &dv) == -1 &&
            sg3_dtype_read_number(SG3_DT_C64, u64, 0, &iv, &dv) == -1 &&
            sg3_dtype_to_f32(SG3_DT_I32, u64, 1, &f) == -1,
        "bfloat16, signed, unsigned overflow, opaque types");
}

/* ---- the tensor set ---- */

static void test_tensor_set(void) {
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  char name[32], *err = NULL;
  int ok = 1;
  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < SG3_MAX_TENSORS && ok; i++) {
    snprintf(name, sizeof name, "t%d", i);
    int64_t shape[1] = {0};
    ok = sg3_tensor_set_add(&set, name, 1, shape, malloc(1), &err) == 0;
  }
  for (int i = 0; i < SG3_MAX_TENSORS && ok; i += 97) {
    snprintf(name, sizeof name, "t%d", i);
    const sg3_tensor *t = sg3_tensor_set_find(&set, name);
    ok = t && strcmp(t->name, name) == 0;
  }
  double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
  check(ok && !sg3_tensor_set_find(&set, "t-1") && secs < 1,
        "%d tensors added and found in %.3f s", SG3_MAX_TENSORS, secs);
  int64_t shape[1] = {0};
  sg3_error_begin();
  int rc = sg3_tensor_set_add(&set, "one-too-many", 1, shape, malloc(1), &err);
  check(rc && sg3_error_end(rc, SG3_ERR_CORRUPT) == SG3_ERR_TOO_LARGE && err &&
            strstr(err, "more than 4096 tensors"),
        "tensor %d refused: %s", SG3_MAX_TENSORS + 1, err ? err : "added");
  free(err);
  err = NULL;
  rc = sg3_tensor_set_add(&set, "t5", 1, shape, malloc(1), &err);
  check(rc && err && strstr(err, "twice"), "a duplicate name: %s",
        err ? err : "added");
  free(err);
  sg3_tensor_set_clear(&set);
}

/* ---- the writer ---- */

/* A small tensor set whose header length moves with `pad`. */
static void small_set(sg3_tensor_set *set, int pad) {
  sg3_tensor_set_init(set);
  GString *kw = g_string_new("{\"z_dim\": 8");
  for (int i = 0; i < pad; i++)
    g_string_append_c(kw, ' ');
  g_string_append_c(kw, '}');
  set->init_kwargs = strdup(kw->str);
  g_string_free(kw, TRUE);
  for (int i = 0; i < 3; i++) {
    int64_t shape[2] = {2, i + 1};
    float *d = malloc(sizeof(float) * 2 * (size_t)(i + 1));
    for (int k = 0; k < 2 * (i + 1); k++)
      d[k] = (float)(i * 10 + k);
    char name[16];
    snprintf(name, sizeof name, "w%d", i);
    sg3_tensor_set_add(set, name, 2, shape, d, NULL);
  }
}

static int same_sets(const sg3_tensor_set *a, const sg3_tensor_set *b) {
  if (a->n != b->n || strcmp(a->init_kwargs, b->init_kwargs) != 0)
    return 0;
  for (size_t i = 0; i < a->n; i++) {
    const sg3_tensor *t = sg3_tensor_set_find(b, a->items[i].name);
    if (!t || t->numel != a->items[i].numel ||
        memcmp(t->data, a->items[i].data, t->numel * 4) != 0)
      return 0;
  }
  return 1;
}

static int count_entries(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  int n = 0;
  while (d && g_dir_read_name(d))
    n++;
  if (d)
    g_dir_close(d);
  return n;
}

static void test_writer(const char *dir) {
  char *path = g_build_filename(dir, "w.safetensors", NULL);
  int low80 = 0, loads = 0, detected = 0, tried = 0;
  for (int pad = 0; pad < 300; pad++) {
    sg3_tensor_set a, b;
    small_set(&a, pad);
    char *err = NULL;
    if (sg3_safetensors_write(&a, path, &err)) {
      check(0, "write: %s", err);
      free(err);
      sg3_tensor_set_clear(&a);
      break;
    }
    tried++;
    gchar *data;
    gsize size;
    g_file_get_contents(path, &data, &size, NULL);
    low80 += (uint8_t)data[0] == 0x80;
    sg3_source src;
    sg3_source_memory(&src, data, size, "w");
    sg3_file_format fmt;
    detected += sg3_model_file_detect(&src, &fmt, NULL) == 0 &&
                fmt == SG3_FILE_SAFETENSORS;
    sg3_tensor_set_init(&b);
    if (sg3_model_file_read((const uint8_t *)data, size, "w", &b, &err) == 0 &&
        same_sets(&a, &b))
      loads++;
    free(err);
    g_free(data);
    sg3_tensor_set_clear(&a);
    sg3_tensor_set_clear(&b);
  }
  check(tried == 300 && low80 == 0 && detected == 300 && loads == 300,
        "300 header sizes: %d with 0x80 as the low length byte, %d detected "
        "as safetensors, %d load back the same",
        low80, detected, loads);
  check(count_entries(dir) == 1, "only the written file is in the folder");

  /* A failing write (over a file size limit: EFBIG) leaves the old file
   * and nothing else. */
  g_file_set_contents(path, "precious", -1, NULL);
  sg3_tensor_set a;
  small_set(&a, 0);
  struct rlimit old;
  getrlimit(RLIMIT_FSIZE, &old);
  struct rlimit lim = {100, old.rlim_max};
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  setrlimit(RLIMIT_FSIZE, &lim);
  char *err = NULL;
  sg3_error_begin();
  int rc = sg3_safetensors_write(&a, path, &err);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  gchar *back = NULL;
  g_file_get_contents(path, &back, NULL, NULL);
  check(rc && sg3_error_end(rc, SG3_ERR_CORRUPT) == SG3_ERR_IO && err &&
            strstr(err, path) && strstr(err, strerror(EFBIG)) && back &&
            strcmp(back, "precious") == 0 && count_entries(dir) == 1,
        "a write over the file size limit keeps the old file, no "
        "temporary: %s",
        err ? err : "written");
  free(err);
  g_free(back);
  err = NULL;
  char *nodir = g_build_filename(dir, "no", "such", "dir.safetensors", NULL);
  rc = sg3_safetensors_write(&a, nodir, &err);
  check(rc && err && strstr(err, nodir), "writing into a missing folder: %s",
        err ? err : "written");
  free(err);
  g_free(nodir);
  sg3_tensor_set_clear(&a);
  g_unlink(path);
  g_free(path);
}

/* ---- detection ---- */

static void detect_case(const void *p, size_t n, sg3_file_format want,
                        const char *what) {
  sg3_source src;
  sg3_source_memory(&src, p, n, what);
  sg3_file_format got;
  int rc = sg3_model_file_detect(&src, &got, NULL);
  check(rc == 0 && got == want, "detect %s: %d", what, (int)got);
}

static void test_detect(const uint8_t *st, size_t st_size, const uint8_t *pkl,
                        size_t pkl_size) {
  detect_case(st, st_size, SG3_FILE_SAFETENSORS, "the model");
  detect_case(pkl, pkl_size, SG3_FILE_PICKLE, "the pickle");
  detect_case("PK\3\4....", 8, SG3_FILE_ZIP, "a zip");
  detect_case("hello world", 11, SG3_FILE_UNKNOWN, "text");
  detect_case("\x80\x10", 2, SG3_FILE_UNKNOWN, "PROTO 16");
  /* Both at once: 0x80 0x02 as a length, '{' at 8, braced: safetensors;
   * unbraced: a pickle. */
  uint8_t both[0x280 + 8];
  memset(both, ' ', sizeof both);
  memcpy(both, "\x80\x02\0\0\0\0\0\0{}", 10);
  detect_case(both, sizeof both, SG3_FILE_SAFETENSORS, "0x280 header, braced");
  both[9] = 'x';
  detect_case(both, sizeof both, SG3_FILE_PICKLE, "0x280 header, unbraced");
}

/* ---- files ---- */

static void open_case(const char *path, sg3_status want, const char *needle) {
  sg3_file f;
  char *err = NULL;
  sg3_error_begin();
  int rc = sg3_file_open_lazy(&f, path, &err);
  sg3_status got = sg3_error_end(rc, SG3_ERR_CORRUPT);
  check(rc && got == want && err && strstr(err, path) && strstr(err, needle),
        "open %s -> %s (%s)", path, err ? err : "opened", sg3_status_name(got));
  if (!rc)
    sg3_file_close(&f);
  free(err);
}

static void test_files(const char *dir, const char *pkl) {
  char *fifo = g_build_filename(dir, "fifo", NULL);
  char *empty = g_build_filename(dir, "empty", NULL);
  mkfifo(fifo, 0600);
  g_file_set_contents(empty, "", 0, NULL);
  open_case(fifo, SG3_ERR_NOT_REGULAR, "a FIFO");
  open_case("/dev/zero", SG3_ERR_NOT_REGULAR, "a device");
  open_case(dir, SG3_ERR_NOT_REGULAR, "a directory");
  open_case(empty, SG3_ERR_FORMAT, "empty");
  char *missing = g_build_filename(dir, "missing.pkl", NULL);
  open_case(missing, SG3_ERR_NOT_FOUND, "No such file");
  if (geteuid() != 0) { /* root reads anything */
    char *locked = g_build_filename(dir, "locked", NULL);
    g_file_set_contents(locked, "x", 1, NULL);
    chmod(locked, 0);
    open_case(locked, SG3_ERR_PERMISSION, "Permission denied");
    g_unlink(locked);
    g_free(locked);
  }
  g_unlink(fifo);
  g_unlink(empty);
  g_free(fifo);
  g_free(empty);
  g_free(missing);

  /* On demand: asked-for ranges read the file's bytes, others zeros; let
   * go, they read as zeros, asked for again, the bytes again. */
  size_t size;
  uint8_t *want = check_read_file(pkl, &size);
  sg3_file f;
  char *err = NULL;
  if (!want || sg3_file_open_lazy(&f, pkl, &err)) {
    check(0, "open %s lazily: %s", pkl, err ? err : "");
    free(err);
    free(want);
    return;
  }
  size_t mid = size / 2, n = 300000;
  int rc = sg3_need(&f.src, f.data + mid, n, &err);
  int same = rc == 0 && memcmp(f.data + mid, want + mid, n) == 0;
  int zeros = 1;
  for (size_t i = 0; i < 1000; i++)
    zeros &= f.data[i] == 0;
  sg3_release(&f.src, f.data + mid, n);
  int gone = 1;
  for (size_t i = mid + 65536; i < mid + n - 65536; i += 4096)
    gone &= f.data[i] == 0;
  rc |= sg3_need(&f.src, f.data, size, &err);
  int all = rc == 0 && memcmp(f.data, want, size) == 0;
  check(same && zeros && gone && all && sg3_file_check_unchanged(&f, NULL) == 0,
        "on demand: the bytes asked for, zeros elsewhere, let go and read "
        "again");
  sg3_file_close(&f);
  free(err);
  free(want);
}

/* A file read on demand (sg3_model_file_load) gives what it gives read
 * whole into memory. */
static void same_on_demand(const char *path) {
  size_t size;
  uint8_t *data = check_read_file(path, &size);
  sg3_tensor_set a, b;
  sg3_tensor_set_init(&a);
  sg3_tensor_set_init(&b);
  char *ea = NULL, *eb = NULL;
  int ra = data ? sg3_model_file_read(data, size, path, &a, &ea) : -1;
  int rb = sg3_model_file_load(path, &b, &eb);
  check(ra == 0 && rb == 0 && same_sets(&a, &b) &&
            strcmp(a.family, b.family) == 0,
        "%s: %zu tensors, the same on demand as in memory (%s)", path, b.n,
        eb   ? eb
        : ea ? ea
             : "no error");
  sg3_tensor_set_clear(&a);
  sg3_tensor_set_clear(&b);
  free(ea);
  free(eb);
  free(data);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL.safetensors NETWORK.pkl [MORE...]\n",
            argv[0]);
    return 2;
  }
  size_t st_size, pkl_size;
  uint8_t *st = check_read_file(argv[1], &st_size);
  uint8_t *pkl = check_read_file(argv[2], &pkl_size);
  char *dir = g_dir_make_tmp("sg3-io-XXXXXX", NULL);
  if (!st || !pkl || !dir)
    return 2;
  test_json();
  test_dtype();
  test_tensor_set();
  test_writer(dir);
  test_detect(st, st_size, pkl, pkl_size);
  test_files(dir, argv[2]);
  for (int i = 1; i < argc; i++)
    same_on_demand(argv[i]);
  g_rmdir(dir);
  g_free(dir);
  free(st);
  free(pkl);
  return check_summary();
}
