/* sg3-music's first pass: any file GStreamer decodes -> the analysis hops
 * (music-features.h) and the song as 48 kHz 16-bit PCM in a temporary
 * file, for the muxer. */
#ifndef SG3_MUSIC_DECODE_H
#define SG3_MUSIC_DECODE_H

#include <gst/gst.h>

#include "music-features.h"

#define SG3_MUSIC_PCM_RATE 48000

typedef struct {
  int fd;          /* unlinked temporary file of S16LE interleaved samples */
  int channels;    /* 1 or 2 */
  guint64 samples; /* per channel */
} Sg3MusicPcm;

typedef void (*Sg3MusicProgressFn)(double fraction, gpointer user);

/* Decodes the first audio stream of `path` (at most `limit` seconds; 0:
 * all), calling `hop` with each analysis hop. FALSE with a one-line
 * *error for a file that is missing or unreadable, is not media, or has no
 * audio. */
gboolean sg3_music_decode(const char *path, double limit, Sg3MusicHopFn hop,
                          gpointer hop_user, Sg3MusicPcm *pcm,
                          Sg3MusicProgressFn progress, gpointer progress_user,
                          char **error);

#endif
