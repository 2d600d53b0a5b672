/*
 * sigv4.h: AWS Signature Version 4 (Authorization-header flavour) with OpenSSL.
 *
 * Owns: the canonical request, string to sign, signing-key derivation and the headers the
 * signer adds (X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256, Authorization). A
 * bloop_sigv4 caches OpenSSL EVP objects and the day's signing key (per secret, date,
 * region, service), so a signature costs a few microseconds.
 * Does not own: where credentials come from (creds.h), the clock (the caller passes the
 * time: signing is a pure function of its inputs) or sending anything (client.h).
 * A bloop_sigv4 is not thread-safe; use one per client.
 */
#ifndef BLOOP_SIGV4_H
#define BLOOP_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "bloop/buf.h"
#include "bloop/status.h"
#include "bloop/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The path is percent-encoded once more for the canonical URI (every byte but unreserved
 * and '/', '%' included: what non-S3 services verify). In the query, existing %XX escapes
 * are kept and other reserved bytes encoded; parameters are sorted by encoded key, then value.
 * Headers: all are signed except User-Agent, X-Amzn-Trace-Id, Expect, Connection and
 * Transfer-Encoding (proxies may change them). Repeated names are joined with ',' in the
 * order given. The request must not already carry a header the signer adds (Authorization,
 * X-Amz-Date, and X-Amz-Security-Token / x-amz-content-sha256 when the signer adds them) nor
 * a CR or LF in a value (unfold obsolete line folding before signing): BLOOP_EINVAL. */
typedef struct bloop_sigv4_request {
  const char *method;           /* "POST" */
  const char *path;             /* "/" ; raw, as on the request line */
  const char *query;            /* raw query without '?', or NULL */
  const bloop_header *headers;  /* must include Host */
  size_t nheaders;
  const void *body;
  size_t body_len;
} bloop_sigv4_request;

typedef struct bloop_sigv4_params {
  const char *access_key_id;
  const char *secret_access_key;
  const char *session_token;    /* NULL or "" when none */
  const char *region;
  const char *service;          /* "dynamodb" for DynamoDB and DynamoDB Streams */
  time_t time;                  /* seconds since the epoch, UTC */
  int normalize_path;           /* remove dot segments and collapse slashes (all but S3) */
  int sign_body;                /* add and sign x-amz-content-sha256 */
  int omit_session_token;       /* add the token header after signing (not signed) */
} bloop_sigv4_params;

#define BLOOP_SIGV4_MAX_ADDED 4

typedef struct bloop_sigv4_result {
  /* Headers the signer adds, in order; names/values point into this struct's storage or
   * into params (the session token), so they live as long as both. */
  bloop_header added[BLOOP_SIGV4_MAX_ADDED];
  size_t nadded;
  char amz_date[17];            /* 20150830T123600Z */
  char payload_hash[65];        /* hex SHA-256 of the body */
  char signature[65];           /* hex */
  char *authorization;          /* the Authorization header value (owned; see _clear) */
  /* Filled only when the request sets want_debug: for tests and explain(). */
  bloop_buf canonical_request;
  bloop_buf string_to_sign;
} bloop_sigv4_result;

typedef struct bloop_sigv4 bloop_sigv4;

/* Returns NULL when out of memory. */
bloop_sigv4 *bloop_sigv4_new(void);
void bloop_sigv4_free(bloop_sigv4 *s);

void bloop_sigv4_result_init(bloop_sigv4_result *r);
/* Frees what a result owns (wiping nothing secret: a result never holds the secret). */
void bloop_sigv4_result_clear(bloop_sigv4_result *r);

/* Signs req. With want_debug, also fills canonical_request and string_to_sign. out must have
 * been initialised with bloop_sigv4_result_init; it may be reused for many calls (each call
 * replaces its contents). On failure out->nadded is 0 and out->authorization NULL. */
bloop_status bloop_sigv4_sign(bloop_sigv4 *s, const bloop_sigv4_params *params,
                              const bloop_sigv4_request *req, int want_debug,
                              bloop_sigv4_result *out, bloop_error *err);

/* HMAC-SHA256 of data under key; with key_len 0 (key may be NULL), plain SHA-256. For
 * anything else that needs a keyed check (search cursors). 0 on failure. */
int bloop_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                      unsigned char out[32]);

#ifdef __cplusplus
}
#endif

#endif
