/* sg3-rtsp-server: keeps one client from degrading the others.
 *
 * A TCP-interleaved client that stops reading fills its socket, then the
 * library's watch backlog; gst-rtsp-server then holds the shared stream's
 * next packets until that backlog drains (rtsp-stream's outstanding
 * messages), which freezes every viewer. drop-backlog (on by default) only
 * drops while the watch backlog is full, which comes too late. So the
 * kernel's own counters decide, polled five times a second: a client whose
 * send queue (SIOCOUTQ) holds more than --max-lag seconds of the stream, or
 * whose queue has not moved (no bytes acknowledged) for as long, is shut
 * down; the library then closes it and removes its transports, and the
 * stream goes on for the others.
 *
 * The same poll bounds requests before the library parses them: GstRTSP
 * reads a header line of any length (CPU time per byte on the client's
 * thread), so a client that sends more than --max-request bytes within a
 * second is shut down (RTSP requests are a few hundred bytes; RTCP over
 * TCP a few hundred bytes a second). */
#include "sg3-rtsp-server.h"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

GST_DEBUG_CATEGORY_STATIC(sg3_guard_debug);
#define GST_CAT_DEFAULT sg3_guard_debug

#define POLL_MS 200

typedef struct {
  guint64 acked;      /* tcpi_bytes_acked at the last progress */
  gint64 progress_us; /* when the send queue last moved or was empty */
  guint64 rx_base;    /* tcpi_bytes_received at rx_start_us */
  gint64 rx_start_us;
  gint64 dropped_us; /* 0: not dropped */
  gboolean closed;
} GuardState;

static Sg3GuardConfig config;
static gint n_clients;

static void on_closed(GstRTSPClient *client, gpointer data) {
  g_atomic_int_add(&n_clients, -1);
}

static int client_fd(GstRTSPClient *client) {
  GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
  GSocket *s = conn ? gst_rtsp_connection_get_write_socket(conn) : NULL;
  return s ? g_socket_get_fd(s) : -1;
}

gboolean sg3_guard_admit(GstRTSPClient *client) {
  g_signal_connect(client, "closed", G_CALLBACK(on_closed), NULL);
  /* Viewers are limited by the session pool (503 Service Unavailable on
   * SETUP); connections without a session (probes, DESCRIBE) get some room
   * beyond, then are shut down at once. */
  int fd = client_fd(client);
  if (g_atomic_int_add(&n_clients, 1) < 2 * config.max_clients + 4) {
    /* A fixed, small receive buffer (no autotuning to megabytes): what a
     * flooding client has sent before the poll notices stays small, and so
     * does what the library still parses after the shutdown. */
    int rcvbuf = 64 * 1024;
    if (fd >= 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return TRUE;
  }
  GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
  const char *ip = conn ? gst_rtsp_connection_get_ip(conn) : NULL;
  g_print("%s: client %s refused: too many connections (--max-clients)\n",
          sg3_rtsp_prog, ip ? ip : "?");
  if (fd >= 0)
    shutdown(fd, SHUT_RDWR);
  return FALSE;
}

/* Shuts the socket down: the client's own thread sees the end of the
 * connection and closes it the usual way (sessions, transports). */
static void drop(GstRTSPClient *client, GuardState *st, int fd,
                 const char *why) {
  GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
  const char *ip = conn ? gst_rtsp_connection_get_ip(conn) : NULL;
  g_print("%s: dropping client %s: %s\n", sg3_rtsp_prog, ip ? ip : "?", why);
  shutdown(fd, SHUT_RDWR);
  st->dropped_us = g_get_monotonic_time();
}

static GstRTSPFilterResult guard_client(GstRTSPServer *server,
                                        GstRTSPClient *client, gpointer data) {
  GuardState *st = g_object_get_data(G_OBJECT(client), "sg3-guard");
  gint64 now = g_get_monotonic_time();
  int fd = client_fd(client);
  if (fd < 0)
    return GST_RTSP_FILTER_KEEP;
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
    return GST_RTSP_FILTER_KEEP;
  if (!st) {
    st = g_new0(GuardState, 1);
    st->acked = ti.tcpi_bytes_acked;
    st->progress_us = st->rx_start_us = now;
    st->rx_base = ti.tcpi_bytes_received;
    g_object_set_data_full(G_OBJECT(client), "sg3-guard", st, g_free);
  }
  if (st->dropped_us) {
    /* Its thread did not notice (busy in a long line): close it here. */
    if (!st->closed && now - st->dropped_us > G_USEC_PER_SEC / 2) {
      st->closed = TRUE;
      GST_INFO("closing client %p", client);
      gst_rtsp_client_close(client);
    }
    return GST_RTSP_FILTER_KEEP;
  }

  /* Requests: bytes received in the current one-second window. */
  if (now - st->rx_start_us >= G_USEC_PER_SEC) {
    st->rx_start_us = now;
    st->rx_base = ti.tcpi_bytes_received;
  }
  if (ti.tcpi_bytes_received - st->rx_base > config.max_request) {
    char *why = g_strdup_printf("sent more than %u bytes within a second "
                                "(--max-request)",
                                config.max_request);
    drop(client, st, fd, why);
    g_free(why);
    return GST_RTSP_FILTER_KEEP;
  }

  /* Stream data: how much waits in the kernel, and whether it moves. */
  int outq = 0;
  if (ioctl(fd, SIOCOUTQ, &outq) < 0)
    return GST_RTSP_FILTER_KEEP;
  if (outq == 0 || ti.tcpi_bytes_acked != st->acked) {
    st->acked = ti.tcpi_bytes_acked;
    st->progress_us = now;
  }
  double lag_bytes =
      MAX(64 * 1024.0, config.max_lag_s * config.bitrate_kbps * 1000.0 / 8.0);
  if (outq > lag_bytes) {
    char *why = g_strdup_printf("%d bytes of stream queued, more than "
                                "%.1f s (--max-lag)",
                                outq, config.max_lag_s);
    drop(client, st, fd, why);
    g_free(why);
  } else if (now - st->progress_us > config.max_lag_s * G_USEC_PER_SEC) {
    char *why = g_strdup_printf("stopped reading for %.1f s (--max-lag)",
                                (now - st->progress_us) / 1e6);
    drop(client, st, fd, why);
    g_free(why);
  }
  return GST_RTSP_FILTER_KEEP;
}

static gboolean poll_clients(gpointer server) {
  gst_rtsp_server_client_filter(server, guard_client, NULL);
  return G_SOURCE_CONTINUE;
}

void sg3_guard_start(GstRTSPServer *server, const Sg3GuardConfig *c) {
  GST_DEBUG_CATEGORY_INIT(sg3_guard_debug, "sg3-rtsp-guard", 0,
                          "sg3 RTSP server client guard");
  config = *c;
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  gst_rtsp_session_pool_set_max_sessions(pool, c->max_clients);
  g_object_unref(pool);
  g_timeout_add(POLL_MS, poll_clients, server);
}
