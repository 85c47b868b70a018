/* safetensors: u64 little-endian header length, a JSON header mapping each
 * tensor name to {dtype, shape, data_offsets}, then the raw data. Our files
 * keep the Generator's init_kwargs in __metadata__.
 *
 * As the format requires (and its reference reader checks), the tensors'
 * data_offsets tile the data exactly: no overlap (a 4 MB file cannot load
 * as gigabytes of tensors sharing the same bytes), no hole, nothing after
 * the last tensor. The header is looked at without recursion before
 * json-glib parses it (io/json_check.h). */
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "io/dtype.h"
#include "io/file.h"
#include "io/json_check.h"
#include "io/tensors.h"

/* A header for SG3_MAX_TENSORS tensors takes well under 1 MB. */
#define MAX_HEADER (16u << 20)
/* A tensor's header entry has about 10 values. */
#define MAX_HEADER_VALUES (64u * (SG3_MAX_TENSORS + 1))

/* The official class of a family's generator, for __metadata__.module. A
 * StyleGAN-XL SuperresGenerator is the one whose constructor takes
 * path_stem. */
static const char *sg3_family_module(const sg3_tensor_set *set,
                                     const char *family) {
  if (!strcmp(family, "stylegan2"))
    return "training.networks_stylegan2.Generator";
  if (!strcmp(family, "stylegan-xl"))
    return set->init_kwargs && strstr(set->init_kwargs, "\"path_stem\"")
               ? "training.networks_stylegan3_resetting.SuperresGenerator"
               : "training.networks_stylegan3_resetting.Generator";
  return "training.networks_stylegan3.Generator";
}

/* The schedule's parts, each a JSON string in __metadata__. */
static const char *const schedule_keys[] = {"generator", "input", "layers"};
#define N_SCHEDULE_KEYS (sizeof schedule_keys / sizeof *schedule_keys)

/* __metadata__.generator/input/layers (JSON strings) as one schedule
 * object; nothing when none is there. */
static int read_schedule(JsonObject *meta, const char *name,
                         sg3_tensor_set *out, char **error) {
  JsonBuilder *b = NULL;
  int rc = 0;
  for (size_t i = 0; i < N_SCHEDULE_KEYS && !rc; i++) {
    JsonNode *v = json_object_get_member(meta, schedule_keys[i]);
    if (!v)
      continue;
    if (json_node_get_value_type(v) != G_TYPE_STRING) {
      rc = sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: __metadata__.%s is not a string", name,
                    schedule_keys[i]);
      break;
    }
    /* Parsed by a recursive parser: checked first, as init_kwargs is. */
    const char *text = json_node_get_string(v);
    if (sg3_json_check(text, strlen(text), NULL, error)) {
      sg3_prefix_error(error, "%s: __metadata__.%s", name, schedule_keys[i]);
      rc = -1;
      break;
    }
    JsonParser *p = json_parser_new();
    GError *gerr = NULL;
    if (json_parser_load_from_data(p, text, -1, &gerr) &&
        json_parser_get_root(p)) {
      if (!b) {
        b = json_builder_new();
        json_builder_begin_object(b);
      }
      json_builder_set_member_name(b, schedule_keys[i]);
      json_builder_add_value(b, json_node_copy(json_parser_get_root(p)));
    } else {
      rc = sg3_fail(
          error, SG3_ERR_CORRUPT, "%s: __metadata__.%s is not valid JSON%s%s",
          name, schedule_keys[i], gerr ? ": " : "", gerr ? gerr->message : "");
    }
    if (gerr)
      g_error_free(gerr);
    g_object_unref(p);
  }
  if (b && !rc) {
    json_builder_end_object(b);
    JsonNode *root = json_builder_get_root(b);
    char *text = json_to_string(root, FALSE);
    json_node_unref(root);
    free(out->schedule);
    out->schedule = text ? strdup(text) : NULL;
    g_free(text);
    if (!out->schedule)
      rc = sg3_oom(error, NULL);
  }
  if (b)
    g_object_unref(b);
  return rc;
}

/* The schedule's parts as __metadata__ strings. */
static int write_schedule(JsonBuilder *b, const char *schedule, char **error) {
  JsonParser *p = json_parser_new();
  int rc = 0;
  JsonNode *root = NULL;
  if (!json_parser_load_from_data(p, schedule, -1, NULL) ||
      !(root = json_parser_get_root(p)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_object_unref(p);
    return sg3_set_error(error, "the model's layer schedule is not a JSON "
                                "object");
  }
  JsonObject *o = json_node_get_object(root);
  for (size_t i = 0; i < N_SCHEDULE_KEYS; i++) {
    JsonNode *v = json_object_get_member(o, schedule_keys[i]);
    if (!v)
      continue;
    char *text = json_to_string(v, FALSE);
    json_builder_set_member_name(b, schedule_keys[i]);
    json_builder_add_string_value(b, text);
    g_free(text);
  }
  g_object_unref(p);
  return rc;
}

/* __metadata__.format names the network family: "<family>-generator". */
static int set_family(sg3_tensor_set *out, const char *format, const char *name,
                      char **error) {
  size_t n = strlen(format);
  const char *suffix = "-generator";
  size_t sn = strlen(suffix);
  if (n <= sn || strcmp(format + n - sn, suffix) != 0 || n - sn > 64)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: safetensors format '%.80s' is not a generator "
                    "this project wrote",
                    name, format);
  free(out->family);
  out->family = strndup(format, n - sn);
  return out->family ? 0 : sg3_oom(error, NULL);
}

static int json_uint(JsonNode *node, uint64_t *out) {
  if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_INT64)
    return -1;
  gint64 v = json_node_get_int(node);
  if (v < 0)
    return -1;
  *out = (uint64_t)v;
  return 0;
}

/* A tensor's header entry, checked, before any of its data is read. */
typedef struct {
  const char *name; /* owned by the parser */
  sg3_dtype dtype;
  int ndim;
  int64_t shape[SG3_MAX_DIMS];
  size_t numel;
  uint64_t begin, end;
} entry;

static int parse_entry(const char *tname, JsonNode *node, uint64_t body_size,
                       entry *e, char **error) {
  memset(e, 0, sizeof *e);
  e->name = tname;
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return sg3_set_error(error, "tensor '%s': header entry is not an object",
                         tname);
  JsonObject *o = json_node_get_object(node);
  JsonNode *dt = json_object_get_member(o, "dtype");
  JsonNode *sh = json_object_get_member(o, "shape");
  JsonNode *off = json_object_get_member(o, "data_offsets");
  if (!dt || json_node_get_value_type(dt) != G_TYPE_STRING || !sh ||
      !JSON_NODE_HOLDS_ARRAY(sh) || !off || !JSON_NODE_HOLDS_ARRAY(off))
    return sg3_set_error(
        error, "tensor '%s': header entry lacks dtype, shape or data_offsets",
        tname);
  const char *dtype = json_node_get_string(dt);
  e->dtype = sg3_dtype_from_safetensors(dtype);
  size_t esize = sg3_dtype_get(e->dtype)->size;
  if (!sg3_dtype_is_float(e->dtype))
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "tensor '%s' has dtype %.40s; only F32, F16, BF16 and "
                    "F64 are supported",
                    tname, dtype);
  JsonArray *sa = json_node_get_array(sh), *oa = json_node_get_array(off);
  guint ndim = json_array_get_length(sa);
  if (ndim > SG3_MAX_DIMS)
    return sg3_set_error(error, "tensor '%s' has %u dimensions", tname, ndim);
  e->ndim = (int)ndim;
  for (guint i = 0; i < ndim; i++) {
    uint64_t d;
    if (json_uint(json_array_get_element(sa, i), &d) || d > INT64_MAX)
      return sg3_set_error(error, "tensor '%s' has an invalid shape", tname);
    e->shape[i] = (int64_t)d;
  }
  if (json_array_get_length(oa) != 2 ||
      json_uint(json_array_get_element(oa, 0), &e->begin) ||
      json_uint(json_array_get_element(oa, 1), &e->end))
    return sg3_set_error(error, "tensor '%s' has invalid data_offsets", tname);
  int ok;
  e->numel = sg3_shape_numel(e->ndim, e->shape, &ok);
  if (!ok || e->numel > SIZE_MAX / esize)
    return sg3_set_error(error, "tensor '%s' has an invalid shape", tname);
  if (e->end < e->begin || e->end > body_size)
    return sg3_set_error(error,
                         "tensor '%s': data_offsets [%llu, %llu] lie outside "
                         "the %llu bytes of data",
                         tname, (unsigned long long)e->begin,
                         (unsigned long long)e->end,
                         (unsigned long long)body_size);
  if (e->end - e->begin != (uint64_t)e->numel * esize)
    return sg3_set_error(error,
                         "tensor '%s': shape needs %zu bytes but "
                         "data_offsets give %llu",
                         tname, e->numel * esize,
                         (unsigned long long)(e->end - e->begin));
  return 0;
}

static int by_offset(const void *a, const void *b) {
  const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

/* The data_offsets tile [0, body_size): sorted by offset, each tensor starts
 * where the one before ends, and the last ends at the end of the file. */
static int check_tiling(entry *entries, size_t n, uint64_t body_size,
                        char **error) {
  entry **order = malloc((n ? n : 1) * sizeof *order);
  if (!order)
    return sg3_oom(error, NULL);
  for (size_t i = 0; i < n; i++)
    order[i] = &entries[i];
  qsort(order, n, sizeof *order, by_offset);
  uint64_t at = 0;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const entry *e = order[i];
    if (e->begin < at)
      rc = sg3_set_error(
          error,
          "tensors '%s' and '%s' overlap in the data "
          "(data_offsets [%llu, %llu] and [%llu, %llu])",
          order[i - 1]->name, e->name, (unsigned long long)order[i - 1]->begin,
          (unsigned long long)order[i - 1]->end, (unsigned long long)e->begin,
          (unsigned long long)e->end);
    else if (e->begin > at)
      rc = sg3_set_error(error,
                         "bytes %llu to %llu of the data belong to no tensor",
                         (unsigned long long)at, (unsigned long long)e->begin);
    at = e->end;
  }
  if (!rc && at != body_size)
    rc = sg3_set_error(error,
                       "the data has %llu bytes after the last tensor; "
                       "data_offsets must cover it all",
                       (unsigned long long)(body_size - at));
  free(order);
  return rc;
}

static int read_tensor(const sg3_source *src, const entry *e,
                       const uint8_t *body, sg3_tensor_set *out, char **error) {
  float *data = malloc(e->numel ? e->numel * sizeof(float) : 1);
  if (!data) {
    char what[300];
    snprintf(what, sizeof what, "tensor '%.256s'", e->name);
    return sg3_oom(error, what);
  }
  size_t bytes = (size_t)(e->end - e->begin);
  if (sg3_need(src, body + e->begin, bytes, error)) {
    free(data);
    return -1;
  }
  sg3_dtype_to_f32(e->dtype, body + e->begin, e->numel, data);
  sg3_release(src, body + e->begin, bytes);
  return sg3_tensor_set_add(out, e->name, e->ndim, e->shape, data, error);
}

static int read_metadata(JsonNode *node, sg3_tensor_set *out, const char *name,
                         char **error) {
  JsonNode *ik = NULL, *fmt = NULL;
  if (JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObject *meta = json_node_get_object(node);
    ik = json_object_get_member(meta, "init_kwargs");
    fmt = json_object_get_member(meta, "format");
  }
  if (ik && json_node_get_value_type(ik) == G_TYPE_STRING) {
    /* Parsed later by a recursive parser: checked here, where the file is
     * known. */
    const char *text = json_node_get_string(ik);
    if (sg3_json_check(text, strlen(text), NULL, error)) {
      sg3_prefix_error(error, "%s: __metadata__.init_kwargs", name);
      return -1;
    }
    free(out->init_kwargs);
    if (!(out->init_kwargs = strdup(text)))
      return sg3_oom(error, NULL);
  }
  if (fmt && json_node_get_value_type(fmt) == G_TYPE_STRING &&
      set_family(out, json_node_get_string(fmt), name, error))
    return -1;
  return 0;
}

int sg3_safetensors_read_source(const sg3_source *src, const char *name,
                                sg3_tensor_set *out, char **error) {
  const uint8_t *data = src->data;
  size_t size = src->size;
  if (!name)
    name = "safetensors";
  if (size < 8)
    return sg3_set_error(
        error, "%s: file too short for safetensors (%zu bytes)", name, size);
  if (sg3_need(src, data, 8, error)) {
    sg3_prefix_error(error, "%s", name);
    return -1;
  }
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = hlen << 8 | data[i];
  if (hlen < 2 || hlen > size - 8)
    return sg3_set_error(error,
                         "%s: safetensors header length %llu does not fit "
                         "the file (%zu bytes)",
                         name, (unsigned long long)hlen, size);
  if (hlen > MAX_HEADER)
    return sg3_fail(error, SG3_ERR_TOO_LARGE,
                    "%s: safetensors header of %llu bytes (at most %u)", name,
                    (unsigned long long)hlen, MAX_HEADER);
  if (sg3_need(src, data + 8, (size_t)hlen, error)) {
    sg3_prefix_error(error, "%s", name);
    return -1;
  }
  const uint8_t *body = data + 8 + hlen;
  uint64_t body_size = size - 8 - hlen;

  /* Depth (json-glib recurses), size (it keeps a node per value), the
   * tensor count, and keys that other readers would read differently. */
  sg3_json_limits limits = {.max_values = MAX_HEADER_VALUES,
                            .max_root_members = SG3_MAX_TENSORS + 1};
  if (sg3_json_check((const char *)data + 8, (size_t)hlen, &limits, error)) {
    sg3_prefix_error(error, "%s: safetensors header", name);
    return -1;
  }
  JsonParser *parser = json_parser_new();
  GError *gerr = NULL;
  GList *members = NULL;
  entry *entries = NULL;
  size_t n = 0;
  int rc = -1;
  if (!json_parser_load_from_data(parser, (const char *)data + 8, (gssize)hlen,
                                  &gerr)) {
    sg3_set_error(error, "%s: safetensors header is not valid JSON: %s", name,
                  gerr->message);
    g_error_free(gerr);
    goto out;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    sg3_set_error(error, "%s: safetensors header is not a JSON object", name);
    goto out;
  }
  JsonObject *obj = json_node_get_object(root);
  members = json_object_get_members(obj);
  entries = malloc((g_list_length(members) + 1) * sizeof *entries);
  if (!entries) {
    sg3_oom(error, NULL);
    goto out;
  }
  uint64_t out_bytes = 0, out_limit = sg3_tensor_output_limit(size);
  for (GList *l = members; l; l = l->next) {
    const char *tname = l->data;
    JsonNode *node = json_object_get_member(obj, tname);
    if (strcmp(tname, "__metadata__") == 0) {
      if (read_metadata(node, out, name, error))
        goto out;
      if (JSON_NODE_HOLDS_OBJECT(node) &&
          read_schedule(json_node_get_object(node), name, out, error))
        goto out;
      continue;
    }
    if (parse_entry(tname, node, body_size, &entries[n], error)) {
      sg3_prefix_error(error, "%s", name);
      goto out;
    }
    n++;
  }
  if (check_tiling(entries, n, body_size, error)) {
    sg3_prefix_error(error, "%s", name);
    goto out;
  }
  /* Tiled, the data cannot give more than twice its size (float16); the
   * bound both readers share holds all the same. */
  for (size_t i = 0; i < n; i++) {
    out_bytes += (uint64_t)entries[i].numel * sizeof(float);
    if (out_bytes > out_limit) {
      sg3_fail(error, SG3_ERR_TOO_LARGE,
               "%s: tensor '%s' is too large for the size of the file", name,
               entries[i].name);
      goto out;
    }
  }
  /* Only now, with the whole header known to be sound, is memory spent on
   * the tensors. */
  for (size_t i = 0; i < n; i++)
    if (read_tensor(src, &entries[i], body, out, error)) {
      sg3_prefix_error(error, "%s", name);
      goto out;
    }
  if (!out->family && !(out->family = strdup("stylegan3"))) {
    sg3_oom(error, NULL);
    goto out;
  }
  if (!out->init_kwargs) {
    sg3_set_error(error,
                  "%s: safetensors file has no __metadata__.init_kwargs; "
                  "it is not a gst-sg3 StyleGAN3 model",
                  name);
    goto out;
  }
  rc = 0;
out:
  free(entries);
  g_list_free(members);
  g_object_unref(parser);
  return rc;
}

int sg3_safetensors_read(const uint8_t *data, size_t size, const char *name,
                         sg3_tensor_set *out, char **error) {
  sg3_source src;
  sg3_source_memory(&src, data, size, name);
  return sg3_safetensors_read_source(&src, name, out, error);
}

/* ---- writing ---- */

static int write_all(int fd, const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n) {
    ssize_t k = write(fd, p, n > ((size_t)1 << 30) ? (size_t)1 << 30 : n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      if (k == 0)
        errno = EIO;
      return -1;
    }
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* The header text, padded with spaces to a multiple of 8 (the data stays
 * aligned) and never to a length whose low byte is 0x80: that would make
 * the file start like a pickle (PROTO). */
static char *header_text(const sg3_tensor_set *set, size_t *len, char **error) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "__metadata__");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "format");
  const char *family = set->family ? set->family : "stylegan3";
  char *format = g_strdup_printf("%s-generator", family);
  json_builder_add_string_value(b, format);
  g_free(format);
  json_builder_set_member_name(b, "module");
  json_builder_add_string_value(b, sg3_family_module(set, family));
  json_builder_set_member_name(b, "init_kwargs");
  json_builder_add_string_value(b, set->init_kwargs ? set->init_kwargs : "{}");
  if (set->schedule && write_schedule(b, set->schedule, error)) {
    g_object_unref(b);
    return NULL;
  }
  json_builder_end_object(b);
  uint64_t offset = 0;
  for (size_t i = 0; i < set->n; i++) {
    const sg3_tensor *t = &set->items[i];
    json_builder_set_member_name(b, t->name);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "dtype");
    json_builder_add_string_value(b, "F32");
    json_builder_set_member_name(b, "shape");
    json_builder_begin_array(b);
    for (int d = 0; d < t->ndim; d++)
      json_builder_add_int_value(b, t->shape[d]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "data_offsets");
    json_builder_begin_array(b);
    json_builder_add_int_value(b, (gint64)offset);
    offset += t->numel * 4;
    json_builder_add_int_value(b, (gint64)offset);
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
  JsonGenerator *gen = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  gsize hlen;
  gchar *header = json_generator_to_data(gen, &hlen);
  json_node_unref(root);
  g_object_unref(gen);
  g_object_unref(b);

  size_t padded = (hlen + 7) & ~(size_t)7;
  if ((padded & 0xff) == 0x80)
    padded += 8;
  char *text = g_malloc(8 + padded);
  for (int i = 0; i < 8; i++)
    text[i] = (char)(uint8_t)((uint64_t)padded >> (8 * i));
  memcpy(text + 8, header, hlen);
  memset(text + 8 + hlen, ' ', padded - hlen);
  g_free(header);
  *len = 8 + padded;
  return text;
}

static void sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd); /* best effort: the rename is what matters */
    close(fd);
  }
}

int sg3_safetensors_write(const sg3_tensor_set *set, const char *path,
                          char **error) {
  if (!path || !*path)
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT, "no output file given");
  /* A temporary file next to the target, renamed over it when complete: a
   * failed write (disk full, file size limit) never leaves a truncated file,
   * nor destroys the one that was there. */
  size_t hlen = 0;
  char *header = header_text(set, &hlen, error);
  if (!header)
    return -1;
  char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
  char *tmp = g_strdup_printf("%s%s.%s.XXXXXX", dir, G_DIR_SEPARATOR_S, base);
  int rc = -1, fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) {
    g_free(header);
    int err = errno;
    sg3_fail(error,
             err == ENOENT                   ? SG3_ERR_NOT_FOUND
             : err == EACCES || err == EPERM ? SG3_ERR_PERMISSION
                                             : SG3_ERR_IO,
             "%s: cannot create a file in %s: %s", path, dir, strerror(err));
    goto out;
  }
  int err = 0, bad = write_all(fd, header, hlen);
  for (size_t i = 0; i < set->n && !bad; i++)
    bad = write_all(fd, set->items[i].data, set->items[i].numel * 4);
  if (!bad)
    bad = fsync(fd);
  if (bad)
    err = errno;
  g_free(header);
  if (close(fd) != 0 && !bad) {
    bad = -1;
    err = errno;
  }
  if (!bad && rename(tmp, path) != 0) {
    bad = -1;
    err = errno;
  }
  if (bad) {
    unlink(tmp);
    sg3_fail(error, SG3_ERR_IO, "%s: write failed: %s", path, strerror(err));
    goto out;
  }
  sync_dir(dir);
  rc = 0;
out:
  g_free(tmp);
  g_free(dir);
  g_free(base);
  return rc;
}
