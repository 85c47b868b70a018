#include "io/model_file.h"

#include "error.h"

int sg3_model_file_read(const uint8_t *p, size_t size, const char *name,
                        sg3_tensor_set *set, char **error) {
  if (!name)
    name = "model";
  if (size == 0)
    return sg3_fail(error, SG3_ERR_FORMAT, "%s: the file is empty", name);
  /* A pickle starts with PROTO (0x80) for protocols 2 and up; safetensors
   * with a little-endian header length followed by '{'. */
  if (p[0] == 0x80)
    return sg3_pickle_read(p, size, name, set, error);
  if (size >= 9 && p[8] == '{')
    return sg3_safetensors_read(p, size, name, set, error);
  return sg3_fail(error, SG3_ERR_FORMAT,
                  "%s: not a StyleGAN model (neither a network pickle nor "
                  "safetensors)",
                  name);
}
