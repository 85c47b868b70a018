/* sg3src's lists and latent files (sg3inputs.h). */
#include "sg3inputs.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LIST 65536

void sg3_input_spec_clear(Sg3InputSpec *spec) {
  g_free(spec->latents);
  g_free(spec->mix_latents);
  g_free(spec->direction);
  g_free(spec->seeds);
  g_free(spec->classes);
  memset(spec, 0, sizeof *spec);
}

static gboolean parse_uint(const gchar *s, guint32 max, guint32 *out) {
  while (*s == ' ')
    s++;
  if (*s < '0' || *s > '9')
    return FALSE;
  gchar *end;
  guint64 v = g_ascii_strtoull(s, &end, 10);
  while (*end == ' ')
    end++;
  if (*end || v > max)
    return FALSE;
  *out = (guint32)v;
  return TRUE;
}

gboolean sg3_parse_list(const gchar *s, guint32 max, guint32 **values,
                        gint *n) {
  *values = NULL;
  *n = 0;
  if (!s || !*s)
    return TRUE;
  gchar **parts = g_strsplit(s, ",", -1);
  GArray *a = g_array_new(FALSE, FALSE, sizeof(guint32));
  gboolean ok = TRUE;
  for (gchar **p = parts; *p && ok; p++) {
    guint32 lo, hi;
    gchar *dash = strchr(*p, '-');
    if (dash) {
      *dash = '\0';
      ok = parse_uint(*p, max, &lo) && parse_uint(dash + 1, max, &hi) &&
           hi >= lo && (guint64)hi - lo < MAX_LIST;
    } else {
      ok = parse_uint(*p, max, &lo);
      hi = lo;
    }
    for (guint64 v = lo; ok && v <= hi; v++) {
      if (a->len == MAX_LIST) {
        ok = FALSE;
        break;
      }
      guint32 x = (guint32)v;
      g_array_append_val(a, x);
    }
  }
  g_strfreev(parts);
  if (!ok || a->len == 0) {
    g_array_free(a, TRUE);
    return FALSE;
  }
  *n = (gint)a->len;
  *values = (guint32 *)g_array_free(a, FALSE);
  return TRUE;
}

gboolean sg3_parse_rows(const gchar *s, gint *first, gint *last) {
  if (!s || !*s) {
    *first = 0;
    *last = -1;
    return TRUE;
  }
  guint32 lo, hi;
  gchar *copy = g_strdup(s), *dash = strchr(copy, '-');
  gboolean ok;
  if (dash) {
    *dash = '\0';
    ok = parse_uint(copy, 1 << 20, &lo) &&
         (!dash[1] ? (hi = G_MAXUINT32, TRUE)
                   : parse_uint(dash + 1, 1 << 20, &hi) && hi >= lo);
  } else {
    ok = parse_uint(copy, 1 << 20, &lo);
    hi = lo;
  }
  g_free(copy);
  if (ok) {
    *first = (gint)lo;
    *last = hi == G_MAXUINT32 ? -1 : (gint)hi;
  }
  return ok;
}

static void inputs_clear(gpointer p) {
  Sg3Inputs *in = p;
  g_free(in->seeds);
  g_free(in->classes);
  sg3_latents_clear(&in->latents);
  sg3_latents_clear(&in->mix_latents);
  sg3_latents_clear(&in->direction);
  sg3_latents_clear(&in->directions);
}

Sg3Inputs *sg3_inputs_ref(Sg3Inputs *in) {
  return in ? g_atomic_rc_box_acquire(in) : NULL;
}

void sg3_inputs_unref(Sg3Inputs *in) {
  if (in)
    g_atomic_rc_box_release_full(in, inputs_clear);
}

Sg3Inputs *sg3_inputs_new(const Sg3InputSpec *spec, const sg3_model *model,
                          char **error, sg3_status *code) {
  Sg3Inputs *in = g_atomic_rc_box_new0(Sg3Inputs);
  sg3_status st = SG3_OK;
  *code = SG3_OK;
  guint32 *classes = NULL;
  if (!sg3_parse_list(spec->seeds, G_MAXUINT32, &in->seeds, &in->n_seeds) ||
      !sg3_parse_list(spec->classes, G_MAXINT32, &classes, &in->n_classes)) {
    *error = strdup("a bad seeds or classes list");
    *code = SG3_ERR_INVALID_ARGUMENT;
    sg3_inputs_unref(in);
    return NULL;
  }
  in->classes = (gint *)classes; /* values <= G_MAXINT32 */
  if (spec->latents)
    st = sg3_latents_load(spec->latents, model, 0, &in->latents, error);
  if (st == SG3_OK && spec->mix_latents)
    st = sg3_latents_load(spec->mix_latents, model, 0, &in->mix_latents, error);
  if (st == SG3_OK && spec->direction) {
    /* One direction ([w_dim], [num_ws, w_dim]) or several ([K, w_dim],
     * [K, num_ws, w_dim]): either reading may fit, direction-index picks. */
    char *e1 = NULL;
    sg3_status s1 =
        sg3_latents_load(spec->direction, model, 0, &in->direction, &e1);
    sg3_status s2 = sg3_latents_load(spec->direction, model, SG3_LATENTS_LIST,
                                     &in->directions, NULL);
    if (s1 != SG3_OK && s2 != SG3_OK) {
      st = s1;
      *error = e1;
    } else {
      free(e1);
    }
  }
  if (st != SG3_OK) {
    *code = st;
    sg3_inputs_unref(in);
    return NULL;
  }
  return in;
}
