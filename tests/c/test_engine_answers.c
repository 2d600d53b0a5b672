/*
 * test_engine_answers.c: the engine against answers no DynamoDB sends, from a session whose
 * call function plays the server (no network). A malformed answer is an error at once:
 * never a poll until a timeout, never a loop.
 */
#include <stdio.h>
#include <string.h>

#include "bloop/engine.h"
#include "tap.h"

/* The canned server: DescribeTable and Scan answers, and how many calls it took. */
typedef struct canned {
  const char *describe;   /* DescribeTable's answer */
  const char *scan;       /* every Scan's answer */
  const char *scan_last;  /* the answer after 50 scans (so a looping engine still ends) */
  int calls, scans;
  const char *get;        /* every GetItem's answer */
} canned;

static bloop_status canned_call(void *ud, bloop_service sv, const char *op, const char *body,
                                size_t len, bloop_buf *resp, bloop_error *err) {
  canned *c = ud;
  (void)sv;
  (void)body;
  (void)len;
  (void)err;
  c->calls++;
  const char *answer = "{}";
  if (strcmp(op, "DescribeTable") == 0) answer = c->describe;
  if (strcmp(op, "Scan") == 0) answer = ++c->scans > 50 ? c->scan_last : c->scan;
  if (strcmp(op, "GetItem") == 0) answer = c->get;
  bloop_buf_puts(resp, answer);
  return BLOOP_OK;
}

static const bloop_column_decl cols[] = {
    {"id", NULL, BLOOP_TYPE_S, BLOOP_KEY_HASH, 0},
    {"n", NULL, BLOOP_TYPE_N, BLOOP_KEY_NONE, 0},
};

static bloop_model *model_of(const char *name, const char *table,
                             const bloop_column_decl *columns, size_t n) {
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = name;
  d.meta.table_name = table;
  d.columns = columns;
  d.column_count = n;
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&d, &m, &err)) tap_note("model: %s", err.message);
  return m;
}

static bloop_model *make_model(void) { return model_of("Thing", "things", cols, 2); }

static bloop_engine *make_engine(canned *c) {
  bloop_session ses = {canned_call, NULL, c, NULL, NULL};
  bloop_engine_config cfg;
  bloop_engine_config_init(&cfg);
  /* Short, so that an engine that polls fails the test instead of hanging it. */
  cfg.bind_timeout_ms = 300;
  cfg.bind_poll_base_ms = 5;
  bloop_engine *e = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_engine_new(&ses, &cfg, &e, &err) == BLOOP_OK);
  return e;
}

/* A DescribeTable answer without Table.TableStatus can never say ACTIVE: bind fails on
 * the first one with BadResponse instead of polling for bind_timeout. */
static void test_bind_without_status(bloop_model *m) {
  const char *answers[] = {"{}", "{\"Table\":\"garbage\"}", "{\"Table\":{\"TableName\":\"x\"}}",
                           "{\"Table\":{\"TableStatus\":7}}"};
  for (size_t i = 0; i < sizeof answers / sizeof *answers; i++) {
    canned c = {answers[i], NULL, NULL, 0, 0, NULL};
    bloop_engine *e = make_engine(&c);
    if (!e) continue;
    bloop_error err = BLOOP_ERROR_INIT;
    CHECK_MSG(bloop_engine_bind(e, m, BLOOP_BIND_VALIDATE_ONLY, NULL, &err) == BLOOP_EPROTOCOL,
              answers[i]);
    CHECK_STR(err.code, "BadResponse");
    CHECK_MSG(strstr(err.message, "has no Table.TableStatus") != NULL, err.message);
    CHECK_MSG(c.calls == 1, "one DescribeTable, no polling");
    bloop_engine_free(e);
  }
}

/* A scan of m's table through e, or NULL (the failed check said why). */
static bloop_search *scan_of(bloop_engine *e, bloop_model *m) {
  bloop_search_args a;
  memset(&a, 0, sizeof a);
  a.mode = BLOOP_SEARCH_SCAN;
  a.model = m;
  bloop_search *s = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK_MSG(bloop_search_new(e, &a, &s, &err) == BLOOP_OK, err.message);
  return s;
}

/* The first bloop_search_next of s fails as a BadResponse, with no item, whose message
 * says `says`. */
static void check_refused(bloop_search *s, const char *says, bloop_error *err) {
  const bloop_value *item = NULL;
  CHECK_MSG(bloop_search_next(s, &item, err) == BLOOP_EPROTOCOL && item == NULL, says);
  CHECK_STR(err->code, "BadResponse");
  CHECK_MSG(strstr(err->message, says) != NULL, err->message);
}

/* A server that answers a page with the very key it was asked to start after would make
 * the search ask for that page forever: the second time is an error. */
static void test_scan_same_key(bloop_model *m) {
  canned c = {NULL,
              "{\"Items\":[],\"Count\":0,\"ScannedCount\":0,"
              "\"LastEvaluatedKey\":{\"id\":{\"S\":\"a\"}}}",
              "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}", 0, 0, NULL};
  bloop_engine *e = make_engine(&c);
  if (!e) return;
  bloop_search *s = scan_of(e, m);
  bloop_error err = BLOOP_ERROR_INIT;
  if (s) {
    check_refused(s, "LastEvaluatedKey is the ExclusiveStartKey", &err);
    CHECK_MSG(c.scans == 2, "the second page with the same key stops the search");
    CHECK(bloop_search_exhausted(s));
    /* reset starts over: the first page is asked for without a key again */
    bloop_search_reset(s);
    c.scans = 0;
    const bloop_value *item = NULL;
    CHECK(bloop_search_next(s, &item, &err) == BLOOP_EPROTOCOL && c.scans == 2);
  }
  bloop_search_free(s);
  bloop_engine_free(e);
}

/* An answer that names a member twice is refused whole: a second Items would leave the
 * first array (here not even JSON) passed over unread, a second Count count twice. */
static void test_scan_member_twice(bloop_model *m) {
  static const char *const pages[] = {
      "{\"Items\":[{\"id\":{\"BOOL\":falsK}}],\"Count\":1,"
      "\"Items\":[{\"id\":{\"S\":\"a\"}}]}",
      "{\"Items\":[],\"Count\":0,\"Count\":0}"};
  for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
    canned c = {NULL, pages[i], NULL, 0, 0, NULL};
    bloop_engine *e = make_engine(&c);
    if (!e) return;
    bloop_search *s = scan_of(e, m);
    bloop_error err = BLOOP_ERROR_INIT;
    if (s) check_refused(s, "appears twice", &err);
    bloop_search_free(s);
    bloop_engine_free(e);
  }
}

/* A batch naming one item twice is refused before anything is sent: N keys compare by
 * value, so "1" and "1.0" are one item. */
static void test_batch_same_key(void) {
  static const bloop_column_decl ncols[] = {{"id", NULL, BLOOP_TYPE_N, BLOOP_KEY_HASH, 0}};
  bloop_model *m = model_of("Num", "nums", ncols, 1);
  bloop_error err = BLOOP_ERROR_INIT;
  if (!CHECK(m != NULL)) return;
  canned c = {NULL, NULL, NULL, 0, 0, NULL};
  bloop_engine *e = make_engine(&c);
  bloop_arena a = BLOOP_ARENA_INIT;
  const char *texts[] = {"{\"id\":{\"N\":\"1\"}}", "{\"id\":{\"N\":\"2\"}}",
                         "{\"id\":{\"N\":\"1.0\"}}"};
  bloop_value items_v[3];
  bloop_batch_item items[3];
  memset(items, 0, sizeof items);
  for (int i = 0; i < 3; i++) {
    CHECK(bloop_item_from_json(texts[i], strlen(texts[i]), &a, &items_v[i], &err) == BLOOP_OK);
    items[i].model = m;
    items[i].item = &items_v[i];
  }
  CHECK(bloop_engine_batch_save(e, items, 3, NULL, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidRequest");
  CHECK_MSG(strstr(err.message, "objects 1 and 3 (counting from 1) have the same key") != NULL,
            err.message);
  CHECK(bloop_engine_batch_delete(e, items, 3, NULL, &err) == BLOOP_EINVAL);
  CHECK_MSG(c.calls == 0, "nothing sent");
  CHECK(bloop_engine_batch_save(e, items, 2, NULL, &err) == BLOOP_OK && c.calls == 2);
  bloop_arena_free(&a);
  bloop_engine_free(e);
  bloop_model_release(m);
}

/* An item's attributes in any order are columns (an item another SDK wrote lists them in
 * its own order; the engine tries column order first): checked without sending. */
static void test_batch_any_order(void) {
  static const bloop_column_decl ocols[] = {{"id", NULL, BLOOP_TYPE_S, BLOOP_KEY_HASH, 0},
                                            {"a", "attr_a", BLOOP_TYPE_N, BLOOP_KEY_NONE, 0},
                                            {"b", NULL, BLOOP_TYPE_S, BLOOP_KEY_NONE, 0}};
  bloop_model *m = model_of("Order", "orders", ocols, 3);
  bloop_error err = BLOOP_ERROR_INIT;
  if (!CHECK(m != NULL)) return;
  bloop_arena a = BLOOP_ARENA_INIT;
  const char *texts[] = {"{\"b\":{\"S\":\"x\"},\"attr_a\":{\"N\":\"1\"},\"id\":{\"S\":\"k1\"}}",
                         "{\"id\":{\"S\":\"k2\"},\"b\":{\"S\":\"y\"},\"attr_a\":{\"N\":\"2\"}}",
                         "{\"id\":{\"S\":\"k3\"},\"a\":{\"N\":\"3\"}}"};
  bloop_value v[3];
  bloop_batch_item items[3];
  memset(items, 0, sizeof items);
  for (int i = 0; i < 3; i++) {
    CHECK(bloop_item_from_json(texts[i], strlen(texts[i]), &a, &v[i], &err) == BLOOP_OK);
    items[i].model = m;
    items[i].item = &v[i];
  }
  bloop_buf out = BLOOP_BUF_INIT;
  CHECK_MSG(bloop_engine_explain_batch(NULL, items, 2, 0, &out, &err) == BLOOP_OK, err.message);
  bloop_buf_free(&out);
  /* a model name, not the attribute name, is no column */
  CHECK(bloop_engine_explain_batch(NULL, items, 3, 0, &out, &err) == BLOOP_EINVAL);
  CHECK_MSG(strstr(err.message, "attribute \"a\" is not a column") != NULL, err.message);
  bloop_buf_free(&out);
  bloop_arena_free(&a);
  bloop_model_release(m);
}

/* One GetItem, text_only or not: status, outcome, and the error's code and message. */
static bloop_status load_once(bloop_model *m, const char *answer, int text_only,
                              bloop_load_op *op, bloop_arena *a, bloop_error *err) {
  canned c = {NULL, NULL, NULL, 0, 0, answer};
  bloop_engine *e = make_engine(&c);
  bloop_value key;
  bloop_value_set_map(&key, a, 1, NULL);
  bloop_value *id = bloop_value_map_add(&key, a, "id", 2);
  bloop_value_set_s(id, a, "k1", 2, NULL);
  memset(op, 0, sizeof *op);
  op->model = m;
  bloop_value *kept = bloop_arena_alloc(a, sizeof *kept);
  *kept = key;
  op->key = kept;
  op->text_only = text_only;
  bloop_status st = bloop_engine_load(e, op, 1, 0, a, NULL, err);
  bloop_engine_free(e);
  return st;
}

/* text_only (what the Lua binding asks for): a found item's text is kept whole and only
 * its key is read; bloop_load_op_read reads the rest later and fails as a whole read would
 * have, so the two ways report the same for every answer. */
static void test_load_text_only(bloop_model *m) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_load_op op;
  bloop_error err = BLOOP_ERROR_INIT;
  const char *item = "{\"n\":{\"N\":\"5\"},\"id\":{\"S\":\"k1\"},\"x\":{\"L\":[{\"S\":\"a\\\"}\"}]}}";
  char answer[256];
  snprintf(answer, sizeof answer, "{\"Item\": %s, \"ConsumedCapacity\":{}}", item);
  CHECK(load_once(m, answer, 1, &op, &a, &err) == BLOOP_OK);
  CHECK(op.outcome == BLOOP_BATCH_FOUND);
  CHECK(bloop_value_count(&op.item) == 1);            /* the key only */
  CHECK(op.item_json && op.item_json_len == strlen(item) &&
        memcmp(op.item_json, item, op.item_json_len) == 0);
  CHECK(bloop_load_op_read(&op, &a, &err) == BLOOP_OK);
  CHECK(bloop_value_count(&op.item) == 3);
  const bloop_value *x = bloop_value_get(&op.item, "x", 1);
  CHECK(x && x->type == BLOOP_TYPE_L && x->u.list.count == 1);

  /* a value the reader refuses, outside the key: the same error either way */
  const char *bad = "{\"Item\":{\"id\":{\"S\":\"k1\"},\"n\":{\"N\":\"seven\"}}}";
  bloop_error whole = BLOOP_ERROR_INIT;
  CHECK(load_once(m, bad, 0, &op, &a, &whole) == BLOOP_EPROTOCOL);
  CHECK(strcmp(whole.code, "BadResponse") == 0);
  CHECK(load_once(m, bad, 1, &op, &a, &err) == BLOOP_OK && op.outcome == BLOOP_BATCH_FOUND);
  CHECK(bloop_load_op_read(&op, &a, &err) == BLOOP_EPROTOCOL);
  CHECK(strcmp(err.code, whole.code) == 0);
  if (!CHECK(strcmp(err.message, whole.message) == 0))
    tap_note("text_only: %s / whole: %s", err.message, whole.message);

  /* an item with another key is refused before anything is read from it */
  const char *other = "{\"Item\":{\"id\":{\"S\":\"k2\"},\"n\":{\"N\":\"1\"}}}";
  CHECK(load_once(m, other, 1, &op, &a, &err) == BLOOP_EPROTOCOL);
  CHECK(strcmp(err.code, "BadResponse") == 0 && strstr(err.message, "without the key asked for"));
  /* a bad key value is read, and refused, as ever */
  const char *badkey = "{\"Item\":{\"id\":{\"S\":1}}}";
  CHECK(load_once(m, badkey, 1, &op, &a, &err) == BLOOP_EPROTOCOL);
  CHECK(strcmp(err.code, "BadResponse") == 0);
  /* brackets that never close: no item */
  const char *cut = "{\"Item\":{\"id\":{\"S\":\"k1\"},\"n\":{\"N\":\"5\"}";
  CHECK(load_once(m, cut, 1, &op, &a, &err) == BLOOP_EPROTOCOL);
  /* no Item: missing, text_only or not */
  CHECK(load_once(m, "{}", 1, &op, &a, &err) == BLOOP_OK && op.outcome == BLOOP_BATCH_MISSING);
  /* an op that holds no text is refused */
  CHECK(bloop_load_op_read(&op, &a, &err) == BLOOP_EINVAL);
  bloop_arena_free(&a);
}

int main(void) {
  bloop_model *m = make_model();
  if (CHECK(m != NULL)) {
    test_bind_without_status(m);
    test_scan_same_key(m);
    test_scan_member_twice(m);
    test_load_text_only(m);
  }
  test_batch_same_key();
  test_batch_any_order();
  bloop_model_release(m);
  return tap_done();
}
