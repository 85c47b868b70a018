/* A named set of float32 tensors plus the Generator's init_kwargs (JSON):
 * what every model file reader produces and what model.c builds from. */
#ifndef SG3_TENSORS_H
#define SG3_TENSORS_H

#include <stddef.h>
#include <stdint.h>

#define SG3_MAX_DIMS 4
/* A StyleGAN3 generator has about 120 tensors (a 1024x1024 one); no reader
 * produces more than this. */
#define SG3_MAX_TENSORS 4096

typedef struct {
  char *name;
  int ndim;
  int64_t shape[SG3_MAX_DIMS];
  size_t numel;
  float *data; /* owned, malloc()ed */
} sg3_tensor;

typedef struct {
  sg3_tensor *items;
  size_t n, cap;
  void *index;       /* name -> position (a GHashTable), built as items come */
  char *init_kwargs; /* JSON object text, owned; NULL until set */
  /* The network family ("stylegan3", ...), owned; NULL until set. */
  char *family;
  /* Families whose layer schedule cannot be rebuilt from init_kwargs
   * (StyleGAN-XL): the schedule as stored in the file, a JSON object
   * {"generator": {...}, "input": {...}, "layers": [...]} (safetensors:
   * the __metadata__ keys of those names). Owned; NULL for the others. */
  char *schedule;
} sg3_tensor_set;

void sg3_tensor_set_init(sg3_tensor_set *set);
void sg3_tensor_set_clear(sg3_tensor_set *set);
/* Takes ownership of `data` (numel floats; freed on error too). Refuses
 * duplicate names, ndim > SG3_MAX_DIMS, negative dims and more than
 * SG3_MAX_TENSORS tensors (SG3_ERR_TOO_LARGE). */
int sg3_tensor_set_add(sg3_tensor_set *set, const char *name, int ndim,
                       const int64_t *shape, float *data, char **error);
const sg3_tensor *sg3_tensor_set_find(const sg3_tensor_set *set,
                                      const char *name);
/* numel of a shape with overflow checking; returns 0 and sets *ok = 0 on
 * overflow or negative dims. */
size_t sg3_shape_numel(int ndim, const int64_t *shape, int *ok);

/* How many bytes of float32 tensors a model file of `file_size` bytes may
 * give: every stored element once, float16 doubling, a little slack. Both
 * readers refuse more (a hostile file could otherwise ask for much more
 * memory than its size). */
uint64_t sg3_tensor_output_limit(uint64_t file_size);

typedef struct sg3_source sg3_source; /* io/file.h */

/* Readers. `data`/`size` is the whole file; `name` is for messages. The
 * writer replaces `path` only once the new file is complete and synced:
 * on failure the old file (if any) is untouched and no temporary stays. */
int sg3_safetensors_read(const uint8_t *data, size_t size, const char *name,
                         sg3_tensor_set *out, char **error);
int sg3_safetensors_read_source(const sg3_source *src, const char *name,
                                sg3_tensor_set *out, char **error);
int sg3_safetensors_write(const sg3_tensor_set *set, const char *path,
                          char **error);
int sg3_pickle_read(const uint8_t *data, size_t size, const char *name,
                    sg3_tensor_set *out, char **error);
int sg3_pickle_read_source(const sg3_source *src, const char *name,
                           sg3_tensor_set *out, char **error);

#endif
