/*
 * stream.h: reading a table's DynamoDB stream as one ordered sequence of records.
 *
 * Owns: the shard tree (DescribeStream, paged), one iterator per active shard
 * (GetShardIterator, GetRecords), buffering, the order records come out in, following a
 * closed shard to its children, refreshing an expired iterator from the last record read,
 * heartbeats, moving to a position (trim horizon, latest, a time, a token) and the token
 * itself (plain JSON text, see below).
 * Does not own: objects or types (records carry bloop_values keyed by dynamo names), the
 * stream ARN (the caller gets it from bind), sleeping or waiting (next() returns "nothing
 * new" instead: the caller decides how long to wait), HTTP retries (client.h).
 *
 * Bounded work: one next() makes at most calls_to_reach_head GetRecords calls per active
 * shard (only while answers are empty and the shard has not yet reached its head; once it
 * has, one call per next()), plus DescribeStream pages when a shard closes. It never loops
 * until something arrives.
 * Order: exact within a shard and from a parent shard to its children (a child is read only
 * after its parent is exhausted); across shards, by ApproximateCreationDateTime and then by
 * arrival, which is approximate (DynamoDB gives no global order).
 * Iterators expire 15 minutes after they are issued. An expired iterator is replaced from
 * the last record read from that shard (AFTER_SEQUENCE_NUMBER) or, when nothing was read,
 * from TRIM_HORIZON; a LATEST iterator that expired before reading anything cannot be
 * replaced without possibly skipping records: that fails "ExpiredIteratorException", which
 * heartbeat() (every few minutes on a quiet stream) prevents.
 *
 * Token: {"stream_arn": ARN, "active": [shard ids], "shards": [{"shard_id": id,
 * "parent": id?, "iterator_type": "trim_horizon"|"latest"|"at_sequence"|"after_sequence",
 * "sequence_number": "..."?}]}: each active shard, and each closed shard whose records are
 * still buffered, with the position of the last record RETURNED by next() (records fetched
 * but not yet returned are read again after a resume). Empty fields are omitted.
 *
 * Errors: "InvalidStream" (BLOOP_EINVAL: a token for another stream, a token none of whose
 * shards still exists, a malformed token; ResourceNotFoundException from the service keeps
 * its code), "TrimmedDataAccessException" (the records were trimmed: RecordsExpired),
 * "ExpiredIteratorException" (see above); other service errors keep their codes.
 */
#ifndef BLOOP_STREAM_H
#define BLOOP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "bloop/buf.h"
#include "bloop/engine.h"
#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_stream_record {
  const char *shard_id;
  const char *event_id;           /* eventID */
  const char *event_name;         /* "INSERT", "MODIFY" or "REMOVE" */
  const char *event_version;      /* eventVersion, or "" */
  const char *sequence_number;
  int64_t created_at_us;          /* ApproximateCreationDateTime, microseconds since epoch */
  const char *view_type;          /* StreamViewType, or "" */
  const bloop_value *keys;        /* Keys (an M), or NULL */
  const bloop_value *old_image;   /* OldImage, or NULL when the record has none */
  const bloop_value *new_image;   /* NewImage, or NULL */
} bloop_stream_record;

typedef struct bloop_stream_config {
  int calls_to_reach_head;   /* GetRecords calls per shard per next() while empty; default 5 */
  int limit;                 /* GetRecords Limit; 0 = none (the service's 1000) */
  int describe_max_pages;    /* bound on DescribeStream pages per refresh; default 1000 */
} bloop_stream_config;

void bloop_stream_config_init(bloop_stream_config *cfg);

typedef struct bloop_stream bloop_stream;

/* A stream reader over the engine's session (borrowed: it must outlive the stream). Sends
 * nothing: move_to a position before next(). cfg may be NULL. */
bloop_status bloop_stream_new(bloop_engine *e, const char *stream_arn,
                              const bloop_stream_config *cfg, bloop_stream **out,
                              bloop_error *err);
void bloop_stream_free(bloop_stream *s);     /* accepts NULL */

/* Positions. trim_horizon: every root shard from its oldest record. latest: every leaf
 * shard from now on. time: the first records at or after `us` (whole seconds, as the
 * service's creation times have); a time in the future is latest. Expensive: it reads
 * from the trim horizon up to that time; save a token afterwards. token: resume (above);
 * a shard of the token whose records were trimmed restarts at its trim horizon. */
bloop_status bloop_stream_move_to_trim_horizon(bloop_stream *s, bloop_error *err);
bloop_status bloop_stream_move_to_latest(bloop_stream *s, bloop_error *err);
bloop_status bloop_stream_move_to_time(bloop_stream *s, int64_t us, bloop_error *err);
bloop_status bloop_stream_move_to_token(bloop_stream *s, const char *json, size_t len,
                                        bloop_error *err);

/* The next record, or *rec = NULL when nothing new arrived (bounded work, above). The
 * record lives until the next call to next / move_to / free. */
bloop_status bloop_stream_next(bloop_stream *s, const bloop_stream_record **rec,
                               bloop_error *err);

/* Keeps relative iterators alive: one GetRecords on each active shard that has not read a
 * record yet; what it finds is buffered for next(). */
bloop_status bloop_stream_heartbeat(bloop_stream *s, bloop_error *err);

/* Appends the token (JSON text) to out. */
bloop_status bloop_stream_token(const bloop_stream *s, bloop_buf *out, bloop_error *err);

const char *bloop_stream_arn(const bloop_stream *s);
/* Requests sent so far (every DescribeStream, GetShardIterator and GetRecords). */
size_t bloop_stream_calls(const bloop_stream *s);

#ifdef __cplusplus
}
#endif

#endif
