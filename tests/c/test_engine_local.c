/*
 * test_engine_local.c: the engine (engine.h) against a real dynalite, whose endpoint the
 * test command puts in BLOOP_DYNALITE_ENDPOINT (scripts/servers start dynalite). A missing
 * endpoint is a failure, not a skip. Tables are named with the pid, so runs do not collide.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bloop/engine.h"
#include "tap.h"

#define S BLOOP_TYPE_S
#define N BLOOP_TYPE_N

static char table[64], doc_table[64];
static bloop_arena A = BLOOP_ARENA_INIT;  /* test values; freed at exit */

/* ---- value and condition helpers ------------------------------------------------------ */

static bloop_value *item_new(void) {
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_value_set_map(v, &A, 8, NULL);
  return v;
}
static void put_s(bloop_value *m, const char *name, const char *s) {
  bloop_value_set_s(bloop_value_map_put(m, &A, name, strlen(name)), &A, s, strlen(s), NULL);
}
static void put_n(bloop_value *m, const char *name, long n) {
  char t[32];
  snprintf(t, sizeof t, "%ld", n);
  bloop_value_set_n(bloop_value_map_put(m, &A, name, strlen(name)), &A, t, strlen(t), NULL);
}
static void put_ss(bloop_value *m, const char *name, const char *a, const char *b) {
  bloop_value *v = bloop_value_map_put(m, &A, name, strlen(name));
  bloop_value_set_list(v, &A, BLOOP_TYPE_SS, 2, NULL);
  bloop_value_set_s(bloop_value_append(v, &A), &A, a, strlen(a), NULL);
  bloop_value_set_s(bloop_value_append(v, &A), &A, b, strlen(b), NULL);
}
static bloop_value *sval(const char *s) {
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_value_set_s(v, &A, s, strlen(s), NULL);
  return v;
}
static bloop_value *nval(long n) {
  char t[32];
  snprintf(t, sizeof t, "%ld", n);
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_value_set_n(v, &A, t, strlen(t), NULL);
  return v;
}
static bloop_value *copy(const bloop_value *src) {
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_value_copy(v, src, &A, NULL);
  return v;
}
static bloop_value *post(const char *user, long seq, const char *title, long score) {
  bloop_value *it = item_new();
  put_s(it, "user", user);
  put_n(it, "seq", seq);
  if (title) put_s(it, "title", title);
  if (score >= 0) put_n(it, "score", score);
  return it;
}

/* op(attr, v...) as a condition leaf; one reference for the caller. */
static bloop_cond *leaf(bloop_cond_op op, const char *attr, const bloop_value *v1,
                        const bloop_value *v2) {
  bloop_path_elem el = {attr, strlen(attr), 0};
  bloop_path p = {&el, 1, NULL};
  bloop_operand o[2] = {{NULL, v1}, {NULL, v2}};
  size_t n = v2 ? 2 : v1 ? 1 : 0;
  bloop_cond *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_leaf(op, &p, o, n, &c, &err)) tap_note("leaf: %s", err.message);
  return c;
}
static bloop_cond *and2(bloop_cond *a, bloop_cond *b) {
  bloop_cond *c = NULL;
  bloop_cond_and(a, b, &c, NULL);
  bloop_cond_release(a);
  bloop_cond_release(b);
  return c;
}

static const char *attr_s(const bloop_value *it, const char *name) {
  const bloop_value *v = it ? bloop_value_get(it, name, strlen(name)) : NULL;
  return v && v->type == S ? v->u.bytes.ptr : NULL;
}
static const char *attr_n(const bloop_value *it, const char *name) {
  const bloop_value *v = it ? bloop_value_get(it, name, strlen(name)) : NULL;
  return v && v->type == N ? v->u.bytes.ptr : NULL;
}

/* ---- models ------------------------------------------------------------------------- */

static const char *inc_tags[] = {"tags"};
static bloop_column_decl post_cols[] = {
    {"user", NULL, S, BLOOP_KEY_HASH, 0},
    {"seq", NULL, N, BLOOP_KEY_RANGE, 0},
    {"title", NULL, S, BLOOP_KEY_NONE, 0},
    {"score", NULL, N, BLOOP_KEY_NONE, 0},
    {"tags", NULL, BLOOP_TYPE_SS, BLOOP_KEY_NONE, 0},
    {"note", NULL, S, BLOOP_KEY_NONE, 0},
};
static bloop_index_decl post_idx[] = {
    {BLOOP_INDEX_GSI, "by_title", NULL, "title", "score", BLOOP_PROJECTION_INCLUDE, inc_tags, 1, 0, 0},
    {BLOOP_INDEX_LSI, "by_score", NULL, NULL, "score", BLOOP_PROJECTION_KEYS, NULL, 0, 0, 0},
};

static bloop_model *make_post(void) {
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = "Post";
  d.meta.table_name = table;
  d.columns = post_cols;
  d.column_count = 6;
  d.indexes = post_idx;
  d.index_count = 2;
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&d, &m, &err)) tap_note("model: %s", err.message);
  return m;
}

/* The same table seen wrongly: seq as S, the GSI also projecting "note", an extra index. */
static bloop_model *make_wrong(void) {
  static bloop_column_decl cols[6];
  memcpy(cols, post_cols, sizeof cols);
  cols[1].type = S;
  static const char *inc[] = {"tags", "note"};
  static bloop_index_decl idx[3];
  memcpy(idx, post_idx, sizeof post_idx);
  idx[0].include = inc;
  idx[0].include_count = 2;
  idx[2] = (bloop_index_decl){BLOOP_INDEX_GSI, "by_note", NULL, "note", NULL,
                              BLOOP_PROJECTION_ALL, NULL, 0, 0, 0};
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = "WrongPost";
  d.meta.table_name = table;
  d.columns = cols;
  d.column_count = 6;
  d.indexes = idx;
  d.index_count = 3;
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&d, &m, &err)) tap_note("model: %s", err.message);
  return m;
}

static bloop_model *make_doc(void) {
  static bloop_column_decl cols[] = {
      {"id", NULL, S, BLOOP_KEY_HASH, 0},
      {"text", NULL, S, BLOOP_KEY_NONE, 0},
      {"rev", NULL, N, BLOOP_KEY_NONE, 1},
  };
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = "Doc";
  d.meta.table_name = doc_table;
  d.meta.billing = BLOOP_BILLING_ON_DEMAND;
  d.columns = cols;
  d.column_count = 3;
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&d, &m, &err)) tap_note("model: %s", err.message);
  return m;
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_bind(bloop_engine *e, bloop_engine *e2, bloop_model *post_m) {
  bloop_bind_report r;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_engine_bind(e, post_m, 0, &r, &err);
  CHECK_MSG(st == BLOOP_OK, err.message);
  CHECK(r.created == 1);
  bloop_bind_report_clear(&r);
  CHECK(bloop_engine_is_bound(e, post_m));
  /* done once per engine */
  CHECK(bloop_engine_bind(e, post_m, 0, &r, &err) == BLOOP_OK);
  CHECK(r.already_bound == 1);
  bloop_bind_report_clear(&r);
  /* another engine validates the existing table */
  st = bloop_engine_bind(e2, post_m, 0, &r, &err);
  CHECK_MSG(st == BLOOP_OK, err.message);
  CHECK(r.created == 0 && r.already_bound == 0);
  bloop_bind_report_clear(&r);

  bloop_model *w = make_wrong();
  st = bloop_engine_bind(e2, w, 0, &r, &err);
  CHECK(st == BLOOP_EINVAL);
  CHECK_STR(err.code, "TableMismatch");
  tap_note("mismatch: %s", err.message);
  CHECK_MSG(strncmp(err.message, "WrongPost bind: ", 16) == 0, err.message);
  CHECK(r.difference_count == 3);
  CHECK_MSG(strstr(err.message, "model says key \"seq\" is S, table has N") != NULL, err.message);
  CHECK_MSG(strstr(err.message, "index \"by_title\": model projects \"note\"") != NULL, err.message);
  CHECK_MSG(strstr(err.message, "index \"by_note\": model says GSI \"by_note\", table has no such index") != NULL,
            err.message);
  CHECK(!bloop_engine_is_bound(e2, w));
  bloop_bind_report_clear(&r);
  bloop_model_release(w);

  /* skip_table_setup: nothing sent, even for a table that does not exist */
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  bloop_column_decl c = {"k", NULL, S, BLOOP_KEY_HASH, 0};
  d.name = "Ghost";
  d.meta.table_name = "no-such-table-ever";
  d.columns = &c;
  d.column_count = 1;
  bloop_model *g = NULL;
  bloop_model_new(&d, &g, &err);
  CHECK(bloop_engine_bind(e2, g, BLOOP_BIND_SKIP_TABLE_SETUP, NULL, &err) == BLOOP_OK);
  CHECK(bloop_engine_is_bound(e2, g));
  st = bloop_engine_bind(e2, g, BLOOP_BIND_VALIDATE_ONLY | BLOOP_BIND_FORCE, NULL, &err);
  CHECK(st == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ResourceNotFoundException");
  CHECK_MSG(strncmp(err.message, "Ghost bind: ", 12) == 0, err.message);
  bloop_model_release(g);
}

static cJSON *explain_save(bloop_engine *e, const bloop_write_args *a) {
  bloop_buf out = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  cJSON *j = NULL;
  if (bloop_engine_explain_save(e, a, &out, &err) == BLOOP_OK)
    j = cJSON_Parse(out.data);
  else
    tap_note("explain: %s", err.message);
  bloop_buf_free(&out);
  return j;
}

static const char *jpath(const cJSON *j, const char *a, const char *b) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, a);
  if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
  return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* Does the explained request's ExpressionAttributeNames map any placeholder to name? */
static int names_has(const cJSON *j, const char *name) {
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "request");
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "ExpressionAttributeNames"), *x;
  cJSON_ArrayForEach(x, n) if (cJSON_IsString(x) && strcmp(x->valuestring, name) == 0) return 1;
  return 0;
}

static int load_one(bloop_engine *e, bloop_model *m, const bloop_value *key, bloop_arena *a,
                    const bloop_value **out) {
  bloop_load_op op;
  memset(&op, 0, sizeof op);
  op.model = m;
  op.key = key;
  size_t missing = 0;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_engine_load(e, &op, 1, 1, a, &missing, &err)) {
    tap_note("load: %s", err.message);
    return -1;
  }
  *out = op.outcome == BLOOP_BATCH_FOUND ? copy(&op.item) : NULL;
  return op.outcome == BLOOP_BATCH_FOUND;
}

static void test_crud(bloop_engine *e, bloop_model *m) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_arena ra = BLOOP_ARENA_INIT;
  bloop_write_result res;
  bloop_value *it = post("u1", 1, "hello", 5);
  put_ss(it, "tags", "a", "b");
  bloop_write_args a;
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = it;
  bloop_status st = bloop_engine_save(e, &a, &res, &ra, &err);
  CHECK_MSG(st == BLOOP_OK, err.message);

  const bloop_value *got = NULL;
  CHECK(load_one(e, m, post("u1", 1, NULL, -1), &ra, &got) == 1);
  CHECK(got && bloop_value_equal(got, it));

  /* a failing condition is a ConstraintViolation naming model and operation */
  a.condition = leaf(BLOOP_COND_NOT_EXISTS, "user", NULL, NULL);
  st = bloop_engine_save(e, &a, NULL, NULL, &err);
  CHECK(st == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ConstraintViolation");
  CHECK_MSG(strncmp(err.message, "Post save: ", 11) == 0, err.message);
  CHECK(err.http_status == 400);
  bloop_cond_release(a.condition);
  a.condition = NULL;

  /* only changes are sent: title changed, score removed, tags untouched */
  bloop_value *changed = post("u1", 1, "bye", -1);
  put_ss(changed, "tags", "b", "a");  /* same set, other order */
  a.item = changed;
  a.previous = got;
  cJSON *j = explain_save(e, &a);
  const char *ue = jpath(j, "request", "UpdateExpression");
  CHECK_STR(jpath(j, "operation", NULL), "UpdateItem");
  CHECK_MSG(ue && strstr(ue, "SET ") && strstr(ue, "REMOVE "), ue ? ue : "(none)");
  CHECK(names_has(j, "title") && names_has(j, "score") && !names_has(j, "tags"));
  CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "item_size")));
  cJSON_Delete(j);
  st = bloop_engine_save(e, &a, NULL, NULL, &err);
  CHECK_MSG(st == BLOOP_OK, err.message);
  CHECK(load_one(e, m, changed, &ra, &got) == 1);
  CHECK(bloop_value_equal(got, changed));

  /* nothing changed: a key-only UpdateItem is still sent (and its condition checked) */
  a.previous = got;
  a.item = got;
  j = explain_save(e, &a);
  CHECK(jpath(j, "request", "UpdateExpression") == NULL);
  cJSON_Delete(j);
  CHECK(bloop_engine_save(e, &a, NULL, NULL, &err) == BLOOP_OK);
  a.condition = leaf(BLOOP_COND_EQ, "title", sval("other"), NULL);
  st = bloop_engine_save(e, &a, NULL, NULL, &err);
  CHECK_STR(err.code, "ConstraintViolation");
  bloop_cond_release(a.condition);
  a.condition = NULL;

  /* never synced: cleared columns are REMOVEd */
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = post("u1", 1, "bye", -1);
  const char *cleared[] = {"tags"};
  a.cleared = cleared;
  a.cleared_count = 1;
  CHECK(bloop_engine_save(e, &a, NULL, NULL, &err) == BLOOP_OK);
  CHECK(load_one(e, m, a.item, &ra, &got) == 1);
  CHECK(got && bloop_value_get(got, "tags", 4) == NULL);

  /* atomic: passes against the current row, fails after a concurrent change */
  const bloop_value *snap = got;
  memset(&a, 0, sizeof a);
  a.model = m;
  a.previous = snap;
  a.item = post("u1", 1, "atomic", 7);
  a.atomic = 1;
  st = bloop_engine_save(e, &a, NULL, NULL, &err);
  CHECK_MSG(st == BLOOP_OK, err.message);
  st = bloop_engine_save(e, &a, NULL, NULL, &err);  /* snap is stale now */
  CHECK_STR(err.code, "ConstraintViolation");
  a.atomic = 0;

  /* sync new / old */
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = post("u1", 1, "synced", 9);
  a.sync = BLOOP_SYNC_NEW;
  CHECK(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_OK);
  CHECK(res.has_attributes);
  CHECK_STR(attr_s(&res.attributes, "title"), "synced");
  a.item = post("u1", 1, "synced2", 9);
  a.sync = BLOOP_SYNC_OLD;
  CHECK(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_OK);
  CHECK_STR(attr_s(&res.attributes, "title"), "synced");
  a.sync = BLOOP_SYNC_NEW;
  CHECK(bloop_engine_delete(e, &a, &res, &ra, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidRequest");

  /* delete: a failing condition, then sync old */
  a.sync = BLOOP_SYNC_OLD;
  a.condition = leaf(BLOOP_COND_EQ, "title", sval("nope"), NULL);
  st = bloop_engine_delete(e, &a, &res, &ra, &err);
  CHECK_STR(err.code, "ConstraintViolation");
  CHECK_MSG(strncmp(err.message, "Post delete: ", 13) == 0, err.message);
  bloop_cond_release(a.condition);
  a.condition = NULL;
  CHECK(bloop_engine_delete(e, &a, &res, &ra, &err) == BLOOP_OK);
  CHECK(res.has_attributes && attr_s(&res.attributes, "title") &&
        strcmp(attr_s(&res.attributes, "title"), "synced2") == 0);
  CHECK(load_one(e, m, a.item, &ra, &got) == 0);

  /* a non-column attribute and a missing key are refused before sending */
  bloop_value *bad = post("u1", 1, NULL, -1);
  put_s(bad, "nope", "x");
  a.item = bad;
  a.sync = BLOOP_SYNC_NONE;
  CHECK(bloop_engine_save(e, &a, NULL, NULL, &err) == BLOOP_EINVAL);
  CHECK_MSG(strstr(err.message, "\"nope\" is not a column") != NULL, err.message);
  bad = item_new();
  put_s(bad, "user", "x");
  a.item = bad;
  CHECK(bloop_engine_save(e, &a, NULL, NULL, &err) == BLOOP_EINVAL);
  CHECK_MSG(strstr(err.message, "range key \"seq\" has no value") != NULL, err.message);
  bloop_arena_free(&ra);
}

/* Update actions: rendered beside plain changes, sent as they are, refused where the
 * column cannot take them. */
static void test_actions(bloop_engine *e, bloop_model *m) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_arena ra = BLOOP_ARENA_INIT;
  bloop_value *tags = item_new();
  put_ss(tags, "tags", "x", "y");
  bloop_write_action acts[2] = {{"score", BLOOP_ACTION_ADD, nval(5)},
                                {"tags", BLOOP_ACTION_ADD, bloop_value_get(tags, "tags", 4)}};
  bloop_write_args a;
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = post("act", 1, "t", -1);
  a.actions = acts;
  a.action_count = 2;
  a.condition = leaf(BLOOP_COND_NOT_EXISTS, "note", NULL, NULL);
  cJSON *j = explain_save(e, &a);
  CHECK_STR(jpath(j, "request", "UpdateExpression"), "SET #n1 = :v0 ADD #n2 :v1, #n3 :v2");
  CHECK_STR(jpath(j, "request", "ConditionExpression"), "(attribute_not_exists(#n0))");
  cJSON_Delete(j);
  bloop_write_result res;
  a.sync = BLOOP_SYNC_NEW;
  CHECK_MSG(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_OK, err.message);
  CHECK_MSG(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_OK, err.message);
  const bloop_value *sc = res.has_attributes ? bloop_value_get(&res.attributes, "score", 5) : NULL;
  CHECK(sc && sc->type == BLOOP_TYPE_N && sc->u.bytes.len == 2 && memcmp(sc->u.bytes.ptr, "10", 2) == 0);
  bloop_cond_release(a.condition);
  a.condition = NULL;
  a.sync = BLOOP_SYNC_NONE;

  bloop_write_action bad[1] = {{"title", BLOOP_ACTION_ADD, sval("x")}};
  a.actions = bad;
  a.action_count = 1;
  a.item = post("act", 1, NULL, -1);
  bloop_buf out = BLOOP_BUF_INIT;
  CHECK(bloop_engine_explain_save(e, &a, &out, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Post save: add on column \"title\": add needs a number or set column (the column is S)");
  bad[0] = (bloop_write_action){"user", BLOOP_ACTION_IF_NOT_EXISTS, sval("x")};
  CHECK(bloop_engine_explain_save(e, &a, &out, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Post save: if_not_exists on column \"user\": a key column takes no update action");
  bad[0] = (bloop_write_action){"score", BLOOP_ACTION_ADD, sval("x")};
  CHECK(bloop_engine_explain_save(e, &a, &out, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Post save: add on column \"score\": the value must be N (got S)");
  bad[0] = (bloop_write_action){"title", BLOOP_ACTION_IF_NOT_EXISTS, sval("x")};
  a.item = post("act", 1, "t", -1);
  CHECK(bloop_engine_explain_save(e, &a, &out, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Post save: column \"title\" has both a value and an update action");
  CHECK(bloop_engine_delete(e, &a, NULL, NULL, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Post delete: update actions are for saves");
  bloop_buf_free(&out);
  bloop_arena_free(&ra);
}

static void test_version(bloop_engine *e, bloop_model *doc) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_arena ra = BLOOP_ARENA_INIT;
  bloop_write_result res;
  CHECK(bloop_engine_bind(e, doc, 0, NULL, &err) == BLOOP_OK);
  bloop_value *it = item_new();
  put_s(it, "id", "d1");
  put_s(it, "text", "v1");
  bloop_write_args a;
  memset(&a, 0, sizeof a);
  a.model = doc;
  a.item = it;
  CHECK(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_OK);
  CHECK(res.version.type == N && strcmp(res.version.u.bytes.ptr, "1") == 0);
  /* saving as new again fails: the row has a version now */
  CHECK(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ConstraintViolation");
  bloop_value *prev = copy(it);
  put_n(prev, "rev", 1);
  bloop_value *it2 = copy(prev);
  put_s(it2, "text", "v2");
  a.item = it2;
  a.previous = prev;
  CHECK(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_OK);
  CHECK(strcmp(res.version.u.bytes.ptr, "2") == 0);
  /* stale previous (rev 1) */
  CHECK(bloop_engine_save(e, &a, &res, &ra, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ConstraintViolation");
  CHECK(bloop_engine_delete(e, &a, NULL, NULL, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ConstraintViolation");
  const bloop_value *got = NULL;
  CHECK(load_one(e, doc, it, &ra, &got) == 1);
  CHECK_STR(attr_n(got, "rev"), "2");
  CHECK_STR(attr_s(got, "text"), "v2");
  a.previous = got;
  a.item = got;
  CHECK(bloop_engine_delete(e, &a, NULL, NULL, &err) == BLOOP_OK);
  bloop_arena_free(&ra);
}

static void test_load_missing(bloop_engine *e, bloop_model *m) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_arena ra = BLOOP_ARENA_INIT;
  bloop_write_args a;
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = post("lm", 1, "x", 1);
  bloop_engine_save(e, &a, NULL, NULL, &err);
  a.item = post("lm", 2, "y", 2);
  bloop_engine_save(e, &a, NULL, NULL, &err);
  bloop_load_op ops[4];
  memset(ops, 0, sizeof ops);
  long seqs[4] = {1, 3, 2, 4};
  for (int i = 0; i < 4; i++) {
    ops[i].model = m;
    ops[i].key = post("lm", seqs[i], NULL, -1);
  }
  size_t missing = 0;
  CHECK(bloop_engine_load(e, ops, 4, 0, &ra, &missing, &err) == BLOOP_OK);
  CHECK(missing == 2);
  CHECK(ops[0].outcome == BLOOP_BATCH_FOUND && strcmp(attr_s(&ops[0].item, "title"), "x") == 0);
  CHECK(ops[1].outcome == BLOOP_BATCH_MISSING);
  CHECK(ops[2].outcome == BLOOP_BATCH_FOUND && strcmp(attr_s(&ops[2].item, "title"), "y") == 0);
  CHECK(ops[3].outcome == BLOOP_BATCH_MISSING);
  bloop_buf out = BLOOP_BUF_INIT;
  CHECK(bloop_engine_explain_load(e, ops, 4, 1, &out, &err) == BLOOP_OK);
  CHECK_MSG(out.data && strstr(out.data, "\"operation\":\"BatchGetItem\"") &&
                strstr(out.data, "\"ConsistentRead\":true") && strstr(out.data, "\"chunks\":1"),
            out.data);
  bloop_buf_free(&out);
  bloop_arena_free(&ra);
}

static size_t drain(bloop_search *s, int (*check)(const bloop_value *, void *), void *ud,
                    int *bad) {
  size_t n = 0;
  const bloop_value *it;
  bloop_error err = BLOOP_ERROR_INIT;
  for (;;) {
    if (bloop_search_next(s, &it, &err)) {
      tap_note("search: %s", err.message);
      *bad = 1;
      break;
    }
    if (!it) break;
    n++;
    if (check && !check(it, ud)) *bad = 1;
  }
  return n;
}

/* the title, plus the table's keys that every search asks for (a cursor is made of them) */
static int only_title(const bloop_value *it, void *ud) {
  (void)ud;
  return bloop_value_count(it) == 3 && attr_s(it, "title") != NULL && attr_s(it, "user") &&
         attr_n(it, "seq");
}

static int score_8(const bloop_value *it, void *ud) {
  (void)ud;
  const char *sc = attr_n(it, "score");
  return sc && strcmp(sc, "8") == 0 && attr_s(it, "user") && attr_n(it, "seq") &&
         bloop_value_get(it, "tags", 4) && !bloop_value_get(it, "note", 4);
}

typedef struct seen { unsigned char hit[100]; int dup; } seen;
static int mark_seen(const bloop_value *it, void *ud) {
  seen *s = ud;
  const char *u = attr_s(it, "user"), *q = attr_n(it, "seq");
  if (!u || strcmp(u, "q") != 0) return 1;
  int k = atoi(q);
  if (k < 0 || k >= 100) return 0;
  if (s->hit[k]) s->dup = 1;
  s->hit[k] = 1;
  return 1;
}

static void test_search(bloop_engine *e, bloop_model *m) {
  bloop_error err = BLOOP_ERROR_INIT;
  /* 100 items for user "q": title g<seq%5>, score seq%10, note on every item */
  bloop_batch_item items[100];
  memset(items, 0, sizeof items);
  for (int i = 0; i < 100; i++) {
    char title[8];
    snprintf(title, sizeof title, "g%d", i % 5);
    bloop_value *it = post("q", i, title, i % 10);
    put_ss(it, "tags", "x", "y");
    put_s(it, "note", "n");
    items[i].model = m;
    items[i].item = it;
  }
  CHECK(bloop_engine_batch_save(e, items, 100, NULL, &err) == BLOOP_OK);

  /* key + filter + projection, small pages */
  bloop_search_args sa;
  memset(&sa, 0, sizeof sa);
  sa.mode = BLOOP_SEARCH_QUERY;
  sa.model = m;
  sa.key = and2(leaf(BLOOP_COND_EQ, "user", sval("q"), NULL),
                leaf(BLOOP_COND_BETWEEN, "seq", nval(10), nval(49)));
  sa.filter = leaf(BLOOP_COND_GE, "score", nval(5), NULL);
  const char *cols[] = {"title"};
  sa.projection = BLOOP_SEARCH_COLUMNS;
  sa.columns = cols;
  sa.column_count = 1;
  sa.page_size = 7;
  sa.consistent = 1;
  bloop_search *s = NULL;
  CHECK_MSG(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK, err.message);
  int bad = 0;
  CHECK(!bloop_search_exhausted(s));
  CHECK(drain(s, only_title, NULL, &bad) == 20);
  CHECK(!bad);
  CHECK(bloop_search_count(s) == 20 && bloop_search_scanned(s) == 40);
  CHECK(bloop_search_exhausted(s));
  bloop_search_reset(s);
  CHECK(bloop_search_count(s) == 0 && !bloop_search_exhausted(s));
  CHECK(drain(s, NULL, NULL, &bad) == 20);
  bloop_search_free(s);
  bloop_buf out = BLOOP_BUF_INIT;
  CHECK(bloop_engine_explain_search(e, &sa, &out, &err) == BLOOP_OK);
  CHECK_MSG(strstr(out.data, "\"Limit\":7") && strstr(out.data, "KeyConditionExpression") &&
                strstr(out.data, "FilterExpression") && strstr(out.data, "ProjectionExpression") &&
                strstr(out.data, "\"ConsistentRead\":true"),
            out.data);
  bloop_buf_free(&out);

  /* a filter on the queried key is refused */
  bloop_cond *f = sa.filter;
  sa.filter = leaf(BLOOP_COND_GT, "seq", nval(1), NULL);
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidSearch");
  CHECK_MSG(strncmp(err.message, "Post query: ", 12) == 0, err.message);
  bloop_cond_release(sa.filter);
  sa.filter = f;
  bloop_cond_release(sa.key);
  bloop_cond_release(sa.filter);

  /* GSI query, projection all = what the index projects; ConsistentRead dropped */
  memset(&sa, 0, sizeof sa);
  sa.mode = BLOOP_SEARCH_QUERY;
  sa.model = m;
  sa.index = "by_title";
  sa.key = and2(leaf(BLOOP_COND_EQ, "title", sval("g3"), NULL),
                leaf(BLOOP_COND_GE, "score", nval(5), NULL));
  sa.consistent = 1;
  sa.page_size = 3;
  CHECK(bloop_engine_explain_search(e, &sa, &out, &err) == BLOOP_OK);
  CHECK_MSG(!strstr(out.data, "ConsistentRead") && strstr(out.data, "\"IndexName\":\"by_title\""),
            out.data);
  bloop_buf_free(&out);
  CHECK_MSG(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK, err.message);
  size_t ncols = 0;
  bloop_search_columns(s, &ncols);
  CHECK(ncols == 5);  /* user seq title score tags */
  bad = 0;
  CHECK(drain(s, score_8, NULL, &bad) == 10);
  CHECK(!bad);
  bloop_search_free(s);
  /* a column the index does not project */
  const char *note[] = {"note"};
  sa.projection = BLOOP_SEARCH_COLUMNS;
  sa.columns = note;
  sa.column_count = 1;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidSearch");
  CHECK_MSG(strstr(err.message, "does not project \"note\"") != NULL, err.message);
  bloop_cond_release(sa.key);

  /* LSI query, keys, descending, limit 3 */
  memset(&sa, 0, sizeof sa);
  sa.mode = BLOOP_SEARCH_QUERY;
  sa.model = m;
  sa.index = "by_score";
  sa.key = and2(leaf(BLOOP_COND_EQ, "user", sval("q"), NULL),
                leaf(BLOOP_COND_GE, "score", nval(7), NULL));
  sa.projection = BLOOP_SEARCH_KEYS;
  sa.descending = 1;
  sa.limit = 3;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK);
  const bloop_value *it = NULL;
  CHECK(bloop_search_next(s, &it, &err) == BLOOP_OK && it);
  /* highest score first; keys only: table keys + the LSI's range key */
  CHECK(it && strcmp(attr_n(it, "score"), "9") == 0 && attr_n(it, "seq") &&
        bloop_value_count(it) == 3);
  CHECK(drain(s, NULL, NULL, &bad) == 2);
  CHECK(bloop_search_exhausted(s));
  bloop_search_free(s);
  /* count */
  bloop_cond_release(sa.key);
  sa.key = leaf(BLOOP_COND_EQ, "user", sval("q"), NULL);
  sa.index = NULL;
  sa.limit = 0;
  sa.projection = BLOOP_SEARCH_COUNT;
  sa.page_size = 30;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK);
  CHECK(drain(s, NULL, NULL, &bad) == 0);
  CHECK(bloop_search_count(s) == 100);
  bloop_search_free(s);
  bloop_cond_release(sa.key);

  /* parallel scan: 4 segments cover user q exactly once */
  seen sn;
  memset(&sn, 0, sizeof sn);
  for (int seg = 0; seg < 4; seg++) {
    memset(&sa, 0, sizeof sa);
    sa.mode = BLOOP_SEARCH_SCAN;
    sa.model = m;
    sa.segment = seg;
    sa.total_segments = 4;
    sa.page_size = 13;
    if (seg == 0) {
      CHECK(bloop_engine_explain_search(e, &sa, &out, &err) == BLOOP_OK);
      CHECK_MSG(strstr(out.data, "\"Segment\":0,\"TotalSegments\":4") != NULL, out.data);
      bloop_buf_free(&out);
    }
    CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK);
    drain(s, mark_seen, &sn, &bad);
    bloop_search_free(s);
  }
  int all = 1;
  for (int i = 0; i < 100; i++) all &= sn.hit[i];
  CHECK(all && !sn.dup && !bad);
  /* limit over a scan */
  memset(&sa, 0, sizeof sa);
  sa.mode = BLOOP_SEARCH_SCAN;
  sa.model = m;
  sa.limit = 25;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK);
  CHECK(drain(s, NULL, NULL, &bad) == 25);
  CHECK(bloop_search_exhausted(s));
  bloop_search_free(s);
  sa.segment = 4;
  sa.total_segments = 4;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_EINVAL);
}

static bloop_search *scan_over(bloop_engine *e, bloop_model *m, int segments, size_t page,
                               bloop_cond *filter) {
  bloop_search_args sa;
  memset(&sa, 0, sizeof sa);
  sa.mode = BLOOP_SEARCH_SCAN;
  sa.model = m;
  sa.segments = segments;
  sa.page_size = page;
  sa.filter = filter;
  bloop_search *s = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_search_new(e, &sa, &s, &err)) tap_note("scan over segments: %s", err.message);
  return s;
}

static int all_seen(const seen *sn, int step_ok(int)) {
  for (int i = 0; i < 100; i++)
    if (sn->hit[i] != (step_ok ? step_ok(i) : 1)) return 0;
  return !sn->dup;
}

static int high_score(int i) { return i % 10 >= 5; }

/* A scan over all segments at once (user q's 100 items from test_search). */
static void test_segments(bloop_engine *e, bloop_client *c, bloop_model *m) {
  bloop_error err = BLOOP_ERROR_INIT;
  int bad = 0;
  size_t total = 0;
  static const int ns[] = {1, 2, 4, 7};
  for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
    seen sn;
    memset(&sn, 0, sizeof sn);
    bloop_search *s = scan_over(e, m, ns[k], 9, NULL);
    if (!CHECK(s != NULL)) continue;
    CHECK(bloop_search_segments(s) == ns[k]);
    size_t n = drain(s, mark_seen, &sn, &bad);
    tap_note("segments = %d: %zu items", ns[k], bloop_search_count(s));
    CHECK_MSG(all_seen(&sn, NULL) && !bad, "every item once");
    CHECK(n == bloop_search_count(s) && n == bloop_search_scanned(s) && n >= 100);
    CHECK(bloop_search_consumed(s) > 0 && bloop_search_exhausted(s) && bloop_search_at_end(s));
    if (k == 0) total = n;
    CHECK_MSG(n == total, "the same items whatever the segments");
    bloop_search_free(s);
  }

  /* 60 items under as many hash keys (user q's items share one, so one segment): every
   * segment's first page has items that pass the filter below */
  bloop_batch_item spread[60];
  memset(spread, 0, sizeof spread);
  for (int i = 0; i < 60; i++) {
    char user[16];
    snprintf(user, sizeof user, "spread-%d", i);
    spread[i].model = m;
    spread[i].item = post(user, 0, "s", 9);
  }
  CHECK_MSG(bloop_engine_batch_save(e, spread, 60, NULL, &err) == BLOOP_OK, err.message);

  /* the four segments are asked at once: when the first item comes back, the three other
   * requests are out. The client counts a call as pending until a wait hands it to its
   * owner, and each wait of the search takes one answer that came, so one of the three
   * may already be the search's, held unread (seen under ASan, where answers come back
   * before the search waits); freeing the search cancels the rest */
  size_t idle = bloop_client_pending(c);
  bloop_search *probe = scan_over(e, m, 4, 5, NULL);
  const bloop_value *it = NULL;
  CHECK(probe && bloop_search_next(probe, &it, &err) == BLOOP_OK && it);
  size_t under_way = bloop_client_pending(c) - idle;
  CHECK_MSG(under_way == 2 || under_way == 3, "the other segments' requests under way");
  bloop_search_free(probe);
  CHECK(bloop_client_pending(c) == idle);

  /* a filter; and the client serving a save, a batch and another scan in between */
  seen sn, other;
  memset(&sn, 0, sizeof sn);
  memset(&other, 0, sizeof other);
  bloop_cond *f = leaf(BLOOP_COND_GE, "score", nval(5), NULL);
  bloop_search *s = scan_over(e, m, 4, 11, f);
  bloop_cond_release(f);   /* the search retains it */
  bloop_search *s2 = scan_over(e, m, 3, 5, NULL);
  CHECK(s && s2 && bloop_search_next(s, &it, &err) == BLOOP_OK && it);
  if (it) mark_seen(it, &sn);
  CHECK(bloop_search_next(s2, &it, &err) == BLOOP_OK && it);
  if (it) mark_seen(it, &other);
  bloop_write_args a;
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = post("segments-side", 1, "t", 1);
  CHECK_MSG(bloop_engine_save(e, &a, NULL, NULL, &err) == BLOOP_OK, err.message);
  bloop_batch_item bi[30];
  memset(bi, 0, sizeof bi);
  for (int i = 0; i < 30; i++) bi[i].model = m, bi[i].item = post("segments-side", i + 2, "t", 1);
  CHECK_MSG(bloop_engine_batch_save(e, bi, 30, NULL, &err) == BLOOP_OK, err.message);
  for (;;) {   /* the two scans in turn */
    const bloop_value *x = NULL, *y = NULL;
    CHECK(bloop_search_next(s, &x, &err) == BLOOP_OK);
    if (x) mark_seen(x, &sn);
    CHECK(bloop_search_next(s2, &y, &err) == BLOOP_OK);
    if (y) mark_seen(y, &other);
    if (!x && !y) break;
  }
  CHECK_MSG(all_seen(&sn, high_score), "the filtered scan: items with score >= 5, once");
  CHECK_MSG(all_seen(&other, NULL), "the other scan: every item once");
  bloop_search_free(s);
  bloop_search_free(s2);

  /* positions: 30 items, then a new search from every segment's position */
  s = scan_over(e, m, 1, 0, NULL);
  total = drain(s, NULL, NULL, &bad);   /* the side items are in the table now */
  bloop_search_free(s);
  memset(&sn, 0, sizeof sn);
  s = scan_over(e, m, 3, 7, NULL);
  size_t taken = 0;
  while (taken < 30 && bloop_search_next(s, &it, &err) == BLOOP_OK && it) {
    mark_seen(it, &sn);
    taken++;
  }
  s2 = scan_over(e, m, 3, 7, NULL);
  bloop_arena pa = BLOOP_ARENA_INIT;
  for (int k = 0; k < 3; k++) {
    bloop_buf key = BLOOP_BUF_INIT;
    bloop_segment_position pos;
    CHECK(bloop_search_segment_position(s, k, &pos, &key, &err) == BLOOP_OK);
    bloop_value kv;
    if (pos == BLOOP_SEGMENT_AFTER)
      CHECK(bloop_item_from_json(key.data, key.len, &pa, &kv, &err) == BLOOP_OK);
    CHECK(bloop_search_segment_start(s2, k, pos, pos == BLOOP_SEGMENT_AFTER ? &kv : NULL,
                                     &err) == BLOOP_OK);
    bloop_buf_free(&key);
  }
  taken += drain(s2, mark_seen, &sn, &bad);
  CHECK_MSG(all_seen(&sn, NULL) && !bad && taken == total, "resumed from the positions");
  bloop_segment_position pos;
  bloop_buf key = BLOOP_BUF_INIT;
  CHECK(bloop_search_segment_position(s2, 1, &pos, &key, &err) == BLOOP_OK &&
        pos == BLOOP_SEGMENT_DONE);
  CHECK(bloop_search_segment_position(s2, 3, &pos, &key, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidSearch");
  CHECK(bloop_search_start_after(s2, NULL, &err) == BLOOP_EINVAL);
  bloop_buf_free(&key);
  bloop_arena_free(&pa);
  bloop_search_free(s);
  bloop_search_free(s2);

  /* a limit: exactly that many, the pages still in flight dropped */
  bloop_search_args sa;
  memset(&sa, 0, sizeof sa);
  sa.mode = BLOOP_SEARCH_SCAN;
  sa.model = m;
  sa.segments = 4;
  sa.limit = 17;
  sa.page_size = 5;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_OK);
  CHECK(drain(s, NULL, NULL, &bad) == 17 && bloop_search_exhausted(s));
  bloop_search_free(s);
  bloop_buf out = BLOOP_BUF_INIT;
  CHECK(bloop_engine_explain_search(e, &sa, &out, &err) == BLOOP_OK);
  CHECK_MSG(strstr(out.data, "\"Segment\":0,\"TotalSegments\":4") &&
                strstr(out.data, "\"segments\":4"), out.data);
  bloop_buf_free(&out);
  /* misuse */
  sa.total_segments = 4;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidSearch");
  sa.total_segments = 0;
  sa.segments = -1;
  CHECK(bloop_search_new(e, &sa, &s, &err) == BLOOP_EINVAL);
}

static void test_batch(bloop_engine *e, bloop_model *m) {
  enum { NB = 1000 };
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_batch_item *items = calloc(NB, sizeof *items);
  bloop_load_op *ops = calloc(NB, sizeof *ops);
  for (int i = 0; i < NB; i++) {
    items[i].model = m;
    items[i].item = post("b", i, "batch", i);
    ops[i].model = m;
    ops[i].key = items[i].item;
  }
  bloop_batch_stats stats;
  /* metered: dynalite charges a small item 1 unit a write, 0.5 an eventually consistent
   * read, as DynamoDB does */
  bloop_engine_meter(e, 1);
  CHECK_MSG(bloop_engine_batch_save(e, items, NB, &stats, &err) == BLOOP_OK, err.message);
  CHECK(stats.done == NB && stats.requests >= NB / 25);
  CHECK(stats.consumed == NB && bloop_engine_metered(e) == NB);
  bloop_arena ra = BLOOP_ARENA_INIT;
  size_t missing = 99;
  CHECK(bloop_engine_load(e, ops, NB, 0, &ra, &missing, &err) == BLOOP_OK);
  CHECK(missing == 0);
  CHECK_MSG(bloop_engine_metered(e) == NB + NB / 2, "BatchGetItem metered too");
  bloop_engine_meter(e, 0);
  CHECK(bloop_engine_batch_save(e, items, 30, &stats, &err) == BLOOP_OK);
  CHECK(stats.consumed == 0 && bloop_engine_metered(e) == 0);
  int ok = 1;
  for (int i = 0; i < NB; i++) {
    const char *sc = attr_n(&ops[i].item, "score");
    ok &= ops[i].outcome == BLOOP_BATCH_FOUND && sc && atoi(sc) == i;
  }
  CHECK(ok);
  bloop_buf out = BLOOP_BUF_INIT;
  CHECK(bloop_engine_explain_batch(e, items, NB, 1, &out, &err) == BLOOP_OK);
  CHECK_MSG(strstr(out.data, "\"chunks\":40") && strstr(out.data, "DeleteRequest"), out.data);
  bloop_buf_free(&out);
  CHECK(bloop_engine_batch_delete(e, items, NB, NULL, &err) == BLOOP_OK);
  bloop_arena_reset(&ra);
  CHECK(bloop_engine_load(e, ops, 10, 0, &ra, &missing, &err) == BLOOP_OK);
  CHECK(missing == 10);
  bloop_arena_free(&ra);
  free(items);
  free(ops);
}

/* A session whose call function forwards to the client and counts what it saw, overriding
 * the batch operations: the engine must fall back to one request per item through it. */
typedef struct route { bloop_client *c; int gets, puts, other; } route;
static bloop_status route_call(void *ud, bloop_service sv, const char *op, const char *body,
                               size_t len, bloop_buf *resp, bloop_error *err) {
  route *r = ud;
  (void)sv;
  if (strcmp(op, "GetItem") == 0) r->gets++;
  else if (strcmp(op, "PutItem") == 0) r->puts++;
  else r->other++;
  return bloop_client_call(r->c, op, body, len, resp, err);
}
static int route_overrides(void *ud, bloop_service sv, const char *op) {
  (void)ud;
  (void)sv;
  return strncmp(op, "Batch", 5) == 0 || strcmp(op, "GetItem") == 0 || strcmp(op, "PutItem") == 0 ||
         strcmp(op, "Scan") == 0;
}

static void test_routing(bloop_client *c, bloop_model *m) {
  route r = {c, 0, 0, 0};
  bloop_session ses = bloop_session_native(c, NULL);
  ses.call = route_call;
  ses.overrides = route_overrides;
  ses.ud = &r;
  bloop_engine *e = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_engine_new(&ses, NULL, &e, &err) == BLOOP_OK);
  CHECK(bloop_engine_bind(e, m, BLOOP_BIND_SKIP_TABLE_SETUP, NULL, &err) == BLOOP_OK);
  bloop_batch_item items[3];
  bloop_load_op ops[4];
  memset(items, 0, sizeof items);
  memset(ops, 0, sizeof ops);
  for (int i = 0; i < 4; i++) {
    bloop_value *it = post("route", i, "r", i);
    if (i < 3) items[i].model = m, items[i].item = it;
    ops[i].model = m;
    ops[i].key = it;
  }
  bloop_engine_meter(e, 1);
  CHECK(bloop_engine_batch_save(e, items, 3, NULL, &err) == BLOOP_OK);
  bloop_arena ra = BLOOP_ARENA_INIT;
  size_t missing = 0;
  CHECK(bloop_engine_load(e, ops, 4, 0, &ra, &missing, &err) == BLOOP_OK);
  CHECK(missing == 1 && ops[2].outcome == BLOOP_BATCH_FOUND);
  CHECK(r.puts == 3 && r.gets == 4 && r.other == 0);
  /* the one-request-per-item route is metered as well: 3 puts, 4 reads (one missing) */
  CHECK(bloop_engine_metered(e) == 3 + 4 * 0.5);
  bloop_engine_meter(e, 0);
  /* UpdateItem is not overridden: it takes the native client */
  bloop_write_args a;
  memset(&a, 0, sizeof a);
  a.model = m;
  a.item = items[0].item;
  CHECK(bloop_engine_save(e, &a, NULL, NULL, &err) == BLOOP_OK);
  CHECK(r.other == 0);
  /* a scan over segments whose Scan is overridden: the segments take turns through it */
  seen sn;
  memset(&sn, 0, sizeof sn);
  int bad = 0;
  bloop_search *s = scan_over(e, m, 3, 20, NULL);
  CHECK(s && drain(s, mark_seen, &sn, &bad) >= 100);
  CHECK_MSG(all_seen(&sn, NULL) && !bad, "every item once through the session");
  CHECK_MSG(r.other >= 3, "Scan calls through the session");
  bloop_search_free(s);
  bloop_arena_free(&ra);
  bloop_engine_free(e);
}

static void drop(bloop_client *c, const char *t) {
  char body[128];
  snprintf(body, sizeof body, "{\"TableName\":\"%s\"}", t);
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_client_call(c, "DeleteTable", body, strlen(body), &resp, &err);
  bloop_buf_free(&resp);
}

int main(void) {
  const char *endpoint = getenv("BLOOP_DYNALITE_ENDPOINT");
  if (!CHECK_MSG(endpoint && *endpoint, "BLOOP_DYNALITE_ENDPOINT is not set: run "
                                        "scripts/servers start dynalite and source .local/servers/env"))
    return tap_done();
  snprintf(table, sizeof table, "bloop-engine-%ld", (long)getpid());
  snprintf(doc_table, sizeof doc_table, "bloop-engine-doc-%ld", (long)getpid());
  bloop_client_config cfg;
  bloop_client_config_init(&cfg);
  cfg.aws.endpoint = endpoint;
  cfg.aws.region = "us-east-1";
  cfg.aws.access_key_id = "local";
  cfg.aws.secret_access_key = "local";
  bloop_client *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (!CHECK_MSG(bloop_client_new(&cfg, &c, &err) == BLOOP_OK, err.message)) return tap_done();
  bloop_session ses = bloop_session_native(c, NULL);
  bloop_engine *e = NULL, *e2 = NULL;
  CHECK(bloop_engine_new(&ses, NULL, &e, &err) == BLOOP_OK);
  CHECK(bloop_engine_new(&ses, NULL, &e2, &err) == BLOOP_OK);
  bloop_model *post_m = make_post(), *doc = make_doc();
  if (post_m && doc && e && e2) {
    test_bind(e, e2, post_m);
    test_crud(e, post_m);
    test_actions(e, post_m);
    test_version(e, doc);
    test_load_missing(e, post_m);
    test_search(e, post_m);
    test_segments(e, c, post_m);
    test_batch(e, post_m);
    test_routing(c, post_m);
  }
  bloop_engine_free(e);
  bloop_engine_free(e2);
  bloop_model_release(post_m);
  bloop_model_release(doc);
  drop(c, table);
  drop(c, doc_table);
  bloop_client_free(c);
  bloop_arena_free(&A);
  return tap_done();
}
