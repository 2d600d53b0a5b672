/*
 * test_txn.c: transactions (txn.h), offline: exact TransactWriteItems / TransactGetItems
 * bodies, limits, the forced SET of an unchanged save, reason parsing, and commits
 * through a session whose `call` plays the service (records requests, answers canned
 * bodies or errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/txn.h"
#include "tap.h"

static bloop_arena A = BLOOP_ARENA_INIT;

static bloop_value *item_new(void) {
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_value_set_map(v, &A, 8, NULL);
  return v;
}
static void put_s(bloop_value *m, const char *name, const char *s) {
  bloop_value_set_s(bloop_value_map_put(m, &A, name, strlen(name)), &A, s, strlen(s), NULL);
}
static void put_n(bloop_value *m, const char *name, const char *n) {
  bloop_value_set_n(bloop_value_map_put(m, &A, name, strlen(name)), &A, n, strlen(n), NULL);
}
static bloop_value *sval(const char *s) {
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_value_set_s(v, &A, s, strlen(s), NULL);
  return v;
}

static bloop_cond *eq(const char *attr, const bloop_value *v) {
  bloop_path_elem el = {attr, strlen(attr), 0};
  bloop_path p = {&el, 1, NULL};
  bloop_operand o = {NULL, v};
  bloop_cond *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_leaf(BLOOP_COND_EQ, &p, &o, 1, &c, &err)) tap_note("leaf: %s", err.message);
  return c;
}

static bloop_model *model_of(const char *name, const char *table,
                             const bloop_column_decl *cols, size_t n) {
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = name;
  d.meta.table_name = table;
  d.columns = cols;
  d.column_count = n;
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&d, &m, &err)) tap_note("model: %s", err.message);
  return m;
}

static bloop_model *model(const char *name, const char *table, int versioned) {
  static const bloop_column_decl cols[] = {
      {"id", NULL, BLOOP_TYPE_S, BLOOP_KEY_HASH, 0},
      {"email", "em", BLOOP_TYPE_S, BLOOP_KEY_NONE, 0},
      {"age", NULL, BLOOP_TYPE_N, BLOOP_KEY_NONE, 0},
      {"version", NULL, BLOOP_TYPE_N, BLOOP_KEY_NONE, 1},
  };
  return model_of(name, table, cols, versioned ? 4 : 3);
}

/* ---- a fake service behind the session --------------------------------------------- */

typedef struct fake {
  char op[64];
  char *body;             /* last request (malloc'ed) */
  int calls;
  const char *answer;     /* body to answer with, or NULL to fail with `code` */
  const char *code, *message;
} fake;

static bloop_status fake_call(void *ud, bloop_service service, const char *op, const char *body,
                              size_t len, bloop_buf *response, bloop_error *err) {
  fake *f = ud;
  (void)service;
  f->calls++;
  snprintf(f->op, sizeof f->op, "%s", op);
  free(f->body);
  f->body = malloc(len + 1);
  memcpy(f->body, body, len);
  f->body[len] = '\0';
  if (f->answer) {
    bloop_buf_reset(response);
    bloop_buf_puts(response, f->answer);
    return BLOOP_OK;
  }
  bloop_error_set(err, BLOOP_ESERVICE, f->code, "%s", f->message);
  err->http_status = 400;
  return BLOOP_ESERVICE;
}

static bloop_engine *fake_engine(fake *f) {
  bloop_session s;
  memset(&s, 0, sizeof s);
  s.call = fake_call;
  s.ud = f;
  bloop_engine *e = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_engine_new(&s, NULL, &e, &err)) tap_note("engine: %s", err.message);
  return e;
}

static char *build(const bloop_txn_action *a, size_t n, const char *token, bloop_error *err) {
  bloop_buf b = BLOOP_BUF_INIT;
  if (bloop_txn_build_write(a, n, token, &b, err)) {
    bloop_buf_free(&b);
    return NULL;
  }
  char *s = strdup(b.data);
  bloop_buf_free(&b);
  return s;
}

static void test_shapes(void) {
  bloop_model *u = model("User", "users", 0);
  bloop_value *it = item_new(), *prev = item_new(), *other = item_new();
  put_s(it, "id", "u1");
  put_s(it, "em", "new@x");
  put_n(it, "age", "30");
  put_s(prev, "id", "u1");
  put_s(prev, "em", "old@x");
  put_n(prev, "age", "30");
  put_s(other, "id", "u2");
  bloop_cond *c = eq("em", sval("old@x"));
  bloop_txn_action a[3];
  memset(a, 0, sizeof a);
  a[0].kind = BLOOP_TXN_SAVE;
  a[0].args.model = u;
  a[0].args.item = it;
  a[0].args.previous = prev;
  a[0].args.condition = c;
  a[1].kind = BLOOP_TXN_DELETE;
  a[1].args.model = u;
  a[1].args.item = other;
  bloop_value *third = item_new();
  put_s(third, "id", "u3");
  a[2].kind = BLOOP_TXN_CHECK;
  a[2].args.model = u;
  a[2].args.item = third;
  a[2].args.condition = c;
  bloop_error err = BLOOP_ERROR_INIT;
  char *s = build(a, 3, "tok-1", &err);
  CHECK_STR(s ? s : err.message,
            "{\"TransactItems\":["
            "{\"Update\":{\"TableName\":\"users\",\"Key\":{\"id\":{\"S\":\"u1\"}},"
            "\"ConditionExpression\":\"(#n0 = :v0)\",\"UpdateExpression\":\"SET #n0 = :v1\","
            "\"ExpressionAttributeNames\":{\"#n0\":\"em\"},"
            "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"},\":v1\":{\"S\":\"new@x\"}}}},"
            "{\"Delete\":{\"TableName\":\"users\",\"Key\":{\"id\":{\"S\":\"u2\"}}}},"
            "{\"ConditionCheck\":{\"TableName\":\"users\",\"Key\":{\"id\":{\"S\":\"u3\"}},"
            "\"ConditionExpression\":\"(#n0 = :v0)\",\"ExpressionAttributeNames\":{\"#n0\":\"em\"},"
            "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"}}}}],"
            "\"ClientRequestToken\":\"tok-1\"}");
  free(s);
  /* the same Update body engine save would send (explain): no drift possible. A save on
   * its own also asks for the item on a condition failure; a transaction does not. */
  bloop_buf ex = BLOOP_BUF_INIT;
  CHECK(bloop_engine_explain_save(NULL, &a[0].args, &ex, &err) == BLOOP_OK);
  s = build(a, 1, NULL, &err);
  const char *body = s ? s + strlen("{\"TransactItems\":[{\"Update\":") : "";
  size_t blen = strlen(body) >= 4 ? strlen(body) - 4 : 0;   /* drop "}}]}" */
  const char *req = ex.data ? strstr(ex.data, "\"request\":") : NULL;
  CHECK(req && strncmp(req + 10, body, blen) == 0 &&
        strncmp(req + 10 + blen, ",\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
                49) == 0);
  free(s);
  bloop_buf_free(&ex);

  /* a check without a condition, two actions on one item, sync, > 100 actions */
  a[2].args.condition = NULL;
  CHECK(build(a, 3, NULL, &err) == NULL && strcmp(err.code, "InvalidRequest") == 0);
  CHECK(strstr(err.message, "needs a condition") != NULL);
  a[2].args.condition = c;
  a[1].args.item = it;
  CHECK(build(a, 2, NULL, &err) == NULL && strstr(err.message, "same item") != NULL);
  a[1].args.item = other;
  a[0].args.sync = BLOOP_SYNC_NEW;
  CHECK(build(a, 1, NULL, &err) == NULL && strstr(err.message, "sync") != NULL);
  a[0].args.sync = BLOOP_SYNC_NONE;
  bloop_txn_action *many = calloc(101, sizeof *many);
  CHECK(build(many, 101, NULL, &err) == NULL && strstr(err.message, "at most 100") != NULL);
  free(many);
  CHECK(build(a, 1, "", &err) == NULL);
  CHECK(build(a, 1, "0123456789012345678901234567890123456", &err) == NULL);

  /* unchanged save: Update needs an UpdateExpression: keep one attribute, never overwrite */
  a[0].args.previous = it;
  a[0].args.condition = NULL;
  s = build(a, 1, NULL, &err);
  CHECK_STR(s ? s : err.message,
            "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\",\"Key\":{\"id\":{\"S\":\"u1\"}},"
            "\"ExpressionAttributeNames\":{\"#bloop_keep\":\"em\"},"
            "\"ExpressionAttributeValues\":{\":bloop_keep\":{\"S\":\"new@x\"}},"
            "\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#bloop_keep, :bloop_keep)\"}}]}");
  free(s);
  /* key only: refused with a clear message */
  a[0].args.item = other;
  a[0].args.previous = other;
  CHECK(build(a, 1, NULL, &err) == NULL && strstr(err.message, "only its key") != NULL);
  bloop_cond_release(c);
  bloop_model_release(u);
}

/* ---- pinned bodies ------------------------------------------------------------------ */

/* A second model with a range key and one column of each kind a forced SET can keep. */
static bloop_model *rich_model(void) {
  static const bloop_column_decl cols[] = {
      {"pk", NULL, BLOOP_TYPE_S, BLOOP_KEY_HASH, 0},
      {"sk", NULL, BLOOP_TYPE_N, BLOOP_KEY_RANGE, 0},
      {"note", NULL, BLOOP_TYPE_S, BLOOP_KEY_NONE, 0},
      {"data", "d", BLOOP_TYPE_M, BLOOP_KEY_NONE, 0},
      {"tags", NULL, BLOOP_TYPE_SS, BLOOP_KEY_NONE, 0},
      {"blob", NULL, BLOOP_TYPE_B, BLOOP_KEY_NONE, 0},
      {"flag", NULL, BLOOP_TYPE_BOOL, BLOOP_KEY_NONE, 0},
  };
  return model_of("Rich", "rich", cols, sizeof cols / sizeof cols[0]);
}

static bloop_value *item_json(const char *text) {
  if (!text) return NULL;
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_item_from_json(text, strlen(text), &A, v, &err)) tap_note("item: %s", err.message);
  return v;
}

static bloop_cond *leaf0(bloop_cond_op op, const char *attr) {
  bloop_path_elem el = {attr, strlen(attr), 0};
  bloop_path p = {&el, 1, NULL};
  bloop_cond *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_leaf(op, &p, NULL, 0, &c, &err)) tap_note("leaf: %s", err.message);
  return c;
}

typedef enum { NO_COND, EM_OLD, AGE_EXISTS, NOTE_MISSING } pin_cond;
typedef enum { USER, DOC, RICH } pin_model;

typedef struct pin_case {
  const char *what;
  bloop_txn_kind kind;
  pin_model model;          /* USER: id, em, age; DOC: USER + version; RICH: rich_model */
  const char *item;         /* DynamoDB JSON */
  const char *previous;     /* NULL: never synced */
  pin_cond cond;
  int atomic;
  const char *cleared;      /* one column name, or NULL */
  const char *want;         /* the TransactWriteItems body, or "<code>: <message>" */
} pin_case;

static const pin_case PINS[] = {
    {"save: a changed attribute under a condition", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"new@x\"},\"age\":{\"N\":\"30\"}}",
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"old@x\"},\"age\":{\"N\":\"30\"}}",
     EM_OLD, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ConditionExpression\":\"(#n0 = :v0)\","
     "\"UpdateExpression\":\"SET #n0 = :v1\",\"ExpressionAttributeNames\":{\"#n0\":\"em\"}"
     ",\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"},"
     "\":v1\":{\"S\":\"new@x\"}}}}]}"},
    {"save: the version from previous", BLOOP_TXN_SAVE, DOC,
     "{\"id\":{\"S\":\"d1\"},\"age\":{\"N\":\"5\"},\"version\":{\"N\":\"7\"}}",
     "{\"id\":{\"S\":\"d1\"},\"version\":{\"N\":\"7\"}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d1\"}},\"ConditionExpression\":\"(#n0 = :v0)\","
     "\"UpdateExpression\":\"SET #n1 = :v1, #n0 = :v2\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"version\","
     "\"#n1\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"7\"},"
     "\":v1\":{\"N\":\"5\"},\":v2\":{\"N\":\"8\"}}}}]}"},
    {"save: versioned, never synced", BLOOP_TXN_SAVE, DOC,
     "{\"id\":{\"S\":\"d1\"},\"em\":{\"S\":\"a@x\"},\"age\":{\"N\":\"1\"}}",
     NULL,
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d1\"}},\"ConditionExpression\":\"(attribute_not_exists(#n0)"
     ")\",\"UpdateExpression\":\"SET #n1 = :v0, #n2 = :v1,"
     " #n0 = :v1\",\"ExpressionAttributeNames\":{\"#n0\":\"version\","
     "\"#n1\":\"em\",\"#n2\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"a@x\""
     "},\":v1\":{\"N\":\"1\"}}}}]}"},
    {"save: the version from the item", BLOOP_TXN_SAVE, DOC,
     "{\"id\":{\"S\":\"d1\"},\"age\":{\"N\":\"2\"},\"version\":{\"N\":\"4\"}}",
     NULL,
     EM_OLD, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d1\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v"
     "1))\",\"UpdateExpression\":\"SET #n2 = :v2, #n1 = :v3\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"em\",\"#n1\":\"version\","
     "\"#n2\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"},"
     "\":v1\":{\"N\":\"4\"},\":v2\":{\"N\":\"2\"},\":v3\":{\"N\":\"5\"}}}}]}"},
    {"save: atomic", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"new@x\"}}",
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"old@x\"},\"age\":{\"N\":\"30\"}}",
     NO_COND, 1, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v"
     "1) AND (#n2 = :v2))\",\"UpdateExpression\":\"SET #n1 = :v3 REMOVE #n2\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"id\",\"#n1\":\"em\","
     "\"#n2\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"u1\"},"
     "\":v1\":{\"S\":\"old@x\"},\":v2\":{\"N\":\"30\"},\":v3\":{\"S\":\"new@x\"}}}}]}"},
    {"save: atomic, versioned", BLOOP_TXN_SAVE, DOC,
     "{\"id\":{\"S\":\"d1\"},\"age\":{\"N\":\"6\"},\"version\":{\"N\":\"2\"}}",
     "{\"id\":{\"S\":\"d1\"},\"age\":{\"N\":\"5\"},\"version\":{\"N\":\"2\"}}",
     NO_COND, 1, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d1\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (attribut"
     "e_not_exists(#n1)) AND (#n2 = :v1) AND (#n3 = :v2))\","
     "\"UpdateExpression\":\"SET #n2 = :v3, #n3 = :v4\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"id\",\"#n1\":\"em\","
     "\"#n2\":\"age\",\"#n3\":\"version\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\""
     "d1\"},\":v1\":{\"N\":\"5\"},\":v2\":{\"N\":\"2\"},"
     "\":v3\":{\"N\":\"6\"},\":v4\":{\"N\":\"3\"}}}}]}"},
    {"save: a cleared column", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"}}",
     NULL,
     NO_COND, 0, "age",
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"UpdateExpression\":\"SET #n0 = :v0 REMOVE #n1\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"em\",\"#n1\":\"age\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"e@x\"}}}}]}"},
    {"save: never synced", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"1.50\"}}",
     NULL,
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"UpdateExpression\":\"SET #n0 = :v0,"
     " #n1 = :v1\",\"ExpressionAttributeNames\":{\"#n0\":\"em\","
     "\"#n1\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"e@x\"},"
     "\":v1\":{\"N\":\"1.50\"}}}}]}"},
    {"save: unchanged: forced SET under a condition", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"3\"}}",
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"3\"}}",
     EM_OLD, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ConditionExpression\":\"(#n0 = :v0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"em\",\"#bloop_keep\":\"em\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"},"
     "\":bloop_keep\":{\"S\":\"e@x\"}},\"UpdateExpression\":\"SET #bloop_keep = if_not_exi"
     "sts(#bloop_keep, :bloop_keep)\"}}]}"},
    {"save: unchanged: forced SET, atomic", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"3\"}}",
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"3\"}}",
     NO_COND, 1, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v"
     "1) AND (#n2 = :v2))\",\"ExpressionAttributeNames\":{\"#n0\":\"id\","
     "\"#n1\":\"em\",\"#n2\":\"age\",\"#bloop_keep\":\"em\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"u1\"},"
     "\":v1\":{\"S\":\"e@x\"},\":v2\":{\"N\":\"3\"},\":bloop_keep\":{\"S\":\"e@x\"}},"
     "\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#bloop_keep,"
     " :bloop_keep)\"}}]}"},
    {"save: unchanged: forced SET, names but no values", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"3\"}}",
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e@x\"},\"age\":{\"N\":\"3\"}}",
     AGE_EXISTS, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ConditionExpression\":\"(attribute_exists(#n0))\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"age\",\"#bloop_keep\":\"em\"},"
     "\"ExpressionAttributeValues\":{\":bloop_keep\":{\"S\":\"e@x\"}},"
     "\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#bloop_keep,"
     " :bloop_keep)\"}}]}"},
    {"save: unchanged: the forced SET keeps the first attribute held", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"age\":{\"N\":\"3\"}}",
     "{\"id\":{\"S\":\"u1\"},\"age\":{\"N\":\"3\"}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ExpressionAttributeNames\":{\"#bloop_keep\":\"age\""
     "},\"ExpressionAttributeValues\":{\":bloop_keep\":{\"N\":\"3\"}},"
     "\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#bloop_keep,"
     " :bloop_keep)\"}}]}"},
    {"save: unchanged: forced SET of a map, escapes in the key", BLOOP_TXN_SAVE, RICH,
     "{\"pk\":{\"S\":\"kq\\\"b\\\\s/t\\tc\\u0001d\177\303\251\360\237\230\200\"},"
     "\"sk\":{\"N\":\"1.50\"},\"d\":{\"M\":{\"z\":{\"S\":\"x\\ny\"},"
     "\"a\":{\"L\":[{\"N\":\"1\"},{\"BOOL\":true},{\"NULL\":true},"
     "{\"M\":{}},{\"L\":[]}]}}}}",
     "{\"pk\":{\"S\":\"kq\\\"b\\\\s/t\\tc\\u0001d\177\303\251\360\237\230\200\"},"
     "\"sk\":{\"N\":\"1.50\"},\"d\":{\"M\":{\"z\":{\"S\":\"x\\ny\"},"
     "\"a\":{\"L\":[{\"N\":\"1\"},{\"BOOL\":true},{\"NULL\":true},"
     "{\"M\":{}},{\"L\":[]}]}}}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"rich\","
     "\"Key\":{\"pk\":{\"S\":\"kq\\\"b\\\\s/t\\tc\\u0001d\177\303\251\360\237\230\200\"},"
     "\"sk\":{\"N\":\"1.50\"}},\"ExpressionAttributeNames\":{\"#bloop_keep\":\"d\"},"
     "\"ExpressionAttributeValues\":{\":bloop_keep\":{\"M\":{\"z\":{\"S\":\"x\\ny\"},"
     "\"a\":{\"L\":[{\"N\":\"1\"},{\"BOOL\":true},{\"NULL\":true},"
     "{\"M\":{}},{\"L\":[]}]}}}},\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#b"
     "loop_keep, :bloop_keep)\"}}]}"},
    {"save: unchanged: forced SET of a string set", BLOOP_TXN_SAVE, RICH,
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"b\","
     "\"a\"]},\"flag\":{\"BOOL\":false}}",
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"},\"tags\":{\"SS\":[\"b\","
     "\"a\"]},\"flag\":{\"BOOL\":false}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"rich\","
     "\"Key\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"}},"
     "\"ExpressionAttributeNames\":{\"#bloop_keep\":\"tags\"},"
     "\"ExpressionAttributeValues\":{\":bloop_keep\":{\"SS\":[\"b\","
     "\"a\"]}},\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#bloop_keep,"
     " :bloop_keep)\"}}]}"},
    {"save: unchanged: forced SET of binary", BLOOP_TXN_SAVE, RICH,
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2\"},\"blob\":{\"B\":\"AAEC\"}}",
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2\"},\"blob\":{\"B\":\"AAEC\"}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"rich\","
     "\"Key\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2\"}},"
     "\"ExpressionAttributeNames\":{\"#bloop_keep\":\"blob\"},"
     "\"ExpressionAttributeValues\":{\":bloop_keep\":{\"B\":\"AAEC\"}},"
     "\"UpdateExpression\":\"SET #bloop_keep = if_not_exists(#bloop_keep,"
     " :bloop_keep)\"}}]}"},
    {"save: unchanged: forced SET of a string with escapes", BLOOP_TXN_SAVE, RICH,
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"3\"},\"note\":{\"S\":\"q\\\"b\\\\s/t\\tc\\u000"
     "1d\177\303\251\360\237\230\200\"}}",
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"3\"},\"note\":{\"S\":\"q\\\"b\\\\s/t\\tc\\u000"
     "1d\177\303\251\360\237\230\200\"}}",
     NOTE_MISSING, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"rich\","
     "\"Key\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"3\"}},"
     "\"ConditionExpression\":\"(attribute_not_exists(#n0))\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"note\",\"#bloop_keep\":\"note\"},"
     "\"ExpressionAttributeValues\":{\":bloop_keep\":{\"S\":\"q\\\"b\\\\s/t\\tc\\u0001d\177"
     "\303\251\360\237\230\200\"}},\"UpdateExpression\":\"SET #bloop_keep = if_not_exists("
     "#bloop_keep, :bloop_keep)\"}}]}"},
    {"save: unchanged: a NUL in the key", BLOOP_TXN_SAVE, RICH,
     "{\"pk\":{\"S\":\"a\\u0000b\"},\"sk\":{\"N\":\"1\"},"
     "\"note\":{\"S\":\"n\"}}",
     "{\"pk\":{\"S\":\"a\\u0000b\"},\"sk\":{\"N\":\"1\"},"
     "\"note\":{\"S\":\"n\"}}",
     NO_COND, 0, NULL,
     "InvalidJSON: request: the string escape \\u0000 is not supported (at byte 39)"},
    {"save: a NUL in the key, changed", BLOOP_TXN_SAVE, RICH,
     "{\"pk\":{\"S\":\"a\\u0000b\"},\"sk\":{\"N\":\"1\"},"
     "\"note\":{\"S\":\"n2\"}}",
     "{\"pk\":{\"S\":\"a\\u0000b\"},\"sk\":{\"N\":\"1\"},"
     "\"note\":{\"S\":\"n\"}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Update\":{\"TableName\":\"rich\","
     "\"Key\":{\"pk\":{\"S\":\"a\\u0000b\"},\"sk\":{\"N\":\"1\"}},"
     "\"UpdateExpression\":\"SET #n0 = :v0\",\"ExpressionAttributeNames\":{\"#n0\":\"note\""
     "},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"n2\"}}}}]}"},
    {"save: unchanged, key only", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"}}",
     "{\"id\":{\"S\":\"u1\"}}",
     NO_COND, 0, NULL,
     "InvalidRequest: User transaction save: action 1: the object holds only its key; a tr"
     "ansactional save needs an attribute to write (use engine save,"
     " or check)"},
    {"save: an attribute that is not a column", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"zz\":{\"S\":\"x\"}}",
     NULL,
     NO_COND, 0, NULL,
     "InvalidRequest: User save: attribute \"zz\" is not a column"},
    {"save: a cleared name that is not a column", BLOOP_TXN_SAVE, USER,
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"e\"}}",
     NULL,
     NO_COND, 0, "nope",
     "InvalidRequest: User save: cleared column \"nope\" is not a column"},
    {"delete: plain", BLOOP_TXN_DELETE, USER,
     "{\"id\":{\"S\":\"u2\"}}",
     NULL,
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u2\"}}}}]}"},
    {"delete: versioned", BLOOP_TXN_DELETE, DOC,
     "{\"id\":{\"S\":\"d1\"},\"version\":{\"N\":\"3\"}}",
     NULL,
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d1\"}},\"ConditionExpression\":\"(#n0 = :v0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"version\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"3\"}}}}]}"},
    {"delete: versioned, previous", BLOOP_TXN_DELETE, DOC,
     "{\"id\":{\"S\":\"d1\"}}",
     "{\"id\":{\"S\":\"d1\"},\"version\":{\"N\":\"9\"}}",
     NO_COND, 0, NULL,
     "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d1\"}},\"ConditionExpression\":\"(#n0 = :v0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"version\"},"
     "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"9\"}}}}]}"},
    {"delete: atomic", BLOOP_TXN_DELETE, USER,
     "{\"id\":{\"S\":\"u1\"}}",
     "{\"id\":{\"S\":\"u1\"},\"em\":{\"S\":\"old@x\"}}",
     NO_COND, 1, NULL,
     "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u1\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v"
     "1) AND (attribute_not_exists(#n2)))\",\"ExpressionAttributeNames\":{\"#n0\":\"id\","
     "\"#n1\":\"em\",\"#n2\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"u1\""
     "},\":v1\":{\"S\":\"old@x\"}}}}]}"},
    {"delete: a condition, a range key", BLOOP_TXN_DELETE, RICH,
     "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"}}",
     NULL,
     NOTE_MISSING, 0, NULL,
     "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"rich\","
     "\"Key\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"7\"}},"
     "\"ConditionExpression\":\"(attribute_not_exists(#n0))\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"note\"}}}]}"},
    {"delete: no key", BLOOP_TXN_DELETE, USER,
     "{\"em\":{\"S\":\"x\"}}",
     NULL,
     NO_COND, 0, NULL,
     "InvalidRequest: User delete: hash key \"id\" has no value"},
    {"check: a condition", BLOOP_TXN_CHECK, USER,
     "{\"id\":{\"S\":\"u3\"}}",
     NULL,
     EM_OLD, 0, NULL,
     "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u3\"}},\"ConditionExpression\":\"(#n0 = :v0)\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"em\"},\"ExpressionAttributeValues\":{\":v0\""
     ":{\"S\":\"old@x\"}}}}]}"},
    {"check: atomic only", BLOOP_TXN_CHECK, USER,
     "{\"id\":{\"S\":\"u3\"}}",
     "{\"id\":{\"S\":\"u3\"},\"age\":{\"N\":\"4\"}}",
     NO_COND, 1, NULL,
     "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u3\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (attribut"
     "e_not_exists(#n1)) AND (#n2 = :v1))\",\"ExpressionAttributeNames\":{\"#n0\":\"id\","
     "\"#n1\":\"em\",\"#n2\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"u3\""
     "},\":v1\":{\"N\":\"4\"}}}}]}"},
    {"check: versioned", BLOOP_TXN_CHECK, DOC,
     "{\"id\":{\"S\":\"d3\"},\"version\":{\"N\":\"5\"}}",
     NULL,
     EM_OLD, 0, NULL,
     "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"docs\","
     "\"Key\":{\"id\":{\"S\":\"d3\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v"
     "1))\",\"ExpressionAttributeNames\":{\"#n0\":\"em\","
     "\"#n1\":\"version\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"},"
     "\":v1\":{\"N\":\"5\"}}}}]}"},
    {"check: versioned, no condition", BLOOP_TXN_CHECK, DOC,
     "{\"id\":{\"S\":\"d3\"},\"version\":{\"N\":\"5\"}}",
     NULL,
     NO_COND, 0, NULL,
     "InvalidRequest: Doc transaction check: action 1: a check needs a condition"},
    {"check: a condition and atomic", BLOOP_TXN_CHECK, USER,
     "{\"id\":{\"S\":\"u3\"},\"em\":{\"S\":\"x\"}}",
     "{\"id\":{\"S\":\"u3\"},\"em\":{\"S\":\"old@x\"}}",
     EM_OLD, 1, NULL,
     "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"users\","
     "\"Key\":{\"id\":{\"S\":\"u3\"}},\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v"
     "1) AND (#n0 = :v0) AND (attribute_not_exists(#n2)))\","
     "\"ExpressionAttributeNames\":{\"#n0\":\"em\",\"#n1\":\"id\","
     "\"#n2\":\"age\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"old@x\"},"
     "\":v1\":{\"S\":\"u3\"}}}}]}"},
    {"check: a cleared name that is not a column", BLOOP_TXN_CHECK, USER,
     "{\"id\":{\"S\":\"u3\"}}",
     NULL,
     EM_OLD, 0, "nope",
     "InvalidRequest: User delete: cleared column \"nope\" is not a column"},
    {"check: no key", BLOOP_TXN_CHECK, USER,
     "{\"em\":{\"S\":\"x\"}}",
     NULL,
     EM_OLD, 0, NULL,
     "InvalidRequest: User check: hash key \"id\" has no value"},
};

/* Each body as the code before the shared builder sent it (captured from txn.c's explain
 * route), so the builder is proven to send the same bytes. */
static void test_pinned_bodies(void) {
  bloop_model *models[3] = {model("User", "users", 0), model("Doc", "docs", 1), rich_model()};
  for (size_t i = 0; i < sizeof PINS / sizeof PINS[0]; i++) {
    const pin_case *p = &PINS[i];
    bloop_txn_action a;
    memset(&a, 0, sizeof a);
    a.kind = p->kind;
    a.args.model = models[p->model];
    a.args.item = item_json(p->item);
    a.args.previous = item_json(p->previous);
    a.args.atomic = p->atomic;
    a.args.cleared = p->cleared ? &p->cleared : NULL;
    a.args.cleared_count = p->cleared ? 1 : 0;
    a.args.condition = p->cond == EM_OLD       ? eq("em", sval("old@x"))
                       : p->cond == AGE_EXISTS ? leaf0(BLOOP_COND_EXISTS, "age")
                       : p->cond == NOTE_MISSING ? leaf0(BLOOP_COND_NOT_EXISTS, "note")
                                               : NULL;
    bloop_error err = BLOOP_ERROR_INIT;
    char *s = build(&a, 1, NULL, &err);
    char msg[sizeof err.code + sizeof err.message + 4];
    snprintf(msg, sizeof msg, "%s: %s", err.code, err.message);
    const char *got = s ? s : msg;
    if (!CHECK_STR(got, p->want)) tap_note("case: %s", p->what);
    free(s);
    bloop_cond_release(a.args.condition);
  }
  for (int i = 0; i < 3; i++) bloop_model_release(models[i]);
}

static void test_reasons(void) {
  char r[3][BLOOP_TXN_REASON_MAX];
  const char *msg = "Transaction cancelled, please refer cancellation reasons for specific "
                    "reasons [None, ConditionalCheckFailed, TransactionConflict]";
  CHECK(bloop_txn_parse_reasons(msg, r, 3) == 3);
  CHECK_STR(r[0], "None");
  CHECK_STR(r[1], "ConditionalCheckFailed");
  CHECK_STR(r[2], "TransactionConflict");
  CHECK(bloop_txn_parse_reasons(msg, r, 2) == 3);
  CHECK_STR(r[0], "");
  CHECK(bloop_txn_parse_reasons("no list here", r, 3) == 0);
  CHECK_STR(r[2], "");
}

static void test_commits(void) {
  fake f;
  memset(&f, 0, sizeof f);
  bloop_engine *e = fake_engine(&f);
  bloop_model *v = model("Doc", "docs", 1);
  bloop_value *it = item_new(), *prev = item_new();
  put_s(it, "id", "d1");
  put_n(it, "age", "5");
  put_n(it, "version", "7");
  put_s(prev, "id", "d1");
  put_n(prev, "version", "7");
  bloop_txn_action a[2];
  memset(a, 0, sizeof a);
  a[0].kind = BLOOP_TXN_SAVE;
  a[0].args.model = v;
  a[0].args.item = it;
  a[0].args.previous = prev;
  bloop_value *k2 = item_new();
  put_s(k2, "id", "d2");
  a[1].kind = BLOOP_TXN_DELETE;
  a[1].args.model = v;
  a[1].args.item = k2;
  bloop_error err = BLOOP_ERROR_INIT;
  char tok[BLOOP_TXN_TOKEN_MAX], tok2[BLOOP_TXN_TOKEN_MAX];
  CHECK(bloop_txn_token_new(tok, &err) == BLOOP_OK && strlen(tok) == 36);
  CHECK(bloop_txn_token_new(tok2, &err) == BLOOP_OK && strcmp(tok, tok2) != 0);

  f.answer = "{}";
  CHECK(bloop_txn_write(e, a, 2, tok, &A, &err) == BLOOP_OK);
  CHECK_STR(f.op, "TransactWriteItems");
  CHECK(f.body && strstr(f.body, tok) != NULL);
  CHECK(a[0].version.type == BLOOP_TYPE_N && a[0].version.u.bytes.len == 1 &&
        a[0].version.u.bytes.ptr[0] == '8');
  CHECK(a[1].version.type == BLOOP_TYPE_NONE);
  /* the version condition and SET came from the engine's builder */
  CHECK(f.body && strstr(f.body, "\"ConditionExpression\":\"(#n0 = :v0)\"") != NULL);
  char *first = f.body ? strdup(f.body) : NULL;
  /* committing again: the same request, byte for byte (so the same token) */
  CHECK(bloop_txn_write(e, a, 2, tok, &A, &err) == BLOOP_OK);
  CHECK(first && f.body && strcmp(first, f.body) == 0);
  free(first);

  f.answer = NULL;
  f.code = "TransactionCanceledException";
  f.message = "Transaction cancelled, please refer cancellation reasons for specific reasons "
              "[ConditionalCheckFailed, None]";
  CHECK(bloop_txn_write(e, a, 2, tok, &A, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "TransactionCanceledException");
  CHECK_STR(a[0].reason, "ConditionalCheckFailed");
  CHECK_STR(a[1].reason, "None");

  int before = f.calls;
  CHECK(bloop_txn_write(e, a, 0, tok, &A, &err) == BLOOP_OK && f.calls == before);

  /* reads */
  bloop_load_op ops[2];
  memset(ops, 0, sizeof ops);
  ops[0].model = v;
  ops[0].key = it;
  ops[1].model = v;
  ops[1].key = k2;
  bloop_buf b = BLOOP_BUF_INIT;
  CHECK(bloop_txn_build_read(ops, 2, &b, &err) == BLOOP_OK);
  CHECK_STR(b.data, "{\"TransactItems\":[{\"Get\":{\"TableName\":\"docs\",\"Key\":{\"id\":{\"S\":\"d1\"}}}},"
                    "{\"Get\":{\"TableName\":\"docs\",\"Key\":{\"id\":{\"S\":\"d2\"}}}}]}");
  bloop_buf_free(&b);
  f.answer = "{\"Responses\":[{\"Item\":{\"id\":{\"S\":\"d1\"},\"age\":{\"N\":\"5\"}}},{}]}";
  size_t missing = 9;
  CHECK(bloop_txn_read(e, ops, 2, &A, &missing, &err) == BLOOP_OK);
  CHECK(missing == 1 && ops[0].outcome == BLOOP_BATCH_FOUND && ops[1].outcome == BLOOP_BATCH_MISSING);
  CHECK(bloop_value_get(&ops[0].item, "age", 3) != NULL);
  CHECK_STR(f.op, "TransactGetItems");
  f.answer = "{\"Responses\":[{}]}";
  CHECK(bloop_txn_read(e, ops, 2, &A, &missing, &err) == BLOOP_EPROTOCOL);

  free(f.body);
  bloop_model_release(v);
  bloop_engine_free(e);
}

int main(void) {
  test_shapes();
  test_pinned_bodies();
  test_reasons();
  test_commits();
  bloop_arena_free(&A);
  return tap_done();
}
