/*
 * stream.c: the stream reader (stream.h).
 *
 * Shards live in one array of pointers (stable while the array grows). Each keeps a FIFO of
 * fetched records; next() returns the oldest head among the shards, so records of one shard
 * always come out in sequence order. Two positions per shard: `type`/`seq`, the last record
 * RETURNED (what a token saves), and `fetched`, the last record FETCHED (where an expired
 * iterator resumes, so a refresh never fetches a buffered record twice).
 */
#include "bloop/stream.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/datetime.h"
#include "engine/engine_internal.h"

enum { IT_TRIM = 0, IT_LATEST, IT_AT, IT_AFTER };
static const char *const it_wire[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                                      "AFTER_SEQUENCE_NUMBER"};
static const char *const it_token[] = {"trim_horizon", "latest", "at_sequence",
                                       "after_sequence"};

typedef struct rec {
  bloop_stream_record r;
  bloop_arena a;
  unsigned long long arrival;
} rec;

typedef struct shard {
  char *id, *parent;
  char *iterator;          /* NULL: none yet (jump before reading) */
  int type;                /* returned position */
  char *seq;
  char *fetched;           /* last fetched sequence number */
  int empty;               /* consecutive empty answers */
  int exhausted;           /* closed and read to its end */
  int active;
  rec **q;                 /* buffered records: q[head .. head+count) */
  size_t head, count, cap;
} shard;

struct bloop_stream {
  bloop_engine *e;
  char *arn;
  bloop_stream_config cfg;
  shard **shards;
  size_t nshards, capshards;
  rec *current;            /* the record last returned */
  unsigned long long arrivals;
  size_t calls;
};

/* A DescribeStream answer: every shard with its parent. */
typedef struct live {
  char **ids, **parents;
  size_t n, cap;
} live;

void bloop_stream_config_init(bloop_stream_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->calls_to_reach_head = 5;
  cfg->describe_max_pages = 1000;
}

static bloop_status oom(bloop_error *err) {
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
}

static char *dup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static void set_str(char **dst, const char *s) {
  free(*dst);
  *dst = dup(s);
}

static void rec_free(rec *r) {
  if (!r) return;
  bloop_arena_free(&r->a);
  free(r);
}

static void shard_free(shard *sh) {
  if (!sh) return;
  for (size_t i = 0; i < sh->count; i++) rec_free(sh->q[sh->head + i]);
  free(sh->q);
  free(sh->id);
  free(sh->parent);
  free(sh->iterator);
  free(sh->seq);
  free(sh->fetched);
  free(sh);
}

static void clear_shards(bloop_stream *s) {
  for (size_t i = 0; i < s->nshards; i++) shard_free(s->shards[i]);
  s->nshards = 0;
  rec_free(s->current);
  s->current = NULL;
}

static void live_free(live *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->ids[i]);
    free(l->parents[i]);
  }
  free(l->ids);
  free(l->parents);
  memset(l, 0, sizeof *l);
}

static shard *find(const bloop_stream *s, const char *id) {
  for (size_t i = 0; i < s->nshards; i++)
    if (strcmp(s->shards[i]->id, id) == 0) return s->shards[i];
  return NULL;
}

static shard *add_shard(bloop_stream *s, const char *id, const char *parent, int type,
                        const char *seq, int active) {
  if (s->nshards == s->capshards) {
    size_t cap = s->capshards ? s->capshards * 2 : 8;
    shard **p = realloc(s->shards, cap * sizeof *p);
    if (!p) return NULL;
    s->shards = p;
    s->capshards = cap;
  }
  shard *sh = calloc(1, sizeof *sh);
  if (!sh) return NULL;
  sh->id = dup(id);
  sh->parent = dup(parent);
  sh->seq = dup(seq);
  if (!sh->id || (parent && !sh->parent) || (seq && !sh->seq)) {
    shard_free(sh);
    return NULL;
  }
  sh->type = type;
  sh->active = active;
  s->shards[s->nshards++] = sh;
  return sh;
}

/* ---- calls ------------------------------------------------------------------------------ */

static bloop_status call(bloop_stream *s, const char *op, const bloop_buf *body,
                         bloop_buf *resp, bloop_error *err) {
  if (body->failed) return oom(err);
  s->calls++;
  bloop_buf_reset(resp);
  bloop_client *c = bloopi_engine_route(s->e, BLOOP_SERVICE_STREAMS, op);
  if (c) return bloop_client_call(c, op, body->data, body->len, resp, err);
  if (!s->e->session.call)
    return bloop_error_set(err, BLOOP_ESTATE, "NoRoute",
                           "%s: the session has no streams client and no call function", op);
  bloop_error_clear(err);
  bloop_status st = s->e->session.call(s->e->session.ud, BLOOP_SERVICE_STREAMS, op, body->data,
                                       body->len, resp, err);
  if (st && err && err->status == BLOOP_OK) err->status = st;
  return st;
}

static int is_code(const bloop_error *err, const char *code) {
  return err && err->status == BLOOP_ESERVICE && strcmp(err->code, code) == 0;
}

static cJSON *parse(const bloop_buf *resp, const char *op, bloop_error *err) {
  cJSON *root = NULL;
  if (bloop_json_parse(resp->data ? resp->data : "", resp->len, op, &root, err)) return NULL;
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    bloop_error_set(err, BLOOP_EPROTOCOL, "BadResponse", "%s answer is not a JSON object", op);
    return NULL;
  }
  return root;
}

/* Every shard of the stream, all DescribeStream pages. */
static bloop_status describe(bloop_stream *s, live *l, bloop_error *err) {
  memset(l, 0, sizeof *l);
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  char *start = NULL;
  bloop_status st = BLOOP_OK;
  for (int page = 0; page < s->cfg.describe_max_pages; page++) {
    bloop_buf_reset(&body);
    bloop_buf_puts(&body, "{\"StreamArn\":");
    bloopi_json_cstr(&body, s->arn);
    if (start) {
      bloop_buf_puts(&body, ",\"ExclusiveStartShardId\":");
      bloopi_json_cstr(&body, start);
    }
    bloop_buf_putc(&body, '}');
    if ((st = call(s, "DescribeStream", &body, &resp, err))) break;
    cJSON *root = parse(&resp, "DescribeStream", err);
    if (!root) {
      st = err ? err->status : BLOOP_EPROTOCOL;
      break;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "StreamDescription");
    const cJSON *shards = cJSON_GetObjectItemCaseSensitive(d, "Shards"), *sh;
    cJSON_ArrayForEach(sh, shards) {
      const cJSON *id = cJSON_GetObjectItemCaseSensitive(sh, "ShardId");
      const cJSON *parent = cJSON_GetObjectItemCaseSensitive(sh, "ParentShardId");
      if (!cJSON_IsString(id)) continue;
      if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **a = realloc(l->ids, cap * sizeof *a), **b;
        if (a) l->ids = a;
        b = a ? realloc(l->parents, cap * sizeof *b) : NULL;
        if (!b) {
          cJSON_Delete(root);
          st = oom(err);
          goto done;
        }
        l->parents = b;
        l->cap = cap;
      }
      l->ids[l->n] = dup(id->valuestring);
      l->parents[l->n] = cJSON_IsString(parent) ? dup(parent->valuestring) : NULL;
      l->n++;
    }
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(d, "LastEvaluatedShardId");
    set_str(&start, cJSON_IsString(last) ? last->valuestring : NULL);
    cJSON_Delete(root);
    if (!start) break;
  }
done:
  free(start);
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  if (st) live_free(l);
  return st;
}

static long live_find(const live *l, const char *id) {
  for (size_t i = 0; i < l->n; i++)
    if (l->ids[i] && strcmp(l->ids[i], id) == 0) return (long)i;
  return -1;
}

/* GetShardIterator for sh at (type, seq). */
static bloop_status jump(bloop_stream *s, shard *sh, int type, const char *seq,
                         bloop_error *err) {
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  bloop_buf_puts(&body, "{\"StreamArn\":");
  bloopi_json_cstr(&body, s->arn);
  bloop_buf_puts(&body, ",\"ShardId\":");
  bloopi_json_cstr(&body, sh->id);
  bloop_buf_printf(&body, ",\"ShardIteratorType\":\"%s\"", it_wire[type]);
  if (type == IT_AT || type == IT_AFTER) {
    bloop_buf_puts(&body, ",\"SequenceNumber\":");
    bloopi_json_cstr(&body, seq ? seq : "");
  }
  bloop_buf_putc(&body, '}');
  bloop_status st = call(s, "GetShardIterator", &body, &resp, err);
  cJSON *root = st ? NULL : parse(&resp, "GetShardIterator", err);
  const cJSON *it = root ? cJSON_GetObjectItemCaseSensitive(root, "ShardIterator") : NULL;
  if (!st && !cJSON_IsString(it))
    st = err && err->status ? err->status
                            : bloop_error_set(err, BLOOP_EPROTOCOL, "BadResponse",
                                              "GetShardIterator answered no ShardIterator");
  if (!st) {
    set_str(&sh->iterator, it->valuestring);
    if (!sh->iterator) st = oom(err);
    sh->empty = 0;
  }
  cJSON_Delete(root);
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  return st;
}

/* Where a fresh iterator for sh must start so nothing fetched is fetched again. */
static bloop_status refresh(bloop_stream *s, shard *sh, bloop_error *err) {
  if (sh->fetched) return jump(s, sh, IT_AFTER, sh->fetched, err);
  if (sh->seq) return jump(s, sh, sh->type, sh->seq, err);
  if (sh->type == IT_TRIM) return jump(s, sh, IT_TRIM, NULL, err);
  return bloop_error_set(err, BLOOP_ESERVICE, "ExpiredIteratorException",
                         "stream shard %s: its LATEST iterator expired before any record was "
                         "read; call heartbeat() at least every 14 minutes on a quiet stream",
                         sh->id);
}

static int64_t created_at(const cJSON *v) {
  if (cJSON_IsNumber(v)) return (int64_t)(v->valuedouble * 1e6);
  int64_t us = 0;
  if (cJSON_IsString(v) && !bloop_datetime_parse(v->valuestring, strlen(v->valuestring), &us, NULL))
    return us;
  return 0;
}

static const char *arena_str(bloop_arena *a, const cJSON *v) {
  const char *s = cJSON_IsString(v) ? v->valuestring : "";
  return bloop_arena_memdup(a, s, strlen(s) + 1);
}

static bloop_status push_record(bloop_stream *s, shard *sh, const cJSON *j, bloop_error *err) {
  rec *r = calloc(1, sizeof *r);
  if (!r) return oom(err);
  bloop_arena_init(&r->a);
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dynamodb");
  bloop_stream_record *x = &r->r;
  x->event_id = arena_str(&r->a, cJSON_GetObjectItemCaseSensitive(j, "eventID"));
  x->event_name = arena_str(&r->a, cJSON_GetObjectItemCaseSensitive(j, "eventName"));
  x->event_version = arena_str(&r->a, cJSON_GetObjectItemCaseSensitive(j, "eventVersion"));
  x->sequence_number = arena_str(&r->a, cJSON_GetObjectItemCaseSensitive(d, "SequenceNumber"));
  x->view_type = arena_str(&r->a, cJSON_GetObjectItemCaseSensitive(d, "StreamViewType"));
  x->shard_id = bloop_arena_memdup(&r->a, sh->id, strlen(sh->id) + 1);
  x->created_at_us = created_at(cJSON_GetObjectItemCaseSensitive(d, "ApproximateCreationDateTime"));
  bloop_status st = BLOOP_OK;
  static const char *const parts[] = {"Keys", "OldImage", "NewImage"};
  const bloop_value **slots[] = {&x->keys, &x->old_image, &x->new_image};
  for (int i = 0; i < 3 && !st; i++) {
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(d, parts[i]);
    if (!cJSON_IsObject(img)) continue;
    bloop_value *v = bloop_arena_calloc(&r->a, 1, sizeof *v);
    if (!v) st = oom(err);
    else if (!(st = bloop_item_from_cjson(img, &r->a, v, parts[i], err))) *slots[i] = v;
  }
  if (!st && (!x->event_id || !x->sequence_number || !x->shard_id)) st = oom(err);
  if (!st && !x->sequence_number[0])
    st = bloop_error_set(err, BLOOP_EPROTOCOL, "BadResponse",
                         "GetRecords: a record without a SequenceNumber");
  if (!st && sh->head + sh->count == sh->cap) {
    if (sh->head) {
      memmove(sh->q, sh->q + sh->head, sh->count * sizeof *sh->q);
      sh->head = 0;
    }
    if (sh->count == sh->cap) {
      size_t cap = sh->cap ? sh->cap * 2 : 16;
      rec **q = realloc(sh->q, cap * sizeof *q);
      if (!q) st = oom(err);
      else sh->q = q, sh->cap = cap;
    }
  }
  if (st) {
    rec_free(r);
    return st;
  }
  r->arrival = s->arrivals++;
  sh->q[sh->head + sh->count++] = r;
  /* the first record read at a relative position pins it, so a token re-reads it */
  if (!sh->seq && (sh->type == IT_TRIM || sh->type == IT_LATEST)) {
    sh->type = IT_AT;
    set_str(&sh->seq, x->sequence_number);
  }
  set_str(&sh->fetched, x->sequence_number);
  return sh->fetched && sh->seq ? BLOOP_OK : oom(err);
}

/* One GetRecords on sh; *got = records buffered. An expired iterator is refreshed once. */
static bloop_status get_records(bloop_stream *s, shard *sh, size_t *got, bloop_error *err) {
  *got = 0;
  bloop_status st;
  if (!sh->iterator && (st = refresh(s, sh, err))) return st;
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  cJSON *root = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    bloop_buf_reset(&body);
    bloop_buf_puts(&body, "{\"ShardIterator\":");
    bloopi_json_cstr(&body, sh->iterator);
    if (s->cfg.limit > 0) bloop_buf_printf(&body, ",\"Limit\":%d", s->cfg.limit);
    bloop_buf_putc(&body, '}');
    st = call(s, "GetRecords", &body, &resp, err);
    if (!st || attempt || !is_code(err, "ExpiredIteratorException")) break;
    if ((st = refresh(s, sh, err))) break;
  }
  if (st) goto done;
  if (!(root = parse(&resp, "GetRecords", err))) {
    st = err ? err->status : BLOOP_EPROTOCOL;
    goto done;
  }
  const cJSON *records = cJSON_GetObjectItemCaseSensitive(root, "Records"), *r;
  cJSON_ArrayForEach(r, records) {
    if ((st = push_record(s, sh, r, err))) goto done;
    (*got)++;
  }
  const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "NextShardIterator");
  if (cJSON_IsString(next)) {
    set_str(&sh->iterator, next->valuestring);
    if (!sh->iterator) st = oom(err);
  } else {
    free(sh->iterator);
    sh->iterator = NULL;
    sh->exhausted = 1;
  }
  sh->empty = *got ? 0 : sh->empty + 1;
done:
  cJSON_Delete(root);
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  return st;
}

/* Reads sh until it yields records, is exhausted, or spent its call budget. */
static bloop_status fetch(bloop_stream *s, shard *sh, bloop_error *err) {
  int budget = sh->empty >= s->cfg.calls_to_reach_head ? 1 : s->cfg.calls_to_reach_head - sh->empty;
  for (int i = 0; i < budget && !sh->exhausted; i++) {
    size_t got;
    bloop_status st = get_records(s, sh, &got, err);
    if (st) return st;
    if (got) break;
  }
  return BLOOP_OK;
}

/* Exhausted active shards hand their role to their children (from a fresh describe). */
static bloop_status migrate(bloop_stream *s, bloop_error *err) {
  int any = 0;
  for (size_t i = 0; i < s->nshards; i++)
    if (s->shards[i]->active && s->shards[i]->exhausted) any = 1;
  if (!any) return BLOOP_OK;
  live l;
  bloop_status st = describe(s, &l, err);
  if (st) return st;
  size_t n = s->nshards;
  for (size_t i = 0; i < n; i++) {
    shard *sh = s->shards[i];
    if (!sh->active || !sh->exhausted) continue;
    sh->active = 0;
    for (size_t k = 0; k < l.n; k++) {
      if (!l.parents[k] || strcmp(l.parents[k], sh->id) != 0 || find(s, l.ids[k])) continue;
      if (!add_shard(s, l.ids[k], sh->id, IT_TRIM, NULL, 1)) {
        st = oom(err);
        goto done;
      }
    }
  }
done:
  live_free(&l);
  return st;
}

/* Drops shards that are neither active nor hold buffered records. */
static void prune(bloop_stream *s) {
  size_t w = 0;
  for (size_t i = 0; i < s->nshards; i++) {
    shard *sh = s->shards[i];
    if (!sh->active && sh->count == 0) shard_free(sh);
    else s->shards[w++] = sh;
  }
  s->nshards = w;
}

/* ---- public ----------------------------------------------------------------------------- */

bloop_status bloop_stream_new(bloop_engine *e, const char *stream_arn,
                              const bloop_stream_config *cfg, bloop_stream **out,
                              bloop_error *err) {
  bloop_error_clear(err);
  *out = NULL;
  if (!e || !stream_arn || !stream_arn[0])
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidStream", "stream: an engine and a stream ARN are required");
  bloop_stream *s = calloc(1, sizeof *s);
  if (!s || !(s->arn = dup(stream_arn))) {
    free(s);
    return oom(err);
  }
  s->e = e;
  bloop_stream_config_init(&s->cfg);
  if (cfg) {
    if (cfg->calls_to_reach_head > 0) s->cfg.calls_to_reach_head = cfg->calls_to_reach_head;
    if (cfg->limit > 0) s->cfg.limit = cfg->limit;
    if (cfg->describe_max_pages > 0) s->cfg.describe_max_pages = cfg->describe_max_pages;
  }
  *out = s;
  return BLOOP_OK;
}

void bloop_stream_free(bloop_stream *s) {
  if (!s) return;
  clear_shards(s);
  free(s->shards);
  free(s->arn);
  free(s);
}

const char *bloop_stream_arn(const bloop_stream *s) { return s->arn; }
size_t bloop_stream_calls(const bloop_stream *s) { return s->calls; }

/* Rebuilds from the live tree: roots at TRIM_HORIZON, or leaves at LATEST (jumped now, so
 * "latest" means the moment of the call). */
static bloop_status rebuild(bloop_stream *s, int latest, bloop_error *err) {
  clear_shards(s);
  live l;
  bloop_status st = describe(s, &l, err);
  if (st) return st;
  for (size_t i = 0; i < l.n && !st; i++) {
    int pick;
    if (latest) {
      pick = 1;
      for (size_t k = 0; k < l.n; k++)
        if (l.parents[k] && strcmp(l.parents[k], l.ids[i]) == 0) pick = 0;
    } else {
      pick = !l.parents[i] || live_find(&l, l.parents[i]) < 0;
    }
    if (!pick) continue;
    shard *sh = add_shard(s, l.ids[i], NULL, latest ? IT_LATEST : IT_TRIM, NULL, 1);
    if (!sh) st = oom(err);
    else if (latest) st = jump(s, sh, IT_LATEST, NULL, err);
  }
  live_free(&l);
  return st;
}

bloop_status bloop_stream_move_to_trim_horizon(bloop_stream *s, bloop_error *err) {
  bloop_error_clear(err);
  return rebuild(s, 0, err);
}

bloop_status bloop_stream_move_to_latest(bloop_stream *s, bloop_error *err) {
  bloop_error_clear(err);
  return rebuild(s, 1, err);
}

bloop_status bloop_stream_move_to_time(bloop_stream *s, int64_t us, bloop_error *err) {
  bloop_error_clear(err);
  int64_t now = 0;
  bloop_status st = bloop_datetime_now(&now, err);
  if (st) return st;
  if (us > now) return rebuild(s, 1, err);
  if ((st = rebuild(s, 0, err))) return st;
  int64_t t = us - (((us % 1000000) + 1000000) % 1000000);   /* whole seconds */
  /* breadth-first: children appended by migrate are visited after their parents */
  for (size_t i = 0; i < s->nshards; i++) {
    shard *sh = s->shards[i];
    while (sh->active && !sh->exhausted) {
      size_t got;
      if ((st = get_records(s, sh, &got, err))) return st;
      /* drop what is older than t: the shard's returned position moves past it */
      while (sh->count && sh->q[sh->head]->r.created_at_us < t) {
        rec *r = sh->q[sh->head++];
        sh->count--;
        sh->type = IT_AFTER;
        set_str(&sh->seq, r->r.sequence_number);
        rec_free(r);
        if (!sh->seq) return oom(err);
      }
      if (sh->count || sh->empty >= s->cfg.calls_to_reach_head) break;
    }
    if (sh->active && sh->exhausted && !sh->count && (st = migrate(s, err))) return st;
  }
  prune(s);
  return BLOOP_OK;
}

/* ---- tokens ------------------------------------------------------------------------------ */

static int type_of(const char *name) {
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, it_token[i]) == 0) return i;
  return -1;
}

static bloop_status bad_token(bloop_error *err, const char *why) {
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidStream", "stream token: %s", why);
}

static int in_active(const cJSON *active, const char *id) {
  const cJSON *a;
  cJSON_ArrayForEach(a, active)
    if (cJSON_IsString(a) && strcmp(a->valuestring, id) == 0) return 1;
  return 0;
}

/* Adds the live children of a vanished shard at TRIM_HORIZON. */
static bloop_status adopt_children(bloop_stream *s, const live *l, const char *id,
                                   bloop_error *err) {
  for (size_t k = 0; k < l->n; k++) {
    if (!l->parents[k] || strcmp(l->parents[k], id) != 0 || find(s, l->ids[k])) continue;
    if (!add_shard(s, l->ids[k], id, IT_TRIM, NULL, 1)) return oom(err);
  }
  return BLOOP_OK;
}

bloop_status bloop_stream_move_to_token(bloop_stream *s, const char *json, size_t len,
                                        bloop_error *err) {
  bloop_error_clear(err);
  cJSON *root = NULL;
  if (bloop_json_parse(json, len, "token", &root, err) || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return bad_token(err, "not a JSON object");
  }
  const cJSON *arn = cJSON_GetObjectItemCaseSensitive(root, "stream_arn");
  const cJSON *active = cJSON_GetObjectItemCaseSensitive(root, "active");
  const cJSON *shards = cJSON_GetObjectItemCaseSensitive(root, "shards"), *t;
  bloop_status st = BLOOP_OK;
  live l = {0};
  if (!cJSON_IsString(arn)) {
    st = bad_token(err, "no stream_arn");
    goto done;
  }
  if (strcmp(arn->valuestring, s->arn) != 0) {
    st = bloop_error_set(err, BLOOP_EINVAL, "InvalidStream",
                         "stream token: it is for stream %s, not %s", arn->valuestring, s->arn);
    goto done;
  }
  /* an empty list may come back from a JSON encoder as an object */
  if ((active && !cJSON_IsArray(active) && !cJSON_IsObject(active)) ||
      (shards && !cJSON_IsArray(shards) && !cJSON_IsObject(shards))) {
    st = bad_token(err, "active and shards must be lists");
    goto done;
  }
  clear_shards(s);
  if ((st = describe(s, &l, err))) goto done;
  cJSON_ArrayForEach(t, shards) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "shard_id");
    const cJSON *parent = cJSON_GetObjectItemCaseSensitive(t, "parent");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "iterator_type");
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(t, "sequence_number");
    if (!cJSON_IsString(id)) {
      st = bad_token(err, "a shard without shard_id");
      goto done;
    }
    int ty = type ? type_of(cJSON_IsString(type) ? type->valuestring : NULL) : IT_TRIM;
    if (ty < 0 || ((ty == IT_AT || ty == IT_AFTER) && !cJSON_IsString(seq))) {
      st = bad_token(err, "a shard with a bad iterator_type or no sequence_number");
      goto done;
    }
    if (!in_active(active, id->valuestring) || find(s, id->valuestring)) continue;
    if (live_find(&l, id->valuestring) < 0) {
      /* trimmed away: its records are gone; carry on with its children */
      if ((st = adopt_children(s, &l, id->valuestring, err))) goto done;
      continue;
    }
    if (!add_shard(s, id->valuestring, cJSON_IsString(parent) ? parent->valuestring : NULL, ty,
                   (ty == IT_AT || ty == IT_AFTER) ? seq->valuestring : NULL, 1)) {
      st = oom(err);
      goto done;
    }
  }
  if (!s->nshards) {
    st = bloop_error_set(err, BLOOP_EINVAL, "InvalidStream",
                         "stream token: none of its shards is in stream %s any more", s->arn);
    goto done;
  }
  for (size_t i = 0; i < s->nshards && !st; i++) {
    shard *sh = s->shards[i];
    st = jump(s, sh, sh->type, sh->seq, err);
    if (st && is_code(err, "TrimmedDataAccessException")) {
      /* the saved position was trimmed: the oldest record left is the next one */
      sh->type = IT_TRIM;
      free(sh->seq);
      sh->seq = NULL;
      st = jump(s, sh, IT_TRIM, NULL, err);
    }
  }
done:
  live_free(&l);
  cJSON_Delete(root);
  if (st) clear_shards(s);
  return st;
}

bloop_status bloop_stream_token(const bloop_stream *s, bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  bloop_buf_puts(out, "{\"stream_arn\":");
  bloopi_json_cstr(out, s->arn);
  bloop_buf_puts(out, ",\"active\":[");
  int first = 1;
  for (size_t i = 0; i < s->nshards; i++) {
    shard *sh = s->shards[i];
    if (!sh->active && !sh->count) continue;
    if (!first) bloop_buf_putc(out, ',');
    first = 0;
    bloopi_json_cstr(out, sh->id);
  }
  bloop_buf_puts(out, "],\"shards\":[");
  first = 1;
  for (size_t i = 0; i < s->nshards; i++) {
    shard *sh = s->shards[i];
    if (!sh->active && !sh->count) continue;
    if (!first) bloop_buf_putc(out, ',');
    first = 0;
    bloop_buf_puts(out, "{\"shard_id\":");
    bloopi_json_cstr(out, sh->id);
    if (sh->parent) {
      bloop_buf_puts(out, ",\"parent\":");
      bloopi_json_cstr(out, sh->parent);
    }
    bloop_buf_printf(out, ",\"iterator_type\":\"%s\"", it_token[sh->type]);
    if (sh->seq) {
      bloop_buf_puts(out, ",\"sequence_number\":");
      bloopi_json_cstr(out, sh->seq);
    }
    bloop_buf_putc(out, '}');
  }
  bloop_buf_puts(out, "]}");
  return out->failed ? oom(err) : BLOOP_OK;
}

bloop_status bloop_stream_next(bloop_stream *s, const bloop_stream_record **out,
                               bloop_error *err) {
  bloop_error_clear(err);
  *out = NULL;
  rec_free(s->current);
  s->current = NULL;
  bloop_status st;
  size_t buffered = 0;
  for (size_t i = 0; i < s->nshards; i++) buffered += s->shards[i]->count;
  if (!buffered) {
    /* shards exhausted earlier hand over first, so their children are read now; children
     * of shards exhausted by this round's reads wait for the next call (bounded work) */
    if ((st = migrate(s, err))) return st;
    size_t n = s->nshards;
    for (size_t i = 0; i < n; i++)
      if (s->shards[i]->active && (st = fetch(s, s->shards[i], err))) return st;
    if ((st = migrate(s, err))) return st;
  }
  shard *best = NULL;
  for (size_t i = 0; i < s->nshards; i++) {
    shard *sh = s->shards[i];
    if (!sh->count) continue;
    const rec *h = sh->q[sh->head], *b = best ? best->q[best->head] : NULL;
    if (!b || h->r.created_at_us < b->r.created_at_us ||
        (h->r.created_at_us == b->r.created_at_us && h->arrival < b->arrival))
      best = sh;
  }
  if (best) {
    rec *r = best->q[best->head++];
    best->count--;
    if (!best->count) best->head = 0;
    best->type = IT_AFTER;
    set_str(&best->seq, r->r.sequence_number);
    s->current = r;
    *out = &r->r;
    if (!best->seq) return oom(err);
  }
  prune(s);
  return BLOOP_OK;
}

bloop_status bloop_stream_heartbeat(bloop_stream *s, bloop_error *err) {
  bloop_error_clear(err);
  for (size_t i = 0; i < s->nshards; i++) {
    shard *sh = s->shards[i];
    if (!sh->active || sh->exhausted || sh->seq || sh->fetched || !sh->iterator) continue;
    size_t got;
    bloop_status st = get_records(s, sh, &got, err);
    if (st) return st;
  }
  return BLOOP_OK;
}
