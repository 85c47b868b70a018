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

#include "error.h"
#include "io/file.h"

#define PK_MAX_OBJECTS (1u << 22) /* about 200 MB of objects at most */
#define PK_MAX_STACK (1u << 20)   /* values on the VM stack */
#define PK_MAX_MARKS (1u << 16)   /* nested MARKs */
/* Bytes objects this long are not read when the VM passes them (a storage's
 * torch.save stream, say): whoever looks at them asks for them (pk_need).
 * Everything else the VM reads as it goes. */
#define PK_LAZY_BYTES ((size_t)64 << 10)

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
  PK_GLOBAL,   /* a class or function: module + name */
  PK_INSTANCE, /* anything else built by REDUCE/NEWOBJ: cls, args, state */
  PK_EXT,      /* an object the hooks made (u.ext), opaque to the VM */
} pk_type;

typedef struct pk_obj pk_obj;

/* The kind of a PK_EXT object, defined by whoever makes them. */
typedef struct {
  const char *name; /* for messages: "torch tensor" */
  /* APPEND(S), SETITEM(S) and ADDITEMS on it are ignored, as on
   * instances of classes nobody models. */
  int ignores_items;
} pk_ext_type;

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
    } inst; /* PK_INSTANCE */
    struct {
      const pk_ext_type *type;
      void *data;
    } ext; /* PK_EXT */
  } u;
};

typedef struct pk_chunk pk_chunk;
typedef struct pk_block pk_block;
typedef struct {
  const uint8_t *file; /* the whole input, to report offsets */
  size_t file_size;
  const sg3_source *src; /* where the input's bytes come from */
  pk_chunk *chunks;
  pk_block *blocks;
  size_t nobjects;
  uint64_t ops, max_ops;                 /* opcodes run, all streams */
  uint64_t items, max_items;             /* container slots filled */
  uint64_t alloc_bytes, max_alloc_bytes; /* pk_alloc() */
} pk_heap;

typedef struct pk_vm pk_vm;

/* What REDUCE, NEWOBJ(_EX), BUILD and (BIN)PERSID do: the VM knows Python's
 * plain objects only, the hooks give callables their meaning (torch, numpy:
 * pickle_torch.c). A NULL hook, or a NULL table, does the generic thing
 * (the pk_default_* functions below). */
typedef struct {
  int (*call)(pk_vm *vm, pk_obj *callable, pk_obj *args, pk_obj **out);
  int (*newobj)(pk_vm *vm, pk_obj *cls, pk_obj *args, pk_obj **out);
  int (*build)(pk_vm *vm, pk_obj *obj, pk_obj *state);
  int (*persistent_load)(pk_vm *vm, pk_obj *pid, pk_obj **out);
} pk_hooks;

/* One pickle stream being executed. */
struct pk_vm {
  pk_heap *heap;
  const pk_hooks *hooks;
  void *hook_data; /* the hooks' own state for this stream */
  const uint8_t *p;
  size_t n, pos;
  size_t ready;  /* the bytes up to here are known to be read */
  size_t op_pos; /* start of the opcode being run, for messages */
  pk_obj **stack;
  size_t sp, stack_cap;
  size_t *marks;
  size_t nmarks, marks_cap;
  pk_obj **memo;
  size_t memo_n, memo_cap;
  char **error;
};

/* The budgets follow src->size; src must outlive the heap. */
void pk_heap_init(pk_heap *h, const sg3_source *src);
void pk_heap_free(pk_heap *h);
pk_obj *pk_new(pk_vm *vm, pk_type type);
/* Zeroed memory that lives as long as the heap. */
void *pk_alloc(pk_vm *vm, size_t size);
int pk_seq_push(pk_vm *vm, pk_obj *seq, pk_obj *item);

void pk_vm_init(pk_vm *vm, pk_heap *heap, const pk_hooks *hooks,
                void *hook_data, const uint8_t *p, size_t n, char **error);
void pk_vm_free(pk_vm *vm);
/* Runs one pickle from vm->pos up to and including STOP; *out is its value.
 * The memo and stack are reset first (each pickle has its own). */
int pk_vm_run(pk_vm *vm, pk_obj **out);
/* Sets the error with " (at byte N)" appended, N being the file offset of
 * the current opcode. Returns -1. */
int pk_fail(pk_vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same with an error code (SG3_ERR_UNSUPPORTED, SG3_ERR_TOO_LARGE...;
 * pk_fail's is the caller's default). */
int pk_fail_code(pk_vm *vm, sg3_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "out of memory" (SG3_ERR_NO_MEMORY). */
int pk_oom(pk_vm *vm);

/* Makes the input's bytes [p, p + n) readable (a no-op outside the input or
 * when it is all in memory); -1 with the error set. Bytes objects of
 * PK_LAZY_BYTES or more must be asked for before they are looked at. */
int pk_need(pk_vm *vm, const void *p, size_t n);
/* They will not be looked at again: their memory may go. */
void pk_release(pk_vm *vm, const void *p, size_t n);

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

/* A PK_EXT object of `type` around `data`. */
pk_obj *pk_new_ext(pk_vm *vm, const pk_ext_type *type, void *data);
/* The data of `o` if it is a PK_EXT object of `type`, else NULL. */
void *pk_ext_data(const pk_obj *o, const pk_ext_type *type);
/* A PK_INSTANCE of `cls` made from `args`. */
pk_obj *pk_new_instance(pk_vm *vm, pk_obj *cls, pk_obj *args);

/* The generic hooks: callables and classes give instances, BUILD sets an
 * instance's state, persistent ids are refused. */
int pk_default_call(pk_vm *vm, pk_obj *callable, pk_obj *args, pk_obj **out);
int pk_default_newobj(pk_vm *vm, pk_obj *cls, pk_obj *args, pk_obj **out);
int pk_default_build(pk_vm *vm, pk_obj *obj, pk_obj *state);
int pk_default_persistent_load(pk_vm *vm, pk_obj *pid, pk_obj **out);

#endif
