/*
 * test_batch_faults.c: the batch executor (batch.h) against tests/tools/fault_server.py,
 * started here on a free loopback port. The server answers BatchWriteItem / BatchGetItem
 * entry by entry from markers in the entries' strings (~r<N>: unprocessed the first N
 * times, ~rinf: never, ~miss, ~x<action> for the whole request, ~bogus) and logs every
 * request with the entries it carried. The jitter's random source is pinned, so the
 * rounds, the delays and the leftovers are checked exactly.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bloop/batch.h"
#include "fault.h"
#include "tap.h"

static fault_server srv;

/* Index of the first log row whose "sent" holds label, from row `from`; -1 if none. */
static int row_with(cJSON *log, const char *label, int from) {
  for (int i = from; i < cJSON_GetArraySize(log); i++) {
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), "sent"))
      if (cJSON_IsString(s) && strcmp(s->valuestring, label) == 0) return i;
  }
  return -1;
}

static double row_t(cJSON *log, int i) {
  return cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), "t"));
}

static bloop_client *new_client(int max_attempts) {
  bloop_client_config cfg;
  bloop_client_config_init(&cfg);
  cfg.aws.access_key_id = "AKIDEXAMPLE";
  cfg.aws.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  cfg.aws.region = "us-east-1";
  cfg.aws.endpoint = srv.endpoint;
  cfg.max_attempts = max_attempts;
  cfg.base_delay_ms = 2;
  cfg.throttle_base_delay_ms = 5;
  cfg.attempt_timeout_ms = 5000;
  bloop_client *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_client_new(&cfg, &c, &err) != BLOOP_OK)
    printf("# bloop_client_new: %s: %s\n", err.code, err.message);
  return c;
}

static double pinned(void *ud) { return *(double *)ud; }

/* Items {pk: S label, v: N i}, label = "<prefix><i><marker>". */
static bloop_value *make_items(bloop_arena *a, size_t n, const char *prefix,
                               const char *(*marker)(size_t)) {
  bloop_value *items = bloop_arena_calloc(a, n, sizeof *items);
  for (size_t i = 0; i < n; i++) {
    char label[64], num[24];
    snprintf(label, sizeof label, "%s%03zu%s", prefix, i, marker ? marker(i) : "");
    snprintf(num, sizeof num, "%zu", i);
    bloop_value_set_map(&items[i], a, 2, NULL);
    bloop_value_set_s(bloop_value_map_put(&items[i], a, "pk", 2), a, label, strlen(label), NULL);
    bloop_value_set_n(bloop_value_map_put(&items[i], a, "v", 1), a, num, strlen(num), NULL);
  }
  return items;
}

static const char *partial_marker(size_t i) {
  if (i < 10) return "~r1";
  if (i < 20) return "~r3";
  if (i < 30) return "~rinf";
  return "";
}

/* 60 writes; 10 bounced once, 10 three times, 10 forever: exact rounds, delays, leftovers. */
static void test_partial_write(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"pw|batch", "pk", NULL, 0, NULL, NULL};
  enum { N = 60 };
  bloop_value *items = make_items(&a, N, "w", partial_marker);
  bloop_batch_write_op ops[N];
  memset(ops, 0, sizeof ops);
  for (size_t i = 0; i < N; i++) {
    ops[i].table = &t;
    ops[i].kind = BLOOP_BATCH_PUT;
    ops[i].item = &items[i];
    ops[i].tag = (void *)(uintptr_t)(1000 + i);
  }
  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  double half = 0.5;
  cfg.concurrency = 2;
  cfg.base_delay_ms = 10;
  cfg.max_delay_ms = 40;
  cfg.max_rounds = 4;
  cfg.random = pinned;
  cfg.random_ud = &half;
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  long long t0 = fault_now_ms();
  CHECK(bloop_batch_write(c, &cfg, ops, N, &st, &err) == BLOOP_OK);
  long long took = fault_now_ms() - t0;
  int leftovers_exact = 1;
  for (size_t i = 0; i < N; i++) {
    uintptr_t tag = (uintptr_t)ops[i].tag - 1000;
    bloop_batch_outcome want = tag >= 20 && tag < 30 ? BLOOP_BATCH_UNPROCESSED : BLOOP_BATCH_DONE;
    if (ops[i].outcome != want) {
      leftovers_exact = 0;
      tap_note("op %zu: %s", i, bloop_batch_outcome_name(ops[i].outcome));
    }
    if (want == BLOOP_BATCH_UNPROCESSED &&
        (strcmp(ops[i].error.code, "Unprocessed") != 0 || !strstr(ops[i].error.message, "4")))
      leftovers_exact = 0;
  }
  CHECK_MSG(leftovers_exact, "exactly tags 1020..1029 are left unprocessed, the rest done");
  CHECK(st.done == 50 && st.unprocessed == 10 && st.failed == 0);
  /* chunk 0..24: 1 + 4 resends (25, 15, 15, 5 entries); 25..49: 1 + 4 (5 each); 50..59: 1 */
  CHECK(st.requests == 11);
  CHECK(st.resends == 8);
  CHECK(st.retried == 25 + 15 + 15 + 5 + 4 * 5);
  CHECK(st.rounds == 4);
  /* 0.5 * min(40, 10 * 2^(r-1)): 5, 10, 20, 20 per chunk lineage */
  CHECK(st.max_delay_ms == 20);
  CHECK(st.total_delay_ms == 2 * (5 + 10 + 20 + 20));
  CHECK_MSG(took >= 55 && took < 3000, "took at least one lineage's backoff, bounded");
  tap_note("partial write: %lld ms, %zu requests", took, st.requests);

  cJSON *log = fault_server_log(&srv, "pw");
  CHECK(cJSON_GetArraySize(log) == 11);
  int max25 = 1;
  for (int i = 0; i < cJSON_GetArraySize(log); i++)
    max25 &= cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), "sent")) <= 25;
  CHECK_MSG(max25, "no request carries more than 25 writes");
  /* the never-processed entry w020 was sent 1 + max_rounds times */
  int sends = 0;
  for (int r = row_with(log, "w020~rinf", 0); r >= 0; r = row_with(log, "w020~rinf", r + 1))
    sends++;
  CHECK(sends == 5);
  cJSON_Delete(log);
  bloop_arena_free(&a);
}

static const char *slow_marker(size_t i) {
  return i < 25 ? "~r1" : "~xslow150";
}

/* A chunk backing off must not hold up the others: while chunk A waits 400 ms, slot 2
 * runs chunks B, C and D (150 ms each) one after the other. */
static void test_backoff_does_not_block(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"nb|batch", "pk", NULL, 0, NULL, NULL};
  enum { N = 100 };
  bloop_value *items = make_items(&a, N, "n", slow_marker);
  bloop_batch_write_op ops[N];
  memset(ops, 0, sizeof ops);
  for (size_t i = 0; i < N; i++) {
    ops[i].table = &t;
    ops[i].kind = BLOOP_BATCH_PUT;
    ops[i].item = &items[i];
  }
  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  double r = 0.999;
  cfg.concurrency = 2;
  cfg.base_delay_ms = 400;
  cfg.max_delay_ms = 400;
  cfg.random = pinned;
  cfg.random_ud = &r;
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  long long t0 = fault_now_ms();
  CHECK(bloop_batch_write(c, &cfg, ops, N, &st, &err) == BLOOP_OK);
  long long took = fault_now_ms() - t0;
  CHECK(st.done == N && st.requests == 5 && st.rounds == 1);
  CHECK(st.max_delay_ms == 399);
  CHECK(st.peak_in_flight == 2);
  cJSON *log = fault_server_log(&srv, "nb");
  int a2 = row_with(log, "n000~r1", row_with(log, "n000~r1", 0) + 1);
  int c0 = row_with(log, "n050~xslow150", 0), d0 = row_with(log, "n075~xslow150", 0);
  CHECK_MSG(a2 > 0 && c0 > 0 && d0 > 0, "every chunk logged");
  if (a2 > 0 && c0 > 0 && d0 > 0)
    CHECK_MSG(row_t(log, c0) < row_t(log, a2) && row_t(log, d0) < row_t(log, a2),
              "chunks C and D were sent while chunk A was backing off");
  /* serial would be 150 * 3 + 400 + ...; overlapped is about max(400, 450) */
  CHECK_MSG(took < 800, "backoff overlapped the other slot's requests");
  tap_note("non-blocking backoff: %lld ms", took);
  cJSON_Delete(log);
  bloop_arena_free(&a);
}

static const char *fail_marker(size_t i) {
  if (i >= 25 && i < 30) return "~xvalidation";
  if (i >= 30 && i < 35) return "~xthrottle";
  if (i >= 35) return "~bogus";
  return "";
}

/* Chunks that fail outright report their operations FAILED with the client's error. */
static void test_failed_chunks(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"fc|batch", "pk", NULL, 0, NULL, NULL};
  enum { N = 40 };
  bloop_value *items = make_items(&a, N, "f", fail_marker);
  bloop_batch_write_op ops[N];
  memset(ops, 0, sizeof ops);
  /* 25 good ones, then 5 / 5 / 5 that must land in separate requests: order them so the
   * executor's chunking (25 at a time, in order) isolates them, using three tables. */
  bloop_batch_table t2 = {"fc2|batch", "pk", NULL, 0, NULL, NULL};
  bloop_batch_table t3 = {"fc3|batch", "pk", NULL, 0, NULL, NULL};
  for (size_t i = 0; i < N; i++) {
    ops[i].table = i < 25 ? &t : i < 30 ? &t2 : &t3;
    ops[i].kind = BLOOP_BATCH_PUT;
    ops[i].item = &items[i];
  }
  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  cfg.concurrency = 1;
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  /* first call: 25 good + validation chunk */
  CHECK(bloop_batch_write(c, &cfg, ops, 30, &st, &err) == BLOOP_OK);
  int good = 1;
  for (size_t i = 0; i < 25; i++) good &= ops[i].outcome == BLOOP_BATCH_DONE;
  CHECK(good);
  int val = 1;
  for (size_t i = 25; i < 30; i++)
    val &= ops[i].outcome == BLOOP_BATCH_FAILED &&
           strcmp(ops[i].error.code, "ValidationException") == 0 &&
           ops[i].error.status == BLOOP_ESERVICE && ops[i].error.attempts == 1;
  CHECK_MSG(val, "the ValidationException chunk: its 5 operations FAILED with the error");
  CHECK(st.failed == 5 && st.done == 25 && st.requests == 2);

  /* throttled on every attempt: FAILED after the client's 2 attempts */
  CHECK(bloop_batch_write(c, &cfg, ops + 30, 5, &st, &err) == BLOOP_OK);
  int thr = 1;
  for (size_t i = 30; i < 35; i++)
    thr &= ops[i].outcome == BLOOP_BATCH_FAILED &&
           strcmp(ops[i].error.code, "ProvisionedThroughputExceededException") == 0 &&
           ops[i].error.attempts == 2;
  CHECK(thr);

  /* an UnprocessedItems entry that was never sent: nobody can tell what was written */
  CHECK(bloop_batch_write(c, &cfg, ops + 35, 5, &st, &err) == BLOOP_OK);
  int bog = 1;
  for (size_t i = 35; i < 40; i++)
    bog &= ops[i].outcome == BLOOP_BATCH_FAILED && ops[i].error.status == BLOOP_EPROTOCOL &&
           strcmp(ops[i].error.code, "UnmatchedUnprocessed") == 0;
  CHECK(bog);
  bloop_arena_free(&a);
}

/* Writes to one key are split over requests, in input order. */
static void test_duplicates(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"dup|batch", "pk", NULL, 0, NULL, NULL};
  bloop_value *items = make_items(&a, 3, "d", NULL);   /* d000 d001 d002 */
  bloop_value key;
  bloop_value_set_map(&key, &a, 1, NULL);
  bloop_value_set_s(bloop_value_map_put(&key, &a, "pk", 2), &a, "d000", 4, NULL);
  bloop_batch_write_op ops[5];
  memset(ops, 0, sizeof ops);
  const bloop_value *what[5] = {&items[0], &items[1], &key, &items[0], &items[2]};
  bloop_batch_kind kind[5] = {BLOOP_BATCH_PUT, BLOOP_BATCH_PUT, BLOOP_BATCH_DELETE,
                              BLOOP_BATCH_PUT, BLOOP_BATCH_PUT};
  for (size_t i = 0; i < 5; i++) {
    ops[i].table = &t;
    ops[i].kind = kind[i];
    ops[i].item = what[i];
  }
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_write(c, NULL, ops, 5, &st, &err) == BLOOP_OK);
  CHECK(st.done == 5 && st.deferred == 2 && st.requests == 3);
  cJSON *log = fault_server_log(&srv, "dup");
  CHECK(cJSON_GetArraySize(log) == 3);
  int r0 = row_with(log, "d000", 0), r1 = row_with(log, "d000", r0 + 1),
      r2 = row_with(log, "d000", r1 + 1);
  CHECK(r0 == 0 && r1 == 1 && r2 == 2);
  CHECK(row_with(log, "d001", 0) == 0 && row_with(log, "d002", 0) == 0);
  if (r2 == 2) CHECK(row_t(log, 0) <= row_t(log, 1) && row_t(log, 1) <= row_t(log, 2));
  cJSON_Delete(log);
  bloop_arena_free(&a);
}

static const char *get_marker(size_t i) {
  if (i % 10 == 1) return "~r2";
  if (i % 10 == 2) return "~miss";
  if (i == 7 || i == 117) return "~rinf";
  return "";
}

static void test_partial_get(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT, out = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"pg|batch", "pk", NULL, 0, NULL, NULL};
  enum { K = 150, N = K + 20 };
  bloop_value *keys = bloop_arena_calloc(&a, K, sizeof *keys);
  for (size_t i = 0; i < K; i++) {
    char label[32];
    snprintf(label, sizeof label, "g%03zu%s", i, get_marker(i));
    bloop_value_set_map(&keys[i], &a, 1, NULL);
    bloop_value_set_s(bloop_value_map_put(&keys[i], &a, "pk", 2), &a, label, strlen(label),
                      NULL);
  }
  bloop_batch_get_op ops[N];
  memset(ops, 0, sizeof ops);
  for (size_t i = 0; i < N; i++) {
    size_t k = i < K ? i : (i - K) * 7;   /* 20 duplicates of keys 0, 7, ..., 133 */
    ops[i].table = &t;
    ops[i].key = &keys[k];
    ops[i].tag = (void *)(uintptr_t)k;
  }
  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  double r = 0.5;
  cfg.base_delay_ms = 4;
  cfg.max_rounds = 3;
  cfg.random = pinned;
  cfg.random_ud = &r;
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_get(c, &cfg, ops, N, &out, &st, &err) == BLOOP_OK);
  CHECK(st.unique_keys == K);
  int exact = 1;
  for (size_t i = 0; i < N; i++) {
    size_t k = (uintptr_t)ops[i].tag;
    bloop_batch_outcome want = (k == 7 || k == 117) ? BLOOP_BATCH_UNPROCESSED
                               : k % 10 == 2        ? BLOOP_BATCH_MISSING
                                                    : BLOOP_BATCH_FOUND;
    if (ops[i].outcome != want) {
      exact = 0;
      tap_note("get op %zu (key %zu): %s", i, k, bloop_batch_outcome_name(ops[i].outcome));
      continue;
    }
    if (want != BLOOP_BATCH_FOUND) continue;
    /* the item is the one for this key (answers come back reversed), seen as often as the
     * marker says */
    const bloop_value *pk = bloop_value_get(&ops[i].item, "pk", 2);
    const bloop_value *seen = bloop_value_get(&ops[i].item, "seen", 4);
    size_t len;
    const char *s = seen ? bloop_value_bytes(seen, &len) : NULL;
    if (!pk || !bloop_value_equal(pk, bloop_value_get(&keys[k], "pk", 2)) || !s ||
        s[0] != (k % 10 == 1 ? '3' : '1'))
      exact = 0;
  }
  CHECK_MSG(exact, "found / missing / unprocessed exactly as scripted, per tag, dups fanned out");
  size_t f = 0, m = 0, u = 0;
  for (size_t i = 0; i < N; i++) {
    f += ops[i].outcome == BLOOP_BATCH_FOUND;
    m += ops[i].outcome == BLOOP_BATCH_MISSING;
    u += ops[i].outcome == BLOOP_BATCH_UNPROCESSED;
  }
  CHECK(st.found == f && st.missing == m && st.unprocessed == u && f + m + u == N);
  CHECK(u == 3);   /* keys 7 and 117, and the duplicate of 7 */
  CHECK(st.rounds == 3);
  /* chunk 0..99: 1 + resends (r2 keys + 7 twice, then 7 once more) = 4; 100..149: 4 */
  CHECK(st.requests == 8);
  cJSON *log = fault_server_log(&srv, "pg");
  int max100 = 1;
  for (int i = 0; i < cJSON_GetArraySize(log); i++)
    max100 &= cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), "sent")) <= 100;
  CHECK(max100);
  CHECK(row_with(log, "g000", 0) >= 0 && row_with(log, "g000", row_with(log, "g000", 0) + 1) < 0);
  cJSON_Delete(log);
  bloop_arena_free(&out);
  bloop_arena_free(&a);
}

static const char *cap_marker(size_t i) {
  if (i == 5) return "~rinf";
  if (i % 4 == 0) return "~r2";
  if (i % 7 == 3) return "~miss";   /* gets only */
  return "";
}

/* cfg.capacity: stats.consumed sums every answer's ConsumedCapacity list (two tables in a
 * request), resends included. The server charges only what it processed, so the sum is
 * exactly one unit per write done (half per key read); without cfg.capacity nothing. */
static void test_capacity(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT, out = BLOOP_ARENA_INIT;
  bloop_batch_table t1 = {"cap|batch", "pk", NULL, 0, NULL, NULL};
  bloop_batch_table t2 = {"cap2|batch", "pk", NULL, 0, NULL, NULL};
  enum { N = 40 };
  bloop_value *items = make_items(&a, N, "c", cap_marker);
  bloop_batch_write_op ops[N];
  memset(ops, 0, sizeof ops);
  for (size_t i = 0; i < N; i++) {
    ops[i].table = i % 2 ? &t2 : &t1;
    ops[i].kind = BLOOP_BATCH_PUT;
    ops[i].item = &items[i];
  }
  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  double r = 0.5;
  cfg.base_delay_ms = 2;
  cfg.max_rounds = 3;
  cfg.random = pinned;
  cfg.random_ud = &r;
  cfg.capacity = 1;
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_write(c, &cfg, ops, N, &st, &err) == BLOOP_OK);
  CHECK(st.done == N - 1 && st.unprocessed == 1 && st.resends > 0);
  CHECK_MSG(st.consumed == (double)st.done, "one unit a write done, resends included");
  tap_note("capacity: %zu writes done in %zu requests: %g units", st.done, st.requests,
           st.consumed);
  cfg.capacity = 0;
  CHECK(bloop_batch_write(c, &cfg, ops, N, &st, &err) == BLOOP_OK);
  CHECK(st.done == N - 1 && st.consumed == 0);

  bloop_batch_get_op gops[N];
  memset(gops, 0, sizeof gops);
  bloop_value *keys = bloop_arena_calloc(&a, N, sizeof *keys);
  for (size_t i = 0; i < N; i++) {
    bloop_value_set_map(&keys[i], &a, 1, NULL);
    *bloop_value_map_put(&keys[i], &a, "pk", 2) = *bloop_value_get(&items[i], "pk", 2);
    gops[i].table = &t1;
    gops[i].key = &keys[i];
  }
  cfg.capacity = 1;
  CHECK(bloop_batch_get(c, &cfg, gops, N, &out, &st, &err) == BLOOP_OK);
  CHECK(st.found + st.missing == N - 1 && st.missing > 0 && st.resends > 0);
  CHECK_MSG(st.consumed == 0.5 * (double)(st.found + st.missing),
            "half a unit a key read, found or missing, resends included");
  bloop_arena_free(&out);
  bloop_arena_free(&a);
}

static const char *inf_marker(size_t i) { return "~rinf"; }

/* The deadline stops resends before max_rounds; leftovers say "Deadline". With the real
 * random source each delay stays under its bound. */
static void test_deadline_and_bounds(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"dl|batch", "pk", NULL, 0, NULL, NULL};
  bloop_value *items = make_items(&a, 3, "x", inf_marker);
  bloop_batch_write_op ops[3];
  memset(ops, 0, sizeof ops);
  for (size_t i = 0; i < 3; i++) {
    ops[i].table = &t;
    ops[i].kind = BLOOP_BATCH_DELETE;
    ops[i].item = &items[i];   /* a "key" with v too: invalid for DELETE */
  }
  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  bloop_batch_stats st;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_write(c, &cfg, ops, 3, &st, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidKey");
  CHECK(ops[0].outcome == BLOOP_BATCH_FAILED && ops[1].outcome == BLOOP_BATCH_PENDING);
  CHECK_MSG(strstr(err.message, "operation 0"), err.message);
  for (size_t i = 0; i < 3; i++) ops[i].kind = BLOOP_BATCH_PUT;

  double r = 0.999;
  cfg.base_delay_ms = 100;
  cfg.max_delay_ms = 100;
  cfg.max_rounds = 10;
  cfg.deadline_ms = 250;
  cfg.random = pinned;
  cfg.random_ud = &r;
  long long t0 = fault_now_ms();
  CHECK(bloop_batch_write(c, &cfg, ops, 3, &st, &err) == BLOOP_OK);
  long long took = fault_now_ms() - t0;
  /* 99 ms per backoff: resends at ~100 and ~200 ms, then the next would pass 250 (fewer
   * rounds when requests are slow, as under valgrind) */
  tap_note("deadline: %lld ms, %d rounds", took, st.rounds);
  CHECK(st.unprocessed == 3 && st.rounds >= 1 && st.rounds <= 2);
  CHECK_STR(ops[2].error.code, "Deadline");
  CHECK_MSG(took >= 99 && took < 600, "stopped at the deadline, long before 10 rounds");

  /* real jitter: every delay within min(cap, base * 2^(r-1)) */
  cfg.random = NULL;
  cfg.deadline_ms = 0;
  cfg.base_delay_ms = 8;
  cfg.max_delay_ms = 30;
  cfg.max_rounds = 6;
  t0 = fault_now_ms();
  CHECK(bloop_batch_write(c, &cfg, ops, 3, &st, &err) == BLOOP_OK);
  took = fault_now_ms() - t0;
  CHECK(st.unprocessed == 3 && st.rounds == 6 && st.requests == 7);
  CHECK(st.max_delay_ms < 30 && st.total_delay_ms < 8 + 16 + 30 * 4);
  CHECK_MSG(took < 1500, "bounded by the sum of the caps");
  bloop_arena_free(&a);
}

static void test_misuse(bloop_client *c) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_batch_table t = {"mu|batch", "pk", NULL, 0, NULL, NULL};
  /* an item over 400 KB: refused before anything is sent */
  bloop_value items[2];
  bloop_value_set_map(&items[0], &a, 2, NULL);
  bloop_value_set_s(bloop_value_map_put(&items[0], &a, "pk", 2), &a, "big", 3, NULL);
  char *blob = calloc(1, 410000);
  memset(blob, 'x', 409999);
  bloop_value_set_s(bloop_value_map_put(&items[0], &a, "data", 4), &a, blob, 409999, NULL);
  free(blob);
  bloop_value_set_map(&items[1], &a, 1, NULL);
  bloop_value_set_s(bloop_value_map_put(&items[1], &a, "pk", 2), &a, "small", 5, NULL);
  bloop_batch_write_op ops[2];
  memset(ops, 0, sizeof ops);
  ops[0] = (bloop_batch_write_op){&t, BLOOP_BATCH_PUT, &items[1], NULL, 0, {0}};
  ops[1] = (bloop_batch_write_op){&t, BLOOP_BATCH_PUT, &items[0], NULL, 0, {0}};
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_batch_write(c, NULL, ops, 2, NULL, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "ItemTooLarge");
  CHECK_MSG(strstr(err.message, "operation 1") && strstr(err.message, "big"), err.message);
  CHECK(ops[1].outcome == BLOOP_BATCH_FAILED && ops[0].outcome == BLOOP_BATCH_PENDING);
  cJSON *log = fault_server_log(&srv, "mu");
  CHECK_MSG(cJSON_GetArraySize(log) == 0, "nothing sent");
  cJSON_Delete(log);

  /* a write without a key schema */
  bloop_batch_table nokeys = {"mu|batch", NULL, NULL, 0, NULL, NULL};
  ops[0].table = &nokeys;
  CHECK(bloop_batch_write(c, NULL, ops, 1, NULL, &err) == BLOOP_EINVAL);

  /* a batch on a busy client waits only for its own calls: the other call stays its
   * owner's, finished or not */
  bloop_call *call = NULL;
  const char *busy = "{\"TableName\":\"busy|slow50\"}";
  CHECK(bloop_client_submit(c, "PutItem", busy, strlen(busy), NULL, &call, &err) == BLOOP_OK);
  ops[0].table = &t;
  CHECK_MSG(bloop_batch_write(c, NULL, ops, 1, NULL, &err) == BLOOP_OK, err.message);
  CHECK(ops[0].outcome == BLOOP_BATCH_DONE);
  CHECK(bloop_client_pending(c) == 1);
  bloop_call *got = bloop_client_wait_for(c, &call, 1, 5000);
  CHECK(got == call);
  CHECK(bloop_call_result(call, NULL, NULL, &err) == BLOOP_OK);
  CHECK(bloop_client_wait_for(c, &call, 1, 0) == NULL);
  bloop_call_free(call);

  bloop_batch_config cfg;
  bloop_batch_config_init(&cfg);
  cfg.concurrency = 0;
  CHECK(bloop_batch_write(c, &cfg, ops, 1, NULL, &err) == BLOOP_EINVAL);
  CHECK(bloop_batch_write(c, NULL, NULL, 0, NULL, &err) == BLOOP_OK);
  bloop_arena_free(&a);
}

int main(void) {
  if (!CHECK_MSG(fault_server_start(&srv), "fault server started")) return tap_done();
  tap_note("fault server on %s", srv.endpoint);
  bloop_client *c = new_client(2);
  if (CHECK(c != NULL)) {
    test_partial_write(c);
    test_backoff_does_not_block(c);
    test_failed_chunks(c);
    test_duplicates(c);
    test_partial_get(c);
    test_capacity(c);
    test_deadline_and_bounds(c);
    test_misuse(c);
    bloop_client_free(c);
  }
  fault_server_stop(&srv);
  return tap_done();
}
