/* Model files from strangers: hostile safetensors and pickles made here,
 * special files, and files that change while they are loaded. Each case
 * runs in a child process, so that a crash (SIGSEGV, SIGBUS), a hang (an
 * alarm ends it) or runaway memory (the child's peak RSS) is a failure of
 * that case, and checks the error code, that the message names the file and
 * the reason, the time and the peak RSS. With the tools, the same through
 * sg3-gen and sg3-convert (exit code 1, one line naming the file), a
 * conversion over a file size limit (the target stays as it was, no
 * temporary is left) and conversions over many header sizes (every output
 * loads again).
 *
 * usage: test_hostile MODEL.safetensors NETWORK.pkl [SG3_GEN SG3_CONVERT] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "io/tensors.h"
#include "sg3.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define MAX_SECONDS 5.0
#define KILL_SECONDS 20
/* Peak RSS of a child that refuses a hostile file; sanitizers add their
 * shadow memory and quarantine. */
#ifdef UNDER_ASAN
#define MAX_RSS_MB 400
#else
#define MAX_RSS_MB 100
#endif

static char *tmpdir;

/* ---- a file that changes under the loader ----
 *
 * pread and mmap are wrapped: when armed, the n-th call on the chosen file
 * first truncates it (or rewrites it), deterministically, between the
 * loader's open and its read. A loader that maps the file and parses it in
 * place gets SIGBUS from this; one that reads it gets a short read. */

static struct {
  int mode; /* 0 off, 1 truncate, 2 rewrite */
  int countdown;
  dev_t dev;
  ino_t ino;
  char path[4096];
  off_t size;
} hook;

static void hook_call(int fd) {
  struct stat st;
  if (!hook.mode || fd < 0 || fstat(fd, &st) != 0 || st.st_dev != hook.dev ||
      st.st_ino != hook.ino || --hook.countdown > 0)
    return;
  int mode = hook.mode;
  hook.mode = 0;
  if (mode == 1) {
    if (truncate(hook.path, hook.size) != 0)
      perror("truncate");
    return;
  }
  /* A rewrite: one byte changes, and the modification time (set well
   * ahead, so that a coarse clock cannot hide it). */
  int w = open(hook.path, O_WRONLY | O_CLOEXEC);
  if (w >= 0) {
    char c = 'x';
    if (pwrite(w, &c, 1, st.st_size / 2) != 1)
      perror("pwrite");
    struct timespec ts[2] = {{0, UTIME_OMIT}, {st.st_mtim.tv_sec + 10, 0}};
    futimens(w, ts);
    close(w);
  }
}

static void hook_arm(const char *path, int mode, int countdown, off_t size) {
  struct stat st;
  if (stat(path, &st) != 0)
    return;
  hook.dev = st.st_dev;
  hook.ino = st.st_ino;
  snprintf(hook.path, sizeof hook.path, "%s", path);
  hook.size = size;
  hook.countdown = countdown;
  hook.mode = mode;
}

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

ssize_t pread64(int fd, void *buf, size_t n, off_t off);
ssize_t pread64(int fd, void *buf, size_t n, off_t off) {
  static pread_fn real;
  if (!real)
    real = (pread_fn)dlsym(RTLD_NEXT, "pread64");
  hook_call(fd);
  return real(fd, buf, n, off);
}

void *mmap64(void *addr, size_t n, int prot, int flags, int fd, off_t off);
void *mmap64(void *addr, size_t n, int prot, int flags, int fd, off_t off) {
  static mmap_fn real;
  if (!real)
    real = (mmap_fn)dlsym(RTLD_NEXT, "mmap64");
  hook_call(fd);
  return real(addr, n, prot, flags, fd, off);
}

/* ---- children ---- */

typedef struct {
  int status;
  double secs;
  long rss_mb;
  char out[4096];
} outcome;

/* Runs fn(arg, fd) in a child that has KILL_SECONDS to finish; what it
 * writes to fd is the outcome's text. */
static outcome in_child(void (*fn)(const void *, int), const void *arg) {
  outcome o;
  memset(&o, 0, sizeof o);
  int p[2];
  if (pipe(p) != 0) {
    o.status = -1;
    return o;
  }
  fflush(stdout);
  gint64 t0 = g_get_monotonic_time();
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    alarm(KILL_SECONDS);
    fn(arg, p[1]);
    _exit(0);
  }
  close(p[1]);
  size_t len = 0;
  ssize_t k;
  while ((k = read(p[0], o.out + len, sizeof o.out - 1 - len)) > 0)
    len += (size_t)k;
  close(p[0]);
  o.out[len] = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  if (wait4(pid, &o.status, 0, &ru) < 0)
    o.status = -1;
  o.secs = (double)(g_get_monotonic_time() - t0) / 1e6;
  o.rss_mb = ru.ru_maxrss / 1024;
  return o;
}

/* "exit N", "killed by SIGBUS"... */
static const char *how(const outcome *o, char *buf, size_t size) {
  if (WIFEXITED(o->status))
    snprintf(buf, size, "exit %d", WEXITSTATUS(o->status));
  else if (WIFSIGNALED(o->status))
    snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(o->status),
             strsignal(WTERMSIG(o->status)));
  else
    snprintf(buf, size, "status %d", o->status);
  return buf;
}

/* ---- loading in a child ---- */

typedef struct {
  const char *path;
  int hook_mode, hook_countdown;
  off_t hook_size;
} load_arg;

static void do_load(const void *p, int fd) {
  const load_arg *a = p;
  if (a->hook_mode)
    hook_arm(a->path, a->hook_mode, a->hook_countdown, a->hook_size);
  char *err = NULL;
  sg3_model *m = NULL;
  sg3_status code = sg3_model_open(a->path, NULL, &m, &err);
  dprintf(fd, "%d %s", (int)code, err ? err : "");
  sg3_model_unref(m);
  free(err);
}

/* Loads `path` in a child: it must end normally within the time and memory
 * bounds with `code` and, for errors, a message naming the file and
 * holding `reason`. */
static void expect_load_hooked(const char *what, const char *path,
                               sg3_status code, const char *reason,
                               int hook_mode, int countdown, off_t size) {
  load_arg a = {path, hook_mode, countdown, size};
  outcome o = in_child(do_load, &a);
  int got = 1;
  const char *msg = "";
  if (o.out[0]) {
    got = atoi(o.out);
    msg = strchr(o.out, ' ') ? strchr(o.out, ' ') + 1 : "";
  }
  char status[64];
  int ended = WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0;
  int right = got == (int)code &&
              (code == SG3_OK ? !*msg
                              : strstr(msg, path) && strstr(msg, reason) &&
                                    !strchr(msg, '\n'));
  check(ended && right && o.secs < MAX_SECONDS && o.rss_mb <= MAX_RSS_MB,
        "%s: %s, %s, %.2f s, peak %ld MB: %s", what, how(&o, status, 64),
        ended ? sg3_status_name((sg3_status)got) : "-", o.secs, o.rss_mb,
        *msg    ? msg
        : ended ? "loads"
                : "");
}

static void expect_load(const char *what, const char *path, sg3_status code,
                        const char *reason) {
  expect_load_hooked(what, path, code, reason, 0, 0, 0);
}

/* ---- running the tools ---- */

typedef struct {
  char **argv;
  rlim_t fsize; /* 0: no limit */
} tool_arg;

static void do_tool(const void *p, int fd) {
  const tool_arg *a = p;
  dup2(fd, 2);
  int null = open("/dev/null", O_WRONLY);
  dup2(null, 1);
  if (a->fsize) {
    signal(SIGXFSZ, SIG_IGN); /* inherited: write() fails with EFBIG */
    struct rlimit r = {a->fsize, a->fsize};
    setrlimit(RLIMIT_FSIZE, &r);
  }
  execv(a->argv[0], a->argv);
  dprintf(2, "cannot run %s: %s\n", a->argv[0], strerror(errno));
  _exit(127);
}

/* The tool must exit with 1 within the bounds and print one line naming
 * `path` and holding `reason`. */
static void expect_tool(const char *what, char **argv, rlim_t fsize,
                        const char *path, const char *reason) {
  tool_arg a = {argv, fsize};
  outcome o = in_child(do_tool, &a);
  char status[64];
  size_t len = strlen(o.out);
  int one_line = len && o.out[len - 1] == '\n' && !memchr(o.out, '\n', len - 1);
  if (len && o.out[len - 1] == '\n')
    o.out[len - 1] = 0;
  check(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 1 && one_line &&
            strstr(o.out, path) && strstr(o.out, reason) &&
            o.secs < MAX_SECONDS && o.rss_mb <= MAX_RSS_MB,
        "%s: %s, %.2f s, peak %ld MB: %s", what, how(&o, status, 64), o.secs,
        o.rss_mb, o.out);
}

/* ---- making hostile files ---- */

static char *tmp_path(const char *name) {
  return g_build_filename(tmpdir, name, NULL);
}

static void write_file(const char *path, const void *data, size_t n) {
  GError *e = NULL;
  if (!g_file_set_contents(path, data, (gssize)n, &e)) {
    fprintf(stderr, "%s\n", e->message);
    exit(2);
  }
}

/* A safetensors file of `header` (padded with `pad` spaces) and `body`. */
static void write_st(const char *path, const char *header, size_t pad,
                     const void *body, size_t body_len) {
  size_t hlen = strlen(header) + pad;
  uint8_t *buf = malloc(8 + hlen + body_len);
  for (int i = 0; i < 8; i++)
    buf[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
  memcpy(buf + 8, header, strlen(header));
  memset(buf + 8 + strlen(header), ' ', pad);
  if (body_len)
    memcpy(buf + 8 + hlen, body, body_len);
  write_file(path, buf, 8 + hlen + body_len);
  free(buf);
}

typedef struct {
  char *header; /* NUL-terminated, padding trimmed */
  const uint8_t *body;
  size_t body_len;
} st_parts;

static st_parts split_st(const uint8_t *d, size_t size) {
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = hlen << 8 | d[i];
  st_parts s = {g_strndup((const char *)d + 8, (gsize)hlen), d + 8 + hlen,
                size - 8 - (size_t)hlen};
  g_strchomp(s.header);
  return s;
}

/* The model with the first `from` in its header replaced by `to`. */
static void write_patched(const char *path, const st_parts *m, const char *from,
                          const char *to) {
  char *at = strstr(m->header, from);
  if (!at) {
    fprintf(stderr, "'%s' not in the model's header\n", from);
    exit(2);
  }
  GString *h = g_string_new_len(m->header, at - m->header);
  g_string_append(h, to);
  g_string_append(h, at + strlen(from));
  write_st(path, h->str, 0, m->body, m->body_len);
  g_string_free(h, TRUE);
}

static char *repeat(const char *s, int n) {
  GString *g = g_string_new(NULL);
  for (int i = 0; i < n; i++)
    g_string_append(g, s);
  return g_string_free(g, FALSE);
}

static const char kwargs16[] =
    "{\"z_dim\": 8, \"c_dim\": 0, \"w_dim\": 8, \"img_resolution\": 16, "
    "\"img_channels\": 3, \"channel_base\": 256, \"channel_max\": 8}";

/* ---- the cases ---- */

static void safetensors_cases(const st_parts *m, const char *model) {
  char *p;

  /* Nesting 80,000 deep, in the header and in init_kwargs: json-glib
   * recurses and overflows the stack. */
  char *deep = repeat("[", 80000);
  char *h = g_strdup_printf("{\"a\":%s", deep);
  write_st(p = tmp_path("deep-header.safetensors"), h, 0, NULL, 0);
  expect_load("header nested 80,000 deep", p, SG3_ERR_TOO_LARGE,
              "nested more than 64 levels");
  g_free(h);
  g_free(p);
  /* init_kwargs of 80,000 '[' (the model's own renamed away). */
  {
    GString *hs = g_string_new(m->header);
    char *at = strstr(hs->str, "\"init_kwargs\":");
    g_string_erase(hs, at - hs->str, 14);
    g_string_insert(hs, at - hs->str, "\"unused_kwargs\":");
    at = strstr(hs->str, "\"module\":");
    g_string_erase(hs, at - hs->str, 9);
    char *kw = g_strdup_printf("\"init_kwargs\":\"%s\",\"module\":", deep);
    g_string_insert(hs, at - hs->str, kw);
    g_free(kw);
    write_st(p = tmp_path("deep-kwargs.safetensors"), hs->str, 0, m->body,
             m->body_len);
    expect_load("init_kwargs nested 80,000 deep", p, SG3_ERR_TOO_LARGE,
                "init_kwargs: JSON nested more than 64 levels");
    g_string_free(hs, TRUE);
    g_free(p);
  }
  g_free(deep);

  /* 200,000 empty tensors: the linear search took minutes. */
  GString *many = g_string_new("{");
  for (int i = 0; i < 200000; i++)
    g_string_append_printf(
        many,
        "\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},", i);
  g_string_append(many, "\"__metadata__\":{}}");
  write_st(p = tmp_path("many.safetensors"), many->str, 0, NULL, 0);
  g_string_free(many, TRUE);
  expect_load("200,000 empty tensors", p, SG3_ERR_TOO_LARGE,
              "more than 4097 entries");
  g_free(p);

  /* 300 float16 tensors sharing the same 4 MB: 2.4 GB of float32. */
  size_t body = 4u << 20;
  uint8_t *zeros = calloc(1, body);
  GString *ov = g_string_new("{");
  for (int i = 0; i < 300; i++)
    g_string_append_printf(ov,
                           "\"t%d\":{\"dtype\":\"F16\",\"shape\":[%zu],"
                           "\"data_offsets\":[0,%zu]},",
                           i, body / 2, body);
  g_string_append(ov, "\"__metadata__\":{\"init_kwargs\":\"{}\"}}");
  write_st(p = tmp_path("overlap.safetensors"), ov->str, 0, zeros, body);
  g_string_free(ov, TRUE);
  free(zeros);
  expect_load("300 tensors on the same 4 MB", p, SG3_ERR_CORRUPT,
              "overlap in the data");
  g_free(p);

  /* Data that belongs to no tensor: a hole, and bytes after the last. */
  write_st(p = tmp_path("hole.safetensors"),
           "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
           0, "0123456789ab", 12);
  expect_load("a hole between tensors", p, SG3_ERR_CORRUPT,
              "bytes 4 to 8 of the data belong to no tensor");
  g_free(p);
  {
    uint8_t *longer = malloc(m->body_len + 16);
    memcpy(longer, m->body, m->body_len);
    memset(longer + m->body_len, 0, 16);
    write_st(p = tmp_path("trailing.safetensors"), m->header, 0, longer,
             m->body_len + 16);
    free(longer);
    expect_load("16 bytes after the last tensor", p, SG3_ERR_CORRUPT,
                "16 bytes after the last tensor");
    g_free(p);
  }

  /* Keys other readers read differently: duplicates (json-glib keeps the
   * last) and NUL (json-glib cuts the key). */
  write_patched(p = tmp_path("dup-tensor.safetensors"), m,
                "\"mapping.embed.bias\":",
                "\"mapping.embed.bias\":{\"dtype\":\"F32\",\"shape\":[512],"
                "\"data_offsets\":[0,2048]},\"mapping.embed.bias\":");
  expect_load("a tensor named twice", p, SG3_ERR_CORRUPT,
              "\"mapping.embed.bias\" twice");
  g_free(p);
  write_patched(p = tmp_path("dup-dtype.safetensors"), m, "{\"dtype\":\"F32\"",
                "{\"dtype\":\"F16\",\"dtype\":\"F32\"");
  expect_load("dtype given twice", p, SG3_ERR_CORRUPT, "\"dtype\" twice");
  g_free(p);
  write_patched(p = tmp_path("dup-kwarg.safetensors"), m, "\\\"z_dim\\\": 512,",
                "\\\"z_dim\\\": 512, \\\"z_dim\\\": 512,");
  expect_load("an init_kwargs key twice", p, SG3_ERR_CORRUPT,
              "init_kwargs: JSON object has the key \"z_dim\" twice");
  g_free(p);
  write_patched(p = tmp_path("nul-key.safetensors"), m,
                "\"mapping.w_avg\":", "\"mapping.w_avg\\u0000hidden\":");
  expect_load("a tensor name with NUL", p, SG3_ERR_CORRUPT, "NUL character");
  g_free(p);

  /* Header lengths whose low byte is 0x80 (PROTO): taken for pickles. */
  size_t hl = strlen(m->header);
  size_t lens[] = {0x3080, 0x10280}; /* "protocol 48", "protocol 2" */
  for (int i = 0; i < 2; i++) {
    char name[64];
    snprintf(name, sizeof name, "len-%#zx.safetensors", lens[i]);
    if (lens[i] < hl)
      continue;
    write_st(p = tmp_path(name), m->header, lens[i] - hl, m->body, m->body_len);
    char what[80];
    snprintf(what, sizeof what, "header length %#zx loads as safetensors",
             lens[i]);
    expect_load(what, p, SG3_OK, NULL);
    g_free(p);
  }

  /* The model itself, as a reference point for time and memory. */
  expect_load("the intact model", model, SG3_OK, NULL);
}

static void special_cases(void) {
  char *p = tmp_path("fifo.pkl");
  mkfifo(p, 0600);
  expect_load("a FIFO", p, SG3_ERR_NOT_REGULAR, "is a FIFO");
  g_unlink(p);
  g_free(p);
  expect_load("/dev/zero", "/dev/zero", SG3_ERR_NOT_REGULAR, "is a device");
  expect_load("a directory", tmpdir, SG3_ERR_NOT_REGULAR, "is a directory");
  p = tmp_path("socket.pkl");
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", p);
  if (s >= 0 && bind(s, (struct sockaddr *)&addr, sizeof addr) == 0)
    expect_load("a socket", p, SG3_ERR_NOT_REGULAR, "is a socket");
  if (s >= 0)
    close(s);
  g_unlink(p);
  g_free(p);
}

/* The file changes between the loader's open and its reads. */
static void changing_cases(const char *model, const char *pkl) {
  const char *srcs[] = {model, pkl};
  const char *names[] = {"model.safetensors", "network.pkl"};
  for (int i = 0; i < 2; i++) {
    size_t size;
    uint8_t *d = check_read_file(srcs[i], &size);
    char *p = tmp_path(names[i]);
    for (int when = 1; when <= 2; when++) {
      write_file(p, d, size);
      char what[128];
      snprintf(what, sizeof what,
               "%s truncated to half at the loader's read #%d", names[i], when);
      expect_load_hooked(what, p, SG3_ERR_IO, "shrank while it was being read",
                         1, when, (off_t)size / 2);
    }
    write_file(p, d, size);
    char what[128];
    snprintf(what, sizeof what, "%s rewritten while loading", names[i]);
    expect_load_hooked(what, p, SG3_ERR_IO, "changed while it was being read",
                       2, 1, 0);
    g_unlink(p);
    g_free(p);
    free(d);
  }
}

static void tool_cases(const char *gen, const char *conv, const char *model) {
  char *deep = tmp_path("deep-header.safetensors");
  char *fifo = tmp_path("tool-fifo.pkl");
  char *outdir = tmp_path("out");
  mkfifo(fifo, 0600);
  char *gen_deep[] = {(char *)gen, "--network", deep,   "--seeds",
                      "1",         "--outdir",  outdir, NULL};
  expect_tool("sg3-gen, header nested 80,000 deep", gen_deep, 0, deep,
              "nested more than 64 levels");
  char *gen_fifo[] = {(char *)gen, "--network", fifo,   "--seeds",
                      "1",         "--outdir",  outdir, NULL};
  expect_tool("sg3-gen, a FIFO", gen_fifo, 0, fifo, "is a FIFO");
  char *target = tmp_path("target.safetensors");
  char *conv_deep[] = {(char *)conv, deep, target, NULL};
  expect_tool("sg3-convert, header nested 80,000 deep", conv_deep, 0, deep,
              "nested more than 64 levels");
  char *conv_fifo[] = {(char *)conv, fifo, target, NULL};
  expect_tool("sg3-convert, a FIFO", conv_fifo, 0, fifo, "is a FIFO");
  g_unlink(fifo);

  /* Over a file size limit: the old target survives, no temporary stays;
   * without a target, none appears. */
  char *convdir = tmp_path("conv");
  g_mkdir(convdir, 0700);
  char *t2 = g_build_filename(convdir, "model.safetensors", NULL);
  write_file(t2, "precious", 8);
  char *conv_big[] = {(char *)conv, (char *)model, t2, NULL};
  expect_tool("sg3-convert over a 1 MB file size limit", conv_big, 1u << 20, t2,
              strerror(EFBIG));
  gchar *back = NULL;
  g_file_get_contents(t2, &back, NULL, NULL);
  GDir *dir = g_dir_open(convdir, 0, NULL);
  int entries = 0;
  while (dir && g_dir_read_name(dir))
    entries++;
  g_dir_close(dir);
  check(back && strcmp(back, "precious") == 0 && entries == 1,
        "the target is untouched and no temporary is left (%d entries)",
        entries);
  g_free(back);
  g_unlink(t2);
  expect_tool("sg3-convert over the limit, no target", conv_big, 1u << 20, t2,
              strerror(EFBIG));
  check(!g_file_test(t2, G_FILE_TEST_EXISTS) && g_rmdir(convdir) == 0,
        "no file appears");
  g_free(t2);
  g_free(convdir);
  g_free(deep);
  g_free(fifo);
  g_free(outdir);
  g_free(target);
}

/* sg3-convert's output over many header sizes (every low byte the padded
 * length can have): each loads again, with the same tensors. */
static void round_trips(const char *conv) {
  int runs = 0, good = 0;
  char *in = tmp_path("rt-in.safetensors"),
       *out = tmp_path("rt-out.safetensors");
  for (int pad = 0; pad < 320; pad += 8) {
    size_t n = strlen(kwargs16);
    char *kw = g_strdup_printf("%.*s%*s}", (int)(n - 1), kwargs16, pad, "");
    char *err = NULL;
    sg3_model *m = sg3_model_new_random(kw, 1, &err);
    g_free(kw);
    if (!m || sg3_model_save_safetensors(m, in, &err)) {
      check(0, "random model: %s", err ? err : "");
      free(err);
      sg3_model_unref(m);
      break;
    }
    sg3_model_unref(m);
    char *argv[] = {(char *)conv, in, out, NULL};
    tool_arg a = {argv, 0};
    outcome o = in_child(do_tool, &a);
    runs++;
    size_t sa, sb;
    uint8_t *da = check_read_file(in, &sa), *db = check_read_file(out, &sb);
    sg3_tensor_set ta, tb;
    sg3_tensor_set_init(&ta);
    sg3_tensor_set_init(&tb);
    int ok = WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0 && da && db &&
             db[0] != 0x80;
    sg3_model *back = ok ? sg3_model_load(out, &err) : NULL;
    ok = ok && back && sg3_safetensors_read(da, sa, "in", &ta, NULL) == 0 &&
         sg3_safetensors_read(db, sb, "out", &tb, NULL) == 0 && ta.n == tb.n;
    for (size_t i = 0; ok && i < ta.n; i++) {
      const sg3_tensor *t = sg3_tensor_set_find(&tb, ta.items[i].name);
      ok = t && t->numel == ta.items[i].numel &&
           memcmp(t->data, ta.items[i].data, t->numel * 4) == 0;
    }
    if (!ok)
      printf("  header length %zu: %s%s\n", db ? (size_t)db[0] : 0, o.out,
             err ? err : "");
    good += ok;
    sg3_model_unref(back);
    sg3_tensor_set_clear(&ta);
    sg3_tensor_set_clear(&tb);
    free(da);
    free(db);
    free(err);
  }
  check(runs == 40 && good == runs,
        "sg3-convert over %d header sizes: %d outputs load again with the "
        "same tensors",
        runs, good);
  g_unlink(in);
  g_unlink(out);
  g_free(in);
  g_free(out);
}

static void remove_tree(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    char *p = g_build_filename(dir, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
        !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
      remove_tree(p);
    else
      g_unlink(p);
    g_free(p);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(dir);
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 5) {
    fprintf(stderr,
            "usage: %s MODEL.safetensors NETWORK.pkl [SG3_GEN SG3_CONVERT]\n",
            argv[0]);
    return 2;
  }
  tmpdir = g_dir_make_tmp("sg3-hostile-XXXXXX", NULL);
  size_t size;
  uint8_t *d = check_read_file(argv[1], &size);
  if (!tmpdir || !d)
    return 2;
  st_parts m = split_st(d, size);
  safetensors_cases(&m, argv[1]);
  g_free(m.header);
  free(d);
  special_cases();
  changing_cases(argv[1], argv[2]);
  if (argc == 5) {
    tool_cases(argv[3], argv[4], argv[1]);
    round_trips(argv[4]);
  }
  remove_tree(tmpdir);
  g_free(tmpdir);
  return check_summary();
}
