/* Models with random weights, shaped by init_kwargs: enough to benchmark
 * and to test loading and the filter design, not trained networks. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"

static int create_random(const char *family, const char *init_kwargs,
                         uint64_t seed, const sg3_load_options *options,
                         sg3_model **out, char **error) {
  const sg3_family *fam = sg3_family_find(family ? family : "stylegan3");
  if (!fam)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED, "no network family '%s'",
                    family);
  if (!init_kwargs)
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT, "no init_kwargs");
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  if (fam->random(init_kwargs, seed, &set, error)) {
    sg3_tensor_set_clear(&set);
    return -1;
  }
  /* A family may store other init_kwargs (StyleGAN-XL superres models:
   * the SuperresGenerator's). */
  if (!set.init_kwargs)
    set.init_kwargs = strdup(init_kwargs);
  set.family = strdup(fam->name);
  if (!set.init_kwargs || !set.family) {
    sg3_tensor_set_clear(&set);
    return sg3_oom(error, NULL);
  }
  *out =
      sg3_model_from_tensors(&set, "random model", options, NULL, NULL, error);
  return *out ? 0 : -1;
}

sg3_status sg3_model_create_random(const char *family, const char *init_kwargs,
                                   uint64_t seed,
                                   const sg3_load_options *options,
                                   sg3_model **out, char **error) {
  sg3_error_begin();
  *out = NULL;
  return sg3_error_end(
      create_random(family, init_kwargs, seed, options, out, error),
      SG3_ERR_INVALID_ARGUMENT);
}

sg3_model *sg3_model_new_random(const char *init_kwargs, uint64_t seed,
                                char **error) {
  sg3_model *m;
  return sg3_model_create_random(NULL, init_kwargs, seed, NULL, &m, error) ==
                 SG3_OK
             ? m
             : NULL;
}
