/*
 * client.h: a DynamoDB or DynamoDB Streams client speaking the JSON 1.0 protocol over
 * libcurl, with signing, retries and response checks.
 *
 * Owns: one curl multi handle with kept-alive connections, the request headers
 * (X-Amz-Target, content type, amz-sdk-invocation-id / amz-sdk-request), signing every
 * attempt afresh, the SDKs' standard retry mode (with DynamoDB's 2026 numbers), the
 * x-amz-crc32 check over the raw body, clock-skew correction from the response Date,
 * deadlines, and turning error answers into bloop_error values.
 * Does not own: the JSON of a request or response beyond reading an error's __type and
 * message: bodies go in and come out as bytes, so callers choose how to build and parse
 * them. Operation names are checked against bloop_operations (operations.h).
 * A client is not thread-safe: one thread drives it. Many calls can be in flight at once
 * (submit several, then wait); a synchronous call is submit + wait for that call alone.
 */
#ifndef BLOOP_CLIENT_H
#define BLOOP_CLIENT_H

#include <stddef.h>

#include "bloop/buf.h"
#include "bloop/creds.h"
#include "bloop/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_client_config {
  bloop_service service;
  bloop_aws_settings aws;          /* profile, explicit keys, region, endpoint */
  int max_attempts;                /* attempts including the first; default 4 */
  long base_delay_ms;              /* full-jitter base for transient errors; default 25 */
  long throttle_base_delay_ms;     /* base for throttling errors; default 1000 */
  long max_backoff_ms;             /* cap applied before jitter; default 20000 */
  int retry_quota;                 /* tokens; default 500 */
  int retry_cost;                  /* per ordinary retry; default 14 */
  int throttle_retry_cost;         /* per throttling retry; default 5 */
  long connect_timeout_ms;         /* default 10000 */
  long attempt_timeout_ms;         /* one attempt; default 60000 */
  long call_timeout_ms;            /* all attempts of one call; 0 = attempts * attempt */
  long low_speed_limit;            /* bytes/s below which ... (default 1) */
  long low_speed_time_s;           /* ... for this long aborts the attempt (default 30) */
  long buffer_size;                /* CURLOPT_BUFFERSIZE; default 256 KiB */
  size_t max_answer_bytes;         /* an answer's body over this aborts the call with
                                    * "AnswerTooLarge"; default BLOOP_MAX_ANSWER_BYTES */
} bloop_client_config;

/* DynamoDB's largest answers are a 16 MB BatchGetItem and 1 MB query pages, counted in
 * item bytes; their JSON text is larger (type tags, quoting, base64), so the default cap
 * leaves room for that and still stops an endless or runaway answer at once. */
#define BLOOP_MAX_ANSWER_BYTES ((size_t)64 << 20)
/* The header block of one answer (DynamoDB sends well under 1 KiB); not configurable. */
#define BLOOP_MAX_ANSWER_HEADER_BYTES ((size_t)64 << 10)
/* Start from bloop_client_config_init. bloop_client_new rejects negative numbers and
 * max_attempts < 1 (BLOOP_EINVAL); a zero connect/attempt timeout, backoff cap, buffer
 * size or answer cap means the default. */

/* Fills every field with its default (all strings NULL: resolved from the environment). */
void bloop_client_config_init(bloop_client_config *cfg);

typedef struct bloop_client bloop_client;
typedef struct bloop_call bloop_call;

/* Resolves credentials, region and endpoint now, so a misconfiguration fails here with
 * one clear error. On success *out owns a client; free it with bloop_client_free. */
bloop_status bloop_client_new(const bloop_client_config *cfg, bloop_client **out,
                              bloop_error *err);
void bloop_client_free(bloop_client *c);

/* The resolved endpoint (without any user:password@ it was given with) and region, for
 * messages and explain(). */
const char *bloop_client_endpoint(const bloop_client *c);
const char *bloop_client_region(const bloop_client *c);
bloop_service bloop_client_service(const bloop_client *c);

/* One call, synchronously: op is an operation name ("PutItem"), body the JSON request.
 * On BLOOP_OK, response holds the JSON answer. On failure err says why; when the service
 * answered, err->code/message/http_status/request_id are its own, and response holds the
 * error answer's body (BLOOP_ESERVICE: a ConditionalCheckFailedException asked with
 * ReturnValuesOnConditionCheckFailure carries the item there). err->ambiguous is 1 when an
 * attempt may have been applied unseen (status.h): the whole request was sent and its
 * answer was lost, timed out, was a 5xx other than throttling, or failed its CRC32. */
bloop_status bloop_client_call(bloop_client *c, const char *op, const char *body, size_t len,
                               bloop_buf *response, bloop_error *err);

/* Starts a call (the body is copied) and returns at once; *out is owned by the caller
 * and freed with bloop_call_free (also valid before it completes: it is cancelled). */
bloop_status bloop_client_submit(bloop_client *c, const char *op, const char *body,
                                 size_t len, void *userdata, bloop_call **out,
                                 bloop_error *err);

/* Drives every in-flight call (transfers and retry timers) until one completes or
 * timeout_ms passes (-1: no limit). Returns a completed call, each exactly once, or NULL
 * when none completed in time or none is in flight. */
bloop_call *bloop_client_wait(bloop_client *c, long timeout_ms);

/* Drives every in-flight call, as bloop_client_wait does, until one of the n calls given
 * completes or timeout_ms passes; returns it (each exactly once), or NULL when none did in
 * time or none of them is still unreturned. Other calls that complete meanwhile stay
 * queued for whoever waits for them, so several users of one client (a scan with pages in
 * flight, a batch, a synchronous call) never take each other's answers. NULL entries and
 * calls of another client are ignored. */
bloop_call *bloop_client_wait_for(bloop_client *c, bloop_call *const *calls, size_t n,
                                  long timeout_ms);

/* Calls submitted but not yet returned by bloop_client_wait. */
size_t bloop_client_pending(const bloop_client *c);

/* A completed call's outcome: BLOOP_OK and the body, or the error. The body stays owned
 * by the call. err (may be NULL) is filled either way: on success it carries
 * attempts and http_status, so callers can see that a call was retried. A call not yet
 * returned by bloop_client_wait gives BLOOP_ESTATE ("NotFinished"); one whose client was
 * freed first gives BLOOP_ESTATE ("ClientClosed"). */
bloop_status bloop_call_result(const bloop_call *call, const char **body, size_t *len,
                               bloop_error *err);
void *bloop_call_userdata(const bloop_call *call);
/* The call has completed (its result is ready), whether or not a wait returned it yet;
 * also true once its client was freed. */
int bloop_call_done(const bloop_call *call);
void bloop_call_free(bloop_call *call);

#ifdef __cplusplus
}
#endif

#endif
