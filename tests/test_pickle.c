/* The network pickle reader: official pickles give exactly the tensors and
 * init_kwargs of the matching safetensors files; damaged, hostile and
 * foreign pickles give one error message and never crash (run under
 * ASan/UBSan to make "never crash" and "no leak" mean something).
 *
 * Usage: test_pickle [A.pkl A.safetensors]... [--damage A.pkl]...
 *                    [--bad FILE]... [--bad-dir DIR]...
 *                    [--refuse FILE MESSAGE]... [--loads FILE]...
 * Pairs are compared tensor by tensor; --damage pickles are truncated,
 * flipped and given huge lengths; --bad files (fuzzer finds) must load or
 * fail cleanly; --refuse files must fail with a message containing
 * MESSAGE; --loads files must load. Hand-made hostile pickles are always
 * tried. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/tensors.h"

static int read_file(const char *path, uint8_t **data, size_t *size) {
  gchar *buf;
  gsize len;
  if (!g_file_get_contents(path, &buf, &len, NULL))
    return -1;
  *data = (uint8_t *)buf;
  *size = len;
  return 0;
}

/* ---- comparing with safetensors ---- */

static int json_equal(JsonNode *a, JsonNode *b) {
  if (JSON_NODE_TYPE(a) != JSON_NODE_TYPE(b))
    return 0;
  switch (JSON_NODE_TYPE(a)) {
  case JSON_NODE_OBJECT: {
    JsonObject *oa = json_node_get_object(a), *ob = json_node_get_object(b);
    if (json_object_get_size(oa) != json_object_get_size(ob))
      return 0;
    GList *members = json_object_get_members(oa);
    int eq = 1;
    for (GList *l = members; l && eq; l = l->next) {
      JsonNode *mb = json_object_get_member(ob, l->data);
      eq = mb && json_equal(json_object_get_member(oa, l->data), mb);
    }
    g_list_free(members);
    return eq;
  }
  case JSON_NODE_ARRAY: {
    JsonArray *aa = json_node_get_array(a), *ab = json_node_get_array(b);
    guint n = json_array_get_length(aa);
    if (n != json_array_get_length(ab))
      return 0;
    for (guint i = 0; i < n; i++)
      if (!json_equal(json_array_get_element(aa, i),
                      json_array_get_element(ab, i)))
        return 0;
    return 1;
  }
  case JSON_NODE_VALUE:
    if (json_node_get_value_type(a) != json_node_get_value_type(b))
      return 0;
    switch (json_node_get_value_type(a)) {
    case G_TYPE_INT64:
      return json_node_get_int(a) == json_node_get_int(b);
    case G_TYPE_DOUBLE:
      return json_node_get_double(a) == json_node_get_double(b);
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean(a) == json_node_get_boolean(b);
    case G_TYPE_STRING:
      return strcmp(json_node_get_string(a), json_node_get_string(b)) == 0;
    default:
      return 0;
    }
  default:
    return 1; /* null */
  }
}

static int same_json(const char *a, const char *b) {
  JsonParser *pa = json_parser_new(), *pb = json_parser_new();
  int eq = a && b && json_parser_load_from_data(pa, a, -1, NULL) &&
           json_parser_load_from_data(pb, b, -1, NULL) &&
           json_equal(json_parser_get_root(pa), json_parser_get_root(pb));
  g_object_unref(pa);
  g_object_unref(pb);
  return eq;
}

static int same_tensor(const sg3_tensor *a, const sg3_tensor *b) {
  if (a->ndim != b->ndim || a->numel != b->numel)
    return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return 0;
  return memcmp(a->data, b->data, a->numel * sizeof(float)) == 0;
}

static void compare_pair(const char *pkl, const char *st) {
  uint8_t *pd, *sd;
  size_t ps, ss;
  if (read_file(pkl, &pd, &ps) || read_file(st, &sd, &ss)) {
    check(0, "read %s and %s", pkl, st);
    return;
  }
  sg3_tensor_set a, b;
  sg3_tensor_set_init(&a);
  sg3_tensor_set_init(&b);
  char *err = NULL;
  int rc = sg3_pickle_read(pd, ps, pkl, &a, &err);
  check(rc == 0, "%s loads (%s)", pkl, err ? err : "no error");
  free(err);
  err = NULL;
  int rs = sg3_safetensors_read(sd, ss, st, &b, &err);
  check(rs == 0, "%s loads (%s)", st, err ? err : "no error");
  free(err);
  if (rc == 0 && rs == 0) {
    size_t same = 0;
    for (size_t i = 0; i < b.n; i++) {
      const sg3_tensor *t = sg3_tensor_set_find(&a, b.items[i].name);
      if (t && same_tensor(t, &b.items[i]))
        same++;
      else
        printf("  %s: %s\n", b.items[i].name,
               t ? "differs" : "missing from the pickle");
    }
    for (size_t i = 0; i < a.n; i++)
      if (!sg3_tensor_set_find(&b, a.items[i].name))
        printf("  %s: not in the safetensors file\n", a.items[i].name);
    check(a.n == b.n && same == b.n,
          "%s: %zu tensors, %zu bit-identical to %s's %zu", pkl, a.n, same, st,
          b.n);
    check(same_json(a.init_kwargs, b.init_kwargs),
          "%s: init_kwargs %s equal %s", pkl, a.init_kwargs, b.init_kwargs);
    check(a.family && b.family && !strcmp(a.family, b.family),
          "%s: family %s, as %s's", pkl, a.family, st);
    /* StyleGAN-XL: the schedule from the objects is the one written. */
    check((!a.schedule && !b.schedule) || same_json(a.schedule, b.schedule),
          "%s: layer schedule (%zu bytes) equals %s's", pkl,
          a.schedule ? strlen(a.schedule) : 0, st);
  }
  sg3_tensor_set_clear(&a);
  sg3_tensor_set_clear(&b);
  g_free(pd);
  g_free(sd);
}

/* ---- damaged input ---- */

/* Loads a buffer that must fail (or, if `may_load`, may also load): never
 * crash, and on failure give a message that names the file. Returns 0 if it
 * behaved. */
static int try_load(const uint8_t *data, size_t size, int may_load,
                    char **msg) {
  sg3_tensor_set s;
  sg3_tensor_set_init(&s);
  char *err = NULL;
  int rc = sg3_pickle_read(data, size, "damaged.pkl", &s, &err);
  sg3_tensor_set_clear(&s);
  int ok = rc == 0 ? may_load && !err
                   : err && strncmp(err, "damaged.pkl: ", 13) == 0 &&
                         !strchr(err, '\n');
  if (msg)
    *msg = err;
  else
    free(err);
  return ok ? 0 : -1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void) { /* splitmix64: reproducible everywhere */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static void damage(const char *path) {
  uint8_t *data;
  size_t size;
  if (read_file(path, &data, &size)) {
    check(0, "read %s", path);
    return;
  }
  /* Truncation: at every offset of a small file; for a large one, every
   * offset of the first and last KiB (headers, the tail with init_kwargs)
   * and a sample in between (a prime stride, so that it lands on every kind
   * of opcode). */
  size_t tried = 0, bad = 0;
  for (size_t n = 0; n < size; n++) {
    if (size > 65536 && n >= 1024 && n + 1024 < size && n % 257)
      continue;
    tried++;
    uint8_t *copy = g_memdup2(data, n ? n : 1); /* exact size for ASan */
    if (try_load(copy, n, 0, NULL))
      bad++;
    g_free(copy);
  }
  check(bad == 0, "%s truncated at %zu offsets: all fail cleanly (%zu bad)",
        path, tried, bad);

  /* Flipped bytes: 1 to 4 random bytes, 1000 times. May load when only
   * weights change. */
  size_t loaded = 0;
  bad = 0;
  uint8_t *copy = g_memdup2(data, size);
  for (int round = 0; round < 1000; round++) {
    memcpy(copy, data, size);
    int flips = 1 + (int)(rng() % 4);
    for (int f = 0; f < flips; f++)
      copy[rng() % size] ^= (uint8_t)(1 + rng() % 255);
    char *msg = NULL;
    if (try_load(copy, size, 1, &msg))
      bad++;
    else if (!msg)
      loaded++;
    free(msg);
  }
  check(bad == 0, "%s with flipped bytes: 1000 tries, %zu still load, %zu bad",
        path, loaded, bad);

  /* Every length-prefixed opcode with its length set huge: scan for the
   * opcodes found in these files and patch the length in place. */
  size_t patched = 0;
  bad = 0;
  for (size_t i = 0; i + 9 < size && patched < 200; i++) {
    uint8_t op = data[i];
    int lenbytes = op == 'B' || op == 'X' ? 4 : op == 0x95 ? 8 : 0;
    if (!lenbytes || rng() % 16)
      continue;
    memcpy(copy, data, size);
    memset(copy + i + 1, 0xff, (size_t)lenbytes);
    if (lenbytes == 8)
      copy[i + 8] = 0x7f;
    patched++;
    if (try_load(copy, size, 1, NULL))
      bad++;
  }
  check(bad == 0, "%s with %zu huge lengths: all handled", path, patched);
  g_free(copy);
  g_free(data);
}

/* ---- crafted pickles ---- */

typedef struct {
  GByteArray *b;
} pw;

static void op(pw *w, uint8_t o) {
  g_byte_array_append(w->b, &o, 1);
}
static void raw(pw *w, const void *p, size_t n) {
  g_byte_array_append(w->b, p, (guint)n);
}
static void str(pw *w, const char *s) { /* SHORT_BINUNICODE */
  op(w, 0x8c);
  op(w, (uint8_t)strlen(s));
  raw(w, s, strlen(s));
}
static void global(pw *w, const char *module, const char *name) {
  op(w, 'c');
  raw(w, module, strlen(module));
  op(w, '\n');
  raw(w, name, strlen(name));
  op(w, '\n');
}

/* _reconstruct_persistent_obj({'type': 'class', 'class_name': cls,
 * 'module_src': src, 'state': <state written by fn>}) */
static void persistent(pw *w, const char *cls, const char *src,
                       void (*state)(pw *)) {
  global(w, "torch_utils.persistence", "_reconstruct_persistent_obj");
  op(w, '}');
  op(w, '(');
  str(w, "type");
  str(w, "class");
  str(w, "class_name");
  str(w, cls);
  str(w, "module_src");
  str(w, src);
  str(w, "state");
  state(w);
  op(w, 'u');
  op(w, 0x85); /* TUPLE1 */
  op(w, 'R');
}

static void begin(pw *w) {
  w->b = g_byte_array_new();
  op(w, 0x80);
  op(w, 4);
}

static void expect_error(pw *w, const char *needle, const char *what) {
  op(w, '.');
  char *msg = NULL;
  int rc = try_load(w->b->data, w->b->len, 0, &msg);
  check(rc == 0 && msg && strstr(msg, needle), "%s -> \"%s\"", what,
        msg ? msg : "(loaded)");
  free(msg);
  g_byte_array_free(w->b, TRUE);
}

static void state_sg2_block(pw *w) {
  op(w, '}');
}
static void state_sg2_synthesis(pw *w) {
  op(w, '}');
  str(w, "_modules");
  op(w, '}');
  str(w, "b4");
  persistent(w, "SynthesisBlock", "# placeholder", state_sg2_block);
  op(w, 's');
  op(w, 's');
}
static void state_sg2_generator(pw *w) {
  op(w, '}');
  str(w, "_modules");
  op(w, '}');
  str(w, "synthesis");
  persistent(w, "SynthesisNetwork", "# placeholder", state_sg2_synthesis);
  op(w, 's');
  op(w, 's');
}
/* _init_kwargs = {'a': L} with L = [L]: a cycle. */
static void state_cycle(pw *w) {
  op(w, '}');
  str(w, "_init_kwargs");
  op(w, '}');
  str(w, "a");
  op(w, ']');
  op(w, 0x94); /* MEMOIZE as 0 */
  op(w, 'h');
  op(w, 0);
  op(w, 'a');
  op(w, 's');
  op(w, 's');
}
/* A legacy torch.save stream of a FloatStorage of 2 elements. */
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

static void load_from_bytes(pw *w) {
  global(w, "torch.storage", "_load_from_bytes");
  op(w, 'B');
  uint32_t n = sizeof inner - 1;
  uint8_t le[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
                   (uint8_t)(n >> 24)};
  raw(w, le, 4);
  raw(w, inner, n);
  op(w, 0x85);
}

/* A buffer that is a float32 view reaching past its storage. */
static void tensor_past_storage(pw *w) {
  op(w, '}');
  op(w, '(');
  str(w, "_init_kwargs");
  op(w, '}');
  str(w, "_buffers");
  op(w, '}');
  str(w, "x");
  global(w, "torch._utils", "_rebuild_tensor_v2");
  op(w, '(');
  load_from_bytes(w);
  op(w, 'R');
  op(w, 'K');
  op(w, 1); /* offset 1 */
  op(w, 'K');
  op(w, 2);
  op(w, 0x85); /* size (2,) */
  op(w, 'K');
  op(w, 1);
  op(w, 0x85); /* stride (1,) */
  op(w, 0x89);
  op(w, 'N');
  op(w, 't');
  op(w, 'R');
  op(w, 's');
  op(w, 'u');
}

static void crafted(void) {
  pw w;
  begin(&w);
  op(&w, '}');
  str(&w, "G_ema");
  persistent(&w, "Generator", "# placeholder", state_sg2_generator);
  op(&w, 's');
  expect_error(&w, "G_ema has no _init_kwargs dict",
               "StyleGAN2 persistent Generator without its kwargs");

  begin(&w);
  op(&w, '}');
  str(&w, "G_ema");
  global(&w, "training.networks_stylegan2", "Generator");
  op(&w, ')');
  op(&w, 0x81); /* NEWOBJ */
  op(&w, '}');
  op(&w, 'b'); /* BUILD with an empty __dict__ */
  op(&w, 's');
  expect_error(&w, "G_ema has no _init_kwargs dict",
               "StyleGAN2 plain Generator without its kwargs");

  begin(&w);
  op(&w, '}');
  str(&w, "G_ema");
  global(&w, "training.networks_stylegan2", "Discriminator");
  op(&w, ')');
  op(&w, 0x81);
  op(&w, '}');
  op(&w, 'b');
  op(&w, 's');
  expect_error(&w, "training.networks_stylegan2.Discriminator; only",
               "a plain Discriminator as G_ema");

  begin(&w);
  op(&w, '}');
  str(&w, "G_ema");
  persistent(&w, "Discriminator", "# placeholder", state_sg2_block);
  op(&w, 's');
  expect_error(&w, "persistent 'Discriminator'", "a Discriminator as G_ema");

  begin(&w);
  op(&w, '}');
  str(&w, "G");
  op(&w, 'N');
  op(&w, 's');
  expect_error(&w, "no 'G_ema' (its keys: 'G')", "no G_ema");

  begin(&w);
  op(&w, ']');
  expect_error(&w, "holds a list", "a list");

  begin(&w);
  op(&w, '}');
  str(&w, "G_ema");
  persistent(&w, "Generator", "class SynthesisInput", state_cycle);
  op(&w, 's');
  expect_error(&w, "nested too deeply", "self-containing init_kwargs");

  begin(&w);
  op(&w, '}');
  str(&w, "G_ema");
  persistent(&w, "Generator", "class SynthesisInput", tensor_past_storage);
  op(&w, 's');
  expect_error(&w, "tensor view reaches element 2 of a storage of 2",
               "tensor past its storage");

  /* Work out of proportion to the size: one memoized list of 100000 items
   * copied by set(list) 1000 times; one storage stream run over and over. */
  begin(&w);
  global(&w, "builtins", "set");
  op(&w, 0x94); /* memo 0 */
  op(&w, ']');
  op(&w, '(');
  for (int i = 0; i < 100000; i++)
    op(&w, 'N');
  op(&w, 'e');
  op(&w, 0x85);
  op(&w, 0x94); /* memo 1: (list,) */
  op(&w, '0');
  for (int i = 0; i < 1000; i++) {
    static const uint8_t call[] = {'h', 0, 'h', 1, 'R', '0'};
    raw(&w, call, sizeof call);
  }
  op(&w, 'N');
  expect_error(&w, "more container slots", "a list copied 1000 times");

  begin(&w);
  load_from_bytes(&w); /* fn, (bytes,) */
  op(&w, 0x94);        /* memo 0: (bytes,) */
  op(&w, '0');
  op(&w, 0x94); /* memo 1: fn */
  op(&w, '0');
  for (int i = 0; i < 1000; i++) {
    static const uint8_t call[] = {'h', 1, 'h', 0, 'R', '0'};
    raw(&w, call, sizeof call);
  }
  op(&w, 'N');
  expect_error(&w, "more opcodes than it has bytes",
               "a storage stream run 1000 times");

  /* Deep nesting and huge counts. */
  begin(&w);
  for (int i = 0; i < 100000; i++)
    op(&w, '(');
  expect_error(&w, "nested MARKs", "100000 MARKs");

  begin(&w);
  for (int i = 0; i < 100000; i++)
    op(&w, ']');
  for (int i = 0; i < 99999; i++)
    op(&w, 'a');
  expect_error(&w, "holds a list", "100000 nested lists");

  begin(&w);
  for (int i = 0; i < 2000000; i++)
    op(&w, ']');
  expect_error(&w, "stack deeper", "2000000 lists on the stack");

  begin(&w);
  op(&w, 0x8d); /* BINUNICODE8 of 2^62 bytes */
  raw(&w, "\0\0\0\0\0\0\0\x40", 8);
  expect_error(&w, "truncated: BINUNICODE8", "huge BINUNICODE8");

  begin(&w);
  op(&w, 0x8b); /* LONG4 of 2^31 bytes */
  raw(&w, "\0\0\0\x80", 4);
  expect_error(&w, "truncated: LONG", "huge LONG4");

  begin(&w);
  op(&w, 'N');
  op(&w, 'r'); /* LONG_BINPUT 4e9 */
  raw(&w, "\0\x28\x6b\xee", 4);
  expect_error(&w, "memo index 4000000000 out of order", "huge memo index");

  begin(&w);
  op(&w, 'j');
  raw(&w, "\1\0\0\0", 4);
  expect_error(&w, "memo index 1 not defined", "undefined memo entry");

  begin(&w);
  op(&w, 'R');
  expect_error(&w, "stack underflow", "REDUCE on an empty stack");

  begin(&w);
  op(&w, 0xff);
  expect_error(&w, "unsupported pickle opcode 0xff", "unknown opcode");

  begin(&w);
  g_byte_array_set_size(w.b, 0);
  raw(&w, "{\"hello\": 1}", 12);
  g_byte_array_remove_index(w.b, w.b->len - 1); /* expect_error adds '.' */
  expect_error(&w, "not a network pickle", "a JSON file");

  begin(&w);
  g_byte_array_set_size(w.b, 0);
  raw(&w, "PK\3\4zipzip", 10);
  expect_error(&w, "zip archive", "a zip file");
}

static void bad_file(const char *path) {
  uint8_t *data;
  size_t size;
  if (read_file(path, &data, &size)) {
    check(0, "read %s", path);
    return;
  }
  char *msg = NULL;
  int rc = try_load(data, size, 1, &msg);
  check(rc == 0, "%s: %s", path, msg ? msg : "loads");
  free(msg);
  g_free(data);
}

/* A file that must be refused with a message containing `needle`. */
static void refused(const char *path, const char *needle) {
  uint8_t *data;
  size_t size;
  if (read_file(path, &data, &size)) {
    check(0, "read %s", path);
    return;
  }
  char *msg = NULL;
  int rc = try_load(data, size, 0, &msg);
  check(rc == 0 && msg && strstr(msg, needle), "%s refused: %s", path,
        msg ? msg : "(loaded)");
  free(msg);
  g_free(data);
}

static void loads(const char *path) {
  uint8_t *data;
  size_t size;
  if (read_file(path, &data, &size)) {
    check(0, "read %s", path);
    return;
  }
  sg3_tensor_set s;
  sg3_tensor_set_init(&s);
  char *err = NULL;
  int rc = sg3_pickle_read(data, size, path, &s, &err);
  check(rc == 0 && s.n > 0, "%s loads (%zu tensors)%s%s", path, s.n,
        err ? ": " : "", err ? err : "");
  free(err);
  sg3_tensor_set_clear(&s);
  g_free(data);
}

static gint by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every file in `dir`, in name order so that the output is stable. */
static void bad_dir(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  if (!d) {
    check(0, "open %s", dir);
    return;
  }
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    if (name[0] != '.' && strcmp(name, "README.md") != 0)
      g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
  g_dir_close(d);
  g_ptr_array_sort(paths, by_name);
  for (guint i = 0; i < paths->len; i++)
    bad_file(g_ptr_array_index(paths, i));
  g_ptr_array_free(paths, TRUE);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--bad") == 0 && i + 1 < argc) {
      bad_file(argv[++i]);
    } else if (strcmp(argv[i], "--bad-dir") == 0 && i + 1 < argc) {
      bad_dir(argv[++i]);
    } else if (strcmp(argv[i], "--refuse") == 0 && i + 2 < argc) {
      refused(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (strcmp(argv[i], "--loads") == 0 && i + 1 < argc) {
      loads(argv[++i]);
    } else if (strcmp(argv[i], "--damage") == 0 && i + 1 < argc) {
      damage(argv[++i]);
    } else if (i + 1 < argc && argv[i][0] != '-') {
      compare_pair(argv[i], argv[i + 1]);
      i++;
    } else {
      fprintf(stderr,
              "usage: %s [A.pkl A.safetensors]... [--damage A.pkl]... "
              "[--bad FILE]... [--bad-dir DIR]... [--refuse FILE MESSAGE]... "
              "[--loads FILE]...\n",
              argv[0]);
      return 2;
    }
  }
  crafted();
  return check_summary();
}
