/* JSON text of a pickled value, as Python's json.dumps would write it, for
 * the Generator's init_kwargs. */
#ifndef SG3_PICKLE_JSON_H
#define SG3_PICKLE_JSON_H

#include "io/pickle_torch.h"

/* Returns a malloc()ed string, or NULL with *error set (naming the key whose
 * value JSON cannot hold: tensors, bytes, arbitrary objects, NaN...). The
 * JSON is nested at most 32 deep (well within SG3_JSON_MAX_DEPTH). `vm`
 * gives access to the input's bytes (numpy array data). */
char *pk_to_json(pk_vm *vm, const pk_obj *o, char **error);

#endif
