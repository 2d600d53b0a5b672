/*
 * model_demo.c: the engine from C, without Lua. Declares a model with a global secondary
 * index, binds it (creating the table), saves two items, loads one back, queries the
 * index, deletes an item with a condition that fails and then one that holds, and drops
 * the table. The endpoint comes from BLOOP_DYNALITE_ENDPOINT (any DynamoDB-compatible
 * server; scripts/servers start dynalite).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bloop/engine.h"

static void put_s(bloop_value *item, bloop_arena *a, const char *name, const char *s) {
  bloop_value_set_s(bloop_value_map_put(item, a, name, strlen(name)), a, s, strlen(s), NULL);
}

static void put_n(bloop_value *item, bloop_arena *a, const char *name, const char *n) {
  bloop_value_set_n(bloop_value_map_put(item, a, name, strlen(name)), a, n, strlen(n), NULL);
}

static int fail(const char *what, const bloop_error *err) {
  fprintf(stderr, "model_demo: %s: %s (%s): %s\n", what, bloop_status_name(err->status),
          err->code, err->message);
  return 1;
}

int main(void) {
  const char *endpoint = getenv("BLOOP_DYNALITE_ENDPOINT");
  if (!endpoint || !*endpoint) {
    fprintf(stderr, "model_demo: set BLOOP_DYNALITE_ENDPOINT (scripts/servers start dynalite)\n");
    return 1;
  }
  char table[64];
  snprintf(table, sizeof table, "model-demo-%ld", (long)getpid());

  bloop_error err = BLOOP_ERROR_INIT;
  bloop_client_config cfg;
  bloop_client_config_init(&cfg);
  cfg.aws.endpoint = endpoint;
  cfg.aws.region = "us-east-1";
  cfg.aws.access_key_id = "local";
  cfg.aws.secret_access_key = "local";
  bloop_client *client = NULL;
  if (bloop_client_new(&cfg, &client, &err)) return fail("client", &err);

  /* Tweet: account (hash), id (range), text, likes; index by_likes on likes. */
  static const bloop_column_decl cols[] = {
      {"account", NULL, BLOOP_TYPE_S, BLOOP_KEY_HASH, 0},
      {"id", NULL, BLOOP_TYPE_S, BLOOP_KEY_RANGE, 0},
      {"text", NULL, BLOOP_TYPE_S, BLOOP_KEY_NONE, 0},
      {"likes", NULL, BLOOP_TYPE_N, BLOOP_KEY_NONE, 0},
  };
  static const bloop_index_decl idx[] = {
      {BLOOP_INDEX_GSI, "by_likes", NULL, "likes", NULL, BLOOP_PROJECTION_KEYS, NULL, 0, 0, 0},
  };
  bloop_model_decl decl;
  memset(&decl, 0, sizeof decl);
  decl.name = "Tweet";
  decl.meta.table_name = table;
  decl.meta.billing = BLOOP_BILLING_ON_DEMAND;
  decl.columns = cols;
  decl.column_count = 4;
  decl.indexes = idx;
  decl.index_count = 1;
  bloop_model *tweet = NULL;
  if (bloop_model_new(&decl, &tweet, &err)) return fail("model", &err);

  bloop_session session = bloop_session_native(client, NULL);
  bloop_engine *engine = NULL;
  if (bloop_engine_new(&session, NULL, &engine, &err)) return fail("engine", &err);
  int rc = 1;
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_search *s = NULL;
  bloop_cond *key = NULL, *cond = NULL;

  bloop_bind_report report;
  if (bloop_engine_bind(engine, tweet, 0, &report, &err)) {
    fail("bind", &err);
    goto out;
  }
  printf("bind: %s\n", report.created ? "created" : "validated");
  bloop_bind_report_clear(&report);

  const char *ids[2] = {"1", "2"}, *likes[2] = {"10", "20"};
  bloop_value items[2];
  for (int i = 0; i < 2; i++) {
    bloop_value_set_map(&items[i], &a, 4, NULL);
    put_s(&items[i], &a, "account", "@bloop");
    put_s(&items[i], &a, "id", ids[i]);
    put_s(&items[i], &a, "text", i ? "second" : "hello from C");
    put_n(&items[i], &a, "likes", likes[i]);
    bloop_write_args w;
    memset(&w, 0, sizeof w);
    w.model = tweet;
    w.item = &items[i];
    if (bloop_engine_save(engine, &w, NULL, NULL, &err)) {
      fail("save", &err);
      goto out;
    }
  }
  printf("save: 2 items\n");

  bloop_load_op load;
  memset(&load, 0, sizeof load);
  load.model = tweet;
  load.key = &items[0];
  size_t missing = 0;
  if (bloop_engine_load(engine, &load, 1, 1, &a, &missing, &err)) {
    fail("load", &err);
    goto out;
  }
  const bloop_value *text = bloop_value_get(&load.item, "text", 4);
  printf("load: %s text=%s\n", bloop_batch_outcome_name(load.outcome),
         text ? text->u.bytes.ptr : "(none)");

  bloop_value v;
  bloop_value_set_n(&v, &a, "20", 2, NULL);
  bloop_path_elem el = {"likes", 5, 0};
  bloop_path p = {&el, 1, "Tweet.likes"};
  bloop_operand o = {NULL, &v};
  if (bloop_cond_leaf(BLOOP_COND_EQ, &p, &o, 1, &key, &err)) {
    fail("condition", &err);
    goto out;
  }
  bloop_search_args q;
  memset(&q, 0, sizeof q);
  q.mode = BLOOP_SEARCH_QUERY;
  q.model = tweet;
  q.index = "by_likes";
  q.key = key;
  if (bloop_search_new(engine, &q, &s, &err)) {
    fail("query", &err);
    goto out;
  }
  const bloop_value *it;
  for (;;) {
    if (bloop_search_next(s, &it, &err)) {
      fail("query", &err);
      goto out;
    }
    if (!it) break;
    printf("query: id=%s\n", bloop_value_get(it, "id", 2)->u.bytes.ptr);
  }
  printf("query: count=%zu\n", bloop_search_count(s));

  /* delete with a condition that does not hold, then without */
  bloop_value other;
  bloop_value_set_s(&other, &a, "nope", 4, NULL);
  bloop_path_elem tel = {"text", 4, 0};
  bloop_path tp = {&tel, 1, "Tweet.text"};
  bloop_operand to = {NULL, &other};
  bloop_cond_leaf(BLOOP_COND_EQ, &tp, &to, 1, &cond, &err);
  bloop_write_args d;
  memset(&d, 0, sizeof d);
  d.model = tweet;
  d.item = &items[0];
  d.condition = cond;
  bloop_status st = bloop_engine_delete(engine, &d, NULL, NULL, &err);
  printf("delete: %s\n", st ? err.code : "ok");
  d.condition = NULL;
  if (bloop_engine_delete(engine, &d, NULL, NULL, &err)) {
    fail("delete", &err);
    goto out;
  }
  if (bloop_engine_load(engine, &load, 1, 1, &a, &missing, &err)) {
    fail("load", &err);
    goto out;
  }
  printf("delete: ok, load after: %s\n", bloop_batch_outcome_name(load.outcome));
  printf("model_demo: ok\n");
  rc = 0;
out:
  bloop_search_free(s);
  bloop_cond_release(key);
  bloop_cond_release(cond);
  {
    char body[128];
    snprintf(body, sizeof body, "{\"TableName\":\"%s\"}", table);
    bloop_buf resp = BLOOP_BUF_INIT;
    bloop_client_call(client, "DeleteTable", body, strlen(body), &resp, &err);
    bloop_buf_free(&resp);
  }
  bloop_arena_free(&a);
  bloop_engine_free(engine);
  bloop_model_release(tweet);
  bloop_client_free(client);
  return rc;
}
