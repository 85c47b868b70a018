/* The model file formats: which one a file is, and reading it into a
 * tensor set. */
#ifndef SG3_MODEL_FILE_H
#define SG3_MODEL_FILE_H

#include "io/tensors.h"

/* Detects the format from the content (not the name) and reads the file.
 * Sets out->family. Codes: SG3_ERR_FORMAT (neither format),
 * SG3_ERR_UNSUPPORTED, SG3_ERR_CORRUPT (the default), SG3_ERR_NO_MEMORY. */
int sg3_model_file_read(const uint8_t *data, size_t size, const char *name,
                        sg3_tensor_set *out, char **error);

#endif
