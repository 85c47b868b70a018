#include "io/model_file.h"

#include <string.h>

#include "error.h"

/* Whitespace JSON allows around the header (safetensors pads with
 * spaces). */
static int json_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sg3_model_file_detect(const sg3_source *src, sg3_file_format *format,
                          char **error) {
  const uint8_t *p = src->data;
  size_t size = src->size;
  *format = SG3_FILE_UNKNOWN;
  if (size == 0)
    return 0;
  if (sg3_need(src, p, size < 16 ? size : 16, error))
    return -1;
  int pickle = size >= 2 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5;
  uint64_t hlen = 0;
  for (int i = 7; size >= 8 && i >= 0; i--)
    hlen = hlen << 8 | p[i];
  int safetensors = size >= 10 && hlen >= 2 && hlen <= size - 8 && p[8] == '{';
  if (safetensors && pickle) {
    /* Only files written before the writer avoided 0x80 (or made to be
     * both): a real safetensors header ends with '}' and padding. */
    if (hlen > (64u << 20))
      safetensors = 0;
    else if (sg3_need(src, p + 8, (size_t)hlen, error))
      return -1;
    size_t end = 8 + (size_t)hlen;
    while (safetensors && end > 9 && json_space(p[end - 1]))
      end--;
    safetensors = safetensors && p[end - 1] == '}';
  }
  if (safetensors)
    *format = SG3_FILE_SAFETENSORS;
  else if (pickle)
    *format = SG3_FILE_PICKLE;
  else if (size >= 4 && memcmp(p, "PK\3\4", 4) == 0)
    *format = SG3_FILE_ZIP;
  return 0;
}

int sg3_model_file_read_source(const sg3_source *src, const char *name,
                               sg3_tensor_set *set, char **error) {
  if (!name)
    name = "model";
  if (src->size == 0)
    return sg3_fail(error, SG3_ERR_FORMAT, "%s: the file is empty", name);
  sg3_file_format format;
  if (sg3_model_file_detect(src, &format, error)) {
    sg3_prefix_error(error, "%s", name);
    return -1;
  }
  const uint8_t *p = src->data;
  switch (format) {
  case SG3_FILE_SAFETENSORS:
    return sg3_safetensors_read_source(src, name, set, error);
  case SG3_FILE_PICKLE:
    return sg3_pickle_read_source(src, name, set, error);
  case SG3_FILE_ZIP:
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: a zip archive (PyTorch's torch.save format?); "
                    "only network pickles and safetensors can be loaded",
                    name);
  default:
    break;
  }
  /* Near misses get the reader's own message: a pickle of another
   * protocol, a safetensors header length that does not fit. */
  if (p[0] == 0x80)
    return sg3_pickle_read_source(src, name, set, error);
  if (src->size >= 9 && p[8] == '{')
    return sg3_safetensors_read_source(src, name, set, error);
  return sg3_fail(error, SG3_ERR_FORMAT,
                  "%s: not a StyleGAN model (neither a network pickle nor "
                  "safetensors)",
                  name);
}

int sg3_model_file_read(const uint8_t *data, size_t size, const char *name,
                        sg3_tensor_set *set, char **error) {
  sg3_source src;
  sg3_source_memory(&src, data, size, name);
  return sg3_model_file_read_source(&src, name, set, error);
}

int sg3_model_file_load(const char *path, sg3_tensor_set *set, char **error) {
  sg3_file f;
  if (sg3_file_open_lazy(&f, path, error))
    return -1;
  int rc = sg3_model_file_read_source(&f.src, path, set, error);
  if (rc == 0)
    rc = sg3_file_check_unchanged(&f, error);
  sg3_file_close(&f);
  return rc;
}
