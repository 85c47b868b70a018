/* Integration tests with real GStreamer clients.
 *
 *   test_integration stream --server PATH --reference FRAG --width W
 *                    --height H --min-psnr DB [--need E]... [--require E]...
 *                    [-- SERVER ARGS]
 *     Starts sg3-rtsp-server on 127.0.0.1 and a free port; one client
 *     (rtspsrc ! rtph264depay ! avdec_h264 ! appsink) receives --frames
 *     frames of the right size, each compared (PSNR) with the frame that
 *     FRAG produces through the server's scaling chain; then two clients at
 *     once both receive frames from one shared generator, the second joining
 *     mid-GOP (key frames only every 10 s) and still seeing a picture within
 *     3 s; then the ffmpeg command (OBS's demuxers), if installed; then
 *     SIGTERM (or SIGINT with --sigint) must stop the server with exit code
 *     0 while clients are still connected.
 *
 *   test_integration options --server PATH [--need E]...
 *     Bad options: exit code 1 and a one-line message.
 *
 *   test_integration script --script PATH --ready TEXT --client LAUNCH
 *                    --reference FRAG --width W --height H --min-psnr DB
 *                    [--ffmpeg-input ARGS] [-- SCRIPT ARGS]
 *     Runs an OBS recipe (pipelines/obs-udp.sh, obs-srt.sh) on a free
 *     loopback port (@PORT@ in the arguments); a GStreamer client standing
 *     in for OBS, then FFmpeg (OBS's demuxers) if installed, must receive
 *     frames of the right size and quality.
 *
 *   test_integration record --script PATH --duration S --fps N --size WxH
 *                    --codec C [--need E]... [-- SG3SRC PROPERTIES]
 *     Runs pipelines/record.sh and checks the MP4's duration
 *     (GstDiscoverer), frame count (qtdemux), size and codec.
 *
 * Exit code 77 (skip) when a --need element is missing (system plugins),
 * failure when a --require one is (sg3src, built here). The
 * server is killed on every exit path (and by PR_SET_PDEATHSIG if the test
 * itself is killed). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define SKIP 77

static GSubprocess *server;
static char *tmpdir;

static void cleanup(void) {
  if (server) {
    g_subprocess_force_exit(server);
    g_subprocess_wait(server, NULL, NULL);
    g_clear_object(&server);
  }
  if (tmpdir) {
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
      char *p = g_build_filename(tmpdir, n, NULL);
      g_unlink(p);
      g_free(p);
    }
    if (d)
      g_dir_close(d);
    g_rmdir(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
  }
}

static void fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;
static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("FAIL: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  fflush(stdout);
  cleanup();
  exit(1);
}

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond))                                                               \
      fail(__VA_ARGS__);                                                       \
  } while (0)

static void need_elements(char **names) {
  for (char **n = names; n && *n; n++) {
    GstElementFactory *f = gst_element_factory_find(*n);
    if (!f) {
      printf("SKIP: GStreamer element '%s' is missing\n", *n);
      exit(SKIP);
    }
    gst_object_unref(f);
  }
}

static void child_setup(gpointer data) {
  /* The server must not outlive a killed or timed-out test. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *spawn(char **argv, GSubprocessFlags flags) {
  GSubprocessLauncher *l = g_subprocess_launcher_new(flags);
  g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
  GError *err = NULL;
  GSubprocess *p =
      g_subprocess_launcher_spawnv(l, (const char *const *)argv, &err);
  g_object_unref(l);
  CHECK(p, "cannot start %s: %s", argv[0], err->message);
  return p;
}

/* ---- running a command to completion, with a timeout ---- */

typedef struct {
  GMainLoop *loop;
  gboolean done;
  char *out, *err;
} RunState;

static void on_communicated(GObject *src, GAsyncResult *res, gpointer data) {
  RunState *s = data;
  g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, &s->out, &s->err,
                                       NULL);
  s->done = TRUE;
  g_main_loop_quit(s->loop);
}

static gboolean on_timeout(gpointer loop) {
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

/* Returns the exit status; stdout and stderr go to OUT and ERR (or NULL). */
static int run(char **argv, int timeout_s, char **out, char **err) {
  GSubprocess *p = spawn(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                   G_SUBPROCESS_FLAGS_STDERR_PIPE);
  RunState s = {g_main_loop_new(NULL, FALSE)};
  g_subprocess_communicate_utf8_async(p, NULL, NULL, on_communicated, &s);
  guint t = g_timeout_add_seconds(timeout_s, on_timeout, s.loop);
  g_main_loop_run(s.loop);
  if (!s.done) {
    g_subprocess_force_exit(p);
    g_subprocess_wait(p, NULL, NULL);
    fail("%s did not finish within %d s", argv[0], timeout_s);
  }
  g_source_remove(t);
  g_main_loop_unref(s.loop);
  g_subprocess_wait(p, NULL, NULL);
  int status = g_subprocess_get_if_exited(p)
                   ? g_subprocess_get_exit_status(p)
                   : 128 + g_subprocess_get_term_sig(p);
  g_object_unref(p);
  if (out)
    *out = s.out;
  else
    g_free(s.out);
  if (err)
    *err = s.err;
  else
    g_free(s.err);
  return status;
}

/* ---- the server process and its stdout ---- */

static GAsyncQueue *lines;
static gint started_count, stopped_count;

static gpointer read_server_stdout(gpointer stream) {
  GDataInputStream *in = g_data_input_stream_new(stream);
  char *line;
  while ((line = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL))) {
    printf("  server: %s\n", line);
    fflush(stdout);
    if (strstr(line, "generator started"))
      g_atomic_int_inc(&started_count);
    if (strstr(line, "generator stopped"))
      g_atomic_int_inc(&stopped_count);
    g_async_queue_push(lines, line);
  }
  g_async_queue_push(lines, g_strdup("\004EOF"));
  g_object_unref(in);
  return NULL;
}

/* Waits for a stdout line starting with PREFIX; returns it. */
static char *wait_line(const char *prefix, int timeout_s) {
  gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
  for (;;) {
    gint64 left = end - g_get_monotonic_time();
    char *line = left > 0 ? g_async_queue_timeout_pop(lines, left) : NULL;
    CHECK(line, "no '%s' line from the server within %d s", prefix, timeout_s);
    CHECK(strcmp(line, "\004EOF"), "the server exited early (see above)");
    if (g_str_has_prefix(line, prefix))
      return line;
    g_free(line);
  }
}

static gboolean wait_count(gint *counter, int want, int timeout_s) {
  gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
  while (g_atomic_int_get(counter) < want) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    g_usleep(20000);
  }
  return TRUE;
}

/* ---- frames ---- */

typedef struct {
  int width, height;
  guint8 *plane[3];
  int pw[3], ph[3];
} Frame;

static void frame_from_sample(GstSample *sample, Frame *f) {
  GstVideoInfo info;
  CHECK(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)),
        "sample without video caps");
  CHECK(GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_I420,
        "expected I420, got %s", GST_VIDEO_INFO_NAME(&info));
  GstVideoFrame vf;
  CHECK(gst_video_frame_map(&vf, &info, gst_sample_get_buffer(sample),
                            GST_MAP_READ),
        "cannot map a frame");
  f->width = GST_VIDEO_INFO_WIDTH(&info);
  f->height = GST_VIDEO_INFO_HEIGHT(&info);
  for (int p = 0; p < 3; p++) {
    f->pw[p] = GST_VIDEO_FRAME_COMP_WIDTH(&vf, p);
    f->ph[p] = GST_VIDEO_FRAME_COMP_HEIGHT(&vf, p);
    f->plane[p] = g_malloc((gsize)f->pw[p] * f->ph[p]);
    const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA(&vf, p);
    int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&vf, p);
    for (int y = 0; y < f->ph[p]; y++)
      memcpy(f->plane[p] + (gsize)y * f->pw[p], src + (gsize)y * stride,
             f->pw[p]);
  }
  gst_video_frame_unmap(&vf);
}

static void frame_clear(Frame *f) {
  for (int p = 0; p < 3; p++)
    g_clear_pointer(&f->plane[p], g_free);
}

/* PSNR over all three planes (I420: Y weighs 4x each chroma plane). */
static double psnr(const Frame *a, const Frame *b) {
  double se = 0;
  gsize n = 0;
  for (int p = 0; p < 3; p++) {
    gsize count = (gsize)a->pw[p] * a->ph[p];
    for (gsize i = 0; i < count; i++) {
      double d = (double)a->plane[p][i] - b->plane[p][i];
      se += d * d;
    }
    n += count;
  }
  if (se == 0)
    return 99.0;
  return 10.0 * log10(255.0 * 255.0 / (se / n));
}

static GstElement *launch(const char *desc) {
  GError *err = NULL;
  GstElement *p =
      gst_parse_launch_full(desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  CHECK(p, "pipeline '%s': %s", desc, err->message);
  return p;
}

static void check_bus(GstElement *pipe, const char *what) {
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  gst_object_unref(bus);
  if (m) {
    GError *e = NULL;
    char *dbg = NULL;
    gst_message_parse_error(m, &e, &dbg);
    fail("%s: %s (%s)", what, e->message, dbg ? dbg : "");
  }
}

/* The frame FRAG produces through the server's own scaling chain, up to the
 * encoder: what a perfect codec would deliver. */
static void reference_frame(const char *frag, int w, int h, Frame *f) {
  char *desc = g_strdup_printf(
      "%s num-buffers=1 ! video/x-raw,framerate=30/1"
      " ! videoscale method=lanczos"
      " ! video/x-raw,pixel-aspect-ratio=1/1,width=%d,height=%d"
      " ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink",
      frag, w, h);
  GstElement *pipe = launch(desc);
  g_free(desc);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GstSample *s =
      gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 60 * GST_SECOND);
  check_bus(pipe, "reference pipeline");
  CHECK(s, "the reference pipeline gave no frame within 60 s");
  frame_from_sample(s, f);
  gst_sample_unref(s);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipe);
}

typedef struct {
  const char *name;
  GstElement *pipe, *sink;
  int frames;
  double psnr_min, psnr_sum;
  gint64 start_us, first_us, last_us;
  gint64 max_gap_us; /* longest wait between two frames */
} Client;

/* DESC ends in "appsink name=sink" delivering I420. */
static void client_start_desc(Client *c, const char *name, const char *desc) {
  memset(c, 0, sizeof *c);
  c->name = name;
  c->psnr_min = INFINITY;
  c->start_us = g_get_monotonic_time();
  c->pipe = launch(desc);
  c->sink = gst_bin_get_by_name(GST_BIN(c->pipe), "sink");
  CHECK(c->sink, "%s: no appsink named sink", name);
  CHECK(gst_element_set_state(c->pipe, GST_STATE_PLAYING) !=
            GST_STATE_CHANGE_FAILURE,
        "%s: cannot start the client pipeline", name);
}

static void client_start_proto(Client *c, const char *name, const char *url,
                               const char *protocols, const char *extra) {
  char *desc = g_strdup_printf(
      "rtspsrc location=%s protocols=%s latency=200 %s"
      " ! rtph264depay wait-for-keyframe=true ! avdec_h264 ! videoconvert"
      " ! video/x-raw,format=I420 ! appsink name=sink sync=false",
      url, protocols, extra ? extra : "");
  client_start_desc(c, name, desc);
  g_free(desc);
}

static void client_start(Client *c, const char *name, const char *url) {
  /* protocols=tcp: interleaved RTP over the RTSP connection, no UDP ports
   * needed; avdec_h264 is FFmpeg's decoder, the one OBS and VLC use.
   * wait-for-keyframe: a client joining a running stream must not decode
   * P-frames without their reference into grey smears. */
  char *desc = g_strdup_printf(
      "rtspsrc location=%s protocols=tcp latency=200"
      " ! rtph264depay wait-for-keyframe=true ! avdec_h264 ! videoconvert"
      " ! video/x-raw,format=I420 ! appsink name=sink sync=false",
      url);
  client_start_desc(c, name, desc);
  g_free(desc);
}

static void client_stop(Client *c) {
  gst_element_set_state(c->pipe, GST_STATE_NULL);
  gst_object_unref(c->sink);
  gst_object_unref(c->pipe);
  c->pipe = c->sink = NULL;
}

/* Pulls at most one frame; checks its size and compares it with REF. */
static void client_poll(Client *c, const Frame *ref) {
  check_bus(c->pipe, c->name);
  GstSample *s =
      gst_app_sink_try_pull_sample(GST_APP_SINK(c->sink), 10 * GST_MSECOND);
  if (!s)
    return;
  Frame f = {0};
  frame_from_sample(s, &f);
  gst_sample_unref(s);
  CHECK(f.width == ref->width && f.height == ref->height,
        "%s: frame %d is %dx%d, expected %dx%d", c->name, c->frames, f.width,
        f.height, ref->width, ref->height);
  double q = psnr(&f, ref);
  frame_clear(&f);
  c->psnr_min = MIN(c->psnr_min, q);
  c->psnr_sum += q;
  gint64 now = g_get_monotonic_time();
  if (c->frames)
    c->max_gap_us = MAX(c->max_gap_us, now - c->last_us);
  c->last_us = now;
  if (c->frames++ == 0)
    c->first_us = c->last_us;
}

static void client_report(const Client *c) {
  double secs = (c->last_us - c->first_us) / 1e6;
  printf("%s: %d frames, PSNR min %.2f dB mean %.2f dB, %.1f frames/s, "
         "first frame %.2f s after connecting\n",
         c->name, c->frames, c->psnr_min, c->psnr_sum / MAX(c->frames, 1),
         secs > 0 ? (c->frames - 1) / secs : 0.0,
         c->frames ? (c->first_us - c->start_us) / 1e6 : -1.0);
}

/* Receives WANT frames on every client, or fails after TIMEOUT_S. */
static void receive(Client *cs, int n, int want, const Frame *ref,
                    int timeout_s) {
  gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
  for (;;) {
    gboolean all = TRUE;
    for (int i = 0; i < n; i++) {
      if (cs[i].frames < want)
        client_poll(&cs[i], ref);
      all &= cs[i].frames >= want;
    }
    if (all)
      return;
    if (g_get_monotonic_time() > end) {
      for (int i = 0; i < n; i++)
        client_report(&cs[i]);
      fail("not every client received %d frames within %d s", want, timeout_s);
    }
  }
}

static void on_waited(GObject *src, GAsyncResult *res, gpointer loop) {
  g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
  g_main_loop_quit(loop);
}

/* Sends SIG; the server must exit with code 0 within TIMEOUT_S. */
static void stop_server(int sig, int timeout_s) {
  g_subprocess_send_signal(server, sig);
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  g_subprocess_wait_async(server, NULL, on_waited, loop);
  guint t = g_timeout_add_seconds(timeout_s, on_timeout, loop);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  CHECK(g_subprocess_get_identifier(server) == NULL,
        "the server did not stop within %d s of signal %d", timeout_s, sig);
  g_source_remove(t);
  CHECK(g_subprocess_get_if_exited(server),
        "the server was killed by signal %d",
        g_subprocess_get_term_sig(server));
  CHECK(g_subprocess_get_exit_status(server) == 0,
        "the server exited with %d after signal %d",
        g_subprocess_get_exit_status(server), sig);
  g_clear_object(&server);
}

/* OBS's Media Source is FFmpeg (libavformat) underneath: when the ffmpeg
 * command is installed, it must read FRAMES frames of W x H from INPUT
 * (extra input options first, e.g. -rtsp_transport tcp). */
static void ffmpeg_check(const char *what, char **input_args, int w, int h,
                         int frames) {
  char *ffmpeg = g_find_program_in_path("ffmpeg");
  if (!ffmpeg) {
    printf("%s: ffmpeg not installed, FFmpeg (OBS) check skipped\n", what);
    return;
  }
  if (!tmpdir) {
    GError *err = NULL;
    tmpdir = g_dir_make_tmp("sg3-integration-XXXXXX", &err);
    CHECK(tmpdir, "mkdtemp: %s", err ? err->message : "");
  }
  char *out = g_build_filename(tmpdir, "ffmpeg.gray", NULL);
  char *n = g_strdup_printf("%d", frames);
  GPtrArray *argv = g_ptr_array_new();
  char *head[] = {ffmpeg, "-nostdin", "-v", "warning"};
  for (guint i = 0; i < G_N_ELEMENTS(head); i++)
    g_ptr_array_add(argv, head[i]);
  for (char **a = input_args; *a; a++)
    g_ptr_array_add(argv, *a);
  char *tail[] = {"-frames:v", n,     "-f", "rawvideo", "-pix_fmt",
                  "gray",      "-an", "-y", out};
  for (guint i = 0; i < G_N_ELEMENTS(tail); i++)
    g_ptr_array_add(argv, tail[i]);
  g_ptr_array_add(argv, NULL);
  char *err = NULL;
  int status = run((char **)argv->pdata, 60, NULL, &err);
  GStatBuf st;
  gsize want = (gsize)frames * w * h;
  gsize got = g_stat(out, &st) ? 0 : (gsize)st.st_size;
  printf("%s: ffmpeg exit %d, %zu frames of %dx%d\n", what, status,
         got / ((gsize)w * h), w, h);
  CHECK(status == 0 && got == want,
        "%s: ffmpeg (what OBS uses) read %zu bytes, expected %zu: %s", what,
        got, want, err);
  /* A key frame that FFmpeg's depacketizer splits in two shows up as two
   * corrupt frames with one timestamp: a visible glitch in OBS every key
   * frame. (Warnings about a missing PPS before the first key frame are
   * normal when joining a running stream.) */
  CHECK(!strstr(err, "corrupt decoded frame"),
        "%s: ffmpeg decoded corrupt frames:\n%s", what, err);
  g_free(err);
  g_unlink(out);
  g_free(out);
  g_free(n);
  g_free(ffmpeg);
  g_ptr_array_free(argv, TRUE);
}

static int mode_stream(const char *server_path, const char *reference,
                       int width, int height, double min_psnr, int frames,
                       int stop_signal, char **server_args) {
  char *need[] = {"rtspsrc",      "rtph264depay", "avdec_h264",
                  "videoconvert", "videoscale",   "appsink",
                  "x264enc",      "rtph264pay",   NULL};
  need_elements(need);

  Frame ref = {0};
  reference_frame(reference, width, height, &ref);

  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)server_path);
  /* Loopback only, and a port the kernel picks: tests never collide. */
  char *fixed[] = {"--address", "127.0.0.1", "--port", "0", "--key-int", "300"};
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, fixed[i]);
  char *size[] = {g_strdup_printf("--width=%d", width),
                  g_strdup_printf("--height=%d", height)};
  g_ptr_array_add(argv, size[0]);
  g_ptr_array_add(argv, size[1]);
  for (char **a = server_args; a && *a; a++)
    g_ptr_array_add(argv, *a);
  g_ptr_array_add(argv, NULL);

  lines = g_async_queue_new_full(g_free);
  server = spawn((char **)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_thread_unref(g_thread_new("server-stdout", read_server_stdout,
                              g_subprocess_get_stdout_pipe(server)));
  char *url = wait_line("rtsp://", 60);
  CHECK(g_str_has_prefix(url, "rtsp://127.0.0.1:"), "unexpected URL %s", url);
  printf("server at %s\n", url);

  /* One client. */
  Client one;
  client_start(&one, "client", url);
  receive(&one, 1, frames, &ref, 90);
  client_report(&one);
  CHECK(one.psnr_min >= min_psnr,
        "PSNR %.2f dB against the reference frame, below %.1f dB", one.psnr_min,
        min_psnr);
  client_stop(&one);

  /* Nobody watching: the shared generator stops. */
  CHECK(wait_count(&stopped_count, 1, 20),
        "the generator did not stop after the last client left");

  /* Two clients at once share one new generator; B joins while A is in
   * the middle of a 10 s GOP (--key-int 300) and still gets a picture at
   * once, because the server asks the encoder for a key frame on PLAY. */
  int started_before = g_atomic_int_get(&started_count);
  Client two[2];
  client_start(&two[0], "client A", url);
  receive(two, 1, 15, &ref, 90);
  client_start(&two[1], "client B", url);
  receive(two, 2, frames / 2, &ref, 90);
  for (int i = 0; i < 2; i++) {
    client_report(&two[i]);
    CHECK(two[i].psnr_min >= min_psnr, "%s: PSNR %.2f dB below %.1f dB",
          two[i].name, two[i].psnr_min, min_psnr);
  }
  CHECK(g_atomic_int_get(&started_count) - started_before == 1,
        "two simultaneous clients started %d generators, expected 1 (shared)",
        g_atomic_int_get(&started_count) - started_before);
  double join_s = (two[1].first_us - two[1].start_us) / 1e6;
  CHECK(join_s < 3.0,
        "client B waited %.2f s for its first frame (no key frame on join?)",
        join_s);

  /* What OBS's Media Source does: FFmpeg's RTSP client, by default UDP
   * first, and over TCP. */
  char *rtsp_default[] = {"-i", url, NULL};
  char *rtsp_tcp[] = {"-rtsp_transport", "tcp", "-i", url, NULL};
  ffmpeg_check("ffmpeg rtsp", rtsp_default, width, height, frames / 2);
  ffmpeg_check("ffmpeg rtsp tcp", rtsp_tcp, width, height, frames / 2);

  /* Clean shutdown with clients still connected. */
  stop_server(stop_signal, 15);
  printf("server stopped cleanly on %s (exit code 0)\n",
         stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  for (int i = 0; i < 2; i++)
    client_stop(&two[i]);

  frame_clear(&ref);
  g_free(size[0]);
  g_free(size[1]);
  g_free(url);
  g_ptr_array_free(argv, TRUE);
  cleanup();
  printf("PASS\n");
  return 0;
}

/* ---- the OBS scripts (pipelines/obs-*.sh) ---- */

static char *subst_port(const char *s, const char *port) {
  char **parts = g_strsplit(s, "@PORT@", -1);
  char *r = g_strjoinv(port, parts);
  g_strfreev(parts);
  return r;
}

/* A UDP port that is free on loopback now (UDP and SRT streams use it). */
static int free_udp_port(void) {
  GError *err = NULL;
  GSocket *sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &err);
  CHECK(sock, "socket: %s", err ? err->message : "");
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new(lo, 0);
  CHECK(g_socket_bind(sock, sa, FALSE, &err), "bind: %s", err->message);
  GSocketAddress *bound = g_socket_get_local_address(sock, &err);
  int port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(sa);
  g_object_unref(lo);
  g_object_unref(sock);
  return port;
}

/* Runs SCRIPT ARGS (@PORT@ replaced by a free port), waits for its READY
 * line, then a GStreamer client standing in for OBS (CLIENT, @PORT@ too)
 * must receive FRAMES frames of W x H close to REFERENCE; then FFmpeg, what
 * OBS really uses, if installed. */
static int mode_script(const char *script, const char *ready,
                       const char *client, const char *ffmpeg_input,
                       const char *reference, int w, int h, double min_psnr,
                       int frames, char **args) {
  char *port = g_strdup_printf("%d", free_udp_port());
  GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(argv, g_strdup("bash"));
  g_ptr_array_add(argv, g_strdup(script));
  for (char **a = args; a && *a; a++)
    g_ptr_array_add(argv, subst_port(*a, port));
  g_ptr_array_add(argv, NULL);

  Frame ref = {0};
  reference_frame(reference, w, h, &ref);

  lines = g_async_queue_new_full(g_free);
  server = spawn((char **)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_thread_unref(g_thread_new("script-stdout", read_server_stdout,
                              g_subprocess_get_stdout_pipe(server)));
  g_free(wait_line(ready, 60));

  char *desc = subst_port(client, port);
  Client c;
  client_start_desc(&c, "client", desc);
  receive(&c, 1, frames, &ref, 60);
  client_report(&c);
  CHECK(c.psnr_min >= min_psnr, "PSNR %.2f dB below %.1f dB", c.psnr_min,
        min_psnr);
  client_stop(&c);

  if (ffmpeg_input) {
    char *in = subst_port(ffmpeg_input, port);
    char **in_argv = NULL;
    CHECK(g_shell_parse_argv(in, NULL, &in_argv, NULL), "bad --ffmpeg-input");
    ffmpeg_check("ffmpeg", in_argv, w, h, frames);
    g_strfreev(in_argv);
    g_free(in);
  }

  frame_clear(&ref);
  g_free(desc);
  g_free(port);
  g_ptr_array_free(argv, TRUE);
  cleanup();
  printf("PASS\n");
  return 0;
}

/* ---- bad options ---- */

static void expect_error(const char *server_path, char **args,
                         const char *needle) {
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)server_path);
  for (char **a = args; *a; a++)
    g_ptr_array_add(argv, *a);
  g_ptr_array_add(argv, NULL);
  char *cmd = g_strjoinv(" ", (char **)argv->pdata + 1);
  char *err = NULL, *out = NULL;
  int status = run((char **)argv->pdata, 60, &out, &err);
  g_strchomp(err);
  printf("  %-40s -> %d: %s\n", cmd, status, err);
  CHECK(status == 1, "'%s': exit code %d, expected 1", cmd, status);
  CHECK(g_str_has_prefix(err, "sg3-rtsp-server: ") && !strchr(err, '\n'),
        "'%s': expected one line 'sg3-rtsp-server: ...' on stderr", cmd);
  CHECK(!needle || strstr(err, needle), "'%s': the message lacks '%s'", cmd,
        needle);
  CHECK(!*out, "'%s': printed on stdout: %s", cmd, out);
  g_free(cmd);
  g_free(err);
  g_free(out);
  g_ptr_array_free(argv, TRUE);
}

static int mode_options(const char *server_path, gboolean have_sg3src) {
  /* A port that is already taken (on loopback). */
  GError *err = NULL;
  GSocket *sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, &err);
  CHECK(sock, "socket: %s", err ? err->message : "");
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new(lo, 0);
  CHECK(g_socket_bind(sock, sa, FALSE, &err) && g_socket_listen(sock, &err),
        "bind: %s", err->message);
  GSocketAddress *bound = g_socket_get_local_address(sock, &err);
  char *port = g_strdup_printf(
      "%u", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));

  const char *standin = "videotestsrc is-live=true";
  char *cases[][10] = {
      {"--port", "70000", NULL},
      {"--fps", "0", NULL},
      {"--width", "15", NULL},
      {"--bitrate", "x", NULL},
      {"--bogus", NULL},
      {"stray", NULL},
      {"--scale-method", "blurry", NULL},
      {"--source", "no_such_element_x", NULL},
      {"--source", (char *)standin, "--seed", "3", NULL},
      {"--source", (char *)standin, "--address", "127.0.0.1", "--port", port,
       NULL},
      {"--source", (char *)standin, "--max-clients", "0", NULL},
      {"--source", (char *)standin, "--max-lag", "0", NULL},
      {"--source", (char *)standin, "--mount", "noslash", NULL},
      {"--source", (char *)standin, "--mount", "/a", "--mount", "/a", NULL},
      {"--source", (char *)standin, "--user", "nocolon", NULL},
      {"--source", (char *)standin, "--user", "a:b", "--auth", "weird", NULL},
      {"--source", (char *)standin, "--users-file", "/nonexistent/users", NULL},
      {"--source", (char *)standin, "--tls-cert", "/nonexistent/c.pem", NULL},
      {"--source", (char *)standin, "--tls-cert", "/nonexistent/c.pem",
       "--tls-key", "/nonexistent/k.pem", NULL},
  };
  const char *needles[] = {"--port",
                           "--fps",
                           "--width",
                           "bitrate",
                           "bogus",
                           "stray",
                           "blurry",
                           "no_such_element_x",
                           "--source",
                           "cannot listen",
                           "--max-clients",
                           "--max-lag",
                           "--mount noslash",
                           "given twice",
                           "NAME:PASSWORD",
                           "--auth weird",
                           "/nonexistent/users",
                           "go together",
                           "/nonexistent/c.pem"};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    expect_error(server_path, cases[i], needles[i]);

  if (have_sg3src) {
    char *sg3_cases[][4] = {
        {"--psi", "abc", NULL},
        {"--animation", "dance", NULL},
        {"--seed", "-1", NULL},
        {"--set", "no-such-property=1", NULL},
        {"--model", "/nonexistent/model.safetensors", NULL},
        {"--mount", "/x psi=9", NULL},
        {"--mount", "/x nosuch=1", NULL},
    };
    const char *sg3_needles[] = {"--psi",
                                 "dance",
                                 "--seed",
                                 "no-such-property",
                                 "/nonexistent/model",
                                 "--mount /x psi=9",
                                 "nosuch"};
    for (guint i = 0; i < G_N_ELEMENTS(sg3_cases); i++)
      expect_error(server_path, sg3_cases[i], sg3_needles[i]);
  } else {
    printf("  (sg3src missing: its property checks were not run)\n");
  }
  g_object_unref(bound);
  g_object_unref(sa);
  g_object_unref(lo);
  g_object_unref(sock);
  g_free(port);
  printf("PASS\n");
  return 0;
}

/* ---- recording ---- */

static int mode_record(const char *script, const char *duration, int fps,
                       const char *size, const char *codec, char **props) {
  int w, h;
  CHECK(sscanf(size, "%dx%d", &w, &h) == 2, "--size %s: expected WxH", size);
  char *need[] = {"qtdemux", "appsink", NULL};
  need_elements(need);

  GError *err = NULL;
  tmpdir = g_dir_make_tmp("sg3-record-XXXXXX", &err);
  CHECK(tmpdir, "mkdtemp: %s", err ? err->message : "");
  char *out = g_build_filename(tmpdir, "out.mp4", NULL);
  char *fps_s = g_strdup_printf("%d", fps);

  GPtrArray *argv = g_ptr_array_new();
  char *fixed[] = {"bash", (char *)script,
                   "-d",   (char *)duration,
                   "-o",   out,
                   "-s",   (char *)size,
                   "-r",   fps_s,
                   "-c",   (char *)codec};
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, fixed[i]);
  g_ptr_array_add(argv, "--");
  for (char **p = props; p && *p; p++)
    g_ptr_array_add(argv, *p);
  g_ptr_array_add(argv, NULL);

  gint64 t0 = g_get_monotonic_time();
  char *so = NULL, *se = NULL;
  int status = run((char **)argv->pdata, 300, &so, &se);
  printf("%s%s", so, se);
  CHECK(status == 0, "record.sh exited with %d", status);
  printf("record.sh took %.1f s\n", (g_get_monotonic_time() - t0) / 1e6);

  int want_frames = (int)(g_ascii_strtod(duration, NULL) * fps + 0.5);
  /* It reports what the demuxer counts in the file. */
  char *said = g_strdup_printf("(%d frames, ", want_frames);
  CHECK(strstr(so, said) || strstr(se, said), "record.sh did not report %s",
        said);
  g_free(said);
  GstClockTime want_dur = gst_util_uint64_scale(want_frames, GST_SECOND, fps);

  /* Duration as players see it. */
  char *uri = gst_filename_to_uri(out, NULL);
  GstDiscoverer *disc = gst_discoverer_new(30 * GST_SECOND, &err);
  CHECK(disc, "discoverer: %s", err ? err->message : "");
  GstDiscovererInfo *info = gst_discoverer_discover_uri(disc, uri, &err);
  CHECK(info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK,
        "discoverer cannot read %s: %s", out, err ? err->message : "?");
  GstClockTime dur = gst_discoverer_info_get_duration(info);
  GList *vs = gst_discoverer_info_get_video_streams(info);
  CHECK(g_list_length(vs) == 1, "%u video streams, expected 1",
        g_list_length(vs));
  GstDiscovererVideoInfo *vi = vs->data;
  printf("discoverer: duration %" GST_TIME_FORMAT ", %ux%u, %u/%u fps\n",
         GST_TIME_ARGS(dur), gst_discoverer_video_info_get_width(vi),
         gst_discoverer_video_info_get_height(vi),
         gst_discoverer_video_info_get_framerate_num(vi),
         gst_discoverer_video_info_get_framerate_denom(vi));
  CHECK(gst_discoverer_video_info_get_width(vi) == (guint)w &&
            gst_discoverer_video_info_get_height(vi) == (guint)h,
        "size %ux%u, expected %s", gst_discoverer_video_info_get_width(vi),
        gst_discoverer_video_info_get_height(vi), size);
  /* One millisecond: the mp4 movie timescale. */
  CHECK(ABS(GST_CLOCK_DIFF(dur, want_dur)) <= GST_MSECOND,
        "duration %" GST_TIME_FORMAT ", expected %" GST_TIME_FORMAT,
        GST_TIME_ARGS(dur), GST_TIME_ARGS(want_dur));
  gst_discoverer_stream_info_list_free(vs);
  gst_discoverer_info_unref(info);
  g_object_unref(disc);

  /* Frames as the demuxer sees them. */
  char *loc = g_strescape(out, NULL);
  char *desc = g_strdup_printf("filesrc location=\"%s\" ! qtdemux"
                               " ! appsink name=sink sync=false",
                               loc);
  GstElement *pipe = launch(desc);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  int n = 0;
  /* PTS can start one frame late (B-frame reordering); the span counts. */
  GstClockTime start = GST_CLOCK_TIME_NONE, end = 0;
  char *caps_name = NULL;
  GstSample *s;
  while (
      (s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND))) {
    GstBuffer *b = gst_sample_get_buffer(s);
    if (!caps_name)
      caps_name = g_strdup(gst_structure_get_name(
          gst_caps_get_structure(gst_sample_get_caps(s), 0)));
    if (GST_BUFFER_PTS_IS_VALID(b) && GST_BUFFER_DURATION_IS_VALID(b)) {
      start = MIN(start, GST_BUFFER_PTS(b));
      end = MAX(end, GST_BUFFER_PTS(b) + GST_BUFFER_DURATION(b));
    }
    n++;
    gst_sample_unref(s);
  }
  check_bus(pipe, "qtdemux");
  CHECK(gst_app_sink_is_eos(GST_APP_SINK(sink)), "no EOS from qtdemux");
  printf("qtdemux: %d frames of %s, from %" GST_TIME_FORMAT
         " to %" GST_TIME_FORMAT "\n",
         n, caps_name, GST_TIME_ARGS(start), GST_TIME_ARGS(end));
  CHECK(n == want_frames, "%d frames, expected %d", n, want_frames);
  CHECK(n > 0 && ABS(GST_CLOCK_DIFF(end - start, want_dur)) <= GST_MSECOND,
        "the frames span %" GST_TIME_FORMAT ", expected %" GST_TIME_FORMAT,
        GST_TIME_ARGS(end - start), GST_TIME_ARGS(want_dur));
  const char *want_caps = !strcmp(codec, "h264")   ? "video/x-h264"
                          : !strcmp(codec, "h265") ? "video/x-h265"
                          : !strcmp(codec, "vp9")  ? "video/x-vp9"
                                                   : "video/x-av1";
  CHECK(caps_name && !strcmp(caps_name, want_caps), "codec %s, expected %s",
        caps_name, want_caps);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipe);

  g_free(caps_name);
  g_free(desc);
  g_free(loc);
  g_free(uri);
  g_free(so);
  g_free(se);
  g_ptr_array_free(argv, TRUE);
  g_free(fps_s);
  g_free(out);
  cleanup();
  printf("PASS\n");
  return 0;
}

/* ---- robustness: stalled clients, URL variants, limits, auth, control ----
 *
 * A raw RTSP client over a GSocket does what players don't: stop reading,
 * SETUP without DESCRIBE, oversized requests, SET_PARAMETER. */

typedef struct {
  GSocket *sock;
  int cseq;
  char *session;
  GString *in;
  gsize data_bytes; /* interleaved RTP/RTCP received */
} Raw;

static int url_port(const char *url) {
  const char *p = strstr(url, "127.0.0.1:");
  CHECK(p, "no loopback port in %s", url);
  return atoi(p + strlen("127.0.0.1:"));
}

static void raw_connect(Raw *r, int port, int rcvbuf) {
  memset(r, 0, sizeof *r);
  GError *err = NULL;
  r->sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &err);
  CHECK(r->sock, "socket: %s", err ? err->message : "");
  /* A small receive buffer: a client that stops reading stalls soon. */
  if (rcvbuf > 0)
    g_socket_set_option(r->sock, SOL_SOCKET, SO_RCVBUF, rcvbuf, NULL);
  g_socket_set_timeout(r->sock, 10);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new(lo, port);
  CHECK(g_socket_connect(r->sock, sa, NULL, &err), "connect: %s", err->message);
  g_object_unref(sa);
  g_object_unref(lo);
  r->in = g_string_new("");
}

static void raw_close(Raw *r) {
  if (r->sock) {
    g_socket_close(r->sock, NULL);
    g_clear_object(&r->sock);
  }
  if (r->in)
    g_string_free(r->in, TRUE);
  r->in = NULL;
  g_clear_pointer(&r->session, g_free);
}

/* Reads more into r->in; FALSE on EOF, error or timeout. */
static gboolean raw_fill(Raw *r) {
  char buf[65536];
  gssize n = g_socket_receive(r->sock, buf, sizeof buf, NULL, NULL);
  if (n <= 0)
    return FALSE;
  g_string_append_len(r->in, buf, n);
  return TRUE;
}

/* Drops interleaved data frames at the start of the input. */
static void raw_skip_data(Raw *r) {
  while (r->in->len >= 4 && r->in->str[0] == '$') {
    gsize len = 4 + ((guint8)r->in->str[2] << 8 | (guint8)r->in->str[3]);
    if (r->in->len < len)
      return;
    r->data_bytes += len - 4;
    g_string_erase(r->in, 0, len);
  }
}

/* Sends METHOD URL with HEADERS (each ending in \r\n) and BODY; returns the
 * status code (0: no answer) and the whole response in *RESPONSE. */
static int raw_request(Raw *r, const char *method, const char *url,
                       const char *headers, const char *body, char **response) {
  GString *q = g_string_new("");
  g_string_append_printf(q, "%s %s RTSP/1.0\r\nCSeq: %d\r\n", method, url,
                         ++r->cseq);
  if (r->session)
    g_string_append_printf(q, "Session: %s\r\n", r->session);
  g_string_append(q, headers ? headers : "");
  if (body)
    g_string_append_printf(q,
                           "Content-Type: text/parameters\r\n"
                           "Content-Length: %zu\r\n",
                           strlen(body));
  g_string_append(q, "\r\n");
  g_string_append(q, body ? body : "");
  gboolean sent =
      g_socket_send(r->sock, q->str, q->len, NULL, NULL) == (gssize)q->len;
  g_string_free(q, TRUE);
  if (response)
    *response = NULL;
  if (!sent)
    return 0;
  for (;;) {
    raw_skip_data(r);
    char *end = r->in->len && r->in->str[0] != '$'
                    ? strstr(r->in->str, "\r\n\r\n")
                    : NULL;
    if (end) {
      gsize head = end + 4 - r->in->str;
      char *h = g_strndup(r->in->str, head);
      char *cl = strcasestr(h, "\ncontent-length:");
      gsize blen = cl ? strtoul(cl + 16, NULL, 10) : 0;
      if (r->in->len >= head + blen) {
        char *resp = g_strndup(r->in->str, head + blen);
        g_string_erase(r->in, 0, head + blen);
        int code = 0;
        sscanf(resp, "RTSP/1.0 %d", &code);
        char *sess = strcasestr(h, "\nsession:");
        if (sess && !r->session) {
          sess += 9;
          while (*sess == ' ')
            sess++;
          r->session = g_strndup(sess, strcspn(sess, ";\r\n"));
        }
        g_free(h);
        if (response)
          *response = resp;
        else
          g_free(resp);
        return code;
      }
      g_free(h);
    }
    if (!raw_fill(r))
      return 0;
  }
}

/* DESCRIBE (unless SKIP_DESCRIBE), SETUP over TCP, PLAY: 200s. */
static void raw_play(Raw *r, const char *url, gboolean skip_describe) {
  if (!skip_describe)
    CHECK(raw_request(r, "DESCRIBE", url, "Accept: application/sdp\r\n", NULL,
                      NULL) == 200,
          "raw DESCRIBE %s failed", url);
  char *setup_url = g_strdup_printf("%s/stream=0", url);
  CHECK(raw_request(r, "SETUP", setup_url,
                    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", NULL,
                    NULL) == 200,
        "raw SETUP %s failed", setup_url);
  g_free(setup_url);
  CHECK(r->session, "no Session in the SETUP response");
  CHECK(raw_request(r, "PLAY", url, "Range: npt=0-\r\n", NULL, NULL) == 200,
        "raw PLAY %s failed", url);
}

static char *start_server_args(const char *server_path, char **args, int n_urls,
                               char ***urls_out) {
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)server_path);
  char *fixed[] = {"--address", "127.0.0.1", "--port", "0"};
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, fixed[i]);
  for (char **a = args; a && *a; a++)
    g_ptr_array_add(argv, *a);
  g_ptr_array_add(argv, NULL);
  lines = g_async_queue_new_full(g_free);
  server = spawn((char **)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_thread_unref(g_thread_new("server-stdout", read_server_stdout,
                              g_subprocess_get_stdout_pipe(server)));
  g_ptr_array_free(argv, TRUE);
  char **urls = g_new0(char *, n_urls + 1);
  for (int i = 0; i < n_urls; i++) {
    urls[i] = wait_line("rtsp", 60);
    CHECK(strstr(urls[i], "://127.0.0.1:"), "unexpected URL %s", urls[i]);
  }
  if (urls_out)
    *urls_out = urls;
  return urls[0];
}

static double client_fps(const Client *c, gint64 since_us, int since_frames) {
  double secs = (c->last_us - since_us) / 1e6;
  return secs > 0 ? (c->frames - since_frames) / secs : 0.0;
}

/* A raw TCP client stops reading after PLAY; a UDP and a TCP viewer must
 * go on at >= 25 frames/s with no gap over a second, the server must drop
 * the stalled client, and a new client must get a picture within 3 s. */
static int mode_stall(const char *server_path, const char *reference, int w,
                      int h, int seconds, char **server_args) {
  Frame ref = {0};
  reference_frame(reference, w, h, &ref);
  char *url = start_server_args(server_path, server_args, 1, NULL);
  Client v[2];
  client_start_proto(&v[0], "udp viewer", url, "udp", NULL);
  client_start_proto(&v[1], "tcp viewer", url, "tcp", NULL);
  receive(v, 2, 15, &ref, 90);

  Raw raw;
  raw_connect(&raw, url_port(url), 4096);
  raw_play(&raw, url, FALSE);
  printf("raw client: playing, now it stops reading\n");
  gint64 t0 = g_get_monotonic_time();
  int f0[2] = {v[0].frames, v[1].frames};
  for (int i = 0; i < 2; i++)
    v[i].max_gap_us = 0;
  gboolean dropped = FALSE;
  double dropped_at = -1;
  gint64 next_keepalive = t0;
  g_socket_set_blocking(raw.sock, FALSE);
  while (g_get_monotonic_time() - t0 < seconds * G_USEC_PER_SEC) {
    /* As a hung NVR does: keep-alives go on, nothing is read. */
    if (g_get_monotonic_time() >= next_keepalive) {
      char *ka = g_strdup_printf("GET_PARAMETER %s RTSP/1.0\r\nCSeq: %d\r\n"
                                 "Session: %s\r\n\r\n",
                                 url, ++raw.cseq, raw.session);
      g_socket_send(raw.sock, ka, strlen(ka), NULL, NULL);
      g_free(ka);
      next_keepalive += G_USEC_PER_SEC;
    }
    for (int i = 0; i < 2; i++)
      client_poll(&v[i], &ref);
    char *line = g_async_queue_try_pop(lines);
    if (line && strstr(line, "dropping client") && !dropped) {
      dropped = TRUE;
      dropped_at = (g_get_monotonic_time() - t0) / 1e6;
    }
    g_free(line);
  }
  for (int i = 0; i < 2; i++) {
    double fps = client_fps(&v[i], t0, f0[i]);
    printf("%s: %.1f frames/s over %d s with a stalled client, longest gap "
           "%.2f s\n",
           v[i].name, fps, seconds, v[i].max_gap_us / 1e6);
    CHECK(fps >= 25.0, "%s fell to %.1f frames/s behind a stalled client",
          v[i].name, fps);
    CHECK(v[i].max_gap_us < G_USEC_PER_SEC, "%s: no frame for %.2f s",
          v[i].name, v[i].max_gap_us / 1e6);
  }
  CHECK(dropped, "the server did not drop the stalled client");
  printf("stalled client dropped %.1f s after it stopped reading\n",
         dropped_at);

  Client late;
  client_start_proto(&late, "new client", url, "tcp", NULL);
  receive(&late, 1, 5, &ref, 30);
  double join = (late.first_us - late.start_us) / 1e6;
  printf("new client: first frame %.2f s after connecting\n", join);
  CHECK(join < 3.0, "a new client waited %.2f s for its first frame", join);

  /* The stalled connection is closed: reading it ends. */
  g_socket_set_blocking(raw.sock, TRUE);
  gsize before = raw.data_bytes;
  while (raw_fill(&raw))
    raw_skip_data(&raw), g_string_truncate(raw.in, 0);
  printf("raw client: connection closed by the server (%zu bytes read)\n",
         before);
  raw_close(&raw);
  client_stop(&late);
  for (int i = 0; i < 2; i++)
    client_stop(&v[i]);
  stop_server(SIGTERM, 15);
  frame_clear(&ref);
  cleanup();
  printf("PASS\n");
  return 0;
}

/* Four clients on URL variants (a query string, a trailing slash, SETUP
 * without DESCRIBE) share one generator; PLAY spam from one session forces
 * no more key frames than the rate limit. */
static int mode_share(const char *server_path, const char *reference,
                      char **server_args) {
  Frame ref = {0};
  reference_frame(reference, 64, 64, &ref);
  char *url = start_server_args(server_path, server_args, 1, NULL);
  char *variants[] = {url, g_strdup_printf("%s?k=1", url),
                      g_strdup_printf("%s/", url)};
  Client c[3];
  const char *names[] = {"plain URL", "query string", "trailing slash"};
  for (int i = 0; i < 3; i++)
    client_start_proto(&c[i], names[i], variants[i], "tcp", NULL);
  receive(c, 3, 10, &ref, 90);
  Raw raw;
  raw_connect(&raw, url_port(url), 0);
  raw_play(&raw, url, TRUE);
  gint64 t = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (raw.data_bytes < 2000 && g_get_monotonic_time() < t && raw_fill(&raw))
    raw_skip_data(&raw);
  printf("SETUP without DESCRIBE: %zu bytes of RTP\n", raw.data_bytes);
  CHECK(raw.data_bytes >= 2000, "SETUP without DESCRIBE got no stream");
  int started = g_atomic_int_get(&started_count);
  printf("generators started for 4 clients on URL variants: %d\n", started);
  CHECK(started == 1, "%d generators for one stream, expected 1", started);

  /* Key frames a viewer sees in 5 s while the raw session sends PLAY 20
   * times a second. The key frame interval is 10 s (--key-int 300), so
   * only forced ones count: the rate limit allows one a second. */
  char *desc = g_strdup_printf(
      "rtspsrc location=%s protocols=tcp latency=0 ! rtph264depay"
      " ! h264parse ! video/x-h264,alignment=au ! appsink name=sink"
      " sync=false",
      url);
  GstElement *pipe = launch(desc);
  g_free(desc);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GstSample *s =
      gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND);
  CHECK(s, "key frame counter: no frames");
  gst_sample_unref(s);
  int keys = 0, frames = 0;
  gint64 t0 = g_get_monotonic_time(), next_play = t0;
  while (g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC) {
    if (g_get_monotonic_time() >= next_play) {
      CHECK(raw_request(&raw, "PLAY", url, NULL, NULL, NULL) == 200,
            "PLAY spam: no 200");
      next_play += G_USEC_PER_SEC / 20;
    }
    s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_MSECOND);
    if (s) {
      frames++;
      if (!GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(s),
                                  GST_BUFFER_FLAG_DELTA_UNIT))
        keys++;
      gst_sample_unref(s);
    }
  }
  printf("PLAY 20/s for 5 s: %d key frames in %d frames\n", keys, frames);
  CHECK(frames >= 100, "only %d frames in 5 s", frames);
  CHECK(keys <= 7, "%d key frames in 5 s under PLAY spam, expected <= 7", keys);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  raw_close(&raw);
  for (int i = 0; i < 3; i++)
    client_stop(&c[i]);
  stop_server(SIGTERM, 15);
  g_free(variants[1]);
  g_free(variants[2]);
  frame_clear(&ref);
  cleanup();
  printf("PASS\n");
  return 0;
}

typedef struct {
  int port;
  gsize sent;
  double closed_after; /* s; < 0 while still open */
} Flood;

/* Sends a request line with a header of 16 MB, as fast as the server
 * takes it, until the server closes the connection. */
static gpointer flood_thread(gpointer data) {
  Flood *f = data;
  Raw r;
  raw_connect(&r, f->port, 0);
  /* Small: what "sent" counts is then close to what the server took. */
  g_socket_set_option(r.sock, SOL_SOCKET, SO_SNDBUF, 65536, NULL);
  const char *head = "DESCRIBE rtsp://127.0.0.1/sg3 RTSP/1.0\r\nCSeq: 1\r\n"
                     "X-Junk: ";
  g_socket_send(r.sock, head, strlen(head), NULL, NULL);
  char chunk[16384];
  memset(chunk, 'a', sizeof chunk);
  gint64 t0 = g_get_monotonic_time();
  f->closed_after = -1;
  g_socket_set_timeout(r.sock, 1);
  while (f->sent < 16u << 20 &&
         g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC) {
    /* The server's FIN (or an answer) ends the flood. */
    if (g_socket_condition_check(r.sock, G_IO_IN | G_IO_HUP | G_IO_ERR))
      break;
    GError *err = NULL;
    gssize n = g_socket_send(r.sock, chunk, sizeof chunk, NULL, &err);
    if (n <= 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
      g_clear_error(&err);
      continue;
    }
    g_clear_error(&err);
    if (n <= 0)
      break;
    f->sent += n;
  }
  /* Closed: the send failed or the server's FIN came; read to the end. */
  while (g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC) {
    GError *err = NULL;
    char buf[4096];
    gssize n = g_socket_receive(r.sock, buf, sizeof buf, NULL, &err);
    gboolean timeout = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_clear_error(&err);
    if (n <= 0 && !timeout)
      break;
  }
  f->closed_after = (g_get_monotonic_time() - t0) / 1e6;
  raw_close(&r);
  return NULL;
}

/* Oversized requests are refused quickly while another client is served;
 * bodies over the limit too; --max-clients. */
static int mode_limits(const char *server_path, char **server_args) {
  char *url = start_server_args(server_path, server_args, 1, NULL);
  int port = url_port(url);
  Flood f = {.port = port};
  GThread *t = g_thread_new("flood", flood_thread, &f);
  g_usleep(200000);
  /* Meanwhile another client's requests. */
  double worst = 0;
  for (int i = 0; i < 5; i++) {
    Raw r;
    raw_connect(&r, port, 0);
    gint64 t0 = g_get_monotonic_time();
    int code = raw_request(&r, "OPTIONS", url, NULL, NULL, NULL);
    double dt = (g_get_monotonic_time() - t0) / 1e6;
    worst = MAX(worst, dt);
    CHECK(code == 200, "OPTIONS during the flood: %d", code);
    raw_close(&r);
    g_usleep(100000);
  }
  g_thread_join(t);
  printf("16 MB header line: connection closed after %.2f s, %zu bytes "
         "taken; another client's OPTIONS took at most %.3f s meanwhile\n",
         f.closed_after, f.sent, worst);
  CHECK(f.sent < 4u << 20, "the server took %zu bytes of one header line",
        f.sent);
  CHECK(f.closed_after >= 0 && f.closed_after < 3.0,
        "the flooding client was not cut off within 3 s");
  CHECK(worst < 1.0, "another client waited %.2f s during the flood", worst);

  /* A body over the limit: refused before it is read. */
  Raw r;
  raw_connect(&r, port, 0);
  char *resp = NULL;
  int code = raw_request(&r, "SET_PARAMETER", url,
                         "Content-Length: 100000000\r\n", NULL, &resp);
  printf("Content-Length 100000000: %d\n", code);
  CHECK(code == 413 || code == 0, "an oversized body got %d", code);
  g_free(resp);
  raw_close(&r);

  /* --max-clients 2 (from the arguments): a third session gets 503. */
  Raw p[3];
  for (int i = 0; i < 2; i++) {
    raw_connect(&p[i], port, 0);
    raw_play(&p[i], url, FALSE);
  }
  raw_connect(&p[2], port, 0);
  raw_request(&p[2], "DESCRIBE", url, NULL, NULL, NULL);
  char *setup_url = g_strdup_printf("%s/stream=0", url);
  code = raw_request(&p[2], "SETUP", setup_url,
                     "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", NULL,
                     NULL);
  printf("third client with --max-clients 2: SETUP %d\n", code);
  CHECK(code == 503, "a third client got %d, expected 503", code);
  g_free(setup_url);
  for (int i = 0; i < 3; i++)
    raw_close(&p[i]);
  stop_server(SIGTERM, 15);
  cleanup();
  printf("PASS\n");
  return 0;
}

/* Waits until the client has a frame or an error (FALSE). */
static gboolean client_gets_frame(Client *c, const Frame *ref, int timeout_s) {
  gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) {
    GstBus *bus = gst_element_get_bus(c->pipe);
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    if (m) {
      GError *e = NULL;
      gst_message_parse_error(m, &e, NULL);
      printf("%s: error: %s\n", c->name, e->message);
      g_error_free(e);
      gst_message_unref(m);
      return FALSE;
    }
    client_poll(c, ref);
    if (c->frames)
      return TRUE;
  }
  return FALSE;
}

static void make_cert(const char *dir, char **cert, char **key) {
  *cert = g_build_filename(dir, "cert.pem", NULL);
  *key = g_build_filename(dir, "key.pem", NULL);
  char *argv[] = {"openssl", "req",   "-x509", "-newkey", "rsa:2048",
                  "-nodes",  "-days", "1",     "-subj",   "/CN=127.0.0.1",
                  "-keyout", *key,    "-out",  *cert,     NULL};
  CHECK(run(argv, 60, NULL, NULL) == 0, "openssl could not make a cert");
}

/* Users: rtspsrc and ffmpeg with the right password watch; without one,
 * or with a wrong one, 401; SET_PARAMETER too. Then RTSPS. */
static int mode_auth(const char *server_path, const char *reference,
                     char **server_args) {
  Frame ref = {0};
  reference_frame(reference, 64, 64, &ref);
  GPtrArray *args = g_ptr_array_new();
  g_ptr_array_add(args, "--user");
  g_ptr_array_add(args, "alice:s3cret");
  for (char **a = server_args; a && *a; a++)
    g_ptr_array_add(args, *a);
  g_ptr_array_add(args, NULL);
  char *url = start_server_args(server_path, (char **)args->pdata, 1, NULL);
  int port = url_port(url);

  Raw r;
  raw_connect(&r, port, 0);
  char *resp = NULL;
  int code = raw_request(&r, "DESCRIBE", url, NULL, NULL, &resp);
  printf("DESCRIBE without credentials: %d\n", code);
  CHECK(code == 401 && strstr(resp, "WWW-Authenticate: Digest"),
        "DESCRIBE without credentials: %d, expected 401 with Digest", code);
  g_free(resp);
  /* Basic is not offered (digest only by default). */
  code = raw_request(&r, "DESCRIBE", url,
                     "Authorization: Basic YWxpY2U6czNjcmV0\r\n", NULL, NULL);
  printf("DESCRIBE with Basic credentials (digest only): %d\n", code);
  CHECK(code == 401, "Basic accepted on a digest server: %d", code);
  code = raw_request(&r, "SET_PARAMETER", url, NULL, "seed: 5\r\n", NULL);
  printf("SET_PARAMETER without credentials: %d\n", code);
  CHECK(code == 401, "SET_PARAMETER without credentials: %d", code);
  raw_close(&r);

  Client c;
  client_start_proto(&c, "rtspsrc alice", url, "tcp",
                     "user-id=alice user-pw=s3cret");
  CHECK(client_gets_frame(&c, &ref, 30), "rtspsrc with the password: no frame");
  printf("rtspsrc with the right password: frames\n");
  client_stop(&c);
  client_start_proto(&c, "rtspsrc wrong", url, "tcp",
                     "user-id=alice user-pw=guess");
  CHECK(!client_gets_frame(&c, &ref, 15), "a wrong password got frames");
  client_stop(&c);
  client_start_proto(&c, "rtspsrc anonymous", url, "tcp", NULL);
  CHECK(!client_gets_frame(&c, &ref, 15), "no password got frames");
  client_stop(&c);

  char *cred = g_strdup_printf("rtsp://alice:s3cret@127.0.0.1:%d/sg3", port);
  char *rtsp_tcp[] = {"-rtsp_transport", "tcp", "-i", cred, NULL};
  ffmpeg_check("ffmpeg digest", rtsp_tcp, 64, 64, 10);
  g_free(cred);
  stop_server(SIGTERM, 15);
  g_ptr_array_free(args, TRUE);

  /* RTSPS with the same user. */
  char *openssl = g_find_program_in_path("openssl");
  if (!openssl) {
    printf("openssl not installed: RTSPS not tested\n");
  } else {
    GError *err = NULL;
    tmpdir = g_dir_make_tmp("sg3-rtsps-XXXXXX", &err);
    CHECK(tmpdir, "mkdtemp: %s", err ? err->message : "");
    char *cert, *key;
    make_cert(tmpdir, &cert, &key);
    GPtrArray *a2 = g_ptr_array_new();
    char *fixed[] = {"--user", "alice:s3cret", "--tls-cert",
                     cert,     "--tls-key",    key};
    for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
      g_ptr_array_add(a2, fixed[i]);
    for (char **a = server_args; a && *a; a++)
      g_ptr_array_add(a2, *a);
    g_ptr_array_add(a2, NULL);
    char *surl = start_server_args(server_path, (char **)a2->pdata, 1, NULL);
    CHECK(g_str_has_prefix(surl, "rtsps://"), "TLS server URL %s", surl);
    client_start_proto(&c, "rtspsrc rtsps", surl, "tcp",
                       "user-id=alice user-pw=s3cret tls-validation-flags=0");
    CHECK(client_gets_frame(&c, &ref, 30), "RTSPS: no frame");
    printf("rtspsrc over RTSPS with the password: frames\n");
    client_stop(&c);
    /* Plain RTSP to the TLS port: no answer. */
    raw_connect(&r, url_port(surl), 0);
    code = raw_request(&r, "OPTIONS", surl, NULL, NULL, NULL);
    printf("plain RTSP to the RTSPS port: %d\n", code);
    CHECK(code == 0, "plain RTSP answered on the RTSPS port: %d", code);
    raw_close(&r);
    stop_server(SIGTERM, 15);
    g_free(cert);
    g_free(key);
    g_ptr_array_free(a2, TRUE);
    g_free(openssl);
  }
  frame_clear(&ref);
  cleanup();
  printf("PASS\n");
  return 0;
}

/* Receives until a frame matches WANT (PSNR >= MIN_DB); returns the frames
 * it took, or -1 after TIMEOUT_S. */
static int frames_until_match(Client *c, const Frame *want, double min_db,
                              int timeout_s) {
  gint64 end = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
  int n = 0;
  while (g_get_monotonic_time() < end) {
    check_bus(c->pipe, c->name);
    GstSample *s =
        gst_app_sink_try_pull_sample(GST_APP_SINK(c->sink), 10 * GST_MSECOND);
    if (!s)
      continue;
    Frame f = {0};
    frame_from_sample(s, &f);
    gst_sample_unref(s);
    double q = psnr(&f, want);
    frame_clear(&f);
    n++;
    if (q >= min_db)
      return n;
  }
  return -1;
}

/* Two mounts, two models; SET_PARAMETER changes the next frames of one
 * mount to the element's frame for the new setting, GET_PARAMETER reads
 * it back; bad values change nothing. */
static int mode_control(const char *server_path, const char *model_b,
                        char **server_args) {
  char *mount_a = g_strdup("/a seed=3 class=7");
  char *mount_b = g_strdup_printf("/b model=%s seed=4", model_b);
  GPtrArray *args = g_ptr_array_new();
  char *fixed[] = {"--mount", mount_a, "--mount", mount_b};
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(args, fixed[i]);
  for (char **a = server_args; a && *a; a++)
    g_ptr_array_add(args, *a);
  g_ptr_array_add(args, NULL);
  char **urls = NULL;
  start_server_args(server_path, (char **)args->pdata, 2, &urls);
  CHECK(g_str_has_suffix(urls[0], "/a") && g_str_has_suffix(urls[1], "/b"),
        "URLs %s %s", urls[0], urls[1]);

  Frame ra = {0}, rb = {0}, ra5 = {0};
  reference_frame("sg3src seed=3 class=7", 64, 64, &ra);
  char *frag_b = g_strdup_printf("sg3src model=%s seed=4", model_b);
  reference_frame(frag_b, 64, 64, &rb);
  reference_frame("sg3src seed=5 class=7", 64, 64, &ra5);
  printf("reference PSNR a vs b %.1f dB, seed 3 vs seed 5 %.1f dB\n",
         psnr(&ra, &rb), psnr(&ra, &ra5));
  CHECK(psnr(&ra, &rb) < 25 && psnr(&ra, &ra5) < 25,
        "the references are too alike to tell the mounts apart");

  Client a, b;
  client_start_proto(&a, "mount /a", urls[0], "tcp", NULL);
  client_start_proto(&b, "mount /b", urls[1], "tcp", NULL);
  receive(&a, 1, 10, &ra, 90);
  receive(&b, 1, 10, &rb, 90);
  client_report(&a);
  client_report(&b);
  CHECK(a.psnr_min >= 35 && b.psnr_min >= 35,
        "the mounts do not serve their own models (%.1f, %.1f dB)", a.psnr_min,
        b.psnr_min);

  Raw r;
  raw_connect(&r, url_port(urls[0]), 0);
  char *resp = NULL;
  int code =
      raw_request(&r, "SET_PARAMETER", urls[0], NULL, "seed: 5\r\n", &resp);
  printf("SET_PARAMETER seed: 5 -> %d\n", code);
  CHECK(code == 200, "SET_PARAMETER: %d\n%s", code, resp);
  g_free(resp);
  int n = frames_until_match(&a, &ra5, 35, 10);
  printf("mount /a shows seed 5 after %d frames\n", n);
  CHECK(n > 0 && n <= 30,
        "SET_PARAMETER seed: 5 did not reach the stream "
        "within 30 frames (%d)",
        n);
  /* The other mount is untouched. */
  receive(&b, 1, b.frames + 10, &rb, 30);
  CHECK(b.psnr_min >= 35, "mount /b changed with /a (%.1f dB)", b.psnr_min);

  code =
      raw_request(&r, "GET_PARAMETER", urls[0], NULL, "seed\r\npsi\r\n", &resp);
  printf("GET_PARAMETER -> %d: %s\n", code, strstr(resp, "\r\n\r\n") + 4);
  CHECK(code == 200 && strstr(resp, "seed: 5\r\n") &&
            strstr(resp, "psi: 1\r\n"),
        "GET_PARAMETER: %s", resp);
  g_free(resp);

  const char *bad[] = {"psi: abc\r\n", "seed: -4\r\n", "model: /etc/passwd\r\n",
                       "no-such: 1\r\n", "seed: 6\r\nrotate: x\r\n"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    code = raw_request(&r, "SET_PARAMETER", urls[0], NULL, bad[i], &resp);
    char *body = strstr(resp, "\r\n\r\n");
    body = g_strchomp(body ? body + 4 : resp);
    printf("SET_PARAMETER %.*s -> %d: %s\n", (int)strcspn(bad[i], "\r"), bad[i],
           code, body);
    CHECK(strchr(bad[i], ':') &&
              !strncmp(body, bad[i] + (i == 4 ? 9 : 0),
                       strcspn(bad[i] + (i == 4 ? 9 : 0), ":")),
          "the error does not name the parameter: %s", body);
    CHECK(code == 451, "bad SET_PARAMETER got %d", code);
    g_free(resp);
  }
  code = raw_request(&r, "GET_PARAMETER", urls[0], NULL, "seed\r\n", &resp);
  CHECK(code == 200 && strstr(resp, "seed: 5\r\n"),
        "a refused SET_PARAMETER changed seed: %s", resp);
  g_free(resp);

  /* With nobody watching /a its generator stops; a change then waits for
   * the next one. */
  client_stop(&a);
  CHECK(wait_count(&stopped_count, 1, 20), "/a's generator did not stop");
  code = raw_request(&r, "SET_PARAMETER", urls[0], NULL, "seed: 6\r\n", NULL);
  printf("SET_PARAMETER seed: 6 with no generator running -> %d\n", code);
  CHECK(code == 200, "SET_PARAMETER without a generator: %d", code);
  Frame ra6 = {0};
  reference_frame("sg3src seed=6 class=7", 64, 64, &ra6);
  client_start_proto(&a, "mount /a again", urls[0], "tcp", NULL);
  receive(&a, 1, 5, &ra6, 60);
  client_report(&a);
  CHECK(a.psnr_min >= 35, "the restarted generator ignored seed: 6 (%.1f dB)",
        a.psnr_min);
  frame_clear(&ra6);
  raw_close(&r);

  client_stop(&a);
  client_stop(&b);
  stop_server(SIGTERM, 15);
  frame_clear(&ra);
  frame_clear(&rb);
  frame_clear(&ra5);
  g_free(frag_b);
  g_free(mount_a);
  g_free(mount_b);
  g_strfreev(urls);
  g_ptr_array_free(args, TRUE);
  cleanup();
  printf("PASS\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char *server_path = NULL, *reference = NULL, *script = NULL;
  char *duration = g_strdup("2"), *size = g_strdup("128x128");
  char *codec = g_strdup("h264");
  char **need = NULL, **require = NULL;
  gboolean sigint = FALSE;
  char *ready = NULL, *client = NULL, *ffmpeg_input = NULL;
  int width = 256, height = 256, frames = 60, fps = 30;
  double min_psnr = 30.0;
  GOptionEntry entries[] = {
      {"server", 0, 0, G_OPTION_ARG_FILENAME, &server_path, "server", "PATH"},
      {"reference", 0, 0, G_OPTION_ARG_STRING, &reference, "reference source",
       "FRAG"},
      {"width", 0, 0, G_OPTION_ARG_INT, &width, "stream width", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &height, "stream height", "H"},
      {"frames", 0, 0, G_OPTION_ARG_INT, &frames, "frames to receive", "N"},
      {"min-psnr", 0, 0, G_OPTION_ARG_DOUBLE, &min_psnr, "PSNR threshold",
       "DB"},
      {"sigint", 0, 0, G_OPTION_ARG_NONE, &sigint,
       "stream: stop the server with SIGINT (default SIGTERM)", NULL},
      {"need", 0, 0, G_OPTION_ARG_STRING_ARRAY, &need,
       "skip (77) without this element", "E"},
      {"require", 0, 0, G_OPTION_ARG_STRING_ARRAY, &require,
       "fail without this element (ours: sg3src)", "E"},
      {"script", 0, 0, G_OPTION_ARG_FILENAME, &script, "record.sh", "PATH"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "seconds", "S"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "frame rate", "N"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "record size", "WxH"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &codec, "record codec", "C"},
      {"ready", 0, 0, G_OPTION_ARG_STRING, &ready,
       "script: stdout line prefix that says it streams", "TEXT"},
      {"client", 0, 0, G_OPTION_ARG_STRING, &client,
       "script: client pipeline ending in appsink name=sink", "LAUNCH"},
      {"ffmpeg-input", 0, 0, G_OPTION_ARG_STRING, &ffmpeg_input,
       "script: ffmpeg input options", "ARGS"},
      {NULL}};
  GOptionContext *ctx =
      g_option_context_new("stream|options|script|record [-- ARGS]");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    printf("FAIL: %s\n", err->message);
    return 1;
  }
  g_option_context_free(ctx);
  gst_init(NULL, NULL);
  if (argc < 2) {
    printf("FAIL: no mode (stream, options, script or record)\n");
    return 1;
  }
  const char *mode = argv[1];
  char **rest = argv + 2;
  if (*rest && !strcmp(*rest, "--"))
    rest++;
  need_elements(need);
  for (char **r = require; r && *r; r++) {
    GstElementFactory *f = gst_element_factory_find(*r);
    CHECK(f, "GStreamer element '%s' not found (GST_PLUGIN_PATH=%s)", *r,
          g_getenv("GST_PLUGIN_PATH"));
    gst_object_unref(f);
  }

  if (!strcmp(mode, "stream")) {
    CHECK(server_path && reference, "stream needs --server and --reference");
    return mode_stream(server_path, reference, width, height, min_psnr, frames,
                       sigint ? SIGINT : SIGTERM, rest);
  }
  if (!strcmp(mode, "options")) {
    CHECK(server_path, "options needs --server");
    GstElementFactory *f = gst_element_factory_find("sg3src");
    if (f)
      gst_object_unref(f);
    return mode_options(server_path, f != NULL);
  }
  if (!strcmp(mode, "script")) {
    CHECK(script && ready && client && reference,
          "script needs --script, --ready, --client and --reference");
    return mode_script(script, ready, client, ffmpeg_input, reference, width,
                       height, min_psnr, frames, rest);
  }
  if (!strcmp(mode, "stall"))
    return mode_stall(server_path, reference, width, height, frames, rest);
  if (!strcmp(mode, "share"))
    return mode_share(server_path, reference, rest);
  if (!strcmp(mode, "limits"))
    return mode_limits(server_path, rest);
  if (!strcmp(mode, "auth"))
    return mode_auth(server_path, reference, rest);
  if (!strcmp(mode, "control"))
    return mode_control(server_path, reference, rest);
  if (!strcmp(mode, "record")) {
    CHECK(script, "record needs --script");
    return mode_record(script, duration, fps, size, codec, rest);
  }
  fail("unknown mode '%s'", mode);
}
