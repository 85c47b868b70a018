/* The loaded network: the tensors as read, the shared mapping network and
 * the family's synthesis network, with everything the forward pass needs
 * computed once at load. */
#ifndef SG3_MODEL_H
#define SG3_MODEL_H

#include "family.h"
#include "io/file.h"
#include "io/tensors.h"
#include "mapping.h"
#include "sg3.h"

/* What makes two opened models the same (model_cache.c). */
typedef struct {
  sg3_file_id id;
  int winograd; /* sg3_model_winograd() */
} sg3_model_key;

struct sg3_model {
  int refcount;
  /* In the cache of opened files (under its lock: cache_next). */
  int cached;
  sg3_model_key cache_key;
  sg3_model *cache_next;
  const sg3_family *family;
  sg3_tensor_set tensors; /* owns the stored data */
  /* Models opened from a file: the file, from which the weights the build
   * packed (and let go: sg3_model_release_tensor) are read again to save
   * the model. NULL for the others, which keep every tensor. */
  char *file_path;
  sg3_file_id file_id;
  size_t released; /* tensors whose data was let go */
  const char *init_kwargs;
  sg3_load_options options;

  int z_dim, c_dim, w_dim, num_ws, img_resolution, img_channels;
  double flops;
  sg3_mapping_network mapping;
  void *net; /* the family's synthesis network */
};

/* Builds a model from a tensor set (takes ownership of its contents).
 * `file`: the file the set was read from (its identity in file_id), so that
 * packed weights need not be kept (NULL: keep them). */
sg3_model *sg3_model_from_tensors(sg3_tensor_set *set, const char *name,
                                  const sg3_load_options *options,
                                  const char *file, const sg3_file_id *file_id,
                                  char **error);

/* For the families' builds: the tensor (of m->tensors) is packed and will
 * not be read again; a model opened from a file lets its data go (saving
 * reads it from the file again), the others keep it. */
void sg3_model_release_tensor(sg3_model *m, const sg3_tensor *t);

/* Whether 3x3 convolutions use Winograd: the option, unless the
 * environment says SG3_NO_WINOGRAD. */
int sg3_model_winograd(const sg3_model *m);

/* The cache of models opened from files (model_cache.c). find: a new
 * reference to the model of that key, or NULL. add: enters m (a new
 * model, whose reference the caller hands over) and returns it, or, if
 * another thread entered one of that key meanwhile, drops m and returns a
 * reference to that one. release: sg3_model_unref's decrement for a cached
 * model, under the cache's lock; 1 if it was the last reference (the model
 * has left the cache). */
sg3_model *sg3_model_cache_find(const sg3_model_key *key);
sg3_model *sg3_model_cache_add(sg3_model *m, const sg3_model_key *key);
int sg3_model_cache_release(sg3_model *m);

#endif
