/*
 * cond.c: immutable, reference-counted condition trees. See include/bloop/cond.h.
 *
 * A node is one malloc'ed struct plus an arena holding everything it copied (path
 * elements, labels, operand values, the child array), so a node is freed with one
 * bloop_arena_free and one free. Combinators only take references to their children.
 */
#include "bloop/cond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/arena.h"
#include "base/value_internal.h"

struct bloop_cond {
  size_t refs;
  bloop_cond_op op;
  size_t leaves;
  size_t count;             /* children (AND/OR/NOT) or operands (leaves) */
  bloop_cond **children;
  bloop_path path;
  bloop_operand *operands;
  bloop_arena arena;
};

static const char *const op_names[] = {
    "AND", "OR", "NOT", "=", "<>", "<", "<=", ">", ">=", "BETWEEN", "begins_with",
    "contains", "IN", "attribute_exists", "attribute_not_exists"};

const char *bloop_cond_op_name(bloop_cond_op op) {
  if ((unsigned)op < sizeof op_names / sizeof op_names[0]) return op_names[op];
  return "?";
}

static int is_combinator(bloop_cond_op op) {
  return op == BLOOP_COND_AND || op == BLOOP_COND_OR || op == BLOOP_COND_NOT;
}

static bloop_status invalid(bloop_error *err, const char *fmt, const char *a, const char *b) {
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidCondition", fmt, a, b);
}

/* ---- paths --------------------------------------------------------------------------- */

bloop_status bloop_path_check(const bloop_path *p, const char *what, bloop_error *err) {
  if (!what) what = "path";
  if (!p || p->count == 0 || !p->elems)
    return invalid(err, "%s is empty%s", what, "");
  if (p->count > BLOOP_PATH_MAX_DEPTH)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidCondition",
                           "%s is %zu elements deep (DynamoDB allows %d)", what, p->count,
                           BLOOP_PATH_MAX_DEPTH);
  if (!p->elems[0].name)
    return invalid(err, "%s must start with an attribute name, not a list index%s", what, "");
  for (size_t i = 0; i < p->count; i++)
    if (p->elems[i].name && p->elems[i].len == 0)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidCondition",
                             "%s has an empty name at element %zu", what, i + 1);
    else if (p->elems[i].name && !bloopi_utf8_valid(p->elems[i].name, p->elems[i].len))
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidCondition",
                             "%s has a name that is not valid UTF-8 at element %zu", what, i + 1);
  return BLOOP_OK;
}

int bloop_path_equal(const bloop_path *a, const bloop_path *b) {
  if (a->count != b->count) return 0;
  for (size_t i = 0; i < a->count; i++) {
    const bloop_path_elem *x = &a->elems[i], *y = &b->elems[i];
    if (!x->name != !y->name) return 0;
    if (x->name ? (x->len != y->len || memcmp(x->name, y->name, x->len) != 0)
                : x->index != y->index)
      return 0;
  }
  return 1;
}

static bloop_status copy_path(bloop_path *dst, const bloop_path *src, bloop_arena *a,
                              bloop_error *err) {
  bloop_path_elem *e = bloop_arena_alloc(a, src->count * sizeof *e);
  if (!e) goto oom;
  for (size_t i = 0; i < src->count; i++) {
    e[i] = src->elems[i];
    if (e[i].name && !(e[i].name = bloop_arena_memdup(a, e[i].name, e[i].len))) goto oom;
  }
  dst->elems = e;
  dst->count = src->count;
  dst->label = NULL;
  if (src->label && !(dst->label = bloop_arena_memdup(a, src->label, strlen(src->label))))
    goto oom;
  return BLOOP_OK;
oom:
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory copying a path");
}

/* ---- nodes --------------------------------------------------------------------------- */

static bloop_cond *node_new(bloop_cond_op op) {
  bloop_cond *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->refs = 1;
  c->op = op;
  bloop_arena_init(&c->arena);
  return c;
}

bloop_cond *bloop_cond_retain(bloop_cond *c) {
  if (c) c->refs++;
  return c;
}

void bloop_cond_release(bloop_cond *c) {
  if (!c || --c->refs > 0) return;
  if (is_combinator(c->op))
    for (size_t i = 0; i < c->count; i++) bloop_cond_release(c->children[i]);
  bloop_arena_free(&c->arena);
  free(c);
}

/* Bytewise order of S/B, numeric order of N (both of type t). */
static int value_order(const bloop_value *a, const bloop_value *b, int *cmp, bloop_error *err) {
  if (a->type == BLOOP_TYPE_N) {
    bloop_decimal x, y;
    if (bloop_value_decimal(a, &x, err) != BLOOP_OK || bloop_value_decimal(b, &y, err) != BLOOP_OK)
      return 0;
    *cmp = bloop_decimal_compare(x, y);
    return 1;
  }
  size_t n = a->u.bytes.len < b->u.bytes.len ? a->u.bytes.len : b->u.bytes.len;
  int r = n ? memcmp(a->u.bytes.ptr, b->u.bytes.ptr, n) : 0;
  if (r == 0) r = a->u.bytes.len < b->u.bytes.len ? -1 : a->u.bytes.len > b->u.bytes.len;
  *cmp = r < 0 ? -1 : r > 0;
  return 1;
}

static int scalar_sn_b(bloop_type t) {
  return t == BLOOP_TYPE_S || t == BLOOP_TYPE_N || t == BLOOP_TYPE_B;
}

static bloop_status check_operands(bloop_cond_op op, const bloop_operand *ops, size_t n,
                                   bloop_error *err) {
  size_t want_min = 1, want_max = 1;
  if (op == BLOOP_COND_BETWEEN) want_min = want_max = 2;
  if (op == BLOOP_COND_IN) want_max = BLOOP_COND_IN_MAX;
  if (op == BLOOP_COND_EXISTS || op == BLOOP_COND_NOT_EXISTS) want_min = want_max = 0;
  if (n < want_min || n > want_max) {
    if (op == BLOOP_COND_IN)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidCondition",
                             "IN takes 1 to %d operands, got %zu", BLOOP_COND_IN_MAX, n);
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidCondition",
                           "%s takes %zu operand%s, got %zu", bloop_cond_op_name(op), want_min,
                           want_min == 1 ? "" : "s", n);
  }
  for (size_t i = 0; i < n; i++) {
    char what[48];
    snprintf(what, sizeof what, "%s operand %zu", bloop_cond_op_name(op), i + 1);
    if (!ops[i].path == !ops[i].value)
      return invalid(err, "%s must be either a path or a value%s", what, "");
    if (ops[i].path) {
      bloop_status st = bloop_path_check(ops[i].path, what, err);
      if (st != BLOOP_OK) return st;
      continue;
    }
    bloop_status st = bloop_value_validate(ops[i].value, what, err);
    if (st != BLOOP_OK) {
      err->status = BLOOP_EINVAL;
      snprintf(err->code, sizeof err->code, "InvalidCondition");
      return st;
    }
    bloop_type t = ops[i].value->type;
    switch (op) {
      case BLOOP_COND_LT: case BLOOP_COND_LE: case BLOOP_COND_GT: case BLOOP_COND_GE:
      case BLOOP_COND_BETWEEN: case BLOOP_COND_CONTAINS:
        if (!scalar_sn_b(t))
          return invalid(err, "%s: %s values cannot be used here (S, N or B only)", what,
                         bloop_type_name(t));
        break;
      case BLOOP_COND_BEGINS_WITH:
        if (t != BLOOP_TYPE_S && t != BLOOP_TYPE_B)
          return invalid(err, "%s: %s values cannot be used here (S or B only)", what,
                         bloop_type_name(t));
        break;
      default:
        break;
    }
  }
  if (op == BLOOP_COND_BETWEEN && ops[0].value && ops[1].value) {
    /* DynamoDB rejects these requests; saying so here names the condition. */
    if (ops[0].value->type != ops[1].value->type)
      return invalid(err, "BETWEEN bounds have different types (%s and %s)",
                     bloop_type_name(ops[0].value->type), bloop_type_name(ops[1].value->type));
    int cmp = 0;
    if (!value_order(ops[0].value, ops[1].value, &cmp, err)) return err->status;
    if (cmp > 0) return invalid(err, "BETWEEN lower bound is greater than the upper bound%s%s", "", "");
  }
  return BLOOP_OK;
}

bloop_status bloop_cond_leaf(bloop_cond_op op, const bloop_path *path,
                             const bloop_operand *operands, size_t n, bloop_cond **out,
                             bloop_error *err) {
  *out = NULL;
  if (is_combinator(op) || (unsigned)op > BLOOP_COND_NOT_EXISTS)
    return invalid(err, "%s is not a leaf operator%s", bloop_cond_op_name(op), "");
  bloop_status st = bloop_path_check(path, "path", err);
  if (st != BLOOP_OK) return st;
  st = check_operands(op, operands, n, err);
  if (st != BLOOP_OK) return st;

  bloop_cond *c = node_new(op);
  if (!c) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  c->leaves = 1;
  c->count = n;
  if ((st = copy_path(&c->path, path, &c->arena, err)) != BLOOP_OK) goto fail;
  if (n) {
    c->operands = bloop_arena_calloc(&c->arena, n, sizeof *c->operands);
    if (!c->operands) goto oom;
    for (size_t i = 0; i < n; i++) {
      if (operands[i].path) {
        bloop_path *p = bloop_arena_alloc(&c->arena, sizeof *p);
        if (!p) goto oom;
        if ((st = copy_path(p, operands[i].path, &c->arena, err)) != BLOOP_OK) goto fail;
        c->operands[i].path = p;
      } else {
        bloop_value *v = bloop_arena_alloc(&c->arena, sizeof *v);
        if (!v) goto oom;
        if ((st = bloop_value_copy(v, operands[i].value, &c->arena, err)) != BLOOP_OK) goto fail;
        c->operands[i].value = v;
      }
    }
  }
  *out = c;
  return BLOOP_OK;
oom:
  st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory building a condition");
fail:
  bloop_cond_release(c);
  return st;
}

/* Nodes are immutable and shared, so flattening `a | b` copies a's children: a chain
 * `c = c | x` built n times would copy O(n^2) pointers. Past this many children a node is
 * kept whole as one child instead, so building stays linear; the expression means the
 * same, with a pair of parentheses more. 4 KB of expression text holds at most 273 leaves
 * ("(#n0 = :v0)" and " OR " are 15 bytes), so what DynamoDB accepts renders flat. */
#define FLATTEN_MAX 512

/* Children of x that go into a flattened node of kind op: x's own children when x is of
 * that kind (and not too many), else x itself. */
static int flattens(const bloop_cond *x, bloop_cond_op op) {
  return x->op == op && x->count < FLATTEN_MAX;
}

static size_t part_count(const bloop_cond *x, bloop_cond_op op) {
  return flattens(x, op) ? x->count : 1;
}

static size_t put_parts(bloop_cond **dst, bloop_cond *x, bloop_cond_op op) {
  if (!flattens(x, op)) {
    dst[0] = bloop_cond_retain(x);
    return 1;
  }
  for (size_t i = 0; i < x->count; i++) dst[i] = bloop_cond_retain(x->children[i]);
  return x->count;
}

static bloop_status combine(bloop_cond_op op, bloop_cond *a, bloop_cond *b, bloop_cond **out,
                            bloop_error *err) {
  *out = NULL;
  if (!a || !b) {
    *out = bloop_cond_retain(a ? a : b);
    return BLOOP_OK;
  }
  size_t n = part_count(a, op) + part_count(b, op);
  bloop_cond *c = node_new(op);
  if (!c || !(c->children = bloop_arena_alloc(&c->arena, n * sizeof *c->children))) {
    if (c) bloop_cond_release(c);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory combining conditions");
  }
  size_t k = put_parts(c->children, a, op);
  put_parts(c->children + k, b, op);
  c->count = n;
  c->leaves = a->leaves + b->leaves;
  *out = c;
  return BLOOP_OK;
}

bloop_status bloop_cond_and(bloop_cond *a, bloop_cond *b, bloop_cond **out, bloop_error *err) {
  return combine(BLOOP_COND_AND, a, b, out, err);
}

bloop_status bloop_cond_or(bloop_cond *a, bloop_cond *b, bloop_cond **out, bloop_error *err) {
  return combine(BLOOP_COND_OR, a, b, out, err);
}

bloop_status bloop_cond_not(bloop_cond *a, bloop_cond **out, bloop_error *err) {
  *out = NULL;
  if (!a) return BLOOP_OK;
  if (a->op == BLOOP_COND_NOT) {
    *out = bloop_cond_retain(a->children[0]);
    return BLOOP_OK;
  }
  bloop_cond *c = node_new(BLOOP_COND_NOT);
  if (!c || !(c->children = bloop_arena_alloc(&c->arena, sizeof *c->children))) {
    if (c) bloop_cond_release(c);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory negating a condition");
  }
  c->children[0] = bloop_cond_retain(a);
  c->count = 1;
  c->leaves = a->leaves;
  *out = c;
  return BLOOP_OK;
}

/* ---- reading ------------------------------------------------------------------------- */

bloop_cond_op bloop_cond_kind(const bloop_cond *c) { return c->op; }
size_t bloop_cond_leaves(const bloop_cond *c) { return c ? c->leaves : 0; }
size_t bloop_cond_count(const bloop_cond *c) { return c ? c->count : 0; }

const bloop_cond *bloop_cond_child(const bloop_cond *c, size_t i) {
  return c && is_combinator(c->op) && i < c->count ? c->children[i] : NULL;
}

const bloop_path *bloop_cond_path(const bloop_cond *c) {
  return c && !is_combinator(c->op) ? &c->path : NULL;
}

const bloop_operand *bloop_cond_operand(const bloop_cond *c, size_t i) {
  return c && !is_combinator(c->op) && i < c->count ? &c->operands[i] : NULL;
}

/* ---- description --------------------------------------------------------------------- */

static void describe_path(const bloop_path *p, bloop_buf *b) {
  if (p->label) {
    bloop_buf_puts(b, p->label);
    return;
  }
  for (size_t i = 0; i < p->count; i++) {
    if (p->elems[i].name) {
      if (i) bloop_buf_putc(b, '.');
      bloop_buf_append(b, p->elems[i].name, p->elems[i].len);
    } else {
      bloop_buf_printf(b, "[%zu]", p->elems[i].index);
    }
  }
}

static bloop_status describe_value(const bloop_value *v, bloop_buf *b, bloop_error *err) {
  switch (v->type) {
    case BLOOP_TYPE_N:
      return bloop_buf_append(b, v->u.bytes.ptr, v->u.bytes.len);
    case BLOOP_TYPE_BOOL:
      return bloop_buf_puts(b, v->u.boolean ? "true" : "false");
    case BLOOP_TYPE_NULL:
      return bloop_buf_puts(b, "null");
    case BLOOP_TYPE_S: {
      /* {"S":"..."} minus its wrapper is the JSON string, escapes and all. */
      bloop_buf tmp = BLOOP_BUF_INIT;
      bloop_status st = bloop_value_to_json(v, &tmp, err);
      if (st == BLOOP_OK && tmp.len > 6) st = bloop_buf_append(b, tmp.data + 5, tmp.len - 6);
      bloop_buf_free(&tmp);
      return st;
    }
    default:
      return bloop_value_to_json(v, b, err);
  }
}

static bloop_status describe_operand(const bloop_operand *o, bloop_buf *b, bloop_error *err) {
  if (o->path) {
    describe_path(o->path, b);
    return BLOOP_OK;
  }
  return describe_value(o->value, b, err);
}

static bloop_status describe(const bloop_cond *c, bloop_buf *b, bloop_error *err) {
  bloop_status st = BLOOP_OK;
  bloop_buf_putc(b, '(');
  switch (c->op) {
    case BLOOP_COND_AND:
    case BLOOP_COND_OR:
      for (size_t i = 0; i < c->count && st == BLOOP_OK; i++) {
        if (i) bloop_buf_puts(b, c->op == BLOOP_COND_AND ? " AND " : " OR ");
        st = describe(c->children[i], b, err);
      }
      break;
    case BLOOP_COND_NOT:
      bloop_buf_puts(b, "NOT ");
      st = describe(c->children[0], b, err);
      break;
    case BLOOP_COND_BEGINS_WITH:
    case BLOOP_COND_CONTAINS:
      bloop_buf_printf(b, "%s(", bloop_cond_op_name(c->op));
      describe_path(&c->path, b);
      bloop_buf_puts(b, ", ");
      st = describe_operand(&c->operands[0], b, err);
      bloop_buf_putc(b, ')');
      break;
    case BLOOP_COND_EXISTS:
    case BLOOP_COND_NOT_EXISTS:
      bloop_buf_printf(b, "%s(", bloop_cond_op_name(c->op));
      describe_path(&c->path, b);
      bloop_buf_putc(b, ')');
      break;
    case BLOOP_COND_BETWEEN:
      describe_path(&c->path, b);
      bloop_buf_puts(b, " BETWEEN ");
      st = describe_operand(&c->operands[0], b, err);
      bloop_buf_puts(b, " AND ");
      if (st == BLOOP_OK) st = describe_operand(&c->operands[1], b, err);
      break;
    case BLOOP_COND_IN:
      describe_path(&c->path, b);
      bloop_buf_puts(b, " IN (");
      for (size_t i = 0; i < c->count && st == BLOOP_OK; i++) {
        if (i) bloop_buf_puts(b, ", ");
        st = describe_operand(&c->operands[i], b, err);
      }
      bloop_buf_putc(b, ')');
      break;
    default:
      describe_path(&c->path, b);
      bloop_buf_printf(b, " %s ", bloop_cond_op_name(c->op));
      st = describe_operand(&c->operands[0], b, err);
      break;
  }
  bloop_buf_putc(b, ')');
  return st;
}

bloop_status bloop_cond_describe(const bloop_cond *c, bloop_buf *out, bloop_error *err) {
  if (!c) return bloop_buf_puts(out, "()");
  bloop_status st = describe(c, out, err);
  if (st == BLOOP_OK && out->failed)
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory describing a condition");
  return st;
}
