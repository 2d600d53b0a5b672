/*
 * test_stream.c: the stream reader (stream.h), offline, against a fake DynamoDB Streams
 * service played by the session's `call`: a shard tree (a closed parent with two open
 * children), paged DescribeStream, iterators that can be made to expire, trimmed data.
 * Checks the requests sent, the order records come out in, following a closed shard to
 * its children, bounded work per next(), tokens (JSON) and every move_to.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/stream.h"
#include "tap.h"

#define ARN "arn:aws:dynamodb:us-east-1:1:table/t/stream/x"
#define MAXR 16

typedef struct fshard {
  const char *id, *parent;
  long seq[MAXR];          /* sequence numbers */
  long created[MAXR];      /* seconds */
  int n;
  int closed;
  long trimmed_below;      /* AT/AFTER a sequence number below this: trimmed */
  int gone;                /* not listed by DescribeStream any more */
} fshard;

typedef struct fake {
  fshard sh[3];
  int calls, describes, iterators, gets;
  int expire_next;         /* the next GetRecords answers ExpiredIteratorException */
  char last_type[32];      /* ShardIteratorType of the last GetShardIterator */
  char last_seq[32];
} fake;

static fshard *fshard_find(fake *f, const char *id) {
  for (int i = 0; i < 3; i++)
    if (strcmp(f->sh[i].id, id) == 0) return &f->sh[i];
  return NULL;
}

static void add_rec(fshard *s, long seq, long created) {
  s->seq[s->n] = seq;
  s->created[s->n] = created;
  s->n++;
}

static bloop_status fail(bloop_error *err, const char *code) {
  bloop_error_set(err, BLOOP_ESERVICE, code, "%s (fake)", code);
  err->http_status = 400;
  return BLOOP_ESERVICE;
}

static bloop_status fake_call(void *ud, bloop_service service, const char *op, const char *body,
                              size_t len, bloop_buf *out, bloop_error *err) {
  fake *f = ud;
  f->calls++;
  cJSON *req = cJSON_ParseWithLength(body, len);
  bloop_status st = BLOOP_OK;
  bloop_buf_reset(out);
  if (service != BLOOP_SERVICE_STREAMS) {
    st = fail(err, "WrongService");
  } else if (strcmp(op, "DescribeStream") == 0) {
    f->describes++;
    const cJSON *arn = cJSON_GetObjectItem(req, "StreamArn");
    const cJSON *start = cJSON_GetObjectItem(req, "ExclusiveStartShardId");
    if (!cJSON_IsString(arn) || strcmp(arn->valuestring, ARN) != 0) {
      st = fail(err, "ResourceNotFoundException");
      goto done;
    }
    /* two shards per page */
    int i = 0;
    if (cJSON_IsString(start))
      while (i < 3 && strcmp(f->sh[i].id, start->valuestring) != 0) i++, (void)0;
    if (cJSON_IsString(start)) i++;
    bloop_buf_puts(out, "{\"StreamDescription\":{\"StreamArn\":\"" ARN "\",\"Shards\":[");
    int listed = 0;
    const char *last = NULL;
    for (; i < 3 && listed < 2; i++) {
      if (f->sh[i].gone) continue;
      bloop_buf_printf(out, "%s{\"ShardId\":\"%s\"", listed ? "," : "", f->sh[i].id);
      if (f->sh[i].parent) bloop_buf_printf(out, ",\"ParentShardId\":\"%s\"", f->sh[i].parent);
      bloop_buf_putc(out, '}');
      listed++;
      last = f->sh[i].id;
    }
    bloop_buf_putc(out, ']');
    if (listed == 2 && i < 3) bloop_buf_printf(out, ",\"LastEvaluatedShardId\":\"%s\"", last);
    bloop_buf_puts(out, "}}");
  } else if (strcmp(op, "GetShardIterator") == 0) {
    f->iterators++;
    fshard *s = fshard_find(f, cJSON_GetObjectItem(req, "ShardId")->valuestring);
    const char *type = cJSON_GetObjectItem(req, "ShardIteratorType")->valuestring;
    const cJSON *seq = cJSON_GetObjectItem(req, "SequenceNumber");
    snprintf(f->last_type, sizeof f->last_type, "%s", type);
    snprintf(f->last_seq, sizeof f->last_seq, "%s", cJSON_IsString(seq) ? seq->valuestring : "");
    int pos = 0;
    if (strcmp(type, "LATEST") == 0) pos = s->n;
    if (cJSON_IsString(seq)) {
      long q = atol(seq->valuestring);
      if (q < s->trimmed_below) {
        st = fail(err, "TrimmedDataAccessException");
        goto done;
      }
      while (pos < s->n && s->seq[pos] < q) pos++;
      if (strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0 && pos < s->n && s->seq[pos] == q) pos++;
    }
    bloop_buf_printf(out, "{\"ShardIterator\":\"%s|%d\"}", s->id, pos);
  } else if (strcmp(op, "GetRecords") == 0) {
    f->gets++;
    if (f->expire_next) {
      f->expire_next = 0;
      st = fail(err, "ExpiredIteratorException");
      goto done;
    }
    char id[64];
    const char *it = cJSON_GetObjectItem(req, "ShardIterator")->valuestring;
    const char *bar = strchr(it, '|');
    snprintf(id, sizeof id, "%.*s", (int)(bar - it), it);
    int pos = atoi(bar + 1);
    fshard *s = fshard_find(f, id);
    bloop_buf_puts(out, "{\"Records\":[");
    int k = 0;
    for (; pos < s->n && k < 2; pos++, k++)
      bloop_buf_printf(out,
                       "%s{\"eventID\":\"e%ld\",\"eventName\":\"INSERT\",\"eventVersion\":\"1.1\","
                       "\"dynamodb\":{\"ApproximateCreationDateTime\":%ld,\"SequenceNumber\":\"%ld\","
                       "\"StreamViewType\":\"NEW_IMAGE\",\"Keys\":{\"id\":{\"S\":\"k%ld\"}},"
                       "\"NewImage\":{\"id\":{\"S\":\"k%ld\"},\"n\":{\"N\":\"%ld\"}}}}",
                       k ? "," : "", s->seq[pos], s->created[pos], s->seq[pos], s->seq[pos],
                       s->seq[pos], s->seq[pos]);
    bloop_buf_putc(out, ']');
    if (!(s->closed && pos >= s->n))
      bloop_buf_printf(out, ",\"NextShardIterator\":\"%s|%d\"", s->id, pos);
    bloop_buf_putc(out, '}');
  } else {
    st = fail(err, "UnknownOperationException");
  }
done:
  cJSON_Delete(req);
  return st;
}

static void fake_init(fake *f) {
  memset(f, 0, sizeof *f);
  f->sh[0].id = "P";
  f->sh[1].id = "C1";
  f->sh[1].parent = "P";
  f->sh[2].id = "C2";
  f->sh[2].parent = "P";
  f->sh[0].closed = 1;
  add_rec(&f->sh[0], 1, 100);
  add_rec(&f->sh[0], 2, 101);
  add_rec(&f->sh[0], 3, 102);
  add_rec(&f->sh[1], 4, 103);
  add_rec(&f->sh[2], 5, 104);
}

static bloop_engine *engine_for(fake *f) {
  bloop_session s;
  memset(&s, 0, sizeof s);
  s.call = fake_call;
  s.ud = f;
  bloop_engine *e = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_engine_new(&s, NULL, &e, &err)) tap_note("engine: %s", err.message);
  return e;
}

/* next() as the record's sequence number (0: nothing new, -1: error). */
static long next_seq(bloop_stream *s) {
  const bloop_stream_record *r;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_next(s, &r, &err)) {
    tap_note("next: %s: %s", err.code, err.message);
    return -1;
  }
  return r ? atol(r->sequence_number) : 0;
}

static char *token_of(bloop_stream *s) {
  bloop_buf b = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_stream_token(s, &b, &err);
  char *t = strdup(b.data ? b.data : "");
  bloop_buf_free(&b);
  return t;
}

static void test_walk(void) {
  fake f;
  fake_init(&f);
  bloop_engine *e = engine_for(&f);
  bloop_stream *s = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_stream_new(e, ARN, NULL, &s, &err) == BLOOP_OK);
  CHECK(bloop_stream_move_to_trim_horizon(s, &err) == BLOOP_OK);
  CHECK(f.describes == 2);                  /* three shards, two per page */
  const bloop_stream_record *r;
  CHECK(bloop_stream_next(s, &r, &err) == BLOOP_OK && r != NULL);
  if (r) {
    CHECK_STR(r->event_id, "e1");
    CHECK_STR(r->event_name, "INSERT");
    CHECK_STR(r->shard_id, "P");
    CHECK_STR(r->view_type, "NEW_IMAGE");
    CHECK(r->created_at_us == 100 * 1000000LL);
    CHECK(r->keys && bloop_value_get(r->keys, "id", 2) != NULL);
    CHECK(r->new_image && bloop_value_get(r->new_image, "n", 1) != NULL);
    CHECK(r->old_image == NULL);
  }
  CHECK(next_seq(s) == 2);
  CHECK(next_seq(s) == 3);                  /* P ends here: its children take over */
  CHECK(next_seq(s) == 4);
  char *tok = token_of(s);
  CHECK_STR(tok, "{\"stream_arn\":\"" ARN "\",\"active\":[\"C1\",\"C2\"],\"shards\":["
                 "{\"shard_id\":\"C1\",\"parent\":\"P\",\"iterator_type\":\"after_sequence\",\"sequence_number\":\"4\"},"
                 "{\"shard_id\":\"C2\",\"parent\":\"P\",\"iterator_type\":\"at_sequence\",\"sequence_number\":\"5\"}]}");
  CHECK(next_seq(s) == 5);
  /* nothing new: bounded work, then one call per open shard */
  int before = f.calls;
  CHECK(next_seq(s) == 0);
  CHECK_MSG(f.calls - before <= 2 * 5, "at most calls_to_reach_head per shard");
  before = f.calls;
  CHECK(next_seq(s) == 0);
  CHECK(f.calls - before == 2);
  CHECK(bloop_stream_calls(s) == (size_t)f.calls);

  /* an expired iterator is replaced after the last record FETCHED: nothing twice */
  add_rec(&f.sh[1], 6, 105);
  f.expire_next = 1;
  CHECK(next_seq(s) == 6);
  CHECK_STR(f.last_type, "AFTER_SEQUENCE_NUMBER");
  CHECK_STR(f.last_seq, "4");
  CHECK(next_seq(s) == 0);

  /* resume from the token taken after 4: C2's 5 and C1's 6 again, then nothing */
  bloop_stream *s2 = NULL;
  CHECK(bloop_stream_new(e, ARN, NULL, &s2, &err) == BLOOP_OK);
  CHECK(bloop_stream_move_to_token(s2, tok, strlen(tok), &err) == BLOOP_OK);
  long a = next_seq(s2), b = next_seq(s2);
  CHECK((a == 5 && b == 6) || (a == 6 && b == 5));
  CHECK(next_seq(s2) == 0);

  /* a token for another stream; a malformed one; one whose shards are all gone */
  const char *other = "{\"stream_arn\":\"arn:other\",\"active\":[],\"shards\":[]}";
  CHECK(bloop_stream_move_to_token(s2, other, strlen(other), &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidStream");
  CHECK(bloop_stream_move_to_token(s2, "[1", 2, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidStream");
  const char *ghost = "{\"stream_arn\":\"" ARN "\",\"active\":[\"Z\"],\"shards\":[{\"shard_id\":\"Z\"}]}";
  CHECK(bloop_stream_move_to_token(s2, ghost, strlen(ghost), &err) == BLOOP_EINVAL);
  CHECK(strstr(err.message, "none of its shards") != NULL);
  /* cjson encodes an empty list as {}: accepted */
  const char *empty = "{\"stream_arn\":\"" ARN "\",\"active\":{},\"shards\":{}}";
  CHECK(bloop_stream_move_to_token(s2, empty, strlen(empty), &err) == BLOOP_EINVAL);
  CHECK(strstr(err.message, "none of its shards") != NULL);

  /* a trimmed position restarts at the shard's trim horizon */
  f.sh[1].trimmed_below = 4;
  const char *old = "{\"stream_arn\":\"" ARN "\",\"active\":[\"C1\"],\"shards\":[{\"shard_id\":"
                    "\"C1\",\"parent\":\"P\",\"iterator_type\":\"after_sequence\",\"sequence_number\":\"2\"}]}";
  CHECK(bloop_stream_move_to_token(s2, old, strlen(old), &err) == BLOOP_OK);
  CHECK(next_seq(s2) == 4);
  CHECK(next_seq(s2) == 6);
  /* a vanished shard hands over to its live children */
  f.sh[0].gone = 1;
  const char *parent = "{\"stream_arn\":\"" ARN "\",\"active\":[\"P\"],\"shards\":[{\"shard_id\":\"P\","
                       "\"iterator_type\":\"after_sequence\",\"sequence_number\":\"1\"}]}";
  CHECK(bloop_stream_move_to_token(s2, parent, strlen(parent), &err) == BLOOP_OK);
  a = next_seq(s2);
  CHECK(a == 4 || a == 5);
  f.sh[0].gone = 0;
  f.sh[1].trimmed_below = 0;

  free(tok);
  bloop_stream_free(s2);
  bloop_stream_free(s);
  bloop_engine_free(e);
}

static void test_latest_time_heartbeat(void) {
  fake f;
  fake_init(&f);
  bloop_engine *e = engine_for(&f);
  bloop_stream *s = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_stream_new(e, ARN, NULL, &s, &err) == BLOOP_OK);
  CHECK(bloop_stream_move_to_latest(s, &err) == BLOOP_OK);
  CHECK(f.iterators == 2);                    /* the two leaves, jumped at once */
  CHECK_STR(f.last_type, "LATEST");
  CHECK(next_seq(s) == 0);
  int before = f.gets;
  CHECK(bloop_stream_heartbeat(s, &err) == BLOOP_OK);
  CHECK(f.gets - before == 2);
  add_rec(&f.sh[2], 7, 110);
  CHECK(next_seq(s) == 7);
  /* a LATEST iterator that expired before reading anything cannot be replaced safely */
  f.expire_next = 1;
  bloop_stream *s3 = NULL;
  CHECK(bloop_stream_new(e, ARN, NULL, &s3, &err) == BLOOP_OK);
  CHECK(bloop_stream_move_to_latest(s3, &err) == BLOOP_OK);
  const bloop_stream_record *r;
  CHECK(bloop_stream_next(s3, &r, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ExpiredIteratorException");
  bloop_stream_free(s3);

  /* a time: records before it are skipped (whole seconds) */
  CHECK(bloop_stream_move_to_time(s, 102 * 1000000LL + 500000, &err) == BLOOP_OK);
  CHECK(next_seq(s) == 3);
  CHECK(next_seq(s) == 4);
  CHECK(next_seq(s) == 5);
  CHECK(next_seq(s) == 7);
  CHECK(next_seq(s) == 0);
  CHECK(bloop_stream_move_to_time(s, 104 * 1000000LL, &err) == BLOOP_OK);
  CHECK(next_seq(s) == 5);
  CHECK(next_seq(s) == 7);
  CHECK(next_seq(s) == 0);
  /* the future is "latest" */
  CHECK(bloop_stream_move_to_time(s, 32503680000LL * 1000000LL, &err) == BLOOP_OK);
  CHECK(next_seq(s) == 0);

  /* an unknown stream */
  bloop_stream *bad = NULL;
  CHECK(bloop_stream_new(e, "arn:nope", NULL, &bad, &err) == BLOOP_OK);
  CHECK(bloop_stream_move_to_trim_horizon(bad, &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ResourceNotFoundException");
  bloop_stream_free(bad);
  CHECK(bloop_stream_new(e, "", NULL, &bad, &err) == BLOOP_EINVAL && bad == NULL);

  bloop_stream_free(s);
  bloop_engine_free(e);
}

int main(void) {
  test_walk();
  test_latest_time_heartbeat();
  return tap_done();
}
