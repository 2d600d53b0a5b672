/*
 * engine_internal.h: what the engine's files share (not public API): the engine struct,
 * routing a call through the session, JSON text helpers, error prefixing and the one
 * builder of a write's request body.
 */
#ifndef BLOOP_ENGINE_INTERNAL_H
#define BLOOP_ENGINE_INTERNAL_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/buf.h"
#include "bloop/engine.h"
#include "bloop/expr.h"


/* An arena and two buffers for one synchronous call's own work (its request, its answer,
 * what it builds on the way); nothing in them outlives the call. */
typedef struct bloopi_scratch {
  bloop_arena arena;
  bloop_buf body, resp;
  int lent;                   /* the engine's own: a call holds it */
} bloopi_scratch;

struct bloop_engine {
  bloop_session session;
  bloop_engine_config cfg;
  bloop_model **bound;        /* retained: models this engine verified */
  size_t nbound, capbound;
  char **created;             /* table names CreateTable was sent for */
  size_t ncreated, capcreated;
  int metering;               /* bloop_engine_meter: calls ask for ConsumedCapacity */
  double metered;             /* CapacityUnits of the answers since metering began */
  bloopi_scratch scratch;     /* lent to one call at a time (bloopi_engine_scratch) */
};

/* The engine's scratch, reset, for one call; when a call already holds it (a session call
 * function that calls the engine again), own, fresh. Its chunks and buffers, already
 * touched, then serve the next call instead of a malloc and a free each time. */
BLOOPI_FUNC bloopi_scratch *bloopi_engine_scratch(bloop_engine *e, bloopi_scratch *own);
/* Gives s back: the engine's is kept for the next call (unless a large call grew it),
 * an own one freed. */
BLOOPI_FUNC void bloopi_engine_scratch_done(bloop_engine *e, bloopi_scratch *s);

/* The native client for op, or NULL when op must go through session.call. */
BLOOPI_FUNC bloop_client *bloopi_engine_route(bloop_engine *e, bloop_service service,
                                                     const char *op);
/* One synchronous DynamoDB call along the route above. */
BLOOPI_FUNC bloop_status bloopi_engine_call(bloop_engine *e, const char *op,
                                                   const bloop_buf *body, bloop_buf *resp,
                                                   bloop_error *err);

/* Appends the C string s as a JSON string (quotes and escapes; bloopi_json_escape for
 * counted strings). */
BLOOPI_FUNC void bloopi_json_cstr(bloop_buf *b, const char *s);

/* Rewrites err->message as "<model> <op>: <message>" (keeps status and code); returns
 * err->status (or st when err is NULL). */
BLOOPI_FUNC bloop_status bloopi_engine_prefix(bloop_status st, bloop_error *err,
                                                     const bloop_model *m, const char *op);
/* An answer the JSON reader refused (not JSON, or a value DynamoDB would never send) is the
 * server's fault, not the caller's: status BLOOP_EPROTOCOL, code "BadResponse", the
 * reader's message (which names the path) kept. Out of memory stays as it is. */
BLOOPI_FUNC void bloopi_bad_answer(bloop_error *err);
/* bloop_error_set with the "<model> <op>: " prefix. */
BLOOPI_FUNC bloop_status bloopi_engine_fail(bloop_error *err, bloop_status st,
                                                   const char *code, const bloop_model *m,
                                                   const char *op, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Appends the key attributes of `item` (model's table keys, or also index keys when
 * index != NULL) as an M into out (allocated in a). Fails "InvalidRequest" naming the
 * missing key. */
BLOOPI_FUNC bloop_status bloopi_item_key(const bloop_model *m, const bloop_value *item,
                                                bloop_arena *a, bloop_value *out,
                                                const char *op, bloop_error *err);
/* The values rendered into x from now on are valid (bloop_value_validate) and outlive it:
 * they are neither validated nor copied again (a save whose item the caller validated,
 * engine_item.c). expr.c. */
BLOOPI_FUNC void bloopi_expr_values_checked(bloop_expr *x);

/* A one-element path to a top-level attribute (elems allocated in a). */
BLOOPI_FUNC bloop_path *bloopi_attr_path(bloop_arena *a, const char *dynamo_name,
                                                const char *label);

/* ---- item writes (engine_item.c) --------------------------------------------------- */

/* A save is an UpdateItem, a delete a DeleteItem; a transaction's condition check follows
 * the delete's rules (key, condition, atomic, the version condition) and changes nothing. */
typedef enum bloopi_write_kind {
  BLOOPI_WRITE_SAVE,
  BLOOPI_WRITE_DELETE,
  BLOOPI_WRITE_CHECK
} bloopi_write_kind;

/* What a built write tells its caller besides the body. */
typedef struct bloopi_write {
  const char *op;           /* "UpdateItem", "DeleteItem" or "ConditionCheck" */
  size_t item_size;         /* a save: the item's size (explain reports it); else 0 */
  int has_update;           /* the body holds an UpdateExpression */
  int has_condition;        /* the body holds a ConditionExpression */
  int has_version;          /* a save of a versioned model: `version` is what it writes */
  bloop_value version;      /* in tmp */
} bloopi_write;

/* The one builder of a write's request body, by the rules of bloop_engine_save / _delete
 * (engine.h): appends {"TableName":…,"Key":…, the condition and change set as expression
 * members, "ReturnValues" when a->sync asks} to body. Engine save and delete send it,
 * explain prints it, a transaction wraps it ({"Update": body}, txn.h). Values are
 * allocated in tmp. On failure body may hold a partial append; messages are prefixed
 * "<model> save: " or "<model> delete: " (a check's too, as they always were). */
BLOOPI_FUNC bloop_status bloopi_write_body(const bloop_write_args *a, bloopi_write_kind kind,
                                           bloop_arena *tmp, bloop_buf *body,
                                           bloopi_write *w, bloop_error *err);


#endif
