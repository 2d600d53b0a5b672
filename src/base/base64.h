/*
 * base64.h: strict base64 (RFC 4648 alphabet, padding required, no whitespace, unused bits
 * zero), the form of Binary values in DynamoDB JSON (internal).
 * Owns: encoding into a buffer and decoding into an arena. Does not own: where the text
 * sits in a document (json_read.c, value_json.c).
 */
#ifndef BLOOPI_BASE64_H
#define BLOOPI_BASE64_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/buf.h"
#include "bloop/status.h"

/* Decodes into the arena; returns 1, 0 on bad input (*out NULL) or -1 out of memory. */
BLOOPI_FUNC int bloopi_base64_decode(const char *in, size_t len, bloop_arena *a,
                                     const char **out, size_t *out_len);
/* Appends the encoding of in to b; BLOOP_ENOMEM when b failed. */
BLOOPI_FUNC bloop_status bloopi_base64_encode(const unsigned char *in, size_t len,
                                              bloop_buf *b);

#endif
