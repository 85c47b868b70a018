/* Low-pass filter design as in SynthesisLayer.design_lowpass_filter:
 * scipy.signal.firwin with a Kaiser window (separable), or a radially
 * symmetric jinc filter with a separable Kaiser window (StyleGAN3-R). */
#ifndef SG3_FILTER_DESIGN_H
#define SG3_FILTER_DESIGN_H

/* Writes numtaps floats (separable) or numtaps*numtaps floats (radial,
 * row-major). numtaps must be >= 2. Returns 0, or -1 with *error set. */
int sg3_design_lowpass_filter(int numtaps, double cutoff, double width,
                              double fs, int radial, float *out, char **error);

/* Building blocks, exposed for tests. */
double sg3_kaiser_atten(int numtaps, double width);
double sg3_kaiser_beta(double atten);
double sg3_bessel_i0(double x);
double sg3_bessel_j1(double x);

#endif
