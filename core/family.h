/* A network family: how a model of that family is built from its tensors,
 * what per-frame state its generators need, and its synthesis network.
 * The mapping network is shared by every family (mapping.h); a new family
 * is one table like sg3_family_stylegan3 and its files (see
 * docs/architecture.md). */
#ifndef SG3_FAMILY_H
#define SG3_FAMILY_H

#include "io/tensors.h"
#include "ops/kernels.h"
#include "sg3.h"

/* What synthesis takes besides ws. */
typedef struct {
  const float *transform; /* 3x3 inverse matrix; NULL = the stored one */
  sg3_noise_mode noise_mode;
  uint32_t noise_seed;
  /* Anchoring (sg3_request.anchor): w_avg (w_dim floats) for the input
   * transform, or NULL; families without a transform ignore it. */
  const float *anchor_w_avg;
} sg3_synthesis_args;

/* What a network costs, from its configuration alone (before anything is
 * allocated for it). */
typedef struct {
  double model_bytes;     /* what building the model allocates, beside the
                             tensors as read */
  double generator_bytes; /* the family's part of one generator */
  double flops;           /* per synthesis pass */
} sg3_estimate;

/* How gen_images.py of the family turns the float image into 8 bits. */
typedef enum {
  SG3_U8_STYLEGAN3, /* img * 127.5 + 128, clamped to [0, 255], truncated */
  SG3_U8_XL,        /* StyleGAN-XL: trunc(clamp((img + 1) * 255 / 2)) */
} sg3_u8_rule;

typedef struct {
  const char *name; /* as sg3_model_info.family and the safetensors format */
  /* gen_images.py's conventions, which sg3_render follows: its 8-bit
   * rule, and for StyleGAN-XL (gen_utils.get_w_from_seed) truncation after
   * a psi-1 mapping as w_avg + (w - w_avg) * psi, with a conditional
   * request's missing class drawn from its seed. The others truncate in
   * the mapping (G.mapping's lerp) and need a class. sg3_mapping is always
   * G.mapping. */
  sg3_u8_rule u8_rule;
  int gen_utils_truncation;
  /* The cost of a model from its init_kwargs and stored schedule (NULL for
   * families that derive it), for generators of nthreads threads running
   * `simd`'s kernels. */
  int (*estimate)(const char *init_kwargs, const char *schedule, int winograd,
                  const sg3_simd *simd, int nthreads, sg3_estimate *est,
                  char **error);
  /* Parses init_kwargs and builds m->net and m->mapping from m->tensors;
   * sets m->z_dim ... m->img_channels and m->flops. */
  int (*build)(sg3_model *m, const sg3_load_options *options, char **error);
  void (*free)(sg3_model *m);
  /* Fills the family-specific fields of the info (config, architecture,
   * layers, ...); the common ones are filled already. */
  void (*get_info)(const sg3_model *m, sg3_model_info *info);
  /* Random tensors for init_kwargs (sg3_model_new_random). */
  int (*random)(const char *init_kwargs, uint64_t seed, sg3_tensor_set *set,
                char **error);

  /* Generators: the floats of per-thread scratch the synthesis needs; the
   * per-generator state (g->net_state) and its stages for profiling. */
  size_t (*scratch_floats)(const sg3_model *m, const sg3_simd *simd,
                           int nthreads);
  int (*generator_init)(sg3_generator *g, char **error);
  void (*generator_free)(sg3_generator *g);
  int (*num_stages)(const sg3_model *m);
  const char *(*stage_name)(const sg3_model *m, int stage);

  /* The synthesis network: ws (num_ws x w_dim) to img (CHW). */
  int (*synthesis)(sg3_generator *g, const float *ws,
                   const sg3_synthesis_args *args, float *img, char **error);
} sg3_family;

extern const sg3_family sg3_family_stylegan3;
extern const sg3_family sg3_family_stylegan2;
extern const sg3_family sg3_family_stylegan_xl;

/* The family of that name, or NULL. */
const sg3_family *sg3_family_find(const char *name);

#endif
