/*
 * test_retry.c: the retry policy's pure parts (src/client/retry.h): classification, the
 * full-jitter delay with its cap and x-amz-retry-after clamp, the quota, and the random
 * source's UUIDs. The timing as seen on the wire is in test_client_faults.c.
 */
#include <string.h>

#include "client/retry.h"
#include "tap.h"

int main(void) {
  CHECK(bloopi_retry_classify("ProvisionedThroughputExceededException", 400) ==
        BLOOPI_RETRY_THROTTLING);
  CHECK(bloopi_retry_classify("TransactionInProgressException", 400) == BLOOPI_RETRY_THROTTLING);
  CHECK(bloopi_retry_classify("HTTP429", 429) == BLOOPI_RETRY_THROTTLING);
  CHECK(bloopi_retry_classify("InternalServerError", 500) == BLOOPI_RETRY_TRANSIENT);
  CHECK(bloopi_retry_classify("HTTP502", 502) == BLOOPI_RETRY_TRANSIENT);
  CHECK(bloopi_retry_classify("ServiceUnavailable", 503) == BLOOPI_RETRY_TRANSIENT);
  CHECK(bloopi_retry_classify("ReplicatedWriteConflictException", 400) == BLOOPI_RETRY_TRANSIENT);
  CHECK(bloopi_retry_classify("InvalidSignatureException", 400) == BLOOPI_RETRY_SKEW);
  CHECK(bloopi_retry_classify("RequestTimeTooSkewed", 403) == BLOOPI_RETRY_SKEW);
  const char *never[] = {"ConditionalCheckFailedException", "ValidationException",
                         "ResourceNotFoundException", "AccessDeniedException",
                         "TransactionCanceledException", "IncompleteSignatureException",
                         "UnrecognizedClientException", NULL};
  for (int i = 0; never[i]; i++) CHECK_MSG(bloopi_retry_classify(never[i], 400) ==
                                           BLOOPI_RETRY_NEVER, never[i]);

  bloopi_retry_policy p = {25, 1000, 20000};
  /* r = 0.5: half of min(base * 2^(i-1), cap) */
  CHECK(bloopi_retry_delay_ms(&p, 1, 0, 0.5, -1) == 12);
  CHECK(bloopi_retry_delay_ms(&p, 3, 0, 0.5, -1) == 50);
  CHECK(bloopi_retry_delay_ms(&p, 1, 1, 0.5, -1) == 500);
  CHECK(bloopi_retry_delay_ms(&p, 4, 1, 0.5, -1) == 4000);
  CHECK(bloopi_retry_delay_ms(&p, 6, 1, 0.5, -1) == 10000);     /* 32 s capped to 20 s */
  CHECK(bloopi_retry_delay_ms(&p, 200, 1, 0.999, -1) <= 20000);  /* no overflow */
  CHECK(bloopi_retry_delay_ms(&p, 1, 0, 0.0, -1) == 0);
  /* x-amz-retry-after, clamped to [computed, computed + 5 s] */
  CHECK(bloopi_retry_delay_ms(&p, 1, 1, 0.5, 800) == 800);
  CHECK(bloopi_retry_delay_ms(&p, 1, 1, 0.5, 100) == 500);
  CHECK(bloopi_retry_delay_ms(&p, 1, 1, 0.5, 60000) == 5500);

  bloopi_retry_quota q = {500, 500};
  int paid = 0;
  while (bloopi_retry_quota_acquire(&q, 14)) paid++;
  CHECK(paid == 35 && q.available == 10);
  CHECK(bloopi_retry_quota_acquire(&q, 5) && q.available == 5);
  bloopi_retry_quota_success(&q, 14);
  CHECK(q.available == 19);
  bloopi_retry_quota_success(&q, 0);
  CHECK(q.available == 20);
  q.available = 500;
  bloopi_retry_quota_success(&q, 14);
  CHECK(q.available == 500);   /* never above the maximum */

  bloopi_rng r;
  bloopi_rng_seed(&r);
  char a[37], b[37];
  bloopi_rng_uuid(&r, a);
  bloopi_rng_uuid(&r, b);
  CHECK(strlen(a) == 36 && a[8] == '-' && a[13] == '-' && a[14] == '4' && a[18] == '-' &&
        strchr("89ab", a[19]) && a[23] == '-');
  CHECK(strcmp(a, b) != 0);
  double lo = 1, hi = 0;
  for (int i = 0; i < 10000; i++) {
    double u = bloopi_rng_unit(&r);
    if (u < lo) lo = u;
    if (u > hi) hi = u;
  }
  CHECK(lo >= 0 && lo < 0.01 && hi < 1 && hi > 0.99);
  return tap_done();
}
