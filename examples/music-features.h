/* Audio features for sg3src's music controls, from mono float audio at
 * SG3_MUSIC_RATE: onsets (-> pulse), sustained energy (-> walk-speed) and
 * chroma (-> class), the way lucid-sonic-dreams and maua-stylegan2 drive
 * their latents. One short-time Fourier transform (GStreamer's GstFFT)
 * serves the offline analysis (sg3-music: the whole song, normalised by its
 * own levels) and live input (sg3-studio --audio: causal, normalised by
 * running levels), so both map sound to the same controls.
 *
 * Hops: every SG3_MUSIC_HOP samples (11.6 ms) a 512-sample Hann window
 * ending at that sample gives the onset strength (spectral flux: the mean
 * rise in dB per bin from the previous hop, 30 Hz to 11 kHz, levels below
 * -80 dB count as -80) and the band energy (dB, 40 Hz to 5 kHz, full-scale
 * sine = 0 dB); every fourth hop a 4096-sample window gives the chroma
 * (power per pitch class, C = 0, 55 Hz to 2 kHz). A hop's time is the end
 * of its window: when the sound in it has been heard. */
#ifndef SG3_MUSIC_FEATURES_H
#define SG3_MUSIC_FEATURES_H

#include <glib.h>

#define SG3_MUSIC_RATE 22050
#define SG3_MUSIC_HOP 256
#define SG3_MUSIC_FLOOR_DB -80.0

typedef struct {
  guint64 index;    /* hop number: it ends at sample (index + 1) * HOP */
  double time;      /* seconds, (index + 1) * HOP / RATE */
  double onset;     /* mean dB rise per bin, >= 0 */
  double energy_db; /* >= SG3_MUSIC_FLOOR_DB - 10 */
  gboolean has_chroma;
  double chroma[12];
} Sg3MusicHop;

typedef struct Sg3MusicAnalyser Sg3MusicAnalyser;
typedef void (*Sg3MusicHopFn)(const Sg3MusicHop *hop, gpointer user);

Sg3MusicAnalyser *sg3_music_analyser_new(void);
void sg3_music_analyser_free(Sg3MusicAnalyser *a);
/* Feeds samples (mono, SG3_MUSIC_RATE, about [-1, 1]); calls `fn` for each
 * hop they complete, in order. */
void sg3_music_analyser_push(Sg3MusicAnalyser *a, const float *samples, gsize n,
                             Sg3MusicHopFn fn, gpointer user);

/* ---- How features become controls ---------------------------------------
 *
 *   pulse      = envelope of the onsets: x = clamp((onset / ref - gate) /
 *                (1 - gate), 0, 1) with ref the song's onset level (the upper
 *                quartile of its onset peaks) or, live, a running peak; the
 * envelope jumps to x and decays by exp(-dt / pulse_decay) (instant attack, as
 * a drum hit) walk-speed = speed_base + speed_gain * h, h = clamp((E - (ref -
 * 30 dB)) / 30 dB, 0, 1) for the sustained energy E (a median over half a
 * second, which drums do not move) and ref the song's 95th percentile (at least
 * -50 dB: silence stays 0) class      = the dominant pitch class over about a
 * second (held at least class_hold seconds), modulo the number of classes
 */
typedef struct {
  double pulse_gain;  /* the pulse property at full onset (1) */
  double pulse_decay; /* seconds */
  double gate;        /* onsets below gate x ref are ignored */
  double speed_base;  /* keyframes per second in silence */
  double speed_gain;  /* added at full sustained energy */
  int classes;        /* > 0: class from chroma, 0 .. classes - 1 */
  double class_hold;  /* seconds */
} Sg3MusicMapping;

void sg3_music_mapping_init(Sg3MusicMapping *m); /* the "default" preset */
/* "calm", "default", "energetic"; FALSE for other names. Keeps classes. */
gboolean sg3_music_mapping_preset(Sg3MusicMapping *m, const char *name);

/* Offline: the controls of every video frame of a song, frame k covering
 * [k / fps, (k + 1) / fps). */
typedef struct {
  guint n;
  double fps;
  double *pulse, *speed;
  int *klass; /* NULL without classes */
  /* what the analysis saw, for the log and tests */
  double *onset, *energy_db;
  int *pitch; /* dominant pitch class per frame, -1: none */
  double onset_ref, energy_ref;
} Sg3MusicTrack;

/* Collects hops into frames. */
typedef struct Sg3MusicFrames Sg3MusicFrames;
Sg3MusicFrames *sg3_music_frames_new(double fps);
void sg3_music_frames_add(const Sg3MusicHop *hop, gpointer frames);
/* The controls of frames 0 .. n - 1 (frames without audio are silent). */
Sg3MusicTrack *sg3_music_frames_finish(Sg3MusicFrames *f, guint n,
                                       const Sg3MusicMapping *m);
void sg3_music_track_free(Sg3MusicTrack *t);

/* Live: controls from each hop as it comes, with running levels. */
typedef struct Sg3MusicLive Sg3MusicLive;
typedef struct {
  double pulse, speed;
  int klass; /* -1: no class mapping */
} Sg3MusicControls;
Sg3MusicLive *sg3_music_live_new(const Sg3MusicMapping *m);
void sg3_music_live_free(Sg3MusicLive *l);
void sg3_music_live_set_mapping(Sg3MusicLive *l, const Sg3MusicMapping *m);
void sg3_music_live_hop(Sg3MusicLive *l, const Sg3MusicHop *hop,
                        Sg3MusicControls *out);

#endif
