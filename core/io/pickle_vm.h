/* A bounded Python pickle virtual machine (protocols 2 to 5) that builds a
 * graph of plain C objects instead of Python ones. Strings and bytes are
 * slices of the input (no copies), everything lives in one heap that is freed
 * at once, and every length, index and count is checked against the input
 * and against fixed limits, so hostile files cannot crash it or make it
 * allocate much more than their own size. */
#ifndef SG3_PICKLE_VM_H
#define SG3_PICKLE_VM_H

#include <stddef.h>
#include <stdint.h>

#define PK_MAX_DIMS 8             /* tensors and numpy arrays */
#define PK_MAX_OBJECTS (1u << 22) /* about 200 MB of objects at most */
#define PK_MAX_STACK (1u << 20)   /* values on the VM stack */
#define PK_MAX_MARKS (1u << 16)   /* nested MARKs */
#define PK_MAX_CALL_DEPTH 4       /* _rebuild_from_type_v2 and friends */

typedef struct {
  const uint8_t *p;
  size_t n;
} pk_slice;

typedef enum {
  PK_NONE,
  PK_BOOL,
  PK_INT,
  PK_BIGINT, /* does not fit int64: u.s holds the little-endian bytes */
  PK_FLOAT,
  PK_STR, /* UTF-8 as stored (validated only where it matters) */
  PK_BYTES,
  PK_TUPLE,
  PK_LIST,
  PK_DICT, /* u.seq holds key, value, key, value...; later keys win */
  PK_SET,
  PK_FROZENSET,
  PK_GLOBAL,     /* a class or function: module + name */
  PK_INSTANCE,   /* anything else built by REDUCE/NEWOBJ: cls, args, state */
  PK_PERSISTENT, /* torch_utils.persistence object: u.inst.args = meta dict */
  PK_STORAGE,    /* torch storage from a legacy torch.save stream */
  PK_TENSOR,
  PK_NDARRAY,
  PK_DTYPE, /* numpy.dtype */
} pk_type;

/* Element types of storages and numpy arrays. */
typedef enum {
  PK_DT_OTHER,
  PK_DT_F16,
  PK_DT_BF16,
  PK_DT_F32,
  PK_DT_F64,
  PK_DT_BOOL,
  PK_DT_INT,  /* signed, elem_size 1..8 */
  PK_DT_UINT, /* unsigned, elem_size 1..8 */
} pk_dtype_kind;

typedef struct pk_obj pk_obj;

typedef struct {
  pk_dtype_kind kind;
  size_t elem_size;
  pk_slice type_name;  /* e.g. "FloatStorage", for messages */
  pk_slice key;        /* torch.save storage key */
  uint64_t numel;      /* elements, as declared in the persistent id */
  const uint8_t *data; /* little-endian elements; NULL until read */
  /* Old PyTorch storage views: a window of another storage. */
  pk_obj *view_of;
  uint64_t view_offset;
} pk_storage;

typedef struct {
  pk_obj *storage; /* PK_STORAGE */
  int64_t offset;  /* in elements */
  int ndim;
  int64_t size[PK_MAX_DIMS], stride[PK_MAX_DIMS];
} pk_tensor;

typedef struct {
  pk_dtype_kind kind; /* PK_DT_OTHER for objects, strings, complex... */
  size_t elem_size;
  int is_object; /* 'O': array data is a list of objects */
  int big_endian;
  pk_slice str; /* "f8", for messages */
} pk_dtype;

typedef struct {
  pk_obj *dtype; /* PK_DTYPE, NULL until __setstate__ */
  int ndim;
  int64_t shape[PK_MAX_DIMS];
  size_t numel;
  int fortran;
  pk_obj *data; /* PK_BYTES (numeric) or PK_LIST (object arrays) */
} pk_ndarray;

struct pk_obj {
  uint8_t type; /* pk_type */
  union {
    int64_t i;  /* PK_BOOL, PK_INT */
    double f;   /* PK_FLOAT */
    pk_slice s; /* PK_STR, PK_BYTES, PK_BIGINT */
    struct {
      pk_obj **v;
      size_t n, cap;
    } seq; /* PK_TUPLE, PK_LIST, PK_SET, PK_FROZENSET, PK_DICT */
    struct {
      pk_slice module, name;
    } global;
    struct {
      pk_obj *cls, *args, *state;
    } inst; /* PK_INSTANCE, PK_PERSISTENT */
    pk_storage *storage;
    pk_tensor *tensor;
    pk_ndarray *nd;
    pk_dtype *dtype;
  } u;
};

/* Owns every object and every extra block; freed in one go. It also keeps
 * the work budgets: a genuine pickle runs each of its bytes as at most one
 * opcode (storage streams once), and puts each value in a container about
 * once, so work beyond a small multiple of the file size means a hostile
 * file (e.g. one REDUCE of a huge memoized list repeated a million times). */
typedef struct pk_chunk pk_chunk;
typedef struct pk_block pk_block;
typedef struct {
  const uint8_t *file; /* the whole input, to report offsets */
  size_t file_size;
  pk_chunk *chunks;
  pk_block *blocks;
  size_t nobjects;
  uint64_t ops, max_ops;                 /* opcodes run, all streams */
  uint64_t items, max_items;             /* container slots filled */
  uint64_t alloc_bytes, max_alloc_bytes; /* pk_alloc() */
} pk_heap;

/* One pickle stream being executed. */
typedef struct pk_vm pk_vm;
struct pk_vm {
  pk_heap *heap;
  const uint8_t *p;
  size_t n, pos;
  size_t op_pos; /* start of the opcode being run, for messages */
  pk_obj **stack;
  size_t sp, stack_cap;
  size_t *marks;
  size_t nmarks, marks_cap;
  pk_obj **memo;
  size_t memo_n, memo_cap;
  int call_depth;
  /* Set for the inner legacy torch.save stream of a storage: persistent ids
   * are allowed there and collected here (small, bounded). */
  int inner;
  pk_obj **storages;
  size_t nstorages;
  char **error;
};

void pk_heap_init(pk_heap *h, const uint8_t *file, size_t size);
void pk_heap_free(pk_heap *h);
pk_obj *pk_new(pk_vm *vm, pk_type type);
/* Zeroed memory that lives as long as the heap. */
void *pk_alloc(pk_vm *vm, size_t size);
int pk_seq_push(pk_vm *vm, pk_obj *seq, pk_obj *item);

void pk_vm_init(pk_vm *vm, pk_heap *heap, const uint8_t *p, size_t n,
                char **error);
void pk_vm_free(pk_vm *vm);
/* Runs one pickle from vm->pos up to and including STOP; *out is its value.
 * The memo and stack are reset first (each pickle has its own). */
int pk_vm_run(pk_vm *vm, pk_obj **out);
/* Sets the error with " (at byte N)" appended, N being the file offset of
 * the current opcode. Returns -1. */
int pk_fail(pk_vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A string from the file made safe for a one-line message: printable ASCII
 * (others become '?'), cut to fit `size` (with "..."). Returns buf. */
const char *pk_show(pk_slice s, char *buf, size_t size);
#define PK_SHOW_SIZE 80

/* Helpers on objects. */
int pk_slice_eq(pk_slice s, const char *lit);
int pk_is_str(const pk_obj *o, const char *lit);
int pk_is_global(const pk_obj *o, const char *module, const char *name);
/* Last value stored under the string key `key`, or NULL. */
pk_obj *pk_dict_get(const pk_obj *dict, const char *key);
const char *pk_type_name(const pk_obj *o);

/* Implemented in pickle_torch.c: what REDUCE, NEWOBJ, BUILD and BINPERSID
 * do with the callables these files use (torch, numpy, collections...). */
int pk_call(pk_vm *vm, pk_obj *callable, pk_obj *args, pk_obj **out);
int pk_newobj(pk_vm *vm, pk_obj *cls, pk_obj *args, pk_obj **out);
int pk_build(pk_vm *vm, pk_obj *obj, pk_obj *state);
int pk_persistent_load(pk_vm *vm, pk_obj *pid, pk_obj **out);

/* Numbers of numpy/torch element types. */
/* Reads one element as double (floats) or int64 (ints, bool). Returns 1 if
 * the value is an integer (*i set), 0 if a float (*f set), -1 if the type is
 * not numeric or an unsigned value does not fit int64. */
int pk_read_element(const uint8_t *p, pk_dtype_kind kind, size_t elem_size,
                    int big_endian, int64_t *i, double *f);

#endif
