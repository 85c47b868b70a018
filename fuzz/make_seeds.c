/* Writes the hostile seeds fuzz/run.sh adds to the test files: the inputs
 * that once crashed, hung or blew up the readers (deep nesting, many
 * tensors, shared data, duplicate and NUL keys), so that the fuzzers start
 * from them and mutate around them.
 *
 * usage: make_seeds DIR
 * DIR/{safetensors,pickle,json}/ get seeds small enough to mutate;
 * DIR/{safetensors,pickle}-big/ get inputs only worth running once. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *root;

static void put(const char *sub, const char *name, const void *data, size_t n) {
  char *dir = g_build_filename(root, sub, NULL);
  char *path = g_build_filename(dir, name, NULL);
  GError *e = NULL;
  if (g_mkdir_with_parents(dir, 0755) != 0 ||
      !g_file_set_contents(path, data, (gssize)n, &e)) {
    fprintf(stderr, "make_seeds: %s: %s\n", path,
            e ? e->message : g_strerror(errno));
    exit(1);
  }
  g_free(path);
  g_free(dir);
}

static char *repeat(const char *s, int n) {
  GString *g = g_string_new(NULL);
  for (int i = 0; i < n; i++)
    g_string_append(g, s);
  return g_string_free(g, FALSE);
}

/* ---- safetensors ---- */

static const char kwargs[] =
    "{\\\"z_dim\\\": 8, \\\"c_dim\\\": 0, \\\"w_dim\\\": 8, "
    "\\\"img_resolution\\\": 16, \\\"img_channels\\\": 3, "
    "\\\"channel_base\\\": 256, \\\"channel_max\\\": 8}";

static void st(const char *sub, const char *name, const char *header,
               size_t body_len) {
  size_t hlen = strlen(header), n = 8 + hlen + body_len;
  unsigned char *buf = calloc(1, n);
  for (int i = 0; i < 8; i++)
    buf[i] = (unsigned char)((unsigned long long)hlen >> (8 * i));
  memcpy(buf + 8, header, hlen);
  put(sub, name, buf, n);
  free(buf);
}

/* `n` tensors of `count` float16s, all on the same `count * 2` bytes. */
static void st_shared(const char *sub, const char *name, int n, size_t count) {
  GString *h = g_string_new("{");
  for (int i = 0; i < n; i++)
    g_string_append_printf(h,
                           "\"t%d\":{\"dtype\":\"F16\",\"shape\":[%zu],"
                           "\"data_offsets\":[0,%zu]},",
                           i, count, 2 * count);
  g_string_append_printf(h, "\"__metadata__\":{\"init_kwargs\":\"%s\"}}",
                         kwargs);
  st(sub, name, h->str, 2 * count);
  g_string_free(h, TRUE);
}

/* `n` empty tensors. */
static void st_many(const char *sub, const char *name, int n) {
  GString *h = g_string_new("{");
  for (int i = 0; i < n; i++)
    g_string_append_printf(
        h, "\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},",
        i);
  g_string_append_printf(h, "\"__metadata__\":{\"init_kwargs\":\"%s\"}}",
                         kwargs);
  st(sub, name, h->str, 0);
  g_string_free(h, TRUE);
}

static void safetensors_seeds(void) {
  char *deep = repeat("[", 80000);
  char *h = g_strdup_printf("{\"a\":%s", deep);
  st("safetensors", "deep-header", h, 0);
  g_free(h);
  h = g_strdup_printf("{\"__metadata__\":{\"init_kwargs\":\"%s\"}}", deep);
  st("safetensors", "deep-init-kwargs", h, 0);
  g_free(h);
  g_free(deep);
  char *objs = repeat("{\"a\":", 2000);
  h = g_strdup_printf("{\"x\":%s1", objs);
  st("safetensors", "deep-objects", h, 0);
  g_free(h);
  g_free(objs);
  st_many("safetensors", "many-tensors", 4100);
  st_shared("safetensors", "shared-data", 64, 32768);
  st("safetensors", "duplicate-keys",
     "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
     "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
     "\"__metadata__\":{\"init_kwargs\":\"{}\",\"init_kwargs\":\"{}\"}}",
     4);
  st("safetensors", "nul-key",
     "{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
     "\"__metadata__\":{\"init_kwargs\":\"{\\\"z\\u0000\\\": 1}\"}}",
     4);
  st("safetensors", "tiled",
     "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
     "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]},"
     "\"c\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]},"
     "\"d\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]},"
     "\"__metadata__\":{\"format\":\"stylegan3-generator\","
     "\"init_kwargs\":\"{}\"}}",
     16);
  /* Once only: the slow and the huge. */
  st_many("safetensors-big", "100k-tensors", 100000);
  st_shared("safetensors-big", "300-on-4MB", 300, 2u << 20);
}

/* ---- pickles ---- */

typedef GByteArray pw;

static void op(pw *w, unsigned char o) {
  g_byte_array_append(w, &o, 1);
}
static void raw(pw *w, const void *p, size_t n) {
  g_byte_array_append(w, p, (guint)n);
}
static void str(pw *w, const char *s) {
  op(w, 0x8c);
  op(w, (unsigned char)strlen(s));
  raw(w, s, strlen(s));
}
static void global(pw *w, const char *module, const char *name) {
  op(w, 'c');
  raw(w, module, strlen(module));
  op(w, '\n');
  raw(w, name, strlen(name));
  op(w, '\n');
}
static void int1(pw *w, int v) {
  op(w, 'K');
  op(w, (unsigned char)v);
}

/* torch.storage._load_from_bytes of a FloatStorage of 2 elements. */
static const char inner[] =
    "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
    "\x80\x02M\xe9\x03."
    "\x80\x02}X\x0d\x00\x00\x00little_endian\x88s."
    "\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00"
    "\x00"
    "0X\x03\x00\x00\x00"
    "cpuK\x02Ntq\x00Q."
    "\x80\x02]X\x01\x00\x00\x00"
    "0a."
    "\x02\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x80\x3f\x00\x00\x00\x40";

static void storage(pw *w) {
  global(w, "torch.storage", "_load_from_bytes");
  op(w, 'B');
  unsigned n = sizeof inner - 1;
  unsigned char le[4] = {(unsigned char)n, (unsigned char)(n >> 8), 0, 0};
  raw(w, le, 4);
  raw(w, inner, n);
  op(w, 0x85);
  op(w, 'R');
}

/* _rebuild_tensor_v2(memo[0], 0, (2,), (1,), False, None) */
static void tensor(pw *w) {
  global(w, "torch._utils", "_rebuild_tensor_v2");
  op(w, '(');
  op(w, 'h');
  op(w, 0);
  int1(w, 0);
  int1(w, 2);
  op(w, 0x85);
  int1(w, 1);
  op(w, 0x85);
  op(w, 0x89);
  op(w, 'N');
  op(w, 't');
  op(w, 'R');
}

/* A persistent object: {'type': 'class', 'class_name': cls, 'module_src':
 * src, 'state': {...}} where body() adds to the state. */
static void persistent(pw *w, const char *cls, void (*body)(pw *, int),
                       int arg) {
  global(w, "torch_utils.persistence", "_reconstruct_persistent_obj");
  op(w, '}');
  op(w, '(');
  str(w, "type");
  str(w, "class");
  str(w, "class_name");
  str(w, cls);
  str(w, "module_src");
  str(w, "class SynthesisInput: pass");
  str(w, "state");
  op(w, '}');
  op(w, '(');
  body(w, arg);
  op(w, 'u');
  op(w, 'u');
  op(w, 0x85);
  op(w, 'R');
}

static void leaf(pw *w, int n) { /* n parameters */
  str(w, "_parameters");
  op(w, '}');
  op(w, '(');
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "p%d", i);
    str(w, name);
    tensor(w);
  }
  op(w, 'u');
}

static void generator_many(pw *w, int modules) { /* 50 tensors each */
  str(w, "_init_kwargs");
  op(w, '}');
  str(w, "_modules");
  op(w, '}');
  op(w, '(');
  for (int i = 0; i < modules; i++) {
    char name[16];
    snprintf(name, sizeof name, "m%d", i);
    str(w, name);
    persistent(w, "Module", leaf, 50);
  }
  op(w, 'u');
}

static void generator_deep_kwargs(pw *w, int depth) {
  str(w, "_init_kwargs");
  op(w, '}');
  op(w, '(');
  str(w, "z_dim");
  for (int i = 0; i < depth; i++) {
    op(w, '}');
    str(w, "a");
  }
  int1(w, 1);
  for (int i = 0; i < depth; i++)
    op(w, 's');
  op(w, 'u');
  leaf(w, 2);
}

/* {'G_ema': <persistent Generator>} with the storage memoized first. */
static pw *snapshot(void (*body)(pw *, int), int arg) {
  pw *w = g_byte_array_new();
  op(w, 0x80);
  op(w, 4);
  storage(w);
  op(w, 0x94); /* memo 0 */
  op(w, '0');
  op(w, '}');
  str(w, "G_ema");
  persistent(w, "Generator", body, arg);
  op(w, 's');
  op(w, '.');
  return w;
}

static void put_pw(const char *sub, const char *name, pw *w) {
  put(sub, name, w->data, w->len);
  g_byte_array_free(w, TRUE);
}

static void pickle_seeds(void) {
  pw *w = g_byte_array_new();
  op(w, 0x80);
  op(w, 4);
  for (int i = 0; i < 70000; i++)
    op(w, '(');
  put_pw("pickle", "deep-marks", w);
  w = g_byte_array_new();
  op(w, 0x80);
  op(w, 2);
  for (int i = 0; i < 100000; i++)
    op(w, ']');
  for (int i = 0; i < 99999; i++)
    op(w, 'a');
  op(w, '.');
  put_pw("pickle", "deep-lists", w);
  put_pw("pickle", "deep-init-kwargs", snapshot(generator_deep_kwargs, 100));
  put_pw("pickle", "few-tensors", snapshot(generator_many, 2));
  put_pw("pickle-big", "5000-tensors", snapshot(generator_many, 100));
}

/* ---- JSON (init_kwargs) ---- */

static void json(const char *name, const char *text) {
  put("json", name, text, strlen(text));
}

static void json_seeds(void) {
  json("kwargs-t", "{\"z_dim\": 512, \"w_dim\": 512, \"mapping_kwargs\": "
                   "{\"num_layers\": 2}, \"channel_base\": 16384, "
                   "\"channel_max\": 64, \"magnitude_ema_beta\": "
                   "0.9977843871238888, \"c_dim\": 10, \"img_resolution\": "
                   "32, \"img_channels\": 1}");
  json("kwargs-r", "{\"z_dim\": 8, \"c_dim\": 0, \"w_dim\": 8, "
                   "\"img_resolution\": 16, \"img_channels\": 3, "
                   "\"channel_base\": 256, \"channel_max\": 8, "
                   "\"conv_kernel\": 1, \"use_radial_filters\": true, "
                   "\"conv_clamp\": null, \"output_scale\": 0.25}");
  json("duplicates", "{\"z_dim\": 8, \"z_dim\": 9, \"\\u007a_dim\": 1}");
  json("escapes", "{\"\\ud83d\\ude00\": \"\\u00e9\\n\\t\\\\\", \"n\": -0.5e-3, "
                  "\"b\": [true, false, null, 1E400, -12345678901234567890]}");
  char *deep = repeat("[", 80000);
  json("deep-arrays", deep);
  g_free(deep);
  char *objs = repeat("{\"a\":", 20000);
  json("deep-objects", objs);
  g_free(objs);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  root = argv[1];
  safetensors_seeds();
  pickle_seeds();
  json_seeds();
  return 0;
}
