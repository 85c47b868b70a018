/* libFuzzer harness for the network pickle reader. */
#include <stdint.h>
#include <stdlib.h>

#include "io/tensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg3_tensor_set set;
  char *error = NULL;
  sg3_tensor_set_init(&set);
  sg3_pickle_read(data, size, "fuzz.pkl", &set, &error);
  sg3_tensor_set_clear(&set);
  free(error);
  return 0;
}
