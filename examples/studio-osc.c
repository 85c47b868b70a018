/* sg3-studio's OSC endpoint.
 *
 *   /sg3/<property> VALUE      sets the property (as the page does)
 *   /sg3/get/<property>        replies /sg3/<property> VALUE to the sender
 *   /sg3/get                   replies every property
 *   every change (from the page, OSC or the element) goes to --osc-send.
 *
 * liblo 0.31 (Debian 12) always binds its servers to every interface, so
 * the socket is GLib's, bound to --osc-address, and liblo does the OSC:
 * lo_message_deserialise reads (and validates) each datagram,
 * lo_message_serialise writes the replies. */
#include "studio.h"

#include <lo/lo.h>
#include <stdlib.h>
#include <string.h>

static void osc_log(Studio *st, GSocketAddress *from, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void osc_log(Studio *st, GSocketAddress *from, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *who = NULL;
  if (from && G_IS_INET_SOCKET_ADDRESS(from)) {
    char *ip = g_inet_address_to_string(
        g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from)));
    who = g_strdup_printf(
        "%s:%u", ip,
        g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from)));
    g_free(ip);
  }
  GST_WARNING("osc from %s: %s", who ? who : "?", text);
  g_printerr("sg3-studio: osc from %s: %s\n", who ? who : "?", text);
  g_free(who);
  g_free(text);
}

/* ---- JSON <-> OSC arguments ---- */

static JsonNode *arg_json(char type, lo_arg *a) {
  JsonNode *n = json_node_new(JSON_NODE_VALUE);
  switch (type) {
  case LO_INT32:
    json_node_set_int(n, a->i);
    break;
  case LO_INT64:
    json_node_set_int(n, a->h);
    break;
  case LO_CHAR:
    json_node_set_int(n, a->c);
    break;
  case LO_FLOAT:
    json_node_set_double(n, a->f);
    break;
  case LO_DOUBLE:
    json_node_set_double(n, a->d);
    break;
  case LO_STRING:
  case LO_SYMBOL:
    json_node_set_string(n, &a->s);
    break;
  case LO_TRUE:
    json_node_set_boolean(n, TRUE);
    break;
  case LO_FALSE:
    json_node_set_boolean(n, FALSE);
    break;
  default:
    json_node_unref(n);
    return NULL;
  }
  return n;
}

static gboolean add_json_arg(lo_message m, JsonNode *v) {
  if (JSON_NODE_HOLDS_ARRAY(v)) {
    JsonArray *a = json_node_get_array(v);
    for (guint i = 0; i < json_array_get_length(a); i++)
      if (!add_json_arg(m, json_array_get_element(a, i)))
        return FALSE;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE(v))
    return FALSE;
  GType t = json_node_get_value_type(v);
  if (t == G_TYPE_INT64) {
    gint64 i = json_node_get_int(v);
    if (i >= G_MININT32 && i <= G_MAXINT32)
      lo_message_add_int32(m, (int32_t)i);
    else
      lo_message_add_int64(m, i);
  } else if (t == G_TYPE_DOUBLE) {
    lo_message_add_float(m, (float)json_node_get_double(v));
  } else if (t == G_TYPE_BOOLEAN) {
    if (json_node_get_boolean(v))
      lo_message_add_true(m);
    else
      lo_message_add_false(m);
  } else if (t == G_TYPE_STRING) {
    lo_message_add_string(m, json_node_get_string(v));
  } else {
    return FALSE;
  }
  return TRUE;
}

static void send_value(Studio *st, GSocketAddress *to, GParamSpec *p) {
  JsonNode *v = studio_get_json(st, p);
  lo_message m = lo_message_new();
  if (add_json_arg(m, v)) {
    char *path = g_strdup_printf("/sg3/%s", p->name);
    size_t size = 0;
    void *data = lo_message_serialise(m, path, NULL, &size);
    GError *err = NULL;
    if (data &&
        g_socket_send_to(st->osc_sock, to, data, size, NULL, &err) < 0) {
      GST_INFO("osc send: %s", err->message);
      g_error_free(err);
    }
    free(data);
    g_free(path);
  }
  lo_message_free(m);
  json_node_unref(v);
}

void studio_osc_send_change(Studio *st, GParamSpec *p) {
  if (st->osc_sock && st->osc_target)
    send_value(st, st->osc_target, p);
}

/* ---- receiving ---- */

static void handle_packet(Studio *st, char *buf, gssize n,
                          GSocketAddress *from) {
  if (n >= 8 && !memcmp(buf, "#bundle", 8)) {
    osc_log(st, from, "OSC bundles are not supported; send messages");
    return;
  }
  if (n < 4 || n % 4) {
    osc_log(st, from, "malformed OSC packet (%" G_GSSIZE_FORMAT " bytes)", n);
    return;
  }
  int res = 0;
  lo_message m = lo_message_deserialise(buf, (size_t)n, &res);
  if (!m) {
    osc_log(st, from, "malformed OSC packet (liblo error %d)", res);
    return;
  }
  const char *path = lo_get_path(buf, n);
  int argc = lo_message_get_argc(m);
  const char *types = lo_message_get_types(m);
  lo_arg **argv = lo_message_get_argv(m);

  if (!path || !g_str_has_prefix(path, "/sg3/")) {
    osc_log(st, from, "unknown address %s (expected /sg3/...)",
            path ? path : "?");
  } else if (!strcmp(path, "/sg3/get")) {
    guint np;
    GParamSpec **ps = g_object_class_list_properties(st->src_class, &np);
    for (guint i = 0; i < np; i++)
      if (studio_prop_exposed(ps[i]))
        send_value(st, from, ps[i]);
    g_free(ps);
  } else if (g_str_has_prefix(path, "/sg3/get/")) {
    GParamSpec *p = studio_find_prop(st, path + strlen("/sg3/get/"));
    if (p)
      send_value(st, from, p);
    else
      osc_log(st, from, "%s: no such property", path);
  } else {
    const char *name = path + strlen("/sg3/");
    JsonNode *value = NULL;
    gboolean bad = FALSE;
    if (argc == 1) {
      value = arg_json(types[0], argv[0]);
      bad = !value;
    } else if (argc > 1) {
      JsonArray *a = json_array_new();
      for (int i = 0; i < argc && !bad; i++) {
        JsonNode *e = arg_json(types[i], argv[i]);
        bad = !e;
        if (e)
          json_array_add_element(a, e);
      }
      value = json_node_new(JSON_NODE_ARRAY);
      json_node_take_array(value, a);
    }
    if (argc == 0)
      osc_log(st, from, "%s: expected a value (or /sg3/get/%s to ask)", path,
              name);
    else if (bad)
      osc_log(st, from, "%s: unsupported argument types '%s'", path, types);
    else {
      int code;
      char *why = NULL;
      if (!studio_set_json(st, name, value, "osc", &code, &why))
        osc_log(st, from, "%s refused: %s", path, why);
      g_free(why);
    }
    if (value)
      json_node_unref(value);
  }
  lo_message_free(m);
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer data) {
  Studio *st = data;
  /* 4-aligned for liblo's reads */
  static gint32 buf32[STUDIO_MAX_OSC_PACKET / 4 + 1];
  char *buf = (char *)buf32;
  for (int i = 0; i < 64; i++) {
    GSocketAddress *from = NULL;
    GError *err = NULL;
    gssize n =
        g_socket_receive_from(sock, &from, buf, sizeof buf32, NULL, &err);
    if (n < 0) {
      if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        GST_INFO("osc receive: %s", err->message);
      g_error_free(err);
      break;
    }
    if (n > STUDIO_MAX_OSC_PACKET)
      osc_log(st, from, "packet larger than %d bytes refused",
              STUDIO_MAX_OSC_PACKET);
    else
      handle_packet(st, buf, n, from);
    g_clear_object(&from);
  }
  return G_SOURCE_CONTINUE;
}

static GSocketAddress *parse_target(const char *s, GError **error) {
  const char *colon = strrchr(s, ':');
  char *host = colon ? g_strndup(s, colon - s) : NULL;
  char *end = NULL;
  long port = colon ? strtol(colon + 1, &end, 10) : 0;
  GSocketAddress *a = NULL;
  if (host && host[0] == '[' && host[strlen(host) - 1] == ']') {
    char *h = g_strndup(host + 1, strlen(host) - 2);
    g_free(host);
    host = h;
  }
  if (host && !strcmp(host, "localhost")) {
    g_free(host);
    host = g_strdup("127.0.0.1");
  }
  if (host && g_hostname_is_ip_address(host) && end && !*end && port > 0 &&
      port < 65536)
    a = g_inet_socket_address_new_from_string(host, (guint)port);
  if (!a)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--osc-send %s: expected IP:PORT, e.g. 127.0.0.1:9001", s);
  g_free(host);
  return a;
}

gboolean studio_osc_start(Studio *st, GError **error) {
  if (st->osc_send) {
    st->osc_target = parse_target(st->osc_send, error);
    if (!st->osc_target)
      return FALSE;
  }
  GInetAddress *a = g_inet_address_new_from_string(st->osc_address);
  GSocketFamily fam = g_inet_address_get_family(a);
  if (st->osc_target &&
      g_socket_address_get_family(st->osc_target) != (GSocketFamily)fam) {
    g_object_unref(a);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--osc-send %s and --osc-address %s are of different IP "
                "versions",
                st->osc_send, st->osc_address);
    return FALSE;
  }
  st->osc_sock =
      g_socket_new(fam, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!st->osc_sock) {
    g_object_unref(a);
    return FALSE;
  }
  g_socket_set_blocking(st->osc_sock, FALSE);
  GSocketAddress *sa = g_inet_socket_address_new(a, st->osc_port);
  g_object_unref(a);
  gboolean ok = g_socket_bind(st->osc_sock, sa, FALSE, error);
  g_object_unref(sa);
  if (!ok) {
    g_prefix_error(error, "cannot listen on %s port %d: ", st->osc_address,
                   st->osc_port);
    g_clear_object(&st->osc_sock);
    return FALSE;
  }
  GSocketAddress *la = g_socket_get_local_address(st->osc_sock, NULL);
  st->osc_bound_port =
      la ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(la)) : 0;
  g_clear_object(&la);
  st->osc_source = g_socket_create_source(st->osc_sock, G_IO_IN, NULL);
  g_source_set_callback(st->osc_source, G_SOURCE_FUNC(on_readable), st, NULL);
  g_source_attach(st->osc_source, NULL);
  gboolean v6 = strchr(st->osc_address, ':') != NULL;
  g_print("osc: udp://%s%s%s:%u\n", v6 ? "[" : "", st->osc_address,
          v6 ? "]" : "", st->osc_bound_port);
  GInetAddress *oa = g_inet_address_new_from_string(st->osc_address);
  if (!g_inet_address_get_is_loopback(oa))
    g_print("sg3-studio: warning: OSC on %s has no authentication: anyone "
            "who can reach UDP port %u can change the properties\n",
            st->osc_address, st->osc_bound_port);
  g_object_unref(oa);
  if (st->osc_target)
    g_print("sg3-studio: osc: sending changes to %s\n", st->osc_send);
  return TRUE;
}

void studio_osc_stop(Studio *st) {
  if (st->osc_source) {
    g_source_destroy(st->osc_source);
    g_clear_pointer(&st->osc_source, g_source_unref);
  }
  g_clear_object(&st->osc_sock);
  g_clear_object(&st->osc_target);
}
