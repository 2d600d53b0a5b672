/*
 * client.c: DynamoDB / DynamoDB Streams calls over the transport. See include/bloop/client.h.
 *
 * A call moves through: RUNNING (an attempt is on the wire), WAITING (backing off until
 * retry_at), DONE (finished, queued for bloop_client_wait) and RETURNED. Backoff is a
 * timestamp, never a sleep: bloop_client_wait polls the transport no longer than the
 * nearest retry timer, so one call backing off never holds up the others.
 * Every attempt is signed afresh with now + the client's clock offset.
 */
#include "bloop/client.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "bloop/operations.h"
#include "bloop/sigv4.h"
#include "base/clock.h"
#include "client/retry.h"
#include "net/transport.h"

#ifndef BLOOP_VERSION
#define BLOOP_VERSION "0"
#endif

/* Java v2's threshold: below it, a skew-class error is about something else than time. */
#define SKEW_MIN_S 240

typedef enum call_state { CALL_RUNNING, CALL_WAITING, CALL_DONE, CALL_RETURNED } call_state;

typedef struct call_list {
  bloop_call *head, *tail;
} call_list;

struct bloop_call {
  bloop_client *client;          /* NULL once the client is freed */
  call_state state;
  char target[96];               /* X-Amz-Target */
  char *body;
  size_t len;
  void *userdata;
  char invocation_id[37];
  int attempts;
  int last_retry_cost;           /* tokens paid for the latest retry; 0 if none */
  int skew_retried;
  int replay_retried;            /* a dead kept-alive connection was asked again at once */
  int maybe_applied;             /* an attempt may have been applied unseen (err.ambiguous) */
  char signature[65];            /* the latest attempt's, scrubbed from error messages */
  long long deadline_ms;         /* monotonic */
  long long retry_at_ms;
  bloopi_http_xfer *xfer;        /* while RUNNING */
  bloop_status status;
  bloop_error err;
  bloop_buf response;
  bloop_call *qprev, *qnext;     /* waiting list or done queue */
  bloop_call *aprev, *anext;     /* every call of the client not yet freed */
};

struct bloop_client {
  bloop_service service;
  bloop_client_config cfg;       /* numbers only; aws strings are not kept */
  bloop_credentials creds;
  char region[64];
  char endpoint[512];
  char shown[512];               /* the endpoint for messages: no user:password@ */
  char userinfo[256];            /* that user:password, redacted should a message hold it */
  char url[528];
  char host[300];
  bloop_sigv4 *signer;
  bloopi_http *http;
  bloopi_rng rng;
  bloopi_retry_quota quota;
  bloopi_retry_policy policy;
  long clock_offset_s;           /* server - local, learned from skew errors */
  call_list waiting, done;
  bloop_call *all;
  size_t pending;
};

static void list_push(call_list *l, bloop_call *call) {
  call->qnext = NULL;
  call->qprev = l->tail;
  if (l->tail) l->tail->qnext = call;
  else l->head = call;
  l->tail = call;
}

static void list_unlink(call_list *l, bloop_call *call) {
  if (call->qprev) call->qprev->qnext = call->qnext;
  else l->head = call->qnext;
  if (call->qnext) call->qnext->qprev = call->qprev;
  else l->tail = call->qprev;
  call->qprev = call->qnext = NULL;
}

void bloop_client_config_init(bloop_client_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->service = BLOOP_SERVICE_DYNAMODB;
  cfg->max_attempts = 4;
  cfg->base_delay_ms = 25;
  cfg->throttle_base_delay_ms = 1000;
  cfg->max_backoff_ms = 20000;
  cfg->retry_quota = 500;
  cfg->retry_cost = 14;
  cfg->throttle_retry_cost = 5;
  cfg->connect_timeout_ms = 10000;
  cfg->attempt_timeout_ms = 60000;
  cfg->call_timeout_ms = 0;
  cfg->low_speed_limit = 1;
  cfg->low_speed_time_s = 30;
  cfg->buffer_size = 256 * 1024;
}

/* The endpoint as messages show it: user information ("user:password@") is dropped, so a
 * password given in the URL never reaches an error, a log or explain(). */
static void strip_userinfo(const char *ep, char *out, size_t n, char *info, size_t ninfo) {
  const char *p = strstr(ep, "://");
  const char *auth = p ? p + 3 : ep;
  size_t alen = strcspn(auth, "/?#");
  const char *at = NULL;
  for (const char *q = auth; q < auth + alen; q++)
    if (*q == '@') at = q;
  info[0] = '\0';
  if (!at) {
    snprintf(out, n, "%s", ep);
    return;
  }
  snprintf(out, n, "%.*s%s", (int)(auth - ep), ep, at + 1);
  snprintf(info, ninfo, "%.*s", (int)(at - auth), auth);
}

/* "https://host:port/path" -> Host header "host:port" and the request URL. Reads c->shown,
 * which strip_userinfo has already freed of any "user:password@". */
static bloop_status parse_endpoint(bloop_client *c, bloop_error *err) {
  const char *ep = c->shown;
  const char *p = strstr(ep, "://");
  if (!p || (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0))
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidEndpoint",
                           "endpoint %s: expected http:// or https://", ep);
  const char *auth = p + 3;
  size_t alen = strcspn(auth, "/?#");
  if (alen == 0 || alen >= sizeof c->host)
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidEndpoint", "endpoint %s: no host", ep);
  memcpy(c->host, auth, alen);
  c->host[alen] = '\0';
  const char *rest = auth + alen;
  int n = snprintf(c->url, sizeof c->url, "%s%s", c->endpoint, *rest == '/' ? "" : "/");
  if (n < 0 || (size_t)n >= sizeof c->url)
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidEndpoint", "endpoint too long");
  return BLOOP_OK;
}

static bloop_status check_config(const bloop_client_config *cfg, bloop_error *err) {
  if (cfg->service != BLOOP_SERVICE_DYNAMODB && cfg->service != BLOOP_SERVICE_STREAMS)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidConfig", "unknown service %d",
                           (int)cfg->service);
  if (cfg->max_attempts < 1)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidConfig", "max_attempts must be >= 1");
  if (cfg->base_delay_ms < 0 || cfg->throttle_base_delay_ms < 0 || cfg->max_backoff_ms < 0 ||
      cfg->retry_quota < 0 || cfg->retry_cost < 0 || cfg->throttle_retry_cost < 0 ||
      cfg->connect_timeout_ms < 0 || cfg->attempt_timeout_ms < 0 || cfg->call_timeout_ms < 0 ||
      cfg->low_speed_limit < 0 || cfg->low_speed_time_s < 0 || cfg->buffer_size < 0)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidConfig",
                           "client config: delays, costs, timeouts and sizes must be >= 0");
  return BLOOP_OK;
}

bloop_status bloop_client_new(const bloop_client_config *cfg_in, bloop_client **out,
                              bloop_error *err) {
  *out = NULL;
  bloop_error_clear(err);
  bloop_client_config cfg;
  if (cfg_in) cfg = *cfg_in;
  else bloop_client_config_init(&cfg);
  bloop_status st = check_config(&cfg, err);
  if (st) return st;
  /* Zero means "the default" for these, so a zeroed struct still works. */
  if (cfg.connect_timeout_ms == 0) cfg.connect_timeout_ms = 10000;
  if (cfg.attempt_timeout_ms == 0) cfg.attempt_timeout_ms = 60000;
  if (cfg.buffer_size == 0) cfg.buffer_size = 256 * 1024;
  if (cfg.max_backoff_ms == 0) cfg.max_backoff_ms = 20000;
  if (cfg.max_answer_bytes == 0) cfg.max_answer_bytes = BLOOP_MAX_ANSWER_BYTES;

  bloop_client *c = calloc(1, sizeof *c);
  if (!c) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  bloop_credentials_init(&c->creds);
  c->service = cfg.service;
  c->cfg = cfg;
  memset(&c->cfg.aws, 0, sizeof c->cfg.aws);

  if ((st = bloop_credentials_resolve(&cfg.aws, &c->creds, err))) goto fail;
  if ((st = bloop_region_resolve(&cfg.aws, c->region, sizeof c->region, err))) goto fail;
  if ((st = bloop_endpoint_resolve(&cfg.aws, cfg.service, c->region, c->endpoint,
                                   sizeof c->endpoint, err)))
    goto fail;
  strip_userinfo(c->endpoint, c->shown, sizeof c->shown, c->userinfo, sizeof c->userinfo);
  if ((st = parse_endpoint(c, err))) goto fail;
  if (!(c->signer = bloop_sigv4_new())) {
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
    goto fail;
  }
  bloopi_http_config hc = {cfg.connect_timeout_ms, cfg.low_speed_limit, cfg.low_speed_time_s,
                           cfg.buffer_size, "bloop/" BLOOP_VERSION, cfg.max_answer_bytes,
                           BLOOP_MAX_ANSWER_HEADER_BYTES};
  if ((st = bloopi_http_new(&hc, &c->http, err))) goto fail;
  bloopi_rng_seed(&c->rng);
  c->quota.available = c->quota.max = cfg.retry_quota;
  c->policy.base_ms = cfg.base_delay_ms;
  c->policy.throttle_base_ms = cfg.throttle_base_delay_ms;
  c->policy.max_backoff_ms = cfg.max_backoff_ms;
  *out = c;
  return BLOOP_OK;
fail:
  bloop_client_free(c);
  return st;
}

/* Replaces every occurrence of secret in s (a C string) with "[redacted]", in place and
 * bounded by cap. Strings under 8 bytes are left alone: no real key is that short, and a
 * local server's dummy key ("x", "local") would otherwise blank words of every message. */
static void redact(char *s, size_t cap, const char *secret) {
  static const char mark[] = "[redacted]";
  size_t n = secret ? strlen(secret) : 0;
  if (n < 8) return;
  char *p = s;
  while ((p = strstr(p, secret)) != NULL) {
    size_t tail = strlen(p + n) + 1;              /* with the terminator */
    size_t room = cap - (size_t)(p - s);          /* bytes from p to the end of s's buffer */
    size_t m = sizeof mark - 1 < room ? sizeof mark - 1 : room - 1;
    if (m + tail > room) tail = room - m;         /* the longer text is cut at cap */
    memmove(p + m, p + n, tail);
    memcpy(p, mark, m);
    p[m + tail - 1] = '\0';
    p += m;
  }
}

/* A server may echo what it was sent (the Authorization header, the token) in an error
 * message; none of it leaves the client. The endpoint's password is dropped too. */
static void redact_error(const bloop_client *c, const bloop_call *call, bloop_error *e) {
  const char *secrets[] = {c->creds.secret_access_key, c->creds.session_token,
                           c->creds.access_key_id, call->signature, c->userinfo};
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
    redact(e->message, sizeof e->message, secrets[i]);
    redact(e->code, sizeof e->code, secrets[i]);
    redact(e->request_id, sizeof e->request_id, secrets[i]);
  }
}

static void call_finish(bloop_client *c, bloop_call *call, bloop_status st) {
  if (st != BLOOP_OK) redact_error(c, call, &call->err);
  call->status = st;
  call->err.status = st;
  call->err.attempts = call->attempts;
  call->err.ambiguous = call->maybe_applied;
  call->state = CALL_DONE;
  list_push(&c->done, call);
}

void bloop_client_free(bloop_client *c) {
  if (!c) return;
  /* Calls the caller still holds outlive the client: detach them, so bloop_call_free
   * works later and an unfinished call reports why it never finished. */
  for (bloop_call *call = c->all; call; call = call->anext) {
    if (call->state == CALL_RUNNING || call->state == CALL_WAITING) {
      call->status = bloop_error_set(&call->err, BLOOP_ESTATE, "ClientClosed",
                                     "the client was freed before the call finished");
      call->err.attempts = call->attempts;
      call->err.ambiguous = call->maybe_applied || call->state == CALL_RUNNING;
    }
    if (call->state != CALL_RETURNED) call->state = CALL_DONE;
    call->xfer = NULL;   /* bloopi_http_free releases it */
    call->client = NULL;
    call->qprev = call->qnext = NULL;
  }
  bloopi_http_free(c->http);
  bloop_sigv4_free(c->signer);
  bloop_credentials_clear(&c->creds);
  free(c);
}

const char *bloop_client_endpoint(const bloop_client *c) { return c->shown; }
const char *bloop_client_region(const bloop_client *c) { return c->region; }
bloop_service bloop_client_service(const bloop_client *c) { return c->service; }
size_t bloop_client_pending(const bloop_client *c) { return c->pending; }

/* Signs and sends the next attempt; on failure the call is finished with the error. */
/* A retry with less of the call's deadline left than this could not even connect: the call
 * ends with the last attempt's error instead (an attempt that timed out a millisecond
 * before the deadline used to start a second, doomed one). */
#define MIN_RETRY_MS 20

static void start_attempt(bloop_client *c, bloop_call *call) {
  long long now = bloopi_now_ms();
  long long left = call->deadline_ms - now;
  if (left <= 0 || (call->attempts > 0 && left < MIN_RETRY_MS)) {
    if (call->attempts > 0 && call->err.status) {
      /* keep the last attempt's error: it says more than "deadline" */
      call_finish(c, call, call->err.status);
    } else {
      bloop_error_set(&call->err, BLOOP_ETIMEOUT, "Timeout", "call deadline passed");
      call_finish(c, call, BLOOP_ETIMEOUT);
    }
    return;
  }
  call->attempts++;
  char sdk_request[48];
  snprintf(sdk_request, sizeof sdk_request, "attempt=%d; max=%d", call->attempts,
           c->cfg.max_attempts);
  bloop_header hs[3 + BLOOP_SIGV4_MAX_ADDED + 2] = {
    {"Host", c->host},
    {"Content-Type", "application/x-amz-json-1.0"},
    {"X-Amz-Target", call->target},
  };
  size_t nsigned = 3;
  bloop_sigv4_params sp = {0};
  sp.access_key_id = c->creds.access_key_id;
  sp.secret_access_key = c->creds.secret_access_key;
  sp.session_token = c->creds.session_token;
  sp.region = c->region;
  sp.service = "dynamodb";
  sp.time = time(NULL) + c->clock_offset_s;
  sp.normalize_path = 1;
  bloop_sigv4_request sr = {"POST", "/", NULL, hs, nsigned, call->body, call->len};
  bloop_sigv4_result res;
  bloop_sigv4_result_init(&res);
  bloop_error e = BLOOP_ERROR_INIT;
  bloop_error_clear(&e);
  bloop_status st = bloop_sigv4_sign(c->signer, &sp, &sr, 0, &res, &e);
  if (st) goto fail;
  memcpy(call->signature, res.signature, sizeof call->signature);
  /* What the signer adds: X-Amz-Date, the session token, and Authorization itself. */
  size_t n = nsigned;
  for (size_t i = 0; i < res.nadded && i < BLOOP_SIGV4_MAX_ADDED; i++) hs[n++] = res.added[i];
  hs[n++] = (bloop_header){"amz-sdk-invocation-id", call->invocation_id};
  hs[n++] = (bloop_header){"amz-sdk-request", sdk_request};
  long timeout = c->cfg.attempt_timeout_ms;
  if (left < timeout) timeout = (long)left;
  bloopi_http_request hr = {c->url, hs, n, call->body, call->len, timeout, call};
  st = bloopi_http_submit(c->http, &hr, &call->xfer, &e);
  bloop_sigv4_result_clear(&res);
  if (st) goto fail;
  call->state = CALL_RUNNING;
  return;
fail:
  bloop_sigv4_result_clear(&res);
  call->err = e;
  call_finish(c, call, st);
}

/* "ns#Code:extra" -> "Code" (smithy's sanitize_error_code). */
static void sanitize_code(const char *in, char *out, size_t n) {
  size_t len = strcspn(in, ":");
  const char *start = in;
  for (const char *p = in; p < in + len; p++)
    if (*p == '#') start = p + 1;
  len -= (size_t)(start - in);
  while (len && isspace((unsigned char)start[len - 1])) len--;
  if (len >= n) len = n - 1;
  memcpy(out, start, len);
  out[len] = '\0';
}

static const char *code_for_status(long status, char *buf, size_t n) {
  switch (status) {
    case 500: return "InternalServerError";
    case 503: return "ServiceUnavailable";
    default: snprintf(buf, n, "HTTP%ld", status); return buf;
  }
}

/* Fills err from a non-2xx answer; the body may be anything (moto answers HTML 500s). */
static void parse_service_error(const bloopi_http_response *r, bloop_error *err) {
  bloop_error_clear(err);
  err->status = BLOOP_ESERVICE;
  err->http_status = r->status;
  snprintf(err->request_id, sizeof err->request_id, "%s", r->request_id);
  const char *type = NULL, *msg = NULL;
  cJSON *json = NULL;
  const char *b = r->body.data ? r->body.data : "";
  size_t blen = r->body.len;
  size_t i = 0;
  while (i < blen && isspace((unsigned char)b[i])) i++;
  if (i < blen && b[i] == '{') json = cJSON_ParseWithLength(b, blen);
  if (json && cJSON_IsObject(json)) {
    cJSON *t = cJSON_GetObjectItemCaseSensitive(json, "__type");
    if (cJSON_IsString(t)) type = t->valuestring;
    cJSON *m = cJSON_GetObjectItemCaseSensitive(json, "message");
    if (!cJSON_IsString(m)) m = cJSON_GetObjectItemCaseSensitive(json, "Message");
    if (cJSON_IsString(m)) msg = m->valuestring;
  }
  if (r->error_type[0]) sanitize_code(r->error_type, err->code, sizeof err->code);
  if (!err->code[0] && type) sanitize_code(type, err->code, sizeof err->code);
  if (!err->code[0]) {
    char tmp[32];
    snprintf(err->code, sizeof err->code, "%s", code_for_status(r->status, tmp, sizeof tmp));
  }
  if (msg) {
    snprintf(err->message, sizeof err->message, "%s", msg);
  } else if (json) {
    snprintf(err->message, sizeof err->message, "HTTP %ld %s (no message)", r->status,
             err->code);
  } else {
    /* Show a short, printable prefix of whatever came back. */
    char prefix[201];
    size_t k = 0;
    for (size_t j = 0; j < blen && k < sizeof prefix - 1; j++) {
      unsigned char ch = (unsigned char)b[j];
      prefix[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    prefix[k] = '\0';
    if (blen == 0)
      snprintf(err->message, sizeof err->message, "HTTP %ld with an empty body", r->status);
    else
      snprintf(err->message, sizeof err->message, "HTTP %ld with a non-JSON body (%s): %s%s",
               r->status, r->content_type[0] ? r->content_type : "no content type", prefix,
               blen > k ? "..." : "");
  }
  cJSON_Delete(json);
}

/* RFC 7231 IMF-fixdate ("Tue, 25 Nov 2026 12:00:00 GMT"), parsed without the locale. */
static int parse_http_date(const char *s, time_t *out) {
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const char *comma = strchr(s, ',');
  if (!comma) return 0;
  int day, year, hh, mm, ss;
  char mon[4];
  if (sscanf(comma + 1, " %d %3s %d %d:%d:%d", &day, mon, &year, &hh, &mm, &ss) != 6) return 0;
  const char *m = strstr(months, mon);
  if (!m || strlen(mon) != 3 || (m - months) % 3) return 0;
  struct tm tm = {0};
  tm.tm_mday = day;
  tm.tm_mon = (int)((m - months) / 3);
  tm.tm_year = year - 1900;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  time_t t = timegm(&tm);
  if (t == (time_t)-1) return 0;
  *out = t;
  return 1;
}

static int check_crc32(const bloopi_http_response *r, char *why, size_t n) {
  if (!r->crc32[0]) return 1;   /* not sent: nothing to check */
  char *end;
  unsigned long long want = strtoull(r->crc32, &end, 10);
  if (*end || end == r->crc32 || r->crc32[0] == '-' || want > 0xffffffffULL) {
    snprintf(why, n, "x-amz-crc32 header is not a 32-bit number: \"%s\"", r->crc32);
    return 0;
  }
  unsigned long got = crc32_z(0L, (const unsigned char *)(r->body.data ? r->body.data : ""),
                              r->body.len);
  if (got != want) {
    snprintf(why, n, "x-amz-crc32 says %llu, body of %zu bytes has %lu", want, r->body.len,
             got);
    return 0;
  }
  return 1;
}

static void handle_done(bloop_client *c, bloopi_http_xfer *x) {
  bloop_call *call = bloopi_http_xfer_tag(x);
  bloopi_http_response *r = bloopi_http_xfer_response(x);
  call->xfer = NULL;
  bloop_error *e = &call->err;
  bloop_error_clear(e);
  bloopi_retry_class cls = BLOOPI_RETRY_NEVER;
  long retry_after = -1;
  char why[200];
  int unseen = 0;   /* this attempt may have been applied without an answer saying so */

  switch (r->outcome) {
    case BLOOPI_HTTP_NOMEM:
      bloop_error_set(e, BLOOP_ENOMEM, "OutOfMemory", "out of memory reading the answer");
      unseen = r->request_sent;
      break;
    case BLOOPI_HTTP_TOO_LARGE:
      /* Not retried: a server that sent it once will send it again. */
      bloop_error_set(e, BLOOP_EPROTOCOL, "AnswerTooLarge",
                      "%s: %s (limits: %zu bytes of body, max_answer_bytes; %zu of headers)",
                      c->shown, r->error, c->cfg.max_answer_bytes,
                      BLOOP_MAX_ANSWER_HEADER_BYTES);
      e->http_status = r->status;
      unseen = r->request_sent;
      break;
    case BLOOPI_HTTP_FATAL:
      bloop_error_set(e, BLOOP_ECONFIG, "InvalidEndpoint", "%s: %s", c->shown, r->error);
      break;
    case BLOOPI_HTTP_NETWORK:
      bloop_error_set(e, BLOOP_ENETWORK, "NetworkError", "%s: %s", c->shown, r->error);
      cls = BLOOPI_RETRY_TRANSIENT;
      unseen = r->request_sent;
      break;
    case BLOOPI_HTTP_TIMEOUT:
      bloop_error_set(e, BLOOP_ETIMEOUT, "Timeout", "%s: %s", c->shown, r->error);
      cls = BLOOPI_RETRY_TRANSIENT;
      unseen = r->request_sent;
      break;
    case BLOOPI_HTTP_DONE:
      if (!check_crc32(r, why, sizeof why)) {
        bloop_error_set(e, BLOOP_EPROTOCOL, "CRC32Mismatch", "%s", why);
        e->http_status = r->status;
        snprintf(e->request_id, sizeof e->request_id, "%s", r->request_id);
        cls = BLOOPI_RETRY_TRANSIENT;
        unseen = 1;   /* the answer, whatever it said, cannot be read */
        break;
      }
      if (r->status >= 200 && r->status <= 299) {
        bloopi_retry_quota_success(&c->quota, call->last_retry_cost);
        /* Move the body out: a 2 MB page is not copied. */
        bloop_buf_free(&call->response);
        call->response = r->body;
        bloop_buf_init(&r->body);
        bloopi_http_release(c->http, x);
        e->http_status = r->status;
        call_finish(c, call, BLOOP_OK);
        return;
      }
      parse_service_error(r, e);
      cls = bloopi_retry_classify(e->code, r->status);
      /* A 5xx other than throttling says nothing of whether the write happened. */
      unseen = r->status >= 500 && cls != BLOOPI_RETRY_THROTTLING;
      /* The answer's body is the caller's (bloop_client_call): a conditional write asked
       * with ReturnValuesOnConditionCheckFailure finds the item in it. */
      bloop_buf_free(&call->response);
      call->response = r->body;
      bloop_buf_init(&r->body);
      if (r->retry_after[0]) {
        char *end;
        long v = strtol(r->retry_after, &end, 10);
        if (!*end && end != r->retry_after && v >= 0) retry_after = v;
      }
      break;
  }

  call->maybe_applied |= unseen;

  /* A kept-alive connection the server closed while idle, found dead only once the request
   * was on it: asked again at once on a new connection, once a call, with no backoff and
   * nothing taken from the retry quota (a race of every idle timeout, not a sign of
   * trouble). It still counts as an attempt and marks the call as maybe applied. */
  if (r->outcome == BLOOPI_HTTP_NETWORK && r->replayed && !call->replay_retried &&
      call->attempts < c->cfg.max_attempts) {
    call->replay_retried = 1;
    bloopi_http_release(c->http, x);
    start_attempt(c, call);
    return;
  }

  if (cls == BLOOPI_RETRY_SKEW) {
    time_t server, local = time(NULL) + c->clock_offset_s;
    cls = BLOOPI_RETRY_NEVER;
    if (!call->skew_retried && parse_http_date(r->date, &server) &&
        labs((long)(server - local)) >= SKEW_MIN_S && call->attempts < c->cfg.max_attempts) {
      c->clock_offset_s = (long)(server - time(NULL));
      call->skew_retried = 1;
      bloopi_http_release(c->http, x);
      start_attempt(c, call);   /* at once: the wait would not help */
      return;
    }
  }
  bloopi_http_release(c->http, x);

  if (cls == BLOOPI_RETRY_NEVER || call->attempts >= c->cfg.max_attempts) {
    call_finish(c, call, e->status);
    return;
  }
  int throttling = cls == BLOOPI_RETRY_THROTTLING;
  int cost = throttling ? c->cfg.throttle_retry_cost : c->cfg.retry_cost;
  if (!bloopi_retry_quota_acquire(&c->quota, cost)) {
    call_finish(c, call, e->status);
    return;
  }
  long delay = bloopi_retry_delay_ms(&c->policy, call->attempts, throttling,
                                     bloopi_rng_unit(&c->rng), retry_after);
  long long now = bloopi_now_ms();
  if (now + delay >= call->deadline_ms) {
    /* The retry could not start before the call's deadline: give the tokens back. */
    c->quota.available += cost;
    call_finish(c, call, e->status);
    return;
  }
  call->last_retry_cost = cost;
  call->retry_at_ms = now + delay;
  call->state = CALL_WAITING;
  list_push(&c->waiting, call);
}

bloop_status bloop_client_submit(bloop_client *c, const char *op, const char *body,
                                 size_t len, void *userdata, bloop_call **out,
                                 bloop_error *err) {
  *out = NULL;
  bloop_error_clear(err);
  if (!op || (!body && len))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "operation or body missing");
  const bloop_operation *o = bloop_operation_find(c->service, op);
  if (!o)
    return bloop_error_set(err, BLOOP_EINVAL, "UnknownOperation",
                           "%s is not an operation of %s", op,
                           bloop_service_target_prefix(c->service));
  bloop_call *call = calloc(1, sizeof *call);
  if (!call || !(call->body = malloc(len ? len : 1))) {
    free(call);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  }
  if (len) memcpy(call->body, body, len);
  call->len = len;
  call->client = c;
  call->userdata = userdata;
  bloop_buf_init(&call->response);
  snprintf(call->target, sizeof call->target, "%s.%s", bloop_service_target_prefix(c->service),
           o->name);
  bloopi_rng_uuid(&c->rng, call->invocation_id);
  long long total = c->cfg.call_timeout_ms;
  if (total <= 0) total = (long long)c->cfg.attempt_timeout_ms * c->cfg.max_attempts;
  call->deadline_ms = bloopi_now_ms() + total;
  call->anext = c->all;
  if (c->all) c->all->aprev = call;
  c->all = call;
  c->pending++;
  start_attempt(c, call);
  *out = call;
  return BLOOP_OK;
}

static void fire_timers(bloop_client *c) {
  if (!c->waiting.head) return;
  long long now = bloopi_now_ms();
  bloop_call *call = c->waiting.head;
  while (call) {
    bloop_call *next = call->qnext;
    if (call->retry_at_ms <= now) {
      list_unlink(&c->waiting, call);
      start_attempt(c, call);
    }
    call = next;
  }
}

/* A broken multi handle fails every running call rather than spinning. */
static void fail_running(bloop_client *c, const bloop_error *e) {
  for (bloop_call *call = c->all; call; call = call->anext)
    if (call->state == CALL_RUNNING) {
      bloopi_http_release(c->http, call->xfer);
      call->xfer = NULL;
      call->err = *e;
      call_finish(c, call, e->status);
    }
}

/* A finished target, or (no targets) the first finished call. */
static bloop_call *done_target(bloop_client *c, bloop_call *const *targets, size_t n) {
  if (!targets) return c->done.head;
  for (size_t i = 0; i < n; i++)
    if (targets[i] && targets[i]->client == c && targets[i]->state == CALL_DONE)
      return targets[i];
  return NULL;
}

/* Nothing left to wait for: no target still unfinished (or, no targets, no call). */
static int nothing_to_wait(bloop_client *c, bloop_call *const *targets, size_t n) {
  if (!targets) return !c->waiting.head && bloopi_http_running(c->http) == 0;
  for (size_t i = 0; i < n; i++)
    if (targets[i] && targets[i]->client == c && targets[i]->state != CALL_RETURNED) return 0;
  return 1;
}

/* Drives transfers and timers until one of `targets` (or, when NULL, any call) is done.
 * Calls that are not targets finish into the done queue and wait there for their owner. */
static bloop_call *drive(bloop_client *c, long timeout_ms, bloop_call *const *targets,
                         size_t ntargets) {
  long long end = timeout_ms < 0 ? LLONG_MAX : bloopi_now_ms() + timeout_ms;
  int driven = 0;
  for (;;) {
    bloopi_http_xfer *x;
    while ((x = bloopi_http_next_done(c->http))) handle_done(c, x);
    fire_timers(c);
    bloop_call *got = done_target(c, targets, ntargets);
    if (got) {
      list_unlink(&c->done, got);
      got->state = CALL_RETURNED;
      c->pending--;
      return got;
    }
    if (nothing_to_wait(c, targets, ntargets)) return NULL;
    long long now = bloopi_now_ms();
    if (driven && now >= end) return NULL;
    long long wait = end - now;
    if (wait < 0) wait = 0;
    for (bloop_call *w = c->waiting.head; w; w = w->qnext)
      if (w->retry_at_ms - now < wait) wait = w->retry_at_ms - now < 0 ? 0 : w->retry_at_ms - now;
    bloop_error e = BLOOP_ERROR_INIT;
    if (bloopi_http_drive(c->http, (long)(wait > LONG_MAX ? LONG_MAX : wait), &e)) fail_running(c, &e);
    driven = 1;
  }
}

bloop_call *bloop_client_wait(bloop_client *c, long timeout_ms) {
  return drive(c, timeout_ms, NULL, 0);
}

bloop_call *bloop_client_wait_for(bloop_client *c, bloop_call *const *calls, size_t n,
                                  long timeout_ms) {
  static bloop_call *const none[1] = {NULL};
  return drive(c, timeout_ms, n ? calls : none, n);
}

bloop_status bloop_client_call(bloop_client *c, const char *op, const char *body, size_t len,
                               bloop_buf *response, bloop_error *err) {
  bloop_call *call;
  bloop_status st = bloop_client_submit(c, op, body, len, NULL, &call, err);
  if (st) return st;
  drive(c, -1, &call, 1);
  st = bloop_call_result(call, NULL, NULL, err);
  if ((st == BLOOP_OK || st == BLOOP_ESERVICE) && response) {
    bloop_buf_free(response);
    *response = call->response;
    bloop_buf_init(&call->response);
  }
  bloop_call_free(call);
  return st;
}

bloop_status bloop_call_result(const bloop_call *call, const char **body, size_t *len,
                               bloop_error *err) {
  if (body) *body = NULL;
  if (len) *len = 0;
  if (call->state == CALL_RUNNING || call->state == CALL_WAITING)
    return bloop_error_set(err, BLOOP_ESTATE, "NotFinished", "the call has not finished");
  if (err) *err = call->err;
  if (call->status == BLOOP_OK) {
    if (body) *body = call->response.data ? call->response.data : "";
    if (len) *len = call->response.len;
  }
  return call->status;
}

void *bloop_call_userdata(const bloop_call *call) { return call->userdata; }

int bloop_call_done(const bloop_call *call) {
  return call->state == CALL_DONE || call->state == CALL_RETURNED;
}

void bloop_call_free(bloop_call *call) {
  if (!call) return;
  bloop_client *c = call->client;
  if (c) {
    if (call->state == CALL_RUNNING) bloopi_http_release(c->http, call->xfer);
    else if (call->state == CALL_WAITING) list_unlink(&c->waiting, call);
    else if (call->state == CALL_DONE) list_unlink(&c->done, call);
    if (call->state != CALL_RETURNED) c->pending--;
    if (call->aprev) call->aprev->anext = call->anext;
    else c->all = call->anext;
    if (call->anext) call->anext->aprev = call->aprev;
  }
  free(call->body);
  bloop_buf_free(&call->response);
  free(call);
}
