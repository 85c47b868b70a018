#include "kwargs.h"

#include <math.h>

#include <string.h>

#include "error.h"
#include "io/json_check.h"

int sg3_kw_number(JsonNode *n, const char *key, double *out, char **error) {
  if (!JSON_NODE_HOLDS_VALUE(n))
    return sg3_set_error(error, "init_kwargs.%s is not a number", key);
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64)
    *out = (double)json_node_get_int(n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double(n);
  else if (t == G_TYPE_BOOLEAN)
    *out = json_node_get_boolean(n);
  else
    return sg3_set_error(error, "init_kwargs.%s is not a number", key);
  if (!isfinite(*out))
    return sg3_set_error(error, "init_kwargs.%s is not finite", key);
  return 0;
}

int sg3_kw_int(JsonNode *n, const char *key, int lo, int hi, int *out,
               char **error) {
  double v;
  if (sg3_kw_number(n, key, &v, error))
    return -1;
  if (v != floor(v) || v < lo || v > hi)
    return sg3_set_error(error,
                         "init_kwargs.%s = %g is out of range (an integer "
                         "from %d to %d)",
                         key, v, lo, hi);
  *out = (int)v;
  return 0;
}

int sg3_kw_real(JsonNode *n, const char *key, double lo, double hi, double *out,
                char **error) {
  if (sg3_kw_number(n, key, out, error))
    return -1;
  if (*out < lo || *out > hi)
    return sg3_set_error(error, "init_kwargs.%s = %g is out of range [%g, %g]",
                         key, *out, lo, hi);
  return 0;
}

int sg3_kw_bool(JsonNode *n, const char *key, int *out, char **error) {
  double b;
  if (sg3_kw_number(n, key, &b, error))
    return -1;
  *out = b != 0;
  return 0;
}

int sg3_kw_string(JsonNode *n, const char *key, const char **out,
                  char **error) {
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return sg3_set_error(error, "init_kwargs.%s is not a string", key);
  *out = json_node_get_string(n);
  return 0;
}

JsonObject *sg3_kw_parse(JsonParser *parser, const char *json, char **error) {
  /* json-glib recurses: refuse deep nesting before it sees the text. */
  if (!json || sg3_json_check_depth(json, strlen(json), 0, error)) {
    sg3_prefix_error(error, "init_kwargs");
    sg3_set_error(error, "init_kwargs is not valid JSON");
    return NULL;
  }
  GError *gerr = NULL;
  if (!json_parser_load_from_data(parser, json, -1, &gerr)) {
    sg3_set_error(error, "init_kwargs is not valid JSON%s%s", gerr ? ": " : "",
                  gerr ? gerr->message : "");
    if (gerr)
      g_error_free(gerr);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    sg3_set_error(error, "init_kwargs is not a JSON object");
    return NULL;
  }
  return json_node_get_object(root);
}
