/*
 * transport.h: the narrow HTTP interface the client sends through (internal).
 *
 * Owns: many requests in flight at once over kept-alive connections (one libcurl multi
 * handle in http_curl.c), a pool of reusable transfers, and collecting each finished
 * transfer's HTTP status, the few response headers the client reads and the raw body
 * bytes (never decoded: x-amz-crc32 is computed over the bytes as sent).
 * Does not own: signing, retries, deadlines across attempts or what an answer means;
 * those live in the client (src/client/client.c). The interface is small so that a fake
 * transport can stand in for it in unit tests.
 * Not thread-safe: one thread drives a bloopi_http.
 */
#ifndef BLOOPI_TRANSPORT_H
#define BLOOPI_TRANSPORT_H

#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/buf.h"
#include "bloop/status.h"
#include "bloop/wire.h"

typedef struct bloopi_http_config {
  long connect_timeout_ms;
  long low_speed_limit;    /* bytes/s ... */
  long low_speed_time_s;   /* ... below which for this long aborts a transfer */
  long buffer_size;        /* CURLOPT_BUFFERSIZE */
  const char *user_agent;  /* copied */
  size_t max_body;         /* an answer's body over this many bytes aborts the transfer */
  size_t max_headers;      /* so does a header block over this many */
} bloopi_http_config;

/* How a transfer ended, as far as the transport can tell. */
typedef enum bloopi_http_outcome {
  BLOOPI_HTTP_DONE = 0,    /* a complete HTTP answer arrived (any status) */
  BLOOPI_HTTP_NETWORK,     /* refused, reset, DNS, TLS, short body: no valid answer */
  BLOOPI_HTTP_TIMEOUT,     /* connect, attempt or low-speed limit */
  BLOOPI_HTTP_NOMEM,
  BLOOPI_HTTP_TOO_LARGE,   /* the body or the headers passed their cap: aborted at once */
  BLOOPI_HTTP_FATAL        /* a request that can never work (malformed URL, ...) */
} bloopi_http_outcome;

/* Header values longer than these are truncated (they are ids, dates and numbers). */
typedef struct bloopi_http_response {
  bloopi_http_outcome outcome;
  char error[256];          /* libcurl's message when outcome != DONE */
  long status;              /* HTTP status; 0 when none arrived */
  char date[64];            /* "" when absent */
  char crc32[32];
  char request_id[128];     /* x-amzn-RequestId */
  char retry_after[32];     /* x-amz-retry-after */
  char error_type[128];     /* x-amzn-ErrorType */
  char content_type[96];
  bloop_buf body;           /* raw bytes; the client may move them out */
  /* The whole request body went out on a connection, so the server may have acted on it
   * whatever the outcome. A request libcurl would replay on a fresh connection after a
   * reused one died unanswered is not replayed: that transfer ends NETWORK with this set,
   * and the client decides about another attempt (it counts and knows the first may have
   * been applied; the first such one of a call is asked again at once, see client.c). */
  int request_sent;
  int replayed;                /* a kept-alive connection died under the request with no
                                * answer: curl's replay was refused (http_curl.c on_prereq) */
} bloopi_http_response;

typedef struct bloopi_http_request {
  const char *url;
  const bloop_header *headers;   /* copied at submit */
  size_t nheaders;
  const void *body;              /* borrowed until the transfer is released */
  size_t body_len;
  long timeout_ms;               /* whole transfer; > 0 */
  void *tag;                     /* returned by bloopi_http_xfer_tag */
} bloopi_http_request;

typedef struct bloopi_http bloopi_http;
typedef struct bloopi_http_xfer bloopi_http_xfer;

BLOOPI_FUNC bloop_status bloopi_http_new(const bloopi_http_config *cfg, bloopi_http **out,
                             bloop_error *err);
/* Aborts and frees every transfer, finished or not. */
BLOOPI_FUNC void bloopi_http_free(bloopi_http *h);

/* Starts a request. *out stays valid until bloopi_http_release. */
BLOOPI_FUNC bloop_status bloopi_http_submit(bloopi_http *h, const bloopi_http_request *req,
                                bloopi_http_xfer **out, bloop_error *err);

/* Moves transfers along, waiting at most timeout_ms (0: do not wait) for socket activity.
 * Waits the whole time when nothing is in flight, so callers can sleep on timers here. */
BLOOPI_FUNC bloop_status bloopi_http_drive(bloopi_http *h, long timeout_ms, bloop_error *err);

/* The next finished transfer (each once), or NULL. */
BLOOPI_FUNC bloopi_http_xfer *bloopi_http_next_done(bloopi_http *h);

BLOOPI_FUNC bloopi_http_response *bloopi_http_xfer_response(bloopi_http_xfer *x);
BLOOPI_FUNC void *bloopi_http_xfer_tag(const bloopi_http_xfer *x);

/* Hands a transfer back to the pool; an unfinished one is aborted first. */
BLOOPI_FUNC void bloopi_http_release(bloopi_http *h, bloopi_http_xfer *x);

/* Transfers submitted and not yet finished. */
BLOOPI_FUNC size_t bloopi_http_running(const bloopi_http *h);

#endif
