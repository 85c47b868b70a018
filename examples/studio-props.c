/* sg3-studio: the element's properties as JSON, for the page, the WebSocket
 * and OSC alike. Everything is found at run time from the element's
 * GParamSpecs, so a property added to sg3src later shows up without a
 * change here; the two tables below only hide the GstObject/GstBaseSrc
 * basics and suggest slider ranges for properties whose real range is huge.
 */
#include "studio.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

/* Hidden: they make no sense to change in a running studio (its pipeline
 * needs is-live, a name, no EOS after N buffers). */
static const char
    *const skip_list[] =
        {
            "name",     "parent",       "blocksize", "num-buffers",
            "typefind", "do-timestamp", "is-live",   "automatic-eos",
            "last-ws", /* served by "save w", not as a control */
};

/* Slider ranges for the page where the GParamSpec's range is too wide for a
 * slider (translate is +-1e6). Only a hint: any value in the real range can
 * still be typed or sent. The class slider gets 0 to classes-1 on the page
 * when the element tells the number of classes (model-classes). */
static const struct {
  const char *name;
  double min, max;
} soft_ranges[] = {
    {"translate-x", -1, 1},
    {"translate-y", -1, 1},
    {"rotate", -180, 180},
    {"pan-x", -1, 1},
    {"pan-y", -1, 1},
    {"spin", -90, 90},
    {"walk-frames", 1, 600},
    {"seed", 0, 1000},
    {"truncation-cutoff", -1, 16},
};

static gboolean is_array_spec(GParamSpec *p) {
  return GST_IS_PARAM_SPEC_ARRAY_LIST(p);
}

static gboolean supported_type(GParamSpec *p) {
  GType t = G_PARAM_SPEC_VALUE_TYPE(p);
  if (is_array_spec(p)) {
    GParamSpec *e = GST_PARAM_SPEC_ARRAY_LIST(p)->element_spec;
    return e && (G_IS_PARAM_SPEC_DOUBLE(e) || G_IS_PARAM_SPEC_FLOAT(e) ||
                 G_IS_PARAM_SPEC_INT(e));
  }
  return t == G_TYPE_INT || t == G_TYPE_UINT || t == G_TYPE_INT64 ||
         t == G_TYPE_UINT64 || t == G_TYPE_LONG || t == G_TYPE_ULONG ||
         t == G_TYPE_DOUBLE || t == G_TYPE_FLOAT || t == G_TYPE_BOOLEAN ||
         t == G_TYPE_STRING || G_TYPE_IS_ENUM(t) || G_TYPE_IS_FLAGS(t);
}

gboolean studio_prop_exposed(GParamSpec *p) {
  if (!(p->flags & G_PARAM_READABLE) || !supported_type(p))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(skip_list); i++)
    if (!strcmp(p->name, skip_list[i]))
      return FALSE;
  return TRUE;
}

/* Writable from the network: strings other than the model are not, since a
 * string property may well be a path (the model goes through the picker). */
gboolean studio_prop_settable(GParamSpec *p) {
  if (!studio_prop_exposed(p) || !(p->flags & G_PARAM_WRITABLE) ||
      (p->flags & G_PARAM_CONSTRUCT_ONLY))
    return FALSE;
  if (G_PARAM_SPEC_VALUE_TYPE(p) == G_TYPE_STRING)
    return !strcmp(p->name, "model");
  return TRUE;
}

GParamSpec *studio_find_prop(Studio *st, const char *name) {
  GParamSpec *p = g_object_class_find_property(st->src_class, name);
  return p && studio_prop_exposed(p) ? p : NULL;
}

static const char *type_name(GParamSpec *p) {
  GType t = G_PARAM_SPEC_VALUE_TYPE(p);
  if (is_array_spec(p))
    return "array";
  if (t == G_TYPE_INT || t == G_TYPE_LONG)
    return "int";
  if (t == G_TYPE_UINT || t == G_TYPE_ULONG)
    return "uint";
  if (t == G_TYPE_INT64)
    return "int64";
  if (t == G_TYPE_UINT64)
    return "uint64";
  if (t == G_TYPE_DOUBLE)
    return "double";
  if (t == G_TYPE_FLOAT)
    return "float";
  if (t == G_TYPE_BOOLEAN)
    return "boolean";
  if (t == G_TYPE_STRING)
    return "string";
  if (G_TYPE_IS_ENUM(t))
    return "enum";
  if (G_TYPE_IS_FLAGS(t))
    return "flags";
  return "unknown";
}

/* The numeric range of P (or of its element spec); FALSE if not numeric. */
static gboolean numeric_range(GParamSpec *p, double *min, double *max,
                              gboolean *integer) {
  *integer = TRUE;
  if (G_IS_PARAM_SPEC_INT(p)) {
    *min = G_PARAM_SPEC_INT(p)->minimum, *max = G_PARAM_SPEC_INT(p)->maximum;
  } else if (G_IS_PARAM_SPEC_UINT(p)) {
    *min = G_PARAM_SPEC_UINT(p)->minimum, *max = G_PARAM_SPEC_UINT(p)->maximum;
  } else if (G_IS_PARAM_SPEC_LONG(p)) {
    *min = G_PARAM_SPEC_LONG(p)->minimum, *max = G_PARAM_SPEC_LONG(p)->maximum;
  } else if (G_IS_PARAM_SPEC_ULONG(p)) {
    *min = G_PARAM_SPEC_ULONG(p)->minimum;
    *max = G_PARAM_SPEC_ULONG(p)->maximum;
  } else if (G_IS_PARAM_SPEC_INT64(p)) {
    *min = G_PARAM_SPEC_INT64(p)->minimum;
    *max = G_PARAM_SPEC_INT64(p)->maximum;
  } else if (G_IS_PARAM_SPEC_UINT64(p)) {
    *min = G_PARAM_SPEC_UINT64(p)->minimum;
    *max = G_PARAM_SPEC_UINT64(p)->maximum;
  } else if (G_IS_PARAM_SPEC_DOUBLE(p)) {
    *integer = FALSE;
    *min = G_PARAM_SPEC_DOUBLE(p)->minimum;
    *max = G_PARAM_SPEC_DOUBLE(p)->maximum;
  } else if (G_IS_PARAM_SPEC_FLOAT(p)) {
    *integer = FALSE;
    *min = G_PARAM_SPEC_FLOAT(p)->minimum;
    *max = G_PARAM_SPEC_FLOAT(p)->maximum;
  } else {
    return FALSE;
  }
  return TRUE;
}

char *studio_json_to_string(JsonNode *node) {
  JsonGenerator *g = json_generator_new();
  json_generator_set_root(g, node);
  char *s = json_generator_to_data(g, NULL);
  g_object_unref(g);
  json_node_unref(node);
  return s;
}

/* The name the network sees for a model path: the file name, "" for the
 * built-in model. Full paths stay on this machine. */
char *studio_model_name(Studio *st, const char *path) {
  if (!path || !*path)
    return g_strdup("");
  return g_path_get_basename(path);
}

static JsonNode *number_node(double d, gboolean integer) {
  JsonNode *n = json_node_new(JSON_NODE_VALUE);
  if (!isfinite(d))
    json_node_init_null(n);
  else if (integer && fabs(d) < 9.007199254740992e15)
    json_node_set_int(n, (gint64)d);
  else
    json_node_set_double(n, d);
  return n;
}

JsonNode *studio_value_to_json(Studio *st, GParamSpec *p, const GValue *v) {
  GType t = G_VALUE_TYPE(v);
  JsonNode *n = json_node_new(JSON_NODE_VALUE);
  if (t == G_TYPE_INT)
    json_node_set_int(n, g_value_get_int(v));
  else if (t == G_TYPE_UINT)
    json_node_set_int(n, g_value_get_uint(v));
  else if (t == G_TYPE_LONG)
    json_node_set_int(n, g_value_get_long(v));
  else if (t == G_TYPE_ULONG)
    json_node_set_int(n, (gint64)g_value_get_ulong(v));
  else if (t == G_TYPE_INT64)
    json_node_set_int(n, g_value_get_int64(v));
  else if (t == G_TYPE_UINT64)
    json_node_set_int(n, (gint64)MIN(g_value_get_uint64(v), G_MAXINT64));
  else if (t == G_TYPE_DOUBLE || t == G_TYPE_FLOAT) {
    json_node_unref(n);
    return number_node(t == G_TYPE_DOUBLE ? g_value_get_double(v)
                                          : g_value_get_float(v),
                       FALSE);
  } else if (t == G_TYPE_BOOLEAN)
    json_node_set_boolean(n, g_value_get_boolean(v));
  else if (t == G_TYPE_STRING) {
    if (p && !strcmp(p->name, "model")) {
      char *name = studio_model_name(st, g_value_get_string(v));
      json_node_set_string(n, name);
      g_free(name);
    } else {
      const char *s = g_value_get_string(v);
      json_node_set_string(n, s ? s : "");
    }
  } else if (G_TYPE_IS_ENUM(t)) {
    GEnumClass *e = g_type_class_ref(t);
    GEnumValue *ev = g_enum_get_value(e, g_value_get_enum(v));
    if (ev)
      json_node_set_string(n, ev->value_nick);
    else
      json_node_set_int(n, g_value_get_enum(v));
    g_type_class_unref(e);
  } else if (G_TYPE_IS_FLAGS(t)) {
    char *s = g_flags_to_string(t, g_value_get_flags(v));
    json_node_set_string(n, s);
    g_free(s);
  } else if (GST_VALUE_HOLDS_ARRAY(v)) {
    json_node_unref(n);
    JsonArray *a = json_array_new();
    for (guint i = 0; i < gst_value_array_get_size(v); i++) {
      const GValue *e = gst_value_array_get_value(v, i);
      GValue d = G_VALUE_INIT;
      g_value_init(&d, G_TYPE_DOUBLE);
      if (g_value_type_transformable(G_VALUE_TYPE(e), G_TYPE_DOUBLE) &&
          g_value_transform(e, &d))
        json_array_add_element(a, number_node(g_value_get_double(&d), FALSE));
      else
        json_array_add_null_element(a);
      g_value_unset(&d);
    }
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
  } else {
    json_node_init_null(n);
  }
  return n;
}

JsonNode *studio_get_json(Studio *st, GParamSpec *p) {
  GValue v = G_VALUE_INIT;
  g_value_init(&v, G_PARAM_SPEC_VALUE_TYPE(p));
  g_object_get_property(G_OBJECT(st->src), p->name, &v);
  JsonNode *n = studio_value_to_json(st, p, &v);
  g_value_unset(&v);
  return n;
}

JsonNode *studio_state_json(Studio *st) {
  guint np;
  GParamSpec **ps = g_object_class_list_properties(st->src_class, &np);
  JsonObject *o = json_object_new();
  for (guint i = 0; i < np; i++)
    if (studio_prop_exposed(ps[i]))
      json_object_set_member(o, ps[i]->name, studio_get_json(st, ps[i]));
  g_free(ps);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  return n;
}

static void describe_numeric(JsonObject *o, GParamSpec *p) {
  double min, max;
  gboolean integer;
  if (!numeric_range(p, &min, &max, &integer))
    return;
  json_object_set_member(o, "min", number_node(min, integer));
  json_object_set_member(o, "max", number_node(max, integer));
  for (guint i = 0; i < G_N_ELEMENTS(soft_ranges); i++)
    if (!strcmp(p->name, soft_ranges[i].name)) {
      json_object_set_member(o, "soft_min",
                             number_node(MAX(min, soft_ranges[i].min), TRUE));
      json_object_set_member(o, "soft_max",
                             number_node(MIN(max, soft_ranges[i].max), TRUE));
    }
}

JsonNode *studio_describe_props(Studio *st) {
  guint np;
  GParamSpec **ps = g_object_class_list_properties(st->src_class, &np);
  JsonArray *a = json_array_new();
  for (guint i = 0; i < np; i++) {
    GParamSpec *p = ps[i];
    if (!studio_prop_exposed(p))
      continue;
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", p->name);
    json_object_set_string_member(o, "nick", g_param_spec_get_nick(p));
    const char *blurb = g_param_spec_get_blurb(p);
    json_object_set_string_member(o, "blurb", blurb ? blurb : "");
    json_object_set_string_member(o, "type", type_name(p));
    json_object_set_string_member(o, "gtype",
                                  g_type_name(G_PARAM_SPEC_VALUE_TYPE(p)));
    describe_numeric(o, p);
    if (is_array_spec(p)) {
      GParamSpec *e = GST_PARAM_SPEC_ARRAY_LIST(p)->element_spec;
      JsonObject *eo = json_object_new();
      json_object_set_string_member(eo, "type", type_name(e));
      describe_numeric(eo, e);
      json_object_set_object_member(o, "element", eo);
    }
    const GValue *def = g_param_spec_get_default_value(p);
    if (!is_array_spec(p))
      json_object_set_member(o, "default", studio_value_to_json(st, p, def));
    GType t = G_PARAM_SPEC_VALUE_TYPE(p);
    if (G_TYPE_IS_ENUM(t) || G_TYPE_IS_FLAGS(t)) {
      JsonArray *vals = json_array_new();
      if (G_TYPE_IS_ENUM(t)) {
        GEnumClass *e = g_type_class_ref(t);
        for (guint k = 0; k < e->n_values; k++) {
          JsonObject *ev = json_object_new();
          json_object_set_int_member(ev, "value", e->values[k].value);
          json_object_set_string_member(ev, "nick", e->values[k].value_nick);
          json_object_set_string_member(ev, "name", e->values[k].value_name);
          json_array_add_object_element(vals, ev);
        }
        g_type_class_unref(e);
      } else {
        GFlagsClass *f = g_type_class_ref(t);
        for (guint k = 0; k < f->n_values; k++) {
          JsonObject *ev = json_object_new();
          json_object_set_int_member(ev, "value", f->values[k].value);
          json_object_set_string_member(ev, "nick", f->values[k].value_nick);
          json_object_set_string_member(ev, "name", f->values[k].value_name);
          json_array_add_object_element(vals, ev);
        }
        g_type_class_unref(f);
      }
      json_object_set_array_member(o, "values", vals);
    }
    JsonObject *fl = json_object_new();
    json_object_set_boolean_member(fl, "readable",
                                   (p->flags & G_PARAM_READABLE) != 0);
    json_object_set_boolean_member(fl, "writable",
                                   (p->flags & G_PARAM_WRITABLE) != 0);
    json_object_set_boolean_member(fl, "settable", studio_prop_settable(p));
    json_object_set_boolean_member(fl, "controllable",
                                   (p->flags & GST_PARAM_CONTROLLABLE) != 0);
    json_object_set_boolean_member(fl, "mutable-playing",
                                   (p->flags & GST_PARAM_MUTABLE_PLAYING) != 0);
    json_object_set_boolean_member(fl, "mutable-paused",
                                   (p->flags & GST_PARAM_MUTABLE_PAUSED) != 0);
    json_object_set_object_member(o, "flags", fl);
    json_array_add_object_element(a, o);
  }
  g_free(ps);
  JsonObject *root = json_object_new();
  json_object_set_string_member(root, "element", st->element);
  json_object_set_array_member(root, "properties", a);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, root);
  return n;
}

/* ---- setting ---- */

static gboolean refuse(int *code, char **message, int c, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static gboolean refuse(int *code, char **message, int c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  *message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  *code = c;
  return FALSE;
}

/* A number from JSON: int, double or (for toggles sent by controllers) a
 * boolean. */
static gboolean json_number(JsonNode *v, double *out) {
  if (!v || !JSON_NODE_HOLDS_VALUE(v))
    return FALSE;
  GType t = json_node_get_value_type(v);
  if (t == G_TYPE_INT64)
    *out = (double)json_node_get_int(v);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double(v);
  else if (t == G_TYPE_BOOLEAN)
    *out = json_node_get_boolean(v);
  else
    return FALSE;
  return isfinite(*out);
}

/* Checks D against the range: integers are rounded to the nearest, values
 * outside are clamped (and said so in the log). */
static double clamp_number(GParamSpec *p, const char *name, double d,
                           const char *who) {
  double min, max;
  gboolean integer;
  numeric_range(p, &min, &max, &integer);
  if (integer)
    d = round(d);
  if (d < min || d > max) {
    double c = CLAMP(d, min, max);
    GST_WARNING("%s: %s=%g is out of range [%g, %g]: clamped to %g", who, name,
                d, min, max, c);
    g_printerr("sg3-studio: %s: %s=%g out of range [%g, %g], clamped to %g\n",
               who, name, d, min, max, c);
    d = c;
  }
  return d;
}

static void set_numeric_gvalue(GValue *gv, GParamSpec *p, double d) {
  GType t = G_PARAM_SPEC_VALUE_TYPE(p);
  g_value_init(gv, t);
  if (t == G_TYPE_INT)
    g_value_set_int(gv, (gint)d);
  else if (t == G_TYPE_UINT)
    g_value_set_uint(gv, (guint)d);
  else if (t == G_TYPE_LONG)
    g_value_set_long(gv, (glong)d);
  else if (t == G_TYPE_ULONG)
    g_value_set_ulong(gv, (gulong)d);
  else if (t == G_TYPE_INT64)
    g_value_set_int64(gv, (gint64)d);
  else if (t == G_TYPE_UINT64)
    g_value_set_uint64(gv, (guint64)d);
  else if (t == G_TYPE_DOUBLE)
    g_value_set_double(gv, d);
  else
    g_value_set_float(gv, (float)d);
}

gboolean studio_valid_model_name(const char *name) {
  if (!name || !*name || strlen(name) > 255 || name[0] == '.' ||
      strchr(name, '/') || strchr(name, '\\') || strstr(name, ".."))
    return FALSE;
  if (!g_utf8_validate(name, -1, NULL))
    return FALSE;
  for (const char *c = name; *c; c++)
    if ((unsigned char)*c < 0x20)
      return FALSE;
  return g_str_has_suffix(name, ".pkl") ||
         g_str_has_suffix(name, ".safetensors");
}

/* A regular file (not a symlink, not a directory) directly in the models
 * directory; its full path, or NULL. */
static char *model_path(Studio *st, const char *name) {
  if (!st->models_dir || !studio_valid_model_name(name))
    return NULL;
  char *path = g_build_filename(st->models_dir, name, NULL);
  GStatBuf sb;
  if (g_lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    g_free(path);
    return NULL;
  }
  return path;
}

static gint compare_names(gconstpointer a, gconstpointer b) {
  /* g_ptr_array_sort passes pointers to the elements */
  return strcmp(*(char *const *)a, *(char *const *)b);
}

JsonNode *studio_models_json(Studio *st) {
  JsonObject *o = json_object_new();
  JsonArray *a = json_array_new();
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  GDir *d = st->models_dir ? g_dir_open(st->models_dir, 0, NULL) : NULL;
  for (const char *n; d && (n = g_dir_read_name(d));) {
    char *path = model_path(st, n);
    if (path)
      g_ptr_array_add(names, g_strdup(n));
    g_free(path);
  }
  if (d)
    g_dir_close(d);
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++)
    json_array_add_string_element(a, g_ptr_array_index(names, i));
  g_ptr_array_unref(names);
  json_object_set_array_member(o, "models", a);
  json_object_set_boolean_member(o, "dir", st->models_dir != NULL);
  json_object_set_boolean_member(o, "loading", st->model_loading);
  char *path = NULL;
  g_object_get(st->src, "model", &path, NULL);
  char *cur = studio_model_name(st, path);
  json_object_set_string_member(o, "current", cur);
  g_free(cur);
  g_free(path);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  return n;
}

typedef struct {
  Studio *st;
  char *path;
} ModelJob;

static void load_model_thread(GTask *task, gpointer source, gpointer data,
                              GCancellable *c) {
  ModelJob *j = data;
  /* sg3src loads the file in the caller's thread: not the main loop's. */
  g_object_set(j->st->src, "model", j->path, NULL);
  g_task_return_boolean(task, TRUE);
}

static void load_model_done(GObject *source, GAsyncResult *res, gpointer data) {
  ModelJob *j = data;
  Studio *st = j->st;
  st->model_loading = FALSE;
  char *now = NULL;
  g_object_get(st->src, "model", &now, NULL);
  gboolean ok = g_strcmp0(now && *now ? now : NULL,
                          j->path && *j->path ? j->path : NULL) == 0;
  char *name = studio_model_name(st, j->path);
  if (ok)
    studio_log_client(st, "info", "model %s loaded",
                      *name ? name : "(built in)");
  else
    studio_log_client(st, "error", "model %s was refused: see the log", name);
  g_free(name);
  g_free(now);
  g_free(j->path);
  g_free(j);
}

static gboolean set_model(Studio *st, JsonNode *value, const char *who,
                          int *code, char **message) {
  if (!value || !JSON_NODE_HOLDS_VALUE(value) ||
      json_node_get_value_type(value) != G_TYPE_STRING)
    return refuse(code, message, 400,
                  "model: expected a file name from the model list");
  const char *name = json_node_get_string(value);
  char *path = NULL;
  if (*name) {
    if (!studio_valid_model_name(name))
      return refuse(code, message, 400,
                    "model: '%s' is not a model file name (.pkl or "
                    ".safetensors, no path)",
                    name);
    path = model_path(st, name);
    if (!path)
      return refuse(code, message, 404, "model: no model file '%s'%s", name,
                    st->models_dir ? ""
                                   : " (sg3-studio runs without --models)");
  }
  if (st->model_loading) {
    g_free(path);
    return refuse(code, message, 409, "model: another model is loading");
  }
  st->model_loading = TRUE;
  GST_INFO("%s: loading model %s", who, *name ? name : "(built in)");
  ModelJob *j = g_new0(ModelJob, 1);
  j->st = st;
  j->path = path;
  GTask *task = g_task_new(NULL, NULL, load_model_done, j);
  g_task_set_task_data(task, j, NULL);
  g_task_run_in_thread(task, load_model_thread);
  g_object_unref(task);
  *code = 202;
  return TRUE;
}

gboolean studio_set_json(Studio *st, const char *name, JsonNode *value,
                         const char *who, int *code, char **message) {
  *code = 200;
  *message = NULL;
  if (!name)
    return refuse(code, message, 400, "no property name");
  GParamSpec *p = studio_find_prop(st, name);
  if (!p)
    return refuse(code, message, 404, "%s has no property '%s'", st->element,
                  name);
  if (!studio_prop_settable(p))
    return refuse(code, message, 403, "%s is read-only here", name);
  if (!strcmp(name, "model"))
    return set_model(st, value, who, code, message);

  GType t = G_PARAM_SPEC_VALUE_TYPE(p);
  GValue gv = G_VALUE_INIT;
  double d;
  if (t == G_TYPE_BOOLEAN) {
    if (!json_number(value, &d))
      return refuse(code, message, 400, "%s: expected true or false", name);
    g_value_init(&gv, t);
    g_value_set_boolean(&gv, d != 0);
  } else if (G_TYPE_IS_ENUM(t)) {
    GEnumClass *e = g_type_class_ref(t);
    GEnumValue *ev = NULL;
    if (value && JSON_NODE_HOLDS_VALUE(value) &&
        json_node_get_value_type(value) == G_TYPE_STRING) {
      const char *s = json_node_get_string(value);
      ev = g_enum_get_value_by_nick(e, s);
      if (!ev)
        ev = g_enum_get_value_by_name(e, s);
    } else if (json_number(value, &d) && d == floor(d) && fabs(d) < 1e9) {
      ev = g_enum_get_value(e, (gint)d);
    }
    if (!ev) {
      GString *opts = g_string_new("");
      for (guint k = 0; k < e->n_values; k++)
        g_string_append_printf(opts, "%s%s", k ? ", " : "",
                               e->values[k].value_nick);
      g_type_class_unref(e);
      refuse(code, message, 400, "%s: expected one of %s", name, opts->str);
      g_string_free(opts, TRUE);
      return FALSE;
    }
    g_value_init(&gv, t);
    g_value_set_enum(&gv, ev->value);
    g_type_class_unref(e);
  } else if (G_TYPE_IS_FLAGS(t)) {
    if (!value || !JSON_NODE_HOLDS_VALUE(value) ||
        json_node_get_value_type(value) != G_TYPE_STRING)
      return refuse(code, message, 400, "%s: expected flags as a string", name);
    g_value_init(&gv, t);
    if (!gst_value_deserialize(&gv, json_node_get_string(value))) {
      g_value_unset(&gv);
      return refuse(code, message, 400, "%s: invalid flags", name);
    }
  } else if (is_array_spec(p)) {
    GParamSpec *es = GST_PARAM_SPEC_ARRAY_LIST(p)->element_spec;
    if (!value || !JSON_NODE_HOLDS_ARRAY(value))
      return refuse(code, message, 400, "%s: expected an array of numbers",
                    name);
    JsonArray *a = json_node_get_array(value);
    guint n = json_array_get_length(a);
    /* keep the length the element has (transform: 3) */
    GValue cur = G_VALUE_INIT;
    g_value_init(&cur, t);
    g_object_get_property(G_OBJECT(st->src), name, &cur);
    guint want = gst_value_array_get_size(&cur);
    g_value_unset(&cur);
    if (n == 0 || n > 64 || (want && n != want))
      return refuse(code, message, 400, "%s: expected %u numbers", name,
                    want ? want : 1);
    g_value_init(&gv, t);
    for (guint i = 0; i < n; i++) {
      if (!json_number(json_array_get_element(a, i), &d)) {
        g_value_unset(&gv);
        return refuse(code, message, 400, "%s: element %u is not a number",
                      name, i);
      }
      GValue ev = G_VALUE_INIT;
      set_numeric_gvalue(&ev, es, clamp_number(es, name, d, who));
      gst_value_array_append_and_take_value(&gv, &ev);
    }
  } else {
    if (!json_number(value, &d))
      return refuse(code, message, 400, "%s: expected a number", name);
    set_numeric_gvalue(&gv, p, clamp_number(p, name, d, who));
  }
  GST_DEBUG("%s: set %s", who, name);
  g_object_set_property(G_OBJECT(st->src), name, &gv);
  g_value_unset(&gv);
  return TRUE;
}

/* ---- model info ---- */

JsonNode *studio_info_json(Studio *st) {
  JsonObject *o = json_object_new();
  /* The element's model-* properties where it has them. */
  static const char *const info_props[] = {
      "model-family", "model-resolution", "model-channels", "model-classes",
      "model-num-ws", "model-w-dim",      "model-z-dim",    "model-config",
  };
  for (guint i = 0; i < G_N_ELEMENTS(info_props); i++) {
    GParamSpec *p = g_object_class_find_property(st->src_class, info_props[i]);
    if (p && (p->flags & G_PARAM_READABLE) && supported_type(p))
      json_object_set_member(o, info_props[i] + 6, studio_get_json(st, p));
  }
  /* The negotiated caps otherwise (and always: the stream's format). */
  g_mutex_lock(&st->lock);
  GstCaps *caps = st->src_caps ? gst_caps_ref(st->src_caps) : NULL;
  g_mutex_unlock(&st->lock);
  if (caps) {
    GstStructure *s = gst_caps_get_structure(caps, 0);
    int w = 0, h = 0;
    gst_structure_get_int(s, "width", &w);
    gst_structure_get_int(s, "height", &h);
    json_object_set_int_member(o, "width", w);
    json_object_set_int_member(o, "height", h);
    const char *fmt = gst_structure_get_string(s, "format");
    json_object_set_string_member(o, "format", fmt ? fmt : "");
    if (!json_object_has_member(o, "resolution"))
      json_object_set_int_member(o, "resolution", w);
    if (!json_object_has_member(o, "channels") && fmt)
      json_object_set_int_member(o, "channels",
                                 !strcmp(fmt, "GRAY8") ? 1
                                 : strstr(fmt, "A")    ? 4
                                                       : 3);
    gst_caps_unref(caps);
  }
  json_object_set_string_member(o, "element", st->element);
  char *fps = g_strdup_printf("%d/%d", st->fps_n, st->fps_d);
  json_object_set_string_member(o, "framerate", fps);
  g_free(fps);
  char *path = NULL;
  g_object_get(st->src, "model", &path, NULL);
  char *name = studio_model_name(st, path);
  json_object_set_string_member(o, "model", *name ? name : "(built in)");
  g_free(name);
  g_free(path);
  json_object_set_boolean_member(o, "save_w", studio_can_save_w(st));
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  return n;
}
