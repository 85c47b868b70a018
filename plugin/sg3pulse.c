/* sg3src's pulse (sg3pulse.h). */
#include "sg3pulse.h"

#include <string.h>

int sg3_pulse_request(sg3_generator *gen, const Sg3Settings *s,
                      sg3_request *req, float *ws, float *w_avg, char **error) {
  double k = s->pulse * s->pulse_psi;
  if (k == 0)
    return 0;
  const sg3_model *model = sg3_generator_get_model(gen);
  sg3_model_info info;
  sg3_model_get_info(model, &info);
  /* The frame's own latent, before any editing the request asks for. */
  if (req->source == SG3_LATENT_WALK) {
    sg3_request bare;
    sg3_request_init(&bare);
    bare.source = SG3_LATENT_WALK;
    bare.walk = req->walk;
    bare.walk_position = req->walk_position;
    if (sg3_request_ws(gen, &bare, ws, error) != SG3_OK)
      return -1;
  } else if (req->source == SG3_LATENT_WS && req->ws) {
    for (int r = 0; r < info.num_ws; r++)
      memcpy(ws + (size_t)r * info.w_dim,
             req->ws + (req->ws_rows == 1 ? 0 : (size_t)r * info.w_dim),
             sizeof(float) * info.w_dim);
  } else {
    return 0; /* (the renderer only asks for cached latents) */
  }
  if (sg3_model_get_w_avg(model, req->class_index, w_avg, error) != SG3_OK)
    return -1;
  float f = (float)(1.0 + k);
  for (int r = 0; r < info.num_ws; r++) {
    float *row = ws + (size_t)r * info.w_dim;
    for (int i = 0; i < info.w_dim; i++)
      row[i] = w_avg[i] + f * (row[i] - w_avg[i]);
  }
  req->source = SG3_LATENT_WS;
  req->ws = ws;
  req->ws_rows = info.num_ws;
  /* After the merge with the latents branch (directions), also:
   *   if (req->direction)
   *     req->direction_strength += s->pulse * s->pulse_direction; */
  return 0;
}
