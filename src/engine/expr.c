/*
 * expr.c: one request's expressions and placeholders. See include/bloop/expr.h.
 *
 * Placeholder tables are append-only arrays, so a failed fragment is undone by truncating
 * them to their length before it (a placeholder first used by the failed fragment goes;
 * one it shared with an earlier fragment stays). Lookups are linear: an expression is at
 * most 4 KB, which bounds a fragment to a few hundred placeholders.
 */
#include "bloop/expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/arena.h"
#include "base/value_internal.h"
#include "engine/engine_internal.h"

typedef struct name_ref {
  const char *ptr;
  size_t len;
} name_ref;

struct bloop_expr {
  bloop_arena arena;      /* copies of names and values */
  name_ref *names;
  size_t nnames, capnames;
  const bloop_value **values;
  size_t nvalues, capvalues;
  size_t attr_bytes;      /* names + values, for the 2 MB rule */
  char *text[BLOOP_EXPR_PARTS];
  int done[BLOOP_EXPR_PARTS];
  int checked;            /* bloopi_expr_values_checked */
};

static const char *const part_names[] = {"ConditionExpression", "FilterExpression",
                                         "KeyConditionExpression", "ProjectionExpression",
                                         "UpdateExpression"};

static const char *const part_codes[] = {"InvalidCondition", "InvalidCondition", "InvalidSearch",
                                         "InvalidSearch", "InvalidRequest"};

const char *bloop_expr_part_name(bloop_expr_part part) {
  return (unsigned)part < BLOOP_EXPR_PARTS ? part_names[part] : "?";
}

bloop_expr *bloop_expr_new(void) {
  bloop_expr *x = calloc(1, sizeof *x);
  if (x) bloop_arena_init(&x->arena);
  return x;
}

void bloop_expr_free(bloop_expr *x) {
  if (!x) return;
  for (int i = 0; i < BLOOP_EXPR_PARTS; i++) free(x->text[i]);
  free(x->names);
  free(x->values);
  bloop_arena_free(&x->arena);
  free(x);
}

void bloopi_expr_values_checked(bloop_expr *x) { x->checked = 1; }

const char *bloop_expr_text(const bloop_expr *x, bloop_expr_part part) {
  return (unsigned)part < BLOOP_EXPR_PARTS ? x->text[part] : NULL;
}

size_t bloop_expr_name_count(const bloop_expr *x) { return x->nnames; }
size_t bloop_expr_value_count(const bloop_expr *x) { return x->nvalues; }

const char *bloop_expr_name(const bloop_expr *x, size_t i, size_t *len) {
  if (i >= x->nnames) return NULL;
  if (len) *len = x->names[i].len;
  return x->names[i].ptr;
}

const bloop_value *bloop_expr_value(const bloop_expr *x, size_t i) {
  return i < x->nvalues ? x->values[i] : NULL;
}

/* ---- one fragment being rendered ---------------------------------------------------- */

typedef struct render {
  bloop_expr *x;
  bloop_buf out;
  bloop_error *err;
  const char *code;     /* error code of this part */
  bloop_expr_part part;
  size_t ops;           /* update operators counted */
} render;

static bloop_status fail(render *r, const char *fmt, const char *a, const char *b) {
  return bloop_error_set(r->err, BLOOP_EINVAL, r->code, fmt, a, b);
}

static bloop_status oom(render *r) {
  return bloop_error_set(r->err, BLOOP_ENOMEM, "OutOfMemory", "out of memory rendering %s",
                         "an expression");
}

static int grow(void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return 1;
  size_t nc = *cap ? *cap * 2 : 16;
  void *p = realloc(*arr, nc * size);
  if (!p) return 0;
  *arr = p;
  *cap = nc;
  return 1;
}

static bloop_status check_attr_bytes(render *r, size_t more) {
  r->x->attr_bytes += more;
  if (r->x->attr_bytes > BLOOP_EXPR_ATTRS_MAX_BYTES)
    return bloop_error_set(r->err, BLOOP_EINVAL, r->code,
                           "expression attribute names and values exceed %u bytes",
                           BLOOP_EXPR_ATTRS_MAX_BYTES);
  return BLOOP_OK;
}

/* "<prefix><i>": placeholders "#n3", ":v12"; "#n" plus at most 20 digits stays within
 * DynamoDB's 255-byte placeholder limit. */
static void put_placeholder(bloop_buf *b, const char *prefix, size_t i) {
  char t[24];
  size_t n = sizeof t;
  do {
    t[--n] = (char)('0' + i % 10);
    i /= 10;
  } while (i);
  t[--n] = prefix[1];
  t[--n] = prefix[0];
  bloop_buf_append(b, t + n, sizeof t - n);
}

/* Writes "#n<i>" for name (allocating it on first use). */
static bloop_status put_name(render *r, const char *name, size_t len) {
  bloop_expr *x = r->x;
  size_t i;
  for (i = 0; i < x->nnames; i++)
    if (x->names[i].len == len && memcmp(x->names[i].ptr, name, len) == 0) break;
  if (i == x->nnames) {
    if (!grow((void **)&x->names, &x->capnames, x->nnames, sizeof *x->names)) return oom(r);
    char *copy = bloop_arena_memdup(&x->arena, name, len);
    if (!copy) return oom(r);
    bloop_status st = check_attr_bytes(r, len);
    if (st != BLOOP_OK) return st;
    x->names[x->nnames].ptr = copy;
    x->names[x->nnames].len = len;
    x->nnames++;
  }
  put_placeholder(&r->out, "#n", i);
  return r->out.failed ? BLOOP_ENOMEM : BLOOP_OK;
}

static bloop_status put_value(render *r, const bloop_value *v) {
  bloop_expr *x = r->x;
  size_t i;
  for (i = 0; i < x->nvalues; i++)
    if (bloop_value_equal(x->values[i], v)) break;
  if (i == x->nvalues) {
    if (!grow((void **)&x->values, &x->capvalues, x->nvalues, sizeof *x->values)) return oom(r);
    bloop_status st;
    if ((st = check_attr_bytes(r, bloop_value_size(v))) != BLOOP_OK) return st;
    if (x->checked) {
      x->values[x->nvalues++] = v;   /* outlives x: not copied */
    } else {
      bloop_value *copy = bloop_arena_alloc(&x->arena, sizeof *copy);
      if (!copy) return oom(r);
      if ((st = bloop_value_copy(copy, v, &x->arena, r->err)) != BLOOP_OK) return st;
      x->values[x->nvalues++] = copy;
    }
  }
  put_placeholder(&r->out, ":v", i);
  return r->out.failed ? BLOOP_ENOMEM : BLOOP_OK;
}

static bloop_status put_path(render *r, const bloop_path *p) {
  for (size_t i = 0; i < p->count; i++) {
    const bloop_path_elem *e = &p->elems[i];
    bloop_status st;
    if (e->name) {
      if (i) bloop_buf_putc(&r->out, '.');
      st = put_name(r, e->name, e->len);
    } else {
      bloop_buf_putc(&r->out, '[');
      bloop_buf_put_uint(&r->out, e->index);
      st = bloop_buf_putc(&r->out, ']');
    }
    if (st != BLOOP_OK) return st;
  }
  return BLOOP_OK;
}

static bloop_status put_operand(render *r, const bloop_operand *o) {
  return o->path ? put_path(r, o->path) : put_value(r, o->value);
}

/* DynamoDB refuses an expression over 4 KB, so rendering stops as soon as the text passes
 * that: a tree of 100,000 conditions fails in the time of its first few hundred, and the
 * placeholder lookups (linear in what is already rendered) stay bounded. */
static bloop_status check_length(render *r) {
  if (r->out.len <= BLOOP_EXPR_MAX_BYTES) return BLOOP_OK;
  return bloop_error_set(r->err, BLOOP_EINVAL, r->code,
                         "%s is over DynamoDB's limit of %d bytes (rendering stopped at %zu)",
                         part_names[r->part], BLOOP_EXPR_MAX_BYTES, r->out.len);
}

static bloop_status put_cond(render *r, const bloop_cond *c, int depth) {
  bloop_status st = BLOOP_OK;
  bloop_cond_op op = bloop_cond_kind(c);
  size_t n = bloop_cond_count(c);
  const bloop_path *path = bloop_cond_path(c);
  /* Trees are built bottom-up and so cannot be cyclic; the bound keeps a hand-made deep
   * tree from exhausting the C stack (4 KB of text cannot hold 2,000 levels anyway). */
  if (depth > 2000) return fail(r, "condition nested too deeply%s%s", "", "");
  bloop_buf_putc(&r->out, '(');
  switch (op) {
    case BLOOP_COND_AND:
    case BLOOP_COND_OR:
      for (size_t i = 0; i < n && st == BLOOP_OK; i++) {
        if (i) bloop_buf_puts(&r->out, op == BLOOP_COND_AND ? " AND " : " OR ");
        st = put_cond(r, bloop_cond_child(c, i), depth + 1);
        if (st == BLOOP_OK) st = check_length(r);
      }
      break;
    case BLOOP_COND_NOT:
      bloop_buf_puts(&r->out, "NOT ");
      st = put_cond(r, bloop_cond_child(c, 0), depth + 1);
      break;
    case BLOOP_COND_BEGINS_WITH:
    case BLOOP_COND_CONTAINS:
      bloop_buf_puts(&r->out, bloop_cond_op_name(op));
      bloop_buf_putc(&r->out, '(');
      if ((st = put_path(r, path)) != BLOOP_OK) break;
      bloop_buf_puts(&r->out, ", ");
      if ((st = put_operand(r, bloop_cond_operand(c, 0))) != BLOOP_OK) break;
      bloop_buf_putc(&r->out, ')');
      break;
    case BLOOP_COND_EXISTS:
    case BLOOP_COND_NOT_EXISTS:
      bloop_buf_puts(&r->out, bloop_cond_op_name(op));
      bloop_buf_putc(&r->out, '(');
      if ((st = put_path(r, path)) != BLOOP_OK) break;
      bloop_buf_putc(&r->out, ')');
      break;
    case BLOOP_COND_BETWEEN:
      if ((st = put_path(r, path)) != BLOOP_OK) break;
      bloop_buf_puts(&r->out, " BETWEEN ");
      if ((st = put_operand(r, bloop_cond_operand(c, 0))) != BLOOP_OK) break;
      bloop_buf_puts(&r->out, " AND ");
      st = put_operand(r, bloop_cond_operand(c, 1));
      break;
    case BLOOP_COND_IN:
      if ((st = put_path(r, path)) != BLOOP_OK) break;
      bloop_buf_puts(&r->out, " IN (");
      for (size_t i = 0; i < n && st == BLOOP_OK; i++) {
        if (i) bloop_buf_puts(&r->out, ", ");
        st = put_operand(r, bloop_cond_operand(c, i));
        if (st == BLOOP_OK) st = check_length(r);
      }
      bloop_buf_putc(&r->out, ')');
      break;
    default:
      if ((st = put_path(r, path)) != BLOOP_OK) break;
      bloop_buf_putc(&r->out, ' ');
      bloop_buf_puts(&r->out, bloop_cond_op_name(op));
      bloop_buf_putc(&r->out, ' ');
      st = put_operand(r, bloop_cond_operand(c, 0));
      break;
  }
  if (st == BLOOP_OK) st = bloop_buf_putc(&r->out, ')');
  return st;
}

/* ---- fragment lifecycle ------------------------------------------------------------- */

typedef struct mark {
  size_t nnames, nvalues, attr_bytes;
} mark;

static bloop_status begin(render *r, bloop_expr *x, bloop_expr_part part, mark *m,
                          bloop_error *err) {
  r->x = x;
  r->err = err;
  r->code = part_codes[part];
  r->part = part;
  r->ops = 0;
  bloop_buf_init(&r->out);
  m->nnames = x->nnames;
  m->nvalues = x->nvalues;
  m->attr_bytes = x->attr_bytes;
  if (x->done[part])
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                           "%s was already rendered for this request", part_names[part]);
  return BLOOP_OK;
}

/* Keeps the text when st is OK and within limits; otherwise undoes the fragment. */
static bloop_status finish(render *r, bloop_expr_part part, const mark *m, bloop_status st) {
  bloop_expr *x = r->x;
  if (st == BLOOP_OK && r->out.failed) st = oom(r);
  if (st == BLOOP_OK && r->out.len > BLOOP_EXPR_MAX_BYTES)
    st = bloop_error_set(r->err, BLOOP_EINVAL, r->code,
                         "%s is %zu bytes, over DynamoDB's limit of %d bytes", part_names[part],
                         r->out.len, BLOOP_EXPR_MAX_BYTES);
  if (st != BLOOP_OK) {
    x->nnames = m->nnames;
    x->nvalues = m->nvalues;
    x->attr_bytes = m->attr_bytes;
    bloop_buf_free(&r->out);
    return st;
  }
  x->done[part] = 1;
  if (r->out.len) x->text[part] = bloop_buf_detach(&r->out, NULL);
  bloop_buf_free(&r->out);
  return BLOOP_OK;
}

bloop_status bloop_expr_condition(bloop_expr *x, bloop_expr_part part, const bloop_cond *c,
                                  bloop_error *err) {
  render r;
  mark m;
  if (part != BLOOP_EXPR_CONDITION && part != BLOOP_EXPR_FILTER)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                           "bloop_expr_condition renders ConditionExpression or FilterExpression, not %s",
                           bloop_expr_part_name(part));
  bloop_status st = begin(&r, x, part, &m, err);
  if (st != BLOOP_OK) return st;
  if (c) st = put_cond(&r, c, 0);
  return finish(&r, part, &m, st);
}

/* ---- key conditions ----------------------------------------------------------------- */

static int path_is(const bloop_path *p, const char *name) {
  size_t n = strlen(name);
  return p->count == 1 && p->elems[0].len == n && memcmp(p->elems[0].name, name, n) == 0;
}

static void key_label(const bloop_path *p, char *buf, size_t size) {
  const bloop_path_elem *e = &p->elems[0];
  snprintf(buf, size, "%.*s%s", (int)(e->len > 200 ? 200 : e->len), e->name,
           p->count > 1 ? " (a document path)" : "");
}

/* role: 0 hash, 1 range. */
static bloop_status key_leaf(render *r, const bloop_cond *c, const char *hash,
                             const char *range, int *role) {
  bloop_cond_op op = bloop_cond_kind(c);
  if (op == BLOOP_COND_AND || op == BLOOP_COND_OR || op == BLOOP_COND_NOT)
    return fail(r, "key condition cannot nest %s: use hash = value, optionally AND one condition on the range key%s",
                bloop_cond_op_name(op), "");
  const bloop_path *p = bloop_cond_path(c);
  char label[256];
  key_label(p, label, sizeof label);
  if (path_is(p, hash)) {
    *role = 0;
    if (op != BLOOP_COND_EQ)
      return fail(r, "key condition on the hash key %s must be =, not %s", hash,
                  bloop_cond_op_name(op));
  } else if (range && path_is(p, range)) {
    *role = 1;
    switch (op) {
      case BLOOP_COND_EQ: case BLOOP_COND_LT: case BLOOP_COND_LE: case BLOOP_COND_GT:
      case BLOOP_COND_GE: case BLOOP_COND_BETWEEN: case BLOOP_COND_BEGINS_WITH:
        break;
      default:
        return fail(r, "key condition on the range key %s cannot use %s (only = < <= > >= BETWEEN begins_with)",
                    range, bloop_cond_op_name(op));
    }
  } else {
    return fail(r, "key condition uses %s, which is not a key of this table or index (hash key %s)",
                label, hash);
  }
  for (size_t i = 0; i < bloop_cond_count(c); i++)
    if (bloop_cond_operand(c, i)->path)
      return fail(r, "key condition compares the key %s with another attribute; it needs a value%s",
                  label, "");
  return BLOOP_OK;
}

bloop_status bloop_expr_key(bloop_expr *x, const bloop_cond *c, const char *hash,
                            const char *range, bloop_error *err) {
  render r;
  mark m;
  bloop_status st = begin(&r, x, BLOOP_EXPR_KEY, &m, err);
  if (st != BLOOP_OK) return st;
  if (!hash || !*hash) {
    st = fail(&r, "key condition needs the hash key's name%s%s", "", "");
  } else if (!c) {
    st = fail(&r, "a query needs a key condition: %s = value", hash, "");
  } else if (bloop_cond_kind(c) == BLOOP_COND_AND) {
    if (bloop_cond_count(c) != 2) {
      char n[32];
      snprintf(n, sizeof n, "%zu", bloop_cond_count(c));
      st = fail(&r, "key condition ANDs %s conditions; it takes the hash key's = and at most one on the range key%s",
                n, "");
    } else {
      int r0 = 0, r1 = 0;
      if ((st = key_leaf(&r, bloop_cond_child(c, 0), hash, range, &r0)) == BLOOP_OK &&
          (st = key_leaf(&r, bloop_cond_child(c, 1), hash, range, &r1)) == BLOOP_OK &&
          r0 == r1)
        st = fail(&r, "key condition has two conditions on the %s key %s", r0 ? "range" : "hash",
                  r0 ? range : hash);
    }
  } else {
    int role = 0;
    st = key_leaf(&r, c, hash, range, &role);
    if (st == BLOOP_OK && role != 0)
      st = fail(&r, "key condition has no = on the hash key %s%s", hash, "");
  }
  if (st == BLOOP_OK) st = put_cond(&r, c, 0);
  return finish(&r, BLOOP_EXPR_KEY, &m, st);
}

/* ---- projection --------------------------------------------------------------------- */

bloop_status bloop_expr_projection(bloop_expr *x, const bloop_path *paths, size_t n,
                                   bloop_error *err) {
  render r;
  mark m;
  bloop_status st = begin(&r, x, BLOOP_EXPR_PROJECTION, &m, err);
  if (st != BLOOP_OK) return st;
  if (n == 0) st = fail(&r, "projection is empty%s%s", "", "");
  for (size_t i = 0; i < n && st == BLOOP_OK; i++) {
    char what[48];
    snprintf(what, sizeof what, "projection path %zu", i + 1);
    if ((st = bloop_path_check(&paths[i], what, err)) != BLOOP_OK) {
      snprintf(err->code, sizeof err->code, "%s", r.code);
      break;
    }
    int dup = 0;
    for (size_t j = 0; j < i && !dup; j++) dup = bloop_path_equal(&paths[i], &paths[j]);
    if (dup) continue;
    if (r.out.len) bloop_buf_puts(&r.out, ", ");
    st = put_path(&r, &paths[i]);
  }
  return finish(&r, BLOOP_EXPR_PROJECTION, &m, st);
}

/* ---- update ------------------------------------------------------------------------- */

static const char *const update_names[] = {"SET", "REMOVE", "ADD", "DELETE"};

/* a is a prefix of b or b of a (a.b and a.b[0], a and a): DynamoDB refuses both in one
 * UpdateExpression ("Two document paths overlap"). */
static int paths_overlap(const bloop_path *a, const bloop_path *b) {
  size_t n = a->count < b->count ? a->count : b->count;
  bloop_path pa = {a->elems, n, NULL}, pb = {b->elems, n, NULL};
  return bloop_path_equal(&pa, &pb);
}

static bloop_status check_update(render *r, const bloop_update *u, size_t i) {
  char what[48];
  const char *name = (unsigned)u->op <= BLOOP_UPDATE_DELETE ? update_names[u->op] : NULL;
  if (!name) return fail(r, "update action %s has an unknown kind", "", "");
  /* "<SET> action <i+1>", for messages; built by hand: this runs for every action of every
   * save, and snprintf showed in the profile */
  size_t nl = strlen(name), k = 0;
  char digits[24];
  size_t nd = 0;
  for (size_t v = i + 1; v; v /= 10) digits[nd++] = (char)('0' + v % 10);
  memcpy(what, name, nl);
  k = nl;
  memcpy(what + k, " action ", 8);
  k += 8;
  while (nd) what[k++] = digits[--nd];
  what[k] = '\0';
  bloop_status st = bloop_path_check(&u->path, what, r->err);
  if (st != BLOOP_OK) {
    snprintf(r->err->code, sizeof r->err->code, "%s", r->code);
    return st;
  }
  if (u->op == BLOOP_UPDATE_REMOVE) return BLOOP_OK;
  const bloop_operand *o = &u->operand;
  if ((unsigned)u->fn > BLOOP_UPDATE_FN_IF_NOT_EXISTS)
    return fail(r, "%s has an unknown function%s", what, "");
  if (u->fn && u->op != BLOOP_UPDATE_SET)
    return fail(r, "%s: only SET takes a function%s", what, "");
  if ((u->fn == BLOOP_UPDATE_FN_APPEND || u->fn == BLOOP_UPDATE_FN_PREPEND) &&
      !(o->value && o->value->type == BLOOP_TYPE_L))
    return fail(r, "%s: list_append takes a list value (L)%s", what, "");
  if (!o->path == !o->value) return fail(r, "%s needs a value or a path%s", what, "");
  if (o->path) {
    if (u->op != BLOOP_UPDATE_SET) return fail(r, "%s needs a value, not a path%s", what, "");
    if ((st = bloop_path_check(o->path, what, r->err)) != BLOOP_OK) {
      snprintf(r->err->code, sizeof r->err->code, "%s", r->code);
      return st;
    }
    return BLOOP_OK;
  }
  if (!r->x->checked && (st = bloop_value_validate(o->value, what, r->err)) != BLOOP_OK) {
    r->err->status = BLOOP_EINVAL;
    snprintf(r->err->code, sizeof r->err->code, "%s", r->code);
    return st;
  }
  bloop_type t = o->value->type;
  if (u->op != BLOOP_UPDATE_SET && u->path.count != 1)
    return fail(r, "%s is on a document path; DynamoDB allows %s only on top-level attributes",
                what, name);
  if (u->op == BLOOP_UPDATE_ADD && t != BLOOP_TYPE_N && !bloop_type_is_set(t))
    return fail(r, "%s: ADD takes a number or a set, not %s", what, bloop_type_name(t));
  if (u->op == BLOOP_UPDATE_DELETE && !bloop_type_is_set(t))
    return fail(r, "%s: DELETE takes a set, not %s", what, bloop_type_name(t));
  return BLOOP_OK;
}

/* The operators and functions one action counts toward DynamoDB's 300. */
static size_t update_cost(const bloop_update *u) {
  switch (u->fn) {
    case BLOOP_UPDATE_FN_APPEND:
    case BLOOP_UPDATE_FN_PREPEND: return 3;
    case BLOOP_UPDATE_FN_IF_NOT_EXISTS: return 2;
    default: return 1;
  }
}

/* What `SET path = ` is followed by. The empty list is a value like any other: it gets a
 * placeholder, shared by every append of the request. */
static bloop_status put_set_operand(render *r, const bloop_update *u) {
  static const bloop_value empty_list = {BLOOP_TYPE_L, {{NULL, 0}}};
  bloop_status st;
  if (u->fn == BLOOP_UPDATE_FN_NONE) return put_operand(r, &u->operand);
  if (u->fn == BLOOP_UPDATE_FN_IF_NOT_EXISTS) {
    bloop_buf_puts(&r->out, "if_not_exists(");
    if ((st = put_path(r, &u->path)) || (st = bloop_buf_puts(&r->out, ", ")) ||
        (st = put_operand(r, &u->operand)))
      return st;
    return bloop_buf_putc(&r->out, ')');
  }
  bloop_buf_puts(&r->out, "list_append(");
  if (u->fn == BLOOP_UPDATE_FN_PREPEND) {
    if ((st = put_operand(r, &u->operand))) return st;
    bloop_buf_puts(&r->out, ", ");
  }
  bloop_buf_puts(&r->out, "if_not_exists(");
  if ((st = put_path(r, &u->path)) || (st = bloop_buf_puts(&r->out, ", ")) ||
      (st = put_value(r, &empty_list)) || (st = bloop_buf_putc(&r->out, ')')))
    return st;
  if (u->fn == BLOOP_UPDATE_FN_APPEND) {
    bloop_buf_puts(&r->out, ", ");
    if ((st = put_operand(r, &u->operand))) return st;
  }
  return bloop_buf_putc(&r->out, ')');
}

bloop_status bloop_expr_update(bloop_expr *x, const bloop_update *actions, size_t n,
                               bloop_error *err) {
  render r;
  mark m;
  bloop_status st = begin(&r, x, BLOOP_EXPR_UPDATE, &m, err);
  if (st != BLOOP_OK) return st;
  size_t cost = 0;
  for (size_t i = 0; i < n; i++) cost += update_cost(&actions[i]);
  if (cost > BLOOP_EXPR_UPDATE_MAX_OPS) {
    char k[32];
    snprintf(k, sizeof k, "%zu", cost);
    st = fail(&r, "update has %s operators and functions, over DynamoDB's limit of 300%s", k, "");
  }
  for (size_t i = 0; i < n && st == BLOOP_OK; i++) {
    st = check_update(&r, &actions[i], i);
    for (size_t j = 0; j < i && st == BLOOP_OK; j++)
      if (paths_overlap(&actions[i].path, &actions[j].path)) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%zu", j + 1);
        snprintf(b, sizeof b, "%zu", i + 1);
        st = fail(&r, "update actions %s and %s change overlapping paths", a, b);
      }
  }
  for (int kind = BLOOP_UPDATE_SET; kind <= BLOOP_UPDATE_DELETE && st == BLOOP_OK; kind++) {
    int first = 1;
    for (size_t i = 0; i < n && st == BLOOP_OK; i++) {
      const bloop_update *u = &actions[i];
      if ((int)u->op != kind) continue;
      if (first) {
        if (r.out.len) bloop_buf_putc(&r.out, ' ');
        bloop_buf_puts(&r.out, update_names[kind]);
        bloop_buf_putc(&r.out, ' ');
        first = 0;
      } else {
        bloop_buf_puts(&r.out, ", ");
      }
      if ((st = put_path(&r, &u->path)) != BLOOP_OK) break;
      if (kind == BLOOP_UPDATE_REMOVE) continue;
      bloop_buf_puts(&r.out, kind == BLOOP_UPDATE_SET ? " = " : " ");
      st = kind == BLOOP_UPDATE_SET ? put_set_operand(&r, u) : put_operand(&r, &u->operand);
    }
  }
  return finish(&r, BLOOP_EXPR_UPDATE, &m, st);
}

/* ---- JSON --------------------------------------------------------------------------- */


bloop_status bloop_expr_to_json(const bloop_expr *x, bloop_buf *out, int *wrote,
                                bloop_error *err) {
  int any = 0;
  for (int p = 0; p < BLOOP_EXPR_PARTS; p++) {
    if (!x->text[p]) continue;
    if (any++) bloop_buf_putc(out, ',');
    bloopi_json_escape(out, part_names[p], strlen(part_names[p]));
    bloop_buf_putc(out, ':');
    bloopi_json_escape(out, x->text[p], strlen(x->text[p]));
  }
  if (x->nnames) {
    if (any++) bloop_buf_putc(out, ',');
    bloop_buf_puts(out, "\"ExpressionAttributeNames\":{");
    for (size_t i = 0; i < x->nnames; i++) {
      if (i) bloop_buf_putc(out, ',');
      bloop_buf_putc(out, '"');
      put_placeholder(out, "#n", i);
      bloop_buf_append(out, "\":", 2);
      bloopi_json_escape(out, x->names[i].ptr, x->names[i].len);
    }
    bloop_buf_putc(out, '}');
  }
  if (x->nvalues) {
    if (any++) bloop_buf_putc(out, ',');
    bloop_buf_puts(out, "\"ExpressionAttributeValues\":{");
    for (size_t i = 0; i < x->nvalues; i++) {
      if (i) bloop_buf_putc(out, ',');
      bloop_buf_putc(out, '"');
      put_placeholder(out, ":v", i);
      bloop_buf_append(out, "\":", 2);
      /* every value was validated as it entered (cond.c leaves, check_update) and copied */
      if (bloopi_value_to_json_unchecked(x->values[i], out) != BLOOP_OK)
        return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
    }
    bloop_buf_putc(out, '}');
  }
  if (wrote) *wrote = any > 0;
  if (out->failed)
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory writing %s",
                           "expressions");
  return BLOOP_OK;
}
