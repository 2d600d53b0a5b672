/*
 * batch.h: BatchWriteItem and BatchGetItem as complete executors over a bloop_client.
 *
 * Owns: validating every operation before anything is sent (item rules, 400 KB items, key
 * attributes present), chunking (25 writes or 100 keys and 16 MB per request), keeping up to
 * `concurrency` chunks in flight on the client's multi transport, draining UnprocessedItems /
 * UnprocessedKeys with exponential backoff and full jitter (its own loop, on top of the
 * client's HTTP retries), matching answers back to operations by key attribute name and
 * value, and reporting an outcome for every operation: nothing is dropped silently.
 * Does not own: the HTTP retries of one request (client.h does those: a chunk whose request
 * still fails after them is reported FAILED with the client's error), the items' memory
 * (caller-owned values are borrowed for the duration of the call), nor mapping tags to
 * objects (the engine does, through `tag`).
 *
 * Decisions:
 * - Two writes on one key (same table, equal key attributes: numbers compare numerically)
 *   cannot share a request (DynamoDB answers ValidationException). They are not refused:
 *   the later one is held back until the earlier one has an outcome, then sent in a later
 *   request, so they apply in input order. stats.deferred counts them.
 * - Identical keys in a batch get are requested once; the one answer fans out to every
 *   operation that asked (all of them share the same decoded item in the caller's arena).
 * - Backing off: a chunk whose answer left entries unprocessed keeps its concurrency slot
 *   and waits delay = rand[0,1) * min(max_delay_ms, base_delay_ms * 2^(round-1)) before
 *   resending just those entries (round 1 is the first resend); while it waits the other
 *   chunks' requests keep running. After max_rounds resends, or once deadline_ms has
 *   passed, what is left is reported UNPROCESSED. A slot that waits is not refilled, so a
 *   throttled table sees fewer requests, which is what backoff is for.
 * - A batch get always returns the key attributes, even with a ProjectionExpression (they
 *   are added to it when missing), since matching answers to keys needs them.
 * - The executor waits only for its own calls (bloop_client_wait_for): other calls on the
 *   client (a scan's pages in flight) keep running and stay theirs, so a batch may run
 *   while the client is busy with them.
 *
 * Status: BLOOP_OK once every operation has an outcome, even when some are FAILED or
 * UNPROCESSED (stats count them). BLOOP_EINVAL when an operation is invalid: nothing is
 * sent, that operation is FAILED with the reason in its error, and err names its index.
 * BLOOP_ENOMEM / BLOOP_ESTATE as usual; then outcomes are not meaningful.
 */
#ifndef BLOOP_BATCH_H
#define BLOOP_BATCH_H

#include <stddef.h>

#include "bloop/arena.h"
#include "bloop/client.h"
#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BLOOP_BATCH_WRITE_MAX 25                   /* BatchWriteItem entries per request */
#define BLOOP_BATCH_GET_MAX 100                    /* BatchGetItem keys per request */
#define BLOOP_BATCH_REQUEST_MAX (16 * 1024 * 1024) /* request body bytes */

typedef struct bloop_batch_config {
  int concurrency;          /* chunks in flight or backing off at once; default 4 */
  long base_delay_ms;       /* backoff base for unprocessed entries; default 50 */
  long max_delay_ms;        /* cap before jitter; default 5000 */
  int max_rounds;           /* resends of a chunk's unprocessed entries; default 8 */
  long deadline_ms;         /* whole call: no request or resend starts after it; 0 = none */
  /* Random source in [0, 1) for the jitter; NULL = a per-call xoshiro seeded from
   * getrandom. Tests pin it to check the delays. */
  double (*random)(void *ud);
  void *random_ud;
  /* 1: every request asks for ReturnConsumedCapacity TOTAL and stats.consumed sums the
   * CapacityUnits answered (resends included); default 0 */
  int capacity;
} bloop_batch_config;

/* Fills the defaults above. */
void bloop_batch_config_init(bloop_batch_config *cfg);

/* One table as the batch sees it. One struct per table name within a call. */
typedef struct bloop_batch_table {
  const char *name;
  const char *hash_key;     /* key attribute names; required for writes */
  const char *range_key;    /* NULL when the table has no range key */
  /* batch get only */
  int consistent_read;
  const char *projection;   /* ProjectionExpression; NULL = every attribute */
  const char *const *names; /* ExpressionAttributeNames for it: "#n", "name", ..., NULL */
} bloop_batch_table;

typedef enum bloop_batch_outcome {
  BLOOP_BATCH_PENDING = 0,  /* not decided (only after a failed validation or ENOMEM) */
  BLOOP_BATCH_DONE,         /* write applied */
  BLOOP_BATCH_FOUND,        /* get: item filled */
  BLOOP_BATCH_MISSING,      /* get: no such item */
  BLOOP_BATCH_UNPROCESSED,  /* still unprocessed after max_rounds or the deadline */
  BLOOP_BATCH_FAILED        /* invalid, or its request failed: see error */
} bloop_batch_outcome;

/* "done", "found", ... */
const char *bloop_batch_outcome_name(bloop_batch_outcome o);

typedef enum bloop_batch_kind { BLOOP_BATCH_PUT, BLOOP_BATCH_DELETE } bloop_batch_kind;

typedef struct bloop_batch_write_op {
  /* in: borrowed for the call */
  const bloop_batch_table *table;
  bloop_batch_kind kind;
  const bloop_value *item;  /* PUT: the whole item; DELETE: the key (an M of key attributes) */
  void *tag;
  /* out */
  bloop_batch_outcome outcome;
  bloop_error error;        /* FAILED: why; UNPROCESSED: code "Unprocessed" or "Deadline" */
} bloop_batch_write_op;

typedef struct bloop_batch_get_op {
  /* in: borrowed for the call */
  const bloop_batch_table *table;
  const bloop_value *key;   /* an M holding exactly the key attributes */
  void *tag;
  /* out */
  bloop_batch_outcome outcome;
  bloop_value item;         /* FOUND: the item, allocated in the caller's arena */
  bloop_error error;
} bloop_batch_get_op;

typedef struct bloop_batch_stats {
  size_t requests;          /* Batch*Item calls made (each may hide HTTP retries) */
  size_t resends;           /* of those, calls that resent unprocessed entries */
  int rounds;               /* highest resend round any chunk reached (0: none needed) */
  size_t retried;           /* entries resent, summed over resends */
  size_t deferred;          /* writes held back behind an earlier write on the same key */
  size_t unique_keys;       /* get: distinct keys requested */
  int peak_in_flight;       /* most requests on the wire at once */
  long max_delay_ms;        /* longest single backoff taken */
  long total_delay_ms;      /* sum of backoffs taken (they overlap other chunks' work) */
  size_t done, found, missing, unprocessed, failed;   /* outcomes, per operation */
  double consumed;          /* cfg.capacity: CapacityUnits of every answer, resends included
                               (a failed request's answer reports none) */
} bloop_batch_stats;

/* Runs every write. cfg may be NULL (defaults); stats may be NULL. */
bloop_status bloop_batch_write(bloop_client *c, const bloop_batch_config *cfg,
                               bloop_batch_write_op *ops, size_t n, bloop_batch_stats *stats,
                               bloop_error *err);

/* Reads every key; found items are decoded into `arena` (caller-owned, outlives the ops'
 * use of item). */
bloop_status bloop_batch_get(bloop_client *c, const bloop_batch_config *cfg,
                             bloop_batch_get_op *ops, size_t n, bloop_arena *arena,
                             bloop_batch_stats *stats, bloop_error *err);

#ifdef __cplusplus
}
#endif

#endif
