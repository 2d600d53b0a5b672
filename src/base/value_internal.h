/*
 * value_internal.h: helpers shared by value.c and value_json.c (not public API): error
 * paths, UTF-8 checking, set and map duplicate detection.
 */
#ifndef BLOOP_VALUE_INTERNAL_H
#define BLOOP_VALUE_INTERNAL_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/value.h"


/* A path for error messages ("Item.tags.SS[2]"). Segments are appended and popped by
 * remembering len; too long a path is cut (the message stays bounded). */
#define BLOOPI_PATH_MAX 600
typedef struct bloopi_path {
  char buf[BLOOPI_PATH_MAX];
  size_t len;
} bloopi_path;

BLOOPI_FUNC void bloopi_path_init(bloopi_path *p, const char *root);
/* ".name" (names over 64 bytes are shortened with "..."); returns the length to pop to. */
BLOOPI_FUNC size_t bloopi_path_key(bloopi_path *p, const char *name, size_t len);
BLOOPI_FUNC size_t bloopi_path_index(bloopi_path *p, size_t i);
BLOOPI_FUNC size_t bloopi_path_tag(bloopi_path *p, bloop_type t);
static inline void bloopi_path_pop(bloopi_path *p, size_t len) {
  p->len = len;
  p->buf[len] = '\0';
}

BLOOPI_FUNC int bloopi_utf8_valid(const char *s, size_t len);
/* bloop_json_put_string without the UTF-8 check, for text already validated or declared by
 * the program (model, table and attribute names). */
BLOOPI_FUNC void bloopi_json_escape(bloop_buf *b, const char *s, size_t len);
/* bloop_item_to_json without validating first: for items the JSON reader just built (so
 * valid), or text that the reader checks when it is read back (the binding's snapshots).
 * BLOOP_ENOMEM when b failed. */
BLOOPI_FUNC bloop_status bloopi_item_to_json_unchecked(const bloop_value *item, bloop_buf *b);
/* The same for one attribute value (expressions: their values were validated on entry). */
BLOOPI_FUNC bloop_status bloopi_value_to_json_unchecked(const bloop_value *v, bloop_buf *b);

/* Index of the first member (in order) equal to an earlier one, or (size_t)-1 when all
 * differ; (size_t)-2 when out of memory. Sets compare members by type (NS numerically);
 * maps compare names. */
#define BLOOPI_NO_DUP ((size_t)-1)
#define BLOOPI_DUP_NOMEM ((size_t)-2)
BLOOPI_FUNC size_t bloopi_set_find_dup(const bloop_value *set);
BLOOPI_FUNC size_t bloopi_map_find_dup(const bloop_value *map);


#endif
