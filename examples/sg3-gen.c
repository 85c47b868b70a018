/* sg3-gen: images from a StyleGAN3, StyleGAN2 or StyleGAN-XL network, with
 * the options and output of the official gen_images.py (StyleGAN-XL's adds
 * --batch-sz, --centroids-path and a class drawn from the seed); also
 * generate.py's --projected-w and style_mixing.py's grid, and the editing
 * options of sg3src (directions, anchoring, fractional seeds). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes_arg.h"
#include "npy.h"
#include "pngio.h"
#include "sg3.h"

static const char *prog = "sg3-gen";

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s --network FILE (--seeds LIST | --projected-w FILE) "
          "--outdir DIR [options]\n"
          "\n"
          "Generates images like gen_images.py (StyleGAN3's, or "
          "StyleGAN-XL's for its\n"
          "networks): DIR/seedNNNN.png for each seed.\n"
          "\n"
          "  --network FILE      model (.safetensors, or an official .pkl:\n"
          "                      StyleGAN3, StyleGAN2(-ADA), TensorFlow "
          "StyleGAN2)\n"
          "  --seeds LIST        seeds, e.g. 0,1,4-6\n"
          "  --projected-w FILE  render the ws of a latents file instead "
          "(projected_w.npz,\n"
          "                      .npy of [w_dim], [num_ws, w_dim] or [N, "
          "num_ws, w_dim]):\n"
          "                      DIR/projNN.png for each, as generate.py\n"
          "  --outdir DIR        output directory (created if missing)\n"
          "  --save-w WDIR       also write the ws of every image as "
          "WDIR/<name>.npz\n"
          "                      (projected_w.npz's format: key w, [1, "
          "num_ws, w_dim])\n"
          "  --mix-seeds LIST    style mixing, as style_mixing.py: for every "
          "seed S and\n"
          "                      mix seed M, DIR/S-M.png has rows --styles "
          "from M\n"
          "  --styles RANGE      the ws rows taken from the mix seed (default "
          "0-6)\n"
          "  --mix-grid          also write style_mixing.py's DIR/grid.png\n"
          "  --direction FILE    add a latent direction (.npy of [w_dim] or "
          "[num_ws, w_dim])\n"
          "  --direction-index I the I-th direction of a file of several "
          "([K, w_dim])\n"
          "  --direction-strength S   ws + S * direction (default 1)\n"
          "  --direction-layers RANGE the ws rows it moves (default all)\n"
          "  --anchor            anchor the input transform at w_avg "
          "(stylegan3-fun's\n"
          "                      --anchor-latent-space; StyleGAN3 only)\n"
          "  --seed-blend B      blend each seed toward seed+1 by B in 0..1 "
          "(the\n"
          "                      visualizer's fractional seeds)\n"
          "  --trunc PSI         truncation psi (default 1)\n"
          "  --trunc-cutoff N    truncate only the first N ws (default all)\n"
          "  --class LIST        class label(s), e.g. 207 or 1,3-5; "
          "required for\n"
          "                      conditional StyleGAN3 models; StyleGAN-XL "
          "draws it\n"
          "                      from the seed when it is not given. With "
          "several:\n"
          "                      DIR/seedNNNN-classKKKK.png\n"
          "  --centroids-path F  multimodal truncation toward the nearest of "
          "the\n"
          "                      centroids in F (.npy [K, w_dim], as "
          "StyleGAN-XL's)\n"
          "  --batch-sz N        N images per seed in a grid, z = "
          "randn(N, z_dim)\n"
          "                      (StyleGAN-XL's gen_images.py; default 1)\n"
          "  --translate X,Y     translate the image (default 0,0; not "
          "StyleGAN2)\n"
          "  --rotate DEG        rotate the image (default 0; not StyleGAN2)\n"
          "  --noise-mode MODE   const (default), none or random: the "
          "per-layer\n"
          "                      noise of networks that have it "
          "(StyleGAN2);\n"
          "                      random noise is drawn from the seed "
          "(repeatable,\n"
          "                      not torch's)\n"
          "  --npy               also write DIR/seedNNNN.npy (float32 "
          "[C,H,W], with\n"
          "                      --batch-sz [N,C,H,W])\n"
          "  --max-memory SIZE   refuse models and generators estimated "
          "above SIZE\n"
          "                      bytes (e.g. 4G; default 3/4 of the "
          "memory; none)\n"
          "  -h, --help          this help\n",
          prog);
}

static int fail(const char *fmt, const char *arg) {
  fprintf(stderr, "%s: ", prog);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return 1;
}

static int parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  return end != s && *end == '\0' && errno == 0 && isfinite(*out) ? 0 : -1;
}

static int parse_uint(const char *s, unsigned long long max,
                      unsigned long long *out) {
  if (*s < '0' || *s > '9')
    return -1;
  char *end;
  errno = 0;
  *out = strtoull(s, &end, 10);
  return *end == '\0' && errno == 0 && *out <= max ? 0 : -1;
}

/* "3-8" or "3" -> first, last (inclusive). */
static int parse_range(const char *s, int *first, int *last) {
  unsigned long long a = 0, b = 0;
  char *copy = strdup(s);
  if (!copy)
    return -1;
  char *dash = strchr(copy, '-');
  int rc;
  if (dash) {
    *dash = '\0';
    rc = parse_uint(copy, 1 << 20, &a) || parse_uint(dash + 1, 1 << 20, &b) ||
         b < a;
  } else {
    rc = parse_uint(copy, 1 << 20, &a);
    b = a;
  }
  free(copy);
  *first = (int)a;
  *last = (int)b;
  return rc ? -1 : 0;
}

/* os.makedirs(path, exist_ok=True), as gen_images.py creates --outdir. */
static int make_dirs(const char *path) {
  char *p = strdup(path);
  if (!p)
    return -1;
  int rc = 0;
  for (char *s = p + 1; *s && !rc; s++)
    if (*s == '/') {
      *s = 0;
      rc = mkdir(p, 0777) != 0 && errno != EEXIST;
      *s = '/';
    }
  if (!rc)
    rc = mkdir(p, 0777) != 0 && errno != EEXIST;
  free(p);
  return rc ? -1 : 0;
}

/* np.load of a [K, w_dim] float32 or float64 .npy, as floats. */
static float *read_centroids(const char *path, int w_dim, int *k) {
  npy_array a;
  char err[512];
  if (npy_read(path, &a, err, sizeof err)) {
    fail("--centroids-path: %s", err);
    return NULL;
  }
  int f4 = !strcmp(a.dtype, "<f4"), f8 = !strcmp(a.dtype, "<f8");
  if ((!f4 && !f8) || a.ndim != 2 || a.shape[1] != (size_t)w_dim ||
      a.shape[0] < 1 || a.shape[0] > 1 << 24) {
    fprintf(stderr,
            "%s: --centroids-path: %s is not a [K, %d] float array (the "
            "model's w_dim)\n",
            prog, path, w_dim);
    npy_free(&a);
    return NULL;
  }
  float *c = malloc(a.numel * sizeof *c);
  for (size_t i = 0; c && i < a.numel; i++)
    c[i] = f4 ? ((float *)a.data)[i] : (float)((double *)a.data)[i];
  for (size_t i = 0; c && i < a.numel; i++)
    if (!isfinite(c[i])) {
      fail("--centroids-path: %s holds NaN or infinity", path);
      free(c);
      c = NULL;
    }
  *k = (int)a.shape[0];
  npy_free(&a);
  return c;
}

/* "0,1,4-6" -> seeds; at most 1 << 20 of them. */
static int parse_seeds(const char *s, uint32_t **seeds, size_t *n) {
  size_t cap = 16;
  *n = 0;
  *seeds = malloc(cap * sizeof **seeds);
  char *copy = strdup(s);
  if (!*seeds || !copy) {
    free(*seeds);
    free(copy);
    *seeds = NULL;
    return -1;
  }
  int rc = 0;
  for (char *tok = strtok(copy, ","); tok && !rc; tok = strtok(NULL, ",")) {
    unsigned long long lo, hi;
    char *dash = strchr(tok, '-');
    if (dash) {
      *dash = '\0';
      rc = parse_uint(tok, UINT32_MAX, &lo) ||
           parse_uint(dash + 1, UINT32_MAX, &hi) || hi < lo;
    } else {
      rc = parse_uint(tok, UINT32_MAX, &lo);
      hi = lo;
    }
    for (unsigned long long v = lo; !rc && v <= hi; v++) {
      if (*n == 1 << 20) {
        rc = -1;
        break;
      }
      if (*n == cap) {
        uint32_t *p = realloc(*seeds, 2 * cap * sizeof *p);
        if (!p) {
          rc = -1;
          break;
        }
        *seeds = p;
        cap *= 2;
      }
      (*seeds)[(*n)++] = (uint32_t)v;
    }
  }
  free(copy);
  if (rc || *n == 0) {
    free(*seeds);
    *seeds = NULL;
    return -1;
  }
  return 0;
}

typedef struct {
  sg3_generator *gen;
  sg3_model_info info;
  const char *outdir;
  int write_npy;
  const char *save_w; /* directory for the ws, or NULL */
  float *img, *ws;
  uint8_t *u8;
  /* --batch-sz: N images of one seed in a grid (gen_utils.create_image_grid:
   * ceil(sqrt(N)) columns, row by row, black where none) */
  int batch;
  uint8_t *grid;
  double *z;
  int *classes;
} output;

/* Renders the request as DIR/<name>.png (and .npy, .npz); keeps the 8-bit
 * pixels in o->u8. */
static int emit(output *o, const sg3_request *request, const char *name) {
  char *error = NULL;
  /* --noise-mode random: the image's seed draws the noise, so that it is
   * repeatable. */
  sg3_request r = *request;
  const sg3_request *req = &r;
  r.noise_seed = request->seed;
  if (sg3_render(o->gen, req, SG3_PIXELS_F32_CHW, o->img, &error) != SG3_OK ||
      (o->save_w && sg3_request_ws(o->gen, req, o->ws, &error) != SG3_OK)) {
    fail("%s", error);
    free(error);
    return -1;
  }
  const sg3_model_info *i = &o->info;
  char path[4096];
  /* the 8-bit rule of the family's gen_images.py */
  sg3_model_image_to_u8(sg3_generator_get_model(o->gen), o->img, o->u8);
  snprintf(path, sizeof path, "%s/%s.png", o->outdir, name);
  if (png_write_u8(path, o->u8, i->img_resolution, i->img_resolution,
                   i->img_channels)) {
    fail("cannot write %s", path);
    return -1;
  }
  if (o->write_npy) {
    size_t shape[3] = {(size_t)i->img_channels, (size_t)i->img_resolution,
                       (size_t)i->img_resolution};
    snprintf(path, sizeof path, "%s/%s.npy", o->outdir, name);
    if (npy_write_f32(path, o->img, 3, shape)) {
      fail("cannot write %s", path);
      return -1;
    }
  }
  if (o->save_w) {
    snprintf(path, sizeof path, "%s/%s.npz", o->save_w, name);
    if (sg3_latents_save(path, o->ws, 1, i->num_ws, i->w_dim, &error) !=
        SG3_OK) {
      fail("%s", error);
      free(error);
      return -1;
    }
  }
  return 0;
}

/* StyleGAN-XL's gen_images.py --batch-sz N: z = RandomState(seed).randn(N,
 * z_dim), row by row, and without a class the N classes its RandomState(seed)
 * draws; one grid image. */
static int emit_batch(output *o, const sg3_request *base, const char *name) {
  const sg3_model_info *i = &o->info;
  const int N = o->batch, R = i->img_resolution, C = i->img_channels;
  const int gw = (int)ceil(sqrt((double)N)), gh = (N - 1) / gw + 1;
  const size_t npix = (size_t)C * R * R, nws = (size_t)i->num_ws * i->w_dim;
  sg3_request req = *base;
  char *error = NULL;
  sg3_z_from_seed(base->seed, o->z, N * i->z_dim);
  if (i->c_dim > 0 && base->class_index < 0)
    sg3_classes_from_seed(base->seed, i->c_dim, N, o->classes);
  memset(o->grid, 0, (size_t)gw * gh * npix);
  req.source = SG3_LATENT_Z;
  for (int b = 0; b < N; b++) {
    req.z = o->z + (size_t)b * i->z_dim;
    if (i->c_dim > 0 && base->class_index < 0)
      req.class_index = o->classes[b];
    float *img = o->img + (size_t)b * npix;
    if (sg3_render(o->gen, &req, SG3_PIXELS_F32_CHW, img, &error) != SG3_OK ||
        (o->save_w &&
         sg3_request_ws(o->gen, &req, o->ws + b * nws, &error) != SG3_OK)) {
      fail("%s", error);
      free(error);
      return -1;
    }
    sg3_model_image_to_u8(sg3_generator_get_model(o->gen), img, o->u8);
    int gx = b % gw, gy = b / gw;
    for (int y = 0; y < R; y++)
      memcpy(o->grid + (((size_t)gy * R + y) * gw * R + (size_t)gx * R) * C,
             o->u8 + (size_t)y * R * C, (size_t)R * C);
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.png", o->outdir, name);
  if (png_write_u8(path, o->grid, gw * R, gh * R, C)) {
    fail("cannot write %s", path);
    return -1;
  }
  size_t shape[4] = {(size_t)N, (size_t)C, (size_t)R, (size_t)R};
  snprintf(path, sizeof path, "%s/%s.npy", o->outdir, name);
  if (o->write_npy && npy_write_f32(path, o->img, 4, shape)) {
    fail("cannot write %s", path);
    return -1;
  }
  if (o->save_w) {
    snprintf(path, sizeof path, "%s/%s.npz", o->save_w, name);
    if (sg3_latents_save(path, o->ws, N, i->num_ws, i->w_dim, &error) !=
        SG3_OK) {
      fail("%s", error);
      free(error);
      return -1;
    }
  }
  return 0;
}

/* style_mixing.py's grid.png: the mix seeds along the top, the seeds down
 * the left, each mix in between; the corner black. */
static int write_grid(output *o, const sg3_request *base, const uint32_t *rows,
                      size_t nrows, const uint32_t *cols, size_t ncols) {
  const int R = o->info.img_resolution, C = o->info.img_channels;
  size_t gw = (ncols + 1) * (size_t)R, gh = (nrows + 1) * (size_t)R;
  uint8_t *grid = calloc(gw * gh, (size_t)C);
  if (!grid) {
    fail("%s", "out of memory");
    return -1;
  }
  if (C == 4) /* style_mixing.py's canvas is opaque black */
    for (size_t p = 0; p < gw * gh; p++)
      grid[p * 4 + 3] = 255;
  char *error = NULL;
  int rc = 0;
  for (size_t r = 0; r <= nrows && !rc; r++)
    for (size_t c = 0; c <= ncols && !rc; c++) {
      if (!r && !c)
        continue;
      sg3_request req = *base;
      req.seed = r ? rows[r - 1] : cols[c - 1];
      if (r && c) {
        req.mix_source = SG3_MIX_SEED;
        req.mix_seed = cols[c - 1];
      } else {
        req.mix_source = SG3_MIX_NONE;
      }
      if (sg3_render(o->gen, &req, SG3_PIXELS_U8_HWC, o->u8, &error) !=
          SG3_OK) {
        fail("%s", error);
        free(error);
        rc = -1;
        break;
      }
      for (int y = 0; y < R; y++)
        memcpy(grid + ((r * R + (size_t)y) * gw + c * R) * C,
               o->u8 + (size_t)y * R * C, (size_t)R * C);
    }
  char path[4096];
  snprintf(path, sizeof path, "%s/grid.png", o->outdir);
  if (!rc && png_write_u8(path, grid, (int)gw, (int)gh, C)) {
    fail("cannot write %s", path);
    rc = -1;
  }
  free(grid);
  return rc;
}

int main(int argc, char **argv) {
  enum {
    O_NETWORK = 256,
    O_SEEDS,
    O_OUTDIR,
    O_TRUNC,
    O_CUTOFF,
    O_CLASS,
    O_TRANSLATE,
    O_ROTATE,
    O_NOISE,
    O_NPY,
    O_PROJECTED_W,
    O_SAVE_W,
    O_MIX_SEEDS,
    O_STYLES,
    O_MIX_GRID,
    O_DIRECTION,
    O_DIRECTION_INDEX,
    O_DIRECTION_STRENGTH,
    O_DIRECTION_LAYERS,
    O_ANCHOR,
    O_SEED_BLEND,
    O_MAXMEM,
    O_CENTROIDS,
    O_BATCH,
  };
  static const struct option opts[] = {
      {"network", required_argument, 0, O_NETWORK},
      {"seeds", required_argument, 0, O_SEEDS},
      {"outdir", required_argument, 0, O_OUTDIR},
      {"trunc", required_argument, 0, O_TRUNC},
      {"trunc-cutoff", required_argument, 0, O_CUTOFF},
      {"class", required_argument, 0, O_CLASS},
      {"translate", required_argument, 0, O_TRANSLATE},
      {"rotate", required_argument, 0, O_ROTATE},
      {"noise-mode", required_argument, 0, O_NOISE},
      {"npy", no_argument, 0, O_NPY},
      {"projected-w", required_argument, 0, O_PROJECTED_W},
      {"save-w", required_argument, 0, O_SAVE_W},
      {"mix-seeds", required_argument, 0, O_MIX_SEEDS},
      {"mix-seed", required_argument, 0, O_MIX_SEEDS},
      {"styles", required_argument, 0, O_STYLES},
      {"mix-grid", no_argument, 0, O_MIX_GRID},
      {"direction", required_argument, 0, O_DIRECTION},
      {"direction-index", required_argument, 0, O_DIRECTION_INDEX},
      {"direction-strength", required_argument, 0, O_DIRECTION_STRENGTH},
      {"direction-layers", required_argument, 0, O_DIRECTION_LAYERS},
      {"anchor", no_argument, 0, O_ANCHOR},
      {"seed-blend", required_argument, 0, O_SEED_BLEND},
      {"max-memory", required_argument, 0, O_MAXMEM},
      {"centroids-path", required_argument, 0, O_CENTROIDS},
      {"batch-sz", required_argument, 0, O_BATCH},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *network = NULL, *seeds_arg = NULL, *outdir = NULL;
  const char *projected_w = NULL, *mix_arg = NULL, *direction = NULL;
  double psi = 1, tx = 0, ty = 0, rotate = 0, strength = 1, blend = 0;
  long long cutoff = -1, dir_index = -1;
  const char *classes_arg = NULL, *centroids_path = NULL;
  int batch = 1;
  const char *save_w = NULL;
  int write_npy = 0, mix_grid = 0, anchor = 0, c;
  uint64_t max_memory = 0;
  int styles_first = 0, styles_last = 6, dir_first = 0, dir_last = -1;
  sg3_noise_mode noise_mode = SG3_NOISE_CONST;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    unsigned long long u;
    switch (c) {
    case O_NETWORK:
      network = optarg;
      break;
    case O_SEEDS:
      seeds_arg = optarg;
      break;
    case O_OUTDIR:
      outdir = optarg;
      break;
    case O_TRUNC:
      if (parse_double(optarg, &psi))
        return fail("--trunc: '%s' is not a number", optarg);
      break;
    case O_CUTOFF:
      if (parse_uint(optarg, 1 << 20, &u))
        return fail("--trunc-cutoff: '%s' is not a count", optarg);
      cutoff = (long long)u;
      break;
    case O_CLASS:
      classes_arg = optarg;
      break;
    case O_CENTROIDS:
      centroids_path = optarg;
      break;
    case O_BATCH:
      if (parse_uint(optarg, 1024, &u) || u < 1)
        return fail("--batch-sz: '%s' is not a count from 1 to 1024", optarg);
      batch = (int)u;
      break;
    case O_TRANSLATE: {
      char *comma = strchr(optarg, ',');
      if (!comma)
        return fail("--translate: '%s' is not X,Y", optarg);
      *comma = '\0';
      if (parse_double(optarg, &tx) || parse_double(comma + 1, &ty))
        return fail("--translate: '%s' is not X,Y", optarg);
      break;
    }
    case O_ROTATE:
      if (parse_double(optarg, &rotate))
        return fail("--rotate: '%s' is not a number", optarg);
      break;
    case O_NOISE:
      if (!strcmp(optarg, "const"))
        noise_mode = SG3_NOISE_CONST;
      else if (!strcmp(optarg, "none"))
        noise_mode = SG3_NOISE_NONE;
      else if (!strcmp(optarg, "random"))
        noise_mode = SG3_NOISE_RANDOM;
      else
        return fail("--noise-mode: '%s' is not const, random or none", optarg);
      break;
    case O_NPY:
      write_npy = 1;
      break;
    case O_PROJECTED_W:
      projected_w = optarg;
      break;
    case O_SAVE_W:
      save_w = optarg;
      break;
    case O_MIX_SEEDS:
      mix_arg = optarg;
      break;
    case O_STYLES:
      if (parse_range(optarg, &styles_first, &styles_last))
        return fail("--styles: '%s' is not a range like 0-6", optarg);
      break;
    case O_MIX_GRID:
      mix_grid = 1;
      break;
    case O_DIRECTION:
      direction = optarg;
      break;
    case O_DIRECTION_INDEX:
      if (parse_uint(optarg, 1 << 20, &u))
        return fail("--direction-index: '%s' is not an index", optarg);
      dir_index = (long long)u;
      break;
    case O_DIRECTION_STRENGTH:
      if (parse_double(optarg, &strength))
        return fail("--direction-strength: '%s' is not a number", optarg);
      break;
    case O_DIRECTION_LAYERS:
      if (parse_range(optarg, &dir_first, &dir_last))
        return fail("--direction-layers: '%s' is not a range like 0-6", optarg);
      break;
    case O_ANCHOR:
      anchor = 1;
      break;
    case O_SEED_BLEND:
      if (parse_double(optarg, &blend) || blend < 0 || blend > 1)
        return fail("--seed-blend: '%s' is not a number in 0..1", optarg);
      break;
    case O_MAXMEM:
      if (parse_bytes_arg(optarg, &max_memory))
        return fail("--max-memory: '%s' is not a size like 4G", optarg);
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      return fail("unknown or incomplete option '%s' (see --help)",
                  argv[optind - 1]);
    }
  }
  if (optind < argc)
    return fail("unexpected argument '%s'", argv[optind]);
  if (!network || (!seeds_arg && !projected_w) || !outdir)
    return fail("%s", "--network, --seeds (or --projected-w) and --outdir "
                      "are required (see --help)");
  if (projected_w && mix_arg)
    return fail("%s", "--mix-seeds mixes seeds: not with --projected-w");
  if (mix_grid && !mix_arg)
    return fail("%s", "--mix-grid needs --mix-seeds");
  if (batch > 1 && (projected_w || mix_arg))
    return fail("%s", "--batch-sz draws latents from seeds: not with "
                      "--projected-w or --mix-seeds");
  uint32_t *seeds = NULL, *mix_seeds = NULL, *classes = NULL;
  size_t nseeds = 0, nmix = 0, nclasses = 0;
  if (seeds_arg && !projected_w && parse_seeds(seeds_arg, &seeds, &nseeds))
    return fail("--seeds: '%s' is not a list like 0,1,4-6 of seeds "
                "0..4294967295",
                seeds_arg);
  if (mix_arg && parse_seeds(mix_arg, &mix_seeds, &nmix)) {
    free(seeds);
    return fail("--mix-seeds: '%s' is not a list like 0,1,4-6 of seeds "
                "0..4294967295",
                mix_arg);
  }
  if (classes_arg && parse_seeds(classes_arg, &classes, &nclasses)) {
    free(seeds);
    free(mix_seeds);
    return fail("--class: '%s' is not a class index or a list like 1,3-5",
                classes_arg);
  }
  if (nclasses > 1 && (projected_w || mix_arg)) {
    free(seeds);
    free(mix_seeds);
    free(classes);
    return fail("%s", "several classes: only for images of --seeds");
  }

  printf("Loading networks from \"%s\"...\n", network);
  char *error = NULL;
  sg3_load_options load;
  sg3_load_options_init(&load);
  load.max_memory = max_memory;
  sg3_model *model = NULL;
  if (sg3_model_open(network, &load, &model, &error) != SG3_OK) {
    fail("%s", error);
    free(error);
    free(seeds);
    free(mix_seeds);
    free(classes);
    return 1;
  }
  output o = {.outdir = outdir,
              .write_npy = write_npy,
              .save_w = save_w,
              .batch = batch};
  sg3_model_get_info(model, &o.info);
  const sg3_model_info info = o.info;
  sg3_request req;
  sg3_request_init(&req);
  req.psi = (float)psi;
  req.cutoff = (int)cutoff;
  req.translate_x = tx;
  req.translate_y = ty;
  req.rotate = rotate;
  req.noise_mode = noise_mode;
  req.seed_blend = blend;
  req.anchor = anchor;
  req.mix_first = styles_first;
  req.mix_last = styles_last;
  int rc = 1, xl = !strcmp(info.family, "stylegan-xl");
  float *centroids = NULL;
  sg3_latents proj = {0}, dir = {0};
  if (info.c_dim > 0) {
    /* StyleGAN-XL's gen_images.py draws a missing class from the seed */
    if (!nclasses && !projected_w && !xl) {
      fail("%s", "Must specify class label with --class when using a "
                 "conditional network");
      goto done;
    }
    for (size_t k = 0; k < nclasses; k++)
      if (classes[k] >= (uint32_t)info.c_dim) {
        fprintf(stderr,
                "%s: --class %u is out of range: the network has %d "
                "classes (0..%d)\n",
                prog, classes[k], info.c_dim, info.c_dim - 1);
        goto done;
      }
    req.class_index = nclasses ? (int)classes[0] : -1;
  } else if (nclasses) {
    printf("warn: --class=lbl ignored when running on an unconditional "
           "network\n");
    nclasses = 0;
  }
  /* As gen_images.py, which sets the transform only where
   * G.synthesis.input exists. */
  if (!info.has_transform && (tx != 0 || ty != 0 || rotate != 0))
    printf("warn: --translate and --rotate ignored: %s networks have no "
           "input transform\n",
           info.family);
  if (centroids_path && !(centroids = read_centroids(centroids_path, info.w_dim,
                                                     &req.num_centroids)))
    goto done;
  req.centroids = centroids;
  if (anchor && !info.has_transform)
    printf("warn: --anchor ignored: a %s network has no input transform\n",
           info.family);
  if (styles_first >= info.num_ws && mix_arg)
    printf("warn: --styles %d-%d is past the network's %d ws rows\n",
           styles_first, styles_last, info.num_ws);
  if (projected_w) {
    if (seeds_arg)
      printf("warn: --seeds is ignored when using --projected-w\n");
    if (sg3_latents_load(projected_w, model, 0, &proj, &error) != SG3_OK) {
      fail("%s", error);
      goto done;
    }
  }
  if (direction) {
    if (sg3_latents_load(direction, model,
                         dir_index >= 0 ? SG3_LATENTS_LIST : 0, &dir,
                         &error) != SG3_OK) {
      /* [K, w_dim]: several directions, one of which is wanted */
      if (dir_index < 0 && sg3_latents_load(direction, model, SG3_LATENTS_LIST,
                                            &dir, NULL) == SG3_OK) {
        fprintf(stderr,
                "%s: %s holds %d directions: choose one with "
                "--direction-index\n",
                prog, direction, dir.count);
        goto done;
      }
      fail("%s", error);
      goto done;
    }
    if (dir_index < 0 && dir.count != 1) {
      fprintf(stderr,
              "%s: %s holds %d directions: choose one with "
              "--direction-index\n",
              prog, direction, dir.count);
      goto done;
    }
    if (dir_index >= dir.count) {
      fprintf(stderr,
              "%s: --direction-index %lld is out of range: %s holds %d "
              "directions\n",
              prog, dir_index, direction, dir.count);
      goto done;
    }
    req.direction =
        dir.ws + (size_t)(dir_index < 0 ? 0 : dir_index) * dir.rows * dir.w_dim;
    req.direction_rows = dir.rows;
    req.direction_strength = strength;
    req.direction_first = dir_first;
    req.direction_last = dir_last;
  }
  if (make_dirs(outdir) != 0) {
    fprintf(stderr, "%s: cannot create %s: %s\n", prog, outdir,
            strerror(errno));
    goto done;
  }
  if (save_w && make_dirs(save_w) != 0) {
    fprintf(stderr, "%s: cannot create %s: %s\n", prog, save_w,
            strerror(errno));
    goto done;
  }

  sg3_generator_options gopt;
  sg3_generator_options_init(&gopt);
  gopt.max_memory = max_memory;
  sg3_generator_create(model, &gopt, &o.gen, &error);
  o.img = malloc(batch * sg3_model_frame_size(model, SG3_PIXELS_F32_CHW));
  o.u8 = malloc(sg3_model_frame_size(model, SG3_PIXELS_U8_HWC));
  o.ws = malloc(sizeof(float) * batch * info.num_ws * info.w_dim);
  const size_t cells = (size_t)ceil(sqrt((double)batch)) *
                       ((batch - 1) / (int)ceil(sqrt((double)batch)) + 1);
  o.grid = calloc(cells, sg3_model_frame_size(model, SG3_PIXELS_U8_HWC));
  o.z = calloc((size_t)batch * info.z_dim, sizeof *o.z);
  o.classes = calloc((size_t)batch, sizeof *o.classes);
  if (!o.gen || !o.img || !o.u8 || !o.ws || !o.grid || !o.z || !o.classes) {
    fail("%s", error ? error : "out of memory");
    goto done;
  }
  char name[64];
  if (projected_w) {
    printf("Generating images from projected W \"%s\"\n", projected_w);
    req.source = SG3_LATENT_WS;
    req.ws_rows = proj.rows;
    for (int i = 0; i < proj.count; i++) {
      req.ws = proj.ws + (size_t)i * proj.rows * proj.w_dim;
      snprintf(name, sizeof name, "proj%02d", i);
      if (emit(&o, &req, name))
        goto done;
    }
  } else if (mix_arg) {
    /* style_mixing.py writes the seeds' own images too, as S-S.png */
    for (size_t i = 0; i < nseeds + nmix; i++) {
      uint32_t s = i < nseeds ? seeds[i] : mix_seeds[i - nseeds];
      req.seed = s;
      req.mix_source = SG3_MIX_NONE;
      snprintf(name, sizeof name, "%u-%u", s, s);
      if (emit(&o, &req, name))
        goto done;
    }
    for (size_t i = 0; i < nseeds; i++)
      for (size_t j = 0; j < nmix; j++) {
        printf("Generating style-mixed image %u-%u ...\n", seeds[i],
               mix_seeds[j]);
        req.seed = seeds[i];
        req.mix_source = SG3_MIX_SEED;
        req.mix_seed = mix_seeds[j];
        snprintf(name, sizeof name, "%u-%u", seeds[i], mix_seeds[j]);
        if (emit(&o, &req, name))
          goto done;
      }
    if (mix_grid && write_grid(&o, &req, seeds, nseeds, mix_seeds, nmix))
      goto done;
  } else {
    /* One pass per class; without --class, the network's own choice. */
    for (size_t k = 0; k < (nclasses ? nclasses : 1); k++) {
      if (nclasses)
        req.class_index = (int)classes[k];
      for (size_t i = 0; i < nseeds; i++) {
        printf("Generating image for seed %u (%zu/%zu) ...\n", seeds[i], i,
               nseeds);
        fflush(stdout);
        req.seed = seeds[i];
        if (nclasses > 1)
          snprintf(name, sizeof name, "seed%04u-class%04u", seeds[i],
                   classes[k]);
        else
          snprintf(name, sizeof name, "seed%04u", seeds[i]);
        if (batch > 1 ? emit_batch(&o, &req, name) : emit(&o, &req, name))
          goto done;
      }
    }
  }
  rc = 0;
done:
  sg3_generator_free(o.gen);
  free(o.img);
  free(o.u8);
  free(o.ws);
  free(o.grid);
  free(o.z);
  free(o.classes);
  free(centroids);
  free(error);
  free(seeds);
  free(mix_seeds);
  free(classes);
  sg3_latents_clear(&proj);
  sg3_latents_clear(&dir);
  sg3_model_unref(model);
  return rc;
}
