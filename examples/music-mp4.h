/* Reproducible MP4 files: mp4mux stamps the wall-clock time into the movie,
 * track and media headers (mvhd, tkhd, mdhd). This sets those creation and
 * modification times to 0 ("unknown", as ffmpeg's -fflags +bitexact
 * writes them), in place, so that the same input gives the same bytes. */
#ifndef SG3_MUSIC_MP4_H
#define SG3_MUSIC_MP4_H

#include <glib.h>

/* Returns the number of headers cleared (>= 3 for a movie with one track),
 * or -1 with *error for a file that is not an ISO media file (or cannot be
 * read and written). Sizes are checked against their parents: a damaged
 * file is refused, never written out of bounds. */
int sg3_mp4_clear_times(const char *path, char **error);

#endif
