/* sg3src's models (sg3load.h). */
#include "sg3load.h"

#include <gio/gio.h>
#include <stdlib.h>

#include "sg3-resources.h" /* glib-compile-resources --c-name sg3_plugin */

#define BUILTIN_MODEL_NAME "sg3t-fashion32.safetensors"
#define BUILTIN_MODEL_PATH "/org/gst-sg3/models/" BUILTIN_MODEL_NAME

GST_DEBUG_CATEGORY_EXTERN(gst_sg3_src_debug);
#define GST_CAT_DEFAULT gst_sg3_src_debug

sg3_status sg3_load_model(const gchar *path, guint64 max_memory, sg3_model **m,
                          char **error) {
  sg3_load_options o;
  sg3_load_options_init(&o);
  o.max_memory = max_memory;
  *m = NULL;
  if (path)
    return sg3_model_open(path, &o, m, error);
  GBytes *b = g_resource_lookup_data(sg3_plugin_get_resource(),
                                     BUILTIN_MODEL_PATH, 0, NULL);
  if (!b) {
    if (error)
      *error = strdup("the built-in model is missing");
    return SG3_ERR_NOT_FOUND;
  }
  gsize size = 0;
  const void *data = g_bytes_get_data(b, &size);
  sg3_status st = sg3_model_open_memory(
      data, size, BUILTIN_MODEL_NAME " (built in)", &o, m, error);
  g_bytes_unref(b);
  return st;
}

gchar *sg3_load_display_name(const gchar *path) {
  return path ? g_path_get_basename(path)
              : g_strdup(BUILTIN_MODEL_NAME " (built in)");
}

void sg3_loaded_free(Sg3Loaded *l) {
  if (!l)
    return;
  sg3_render_free(l->render);
  sg3_model_unref(l->model);
  g_free(l->path);
  free(l->error);
  g_free(l);
}

typedef struct {
  Sg3Loaded *result;
  guint64 max_memory;
  gboolean want_render;
  Sg3RenderOptions opts;
  Sg3LoadDone done;
  gpointer user;
} LoadJob;

static gpointer load_main(gpointer data) {
  LoadJob *j = data;
  Sg3Loaded *l = j->result;
  gint64 t0 = g_get_monotonic_time();
  l->status = sg3_load_model(l->path, j->max_memory, &l->model, &l->error);
  if (l->status == SG3_OK && j->want_render &&
      !(l->render = sg3_render_new(l->model, &j->opts, &l->status, &l->error)))
    g_clear_pointer(&l->model, sg3_model_unref);
  GST_DEBUG("loaded %s in %.3f s: %s", l->path ? l->path : "(built in)",
            (g_get_monotonic_time() - t0) / 1e6, sg3_status_name(l->status));
  j->done(j->user, l);
  g_free(j);
  return NULL;
}

void sg3_load_async(const gchar *path, guint serial, guint64 max_memory,
                    const Sg3RenderOptions *opts, Sg3LoadDone done,
                    gpointer user) {
  LoadJob *j = g_new0(LoadJob, 1);
  j->result = g_new0(Sg3Loaded, 1);
  j->result->path = g_strdup(path);
  j->result->serial = serial;
  j->max_memory = max_memory;
  j->want_render = opts != NULL;
  if (opts)
    j->opts = *opts;
  j->done = done;
  j->user = user;
  g_thread_unref(g_thread_new("sg3-load", load_main, j));
}
