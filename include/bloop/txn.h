/*
 * txn.h: transactions: TransactWriteItems (save, delete, condition check) and
 * TransactGetItems (load), over an engine's session.
 *
 * Owns: the request of a transaction (built from the very functions the engine builds an
 * UpdateItem / DeleteItem with, so a transactional save sends exactly what engine_save
 * would), the limits checked before anything is sent (at most 100 actions, one action per
 * item), the idempotency token on the wire, and turning a TransactionCanceledException into
 * one reason code per action.
 * Does not own: generating the token once per logical commit and reusing it when the same
 * transaction is committed again (the caller keeps it: bloop_txn_token_new gives a fresh
 * one; HTTP retries inside one call resend the same body, hence the same token), objects,
 * change tracking or signals (the Lua layer), HTTP retries (client.h).
 *
 * Wire shapes: {"Update": {...}} is the UpdateItem body of bloop_engine_save without
 * ReturnValues; {"Delete": {...}} the DeleteItem body; {"ConditionCheck": {TableName, Key,
 * ConditionExpression, names, values}} (never bloop's misspelled "CheckCondition");
 * {"Get": {TableName, Key}}.
 * DynamoDB requires an UpdateExpression in a transactional Update (moto answers HTTP 500
 * without one). A save whose change set is empty therefore SETs the non-key attributes the
 * item holds to the values it holds; an item holding only its key cannot be saved in a
 * transaction ("InvalidRequest"): use engine save, or a condition check.
 *
 * Errors (beyond those of engine.h): "InvalidRequest" (BLOOP_EINVAL) for more than 100
 * actions, two actions on one item, a check without a condition, a sync value;
 * service errors keep DynamoDB's code: "TransactionCanceledException" comes with
 * reasons filled in (bloop_txn_action.reason), "IdempotentParameterMismatchException" when
 * one token was sent with other actions.
 */
#ifndef BLOOP_TXN_H
#define BLOOP_TXN_H

#include <stddef.h>

#include "bloop/arena.h"
#include "bloop/buf.h"
#include "bloop/engine.h"
#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BLOOP_TXN_MAX_ACTIONS 100
#define BLOOP_TXN_TOKEN_MAX 37      /* a UUID's 36 characters and the NUL */
#define BLOOP_TXN_REASON_MAX 64

typedef enum bloop_txn_kind {
  BLOOP_TXN_SAVE = 0,   /* Update: the item's changes since `previous` (engine_save rules) */
  BLOOP_TXN_DELETE,     /* Delete */
  BLOOP_TXN_CHECK       /* ConditionCheck: args.condition (and atomic) is required */
} bloop_txn_kind;

typedef struct bloop_txn_action {
  bloop_txn_kind kind;              /* in */
  bloop_write_args args;            /* in: as for engine save / delete; sync must be NONE */
  /* out, after a TransactionCanceledException: DynamoDB's reason code for this action
   * ("None", "ConditionalCheckFailed", "TransactionConflict", ...); "" when the service
   * named no reasons we could read. */
  char reason[BLOOP_TXN_REASON_MAX];
  /* out, after a commit: a save of a model with a version column: the version now stored
   * (in the caller's arena); NONE otherwise. */
  bloop_value version;
} bloop_txn_action;

/* A fresh idempotency token (a random UUID, 36 characters). */
bloop_status bloop_txn_token_new(char out[BLOOP_TXN_TOKEN_MAX], bloop_error *err);

/* The TransactWriteItems body for these actions, appended to out. token may be NULL (no
 * ClientRequestToken member); otherwise 1..36 characters. Sends nothing. */
bloop_status bloop_txn_build_write(const bloop_txn_action *actions, size_t n, const char *token,
                                   bloop_buf *out, bloop_error *err);

/* Builds and sends TransactWriteItems. n == 0 sends nothing and succeeds. arena receives
 * the versions (may be NULL when no model has a version column). */
bloop_status bloop_txn_write(bloop_engine *e, bloop_txn_action *actions, size_t n,
                             const char *token, bloop_arena *arena, bloop_error *err);

/* The TransactGetItems body for these ops (model and key of each), appended to out. */
bloop_status bloop_txn_build_read(const bloop_load_op *ops, size_t n, bloop_buf *out,
                                  bloop_error *err);

/* Builds and sends TransactGetItems; each op gets outcome FOUND (item in arena) or MISSING;
 * *missing (may be NULL) counts the missing ones. Nothing is retried beyond HTTP retries:
 * the read is one consistent snapshot or nothing. */
bloop_status bloop_txn_read(bloop_engine *e, bloop_load_op *ops, size_t n, bloop_arena *arena,
                            size_t *missing, bloop_error *err);

/* Parses the reason codes out of a TransactionCanceledException message
 * ("... reasons [ConditionalCheckFailed, None]") into reasons[0..n-1]. Returns how many
 * codes the message lists; the array is filled only when that equals n (otherwise every
 * reason is set to ""). */
size_t bloop_txn_parse_reasons(const char *message, char (*reasons)[BLOOP_TXN_REASON_MAX],
                               size_t n);

#ifdef __cplusplus
}
#endif

#endif
