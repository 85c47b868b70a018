/* The model file formats: which one a file is, and reading it into a
 * tensor set. */
#ifndef SG3_MODEL_FILE_H
#define SG3_MODEL_FILE_H

#include "io/file.h"
#include "io/tensors.h"

typedef enum {
  SG3_FILE_UNKNOWN,
  SG3_FILE_PICKLE,      /* PROTO 2..5 */
  SG3_FILE_SAFETENSORS, /* a header length that fits, then '{' ... '}' */
  SG3_FILE_ZIP,         /* torch.save's zip format, or any zip */
} sg3_file_format;

/* What the content (not the name) says the file is. Needs at most the
 * first bytes and the safetensors header (read through src). -1 on a read
 * error. The two formats cannot be confused: a safetensors file is taken
 * for one only if its header length fits the file and the header is
 * braced; a pickle must start with PROTO 2..5; and sg3_safetensors_write
 * never writes a header length whose low byte is PROTO (0x80). */
int sg3_model_file_detect(const sg3_source *src, sg3_file_format *format,
                          char **error);

/* Detects the format and reads the file. Sets out->family. Codes:
 * SG3_ERR_FORMAT (neither format), SG3_ERR_UNSUPPORTED, SG3_ERR_CORRUPT
 * (the default), SG3_ERR_TOO_LARGE, SG3_ERR_NO_MEMORY, SG3_ERR_IO. */
int sg3_model_file_read(const uint8_t *data, size_t size, const char *name,
                        sg3_tensor_set *out, char **error);
int sg3_model_file_read_source(const sg3_source *src, const char *name,
                               sg3_tensor_set *out, char **error);

/* Opens `path` (io/file.h: regular files only, never blocking), reads what
 * the reader needs of it, checks that it did not change meanwhile, closes
 * it. What sg3_model_load should call: a training snapshot's G and D are
 * never read, and safetensors data is let go tensor by tensor. */
int sg3_model_file_load(const char *path, sg3_tensor_set *out, char **error);

#endif
