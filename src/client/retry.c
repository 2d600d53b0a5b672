/* retry.c: retry classification, backoff, quota and jitter source. See retry.h. */
#include "client/retry.h"

#include "base/clock.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* reliability.md §2; botocore's standard-mode lists. */
static const char *const throttling_codes[] = {
  "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
  "TransactionInProgressException", "LimitExceededException", "Throttling",
  "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
  "RequestThrottled", "SlowDown", "BandwidthLimitExceeded", "PriorRequestNotComplete",
  "EC2ThrottledException", NULL};

static const char *const transient_codes[] = {
  "InternalServerError", "InternalFailure", "ServiceUnavailable", "RequestTimeout",
  "RequestTimeoutException", "ReplicatedWriteConflictException", NULL};

static const char *const skew_codes[] = {
  "RequestTimeTooSkewed", "InvalidSignatureException", "SignatureDoesNotMatch",
  "RequestExpired", "RequestInTheFuture", "AuthFailure", NULL};

static int in_list(const char *const *list, const char *code) {
  for (; *list; list++)
    if (strcmp(*list, code) == 0) return 1;
  return 0;
}

bloopi_retry_class bloopi_retry_classify(const char *code, long http_status) {
  if (!code) code = "";
  if (in_list(throttling_codes, code) || http_status == 429) return BLOOPI_RETRY_THROTTLING;
  if (in_list(skew_codes, code)) return BLOOPI_RETRY_SKEW;
  if (in_list(transient_codes, code)) return BLOOPI_RETRY_TRANSIENT;
  if (http_status >= 500 && http_status <= 599) return BLOOPI_RETRY_TRANSIENT;
  return BLOOPI_RETRY_NEVER;
}

long bloopi_retry_delay_ms(const bloopi_retry_policy *p, int retry, int throttling,
                           double r01, long retry_after_ms) {
  double base = (double)(throttling ? p->throttle_base_ms : p->base_ms);
  double cap = (double)p->max_backoff_ms;
  double d = base;
  /* The cap applies before jitter; stop doubling once past it (no overflow). */
  for (int i = 1; i < retry && d < cap; i++) d *= 2;
  if (d > cap) d = cap;
  long computed = (long)(r01 * d);
  if (retry_after_ms >= 0) {
    long hi = computed + 5000;
    if (retry_after_ms < computed) return computed;
    return retry_after_ms > hi ? hi : retry_after_ms;
  }
  return computed;
}

int bloopi_retry_quota_acquire(bloopi_retry_quota *q, int cost) {
  if (q->available < cost) return 0;
  q->available -= cost;
  return 1;
}

void bloopi_retry_quota_success(bloopi_retry_quota *q, int last_retry_cost) {
  q->available += last_retry_cost > 0 ? last_retry_cost : 1;
  if (q->available > q->max) q->available = q->max;
}

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void bloopi_rng_seed(bloopi_rng *r) {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
    /* No entropy yet (early boot): jitter only needs to differ between clients. */
    seed = (uint64_t)bloopi_now_us() * 1000000007ULL ^
           ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)r;
  }
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t bloopi_rng_next(bloopi_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double bloopi_rng_unit(bloopi_rng *r) {
  return (double)(bloopi_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

void bloopi_rng_uuid(bloopi_rng *r, char out[37]) {
  unsigned char b[16];
  uint64_t a = bloopi_rng_next(r), c = bloopi_rng_next(r);
  memcpy(b, &a, 8);
  memcpy(b + 8, &c, 8);
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  /* One per request: hex by hand (a 16-argument snprintf showed in the profile). */
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = hex[b[i] >> 4];
    out[o++] = hex[b[i] & 15];
  }
  out[o] = '\0';
}
