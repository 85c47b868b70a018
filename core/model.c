/* Model objects: read a file (io/), hand the tensors to the family that
 * builds the network, and the reference counting around it. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "generator.h"
#include "io/file.h"
#include "io/model_file.h"

void sg3_load_options_init(sg3_load_options *o) {
  memset(o, 0, sizeof *o);
  o->winograd = 1;
}

static int winograd(const sg3_load_options *o) {
  const char *no = getenv("SG3_NO_WINOGRAD");
  return o->winograd && !(no && *no && strcmp(no, "0"));
}

int sg3_model_winograd(const sg3_model *m) {
  return winograd(&m->options);
}

const sg3_family *sg3_family_find(const char *name) {
  static const sg3_family *const families[] = {
      &sg3_family_stylegan3, &sg3_family_stylegan2, &sg3_family_stylegan_xl};
  for (size_t i = 0; name && i < sizeof families / sizeof *families; i++)
    if (!strcmp(families[i]->name, name))
      return families[i];
  return NULL;
}

sg3_model *sg3_model_from_tensors(sg3_tensor_set *set, const char *name,
                                  const sg3_load_options *options,
                                  const char *file, const sg3_file_id *file_id,
                                  char **error) {
  sg3_model *m = calloc(1, sizeof *m);
  if (!m || (file && !(m->file_path = strdup(file)))) {
    free(m);
    sg3_tensor_set_clear(set);
    sg3_oom(error, NULL);
    return NULL;
  }
  if (file)
    m->file_id = *file_id;
  m->refcount = 1;
  m->tensors = *set;
  sg3_tensor_set_init(set);
  if (options)
    m->options = *options;
  else
    sg3_load_options_init(&m->options);
  m->init_kwargs = m->tensors.init_kwargs;
  const char *fam = m->tensors.family ? m->tensors.family : "stylegan3";
  if (!(m->family = sg3_family_find(fam))) {
    sg3_fail(error, SG3_ERR_UNSUPPORTED,
             "%s: network family '%.64s' is not supported", name, fam);
    sg3_model_unref(m);
    return NULL;
  }
  if (!m->init_kwargs) {
    sg3_fail(error, SG3_ERR_CORRUPT, "%s: the model has no init_kwargs", name);
    sg3_model_unref(m);
    return NULL;
  }
  /* What building it would allocate, before allocating it. */
  sg3_estimate est;
  if (m->family->estimate(m->init_kwargs, m->tensors.schedule,
                          sg3_model_winograd(m), sg3_simd_get(),
                          sg3_cpu_count(), &est, error)) {
    sg3_prefix_error(error, "%s", name);
    sg3_model_unref(m);
    return NULL;
  }
  double tensors = 0;
  for (size_t i = 0; i < m->tensors.n; i++)
    tensors += (double)m->tensors.items[i].numel * sizeof(float);
  if (sg3_over_budget("the model", tensors + est.model_bytes, est.flops,
                      m->options.max_memory, error)) {
    sg3_prefix_error(error, "%s", name);
    sg3_model_unref(m);
    return NULL;
  }
  if (m->family->build(m, &m->options, error)) {
    sg3_prefix_error(error, "%s", name);
    sg3_model_unref(m);
    return NULL;
  }
  return m;
}

static int open_memory(const void *data, size_t size, const char *name,
                       const sg3_load_options *options, sg3_model **out,
                       char **error) {
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  if (!name)
    name = "model";
  if (sg3_model_file_read(data, size, name, &set, error)) {
    sg3_tensor_set_clear(&set);
    return -1;
  }
  *out = sg3_model_from_tensors(&set, name, options, NULL, NULL, error);
  return *out ? 0 : -1;
}

sg3_status sg3_model_open_memory(const void *data, size_t size,
                                 const char *name,
                                 const sg3_load_options *options,
                                 sg3_model **out, char **error) {
  sg3_error_begin();
  *out = NULL;
  if (!data && size)
    return sg3_error_end(sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                                  "sg3_model_open_memory: no data"),
                         SG3_ERR_INVALID_ARGUMENT);
  return sg3_error_end(open_memory(data, size, name, options, out, error),
                       SG3_ERR_CORRUPT);
}

sg3_status sg3_model_open(const char *path, const sg3_load_options *options,
                          sg3_model **out, char **error) {
  sg3_error_begin();
  *out = NULL;
  /* Only what the reader needs is read (a snapshot's G and D never are),
   * and a file that changes meanwhile is an error, not a crash. */
  sg3_file f;
  if (sg3_file_open_lazy(&f, path, error))
    return sg3_error_end(-1, SG3_ERR_IO);
  /* A file open already (same version, same options) is not loaded
   * again: its model is shared. */
  sg3_load_options o;
  if (options)
    o = *options;
  else
    sg3_load_options_init(&o);
  sg3_model_key key = {.winograd = winograd(&o)};
  sg3_file_identity(&f, &key.id);
  if ((*out = sg3_model_cache_find(&key))) {
    sg3_file_close(&f);
    return sg3_error_end(0, SG3_OK);
  }
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  int rc = sg3_model_file_read_source(&f.src, path, &set, error);
  if (rc == 0)
    rc = sg3_file_check_unchanged(&f, error);
  sg3_file_close(&f);
  if (rc) {
    sg3_tensor_set_clear(&set);
    return sg3_error_end(-1, SG3_ERR_CORRUPT);
  }
  sg3_model *m = sg3_model_from_tensors(&set, path, &o, path, &key.id, error);
  if (!m)
    return sg3_error_end(-1, SG3_ERR_CORRUPT);
  *out = sg3_model_cache_add(m, &key);
  return sg3_error_end(0, SG3_OK);
}

sg3_model *sg3_model_load(const char *path, char **error) {
  sg3_model *m;
  return sg3_model_open(path, NULL, &m, error) == SG3_OK ? m : NULL;
}

sg3_model *sg3_model_load_from_memory(const void *data, size_t size,
                                      const char *name, char **error) {
  sg3_model *m;
  return sg3_model_open_memory(data, size, name, NULL, &m, error) == SG3_OK
             ? m
             : NULL;
}

void sg3_model_release_tensor(sg3_model *m, const sg3_tensor *t) {
  if (!m->file_path || !t || t < m->tensors.items ||
      t >= m->tensors.items + m->tensors.n)
    return;
  sg3_tensor *own = &m->tensors.items[t - m->tensors.items];
  if (own->data) {
    free(own->data);
    own->data = NULL;
    m->released++;
  }
}

static int same_file(const sg3_file_id *a, const sg3_file_id *b) {
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

/* The tensors as read, again: from the file, which must be the version
 * the model was built from. */
static int save_from_file(const sg3_model *m, const char *path, char **error) {
  sg3_file f;
  sg3_file_id id;
  if (sg3_file_open_lazy(&f, m->file_path, error))
    return -1;
  sg3_file_identity(&f, &id);
  if (!same_file(&id, &m->file_id)) {
    sg3_file_close(&f);
    return sg3_fail(error, SG3_ERR_IO,
                    "%s: the model file changed since the model was loaded "
                    "(saving reads its weights from it again): load it again",
                    m->file_path);
  }
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  int rc = sg3_model_file_read_source(&f.src, m->file_path, &set, error);
  if (rc == 0)
    rc = sg3_file_check_unchanged(&f, error);
  sg3_file_close(&f);
  if (rc == 0)
    rc = sg3_safetensors_write(&set, path, error);
  sg3_tensor_set_clear(&set);
  return rc;
}

sg3_status sg3_model_save_safetensors(const sg3_model *m, const char *path,
                                      char **error) {
  sg3_error_begin();
  if (m->released)
    return sg3_error_end(save_from_file(m, path, error), SG3_ERR_IO);
  return sg3_error_end(sg3_safetensors_write(&m->tensors, path, error),
                       SG3_ERR_IO);
}

sg3_model *sg3_model_ref(sg3_model *m) {
  if (m)
    __atomic_add_fetch(&m->refcount, 1, __ATOMIC_RELAXED);
  return m;
}

void sg3_model_unref(sg3_model *m) {
  if (!m)
    return;
  /* `cached` is set before the model is shared and never cleared. */
  if (m->cached ? !sg3_model_cache_release(m)
                : __atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  if (m->family)
    m->family->free(m);
  sg3_mapping_free(&m->mapping);
  sg3_tensor_set_clear(&m->tensors); /* frees init_kwargs too */
  free(m->file_path);
  free(m);
}

void sg3_model_get_info(const sg3_model *m, sg3_model_info *info) {
  memset(info, 0, sizeof *info);
  info->img_resolution = m->img_resolution;
  info->img_channels = m->img_channels;
  info->c_dim = m->c_dim;
  info->z_dim = m->z_dim;
  info->w_dim = m->w_dim;
  info->num_ws = m->num_ws;
  info->flops = m->flops;
  info->init_kwargs = m->init_kwargs;
  info->family = m->family->name;
  m->family->get_info(m, info);
}

sg3_status sg3_model_get_w_avg(const sg3_model *m, int class_index,
                               float *w_avg, char **error) {
  sg3_error_begin();
  /* StyleGAN-XL's conditional models keep one centre per class; the
   * others one for all, whatever the class. */
  int per_class = m->mapping.cfg.kind == SG3_MAPPING_XL && m->c_dim > 0;
  if (per_class && (class_index < 0 || class_index >= m->c_dim))
    return sg3_error_end(sg3_set_error(error,
                                       "class %d is out of range: the model "
                                       "has a centre for classes 0 to %d",
                                       class_index, m->c_dim - 1),
                         SG3_ERR_INVALID_ARGUMENT);
  memcpy(w_avg, sg3_mapping_w_avg(&m->mapping, per_class ? class_index : 0),
         (size_t)m->w_dim * sizeof(float));
  return sg3_error_end(0, SG3_OK);
}

size_t sg3_model_frame_size(const sg3_model *m, sg3_pixel_format format) {
  size_t n = (size_t)m->img_channels * m->img_resolution * m->img_resolution;
  return format == SG3_PIXELS_F32_CHW ? n * sizeof(float) : n;
}
