/* What the callables found in StyleGAN3 network pickles produce: torch
 * tensors and storages (the legacy torch.save stream inside
 * torch.storage._load_from_bytes), torch_utils.persistence objects, numpy
 * arrays, scalars and dtypes, OrderedDict/EasyDict. Any other callable gives
 * an opaque instance, so that the parts of a snapshot we skip (D,
 * augment_pipe) parse whatever they hold. */
#include <stdlib.h>
#include <string.h>

#include "io/pickle_torch.h"

/* ---- the objects ---- */

static const pk_ext_type persistent_type = {"persistent object", 1};
static const pk_ext_type storage_type = {"torch storage", 0};
static const pk_ext_type tensor_type = {"torch tensor", 0};
static const pk_ext_type ndarray_type = {"numpy array", 0};
static const pk_ext_type dtype_type = {"numpy dtype", 0};

pk_storage *pk_torch_storage(const pk_obj *o) {
  return pk_ext_data(o, &storage_type);
}
pk_tensor *pk_torch_tensor(const pk_obj *o) {
  return pk_ext_data(o, &tensor_type);
}
pk_ndarray *pk_torch_ndarray(const pk_obj *o) {
  return pk_ext_data(o, &ndarray_type);
}
pk_dtype *pk_torch_dtype(const pk_obj *o) {
  return pk_ext_data(o, &dtype_type);
}
pk_obj *pk_torch_persistent(const pk_obj *o) {
  return pk_ext_data(o, &persistent_type);
}

/* A new object of `type` with `size` zeroed bytes of contents. */
static pk_obj *new_ext(pk_vm *vm, const pk_ext_type *type, size_t size,
                       void **data) {
  pk_obj *o = pk_new_ext(vm, type, NULL);
  if (!o || !(o->u.ext.data = pk_alloc(vm, size)))
    return NULL;
  *data = o->u.ext.data;
  return o;
}

static pk_torch_state *state(pk_vm *vm) {
  return vm->hook_data;
}

/* ---- argument helpers ---- */

static size_t nargs(const pk_obj *args) {
  return args->u.seq.n;
}
static pk_obj *arg(const pk_obj *args, size_t i) {
  return args->u.seq.v[i];
}

static int want_args(pk_vm *vm, const pk_obj *fn, const pk_obj *args, size_t lo,
                     size_t hi) {
  size_t n = nargs(args);
  char m[PK_SHOW_SIZE], f[PK_SHOW_SIZE];
  if (n < lo || n > hi)
    return pk_fail(vm, "%s.%s called with %zu arguments",
                   pk_show(fn->u.global.module, m, sizeof m),
                   pk_show(fn->u.global.name, f, sizeof f), n);
  return 0;
}

static int get_int(pk_vm *vm, const pk_obj *o, const char *what, int64_t *v) {
  if (!o || (o->type != PK_INT && o->type != PK_BOOL))
    return pk_fail(vm, "%s is a %s, not an int", what, pk_type_name(o));
  *v = o->u.i;
  return 0;
}

/* A tuple (or list) of at most PK_MAX_DIMS non-negative ints. */
static int get_dims(pk_vm *vm, const pk_obj *o, const char *what, int *ndim,
                    int64_t *dims) {
  if (!o || (o->type != PK_TUPLE && o->type != PK_LIST))
    return pk_fail(vm, "%s is a %s, not a tuple", what, pk_type_name(o));
  if (o->u.seq.n > PK_MAX_DIMS)
    return pk_fail(vm, "%s has %zu dimensions (at most %d)", what, o->u.seq.n,
                   PK_MAX_DIMS);
  *ndim = (int)o->u.seq.n;
  for (int i = 0; i < *ndim; i++) {
    if (get_int(vm, o->u.seq.v[i], what, &dims[i]))
      return -1;
    if (dims[i] < 0)
      return pk_fail(vm, "%s has a negative entry", what);
  }
  return 0;
}

static int is_module(pk_slice m, const char *a, const char *b) {
  return pk_slice_eq(m, a) || (b && pk_slice_eq(m, b));
}

/* ---- dicts and sets ---- */

static int is_dict_class(const pk_obj *cls) {
  return pk_is_global(cls, "collections", "OrderedDict") ||
         pk_is_global(cls, "dnnlib.util", "EasyDict") ||
         pk_is_global(cls, "dnnlib", "EasyDict") ||
         pk_is_global(cls, "builtins", "dict") ||
         pk_is_global(cls, "__builtin__", "dict");
}

/* dict(iterable of pairs) or dict(mapping). */
static int make_dict(pk_vm *vm, const pk_obj *fn, const pk_obj *args,
                     pk_obj **out) {
  if (want_args(vm, fn, args, 0, 1))
    return -1;
  pk_obj *d = pk_new(vm, PK_DICT);
  if (!(*out = d))
    return -1;
  if (!nargs(args))
    return 0;
  const pk_obj *src = arg(args, 0);
  if (src->type == PK_DICT) {
    for (size_t i = 0; i < src->u.seq.n; i++)
      if (pk_seq_push(vm, d, src->u.seq.v[i]))
        return -1;
    return 0;
  }
  if (src->type != PK_LIST && src->type != PK_TUPLE)
    return pk_fail(vm, "dict() of a %s", pk_type_name(src));
  for (size_t i = 0; i < src->u.seq.n; i++) {
    const pk_obj *pair = src->u.seq.v[i];
    if ((pair->type != PK_TUPLE && pair->type != PK_LIST) || pair->u.seq.n != 2)
      return pk_fail(vm, "dict() item is not a pair");
    if (pk_seq_push(vm, d, pair->u.seq.v[0]) ||
        pk_seq_push(vm, d, pair->u.seq.v[1]))
      return -1;
  }
  return 0;
}

static int make_set(pk_vm *vm, const pk_obj *fn, const pk_obj *args,
                    pk_type type, pk_obj **out) {
  if (want_args(vm, fn, args, 0, 1))
    return -1;
  pk_obj *s = pk_new(vm, type);
  if (!(*out = s))
    return -1;
  if (!nargs(args))
    return 0;
  const pk_obj *src = arg(args, 0);
  if (src->type != PK_LIST && src->type != PK_TUPLE && src->type != PK_SET &&
      src->type != PK_FROZENSET)
    return pk_fail(vm, "set() of a %s", pk_type_name(src));
  for (size_t i = 0; i < src->u.seq.n; i++)
    if (pk_seq_push(vm, s, src->u.seq.v[i]))
      return -1;
  return 0;
}

/* ---- torch storages: the legacy torch.save stream ---- */

static pk_obj *find_storage(pk_vm *vm, pk_slice key) {
  pk_torch_state *st = state(vm);
  for (size_t i = 0; i < st->nstorages; i++) {
    pk_storage *s = pk_torch_storage(st->storages[i]);
    if (s->key.n == key.n && memcmp(s->key.p, key.p, key.n) == 0)
      return st->storages[i];
  }
  return NULL;
}

static int add_storage(pk_vm *vm, pk_obj *o) {
  pk_torch_state *st = state(vm);
  if (st->nstorages >= PK_MAX_STORAGES_PER_STREAM)
    return pk_fail_code(vm, SG3_ERR_TOO_LARGE,
                        "more than %d storages in one torch.save stream",
                        PK_MAX_STORAGES_PER_STREAM);
  st->storages[st->nstorages++] = o;
  return 0;
}

static pk_obj *new_storage(pk_vm *vm, pk_slice type_name, sg3_dtype dtype,
                           pk_slice key, uint64_t numel) {
  pk_storage *s;
  pk_obj *o = new_ext(vm, &storage_type, sizeof *s, (void **)&s);
  if (!o)
    return NULL;
  s->type_name = type_name;
  s->dtype = dtype;
  s->elem_size = sg3_dtype_get(dtype)->size;
  s->key = key;
  s->numel = numel;
  return add_storage(vm, o) ? NULL : o;
}

/* ('storage', torch.XStorage, key, location, numel[, view_metadata]) */
static int torch_persistent_load(pk_vm *vm, pk_obj *pid, pk_obj **out) {
  if (!state(vm)->inner)
    return pk_fail(vm, "persistent id outside a torch.save stream");
  if (pid->type != PK_TUPLE || pid->u.seq.n < 5 || pid->u.seq.n > 6 ||
      !pk_is_str(arg(pid, 0), "storage"))
    return pk_fail(vm, "unsupported persistent id (a %s)", pk_type_name(pid));
  pk_obj *type = arg(pid, 1), *key = arg(pid, 2);
  int64_t numel = 0;
  if (type->type != PK_GLOBAL || !pk_slice_eq(type->u.global.module, "torch"))
    return pk_fail(vm, "storage type is not a torch class");
  if (key->type != PK_STR || get_int(vm, arg(pid, 4), "storage size", &numel))
    return pk_fail(vm, "malformed storage persistent id");
  if (numel < 0)
    return pk_fail(vm, "negative storage size");
  sg3_dtype dtype = sg3_dtype_from_torch((const char *)type->u.global.name.p,
                                         type->u.global.name.n);
  size_t elem_size = sg3_dtype_get(dtype)->size;
  char shown[PK_SHOW_SIZE];
  if (!elem_size)
    return pk_fail_code(vm, SG3_ERR_UNSUPPORTED,
                        "unknown storage type torch.%s",
                        pk_show(type->u.global.name, shown, sizeof shown));

  pk_obj *root = find_storage(vm, key->u.s);
  if (!root && !(root = new_storage(vm, type->u.global.name, dtype, key->u.s,
                                    (uint64_t)numel)))
    return -1;
  if (pk_torch_storage(root)->elem_size != elem_size)
    return pk_fail(vm, "storage %s used with two element types",
                   pk_show(key->u.s, shown, sizeof shown));
  pk_obj *view = pid->u.seq.n == 6 ? arg(pid, 5) : NULL;
  if (!view || view->type == PK_NONE) {
    *out = root;
    return 0;
  }
  /* (view_key, offset, size), offset and size in elements (PyTorch < 1.0). */
  int64_t off = 0, size = 0;
  if (view->type != PK_TUPLE || view->u.seq.n != 3 ||
      arg(view, 0)->type != PK_STR ||
      get_int(vm, arg(view, 1), "view offset", &off) ||
      get_int(vm, arg(view, 2), "view size", &size))
    return pk_fail(vm, "malformed storage view metadata");
  if (off < 0 || size < 0)
    return pk_fail(vm, "negative storage view offset or size");
  pk_obj *v = find_storage(vm, arg(view, 0)->u.s);
  if (!v) {
    if (!(v = new_storage(vm, type->u.global.name, dtype, arg(view, 0)->u.s,
                          (uint64_t)size)))
      return -1;
    pk_torch_storage(v)->view_of = root;
    pk_torch_storage(v)->view_offset = (uint64_t)off;
  }
  *out = v;
  return 0;
}

static const uint8_t torch_magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                        0x20, 0x6a, 0xa8, 0x50, 0x19};

/* After the pickles: for each key, u64 element count + raw elements. */
static int read_storage_data(pk_vm *in, const pk_obj *keys) {
  if (keys->type != PK_LIST)
    return pk_fail(in, "torch.save storage key list is a %s",
                   pk_type_name(keys));
  for (size_t i = 0; i < keys->u.seq.n; i++) {
    in->op_pos = in->pos;
    const pk_obj *key = keys->u.seq.v[i];
    pk_obj *o = key->type == PK_STR ? find_storage(in, key->u.s) : NULL;
    if (!o || pk_torch_storage(o)->view_of)
      return pk_fail(in, "torch.save data for an unknown storage");
    pk_storage *s = pk_torch_storage(o);
    if (in->n - in->pos < 8)
      return pk_fail(in, "truncated: storage data");
    if (pk_need(in, in->p + in->pos, 8))
      return -1;
    uint64_t count = 0;
    for (int b = 7; b >= 0; b--)
      count = count << 8 | in->p[in->pos + (size_t)b];
    in->pos += 8;
    if (count != s->numel)
      return pk_fail(in, "storage holds %llu elements, %llu declared",
                     (unsigned long long)count, (unsigned long long)s->numel);
    size_t left = in->n - in->pos;
    if (count > left / s->elem_size)
      return pk_fail(in,
                     "truncated: storage of %llu x %zu bytes, %zu bytes left",
                     (unsigned long long)count, s->elem_size, left);
    s->data = in->p + in->pos;
    in->pos += (size_t)count * s->elem_size;
  }
  pk_torch_state *st = state(in);
  for (size_t i = 0; i < st->nstorages; i++) {
    pk_storage *s = pk_torch_storage(st->storages[i]);
    if (!s->view_of)
      continue;
    const pk_storage *r = pk_torch_storage(s->view_of);
    if (!r->data || s->view_offset > r->numel ||
        s->numel > r->numel - s->view_offset)
      return pk_fail(in, "storage view outside its storage");
    s->data = r->data + s->view_offset * r->elem_size;
  }
  return 0;
}

/* torch.storage._load_from_bytes(b): torch.load of a legacy (non-zip)
 * torch.save stream holding one storage. Its data stays in the input. */
static int load_from_bytes(pk_vm *vm, const pk_obj *bytes, pk_obj **out) {
  if (state(vm)->inner)
    return pk_fail(vm, "nested torch.save stream");
  if (bytes->type != PK_BYTES)
    return pk_fail(vm, "_load_from_bytes of a %s", pk_type_name(bytes));
  if (pk_need(vm, bytes->u.s.p, bytes->u.s.n < 4 ? bytes->u.s.n : 4))
    return -1;
  if (bytes->u.s.n >= 4 && memcmp(bytes->u.s.p, "PK\3\4", 4) == 0)
    return pk_fail_code(vm, SG3_ERR_UNSUPPORTED,
                        "zip-format torch.save storages are not supported");
  pk_vm in;
  pk_torch_state ist = {.inner = 1, .call_depth = state(vm)->call_depth};
  pk_vm_init(&in, vm->heap, &pk_torch_hooks, &ist, bytes->u.s.p, bytes->u.s.n,
             vm->error);
  pk_obj *magic, *proto, *info, *obj, *keys;
  int rc = -1;
  if (pk_vm_run(&in, &magic))
    goto out;
  if (magic->type != PK_BIGINT || magic->u.s.n != sizeof torch_magic ||
      memcmp(magic->u.s.p, torch_magic, sizeof torch_magic)) {
    in.op_pos = 0;
    pk_fail(&in, "storage bytes are not a torch.save stream");
    goto out;
  }
  if (pk_vm_run(&in, &proto))
    goto out;
  if (proto->type != PK_INT || proto->u.i != 1001) {
    pk_fail_code(&in, SG3_ERR_UNSUPPORTED, "unsupported torch.save protocol");
    goto out;
  }
  if (pk_vm_run(&in, &info))
    goto out;
  const pk_obj *le = pk_dict_get(info, "little_endian");
  if (info->type != PK_DICT || (le && !(le->type == PK_BOOL && le->u.i))) {
    pk_fail_code(&in, SG3_ERR_UNSUPPORTED,
                 "big-endian torch.save streams are not supported");
    goto out;
  }
  if (pk_vm_run(&in, &obj) || pk_vm_run(&in, &keys) ||
      read_storage_data(&in, keys))
    goto out;
  if (!pk_torch_storage(obj) || !pk_torch_storage(obj)->data) {
    pk_fail(&in, "torch.save stream holds a %s, not a storage",
            pk_type_name(obj));
    goto out;
  }
  *out = obj;
  rc = 0;
out:
  pk_vm_free(&in);
  return rc;
}

/* ---- torch tensors ---- */

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks
 * [, metadata]) and the older _rebuild_tensor(storage, offset, size,
 * stride). The view must lie inside the storage. */
static int rebuild_tensor(pk_vm *vm, const pk_obj *args, pk_obj **out) {
  pk_obj *st = arg(args, 0);
  if (!pk_torch_storage(st))
    return pk_fail(vm, "tensor storage is a %s", pk_type_name(st));
  pk_tensor *t;
  pk_obj *o = new_ext(vm, &tensor_type, sizeof *t, (void **)&t);
  if (!o)
    return -1;
  t->storage = st;
  int nstride;
  if (get_int(vm, arg(args, 1), "tensor offset", &t->offset) ||
      get_dims(vm, arg(args, 2), "tensor size", &t->ndim, t->size) ||
      get_dims(vm, arg(args, 3), "tensor stride", &nstride, t->stride))
    return -1;
  if (nstride != t->ndim)
    return pk_fail(vm, "tensor size and stride differ in length");
  if (t->offset < 0)
    return pk_fail(vm, "negative tensor offset");
  uint64_t last = (uint64_t)t->offset, limit = UINT64_MAX / 2;
  int empty = 0;
  for (int i = 0; i < t->ndim; i++) {
    if (t->size[i] == 0)
      empty = 1;
    else if (t->stride[i] &&
             (uint64_t)(t->size[i] - 1) > limit / (uint64_t)t->stride[i])
      return pk_fail(vm, "tensor view too large");
    else
      last += (uint64_t)(t->size[i] - 1) * (uint64_t)t->stride[i];
    if (last > limit)
      return pk_fail(vm, "tensor view too large");
  }
  if (!empty && last >= pk_torch_storage(st)->numel)
    return pk_fail(vm, "tensor view reaches element %llu of a storage of %llu",
                   (unsigned long long)last,
                   (unsigned long long)pk_torch_storage(st)->numel);
  *out = o;
  return 0;
}

/* ---- numpy ---- */

static int parse_dtype(pk_vm *vm, const pk_obj *s, pk_obj **out) {
  if (s->type != PK_STR)
    return pk_fail(vm, "numpy.dtype of a %s", pk_type_name(s));
  pk_dtype *d;
  pk_obj *o = new_ext(vm, &dtype_type, sizeof *d, (void **)&d);
  if (!o)
    return -1;
  d->str = s->u.s;
  const uint8_t *p = s->u.s.p, *end = p + s->u.s.n;
  if (p < end && (*p == '<' || *p == '>' || *p == '|' || *p == '=')) {
    d->big_endian = *p == '>';
    p++;
  }
  char kind = p < end ? (char)*p++ : 0;
  size_t size = 0;
  while (p < end && *p >= '0' && *p <= '9' && size < 1000000)
    size = size * 10 + (size_t)(*p++ - '0');
  d->elem_size = size;
  d->dtype = sg3_dtype_from_numpy(kind, size);
  if (kind == 'O')
    d->is_object = 1;
  *out = o;
  return 0;
}

/* numpy.dtype.__setstate__: (version, byteorder, ...). Only the byte order
 * matters to us. */
static int build_dtype(pk_vm *vm, pk_dtype *d, const pk_obj *state) {
  if (state->type != PK_TUPLE || state->u.seq.n < 2)
    return pk_fail(vm, "malformed numpy dtype state");
  const pk_obj *order = arg(state, 1);
  if (order->type == PK_STR && order->u.s.n == 1)
    d->big_endian = order->u.s.p[0] == '>';
  return 0;
}

static int set_array(pk_vm *vm, pk_ndarray *a, const pk_obj *shape,
                     pk_obj *dtype, pk_obj *data, int fortran) {
  const pk_dtype *d = pk_torch_dtype(dtype);
  if (!d)
    return pk_fail(vm, "numpy array dtype is a %s", pk_type_name(dtype));
  if (get_dims(vm, shape, "numpy array shape", &a->ndim, a->shape))
    return -1;
  size_t numel = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] && numel > (SIZE_MAX / 16) / (uint64_t)a->shape[i])
      return pk_fail_code(vm, SG3_ERR_TOO_LARGE, "numpy array too large");
    numel *= (size_t)a->shape[i];
  }
  if (d->is_object) {
    if (data->type != PK_LIST || data->u.seq.n != numel)
      return pk_fail(vm, "numpy object array data does not match its shape");
  } else if (data->type != PK_BYTES || !d->elem_size ||
             numel > data->u.s.n / d->elem_size ||
             numel * d->elem_size != data->u.s.n) {
    return pk_fail(vm, "numpy array data does not match its shape");
  }
  a->dtype = dtype;
  a->numel = numel;
  a->data = data;
  a->fortran = fortran;
  return 0;
}

static pk_obj *new_ndarray(pk_vm *vm) {
  void *a;
  return new_ext(vm, &ndarray_type, sizeof(pk_ndarray), &a);
}

/* ndarray.__setstate__((version,) shape, dtype, is_fortran, rawdata) */
static int build_ndarray(pk_vm *vm, pk_ndarray *a, const pk_obj *state) {
  if (state->type != PK_TUPLE || state->u.seq.n < 4 || state->u.seq.n > 5)
    return pk_fail(vm, "malformed numpy array state");
  size_t k = state->u.seq.n - 4;
  const pk_obj *fortran = arg(state, k + 2);
  return set_array(vm, a, arg(state, k), arg(state, k + 1), arg(state, k + 3),
                   fortran->type == PK_BOOL && fortran->u.i);
}

/* numpy.core.multiarray.scalar(dtype, bytes): a plain number for us. */
static int numpy_scalar(pk_vm *vm, const pk_obj *fn, const pk_obj *args,
                        pk_obj **out) {
  if (want_args(vm, fn, args, 1, 2))
    return -1;
  const pk_obj *dt = arg(args, 0);
  const pk_dtype *d = pk_torch_dtype(dt);
  if (!d)
    return pk_fail(vm, "numpy scalar dtype is a %s", pk_type_name(dt));
  if (d->is_object && nargs(args) == 2) {
    *out = arg(args, 1);
    return 0;
  }
  const pk_obj *data = nargs(args) == 2 ? arg(args, 1) : NULL;
  if (!data || data->type != PK_BYTES || data->u.s.n != d->elem_size)
    return pk_fail(vm, "numpy scalar data does not match its dtype");
  int64_t i = 0;
  double f = 0;
  if (pk_need(vm, data->u.s.p, data->u.s.n))
    return -1;
  int r = sg3_dtype_read_number(d->dtype, data->u.s.p, d->big_endian, &i, &f);
  pk_obj *o;
  if (r < 0) { /* complex, strings...: keep it opaque */
    if (!(o = pk_new(vm, PK_INSTANCE)))
      return -1;
    o->u.inst.cls = (pk_obj *)fn;
    o->u.inst.args = (pk_obj *)args;
  } else if (r == 0) {
    if (!(o = pk_new(vm, PK_FLOAT)))
      return -1;
    o->u.f = f;
  } else {
    if (!(o = pk_new(vm, d->dtype == SG3_DT_BOOL ? PK_BOOL : PK_INT)))
      return -1;
    o->u.i = i;
  }
  *out = o;
  return 0;
}

/* numpy.core.numeric._frombuffer(buf, dtype, shape, order): protocol 5. */
static int numpy_frombuffer(pk_vm *vm, const pk_obj *args, pk_obj **out) {
  const pk_obj *order = arg(args, 3);
  pk_obj *o = new_ndarray(vm);
  if (!o || set_array(vm, pk_torch_ndarray(o), arg(args, 2), arg(args, 1),
                      arg(args, 0), pk_is_str(order, "F")))
    return -1;
  *out = o;
  return 0;
}

/* _codecs.encode(str, 'latin1'): how protocol 2 stores bytes. */
static int codecs_encode(pk_vm *vm, const pk_obj *args, pk_obj **out) {
  const pk_obj *s = arg(args, 0);
  if (s->type != PK_STR ||
      (nargs(args) == 2 && !pk_is_str(arg(args, 1), "latin1") &&
       !pk_is_str(arg(args, 1), "latin-1")))
    return pk_fail(vm, "unsupported _codecs.encode call");
  uint8_t *buf = pk_alloc(vm, s->u.s.n + 1);
  if (!buf)
    return -1;
  size_t n = 0;
  for (size_t i = 0; i < s->u.s.n; i++) {
    uint8_t c = s->u.s.p[i];
    if (c < 0x80) {
      buf[n++] = c;
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s->u.s.n &&
               (s->u.s.p[i + 1] & 0xc0) == 0x80) {
      buf[n++] = (uint8_t)((c & 0x03) << 6 | (s->u.s.p[++i] & 0x3f));
    } else {
      return pk_fail(vm, "_codecs.encode: not a latin-1 string");
    }
  }
  pk_obj *o = pk_new(vm, PK_BYTES);
  if (!o)
    return -1;
  o->u.s.p = buf;
  o->u.s.n = n;
  *out = o;
  return 0;
}

/* ---- dispatch ---- */

/* dill._dill._create_array(f, args, state, npdict): how dill (StyleGAN-XL
 * snapshots) pickles every ndarray, f(*args).__setstate__(state). Only
 * numpy's own _reconstruct is run; npdict (instance attributes) is not
 * needed. Every other dill global (_create_function, _create_code,
 * _create_type, _load_type, _import_module...) stays an opaque instance:
 * nothing pickled by value is ever run. */
static int dill_create_array(pk_vm *vm, pk_obj *fn, pk_obj *args,
                             pk_obj **out) {
  const pk_obj *f = arg(args, 0), *fargs = arg(args, 1);
  if (!pk_is_global(f, "numpy.core.multiarray", "_reconstruct") &&
      !pk_is_global(f, "numpy._core.multiarray", "_reconstruct"))
    return (*out = pk_new_instance(vm, fn, args)) ? 0 : -1;
  if (fargs->type != PK_TUPLE || fargs->u.seq.n != 3)
    return pk_fail(vm, "dill _create_array: malformed numpy arguments");
  pk_obj *o = new_ndarray(vm);
  if (!o || build_ndarray(vm, pk_torch_ndarray(o), arg(args, 2)))
    return -1;
  *out = o;
  return 0;
}

static int torch_call(pk_vm *vm, pk_obj *fn, pk_obj *args, pk_obj **out) {
  if (fn->type != PK_GLOBAL)
    return pk_default_call(vm, fn, args, out);
  pk_slice m = fn->u.global.module, name = fn->u.global.name;
  size_t n = nargs(args);

  if (pk_slice_eq(m, "torch_utils.persistence") &&
      pk_slice_eq(name, "_reconstruct_persistent_obj")) {
    if (want_args(vm, fn, args, 1, 1))
      return -1;
    if (arg(args, 0)->type != PK_DICT)
      return pk_fail(vm, "persistent object metadata is a %s",
                     pk_type_name(arg(args, 0)));
    return (*out = pk_new_ext(vm, &persistent_type, arg(args, 0))) ? 0 : -1;
  }
  if (is_dict_class(fn))
    return make_dict(vm, fn, args, out);
  if (is_module(m, "builtins", "__builtin__")) {
    if (pk_slice_eq(name, "set"))
      return make_set(vm, fn, args, PK_SET, out);
    if (pk_slice_eq(name, "frozenset"))
      return make_set(vm, fn, args, PK_FROZENSET, out);
  }
  if (pk_slice_eq(m, "torch._utils")) {
    if (pk_slice_eq(name, "_rebuild_tensor_v2"))
      return want_args(vm, fn, args, 6, 7) ? -1 : rebuild_tensor(vm, args, out);
    if (pk_slice_eq(name, "_rebuild_tensor"))
      return want_args(vm, fn, args, 4, 4) ? -1 : rebuild_tensor(vm, args, out);
    if (pk_slice_eq(name, "_rebuild_parameter") ||
        pk_slice_eq(name, "_rebuild_parameter_with_state")) {
      if (want_args(vm, fn, args, 3, 4))
        return -1;
      if (!pk_torch_tensor(arg(args, 0)))
        return pk_fail(vm, "parameter data is a %s",
                       pk_type_name(arg(args, 0)));
      *out = arg(args, 0);
      return 0;
    }
  }
  if (is_module(m, "torch._tensor", "torch._utils") &&
      pk_slice_eq(name, "_rebuild_from_type_v2")) {
    /* (func, new_type, args, state): a tensor subclass; func(*args). */
    if (want_args(vm, fn, args, 4, 4))
      return -1;
    if (arg(args, 2)->type != PK_TUPLE)
      return pk_fail(vm, "_rebuild_from_type_v2 arguments are not a tuple");
    pk_torch_state *st = state(vm);
    if (st->call_depth >= PK_MAX_CALL_DEPTH)
      return pk_fail_code(vm, SG3_ERR_TOO_LARGE, "calls nested too deeply");
    st->call_depth++;
    int rc = torch_call(vm, arg(args, 0), arg(args, 2), out);
    st->call_depth--;
    return rc;
  }
  if (pk_slice_eq(m, "torch.storage") && pk_slice_eq(name, "_load_from_bytes"))
    return want_args(vm, fn, args, 1, 1)
               ? -1
               : load_from_bytes(vm, arg(args, 0), out);
  if (is_module(m, "numpy.core.multiarray", "numpy._core.multiarray")) {
    if (pk_slice_eq(name, "_reconstruct"))
      return want_args(vm, fn, args, 3, 3) ? -1
             : (*out = new_ndarray(vm))    ? 0
                                           : -1;
    if (pk_slice_eq(name, "scalar"))
      return numpy_scalar(vm, fn, args, out);
  }
  if (is_module(m, "numpy.core.numeric", "numpy._core.numeric") &&
      pk_slice_eq(name, "_frombuffer"))
    return want_args(vm, fn, args, 4, 4) ? -1 : numpy_frombuffer(vm, args, out);
  if (pk_slice_eq(m, "numpy") && pk_slice_eq(name, "dtype"))
    return want_args(vm, fn, args, 1, 3) ? -1
                                         : parse_dtype(vm, arg(args, 0), out);
  if (pk_slice_eq(m, "dill._dill") && pk_slice_eq(name, "_create_array"))
    return want_args(vm, fn, args, 3, 4) ? -1
                                         : dill_create_array(vm, fn, args, out);
  if (pk_slice_eq(m, "_codecs") && pk_slice_eq(name, "encode"))
    return want_args(vm, fn, args, 1, 2) ? -1 : codecs_encode(vm, args, out);
  if (pk_slice_eq(m, "copyreg") && pk_slice_eq(name, "_reconstructor")) {
    /* (cls, base, state): protocol 0/1 way of making an instance. */
    if (want_args(vm, fn, args, 2, 3))
      return -1;
    if (is_dict_class(arg(args, 0)))
      return (*out = pk_new(vm, PK_DICT)) ? 0 : -1;
    pk_obj *o = pk_new_instance(vm, arg(args, 0), args);
    if (o && n == 3 && arg(args, 2)->type != PK_NONE)
      o->u.inst.state = arg(args, 2);
    return (*out = o) ? 0 : -1;
  }
  return pk_default_call(vm, fn, args, out);
}

static int torch_newobj(pk_vm *vm, pk_obj *cls, pk_obj *args, pk_obj **out) {
  if (is_dict_class(cls))
    *out = pk_new(vm, PK_DICT);
  else if (pk_is_global(cls, "builtins", "set"))
    *out = pk_new(vm, PK_SET);
  else
    return pk_default_newobj(vm, cls, args, out);
  return *out ? 0 : -1;
}

static int torch_build(pk_vm *vm, pk_obj *obj, pk_obj *st) {
  pk_ndarray *a;
  pk_dtype *d;
  switch (obj->type) {
  case PK_INSTANCE:
    obj->u.inst.state = st;
    return 0;
  case PK_DICT: /* EasyDict/OrderedDict attributes: not needed */
  case PK_LIST: /* likewise for list subclasses */
  case PK_SET:
    return 0;
  case PK_EXT:
    if ((a = pk_torch_ndarray(obj)))
      return build_ndarray(vm, a, st);
    if ((d = pk_torch_dtype(obj)))
      return build_dtype(vm, d, st);
    /* Persistent objects (the state is in the metadata already), tensor
     * subclasses (_rebuild_from_type_v2), storages. */
    return 0;
  default:
    return pk_fail(vm, "BUILD on a %s", pk_type_name(obj));
  }
}

const pk_hooks pk_torch_hooks = {
    .call = torch_call,
    .newobj = torch_newobj,
    .build = torch_build,
    .persistent_load = torch_persistent_load,
};
