/* Bad model files give a clear error and never crash: each case damages a
 * valid safetensors model in one way and checks the message.
 *
 * usage: test_loader MODEL.safetensors */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sg3.h"

static void report(int ok, const char *what, const char *detail) {
  check(ok, "%s%s%s", what, detail ? " -> " : "", detail ? detail : "");
}

/* Loads from memory and expects failure with `expect` in the message. */
static void expect_error(const char *what, const void *data, size_t size,
                         const char *expect) {
  char *error = NULL;
  sg3_model *m =
      sg3_model_load_from_memory(data, size, "bad.safetensors", &error);
  int ok = !m && error && (!expect || strstr(error, expect));
  report(ok, what, error ? error : "(no error)");
  sg3_model_unref(m);
  free(error);
}

/* A copy of the model whose header has `from` replaced by `to` (same
 * length so that offsets stay valid, or adjusted header length). */
static uint8_t *patch_header(const uint8_t *data, size_t size, const char *from,
                             const char *to, size_t *out_size) {
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = hlen << 8 | data[i];
  GString *h = g_string_new_len((const char *)data + 8, (gssize)hlen);
  char *at = strstr(h->str, from);
  if (!at) {
    g_string_free(h, TRUE);
    return NULL;
  }
  g_string_erase(h, at - h->str, (gssize)strlen(from));
  g_string_insert(h, at - h->str, to);
  size_t body = size - 8 - hlen;
  *out_size = 8 + h->len + body;
  uint8_t *out = malloc(*out_size);
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)((uint64_t)h->len >> (8 * i));
  memcpy(out + 8, h->str, h->len);
  memcpy(out + 8 + h->len, data + 8 + hlen, body);
  g_string_free(h, TRUE);
  return out;
}

static void expect_patch_error(const char *what, const uint8_t *data,
                               size_t size, const char *from, const char *to,
                               const char *expect) {
  size_t n;
  uint8_t *p = patch_header(data, size, from, to, &n);
  if (!p) {
    report(0, what, "pattern not found in header");
    return;
  }
  expect_error(what, p, n, expect);
  free(p);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.safetensors\n", argv[0]);
    return 2;
  }
  gchar *data;
  gsize size;
  if (!g_file_get_contents(argv[1], &data, &size, NULL)) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  const uint8_t *d = (const uint8_t *)data;

  char *error = NULL;
  sg3_model *m = sg3_model_load("/nonexistent/model.safetensors", &error);
  report(!m && error && strstr(error, "/nonexistent/model.safetensors") &&
             strstr(error, "No such file"),
         "missing file", error);
  free(error);
  error = NULL;
  m = sg3_model_load("", &error);
  report(!m && error, "empty path", error);
  free(error);
  error = NULL;
  m = sg3_model_load("/", &error);
  report(!m && error && strstr(error, "directory"), "a directory", error);
  free(error);

  expect_error("empty file", d, 0, "empty");
  expect_error("text file", "hello world, not a model", 24,
               "not a StyleGAN model");
  /* Truncation anywhere: in the length, in the header, in the data. */
  int trunc_ok = 1;
  size_t offsets = 0;
  for (size_t cut = 1; cut < size; cut += cut < 12000 ? 7 : 9973) {
    error = NULL;
    m = sg3_model_load_from_memory(d, cut, "cut", &error);
    trunc_ok &= !m && error != NULL;
    sg3_model_unref(m);
    free(error);
    offsets++;
  }
  char msg[64];
  snprintf(msg, sizeof msg, "%zu offsets", offsets);
  report(trunc_ok, "truncated at many offsets", msg);
  expect_error("truncated data", d, size - 4, "outside");

  /* A header length beyond the file. */
  uint8_t *big = g_memdup2(d, size);
  big[5] = 0x7f;
  expect_error("huge header length", big, size, "header length");
  g_free(big);

  expect_patch_error("lying offsets", d, size, "\"data_offsets\":[0,",
                     "\"data_offsets\":[4,", "data_offsets");
  expect_patch_error("offsets beyond the data", d, size,
                     "\"data_offsets\":[0,2048]",
                     "\"data_offsets\":[0,99999999999]", "outside");
  expect_patch_error("shape that lies about the size", d, size,
                     "\"shape\":[512]", "\"shape\":[513]", "needs");
  expect_patch_error("wrong dtype", d, size, "\"dtype\":\"F32\"",
                     "\"dtype\":\"I64\"", "dtype I64");
  expect_patch_error("negative dimension", d, size, "\"shape\":[512]",
                     "\"shape\":[-512]", "invalid shape");
  expect_patch_error("missing tensor", d, size, "mapping.w_avg",
                     "mapping.w_xxx", "missing tensor 'mapping.w_avg'");
  expect_patch_error("init_kwargs that do not match the tensors", d, size,
                     "\\\"channel_max\\\": 64", "\\\"channel_max\\\": 32",
                     "configuration implies");
  expect_patch_error("unknown init_kwargs key", d, size, "\\\"z_dim\\\"",
                     "\\\"q_dim\\\"", "unknown init_kwargs key 'q_dim'");
  expect_patch_error("absurd resolution", d, size, "\\\"img_resolution\\\": 32",
                     "\\\"img_resolution\\\": 1000000", "out of range");
  expect_patch_error("no init_kwargs", d, size, "\"init_kwargs\"",
                     "\"init_kwarfs\"", "init_kwargs");
  expect_patch_error("header not JSON", d, size, "{", "[", NULL);

  /* The intact model still loads, and a random model builds. */
  error = NULL;
  m = sg3_model_load_from_memory(d, size, "ok", &error);
  report(m != NULL, "intact model loads", error);
  sg3_model_unref(m);
  free(error);
  error = NULL;
  m = sg3_model_new_random("{\"z_dim\": 8, \"c_dim\": 0, \"w_dim\": 8, "
                           "\"img_resolution\": 16, \"img_channels\": 3, "
                           "\"channel_base\": 256, \"channel_max\": 8, "
                           "\"conv_kernel\": 1, \"use_radial_filters\": true}",
                           1, &error);
  report(m != NULL, "random R model builds from init_kwargs", error);
  sg3_model_unref(m);
  free(error);
  /* A random model (designed filters) survives a safetensors round trip:
   * the reloaded file renders the same image bit for bit. */
  error = NULL;
  m = sg3_model_new_random("{\"z_dim\": 8, \"c_dim\": 0, \"w_dim\": 8, "
                           "\"img_resolution\": 16, \"img_channels\": 3, "
                           "\"channel_base\": 256, \"channel_max\": 8}",
                           7, &error);
  gchar *tmp = g_build_filename(g_get_tmp_dir(), "sg3-roundtrip-XXXXXX", NULL);
  int fd = g_mkstemp(tmp);
  if (fd >= 0)
    close(fd);
  int saved = m && fd >= 0 && sg3_model_save_safetensors(m, tmp, &error) == 0;
  report(saved, "random T model saves as safetensors", error);
  free(error);
  error = NULL;
  sg3_model *back = saved ? sg3_model_load(tmp, &error) : NULL;
  report(back != NULL, "saved random model loads back", error);
  free(error);
  if (m && back) {
    float a[3 * 16 * 16], b[3 * 16 * 16], ws[16 * 8];
    double z[8];
    sg3_z_from_seed(1, z, 8);
    sg3_generator *ga = sg3_generator_new(m, NULL);
    sg3_generator *gb = sg3_generator_new(back, NULL);
    int same = ga && gb && !sg3_mapping(ga, z, NULL, 1, -1, ws, NULL) &&
               !sg3_synthesis(ga, ws, NULL, a, NULL) &&
               !sg3_mapping(gb, z, NULL, 1, -1, ws, NULL) &&
               !sg3_synthesis(gb, ws, NULL, b, NULL) &&
               memcmp(a, b, sizeof a) == 0;
    report(same, "reloaded model renders the same image", NULL);
    sg3_generator_free(ga);
    sg3_generator_free(gb);
  }
  sg3_model_unref(back);
  sg3_model_unref(m);
  if (fd >= 0)
    g_unlink(tmp);
  g_free(tmp);

  error = NULL;
  m = sg3_model_new_random("{\"z_dim\": 8}", 1, &error);
  report(!m && error && strstr(error, "lacks"), "random model, bad kwargs",
         error);
  free(error);

  g_free(data);
  return check_summary();
}
