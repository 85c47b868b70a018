/* safetensors: u64 little-endian header length, a JSON header mapping each
 * tensor name to {dtype, shape, data_offsets}, then the raw data. Our files
 * keep the Generator's init_kwargs in __metadata__. */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/tensors.h"

#define MAX_HEADER (64u << 20)

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
    JsonParser *p = json_parser_new();
    GError *gerr = NULL;
    if (json_parser_load_from_data(p, json_node_get_string(v), -1, &gerr) &&
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

/* Converts `numel` little-endian elements of `dtype` to float32. */
static int convert(const char *dtype, const uint8_t *src, size_t numel,
                   float *dst) {
  if (strcmp(dtype, "F32") == 0) {
    memcpy(dst, src, numel * 4);
  } else if (strcmp(dtype, "F16") == 0) {
    for (size_t i = 0; i < numel; i++)
      dst[i] = sg3_half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
  } else if (strcmp(dtype, "BF16") == 0) {
    for (size_t i = 0; i < numel; i++) {
      uint32_t bits = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16;
      memcpy(&dst[i], &bits, 4);
    }
  } else if (strcmp(dtype, "F64") == 0) {
    for (size_t i = 0; i < numel; i++) {
      double d;
      memcpy(&d, src + 8 * i, 8);
      dst[i] = (float)d;
    }
  } else {
    return -1;
  }
  return 0;
}

static size_t dtype_size(const char *dtype) {
  if (!strcmp(dtype, "F32"))
    return 4;
  if (!strcmp(dtype, "F16") || !strcmp(dtype, "BF16"))
    return 2;
  if (!strcmp(dtype, "F64"))
    return 8;
  return 0;
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

static int read_tensor(const char *tname, JsonNode *node, const uint8_t *body,
                       uint64_t body_size, sg3_tensor_set *out, char **error) {
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
  size_t esize = dtype_size(dtype);
  if (!esize)
    return sg3_set_error(error,
                         "tensor '%s' has dtype %s; only F32, F16, BF16 and "
                         "F64 are supported",
                         tname, dtype);
  JsonArray *sa = json_node_get_array(sh), *oa = json_node_get_array(off);
  guint ndim = json_array_get_length(sa);
  if (ndim > SG3_MAX_DIMS)
    return sg3_set_error(error, "tensor '%s' has %u dimensions", tname, ndim);
  int64_t shape[SG3_MAX_DIMS];
  for (guint i = 0; i < ndim; i++) {
    uint64_t d;
    if (json_uint(json_array_get_element(sa, i), &d) || d > INT64_MAX)
      return sg3_set_error(error, "tensor '%s' has an invalid shape", tname);
    shape[i] = (int64_t)d;
  }
  uint64_t begin, end;
  if (json_array_get_length(oa) != 2 ||
      json_uint(json_array_get_element(oa, 0), &begin) ||
      json_uint(json_array_get_element(oa, 1), &end))
    return sg3_set_error(error, "tensor '%s' has invalid data_offsets", tname);
  int ok;
  size_t numel = sg3_shape_numel((int)ndim, shape, &ok);
  if (!ok || numel > SIZE_MAX / esize)
    return sg3_set_error(error, "tensor '%s' has an invalid shape", tname);
  if (end < begin || end > body_size)
    return sg3_set_error(error,
                         "tensor '%s': data_offsets [%llu, %llu] lie outside "
                         "the %llu bytes of data",
                         tname, (unsigned long long)begin,
                         (unsigned long long)end,
                         (unsigned long long)body_size);
  if (end - begin != (uint64_t)numel * esize)
    return sg3_set_error(error,
                         "tensor '%s': shape needs %zu bytes but "
                         "data_offsets give %llu",
                         tname, numel * esize,
                         (unsigned long long)(end - begin));
  float *data = malloc(numel ? numel * sizeof(float) : 1);
  if (!data)
    return sg3_set_error(error, "out of memory for tensor '%s'", tname);
  convert(dtype, body + begin, numel, data);
  return sg3_tensor_set_add(out, tname, (int)ndim, shape, data, error);
}

int sg3_safetensors_read(const uint8_t *data, size_t size, const char *name,
                         sg3_tensor_set *out, char **error) {
  if (size < 8)
    return sg3_set_error(
        error, "%s: file too short for safetensors (%zu bytes)", name, size);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = hlen << 8 | data[i];
  if (hlen < 2 || hlen > MAX_HEADER || hlen > size - 8)
    return sg3_set_error(error,
                         "%s: safetensors header length %llu does not fit "
                         "the file (%zu bytes)",
                         name, (unsigned long long)hlen, size);
  const uint8_t *body = data + 8 + hlen;
  uint64_t body_size = size - 8 - hlen;

  JsonParser *parser = json_parser_new();
  GError *gerr = NULL;
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
  GList *members = json_object_get_members(obj);
  for (GList *l = members; l; l = l->next) {
    const char *tname = l->data;
    JsonNode *node = json_object_get_member(obj, tname);
    if (strcmp(tname, "__metadata__") == 0) {
      JsonNode *ik = NULL, *fmt = NULL;
      if (JSON_NODE_HOLDS_OBJECT(node)) {
        JsonObject *meta = json_node_get_object(node);
        ik = json_object_get_member(meta, "init_kwargs");
        fmt = json_object_get_member(meta, "format");
      }
      if (ik && json_node_get_value_type(ik) == G_TYPE_STRING) {
        free(out->init_kwargs);
        out->init_kwargs = strdup(json_node_get_string(ik));
      }
      if (fmt && json_node_get_value_type(fmt) == G_TYPE_STRING &&
          set_family(out, json_node_get_string(fmt), name, error))
        goto fail;
      if (JSON_NODE_HOLDS_OBJECT(node) &&
          read_schedule(json_node_get_object(node), name, out, error))
        goto fail;
      continue;
    }
    if (read_tensor(tname, node, body, body_size, out, error)) {
      sg3_prefix_error(error, "%s", name);
      goto fail;
    }
  }
  g_list_free(members);
  members = NULL;
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
  goto out;
fail:
  g_list_free(members);
out:
  g_object_unref(parser);
  return rc;
}

int sg3_safetensors_write(const sg3_tensor_set *set, const char *path,
                          char **error) {
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
    return -1;
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

  /* Pad the header with spaces so that the data is 8-byte aligned. */
  size_t padded = (hlen + 7) & ~(size_t)7;
  int rc = -1;
  FILE *f = fopen(path, "wb");
  if (!f) {
    sg3_set_error(error, "%s: %s", path, strerror(errno));
    g_free(header);
    return -1;
  }
  uint8_t len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (uint8_t)((uint64_t)padded >> (8 * i));
  int bad = fwrite(len, 1, 8, f) != 8 || fwrite(header, 1, hlen, f) != hlen;
  for (size_t i = hlen; i < padded && !bad; i++)
    bad = fputc(' ', f) == EOF;
  for (size_t i = 0; i < set->n && !bad; i++)
    bad = fwrite(set->items[i].data, 4, set->items[i].numel, f) !=
          set->items[i].numel;
  if (fclose(f) != 0)
    bad = 1;
  if (bad)
    sg3_set_error(error, "%s: write failed: %s", path, strerror(errno));
  else
    rc = 0;
  g_free(header);
  return rc;
}
