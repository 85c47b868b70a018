/* Live audio driving sg3src: a microphone, a sound card input or a file
 * played in real time, analysed as it is heard (music-features.h), sets
 * sg3src's pulse and walk-speed (and class) from the audio thread. Used by
 * sg3-studio --audio. */
#ifndef SG3_MUSIC_LIVE_H
#define SG3_MUSIC_LIVE_H

#include <gst/gst.h>

#include "music-features.h"

/* The launch-line fragment of the audio input, ending in "appsink
 * name=SINK". SPEC: NULL or "" for the default input (autoaudiosrc),
 * "pulse:NAME" / "alsa:DEVICE" for a PulseAudio source or ALSA device, else
 * a file (anything GStreamer decodes, played once in real time; with
 * `monitor` also to autoaudiosink). NULL with *error for a file that is
 * missing or unreadable or a kind of input this GStreamer lacks. */
char *sg3_audio_react_launch(const char *spec, const char *sink,
                             gboolean monitor, char **error);

typedef struct Sg3AudioReact Sg3AudioReact;

/* Starts feeding the appsink SINK of `pipeline` into `src`'s properties:
 * each hop (11.6 ms) sets pulse and walk-speed (and class, with classes in
 * the mapping) when they change. The samples are analysed when their time
 * comes on the pipeline's clock (a file plays as a device would capture
 * it). */
Sg3AudioReact *sg3_audio_react_new(GstElement *pipeline, const char *sink,
                                   GstElement *src, const Sg3MusicMapping *m);
/* Any thread. */
void sg3_audio_react_set_mapping(Sg3AudioReact *r, const Sg3MusicMapping *m);
void sg3_audio_react_free(Sg3AudioReact *r);

#endif
