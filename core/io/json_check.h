/* A look at JSON text before a recursive parser (json-glib's) sees it:
 * without recursion, in one pass, it checks what would crash the parser or
 * make a file mean different things to different readers. */
#ifndef SG3_JSON_CHECK_H
#define SG3_JSON_CHECK_H

#include <stddef.h>

/* Deeper than any model file needs (safetensors headers are 3 deep,
 * init_kwargs 2 or 3) and far from what overflows json-glib's stack. */
#define SG3_JSON_MAX_DEPTH 64

typedef struct {
  int max_depth;           /* arrays and objects open at once; 0: the default */
  size_t max_values;       /* values of any kind, in all; 0: no limit */
  size_t max_root_members; /* members of a root object; 0: no limit */
} sg3_json_limits;

/* Checks that `text` (`len` bytes, NUL-terminated or not) is one JSON value
 * (RFC 8259, UTF-8, surrounding whitespace allowed) within the limits, with
 * no object that has the same key twice (after unescaping) and no NUL
 * character in any string (raw or \u0000), so that json-glib, which lets
 * the last duplicate win and cuts strings at NUL, reads what every other
 * reader reads. Returns 0, or -1 with a message that gives the byte offset:
 * SG3_ERR_TOO_LARGE for the limits, SG3_ERR_CORRUPT otherwise. `limits` may
 * be NULL (the default depth, no other limit). */
int sg3_json_check(const char *text, size_t len, const sg3_json_limits *limits,
                   char **error);

/* The same with only a depth limit (0: SG3_JSON_MAX_DEPTH): what to call
 * on init_kwargs before json_parser_load_from_data. */
int sg3_json_check_depth(const char *text, size_t len, int max_depth,
                         char **error);

#endif
