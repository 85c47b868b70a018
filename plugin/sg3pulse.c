/* sg3src's pulse (sg3pulse.h). */
#include "sg3pulse.h"

#include <string.h>

sg3_status sg3_pulse_request(sg3_generator *gen, const Sg3Settings *s,
                             sg3_request *req, float *ws, float *w_avg,
                             char **error) {
  /* along the direction file's direction, if there is one */
  double kd = s->pulse * s->pulse_direction;
  if (req->direction && kd != 0)
    req->direction_strength += kd;
  double k = s->pulse * s->pulse_psi;
  if (k == 0)
    return SG3_OK;
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
    sg3_status st = sg3_request_ws(gen, &bare, ws, error);
    if (st != SG3_OK)
      return st;
  } else if (req->source == SG3_LATENT_WS && req->ws) {
    for (int r = 0; r < info.num_ws; r++)
      memcpy(ws + (size_t)r * info.w_dim,
             req->ws + (req->ws_rows == 1 ? 0 : (size_t)r * info.w_dim),
             sizeof(float) * info.w_dim);
  } else {
    return SG3_OK; /* (the renderer only asks for cached latents) */
  }
  sg3_status st = sg3_model_get_w_avg(model, req->class_index, w_avg, error);
  if (st != SG3_OK)
    return st;
  float f = (float)(1.0 + k);
  for (int r = 0; r < info.num_ws; r++) {
    float *row = ws + (size_t)r * info.w_dim;
    for (int i = 0; i < info.w_dim; i++)
      row[i] = w_avg[i] + f * (row[i] - w_avg[i]);
  }
  req->source = SG3_LATENT_WS;
  req->ws = ws;
  req->ws_rows = info.num_ws;
  return SG3_OK;
}
