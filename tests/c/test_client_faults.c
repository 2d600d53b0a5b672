/*
 * test_client_faults.c: the client (client.h) against tests/tools/fault_server.py, which
 * this test starts itself on a free loopback port and stops at the end. Each request's
 * TableName scripts the server's answers per attempt ("tag|throttle,ok"); the server echoes
 * what it saw on success and keeps a log per tag (GET /__log?tag=...), so the test checks
 * attempts, headers, error fields, retry quota, CRC32 checks, skew correction, deadlines and
 * that calls in flight do not wait for one that is backing off.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "bloop/client.h"
#include "fault.h"
#include "tap.h"

static fault_server srv;

static int log_count(const char *tag) {
  cJSON *j = fault_server_log(&srv, tag);
  int n = cJSON_GetArraySize(j);
  cJSON_Delete(j);
  return n;
}

static void base_config(bloop_client_config *cfg, const char *ep) {
  bloop_client_config_init(cfg);
  cfg->aws.access_key_id = "AKIDEXAMPLE";
  cfg->aws.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  cfg->aws.region = "us-east-1";
  cfg->aws.endpoint = ep;
  cfg->base_delay_ms = 2;
  cfg->throttle_base_delay_ms = 5;
  cfg->attempt_timeout_ms = 5000;
}

static bloop_client *new_client(const bloop_client_config *cfg) {
  bloop_client *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_client_new(cfg, &c, &err) != BLOOP_OK)
    printf("# bloop_client_new: %s: %s\n", err.code, err.message);
  return c;
}

/* One synchronous PutItem with TableName = script. */
static bloop_status put(bloop_client *c, const char *script, bloop_buf *resp, bloop_error *err) {
  char body[256];
  snprintf(body, sizeof body, "{\"TableName\":\"%s\",\"Item\":{}}", script);
  return bloop_client_call(c, "PutItem", body, strlen(body), resp, err);
}

static const char *jstr(cJSON *o, const char *k) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_headers_and_throttling(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "hdr|throttle,throttle,ok", &resp, &err) == BLOOP_OK);
  CHECK(err.attempts == 3);
  CHECK(err.http_status == 200);
  cJSON *j = cJSON_Parse(resp.data ? resp.data : "");
  CHECK_STR(jstr(j, "sdk_request"), "attempt=3; max=4");
  CHECK_STR(jstr(j, "target"), "DynamoDB_20120810.PutItem");
  CHECK_STR(jstr(j, "content_type"), "application/x-amz-json-1.0");
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "authorization")));
  cJSON_Delete(j);

  cJSON *log = fault_server_log(&srv, "hdr");
  CHECK(cJSON_GetArraySize(log) == 3);
  const char *inv0 = jstr(cJSON_GetArrayItem(log, 0), "invocation");
  CHECK(inv0 && strlen(inv0) == 36 && inv0[14] == '4');
  for (int i = 0; i < cJSON_GetArraySize(log); i++) {
    cJSON *row = cJSON_GetArrayItem(log, i);
    char want[32];
    snprintf(want, sizeof want, "attempt=%d; max=4", i + 1);
    const char *wanted = want;
    CHECK_STR(jstr(row, "sdk_request"), wanted);
    CHECK_STR(jstr(row, "invocation"), inv0);   /* constant across retries */
    const char *d = jstr(row, "amz_date");
    CHECK(d && strlen(d) == 16 && d[8] == 'T');
    /* every header once: Authorization was once sent twice */
    cJSON *dups = cJSON_GetObjectItem(row, "dup_headers");
    CHECK_MSG(cJSON_IsArray(dups) && cJSON_GetArraySize(dups) == 0, "no header sent twice");
  }
  cJSON_Delete(log);

  /* A second call gets a new invocation id. */
  CHECK(put(c, "hdr2|ok", &resp, &err) == BLOOP_OK);
  log = fault_server_log(&srv, "hdr2");
  j = fault_server_log(&srv, "hdr");
  CHECK(strcmp(jstr(cJSON_GetArrayItem(log, 0), "invocation"),
               jstr(cJSON_GetArrayItem(j, 0), "invocation")) != 0);
  cJSON_Delete(log);
  cJSON_Delete(j);

  CHECK(put(c, "t429|t429,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  /* Throttled on every attempt: the last answer is surfaced. */
  CHECK(put(c, "thr|throttle", &resp, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ProvisionedThroughputExceededException");
  CHECK(err.attempts == 4 && err.http_status == 400);
  CHECK(log_count("thr") == 4);
  bloop_buf_free(&resp);
}

static void test_5xx(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "e500|e500,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  CHECK(put(c, "html|html500", &resp, &err) == BLOOP_ESERVICE);
  CHECK(err.attempts == 4 && err.http_status == 500);
  CHECK_STR(err.code, "InternalServerError");
  CHECK_MSG(strstr(err.message, "non-JSON") && strstr(err.message, "<!DOCTYPE html>"),
            err.message);
  CHECK(strncmp(err.request_id, "req-", 4) == 0);
  CHECK(log_count("html") == 4);
  bloop_buf_free(&resp);
}

static void test_not_retried(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "ccf|ccf,ok", &resp, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ConditionalCheckFailedException");
  CHECK_STR(err.message, "The conditional request failed");
  CHECK(err.attempts == 1 && err.http_status == 400 && err.status == BLOOP_ESERVICE);
  CHECK(strncmp(err.request_id, "req-", 4) == 0);
  CHECK(log_count("ccf") == 1);

  CHECK(put(c, "val|validation,ok", &resp, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ValidationException");   /* cut at ':' then after '#' */
  CHECK_STR(err.message, "One or more parameter values were invalid");
  CHECK(err.attempts == 1 && log_count("val") == 1);
  bloop_buf_free(&resp);
}

static void test_crc(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "crc1|badcrc,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  CHECK(resp.data && strstr(resp.data, "\"attempt\": 2"));
  CHECK(put(c, "crc2|badcrc", &resp, &err) == BLOOP_EPROTOCOL);
  CHECK_STR(err.code, "CRC32Mismatch");
  CHECK(err.attempts == 4 && err.http_status == 200);
  CHECK(put(c, "short|short,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  bloop_buf_free(&resp);
}

static void test_retry_after(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  long long t0 = fault_now_ms();
  CHECK(put(c, "ra|ra300,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  long long dt = fault_now_ms() - t0;
  CHECK_MSG(dt >= 295 && dt < 2000, "x-amz-retry-after: 300 honoured");
  t0 = fault_now_ms();
  CHECK(put(c, "raj|rajunk,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  CHECK_MSG(fault_now_ms() - t0 < 250, "junk x-amz-retry-after ignored");
  bloop_buf_free(&resp);
}

static void test_network(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "rst1|reset,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  CHECK(put(c, "rst2|reset", &resp, &err) == BLOOP_ENETWORK);
  CHECK_STR(err.code, "NetworkError");
  CHECK(err.attempts == 4 && err.http_status == 0);

  /* Refused: a port nothing listens on. */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  bind(s, (struct sockaddr *)&a, sizeof a);
  getsockname(s, (struct sockaddr *)&a, &al);
  close(s);
  char ep[64];
  snprintf(ep, sizeof ep, "http://127.0.0.1:%d", ntohs(a.sin_port));
  bloop_client_config cfg;
  base_config(&cfg, ep);
  bloop_client *r = new_client(&cfg);
  CHECK(r != NULL);
  if (r) {
    CHECK(put(r, "x|ok", &resp, &err) == BLOOP_ENETWORK);
    CHECK_STR(err.code, "NetworkError");
    CHECK(err.attempts == 4);
    CHECK_MSG(!err.ambiguous, "never sent, never applied");
    CHECK_MSG(strstr(err.message, ep) != NULL, err.message);
    bloop_client_free(r);
  }
  bloop_buf_free(&resp);
}

/* err.ambiguous: an attempt may have been applied unseen, because the whole request went
 * out and no usable answer came back (lost, cut short, timed out, 5xx, bad CRC32). */
static void test_ambiguous(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  /* Kept alive by this call, the connection dies under the next request after it went out:
   * libcurl would replay it on a fresh connection unseen; the client makes it attempt 2. */
  CHECK(put(c, "warm|ok", &resp, &err) == BLOOP_OK && !err.ambiguous);
  CHECK(put(c, "amb1|reset,ccf", &resp, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ConditionalCheckFailedException");
  CHECK(err.attempts == 2 && err.ambiguous == 1);
  cJSON *log = fault_server_log(&srv, "amb1");
  CHECK_MSG(cJSON_GetArraySize(log) == 2, "no replay made behind the client's back");
  cJSON *first = cJSON_GetArrayItem(log, 0), *second = cJSON_GetArrayItem(log, 1);
  CHECK(first && second &&
        cJSON_GetObjectItem(first, "attempt")->valueint == 1 &&
        cJSON_GetObjectItem(second, "attempt")->valueint == 2);
  cJSON_Delete(log);
  /* the error answer's body is the caller's too */
  CHECK_MSG(resp.data && strstr(resp.data, "The conditional request failed"), resp.data);

  static const struct {
    const char *script;
    int ambiguous, attempts;
  } cases[] = {
      {"amb2|ccf", 0, 1},           {"amb3|throttle,ccf", 0, 2},
      {"amb4|t429,ccf", 0, 2},      {"amb5|e500,ccf", 1, 2},
      {"amb6|html500,ccf", 1, 2},   {"amb7|badcrc,ccf", 1, 2},
      {"amb8|short,ccf", 1, 2},     {"amb9|validation", 0, 1},
      {"amb10|throttle,e500,ccf", 1, 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK_MSG(put(c, cases[i].script, &resp, &err) == BLOOP_ESERVICE &&
              err.ambiguous == cases[i].ambiguous && err.attempts == cases[i].attempts,
              cases[i].script);
  }
  /* a success after a lost answer: the write may have been applied twice */
  CHECK(put(c, "amb11|reset,ok", &resp, &err) == BLOOP_OK && err.ambiguous == 1);

  /* a fresh connection reset after the request: sent in full all the same */
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  bloop_client *fresh = new_client(&cfg);
  if (CHECK(fresh != NULL)) {
    CHECK(put(fresh, "amb12|reset,ccf", &resp, &err) == BLOOP_ESERVICE && err.ambiguous == 1);
    CHECK(err.attempts == 2 && log_count("amb12") == 2);
    bloop_client_free(fresh);
  }
  /* the only attempt timed out after the request went out */
  cfg.attempt_timeout_ms = 300;
  cfg.max_attempts = 1;
  bloop_client *once = new_client(&cfg);
  if (CHECK(once != NULL)) {
    CHECK(put(once, "amb13|slow2000", &resp, &err) == BLOOP_ETIMEOUT && err.ambiguous == 1);
    bloop_client_free(once);
  }
  bloop_buf_free(&resp);
}

static void test_stale_connection(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "idle1|ok", &resp, &err) == BLOOP_OK);
  usleep(1500 * 1000);   /* the server closes kept-alive connections after 1 s idle */
  CHECK(put(c, "idle2|ok", &resp, &err) == BLOOP_OK);
  CHECK_MSG(err.attempts == 1, "a connection the server closed is not a failed attempt");
  bloop_buf_free(&resp);
}

static void test_skew(void) {
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  bloop_client *c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(put(c, "skew1|skew", &resp, &err) == BLOOP_OK);
  CHECK(err.attempts == 2);
  cJSON *log = fault_server_log(&srv, "skew1");
  CHECK(cJSON_GetArraySize(log) == 2);
  cJSON_Delete(log);
  /* The offset is kept: the next call is right the first time. */
  CHECK(put(c, "skew2|skew", &resp, &err) == BLOOP_OK && err.attempts == 1);
  bloop_client_free(c);

  /* A skew error that correcting does not cure is retried once, not forever. */
  c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  CHECK(put(c, "skew3|skewbad", &resp, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "InvalidSignatureException");
  CHECK(err.attempts == 2);
  bloop_client_free(c);
  bloop_buf_free(&resp);
}

static void test_deadlines(void) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  cfg.call_timeout_ms = 300;
  bloop_client *c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  long long t0 = fault_now_ms();
  CHECK(put(c, "dl1|slow1000", &resp, &err) == BLOOP_ETIMEOUT);
  long long dt = fault_now_ms() - t0;
  CHECK_STR(err.code, "Timeout");
  CHECK_MSG(dt >= 250 && dt < 800, "call deadline");
  CHECK(err.attempts == 1);
  bloop_client_free(c);

  base_config(&cfg, srv.endpoint);
  cfg.attempt_timeout_ms = 200;
  c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  CHECK(put(c, "dl2|slow600,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  bloop_client_free(c);

  /* A stalled body (10 bytes, then silence): below 100 bytes/s for 1 s aborts the
   * attempt; the retry succeeds. (libcurl averages speed over a window of a few seconds,
   * so with a 1 byte/s limit those 10 bytes would hold the abort off for ~5 s.) */
  base_config(&cfg, srv.endpoint);
  cfg.low_speed_limit = 100;
  cfg.low_speed_time_s = 1;
  c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  t0 = fault_now_ms();
  CHECK(put(c, "stall|stall,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  dt = fault_now_ms() - t0;
  CHECK_MSG(dt >= 900 && dt < 4000, "low-speed limit");
  tap_note("stalled body aborted and retried in %lld ms", dt);
  bloop_client_free(c);
  bloop_buf_free(&resp);
}

static void test_quota(void) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  cfg.retry_quota = 14;
  cfg.retry_cost = 14;
  bloop_client *c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  /* A retried success refunds its retry's cost, so the next one can retry too. */
  CHECK(put(c, "q1|e500,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  CHECK(put(c, "q2|e500,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  /* The bucket pays one retry, not two. */
  CHECK(put(c, "q3|e500,e500,ok", &resp, &err) == BLOOP_ESERVICE && err.attempts == 2);
  CHECK_STR(err.code, "InternalServerError");
  /* Empty: fail fast. */
  CHECK(put(c, "q4|e500,ok", &resp, &err) == BLOOP_ESERVICE && err.attempts == 1);
  CHECK(log_count("q4") == 1);
  /* Non-retried successes refill by one token each. */
  for (int i = 0; i < 14; i++) put(c, "q5|ok", &resp, &err);
  CHECK(put(c, "q6|e500,ok", &resp, &err) == BLOOP_OK && err.attempts == 2);
  bloop_client_free(c);
  bloop_buf_free(&resp);
}

static void test_operations(bloop_client *c) {
  bloop_buf resp = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_client_call(c, "GetRecords", "{}", 2, &resp, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "UnknownOperation");
  CHECK(bloop_client_call(c, "NoSuchThing", "{}", 2, &resp, &err) == BLOOP_EINVAL);

  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  cfg.service = BLOOP_SERVICE_STREAMS;
  bloop_client *s = new_client(&cfg);
  if (CHECK(s != NULL)) {
    CHECK(bloop_client_call(s, "PutItem", "{}", 2, &resp, &err) == BLOOP_EINVAL);
    CHECK_STR(err.code, "UnknownOperation");
    const char *body = "{\"TableName\":\"streams|ok\"}";
    CHECK(bloop_client_call(s, "GetRecords", body, strlen(body), &resp, &err) == BLOOP_OK);
    cJSON *j = cJSON_Parse(resp.data ? resp.data : "");
    CHECK_STR(jstr(j, "target"), "DynamoDBStreams_20120810.GetRecords");
    cJSON_Delete(j);
    bloop_client_free(s);
  }
  bloop_buf_free(&resp);
}

/* Ten quick calls and one told to back off for 800 ms: the quick ones finish first. */
static void test_concurrency(bloop_client *c) {
  enum { N = 10 };
  bloop_call *calls[N + 1];
  bloop_error err = BLOOP_ERROR_INIT;
  char body[128];
  long long t0 = fault_now_ms();
  snprintf(body, sizeof body, "{\"TableName\":\"slowpoke|ra800,ok\"}");
  CHECK(bloop_client_submit(c, "PutItem", body, strlen(body), (void *)(intptr_t)-1, &calls[N],
                            &err) == BLOOP_OK);
  for (int i = 0; i < N; i++) {
    snprintf(body, sizeof body, "{\"TableName\":\"quick%d|slow50\"}", i);
    CHECK(bloop_client_submit(c, "GetItem", body, strlen(body), (void *)(intptr_t)i, &calls[i],
                              &err) == BLOOP_OK);
  }
  CHECK(bloop_client_pending(c) == N + 1);
  int order = 0, quick_done = 0, slow_pos = -1, ok = 0;
  long long quick_max = 0, slow_t = 0;
  bloop_call *got;
  while ((got = bloop_client_wait(c, 5000))) {
    intptr_t id = (intptr_t)bloop_call_userdata(got);
    if (bloop_call_result(got, NULL, NULL, &err) == BLOOP_OK) ok++;
    if (id < 0) {
      slow_pos = order;
      slow_t = fault_now_ms() - t0;
      CHECK(err.attempts == 2);
    } else {
      quick_done++;
      quick_max = fault_now_ms() - t0;
    }
    order++;
  }
  CHECK(ok == N + 1);
  CHECK(quick_done == N);
  CHECK_MSG(slow_pos == N, "the backing-off call finishes last");
  CHECK_MSG(quick_max < 600, "quick calls did not wait for the backing-off one");
  CHECK(slow_t >= 790);
  tap_note("quick calls done by %lld ms, backing-off call at %lld ms", quick_max, slow_t);
  CHECK(bloop_client_pending(c) == 0);
  CHECK(bloop_client_wait(c, 0) == NULL);
  for (int i = 0; i <= N; i++) bloop_call_free(calls[i]);

  /* A synchronous call while an async one is in flight leaves the async one queued. */
  bloop_call *bg;
  snprintf(body, sizeof body, "{\"TableName\":\"bg|slow100\"}");
  CHECK(bloop_client_submit(c, "PutItem", body, strlen(body), NULL, &bg, &err) == BLOOP_OK);
  bloop_buf resp = BLOOP_BUF_INIT;
  CHECK(put(c, "fg|ok", &resp, &err) == BLOOP_OK);
  CHECK(bloop_client_pending(c) == 1);
  CHECK(bloop_client_wait(c, 5000) == bg);
  CHECK(bloop_call_result(bg, NULL, NULL, &err) == BLOOP_OK);
  bloop_call_free(bg);
  bloop_buf_free(&resp);

  /* Freeing a call in flight cancels it; the client carries on. */
  snprintf(body, sizeof body, "{\"TableName\":\"cancel|slow300\"}");
  CHECK(bloop_client_submit(c, "PutItem", body, strlen(body), NULL, &bg, &err) == BLOOP_OK);
  CHECK(bloop_client_wait(c, 20) == NULL);
  CHECK(bloop_call_result(bg, NULL, NULL, &err) == BLOOP_ESTATE);
  bloop_call_free(bg);
  CHECK(bloop_client_pending(c) == 0);
  CHECK(bloop_client_wait(c, 0) == NULL);
}

static void test_client_freed_first(void) {
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  bloop_client *c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  bloop_call *call;
  bloop_error err = BLOOP_ERROR_INIT;
  const char *body = "{\"TableName\":\"orphan|slow200\"}";
  CHECK(bloop_client_submit(c, "PutItem", body, strlen(body), NULL, &call, &err) == BLOOP_OK);
  bloop_client_free(c);
  CHECK(bloop_call_result(call, NULL, NULL, &err) == BLOOP_ESTATE);
  CHECK_STR(err.code, "ClientClosed");
  bloop_call_free(call);
}

/* An answer past the caps (a huge Content-Length, an endless chunked body, a 1 MB header
 * block) aborts the transfer as soon as the cap is passed: AnswerTooLarge naming the
 * endpoint and the limit, not retried, and the process never holds the whole answer. */
static void test_answer_caps(void) {
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  cfg.max_answer_bytes = 1 << 20;
  bloop_client *c = new_client(&cfg);
  if (!CHECK(c != NULL)) return;
  const char *scripts[] = {"capbig|big", "capendless|endless", "caphdr|bighdr"};
  for (size_t i = 0; i < 3; i++) {
    bloop_buf resp = BLOOP_BUF_INIT;
    bloop_error err = BLOOP_ERROR_INIT;
    long long t0 = fault_now_ms();
    bloop_status st = put(c, scripts[i], &resp, &err);
    CHECK_MSG(st == BLOOP_EPROTOCOL, scripts[i]);
    CHECK_STR(err.code, "AnswerTooLarge");
    CHECK_MSG(strstr(err.message, srv.endpoint) != NULL, err.message);
    CHECK_MSG(strstr(err.message, i == 2 ? "65536" : "1048576") != NULL, err.message);
    CHECK_MSG(err.attempts == 1, "an answer too large is not retried");
    CHECK_MSG(fault_now_ms() - t0 < 3000, "aborted at once, not read to the end");
    CHECK(resp.len == 0);
    bloop_buf_free(&resp);
  }
  /* The default cap lets ordinary answers through. */
  bloop_client_config_init(&cfg);
  CHECK(cfg.max_answer_bytes == 0);
  bloop_client_free(c);
}

/* Secrets never leave the client in an error: a server that echoes the Authorization
 * header and the session token gets them redacted; a password in the endpoint URL is
 * dropped from every message and from bloop_client_endpoint. */
static void test_secrets_redacted(void) {
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  cfg.aws.session_token = "FQoGZXIvYXdzEXAMPLETOKENxyz";
  bloop_client *c = new_client(&cfg);
  if (CHECK(c != NULL)) {
    bloop_buf resp = BLOOP_BUF_INIT;
    bloop_error err = BLOOP_ERROR_INIT;
    CHECK(put(c, "echo|echo", &resp, &err) == BLOOP_ESERVICE);
    CHECK_STR(err.code, "ValidationException");
    CHECK_MSG(strstr(err.message, "Authorization was") != NULL, err.message);
    CHECK_MSG(strstr(err.message, "[redacted]") != NULL, err.message);
    CHECK_MSG(strstr(err.message, "AKIDEXAMPLE") == NULL, err.message);
    CHECK_MSG(strstr(err.message, "EXAMPLETOKEN") == NULL, err.message);
    CHECK_MSG(strstr(err.message, "Signature=") != NULL &&
                  strstr(strstr(err.message, "Signature="), "[redacted]") != NULL,
              err.message);
    bloop_buf_free(&resp);
    bloop_client_free(c);
  }
  /* Port 1 refuses: the NetworkError names the endpoint without its password. */
  base_config(&cfg, "http://bob:hunter2-password@127.0.0.1:1");
  cfg.max_attempts = 1;
  c = new_client(&cfg);
  if (CHECK(c != NULL)) {
    CHECK_STR(bloop_client_endpoint(c), "http://127.0.0.1:1");
    bloop_buf resp = BLOOP_BUF_INIT;
    bloop_error err = BLOOP_ERROR_INIT;
    CHECK(put(c, "pw|ok", &resp, &err) == BLOOP_ENETWORK);
    CHECK_MSG(strstr(err.message, "hunter2") == NULL && strstr(err.message, "bob") == NULL,
              err.message);
    CHECK_MSG(strstr(err.message, "http://127.0.0.1:1") != NULL, err.message);
    bloop_buf_free(&resp);
    bloop_client_free(c);
  }
}

/* bloop_client_new fails early and clearly; dummy credentials from the environment work. */
static void test_new(void) {
  setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/bloop-credentials", 1);
  setenv("AWS_CONFIG_FILE", "/nonexistent/bloop-config", 1);
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("AWS_SESSION_TOKEN");
  unsetenv("AWS_PROFILE");
  bloop_client_config cfg;
  bloop_client_config_init(&cfg);
  cfg.aws.region = "us-east-1";
  cfg.aws.endpoint = srv.endpoint;
  bloop_client *c = (bloop_client *)&cfg;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_client_new(&cfg, &c, &err) == BLOOP_ECONFIG && c == NULL);
  CHECK_MSG(err.code[0] && err.message[0], err.message);

  base_config(&cfg, "ftp://127.0.0.1:1");
  CHECK(bloop_client_new(&cfg, &c, &err) == BLOOP_ECONFIG && c == NULL);
  CHECK_STR(err.code, "InvalidEndpoint");
  base_config(&cfg, srv.endpoint);
  cfg.max_attempts = 0;
  CHECK(bloop_client_new(&cfg, &c, &err) == BLOOP_EINVAL && c == NULL);
  base_config(&cfg, srv.endpoint);
  cfg.retry_cost = -1;
  CHECK(bloop_client_new(&cfg, &c, &err) == BLOOP_EINVAL && c == NULL);

  setenv("AWS_ACCESS_KEY_ID", "x", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
  setenv("AWS_REGION", "eu-west-1", 1);
  bloop_client_config_init(&cfg);
  cfg.aws.endpoint = srv.endpoint;
  c = NULL;
  CHECK(bloop_client_new(&cfg, &c, &err) == BLOOP_OK && c != NULL);
  if (c) {
    CHECK_STR(bloop_client_region(c), "eu-west-1");
    bloop_buf resp = BLOOP_BUF_INIT;
    CHECK(put(c, "envc|ok", &resp, &err) == BLOOP_OK);
    bloop_buf_free(&resp);
    bloop_client_free(c);
  }
}

int main(void) {
  if (!CHECK_MSG(fault_server_start(&srv), "fault server started")) return tap_done();
  tap_note("fault server on %s", srv.endpoint);
  bloop_client_config cfg;
  base_config(&cfg, srv.endpoint);
  bloop_client *c = new_client(&cfg);
  if (CHECK(c != NULL)) {
    const char *ep = srv.endpoint;
    CHECK_STR(bloop_client_endpoint(c), ep);
    CHECK_STR(bloop_client_region(c), "us-east-1");
    test_headers_and_throttling(c);
    test_5xx(c);
    test_not_retried(c);
    test_crc(c);
    test_retry_after(c);
    test_network(c);
    test_ambiguous(c);
    test_stale_connection(c);
    test_operations(c);
    test_concurrency(c);
    bloop_client_free(c);
  }
  test_skew();
  test_deadlines();
  test_quota();
  test_client_freed_first();
  test_answer_caps();
  test_secrets_redacted();
  test_new();
  fault_server_stop(&srv);
  return tap_done();
}
