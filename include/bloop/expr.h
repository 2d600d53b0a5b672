/*
 * expr.h: rendering condition trees, key conditions, projections and update change sets
 * into the expression members of ONE DynamoDB request.
 *
 * Owns: the request's placeholder allocator and the texts. One bloop_expr serves every
 * fragment of a request (ConditionExpression, FilterExpression, KeyConditionExpression,
 * ProjectionExpression, UpdateExpression), so two fragments can never hand out the same
 * placeholder for different things (boto3 issue 4032 wrote a wrong value that way).
 * Placeholder naming: every attribute name and map key goes through a name placeholder
 * #n0, #n1, ... (no reserved-word list to keep current; '.', '+', '/', spaces and
 * non-ASCII names need no special case), every value through :v0, :v1, ...; names and
 * values count separately from 0 in order of first use. Equal names (bytewise) share one
 * placeholder, and so do equal values (bloop_value_equal: same type, N numerically, sets
 * regardless of order). A fragment that fails leaves no placeholder behind (DynamoDB
 * rejects unused ones). Rendering is a pure function of the inputs and their order.
 * Does not own: the trees (cond.h; borrowed during a call, copied where kept), the
 * request itself, or any network call.
 *
 * Limits are checked before anything is sent (errors, never truncation): each expression
 * <= 4 KB, each placeholder <= 255 bytes, IN <= 100 operands (cond.h), <= 300 operators
 * and functions in an UpdateExpression (each SET/REMOVE/ADD/DELETE action counts one, a
 * SET function one more, list_append's if_not_exists one more again),
 * names and values together <= 2 MB.
 * Error codes: "InvalidCondition" (condition, filter), "InvalidSearch" (key condition,
 * projection), "InvalidRequest" (update, misuse), all with status BLOOP_EINVAL.
 */
#ifndef BLOOP_EXPR_H
#define BLOOP_EXPR_H

#include <stddef.h>

#include "bloop/buf.h"
#include "bloop/cond.h"
#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BLOOP_EXPR_MAX_BYTES 4096
#define BLOOP_EXPR_PLACEHOLDER_MAX 255
#define BLOOP_EXPR_UPDATE_MAX_OPS 300
#define BLOOP_EXPR_ATTRS_MAX_BYTES (2u * 1024u * 1024u)

typedef enum bloop_expr_part {
  BLOOP_EXPR_CONDITION,   /* ConditionExpression */
  BLOOP_EXPR_FILTER,      /* FilterExpression */
  BLOOP_EXPR_KEY,         /* KeyConditionExpression */
  BLOOP_EXPR_PROJECTION,  /* ProjectionExpression */
  BLOOP_EXPR_UPDATE,      /* UpdateExpression */
  BLOOP_EXPR_PARTS
} bloop_expr_part;

typedef enum bloop_update_op {
  BLOOP_UPDATE_SET,     /* SET path = operand (a value or another path) */
  BLOOP_UPDATE_REMOVE,  /* REMOVE path */
  BLOOP_UPDATE_ADD,     /* ADD path value: a number or a set; top-level attribute only */
  BLOOP_UPDATE_DELETE   /* DELETE path value: a set; top-level attribute only */
} bloop_update_op;

/* What a SET writes: the operand itself, or a function of it and of the path's current
 * value (DynamoDB evaluates it on the stored item, so concurrent writers lose nothing).
 * The list functions start from an empty list when the attribute is absent, the way ADD
 * starts a counter from 0: appending to a list no one wrote yet makes it. */
typedef enum bloop_update_fn {
  BLOOP_UPDATE_FN_NONE = 0,       /* SET path = operand */
  BLOOP_UPDATE_FN_APPEND,         /* SET path = list_append(if_not_exists(path, []), operand) */
  BLOOP_UPDATE_FN_PREPEND,        /* SET path = list_append(operand, if_not_exists(path, [])) */
  BLOOP_UPDATE_FN_IF_NOT_EXISTS   /* SET path = if_not_exists(path, operand) */
} bloop_update_fn;

typedef struct bloop_update {
  bloop_update_op op;
  bloop_path path;
  bloop_operand operand;  /* unused for REMOVE */
  bloop_update_fn fn;     /* SET only; APPEND / PREPEND take a list value (L) */
} bloop_update;

typedef struct bloop_expr bloop_expr;

/* NULL when out of memory. */
bloop_expr *bloop_expr_new(void);
void bloop_expr_free(bloop_expr *x);

/* Renders c as the ConditionExpression (part BLOOP_EXPR_CONDITION) or FilterExpression
 * (BLOOP_EXPR_FILTER). c == NULL (the empty condition) renders nothing and succeeds.
 * Each part may be rendered once per bloop_expr. */
bloop_status bloop_expr_condition(bloop_expr *x, bloop_expr_part part, const bloop_cond *c,
                                  bloop_error *err);

/* KeyConditionExpression for a table/index whose hash key attribute is `hash` and range key
 * `range` (NULL when there is none). Valid: `hash = value`, alone or ANDed with exactly one
 * of = < <= > >= BETWEEN begins_with on `range` with value operands. Anything else is an
 * error naming what is wrong. c must not be NULL. */
bloop_status bloop_expr_key(bloop_expr *x, const bloop_cond *c, const char *hash,
                            const char *range, bloop_error *err);

/* ProjectionExpression: the paths, comma-separated; duplicates are written once. n >= 1. */
bloop_status bloop_expr_projection(bloop_expr *x, const bloop_path *paths, size_t n,
                                   bloop_error *err);

/* UpdateExpression from a change set, sections in the order SET, REMOVE, ADD, DELETE and
 * actions in the order given. Two actions on overlapping paths (a, a.b) are an error, as
 * DynamoDB rejects them. n == 0 renders nothing. */
bloop_status bloop_expr_update(bloop_expr *x, const bloop_update *actions, size_t n,
                               bloop_error *err);

/* The rendered text of a part, or NULL when that part was not rendered (or rendered
 * nothing). */
const char *bloop_expr_text(const bloop_expr *x, bloop_expr_part part);
/* "ConditionExpression", ... */
const char *bloop_expr_part_name(bloop_expr_part part);

/* The allocated placeholders: name i is "#n<i>", value i is ":v<i>". */
size_t bloop_expr_name_count(const bloop_expr *x);
const char *bloop_expr_name(const bloop_expr *x, size_t i, size_t *len);
size_t bloop_expr_value_count(const bloop_expr *x);
const bloop_value *bloop_expr_value(const bloop_expr *x, size_t i);

/* Appends the request members as JSON object members (no braces), comma-separated, in a
 * fixed order: each rendered part, then "ExpressionAttributeNames" and
 * "ExpressionAttributeValues" (DynamoDB JSON) when non-empty. Appends nothing when nothing
 * was rendered; *wrote (may be NULL) tells whether anything was. */
bloop_status bloop_expr_to_json(const bloop_expr *x, bloop_buf *out, int *wrote,
                                bloop_error *err);

#ifdef __cplusplus
}
#endif

#endif
