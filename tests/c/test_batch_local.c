/*
 * test_batch_local.c: the batch executor (batch.h) against a real dynalite, whose endpoint
 * the test command puts in BLOOP_DYNALITE_ENDPOINT (scripts/servers start dynalite). A
 * missing endpoint is a failure, not a skip. Creates three tables (names with the pid):
 * writes 1,040 items in one batch (42+ requests, several in flight), reads them all back
 * with duplicates, missing keys, a projection and swapped range keys ((x,y) and (y,x) both
 * exist: answers must be matched by attribute name), deletes half, and checks what is left.
 * A numeric range key shows that "1" and "1.0" are one key.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bloop/batch.h"
#include "tap.h"

static char t_hash[64], t_range[64], t_num[64];

static bloop_status callf(bloop_client *c, const char *op, bloop_buf *resp, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));

static bloop_status callf(bloop_client *c, const char *op, bloop_buf *resp, const char *fmt,
                          ...) {
  char body[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_client_call(c, op, body, strlen(body), resp, &err);
  if (st) tap_note("%s: %s: %s: %s", op, bloop_status_name(st), err.code, err.message);
  return st;
}

static int create_table(bloop_client *c, const char *name, const char *h, const char *r,
                        const char *rtype) {
  bloop_buf resp = BLOOP_BUF_INIT;
  char attrs[256], keys[256];
  if (r) {
    snprintf(attrs, sizeof attrs,
             "{\"AttributeName\":\"%s\",\"AttributeType\":\"S\"},"
             "{\"AttributeName\":\"%s\",\"AttributeType\":\"%s\"}", h, r, rtype);
    snprintf(keys, sizeof keys,
             "{\"AttributeName\":\"%s\",\"KeyType\":\"HASH\"},"
             "{\"AttributeName\":\"%s\",\"KeyType\":\"RANGE\"}", h, r);
  } else {
    snprintf(attrs, sizeof attrs, "{\"AttributeName\":\"%s\",\"AttributeType\":\"S\"}", h);
    snprintf(keys, sizeof keys, "{\"AttributeName\":\"%s\",\"KeyType\":\"HASH\"}", h);
  }
  int ok = callf(c, "CreateTable", &resp,
                 "{\"TableName\":\"%s\",\"AttributeDefinitions\":[%s],\"KeySchema\":[%s],"
                 "\"BillingMode\":\"PAY_PER_REQUEST\"}", name, attrs, keys) == BLOOP_OK;
  for (int i = 0; ok && i < 200; i++) {
    if (callf(c, "DescribeTable", &resp, "{\"TableName\":\"%s\"}", name)) break;
    if (strstr(resp.data, "\"TableStatus\":\"ACTIVE\"")) break;
    usleep(20 * 1000);
  }
  ok = ok && resp.data && strstr(resp.data, "\"TableStatus\":\"ACTIVE\"");
  bloop_buf_free(&resp);
  return ok;
}

static void delete_table(bloop_client *c, const char *name) {
  bloop_buf resp = BLOOP_BUF_INIT;
  callf(c, "DeleteTable", &resp, "{\"TableName\":\"%s\"}", name);
  bloop_buf_free(&resp);
}

static void put_s(bloop_value *m, bloop_arena *a, const char *name, const char *s) {
  bloop_value_set_s(bloop_value_map_put(m, a, name, strlen(name)), a, s, strlen(s), NULL);
}

static void put_n(bloop_value *m, bloop_arena *a, const char *name, long n) {
  char num[32];
  snprintf(num, sizeof num, "%ld", n);
  bloop_value_set_n(bloop_value_map_put(m, a, name, strlen(name)), a, num, strlen(num), NULL);
}

static long get_n(const bloop_value *item, const char *name) {
  const bloop_value *v = bloop_value_get(item, name, strlen(name));
  size_t len;
  const char *s = v ? bloop_value_bytes(v, &len) : NULL;
  return s && v->type == BLOOP_TYPE_N ? strtol(s, NULL, 10) : -1;
}

static const char *get_s(const bloop_value *item, const char *name) {
  const bloop_value *v = bloop_value_get(item, name, strlen(name));
  size_t len;
  return v && v->type == BLOOP_TYPE_S ? bloop_value_bytes(v, &len) : NULL;
}

enum { NH = 1000, NR = 20 };

/* tags: 0..999 items of t_hash; 1000 + 2j: (h=x<j>, r=y<j>); 1001 + 2j: (h=y<j>, r=x<j>) */
static void roundtrip(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table th = {t_hash, "pk", NULL, 0, NULL, NULL};
  bloop_batch_table tr = {t_range, "h", "r", 0, NULL, NULL};
  size_t nw = NH + 2 * NR;
  bloop_value *items = bloop_arena_calloc(&a, nw, sizeof *items);
  bloop_batch_write_op *w = calloc(nw, sizeof *w);
  for (size_t i = 0; i < NH; i++) {
    char pk[16];
    snprintf(pk, sizeof pk, "k%04zu", i);
    bloop_value_set_map(&items[i], &a, 3, NULL);
    put_s(&items[i], &a, "pk", pk);
    put_n(&items[i], &a, "v", (long)i);
    put_s(&items[i], &a, "s", "payload that the projection leaves out");
  }
  for (size_t j = 0; j < NR; j++) {
    char x[16], y[16];
    snprintf(x, sizeof x, "x%zu", j);
    snprintf(y, sizeof y, "y%zu", j);
    bloop_value *p = &items[NH + 2 * j], *q = &items[NH + 2 * j + 1];
    bloop_value_set_map(p, &a, 3, NULL);
    put_s(p, &a, "h", x);
    put_s(p, &a, "r", y);
    put_n(p, &a, "v", (long)(NH + 2 * j));
    bloop_value_set_map(q, &a, 3, NULL);
    put_s(q, &a, "r", x);   /* member order differs too: names decide, not positions */
    put_s(q, &a, "h", y);
    put_n(q, &a, "v", (long)(NH + 2 * j + 1));
  }
  /* range-table items first, so one request carries both tables */
  for (size_t i = 0; i < nw; i++) {
    size_t k = (i + NH) % nw;
    w[i].table = k < NH ? &th : &tr;
    w[i].kind = BLOOP_BATCH_PUT;
    w[i].item = &items[k];
    w[i].tag = (void *)(uintptr_t)k;
  }
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_write(c, NULL, w, nw, &st, &err) == BLOOP_OK);
  tap_note("write: %zu requests, peak %d in flight, %zu resends, %zu done, %zu failed",
           st.requests, st.peak_in_flight, st.resends, st.done, st.failed);
  CHECK(st.done == nw && st.failed == 0 && st.unprocessed == 0);
  CHECK(st.requests >= 42);
  CHECK_MSG(st.peak_in_flight >= 2, "several requests in flight at once");
  for (size_t i = 0; i < nw && st.failed; i++)
    if (w[i].outcome == BLOOP_BATCH_FAILED) {
      tap_note("op %zu: %s: %s", i, w[i].error.code, w[i].error.message);
      break;
    }

  /* Read back: every key, 10 duplicates, 10 missing, swapped keys; a projection on t_hash
   * that omits the key (it is added), ConsistentRead on t_range. */
  static const char *const names[] = {"#v", "v", NULL};
  bloop_batch_table gh = {t_hash, "pk", NULL, 0, "#v", names};
  bloop_batch_table gr = {t_range, NULL, NULL, 1, NULL, NULL};   /* key names from the keys */
  size_t ng = nw + 10 + 10;
  bloop_value *keys = bloop_arena_calloc(&a, ng, sizeof *keys);
  bloop_batch_get_op *g = calloc(ng, sizeof *g);
  for (size_t i = 0; i < ng; i++) {
    size_t k = i < nw ? i : i < nw + 10 ? (i - nw) * 97 : 0;
    bloop_value_set_map(&keys[i], &a, 2, NULL);
    if (i >= nw + 10) {
      char pk[16];
      snprintf(pk, sizeof pk, "nope%zu", i);
      put_s(&keys[i], &a, "pk", pk);
      g[i].table = &gh;
      g[i].tag = (void *)(uintptr_t)SIZE_MAX;
    } else if (k < NH) {
      put_s(&keys[i], &a, "pk", get_s(&items[k], "pk"));
      g[i].table = &gh;
      g[i].tag = (void *)(uintptr_t)k;
    } else {
      put_s(&keys[i], &a, "h", get_s(&items[k], "h"));
      put_s(&keys[i], &a, "r", get_s(&items[k], "r"));
      g[i].table = &gr;
      g[i].tag = (void *)(uintptr_t)k;
    }
    g[i].key = &keys[i];
  }
  /* reverse so requests mix the tables */
  for (size_t i = 0; i < ng / 2; i++) {
    bloop_batch_get_op tmp = g[i];
    g[i] = g[ng - 1 - i];
    g[ng - 1 - i] = tmp;
  }
  bloop_arena out = BLOOP_ARENA_INIT;
  CHECK(bloop_batch_get(c, NULL, g, ng, &out, &st, &err) == BLOOP_OK);
  tap_note("get: %zu requests, %zu unique keys, %zu found, %zu missing", st.requests,
           st.unique_keys, st.found, st.missing);
  CHECK(st.unique_keys == nw + 10);
  CHECK(st.found == nw + 10 && st.missing == 10 && st.failed == 0 && st.unprocessed == 0);
  CHECK(st.requests >= 11);
  int right = 1, projected = 1;
  for (size_t i = 0; i < ng; i++) {
    uintptr_t k = (uintptr_t)g[i].tag;
    if (k == (uintptr_t)SIZE_MAX) {
      right &= g[i].outcome == BLOOP_BATCH_MISSING;
      continue;
    }
    if (g[i].outcome != BLOOP_BATCH_FOUND || get_n(&g[i].item, "v") != (long)k) {
      right = 0;
      tap_note("get tag %zu: %s v=%ld", (size_t)k, bloop_batch_outcome_name(g[i].outcome),
               get_n(&g[i].item, "v"));
      continue;
    }
    if (k < NH) {
      projected &= bloop_value_get(&g[i].item, "s", 1) == NULL &&
                   bloop_value_equal(bloop_value_get(&g[i].item, "pk", 2),
                                     bloop_value_get(&items[k], "pk", 2));
    } else {
      right &= bloop_value_equal(&g[i].item, &items[k]);
    }
  }
  CHECK_MSG(right, "every key got its own item ((x,y) and (y,x) not confused), missing ones "
                   "missing, duplicates answered");
  CHECK_MSG(projected, "projection honoured, key attribute added");
  bloop_arena_free(&out);

  /* delete the even items of t_hash and every (y,x) of t_range */
  size_t nd = 0;
  bloop_batch_write_op *d = calloc(nw, sizeof *d);
  bloop_value *dkeys = bloop_arena_calloc(&a, nw, sizeof *dkeys);
  for (size_t i = 0; i < nw; i++) {
    if (i < NH ? i % 2 : i % 2 == 0) continue;
    bloop_value_set_map(&dkeys[nd], &a, 2, NULL);
    if (i < NH) {
      put_s(&dkeys[nd], &a, "pk", get_s(&items[i], "pk"));
    } else {
      put_s(&dkeys[nd], &a, "h", get_s(&items[i], "h"));
      put_s(&dkeys[nd], &a, "r", get_s(&items[i], "r"));
    }
    d[nd].table = i < NH ? &th : &tr;
    d[nd].kind = BLOOP_BATCH_DELETE;
    d[nd].item = &dkeys[nd];
    d[nd].tag = (void *)(uintptr_t)i;
    nd++;
  }
  CHECK(bloop_batch_write(c, NULL, d, nd, &st, &err) == BLOOP_OK);
  CHECK(nd == NH / 2 + NR && st.done == nd);

  /* what is left: odd t_hash items and the (x,y) items */
  for (size_t i = 0; i < ng; i++) g[i].table = g[i].table == &gh ? &th : g[i].table;
  CHECK(bloop_batch_get(c, NULL, g, ng, &out, &st, &err) == BLOOP_OK);
  int after = 1;
  size_t present = 0;
  for (size_t i = 0; i < ng; i++) {
    uintptr_t k = (uintptr_t)g[i].tag;
    int want = k != (uintptr_t)SIZE_MAX && (k < NH ? k % 2 == 1 : k % 2 == 0);
    if (want) {
      after &= g[i].outcome == BLOOP_BATCH_FOUND && bloop_value_equal(&g[i].item, &items[k]);
      present++;
    } else {
      after &= g[i].outcome == BLOOP_BATCH_MISSING;
    }
  }
  CHECK_MSG(after, "after deleting half: exactly the other half is there, whole items");
  tap_note("after delete: %zu of %zu reads found", st.found, ng);
  CHECK(st.found == present);
  bloop_arena_free(&out);
  free(d);
  free(g);
  free(w);
  bloop_arena_free(&a);
}

/* A numeric range key: "1" and "1.0" are the same key, for the dedupe and the match. */
static void numeric_keys(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT, out = BLOOP_ARENA_INIT;
  bloop_batch_table t = {t_num, "h", "n", 1, NULL, NULL};
  bloop_value item, k1, k2;
  bloop_value_set_map(&item, &a, 3, NULL);
  put_s(&item, &a, "h", "a");
  bloop_value_set_n(bloop_value_map_put(&item, &a, "n", 1), &a, "1", 1, NULL);
  put_s(&item, &a, "w", "one");
  bloop_value_set_map(&k1, &a, 2, NULL);
  put_s(&k1, &a, "h", "a");
  bloop_value_set_n(bloop_value_map_put(&k1, &a, "n", 1), &a, "1.0", 3, NULL);
  bloop_value_set_map(&k2, &a, 2, NULL);
  bloop_value_set_n(bloop_value_map_put(&k2, &a, "n", 1), &a, "10E-1", 5, NULL);
  put_s(&k2, &a, "h", "a");
  /* a put and a delete of the same key ("1" vs "1.0"), then the put again: split, in order */
  bloop_batch_write_op w[3] = {{&t, BLOOP_BATCH_PUT, &item, NULL, 0, {0}},
                               {&t, BLOOP_BATCH_DELETE, &k1, NULL, 0, {0}},
                               {&t, BLOOP_BATCH_PUT, &item, NULL, 0, {0}}};
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_write(c, NULL, w, 3, &st, &err) == BLOOP_OK);
  CHECK(st.done == 3 && st.deferred == 2 && st.requests == 3);
  bloop_batch_get_op g[2] = {{&t, &k1, NULL, 0, {0}, {0}}, {&t, &k2, NULL, 0, {0}, {0}}};
  CHECK(bloop_batch_get(c, NULL, g, 2, &out, &st, &err) == BLOOP_OK);
  CHECK(st.unique_keys == 1 && st.requests == 1);
  CHECK(g[0].outcome == BLOOP_BATCH_FOUND && g[1].outcome == BLOOP_BATCH_FOUND);
  CHECK_STR(get_s(&g[1].item, "w"), "one");
  /* a projection naming one key attribute: only the other is added (overlapping paths
   * would be a ValidationException) */
  bloop_batch_table tp = {t_num, NULL, NULL, 0, "h, w", NULL};
  bloop_batch_get_op gp = {&tp, &k2, NULL, 0, {0}, {0}};
  CHECK(bloop_batch_get(c, NULL, &gp, 1, &out, &st, &err) == BLOOP_OK);
  CHECK(gp.outcome == BLOOP_BATCH_FOUND);
  if (gp.outcome == BLOOP_BATCH_FAILED) tap_note("%s: %s", gp.error.code, gp.error.message);
  CHECK(bloop_value_count(&gp.item) == 3 && get_n(&gp.item, "n") == 1);
  bloop_arena_free(&out);
  bloop_arena_free(&a);
}

int main(void) {
  const char *ep = getenv("BLOOP_DYNALITE_ENDPOINT");
  if (!CHECK_MSG(ep && *ep, "BLOOP_DYNALITE_ENDPOINT is set (scripts/servers start dynalite)"))
    return tap_done();
  bloop_client_config cfg;
  bloop_client_config_init(&cfg);
  cfg.aws.access_key_id = "local";
  cfg.aws.secret_access_key = "local";
  cfg.aws.region = "us-east-1";
  cfg.aws.endpoint = ep;
  bloop_client *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (!CHECK(bloop_client_new(&cfg, &c, &err) == BLOOP_OK)) {
    tap_note("%s: %s", err.code, err.message);
    return tap_done();
  }
  snprintf(t_hash, sizeof t_hash, "batch_h_%d", (int)getpid());
  snprintf(t_range, sizeof t_range, "batch_r_%d", (int)getpid());
  snprintf(t_num, sizeof t_num, "batch_n_%d", (int)getpid());
  if (CHECK(create_table(c, t_hash, "pk", NULL, NULL)) &&
      CHECK(create_table(c, t_range, "h", "r", "S")) &&
      CHECK(create_table(c, t_num, "h", "n", "N"))) {
    roundtrip(c);
    numeric_keys(c);
  }
  delete_table(c, t_hash);
  delete_table(c, t_range);
  delete_table(c, t_num);
  bloop_client_free(c);
  return tap_done();
}
