/* Writes the documentation cache of a GStreamer plugin, in the layout of
 * the gst_plugins_cache.json files GStreamer's modules keep (made there by
 * gst-hotdoc-plugins-scanner, which Debian does not ship): the plugin, its
 * elements, their pad templates and properties with types, ranges, defaults
 * and flags, and the enums they use. meson test checks that
 * docs/plugins/gst_plugins_cache.json is up to date, as GStreamer's CI does.
 *
 * usage: gst-plugin-cache PLUGIN.so [OUT.json]   (stdout without OUT) */
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

static gchar *value_string(const GValue *v) {
  if (G_VALUE_HOLDS_STRING(v))
    return g_value_dup_string(v);
  if (G_VALUE_HOLDS_ENUM(v)) {
    GEnumClass *c = g_type_class_ref(G_VALUE_TYPE(v));
    GEnumValue *e = g_enum_get_value(c, g_value_get_enum(v));
    gchar *s = g_strdup(e ? e->value_nick : "");
    g_type_class_unref(c);
    return s;
  }
  if (G_VALUE_HOLDS_BOOLEAN(v))
    return g_strdup(g_value_get_boolean(v) ? "true" : "false");
  if (G_VALUE_HOLDS_DOUBLE(v))
    return g_strdup_printf("%g", g_value_get_double(v));
  return gst_value_serialize(v);
}

/* Caps as the cache shows them: one "name:" line per structure, then its
 * fields indented. */
static gchar *caps_string(GstCaps *caps) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < gst_caps_get_size(caps); i++) {
    const GstStructure *st = gst_caps_get_structure(caps, i);
    g_string_append_printf(s, "%s:\n", gst_structure_get_name(st));
    for (int f = 0; f < gst_structure_n_fields(st); f++) {
      const gchar *name = gst_structure_nth_field_name(st, f);
      gchar *v = gst_value_serialize(gst_structure_get_value(st, name));
      g_string_append_printf(s, "%18s: %s\n", name, v);
      g_free(v);
    }
  }
  return g_string_free(s, FALSE);
}

static void add_enum(JsonBuilder *types, GType t, GHashTable *seen) {
  if (g_hash_table_contains(seen, GSIZE_TO_POINTER(t)))
    return;
  g_hash_table_add(seen, GSIZE_TO_POINTER(t));
  GEnumClass *c = g_type_class_ref(t);
  json_builder_set_member_name(types, g_type_name(t));
  json_builder_begin_object(types);
  json_builder_set_member_name(types, "kind");
  json_builder_add_string_value(types, "enum");
  json_builder_set_member_name(types, "values");
  json_builder_begin_array(types);
  for (guint i = 0; i < c->n_values; i++) {
    json_builder_begin_object(types);
    json_builder_set_member_name(types, "desc");
    json_builder_add_string_value(types, c->values[i].value_name);
    json_builder_set_member_name(types, "name");
    json_builder_add_string_value(types, c->values[i].value_nick);
    json_builder_set_member_name(types, "value");
    gchar *v = g_strdup_printf("%d", c->values[i].value);
    json_builder_add_string_value(types, v);
    g_free(v);
    json_builder_end_object(types);
  }
  json_builder_end_array(types);
  json_builder_end_object(types);
  g_type_class_unref(c);
}

static void member_bool(JsonBuilder *b, const char *name, gboolean v) {
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, v);
}

static void member_str(JsonBuilder *b, const char *name, const char *v) {
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v);
}

static void add_properties(JsonBuilder *b, GstElement *e, JsonBuilder *types,
                           GHashTable *seen) {
  guint n;
  GParamSpec **ps = g_object_class_list_properties(G_OBJECT_GET_CLASS(e), &n);
  json_builder_set_member_name(b, "properties");
  json_builder_begin_object(b);
  for (guint i = 0; i < n; i++) {
    GParamSpec *p = ps[i];
    /* only the element's own, as the cache does (inherited ones are the
     * base classes') */
    if (p->owner_type != G_OBJECT_TYPE(e))
      continue;
    json_builder_set_member_name(b, p->name);
    json_builder_begin_object(b);
    member_str(b, "blurb", g_param_spec_get_blurb(p));
    member_bool(b, "conditionally-available", FALSE);
    member_bool(b, "construct", (p->flags & G_PARAM_CONSTRUCT) != 0);
    member_bool(b, "construct-only", (p->flags & G_PARAM_CONSTRUCT_ONLY) != 0);
    member_bool(b, "controllable", (p->flags & GST_PARAM_CONTROLLABLE) != 0);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, p->value_type);
    g_param_value_set_default(p, &v);
    gchar *def = G_VALUE_HOLDS_BOXED(&v) && !g_value_get_boxed(&v)
                     ? NULL
                     : value_string(&v);
    member_str(b, "default", def ? def : "NULL");
    g_free(def);
    g_value_unset(&v);
#define RANGE(SPEC, FMT, CAST)                                                 \
  do {                                                                         \
    gchar *lo = g_strdup_printf(FMT, (CAST)SPEC(p)->minimum);                  \
    gchar *hi = g_strdup_printf(FMT, (CAST)SPEC(p)->maximum);                  \
    member_str(b, "max", hi);                                                  \
    member_str(b, "min", lo);                                                  \
    g_free(lo);                                                                \
    g_free(hi);                                                                \
  } while (0)
    if (G_IS_PARAM_SPEC_UINT(p))
      RANGE(G_PARAM_SPEC_UINT, "%u", guint);
    else if (G_IS_PARAM_SPEC_INT(p))
      RANGE(G_PARAM_SPEC_INT, "%d", gint);
    else if (G_IS_PARAM_SPEC_UINT64(p))
      RANGE(G_PARAM_SPEC_UINT64, "%" G_GUINT64_FORMAT, guint64);
    else if (G_IS_PARAM_SPEC_DOUBLE(p))
      RANGE(G_PARAM_SPEC_DOUBLE, "%g", double);
    const char *mut = p->flags & GST_PARAM_MUTABLE_PLAYING  ? "playing"
                      : p->flags & GST_PARAM_MUTABLE_PAUSED ? "paused"
                      : p->flags & GST_PARAM_MUTABLE_READY  ? "ready"
                                                            : "null";
    member_str(b, "mutable", mut);
    member_bool(b, "readable", (p->flags & G_PARAM_READABLE) != 0);
    member_str(b, "type", g_type_name(p->value_type));
    member_bool(b, "writable", (p->flags & G_PARAM_WRITABLE) != 0);
    json_builder_end_object(b);
    if (G_IS_PARAM_SPEC_ENUM(p))
      add_enum(types, p->value_type, seen);
  }
  json_builder_end_object(b);
  g_free(ps);
}

static void add_element(JsonBuilder *b, GstElementFactory *f,
                        JsonBuilder *types, GHashTable *seen) {
  GstElement *e = gst_element_factory_create(f, NULL);
  json_builder_set_member_name(b, GST_OBJECT_NAME(f));
  json_builder_begin_object(b);
  member_str(b, "author",
             gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_AUTHOR));
  member_str(
      b, "description",
      gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_DESCRIPTION));
  json_builder_set_member_name(b, "hierarchy");
  json_builder_begin_array(b);
  for (GType t = G_OBJECT_TYPE(e); t; t = g_type_parent(t))
    json_builder_add_string_value(b, g_type_name(t));
  json_builder_end_array(b);
  member_str(b, "klass",
             gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS));
  member_str(
      b, "long-name",
      gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_LONGNAME));
  json_builder_set_member_name(b, "pad-templates");
  json_builder_begin_object(b);
  for (const GList *l = gst_element_factory_get_static_pad_templates(f); l;
       l = l->next) {
    GstStaticPadTemplate *t = l->data;
    json_builder_set_member_name(b, t->name_template);
    json_builder_begin_object(b);
    GstCaps *caps = gst_static_caps_get(&t->static_caps);
    gchar *c = caps_string(caps);
    member_str(b, "caps", c);
    g_free(c);
    gst_caps_unref(caps);
    member_str(b, "direction", t->direction == GST_PAD_SRC ? "src" : "sink");
    member_str(b, "presence",
               t->presence == GST_PAD_ALWAYS      ? "always"
               : t->presence == GST_PAD_SOMETIMES ? "sometimes"
                                                  : "request");
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
  add_properties(b, e, types, seen);
  guint rank = gst_plugin_feature_get_rank(GST_PLUGIN_FEATURE(f));
  member_str(b, "rank",
             rank >= GST_RANK_PRIMARY     ? "primary"
             : rank >= GST_RANK_SECONDARY ? "secondary"
             : rank >= GST_RANK_MARGINAL  ? "marginal"
                                          : "none");
  json_builder_end_object(b);
  gst_object_unref(e);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s PLUGIN.so [OUT.json]\n", argv[0]);
    return 2;
  }
  GError *err = NULL;
  GstPlugin *plugin = gst_plugin_load_file(argv[1], &err);
  if (!plugin) {
    fprintf(stderr, "%s: %s\n", argv[1], err ? err->message : "cannot load");
    return 1;
  }
  const gchar *name = gst_plugin_get_name(plugin);
  JsonBuilder *b = json_builder_new(), *types = json_builder_new();
  GHashTable *seen = g_hash_table_new(NULL, NULL);
  json_builder_begin_object(types);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, name);
  json_builder_begin_object(b);
  member_str(b, "description", gst_plugin_get_description(plugin));
  json_builder_set_member_name(b, "elements");
  json_builder_begin_object(b);
  GList *features = gst_registry_get_feature_list_by_plugin(
      gst_registry_get(), gst_plugin_get_name(plugin));
  for (GList *l = features; l; l = l->next)
    if (GST_IS_ELEMENT_FACTORY(l->data))
      add_element(b, l->data, types, seen);
  gst_plugin_feature_list_free(features);
  json_builder_end_object(b);
  gchar *base = g_path_get_basename(gst_plugin_get_filename(plugin));
  char *dot = strrchr(base, '.');
  if (dot)
    *dot = 0;
  member_str(b, "filename", base);
  g_free(base);
  member_str(b, "license", gst_plugin_get_license(plugin));
  json_builder_end_object(types);
  json_builder_set_member_name(b, "other-types");
  json_builder_add_value(b, json_builder_get_root(types));
  member_str(b, "package", gst_plugin_get_package(plugin));
  member_str(b, "source", gst_plugin_get_source(plugin));
  json_builder_set_member_name(b, "tracers");
  json_builder_begin_object(b);
  json_builder_end_object(b);
  member_str(b, "url", gst_plugin_get_origin(plugin));
  json_builder_end_object(b);
  json_builder_end_object(b);
  JsonGenerator *g = json_generator_new();
  json_generator_set_pretty(g, TRUE);
  json_generator_set_indent(g, 4);
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  gchar *text = json_generator_to_data(g, NULL);
  int rc = 0;
  if (argc > 2) {
    gchar *full = g_strconcat(text, "\n", NULL);
    if (!g_file_set_contents(argv[2], full, -1, &err)) {
      fprintf(stderr, "%s: %s\n", argv[2], err->message);
      rc = 1;
    }
    g_free(full);
  } else {
    printf("%s\n", text);
  }
  g_free(text);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  g_object_unref(types);
  g_hash_table_unref(seen);
  gst_object_unref(plugin);
  return rc;
}
