/* sg3src's own latents (issue 11): the seeds and classes lists and the
 * latents, mix-latents and direction files, read for the model in use. An
 * Sg3Inputs is immutable once made and reference-counted: the element makes
 * a new one when a list or file property changes and hands it to the
 * renderer, which keeps the newest. */
#ifndef SG3_INPUTS_H
#define SG3_INPUTS_H

#include <gst/gst.h>

#include "sg3.h"

typedef struct {
  guint32 *seeds; /* the seeds property, or NULL */
  gint n_seeds;
  gint *classes; /* the classes property, or NULL */
  gint n_classes;
  sg3_latents latents;     /* latents=FILE (count 0: none) */
  sg3_latents mix_latents; /* mix-latents=FILE */
  sg3_latents direction;   /* direction=FILE as one direction, if it is */
  sg3_latents directions;  /* the same as a list ([K, w_dim], ...), if it is */
} Sg3Inputs;

/* The file and list properties, as set. */
typedef struct {
  gchar *latents, *mix_latents, *direction; /* paths or NULL */
  gchar *seeds, *classes;                   /* lists or NULL */
} Sg3InputSpec;

void sg3_input_spec_clear(Sg3InputSpec *spec);

/* "3,7,12-20" into at most 65536 values of at most max; FALSE if it does
 * not parse. An empty or NULL string is an empty list. */
gboolean sg3_parse_list(const gchar *s, guint32 max, guint32 **values, gint *n);
/* "0-6", "3" or "3-" (to the last row); "" = every row. */
gboolean sg3_parse_rows(const gchar *s, gint *first, gint *last);

/* Reads the spec's files for the model. On failure NULL, with *error a
 * message naming the file and *code its libsg3 status. */
Sg3Inputs *sg3_inputs_new(const Sg3InputSpec *spec, const sg3_model *model,
                          char **error, sg3_status *code);
Sg3Inputs *sg3_inputs_ref(Sg3Inputs *in);
void sg3_inputs_unref(Sg3Inputs *in);

#endif
