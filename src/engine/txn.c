/*
 * txn.c: TransactWriteItems / TransactGetItems (txn.h).
 *
 * Each write action's body comes from bloopi_write_body (engine_internal.h), the builder
 * whose bodies engine save and delete send, so the change set, atomic snapshot, version
 * condition and placeholder rules cannot drift apart from single-item writes. A
 * transaction wraps the body as it is ({"Update": body}), except a save with nothing to
 * change, whose body gets the forced SET added (force_update).
 */
#include "bloop/txn.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/datetime.h"
#include "engine/engine_internal.h"

/* Placeholders of the forced SET (see txn.h); the engine's are #n<i> / :v<i>. */
#define FORCE_NAME "#bloop_keep"
#define FORCE_VALUE ":bloop_keep"

static const char *kind_name(bloop_txn_kind k) {
  return k == BLOOP_TXN_SAVE ? "save" : k == BLOOP_TXN_DELETE ? "delete" : "check";
}

bloop_status bloop_txn_token_new(char out[BLOOP_TXN_TOKEN_MAX], bloop_error *err) {
  bloop_uuid u;
  out[0] = '\0';
  bloop_status st = bloop_uuid_v4(&u, err);
  if (st) return st;
  bloop_uuid_format(&u, out);
  return BLOOP_OK;
}

static bloop_status oom(bloop_error *err) {
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
}

static const bloop_value *attr_of(const bloop_value *item, const bloop_column *c) {
  if (!item || item->type != BLOOP_TYPE_M) return NULL;
  return bloop_value_get(item, c->dynamo_name, strlen(c->dynamo_name));
}

/* An empty change set: keep the item's first non-key, non-version attribute with
 * SET x = if_not_exists(x, value), which never overwrites a concurrent change (txn.h). */
static bloop_status force_update(const bloop_txn_action *a, cJSON *req, size_t i,
                                 bloop_error *err) {
  const bloop_model *m = a->args.model;
  const bloop_column *keep = NULL;
  const bloop_value *v = NULL;
  for (size_t c = 0; c < bloop_model_column_count(m) && !keep; c++) {
    const bloop_column *col = bloop_model_column(m, c);
    if (col->key != BLOOP_KEY_NONE || col->version) continue;
    if ((v = attr_of(a->args.item, col))) keep = col;
  }
  if (!keep)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, "transaction save",
                              "action %zu: the object holds only its key; a transactional "
                              "save needs an attribute to write (use engine save, or check)",
                              i + 1);
  bloop_buf vj = BLOOP_BUF_INIT;
  cJSON *vjson = NULL;
  bloop_status st = bloop_value_to_json(v, &vj, err);
  if (!st) st = bloop_json_parse(vj.data, vj.len, "value", &vjson, err);
  bloop_buf_free(&vj);
  if (st) return st;
  cJSON *names = cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeNames");
  if (!names) names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
  cJSON *values = cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeValues");
  if (!values) values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
  if (!names || !values || !cJSON_AddStringToObject(names, FORCE_NAME, keep->dynamo_name) ||
      !cJSON_AddItemToObject(values, FORCE_VALUE, vjson)) {
    cJSON_Delete(vjson);                         /* not attached: still ours */
    return oom(err);
  }
  if (!cJSON_AddStringToObject(req, "UpdateExpression",
                               "SET " FORCE_NAME " = if_not_exists(" FORCE_NAME ", " FORCE_VALUE ")"))
    return oom(err);
  return BLOOP_OK;
}

/* Appends body with the forced SET added. The rare path goes through cJSON, so the names
 * and values land where they always did: appended to their objects, with the
 * UpdateExpression last. The strict parser refuses a NUL escape, which cJSON would cut. */
static bloop_status put_forced(const bloop_txn_action *a, size_t i, const bloop_buf *body,
                               bloop_buf *out, bloop_error *err) {
  cJSON *req = NULL;
  char *text = NULL;
  bloop_status st = bloop_json_parse(body->data, body->len, "request", &req, err);
  if (!st) st = force_update(a, req, i, err);
  if (!st && !(text = cJSON_PrintUnformatted(req))) st = oom(err);
  if (text) bloop_buf_puts(out, text);
  cJSON_free(text);
  cJSON_Delete(req);
  return st;
}

/* Appends the request of one action ({"Update": {...}} etc.) to out. */
static bloop_status action_request(const bloop_txn_action *a, size_t i, bloop_buf *out,
                                   bloop_error *err) {
  const bloop_model *m = a->args.model;
  if (a->args.sync != BLOOP_SYNC_NONE)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, "transaction",
                              "action %zu: sync is not available in a transaction", i + 1);
  if (a->kind == BLOOP_TXN_CHECK && !a->args.condition && !a->args.atomic)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, "transaction check",
                              "action %zu: a check needs a condition", i + 1);
  bloopi_write_kind kind = a->kind == BLOOP_TXN_SAVE     ? BLOOPI_WRITE_SAVE
                           : a->kind == BLOOP_TXN_DELETE ? BLOOPI_WRITE_DELETE
                                                         : BLOOPI_WRITE_CHECK;
  const char *member = a->kind == BLOOP_TXN_SAVE     ? "Update"
                       : a->kind == BLOOP_TXN_DELETE ? "Delete"
                                                     : "ConditionCheck";
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_buf body = BLOOP_BUF_INIT;
  bloopi_write w;
  bloop_status st = bloopi_write_body(&a->args, kind, &tmp, &body, &w, err);
  if (!st && a->kind == BLOOP_TXN_CHECK && !w.has_condition)
    /* an empty Condition() renders nothing: DynamoDB requires one */
    st = bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, "transaction check",
                            "action %zu: the condition renders nothing", i + 1);
  if (!st) {
    bloop_buf_printf(out, "{\"%s\":", member);
    if (a->kind == BLOOP_TXN_SAVE && !w.has_update)
      st = put_forced(a, i, &body, out, err);
    else
      bloop_buf_append(out, body.data, body.len);
    bloop_buf_putc(out, '}');
  }
  if (!st && out->failed) st = oom(err);
  bloop_buf_free(&body);
  bloop_arena_free(&tmp);
  return st;
}

/* Two actions on one item are refused by DynamoDB; refuse them before sending. */
static bloop_status check_distinct(const bloop_txn_action *acts, size_t n, bloop_arena *tmp,
                                   bloop_error *err) {
  bloop_value *keys = bloop_arena_calloc(tmp, n + 1, sizeof *keys);
  if (!keys) return oom(err);
  for (size_t i = 0; i < n; i++) {
    bloop_status st = bloopi_item_key(acts[i].args.model, acts[i].args.item, tmp, &keys[i],
                                      kind_name(acts[i].kind), err);
    if (st) return st;
    for (size_t j = 0; j < i; j++)
      if (strcmp(bloop_model_table_name(acts[j].args.model),
                 bloop_model_table_name(acts[i].args.model)) == 0 &&
          bloop_value_equal(&keys[i], &keys[j]))
        return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", acts[i].args.model,
                                  "transaction", "actions %zu and %zu are on the same item "
                                  "(DynamoDB allows one action per item)", j + 1, i + 1);
  }
  return BLOOP_OK;
}

bloop_status bloop_txn_build_write(const bloop_txn_action *actions, size_t n, const char *token,
                                   bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  if (n > BLOOP_TXN_MAX_ACTIONS)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                           "transaction: %zu actions (DynamoDB allows at most %d)", n,
                           BLOOP_TXN_MAX_ACTIONS);
  if (token && (!token[0] || strlen(token) > BLOOP_TXN_TOKEN_MAX - 1))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                           "transaction: a ClientRequestToken has 1 to 36 characters");
  for (size_t i = 0; i < n; i++)
    if (!actions[i].args.model)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                             "transaction: action %zu has no model", i + 1);
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_status st = check_distinct(actions, n, &tmp, err);
  bloop_arena_free(&tmp);
  if (st) return st;
  bloop_buf_puts(out, "{\"TransactItems\":[");
  for (size_t i = 0; i < n; i++) {
    if (i) bloop_buf_putc(out, ',');
    if ((st = action_request(&actions[i], i, out, err))) return st;
  }
  bloop_buf_putc(out, ']');
  if (token) {
    bloop_buf_puts(out, ",\"ClientRequestToken\":");
    bloopi_json_cstr(out, token);
  }
  bloop_buf_putc(out, '}');
  return out->failed ? oom(err) : BLOOP_OK;
}

size_t bloop_txn_parse_reasons(const char *message, char (*reasons)[BLOOP_TXN_REASON_MAX],
                               size_t n) {
  for (size_t i = 0; i < n; i++) reasons[i][0] = '\0';
  const char *open = message ? strrchr(message, '[') : NULL;
  const char *close = open ? strchr(open, ']') : NULL;
  if (!close) return 0;
  size_t count = 0;
  const char *p = open + 1;
  /* first pass counts, second fills, so a mismatch leaves every reason empty */
  for (int fill = 0; fill < 2; fill++) {
    count = 0;
    p = open + 1;
    while (p < close) {
      while (p < close && (*p == ' ' || *p == ',')) p++;
      if (p >= close) break;
      const char *end = p;
      while (end < close && *end != ',') end++;
      const char *last = end;
      while (last > p && last[-1] == ' ') last--;
      if (fill && count < n)
        snprintf(reasons[count], BLOOP_TXN_REASON_MAX, "%.*s", (int)(last - p), p);
      count++;
      p = end;
    }
    if (count != n) break;
  }
  return count;
}

/* The version a save writes (engine.h: previous's, else the item's, plus one). */
static bloop_status next_version(bloop_txn_action *a, bloop_arena *arena, bloop_error *err) {
  const bloop_column *vc = bloop_model_version_column(a->args.model);
  memset(&a->version, 0, sizeof a->version);
  if (!vc || a->kind != BLOOP_TXN_SAVE || !arena) return BLOOP_OK;
  const bloop_value *expected =
      a->args.previous ? attr_of(a->args.previous, vc) : attr_of(a->args.item, vc);
  bloop_decimal d = bloop_decimal_from_int64(0), one = bloop_decimal_from_int64(1);
  bloop_status st;
  if (expected && (st = bloop_value_decimal(expected, &d, err))) return st;
  if ((st = bloop_decimal_add(&d, d, one, err))) return st;
  return bloop_value_set_n_decimal(&a->version, arena, d, err);
}

bloop_status bloop_txn_write(bloop_engine *e, bloop_txn_action *actions, size_t n,
                             const char *token, bloop_arena *arena, bloop_error *err) {
  bloop_error_clear(err);
  for (size_t i = 0; i < n; i++) {
    actions[i].reason[0] = '\0';
    memset(&actions[i].version, 0, sizeof actions[i].version);
  }
  if (!n) return BLOOP_OK;
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  bloop_status st = bloop_txn_build_write(actions, n, token, &body, err);
  if (!st) st = bloopi_engine_call(e, "TransactWriteItems", &body, &resp, err);
  if (st && err && err->status == BLOOP_ESERVICE &&
      strcmp(err->code, "TransactionCanceledException") == 0) {
    char(*reasons)[BLOOP_TXN_REASON_MAX] = calloc(n, sizeof *reasons);
    if (reasons) {
      bloop_txn_parse_reasons(err->message, reasons, n);
      for (size_t i = 0; i < n; i++) memcpy(actions[i].reason, reasons[i], sizeof reasons[i]);
      free(reasons);
    }
  }
  for (size_t i = 0; !st && i < n; i++) st = next_version(&actions[i], arena, err);
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  return st;
}

bloop_status bloop_txn_build_read(const bloop_load_op *ops, size_t n, bloop_buf *out,
                                  bloop_error *err) {
  bloop_error_clear(err);
  if (n > BLOOP_TXN_MAX_ACTIONS)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                           "transaction: %zu loads (DynamoDB allows at most %d)", n,
                           BLOOP_TXN_MAX_ACTIONS);
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_status st = BLOOP_OK;
  bloop_buf_puts(out, "{\"TransactItems\":[");
  for (size_t i = 0; i < n && !st; i++) {
    if (!ops[i].model) {
      st = bloop_error_set(err, BLOOP_EINVAL, "InvalidRequest",
                           "transaction: load %zu has no model", i + 1);
      break;
    }
    bloop_value key;
    if ((st = bloopi_item_key(ops[i].model, ops[i].key, &tmp, &key, "load", err))) break;
    if (i) bloop_buf_putc(out, ',');
    bloop_buf_puts(out, "{\"Get\":{\"TableName\":");
    bloopi_json_cstr(out, bloop_model_table_name(ops[i].model));
    bloop_buf_puts(out, ",\"Key\":");
    st = bloop_item_to_json(&key, out, err);
    bloop_buf_puts(out, "}}");
  }
  bloop_buf_puts(out, "]}");
  bloop_arena_free(&tmp);
  if (!st && out->failed) st = oom(err);
  return st;
}

bloop_status bloop_txn_read(bloop_engine *e, bloop_load_op *ops, size_t n, bloop_arena *arena,
                            size_t *missing, bloop_error *err) {
  bloop_error_clear(err);
  if (missing) *missing = 0;
  for (size_t i = 0; i < n; i++) {
    ops[i].outcome = BLOOP_BATCH_PENDING;
    memset(&ops[i].item, 0, sizeof ops[i].item);
    bloop_error_clear(&ops[i].error);
  }
  if (!n) return BLOOP_OK;
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  cJSON *root = NULL;
  bloop_status st = bloop_txn_build_read(ops, n, &body, err);
  if (!st) st = bloopi_engine_call(e, "TransactGetItems", &body, &resp, err);
  if (st) goto done;
  root = cJSON_ParseWithLength(resp.data ? resp.data : "", resp.len);
  const cJSON *responses = root ? cJSON_GetObjectItemCaseSensitive(root, "Responses") : NULL;
  if (!cJSON_IsArray(responses) || (size_t)cJSON_GetArraySize(responses) != n) {
    st = bloopi_engine_fail(err, BLOOP_EPROTOCOL, "BadResponse", ops[0].model, "load",
                            "TransactGetItems answered %d responses for %zu loads",
                            cJSON_IsArray(responses) ? cJSON_GetArraySize(responses) : -1, n);
    goto done;
  }
  size_t i = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, responses) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(r, "Item");
    if (!cJSON_IsObject(item)) {
      ops[i].outcome = BLOOP_BATCH_MISSING;
      if (missing) (*missing)++;
    } else if ((st = bloop_item_from_cjson(item, arena, &ops[i].item, "Item", err))) {
      st = bloopi_engine_prefix(st, err, ops[i].model, "load");
      goto done;
    } else {
      ops[i].outcome = BLOOP_BATCH_FOUND;
    }
    i++;
  }
done:
  cJSON_Delete(root);
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  return st;
}
