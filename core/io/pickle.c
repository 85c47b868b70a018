/* NVIDIA's network pickles (torch_utils.persistence objects) read without
 * Python: run the pickle into a pk_obj graph (pickle_vm.c), find G_ema,
 * check that it is a StyleGAN3 or StyleGAN2 generator (of NVlabs/stylegan3
 * or stylegan2-ada-pytorch), and copy its parameters and buffers out as
 * float32 under their state_dict() names. TensorFlow pickles go to
 * pickle_tf.c. Storages stay
 * slices of the input until a G_ema tensor needs them, so D and G cost
 * nothing but their small object graph. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/pickle_json.h"
#include "io/pickle_tf.h"
#include "io/pickle_torch.h"
#include "io/pickle_vm.h"
#include "io/pickle_xl.h"
#include "io/tensors.h"

#define MAX_MODULE_DEPTH 32
#define MAX_MODULE_VISITS 10000  /* shared submodules could explode a walk */
#define MAX_WALK_WORK (1u << 26) /* dict entries looked at, in all */
#define MAX_TENSORS 4096         /* adding to a tensor set is O(n) */
#define MAX_NAME 1024
#define MAX_DICT_ITEMS 4096 /* duplicate-key checks are O(n^2) */

#define SG3_CLASS "training.networks_stylegan3.Generator"
#define SG3_XL_CLASS "training.networks_stylegan3_resetting.Generator"
#define SG3_XL_SUPERRES_CLASS                                                  \
  "training.networks_stylegan3_resetting.SuperresGenerator"
#define SUPPORTED                                                              \
  "StyleGAN3, StyleGAN2 and StyleGAN-XL generators "                           \
  "(training.networks_stylegan3, training.networks_stylegan2, "                \
  "stylegan2-ada-pytorch's training.networks, " SG3_XL_CLASS                   \
  ", SuperresGenerator)"

/* The generators: the family and, for StyleGAN2, which repository's
 * constructor (their defaults differ). */
typedef enum {
  FLAVOUR_NONE,
  FLAVOUR_STYLEGAN3,
  FLAVOUR_STYLEGAN2,     /* NVlabs/stylegan3 training/networks_stylegan2.py */
  FLAVOUR_STYLEGAN2_ADA, /* stylegan2-ada-pytorch training/networks.py */
  FLAVOUR_STYLEGAN_XL,   /* StyleGAN-XL (networks_stylegan3_resetting) */
} flavour;

static const char *flavour_family(flavour fl) {
  return fl == FLAVOUR_STYLEGAN3     ? "stylegan3"
         : fl == FLAVOUR_STYLEGAN_XL ? "stylegan-xl"
                                     : "stylegan2";
}

typedef struct {
  pk_vm *vm;
  sg3_tensor_set *set;
  char **error;
  size_t visits;
  uint64_t work; /* dict and set entries scanned: hostile files share one
                    huge dict between many modules */
  uint64_t out_bytes, max_out_bytes;
} walker;

static int spend(walker *w, size_t n) {
  w->work += n;
  if (w->work > MAX_WALK_WORK)
    return sg3_fail(w->error, SG3_ERR_TOO_LARGE,
                    "G_ema's module tree is too large");
  return 0;
}

static size_t entries(const pk_obj *o) {
  if (!o)
    return 0;
  if (o->type == PK_DICT)
    return o->u.seq.n / 2;
  if (o->type == PK_SET || o->type == PK_FROZENSET)
    return o->u.seq.n;
  if (pk_torch_persistent(o))
    return entries(pk_torch_persistent(o));
  return 0;
}

/* ---- modules ---- */

/* A torch.nn.Module: a persistent object (class name and state in its
 * metadata) or a plain pickled instance (class global + BUILD state). */
typedef struct {
  const pk_obj *state;      /* the module's __dict__ */
  pk_slice module, name;    /* module is empty for persistent objects */
  const pk_obj *module_src; /* persistent objects only */
} module_view;

static int as_module(const pk_obj *o, module_view *m) {
  memset(m, 0, sizeof *m);
  const pk_obj *meta = pk_torch_persistent(o);
  if (meta) {
    const pk_obj *cls = pk_dict_get(meta, "class_name");
    const pk_obj *state = pk_dict_get(meta, "state");
    const pk_obj *type = pk_dict_get(meta, "type");
    if (!cls || cls->type != PK_STR || !state || state->type != PK_DICT ||
        (type && !pk_is_str(type, "class")))
      return -1;
    m->state = state;
    m->name = cls->u.s;
    m->module_src = pk_dict_get(meta, "module_src");
    return 0;
  }
  if (o->type == PK_INSTANCE && o->u.inst.cls &&
      o->u.inst.cls->type == PK_GLOBAL && o->u.inst.state &&
      o->u.inst.state->type == PK_DICT) {
    m->state = o->u.inst.state;
    m->module = o->u.inst.cls->u.global.module;
    m->name = o->u.inst.cls->u.global.name;
    return 0;
  }
  return -1;
}

static const pk_obj *submodule(const module_view *m, const char *key) {
  return pk_dict_get(pk_dict_get(m->state, "_modules"), key);
}

static int module_named(const pk_obj *o, const char *name) {
  module_view m;
  return o && as_module(o, &m) == 0 && pk_slice_eq(m.name, name);
}

static int src_contains(const pk_obj *src, const char *needle) {
  return src && src->type == PK_STR &&
         memmem(src->u.s.p, src->u.s.n, needle, strlen(needle));
}

/* StyleGAN2 (NVlabs/stylegan3) or StyleGAN2-ADA: stylegan3's SynthesisBlock
 * has the attribute fused_modconv_default, stylegan2-ada's does not. */
static flavour stylegan2_repo(const module_view *block) {
  return pk_dict_get(block->state, "fused_modconv_default")
             ? FLAVOUR_STYLEGAN2
             : FLAVOUR_STYLEGAN2_ADA;
}

/* A persistent object only names its class ('Generator'); its module is
 * known from the layers: StyleGAN-XL's are its own (pickle_xl.c), StyleGAN3
 * synthesis starts with a SynthesisInput, StyleGAN2 (and StyleGAN2-ADA)
 * with SynthesisBlock 'b4'; or from the source it carries when the layers
 * say nothing. */
static flavour generator_flavour(const pk_obj *o, const module_view *g) {
  if (sg3_pickle_is_xl(o))
    return FLAVOUR_STYLEGAN_XL;
  const pk_obj *syn = submodule(g, "synthesis");
  module_view s, b4;
  if (syn && as_module(syn, &s) == 0) {
    if (module_named(submodule(&s, "input"), "SynthesisInput"))
      return FLAVOUR_STYLEGAN3;
    const pk_obj *b = submodule(&s, "b4");
    if (module_named(b, "SynthesisBlock") && as_module(b, &b4) == 0)
      return stylegan2_repo(&b4);
  }
  if (src_contains(g->module_src, "class SynthesisInput"))
    return FLAVOUR_STYLEGAN3;
  if (src_contains(g->module_src, "class SynthesisBlock"))
    return src_contains(g->module_src, "fused_modconv_default")
               ? FLAVOUR_STYLEGAN2
               : FLAVOUR_STYLEGAN2_ADA;
  return FLAVOUR_NONE;
}

static int check_generator(const pk_obj *g, module_view *m, flavour *fl,
                           char **error) {
  *fl = FLAVOUR_NONE;
  if (as_module(g, m)) {
    char a[PK_SHOW_SIZE], b[PK_SHOW_SIZE];
    if (g->type == PK_INSTANCE && g->u.inst.cls &&
        g->u.inst.cls->type == PK_GLOBAL)
      return sg3_set_error(error,
                           "G_ema is a %s.%s object without module state",
                           pk_show(g->u.inst.cls->u.global.module, a, sizeof a),
                           pk_show(g->u.inst.cls->u.global.name, b, sizeof b));
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "G_ema is a %s, not a network; only " SUPPORTED
                    " are supported",
                    pk_type_name(g));
  }
  char found[300], a[PK_SHOW_SIZE], b[PK_SHOW_SIZE];
  if (m->module.n) { /* a plain pickled class: its full name is known */
    snprintf(found, sizeof found, "%s.%s", pk_show(m->module, a, sizeof a),
             pk_show(m->name, b, sizeof b));
    if (strcmp(found, SG3_CLASS) == 0)
      *fl = FLAVOUR_STYLEGAN3;
    else if (strcmp(found, "training.networks_stylegan2.Generator") == 0)
      *fl = FLAVOUR_STYLEGAN2;
    else if (strcmp(found, "training.networks.Generator") == 0)
      *fl = FLAVOUR_STYLEGAN2_ADA;
    else if (strcmp(found, SG3_XL_CLASS) == 0 ||
             strcmp(found, SG3_XL_SUPERRES_CLASS) == 0)
      *fl = FLAVOUR_STYLEGAN_XL;
    if (*fl != FLAVOUR_NONE)
      return 0;
  } else {
    if (pk_slice_eq(m->name, "Generator") ||
        pk_slice_eq(m->name, "SuperresGenerator"))
      *fl = generator_flavour(g, m);
    if (*fl != FLAVOUR_NONE)
      return 0;
    snprintf(found, sizeof found,
             "persistent '%s' of an unknown network module",
             pk_show(m->name, b, sizeof b));
  }
  return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                  "G_ema is a %s; only " SUPPORTED " are supported", found);
}

/* ---- tensors ---- */

/* Copies a strided view of a storage out as contiguous float32. The view was
 * checked against the storage when the tensor was rebuilt. */
static int add_tensor(walker *w, const char *name, const pk_tensor *t) {
  const pk_storage *s = pk_torch_storage(t->storage);
  char shown[PK_SHOW_SIZE];
  if (t->ndim > SG3_MAX_DIMS)
    return sg3_set_error(w->error, "tensor '%s' has %d dimensions (at most %d)",
                         name, t->ndim, SG3_MAX_DIMS);
  if (!sg3_dtype_is_float(s->dtype))
    return sg3_fail(w->error, SG3_ERR_UNSUPPORTED,
                    "tensor '%s' is stored as torch.%s; only float32, "
                    "float16, bfloat16 and float64 are supported",
                    name, pk_show(s->type_name, shown, sizeof shown));
  if (w->set->n >= MAX_TENSORS)
    return sg3_fail(w->error, SG3_ERR_TOO_LARGE,
                    "G_ema has more than %d tensors", MAX_TENSORS);
  int ok;
  size_t numel = sg3_shape_numel(t->ndim, t->size, &ok);
  if (!ok || numel > (w->max_out_bytes - w->out_bytes) / sizeof(float))
    return sg3_fail(w->error, SG3_ERR_TOO_LARGE,
                    "tensor '%s' is too large for the size of the file", name);
  w->out_bytes += (uint64_t)numel * sizeof(float);
  float *data = malloc(numel ? numel * sizeof(float) : sizeof(float));
  if (!data) {
    char what[MAX_NAME + 16];
    snprintf(what, sizeof what, "tensor '%s'", name);
    return sg3_oom(w->error, what);
  }
  /* Pad to 4 dimensions (size 1) and walk them in C order. */
  int64_t size[SG3_MAX_DIMS], stride[SG3_MAX_DIMS];
  int pad = SG3_MAX_DIMS - t->ndim;
  for (int i = 0; i < SG3_MAX_DIMS; i++) {
    size[i] = i < pad ? 1 : t->size[i - pad];
    stride[i] = i < pad ? 0 : t->stride[i - pad];
  }
  /* The bytes the view covers: read them now (they may not have been), let
   * them go afterwards. */
  size_t es = s->elem_size, first = (size_t)t->offset, last = first;
  for (int i = 0; i < SG3_MAX_DIMS && numel; i++)
    last += (size_t)(size[i] - 1) * (size_t)stride[i];
  const uint8_t *lo = s->data + first * es;
  size_t span = numel ? (last - first + 1) * es : 0;
  if (pk_need(w->vm, lo, span)) {
    free(data);
    return -1;
  }
  size_t k = 0;
  for (int64_t a = 0; a < size[0] && numel; a++)
    for (int64_t b = 0; b < size[1]; b++)
      for (int64_t c = 0; c < size[2]; c++) {
        uint64_t idx = (uint64_t)(t->offset + a * stride[0] + b * stride[1] +
                                  c * stride[2]);
        if (stride[3] == 1) { /* a contiguous row */
          sg3_dtype_to_f32(s->dtype, s->data + idx * es, (size_t)size[3],
                           &data[k]);
          k += (size_t)size[3];
          continue;
        }
        for (int64_t d = 0; d < size[3]; d++)
          sg3_dtype_to_f32(s->dtype,
                           s->data + (idx + (uint64_t)(d * stride[3])) * es, 1,
                           &data[k++]);
      }
  pk_release(w->vm, lo, span);
  return sg3_tensor_set_add(w->set, name, t->ndim, t->size, data, w->error);
}

/* A state_dict key part: a non-empty UTF-8 string without control bytes. */
static int key_ok(const pk_obj *k) {
  if (!k || k->type != PK_STR || !k->u.s.n || k->u.s.n > 256)
    return 0;
  for (size_t i = 0; i < k->u.s.n; i++)
    if (k->u.s.p[i] < 0x20 || k->u.s.p[i] == 0x7f)
      return 0;
  return g_utf8_validate((const char *)k->u.s.p, (gssize)k->u.s.n, NULL);
}

/* Python dict semantics for a pickled dict: entry i counts unless a later
 * entry has the same key. Also checks the keys. */
static int entry_live(walker *w, const pk_obj *d, size_t i, const char *prefix,
                      const char *what) {
  const pk_obj *k = d->u.seq.v[2 * i];
  if (!key_ok(k))
    return sg3_set_error(w->error, "%s of module '%s' has a bad key", what,
                         prefix);
  if (spend(w, d->u.seq.n / 2 - i))
    return -1;
  for (size_t j = i + 1; j < d->u.seq.n / 2; j++) {
    const pk_obj *l = d->u.seq.v[2 * j];
    if (l->type == PK_STR && l->u.s.n == k->u.s.n &&
        memcmp(l->u.s.p, k->u.s.p, k->u.s.n) == 0)
      return 0;
  }
  return 1;
}

static int member_dict(walker *w, const module_view *m, const char *key,
                       const char *prefix, const pk_obj **out) {
  const pk_obj *d = pk_dict_get(m->state, key);
  *out = NULL;
  if (!d || d->type == PK_NONE)
    return 0;
  if (d->type != PK_DICT)
    return sg3_set_error(w->error, "%s of module '%s' is a %s", key, prefix,
                         pk_type_name(d));
  if (d->u.seq.n / 2 > MAX_DICT_ITEMS)
    return sg3_set_error(w->error, "%s of module '%s' has %zu entries", key,
                         prefix, d->u.seq.n / 2);
  *out = d;
  return 0;
}

static int in_set(const pk_obj *set, pk_slice key) {
  if (!set || (set->type != PK_SET && set->type != PK_FROZENSET))
    return 0;
  for (size_t i = 0; i < set->u.seq.n; i++) {
    const pk_obj *o = set->u.seq.v[i];
    if (o->type == PK_STR && o->u.s.n == key.n &&
        memcmp(o->u.s.p, key.p, key.n) == 0)
      return 1;
  }
  return 0;
}

static int join(walker *w, char *dst, const char *prefix, pk_slice key) {
  size_t a = strlen(prefix);
  if (a + key.n + 2 > MAX_NAME)
    return sg3_set_error(w->error, "state_dict name longer than %d bytes",
                         MAX_NAME);
  memcpy(dst, prefix, a);
  memcpy(dst + a, key.p, key.n);
  dst[a + key.n] = 0;
  return 0;
}

/* Module.state_dict(): own parameters, persistent buffers, then children,
 * skipping None entries. */
static int walk(walker *w, const module_view *m, const char *prefix,
                int depth) {
  if (depth > MAX_MODULE_DEPTH)
    return sg3_fail(w->error, SG3_ERR_TOO_LARGE,
                    "modules nested more than %d deep", MAX_MODULE_DEPTH);
  if (++w->visits > MAX_MODULE_VISITS)
    return sg3_fail(w->error, SG3_ERR_TOO_LARGE, "more than %d modules",
                    MAX_MODULE_VISITS);
  /* Four lookups in the state below. */
  if (spend(w, 4 * entries(m->state)))
    return -1;
  static const char *const kinds[] = {"_parameters", "_buffers"};
  const pk_obj *skip = pk_dict_get(m->state, "_non_persistent_buffers_set");
  char *name = malloc(MAX_NAME);
  if (!name)
    return sg3_oom(w->error, NULL);
  int rc = -1;
  for (int kind = 0; kind < 2; kind++) {
    const pk_obj *d;
    if (member_dict(w, m, kinds[kind], prefix, &d))
      goto out;
    for (size_t i = 0; d && i < d->u.seq.n / 2; i++) {
      int live = entry_live(w, d, i, prefix, kinds[kind]);
      const pk_obj *k = d->u.seq.v[2 * i], *v = d->u.seq.v[2 * i + 1];
      if (live < 0)
        goto out;
      if (!live || v->type == PK_NONE)
        continue;
      if (kind == 1 && spend(w, entries(skip)))
        goto out;
      if (kind == 1 && in_set(skip, k->u.s))
        continue;
      if (join(w, name, prefix, k->u.s))
        goto out;
      const pk_tensor *t = pk_torch_tensor(v);
      if (!t) {
        sg3_set_error(w->error, "'%s' is a %s, not a tensor", name,
                      pk_type_name(v));
        goto out;
      }
      if (add_tensor(w, name, t))
        goto out;
    }
  }
  const pk_obj *mods;
  if (member_dict(w, m, "_modules", prefix, &mods))
    goto out;
  for (size_t i = 0; mods && i < mods->u.seq.n / 2; i++) {
    int live = entry_live(w, mods, i, prefix, "_modules");
    const pk_obj *k = mods->u.seq.v[2 * i], *v = mods->u.seq.v[2 * i + 1];
    if (live < 0)
      goto out;
    if (!live || v->type == PK_NONE)
      continue;
    module_view child;
    if (join(w, name, prefix, k->u.s) || spend(w, 4 * entries(v)))
      goto out;
    if (as_module(v, &child)) {
      sg3_set_error(w->error, "submodule '%s' is a %s, not a module", name,
                    pk_type_name(v));
      goto out;
    }
    size_t len = strlen(name);
    name[len] = '.';
    name[len + 1] = 0;
    if (walk(w, &child, name, depth + 1))
      goto out;
  }
  rc = 0;
out:
  free(name);
  return rc;
}

/* ---- init_kwargs ---- */

static pk_obj *new_str(pk_vm *vm, const char *lit) {
  pk_obj *o = pk_new(vm, PK_STR);
  if (o) {
    o->u.s.p = (const uint8_t *)lit;
    o->u.s.n = strlen(lit);
  }
  return o;
}

static int push_item(pk_vm *vm, pk_obj *dict, const char *key, pk_obj *v) {
  pk_obj *k = new_str(vm, key);
  return !k || !v || pk_seq_push(vm, dict, k) || pk_seq_push(vm, dict, v) ? -1
                                                                          : 0;
}

/* The entries of a dict (or None) pushed into `dst`. */
static int push_all(pk_vm *vm, pk_obj *dst, const pk_obj *src, const char *what,
                    char **error) {
  if (!src || src->type == PK_NONE)
    return 0;
  if (src->type != PK_DICT)
    return sg3_set_error(error, "G_ema's %s is a %s, not a dict", what,
                         pk_type_name(src));
  for (size_t i = 0; i < src->u.seq.n; i++)
    if (pk_seq_push(vm, dst, src->u.seq.v[i]))
      return -1;
  return 0;
}

/* stylegan2-ada-pytorch's Generator(..., mapping_kwargs={},
 * synthesis_kwargs={}) as the equivalent networks_stylegan2.Generator's
 * arguments (what safetensors record): synthesis_kwargs merged into the
 * top level, and the defaults in which the two repositories differ made
 * explicit (SynthesisBlock conv_clamp None, SynthesisNetwork num_fp16_res 0,
 * MappingNetwork w_avg_beta 0.995). */
static pk_obj *stylegan2_ada_kwargs(pk_vm *vm, const pk_obj *kw, char **error) {
  pk_obj *out = pk_new(vm, PK_DICT), *mapping = pk_new(vm, PK_DICT);
  if (!out || !mapping)
    return NULL;
  const pk_obj *syn = pk_dict_get(kw, "synthesis_kwargs");
  const pk_obj *map = pk_dict_get(kw, "mapping_kwargs");
  for (size_t i = 0; i < kw->u.seq.n; i += 2) {
    const pk_obj *k = kw->u.seq.v[i];
    if (pk_is_str(k, "synthesis_kwargs") || pk_is_str(k, "mapping_kwargs"))
      continue;
    if (pk_seq_push(vm, out, kw->u.seq.v[i]) ||
        pk_seq_push(vm, out, kw->u.seq.v[i + 1]))
      return NULL;
  }
  if (push_all(vm, out, syn, "synthesis_kwargs", error) ||
      push_all(vm, mapping, map, "mapping_kwargs", error))
    return NULL;
  if (!pk_dict_get(out, "conv_clamp") &&
      push_item(vm, out, "conv_clamp", pk_new(vm, PK_NONE)))
    return NULL;
  if (!pk_dict_get(out, "num_fp16_res")) {
    pk_obj *zero = pk_new(vm, PK_INT);
    if (push_item(vm, out, "num_fp16_res", zero))
      return NULL;
  }
  if (!pk_dict_get(mapping, "w_avg_beta")) {
    pk_obj *beta = pk_new(vm, PK_FLOAT);
    if (beta)
      beta->u.f = 0.995;
    if (push_item(vm, mapping, "w_avg_beta", beta))
      return NULL;
  }
  return push_item(vm, out, "mapping_kwargs", mapping) ? NULL : out;
}

/* _init_kwargs, plus any positional _init_args under the names of
 * Generator.__init__'s parameters, as JSON. */
static char *init_kwargs_json(pk_vm *vm, const module_view *m, flavour fl,
                              char **error) {
  static const char *const params[] = {
      "z_dim",        "c_dim",          "w_dim",           "img_resolution",
      "img_channels", "mapping_kwargs", "synthesis_kwargs"};
  const size_t nparams = fl == FLAVOUR_STYLEGAN2_ADA ? 7 : 6;
  const pk_obj *kw = pk_dict_get(m->state, "_init_kwargs");
  const pk_obj *args = pk_dict_get(m->state, "_init_args");
  if (!kw || kw->type != PK_DICT) {
    sg3_set_error(error,
                  "G_ema has no _init_kwargs dict (%s); it was not "
                  "saved through torch_utils.persistence",
                  kw ? pk_type_name(kw) : "missing");
    return NULL;
  }
  size_t nargs = 0;
  if (args && args->type != PK_NONE) {
    if (args->type != PK_TUPLE && args->type != PK_LIST) {
      sg3_set_error(error, "G_ema _init_args is a %s", pk_type_name(args));
      return NULL;
    }
    nargs = args->u.seq.n;
  }
  if (nargs > nparams) {
    sg3_set_error(error, "G_ema has %zu positional init arguments", nargs);
    return NULL;
  }
  pk_obj *all = (pk_obj *)kw;
  if (nargs) {
    if (!(all = pk_new(vm, PK_DICT)))
      return NULL;
    for (size_t i = 0; i < nargs; i++) {
      if (pk_dict_get(kw, params[i])) {
        sg3_set_error(error, "G_ema gets %s both positionally and by name",
                      params[i]);
        return NULL;
      }
      if (push_item(vm, all, params[i], args->u.seq.v[i]))
        return NULL;
    }
    for (size_t i = 0; i < kw->u.seq.n; i++)
      if (pk_seq_push(vm, all, kw->u.seq.v[i]))
        return NULL;
  }
  if (fl == FLAVOUR_STYLEGAN2_ADA &&
      !(all = stylegan2_ada_kwargs(vm, all, error)))
    return NULL;
  return pk_to_json(vm, all, error);
}

/* ---- top level ---- */

static int find_g_ema(const pk_obj *root, const pk_obj **g, char **error) {
  if (pk_torch_persistent(root) || root->type == PK_INSTANCE) {
    *g = root; /* a bare network pickled on its own */
    return 0;
  }
  if (root->type != PK_DICT)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "the pickle holds a %s, not a dict with 'G_ema'",
                    pk_type_name(root));
  if ((*g = pk_dict_get(root, "G_ema")))
    return 0;
  GString *keys = g_string_new(NULL);
  for (size_t i = 0; i < root->u.seq.n && keys->len < 200; i += 2) {
    const pk_obj *k = root->u.seq.v[i];
    char shown[PK_SHOW_SIZE];
    if (k->type == PK_STR)
      g_string_append_printf(keys, "%s'%s'", keys->len ? ", " : "",
                             pk_show(k->u.s, shown, sizeof shown));
  }
  sg3_fail(error, SG3_ERR_UNSUPPORTED,
           "the pickle has no 'G_ema' (its keys: %s)",
           keys->len ? keys->str : "none that are strings");
  g_string_free(keys, TRUE);
  return -1;
}

static int extract(pk_vm *vm, const pk_obj *root, size_t file_size,
                   sg3_tensor_set *set, char **error) {
  /* A legitimate file stores every G_ema element; float16 doubles, and
   * stride-0 views may add a little. Anything beyond is a hostile file. */
  const uint64_t max_out_bytes = sg3_tensor_output_limit(file_size);
  if (sg3_pickle_tf_is_network(root))
    return sg3_pickle_tf_extract(vm, root, max_out_bytes, set, error);
  const pk_obj *g = NULL;
  module_view m;
  flavour fl;
  if (find_g_ema(root, &g, error) || check_generator(g, &m, &fl, error))
    return -1;
  if (!(set->init_kwargs = init_kwargs_json(vm, &m, fl, error)))
    return -1;
  if (!(set->family = strdup(flavour_family(fl))))
    return sg3_oom(error, NULL);
  /* StyleGAN-XL: the schedule is in the objects, not in init_kwargs. */
  if (fl == FLAVOUR_STYLEGAN_XL &&
      !(set->schedule = sg3_pickle_xl_schedule(g, error)))
    return -1;
  walker w = {
      .vm = vm, .set = set, .error = error, .max_out_bytes = max_out_bytes};
  if (walk(&w, &m, "", 0))
    return -1;
  if (!set->n)
    return sg3_set_error(error, "G_ema has no parameters or buffers");
  return 0;
}

int sg3_pickle_read_source(const sg3_source *src, const char *name,
                           sg3_tensor_set *out, char **error) {
  const uint8_t *data = src->data;
  size_t size = src->size;
  if (!name)
    name = "pickle";
  if (!data || size == 0)
    return sg3_fail(error, SG3_ERR_FORMAT, "%s: the file is empty", name);
  if (sg3_need(src, data, size < 4 ? size : 4, error)) {
    sg3_prefix_error(error, "%s", name);
    return -1;
  }
  if (size >= 4 && memcmp(data, "PK\3\4", 4) == 0)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: this is a zip archive (a torch.save file?), not "
                    "a network pickle",
                    name);
  if (data[0] != 0x80)
    return sg3_fail(error, SG3_ERR_FORMAT,
                    "%s: not a network pickle (no pickle protocol 2-5 "
                    "header)",
                    name);
  pk_heap heap;
  pk_vm vm;
  pk_torch_state torch = {0};
  pk_obj *root = NULL;
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  pk_heap_init(&heap, src);
  pk_vm_init(&vm, &heap, &pk_torch_hooks, &torch, data, size, error);
  int rc = pk_vm_run(&vm, &root);
  if (rc == 0)
    rc = extract(&vm, root, size, &set, error);
  pk_vm_free(&vm);
  pk_heap_free(&heap);
  if (rc) {
    sg3_tensor_set_clear(&set);
    sg3_prefix_error(error, "%s", name);
    return -1;
  }
  /* Hand over: into an empty set directly, else tensor by tensor. */
  if (!out->n && !out->items && !out->init_kwargs && !out->family) {
    *out = set;
    return 0;
  }
  for (size_t i = 0; i < set.n; i++) {
    sg3_tensor *t = &set.items[i];
    if (sg3_tensor_set_add(out, t->name, t->ndim, t->shape, t->data, error)) {
      t->data = NULL;
      sg3_tensor_set_clear(&set);
      sg3_prefix_error(error, "%s", name);
      return -1;
    }
    t->data = NULL;
  }
  free(out->init_kwargs);
  out->init_kwargs = set.init_kwargs;
  set.init_kwargs = NULL;
  free(out->family);
  out->family = set.family;
  set.family = NULL;
  free(out->schedule);
  out->schedule = set.schedule;
  set.schedule = NULL;
  sg3_tensor_set_clear(&set);
  return 0;
}

int sg3_pickle_read(const uint8_t *data, size_t size, const char *name,
                    sg3_tensor_set *out, char **error) {
  sg3_source src;
  sg3_source_memory(&src, data, size, name);
  return sg3_pickle_read_source(&src, name, out, error);
}
