/* sg3-studio's web server, on libsoup 3: the page (a GResource), the JSON
 * API, the MJPEG preview and the WebSocket.
 *
 * Every path has the same gatekeeper as its early handler (it runs when
 * the headers are in, before any body is read into memory): the Host
 * header (DNS rebinding), the token where one is needed, the Origin of
 * anything that is not a plain GET (cross-site requests), the method and
 * the body size. */
#include "studio.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sg3-studio-resources.h"

#define BOUNDARY "sg3frame"
#define COOKIE "sg3_token"

typedef struct {
  Studio *st;
  SoupServerMessage *msg;
  guint pending; /* chunks appended but not written yet */
  guint64 sent, dropped;
} MjpegClient;

/* ---- replies ---- */

static void common_headers(SoupServerMessage *msg) {
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(h, "X-Frame-Options", "DENY");
  soup_message_headers_replace(h, "Referrer-Policy", "no-referrer");
}

static void reply_bytes(SoupServerMessage *msg, int code, const char *type,
                        GBytes *body) {
  common_headers(msg);
  gsize n;
  const char *d = g_bytes_get_data(body, &n);
  soup_server_message_set_status(msg, code, NULL);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, d, n);
}

static void reply_json(SoupServerMessage *msg, int code, JsonNode *node) {
  char *s = studio_json_to_string(node);
  GBytes *b = g_bytes_new_take(s, strlen(s));
  reply_bytes(msg, code, "application/json", b);
  g_bytes_unref(b);
}

static void reply_error(SoupServerMessage *msg, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void reply_error(SoupServerMessage *msg, int code, const char *fmt,
                        ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  GST_INFO("%s %s: %d %s", soup_server_message_get_method(msg),
           g_uri_get_path(soup_server_message_get_uri(msg)), code, text);
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "error", text);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  reply_json(msg, code, n);
  g_free(text);
}

/* ---- the gatekeeper ---- */

/* Equal, in time that depends only on the lengths of the digests. */
static gboolean token_equal(const char *a, const char *b) {
  if (!a || !b)
    return FALSE;
  char *ha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, a, -1);
  char *hb = g_compute_checksum_for_string(G_CHECKSUM_SHA256, b, -1);
  guint diff = 0;
  for (gsize i = 0; ha[i] && hb[i]; i++)
    diff |= (guint)(ha[i] ^ hb[i]);
  g_free(ha);
  g_free(hb);
  return diff == 0;
}

/* Cookie: a=b; sg3_token=...; parsed by libsoup. */
static char *cookie_token(SoupServerMessage *msg) {
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *cookie = soup_message_headers_get_one(h, "Cookie");
  if (!cookie)
    return NULL;
  GHashTable *params = soup_header_parse_semi_param_list(cookie);
  char *t = g_strdup(g_hash_table_lookup(params, COOKIE));
  soup_header_free_param_list(params);
  return t;
}

/* The token from ?token=, the cookie, or Authorization: Bearer. */
static gboolean token_ok(Studio *st, SoupServerMessage *msg, GHashTable *query,
                         gboolean *by_query) {
  *by_query = FALSE;
  if (!st->token)
    return TRUE;
  const char *q = query ? g_hash_table_lookup(query, "token") : NULL;
  if (q && token_equal(q, st->token)) {
    *by_query = TRUE;
    return TRUE;
  }
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *auth = soup_message_headers_get_one(h, "Authorization");
  if (auth && g_str_has_prefix(auth, "Bearer ") &&
      token_equal(auth + 7, st->token))
    return TRUE;
  char *c = cookie_token(msg);
  gboolean ok = c && token_equal(c, st->token);
  g_free(c);
  return ok;
}

/* Without a token the server is for this machine only: the Host header
 * must name it, so that a web page whose DNS name is made to point at
 * 127.0.0.1 cannot talk to us. */
static gboolean host_ok(Studio *st, const char *host) {
  if (st->token)
    return TRUE;
  if (!host)
    return FALSE;
  char *want[] = {
      g_strdup_printf("127.0.0.1:%u", st->bound_port),
      g_strdup_printf("localhost:%u", st->bound_port),
      g_strdup_printf("[::1]:%u", st->bound_port),
      strchr(st->address, ':')
          ? g_strdup_printf("[%s]:%u", st->address, st->bound_port)
          : g_strdup_printf("%s:%u", st->address, st->bound_port),
  };
  gboolean ok = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    ok |= !g_ascii_strcasecmp(host, want[i]);
    g_free(want[i]);
  }
  return ok;
}

static gboolean origin_ok(SoupServerMessage *msg) {
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *origin = soup_message_headers_get_one(h, "Origin");
  if (!origin)
    return TRUE; /* not a browser: curl, oscsend's friends */
  const char *host = soup_message_headers_get_one(h, "Host");
  char *same = g_strdup_printf("http://%s", host ? host : "");
  gboolean ok = !g_ascii_strcasecmp(origin, same);
  g_free(same);
  return ok;
}

static void gatekeeper(SoupServer *server, SoupServerMessage *msg,
                       const char *path, GHashTable *query, gpointer data) {
  Studio *st = data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *method = soup_server_message_get_method(msg);
  gboolean plain_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  goffset len = soup_message_headers_get_content_length(h);
  SoupEncoding enc = soup_message_headers_get_encoding(h);
  gboolean by_query;
  int code = 0;
  const char *why = NULL;

  if (!host_ok(st, soup_message_headers_get_one(h, "Host")))
    code = 421, why = "wrong Host header";
  else if (!token_ok(st, msg, query, &by_query))
    code = 401, why = "a token is needed: open the URL sg3-studio printed";
  else if (!plain_get && strcmp(method, "POST"))
    code = 405, why = "method not allowed";
  else if ((!plain_get || !strcmp(path, "/ws")) && !origin_ok(msg))
    code = 403, why = "cross-origin request refused";
  else if (enc == SOUP_ENCODING_CHUNKED)
    code = 411, why = "send a Content-Length";
  else if (enc == SOUP_ENCODING_CONTENT_LENGTH && len > STUDIO_MAX_BODY)
    code = 413, why = "request body too large";
  else if (plain_get && enc == SOUP_ENCODING_CONTENT_LENGTH && len > 0)
    code = 400, why = "a GET has no body";

  if (code) {
    /* The body (if any) is read and dropped, never kept. */
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg),
                                     FALSE);
    soup_message_headers_replace(h, "Connection", "close");
    GST_INFO("refused %s %s from %s: %d %s", method, path,
             soup_server_message_get_remote_host(msg), code, why);
    reply_error(msg, code, "%s", why);
    if (code == 401)
      soup_message_headers_replace(
          soup_server_message_get_response_headers(msg), "WWW-Authenticate",
          "Bearer");
    return;
  }
  if (st->token && by_query) {
    char *c = g_strdup_printf("%s=%s; Path=/; HttpOnly; SameSite=Strict",
                              COOKIE, st->token);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Set-Cookie", c);
    g_free(c);
  }
}

/* json-glib gives strings as C strings: a name with an escaped NUL would be
 * cut short ("good.pkl\u0000.txt" -> "good.pkl"), so refuse them. */
static gboolean has_nul_escape(const char *d, gsize n) {
  return memmem(d, n, "\\u0000", 6) != NULL;
}

static JsonNode *request_json(SoupServerMessage *msg, char **error) {
  SoupMessageBody *b = soup_server_message_get_request_body(msg);
  GBytes *bytes = soup_message_body_flatten(b);
  gsize n;
  const char *d = g_bytes_get_data(bytes, &n);
  JsonParser *p = json_parser_new();
  GError *err = NULL;
  JsonNode *root = NULL;
  if (n > STUDIO_MAX_BODY)
    *error = g_strdup("request body too large");
  else if (has_nul_escape(d, n))
    *error = g_strdup("a NUL character (\\u0000) in the JSON");
  else if (!n)
    *error = g_strdup("expected a JSON body");
  else if (!json_parser_load_from_data(p, d, (gssize)n, &err)) {
    *error = g_strdup_printf("bad JSON: %s", err->message);
    g_error_free(err);
  } else if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
    *error = g_strdup("expected a JSON object");
  else
    root = json_node_copy(json_parser_get_root(p));
  g_object_unref(p);
  g_bytes_unref(bytes);
  return root;
}

static gboolean need_method(SoupServerMessage *msg, const char *want) {
  const char *m = soup_server_message_get_method(msg);
  if (!strcmp(m, want) || (!strcmp(want, "GET") && !strcmp(m, "HEAD")))
    return TRUE;
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Allow", want);
  reply_error(msg, 405, "use %s", want);
  return FALSE;
}

/* ---- handlers ---- */

static void handle_root(SoupServer *server, SoupServerMessage *msg,
                        const char *path, GHashTable *query, gpointer data) {
  static const struct {
    const char *path, *file, *type;
  } files[] = {
      {"/", "index.html", "text/html; charset=utf-8"},
      {"/index.html", "index.html", "text/html; charset=utf-8"},
      {"/app.js", "app.js", "text/javascript; charset=utf-8"},
      {"/style.css", "style.css", "text/css; charset=utf-8"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    if (strcmp(path, files[i].path))
      continue;
    if (!need_method(msg, "GET"))
      return;
    char *r = g_strdup_printf("/org/gst-sg3/studio/%s", files[i].file);
    GBytes *b = g_resource_lookup_data(sg3_studio_get_resource(), r, 0, NULL);
    g_free(r);
    if (!b) {
      reply_error(msg, 500, "missing resource");
      return;
    }
    reply_bytes(msg, 200, files[i].type, b);
    soup_message_headers_replace(
        soup_server_message_get_response_headers(msg),
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' blob: data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    g_bytes_unref(b);
    return;
  }
  reply_error(msg, 404, "not found");
}

static void handle_properties(SoupServer *server, SoupServerMessage *msg,
                              const char *path, GHashTable *query,
                              gpointer data) {
  if (need_method(msg, "GET"))
    reply_json(msg, 200, studio_describe_props(data));
}

static void handle_state(SoupServer *server, SoupServerMessage *msg,
                         const char *path, GHashTable *query, gpointer data) {
  if (need_method(msg, "GET"))
    reply_json(msg, 200, studio_state_json(data));
}

static void handle_info(SoupServer *server, SoupServerMessage *msg,
                        const char *path, GHashTable *query, gpointer data) {
  if (need_method(msg, "GET"))
    reply_json(msg, 200, studio_info_json(data));
}

static void handle_stats(SoupServer *server, SoupServerMessage *msg,
                         const char *path, GHashTable *query, gpointer data) {
  if (need_method(msg, "GET"))
    reply_json(msg, 200, studio_stats_json(data));
}

static void handle_models(SoupServer *server, SoupServerMessage *msg,
                          const char *path, GHashTable *query, gpointer data) {
  if (need_method(msg, "GET"))
    reply_json(msg, 200, studio_models_json(data));
}

static void reply_set(Studio *st, SoupServerMessage *msg, const char *name,
                      JsonNode *value, const char *who) {
  int code;
  char *why = NULL;
  if (!studio_set_json(st, name, value, who, &code, &why)) {
    reply_error(msg, code, "%s", why);
    g_free(why);
    return;
  }
  GParamSpec *p = studio_find_prop(st, name);
  JsonObject *o = json_object_new();
  json_object_set_boolean_member(o, "ok", TRUE);
  json_object_set_string_member(o, "name", name);
  json_object_set_member(o, "value", studio_get_json(st, p));
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  reply_json(msg, code, n);
}

/* POST {"name": "seed", "value": 3} */
static void handle_set(SoupServer *server, SoupServerMessage *msg,
                       const char *path, GHashTable *query, gpointer data) {
  if (!need_method(msg, "POST"))
    return;
  char *why = NULL;
  JsonNode *root = request_json(msg, &why);
  if (!root) {
    reply_error(msg, 400, "%s", why);
    g_free(why);
    return;
  }
  JsonObject *o = json_node_get_object(root);
  JsonNode *name = json_object_get_member(o, "name");
  JsonNode *value = json_object_get_member(o, "value");
  if (!name || !JSON_NODE_HOLDS_VALUE(name) ||
      json_node_get_value_type(name) != G_TYPE_STRING || !value)
    reply_error(msg, 400, "expected {\"name\": ..., \"value\": ...}");
  else
    reply_set(data, msg, json_node_get_string(name), value, "http");
  json_node_unref(root);
}

/* POST {"name": "file.safetensors"} ("" for the built-in model) */
static void handle_model(SoupServer *server, SoupServerMessage *msg,
                         const char *path, GHashTable *query, gpointer data) {
  if (!need_method(msg, "POST"))
    return;
  char *why = NULL;
  JsonNode *root = request_json(msg, &why);
  if (!root) {
    reply_error(msg, 400, "%s", why);
    g_free(why);
    return;
  }
  JsonNode *name = json_object_get_member(json_node_get_object(root), "name");
  if (!name)
    reply_error(msg, 400, "expected {\"name\": ...}");
  else
    reply_set(data, msg, "model", name, "http");
  json_node_unref(root);
}

static void handle_frame(SoupServer *server, SoupServerMessage *msg,
                         const char *path, GHashTable *query, gpointer data) {
  if (!need_method(msg, "GET"))
    return;
  char *why = NULL;
  GBytes *png = studio_frame_png(data, &why);
  if (!png) {
    reply_error(msg, 503, "%s", why);
    g_free(why);
    return;
  }
  reply_bytes(msg, 200, "image/png", png);
  g_bytes_unref(png);
}

static void reply_saved(SoupServerMessage *msg, gboolean ok, char *name,
                        int code, char *why) {
  if (!ok) {
    reply_error(msg, code, "%s", why);
  } else {
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "file", name);
    char *url = g_strdup_printf("/saves/%s", name);
    json_object_set_string_member(o, "url", url);
    g_free(url);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    reply_json(msg, 200, n);
  }
  g_free(name);
  g_free(why);
}

static void handle_save(SoupServer *server, SoupServerMessage *msg,
                        const char *path, GHashTable *query, gpointer data) {
  if (!need_method(msg, "POST"))
    return;
  char *name = NULL, *why = NULL;
  int code = 200;
  gboolean ok;
  if (!strcmp(path, "/api/save/png"))
    ok = studio_save_png(data, &name, &code, &why);
  else if (!strcmp(path, "/api/save/w"))
    ok = studio_save_w(data, &name, &code, &why);
  else {
    reply_error(msg, 404, "not found");
    return;
  }
  reply_saved(msg, ok, name, code, why);
}

/* GET /saves/NAME: a file that "save" wrote (names as save_name makes). */
static void handle_saves(SoupServer *server, SoupServerMessage *msg,
                         const char *path, GHashTable *query, gpointer data) {
  Studio *st = data;
  if (!need_method(msg, "GET"))
    return;
  const char *name = path + strlen("/saves/");
  gboolean valid =
      g_str_has_prefix(path, "/saves/") && g_str_has_prefix(name, "sg3-") &&
      strlen(name) < 128 &&
      (g_str_has_suffix(name, ".png") || g_str_has_suffix(name, ".npy"));
  for (const char *c = name; valid && *c; c++)
    valid = g_ascii_isalnum(*c) || *c == '-' || *c == '.' || *c == '_';
  if (!valid || strstr(name, "..")) {
    reply_error(msg, 400, "not a saved file name");
    return;
  }
  char *file = g_build_filename(st->save_dir, name, NULL);
  GStatBuf sb;
  char *contents = NULL;
  gsize n = 0;
  if (g_lstat(file, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > (1 << 28) ||
      !g_file_get_contents(file, &contents, &n, NULL)) {
    g_free(file);
    reply_error(msg, 404, "no such saved file");
    return;
  }
  g_free(file);
  GBytes *b = g_bytes_new_take(contents, n);
  reply_bytes(msg, 200,
              g_str_has_suffix(name, ".png") ? "image/png"
                                             : "application/octet-stream",
              b);
  char *disp = g_strdup_printf("attachment; filename=\"%s\"", name);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Content-Disposition", disp);
  g_free(disp);
  g_bytes_unref(b);
}

/* ---- MJPEG ---- */

static void on_mjpeg_wrote_chunk(SoupServerMessage *msg, gpointer data) {
  MjpegClient *c = data;
  if (c->pending)
    c->pending--;
}

static void on_mjpeg_finished(SoupServerMessage *msg, gpointer data) {
  MjpegClient *c = data;
  Studio *st = c->st;
  st->mjpeg_clients = g_list_remove(st->mjpeg_clients, c);
  GST_INFO("preview client left: %" G_GUINT64_FORMAT
           " frames sent, %" G_GUINT64_FORMAT " dropped",
           c->sent, c->dropped);
  g_signal_handlers_disconnect_by_data(msg, c);
  g_object_unref(msg);
  g_free(c);
}

static void mjpeg_send(MjpegClient *c, GBytes *jpeg, guint64 serial,
                       gint64 wall_us) {
  SoupMessageBody *body = soup_server_message_get_response_body(c->msg);
  /* The next boundary goes right after the picture, so that browsers
   * show it at once instead of waiting for the next frame. */
  char *head = g_strdup_printf("Content-Type: image/jpeg\r\n"
                               "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                               "X-Frame: %" G_GUINT64_FORMAT "\r\n"
                               "X-Timestamp-Us: %" G_GINT64_FORMAT "\r\n"
                               "\r\n",
                               g_bytes_get_size(jpeg), serial, wall_us);
  soup_message_body_append_take(body, (guchar *)head, strlen(head));
  soup_message_body_append_bytes(body, jpeg);
  soup_message_body_append(body, SOUP_MEMORY_STATIC, "\r\n--" BOUNDARY "\r\n",
                           strlen("\r\n--" BOUNDARY "\r\n"));
  c->pending += 3;
  c->sent++;
  soup_server_message_unpause(c->msg);
}

static void buffer_unmap_free(gpointer data) {
  GstMapInfo *m = data;
  GstBuffer *b = m->user_data[0];
  gst_buffer_unmap(b, m);
  gst_buffer_unref(b);
  g_free(m);
}

static GBytes *buffer_bytes(GstBuffer *b) {
  GstMapInfo *m = g_new0(GstMapInfo, 1);
  if (!gst_buffer_map(b, m, GST_MAP_READ)) {
    g_free(m);
    return NULL;
  }
  m->user_data[0] = gst_buffer_ref(b);
  return g_bytes_new_with_free_func(m->data, m->size, buffer_unmap_free, m);
}

void studio_web_new_jpeg(Studio *st, GstBuffer *jpeg, guint64 serial,
                         gint64 wall_us) {
  if (!st->mjpeg_clients)
    return;
  GBytes *b = buffer_bytes(jpeg);
  if (!b)
    return;
  for (GList *l = st->mjpeg_clients; l; l = l->next) {
    MjpegClient *c = l->data;
    /* A client that has not taken the last frame yet skips this one: a
     * slow reader costs one frame of memory, not a queue. */
    if (c->pending)
      c->dropped++;
    else
      mjpeg_send(c, b, serial, wall_us);
  }
  g_bytes_unref(b);
}

static void handle_stream(SoupServer *server, SoupServerMessage *msg,
                          const char *path, GHashTable *query, gpointer data) {
  Studio *st = data;
  if (!need_method(msg, "GET"))
    return;
  if ((int)g_list_length(st->mjpeg_clients) >= st->max_clients) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Retry-After", "5");
    reply_error(msg, 503, "too many preview streams (%d); try again later",
                st->max_clients);
    return;
  }
  common_headers(msg);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace(h, "Content-Type",
                               "multipart/x-mixed-replace;boundary=" BOUNDARY);
  soup_server_message_set_status(msg, 200, NULL);
  if (!strcmp(soup_server_message_get_method(msg), "HEAD"))
    return;
  SoupMessageBody *body = soup_server_message_get_response_body(msg);
  soup_message_body_set_accumulate(body, FALSE);
  MjpegClient *c = g_new0(MjpegClient, 1);
  c->st = st;
  c->msg = g_object_ref(msg);
  g_signal_connect(msg, "wrote-chunk", G_CALLBACK(on_mjpeg_wrote_chunk), c);
  g_signal_connect(msg, "finished", G_CALLBACK(on_mjpeg_finished), c);
  st->mjpeg_clients = g_list_prepend(st->mjpeg_clients, c);
  soup_message_body_append(body, SOUP_MEMORY_STATIC, "--" BOUNDARY "\r\n",
                           strlen("--" BOUNDARY "\r\n"));
  c->pending++;
  GST_INFO("preview client from %s", soup_server_message_get_remote_host(msg));
}

/* ---- WebSocket ---- */

static void ws_error(SoupWebsocketConnection *conn, const char *name,
                     const char *text) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", "error");
  if (name)
    json_object_set_string_member(o, "name", name);
  json_object_set_string_member(o, "message", text);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  char *s = studio_json_to_string(n);
  soup_websocket_connection_send_text(conn, s);
  g_free(s);
}

static void on_ws_message(SoupWebsocketConnection *conn, gint type,
                          GBytes *message, gpointer data) {
  Studio *st = data;
  gsize n;
  const char *d = g_bytes_get_data(message, &n);
  if (type != SOUP_WEBSOCKET_DATA_TEXT || n > STUDIO_MAX_WS_MESSAGE ||
      has_nul_escape(d, n)) {
    ws_error(conn, NULL, "expected a JSON text message (no \\u0000)");
    return;
  }
  JsonParser *p = json_parser_new();
  if (!json_parser_load_from_data(p, d, (gssize)n, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
    ws_error(conn, NULL, "bad JSON");
    g_object_unref(p);
    return;
  }
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  const char *t =
      json_object_has_member(o, "type") &&
              JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "type")) &&
              json_node_get_value_type(json_object_get_member(o, "type")) ==
                  G_TYPE_STRING
          ? json_object_get_string_member(o, "type")
          : "";
  JsonNode *name = json_object_get_member(o, "name");
  if (!strcmp(t, "set")) {
    if (!name || !JSON_NODE_HOLDS_VALUE(name) ||
        json_node_get_value_type(name) != G_TYPE_STRING ||
        !json_object_has_member(o, "value")) {
      ws_error(conn, NULL,
               "expected {\"type\":\"set\",\"name\":..,\"value\":..}");
    } else {
      int code;
      char *why = NULL;
      const char *nm = json_node_get_string(name);
      if (!studio_set_json(st, nm, json_object_get_member(o, "value"), "web",
                           &code, &why)) {
        ws_error(conn, nm, why);
        /* put the page's control back */
        GParamSpec *ps = studio_find_prop(st, nm);
        if (ps) {
          JsonObject *v = json_object_new();
          json_object_set_member(v, nm, studio_get_json(st, ps));
          JsonObject *m = json_object_new();
          json_object_set_string_member(m, "type", "state");
          json_object_set_object_member(m, "values", v);
          json_object_set_boolean_member(m, "full", FALSE);
          JsonNode *mn = json_node_new(JSON_NODE_OBJECT);
          json_node_take_object(mn, m);
          char *s = studio_json_to_string(mn);
          soup_websocket_connection_send_text(conn, s);
          g_free(s);
        }
        g_free(why);
      }
    }
  } else if (!strcmp(t, "get")) {
    studio_push_full_state(st, conn);
  } else {
    ws_error(conn, NULL, "unknown message type");
  }
  g_object_unref(p);
}

static void on_ws_closed(SoupWebsocketConnection *conn, gpointer data) {
  Studio *st = data;
  st->ws_clients = g_list_remove(st->ws_clients, conn);
  g_signal_handlers_disconnect_by_data(conn, st);
  g_object_unref(conn);
  GST_INFO("WebSocket closed, %u left", g_list_length(st->ws_clients));
}

/* Early handler for /ws: the gatekeeper, then the client limit (a clear
 * 503 before the upgrade). */
static void ws_gate(SoupServer *server, SoupServerMessage *msg,
                    const char *path, GHashTable *query, gpointer data) {
  Studio *st = data;
  gatekeeper(server, msg, path, query, data);
  if (soup_server_message_get_status(msg))
    return;
  if ((int)g_list_length(st->ws_clients) >= st->max_clients) {
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg),
                                     FALSE);
    reply_error(msg, 503, "too many WebSocket clients (%d)", st->max_clients);
  }
}

static void handle_ws(SoupServer *server, SoupServerMessage *msg,
                      const char *path, SoupWebsocketConnection *conn,
                      gpointer data) {
  Studio *st = data;
  soup_websocket_connection_set_max_incoming_payload_size(
      conn, STUDIO_MAX_WS_MESSAGE);
  soup_websocket_connection_set_keepalive_interval(conn, 20);
  st->ws_clients = g_list_prepend(st->ws_clients, g_object_ref(conn));
  g_signal_connect(conn, "message", G_CALLBACK(on_ws_message), st);
  g_signal_connect(conn, "closed", G_CALLBACK(on_ws_closed), st);
  GST_INFO("WebSocket from %s, %u open",
           soup_server_message_get_remote_host(msg),
           g_list_length(st->ws_clients));
  studio_push_full_state(st, conn);
}

/* ---- start, stop ---- */

static void route(Studio *st, const char *path, SoupServerCallback cb) {
  soup_server_add_early_handler(st->server, path, gatekeeper, st, NULL);
  soup_server_add_handler(st->server, path, cb, st, NULL);
}

gboolean studio_web_start(Studio *st, GError **error) {
  st->server = soup_server_new("server-header", "sg3-studio", NULL);
  route(st, "/", handle_root);
  route(st, "/api/properties", handle_properties);
  route(st, "/api/state", handle_state);
  route(st, "/api/info", handle_info);
  route(st, "/api/stats", handle_stats);
  route(st, "/api/models", handle_models);
  route(st, "/api/model", handle_model);
  route(st, "/api/set", handle_set);
  route(st, "/api/frame.png", handle_frame);
  route(st, "/api/save", handle_save);
  route(st, "/saves", handle_saves);
  route(st, "/stream.mjpg", handle_stream);
  soup_server_add_early_handler(st->server, "/ws", ws_gate, st, NULL);
  /* No permessage-deflate: libsoup 3.2 checks the size limit on the
   * compressed frame, so a small frame could inflate to any size. */
  soup_server_remove_websocket_extension(st->server,
                                         SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_handler(st->server, "/ws", NULL, NULL, handle_ws,
                                    st, NULL);

  GInetAddress *a = g_inet_address_new_from_string(st->address);
  GSocketAddress *sa = g_inet_socket_address_new(a, st->port);
  g_object_unref(a);
  gboolean ok = soup_server_listen(st->server, sa, 0, error);
  g_object_unref(sa);
  if (!ok)
    return FALSE;
  GSList *ls = soup_server_get_listeners(st->server);
  if (ls) {
    GSocketAddress *la = g_socket_get_local_address(ls->data, NULL);
    if (la) {
      st->bound_port =
          g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(la));
      g_object_unref(la);
    }
  }
  g_slist_free(ls);
  return TRUE;
}

void studio_web_stop(Studio *st) {
  if (!st->server)
    return;
  for (GList *l = st->ws_clients; l; l = l->next)
    if (soup_websocket_connection_get_state(l->data) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(l->data, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                      "sg3-studio is stopping");
  soup_server_disconnect(st->server);
  g_clear_object(&st->server);
}
