/* sg3-gen: images from a StyleGAN3 network, with the options and output of
 * the official gen_images.py. */
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
          "usage: %s --network FILE --seeds LIST --outdir DIR [options]\n"
          "\n"
          "Generates images like gen_images.py: DIR/seedNNNN.png for each "
          "seed.\n"
          "\n"
          "  --network FILE      model (.safetensors or an official .pkl)\n"
          "  --seeds LIST        seeds, e.g. 0,1,4-6\n"
          "  --outdir DIR        output directory (created if missing)\n"
          "  --trunc PSI         truncation psi (default 1)\n"
          "  --trunc-cutoff N    truncate only the first N ws (default all)\n"
          "  --class K           class label (required for conditional "
          "models)\n"
          "  --translate X,Y     translate the image (default 0,0)\n"
          "  --rotate DEG        rotate the image (default 0)\n"
          "  --noise-mode MODE   const (default), none or random: the "
          "per-layer\n"
          "                      noise of networks that have it (StyleGAN2)\n"
          "  --npy               also write DIR/seedNNNN.npy (float32 "
          "[C,H,W])\n"
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
    O_MAXMEM
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
      {"max-memory", required_argument, 0, O_MAXMEM},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *network = NULL, *seeds_arg = NULL, *outdir = NULL;
  double psi = 1, tx = 0, ty = 0, rotate = 0;
  long long cutoff = -1, class_idx = -1;
  int write_npy = 0, c;
  uint64_t max_memory = 0;
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
      if (parse_uint(optarg, 1 << 20, &u))
        return fail("--class: '%s' is not a class index", optarg);
      class_idx = (long long)u;
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
  if (!network || !seeds_arg || !outdir)
    return fail("%s", "--network, --seeds and --outdir are required "
                      "(see --help)");
  uint32_t *seeds;
  size_t nseeds;
  if (parse_seeds(seeds_arg, &seeds, &nseeds))
    return fail("--seeds: '%s' is not a list like 0,1,4-6 of seeds "
                "0..4294967295",
                seeds_arg);

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
  int rc = 1;
  sg3_generator *gen = NULL;
  float *img = NULL;
  uint8_t *u8 = NULL;
  if (info.c_dim > 0) {
    if (class_idx < 0) {
      fail("%s", "Must specify class label with --class when using a "
                 "conditional network");
      goto done;
    }
    if (class_idx >= info.c_dim) {
      fprintf(stderr,
              "%s: --class %lld is out of range: the network has %d "
              "classes (0..%d)\n",
              prog, class_idx, info.c_dim, info.c_dim - 1);
      goto done;
    }
    req.class_index = (int)class_idx;
  } else if (class_idx >= 0) {
    printf("warn: --class=lbl ignored when running on an unconditional "
           "network\n");
  }
  if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "%s: cannot create %s: %s\n", prog, outdir,
            strerror(errno));
    goto done;
  }

  sg3_generator_options gopt;
  sg3_generator_options_init(&gopt);
  gopt.max_memory = max_memory;
  sg3_generator_create(model, &gopt, &gen, &error);
  img = malloc(sg3_model_frame_size(model, SG3_PIXELS_F32_CHW));
  u8 = malloc(sg3_model_frame_size(model, SG3_PIXELS_U8_HWC));
  if (!gen || !img || !u8) {
    fail("%s", error ? error : "out of memory");
    goto done;
  }
  for (size_t i = 0; i < nseeds; i++) {
    printf("Generating image for seed %u (%zu/%zu) ...\n", seeds[i], i, nseeds);
    fflush(stdout);
    req.seed = seeds[i];
    if (sg3_render(gen, &req, SG3_PIXELS_F32_CHW, img, &error) != SG3_OK) {
      fail("%s", error);
      goto done;
    }
    char path[4096];
    sg3_image_to_u8(img, info.img_channels, info.img_resolution,
                    info.img_resolution, u8);
    snprintf(path, sizeof path, "%s/seed%04u.png", outdir, seeds[i]);
    if (png_write_u8(path, u8, info.img_resolution, info.img_resolution,
                     info.img_channels)) {
      fail("cannot write %s", path);
      goto done;
    }
    if (write_npy) {
      size_t shape[3] = {(size_t)info.img_channels, (size_t)info.img_resolution,
                         (size_t)info.img_resolution};
      snprintf(path, sizeof path, "%s/seed%04u.npy", outdir, seeds[i]);
      if (npy_write_f32(path, img, 3, shape)) {
        fail("cannot write %s", path);
        goto done;
      }
    }
  }
  rc = 0;
done:
  sg3_generator_free(gen);
  free(img);
  free(u8);
  free(error);
  free(seeds);
  sg3_model_unref(model);
  return rc;
}
