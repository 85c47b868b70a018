/* TensorFlow StyleGAN2 network pickles, converted as legacy.py's
 * convert_tf_generator converts them: its kwargs table (static_kwargs ->
 * networks_stylegan2.Generator's init_kwargs), its variable name patterns
 * and transforms (transposes, flipped upsampling kernels, mod_bias + 1),
 * and the resample filters it leaves as the constructor made them.
 *
 * Only Gs is read: the official loader also converts G and D and fails if
 * either fails, but neither is needed to make images. */
#include "io/pickle_tf.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/pickle_json.h"
#include "io/pickle_torch.h"
#include "stylegan2/config.h"

#define MAX_COMPONENT_DEPTH 8
#define MAX_VARIABLES 65536
#define MAX_NAME 512

static int is_network(const pk_obj *o) {
  return o && o->type == PK_INSTANCE &&
         pk_is_global(o->u.inst.cls, "dnnlib.tflib.network", "Network");
}

int sg3_pickle_tf_is_network(const pk_obj *root) {
  if (is_network(root))
    return 1;
  return root->type == PK_TUPLE && root->u.seq.n == 3 &&
         is_network(root->u.seq.v[0]) && is_network(root->u.seq.v[1]) &&
         is_network(root->u.seq.v[2]);
}

typedef struct {
  pk_vm *vm;
  sg3_tensor_set *set;
  GHashTable *vars; /* "mapping/Dense0/weight" -> value */
  uint64_t out_bytes, max_out_bytes;
  char **error;
} tf_ctx;

/* A Network's __getstate__ dict. */
static const pk_obj *net_state(const pk_obj *net, const char *what,
                               char **error) {
  const pk_obj *s = net->u.inst.state;
  if (!s || s->type != PK_DICT) {
    sg3_fail(error, SG3_ERR_CORRUPT,
             "the TensorFlow network %s has no state dict", what);
    return NULL;
  }
  return s;
}

/* ---- variables ---------------------------------------------------------- */

static char *slice_name(const char *prefix, pk_slice s) {
  size_t a = strlen(prefix);
  if (a + s.n >= MAX_NAME || memchr(s.p, 0, s.n))
    return NULL;
  char *n = g_malloc(a + s.n + 1);
  memcpy(n, prefix, a);
  memcpy(n + a, s.p, s.n);
  n[a + s.n] = 0;
  return n;
}

/* _collect_tf_params: own variables, then each component's under
 * "<component>/". */
static int collect(tf_ctx *c, const pk_obj *net, const char *prefix,
                   int depth) {
  if (depth > MAX_COMPONENT_DEPTH)
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "TensorFlow network components nested more than %d deep",
                    MAX_COMPONENT_DEPTH);
  const pk_obj *st = net_state(net, prefix, c->error);
  if (!st)
    return -1;
  const pk_obj *vars = pk_dict_get(st, "variables");
  const pk_obj *comps = pk_dict_get(st, "components");
  if (!vars || (vars->type != PK_LIST && vars->type != PK_TUPLE))
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "the TensorFlow network '%s' has no variables list",
                    prefix);
  for (size_t i = 0; i < vars->u.seq.n; i++) {
    const pk_obj *pair = vars->u.seq.v[i];
    if ((pair->type != PK_TUPLE && pair->type != PK_LIST) ||
        pair->u.seq.n != 2 || pair->u.seq.v[0]->type != PK_STR)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "a variable of the TensorFlow network '%s' is not a "
                      "(name, value) pair",
                      prefix);
    if (g_hash_table_size(c->vars) >= MAX_VARIABLES)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "the TensorFlow network has more than %d variables",
                      MAX_VARIABLES);
    char *name = slice_name(prefix, pair->u.seq.v[0]->u.s);
    if (!name)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "a TensorFlow variable has a bad name");
    /* Later names win, as in the official dict. */
    g_hash_table_insert(c->vars, name, (gpointer)pair->u.seq.v[1]);
  }
  if (!comps || comps->type == PK_NONE)
    return 0;
  if (comps->type != PK_DICT)
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "the components of the TensorFlow network '%s' are a %s",
                    prefix, pk_type_name(comps));
  for (size_t i = 0; i + 1 < comps->u.seq.n; i += 2) {
    const pk_obj *k = comps->u.seq.v[i], *v = comps->u.seq.v[i + 1];
    if (k->type != PK_STR || !is_network(v))
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "a component of the TensorFlow network '%s' is not a "
                      "named network",
                      prefix);
    char *p = slice_name(prefix, k->u.s);
    if (!p)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "a TensorFlow component has a bad name");
    char *sub = g_strconcat(p, "/", NULL);
    g_free(p);
    int rc = collect(c, v, sub, depth + 1);
    g_free(sub);
    if (rc)
      return -1;
  }
  return 0;
}

/* ---- tensors ------------------------------------------------------------ */

/* How a PyTorch tensor is made from its TensorFlow variable. */
typedef enum {
  X_SAME,      /* as stored */
  X_T,         /* .transpose() of a matrix */
  X_CONV,      /* [kh, kw, in, out].transpose(3, 2, 0, 1) */
  X_CONV_FLIP, /* [::-1, ::-1] first */
  X_FIRST,     /* [0] */
  X_FIRST2,    /* [0, 0] */
  X_PLUS1,     /* + 1 */
} xform;

static void shape_text(int ndim, const int64_t *s, char *buf, size_t n) {
  buf[0] = 0;
  for (int i = 0; i < ndim; i++)
    snprintf(buf + strlen(buf), n - strlen(buf), "%s%lld", i ? ", " : "",
             (long long)s[i]);
}

static int convert(tf_ctx *c, const char *torch_name, const char *tf_name,
                   xform x, int ndim, const int64_t *shape) {
  const pk_obj *v = g_hash_table_lookup(c->vars, tf_name);
  if (!v)
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "the TensorFlow network lacks the variable '%s' (for "
                    "%s)",
                    tf_name, torch_name);
  /* The variable's expected shape. */
  int64_t want[4] = {0};
  int wn = ndim;
  switch (x) {
  case X_SAME:
  case X_PLUS1:
    for (int i = 0; i < ndim; i++)
      want[i] = shape[i];
    break;
  case X_T:
    want[0] = shape[1], want[1] = shape[0];
    break;
  case X_CONV:
  case X_CONV_FLIP:
    want[0] = shape[2], want[1] = shape[3], want[2] = shape[1],
    want[3] = shape[0];
    break;
  case X_FIRST:
    wn = 4, want[0] = 1, want[1] = shape[0], want[2] = shape[1],
    want[3] = shape[2];
    break;
  case X_FIRST2:
    wn = 4, want[0] = want[1] = 1, want[2] = shape[0], want[3] = shape[1];
    break;
  }
  int have_n = 0;
  int64_t have[PK_MAX_DIMS] = {0};
  const pk_ndarray *a = pk_torch_ndarray(v);
  const pk_dtype *d = a && a->dtype ? pk_torch_dtype(a->dtype) : NULL;
  double scalar = 0;
  if (v->type == PK_FLOAT) { /* a numpy float32 scalar: session.run() */
    scalar = v->u.f;
    a = NULL;
  } else if (!a || !d) {
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "the TensorFlow variable '%s' is a %s, not a numpy array",
                    tf_name, pk_type_name(v));
  }
  if (a) {
    if (d->is_object || !sg3_dtype_is_float(d->dtype) ||
        d->dtype == SG3_DT_BF16 || a->data->type != PK_BYTES)
      return sg3_fail(c->error, SG3_ERR_CORRUPT,
                      "the TensorFlow variable '%s' is not a float array",
                      tf_name);
    have_n = a->ndim;
    memcpy(have, a->shape, sizeof have);
  }
  int same = have_n == wn;
  for (int i = 0; same && i < wn; i++)
    same = have[i] == want[i];
  if (!same) {
    char h[96], w[96];
    shape_text(have_n, have, h, sizeof h);
    shape_text(wn, want, w, sizeof w);
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "the TensorFlow variable '%s' has shape [%s]; %s needs "
                    "[%s]",
                    tf_name, h, torch_name, w);
  }
  int ok;
  size_t numel = sg3_shape_numel(ndim, shape, &ok);
  if (!ok || numel > (c->max_out_bytes - c->out_bytes) / sizeof(float))
    return sg3_fail(c->error, SG3_ERR_CORRUPT,
                    "tensor '%s' is too large for the size of the file",
                    torch_name);
  c->out_bytes += numel * sizeof(float);
  float *data = malloc(numel ? numel * sizeof(float) : sizeof(float));
  if (!data)
    return sg3_oom(c->error, torch_name);
  /* Strides of the variable in elements, C or Fortran order. */
  int64_t stride[4] = {0};
  if (a) {
    int64_t s = 1;
    for (int k = 0; k < wn; k++) {
      int i = a->fortran ? k : wn - 1 - k;
      stride[i] = s;
      s *= have[i];
    }
  }
  /* The array's bytes: read them now (they may not have been), let them go
   * afterwards. */
  if (a && pk_need(c->vm, a->data->u.s.p, a->data->u.s.n)) {
    free(data);
    return -1;
  }
  int64_t t[4] = {0}, dims[4] = {1, 1, 1, 1};
  for (int i = 0; i < ndim; i++)
    dims[4 - ndim + i] = shape[i];
  size_t k = 0;
  for (t[0] = 0; t[0] < dims[0]; t[0]++)
    for (t[1] = 0; t[1] < dims[1]; t[1]++)
      for (t[2] = 0; t[2] < dims[2]; t[2]++)
        for (t[3] = 0; t[3] < dims[3]; t[3]++) {
          const int64_t *ti = t + 4 - ndim; /* the target's own index */
          int64_t s[4] = {0};
          switch (x) {
          case X_SAME:
          case X_PLUS1:
            for (int i = 0; i < ndim; i++)
              s[i] = ti[i];
            break;
          case X_T:
            s[0] = ti[1], s[1] = ti[0];
            break;
          case X_CONV:
            s[0] = ti[2], s[1] = ti[3], s[2] = ti[1], s[3] = ti[0];
            break;
          case X_CONV_FLIP:
            s[0] = want[0] - 1 - ti[2], s[1] = want[1] - 1 - ti[3];
            s[2] = ti[1], s[3] = ti[0];
            break;
          case X_FIRST:
            s[1] = ti[0], s[2] = ti[1], s[3] = ti[2];
            break;
          case X_FIRST2:
            s[2] = ti[0], s[3] = ti[1];
            break;
          }
          double val = scalar;
          int f64 = !a;
          if (a) {
            size_t off = 0;
            for (int i = 0; i < wn; i++)
              off += (size_t)(s[i] * stride[i]);
            int64_t iv;
            sg3_dtype_read_number(d->dtype, a->data->u.s.p + off * d->elem_size,
                                  d->big_endian, &iv, &val);
            f64 = d->dtype == SG3_DT_F64;
          }
          /* numpy's + 1 in the array's precision. */
          if (x == X_PLUS1)
            data[k++] = f64 ? (float)(val + 1) : (float)val + 1.0f;
          else
            data[k++] = (float)val;
        }
  if (a)
    pk_release(c->vm, a->data->u.s.p, a->data->u.s.n);
  return sg3_tensor_set_add(c->set, torch_name, ndim, shape, data, c->error);
}

/* A resample_filter buffer as the constructor sets it up. */
static int add_filter(tf_ctx *c, const char *name, const double *f, int taps) {
  float buf[SG2_MAX_FILTER_TAPS * SG2_MAX_FILTER_TAPS];
  int ndim;
  sg2_setup_filter(f, taps, buf, &ndim);
  int64_t shape[2] = {taps, taps};
  size_t n = ndim == 2 ? (size_t)taps * taps : (size_t)taps;
  float *d = malloc(n * sizeof(float));
  if (!d)
    return sg3_oom(c->error, name);
  memcpy(d, buf, n * sizeof(float));
  return sg3_tensor_set_add(c->set, name, ndim, shape, d, c->error);
}

/* SynthesisLayer's parameters from a TF layer scope ("synthesis/8x8/Conv1"),
 * and its noise input from synthesis/noise<noise>. */
static int convert_layer(tf_ctx *c, const sg2_config *cfg, const char *torch,
                         const char *tf, int in, int out, int res, int flip,
                         int noise) {
  char tn[160], fn[160];
  int64_t w[4] = {out, in, 3, 3}, b[1] = {out}, aw[2] = {in, cfg->w_dim};
  int64_t ab[1] = {in}, nc[2] = {res, res};
  snprintf(tn, sizeof tn, "%s.weight", torch);
  snprintf(fn, sizeof fn, "%s/weight", tf);
  if (convert(c, tn, fn, flip ? X_CONV_FLIP : X_CONV, 4, w))
    return -1;
  snprintf(tn, sizeof tn, "%s.bias", torch);
  snprintf(fn, sizeof fn, "%s/bias", tf);
  if (convert(c, tn, fn, X_SAME, 1, b))
    return -1;
  if (cfg->use_noise) {
    snprintf(tn, sizeof tn, "%s.noise_const", torch);
    snprintf(fn, sizeof fn, "synthesis/noise%d", noise);
    if (convert(c, tn, fn, X_FIRST2, 2, nc))
      return -1;
    snprintf(tn, sizeof tn, "%s.noise_strength", torch);
    snprintf(fn, sizeof fn, "%s/noise_strength", tf);
    if (convert(c, tn, fn, X_SAME, 0, NULL))
      return -1;
  }
  snprintf(tn, sizeof tn, "%s.affine.weight", torch);
  snprintf(fn, sizeof fn, "%s/mod_weight", tf);
  if (convert(c, tn, fn, X_T, 2, aw))
    return -1;
  snprintf(tn, sizeof tn, "%s.affine.bias", torch);
  snprintf(fn, sizeof fn, "%s/mod_bias", tf);
  return convert(c, tn, fn, X_PLUS1, 1, ab);
}

static int convert_mapping(tf_ctx *c, const sg2_config *cfg) {
  char tn[96], fn[96];
  const int nl = cfg->mapping_layers;
  const int embed = cfg->c_dim ? cfg->embed_features : 0;
  if (cfg->c_dim) {
    int64_t w[2] = {embed, cfg->c_dim}, b[1] = {embed};
    if (convert(c, "mapping.embed.weight", "mapping/LabelEmbed/weight", X_T, 2,
                w) ||
        convert(c, "mapping.embed.bias", "mapping/LabelEmbed/bias", X_SAME, 1,
                b))
      return -1;
  }
  for (int i = 0; i < nl; i++) {
    int64_t in = i ? cfg->layer_features : cfg->z_dim + embed;
    int64_t out = i == nl - 1 ? cfg->w_dim : cfg->layer_features;
    int64_t w[2] = {out, in}, b[1] = {out};
    snprintf(tn, sizeof tn, "mapping.fc%d.weight", i);
    snprintf(fn, sizeof fn, "mapping/Dense%d/weight", i);
    if (convert(c, tn, fn, X_T, 2, w))
      return -1;
    snprintf(tn, sizeof tn, "mapping.fc%d.bias", i);
    snprintf(fn, sizeof fn, "mapping/Dense%d/bias", i);
    if (convert(c, tn, fn, X_SAME, 1, b))
      return -1;
  }
  int64_t wd[1] = {cfg->w_dim};
  return convert(c, "mapping.w_avg", "dlatent_avg", X_SAME, 1, wd);
}

static int convert_synthesis(tf_ctx *c, const sg2_config *cfg) {
  static const double default_filter[4] = {1, 3, 3, 1};
  for (int i = 0; i < cfg->num_blocks; i++) {
    const sg2_block_config *B = &cfg->blocks[i];
    const int r = B->res, log2 = i + 2;
    char t[64], tn[128], tf[64];
    snprintf(t, sizeof t, "synthesis.%s", B->name);
    snprintf(tn, sizeof tn, "%s.resample_filter", t);
    if (add_filter(c, tn, cfg->filter, cfg->filter_taps))
      return -1;
    if (!B->in_channels) {
      int64_t shape[3] = {B->out_channels, r, r};
      snprintf(tn, sizeof tn, "%s.const", t);
      if (convert(c, tn, "synthesis/4x4/Const/const", X_FIRST, 3, shape))
        return -1;
      snprintf(tn, sizeof tn, "%s.conv1", t);
      if (convert_layer(c, cfg, tn, "synthesis/4x4/Conv", B->out_channels,
                        B->out_channels, r, 0, 0))
        return -1;
    } else {
      snprintf(tn, sizeof tn, "%s.conv0", t);
      snprintf(tf, sizeof tf, "synthesis/%dx%d/Conv0_up", r, r);
      if (convert_layer(c, cfg, tn, tf, B->in_channels, B->out_channels, r, 1,
                        log2 * 2 - 5))
        return -1;
      snprintf(tn, sizeof tn, "%s.conv0.resample_filter", t);
      if (add_filter(c, tn, cfg->filter, cfg->filter_taps))
        return -1;
      snprintf(tn, sizeof tn, "%s.conv1", t);
      snprintf(tf, sizeof tf, "synthesis/%dx%d/Conv1", r, r);
      if (convert_layer(c, cfg, tn, tf, B->out_channels, B->out_channels, r, 0,
                        log2 * 2 - 4))
        return -1;
    }
    /* conv1 gets the default filter (the block does not pass its own). */
    snprintf(tn, sizeof tn, "%s.conv1.resample_filter", t);
    if (add_filter(c, tn, default_filter, 4))
      return -1;
    char fn[96];
    if (B->has_torgb) {
      int64_t w[4] = {cfg->img_channels, B->out_channels, 1, 1};
      int64_t b[1] = {cfg->img_channels}, aw[2] = {B->out_channels, cfg->w_dim};
      int64_t ab[1] = {B->out_channels};
      snprintf(tn, sizeof tn, "%s.torgb.weight", t);
      snprintf(fn, sizeof fn, "synthesis/%dx%d/ToRGB/weight", r, r);
      if (convert(c, tn, fn, X_CONV, 4, w))
        return -1;
      snprintf(tn, sizeof tn, "%s.torgb.bias", t);
      snprintf(fn, sizeof fn, "synthesis/%dx%d/ToRGB/bias", r, r);
      if (convert(c, tn, fn, X_SAME, 1, b))
        return -1;
      snprintf(tn, sizeof tn, "%s.torgb.affine.weight", t);
      snprintf(fn, sizeof fn, "synthesis/%dx%d/ToRGB/mod_weight", r, r);
      if (convert(c, tn, fn, X_T, 2, aw))
        return -1;
      snprintf(tn, sizeof tn, "%s.torgb.affine.bias", t);
      snprintf(fn, sizeof fn, "synthesis/%dx%d/ToRGB/mod_bias", r, r);
      if (convert(c, tn, fn, X_PLUS1, 1, ab))
        return -1;
    }
    if (B->has_skip) {
      int64_t w[4] = {B->out_channels, B->in_channels, 1, 1};
      snprintf(tn, sizeof tn, "%s.skip.weight", t);
      snprintf(fn, sizeof fn, "synthesis/%dx%d/Skip/weight", r, r);
      if (convert(c, tn, fn, X_CONV_FLIP, 4, w))
        return -1;
      snprintf(tn, sizeof tn, "%s.skip.resample_filter", t);
      if (add_filter(c, tn, cfg->filter, cfg->filter_taps))
        return -1;
    }
  }
  return 0;
}

/* ---- kwargs ------------------------------------------------------------- */

static pk_obj *new_obj(tf_ctx *c, pk_type type) {
  return pk_new(c->vm, type);
}

static pk_obj *new_int(tf_ctx *c, int64_t v) {
  pk_obj *o = new_obj(c, PK_INT);
  if (o)
    o->u.i = v;
  return o;
}

static pk_obj *new_float(tf_ctx *c, double v) {
  pk_obj *o = new_obj(c, PK_FLOAT);
  if (o)
    o->u.f = v;
  return o;
}

static pk_obj *new_str(tf_ctx *c, const char *s) {
  pk_obj *o = new_obj(c, PK_STR);
  if (o) {
    o->u.s.p = (const uint8_t *)s;
    o->u.s.n = strlen(s);
  }
  return o;
}

/* The kwargs convert_tf_generator knows; `known` marks those it reads. */
static const char *const tf_kwargs[] = {
    "latent_size",
    "label_size",
    "dlatent_size",
    "resolution",
    "num_channels",
    "fmap_base",
    "fmap_max",
    "num_fp16_res",
    "conv_clamp",
    "architecture",
    "resample_kernel",
    "use_noise",
    "nonlinearity",
    "mapping_layers",
    "label_fmaps",
    "mapping_fmaps",
    "mapping_nonlinearity",
    "mapping_lrmul",
    "w_avg_beta",
    "truncation_psi",
    "truncation_cutoff",
    "style_mixing_prob",
    "structure",
    "conditioning",
    "fused_modconv",
};

/* kwarg(tf_name, default, none): the value if present and not None, else
 * the default (or `none` for an explicit None). */
static pk_obj *kwarg(tf_ctx *c, const pk_obj *kw, const char *name,
                     pk_obj *dflt, pk_obj *none) {
  const pk_obj *v = pk_dict_get(kw, name);
  if (!v)
    v = dflt;
  if (!v || v->type == PK_NONE)
    return none ? none : new_obj(c, PK_NONE);
  return (pk_obj *)v;
}

static int put(tf_ctx *c, pk_obj *d, const char *key, pk_obj *v) {
  pk_obj *k = new_str(c, key);
  return !k || !v || pk_seq_push(c->vm, d, k) || pk_seq_push(c->vm, d, v) ? -1
                                                                          : 0;
}

static char *convert_kwargs(tf_ctx *c, const pk_obj *kw) {
  char shown[PK_SHOW_SIZE];
  for (size_t i = 0; i + 1 < kw->u.seq.n; i += 2) {
    const pk_obj *k = kw->u.seq.v[i];
    if (k->type != PK_STR) {
      sg3_fail(c->error, SG3_ERR_CORRUPT,
               "the TensorFlow network has a static kwarg that is a %s",
               pk_type_name(k));
      return NULL;
    }
    int known = 0;
    for (size_t j = 0; j < sizeof tf_kwargs / sizeof *tf_kwargs; j++)
      known |= pk_slice_eq(k->u.s, tf_kwargs[j]);
    if (known)
      continue;
    const char *why = pk_slice_eq(k->u.s, "synthesis_func")
                          ? " (StyleGAN2 configs A-D and StyleGAN1 "
                            "synthesis networks are not supported)"
                          : "";
    sg3_fail(c->error, SG3_ERR_UNSUPPORTED,
             "unknown TensorFlow kwarg '%s'%s: the network is not one that "
             "the official converter (legacy.py) handles",
             pk_show(k->u.s, shown, sizeof shown), why);
    return NULL;
  }
  /* fmap_base * 2, keeping Python's type. */
  const pk_obj *fb = pk_dict_get(kw, "fmap_base");
  pk_obj *cb;
  if (!fb)
    cb = new_int(c, 16384 * 2);
  else if (fb->type == PK_INT && fb->u.i > -(1ll << 40) &&
           fb->u.i < (1ll << 40))
    cb = new_int(c, fb->u.i * 2);
  else if (fb->type == PK_FLOAT)
    cb = new_float(c, fb->u.f * 2);
  else {
    sg3_fail(c->error, SG3_ERR_CORRUPT,
             "the TensorFlow kwarg fmap_base is a %s, not a number",
             pk_type_name(fb));
    return NULL;
  }
  pk_obj *filter = new_obj(c, PK_LIST);
  for (int i = 0; filter && i < 4; i++)
    if (pk_seq_push(c->vm, filter, new_int(c, i == 0 || i == 3 ? 1 : 3)))
      return NULL;
  pk_obj *yes = new_obj(c, PK_BOOL);
  if (yes)
    yes->u.i = 1;
  pk_obj *g = new_obj(c, PK_DICT), *m = new_obj(c, PK_DICT);
  if (!g || !m || !filter || !yes)
    return NULL;
  if (put(c, g, "z_dim", kwarg(c, kw, "latent_size", new_int(c, 512), NULL)) ||
      put(c, g, "c_dim", kwarg(c, kw, "label_size", new_int(c, 0), NULL)) ||
      put(c, g, "w_dim", kwarg(c, kw, "dlatent_size", new_int(c, 512), NULL)) ||
      put(c, g, "img_resolution",
          kwarg(c, kw, "resolution", new_int(c, 1024), NULL)) ||
      put(c, g, "img_channels",
          kwarg(c, kw, "num_channels", new_int(c, 3), NULL)) ||
      put(c, g, "channel_base", cb) ||
      put(c, g, "channel_max",
          kwarg(c, kw, "fmap_max", new_int(c, 512), NULL)) ||
      put(c, g, "num_fp16_res",
          kwarg(c, kw, "num_fp16_res", new_int(c, 0), NULL)) ||
      put(c, g, "conv_clamp", kwarg(c, kw, "conv_clamp", NULL, NULL)) ||
      put(c, g, "architecture",
          kwarg(c, kw, "architecture", new_str(c, "skip"), NULL)) ||
      put(c, g, "resample_filter",
          kwarg(c, kw, "resample_kernel", filter, NULL)) ||
      put(c, g, "use_noise", kwarg(c, kw, "use_noise", yes, NULL)) ||
      put(c, g, "activation",
          kwarg(c, kw, "nonlinearity", new_str(c, "lrelu"), NULL)) ||
      put(c, m, "num_layers",
          kwarg(c, kw, "mapping_layers", new_int(c, 8), NULL)) ||
      put(c, m, "embed_features", kwarg(c, kw, "label_fmaps", NULL, NULL)) ||
      put(c, m, "layer_features", kwarg(c, kw, "mapping_fmaps", NULL, NULL)) ||
      put(c, m, "activation",
          kwarg(c, kw, "mapping_nonlinearity", new_str(c, "lrelu"), NULL)) ||
      put(c, m, "lr_multiplier",
          kwarg(c, kw, "mapping_lrmul", new_float(c, 0.01), NULL)) ||
      put(c, m, "w_avg_beta",
          kwarg(c, kw, "w_avg_beta", new_float(c, 0.995), new_int(c, 1))) ||
      put(c, g, "mapping_kwargs", m))
    return NULL;
  return pk_to_json(c->vm, g, c->error);
}

/* Clearer reasons for two kinds of network the converter cannot map (it
 * would fail on a missing variable). */
static int refuse_known_kinds(tf_ctx *c) {
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, c->vars);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    const char *n = key;
    if (g_str_has_prefix(n, "synthesis/ToRGB_lod"))
      return sg3_fail(c->error, SG3_ERR_UNSUPPORTED,
                      "the TensorFlow network names its output layers as "
                      "progressive-growing networks do "
                      "('synthesis/ToRGB_lod<n>/...'), which the official "
                      "converter does not map");
    if (!strcmp(n, "mapping/LabelConcat/weight"))
      return sg3_fail(c->error, SG3_ERR_UNSUPPORTED,
                      "the TensorFlow network is conditional through "
                      "'mapping/LabelConcat' (the original StyleGAN2 code); "
                      "only StyleGAN2-ADA's 'mapping/LabelEmbed' converts");
  }
  return 0;
}

int sg3_pickle_tf_extract(pk_vm *vm, const pk_obj *root, uint64_t max_out_bytes,
                          sg3_tensor_set *set, char **error) {
  const pk_obj *gs = is_network(root) ? root : root->u.seq.v[2];
  tf_ctx c = {
      .vm = vm, .set = set, .max_out_bytes = max_out_bytes, .error = error};
  const pk_obj *st = net_state(gs, "Gs", error);
  if (!st)
    return -1;
  const pk_obj *version = pk_dict_get(st, "version");
  if (!version || version->type != PK_INT)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the TensorFlow network has no version number");
  if (version->u.i < 4)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "TensorFlow network pickle version %lld is too low: "
                    "only StyleGAN2 and StyleGAN2-ADA networks (version 4 "
                    "and later) are supported",
                    (long long)version->u.i);
  const pk_obj *kw = pk_dict_get(st, "static_kwargs");
  if (!kw || kw->type != PK_DICT)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the TensorFlow network has no static_kwargs dict");
  if (!(set->init_kwargs = convert_kwargs(&c, kw)))
    return -1;
  if (!(set->family = strdup("stylegan2")))
    return sg3_oom(error, NULL);
  sg2_config cfg;
  if (sg2_config_parse(set->init_kwargs, &cfg, error)) {
    sg3_prefix_error(error, "the converted TensorFlow kwargs");
    return -1;
  }
  c.vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  int rc = collect(&c, gs, "", 0);
  if (!rc)
    rc = refuse_known_kinds(&c);
  if (!rc && cfg.filter_taps == 0)
    rc = sg3_fail(error, SG3_ERR_UNSUPPORTED,
                  "a 2-D TensorFlow resample_kernel is not supported");
  if (!rc)
    rc = convert_mapping(&c, &cfg);
  if (!rc)
    rc = convert_synthesis(&c, &cfg);
  g_hash_table_destroy(c.vars);
  sg2_config_clear(&cfg);
  return rc;
}
