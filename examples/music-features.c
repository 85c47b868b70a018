/* Audio features and their mapping to sg3src's music controls
 * (music-features.h). */
#include "music-features.h"

#include <gst/fft/gstfftf32.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_N 512
#define LONG_N 4096
#define CHROMA_EVERY 4  /* hops */
#define RING 8192       /* >= LONG_N, a power of two */
#define ONSET_FLOOR 2.0 /* dB per bin: an onset level below this is noise */
#define ENERGY_RANGE 30.0
#define ENERGY_MIN_REF -50.0
#define SUSTAIN_SECONDS 0.5 /* the median that drums do not move */
#define CHROMA_SECONDS 1.0

struct Sg3MusicAnalyser {
  float ring[RING];
  guint64 count; /* samples in */
  guint64 hops;
  GstFFTF32 *fft_short, *fft_long;
  float *buf;
  GstFFTF32Complex *spec;
  double *prev_db; /* SHORT_N / 2 + 1 */
};

Sg3MusicAnalyser *sg3_music_analyser_new(void) {
  Sg3MusicAnalyser *a = g_new0(Sg3MusicAnalyser, 1);
  a->fft_short = gst_fft_f32_new(SHORT_N, FALSE);
  a->fft_long = gst_fft_f32_new(LONG_N, FALSE);
  a->buf = g_new(float, LONG_N);
  a->spec = g_new(GstFFTF32Complex, LONG_N / 2 + 1);
  a->prev_db = g_new(double, SHORT_N / 2 + 1);
  for (int b = 0; b <= SHORT_N / 2; b++) /* before the first sample: silence */
    a->prev_db[b] = SG3_MUSIC_FLOOR_DB;
  return a;
}

void sg3_music_analyser_free(Sg3MusicAnalyser *a) {
  if (!a)
    return;
  gst_fft_f32_free(a->fft_short);
  gst_fft_f32_free(a->fft_long);
  g_free(a->buf);
  g_free(a->spec);
  g_free(a->prev_db);
  g_free(a);
}

/* The last n samples (zeros before the first) through a Hann window; the
 * power spectrum in a->spec, scaled so that a full-scale sine is 1. */
static double window_spectrum(Sg3MusicAnalyser *a, GstFFTF32 *fft, int n) {
  for (int i = 0; i < n; i++) {
    gint64 s = (gint64)a->count - n + i;
    a->buf[i] = s < 0 ? 0.0f : a->ring[s & (RING - 1)];
  }
  gst_fft_f32_window(fft, a->buf, GST_FFT_WINDOW_HANN);
  gst_fft_f32_fft(fft, a->buf, a->spec);
  return 16.0 / ((double)n * n); /* |X|^2 of a sine: (n / 4)^2 */
}

static double power(const GstFFTF32Complex *c) {
  return (double)c->r * c->r + (double)c->i * c->i;
}

static void analyse_hop(Sg3MusicAnalyser *a, Sg3MusicHop *h) {
  const double bin_hz = (double)SG3_MUSIC_RATE / SHORT_N;
  double scale = window_spectrum(a, a->fft_short, SHORT_N);
  int lo = (int)ceil(30 / bin_hz), hi = (int)(11000 / bin_hz);
  int elo = (int)ceil(40 / bin_hz), ehi = (int)(5000 / bin_hz);
  double flux = 0, band = 0;
  for (int b = 0; b <= SHORT_N / 2; b++) {
    double p = power(&a->spec[b]) * scale;
    double db = p > 0 ? 10 * log10(p) : SG3_MUSIC_FLOOR_DB;
    if (db < SG3_MUSIC_FLOOR_DB)
      db = SG3_MUSIC_FLOOR_DB;
    if (b >= lo && b <= hi && db > a->prev_db[b])
      flux += db - a->prev_db[b];
    if (b >= elo && b <= ehi)
      band += p;
    a->prev_db[b] = db;
  }
  h->onset = flux / (hi - lo + 1);
  h->energy_db = 10 * log10(band + 1e-9); /* silence: -90 dB */
  h->has_chroma = h->index % CHROMA_EVERY == CHROMA_EVERY - 1;
  memset(h->chroma, 0, sizeof h->chroma);
  if (!h->has_chroma)
    return;
  const double long_hz = (double)SG3_MUSIC_RATE / LONG_N;
  scale = window_spectrum(a, a->fft_long, LONG_N);
  for (int b = (int)ceil(55 / long_hz); b <= (int)(2000 / long_hz); b++) {
    double midi = 69 + 12 * log2(b * long_hz / 440);
    int pc = ((int)lround(midi) % 12 + 12) % 12;
    h->chroma[pc] += power(&a->spec[b]) * scale;
  }
}

void sg3_music_analyser_push(Sg3MusicAnalyser *a, const float *samples, gsize n,
                             Sg3MusicHopFn fn, gpointer user) {
  for (gsize i = 0; i < n; i++) {
    float v = samples[i];
    a->ring[a->count & (RING - 1)] = isfinite(v) ? v : 0.0f;
    a->count++;
    if (a->count % SG3_MUSIC_HOP)
      continue;
    Sg3MusicHop h = {.index = a->hops++};
    h.time = (double)(h.index + 1) * SG3_MUSIC_HOP / SG3_MUSIC_RATE;
    analyse_hop(a, &h);
    fn(&h, user);
  }
}

/* ---- mapping ---------------------------------------------------------- */

void sg3_music_mapping_init(Sg3MusicMapping *m) {
  *m = (Sg3MusicMapping){
      .pulse_gain = 1.0,
      .pulse_decay = 0.2,
      .gate = 0.1,
      .speed_base = 0.1,
      .speed_gain = 0.6,
      .classes = 0,
      .class_hold = 0.5,
  };
}

gboolean sg3_music_mapping_preset(Sg3MusicMapping *m, const char *name) {
  int classes = m->classes;
  sg3_music_mapping_init(m);
  m->classes = classes;
  if (!strcmp(name, "default"))
    return TRUE;
  if (!strcmp(name, "calm")) {
    m->pulse_gain = 0.6;
    m->pulse_decay = 0.35;
    m->gate = 0.15;
    m->speed_base = 0.05;
    m->speed_gain = 0.25;
    m->class_hold = 2.0;
    return TRUE;
  }
  if (!strcmp(name, "energetic")) {
    m->pulse_gain = 1.6;
    m->pulse_decay = 0.12;
    m->gate = 0.05;
    m->speed_base = 0.2;
    m->speed_gain = 1.2;
    m->class_hold = 0.25;
    return TRUE;
  }
  return FALSE;
}

static double clamp01(double x) {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

static double onset_level(const Sg3MusicMapping *m, double onset, double ref) {
  return clamp01((onset / ref - m->gate) / (1 - m->gate));
}

static double energy_level(double e, double ref) {
  return clamp01((e - (ref - ENERGY_RANGE)) / ENERGY_RANGE);
}

/* The dominant pitch class, or -1 when none stands out (silence, noise). */
static int dominant(const double *chroma) {
  double sum = 0, best = 0;
  int pc = -1;
  for (int i = 0; i < 12; i++) {
    sum += chroma[i];
    if (chroma[i] > best) {
      best = chroma[i];
      pc = i;
    }
  }
  /* at least twice its share, and above the floor */
  if (pc < 0 || best < 2 * sum / 12 || best < 1e-7)
    return -1;
  return pc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double quantile(const double *v, guint n, double q) {
  if (!n)
    return 0;
  double *s = g_memdup2(v, sizeof(double) * n);
  qsort(s, n, sizeof(double), cmp_double);
  double r = s[(guint)MIN(n - 1, floor(q * (n - 1) + 0.5))];
  g_free(s);
  return r;
}

/* ---- offline ---------------------------------------------------------- */

struct Sg3MusicFrames {
  double fps;
  GArray *onset;  /* per frame: the largest onset of its hops */
  GArray *energy; /* per hop */
  GArray *hop_frame;
  GArray *chroma; /* per frame: 12 doubles */
};

Sg3MusicFrames *sg3_music_frames_new(double fps) {
  Sg3MusicFrames *f = g_new0(Sg3MusicFrames, 1);
  f->fps = fps;
  f->onset = g_array_new(FALSE, TRUE, sizeof(double));
  f->energy = g_array_new(FALSE, TRUE, sizeof(double));
  f->hop_frame = g_array_new(FALSE, TRUE, sizeof(guint));
  f->chroma = g_array_new(FALSE, TRUE, sizeof(double));
  return f;
}

/* The frame of a hop: the one holding the middle of the samples it added
 * (a click lands in its own frame unless within 6 ms of the frame's
 * end). */
static guint hop_frame(const Sg3MusicHop *h, double fps) {
  double mid = (h->index + 0.5) * SG3_MUSIC_HOP / SG3_MUSIC_RATE;
  return (guint)floor(mid * fps);
}

void sg3_music_frames_add(const Sg3MusicHop *h, gpointer data) {
  Sg3MusicFrames *f = data;
  guint k = hop_frame(h, f->fps);
  if (k >= 10000000)
    return; /* (over 90 hours at 30 fps) */
  if (f->onset->len <= k) {
    g_array_set_size(f->onset, k + 1);
    g_array_set_size(f->chroma, 12 * (k + 1));
  }
  double *o = &g_array_index(f->onset, double, k);
  *o = MAX(*o, h->onset);
  g_array_append_val(f->energy, h->energy_db);
  g_array_append_val(f->hop_frame, k);
  if (h->has_chroma)
    for (int i = 0; i < 12; i++)
      g_array_index(f->chroma, double, 12 * k + i) += h->chroma[i];
}

void sg3_music_track_free(Sg3MusicTrack *t) {
  if (!t)
    return;
  g_free(t->pulse);
  g_free(t->speed);
  g_free(t->klass);
  g_free(t->onset);
  g_free(t->energy_db);
  g_free(t->pitch);
  g_free(t);
}

Sg3MusicTrack *sg3_music_frames_finish(Sg3MusicFrames *f, guint n,
                                       const Sg3MusicMapping *m) {
  Sg3MusicTrack *t = g_new0(Sg3MusicTrack, 1);
  t->n = n;
  t->fps = f->fps;
  t->pulse = g_new0(double, n);
  t->speed = g_new0(double, n);
  t->onset = g_new0(double, n);
  t->energy_db = g_new(double, n);
  t->pitch = g_new(int, n);
  for (guint k = 0; k < n && k < f->onset->len; k++)
    t->onset[k] = g_array_index(f->onset, double, k);

  /* Sustained energy: a running median over the hops, per frame the mean
   * of its hops' (frames without hops: silence). */
  guint nh = f->energy->len;
  const double *e = (const double *)f->energy->data;
  int half = (int)(SUSTAIN_SECONDS / 2 * SG3_MUSIC_RATE / SG3_MUSIC_HOP);
  double *win = g_new(double, 2 * half + 1), *sum = g_new0(double, n);
  guint *cnt = g_new0(guint, n);
  for (guint j = 0; j < nh; j++) {
    guint k = g_array_index(f->hop_frame, guint, j);
    if (k >= n)
      continue;
    int w = 0;
    for (int d = -half; d <= half; d++)
      if ((gint64)j + d >= 0 && j + d < nh)
        win[w++] = e[j + d];
    qsort(win, w, sizeof(double), cmp_double);
    sum[k] += win[w / 2];
    cnt[k]++;
  }
  for (guint k = 0; k < n; k++)
    t->energy_db[k] = cnt[k] ? sum[k] / cnt[k] : -90.0;
  g_free(win);
  g_free(sum);
  g_free(cnt);

  /* The song's own levels; silence never reaches them. */
  /* the onset level: the upper quartile of the song's onset peaks (a
   * typical beat pulses fully; the weakest tenth of the loudest are noise) */
  double omax = 0;
  for (guint k = 0; k < n; k++)
    omax = MAX(omax, t->onset[k]);
  double *peaks = g_new(double, n + 1);
  guint np = 0;
  for (guint k = 0; k < n; k++)
    if (t->onset[k] > 0.1 * omax &&
        (k == 0 || t->onset[k] >= t->onset[k - 1]) &&
        (k + 1 == n || t->onset[k] >= t->onset[k + 1]))
      peaks[np++] = t->onset[k];
  t->onset_ref = MAX(ONSET_FLOOR, quantile(peaks, np, 0.75));
  g_free(peaks);
  t->energy_ref = MAX(ENERGY_MIN_REF, quantile(t->energy_db, n, 0.95));

  double env = 0, decay = exp(-1 / (f->fps * m->pulse_decay));
  for (guint k = 0; k < n; k++) {
    env = MAX(onset_level(m, t->onset[k], t->onset_ref), env * decay);
    t->pulse[k] = m->pulse_gain * env;
    t->speed[k] = m->speed_base +
                  m->speed_gain * energy_level(t->energy_db[k], t->energy_ref);
  }

  /* Chroma over about a second around each frame. */
  int ch = (int)(CHROMA_SECONDS / 2 * f->fps);
  guint nc = f->chroma->len / 12;
  for (guint k = 0; k < n; k++) {
    double c[12] = {0};
    for (gint64 j = (gint64)k - ch; j <= (gint64)k + ch; j++)
      if (j >= 0 && j < nc)
        for (int i = 0; i < 12; i++)
          c[i] += g_array_index(f->chroma, double, 12 * j + i);
    t->pitch[k] =
        t->energy_db[k] > t->energy_ref - ENERGY_RANGE ? dominant(c) : -1;
  }
  if (m->classes > 0) {
    t->klass = g_new(int, n);
    int cur = -1; /* before the first pitch: the first pitch's class */
    for (guint k = 0; k < n && cur < 0; k++)
      cur = t->pitch[k];
    cur = cur < 0 ? 0 : cur % m->classes;
    double since = 1e9;
    for (guint k = 0; k < n; k++, since += 1 / f->fps) {
      int want = t->pitch[k] < 0 ? cur : t->pitch[k] % m->classes;
      if (want != cur && since >= m->class_hold) {
        cur = want;
        since = 0;
      }
      t->klass[k] = cur;
    }
  }
  g_array_unref(f->onset);
  g_array_unref(f->energy);
  g_array_unref(f->hop_frame);
  g_array_unref(f->chroma);
  g_free(f);
  return t;
}

/* ---- live ------------------------------------------------------------- */

#define LIVE_REF_SECONDS 8.0 /* the onset level forgets over this */
#define LIVE_ENERGY_FALL 1.0 /* dB per second */

struct Sg3MusicLive {
  Sg3MusicMapping m;
  double onset_ref, env;
  double energy[64]; /* the last half second of hops */
  guint ne, ie;
  double energy_ref;
  double chroma[12];
  int klass;
  double since;
};

Sg3MusicLive *sg3_music_live_new(const Sg3MusicMapping *m) {
  Sg3MusicLive *l = g_new0(Sg3MusicLive, 1);
  l->m = *m;
  l->onset_ref = ONSET_FLOOR;
  l->energy_ref = ENERGY_MIN_REF;
  l->since = 1e9;
  return l;
}

void sg3_music_live_free(Sg3MusicLive *l) {
  g_free(l);
}

void sg3_music_live_set_mapping(Sg3MusicLive *l, const Sg3MusicMapping *m) {
  l->m = *m;
}

void sg3_music_live_hop(Sg3MusicLive *l, const Sg3MusicHop *h,
                        Sg3MusicControls *out) {
  const double dt = (double)SG3_MUSIC_HOP / SG3_MUSIC_RATE;
  const Sg3MusicMapping *m = &l->m;
  /* onsets against a peak level that slowly forgets */
  l->onset_ref = MAX(ONSET_FLOOR,
                     MAX(h->onset, l->onset_ref * exp(-dt / LIVE_REF_SECONDS)));
  l->env = MAX(onset_level(m, h->onset, l->onset_ref),
               l->env * exp(-dt / m->pulse_decay));
  /* sustained energy: the median of the last half second */
  guint cap = MIN(G_N_ELEMENTS(l->energy),
                  (guint)(SUSTAIN_SECONDS * SG3_MUSIC_RATE / SG3_MUSIC_HOP));
  l->energy[l->ie] = h->energy_db;
  l->ie = (l->ie + 1) % cap;
  l->ne = MIN(l->ne + 1, cap);
  double s[64];
  memcpy(s, l->energy, sizeof(double) * l->ne);
  qsort(s, l->ne, sizeof(double), cmp_double);
  double e = s[l->ne / 2];
  l->energy_ref =
      MAX(ENERGY_MIN_REF, MAX(e, l->energy_ref - LIVE_ENERGY_FALL * dt));
  out->pulse = m->pulse_gain * l->env;
  out->speed = m->speed_base + m->speed_gain * energy_level(e, l->energy_ref);
  out->klass = -1;
  if (m->classes <= 0)
    return;
  if (h->has_chroma) {
    double a = exp(-dt * 4 / CHROMA_SECONDS); /* chroma hops are 4 apart */
    for (int i = 0; i < 12; i++)
      l->chroma[i] = a * l->chroma[i] + h->chroma[i];
  }
  l->since += dt;
  int pc = e > l->energy_ref - ENERGY_RANGE ? dominant(l->chroma) : -1;
  if (pc >= 0 && pc % m->classes != l->klass && l->since >= m->class_hold) {
    l->klass = pc % m->classes;
    l->since = 0;
  }
  out->klass = l->klass;
}
