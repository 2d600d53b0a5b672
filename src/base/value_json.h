/*
 * value_json.h: the DynamoDB JSON writers of value_json.c without their validation, for
 * layers that write values known to be valid, or text that is checked when read back.
 * (The validating writers are public: bloop_value_to_json, bloop_item_to_json.)
 * Owns nothing else.
 */
#ifndef BLOOP_BASE_VALUE_JSON_H
#define BLOOP_BASE_VALUE_JSON_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/buf.h"
#include "bloop/value.h"

/* bloop_json_put_string without the UTF-8 check, for text already validated or declared by
 * the program (model, table and attribute names). */
BLOOPI_FUNC void bloopi_json_escape(bloop_buf *b, const char *s, size_t len);
/* bloop_item_to_json without validating first: for items the JSON reader just built (so
 * valid), or text that the reader checks when it is read back (the binding's snapshots).
 * BLOOP_ENOMEM when b failed. */
BLOOPI_FUNC bloop_status bloopi_item_to_json_unchecked(const bloop_value *item, bloop_buf *b);
/* The same for one attribute value (expressions: their values were validated on entry). */
BLOOPI_FUNC bloop_status bloopi_value_to_json_unchecked(const bloop_value *v, bloop_buf *b);

#endif
