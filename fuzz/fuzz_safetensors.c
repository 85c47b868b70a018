/* libFuzzer harness for the safetensors reader (and the StyleGAN-XL
 * schedule parser on what it reads). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/tensors.h"
#include "stylegan_xl/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg3_tensor_set set;
  char *error = NULL;
  sg3_tensor_set_init(&set);
  sg3_safetensors_read(data, size, "fuzz.safetensors", &set, &error);
  /* StyleGAN-XL: the schedule parser reads what the reader produced. */
  if (set.family && !strcmp(set.family, "stylegan-xl")) {
    sg3_xl_config xc;
    free(error);
    error = NULL;
    if (sg3_xl_config_parse(set.schedule, set.init_kwargs, &xc, &error) == 0)
      sg3_xl_config_clear(&xc);
  }
  sg3_tensor_set_clear(&set);
  free(error);
  return 0;
}
