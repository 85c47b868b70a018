/* The pickle opcode interpreter. It mirrors CPython's Unpickler (a value
 * stack split into frames by MARK, a memo, STOP returning the top value)
 * but builds pk_obj values; what callables do is left to the hooks. */
#include "io/pickle_vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define PK_CHUNK 1024

struct pk_chunk {
  pk_chunk *next;
  size_t used;
  pk_obj objs[PK_CHUNK];
};

struct pk_block {
  pk_block *next;
  size_t pad; /* keeps data 16-byte aligned */
  _Alignas(16) unsigned char data[];
};

void pk_heap_init(pk_heap *h, const sg3_source *src) {
  size_t size = src->size;
  memset(h, 0, sizeof *h);
  h->src = src;
  h->file = src->data;
  h->file_size = size;
  h->max_ops = (uint64_t)size + 1024;
  h->max_items = 2 * (uint64_t)size + (1u << 20);
  h->max_alloc_bytes = 2 * (uint64_t)size + (16u << 20);
}

static int is_seq(uint8_t t) {
  return t == PK_TUPLE || t == PK_LIST || t == PK_DICT || t == PK_SET ||
         t == PK_FROZENSET;
}

void pk_heap_free(pk_heap *h) {
  for (pk_chunk *c = h->chunks, *next; c; c = next) {
    next = c->next;
    for (size_t i = 0; i < c->used; i++)
      if (is_seq(c->objs[i].type))
        free(c->objs[i].u.seq.v);
    free(c);
  }
  for (pk_block *b = h->blocks, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  memset(h, 0, sizeof *h);
}

/* File offset of position `pos` of the stream being run, when the stream is
 * a slice of the file (it is unless it came from a decoded string). */
static size_t file_offset(const pk_vm *vm, size_t pos) {
  const pk_heap *h = vm->heap;
  if (h->file && vm->p >= h->file && vm->p < h->file + h->file_size)
    return (size_t)(vm->p - h->file) + pos;
  return pos;
}

static int vfail(pk_vm *vm, int code, const char *fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t at = file_offset(vm, vm->op_pos);
  if (code)
    return sg3_fail(vm->error, (sg3_status)code, "%s (at byte %zu)", buf, at);
  return sg3_set_error(vm->error, "%s (at byte %zu)", buf, at);
}

int pk_fail(pk_vm *vm, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(vm, 0, fmt, ap);
  va_end(ap);
  return -1;
}

int pk_fail_code(pk_vm *vm, sg3_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(vm, code, fmt, ap);
  va_end(ap);
  return -1;
}

int pk_oom(pk_vm *vm) {
  return pk_fail_code(vm, SG3_ERR_NO_MEMORY, "out of memory");
}

int pk_need(pk_vm *vm, const void *p, size_t n) {
  return sg3_need(vm->heap->src, p, n, vm->error);
}

void pk_release(pk_vm *vm, const void *p, size_t n) {
  sg3_release(vm->heap->src, p, n);
}

pk_obj *pk_new(pk_vm *vm, pk_type type) {
  pk_heap *h = vm->heap;
  if (h->nobjects >= PK_MAX_OBJECTS) {
    pk_fail_code(vm, SG3_ERR_TOO_LARGE, "more than %u objects in the pickle",
                 PK_MAX_OBJECTS);
    return NULL;
  }
  if (!h->chunks || h->chunks->used == PK_CHUNK) {
    pk_chunk *c = malloc(sizeof *c);
    if (!c) {
      pk_oom(vm);
      return NULL;
    }
    c->next = h->chunks;
    c->used = 0;
    h->chunks = c;
  }
  pk_obj *o = &h->chunks->objs[h->chunks->used++];
  h->nobjects++;
  memset(o, 0, sizeof *o);
  o->type = (uint8_t)type;
  return o;
}

void *pk_alloc(pk_vm *vm, size_t size) {
  pk_heap *h = vm->heap;
  if (size > h->max_alloc_bytes - h->alloc_bytes) {
    pk_fail_code(vm, SG3_ERR_TOO_LARGE,
                 "the pickle needs more memory than its size justifies");
    return NULL;
  }
  h->alloc_bytes += size;
  pk_block *b = calloc(1, sizeof *b + size);
  if (!b) {
    pk_oom(vm);
    return NULL;
  }
  b->next = vm->heap->blocks;
  vm->heap->blocks = b;
  return b->data;
}

static int count_items(pk_vm *vm, size_t n) {
  pk_heap *h = vm->heap;
  if (n > h->max_items - h->items)
    return pk_fail_code(vm, SG3_ERR_TOO_LARGE,
                        "the pickle fills more container slots than its size "
                        "justifies");
  h->items += n;
  return 0;
}

int pk_seq_push(pk_vm *vm, pk_obj *seq, pk_obj *item) {
  if (count_items(vm, 1))
    return -1;
  if (seq->u.seq.n == seq->u.seq.cap) {
    size_t cap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 4;
    if (cap > SIZE_MAX / sizeof(pk_obj *))
      return pk_oom(vm);
    pk_obj **v = realloc(seq->u.seq.v, cap * sizeof *v);
    if (!v)
      return pk_oom(vm);
    seq->u.seq.v = v;
    seq->u.seq.cap = cap;
  }
  seq->u.seq.v[seq->u.seq.n++] = item;
  return 0;
}

/* A sequence object holding items[0..n) (copied). */
static pk_obj *new_seq(pk_vm *vm, pk_type type, pk_obj *const *items,
                       size_t n) {
  pk_obj *o = pk_new(vm, type);
  if (!o || !n)
    return o;
  if (count_items(vm, n))
    return NULL;
  o->u.seq.v = malloc(n * sizeof *items);
  if (!o->u.seq.v) {
    pk_oom(vm);
    return NULL;
  }
  memcpy(o->u.seq.v, items, n * sizeof *items);
  o->u.seq.n = o->u.seq.cap = n;
  return o;
}

void pk_vm_init(pk_vm *vm, pk_heap *heap, const pk_hooks *hooks,
                void *hook_data, const uint8_t *p, size_t n, char **error) {
  static const pk_hooks none;
  memset(vm, 0, sizeof *vm);
  vm->heap = heap;
  vm->hooks = hooks ? hooks : &none;
  vm->hook_data = hook_data;
  vm->p = p;
  vm->n = n;
  vm->error = error;
  if (!heap->src || !heap->src->need)
    vm->ready = n; /* all in memory */
}

void pk_vm_free(pk_vm *vm) {
  free(vm->stack);
  free(vm->marks);
  free(vm->memo);
  vm->stack = vm->memo = NULL;
  vm->marks = NULL;
}

/* ---- stack ---- */

static size_t frame_base(const pk_vm *vm) {
  return vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
}

static int push(pk_vm *vm, pk_obj *o) {
  if (!o)
    return -1;
  if (vm->sp == vm->stack_cap) {
    if (vm->stack_cap >= PK_MAX_STACK)
      return pk_fail_code(vm, SG3_ERR_TOO_LARGE, "pickle stack deeper than %u",
                          PK_MAX_STACK);
    size_t cap = vm->stack_cap ? vm->stack_cap * 2 : 64;
    pk_obj **s = realloc(vm->stack, cap * sizeof *s);
    if (!s)
      return pk_oom(vm);
    vm->stack = s;
    vm->stack_cap = cap;
  }
  vm->stack[vm->sp++] = o;
  return 0;
}

static pk_obj *pop(pk_vm *vm) {
  if (vm->sp <= frame_base(vm)) {
    pk_fail(vm, "pickle stack underflow");
    return NULL;
  }
  return vm->stack[--vm->sp];
}

static pk_obj *top(pk_vm *vm) {
  if (vm->sp <= frame_base(vm)) {
    pk_fail(vm, "pickle stack underflow");
    return NULL;
  }
  return vm->stack[vm->sp - 1];
}

static int mark(pk_vm *vm) {
  if (vm->nmarks == vm->marks_cap) {
    if (vm->marks_cap >= PK_MAX_MARKS)
      return pk_fail_code(vm, SG3_ERR_TOO_LARGE, "more than %u nested MARKs",
                          PK_MAX_MARKS);
    size_t cap = vm->marks_cap ? vm->marks_cap * 2 : 16;
    size_t *m = realloc(vm->marks, cap * sizeof *m);
    if (!m)
      return pk_oom(vm);
    vm->marks = m;
    vm->marks_cap = cap;
  }
  vm->marks[vm->nmarks++] = vm->sp;
  return 0;
}

/* Ends the current frame: its items are stack[*k..sp). */
static int pop_mark(pk_vm *vm, size_t *k) {
  if (!vm->nmarks)
    return pk_fail(vm, "MARK expected but not found");
  *k = vm->marks[--vm->nmarks];
  return 0;
}

/* ---- reading the stream ---- */

/* Reads the next k bytes of the stream, and some more ahead. */
#define PK_READAHEAD ((size_t)64 << 10)
static int fill(pk_vm *vm, size_t k) {
  size_t want = k > PK_READAHEAD ? k : PK_READAHEAD;
  if (want > vm->n - vm->pos)
    want = vm->n - vm->pos;
  if (pk_need(vm, vm->p + vm->pos, want))
    return -1;
  vm->ready = vm->pos + want;
  return 0;
}

static int need(pk_vm *vm, size_t k, const char *what) {
  if (vm->n - vm->pos < k)
    return pk_fail(vm, "truncated: %s needs %zu bytes, %zu left", what, k,
                   vm->n - vm->pos);
  if (vm->pos + k > vm->ready)
    return fill(vm, k);
  return 0;
}

static uint64_t get_le(const uint8_t *p, int k) {
  uint64_t v = 0;
  for (int i = k - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* A length-prefixed string or bytes: `lenbytes` little-endian length bytes
 * then the data, which must fit in what is left of the stream. With `lazy`,
 * long data is not read yet. */
static int read_slice(pk_vm *vm, int lenbytes, int lazy, const char *what,
                      pk_slice *s) {
  if (need(vm, (size_t)lenbytes, what))
    return -1;
  uint64_t len = get_le(vm->p + vm->pos, lenbytes);
  if (len > vm->n - vm->pos - (size_t)lenbytes)
    return pk_fail(vm, "truncated: %s of %llu bytes, %zu left", what,
                   (unsigned long long)len, vm->n - vm->pos - (size_t)lenbytes);
  vm->pos += (size_t)lenbytes;
  if ((!lazy || len < PK_LAZY_BYTES) && vm->pos + len > vm->ready &&
      fill(vm, (size_t)len))
    return -1;
  s->p = vm->p + vm->pos;
  s->n = (size_t)len;
  vm->pos += (size_t)len;
  return 0;
}

/* A text line ending in '\n' (GLOBAL, GET, PUT); at most 4096 bytes. */
static int read_line(pk_vm *vm, const char *what, pk_slice *s) {
  size_t left = vm->n - vm->pos, max = left < 4096 ? left : 4096;
  if (vm->pos + max > vm->ready && fill(vm, max))
    return -1;
  const uint8_t *start = vm->p + vm->pos;
  const uint8_t *nl = memchr(start, '\n', max);
  if (!nl)
    return pk_fail(vm, "%s: unterminated line", what);
  s->p = start;
  s->n = (size_t)(nl - start);
  vm->pos += s->n + 1;
  return 0;
}

static int line_index(pk_vm *vm, const char *what, uint64_t *idx) {
  pk_slice s;
  if (read_line(vm, what, &s))
    return -1;
  uint64_t v = 0;
  if (!s.n || s.n > 12)
    return pk_fail(vm, "%s: bad memo index", what);
  for (size_t i = 0; i < s.n; i++) {
    if (s.p[i] < '0' || s.p[i] > '9')
      return pk_fail(vm, "%s: bad memo index", what);
    v = v * 10 + (uint64_t)(s.p[i] - '0');
  }
  *idx = v;
  return 0;
}

/* ---- memo ---- */

/* CPython's pickler numbers memo entries 0, 1, 2... in order, so an index
 * may overwrite an entry or append one, never leave a gap: this keeps the
 * memo as large as the number of PUTs and no larger. */
static int memo_put(pk_vm *vm, uint64_t idx) {
  pk_obj *o = top(vm);
  if (!o)
    return -1;
  if (idx < vm->memo_n) {
    vm->memo[idx] = o;
    return 0;
  }
  if (idx != vm->memo_n)
    return pk_fail(vm, "memo index %llu out of order (expected at most %zu)",
                   (unsigned long long)idx, vm->memo_n);
  if (vm->memo_n == vm->memo_cap) {
    if (vm->memo_cap >= PK_MAX_OBJECTS)
      return pk_fail_code(vm, SG3_ERR_TOO_LARGE, "memo larger than %u entries",
                          PK_MAX_OBJECTS);
    size_t cap = vm->memo_cap ? vm->memo_cap * 2 : 256;
    pk_obj **m = realloc(vm->memo, cap * sizeof *m);
    if (!m)
      return pk_oom(vm);
    vm->memo = m;
    vm->memo_cap = cap;
  }
  vm->memo[vm->memo_n++] = o;
  return 0;
}

static int memo_get(pk_vm *vm, uint64_t idx) {
  if (idx >= vm->memo_n)
    return pk_fail(vm, "memo index %llu not defined", (unsigned long long)idx);
  return push(vm, vm->memo[idx]);
}

/* ---- values ---- */

static pk_obj *new_int(pk_vm *vm, int64_t v) {
  pk_obj *o = pk_new(vm, PK_INT);
  if (o)
    o->u.i = v;
  return o;
}

static pk_obj *new_slice(pk_vm *vm, pk_type type, pk_slice s) {
  pk_obj *o = pk_new(vm, type);
  if (o)
    o->u.s = s;
  return o;
}

/* LONG1/LONG4: little-endian two's complement of any length. */
static pk_obj *new_long(pk_vm *vm, pk_slice s) {
  size_t n = s.n;
  if (n == 0)
    return new_int(vm, 0);
  int neg = (s.p[n - 1] & 0x80) != 0;
  /* Drop sign-extension bytes beyond the eighth. */
  size_t m = n;
  while (m > 8 && s.p[m - 1] == (neg ? 0xff : 0x00))
    m--;
  if (m > 8 || (m == 8 && n > 8 && ((s.p[7] & 0x80) != 0) != neg))
    return new_slice(vm, PK_BIGINT, s);
  uint64_t v = neg ? UINT64_MAX : 0;
  for (size_t i = 0; i < m; i++) {
    v &= ~((uint64_t)0xff << (8 * i));
    v |= (uint64_t)s.p[i] << (8 * i);
  }
  int64_t iv;
  memcpy(&iv, &v, sizeof iv);
  return new_int(vm, iv);
}

/* Pops the current frame into a new sequence object. */
static int frame_to_seq(pk_vm *vm, pk_type type) {
  size_t k = 0;
  if (pop_mark(vm, &k))
    return -1;
  pk_obj *o = new_seq(vm, type, vm->stack + k, vm->sp - k);
  vm->sp = k;
  return push(vm, o);
}

static int tuple_n(pk_vm *vm, size_t n) {
  if (vm->sp - frame_base(vm) < n)
    return pk_fail(vm, "pickle stack underflow");
  pk_obj *o = new_seq(vm, PK_TUPLE, vm->stack + vm->sp - n, n);
  vm->sp -= n;
  return push(vm, o);
}

/* Adds items (pairs for dicts) to a container, as APPEND(S), SETITEM(S) and
 * ADDITEMS do. Instances of classes we do not model (list or dict
 * subclasses inside D, say) swallow them. */
static int add_items(pk_vm *vm, pk_obj *target, pk_obj *const *items, size_t n,
                     pk_type want, const char *op) {
  if (target->type == PK_INSTANCE ||
      (target->type == PK_EXT && target->u.ext.type->ignores_items))
    return 0;
  if (target->type != want)
    return pk_fail(vm, "%s on a %s", op, pk_type_name(target));
  if (want == PK_DICT && n % 2)
    return pk_fail(vm, "%s with an odd number of items", op);
  for (size_t i = 0; i < n; i++)
    if (pk_seq_push(vm, target, items[i]))
      return -1;
  return 0;
}

static int frame_into(pk_vm *vm, pk_type want, const char *op) {
  size_t k = 0;
  if (pop_mark(vm, &k))
    return -1;
  size_t n = vm->sp - k;
  vm->sp = k;
  pk_obj *target = top(vm);
  if (!target)
    return -1;
  return add_items(vm, target, vm->stack + k, n, want, op);
}

static int top_into(pk_vm *vm, size_t n, pk_type want, const char *op) {
  if (vm->sp - frame_base(vm) < n + 1)
    return pk_fail(vm, "pickle stack underflow");
  vm->sp -= n;
  return add_items(vm, vm->stack[vm->sp - 1], vm->stack + vm->sp, n, want, op);
}

static int op_global(pk_vm *vm) {
  pk_obj *o = pk_new(vm, PK_GLOBAL);
  if (!o || read_line(vm, "GLOBAL", &o->u.global.module) ||
      read_line(vm, "GLOBAL", &o->u.global.name))
    return -1;
  return push(vm, o);
}

static int op_stack_global(pk_vm *vm) {
  pk_obj *name = pop(vm), *module = name ? pop(vm) : NULL;
  if (!module)
    return -1;
  if (name->type != PK_STR || module->type != PK_STR)
    return pk_fail(vm, "STACK_GLOBAL needs two strings");
  pk_obj *o = pk_new(vm, PK_GLOBAL);
  if (!o)
    return -1;
  o->u.global.module = module->u.s;
  o->u.global.name = name->u.s;
  return push(vm, o);
}

static int op_reduce(pk_vm *vm) {
  pk_obj *args = pop(vm), *fn = args ? pop(vm) : NULL, *out = NULL;
  if (!fn)
    return -1;
  if (args->type != PK_TUPLE)
    return pk_fail(vm, "REDUCE arguments are a %s, not a tuple",
                   pk_type_name(args));
  int (*call)(pk_vm *, pk_obj *, pk_obj *, pk_obj **) =
      vm->hooks->call ? vm->hooks->call : pk_default_call;
  if (call(vm, fn, args, &out))
    return -1;
  return push(vm, out);
}

static int op_newobj(pk_vm *vm, int ex) {
  pk_obj *kwargs = NULL, *args, *cls, *out = NULL;
  if (ex && !(kwargs = pop(vm)))
    return -1;
  if (!(args = pop(vm)) || !(cls = pop(vm)))
    return -1;
  if (args->type != PK_TUPLE)
    return pk_fail(vm, "NEWOBJ arguments are a %s, not a tuple",
                   pk_type_name(args));
  int (*newobj)(pk_vm *, pk_obj *, pk_obj *, pk_obj **) =
      vm->hooks->newobj ? vm->hooks->newobj : pk_default_newobj;
  if (newobj(vm, cls, args, &out))
    return -1;
  return push(vm, out);
}

static int op_build(pk_vm *vm) {
  pk_obj *state = pop(vm), *obj = state ? top(vm) : NULL;
  if (!obj)
    return -1;
  return (vm->hooks->build ? vm->hooks->build : pk_default_build)(vm, obj,
                                                                  state);
}

static int op_persid(pk_vm *vm, pk_obj *pid) {
  pk_obj *out = NULL;
  int (*load)(pk_vm *, pk_obj *, pk_obj **) = vm->hooks->persistent_load
                                                  ? vm->hooks->persistent_load
                                                  : pk_default_persistent_load;
  if (!pid || load(vm, pid, &out))
    return -1;
  return push(vm, out);
}

static int push_slice(pk_vm *vm, pk_type type, int lenbytes, const char *what) {
  pk_slice s;
  /* Only bytes can wait: strings and numbers are looked at right away. */
  if (read_slice(vm, lenbytes, type == PK_BYTES, what, &s))
    return -1;
  return push(vm, new_slice(vm, type, s));
}

/* One opcode; *stop set on STOP. */
static int step(pk_vm *vm, pk_obj **out, int *stop) {
  vm->op_pos = vm->pos;
  if (need(vm, 1, "opcode"))
    return -1;
  if (++vm->heap->ops > vm->heap->max_ops)
    return pk_fail_code(vm, SG3_ERR_TOO_LARGE,
                        "the pickle runs more opcodes than it has bytes");
  uint8_t op = vm->p[vm->pos++];
  const uint8_t *a = vm->p + vm->pos; /* argument bytes */
  pk_obj *o;
  switch (op) {
  case 0x80: /* PROTO */
    if (need(vm, 1, "PROTO"))
      return -1;
    if (a[0] > 5)
      return pk_fail_code(vm, SG3_ERR_UNSUPPORTED,
                          "unsupported pickle protocol %d", a[0]);
    vm->pos++;
    return 0;
  case 0x95: /* FRAME: framing is only a hint for buffered readers */
    if (need(vm, 8, "FRAME"))
      return -1;
    if (get_le(a, 8) > vm->n - vm->pos - 8)
      return pk_fail(vm, "truncated: FRAME of %llu bytes, %zu left",
                     (unsigned long long)get_le(a, 8), vm->n - vm->pos - 8);
    vm->pos += 8;
    return 0;
  case '.': /* STOP */
    if (!(*out = pop(vm)))
      return -1;
    *stop = 1;
    return 0;
  case '(': /* MARK */
    return mark(vm);
  case '0': /* POP */
    if (vm->sp > frame_base(vm)) {
      vm->sp--;
      return 0;
    } else {
      size_t k = 0;
      return pop_mark(vm, &k);
    }
  case '1': { /* POP_MARK */
    size_t k = 0;
    if (pop_mark(vm, &k))
      return -1;
    vm->sp = k;
    return 0;
  }
  case '2': /* DUP */
    return (o = top(vm)) ? push(vm, o) : -1;
  case 'N':
    return push(vm, pk_new(vm, PK_NONE));
  case 0x88: /* NEWTRUE */
  case 0x89: /* NEWFALSE */
    if (!(o = pk_new(vm, PK_BOOL)))
      return -1;
    o->u.i = op == 0x88;
    return push(vm, o);
  case 'K': /* BININT1 */
    if (need(vm, 1, "BININT1"))
      return -1;
    vm->pos += 1;
    return push(vm, new_int(vm, a[0]));
  case 'M': /* BININT2 */
    if (need(vm, 2, "BININT2"))
      return -1;
    vm->pos += 2;
    return push(vm, new_int(vm, (int64_t)get_le(a, 2)));
  case 'J': /* BININT: signed 32-bit */
    if (need(vm, 4, "BININT"))
      return -1;
    vm->pos += 4;
    return push(vm, new_int(vm, (int32_t)(uint32_t)get_le(a, 4)));
  case 0x8a:   /* LONG1 */
  case 0x8b: { /* LONG4 */
    pk_slice s;
    if (read_slice(vm, op == 0x8a ? 1 : 4, 0, "LONG", &s))
      return -1;
    return push(vm, new_long(vm, s));
  }
  case 'G': { /* BINFLOAT: big-endian double */
    if (need(vm, 8, "BINFLOAT"))
      return -1;
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
      bits = bits << 8 | a[i];
    vm->pos += 8;
    if (!(o = pk_new(vm, PK_FLOAT)))
      return -1;
    memcpy(&o->u.f, &bits, sizeof bits);
    return push(vm, o);
  }
  case 'T': /* BINSTRING (Python 2 str, read as text) */
    return push_slice(vm, PK_STR, 4, "BINSTRING");
  case 'U': /* SHORT_BINSTRING */
    return push_slice(vm, PK_STR, 1, "SHORT_BINSTRING");
  case 'X': /* BINUNICODE */
    return push_slice(vm, PK_STR, 4, "BINUNICODE");
  case 0x8c: /* SHORT_BINUNICODE */
    return push_slice(vm, PK_STR, 1, "SHORT_BINUNICODE");
  case 0x8d: /* BINUNICODE8 */
    return push_slice(vm, PK_STR, 8, "BINUNICODE8");
  case 'B': /* BINBYTES */
    return push_slice(vm, PK_BYTES, 4, "BINBYTES");
  case 'C': /* SHORT_BINBYTES */
    return push_slice(vm, PK_BYTES, 1, "SHORT_BINBYTES");
  case 0x8e: /* BINBYTES8 */
    return push_slice(vm, PK_BYTES, 8, "BINBYTES8");
  case 0x96: /* BYTEARRAY8 */
    return push_slice(vm, PK_BYTES, 8, "BYTEARRAY8");
  case 0x97: /* NEXT_BUFFER */
  case 0x98: /* READONLY_BUFFER */
    return pk_fail_code(vm, SG3_ERR_UNSUPPORTED,
                        "out-of-band pickle buffers are not supported");
  case ')': /* EMPTY_TUPLE */
    return push(vm, pk_new(vm, PK_TUPLE));
  case 0x85: /* TUPLE1 */
    return tuple_n(vm, 1);
  case 0x86: /* TUPLE2 */
    return tuple_n(vm, 2);
  case 0x87: /* TUPLE3 */
    return tuple_n(vm, 3);
  case 't': /* TUPLE */
    return frame_to_seq(vm, PK_TUPLE);
  case ']': /* EMPTY_LIST */
    return push(vm, pk_new(vm, PK_LIST));
  case 'l': /* LIST */
    return frame_to_seq(vm, PK_LIST);
  case 'a': /* APPEND */
    return top_into(vm, 1, PK_LIST, "APPEND");
  case 'e': /* APPENDS */
    return frame_into(vm, PK_LIST, "APPENDS");
  case '}': /* EMPTY_DICT */
    return push(vm, pk_new(vm, PK_DICT));
  case 'd': { /* DICT */
    size_t k = 0;
    if (pop_mark(vm, &k))
      return -1;
    if ((vm->sp - k) % 2)
      return pk_fail(vm, "DICT with an odd number of items");
    pk_obj *d = new_seq(vm, PK_DICT, vm->stack + k, vm->sp - k);
    vm->sp = k;
    return push(vm, d);
  }
  case 's': /* SETITEM */
    return top_into(vm, 2, PK_DICT, "SETITEM");
  case 'u': /* SETITEMS */
    return frame_into(vm, PK_DICT, "SETITEMS");
  case 0x8f: /* EMPTY_SET */
    return push(vm, pk_new(vm, PK_SET));
  case 0x90: /* ADDITEMS */
    return frame_into(vm, PK_SET, "ADDITEMS");
  case 0x91: /* FROZENSET */
    return frame_to_seq(vm, PK_FROZENSET);
  case 'q': /* BINPUT */
    if (need(vm, 1, "BINPUT"))
      return -1;
    vm->pos += 1;
    return memo_put(vm, a[0]);
  case 'r': /* LONG_BINPUT */
    if (need(vm, 4, "LONG_BINPUT"))
      return -1;
    vm->pos += 4;
    return memo_put(vm, get_le(a, 4));
  case 0x94: /* MEMOIZE */
    return memo_put(vm, vm->memo_n);
  case 'h': /* BINGET */
    if (need(vm, 1, "BINGET"))
      return -1;
    vm->pos += 1;
    return memo_get(vm, a[0]);
  case 'j': /* LONG_BINGET */
    if (need(vm, 4, "LONG_BINGET"))
      return -1;
    vm->pos += 4;
    return memo_get(vm, get_le(a, 4));
  case 'p': { /* PUT */
    uint64_t idx;
    return line_index(vm, "PUT", &idx) ? -1 : memo_put(vm, idx);
  }
  case 'g': { /* GET */
    uint64_t idx;
    return line_index(vm, "GET", &idx) ? -1 : memo_get(vm, idx);
  }
  case 'c': /* GLOBAL */
    return op_global(vm);
  case 0x93: /* STACK_GLOBAL */
    return op_stack_global(vm);
  case 'R': /* REDUCE */
    return op_reduce(vm);
  case 'b': /* BUILD */
    return op_build(vm);
  case 0x81: /* NEWOBJ */
    return op_newobj(vm, 0);
  case 0x92: /* NEWOBJ_EX */
    return op_newobj(vm, 1);
  case 'Q': /* BINPERSID */
    return op_persid(vm, pop(vm));
  case 'P': { /* PERSID */
    pk_slice s;
    if (read_line(vm, "PERSID", &s))
      return -1;
    return op_persid(vm, new_slice(vm, PK_STR, s));
  }
  default: {
    /* Opcodes of pickle protocols 0 and 1 (and the extension registry)
     * that network pickles never use: a pickle, but not one of ours. */
    sg3_status code = memchr("ILFSVio", op, 7) || (op >= 0x82 && op <= 0x84)
                          ? SG3_ERR_UNSUPPORTED
                          : SG3_ERR_CORRUPT;
    if (op >= 0x20 && op < 0x7f)
      return pk_fail_code(vm, code, "unsupported pickle opcode '%c'", op);
    return pk_fail_code(vm, code, "unsupported pickle opcode 0x%02x", op);
  }
  }
}

int pk_vm_run(pk_vm *vm, pk_obj **out) {
  vm->sp = vm->nmarks = vm->memo_n = 0;
  /* Never NULL, so that `stack + k` is always defined. */
  if (!vm->stack) {
    if (!(vm->stack = malloc(64 * sizeof *vm->stack)))
      return pk_oom(vm);
    vm->stack_cap = 64;
  }
  int stop = 0;
  *out = NULL;
  while (!stop)
    if (step(vm, out, &stop))
      return -1;
  return 0;
}

/* ---- helpers ---- */

const char *pk_show(pk_slice s, char *buf, size_t size) {
  size_t n = 0;
  if (!size)
    return "";
  for (size_t i = 0; i < s.n && n + 1 < size; i++) {
    if (n + 4 >= size && i + 1 < s.n) {
      memcpy(buf + n, "...", 3);
      n += 3;
      break;
    }
    buf[n++] = s.p[i] >= 0x20 && s.p[i] < 0x7f ? (char)s.p[i] : '?';
  }
  buf[n] = 0;
  return buf;
}

int pk_slice_eq(pk_slice s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && memcmp(s.p, lit, n) == 0;
}

int pk_is_str(const pk_obj *o, const char *lit) {
  return o && o->type == PK_STR && pk_slice_eq(o->u.s, lit);
}

int pk_is_global(const pk_obj *o, const char *module, const char *name) {
  return o && o->type == PK_GLOBAL && pk_slice_eq(o->u.global.module, module) &&
         pk_slice_eq(o->u.global.name, name);
}

pk_obj *pk_dict_get(const pk_obj *dict, const char *key) {
  if (!dict || dict->type != PK_DICT)
    return NULL;
  for (size_t i = dict->u.seq.n; i >= 2; i -= 2)
    if (pk_is_str(dict->u.seq.v[i - 2], key))
      return dict->u.seq.v[i - 1];
  return NULL;
}

const char *pk_type_name(const pk_obj *o) {
  static const char *const names[] = {
      "None",  "bool", "int",  "int", "float",     "str",    "bytes",
      "tuple", "list", "dict", "set", "frozenset", "global", "object"};
  if (!o)
    return "nothing";
  if (o->type == PK_EXT)
    return o->u.ext.type->name;
  return o->type < sizeof names / sizeof *names ? names[o->type] : "?";
}

/* ---- objects for the hooks, and the generic hooks ---- */

pk_obj *pk_new_ext(pk_vm *vm, const pk_ext_type *type, void *data) {
  pk_obj *o = pk_new(vm, PK_EXT);
  if (o) {
    o->u.ext.type = type;
    o->u.ext.data = data;
  }
  return o;
}

void *pk_ext_data(const pk_obj *o, const pk_ext_type *type) {
  return o && o->type == PK_EXT && o->u.ext.type == type ? o->u.ext.data : NULL;
}

pk_obj *pk_new_instance(pk_vm *vm, pk_obj *cls, pk_obj *args) {
  pk_obj *o = pk_new(vm, PK_INSTANCE);
  if (o) {
    o->u.inst.cls = cls;
    o->u.inst.args = args;
  }
  return o;
}

int pk_default_call(pk_vm *vm, pk_obj *fn, pk_obj *args, pk_obj **out) {
  return (*out = pk_new_instance(vm, fn, args)) ? 0 : -1;
}

int pk_default_newobj(pk_vm *vm, pk_obj *cls, pk_obj *args, pk_obj **out) {
  return (*out = pk_new_instance(vm, cls, args)) ? 0 : -1;
}

int pk_default_build(pk_vm *vm, pk_obj *obj, pk_obj *state) {
  if (obj->type != PK_INSTANCE)
    return pk_fail(vm, "BUILD on a %s", pk_type_name(obj));
  obj->u.inst.state = state;
  return 0;
}

int pk_default_persistent_load(pk_vm *vm, pk_obj *pid, pk_obj **out) {
  (void)pid;
  *out = NULL;
  return pk_fail(vm, "persistent ids are not supported here");
}
