/* The pickle VM's hooks for PyTorch and numpy: what the callables found in
 * network pickles build (torch_utils.persistence objects, torch tensors and
 * storages, numpy arrays and dtypes), as PK_EXT objects. */
#ifndef SG3_PICKLE_TORCH_H
#define SG3_PICKLE_TORCH_H

#include "io/dtype.h"
#include "io/pickle_vm.h"

#define PK_MAX_DIMS 8                 /* tensors and numpy arrays */
#define PK_MAX_CALL_DEPTH 4           /* _rebuild_from_type_v2 and friends */
#define PK_MAX_STORAGES_PER_STREAM 16 /* torch.save streams hold one */

typedef struct {
  sg3_dtype dtype;
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
  pk_obj *storage; /* a torch storage */
  int64_t offset;  /* in elements */
  int ndim;
  int64_t size[PK_MAX_DIMS], stride[PK_MAX_DIMS];
} pk_tensor;

typedef struct {
  sg3_dtype dtype; /* SG3_DT_UNKNOWN for objects, strings, odd sizes... */
  size_t elem_size;
  int is_object; /* 'O': array data is a list of objects */
  int big_endian;
  pk_slice str; /* "f8", for messages */
} pk_dtype;

typedef struct {
  pk_obj *dtype; /* a numpy dtype, NULL until __setstate__ */
  int ndim;
  int64_t shape[PK_MAX_DIMS];
  size_t numel;
  int fortran;
  pk_obj *data; /* PK_BYTES (numeric) or PK_LIST (object arrays) */
} pk_ndarray;

/* The hooks' state for one stream: pass a zeroed one to pk_vm_init with
 * pk_torch_hooks. */
typedef struct {
  /* Set for the inner legacy torch.save stream of a storage: persistent ids
   * are allowed there and collected here. */
  int inner;
  int call_depth;
  pk_obj *storages[PK_MAX_STORAGES_PER_STREAM];
  size_t nstorages;
} pk_torch_state;

extern const pk_hooks pk_torch_hooks;

/* The object's contents if it is of that kind, else NULL. */
pk_storage *pk_torch_storage(const pk_obj *o);
pk_tensor *pk_torch_tensor(const pk_obj *o);
pk_ndarray *pk_torch_ndarray(const pk_obj *o);
pk_dtype *pk_torch_dtype(const pk_obj *o);
/* A torch_utils.persistence object: its metadata dict; else NULL. */
pk_obj *pk_torch_persistent(const pk_obj *o);

#endif
