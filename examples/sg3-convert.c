/* sg3-convert IN OUT.safetensors: converts a model sg3 can load (an
 * official StyleGAN3 network pickle, whose G_ema is used, or safetensors)
 * to this project's safetensors format, without Python. OUT is replaced
 * only by a complete file: on any failure it is left as it was. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg3.h"

static int usage(FILE *f) {
  fprintf(f, "usage: sg3-convert IN.pkl OUT.safetensors\n");
  return f == stdout ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 2 &&
      (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
    return usage(stdout);
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("sg3-convert %s\n", SG3_VERSION);
    return 0;
  }
  if (argc != 3)
    return usage(stderr);
  /* Over a file size limit, write() should fail (EFBIG) so that the
   * temporary file is removed and the error reported, rather than the
   * process being killed. */
  signal(SIGXFSZ, SIG_IGN);

  char *error = NULL;
  sg3_model *model = sg3_model_load(argv[1], &error);
  if (!model) {
    fprintf(stderr, "sg3-convert: %s\n", error ? error : "cannot load model");
    free(error);
    return 1;
  }
  if (sg3_model_save_safetensors(model, argv[2], &error)) {
    fprintf(stderr, "sg3-convert: %s\n", error ? error : "cannot write");
    free(error);
    sg3_model_unref(model);
    return 1;
  }
  sg3_model_info info;
  sg3_model_get_info(model, &info);
  printf("%s: %s, %dx%d, %d channel(s), c_dim %d -> %s\n", argv[1],
         info.config ? info.config : "StyleGAN3", info.img_resolution,
         info.img_resolution, info.img_channels, info.c_dim, argv[2]);
  sg3_model_unref(model);
  return 0;
}
