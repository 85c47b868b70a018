/* sg3src's pulse: a controllable push of the frame's latent away from the
 * average (or toward it), as lucid-sonic-dreams pulses its latents on
 * percussion.
 *
 *   ws <- w_avg + (1 + pulse * pulse-psi) * (ws - w_avg)
 *
 * on every row of the frame's own latent, after truncation and before style
 * mixing and a direction: a second truncation with psi = 1 + pulse *
 * pulse-psi, so that with every row truncated the frame renders as with
 * psi * (1 + pulse * pulse-psi). A latent from a file moves the same way.
 *
 * With a latent direction (the direction property), the pulse also moves
 * the frame along it: direction-strength + pulse * pulse-direction. */
#ifndef SG3_PULSE_H
#define SG3_PULSE_H

#include "sg3.h"
#include "sg3render.h"

/* The request hook: moves the request's latent (SG3_LATENT_WS or
 * SG3_LATENT_WALK) and its direction's strength by the job's pulse. When
 * it moves the latent, the pulsed ws are
 * written to `ws` (num_ws x w_dim floats; `w_avg` is w_dim floats of
 * scratch) and the request points at them. Returns SG3_OK, or an error
 * with *error set. */
sg3_status sg3_pulse_request(sg3_generator *gen, const Sg3Settings *s,
                             sg3_request *req, float *ws, float *w_avg,
                             char **error);

#endif
