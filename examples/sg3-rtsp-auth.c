/* sg3-rtsp-server: who may watch, through GstRTSPAuth: --user NAME:PASSWORD
 * (repeatable) or --users-file, RTSP digest authentication by default
 * (basic only when asked for, as it sends the password in the clear unless
 * over RTSPS), and --tls-cert/--tls-key for RTSPS. Every user gets the role
 * "viewer", which may access and construct each mount's media. */
#include "sg3-rtsp-server.h"

#include <stdio.h>
#include <string.h>

#define ROLE "viewer"

static void add_user(GstRTSPAuth *auth, GstRTSPAuthMethod methods,
                     const char *entry, const char *where) {
  const char *colon = strchr(entry, ':');
  if (!colon || colon == entry || !colon[1])
    sg3_die("%s: expected NAME:PASSWORD", where);
  char *name = g_strndup(entry, colon - entry);
  GstRTSPToken *token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
                                           G_TYPE_STRING, ROLE, NULL);
  if (methods & GST_RTSP_AUTH_BASIC) {
    char *basic = gst_rtsp_auth_make_basic(name, colon + 1);
    gst_rtsp_auth_add_basic(auth, basic, token);
    g_free(basic);
  }
  if (methods & GST_RTSP_AUTH_DIGEST)
    gst_rtsp_auth_add_digest(auth, name, colon + 1, token);
  gst_rtsp_token_unref(token);
  g_free(name);
}

static int read_users_file(GstRTSPAuth *auth, GstRTSPAuthMethod methods,
                           const char *path) {
  char *text = NULL;
  GError *err = NULL;
  if (!g_file_get_contents(path, &text, NULL, &err))
    sg3_die("--users-file %s: %s", path, err->message);
  char **lines = g_strsplit(text, "\n", -1);
  int n = 0, lineno = 0;
  for (char **l = lines; *l; l++) {
    lineno++;
    char *line = g_strchomp(*l);
    if (!*line || *line == '#')
      continue;
    char *where = g_strdup_printf("--users-file %s line %d", path, lineno);
    add_user(auth, methods, line, where);
    g_free(where);
    n++;
  }
  g_strfreev(lines);
  g_free(text);
  if (!n)
    sg3_die("--users-file %s: no NAME:PASSWORD lines", path);
  return n;
}

gboolean sg3_auth_setup(GstRTSPServer *server, const Sg3AuthConfig *c,
                        GPtrArray *mounts) {
  gboolean users = (c->users && c->users[0]) || c->users_file;
  gboolean tls = c->tls_cert || c->tls_key;
  if (!users && !tls)
    return FALSE;

  GstRTSPAuthMethod methods;
  const char *m = c->auth_method ? c->auth_method : "digest";
  if (!strcmp(m, "digest"))
    methods = GST_RTSP_AUTH_DIGEST;
  else if (!strcmp(m, "basic"))
    methods = GST_RTSP_AUTH_BASIC;
  else if (!strcmp(m, "any"))
    methods = GST_RTSP_AUTH_BASIC | GST_RTSP_AUTH_DIGEST;
  else
    sg3_die("--auth %s: expected digest, basic or any", m);

  GstRTSPAuth *auth = gst_rtsp_auth_new();
  gst_rtsp_auth_set_supported_methods(auth, methods);
  for (char **u = c->users; u && *u; u++)
    add_user(auth, methods, *u, "--user");
  if (c->users_file)
    read_users_file(auth, methods, c->users_file);
  if (!users) {
    /* RTSPS without users: anyone may watch, encrypted. */
    GstRTSPToken *token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
                                             G_TYPE_STRING, ROLE, NULL);
    gst_rtsp_auth_set_default_token(auth, token);
    gst_rtsp_token_unref(token);
  }
  if (tls) {
    if (!c->tls_cert || !c->tls_key)
      sg3_die("--tls-cert and --tls-key go together");
    GError *err = NULL;
    GTlsCertificate *cert =
        g_tls_certificate_new_from_files(c->tls_cert, c->tls_key, &err);
    if (!cert)
      sg3_die("--tls-cert %s --tls-key %s: %s", c->tls_cert, c->tls_key,
              err->message);
    gst_rtsp_auth_set_tls_certificate(auth, cert);
    g_object_unref(cert);
  }
  for (guint i = 0; i < mounts->len; i++) {
    Sg3Mount *mount = g_ptr_array_index(mounts, i);
    gst_rtsp_media_factory_add_role(
        mount->factory, ROLE, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
        G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
        G_TYPE_BOOLEAN, TRUE, NULL);
  }
  gst_rtsp_server_set_auth(server, auth);
  g_object_unref(auth);
  return users;
}
