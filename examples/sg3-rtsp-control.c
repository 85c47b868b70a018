/* sg3-rtsp-server: steering the shared stream with RTSP SET_PARAMETER and
 * GET_PARAMETER (RFC 2326 10.8-10.9), bodies of text/parameters lines:
 *
 *   SET_PARAMETER rtsp://host:8554/sg3 RTSP/1.0
 *   Content-Type: text/parameters
 *
 *   seed: 5
 *   psi: 0.7
 *
 * sets those sg3src properties on the mount's running generator (every
 * viewer of the mount sees the change), type- and range-checked like the
 * command line; GET_PARAMETER with lines of names answers "name: value".
 * Only properties the element allows to change while playing, and none that
 * name a file on the server. Through the library's params_set/params_get
 * vfuncs of GstRTSPClient (its default answers 451), so a client subclass
 * that the server creates. */
#include "sg3-rtsp-server.h"

#include <string.h>

/* Changeable while playing, but not for remote clients: server files,
 * resources. */
static const char *const denied[] = {
    "model",       "latents",     "mix-latents",  "direction", "threads",
    "shared-pool", "max-memory",  "render-ahead", "is-live",   "name",
    "parent",      "num-buffers", "do-timestamp", "blocksize", NULL};

static gboolean serializable(GType t) {
  GType f = G_TYPE_FUNDAMENTAL(t);
  return f == G_TYPE_BOOLEAN || f == G_TYPE_INT || f == G_TYPE_UINT ||
         f == G_TYPE_INT64 || f == G_TYPE_UINT64 || f == G_TYPE_DOUBLE ||
         f == G_TYPE_FLOAT || f == G_TYPE_ENUM || f == G_TYPE_STRING ||
         f == G_TYPE_LONG || f == G_TYPE_ULONG;
}

static GParamSpec *allowed_property(GObjectClass *klass, const char *name,
                                    gboolean write, char **why) {
  GParamSpec *p = g_object_class_find_property(klass, name);
  if (!p || g_strv_contains(denied, name) || !serializable(p->value_type)) {
    *why = g_strdup_printf("%s: no such parameter", name);
    return NULL;
  }
  if (write && (!(p->flags & G_PARAM_WRITABLE) ||
                !(p->flags & GST_PARAM_MUTABLE_PLAYING))) {
    *why = g_strdup_printf("%s: cannot be changed while streaming", name);
    return NULL;
  }
  if (!write && !(p->flags & G_PARAM_READABLE)) {
    *why = g_strdup_printf("%s: not readable", name);
    return NULL;
  }
  return p;
}

GstElement *sg3_control_find_source(GstRTSPMedia *media) {
  GstElement *top = gst_rtsp_media_get_element(media);
  if (!top)
    return NULL;
  GstElement *found = NULL;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(top));
  GValue v = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object(&v);
    GstElementFactory *f = gst_element_get_factory(e);
    if (f && !strcmp(GST_OBJECT_NAME(f), "sg3src"))
      found = gst_object_ref(e);
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  gst_object_unref(top);
  return found;
}

static void set_from_string(GstElement *e, GParamSpec *p, const char *value) {
  GValue v = G_VALUE_INIT;
  char *why = NULL;
  if (sg3_property_parse(p, value, &v, &why)) {
    g_object_set_property(G_OBJECT(e), p->name, &v);
    g_value_unset(&v);
  }
  g_free(why);
}

void sg3_control_apply(Sg3Mount *m, GstRTSPMedia *media) {
  GstElement *src = sg3_control_find_source(media);
  if (!src)
    return;
  g_mutex_lock(&m->lock);
  GHashTableIter it;
  gpointer k, val;
  g_hash_table_iter_init(&it, m->changed);
  while (g_hash_table_iter_next(&it, &k, &val)) {
    GParamSpec *p =
        g_object_class_find_property(G_OBJECT_GET_CLASS(src), (char *)k);
    if (p)
      set_from_string(src, p, val);
  }
  g_mutex_unlock(&m->lock);
  gst_object_unref(src);
}

/* The request body as lines: "name: value" (SET) or "name" (GET). */
static char **body_lines(GstRTSPMessage *msg) {
  guint8 *data = NULL;
  guint size = 0;
  gst_rtsp_message_get_body(msg, &data, &size);
  char *text = g_strndup((char *)data, size);
  char **lines = g_strsplit_set(text, "\r\n", -1);
  g_free(text);
  return lines;
}

static Sg3Mount *mount_of(GstRTSPClient *client, GstRTSPContext *ctx) {
  if (sg3_mounts->len == 1)
    return g_ptr_array_index(sg3_mounts, 0);
  if (!ctx->uri)
    return NULL;
  return sg3_mount_for_path(ctx->uri->abspath);
}

static void respond(GstRTSPContext *ctx, GstRTSPStatusCode code,
                    const char *body) {
  gst_rtsp_message_init_response(ctx->response, code,
                                 gst_rtsp_status_as_text(code), ctx->request);
  if (body && *body) {
    gst_rtsp_message_add_header(ctx->response, GST_RTSP_HDR_CONTENT_TYPE,
                                "text/parameters");
    gst_rtsp_message_set_body(ctx->response, (const guint8 *)body,
                              strlen(body));
  }
}

/* Clients that must authenticate to watch must to steer, too: the library
 * checks DESCRIBE and SETUP against the factory's permissions, not
 * SET_PARAMETER, so the same check here, through the auth's own vfuncs (a
 * refusal is a 401 with the auth's WWW-Authenticate). */
static gboolean allowed(GstRTSPContext *ctx, Sg3Mount *m) {
  if (!ctx->auth)
    return TRUE;
  GstRTSPAuthClass *klass = GST_RTSP_AUTH_GET_CLASS(ctx->auth);
  if (klass->authenticate)
    klass->authenticate(ctx->auth, ctx);
  GstRTSPToken *token = ctx->token;
  const char *role =
      token
          ? gst_rtsp_token_get_string(token, GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE)
          : NULL;
  GstRTSPPermissions *perms =
      gst_rtsp_media_factory_get_permissions(m->factory);
  gboolean ok = role && perms &&
                gst_rtsp_permissions_is_allowed(
                    perms, role, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS);
  if (perms)
    gst_rtsp_permissions_unref(perms);
  if (!ok) {
    respond(ctx, GST_RTSP_STS_UNAUTHORIZED, NULL);
    if (klass->generate_authenticate_header)
      klass->generate_authenticate_header(ctx->auth, ctx);
  }
  return ok;
}

/* The mount a request is for, if the client may touch it, with its running
 * media and generator (NULL when none, else new references). FALSE when
 * the request has been answered (404, 401). */
static gboolean target(GstRTSPClient *client, GstRTSPContext *ctx,
                       Sg3Mount **mount, GstRTSPMedia **media,
                       GstElement **src) {
  Sg3Mount *m = mount_of(client, ctx);
  if (!m) {
    respond(ctx, GST_RTSP_STS_NOT_FOUND, NULL);
    return FALSE;
  }
  if (!allowed(ctx, m))
    return FALSE; /* 401 */
  g_mutex_lock(&m->lock);
  *media = m->media ? g_object_ref(m->media) : NULL;
  g_mutex_unlock(&m->lock);
  *src = *media ? sg3_control_find_source(*media) : NULL;
  *mount = m;
  return TRUE;
}

static GstRTSPResult params_set(GstRTSPClient *client, GstRTSPContext *ctx) {
  Sg3Mount *m;
  GstRTSPMedia *media;
  GstElement *src;
  if (!target(client, ctx, &m, &media, &src))
    return GST_RTSP_OK; /* answered: 404 or 401 */
  /* No generator running (no viewers): the change waits for the next one,
   * checked against the element class. Not for --source fragments. */
  GObjectClass *klass = src ? G_OBJECT_GET_CLASS(src) : NULL;
  GstElementFactory *factory = NULL;
  if (!klass && !m->props_only_source) {
    factory = gst_element_factory_find("sg3src");
    GType t = factory ? gst_element_factory_get_element_type(factory) : 0;
    klass = t ? g_type_class_peek(t) : NULL;
  }
  if (!klass) {
    respond(ctx, GST_RTSP_STS_METHOD_NOT_VALID_IN_THIS_STATE,
            "error: no sg3src on this mount\r\n");
    g_clear_object(&media);
    g_clear_object(&factory);
    return GST_RTSP_OK;
  }

  /* Everything is checked before anything is set: all or nothing. */
  char **lines = body_lines(ctx->request);
  GString *errors = g_string_new("");
  GPtrArray *specs = g_ptr_array_new();
  GArray *values = g_array_new(FALSE, TRUE, sizeof(GValue));
  g_array_set_clear_func(values, (GDestroyNotify)g_value_unset);
  GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
  for (char **l = lines; *l; l++) {
    char *line = g_strstrip(*l);
    if (!*line)
      continue;
    char *colon = strchr(line, ':');
    if (!colon) {
      g_string_append_printf(errors, "%s: expected 'name: value'\r\n", line);
      continue;
    }
    *colon = 0;
    char *name = g_strstrip(line), *value = g_strstrip(colon + 1), *why = NULL;
    GParamSpec *p = allowed_property(klass, name, TRUE, &why);
    GValue v = G_VALUE_INIT;
    if (p && sg3_property_parse(p, value, &v, &why)) {
      g_ptr_array_add(specs, p);
      g_array_append_val(values, v);
      g_ptr_array_add(texts, g_strdup(value));
    } else {
      if (p)
        g_string_append_printf(errors, "%s: %s\r\n", name, why);
      else
        g_string_append_printf(errors, "%s\r\n", why);
      g_free(why);
    }
  }
  if (errors->len || !specs->len) {
    respond(ctx, GST_RTSP_STS_PARAMETER_NOT_UNDERSTOOD,
            errors->len ? errors->str : "error: no parameters\r\n");
  } else {
    g_mutex_lock(&m->lock);
    for (guint i = 0; i < specs->len; i++) {
      GParamSpec *p = g_ptr_array_index(specs, i);
      if (src)
        g_object_set_property(G_OBJECT(src), p->name,
                              &g_array_index(values, GValue, i));
      g_hash_table_insert(m->changed, g_strdup(p->name),
                          g_strdup(g_ptr_array_index(texts, i)));
      g_print("%s: %s: %s set to %s\n", sg3_rtsp_prog, m->path, p->name,
              (char *)g_ptr_array_index(texts, i));
    }
    g_mutex_unlock(&m->lock);
    respond(ctx, GST_RTSP_STS_OK, NULL);
  }
  g_ptr_array_free(texts, TRUE);
  g_array_free(values, TRUE);
  g_ptr_array_free(specs, TRUE);
  g_string_free(errors, TRUE);
  g_strfreev(lines);
  g_clear_object(&src);
  g_clear_object(&media);
  g_clear_object(&factory);
  return GST_RTSP_OK;
}

static GstRTSPResult params_get(GstRTSPClient *client, GstRTSPContext *ctx) {
  Sg3Mount *m;
  GstRTSPMedia *media;
  GstElement *src;
  if (!target(client, ctx, &m, &media, &src))
    return GST_RTSP_OK; /* answered: 404 or 401 */
  if (!src) {
    respond(ctx, GST_RTSP_STS_METHOD_NOT_VALID_IN_THIS_STATE,
            "error: no generator running on this mount\r\n");
    g_clear_object(&media);
    return GST_RTSP_OK;
  }
  char **lines = body_lines(ctx->request);
  GString *out = g_string_new(""), *errors = g_string_new("");
  for (char **l = lines; *l; l++) {
    char *name = g_strstrip(*l), *why = NULL;
    if (!*name)
      continue;
    GParamSpec *p =
        allowed_property(G_OBJECT_GET_CLASS(src), name, FALSE, &why);
    if (!p) {
      g_string_append_printf(errors, "%s\r\n", why);
      g_free(why);
      continue;
    }
    GValue v = G_VALUE_INIT;
    g_value_init(&v, p->value_type);
    g_object_get_property(G_OBJECT(src), name, &v);
    char *s = G_VALUE_HOLDS_STRING(&v) ? g_value_dup_string(&v)
                                       : gst_value_serialize(&v);
    if (G_TYPE_IS_ENUM(p->value_type)) {
      GEnumValue *ev = g_enum_get_value(G_PARAM_SPEC_ENUM(p)->enum_class,
                                        g_value_get_enum(&v));
      g_free(s);
      s = g_strdup(ev ? ev->value_nick : "");
    }
    g_string_append_printf(out, "%s: %s\r\n", name, s ? s : "");
    g_free(s);
    g_value_unset(&v);
  }
  if (errors->len)
    respond(ctx, GST_RTSP_STS_PARAMETER_NOT_UNDERSTOOD, errors->str);
  else
    respond(ctx, GST_RTSP_STS_OK, out->str);
  g_string_free(out, TRUE);
  g_string_free(errors, TRUE);
  g_strfreev(lines);
  gst_object_unref(src);
  g_object_unref(media);
  return GST_RTSP_OK;
}

typedef struct {
  GstRTSPClient parent;
} Sg3Client;
typedef struct {
  GstRTSPClientClass parent_class;
} Sg3ClientClass;

G_DEFINE_TYPE(Sg3Client, sg3_client, GST_TYPE_RTSP_CLIENT)

static void sg3_client_class_init(Sg3ClientClass *klass) {
  GST_RTSP_CLIENT_CLASS(klass)->params_set = params_set;
  GST_RTSP_CLIENT_CLASS(klass)->params_get = params_get;
}

static void sg3_client_init(Sg3Client *self) {}

typedef struct {
  GstRTSPServer parent;
} Sg3Server;
typedef struct {
  GstRTSPServerClass parent_class;
} Sg3ServerClass;

G_DEFINE_TYPE(Sg3Server, sg3_server, GST_TYPE_RTSP_SERVER)

/* As the library's default create_client, with our client class. */
static GstRTSPClient *create_client(GstRTSPServer *server) {
  GstRTSPClient *client = g_object_new(sg3_client_get_type(), NULL);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  GstRTSPAuth *auth = gst_rtsp_server_get_auth(server);
  GstRTSPThreadPool *threads = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_client_set_session_pool(client, pool);
  gst_rtsp_client_set_content_length_limit(
      client, gst_rtsp_server_get_content_length_limit(server));
  gst_rtsp_client_set_mount_points(client, mounts);
  gst_rtsp_client_set_auth(client, auth);
  gst_rtsp_client_set_thread_pool(client, threads);
  g_clear_object(&pool);
  g_clear_object(&mounts);
  g_clear_object(&auth);
  g_clear_object(&threads);
  return client;
}

static void sg3_server_class_init(Sg3ServerClass *klass) {
  GST_RTSP_SERVER_CLASS(klass)->create_client = create_client;
}

static void sg3_server_init(Sg3Server *self) {}
