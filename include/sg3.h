/* libsg3: StyleGAN generators on a CPU.
 *
 * A model (sg3_model) is immutable once loaded and may be shared by any
 * number of generators (sg3_generator) on any number of threads; a generator
 * holds the per-frame scratch memory and is used by one thread at a time.
 *
 * Two levels:
 *  - requests: sg3_render() turns one description of a frame (sg3_request:
 *    seed, z or ws, class, truncation, transform, ...) into pixels, for any
 *    network family; sg3_walk interpolates keyframes for videos;
 *  - steps: sg3_z_from_seed, sg3_mapping, sg3_synthesis, sg3_image_to_u8, as
 *    the official code splits them, for callers that work in w-space.
 *
 * Errors: functions that can fail return an sg3_status (SG3_OK = 0, errors
 * are negative) or NULL, and set *error to a malloc()ed message (free() it;
 * error may be NULL). Nothing aborts on bad input.
 */
#ifndef SG3_H
#define SG3_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SG3_API
#else
#define SG3_API __attribute__((visibility("default")))
#endif

#define SG3_VERSION "0.2.0"

typedef struct sg3_model sg3_model;
typedef struct sg3_generator sg3_generator;
typedef struct sg3_walk sg3_walk;
typedef struct sg3_thread_pool sg3_thread_pool;

/* ---- Errors ------------------------------------------------------------ */

typedef enum {
  SG3_OK = 0,
  SG3_ERR_INVALID_ARGUMENT = -1, /* a bad argument or request field */
  SG3_ERR_NOT_FOUND = -2,        /* no such file */
  SG3_ERR_NOT_REGULAR = -3,      /* a directory, FIFO, device, socket */
  SG3_ERR_PERMISSION = -4,       /* the file cannot be opened for reading */
  SG3_ERR_IO = -5,          /* reading or writing failed, or the file changed */
  SG3_ERR_FORMAT = -6,      /* neither a network pickle nor safetensors */
  SG3_ERR_UNSUPPORTED = -7, /* a network or feature libsg3 does not run */
  SG3_ERR_CORRUPT = -8,     /* a damaged or inconsistent model file */
  SG3_ERR_NO_MEMORY = -9,
  SG3_ERR_TOO_LARGE = -10, /* over a size or memory limit */
  SG3_ERR_CANCELLED = -11, /* the cancel hook asked to stop */
} sg3_status;

/* A short constant name: "invalid argument", "not found", ... */
SG3_API const char *sg3_status_name(sg3_status status);

/* ---- Models ------------------------------------------------------------ */

typedef struct {
  int img_resolution; /* output width = height */
  int img_channels;   /* 1, 3 or 4 */
  int c_dim;          /* class labels, 0 = unconditional */
  int z_dim;
  int w_dim;
  int num_ws;      /* rows of the ws matrix */
  int num_layers;  /* synthesis layers (StyleGAN3: excluding input, ToRGB) */
  int conv_kernel; /* StyleGAN3: 3 for config T, 1 for R */
  int use_radial_filters;
  double flops;             /* multiply-adds x 2 per synthesis pass */
  const char *config;       /* "stylegan3-t", "stylegan3-r", ... */
  const char *init_kwargs;  /* the Generator's constructor arguments, JSON */
  const char *family;       /* "stylegan3", "stylegan-xl" */
  const char *architecture; /* family-specific: "t", "r", ... */
  int has_noise;            /* noise inputs: sg3_request.noise_mode matters */
  int has_transform;        /* an input transform: translate/rotate matter */
} sg3_model_info;

typedef struct {
  /* 3x3 convolutions by Winograd F(4x4, 3x3): faster, four times the packed
   * weights. Default 1; the environment variable SG3_NO_WINOGRAD=1
   * overrides it (for tests and comparisons). */
  int winograd;
  /* Memory budget in bytes for what loading allocates beyond the file's
   * tensors (packed weights): a model estimated above it is refused with
   * SG3_ERR_TOO_LARGE and the estimate, before anything is allocated.
   * 0 = the default, 3/4 of the memory (physical, or the cgroup's limit);
   * UINT64_MAX = no limit. */
  uint64_t max_memory;
} sg3_load_options;

SG3_API void sg3_load_options_init(sg3_load_options *options);

/* Load a model: safetensors (this project's format) or an official network
 * pickle (.pkl; G_ema is used): NVIDIA's StyleGAN3 or StyleGAN-XL's
 * Generator and SuperresGenerator, training snapshots included. The format is
 * detected from the content, not the name. options may be NULL (the defaults).
 * On success *model holds a new reference. A file that is open already (the
 * same file, by whatever path, unchanged: device, inode, size and
 * modification time; with the same winograd setting) is not loaded again:
 * *model is another reference to that model, shared read-only (its weights
 * are held once however many generators use it; max_memory is not
 * consulted, nothing is allocated). */
SG3_API sg3_status sg3_model_open(const char *path,
                                  const sg3_load_options *options,
                                  sg3_model **model, char **error);
/* The same from memory; `name` is used in error messages. The bytes are
 * copied, the caller keeps ownership of `data`. */
SG3_API sg3_status sg3_model_open_memory(const void *data, size_t size,
                                         const char *name,
                                         const sg3_load_options *options,
                                         sg3_model **model, char **error);
/* Shorthands with the default options; NULL on error. */
SG3_API sg3_model *sg3_model_load(const char *path, char **error);
SG3_API sg3_model *sg3_model_load_from_memory(const void *data, size_t size,
                                              const char *name, char **error);
/* A model built from init_kwargs (JSON, as stored in our safetensors) with
 * random weights and designed filters; for benchmarks and tests.
 * "stylegan-xl" takes a Generator's init_kwargs (train.py's G_kwargs) and
 * optionally "superres": [{"head_layers": H, "up_factor": U}, ...], stages
 * grown on it as train.py --superres does, and "embed_num_embeddings" /
 * "embed_embedding_dim" (the class table; 1000 x 320 by default). */
SG3_API sg3_model *sg3_model_new_random(const char *init_kwargs_json,
                                        uint64_t seed, char **error);
/* The same for a given family ("stylegan3", ...; NULL = "stylegan3") and
 * load options (NULL = the defaults). */
SG3_API sg3_status sg3_model_create_random(const char *family,
                                           const char *init_kwargs_json,
                                           uint64_t seed,
                                           const sg3_load_options *options,
                                           sg3_model **model, char **error);
/* Write the model as safetensors. */
SG3_API sg3_status sg3_model_save_safetensors(const sg3_model *model,
                                              const char *path, char **error);

SG3_API sg3_model *sg3_model_ref(sg3_model *model);
SG3_API void sg3_model_unref(sg3_model *model);
SG3_API void sg3_model_get_info(const sg3_model *model, sg3_model_info *info);

/* The mapping network's centre of mass in w-space (w_dim floats), toward
 * which truncation pulls. class_index selects a class's own centre where
 * the family has them (conditional StyleGAN-XL models: 0 .. c_dim-1, else
 * SG3_ERR_INVALID_ARGUMENT); others ignore it. */
SG3_API sg3_status sg3_model_get_w_avg(const sg3_model *model, int class_index,
                                       float *w_avg, char **error);

/* ---- Generators -------------------------------------------------------- */

typedef struct {
  /* Threads for synthesis: the calling thread and threads - 1 workers of the
   * generator's own ("sg3-worker-N"), which sleep when it is idle; 0 = one
   * per CPU available to the process (the default). Results are the same
   * for any count. */
  int threads;
  /* SIMD kernels: NULL = the best this CPU has, else "avx512", "avx2" or
   * "generic" (at most what the CPU has). The environment variable
   * SG3_SIMD=generic|avx2 lowers the default (for tests). */
  const char *simd;
  /* A pool shared with other generators instead of threads of its own
   * (threads is then ignored); the generator keeps a reference. NULL =
   * its own. */
  sg3_thread_pool *pool;
  /* Memory budget in bytes for the generator's buffers (as
   * sg3_load_options.max_memory): above it creation fails with
   * SG3_ERR_TOO_LARGE and the estimate, allocating nothing. 0 = 3/4 of the
   * memory, UINT64_MAX = no limit. */
  uint64_t max_memory;
} sg3_generator_options;

SG3_API void sg3_generator_options_init(sg3_generator_options *options);
/* options may be NULL. On success *gen holds a new generator. */
SG3_API sg3_status sg3_generator_create(sg3_model *model,
                                        const sg3_generator_options *options,
                                        sg3_generator **gen, char **error);
/* With the default options; NULL on error. */
SG3_API sg3_generator *sg3_generator_new(sg3_model *model, char **error);
SG3_API void sg3_generator_free(sg3_generator *gen);
SG3_API const sg3_model *sg3_generator_get_model(const sg3_generator *gen);

/* Cancellation: the generator calls `cancel` between layers and before
 * each task of a layer (a fraction of a layer's time); once it returns
 * non-zero the call in progress stops and returns SG3_ERR_CANCELLED (the
 * output is then undefined), and the next call starts afresh. May be called
 * from the generator's threads; it must be cheap and thread-safe. NULL
 * removes the hook. */
typedef int (*sg3_cancel_fn)(void *user);
SG3_API void sg3_generator_set_cancel(sg3_generator *gen, sg3_cancel_fn cancel,
                                      void *user);

/* Thread pools shared by several generators (sg3_generator_options.pool),
 * e.g. two streams in one process that should not start two sets of
 * per-CPU workers. Generators on one pool may be used from different
 * threads at once: their parallel regions take turns on the pool's
 * threads, and every generator gives the same bits as on a pool of its
 * own. threads: 0 = one per CPU. The pool lives until its last reference
 * (the creator's and each generator's) is gone. */
SG3_API sg3_status sg3_thread_pool_create(int threads, sg3_thread_pool **pool,
                                          char **error);
SG3_API sg3_thread_pool *sg3_thread_pool_ref(sg3_thread_pool *pool);
SG3_API void sg3_thread_pool_unref(sg3_thread_pool *pool);
SG3_API int sg3_thread_pool_get_threads(const sg3_thread_pool *pool);

/* ---- Requests: one frame from its description -------------------------- */

typedef enum {
  SG3_LATENT_SEED, /* z = np.random.RandomState(seed).randn(1, z_dim) */
  SG3_LATENT_Z,    /* z given (z_dim doubles) */
  SG3_LATENT_WS,   /* ws given, after truncation (as projected_w.npz) */
  SG3_LATENT_WALK, /* ws of a walk (sg3_walk) at a position */
} sg3_latent_source;

typedef enum {
  SG3_NOISE_CONST,  /* the stored noise buffers, as gen_images.py's default */
  SG3_NOISE_NONE,   /* no noise */
  SG3_NOISE_RANDOM, /* fresh noise from noise_seed (not bit-equal to torch) */
} sg3_noise_mode;

/* Where style-mixed rows come from. */
typedef enum {
  SG3_MIX_NONE,
  SG3_MIX_SEED, /* another seed, mapped as the request's */
  SG3_MIX_WS,   /* given ws (e.g. from a latents file) */
} sg3_mix_source;

typedef enum {
  SG3_PIXELS_F32_CHW, /* float [C, H, W], about [-1, 1], as G.synthesis */
  SG3_PIXELS_U8_HWC,  /* uint8 [H, W, C], as gen_images.py saves PNGs */
} sg3_pixel_format;

typedef struct {
  /* Where the latent comes from. */
  sg3_latent_source source;
  uint32_t seed;        /* SG3_LATENT_SEED */
  const double *z;      /* SG3_LATENT_Z: z_dim values */
  const float *ws;      /* SG3_LATENT_WS: ws_rows x w_dim values */
  int ws_rows;          /* 1 (broadcast to every row) or num_ws */
  const sg3_walk *walk; /* SG3_LATENT_WALK */
  double walk_position; /* in keyframes: 0 = the first, wraps */
  /* Mapping (SEED and Z; a walk's keyframes have their own). */
  int class_index;    /* conditional models: 0 .. c_dim-1; -1 = none */
  const float *label; /* c_dim floats instead of class_index, or NULL */
  float psi;          /* truncation psi; 1 = none */
  int cutoff;         /* truncate only the first `cutoff` ws; -1 = all */
  /* Synthesis. */
  double translate_x, translate_y, rotate; /* as gen_images.py; degrees */
  sg3_noise_mode noise_mode;
  uint32_t noise_seed; /* SG3_NOISE_RANDOM */

  /* Editing in w-space, after truncation, in this order: seed blending,
   * style mixing, the direction. (The official tools truncate first too;
   * the results agree with theirs to float rounding.) */
  /* SG3_LATENT_SEED: blend toward seed + 1, 0..1: ws = w_avg + (1 - b)
   * (ws(seed) - w_avg) + b (ws(seed + 1) - w_avg), each truncated, as the
   * visualizer's latent widget scrubs through seeds. */
  double seed_blend;
  /* Style mixing: rows mix_first..mix_last (inclusive; -1 = the last row)
   * of the ws come from the mix source, as style_mixing.py --styles and the
   * visualizer's stylemix widget. Rows past num_ws are ignored. */
  sg3_mix_source mix_source;
  uint32_t mix_seed;   /* SG3_MIX_SEED: mapped with this class, psi, cutoff */
  const float *mix_ws; /* SG3_MIX_WS: mix_ws_rows x w_dim, after truncation */
  int mix_ws_rows;     /* 1 (every row) or num_ws */
  int mix_first, mix_last;
  /* A latent direction: ws rows direction_first..direction_last (inclusive;
   * -1 = the last) += direction_strength * direction. NULL = none. */
  const float *direction; /* direction_rows x w_dim */
  int direction_rows;     /* 1 (every row) or num_ws */
  double direction_strength;
  int direction_first, direction_last;
  /* Anchoring (families with an input transform, StyleGAN3): the input
   * layer's learned transform no longer follows the frame's w but is fixed
   * at w_avg's, as stylegan3-fun's anchor_latent_space() (--anchor-latent-
   * space): its affine's bias becomes bias + affine(w_avg) and its weight
   * zero. (That counts the bias twice; we compute what stylegan3-fun
   * computes.) Families without a transform ignore it. */
  int anchor;
  /* Multimodal truncation (StyleGAN-XL's gen_images.py --centroids-path):
   * num_centroids x w_dim centres (e.g. its imagenet_centroids.npy), or
   * NULL. Truncation then pulls toward the centre nearest (L2) to the
   * mapped w, whatever the class, as w_avg + (w - w_avg) * psi. SEED and
   * Z sources; the caller keeps the array alive during the call. */
  const float *centroids;
  int num_centroids;
} sg3_request;

/* Defaults: seed 0, no class, psi 1, cutoff -1, no transform, noise const;
 * no blend, mixing or direction (mix and direction rows: all, strength 1),
 * no anchoring, no centroids.
 *
 * A request renders what the family's gen_images.py renders:
 *  - StyleGAN3: G(z, label, truncation_psi), truncation in the mapping
 *    (torch lerp toward w_avg); conditional models need a class;
 *  - StyleGAN-XL (gen_utils.get_w_from_seed): the mapping with psi 1,
 *    then w_avg + (w - w_avg) * psi with the class's own w_avg; a
 *    conditional model given no class (class_index -1, no label) takes
 *    the class gen_images.py draws from the seed,
 *    RandomState(seed).randint(c_dim) (SEED source only); 8-bit pixels by
 *    its rule (sg3_model_image_to_u8).
 * sg3_mapping is G.mapping for every family. */
SG3_API void sg3_request_init(sg3_request *req);

/* Bytes of one frame in the given format. */
SG3_API size_t sg3_model_frame_size(const sg3_model *model,
                                    sg3_pixel_format format);

/* Renders the request into `pixels` (sg3_model_frame_size bytes). */
SG3_API sg3_status sg3_render(sg3_generator *gen, const sg3_request *req,
                              sg3_pixel_format format, void *pixels,
                              char **error);
/* Only the ws a request renders (num_ws x w_dim floats): a seed to ws. */
SG3_API sg3_status sg3_request_ws(sg3_generator *gen, const sg3_request *req,
                                  float *ws, char **error);

/* ---- Walks: videos through keyframes ----------------------------------- */

typedef enum {
  /* scipy interp1d(kind='cubic') through the keyframes' ws, looping, as
   * gen_video.py renders it (the same curve, not an approximation). */
  SG3_WALK_CUBIC,
  /* Straight lines between the keyframes' ws (gen_video.py --kind linear,
   * stylegan3-fun's lerp). */
  SG3_WALK_LINEAR,
  /* Spherical interpolation (stylegan3-fun's slerp): of the seeds' z,
   * each point then mapped (classes blend linearly in between); of the ws
   * for keyframes given as ws (as stylegan3-fun's latent_walk.py). */
  SG3_WALK_SLERP,
  /* A seamless random loop in z through the first keyframe's z (the base
   * seed's): each z dimension follows a smooth Gaussian process on a circle
   * of radius loop_radius, conditioned on that z at position 0, so that
   * every frame's z is standard normal like a seed's. Radius 0 stands
   * still; the larger, the further and faster it wanders (about 1: a
   * gentle drift, 3: a new image every few positions). One loop takes
   * num_keyframes positions. */
  SG3_WALK_NOISE_LOOP,
} sg3_walk_kind;

typedef struct {
  sg3_walk_kind kind;
  int num_keyframes; /* >= 1 */
  /* Keyframe seeds: seeds[i], or when NULL the base request's seed + i. */
  const uint32_t *seeds;
  /* Conditional models: keyframe i's class (mapped with it, so that walks
   * blend classes), or NULL for the base request's. */
  const int *classes;
  /* Keyframes given as ws instead of seeds (e.g. a latents file):
   * num_keyframes x ws_rows x w_dim floats, after truncation; NULL = seeds.
   * The base request's class and psi do not apply to them. */
  const float *ws;
  int ws_rows; /* 1 (every row) or num_ws */
  /* SG3_WALK_NOISE_LOOP: radius of the circle, 0 .. 100. */
  double loop_radius;
} sg3_walk_spec;

/* Defaults: cubic, 8 keyframes from the base seed, loop radius 1. */
SG3_API void sg3_walk_spec_init(sg3_walk_spec *spec);
/* Maps the keyframes with `gen`, each as `base` (class, psi, cutoff) with
 * its own seed, and fits the curve. */
SG3_API sg3_status sg3_walk_create(sg3_generator *gen, const sg3_request *base,
                                   const sg3_walk_spec *spec, sg3_walk **walk,
                                   char **error);
SG3_API void sg3_walk_free(sg3_walk *walk);
SG3_API int sg3_walk_num_keyframes(const sg3_walk *walk);
/* ws (num_ws x w_dim floats) at position t, in keyframes (t = 0 is the first
 * keyframe, t = 1 the second, ...), wrapping modulo the keyframe count. At
 * whole t they are the keyframe's ws, bit for bit. */
SG3_API void sg3_walk_eval(const sg3_walk *walk, double t, float *ws);
/* Walks in z (slerp of seeds, noise loops) are mapped at every position,
 * which needs a generator: sg3_walk_ws works for every kind (sg3_walk_eval
 * gives the nearest keyframe's ws for those). The same as sg3_request_ws
 * with SG3_LATENT_WALK. */
SG3_API sg3_status sg3_walk_ws(sg3_generator *gen, const sg3_walk *walk,
                               double t, float *ws, char **error);
/* Whether the walk is mapped at every position (SG3_WALK_SLERP of seeds,
 * SG3_WALK_NOISE_LOOP). */
SG3_API int sg3_walk_in_z(const sg3_walk *walk);

/* The order numpy.random.RandomState(shuffle_seed).shuffle() gives n
 * items (as gen_video.py --shuffle-seed shuffles its seeds): item i of the
 * shuffled list is item order[i] of the original. */
SG3_API void sg3_shuffle_order(uint32_t shuffle_seed, int n, int *order);

/* ---- Latent files: .npy and .npz ---------------------------------------- */

/* Latents read from numpy files: projected_w.npz (key "w", [1, num_ws,
 * w_dim], as the official projector writes it), .npy of [w_dim], [num_ws,
 * w_dim], [N, num_ws, w_dim] or [N, 1, w_dim]; float16/32/64 in either
 * byte order and C or Fortran order, read as float32. Pickled object
 * arrays are refused, never unpickled. */
typedef struct {
  float *ws; /* count x rows x w_dim floats; free with sg3_latents_clear */
  int count; /* latents in the file (keyframes) */
  int rows;  /* of each: 1 (one w for every row) or num_ws */
  int w_dim;
  int ndim; /* the array's shape as stored, for messages */
  size_t shape[8];
} sg3_latents;

typedef enum {
  /* The first axis always counts latents: [N, w_dim] are N w vectors
   * (e.g. a file of directions, as sg3-directions writes). Without it a
   * 2-D array is one latent: [num_ws, w_dim] or [1, w_dim]. */
  SG3_LATENTS_LIST = 1 << 0,
} sg3_latents_flags;

/* Reads `path` (.npy or .npz, told apart by content) for the model's
 * w_dim and num_ws. A shape or dtype the model cannot take is
 * SG3_ERR_INVALID_ARGUMENT with a message naming the file's shape and the
 * model's; non-finite values are refused. */
SG3_API sg3_status sg3_latents_load(const char *path, const sg3_model *model,
                                    int flags, sg3_latents *latents,
                                    char **error);
SG3_API sg3_status sg3_latents_load_memory(const void *data, size_t size,
                                           const char *name,
                                           const sg3_model *model, int flags,
                                           sg3_latents *latents, char **error);
SG3_API void sg3_latents_clear(sg3_latents *latents);
/* Writes count x rows x w_dim floats as float32 [count, rows, w_dim]: an
 * .npz with the key "w" (projected_w.npz's format) if path ends in .npz,
 * else an .npy. The file appears whole or not at all (written beside it,
 * then renamed). */
SG3_API sg3_status sg3_latents_save(const char *path, const float *ws,
                                    int count, int rows, int w_dim,
                                    char **error);

/* ---- Steps ------------------------------------------------------------- */

/* z = np.random.RandomState(seed).randn(1, z_dim), bit for bit. */
SG3_API void sg3_z_from_seed(uint32_t seed, double *z, int z_dim);

/* The classes StyleGAN-XL's gen_images.py draws for a seed when it is given
 * no --class: np.random.RandomState(seed).randint(0, c_dim, size=n), bit
 * for bit (n images of a --batch-sz; c_dim >= 1). */
SG3_API void sg3_classes_from_seed(uint32_t seed, int c_dim, int n,
                                   int *classes);

/* The inverse transform matrix (row-major 3x3) that gen_images.py stores in
 * G.synthesis.input.transform for --translate tx,ty --rotate deg. */
SG3_API void sg3_make_transform(double tx, double ty, double rotate_deg,
                                float inverse[9]);

/* 8-bit pixels exactly as StyleGAN3's gen_images.py: (x * 127.5 + 128)
 * clamped to [0, 255] and truncated. `img` is CHW float, `out` is HWC
 * interleaved. */
SG3_API void sg3_image_to_u8(const float *img, int channels, int height,
                             int width, uint8_t *out);
/* The same by the rule of the model's family's gen_images.py (StyleGAN-XL:
 * trunc(clamp((x + 1) * 255 / 2)), which differs by one in about half the
 * values); what sg3_render's SG3_PIXELS_U8_HWC gives. One frame of the
 * model's size. */
SG3_API void sg3_model_image_to_u8(const sg3_model *model, const float *img,
                                   uint8_t *out);

/* Mapping network. `c` is the conditioning label (c_dim floats, e.g. one-hot;
 * NULL for unconditional models). psi = 1 disables truncation; cutoff < 0
 * truncates all ws, else the first `cutoff`. ws: num_ws * w_dim floats. */
SG3_API sg3_status sg3_mapping(sg3_generator *gen, const double *z,
                               const float *c, float psi, int cutoff, float *ws,
                               char **error);

/* Synthesis network. ws: num_ws * w_dim floats. transform: the inverse
 * matrix of sg3_make_transform, NULL = the model's stored one. Noise, where
 * the family has it, is the stored constant noise. img: CHW floats, about
 * [-1, 1]. */
SG3_API sg3_status sg3_synthesis(sg3_generator *gen, const float *ws,
                                 const float *transform, float *img,
                                 char **error);

/* Per-layer hook for debugging and profiling: called after the input layer
 * (index -1, name "input") and after each synthesis layer with its CHW
 * output. */
typedef void (*sg3_layer_callback)(void *user, int index, const char *name,
                                   const float *x, int channels, int height,
                                   int width);
SG3_API void sg3_generator_set_layer_callback(sg3_generator *gen,
                                              sg3_layer_callback cb,
                                              void *user);

/* ---- Performance: threads and profiling --------------------------------- */

/* Changes a generator's thread count (see sg3_generator_options.threads).
 * Not while the generator is in use. */
SG3_API sg3_status sg3_generator_set_threads(sg3_generator *gen, int n_threads,
                                             char **error);
SG3_API int sg3_generator_get_threads(const sg3_generator *gen);

/* Wall time per stage, summed over calls while profiling is on. */
typedef struct {
  const char *name; /* "mapping", "styles", "input", then each layer's */
  double conv_s;    /* modulated conv (input layer: its matrix product) */
  double filter_s;  /* filtered leaky ReLU */
  double other_s;   /* the rest: affine, features, padding, callbacks */
  long calls;
} sg3_layer_profile;

/* Turning profiling on or off clears the counters. */
SG3_API void sg3_generator_set_profiling(sg3_generator *gen, int enable);
/* Copies min(max, count) entries to out; returns count. */
SG3_API int sg3_generator_get_profile(const sg3_generator *gen,
                                      sg3_layer_profile *out, int max);

/* The SIMD kernels a generator uses: "avx512", "avx2" or "generic". */
SG3_API const char *sg3_generator_simd(const sg3_generator *gen);
/* The default kernels for this CPU (after SG3_SIMD). */
SG3_API const char *sg3_simd_name(void);

#ifdef __cplusplus
}
#endif
#endif
