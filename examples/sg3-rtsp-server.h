/* sg3-rtsp-server: what its parts share. */
#ifndef SG3_RTSP_SERVER_H
#define SG3_RTSP_SERVER_H

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

extern const char *sg3_rtsp_prog;

/* One mount point: its factory, the media now playing there (one per mount,
 * shared by every client whatever the URL) and the properties that clients
 * changed with SET_PARAMETER, kept for the next media when the generator
 * restarts. */
typedef struct {
  char *path;
  char **props; /* PROP=VALUE of this mount (--mount "/p PROP=VALUE ...") */
  gboolean props_only_source; /* --source: maybe no sg3src at all */
  GstRTSPMediaFactory *factory;
  GMutex lock;
  GstRTSPMedia *media; /* prepared media, or NULL; under lock */
  GHashTable *changed; /* property -> value (string); under lock */
  gint64 last_key_us;  /* last forced key frame; under lock */
  guint key_timer;     /* pending rate-limited key frame; under lock */
} Sg3Mount;

/* Every mount, for the control requests. */
extern GPtrArray *sg3_mounts;

Sg3Mount *sg3_mount_for_path(const char *path);

/* Parses VALUE for property P (type and range); on failure returns FALSE
 * and a message in *WHY (g_free it). OUT is initialized on success. */
gboolean sg3_property_parse(GParamSpec *p, const char *value, GValue *out,
                            char **why);

/* sg3-rtsp-guard.c: drops clients that stall the shared stream or flood the
 * control connection, and limits the number of clients. */
typedef struct {
  double max_lag_s;  /* a TCP client this far behind is dropped */
  int bitrate_kbps;  /* to turn max_lag_s into bytes */
  guint max_request; /* bytes a client may send per second */
  int max_clients;
} Sg3GuardConfig;

void sg3_guard_start(GstRTSPServer *server, const Sg3GuardConfig *config);
/* TRUE if another client may connect (called on client-connected). */
gboolean sg3_guard_admit(GstRTSPClient *client);

/* sg3-rtsp-control.c: the client class that answers SET_PARAMETER and
 * GET_PARAMETER for the mount's sg3src; the server class that makes it. */
GType sg3_server_get_type(void);
/* Applies the mount's changed properties to a new media's sg3src. */
void sg3_control_apply(Sg3Mount *m, GstRTSPMedia *media);
/* The sg3src of a media (a new reference), or NULL. */
GstElement *sg3_control_find_source(GstRTSPMedia *media);

/* sg3-rtsp-auth.c: --user, --users-file, --tls-cert/--tls-key. */
typedef struct {
  char **users;      /* NAME:PASSWORD */
  char *users_file;  /* lines NAME:PASSWORD, # comments */
  char *auth_method; /* digest (default), basic or any */
  char *tls_cert, *tls_key;
} Sg3AuthConfig;

/* Sets up GstRTSPAuth on SERVER and the role on each factory; returns
 * TRUE if clients must authenticate. Exits with a message on bad input. */
gboolean sg3_auth_setup(GstRTSPServer *server, const Sg3AuthConfig *config,
                        GPtrArray *mounts);

void sg3_die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

#endif
