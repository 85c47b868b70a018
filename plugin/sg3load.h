/* Models for sg3src: the built-in one or a file, opened in the caller's
 * thread (NULL -> READY) or in a thread of its own ("sg3-load"), so that
 * setting `model` while playing never blocks the caller on I/O. */
#ifndef SG3_LOAD_H
#define SG3_LOAD_H

#include "sg3render.h"

/* path NULL: the built-in demo model. */
sg3_status sg3_load_model(const gchar *path, guint64 max_memory,
                          sg3_model **model, char **error);
/* How a model is called in messages and tags: the file's base name, or
 * the built-in model's. */
gchar *sg3_load_display_name(const gchar *path);

/* A background load's result: on success the model and, when asked for, a
 * renderer for it (both owned by the callee); else status and error. */
typedef struct {
  gchar *path;
  guint serial;
  sg3_model *model;
  Sg3Render *render;
  sg3_status status;
  char *error;
} Sg3Loaded;

void sg3_loaded_free(Sg3Loaded *l);

/* Loads in a new thread and calls done(user, result) there; the callee
 * owns the result. With opts, a renderer is made too (its generator's
 * buffers are allocated off the streaming thread as well). */
typedef void (*Sg3LoadDone)(gpointer user, Sg3Loaded *result);
void sg3_load_async(const gchar *path, guint serial, guint64 max_memory,
                    const Sg3RenderOptions *opts, Sg3LoadDone done,
                    gpointer user);

#endif
