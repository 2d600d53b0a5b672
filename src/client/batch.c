/*
 * batch.c: BatchWriteItem / BatchGetItem executors. See include/bloop/batch.h.
 *
 * One engine serves both. An "entry" is what goes on the wire: a write operation, or a
 * distinct key of a get (several get operations may share one entry). Entries wait in a
 * ready queue; `concurrency` slots each take a chunk of them, send it, and keep it until
 * every entry of the chunk has an outcome: a slot whose answer left entries unprocessed
 * waits on its own timer (a timestamp, never a sleep) and resends only those. The loop
 * waits on the client no longer than the nearest timer, so a slot backing off never holds
 * up the requests of the other slots; it sleeps only when nothing is on the wire.
 * Writes on a key already being written are chained behind the earlier write and enter
 * the ready queue when it has an outcome, which keeps them in input order.
 * Each entry's JSON is encoded once, at validation (or given, batch_internal.h), and chunks
 * are spliced from it.
 */
#include "bloop/batch.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "client/batch_internal.h"
#include "client/retry.h"

#define NONE SIZE_MAX
#define MAX_KEY_ATTRS 2

enum { ENT_READY, ENT_BLOCKED, ENT_SENT, ENT_FINAL };
enum { SLOT_FREE, SLOT_SENDING, SLOT_WAITING };
enum { MARK_NONE, MARK_FOUND, MARK_UNPROCESSED };

typedef struct tinfo {
  const bloop_batch_table *t;
  const char *keys[MAX_KEY_ATTRS];
  size_t nkeys;
  bloop_buf get_suffix;      /* ,"ConsistentRead":...,"ProjectionExpression":... */
} tinfo;

typedef struct entry {
  size_t table;              /* index into ex->tables */
  const bloop_value *kv[MAX_KEY_ATTRS];  /* key values, in the table's key order */
  uint64_t hash;
  size_t json_off, json_len; /* fragment in ex->frags; or, given (a PUT's item text from the
                                caller), json_len bytes at given, wrapped when sent */
  const char *given;
  size_t op;                 /* write: the op; get: first op of the chain (op_next) */
  size_t next_same;          /* write: next write on the same key, held back */
  int state;
  int mark;                  /* what the current answer said about it */
} entry;

typedef struct slot {
  int state;
  size_t idx[BLOOP_BATCH_GET_MAX];
  size_t n;
  int round;                 /* resends made so far */
  long long due_ms;
  bloop_call *call;
} slot;

typedef struct exec {
  bloop_client *c;
  bloop_batch_config cfg;
  int is_get;
  bloopi_batch_wop *wops;
  bloop_arena *errs;         /* write: where the ops' errors are kept */
  const bloop_error *last_err;
  bloop_batch_get_op *gops;
  size_t nops;
  size_t *op_next;           /* get: next op sharing an entry */
  bloop_arena *out;          /* get: where found items go */
  tinfo *tables;
  size_t ntables;
  entry *ents;
  size_t nents;
  bloop_buf frags;
  size_t *queue;             /* ready entries, FIFO; each entry enters at most once */
  size_t qhead, qtail;
  slot *slots;
  bloop_call **on_wire;      /* the slots' calls in flight: what the loop waits for */
  bloopi_rng rng;
  long long deadline;        /* 0: none */
  bloop_batch_stats *st;
  bloop_arena scratch;       /* unprocessed entries decoded from answers */
} exec;

void bloop_batch_config_init(bloop_batch_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->concurrency = 4;
  cfg->base_delay_ms = 50;
  cfg->max_delay_ms = 5000;
  cfg->max_rounds = 8;
}

const char *bloop_batch_outcome_name(bloop_batch_outcome o) {
  switch (o) {
    case BLOOP_BATCH_PENDING: return "pending";
    case BLOOP_BATCH_DONE: return "done";
    case BLOOP_BATCH_FOUND: return "found";
    case BLOOP_BATCH_MISSING: return "missing";
    case BLOOP_BATCH_UNPROCESSED: return "unprocessed";
    case BLOOP_BATCH_FAILED: return "failed";
  }
  return "unknown";
}

/* ---- JSON bits ---------------------------------------------------------------------- */

static void put_jstr(bloop_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  bloop_buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      bloop_buf_putc(b, '\\');
      bloop_buf_putc(b, (char)*p);
    } else if (*p < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
      bloop_buf_append(b, u, 6);
    } else {
      bloop_buf_putc(b, (char)*p);
    }
  }
  bloop_buf_putc(b, '"');
}

/* ---- keys --------------------------------------------------------------------------- */

static int key_type_ok(const bloop_value *v) {
  return v->type == BLOOP_TYPE_S || v->type == BLOOP_TYPE_N || v->type == BLOOP_TYPE_B;
}

/* Fills kv from m by the table's key names; 0 when one is missing. */
static int key_extract(const tinfo *t, const bloop_value *m, const bloop_value **kv) {
  if (!m || m->type != BLOOP_TYPE_M) return 0;
  for (size_t i = 0; i < t->nkeys; i++) {
    kv[i] = bloop_value_get(m, t->keys[i], strlen(t->keys[i]));
    if (!kv[i]) return 0;
  }
  return 1;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* Equal keys hash equally: numbers are hashed by their canonical text, so "1.0" and "1"
 * (equal for DynamoDB and for bloop_value_equal) meet in one bucket. */
static uint64_t key_hash(const tinfo *t, const bloop_value *const *kv) {
  uint64_t h = fnv(14695981039346656037ULL, t->t->name, strlen(t->t->name) + 1);
  for (size_t i = 0; i < t->nkeys; i++) {
    unsigned char ty = (unsigned char)kv[i]->type;
    h = fnv(h, &ty, 1);
    size_t len = 0;
    const char *p = bloop_value_bytes(kv[i], &len);
    char canon[BLOOP_DECIMAL_STRING_MAX];
    bloop_decimal d;
    if (kv[i]->type == BLOOP_TYPE_N && bloop_value_decimal(kv[i], &d, NULL) == BLOOP_OK) {
      len = bloop_decimal_format(d, canon);
      p = canon;
    }
    if (p) h = fnv(h, p, len);
    h = fnv(h, "\xff", 1);
  }
  return h;
}

static int key_equal(const exec *ex, const entry *e, size_t table, const bloop_value *const *kv,
                     uint64_t h) {
  if (e->hash != h) return 0;
  const tinfo *a = &ex->tables[e->table], *b = &ex->tables[table];
  if (a != b && strcmp(a->t->name, b->t->name) != 0) return 0;
  for (size_t i = 0; i < a->nkeys; i++)
    if (!bloop_value_equal(e->kv[i], kv[i])) return 0;
  return 1;
}

/* ---- setup -------------------------------------------------------------------------- */

static bloop_status nomem(bloop_error *err) {
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
}

/* The tinfo index for t, adding it on first sight. */
static bloop_status table_index(exec *ex, const bloop_batch_table *t, size_t *out,
                                bloop_error *e) {
  for (size_t i = 0; i < ex->ntables; i++) {
    if (ex->tables[i].t == t) {
      *out = i;
      return BLOOP_OK;
    }
    if (strcmp(ex->tables[i].t->name, t->name) == 0)
      return bloop_error_set(e, BLOOP_EINVAL, "InvalidArgument",
                             "two bloop_batch_table structs name table %s: use one", t->name);
  }
  tinfo *ti = &ex->tables[ex->ntables];
  memset(ti, 0, sizeof *ti);
  ti->t = t;
  bloop_buf_init(&ti->get_suffix);
  if (t->hash_key && *t->hash_key) {
    ti->keys[ti->nkeys++] = t->hash_key;
    if (t->range_key && *t->range_key) ti->keys[ti->nkeys++] = t->range_key;
  }
  *out = ex->ntables++;
  return BLOOP_OK;
}

static int cmp_member_name(const void *a, const void *b) {
  const bloop_member *x = *(const bloop_member *const *)a, *y = *(const bloop_member *const *)b;
  return strcmp(x->name, y->name);
}

/* Validates op i's table and key, and fills the entry's key fields. `exact`: the value is
 * a key (DELETE, get), so it holds the key attributes and nothing else. */
static bloop_status entry_key(exec *ex, entry *en, const bloop_batch_table *t,
                              const bloop_value *v, int exact, bloop_error *e) {
  if (!t || !t->name || !*t->name)
    return bloop_error_set(e, BLOOP_EINVAL, "InvalidArgument", "no table");
  if (!v || v->type != BLOOP_TYPE_M)
    return bloop_error_set(e, BLOOP_EINVAL, "InvalidArgument", "%s is not a map",
                           exact ? "key" : "item");
  bloop_status st = table_index(ex, t, &en->table, e);
  if (st) return st;
  tinfo *ti = &ex->tables[en->table];
  if (ti->nkeys == 0) {
    if (!ex->is_get)
      return bloop_error_set(e, BLOOP_EINVAL, "InvalidArgument",
                             "table %s: writes need its hash_key (and range_key)", t->name);
    /* A get without a declared schema: the first key's names are the key. */
    size_t n = bloop_value_count(v);
    if (n < 1 || n > MAX_KEY_ATTRS)
      return bloop_error_set(e, BLOOP_EINVAL, "InvalidKey",
                             "table %s: a key has 1 or 2 attributes, this one has %zu", t->name,
                             n);
    const bloop_member *m[MAX_KEY_ATTRS];
    for (size_t i = 0; i < n; i++) m[i] = &v->u.map.members[i];
    qsort(m, n, sizeof m[0], cmp_member_name);
    for (size_t i = 0; i < n; i++) ti->keys[i] = m[i]->name;
    ti->nkeys = n;
  }
  if (!key_extract(ti, v, en->kv) || (exact && bloop_value_count(v) != ti->nkeys)) {
    return bloop_error_set(e, BLOOP_EINVAL, "InvalidKey",
                           "table %s: %s must hold the key attribute%s %s%s%s%s", t->name,
                           exact ? "a key" : "an item", ti->nkeys > 1 ? "s" : "", ti->keys[0],
                           ti->nkeys > 1 ? " and " : "", ti->nkeys > 1 ? ti->keys[1] : "",
                           exact ? " and nothing else" : "");
  }
  for (size_t i = 0; i < ti->nkeys; i++)
    if (!key_type_ok(en->kv[i]))
      return bloop_error_set(e, BLOOP_EINVAL, "InvalidKey",
                             "table %s: key attribute %s is %s; keys are S, N or B", t->name,
                             ti->keys[i], bloop_type_name(en->kv[i]->type));
  en->hash = key_hash(ti, en->kv);
  return BLOOP_OK;
}

/* The bucket of an equal key already in the table, or of the empty slot for it. */
static size_t *hash_find(exec *ex, size_t *ht, size_t mask, const entry *en) {
  size_t i = (size_t)en->hash & mask;
  while (ht[i] != NONE) {
    if (key_equal(ex, &ex->ents[ht[i]], en->table, en->kv, en->hash)) return &ht[i];
    i = (i + 1) & mask;
  }
  return &ht[i];
}

/* e kept in ex->errs for an op to point at; the ops of one failed request share one copy. */
static const bloop_error *keep_error(exec *ex, const bloop_error *e) {
  static const bloop_error oom = {BLOOP_ENOMEM, "OutOfMemory", "out of memory", 0, {0}, 0, 0};
  const bloop_error *l = ex->last_err;
  if (l && l->status == e->status && l->http_status == e->http_status &&
      l->attempts == e->attempts && l->ambiguous == e->ambiguous &&
      strcmp(l->code, e->code) == 0 && strcmp(l->message, e->message) == 0 && strcmp(l->request_id, e->request_id) == 0)
    return l;
  bloop_error *copy = bloop_arena_alloc(ex->errs, sizeof *copy);
  if (!copy) return &oom;
  *copy = *e;
  return ex->last_err = copy;
}

static void push_ready(exec *ex, size_t ei) {
  ex->ents[ei].state = ENT_READY;
  ex->queue[ex->qtail++] = ei;
}

static bloop_status setup_write(exec *ex, size_t *ht, size_t mask, bloop_error *err) {
  for (size_t i = 0; i < ex->nops; i++) {
    bloopi_batch_wop *op = &ex->wops[i];
    entry *en = &ex->ents[i];
    bloop_error e = BLOOP_ERROR_INIT;
    bloop_error_clear(&e);
    en->op = i;
    en->next_same = NONE;
    int is_put = op->kind == BLOOP_BATCH_PUT;
    bloop_status st = BLOOP_OK;
    if (op->kind != BLOOP_BATCH_PUT && op->kind != BLOOP_BATCH_DELETE)
      st = bloop_error_set(&e, BLOOP_EINVAL, "InvalidArgument", "unknown kind %d",
                           (int)op->kind);
    if (!st) st = entry_key(ex, en, op->table, op->item, !is_put, &e);
    en->json_off = ex->frags.len;
    /* checked and encoded by the caller (batch_internal.h): sent from where it is */
    en->given = is_put && op->json ? op->json : NULL;
    if (!st && !en->given) {
      bloop_buf_puts(&ex->frags, is_put ? "{\"PutRequest\":{\"Item\":"
                                        : "{\"DeleteRequest\":{\"Key\":");
      st = bloop_item_to_json(op->item, &ex->frags, &e);
      bloop_buf_puts(&ex->frags, "}}");
    }
    if (!st && is_put && !en->given) {
      const tinfo *ti = &ex->tables[en->table];
      char names[512];
      snprintf(names, sizeof names, "%s%s%s", ti->keys[0], ti->nkeys > 1 ? "," : "",
               ti->nkeys > 1 ? ti->keys[1] : "");
      st = bloop_item_check_size(op->item, names, &e);
    }
    if (!st && ex->frags.failed) st = nomem(&e);
    if (st) {
      op->outcome = BLOOP_BATCH_FAILED;
      op->error = keep_error(ex, &e);
      if (st == BLOOP_ENOMEM) return nomem(err);
      return bloop_error_set(err, st, e.code, "batch write: operation %zu: %s", i, e.message);
    }
    en->json_len = en->given ? op->json_len : ex->frags.len - en->json_off;
    size_t *b = hash_find(ex, ht, mask, en);
    if (*b == NONE) {
      push_ready(ex, i);
    } else {
      ex->ents[*b].next_same = i;  /* *b is the latest write on this key */
      en->state = ENT_BLOCKED;
      ex->st->deferred++;
    }
    *b = i;
  }
  return BLOOP_OK;
}

static bloop_status setup_get(exec *ex, size_t *ht, size_t mask, bloop_error *err) {
  for (size_t i = 0; i < ex->nops; i++) {
    bloop_batch_get_op *op = &ex->gops[i];
    entry *en = &ex->ents[ex->nents];
    memset(en, 0, sizeof *en);
    bloop_error e = BLOOP_ERROR_INIT;
    bloop_error_clear(&e);
    ex->op_next[i] = NONE;
    bloop_status st = entry_key(ex, en, op->table, op->key, 1, &e);
    /* before the dedupe, which compares values as valid ones */
    if (!st) st = bloop_item_validate(op->key, "Key", &e);
    if (st) {
      op->outcome = BLOOP_BATCH_FAILED;
      op->error = e;
      return bloop_error_set(err, st, e.code, "batch get: operation %zu: %s", i, e.message);
    }
    size_t *b = hash_find(ex, ht, mask, en);
    if (*b != NONE) {
      /* Same key again: ride on the first request for it. */
      size_t j = ex->ents[*b].op;
      while (ex->op_next[j] != NONE) j = ex->op_next[j];
      ex->op_next[j] = i;
      continue;
    }
    en->op = i;
    en->next_same = NONE;
    en->json_off = ex->frags.len;
    bloop_buf_putc(&ex->frags, '{');
    const tinfo *ti = &ex->tables[en->table];
    for (size_t k = 0; k < ti->nkeys; k++) {
      if (k) bloop_buf_putc(&ex->frags, ',');
      put_jstr(&ex->frags, ti->keys[k]);
      bloop_buf_putc(&ex->frags, ':');
      if ((st = bloop_value_to_json(en->kv[k], &ex->frags, &e))) {
        op->outcome = BLOOP_BATCH_FAILED;
        op->error = e;
        return bloop_error_set(err, st, e.code, "batch get: operation %zu: %s", i, e.message);
      }
    }
    bloop_buf_putc(&ex->frags, '}');
    if (ex->frags.failed) return nomem(err);
    en->json_len = ex->frags.len - en->json_off;
    *b = ex->nents;
    push_ready(ex, ex->nents);
    ex->nents++;
  }
  ex->st->unique_keys = ex->nents;
  return BLOOP_OK;
}

/* The name a projection token stands for ("#n" through the names, else itself). */
static int token_is(const bloop_batch_table *t, const char *tok, size_t len, const char *key) {
  if (len && tok[0] == '#' && t->names) {
    for (const char *const *p = t->names; p[0] && p[1]; p += 2)
      if (strlen(p[0]) == len && memcmp(p[0], tok, len) == 0) return strcmp(p[1], key) == 0;
    return 0;
  }
  return strlen(key) == len && memcmp(key, tok, len) == 0;
}

static int projection_has(const bloop_batch_table *t, const char *key) {
  const char *p = t->projection;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',') p++;
    const char *s = p;
    while (*p && *p != ',') p++;
    const char *e = p;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n')) e--;
    if (e > s && token_is(t, s, (size_t)(e - s), key)) return 1;
  }
  return 0;
}

/* ,"ConsistentRead":true,"ProjectionExpression":"...","ExpressionAttributeNames":{...} */
static void build_get_suffix(tinfo *ti) {
  const bloop_batch_table *t = ti->t;
  bloop_buf *b = &ti->get_suffix;
  if (t->consistent_read) bloop_buf_puts(b, ",\"ConsistentRead\":true");
  if (!t->projection || !*t->projection) return;
  bloop_buf proj = BLOOP_BUF_INIT, names = BLOOP_BUF_INIT;
  bloop_buf_puts(&proj, t->projection);
  for (const char *const *p = t->names; p && p[0] && p[1]; p += 2) {
    if (names.len) bloop_buf_putc(&names, ',');
    put_jstr(&names, p[0]);
    bloop_buf_putc(&names, ':');
    put_jstr(&names, p[1]);
  }
  for (size_t k = 0; k < ti->nkeys; k++) {
    if (projection_has(t, ti->keys[k])) continue;
    char ph[32];
    snprintf(ph, sizeof ph, "#bloopkey%zu", k);
    bloop_buf_printf(&proj, ", %s", ph);
    if (names.len) bloop_buf_putc(&names, ',');
    put_jstr(&names, ph);
    bloop_buf_putc(&names, ':');
    put_jstr(&names, ti->keys[k]);
  }
  bloop_buf_puts(b, ",\"ProjectionExpression\":");
  put_jstr(b, proj.data ? proj.data : "");
  if (names.len) {
    bloop_buf_puts(b, ",\"ExpressionAttributeNames\":{");
    bloop_buf_append(b, names.data, names.len);
    bloop_buf_putc(b, '}');
  }
  bloop_buf_free(&proj);
  bloop_buf_free(&names);
}

/* ---- outcomes ----------------------------------------------------------------------- */

static void count(exec *ex, bloop_batch_outcome o) {
  switch (o) {
    case BLOOP_BATCH_DONE: ex->st->done++; break;
    case BLOOP_BATCH_FOUND: ex->st->found++; break;
    case BLOOP_BATCH_MISSING: ex->st->missing++; break;
    case BLOOP_BATCH_UNPROCESSED: ex->st->unprocessed++; break;
    case BLOOP_BATCH_FAILED: ex->st->failed++; break;
    case BLOOP_BATCH_PENDING: break;
  }
}

/* Gives entry ei its outcome (on every op that shares it); a write held back behind it
 * becomes ready. item: the found item (get). */
static void finish(exec *ex, size_t ei, bloop_batch_outcome o, const bloop_error *e,
                   const bloop_value *item) {
  entry *en = &ex->ents[ei];
  en->state = ENT_FINAL;
  if (!ex->is_get) {
    bloopi_batch_wop *op = &ex->wops[en->op];
    op->outcome = o;
    op->error = e ? keep_error(ex, e) : NULL;
    count(ex, o);
    if (en->next_same != NONE) push_ready(ex, en->next_same);
    return;
  }
  for (size_t i = en->op; i != NONE; i = ex->op_next[i]) {
    bloop_batch_get_op *op = &ex->gops[i];
    op->outcome = o;
    if (e) op->error = *e;
    else bloop_error_clear(&op->error);
    if (item) op->item = *item;   /* shallow: the duplicates share the arena copy */
    count(ex, o);
  }
}

static void finish_slot(exec *ex, slot *s, bloop_batch_outcome o, const bloop_error *e) {
  for (size_t i = 0; i < s->n; i++) finish(ex, s->idx[i], o, e, NULL);
  s->n = 0;
  s->state = SLOT_FREE;
}

/* ---- sending ------------------------------------------------------------------------ */

static double rand01(exec *ex) {
  if (ex->cfg.random) {
    double r = ex->cfg.random(ex->cfg.random_ud);
    return r < 0 ? 0 : r >= 1 ? 0.999999 : r;
  }
  return bloopi_rng_unit(&ex->rng);
}

/* rand[0,1) * min(cap, base * 2^(round-1)) */
static long backoff_ms(exec *ex, int round) {
  long cap = ex->cfg.max_delay_ms, d = ex->cfg.base_delay_ms;
  for (int i = 1; i < round && d < cap; i++) d = d > LONG_MAX / 2 ? LONG_MAX : d * 2;
  if (d > cap) d = cap;
  return (long)(rand01(ex) * (double)d);
}

/* Fills a free slot from the ready queue: up to 25/100 entries within the size limit. */
static void take_chunk(exec *ex, slot *s) {
  size_t max = ex->is_get ? BLOOP_BATCH_GET_MAX : BLOOP_BATCH_WRITE_MAX;
  size_t bytes = 64;   /* {"RequestItems":{...},"ReturnConsumedCapacity":"TOTAL"} */
  s->n = 0;
  s->round = 0;
  while (s->n < max && ex->qhead < ex->qtail) {
    entry *en = &ex->ents[ex->queue[ex->qhead]];
    const tinfo *ti = &ex->tables[en->table];
    /* Worst case per entry: its table's name and settings around it once more. */
    size_t need = en->json_len + strlen(ti->t->name) * 6 + ti->get_suffix.len + 64;
    if (s->n > 0 && bytes + need > BLOOP_BATCH_REQUEST_MAX) break;
    bytes += need;
    en->state = ENT_SENT;
    s->idx[s->n++] = ex->queue[ex->qhead++];
  }
}

static void build_body(exec *ex, const slot *s, bloop_buf *b) {
  size_t seen[BLOOP_BATCH_GET_MAX];
  size_t nseen = 0;
  bloop_buf_puts(b, "{\"RequestItems\":{");
  for (size_t i = 0; i < s->n; i++) {
    size_t t = ex->ents[s->idx[i]].table;
    size_t k = 0;
    while (k < nseen && seen[k] != t) k++;
    if (k < nseen) continue;
    seen[nseen++] = t;
    if (nseen > 1) bloop_buf_putc(b, ',');
    put_jstr(b, ex->tables[t].t->name);
    bloop_buf_puts(b, ex->is_get ? ":{\"Keys\":[" : ":[");
    int first = 1;
    for (size_t j = i; j < s->n; j++) {
      const entry *en = &ex->ents[s->idx[j]];
      if (en->table != t) continue;
      if (!first) bloop_buf_putc(b, ',');
      first = 0;
      if (en->given) {
        bloop_buf_puts(b, "{\"PutRequest\":{\"Item\":");
        bloop_buf_append(b, en->given, en->json_len);
        bloop_buf_puts(b, "}}");
      } else {
        bloop_buf_append(b, ex->frags.data + en->json_off, en->json_len);
      }
    }
    bloop_buf_putc(b, ']');
    if (ex->is_get) {
      bloop_buf_append(b, ex->tables[t].get_suffix.data, ex->tables[t].get_suffix.len);
      bloop_buf_putc(b, '}');
    }
  }
  bloop_buf_puts(b, ex->cfg.capacity ? "},\"ReturnConsumedCapacity\":\"TOTAL\"}" : "}}");
}

static void send_slot(exec *ex, slot *s) {
  bloop_buf body = BLOOP_BUF_INIT;
  bloop_error e = BLOOP_ERROR_INIT;
  build_body(ex, s, &body);
  bloop_status st;
  if (body.failed) st = nomem(&e);
  else
    st = bloop_client_submit(ex->c, ex->is_get ? "BatchGetItem" : "BatchWriteItem", body.data,
                             body.len, s, &s->call, &e);
  bloop_buf_free(&body);
  if (st) {
    finish_slot(ex, s, BLOOP_BATCH_FAILED, &e);
    return;
  }
  ex->st->requests++;
  if (s->round > 0) {
    ex->st->resends++;
    ex->st->retried += s->n;
  }
  s->state = SLOT_SENDING;
  int on_wire = 0;
  for (int i = 0; i < ex->cfg.concurrency; i++) on_wire += ex->slots[i].state == SLOT_SENDING;
  if (on_wire > ex->st->peak_in_flight) ex->st->peak_in_flight = on_wire;
}

/* ---- answers ------------------------------------------------------------------------ */

/* The CapacityUnits of an answer's ConsumedCapacity: a list, one entry per table (an
 * object, as single-item calls answer, is taken too). */
static double answer_units(const cJSON *json) {
  const cJSON *cc = cJSON_GetObjectItemCaseSensitive(json, "ConsumedCapacity"), *u, *t;
  if (cJSON_IsObject(cc)) {
    u = cJSON_GetObjectItemCaseSensitive(cc, "CapacityUnits");
    return cJSON_IsNumber(u) ? u->valuedouble : 0;
  }
  double units = 0;
  if (cJSON_IsArray(cc))
    cJSON_ArrayForEach(t, cc) {
      u = cJSON_GetObjectItemCaseSensitive(t, "CapacityUnits");
      if (cJSON_IsNumber(u)) units += u->valuedouble;
    }
  return units;
}

/* The slot entry whose key the decoded value v (an item or key of table `name`) holds. */
static entry *match(exec *ex, slot *s, const char *name, const bloop_value *v) {
  for (size_t i = 0; i < s->n; i++) {
    entry *en = &ex->ents[s->idx[i]];
    const tinfo *ti = &ex->tables[en->table];
    if (strcmp(ti->t->name, name) != 0) continue;
    const bloop_value *kv[MAX_KEY_ATTRS];
    if (!key_extract(ti, v, kv)) return NULL;
    uint64_t h = key_hash(ti, kv);
    for (size_t j = i; j < s->n; j++)
      if (key_equal(ex, &ex->ents[s->idx[j]], en->table, kv, h)) return &ex->ents[s->idx[j]];
    return NULL;
  }
  return NULL;
}

/* Marks the entries named in UnprocessedItems / UnprocessedKeys. 0 on an entry that is not
 * in the request (then nobody can tell which entries were processed). */
static int mark_unprocessed(exec *ex, slot *s, const cJSON *un, bloop_error *e) {
  const cJSON *tab;
  cJSON_ArrayForEach(tab, un) {
    const cJSON *list = ex->is_get ? cJSON_GetObjectItemCaseSensitive(tab, "Keys") : tab;
    const cJSON *x;
    cJSON_ArrayForEach(x, list) {
      const cJSON *node = x;
      if (!ex->is_get) {
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(x, "PutRequest");
        node = pr ? cJSON_GetObjectItemCaseSensitive(pr, "Item")
                  : cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(x, "DeleteRequest"), "Key");
      }
      bloop_value v;
      entry *en = NULL;
      if (node && bloop_item_from_cjson(node, &ex->scratch, &v, "Unprocessed", e) == BLOOP_OK)
        en = match(ex, s, tab->string ? tab->string : "", &v);
      if (!en) {
        bloop_error_set(e, BLOOP_EPROTOCOL, "UnmatchedUnprocessed",
                        "%s of table %s names an entry that was not in the request",
                        ex->is_get ? "UnprocessedKeys" : "UnprocessedItems",
                        tab->string ? tab->string : "?");
        return 0;
      }
      en->mark = MARK_UNPROCESSED;
    }
  }
  return 1;
}

/* Items of Responses: each to the entry whose key it holds. An item matching no requested
 * key is ignored: no operation is waiting for it. */
static bloop_status take_responses(exec *ex, slot *s, const cJSON *resp, bloop_error *e) {
  const cJSON *tab;
  cJSON_ArrayForEach(tab, resp) {
    const cJSON *x;
    size_t k = 0;
    cJSON_ArrayForEach(x, tab) {
      char path[64];
      snprintf(path, sizeof path, "Responses[%zu]", k++);
      bloop_value v;
      bloop_status st = bloop_item_from_cjson(x, ex->out, &v, path, e);
      if (st) return st;
      entry *en = match(ex, s, tab->string ? tab->string : "", &v);
      if (!en || en->mark != MARK_NONE) continue;
      en->mark = MARK_FOUND;
      finish(ex, (size_t)(en - ex->ents), BLOOP_BATCH_FOUND, NULL, &v);
    }
  }
  return BLOOP_OK;
}

static void handle(exec *ex, slot *s) {
  bloop_error e = BLOOP_ERROR_INIT;
  const char *body;
  size_t len;
  bloop_status st = bloop_call_result(s->call, &body, &len, &e);
  cJSON *json = NULL;
  if (st == BLOOP_OK) {
    json = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(json))
      st = bloop_error_set(&e, BLOOP_EPROTOCOL, "InvalidResponse",
                           "the %s answer is not a JSON object",
                           ex->is_get ? "BatchGetItem" : "BatchWriteItem");
    /* what the service charged, whatever becomes of the answer's entries below */
    else if (ex->cfg.capacity)
      ex->st->consumed += answer_units(json);
  }
  bloop_call_free(s->call);
  s->call = NULL;
  for (size_t i = 0; i < s->n; i++) ex->ents[s->idx[i]].mark = MARK_NONE;
  if (st == BLOOP_OK && ex->is_get)
    st = take_responses(ex, s, cJSON_GetObjectItemCaseSensitive(json, "Responses"), &e);
  if (st == BLOOP_OK) {
    const cJSON *un = cJSON_GetObjectItemCaseSensitive(
        json, ex->is_get ? "UnprocessedKeys" : "UnprocessedItems");
    if (!mark_unprocessed(ex, s, un, &e)) st = e.status;
  }
  cJSON_Delete(json);
  bloop_arena_reset(&ex->scratch);

  /* Compact the slot down to what is still unprocessed; everything else is final. */
  size_t keep = 0;
  for (size_t i = 0; i < s->n; i++) {
    size_t ei = s->idx[i];
    entry *en = &ex->ents[ei];
    if (en->state == ENT_FINAL) continue;
    if (st) finish(ex, ei, BLOOP_BATCH_FAILED, &e, NULL);
    else if (en->mark == MARK_UNPROCESSED) s->idx[keep++] = ei;
    else finish(ex, ei, ex->is_get ? BLOOP_BATCH_MISSING : BLOOP_BATCH_DONE, NULL, NULL);
  }
  s->n = keep;
  if (keep == 0) {
    s->state = SLOT_FREE;
    return;
  }
  long long now = bloopi_now_ms();
  if (s->round >= ex->cfg.max_rounds) {
    bloop_error_set(&e, BLOOP_ESERVICE, "Unprocessed",
                    "still unprocessed after %d resend%s", s->round, s->round == 1 ? "" : "s");
    finish_slot(ex, s, BLOOP_BATCH_UNPROCESSED, &e);
    return;
  }
  long delay = backoff_ms(ex, s->round + 1);
  if (ex->deadline && now + delay >= ex->deadline) {
    bloop_error_set(&e, BLOOP_ETIMEOUT, "Deadline",
                    "unprocessed when the batch deadline came (after %d resend%s)", s->round,
                    s->round == 1 ? "" : "s");
    finish_slot(ex, s, BLOOP_BATCH_UNPROCESSED, &e);
    return;
  }
  s->round++;
  if (s->round > ex->st->rounds) ex->st->rounds = s->round;
  if (delay > ex->st->max_delay_ms) ex->st->max_delay_ms = delay;
  ex->st->total_delay_ms += delay;
  s->due_ms = now + delay;
  s->state = SLOT_WAITING;
}

/* ---- the loop ----------------------------------------------------------------------- */

static void run(exec *ex) {
  int nslots = ex->cfg.concurrency;
  for (;;) {
    long long now = bloopi_now_ms();
    if (ex->deadline && now >= ex->deadline) {
      bloop_error e = BLOOP_ERROR_INIT;
      bloop_error_set(&e, BLOOP_ETIMEOUT, "Deadline", "not sent before the batch deadline");
      while (ex->qhead < ex->qtail) {
        /* finish may queue a held-back write: it is drained here too */
        finish(ex, ex->queue[ex->qhead++], BLOOP_BATCH_UNPROCESSED, &e, NULL);
      }
    }
    int active = 0, sending = 0;
    long long next_due = LLONG_MAX;
    for (int i = 0; i < nslots; i++) {
      slot *s = &ex->slots[i];
      if (s->state == SLOT_WAITING && s->due_ms <= now) send_slot(ex, s);
      if (s->state == SLOT_FREE && ex->qhead < ex->qtail) {
        take_chunk(ex, s);
        send_slot(ex, s);
      }
      if (s->state != SLOT_FREE) active++;
      if (s->state == SLOT_SENDING) sending++;
      if (s->state == SLOT_WAITING && s->due_ms < next_due) next_due = s->due_ms;
    }
    if (!active) {
      if (ex->qhead < ex->qtail) continue;   /* a failed send released held-back writes */
      return;
    }
    if (!sending) {
      bloopi_sleep_ms(next_due - bloopi_now_ms());
      continue;
    }
    long timeout = -1;
    if (next_due != LLONG_MAX) {
      long long w = next_due - bloopi_now_ms();
      timeout = w < 0 ? 0 : (long)w;
    }
    int n = 0;
    for (int i = 0; i < nslots; i++)
      if (ex->slots[i].state == SLOT_SENDING) ex->on_wire[n++] = ex->slots[i].call;
    /* only this batch's calls: another user's calls on the client stay theirs */
    bloop_call *call = bloop_client_wait_for(ex->c, ex->on_wire, (size_t)n, timeout);
    if (call) {
      handle(ex, (slot *)bloop_call_userdata(call));
    } else if (timeout < 0) {
      /* Cannot happen while a call is pending; never spin if it does. */
      bloop_error e = BLOOP_ERROR_INIT;
      bloop_error_set(&e, BLOOP_ESTATE, "LostCall", "the client returned no call");
      for (int i = 0; i < nslots; i++)
        if (ex->slots[i].state == SLOT_SENDING) {
          bloop_call_free(ex->slots[i].call);
          ex->slots[i].call = NULL;
          finish_slot(ex, &ex->slots[i], BLOOP_BATCH_FAILED, &e);
        }
    }
  }
}

/* What refuses a call before its operations are touched. */
static bloop_status check_call(bloop_client *c, const bloop_batch_config *cfg, int no_ops,
                               bloop_error *err) {
  bloop_batch_config def;
  if (!cfg) {
    bloop_batch_config_init(&def);
    cfg = &def;
  }
  if (!c || no_ops)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "client or operations missing");
  if (cfg->concurrency < 1 || cfg->base_delay_ms < 0 || cfg->max_delay_ms < 0 ||
      cfg->max_rounds < 0 || cfg->deadline_ms < 0)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidConfig",
                           "batch config: concurrency >= 1, delays, rounds, deadline >= 0");
  return BLOOP_OK;
}

static bloop_status execute(exec *ex, const bloop_batch_config *cfg, bloop_batch_stats *stats,
                            bloop_error *err) {
  bloop_error_clear(err);
  bloop_batch_stats local;
  ex->st = stats ? stats : &local;
  memset(ex->st, 0, sizeof *ex->st);
  if (cfg) ex->cfg = *cfg;
  else bloop_batch_config_init(&ex->cfg);
  bloop_status st = check_call(ex->c, cfg, ex->nops && !(ex->wops || ex->gops), err);
  if (st) return st;
  for (size_t i = 0; i < ex->nops; i++) {
    if (ex->is_get) {
      ex->gops[i].outcome = BLOOP_BATCH_PENDING;
      bloop_error_clear(&ex->gops[i].error);
      memset(&ex->gops[i].item, 0, sizeof ex->gops[i].item);
    } else {
      ex->wops[i].outcome = BLOOP_BATCH_PENDING;
      ex->wops[i].error = NULL;
    }
  }
  if (ex->nops == 0) return BLOOP_OK;
  if (ex->cfg.deadline_ms) ex->deadline = bloopi_now_ms() + ex->cfg.deadline_ms;
  if (!ex->cfg.random) bloopi_rng_seed(&ex->rng);

  size_t hsize = 16;
  while (hsize < ex->nops * 2) hsize *= 2;
  size_t *ht = malloc(hsize * sizeof *ht);
  ex->tables = calloc(ex->nops, sizeof *ex->tables);
  ex->ents = calloc(ex->nops, sizeof *ex->ents);
  ex->queue = malloc(ex->nops * sizeof *ex->queue);
  ex->slots = calloc((size_t)ex->cfg.concurrency, sizeof *ex->slots);
  ex->on_wire = calloc((size_t)ex->cfg.concurrency, sizeof *ex->on_wire);
  if (ex->is_get) ex->op_next = malloc(ex->nops * sizeof *ex->op_next);
  bloop_buf_init(&ex->frags);
  bloop_arena_init(&ex->scratch);
  if (!ht || !ex->tables || !ex->ents || !ex->queue || !ex->slots || !ex->on_wire ||
      (ex->is_get && !ex->op_next)) {
    st = nomem(err);
    goto done;
  }
  for (size_t i = 0; i < hsize; i++) ht[i] = NONE;
  if (!ex->is_get) ex->nents = ex->nops;
  st = ex->is_get ? setup_get(ex, ht, hsize - 1, err) : setup_write(ex, ht, hsize - 1, err);
  if (st) goto done;
  for (size_t i = 0; i < ex->ntables; i++) {
    if (ex->is_get) build_get_suffix(&ex->tables[i]);
    if (ex->tables[i].get_suffix.failed) {
      st = nomem(err);
      goto done;
    }
  }
  run(ex);
done:
  if (ex->slots)
    for (int i = 0; i < ex->cfg.concurrency; i++) bloop_call_free(ex->slots[i].call);
  for (size_t i = 0; ex->tables && i < ex->ntables; i++) bloop_buf_free(&ex->tables[i].get_suffix);
  free(ht);
  free(ex->tables);
  free(ex->ents);
  free(ex->queue);
  free(ex->slots);
  free(ex->on_wire);
  free(ex->op_next);
  bloop_buf_free(&ex->frags);
  bloop_arena_free(&ex->scratch);
  return st;
}

bloop_status bloopi_batch_write_ops(bloop_client *c, const bloop_batch_config *cfg,
                                    bloopi_batch_wop *ops, size_t n, bloop_arena *errors,
                                    bloop_batch_stats *stats, bloop_error *err) {
  exec ex;
  memset(&ex, 0, sizeof ex);
  ex.c = c;
  ex.wops = ops;
  ex.errs = errors;
  ex.nops = n;
  return execute(&ex, cfg, stats, err);
}

bloop_status bloop_batch_write(bloop_client *c, const bloop_batch_config *cfg,
                               bloop_batch_write_op *ops, size_t n, bloop_batch_stats *stats,
                               bloop_error *err) {
  bloop_error_clear(err);
  bloop_batch_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  /* refused before the ops are touched, as always */
  bloop_status st = check_call(c, cfg, n && !ops, err);
  if (st || n == 0) return st;
  bloopi_batch_wop *w = malloc(n * sizeof *w);
  if (!w) return nomem(err);
  for (size_t i = 0; i < n; i++)
    w[i] = (bloopi_batch_wop){ops[i].table, ops[i].kind, ops[i].item, NULL, 0,
                              BLOOP_BATCH_PENDING, NULL};
  bloop_arena errors = BLOOP_ARENA_INIT;
  st = bloopi_batch_write_ops(c, cfg, w, n, &errors, stats, err);
  for (size_t i = 0; i < n; i++) {
    ops[i].outcome = w[i].outcome;
    if (w[i].error) ops[i].error = *w[i].error;
    else bloop_error_clear(&ops[i].error);
  }
  bloop_arena_free(&errors);
  free(w);
  return st;
}

bloop_status bloop_batch_get(bloop_client *c, const bloop_batch_config *cfg,
                             bloop_batch_get_op *ops, size_t n, bloop_arena *arena,
                             bloop_batch_stats *stats, bloop_error *err) {
  if (!arena && n)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "batch get needs an arena");
  exec ex;
  memset(&ex, 0, sizeof ex);
  ex.c = c;
  ex.is_get = 1;
  ex.gops = ops;
  ex.nops = n;
  ex.out = arena;
  return execute(&ex, cfg, stats, err);
}
