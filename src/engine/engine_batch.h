/*
 * engine_batch.h: the engine's batch writes over compact entries (internal; the binding
 * uses it, and bloop_engine_batch_save / _delete / _explain_batch in engine.h wrap it).
 *
 * Owns: a batch write whose entries hold no bloop_error: an entry that failed or stayed
 * unprocessed points at its error, kept once in the caller's arena. bloop_batch_item
 * embeds a 1.3 KB bloop_error, so a batch of 20,000 objects touched 27 MB for it alone,
 * about a page fault every three objects (each about 10 us on a VM: more than the rest of
 * the client's work per object). A save entry may bring its item's JSON text, made and
 * checked already, which is sent as it is.
 * Does not own: anything else; the behaviour is bloop_engine_batch_save's (engine.h).
 */
#ifndef BLOOPI_ENGINE_BATCH_H
#define BLOOPI_ENGINE_BATCH_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/engine.h"

typedef struct bloopi_batch_entry {
  /* in: borrowed for the call */
  const bloop_model *model;
  const bloop_value *item;      /* save: the whole item (PutItem semantics); delete: key */
  /* save, optional: item's DynamoDB JSON text, sent as it is instead of encoding item. The
   * caller vouches that it encodes item and that item passes bloop_item_validate (as an
   * item read from that text by bloop_item_from_json does); the engine still checks the
   * columns, their types and the size. */
  const char *json;
  size_t json_len;
  /* out */
  bloop_batch_outcome outcome;  /* DONE, FAILED, UNPROCESSED */
  const bloop_error *error;     /* FAILED / UNPROCESSED: why, kept in `errors`; else NULL */
} bloopi_batch_entry;

/* bloop_engine_batch_save (del = 0) or _delete (del = 1) over entries; errors: the arena
 * the entries' errors are kept in (caller-owned). */
BLOOPI_FUNC bloop_status bloopi_engine_batch(bloop_engine *e, bloopi_batch_entry *ents,
                                             size_t n, int del, bloop_arena *errors,
                                             bloop_batch_stats *stats, bloop_error *err);

/* bloop_engine_explain_batch over entries. */
BLOOPI_FUNC bloop_status bloopi_engine_explain_batch(const bloopi_batch_entry *ents, size_t n,
                                                     int del, bloop_buf *out, bloop_error *err);

#endif
