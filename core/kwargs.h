/* The official constructors' keyword arguments (init_kwargs, as JSON):
 * numbers within bounds, with messages that name the key. Shared by the
 * families' config parsers. */
#ifndef SG3_KWARGS_H
#define SG3_KWARGS_H

#include <json-glib/json-glib.h>

/* An int, float or bool as a finite double. */
int sg3_kw_number(JsonNode *n, const char *key, double *out, char **error);
/* An integral number in [lo, hi]. */
int sg3_kw_int(JsonNode *n, const char *key, int lo, int hi, int *out,
               char **error);
/* A number in [lo, hi]. */
int sg3_kw_real(JsonNode *n, const char *key, double lo, double hi, double *out,
                char **error);
/* A bool (or a number, as Python's truth value). */
int sg3_kw_bool(JsonNode *n, const char *key, int *out, char **error);
/* A string; *out points into the node. */
int sg3_kw_string(JsonNode *n, const char *key, const char **out, char **error);

/* Parses init_kwargs into `parser`; the root object, or NULL with an
 * error. */
JsonObject *sg3_kw_parse(JsonParser *parser, const char *json, char **error);

#endif
