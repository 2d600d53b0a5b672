/*
 * batch_internal.h: the batch executor's compact write entry (internal; batch.h is the
 * public one, and bloop_batch_write runs through this).
 *
 * Owns: writes described by a small record each, with no bloop_error inside: the error of
 * an operation that failed or stayed unprocessed is kept once in a caller's arena and
 * pointed at. A batch of 20,000 writes so needs about 1 MB of records instead of 28 MB of
 * bloop_batch_write_op, whose first touch costs a page fault every three records (about
 * 10 us each on a VM), more than the rest of the client's work per item. A PUT may also
 * come with its item's JSON text already made and checked, which is spliced as it is.
 * Does not own: anything else; the behaviour is bloop_batch_write's (batch.h).
 */
#ifndef BLOOPI_BATCH_INTERNAL_H
#define BLOOPI_BATCH_INTERNAL_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/batch.h"

typedef struct bloopi_batch_wop {
  /* in: borrowed for the call */
  const bloop_batch_table *table;
  bloop_batch_kind kind;
  const bloop_value *item;       /* PUT: the whole item; DELETE: the key */
  /* PUT, optional: item's JSON text. The caller vouches that it encodes item and that item
   * passes bloop_item_validate and bloop_item_check_size: neither is repeated. */
  const char *json;
  size_t json_len;
  /* out */
  bloop_batch_outcome outcome;
  const bloop_error *error;      /* FAILED / UNPROCESSED: why (in `errors`); else NULL */
} bloopi_batch_wop;

/* bloop_batch_write over compact records. errors: the arena the ops' errors are kept in
 * (caller-owned, outlives their use). */
BLOOPI_FUNC bloop_status bloopi_batch_write_ops(bloop_client *c, const bloop_batch_config *cfg,
                                                bloopi_batch_wop *ops, size_t n,
                                                bloop_arena *errors, bloop_batch_stats *stats,
                                                bloop_error *err);

#endif
