/* libFuzzer harness for init_kwargs: sg3_json_check, then what the loader
 * does with text it lets through, json-glib's parser and
 * sg3_config_parse. Whatever the check accepts must not crash them (the
 * check is what keeps json-glib's recursion shallow). */
#include <json-glib/json-glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_check.h"
#include "stylegan3/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *error = NULL;
  if (sg3_json_check((const char *)data, size, NULL, &error)) {
    free(error);
    return 0;
  }
  JsonParser *parser = json_parser_new();
  json_parser_load_from_data(parser, (const char *)data, (gssize)size, NULL);
  g_object_unref(parser);
  /* config.c takes a NUL-terminated string; the check refused NULs. */
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  sg3_config cfg;
  memset(&cfg, 0, sizeof cfg);
  if (sg3_config_parse(text, &cfg, &error) == 0)
    sg3_config_clear(&cfg);
  free(error);
  free(text);
  return 0;
}
