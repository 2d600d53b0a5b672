/*
 * value_path.h: paths naming a place inside a value, for error messages
 * ("Item.tags.SS[2]", "wire.M.address.L[3]"), built by value validation, the JSON reader
 * and the binding's converters (implemented in value.c).
 *
 * A path is a fixed buffer on the caller's stack: segments are appended, each append
 * returns the length to pop back to, and too long a path is cut, so a message stays
 * bounded and building one never allocates. Owns nothing else.
 */
#ifndef BLOOP_BASE_VALUE_PATH_H
#define BLOOP_BASE_VALUE_PATH_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/value.h"

#define BLOOPI_PATH_MAX 600
typedef struct bloopi_path {
  char buf[BLOOPI_PATH_MAX];
  size_t len;
} bloopi_path;

/* Starts the path at root ("Item", "value", "User.tags"). */
BLOOPI_FUNC void bloopi_path_init(bloopi_path *p, const char *root);
/* ".name" (names over 64 bytes are shortened with "..."); returns the length to pop to. */
BLOOPI_FUNC size_t bloopi_path_key(bloopi_path *p, const char *name, size_t len);
/* "[i]", i as given (callers choose 0- or 1-based). */
BLOOPI_FUNC size_t bloopi_path_index(bloopi_path *p, size_t i);
/* ".SS": the type tag of the value the path enters. */
BLOOPI_FUNC size_t bloopi_path_tag(bloopi_path *p, bloop_type t);
static inline void bloopi_path_pop(bloopi_path *p, size_t len) {
  p->len = len;
  p->buf[len] = '\0';
}

#endif
