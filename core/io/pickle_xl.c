/* StyleGAN-XL's generators in a pickle: recognising them, and the layer
 * schedule as JSON from their objects' state (pickle_xl.h). Nothing here
 * runs anything: the objects are the VM's inert pk_obj graph. */
#include "io/pickle_xl.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/pickle_torch.h"
#include "stylegan_xl/schedule.h"

#define XL_MAX_LAYERS 1024
#define XL_MAX_ARRAY 16        /* in_size, padding, ... */
#define XL_MAX_WORK (1u << 26) /* dict entries looked at, in all */
#define XL_MAX_NAME 63

typedef struct {
  GString *s;
  char **error;
  uint64_t work;
} xl_ctx;

/* ---- objects ---- */

/* The __dict__ of a module: a persistent object's meta['state'] or a plain
 * instance's BUILD state; NULL for anything else. */
static const pk_obj *state_of(const pk_obj *o) {
  if (!o)
    return NULL;
  const pk_obj *st = NULL, *meta = pk_torch_persistent(o);
  if (meta)
    st = pk_dict_get(meta, "state");
  else if (o->type == PK_INSTANCE)
    st = o->u.inst.state;
  return st && st->type == PK_DICT ? st : NULL;
}

/* The class name of a module object (persistent: meta['class_name']). */
static int class_is(const pk_obj *o, const char *name) {
  if (!o)
    return 0;
  const pk_obj *meta = pk_torch_persistent(o);
  if (meta)
    return pk_is_str(pk_dict_get(meta, "class_name"), name);
  if (o->type == PK_INSTANCE && o->u.inst.cls &&
      o->u.inst.cls->type == PK_GLOBAL)
    return pk_slice_eq(o->u.inst.cls->u.global.name, name);
  return 0;
}

static int spend(xl_ctx *c, const pk_obj *dict) {
  c->work += dict && dict->type == PK_DICT ? dict->u.seq.n / 2 + 1 : 1;
  if (c->work > XL_MAX_WORK)
    return sg3_set_error(c->error, "G_ema's state is too large");
  return 0;
}

/* dict[key] (the last entry of that key, as Python keeps), NULL if absent;
 * counts the work. */
static const pk_obj *get(xl_ctx *c, const pk_obj *dict, const char *key,
                         int *rc) {
  if (spend(c, dict)) {
    *rc = -1;
    return NULL;
  }
  return pk_dict_get(dict, key);
}

static const pk_obj *get_slice(xl_ctx *c, const pk_obj *dict, pk_slice key,
                               int *rc) {
  if (spend(c, dict)) {
    *rc = -1;
    return NULL;
  }
  if (!dict || dict->type != PK_DICT)
    return NULL;
  for (size_t i = dict->u.seq.n; i >= 2; i -= 2) {
    const pk_obj *k = dict->u.seq.v[i - 2];
    if (k->type == PK_STR && k->u.s.n == key.n &&
        memcmp(k->u.s.p, key.p, key.n) == 0)
      return dict->u.seq.v[i - 1];
  }
  return NULL;
}

/* state['_modules'][key]'s state. */
static const pk_obj *child_state(xl_ctx *c, const pk_obj *state,
                                 const char *key, int *rc) {
  const pk_obj *mods = get(c, state, "_modules", rc);
  return state_of(get(c, mods, key, rc));
}

static const pk_obj *child(xl_ctx *c, const pk_obj *state, const char *key,
                           int *rc) {
  return get(c, get(c, state, "_modules", rc), key, rc);
}

int sg3_pickle_is_xl(const pk_obj *g) {
  if (class_is(g, "SuperresGenerator"))
    return 1;
  if (!class_is(g, "Generator"))
    return 0;
  const pk_obj *mods = pk_dict_get(state_of(g), "_modules");
  const pk_obj *mapping = state_of(pk_dict_get(mods, "mapping"));
  const pk_obj *embed = pk_dict_get(pk_dict_get(mapping, "_modules"), "embed");
  if (embed && embed->type == PK_INSTANCE &&
      pk_is_global(embed->u.inst.cls, "torch.nn.modules.sparse", "Embedding"))
    return 1;
  const pk_obj *meta = pk_torch_persistent(g);
  const pk_obj *src = meta ? pk_dict_get(meta, "module_src") : NULL;
  static const char needle[] = "class SuperresGenerator";
  return src && src->type == PK_STR &&
         memmem(src->u.s.p, src->u.s.n, needle, sizeof needle - 1) != NULL;
}

/* ---- values as JSON ---- */

static void put_key(xl_ctx *c, const char *key, int *first) {
  g_string_append_printf(c->s, "%s\"%s\": ", *first ? "" : ", ", key);
  *first = 0;
}

/* As Python's repr(float): the shortest text that reads back exactly. */
static void put_double(xl_ctx *c, double f) {
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, f);
    if (strtod(buf, NULL) == f)
      break;
  }
  g_string_append(c->s, buf);
  if (!strpbrk(buf, ".eE"))
    g_string_append(c->s, ".0");
}

static int put_scalar(xl_ctx *c, const pk_obj *o, const char *what) {
  switch (o->type) {
  case PK_NONE:
    g_string_append(c->s, "null");
    return 0;
  case PK_BOOL:
    g_string_append(c->s, o->u.i ? "true" : "false");
    return 0;
  case PK_INT:
    g_string_append_printf(c->s, "%lld", (long long)o->u.i);
    return 0;
  case PK_FLOAT:
    if (!isfinite(o->u.f))
      return sg3_fail(c->error, SG3_ERR_CORRUPT, "%s is %g", what, o->u.f);
    put_double(c, o->u.f);
    return 0;
  default:
    return sg3_fail(c->error, SG3_ERR_CORRUPT, "%s is a %s, not a number", what,
                    pk_type_name(o));
  }
}

/* A numpy array of numbers (in_size, out_size: int64 [2]) as a list. */
static int put_ndarray(xl_ctx *c, const pk_ndarray *a, const char *what) {
  const pk_dtype *d = a->dtype ? pk_torch_dtype(a->dtype) : NULL;
  if (!d || d->is_object || a->numel > XL_MAX_ARRAY || a->ndim > 1 ||
      a->data->type != PK_BYTES)
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "%s is a numpy array that is not a short list of numbers",
                    what);
  g_string_append_c(c->s, '[');
  for (size_t i = 0; i < a->numel; i++) {
    int64_t iv = 0;
    double fv = 0;
    int r = sg3_dtype_read_number(d->dtype, a->data->u.s.p + i * d->elem_size,
                                  d->big_endian, &iv, &fv);
    if (r < 0)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "%s is a numpy array of non-numbers", what);
    if (i)
      g_string_append(c->s, ", ");
    if (r == 1)
      g_string_append_printf(c->s, "%lld", (long long)iv);
    else if (!isfinite(fv))
      return sg3_fail(c->error, SG3_ERR_CORRUPT, "%s holds %g", what, fv);
    else
      put_double(c, fv);
  }
  g_string_append_c(c->s, ']');
  return 0;
}

/* A number, bool, None, a short list/tuple of them or a numpy array. */
static int put_value(xl_ctx *c, const pk_obj *o, const char *what) {
  const pk_ndarray *nd = pk_torch_ndarray(o);
  if (nd)
    return put_ndarray(c, nd, what);
  if (o->type != PK_LIST && o->type != PK_TUPLE)
    return put_scalar(c, o, what);
  if (o->u.seq.n > XL_MAX_ARRAY)
    return sg3_fail(c->error, SG3_ERR_CORRUPT, "%s has %zu entries", what,
                    o->u.seq.n);
  g_string_append_c(c->s, '[');
  for (size_t i = 0; i < o->u.seq.n; i++) {
    if (i)
      g_string_append(c->s, ", ");
    if (put_scalar(c, o->u.seq.v[i], what))
      return -1;
  }
  g_string_append_c(c->s, ']');
  return 0;
}

/* state[key] under `as` if present (the family reports missing ones). */
static int put_attr(xl_ctx *c, const pk_obj *state, const char *key,
                    const char *as, const char *owner, int *first) {
  int rc = 0;
  const pk_obj *v = get(c, state, key, &rc);
  if (rc || !v)
    return rc;
  char what[160];
  snprintf(what, sizeof what, "%s.%s", owner, key);
  put_key(c, as ? as : key, first);
  return put_value(c, v, what);
}

static int put_attrs(xl_ctx *c, const pk_obj *state, const char *const *keys,
                     size_t n, const char *owner, int *first) {
  for (size_t i = 0; i < n; i++)
    if (put_attr(c, state, keys[i], NULL, owner, first))
      return -1;
  return 0;
}

/* A layer name: a state_dict key part the family can use as it is. */
static int name_ok(const pk_obj *o) {
  if (!o || o->type != PK_STR || o->u.s.n == 0 || o->u.s.n > XL_MAX_NAME)
    return 0;
  for (size_t i = 0; i < o->u.s.n; i++) {
    uint8_t ch = o->u.s.p[i];
    if (!(ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
          (ch >= 'A' && ch <= 'Z')))
      return 0;
  }
  return 1;
}

/* ---- the schedule ---- */

static const char *const generator_keys[] = {
    "z_dim", "c_dim", "w_dim", "num_ws", "img_resolution", "img_channels"};

static int put_generator(xl_ctx *c, const pk_obj *M, const pk_obj *mapping,
                         const pk_obj *Y, const pk_obj *names) {
  int first = 1, rc = 0;
  g_string_append(c->s, "\"generator\": {");
  if (put_attrs(c, M, generator_keys,
                sizeof generator_keys / sizeof *generator_keys, "G_ema",
                &first) ||
      put_attr(c, Y, "output_scale", NULL, "G_ema.synthesis", &first))
    return -1;
  put_key(c, "layer_names", &first);
  g_string_append_c(c->s, '[');
  for (size_t i = 0; i < names->u.seq.n; i++)
    g_string_append_printf(c->s, "%s\"%.*s\"", i ? ", " : "",
                           (int)names->u.seq.v[i]->u.s.n,
                           (const char *)names->u.seq.v[i]->u.s.p);
  g_string_append_c(c->s, ']');
  if (put_attr(c, mapping, "num_layers", "mapping_num_layers", "G_ema.mapping",
               &first) ||
      put_attr(c, child_state(c, mapping, "fc0", &rc), "bias_gain",
               "mapping_lr_multiplier", "G_ema.mapping.fc0", &first))
    return -1;
  const pk_obj *embed = state_of(child(c, mapping, "embed", &rc));
  if (rc ||
      put_attr(c, embed, "num_embeddings", "embed_num_embeddings",
               "G_ema.mapping.embed", &first) ||
      put_attr(c, embed, "embedding_dim", "embed_embedding_dim",
               "G_ema.mapping.embed", &first))
    return -1;
  g_string_append_c(c->s, '}');
  return 0;
}

static int put_input(xl_ctx *c, const pk_obj *Y) {
  int first = 1, rc = 0;
  const pk_obj *in = child_state(c, Y, "input", &rc);
  if (rc)
    return -1;
  if (!in)
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "G_ema.synthesis has no input layer (SynthesisInput)");
  g_string_append(c->s, ", \"input\": {\"name\": \"input\"");
  first = 0;
  if (put_attrs(c, in, sg3_xl_input_attrs, sg3_xl_num_input_attrs,
                "G_ema.synthesis.input", &first))
    return -1;
  g_string_append_c(c->s, '}');
  return 0;
}

static int put_layers(xl_ctx *c, const pk_obj *Y, const pk_obj *names) {
  int rc = 0;
  const pk_obj *mods = get(c, Y, "_modules", &rc);
  g_string_append(c->s, ", \"layers\": [");
  for (size_t i = 0; i < names->u.seq.n && !rc; i++) {
    pk_slice name = names->u.seq.v[i]->u.s;
    char owner[96];
    snprintf(owner, sizeof owner, "G_ema.synthesis.%.*s", (int)name.n,
             (const char *)name.p);
    const pk_obj *L = state_of(get_slice(c, mods, name, &rc));
    if (rc)
      return -1;
    if (!L)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "synthesis layer '%.*s' (layer_names[%zu]) is not in "
                      "G_ema.synthesis",
                      (int)name.n, (const char *)name.p, i);
    g_string_append_printf(c->s, "%s{\"name\": \"%.*s\"", i ? ", " : "",
                           (int)name.n, (const char *)name.p);
    int first = 0;
    if (put_attrs(c, L, sg3_xl_layer_attrs, sg3_xl_num_layer_attrs, owner,
                  &first))
      return -1;
    g_string_append_c(c->s, '}');
  }
  g_string_append_c(c->s, ']');
  return rc;
}

char *sg3_pickle_xl_schedule(const pk_obj *g, char **error) {
  xl_ctx c = {.s = g_string_new("{"), .error = error};
  int rc = 0;
  const pk_obj *M = state_of(g);
  const pk_obj *mapping = M ? child_state(&c, M, "mapping", &rc) : NULL;
  const pk_obj *Y = M ? child_state(&c, M, "synthesis", &rc) : NULL;
  const pk_obj *names = Y ? get(&c, Y, "layer_names", &rc) : NULL;
  if (rc)
    goto fail;
  if (!mapping || !Y) {
    sg3_fail(error, SG3_ERR_CORRUPT, "G_ema has no %s network",
             !mapping ? "mapping" : "synthesis");
    goto fail;
  }
  if (!names || names->type != PK_LIST || names->u.seq.n < 1 ||
      names->u.seq.n > XL_MAX_LAYERS) {
    sg3_fail(error, SG3_ERR_CORRUPT,
             "G_ema.synthesis.layer_names is %s, not a list of 1 to %d "
             "layer names",
             names ? pk_type_name(names) : "missing", XL_MAX_LAYERS);
    goto fail;
  }
  for (size_t i = 0; i < names->u.seq.n; i++)
    if (!name_ok(names->u.seq.v[i])) {
      sg3_fail(error, SG3_ERR_CORRUPT,
               "G_ema.synthesis.layer_names[%zu] is not a layer name (letters, "
               "digits and '_', at most %d)",
               i, XL_MAX_NAME);
      goto fail;
    }
  if (put_generator(&c, M, mapping, Y, names) || put_input(&c, Y) ||
      put_layers(&c, Y, names))
    goto fail;
  g_string_append_c(c.s, '}');
  char *out = malloc(c.s->len + 1);
  if (out)
    memcpy(out, c.s->str, c.s->len + 1);
  else
    sg3_oom(error, NULL);
  g_string_free(c.s, TRUE);
  return out;
fail:
  g_string_free(c.s, TRUE);
  return NULL;
}
