/* sg3-gen: images from a StyleGAN3 or StyleGAN-XL network, with the
 * options and output of the official gen_images.py (StyleGAN-XL's adds
 * --batch-sz, --centroids-path and a class drawn from the seed). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"
#include "pngio.h"
#include "sg3.h"

static const char *prog = "sg3-gen";

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s --network FILE --seeds LIST --outdir DIR [options]\n"
          "\n"
          "Generates images like gen_images.py (StyleGAN3's, or "
          "StyleGAN-XL's for its\n"
          "networks): DIR/seedNNNN.png for each seed.\n"
          "\n"
          "  --network FILE      model (.safetensors or an official .pkl)\n"
          "  --seeds LIST        seeds, e.g. 0,1,4-6\n"
          "  --outdir DIR        output directory (created if missing)\n"
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
          "  --translate X,Y     translate the image (default 0,0)\n"
          "  --rotate DEG        rotate the image (default 0)\n"
          "  --noise-mode MODE   const (default), none or random: the "
          "per-layer\n"
          "                      noise of networks that have it (StyleGAN2)\n"
          "  --npy               also write DIR/seedNNNN.npy (float32 "
          "[C,H,W], with\n"
          "                      --batch-sz [N,C,H,W])\n"
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

/* gen_utils.create_image_grid: ceil(sqrt(n)) columns, row by row. */
static void paste(uint8_t *grid, int grid_w, const uint8_t *img, int idx,
                  int size, int ch) {
  int gx = idx % grid_w, gy = idx / grid_w;
  size_t row = (size_t)grid_w * size * ch;
  for (int y = 0; y < size; y++)
    memcpy(grid + ((size_t)gy * size + y) * row + (size_t)gx * size * ch,
           img + (size_t)y * size * ch, (size_t)size * ch);
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
    O_CENTROIDS,
    O_BATCH
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
      {"centroids-path", required_argument, 0, O_CENTROIDS},
      {"batch-sz", required_argument, 0, O_BATCH},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *network = NULL, *seeds_arg = NULL, *outdir = NULL;
  const char *classes_arg = NULL, *centroids_path = NULL;
  double psi = 1, tx = 0, ty = 0, rotate = 0;
  long long cutoff = -1;
  int batch = 1;
  int write_npy = 0, c;
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
  if (!network || !seeds_arg || !outdir)
    return fail("%s", "--network, --seeds and --outdir are required "
                      "(see --help)");
  uint32_t *seeds, *classes = NULL;
  size_t nseeds, nclasses = 0;
  if (parse_seeds(seeds_arg, &seeds, &nseeds))
    return fail("--seeds: '%s' is not a list like 0,1,4-6 of seeds "
                "0..4294967295",
                seeds_arg);
  if (classes_arg && parse_seeds(classes_arg, &classes, &nclasses)) {
    free(seeds);
    return fail("--class: '%s' is not a class index or a list like 1,3-5",
                classes_arg);
  }

  printf("Loading networks from \"%s\"...\n", network);
  char *error = NULL;
  sg3_model *model = sg3_model_load(network, &error);
  if (!model) {
    fail("%s", error);
    free(error);
    free(seeds);
    free(classes);
    return 1;
  }
  sg3_model_info info;
  sg3_model_get_info(model, &info);
  sg3_request req;
  sg3_request_init(&req);
  req.psi = (float)psi;
  req.cutoff = (int)cutoff;
  req.translate_x = tx;
  req.translate_y = ty;
  req.rotate = rotate;
  req.noise_mode = noise_mode;
  int rc = 1, xl = !strcmp(info.family, "stylegan-xl");
  sg3_generator *gen = NULL;
  float *img = NULL, *centroids = NULL;
  uint8_t *u8 = NULL, *grid = NULL;
  double *z = NULL;
  int *batch_classes = NULL;
  if (info.c_dim > 0) {
    if (!nclasses && !xl) {
      fail("%s", "Must specify class label with --class when using a "
                 "conditional network");
      goto done;
    }
    for (size_t i = 0; i < nclasses; i++)
      if (classes[i] >= (uint32_t)info.c_dim) {
        fprintf(stderr,
                "%s: --class %u is out of range: the network has %d "
                "classes (0..%d)\n",
                prog, classes[i], info.c_dim, info.c_dim - 1);
        goto done;
      }
  } else if (nclasses) {
    printf("warn: --class=lbl ignored when running on an unconditional "
           "network\n");
    nclasses = 0;
  }
  if (centroids_path && !(centroids = read_centroids(centroids_path, info.w_dim,
                                                     &req.num_centroids)))
    goto done;
  req.centroids = centroids;
  if (make_dirs(outdir) != 0) {
    fprintf(stderr, "%s: cannot create %s: %s\n", prog, outdir,
            strerror(errno));
    goto done;
  }

  const int res = info.img_resolution, ch = info.img_channels;
  const int grid_w = (int)ceil(sqrt((double)batch));
  const int grid_h = (batch - 1) / grid_w + 1;
  const size_t frame = sg3_model_frame_size(model, SG3_PIXELS_U8_HWC);
  gen = sg3_generator_new(model, &error);
  img = malloc((size_t)batch * sg3_model_frame_size(model, SG3_PIXELS_F32_CHW));
  u8 = malloc(frame);
  grid = calloc((size_t)grid_w * grid_h, frame);
  z = calloc((size_t)batch * info.z_dim, sizeof *z);
  batch_classes = calloc((size_t)batch, sizeof *batch_classes);
  if (!gen || !img || !u8 || !grid || !z || !batch_classes) {
    fail("%s", error ? error : "out of memory");
    goto done;
  }
  /* One pass per class; without --class, gen_images.py's own choice. */
  for (size_t k = 0; k < (nclasses ? nclasses : 1); k++) {
    int klass = nclasses ? (int)classes[k] : -1;
    for (size_t i = 0; i < nseeds; i++) {
      printf("Generating image for seed %u (%zu/%zu) ...\n", seeds[i], i,
             nseeds);
      fflush(stdout);
      /* A batch: z = RandomState(seed).randn(N, z_dim), row by row, and
       * its classes from the seed too. */
      sg3_z_from_seed(seeds[i], z, batch * info.z_dim);
      if (info.c_dim > 0 && klass < 0)
        sg3_classes_from_seed(seeds[i], info.c_dim, batch, batch_classes);
      for (int b = 0; b < batch; b++) {
        req.source = batch > 1 ? SG3_LATENT_Z : SG3_LATENT_SEED;
        req.seed = seeds[i];
        req.z = z + (size_t)b * info.z_dim;
        req.class_index = info.c_dim == 0 ? -1
                          : klass >= 0    ? klass
                          : batch > 1     ? batch_classes[b]
                                          : -1;
        float *im = img + (size_t)b * ch * res * res;
        if (sg3_render(gen, &req, SG3_PIXELS_F32_CHW, im, &error) != SG3_OK) {
          fail("%s", error);
          goto done;
        }
        sg3_model_image_to_u8(model, im, u8);
        paste(grid, grid_w, u8, b, res, ch);
      }
      char path[4096], name[64];
      if (nclasses > 1)
        snprintf(name, sizeof name, "seed%04u-class%04d", seeds[i], klass);
      else
        snprintf(name, sizeof name, "seed%04u", seeds[i]);
      snprintf(path, sizeof path, "%s/%s.png", outdir, name);
      if (png_write_u8(path, grid, grid_w * res, grid_h * res, ch)) {
        fail("cannot write %s", path);
        goto done;
      }
      if (write_npy) {
        size_t shape[4] = {(size_t)batch, (size_t)ch, (size_t)res, (size_t)res};
        snprintf(path, sizeof path, "%s/%s.npy", outdir, name);
        if (npy_write_f32(path, img, batch > 1 ? 4 : 3,
                          batch > 1 ? shape : shape + 1)) {
          fail("cannot write %s", path);
          goto done;
        }
      }
    }
  }
  rc = 0;
done:
  sg3_generator_free(gen);
  free(img);
  free(u8);
  free(grid);
  free(z);
  free(batch_classes);
  free(centroids);
  free(error);
  free(seeds);
  free(classes);
  sg3_model_unref(model);
  return rc;
}
