/* libFuzzer harness for the latents reader: .npy and .npz (zip, stored or
 * deflated), as sg3_latents_load reads them. */
#include <stdint.h>
#include <stdlib.h>

#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg3_npy a;
  char *error = NULL;
  if (sg3_array_parse(data, size, "fuzz.npy", &a, &error) == 0)
    sg3_npy_free(&a);
  free(error);
  return 0;
}
