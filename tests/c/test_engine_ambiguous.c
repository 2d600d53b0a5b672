/*
 * test_engine_ambiguous.c: save and delete when a condition fails after an attempt whose
 * answer was lost (bloop_error.ambiguous), from a session whose call function plays the
 * server (no network): the write's failure answer (with or without the stored Item), the
 * flag, and GetItem's answer are scripted per case. The engine must settle the write as
 * applied exactly when the stored item shows it, and otherwise keep the condition failure
 * with the flag and its attempts.
 */
#include <stdio.h>
#include <string.h>

#include "bloop/engine.h"
#include "tap.h"

#define CCF "ConditionalCheckFailedException"

/* The scripted server: what the write and GetItem answer, and what they were sent. */
typedef struct script {
  int fail;               /* the write fails its condition (else it succeeds with "{}") */
  int ambiguous;          /* ... after an attempt whose answer was lost */
  const char *failure;    /* the failure's answer body */
  const char *get;        /* GetItem's answer; NULL: GetItem fails */
  int writes, gets;
  char write_body[2048], get_body[512];
} script;

static bloop_status scripted(void *ud, bloop_service sv, const char *op, const char *body,
                             size_t len, bloop_buf *resp, bloop_error *err) {
  script *s = ud;
  (void)sv;
  if (strcmp(op, "GetItem") == 0) {
    s->gets++;
    snprintf(s->get_body, sizeof s->get_body, "%.*s", (int)len, body);
    if (!s->get) {
      bloop_error_set(err, BLOOP_ESERVICE, "InternalServerError", "injected");
      err->attempts = 4;
      return BLOOP_ESERVICE;
    }
    bloop_buf_puts(resp, s->get);
    return BLOOP_OK;
  }
  s->writes++;
  snprintf(s->write_body, sizeof s->write_body, "%.*s", (int)len, body);
  if (!s->fail) {
    bloop_buf_puts(resp, "{}");
    return BLOOP_OK;
  }
  bloop_buf_puts(resp, s->failure ? s->failure : "");
  bloop_error_set(err, BLOOP_ESERVICE, CCF, "The conditional request failed");
  err->http_status = 400;
  err->attempts = s->ambiguous ? 2 : 1;
  err->ambiguous = s->ambiguous;
  return BLOOP_ESERVICE;
}

static bloop_arena A = BLOOP_ARENA_INIT;  /* test values; freed at exit */

static bloop_value *item(const char *json) {
  bloop_value *v = bloop_arena_calloc(&A, 1, sizeof *v);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_item_from_json(json, strlen(json), &A, v, &err)) tap_note("item: %s", err.message);
  return v;
}

static bloop_model *make_model(int versioned) {
  static const bloop_column_decl cols[] = {
      {"id", NULL, BLOOP_TYPE_S, BLOOP_KEY_HASH, 0},
      {"n", NULL, BLOOP_TYPE_N, BLOOP_KEY_NONE, 0},
      {"s", NULL, BLOOP_TYPE_S, BLOOP_KEY_NONE, 0},
      {"rev", NULL, BLOOP_TYPE_N, BLOOP_KEY_NONE, 1},
  };
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = versioned ? "Versioned" : "Thing";
  d.meta.table_name = "things";
  d.columns = cols;
  d.column_count = versioned ? 4 : 3;
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&d, &m, &err)) tap_note("model: %s", err.message);
  return m;
}

/* attribute_not_exists(s): the condition of the saves below; one reference. */
static bloop_cond *s_missing(void) {
  bloop_path_elem el = {"s", 1, 0};
  bloop_path p = {&el, 1, NULL};
  bloop_cond *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_leaf(BLOOP_COND_NOT_EXISTS, &p, NULL, 0, &c, &err)) tap_note("%s", err.message);
  return c;
}

typedef struct outcome {
  bloop_status st;
  bloop_error err;
  bloop_write_result res;
} outcome;

static outcome run(script *s, const bloop_write_args *a, int del) {
  bloop_session ses = {scripted, NULL, s, NULL, NULL};
  bloop_engine *e = NULL;
  outcome o;
  memset(&o, 0, sizeof o);
  bloop_error_clear(&o.err);
  if (bloop_engine_new(&ses, NULL, &e, &o.err)) {
    o.st = o.err.status;
    return o;
  }
  o.st = del ? bloop_engine_delete(e, a, &o.res, &A, &o.err)
             : bloop_engine_save(e, a, &o.res, &A, &o.err);
  bloop_engine_free(e);
  return o;
}

static const char ASK[] = "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"";
static const char MINE[] = "{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"s\":{\"S\":\"mine\"}}";
static const char THEIRS[] = "{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"s\":{\"S\":\"theirs\"}}";

static void failure_with(char *out, size_t n, const char *stored) {
  snprintf(out, n, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\",\"message\":\"The "
           "conditional request failed\",\"Item\":%s}", CCF, stored);
}

/* Only a conditional write asks for the item with its failure; the ask is in the first
 * attempt's body, since a retry resends those bytes. */
static void test_request(bloop_model *m) {
  bloop_cond *c = s_missing();
  bloop_write_args a = {m, item(MINE), NULL, NULL, 0, c, 0, BLOOP_SYNC_NONE, NULL, 0, 0};
  script s = {0};
  outcome o = run(&s, &a, 0);
  CHECK(o.st == BLOOP_OK && strstr(s.write_body, ASK) != NULL);
  a.condition = NULL;
  o = run(&s, &a, 0);
  CHECK(o.st == BLOOP_OK && strstr(s.write_body, ASK) == NULL);
  bloop_buf ex = BLOOP_BUF_INIT;
  a.condition = c;
  CHECK(bloop_engine_explain_save(NULL, &a, &ex, &o.err) == BLOOP_OK);
  CHECK_MSG(ex.data && strstr(ex.data, ASK), "explain shows the ask");
  bloop_buf_free(&ex);
  bloop_cond_release(c);
}

static void test_save(bloop_model *m) {
  char fail_mine[512], fail_theirs[512];
  failure_with(fail_mine, sizeof fail_mine, MINE);
  failure_with(fail_theirs, sizeof fail_theirs, THEIRS);
  bloop_cond *c = s_missing();
  bloop_write_args a = {m, item(MINE), NULL, NULL, 0, c, 0, BLOOP_SYNC_NONE, NULL, 0, 0};

  /* the failure's answer holds the item this save wrote: it was applied */
  script s = {1, 1, fail_mine, NULL, 0, 0, "", ""};
  outcome o = run(&s, &a, 0);
  CHECK_MSG(o.st == BLOOP_OK, o.err.message);
  CHECK(o.res.reconciled == 1 && o.err.status == BLOOP_OK && !o.err.ambiguous);
  CHECK(s.gets == 0);

  /* the item is someone else's: the condition failure stands, flagged */
  script t = {1, 1, fail_theirs, NULL, 0, 0, "", ""};
  o = run(&t, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.res.reconciled == 0);
  CHECK_STR(o.err.code, "ConstraintViolation");
  CHECK(o.err.ambiguous == 1 && o.err.attempts == 2 && o.err.http_status == 400);
  CHECK_MSG(strncmp(o.err.message, "Thing save: The conditional request failed (an earlier "
                    "attempt, whose answer was lost, may have been applied: the stored item "
                    "is not what this save writes)", 200) == 0, o.err.message);

  /* not ambiguous: nothing is read back, the error has no flag */
  script u = {1, 0, fail_mine, MINE, 0, 0, "", ""};
  o = run(&u, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && !o.err.ambiguous && o.err.attempts == 1 && u.gets == 0);
  CHECK_STR(o.err.message, "Thing save: The conditional request failed");

  /* no Item in the answer (dynalite; or no item at all): a consistent GetItem settles it */
  char get_mine[256];
  snprintf(get_mine, sizeof get_mine, "{\"Item\":%s}", MINE);
  script v = {1, 1, "{\"__type\":\"" CCF "\"}", get_mine, 0, 0, "", ""};
  o = run(&v, &a, 0);
  CHECK_MSG(o.st == BLOOP_OK && o.res.reconciled, o.err.message);
  CHECK(v.gets == 1 && strstr(v.get_body, "\"ConsistentRead\":true") &&
        strstr(v.get_body, "\"Key\":{\"id\":{\"S\":\"a\"}}"));
  script w = {1, 1, "", "{}", 0, 0, "", ""};   /* no item: nothing was written */
  o = run(&w, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous && w.gets == 1);

  /* reading it back fails: the failure stands, saying why no more is known */
  script x = {1, 1, "not json", NULL, 0, 0, "", ""};
  o = run(&x, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous && o.err.attempts == 2);
  CHECK_STR(o.err.code, "ConstraintViolation");
  CHECK_MSG(strstr(o.err.message, "reading the item back failed: InternalServerError"),
            o.err.message);

  /* sync "new": the stored item is the answer; "old": unknown, none */
  a.sync = BLOOP_SYNC_NEW;
  script y = {1, 1, fail_mine, NULL, 0, 0, "", ""};
  o = run(&y, &a, 0);
  CHECK(o.st == BLOOP_OK && o.res.has_attributes &&
        bloop_value_equal(&o.res.attributes, item(MINE)));
  a.sync = BLOOP_SYNC_OLD;
  o = run(&y, &a, 0);
  CHECK(o.st == BLOOP_OK && !o.res.has_attributes);
  a.sync = BLOOP_SYNC_NONE;

  /* a column the save REMOVEs must be gone; one it does not write may hold anything */
  a.previous = item("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"},\"s\":{\"S\":\"old\"}}");
  a.item = item("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"}}");   /* REMOVE s; n unchanged */
  char fail_removed[512];
  failure_with(fail_removed, sizeof fail_removed, "{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"8\"}}");
  script z = {1, 1, fail_removed, NULL, 0, 0, "", ""};
  o = run(&z, &a, 0);
  CHECK_MSG(o.st == BLOOP_OK, "n was not written by this save");
  failure_with(fail_removed, sizeof fail_removed, THEIRS);
  o = run(&z, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous);

  /* a save that writes nothing leaves no trace: never taken as applied */
  a.item = a.previous;
  failure_with(fail_removed, sizeof fail_removed, "{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"},"
               "\"s\":{\"S\":\"old\"}}");
  o = run(&z, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous);
  bloop_cond_release(c);
}

static void test_version_and_actions(bloop_model *vm) {
  /* a first save: rev attribute_not_exists, SET rev = 1 */
  bloop_write_args a = {vm, item("{\"id\":{\"S\":\"a\"},\"s\":{\"S\":\"mine\"}}"), NULL, NULL, 0,
                        NULL, 0, BLOOP_SYNC_NONE, NULL, 0, 0};
  char fail[512];
  failure_with(fail, sizeof fail, "{\"id\":{\"S\":\"a\"},\"s\":{\"S\":\"mine\"},\"rev\":{\"N\":\"1\"}}");
  script s = {1, 1, fail, NULL, 0, 0, "", ""};
  outcome o = run(&s, &a, 0);
  CHECK_MSG(o.st == BLOOP_OK && o.res.reconciled, o.err.message);
  CHECK(o.res.version.type == BLOOP_TYPE_N && strcmp(o.res.version.u.bytes.ptr, "1") == 0);
  /* another writer got there with the same values but a later version */
  failure_with(fail, sizeof fail, "{\"id\":{\"S\":\"a\"},\"s\":{\"S\":\"mine\"},\"rev\":{\"N\":\"2\"}}");
  o = run(&s, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous);

  /* an update action: what it leaves is DynamoDB's to compute, never checked */
  bloop_value one;
  bloop_value_set_n(&one, &A, "1", 1, NULL);
  bloop_write_action acts[] = {{"n", BLOOP_ACTION_ADD, &one}};
  a.item = item("{\"id\":{\"S\":\"a\"}}");
  a.actions = acts;
  a.action_count = 1;
  failure_with(fail, sizeof fail, "{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"rev\":{\"N\":\"1\"}}");
  o = run(&s, &a, 0);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous);
  CHECK_MSG(strstr(o.err.message, "an update action's result cannot be checked"), o.err.message);
}

static void test_delete(bloop_model *m) {
  bloop_cond *c = s_missing();
  bloop_write_args a = {m, item("{\"id\":{\"S\":\"a\"}}"), NULL, NULL, 0, c, 0, BLOOP_SYNC_OLD,
                        NULL, 0, 0};
  /* gone: the delete was applied (sync "old": the answer that held the item was lost) */
  script s = {1, 1, "{\"__type\":\"" CCF "\"}", "{}", 0, 0, "", ""};
  outcome o = run(&s, &a, 1);
  CHECK_MSG(o.st == BLOOP_OK && o.res.reconciled && !o.res.has_attributes, o.err.message);
  CHECK(s.gets == 1);
  /* still there */
  char fail[512];
  failure_with(fail, sizeof fail, THEIRS);
  script t = {1, 1, fail, NULL, 0, 0, "", ""};
  o = run(&t, &a, 1);
  CHECK(o.st == BLOOP_ESERVICE && o.err.ambiguous && t.gets == 0);
  CHECK_MSG(strstr(o.err.message, "Thing delete: The conditional request failed") &&
            strstr(o.err.message, "the item is still there"), o.err.message);
  bloop_cond_release(c);
}

/* A caller passing no error record still gets the settlement: the engine keeps the flag
 * in a record of its own. */
static void test_no_error_record(bloop_model *m) {
  char fail[512];
  failure_with(fail, sizeof fail, MINE);
  bloop_cond *c = s_missing();
  bloop_write_args a = {m, item(MINE), NULL, NULL, 0, c, 0, BLOOP_SYNC_NONE, NULL, 0, 0};
  script s = {1, 1, fail, NULL, 0, 0, "", ""};
  bloop_session ses = {scripted, NULL, &s, NULL, NULL};
  bloop_engine *e = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (CHECK(bloop_engine_new(&ses, NULL, &e, &err) == BLOOP_OK)) {
    CHECK(bloop_engine_save(e, &a, NULL, NULL, NULL) == BLOOP_OK);
    bloop_engine_free(e);
  }
  bloop_cond_release(c);
}

int main(void) {
  bloop_model *m = make_model(0), *vm = make_model(1);
  if (CHECK(m && vm)) {
    test_request(m);
    test_save(m);
    test_version_and_actions(vm);
    test_delete(m);
    test_no_error_record(m);
  }
  bloop_model_release(m);
  bloop_model_release(vm);
  bloop_arena_free(&A);
  return tap_done();
}
