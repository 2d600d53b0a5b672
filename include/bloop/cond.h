/*
 * cond.h: condition trees (AND / OR / NOT over comparisons, BETWEEN, IN, begins_with,
 * contains, attribute_exists / attribute_not_exists) on DynamoDB document paths.
 *
 * Owns: the tree shape, its construction rules and its readable description. Trees are
 * immutable and reference-counted: a node holds deep copies of its paths and values (in
 * an arena of its own) and a reference to each child, so a condition can be combined into
 * any number of bigger trees and reused across requests without copying or aliasing
 * hazards (Python bloop's `&=` mutates in place; ours never does). The empty condition is
 * the NULL pointer: the identity of AND and OR, and its NOT is itself.
 * Does not own: rendering to expression text and placeholders (expr.h), typing Lua values
 * (src/lua), or which operators a column type supports (the type objects decide that
 * before a leaf is built). Reference counts are not atomic: a tree belongs to one thread
 * (one Lua state) at a time.
 *
 * Errors use code "InvalidCondition" (status BLOOP_EINVAL) and say what is wrong.
 */
#ifndef BLOOP_COND_H
#define BLOOP_COND_H

#include <stddef.h>

#include "bloop/buf.h"
#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bloop_cond_op {
  BLOOP_COND_AND,
  BLOOP_COND_OR,
  BLOOP_COND_NOT,
  BLOOP_COND_EQ,          /* path = operand */
  BLOOP_COND_NE,          /* path <> operand */
  BLOOP_COND_LT,
  BLOOP_COND_LE,
  BLOOP_COND_GT,
  BLOOP_COND_GE,
  BLOOP_COND_BETWEEN,     /* path BETWEEN lo AND hi (inclusive): 2 operands */
  BLOOP_COND_BEGINS_WITH, /* begins_with(path, operand) */
  BLOOP_COND_CONTAINS,    /* contains(path, operand) */
  BLOOP_COND_IN,          /* path IN (operands...): 1..100 operands */
  BLOOP_COND_EXISTS,      /* attribute_exists(path): no operand */
  BLOOP_COND_NOT_EXISTS   /* attribute_not_exists(path): no operand */
} bloop_cond_op;

#define BLOOP_COND_IN_MAX 100     /* DynamoDB: IN takes at most 100 operands */
#define BLOOP_PATH_MAX_DEPTH 32   /* document paths are as deep as values may nest */

/* One step of a document path: a map key / attribute name, or a 0-based list index. */
typedef struct bloop_path_elem {
  const char *name;   /* NULL for a list index */
  size_t len;
  size_t index;       /* 0-based; meaningful when name == NULL */
} bloop_path_elem;

/* A document path. elems[0] is the attribute name (never an index). label, when not NULL,
 * is how the path reads in descriptions ("Tweet.account", "User.data.tags[1]"); it never
 * reaches the wire. */
typedef struct bloop_path {
  const bloop_path_elem *elems;
  size_t count;
  const char *label;
} bloop_path;

/* The right-hand side of a leaf: a value or another path (`a = b`). Exactly one is set. */
typedef struct bloop_operand {
  const bloop_path *path;
  const bloop_value *value;
} bloop_operand;

typedef struct bloop_cond bloop_cond;

/* Checks a path: 1..32 elements, elems[0] a name, names non-empty. what names the path's
 * role in messages ("path", "IN operand 3"). */
bloop_status bloop_path_check(const bloop_path *p, const char *what, bloop_error *err);
int bloop_path_equal(const bloop_path *a, const bloop_path *b);

/* Builds a leaf of kind op (not AND/OR/NOT) on path with n operands: 1 for comparisons,
 * begins_with and contains, 2 for BETWEEN, 1..100 for IN, 0 for EXISTS / NOT_EXISTS.
 * Operand values are validated (bloop_value_validate) and must be what DynamoDB accepts for
 * the operator: S, N or B for < <= > >= BETWEEN and contains; S or B for begins_with; two
 * value bounds of BETWEEN have one type and lo <= hi. Everything is copied: the caller's
 * path and values may be freed after. *out holds one reference. */
bloop_status bloop_cond_leaf(bloop_cond_op op, const bloop_path *path,
                             const bloop_operand *operands, size_t n, bloop_cond **out,
                             bloop_error *err);

/* a AND b, a OR b: NULL (empty) on one side gives the other side (a new reference to it);
 * both NULL gives NULL. Same-kind nodes flatten: (x AND y) AND z is AND(x, y, z), and
 * z AND (x AND y) is AND(z, x, y). Operands are borrowed; *out is a new reference. */
bloop_status bloop_cond_and(bloop_cond *a, bloop_cond *b, bloop_cond **out, bloop_error *err);
bloop_status bloop_cond_or(bloop_cond *a, bloop_cond *b, bloop_cond **out, bloop_error *err);
/* NOT a: NULL stays NULL, NOT (NOT x) is x. */
bloop_status bloop_cond_not(bloop_cond *a, bloop_cond **out, bloop_error *err);

/* Reference counting; both accept NULL. */
bloop_cond *bloop_cond_retain(bloop_cond *c);
void bloop_cond_release(bloop_cond *c);

/* ---- reading (for renderers and bindings) -------------------------------------------- */

bloop_cond_op bloop_cond_kind(const bloop_cond *c);
/* Leaves in the tree, as bloop's len(): leaf 1, NOT its child's, AND/OR the sum; NULL 0. */
size_t bloop_cond_leaves(const bloop_cond *c);
/* AND/OR/NOT: number of children; leaves: number of operands. */
size_t bloop_cond_count(const bloop_cond *c);
const bloop_cond *bloop_cond_child(const bloop_cond *c, size_t i);
const bloop_path *bloop_cond_path(const bloop_cond *c);        /* leaves only, else NULL */
const bloop_operand *bloop_cond_operand(const bloop_cond *c, size_t i);

/* "=", "<>", "<", "<=", ">", ">=", "BETWEEN", "begins_with", "contains", "IN",
 * "attribute_exists", "attribute_not_exists", "AND", "OR", "NOT". */
const char *bloop_cond_op_name(bloop_cond_op op);

/* Appends a readable one-line description: `((Tweet.account = "x") AND (NOT (a.b[0] > 3)))`.
 * Paths use their label when they have one; values print as JSON text for S/N/BOOL/NULL
 * and DynamoDB JSON otherwise. NULL describes as "()". */
bloop_status bloop_cond_describe(const bloop_cond *c, bloop_buf *out, bloop_error *err);

#ifdef __cplusplus
}
#endif

#endif
