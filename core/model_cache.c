/* The models opened from files, by file identity and the options that
 * change what is built: opening a file that is open already gives another
 * reference to the same model, so that two generators (two sg3src
 * elements, a server's streams) of one network share its weights. The
 * cache holds no reference: a model leaves it when its last reference
 * goes. */
#include <pthread.h>
#include <string.h>

#include "model.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sg3_model *head; /* linked through cache_next */

static int same_key(const sg3_model_key *a, const sg3_model_key *b) {
  return a->id.dev == b->id.dev && a->id.ino == b->id.ino &&
         a->id.size == b->id.size && a->id.mtime_sec == b->id.mtime_sec &&
         a->id.mtime_nsec == b->id.mtime_nsec && a->winograd == b->winograd;
}

static sg3_model *find_locked(const sg3_model_key *key) {
  for (sg3_model *m = head; m; m = m->cache_next)
    if (same_key(&m->cache_key, key))
      return m;
  return NULL;
}

sg3_model *sg3_model_cache_find(const sg3_model_key *key) {
  pthread_mutex_lock(&lock);
  /* Models in the list have references (the last unref removes them under
   * the lock), so taking one more here is safe. */
  sg3_model *m = sg3_model_ref(find_locked(key));
  pthread_mutex_unlock(&lock);
  return m;
}

sg3_model *sg3_model_cache_add(sg3_model *m, const sg3_model_key *key) {
  pthread_mutex_lock(&lock);
  sg3_model *old = sg3_model_ref(find_locked(key));
  if (!old) {
    m->cache_key = *key;
    m->cached = 1;
    m->cache_next = head;
    head = m;
  }
  pthread_mutex_unlock(&lock);
  if (!old)
    return m;
  /* Loaded twice at once: keep the first. */
  sg3_model_unref(m);
  return old;
}

int sg3_model_cache_release(sg3_model *m) {
  pthread_mutex_lock(&lock);
  int last = __atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL) == 0;
  if (last)
    for (sg3_model **p = &head; *p; p = &(*p)->cache_next)
      if (*p == m) {
        *p = m->cache_next;
        break;
      }
  pthread_mutex_unlock(&lock);
  return last;
}
