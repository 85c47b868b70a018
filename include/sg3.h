/* libsg3: the StyleGAN3 generator on a CPU.
 *
 * A model (sg3_model) is immutable once loaded and may be shared by any
 * number of generators (sg3_generator) on any number of threads; a generator
 * holds the per-frame scratch memory and is used by one thread at a time.
 *
 * Errors come back as a malloc()ed message in *error (free() it); functions
 * never abort on bad input.
 */
#ifndef SG3_H
#define SG3_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG3_VERSION "0.1.0"

typedef struct sg3_model sg3_model;
typedef struct sg3_generator sg3_generator;

typedef struct {
  int img_resolution; /* output width = height */
  int img_channels;   /* 1, 3 or 4 */
  int c_dim;          /* class labels, 0 = unconditional */
  int z_dim;
  int w_dim;
  int num_ws;      /* rows of the ws matrix: num_layers + 2 */
  int num_layers;  /* synthesis layers, excluding input and ToRGB */
  int conv_kernel; /* 3 for StyleGAN3-T, 1 for StyleGAN3-R */
  int use_radial_filters;
  double flops;            /* multiply-adds x 2 per synthesis pass */
  const char *config;      /* "stylegan3-t" or "stylegan3-r" */
  const char *init_kwargs; /* the Generator's constructor arguments, JSON */
} sg3_model_info;

/* Load a model: safetensors (this project's format) or an official
 * StyleGAN3 network pickle (.pkl, G_ema is used). The format is detected
 * from the content, not the name. */
sg3_model *sg3_model_load(const char *path, char **error);
/* The same from memory; `name` is used in error messages. The bytes are
 * copied, the caller keeps ownership of `data`. */
sg3_model *sg3_model_load_from_memory(const void *data, size_t size,
                                      const char *name, char **error);
/* A model built from init_kwargs (JSON, as stored in our safetensors) with
 * random weights and designed filters; for benchmarks and tests. */
sg3_model *sg3_model_new_random(const char *init_kwargs_json, uint64_t seed,
                                char **error);
/* Write the model as safetensors. Returns 0 on success. */
int sg3_model_save_safetensors(const sg3_model *model, const char *path,
                               char **error);

sg3_model *sg3_model_ref(sg3_model *model);
void sg3_model_unref(sg3_model *model);
void sg3_model_get_info(const sg3_model *model, sg3_model_info *info);

/* z = np.random.RandomState(seed).randn(1, z_dim), bit for bit. */
void sg3_z_from_seed(uint32_t seed, double *z, int z_dim);

/* The inverse transform matrix (row-major 3x3) that gen_images.py stores in
 * G.synthesis.input.transform for --translate tx,ty --rotate deg. */
void sg3_make_transform(double tx, double ty, double rotate_deg,
                        float inverse[9]);

/* 8-bit pixels exactly as gen_images.py: (x * 127.5 + 128) clamped to
 * [0, 255] and truncated. `img` is CHW float, `out` is HWC interleaved. */
void sg3_image_to_u8(const float *img, int channels, int height, int width,
                     uint8_t *out);

sg3_generator *sg3_generator_new(sg3_model *model, char **error);
void sg3_generator_free(sg3_generator *gen);
const sg3_model *sg3_generator_get_model(const sg3_generator *gen);

/* Mapping network. `c` is the conditioning label (c_dim floats, e.g. one-hot;
 * NULL for unconditional models). psi = 1 disables truncation; cutoff < 0
 * truncates all ws, else the first `cutoff`. ws: num_ws * w_dim floats.
 * Returns 0, or -1 with *error set. */
int sg3_mapping(sg3_generator *gen, const double *z, const float *c, float psi,
                int cutoff, float *ws, char **error);

/* Synthesis network. ws: num_ws * w_dim floats. transform: the inverse
 * matrix of sg3_make_transform, NULL = identity. img: CHW floats, about
 * [-1, 1]. Returns 0, or -1 with *error set. */
int sg3_synthesis(sg3_generator *gen, const float *ws, const float *transform,
                  float *img, char **error);

/* Per-layer hook for debugging and profiling: called after the input layer
 * (index -1, name "input") and after each synthesis layer with its CHW
 * output. */
typedef void (*sg3_layer_callback)(void *user, int index, const char *name,
                                   const float *x, int channels, int height,
                                   int width);
void sg3_generator_set_layer_callback(sg3_generator *gen, sg3_layer_callback cb,
                                      void *user);

/* ---- Performance: threads and profiling --------------------------------- */

/* Threads one generator uses for synthesis: n >= 1, or 0 for one per CPU
 * available to the process (the default): the calling thread and n - 1
 * workers of the generator's own, which sleep when it is idle. Results are
 * the same for any count. Not while the generator is in use. Returns 0, or
 * -1 with *error. */
int sg3_generator_set_threads(sg3_generator *gen, int n_threads, char **error);
int sg3_generator_get_threads(const sg3_generator *gen);

/* Wall time per stage, summed over calls while profiling is on. */
typedef struct {
  const char *name; /* "mapping", "styles", "input", then each layer's */
  double conv_s;    /* modulated conv (input layer: its matrix product) */
  double filter_s;  /* filtered leaky ReLU */
  double other_s;   /* the rest: affine, features, padding, callbacks */
  long calls;
} sg3_layer_profile;

/* Turning profiling on or off clears the counters. */
void sg3_generator_set_profiling(sg3_generator *gen, int enable);
/* Copies min(max, count) entries to out; returns count (num_layers + 4). */
int sg3_generator_get_profile(const sg3_generator *gen, sg3_layer_profile *out,
                              int max);

/* The SIMD kernels in use: "avx512", "avx2" or "generic" (the environment
 * variable SG3_SIMD=generic|avx2 forces a lower one). 3x3 convolutions run
 * as Winograd F(4x4, 3x3), a quarter of the multiplications for four times
 * the packed weights; SG3_NO_WINOGRAD=1 when a model is loaded makes its
 * convolutions direct (slower, less memory). */
const char *sg3_simd_name(void);

#ifdef __cplusplus
}
#endif
#endif
