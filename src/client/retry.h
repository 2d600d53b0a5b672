/*
 * retry.h: the SDKs' standard retry mode, as data and pure functions (internal).
 *
 * Owns: which errors are retried and how (throttling, transient, clock skew, never), the
 * full-jitter delay with x-amz-retry-after clamping, the per-client retry quota, and the
 * per-client random source the jitter and invocation ids draw from.
 * Does not own: timers, attempts or sending (src/client/client.c drives those); the numbers
 * come from bloop_client_config (DynamoDB's 2026 values by default, reliability.md §1).
 */
#ifndef BLOOPI_RETRY_H
#define BLOOPI_RETRY_H

#include <stdint.h>

#include "base/bloopi.h"

typedef enum bloopi_retry_class {
  BLOOPI_RETRY_NEVER = 0,
  BLOOPI_RETRY_TRANSIENT,    /* 5xx, network, timeout, CRC32 mismatch: short base */
  BLOOPI_RETRY_THROTTLING,   /* throttling codes and 429: long base, cheaper in tokens */
  BLOOPI_RETRY_SKEW          /* correct the clock from Date, re-sign, retry once */
} bloopi_retry_class;

/* Classifies a service answer by its error code ("" when unknown) and HTTP status. */
BLOOPI_FUNC bloopi_retry_class bloopi_retry_classify(const char *code, long http_status);

typedef struct bloopi_retry_policy {
  long base_ms;
  long throttle_base_ms;
  long max_backoff_ms;
} bloopi_retry_policy;

/* Delay before retry number `retry` (1 for the first): rand[0,1) * min(base * 2^(retry-1),
 * cap). retry_after_ms < 0 means no x-amz-retry-after; otherwise the delay is that value
 * clamped to [computed, computed + 5 s]. */
BLOOPI_FUNC long bloopi_retry_delay_ms(const bloopi_retry_policy *p, int retry, int throttling,
                           double r01, long retry_after_ms);

/* The retry quota: a retry pays `cost` tokens or is not made; a success refunds. */
typedef struct bloopi_retry_quota {
  int available;
  int max;
} bloopi_retry_quota;

BLOOPI_FUNC int bloopi_retry_quota_acquire(bloopi_retry_quota *q, int cost);   /* 1 when paid */
/* After a 2xx: the cost of the call's last retry comes back, or 1 if it never retried. */
BLOOPI_FUNC void bloopi_retry_quota_success(bloopi_retry_quota *q, int last_retry_cost);

/* xoshiro256**: fast, small, good enough for jitter and v4 UUIDs; seeded from getrandom. */
typedef struct bloopi_rng {
  uint64_t s[4];
} bloopi_rng;

BLOOPI_FUNC void bloopi_rng_seed(bloopi_rng *r);
BLOOPI_FUNC uint64_t bloopi_rng_next(bloopi_rng *r);
BLOOPI_FUNC double bloopi_rng_unit(bloopi_rng *r);                /* [0, 1) */
BLOOPI_FUNC void bloopi_rng_uuid(bloopi_rng *r, char out[37]);    /* random (v4) UUID text */

#endif
