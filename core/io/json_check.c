#include "io/json_check.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

typedef struct {
  char type;        /* '{' or '[' */
  GHashTable *keys; /* of an object: its keys so far, unescaped */
  size_t members;
} frame;

typedef struct {
  const unsigned char *p;
  size_t n, pos;
  char **error;
  GString *key; /* scratch for unescaped keys */
} scanner;

static int fail(scanner *s, sg3_status code, const char *what) {
  return sg3_fail(s->error, code, "%s (at byte %zu)", what, s->pos);
}

static int hex4(const unsigned char *p, unsigned *v) {
  *v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i], d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      d = (c | 0x20) - 'a' + 10;
    else
      return -1;
    *v = *v << 4 | d;
  }
  return 0;
}

/* A string starting at s->pos (the opening quote). With `key`, its
 * unescaped bytes go to s->key. */
static int scan_string(scanner *s, int key) {
  size_t start = s->pos++;
  if (key)
    g_string_truncate(s->key, 0);
  size_t run = s->pos; /* start of the bytes not yet copied to s->key */
  while (s->pos < s->n) {
    unsigned char c = s->p[s->pos];
    if (c == '"') {
      if (key)
        g_string_append_len(s->key, (const char *)s->p + run,
                            (gssize)(s->pos - run));
      s->pos++;
      return 0;
    }
    if (c < 0x20)
      return fail(s, SG3_ERR_CORRUPT,
                  c ? "control character in a JSON string"
                    : "NUL character in a JSON string");
    if (c != '\\') {
      s->pos++;
      continue;
    }
    if (key)
      g_string_append_len(s->key, (const char *)s->p + run,
                          (gssize)(s->pos - run));
    if (s->n - s->pos < 2)
      break;
    unsigned char e = s->p[s->pos + 1];
    const char *plain = strchr("\"\\/bfnrt", e);
    if (e && plain) {
      static const char out[] = "\"\\/\b\f\n\r\t";
      if (key)
        g_string_append_c(s->key, out[plain - "\"\\/bfnrt"]);
      s->pos += 2;
    } else if (e == 'u') {
      unsigned u;
      if (s->n - s->pos < 6 || hex4(s->p + s->pos + 2, &u))
        return fail(s, SG3_ERR_CORRUPT, "bad \\u escape in a JSON string");
      if (u == 0)
        return fail(s, SG3_ERR_CORRUPT, "NUL character in a JSON string");
      s->pos += 6;
      if (key) {
        unsigned lo;
        /* A surrogate pair is one character; a lone surrogate stays a
         * code unit of its own (distinct from any other key). */
        if (u >= 0xd800 && u < 0xdc00 && s->n - s->pos >= 6 &&
            s->p[s->pos] == '\\' && s->p[s->pos + 1] == 'u' &&
            hex4(s->p + s->pos + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
          s->pos += 6;
        }
        char buf[8];
        int k = 0;
        if (u < 0x80) {
          buf[k++] = (char)u;
        } else if (u < 0x800) {
          buf[k++] = (char)(0xc0 | u >> 6);
          buf[k++] = (char)(0x80 | (u & 0x3f));
        } else if (u < 0x10000) {
          buf[k++] = (char)(0xe0 | u >> 12);
          buf[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
          buf[k++] = (char)(0x80 | (u & 0x3f));
        } else {
          buf[k++] = (char)(0xf0 | u >> 18);
          buf[k++] = (char)(0x80 | ((u >> 12) & 0x3f));
          buf[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
          buf[k++] = (char)(0x80 | (u & 0x3f));
        }
        g_string_append_len(s->key, buf, k);
      }
    } else {
      return fail(s, SG3_ERR_CORRUPT, "bad escape in a JSON string");
    }
    run = s->pos;
  }
  s->pos = start;
  return fail(s, SG3_ERR_CORRUPT, "unterminated JSON string");
}

static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

static int scan_number(scanner *s) {
  size_t i = s->pos;
  if (i < s->n && s->p[i] == '-')
    i++;
  if (i < s->n && s->p[i] == '0')
    i++;
  else if (i < s->n && is_digit(s->p[i]))
    while (i < s->n && is_digit(s->p[i]))
      i++;
  else
    return fail(s, SG3_ERR_CORRUPT, "bad JSON number");
  if (i < s->n && s->p[i] == '.') {
    if (++i >= s->n || !is_digit(s->p[i]))
      return fail(s, SG3_ERR_CORRUPT, "bad JSON number");
    while (i < s->n && is_digit(s->p[i]))
      i++;
  }
  if (i < s->n && (s->p[i] == 'e' || s->p[i] == 'E')) {
    i++;
    if (i < s->n && (s->p[i] == '+' || s->p[i] == '-'))
      i++;
    if (i >= s->n || !is_digit(s->p[i]))
      return fail(s, SG3_ERR_CORRUPT, "bad JSON number");
    while (i < s->n && is_digit(s->p[i]))
      i++;
  }
  s->pos = i;
  return 0;
}

static int scan_literal(scanner *s) {
  static const char *const words[] = {"true", "false", "null"};
  for (int w = 0; w < 3; w++) {
    size_t k = strlen(words[w]);
    if (s->n - s->pos >= k && memcmp(s->p + s->pos, words[w], k) == 0) {
      s->pos += k;
      return 0;
    }
  }
  return fail(s, SG3_ERR_CORRUPT, "unexpected character in JSON");
}

enum { VALUE, VALUE_OR_END, KEY, KEY_OR_END, COLON, AFTER };

int sg3_json_check(const char *text, size_t len, const sg3_json_limits *limits,
                   char **error) {
  int max_depth =
      limits && limits->max_depth > 0 ? limits->max_depth : SG3_JSON_MAX_DEPTH;
  size_t max_values =
      limits && limits->max_values ? limits->max_values : SIZE_MAX;
  size_t max_root =
      limits && limits->max_root_members ? limits->max_root_members : SIZE_MAX;
  scanner s = {(const unsigned char *)text, len, 0, error, NULL};
  const char *bad_utf8;
  if (!g_utf8_validate_len(text, len, &bad_utf8)) {
    s.pos = (size_t)(bad_utf8 - text);
    return fail(&s, SG3_ERR_CORRUPT,
                *bad_utf8 ? "JSON text is not valid UTF-8"
                          : "NUL character in JSON text");
  }
  frame *stack = g_new0(frame, max_depth);
  s.key = g_string_new(NULL);
  int depth = 0, state = VALUE, rc = -1;
  size_t values = 0;
  for (;;) {
    while (s.pos < s.n && (s.p[s.pos] == ' ' || s.p[s.pos] == '\t' ||
                           s.p[s.pos] == '\n' || s.p[s.pos] == '\r'))
      s.pos++;
    if (s.pos == s.n) {
      if (state == AFTER && depth == 0)
        rc = 0;
      else
        fail(&s, SG3_ERR_CORRUPT,
             !depth && state == VALUE ? "empty JSON text"
                                      : "JSON text ends early");
      break;
    }
    unsigned char c = s.p[s.pos];
    frame *top = depth ? &stack[depth - 1] : NULL;
    if ((state == VALUE_OR_END && c == ']') ||
        (state == KEY_OR_END && c == '}') ||
        (state == AFTER && top && c == (top->type == '{' ? '}' : ']'))) {
      if (top->keys)
        g_hash_table_destroy(top->keys);
      top->keys = NULL;
      depth--;
      s.pos++;
      state = AFTER;
      continue;
    }
    if (state == VALUE || state == VALUE_OR_END) {
      if (++values > max_values) {
        fail(&s, SG3_ERR_TOO_LARGE,
             "more values in the JSON text than allowed");
        break;
      }
      if (c == '{' || c == '[') {
        if (depth >= max_depth) {
          sg3_fail(error, SG3_ERR_TOO_LARGE,
                   "JSON nested more than %d levels deep (at byte %zu)",
                   max_depth, s.pos);
          break;
        }
        stack[depth].type = (char)c;
        stack[depth].members = 0;
        stack[depth].keys = NULL;
        depth++;
        s.pos++;
        state = c == '{' ? KEY_OR_END : VALUE_OR_END;
        continue;
      }
      int r = c == '"'                  ? scan_string(&s, 0)
              : c == '-' || is_digit(c) ? scan_number(&s)
                                        : scan_literal(&s);
      if (r)
        break;
      state = AFTER;
    } else if (state == KEY || state == KEY_OR_END) {
      if (c != '"') {
        fail(&s, SG3_ERR_CORRUPT, "expected a string key in a JSON object");
        break;
      }
      size_t at = s.pos;
      if (scan_string(&s, 1))
        break;
      if (depth == 1 && top->members >= max_root) {
        s.pos = at;
        sg3_fail(error, SG3_ERR_TOO_LARGE,
                 "more than %zu entries in the top-level object (at byte "
                 "%zu)",
                 max_root, at);
        break;
      }
      if (!top->keys)
        top->keys =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
      char *k = g_strndup(s.key->str, s.key->len);
      if (!g_hash_table_add(top->keys, k)) {
        char shown[64];
        size_t i = 0;
        for (; i < s.key->len && i < sizeof shown - 4; i++) {
          unsigned char kc = (unsigned char)s.key->str[i];
          shown[i] = kc >= 0x20 && kc < 0x7f ? (char)kc : '?';
        }
        strcpy(shown + i, i < s.key->len ? "..." : "");
        sg3_fail(error, SG3_ERR_CORRUPT,
                 "JSON object has the key \"%s\" twice (at byte %zu)", shown,
                 at);
        break;
      }
      top->members++;
      state = COLON;
    } else if (state == COLON) {
      if (c != ':') {
        fail(&s, SG3_ERR_CORRUPT, "expected ':' in a JSON object");
        break;
      }
      s.pos++;
      state = VALUE;
    } else { /* AFTER */
      if (!top) {
        fail(&s, SG3_ERR_CORRUPT, "data after the JSON value");
        break;
      }
      if (c != ',') {
        fail(&s, SG3_ERR_CORRUPT,
             top->type == '{' ? "expected ',' or '}' in a JSON object"
                              : "expected ',' or ']' in a JSON array");
        break;
      }
      s.pos++;
      state = top->type == '{' ? KEY : VALUE;
    }
  }
  for (int i = 0; i < depth; i++)
    if (stack[i].keys)
      g_hash_table_destroy(stack[i].keys);
  g_free(stack);
  g_string_free(s.key, TRUE);
  return rc;
}

int sg3_json_check_depth(const char *text, size_t len, int max_depth,
                         char **error) {
  sg3_json_limits limits = {.max_depth = max_depth};
  return sg3_json_check(text, len, &limits, error);
}
