/*
 * engine_item.c: save and delete (UpdateItem / DeleteItem), load (BatchGetItem), batch
 * save / delete (BatchWriteItem) and their explain (engine.h).
 *
 * bloopi_write_body() is the only place an UpdateItem / DeleteItem / ConditionCheck body is
 * made: the operation sends what it built, explain prints it, a transaction wraps it.
 */
#include "engine/engine_internal.h"
#include "base/json_read.h"
#include "client/batch_internal.h"
#include "engine/engine_batch.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/expr.h"

#define CCF "ConditionalCheckFailedException"

static const char *label(bloop_arena *a, const bloop_model *m, const bloop_column *c) {
  const char *model = bloop_model_name(m);
  size_t mn = strlen(model), cn = strlen(c->name);
  char *s = bloop_arena_alloc(a, mn + cn + 2);
  if (!s) return NULL;
  memcpy(s, model, mn);
  s[mn] = '.';
  memcpy(s + mn + 1, c->name, cn + 1);
  return s;
}

/* Checks that every attribute of item is a column of m with the column's type, and that
 * it is within DynamoDB's item size; *size: the item's size. */
static bloop_status check_item(const bloop_model *m, const bloop_value *item, const char *op,
                               size_t *size, bloop_error *err) {
  if (!item || item->type != BLOOP_TYPE_M)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                              "the item is not a map of attributes");
  size_t ncols = bloop_model_column_count(m), next = 0;
  for (size_t i = 0; i < item->u.map.count; i++) {
    const bloop_member *mb = &item->u.map.members[i];
    /* an item dumped from an object lists its attributes in column order: try the column
     * after the last one found first */
    const bloop_column *c = next < ncols ? bloop_model_column(m, next) : NULL;
    if (!c || strlen(c->dynamo_name) != mb->name_len ||
        memcmp(c->dynamo_name, mb->name, mb->name_len) != 0)
      c = bloop_model_column_by_dynamo(m, mb->name, mb->name_len);
    if (c) next = (size_t)(c - bloop_model_column(m, 0)) + 1;
    if (!c)
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                                "attribute \"%.*s\" is not a column", (int)mb->name_len,
                                mb->name);
    if (mb->value.type != c->type)
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                                "column \"%s\" must be %s (got %s)", c->name,
                                bloop_type_name(c->type), bloop_type_name(mb->value.type));
  }
  /* The saved object is the stored item afterwards: refuse one DynamoDB would refuse, with
   * its key in the message, before anything is sent. */
  *size = bloop_item_size(item);
  if (*size <= BLOOP_ITEM_SIZE_MAX) return BLOOP_OK;
  const bloop_column *h = bloop_model_hash_key(m), *r = bloop_model_range_key(m);
  char keys[520];
  snprintf(keys, sizeof keys, "%s%s%s", h ? h->dynamo_name : "", r ? "," : "",
           r ? r->dynamo_name : "");
  bloop_error size_err = BLOOP_ERROR_INIT;
  bloop_error_clear(&size_err);
  if (bloop_item_check_size(item, keys, &size_err) != BLOOP_OK)
    return bloopi_engine_fail(err, size_err.status, size_err.code, m, op, "%s",
                              size_err.message);
  return BLOOP_OK;
}

static const bloop_value *attr(const bloop_value *item, const bloop_column *c) {
  if (!item || item->type != BLOOP_TYPE_M) return NULL;
  return bloop_value_get(item, c->dynamo_name, strlen(c->dynamo_name));
}

static int is_cleared(const bloop_write_args *a, const bloop_column *c) {
  for (size_t i = 0; i < a->cleared_count; i++)
    if (a->cleared[i] && strcmp(a->cleared[i], c->name) == 0) return 1;
  return 0;
}

/* cond = cond AND leaf (consumes leaf's reference). */
static bloop_status and_in(bloop_cond **cond, bloop_cond *leaf, bloop_error *err) {
  bloop_cond *out = NULL;
  bloop_status st = bloop_cond_and(*cond, leaf, &out, err);
  bloop_cond_release(leaf);
  if (st) return st;
  bloop_cond_release(*cond);
  *cond = out;
  return BLOOP_OK;
}

static bloop_status leaf_eq_or_missing(bloop_cond **cond, const bloop_path *p,
                                       const bloop_value *v, bloop_error *err) {
  bloop_cond *leaf = NULL;
  bloop_status st;
  if (v) {
    bloop_operand o = {NULL, v};
    st = bloop_cond_leaf(BLOOP_COND_EQ, p, &o, 1, &leaf, err);
  } else {
    st = bloop_cond_leaf(BLOOP_COND_NOT_EXISTS, p, NULL, 0, &leaf, err);
  }
  if (st) return st;
  return and_in(cond, leaf, err);
}

static bloop_status nomem(const bloop_model *m, const char *opname, bloop_error *err) {
  return bloopi_engine_fail(err, BLOOP_ENOMEM, "OutOfMemory", m, opname, "out of memory");
}

/* Opens the body of a request on one item, {"TableName":<table>,"<member>":<v>: writes,
 * loads and the per-item batch route all start so. The caller adds the rest and the '}'. */
static bloop_status open_item_request(bloop_buf *o, const char *table, const char *member,
                                      const bloop_value *v, bloop_error *err) {
  bloop_buf_puts(o, "{\"TableName\":");
  bloopi_json_cstr(o, table);
  bloop_buf_puts(o, ",\"");
  bloop_buf_puts(o, member);   /* "Key" or "Item": no escapes */
  bloop_buf_append(o, "\":", 2);
  return bloop_item_to_json(v, o, err);
}

static const char *action_name(bloop_action_kind k) {
  switch (k) {
    case BLOOP_ACTION_ADD: return "add";
    case BLOOP_ACTION_DELETE: return "delete";
    case BLOOP_ACTION_APPEND: return "append";
    case BLOOP_ACTION_PREPEND: return "prepend";
    case BLOOP_ACTION_IF_NOT_EXISTS: return "if_not_exists";
  }
  return NULL;
}

/* What the column's type allows for the kind: NULL when it is allowed, else the type the
 * kind needs. */
static const char *action_needs(bloop_action_kind k, bloop_type t) {
  switch (k) {
    case BLOOP_ACTION_ADD: return t == BLOOP_TYPE_N || bloop_type_is_set(t) ? NULL : "a number or set";
    case BLOOP_ACTION_DELETE: return bloop_type_is_set(t) ? NULL : "a set";
    case BLOOP_ACTION_APPEND:
    case BLOOP_ACTION_PREPEND: return t == BLOOP_TYPE_L ? NULL : "a list";
    case BLOOP_ACTION_IF_NOT_EXISTS: return NULL;
  }
  return "?";
}

/* One action of a save, checked against the model before anything is built. */
static bloop_status check_action(const bloop_write_args *a, size_t i, const char *opname,
                                 bloop_error *err) {
  const bloop_model *m = a->model;
  const bloop_write_action *x = &a->actions[i];
  const char *kind = action_name(x->kind);
  const bloop_column *c = x->column ? bloop_model_column_find(m, x->column) : NULL;
  if (!c)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "update action on \"%s\": not a column",
                              x->column ? x->column : "(null)");
  if (!kind)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "update action on column \"%s\" has an unknown kind", c->name);
  if (c->key != BLOOP_KEY_NONE || c->version)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "%s on column \"%s\": a %s column takes no update action",
                              kind, c->name, c->version ? "version" : "key");
  const char *needs = action_needs(x->kind, c->type);
  if (needs)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "%s on column \"%s\": %s needs %s column (the column is %s)",
                              kind, c->name, kind, needs, bloop_type_name(c->type));
  if (!x->value || x->value->type != c->type)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "%s on column \"%s\": the value must be %s (got %s)", kind,
                              c->name, bloop_type_name(c->type),
                              x->value ? bloop_type_name(x->value->type) : "none");
  if (attr(a->item, c))
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "column \"%s\" has both a value and an update action", c->name);
  for (size_t j = 0; j < i; j++)
    if (a->actions[j].column && strcmp(a->actions[j].column, c->name) == 0)
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                                "column \"%s\" has two update actions", c->name);
  return BLOOP_OK;
}

/* The misuse a write is refused for before anything is built. */
static bloop_status check_args(const bloop_write_args *a, int del, const char *opname,
                               size_t *size, bloop_error *err) {
  const bloop_model *m = a->model;
  bloop_status st;
  if (!del && (st = check_item(m, a->item, opname, size, err))) return st;
  if (a->previous && a->previous->type != BLOOP_TYPE_M)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "previous is not a map of attributes");
  if (a->sync != BLOOP_SYNC_NONE && a->sync != BLOOP_SYNC_NEW && a->sync != BLOOP_SYNC_OLD)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname, "bad sync value");
  if (del && a->sync == BLOOP_SYNC_NEW)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "sync must be none or \"old\" for a delete");
  if (del && a->action_count)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, opname,
                              "update actions are for saves");
  for (size_t i = 0; i < a->action_count; i++)
    if ((st = check_action(a, i, opname, err))) return st;
  return BLOOP_OK;
}

/* The change set and the condition of one write, gathered column by column. */
typedef struct plan {
  bloop_update *ups;       /* in tmp, room for every column */
  size_t nup;
  bloop_cond *cond;        /* one reference: the caller's condition AND atomic's and the
                            * version's leaves */
} plan;

static bloop_update *add_update(plan *pl, bloop_update_op op, const bloop_path *p,
                               const bloop_value *v) {
  bloop_update *u = &pl->ups[pl->nup++];
  u->op = op;
  u->path = *p;
  u->operand.value = v;
  return u;
}

static const bloop_write_action *action_of(const bloop_write_args *a, const bloop_column *c) {
  for (size_t i = 0; i < a->action_count; i++)
    if (strcmp(a->actions[i].column, c->name) == 0) return &a->actions[i];
  return NULL;
}

/* An action always sends: what the row holds decides the result, not what previous says. */
static void plan_action(const bloop_write_action *x, const bloop_path *p, plan *pl) {
  static const bloop_update_fn fns[] = {
      [BLOOP_ACTION_APPEND] = BLOOP_UPDATE_FN_APPEND,
      [BLOOP_ACTION_PREPEND] = BLOOP_UPDATE_FN_PREPEND,
      [BLOOP_ACTION_IF_NOT_EXISTS] = BLOOP_UPDATE_FN_IF_NOT_EXISTS};
  bloop_update_op op = x->kind == BLOOP_ACTION_ADD      ? BLOOP_UPDATE_ADD
                       : x->kind == BLOOP_ACTION_DELETE ? BLOOP_UPDATE_DELETE
                                                        : BLOOP_UPDATE_SET;
  add_update(pl, op, p, x->value)->fn = op == BLOOP_UPDATE_SET ? fns[x->kind] : BLOOP_UPDATE_FN_NONE;
}

/* The version column: the expected version goes into the condition, and a save SETs it
 * plus one. */
static bloop_status plan_version(const bloop_write_args *a, int del, const bloop_column *c,
                                 const bloop_path *p, bloop_arena *tmp, plan *pl, bloopi_write *w,
                                 bloop_error *err) {
  const bloop_value *expected = a->previous ? attr(a->previous, c) : attr(a->item, c);
  bloop_status st;
  /* Atomic already pinned the version to previous's value. */
  if (!(a->atomic && a->previous) && (st = leaf_eq_or_missing(&pl->cond, p, expected, err)))
    return st;
  if (del) return BLOOP_OK;
  bloop_decimal d = bloop_decimal_from_int64(0), one = bloop_decimal_from_int64(1);
  if (expected && (st = bloop_value_decimal(expected, &d, err))) return st;
  if ((st = bloop_decimal_add(&d, d, one, err))) return st;
  if ((st = bloop_value_set_n_decimal(&w->version, tmp, d, err))) return st;
  w->has_version = 1;
  add_update(pl, BLOOP_UPDATE_SET, p, &w->version);
  return BLOOP_OK;
}

typedef enum change { CHANGE_NONE, CHANGE_SET, CHANGE_REMOVE } change;

/* What a save writes to one non-key column without an action: SET what is new or differs
 * from previous, REMOVE what previous held or the caller cleared. */
static change change_of(const bloop_write_args *a, const bloop_column *c) {
  const bloop_value *v = attr(a->item, c), *pv = attr(a->previous, c);
  if (v) return a->previous && pv && bloop_value_equal(v, pv) ? CHANGE_NONE : CHANGE_SET;
  return pv || is_cleared(a, c) ? CHANGE_REMOVE : CHANGE_NONE;
}

static void plan_change(const bloop_write_args *a, const bloop_column *c, const bloop_path *p,
                        plan *pl) {
  change k = change_of(a, c);
  if (k == CHANGE_SET) add_update(pl, BLOOP_UPDATE_SET, p, attr(a->item, c));
  else if (k == CHANGE_REMOVE) add_update(pl, BLOOP_UPDATE_REMOVE, p, NULL);
}

/* Every column in declaration order (placeholders are numbered in that order): atomic's
 * leaf, then the version or the change. */
static bloop_status plan_columns(const bloop_write_args *a, int del, const char *opname,
                                 bloop_arena *tmp, plan *pl, bloopi_write *w,
                                 bloop_error *err) {
  const bloop_model *m = a->model;
  size_t ncol = bloop_model_column_count(m);
  pl->ups = bloop_arena_calloc(tmp, ncol + 1, sizeof *pl->ups);
  if (!pl->ups) return nomem(m, opname, err);
  for (size_t i = 0; i < ncol; i++) {
    const bloop_column *c = bloop_model_column(m, i);
    bloop_path *p = bloopi_attr_path(tmp, c->dynamo_name, label(tmp, m, c));
    bloop_status st;
    if (!p) return nomem(m, opname, err);
    if (a->atomic && (st = leaf_eq_or_missing(&pl->cond, p, attr(a->previous, c), err)))
      return st;
    if (c->version) {
      if ((st = plan_version(a, del, c, p, tmp, pl, w, err))) return st;
    } else if (!del && c->key == BLOOP_KEY_NONE) {
      const bloop_write_action *x = a->action_count ? action_of(a, c) : NULL;
      if (x) plan_action(x, p, pl);
      else plan_change(a, c, p, pl);
    }
  }
  return BLOOP_OK;
}

/* Checked after the plan, where it always was: a refused value in the plan reports first. */
static bloop_status check_cleared(const bloop_write_args *a, const char *opname,
                                  bloop_error *err) {
  for (size_t i = 0; i < a->cleared_count; i++)
    if (!a->cleared[i] || !bloop_model_column_find(a->model, a->cleared[i]))
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", a->model, opname,
                                "cleared column \"%s\" is not a column",
                                a->cleared[i] ? a->cleared[i] : "(null)");
  return BLOOP_OK;
}

/* Renders the plan: {"TableName":…,"Key":…, the condition and change set as expression
 * members, "ReturnValues"}. */
static bloop_status put_body(const bloop_write_args *a, const char *opname,
                             const bloop_value *key, const plan *pl, bloop_buf *o,
                             bloopi_write *w, bloop_error *err) {
  const bloop_model *m = a->model;
  bloop_expr *x = bloop_expr_new();
  if (!x) return nomem(m, opname, err);
  /* The item's values were validated by the caller, the version's is made here, and
   * condition values are validated as their leaves are made: nothing to check or copy
   * again, unless an action brings a value of its own. */
  if (a->item_valid && !a->action_count) bloopi_expr_values_checked(x);
  int wrote = 0;
  bloop_status st = bloop_expr_condition(x, BLOOP_EXPR_CONDITION, pl->cond, err);
  if (!st && pl->nup) st = bloop_expr_update(x, pl->ups, pl->nup, err);
  if (!st) st = open_item_request(o, bloop_model_table_name(m), "Key", key, err);
  if (!st) {
    bloop_buf_putc(o, ',');
    st = bloop_expr_to_json(x, o, &wrote, err);
  }
  w->has_update = bloop_expr_text(x, BLOOP_EXPR_UPDATE) != NULL;
  w->has_condition = bloop_expr_text(x, BLOOP_EXPR_CONDITION) != NULL;
  bloop_expr_free(x);
  if (st) return bloopi_engine_prefix(st, err, m, opname);
  if (!wrote) o->len--, o->data[o->len] = '\0';  /* drop the comma */
  if (a->sync != BLOOP_SYNC_NONE)
    bloop_buf_printf(o, ",\"ReturnValues\":\"%s\"",
                     a->sync == BLOOP_SYNC_NEW ? "ALL_NEW" : "ALL_OLD");
  bloop_buf_putc(o, '}');
  return o->failed ? nomem(m, opname, err) : BLOOP_OK;
}

bloop_status bloopi_write_body(const bloop_write_args *a, bloopi_write_kind kind,
                               bloop_arena *tmp, bloop_buf *body, bloopi_write *w,
                               bloop_error *err) {
  int del = kind != BLOOPI_WRITE_SAVE;       /* a check follows the delete's rules */
  const char *opname = del ? "delete" : "save";
  const bloop_model *m = a->model;
  memset(w, 0, sizeof *w);
  if (!m)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest", "engine %s: no model", opname);
  w->op = kind == BLOOPI_WRITE_SAVE ? "UpdateItem"
          : kind == BLOOPI_WRITE_DELETE ? "DeleteItem" : "ConditionCheck";
  bloop_value key;
  size_t size = 0;
  plan pl = {NULL, 0, bloop_cond_retain(a->condition)};
  bloop_status st = check_args(a, del, opname, &size, err);
  if (!st) st = bloopi_item_key(m, a->item, tmp, &key, opname, err);
  if (!st) st = plan_columns(a, del, opname, tmp, &pl, w, err);
  if (!st) st = check_cleared(a, opname, err);
  if (!st) st = put_body(a, opname, &key, &pl, body, w, err);
  if (!st) w->item_size = del ? 0 : size;
  bloop_cond_release(pl.cond);
  return st;
}

static bloop_status explain_out(bloop_buf *out, const char *op, const bloop_buf *req,
                                size_t item_size, int with_size, const char *extra) {
  bloop_buf_printf(out, "{\"operation\":\"%s\",\"request\":", op);
  bloop_buf_append(out, req->data, req->len);
  if (with_size) bloop_buf_printf(out, ",\"item_size\":%zu", item_size);
  if (extra) bloop_buf_puts(out, extra);
  bloop_buf_putc(out, '}');
  return out->failed ? BLOOP_ENOMEM : BLOOP_OK;
}

/* The request of a save or delete on its own (not in a transaction): the write's body and,
 * when it has a condition, ReturnValuesOnConditionCheckFailure ALL_OLD. The client resends
 * these bytes on a retry, so the item comes back with a condition failure that follows an
 * attempt whose answer was lost (see reconcile); DynamoDB charges nothing for it. */
static bloop_status write_request(const bloop_write_args *a, bloopi_write_kind kind,
                                  bloop_arena *tmp, bloop_buf *body, bloopi_write *w,
                                  bloop_error *err) {
  bloop_status st = bloopi_write_body(a, kind, tmp, body, w, err);
  if (st || !w->has_condition) return st;
  body->data[--body->len] = '\0';   /* the closing '}' */
  bloop_buf_puts(body, ",\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}");
  return body->failed ? nomem(a->model, kind == BLOOPI_WRITE_SAVE ? "save" : "delete", err)
                      : BLOOP_OK;
}

static bloop_status explain_write(const bloop_write_args *a, bloopi_write_kind kind,
                                  bloop_buf *out, bloop_error *err) {
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_buf body = BLOOP_BUF_INIT;
  bloopi_write w;
  bloop_status st = write_request(a, kind, &tmp, &body, &w, err);
  if (!st && explain_out(out, w.op, &body, w.item_size, kind == BLOOPI_WRITE_SAVE, NULL))
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  bloop_buf_free(&body);
  bloop_arena_free(&tmp);
  return st;
}

bloop_status bloop_engine_explain_save(bloop_engine *e, const bloop_write_args *a,
                                       bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  (void)e;
  return explain_write(a, BLOOPI_WRITE_SAVE, out, err);
}

bloop_status bloop_engine_explain_delete(bloop_engine *e, const bloop_write_args *a,
                                         bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  (void)e;
  return explain_write(a, BLOOPI_WRITE_DELETE, out, err);
}

static bloop_status reconcile(bloop_engine *e, const bloop_write_args *a, int del,
                              const bloopi_write *w, const bloop_buf *failure,
                              bloop_arena *tmp, bloop_write_result *result,
                              bloop_arena *arena, bloop_error *err);

static bloop_status run_write(bloop_engine *e, const bloop_write_args *a,
                              bloopi_write_kind kind, bloop_write_result *result,
                              bloop_arena *arena, bloop_error *err) {
  const char *opname = kind == BLOOPI_WRITE_SAVE ? "save" : "delete";
  /* The call's error says whether an attempt may have been applied: keep it even when the
   * caller does not ask for it. */
  bloop_error own = BLOOP_ERROR_INIT;
  if (!err) err = &own;
  if (result) memset(result, 0, sizeof *result);
  if (result && !arena)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", a->model, opname,
                              "a result needs an arena");
  bloopi_scratch spare, *s = bloopi_engine_scratch(e, &spare);
  bloop_arena *tmp = &s->arena;
  bloop_buf *body = &s->body, *resp = &s->resp;
  bloopi_write w;
  cJSON *root = NULL;
  bloop_status st = write_request(a, kind, tmp, body, &w, err);
  if (st) goto done;
  st = bloopi_engine_call(e, w.op, body, resp, err);
  if (st) {
    int ccf = err->status == BLOOP_ESERVICE && strcmp(err->code, CCF) == 0;
    if (ccf) snprintf(err->code, sizeof err->code, "ConstraintViolation");
    if (ccf && err->ambiguous) {
      st = reconcile(e, a, kind != BLOOPI_WRITE_SAVE, &w, resp, tmp, result, arena, err);
      if (!st) goto done;
    }
    st = bloopi_engine_prefix(st, err, a->model, opname);
    goto done;
  }
  if (!result) goto done;
  if (w.has_version && (st = bloop_value_copy(&result->version, &w.version, arena, err)))
    goto done;
  if (a->sync != BLOOP_SYNC_NONE) {
    root = cJSON_ParseWithLength(resp->data ? resp->data : "", resp->len);
    if (!root) {
      st = bloopi_engine_fail(err, BLOOP_EPROTOCOL, "BadResponse", a->model, opname,
                              "%s answer is not JSON", w.op);
      goto done;
    }
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(root, "Attributes");
    if (cJSON_IsObject(attrs)) {
      st = bloop_item_from_cjson(attrs, arena, &result->attributes, "Attributes", err);
      if (st) {
        st = bloopi_engine_prefix(st, err, a->model, opname);
        goto done;
      }
      result->has_attributes = 1;
    }
  }
done:
  cJSON_Delete(root);
  bloopi_engine_scratch_done(e, s);
  return st;
}

bloop_status bloop_engine_save(bloop_engine *e, const bloop_write_args *a,
                               bloop_write_result *result, bloop_arena *arena,
                               bloop_error *err) {
  bloop_error_clear(err);
  return run_write(e, a, BLOOPI_WRITE_SAVE, result, arena, err);
}

bloop_status bloop_engine_delete(bloop_engine *e, const bloop_write_args *a,
                                 bloop_write_result *result, bloop_arena *arena,
                                 bloop_error *err) {
  bloop_error_clear(err);
  return run_write(e, a, BLOOPI_WRITE_DELETE, result, arena, err);
}

/* ---- batches ------------------------------------------------------------------------ */

/* One bloop_batch_table per table name. */
typedef struct tables {
  bloop_batch_table *t;
  size_t n;
} tables;

static const bloop_batch_table *table_for(tables *ts, const bloop_model *m, int consistent) {
  const char *name = bloop_model_table_name(m);
  for (size_t i = 0; i < ts->n; i++)
    if (strcmp(ts->t[i].name, name) == 0) return &ts->t[i];
  bloop_batch_table *t = &ts->t[ts->n++];
  memset(t, 0, sizeof *t);
  t->name = name;
  t->hash_key = bloop_model_hash_key(m)->dynamo_name;
  t->range_key = bloop_model_range_key(m) ? bloop_model_range_key(m)->dynamo_name : NULL;
  t->consistent_read = consistent;
  return t;
}

static void put_key_request(bloop_buf *o, const char *table, const bloop_value *key,
                            int consistent, bloop_error *err) {
  open_item_request(o, table, "Key", key, err);
  if (consistent) bloop_buf_puts(o, ",\"ConsistentRead\":true");
  bloop_buf_putc(o, '}');
}

static int key_value_cmp(const bloop_value *a, const bloop_value *b);

/* The item holds every attribute of key, each equal to key's. */
static int has_key(const bloop_value *item, const bloop_value *key) {
  for (size_t i = 0; i < key->u.map.count; i++) {
    const bloop_member *k = &key->u.map.members[i];
    const bloop_value *v = bloop_value_get(item, k->name, k->name_len);
    if (!v || key_value_cmp(v, &k->value) != 0) return 0;
  }
  return 1;
}

/* The item next in r into out, holding only the attributes key names (each checked as the
 * reader checks values), the others passed over by their brackets; *text and *len where
 * the item stands. For a text_only op: its reader checks the text. */
static bloop_status read_key_attrs(bloopi_jr *r, const bloop_value *key, bloop_arena *a,
                                   bloop_value *out, const char **text, size_t *len) {
  memset(out, 0, sizeof *out);
  bloopi_jr_peek(r);
  const char *start = r->p;
  if (bloopi_jr_object_begin(r)) return r->failed;
  if (bloop_value_set_map(out, a, key->u.map.count, r->err))
    return r->failed = BLOOP_ENOMEM;
  size_t i = 0, nlen;
  const char *name;
  int more;
  while ((more = bloopi_jr_object_next(r, &i, &name, &nlen)) == 1) {
    if (!bloop_value_get(key, name, nlen)) {
      if (bloopi_jr_pass(r)) return r->failed;
      continue;
    }
    bloop_value v;
    if (bloopi_jr_value(r, &v)) return r->failed;
    bloop_value *slot = bloop_value_map_add(out, a, name, nlen);
    if (!slot)
      return r->failed = bloop_error_set(r->err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
    *slot = v;
  }
  if (more < 0) return r->failed;
  *text = start;
  *len = (size_t)(r->p - start);
  return BLOOP_OK;
}

/* A GetItem answer: FOUND with the item, MISSING without one, FAILED when it is not a
 * GetItem answer for key (an item with another key would overwrite the object's key).
 * Read straight into the arena (json_read.h); text_only, its key attributes only. */
static void read_get_answer(const bloop_buf *resp, bloop_arena *arena, const bloop_value *asked,
                            bloop_load_op *op) {
  bloopi_jr r;
  bloopi_jr_init(&r, resp->data, resp->len, arena, &op->error, "GetItem answer");
  size_t i = 0, klen;
  const char *key;
  int more, found = 0;
  if (bloopi_jr_object_begin(&r) == BLOOP_OK) {
    while ((more = bloopi_jr_object_next(&r, &i, &key, &klen)) == 1) {
      if (klen == 4 && memcmp(key, "Item", 4) == 0) {
        r.root = "Item";  /* paths of the item's errors: "Item.tags.SS[2]" */
        const char *text;
        if (op->text_only
                ? read_key_attrs(&r, asked, arena, &op->item, &text, &op->item_json_len)
                : bloopi_jr_item_text(&r, &op->item, &text, &op->item_json_len))
          break;
        op->item_json = bloop_arena_memdup(arena, text, op->item_json_len);
        found = 1;
      } else if (bloopi_jr_skip(&r)) {
        break;
      }
    }
    bloopi_jr_end(&r);
  }
  if (r.failed) {
    op->outcome = BLOOP_BATCH_FAILED;
    bloopi_bad_answer(&op->error);
  } else if (found && !has_key(&op->item, asked)) {
    op->outcome = BLOOP_BATCH_FAILED;
    bloop_buf shown = BLOOP_BUF_INIT;
    if (bloop_item_to_json(asked, &shown, NULL) != BLOOP_OK) bloop_buf_reset(&shown);
    bloop_error_set(&op->error, BLOOP_EPROTOCOL, "BadResponse",
                    "GetItem answer holds an item without the key asked for (%.200s)",
                    shown.data ? shown.data : "");
    bloop_buf_free(&shown);
  } else {
    op->outcome = found ? BLOOP_BATCH_FOUND : BLOOP_BATCH_MISSING;
  }
}

/* ---- a condition failure after an attempt that may have been applied ------------------ */

/* The item as it stands, after a condition failure: the failure's answer holds it, DynamoDB
 * having been asked (write_request), except when there is no item. dynalite never sends
 * it, so an answer without one is settled by a consistent GetItem. *found: 0 for no item. */
static bloop_status stored_item(bloop_engine *e, const bloop_write_args *a,
                                const bloop_buf *failure, bloop_arena *tmp, bloop_value *item,
                                int *found, bloop_error *err) {
  *found = 0;
  cJSON *root = NULL;
  bloop_error perr = BLOOP_ERROR_INIT;   /* an answer that is not JSON: read the item back */
  bloop_json_parse(failure->data ? failure->data : "", failure->len, "answer", &root, &perr);
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "Item");
  bloop_status st = BLOOP_OK;
  if (cJSON_IsObject(it)) {
    st = bloop_item_from_cjson(it, tmp, item, "Item", err);
    *found = st == BLOOP_OK;
  }
  cJSON_Delete(root);
  if (st || *found) return st;
  bloop_value key;
  if ((st = bloopi_item_key(a->model, a->item, tmp, &key, "read back", err))) return st;
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  put_key_request(&body, bloop_model_table_name(a->model), &key, 1, err);
  bloop_load_op op;
  memset(&op, 0, sizeof op);
  bloop_error_clear(&op.error);
  st = bloopi_engine_call(e, "GetItem", &body, &resp, err);
  if (!st) read_get_answer(&resp, tmp, &key, &op);
  if (!st && op.outcome == BLOOP_BATCH_FAILED) {
    *err = op.error;
    st = op.error.status;
  } else if (!st && op.outcome == BLOOP_BATCH_FOUND) {
    *item = op.item;
    *found = 1;
  }
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  return st;
}

/* Does the stored item (NULL: none) show this write? A delete leaves no item. A save, in
 * each column it writes, leaves the value it SETs (the version column: the version it
 * computed) or nothing where it REMOVEs; the columns it does not write may hold anything.
 * A save that writes nothing leaves no trace to recognise, and an update action's result is
 * DynamoDB's to compute: neither ever matches. */
static int write_matches(const bloop_write_args *a, int del, const bloopi_write *w,
                         const bloop_value *stored) {
  if (del) return stored == NULL;
  if (!stored || a->action_count) return 0;
  int wrote = 0;
  size_t ncol = bloop_model_column_count(a->model);
  for (size_t i = 0; i < ncol; i++) {
    const bloop_column *c = bloop_model_column(a->model, i);
    const bloop_value *got = attr(stored, c);
    if (c->version) {
      if (!w->has_version || !got || !bloop_value_equal(got, &w->version)) return 0;
      wrote = 1;
    } else if (c->key == BLOOP_KEY_NONE) {
      change k = change_of(a, c);
      if (k == CHANGE_SET && (!got || !bloop_value_equal(got, attr(a->item, c)))) return 0;
      if (k == CHANGE_REMOVE && got) return 0;
      wrote |= k != CHANGE_NONE;
    }
  }
  return wrote;
}

/* Appends " (note)" to err's message, within its bounds. */
static void add_note(bloop_error *err, const char *note, const char *detail) {
  size_t n = strlen(err->message);
  snprintf(err->message + n, sizeof err->message - n, " (%s%s%s)", note, detail ? ": " : "",
           detail ? detail : "");
}

/* A conditional write failed its condition after an attempt whose answer was lost
 * (err->ambiguous): that attempt may be what failed it. When the stored item shows this
 * write, it was applied: BLOOP_OK, err cleared, result as after a success (sync "new": the
 * stored item; "old": unknown, none). Otherwise err stays the condition failure, still
 * ambiguous, its message saying why no more can be told. */
static bloop_status reconcile(bloop_engine *e, const bloop_write_args *a, int del,
                              const bloopi_write *w, const bloop_buf *failure,
                              bloop_arena *tmp, bloop_write_result *result,
                              bloop_arena *arena, bloop_error *err) {
  static const char lost[] = "an earlier attempt, whose answer was lost, may have been applied";
  bloop_error rerr = BLOOP_ERROR_INIT;
  bloop_value stored;
  int found = 0;
  if (stored_item(e, a, failure, tmp, &stored, &found, &rerr) != BLOOP_OK) {
    char why[300];
    snprintf(why, sizeof why, "reading the item back failed: %.60s: %.200s", rerr.code,
             rerr.message);
    add_note(err, lost, why);
    return err->status;
  }
  if (!write_matches(a, del, w, found ? &stored : NULL)) {
    add_note(err, lost, del ? "the item is still there"
                            : a->action_count ? "an update action's result cannot be checked"
                                              : "the stored item is not what this save writes");
    return err->status;
  }
  bloop_status st = BLOOP_OK;
  if (result) {
    result->reconciled = 1;
    if (w->has_version) st = bloop_value_copy(&result->version, &w->version, arena, err);
    if (!st && a->sync == BLOOP_SYNC_NEW) {
      st = bloop_value_copy(&result->attributes, &stored, arena, err);
      result->has_attributes = st == BLOOP_OK;
    }
  }
  if (!st) bloop_error_clear(err);
  return st;
}

/* One GetItem per op through the session: for a single object (one request, nothing to
 * batch), and the route when BatchGetItem is overridden. */
static bloop_status load_each(bloop_engine *e, bloop_load_op *ops, const bloop_value *keys,
                              size_t n, int consistent, bloopi_scratch *s, bloop_arena *arena) {
  for (size_t i = 0; i < n; i++) {
    bloop_load_op *op = &ops[i];
    bloop_buf_reset(&s->body);
    put_key_request(&s->body, bloop_model_table_name(op->model), &keys[i], consistent,
                    &op->error);
    if (bloopi_engine_call(e, "GetItem", &s->body, &s->resp, &op->error)) {
      op->outcome = BLOOP_BATCH_FAILED;
      continue;
    }
    read_get_answer(&s->resp, arena, &keys[i], op);
  }
  return BLOOP_OK;
}

static bloop_status load_keys(const bloop_load_op *ops, size_t n, bloop_arena *tmp,
                              bloop_value **keys, bloop_error *err) {
  *keys = bloop_arena_calloc(tmp, n + 1, sizeof **keys);
  if (!*keys) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  for (size_t i = 0; i < n; i++) {
    if (!ops[i].model)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest", "engine load: op %zu has no model", i);
    bloop_status st = bloopi_item_key(ops[i].model, ops[i].key, tmp, &(*keys)[i], "load", err);
    if (st) return st;
  }
  return BLOOP_OK;
}

bloop_status bloop_engine_load(bloop_engine *e, bloop_load_op *ops, size_t n, int consistent,
                               bloop_arena *arena, size_t *missing, bloop_error *err) {
  bloop_error_clear(err);
  if (missing) *missing = 0;
  for (size_t i = 0; i < n; i++) {
    ops[i].outcome = BLOOP_BATCH_PENDING;
    memset(&ops[i].item, 0, sizeof ops[i].item);
    ops[i].item_json = NULL;
    ops[i].item_json_len = 0;
    bloop_error_clear(&ops[i].error);
  }
  if (!n) return BLOOP_OK;
  bloopi_scratch spare, *s = bloopi_engine_scratch(e, &spare);
  bloop_value *keys = NULL;
  bloop_batch_get_op *gops = NULL;
  tables ts = {NULL, 0};
  bloop_status st = load_keys(ops, n, &s->arena, &keys, err);
  if (st) goto done;
  bloop_client *c = n == 1 ? NULL : bloopi_engine_route(e, BLOOP_SERVICE_DYNAMODB, "BatchGetItem");
  if (!c) {
    st = load_each(e, ops, keys, n, consistent, s, arena);
  } else {
    gops = calloc(n, sizeof *gops);
    ts.t = calloc(n, sizeof *ts.t);
    if (!gops || !ts.t) {
      st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
      goto done;
    }
    for (size_t i = 0; i < n; i++) {
      gops[i].table = table_for(&ts, ops[i].model, consistent);
      gops[i].key = &keys[i];
    }
    bloop_batch_config cfg = e->cfg.batch;
    bloop_batch_stats stats;
    memset(&stats, 0, sizeof stats);   /* read even when the call is refused early */
    cfg.capacity = e->metering;
    st = bloop_batch_get(c, &cfg, gops, n, arena, &stats, err);
    e->metered += stats.consumed;
    for (size_t i = 0; i < n; i++) {
      ops[i].outcome = gops[i].outcome;
      ops[i].item = gops[i].item;
      ops[i].error = gops[i].error;
    }
    if (st && st != BLOOP_EINVAL) {
      st = bloopi_engine_prefix(st, err, ops[0].model, "load");
      goto done;
    }
  }
  st = BLOOP_OK;
  for (size_t i = 0; i < n; i++) {
    if (ops[i].outcome == BLOOP_BATCH_MISSING && missing) (*missing)++;
    if (ops[i].outcome != BLOOP_BATCH_FOUND && ops[i].outcome != BLOOP_BATCH_MISSING && !st) {
      if (err) *err = ops[i].error;
      if (ops[i].outcome == BLOOP_BATCH_PENDING && err && !err->status)
        bloop_error_set(err, BLOOP_ESTATE, "NotProcessed", "not processed");
      st = bloopi_engine_prefix(ops[i].error.status ? ops[i].error.status : BLOOP_ESTATE, err,
                                ops[i].model, "load");
    }
  }
done:
  free(gops);
  free(ts.t);
  bloopi_engine_scratch_done(e, s);
  return st;
}

bloop_status bloop_load_op_read(bloop_load_op *op, bloop_arena *arena, bloop_error *err) {
  bloop_error_clear(err);
  if (op->outcome != BLOOP_BATCH_FOUND || !op->item_json)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "bloop_load_op_read: the op holds no item text");
  bloopi_jr r;
  bloopi_jr_init(&r, op->item_json, op->item_json_len, arena, err, "GetItem answer");
  r.root = "Item";
  bloop_value item;
  if (bloopi_jr_item(&r, &item) == BLOOP_OK) bloopi_jr_end(&r);
  if (r.failed) {
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, op->model, "load");
  }
  op->item = item;
  return BLOOP_OK;
}

bloop_status bloop_engine_explain_load(bloop_engine *e, const bloop_load_op *ops, size_t n,
                                       int consistent, bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  (void)e;
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_buf req = BLOOP_BUF_INIT;
  bloop_value *keys = NULL;
  bloop_status st = load_keys(ops, n, &tmp, &keys, err);
  if (st) goto done;
  if (n == 1) {
    put_key_request(&req, bloop_model_table_name(ops[0].model), &keys[0], consistent, err);
    if (req.failed || explain_out(out, "GetItem", &req, 0, 0, ""))
      st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
    goto done;
  }
  /* The first chunk as the executor would start it: up to 100 distinct keys, by table. */
  size_t take = n < BLOOP_BATCH_GET_MAX ? n : BLOOP_BATCH_GET_MAX;
  bloop_buf_puts(&req, "{\"RequestItems\":{");
  int first_table = 1;
  for (size_t i = 0; i < take; i++) {
    const char *tn = bloop_model_table_name(ops[i].model);
    int seen = 0;
    for (size_t j = 0; j < i; j++)
      if (strcmp(bloop_model_table_name(ops[j].model), tn) == 0) seen = 1;
    if (seen) continue;
    if (!first_table) bloop_buf_putc(&req, ',');
    first_table = 0;
    bloopi_json_cstr(&req, tn);
    bloop_buf_puts(&req, ":{\"Keys\":[");
    int first = 1;
    for (size_t j = i; j < take; j++) {
      if (strcmp(bloop_model_table_name(ops[j].model), tn) != 0) continue;
      int dup = 0;
      for (size_t k = i; k < j; k++)
        if (strcmp(bloop_model_table_name(ops[k].model), tn) == 0 &&
            bloop_value_equal(&keys[k], &keys[j]))
          dup = 1;
      if (dup) continue;
      if (!first) bloop_buf_putc(&req, ',');
      first = 0;
      if ((st = bloop_item_to_json(&keys[j], &req, err))) goto done;
    }
    bloop_buf_putc(&req, ']');
    if (consistent) bloop_buf_puts(&req, ",\"ConsistentRead\":true");
    bloop_buf_putc(&req, '}');
  }
  bloop_buf_puts(&req, "}}");
  char extra[64];
  snprintf(extra, sizeof extra, ",\"chunks\":%zu",
           (n + BLOOP_BATCH_GET_MAX - 1) / BLOOP_BATCH_GET_MAX);
  if (req.failed || explain_out(out, "BatchGetItem", &req, 0, 0, extra))
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
done:
  bloop_buf_free(&req);
  bloop_arena_free(&tmp);
  return st;
}

/* ---- one item per key in a batch ------------------------------------------------------ */

typedef struct keyed {
  const char *table;
  const bloop_value *key;   /* an M of the table's keys, in the model's key order */
  size_t i;                 /* position in the batch */
} keyed;

/* A total order on key values that agrees with DynamoDB's idea of one item: S and B by
 * bytes, N by value ("1" and "1.0" are the same key). */
static int key_value_cmp(const bloop_value *a, const bloop_value *b) {
  if (a->type != b->type) return a->type < b->type ? -1 : 1;
  if (a->type == BLOOP_TYPE_N) {
    bloop_decimal x, y;
    if (bloop_value_decimal(a, &x, NULL) == BLOOP_OK && bloop_value_decimal(b, &y, NULL) == BLOOP_OK)
      return bloop_decimal_compare(x, y);
  }
  size_t an, bn;
  const char *ap = bloop_value_bytes(a, &an), *bp = bloop_value_bytes(b, &bn);
  int c = memcmp(ap ? ap : "", bp ? bp : "", an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

/* Table, then key: 0 when a and b name one item. */
static int item_cmp(const keyed *a, const keyed *b) {
  int c = strcmp(a->table, b->table);
  size_t an = bloop_value_count(a->key), bn = bloop_value_count(b->key);
  if (!c && an != bn) c = an < bn ? -1 : 1;
  for (size_t i = 0; !c && i < an; i++)
    c = key_value_cmp(&a->key->u.map.members[i].value, &b->key->u.map.members[i].value);
  return c;
}

static int keyed_cmp(const void *x, const void *y) {
  const keyed *a = x, *b = y;
  int c = item_cmp(a, b);
  return c ? c : (a->i > b->i) - (a->i < b->i);   /* one item: in batch order */
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
  return h;
}

/* A hash that agrees with item_cmp: equal table and key values hash equally (numbers by
 * their canonical text, so "1.0" and "1" meet). */
static uint64_t keyed_hash(const keyed *k) {
  uint64_t h = fnv(14695981039346656037ULL, k->table, strlen(k->table) + 1);
  for (size_t i = 0; i < k->key->u.map.count; i++) {
    const bloop_value *v = &k->key->u.map.members[i].value;
    size_t len = 0;
    const char *p = bloop_value_bytes(v, &len);
    char canon[BLOOP_DECIMAL_STRING_MAX];
    bloop_decimal d;
    if (v->type == BLOOP_TYPE_N && bloop_value_decimal(v, &d, NULL) == BLOOP_OK) {
      len = bloop_decimal_format(d, canon);
      p = canon;
    }
    unsigned char ty = (unsigned char)v->type;
    h = fnv(fnv(h, &ty, 1), p ? p : "", len);
  }
  return h;
}

/* 1 when two of the n keys name one item: one pass through a hash table. */
static int any_same_key(const keyed *k, size_t n, bloop_arena *tmp, int *failed) {
  size_t cap = 16;
  while (cap < 2 * n) cap *= 2;
  size_t *slot = bloop_arena_alloc(tmp, cap * sizeof *slot);
  uint64_t *hash = bloop_arena_alloc(tmp, n * sizeof *hash);
  if (!slot || !hash) return *failed = 1;
  memset(slot, 0xff, cap * sizeof *slot);   /* SIZE_MAX: empty */
  for (size_t i = 0; i < n; i++) {
    hash[i] = keyed_hash(&k[i]);
    size_t j = (size_t)hash[i] & (cap - 1);
    for (; slot[j] != SIZE_MAX; j = (j + 1) & (cap - 1))
      if (hash[slot[j]] == hash[i] && item_cmp(&k[slot[j]], &k[i]) == 0) return 1;
    slot[j] = i;
  }
  return 0;
}

/* DynamoDB refuses a whole BatchWriteItem that names one item twice, so a batch with two
 * objects of one key is refused before anything is sent, naming both. */
static bloop_status check_distinct_keys(const bloopi_batch_entry *items, const bloop_value *keys,
                                        size_t n, const char *opname, bloop_arena *tmp,
                                        bloop_error *err) {
  keyed *k = bloop_arena_calloc(tmp, n, sizeof *k);
  if (!k) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  for (size_t i = 0; i < n; i++)
    k[i] = (keyed){bloop_model_table_name(items[i].model), &keys[i], i};
  int failed = 0;
  if (!any_same_key(k, n, tmp, &failed)) return BLOOP_OK;
  if (failed) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  /* Sorted, the pair named is the first in key order, as it always was. */
  qsort(k, n, sizeof *k, keyed_cmp);
  for (size_t i = 1; i < n; i++) {
    const keyed *a = &k[i - 1], *b = &k[i];
    if (item_cmp(a, b) != 0) continue;
    bloop_buf shown = BLOOP_BUF_INIT;
    if (bloop_item_to_json(a->key, &shown, NULL) != BLOOP_OK) bloop_buf_reset(&shown);
    bloop_status st = bloopi_engine_fail(
        err, BLOOP_EINVAL, "InvalidRequest", items[b->i].model, opname,
        "objects %zu and %zu (counting from 1) have the same key %.200s: DynamoDB refuses a "
        "batch that names one item twice", a->i + 1, b->i + 1, shown.data ? shown.data : "");
    bloop_buf_free(&shown);
    return st;
  }
  return BLOOP_OK;
}

/* Validates the entries and makes the wire form of each (whole item, or key). */
static bloop_status batch_prepare(const bloopi_batch_entry *ents, size_t n, int del,
                                  bloop_arena *tmp, const bloop_value **wire,
                                  bloop_error *err) {
  const char *opname = del ? "batch_delete" : "batch_save";
  bloop_value *keys = bloop_arena_calloc(tmp, n + 1, sizeof *keys);
  if (!keys) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  for (size_t i = 0; i < n; i++) {
    const bloop_model *m = ents[i].model;
    if (!m)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest", "engine %s: item %zu has no model",
                             opname, i);
    bloop_status st;
    size_t size;
    if (!del && (st = check_item(m, ents[i].item, opname, &size, err))) return st;
    if ((st = bloopi_item_key(m, ents[i].item, tmp, &keys[i], opname, err))) return st;
    wire[i] = del ? &keys[i] : ents[i].item;
  }
  return check_distinct_keys(ents, keys, n, opname, tmp, err);
}

/* e kept in a for an entry to point at. */
static const bloop_error *keep_error(bloop_arena *a, const bloop_error *e) {
  static const bloop_error oom = {BLOOP_ENOMEM, "OutOfMemory", "out of memory", 0, {0}, 0, 0};
  bloop_error *copy = bloop_arena_alloc(a, sizeof *copy);
  if (!copy) return &oom;
  *copy = *e;
  return copy;
}

static void write_each(bloop_engine *e, bloopi_batch_entry *ents, const bloop_value **wire,
                       size_t n, int del, bloop_arena *errors) {
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    bloop_error ie = BLOOP_ERROR_INIT;
    bloop_buf_reset(&body);
    open_item_request(&body, bloop_model_table_name(ents[i].model), del ? "Key" : "Item",
                      wire[i], &ie);
    bloop_buf_putc(&body, '}');
    if (bloopi_engine_call(e, del ? "DeleteItem" : "PutItem", &body, &resp, &ie)) {
      ents[i].outcome = BLOOP_BATCH_FAILED;
      ents[i].error = keep_error(errors, &ie);
    } else {
      ents[i].outcome = BLOOP_BATCH_DONE;
    }
  }
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
}

/* BatchWriteItem through the executor; every entry gets the outcome it had there. */
static bloop_status write_batched(bloop_engine *e, bloop_client *c, bloopi_batch_entry *ents,
                                  const bloop_value **wire, size_t n, int del,
                                  bloop_arena *errors, bloop_batch_stats *stats,
                                  bloop_error *err) {
  bloopi_batch_wop *wops = malloc(n * sizeof *wops);
  tables ts = {calloc(n, sizeof *ts.t), 0};
  bloop_status st = BLOOP_OK;
  if (!wops || !ts.t) {
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    /* check_item has checked an item's size; the caller vouched for the rest of its text */
    wops[i] = (bloopi_batch_wop){table_for(&ts, ents[i].model, 0),
                                 del ? BLOOP_BATCH_DELETE : BLOOP_BATCH_PUT, wire[i],
                                 del ? NULL : ents[i].json, del ? 0 : ents[i].json_len,
                                 BLOOP_BATCH_PENDING, NULL};
  bloop_batch_config cfg = e->cfg.batch;
  bloop_batch_stats local;
  memset(&local, 0, sizeof local);
  if (!stats) stats = &local;
  cfg.capacity = e->metering;
  st = bloopi_batch_write_ops(c, &cfg, wops, n, errors, stats, err);
  e->metered += stats->consumed;
  for (size_t i = 0; i < n; i++) {
    ents[i].outcome = wops[i].outcome;
    ents[i].error = wops[i].error;
  }
done:
  free(wops);
  free(ts.t);
  return st;
}

bloop_status bloopi_engine_batch(bloop_engine *e, bloopi_batch_entry *ents, size_t n, int del,
                                 bloop_arena *errors, bloop_batch_stats *stats,
                                 bloop_error *err) {
  bloop_error_clear(err);
  const char *opname = del ? "batch_delete" : "batch_save";
  if (stats) memset(stats, 0, sizeof *stats);
  for (size_t i = 0; i < n; i++) {
    ents[i].outcome = BLOOP_BATCH_PENDING;
    ents[i].error = NULL;
  }
  if (!n) return BLOOP_OK;
  bloop_arena tmp = BLOOP_ARENA_INIT;
  const bloop_value **wire = calloc(n, sizeof *wire);
  bloop_status st = wire ? batch_prepare(ents, n, del, &tmp, wire, err)
                         : bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  if (st) goto done;
  bloop_client *c = bloopi_engine_route(e, BLOOP_SERVICE_DYNAMODB, "BatchWriteItem");
  if (!c) {
    write_each(e, ents, wire, n, del, errors);
  } else {
    st = write_batched(e, c, ents, wire, n, del, errors, stats, err);
    if (st && st != BLOOP_EINVAL) {
      st = bloopi_engine_prefix(st, err, ents[0].model, opname);
      goto done;
    }
  }
  st = BLOOP_OK;
  for (size_t i = 0; i < n && !st; i++) {
    if (ents[i].outcome == BLOOP_BATCH_DONE) continue;
    if (err) {
      if (ents[i].error) *err = *ents[i].error;
      else bloop_error_clear(err);
    }
    if (err && !err->status)
      bloop_error_set(err, BLOOP_ESTATE, "NotProcessed", "item %zu was not processed", i);
    st = bloopi_engine_prefix(err ? err->status : BLOOP_ESTATE, err, ents[i].model, opname);
  }
done:
  free(wire);
  bloop_arena_free(&tmp);
  return st;
}

/* The public items as entries (NULL when out of memory). */
static bloopi_batch_entry *entries_of(const bloop_batch_item *items, size_t n) {
  bloopi_batch_entry *ents = malloc((n ? n : 1) * sizeof *ents);
  for (size_t i = 0; ents && i < n; i++)
    ents[i] = (bloopi_batch_entry){items[i].model, items[i].item, NULL, 0, BLOOP_BATCH_PENDING,
                                   NULL};
  return ents;
}

static bloop_status batch_items(bloop_engine *e, bloop_batch_item *items, size_t n, int del,
                                bloop_batch_stats *stats, bloop_error *err) {
  bloop_error_clear(err);
  for (size_t i = 0; i < n; i++) {
    items[i].outcome = BLOOP_BATCH_PENDING;
    bloop_error_clear(&items[i].error);
  }
  bloopi_batch_entry *ents = entries_of(items, n);
  if (!ents) {
    if (stats) memset(stats, 0, sizeof *stats);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  }
  bloop_arena errors = BLOOP_ARENA_INIT;
  bloop_status st = bloopi_engine_batch(e, ents, n, del, &errors, stats, err);
  for (size_t i = 0; i < n; i++) {
    items[i].outcome = ents[i].outcome;
    if (ents[i].error) items[i].error = *ents[i].error;
  }
  bloop_arena_free(&errors);
  free(ents);
  return st;
}

bloop_status bloop_engine_batch_save(bloop_engine *e, bloop_batch_item *items, size_t n,
                                     bloop_batch_stats *stats, bloop_error *err) {
  return batch_items(e, items, n, 0, stats, err);
}

bloop_status bloop_engine_batch_delete(bloop_engine *e, bloop_batch_item *items, size_t n,
                                       bloop_batch_stats *stats, bloop_error *err) {
  return batch_items(e, items, n, 1, stats, err);
}

bloop_status bloop_engine_explain_batch(bloop_engine *e, const bloop_batch_item *items,
                                        size_t n, int is_delete, bloop_buf *out,
                                        bloop_error *err) {
  (void)e;
  bloopi_batch_entry *ents = entries_of(items, n);
  if (!ents) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  bloop_status st = bloopi_engine_explain_batch(ents, n, is_delete, out, err);
  free(ents);
  return st;
}

bloop_status bloopi_engine_explain_batch(const bloopi_batch_entry *ents, size_t n, int is_delete,
                                         bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_buf req = BLOOP_BUF_INIT;
  const bloop_value **wire = calloc(n + 1, sizeof *wire);
  bloop_status st = wire ? batch_prepare(ents, n, is_delete, &tmp, wire, err)
                         : bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  if (st) goto done;
  size_t take = n < BLOOP_BATCH_WRITE_MAX ? n : BLOOP_BATCH_WRITE_MAX, size = 0;
  bloop_buf_puts(&req, "{\"RequestItems\":{");
  int first_table = 1;
  for (size_t i = 0; i < take; i++) {
    const char *tn = bloop_model_table_name(ents[i].model);
    int seen = 0;
    for (size_t j = 0; j < i; j++)
      if (strcmp(bloop_model_table_name(ents[j].model), tn) == 0) seen = 1;
    if (seen) continue;
    if (!first_table) bloop_buf_putc(&req, ',');
    first_table = 0;
    bloopi_json_cstr(&req, tn);
    bloop_buf_puts(&req, ":[");
    int first = 1;
    for (size_t j = i; j < take; j++) {
      if (strcmp(bloop_model_table_name(ents[j].model), tn) != 0) continue;
      if (!first) bloop_buf_putc(&req, ',');
      first = 0;
      bloop_buf_puts(&req, is_delete ? "{\"DeleteRequest\":{\"Key\":" : "{\"PutRequest\":{\"Item\":");
      if ((st = bloop_item_to_json(wire[j], &req, err))) goto done;
      bloop_buf_puts(&req, "}}");
      if (!is_delete) size += bloop_item_size(wire[j]);
    }
    bloop_buf_putc(&req, ']');
  }
  bloop_buf_puts(&req, "}}");
  char extra[64];
  snprintf(extra, sizeof extra, ",\"chunks\":%zu",
           (n + BLOOP_BATCH_WRITE_MAX - 1) / BLOOP_BATCH_WRITE_MAX);
  if (req.failed || explain_out(out, "BatchWriteItem", &req, size, !is_delete, extra))
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
done:
  free(wire);
  bloop_buf_free(&req);
  bloop_arena_free(&tmp);
  return st;
}
