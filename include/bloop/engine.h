/*
 * engine.h: the mapper engine over a session: bind (create or validate a model's table),
 * save / delete (UpdateItem / DeleteItem with conditions, atomic snapshots, a version
 * column, sync), load (GetItem for one object, else BatchGetItem), batch save / delete (BatchWriteItem), query / scan
 * iterators with lazy constant-memory paging (a scan over several segments at once), and
 * explain (the exact request, unsent).
 *
 * Owns: building every request (one function per operation builds it; explain and the
 * operation itself call that same function), routing each call through the session, turning
 * answers into items, and the engine's memory of what it verified: a model bound once is not
 * bound again by the same engine (the engine retains it), and CreateTable is sent at most
 * once per table name per engine.
 * Does not own: objects, change tracking or type conversion (the Lua layer or a C program
 * keeps the last synced item of each object and passes it back as `previous`), raising,
 * signals (the Lua layer fires them around these calls), HTTP retries (client.h), batch
 * chunking and UnprocessedItems/Keys (batch.h), rendering of expressions (expr.h).
 *
 * Items: a bloop_value of type M keyed by DYNAMO names (what goes on the wire). Every
 * attribute of an item given to save must be a column of the model (else "InvalidRequest").
 * Conditions (cond.h): paths start with a DYNAMO name (the Lua layer builds them from
 * columns). Projection lists in searches name COLUMNS by their model names.
 *
 * Sessions. The engine reaches DynamoDB only through a bloop_session. An operation goes
 * to the native client when the session has one and does not override that operation;
 * otherwise it goes through session.call (synchronously). So a Lua user who wraps the
 * client and overrides DescribeTimeToLive gets that one operation routed through Lua while
 * every other operation keeps the native path. Batch operations need the native route
 * for BatchGetItem / BatchWriteItem (the batch executor drives a bloop_client); when that
 * route is overridden or absent they fall back to one GetItem / PutItem / DeleteItem per
 * item through the session (each routed the same way), with the same per-item outcomes.
 *
 * Errors: every error message starts with "<Model> <operation>: " ("Tweet save: ...").
 * Codes (err->code), beyond those of client.h / expr.h / batch.h:
 *   "ConstraintViolation" (status BLOOP_ESERVICE): DynamoDB's ConditionalCheckFailedException;
 *      the message keeps DynamoDB's own text after the prefix, http_status/request_id kept;
 *      ambiguous/attempts kept too (see bloop_engine_save).
 *   "TableMismatch" (BLOOP_EINVAL): bind found differences; the message lists each on its
 *      own line (as many as fit in the message; bloop_bind_report holds them all).
 *   "InvalidSearch" (BLOOP_EINVAL): a bad key condition, projection or filter for a search.
 *   "InvalidRequest" (BLOOP_EINVAL): an item missing a key, holding a non-column attribute,
 *      a bad sync value, ...
 *   "TableNotActive" (BLOOP_ETIMEOUT): bind waited its bound for ACTIVE.
 * Service errors keep status BLOOP_ESERVICE and DynamoDB's code.
 *
 * An engine is not thread-safe, like its clients; one thread drives it.
 */
#ifndef BLOOP_ENGINE_H
#define BLOOP_ENGINE_H

#include <stddef.h>

#include "bloop/arena.h"
#include "bloop/batch.h"
#include "bloop/buf.h"
#include "bloop/client.h"
#include "bloop/cond.h"
#include "bloop/model.h"
#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sessions --------------------------------------------------------------------- */

typedef struct bloop_session {
  /* One synchronous call: fill `response` with the JSON answer and return BLOOP_OK, or fail
   * filling err as bloop_client_call does (status, service code, message, http status),
   * so the engine can tell a ConditionalCheckFailedException from anything else. May be
   * NULL when every operation takes the native clients. */
  bloop_status (*call)(void *ud, bloop_service service, const char *op, const char *body,
                       size_t len, bloop_buf *response, bloop_error *err);
  /* Nonzero when `op` must go through `call` even though a native client exists (the Lua
   * user overrode it). NULL: nothing is overridden. */
  int (*overrides)(void *ud, bloop_service service, const char *op);
  void *ud;
  bloop_client *native_dynamodb;   /* borrowed; may be NULL (then `call` is required) */
  bloop_client *native_streams;    /* borrowed; may be NULL */
} bloop_session;

/* A session that sends everything to these clients (borrowed; they must outlive every
 * engine using the session). */
bloop_session bloop_session_native(bloop_client *dynamodb, bloop_client *streams);

typedef struct bloop_engine_config {
  long bind_poll_base_ms;     /* DescribeTable polling: first delay; default 50 */
  long bind_poll_max_ms;      /* cap of one delay (doubling); default 2000 */
  long bind_timeout_ms;       /* total wait for ACTIVE; default 300000 (5 min) */
  bloop_batch_config batch;   /* for load / batch_save / batch_delete (defaults) */
} bloop_engine_config;

void bloop_engine_config_init(bloop_engine_config *cfg);

typedef struct bloop_engine bloop_engine;

/* The session is copied (its clients stay borrowed). cfg may be NULL (defaults). */
bloop_status bloop_engine_new(const bloop_session *session, const bloop_engine_config *cfg,
                              bloop_engine **out, bloop_error *err);
/* Releases the models the engine retained. Accepts NULL. */
void bloop_engine_free(bloop_engine *e);
/* The engine's session (a wrapper may change `overrides`/`ud` later; the engine reads it
 * at every call). */
bloop_session *bloop_engine_session(bloop_engine *e);

/* ---- bind ------------------------------------------------------------------------- */

enum {
  /* No request at all: the model is taken as bound (bloop's skip_table_setup). */
  BLOOP_BIND_SKIP_TABLE_SETUP = 1,
  /* No CreateTable / UpdateTimeToLive / UpdateContinuousBackups: only describe and
   * validate (for credentials that may not create tables). */
  BLOOP_BIND_VALIDATE_ONLY = 2,
  /* Bind even if this engine bound the model before. */
  BLOOP_BIND_FORCE = 4
};

typedef struct bloop_bind_report {
  int created;                /* this call created the table */
  int already_bound;          /* nothing done: this engine had verified the model */
  /* Every difference found ("model says X, table has Y" lines naming columns and
   * indexes); malloc'ed, freed by bloop_bind_report_clear. */
  char **differences;
  size_t difference_count;
  char *stream_arn;           /* LatestStreamArn when the table has a stream (malloc'ed) */
} bloop_bind_report;

void bloop_bind_report_clear(bloop_bind_report *r);   /* frees; leaves it zeroed */

/* CreateTable (AttributeDefinitions for the table's and indexes' key attributes only,
 * KeySchema, GSIs/LSIs with projections (INCLUDE sends the listed non-key columns' dynamo
 * names), billing or units, StreamSpecification, SSESpecification). ResourceInUseException
 * means the table exists. Then DescribeTable is polled (backoff, bounded) until the table
 * and every GSI are ACTIVE; when the model asks for TTL / backups and the table differs,
 * UpdateTimeToLive / UpdateContinuousBackups are sent; then the table is validated:
 *   its own KeySchema (names, and types from AttributeDefinitions); every model index
 *   exists (by dynamo name) with the same keys and a projection that includes at least
 *   what the model's index projects (several models may share one table or index); the
 *   stream view type when the model asks one; TTL (DescribeTimeToLive: enabled/enabling on
 *   the TTL column's dynamo name) and continuous backups (DescribeContinuousBackups) when
 *   the model sets them; billing mode when declared; SSE when declared.
 * A mismatch fails with "TableMismatch" listing every difference. report may be NULL. */
bloop_status bloop_engine_bind(bloop_engine *e, bloop_model *m, int flags,
                               bloop_bind_report *report, bloop_error *err);
/* Has this engine bound m (successfully)? */
int bloop_engine_is_bound(const bloop_engine *e, const bloop_model *m);

/* ---- save / delete ---------------------------------------------------------------- */

typedef enum bloop_sync {
  BLOOP_SYNC_NONE = 0,        /* ReturnValues NONE */
  BLOOP_SYNC_NEW,             /* ALL_NEW (save only) */
  BLOOP_SYNC_OLD              /* ALL_OLD */
} bloop_sync;

/* An update action on one column of a save: DynamoDB computes the new value from what the
 * row holds, so concurrent writers lose nothing (atomic counters, set members, list
 * appends). The value is a wire value of the column's type: */
typedef enum bloop_action_kind {
  BLOOP_ACTION_ADD = 1,       /* N column: ADD (an absent counter starts at 0); set column:
                               * ADD members (same set type) */
  BLOOP_ACTION_DELETE,        /* set column: DELETE members (same set type) */
  BLOOP_ACTION_APPEND,        /* L column: SET c = list_append(if_not_exists(c, []), v) */
  BLOOP_ACTION_PREPEND,       /* L column: SET c = list_append(v, if_not_exists(c, [])) */
  BLOOP_ACTION_IF_NOT_EXISTS  /* any column: SET c = if_not_exists(c, v) */
} bloop_action_kind;

typedef struct bloop_write_action {
  const char *column;         /* column NAME; not a key or the version column */
  bloop_action_kind kind;
  const bloop_value *value;   /* borrowed; see the kinds */
} bloop_write_action;

typedef struct bloop_write_args {
  const bloop_model *model;
  /* save: the object's current attributes; delete: any item holding its key attributes. */
  const bloop_value *item;
  /* The last state the engine loaded or saved for this object (NULL: never synced). */
  const bloop_value *previous;
  /* save: column NAMES the caller set to nil; they are REMOVEd even when `previous` does
   * not hold them (a partially loaded object, or one never synced). */
  const char *const *cleared;
  size_t cleared_count;
  bloop_cond *condition;        /* borrowed; NULL = none */
  int atomic;                   /* AND "the row still holds `previous`" */
  bloop_sync sync;
  /* save: update actions, at most one per column; a column with an action must not be in
   * `item` (its new value is DynamoDB's to compute) and is written whatever `previous`
   * holds. Delete and ConditionCheck refuse them. */
  const bloop_write_action *actions;
  size_t action_count;
  /* Nonzero when item passed bloop_item_validate (or was read from JSON by
   * bloop_item_from_json, which checks the same rules): its values are then not validated
   * again as they enter the request. Zero (what a zeroed struct holds) is always safe. */
  int item_valid;
} bloop_write_args;

typedef struct bloop_write_result {
  /* sync NEW/OLD: the returned Attributes (allocated in the caller's arena). DynamoDB
   * returns none for ALL_OLD on an item that did not exist: has_attributes = 0. */
  int has_attributes;
  bloop_value attributes;
  /* Model with a version column: the version now stored (save: previous + 1, as N text in
   * the arena); delete leaves it NONE. */
  bloop_value version;
  /* 1 when the write's condition failed after an attempt whose answer was lost, and the
   * stored item showed that attempt had been applied (bloop_engine_save): the write
   * succeeded. sync "old" then has no attributes (the answer that held them was lost). */
  int reconciled;
} bloop_write_result;

/* save: one UpdateItem. Key from the item's key columns. SET each non-key attribute of
 * `item` that is new or differs (deep equality) from `previous` (all of them when previous
 * is NULL); REMOVE each non-key attribute of `previous` missing from `item`, and each
 * `cleared` column missing from `item`; each action as its kind says (in the same
 * UpdateExpression: SET a = :v0, b = list_append(...) REMOVE c ADD d :v1 DELETE e :v2).
 * A refused action ("InvalidRequest") names the column and why: a key or version column,
 * a kind the column's type cannot take (ADD on S), a value of another type, two actions
 * on one column, a column also in `item`. The request is sent even when nothing changed
 * (a key-only UpdateItem), so the condition is always checked.
 * atomic: AND, for each column, `col = previous value` or attribute_not_exists(col) when
 * previous lacks it (previous NULL: every column not exists). A snapshot from a partial
 * load (index projection) therefore claims the unprojected columns are absent: pass atomic
 * only with a full snapshot.
 * Version column: the expected version is previous's (else the item's) value, or
 * attribute_not_exists when neither holds one; SET version = expected + 1 (or 1), and the
 * condition version = expected is ANDed in. The item's own version attribute is never SET
 * from the item.
 * result may be NULL (then sync attributes are dropped); arena is needed when result is
 * given. Sequential: one item per call.
 * A write with a condition also sends ReturnValuesOnConditionCheckFailure ALL_OLD. When
 * its condition fails after an attempt that may have been applied unseen (err->ambiguous
 * from the client, status.h), the stored item (the failure's Item, else a consistent
 * GetItem) settles it: a save whose written columns hold what it wrote (SET values, the
 * new version; REMOVEd ones absent) and that has no update action and writes something,
 * or a delete whose item is gone, returns BLOOP_OK with result->reconciled = 1 (sync NEW:
 * the stored item as attributes; OLD: none). Otherwise "ConstraintViolation" stays, with
 * ambiguous = 1, attempts, and the message saying why no more can be told. */
bloop_status bloop_engine_save(bloop_engine *e, const bloop_write_args *a,
                               bloop_write_result *result, bloop_arena *arena,
                               bloop_error *err);

/* delete: one DeleteItem with the key of `item`, the condition, atomic (as save), the
 * version condition (expected version as save, no SET), sync NONE or OLD; a condition
 * failure after an ambiguous attempt is settled as for save. */
bloop_status bloop_engine_delete(bloop_engine *e, const bloop_write_args *a,
                                 bloop_write_result *result, bloop_arena *arena,
                                 bloop_error *err);

/* ---- load, batch save / delete ---------------------------------------------------- */

typedef struct bloop_load_op {
  const bloop_model *model;   /* in */
  const bloop_value *key;     /* in: an item holding (at least) the model's key attributes */
  int text_only;              /* in: a GetItem's FOUND item is left as text: item holds only
                               * the key attributes, item_json the whole item, unchecked
                               * beyond its brackets (bloop_load_op_read reads it). For a
                               * caller that reads the text itself (the Lua binding). */
  bloop_batch_outcome outcome;  /* out: FOUND, MISSING, FAILED, UNPROCESSED */
  bloop_value item;           /* out: FOUND: the item (in the arena) */
  const char *item_json;      /* out: FOUND by GetItem: the item's JSON text as answered (in
                               * the arena; item_json_len bytes), else NULL */
  size_t item_json_len;
  bloop_error error;          /* out: FAILED / UNPROCESSED: why */
} bloop_load_op;

/* One object: GetItem. More: BatchGetItem in chunks of 100 (several in flight),
 * UnprocessedKeys retried with backoff. Models may differ between ops. Equal keys are fetched once. Returns BLOOP_OK
 * when every op has an outcome (FOUND or MISSING normally); the caller raises
 * MissingObjects for the MISSING ones. *missing (may be NULL) counts them. An op that is
 * FAILED or UNPROCESSED makes the call fail (first such error, prefixed), after every op
 * has its outcome. */
bloop_status bloop_engine_load(bloop_engine *e, bloop_load_op *ops, size_t n, int consistent,
                               bloop_arena *arena, size_t *missing, bloop_error *err);

/* A FOUND op's item read from its item_json into op->item (in arena), every rule checked,
 * failing as bloop_engine_load would have for that item ("BadResponse", the model and
 * "load" in the message). For an op loaded text_only whose text the caller could not use. */
bloop_status bloop_load_op_read(bloop_load_op *op, bloop_arena *arena, bloop_error *err);

typedef struct bloop_batch_item {
  const bloop_model *model;   /* in */
  const bloop_value *item;    /* in: save: the whole item (PutItem semantics); delete: key */
  bloop_batch_outcome outcome;  /* out: DONE, FAILED, UNPROCESSED */
  bloop_error error;          /* out */
} bloop_batch_item;

/* BatchWriteItem (chunks of 25, several in flight, UnprocessedItems retried with backoff).
 * Put replaces whole items: no conditions, no version check (the version column is written
 * as the item holds it). Every item gets an outcome; whatever is still left is reported per
 * item (UNPROCESSED), never dropped. Returns BLOOP_OK when every item is DONE; otherwise
 * fails with the first failure's error (code kept) after filling every outcome.
 * stats may be NULL. */
bloop_status bloop_engine_batch_save(bloop_engine *e, bloop_batch_item *items, size_t n,
                                     bloop_batch_stats *stats, bloop_error *err);
bloop_status bloop_engine_batch_delete(bloop_engine *e, bloop_batch_item *items, size_t n,
                                       bloop_batch_stats *stats, bloop_error *err);

/* ---- capacity ---------------------------------------------------------------------- */

/* on: every request of save, delete, load and batch save/delete (GetItem, UpdateItem,
 * DeleteItem, BatchGetItem, BatchWriteItem, resends of unprocessed entries included) asks
 * for ReturnConsumedCapacity TOTAL and bloop_engine_metered sums the CapacityUnits
 * answered, also across calls that fail part-way (what their answered requests consumed);
 * the sum restarts at 0. A failed request's answer reports none. Searches count their own
 * (bloop_search_consumed). While on, bloop_engine_batch_save / _delete also leave their
 * own call's share in stats->consumed. */
void bloop_engine_meter(bloop_engine *e, int on);
double bloop_engine_metered(const bloop_engine *e);

/* ---- query / scan ----------------------------------------------------------------- */

typedef enum bloop_search_mode { BLOOP_SEARCH_QUERY = 0, BLOOP_SEARCH_SCAN } bloop_search_mode;

typedef enum bloop_search_projection {
  BLOOP_SEARCH_ALL = 0,       /* table: every attribute; index: what it projects */
  BLOOP_SEARCH_KEYS,          /* table keys + index keys */
  BLOOP_SEARCH_COUNT,         /* Select COUNT: no items, only count / scanned */
  BLOOP_SEARCH_COLUMNS        /* the listed columns (model names) */
} bloop_search_projection;

typedef struct bloop_search_args {
  bloop_search_mode mode;
  bloop_model *model;         /* borrowed; a search retains it */
  const char *index;          /* index NAME (model name, not dynamo), or NULL: the table */
  bloop_cond *key;            /* query: required (hash = v [AND one range condition]) */
  bloop_cond *filter;         /* optional; columns must be available; a query filter may
                                 not use the queried keys */
  bloop_search_projection projection;
  const char *const *columns; /* COLUMNS: model names; each must be projected by the index
                                 unless it projects ALL (else "InvalidSearch") */
  size_t column_count;
  size_t limit;               /* most items returned overall; 0 = no limit */
  size_t page_size;           /* DynamoDB Limit per request; 0 = sized for memory: 1,000
                               * items first, then about 1 MB of answer text a page */
  int consistent;             /* ConsistentRead; silently dropped for a GSI */
  int descending;             /* query: ScanIndexForward = false */
  int segment, total_segments;  /* scan: parallel {segment, total} (total 0 = no) */
  /* scan: read every one of `segments` segments (1..1000000) in this one search, their
   * requests in flight at once; 0 = no. Excludes total_segments. */
  int segments;
} bloop_search_args;

typedef struct bloop_search bloop_search;

/* Validates and prepares (everything is copied; conditions are retained). Sends nothing. */
bloop_status bloop_search_new(bloop_engine *e, const bloop_search_args *a, bloop_search **out,
                              bloop_error *err);
void bloop_search_free(bloop_search *s);    /* accepts NULL */

/* The next item, fetching pages lazily (one page in memory at a time). *item is NULL when
 * the search is exhausted (or the limit reached). The item lives in the search's memory:
 * valid until the next call to next / reset / free. A COUNT search drains every page on
 * its first call and yields nothing.
 * A search over `segments` keeps one request in flight per segment (at most 32 segments
 * with a request out or a page held, which bounds memory at one page each) on the
 * engine's native client, asks for a segment's next page as soon as its page has been
 * read, and returns the items of each page as pages arrive: the order across segments is
 * unspecified. It waits only for its own calls, so the client can serve other calls (a
 * save, a batch) between two calls to next. A failed page fails the call; the segment asks
 * for that page again on the next call, and the other segments' requests stay in flight.
 * When Scan goes through the session's call function instead (an override, no native
 * client), the segments are fetched one after the other. */
bloop_status bloop_search_next(bloop_search *s, const bloop_value **item, bloop_error *err);
/* The text of the item bloop_search_next gave last, as it stood in the answer (DynamoDB
 * JSON of the item's attributes, an object), or NULL when there is none. Valid as long as
 * the item. Lets a caller keep an item as text without encoding it again. */
const char *bloop_search_item_json(const bloop_search *s, size_t *len);
/* bloop_search_next without reading the item: *text (NULL when there is no next item) is
 * where its JSON text starts in the answer, and *len how much of the answer is left from
 * there (the item, then the rest). A caller that reads the text itself builds no item, and
 * says where the item ended with bloop_search_item_end (else the next step finds it by its
 * brackets). bloop_search_item reads it (with the error bloop_search_next would have
 * returned for an item it cannot read, the step then undone); bloop_search_item_key and
 * bloop_search_item_json read or measure it when needed. */
bloop_status bloop_search_next_text(bloop_search *s, const char **text, size_t *len,
                                    bloop_error *err);
/* The item bloop_search_next_text stepped to is its text's first len bytes (len as its
 * reader found it; a len past what the answer holds is ignored). */
void bloop_search_item_end(bloop_search *s, size_t len);
/* The item the last bloop_search_next / _next_text stepped to, read if it was not
 * (*item NULL when there is none). */
bloop_status bloop_search_item(bloop_search *s, const bloop_value **item, bloop_error *err);
/* Back to the start: counts zeroed, pages dropped, requests in flight cancelled, no
 * ExclusiveStartKey (or the start_after / segment_start positions). */
void bloop_search_reset(bloop_search *s);
/* on: each bloop_search_next sends at most one request (unless nothing else is under way),
 * so a caller that waits whenever bloop_search_will_fetch says so paces every request
 * (a rate limit shared by the segments). Off by default. */
void bloop_search_pace(bloop_search *s, int on);
/* Running sums of Count / ScannedCount over the pages fetched so far. */
size_t bloop_search_count(const bloop_search *s);
size_t bloop_search_scanned(const bloop_search *s);
/* No more pages and no buffered item (or the limit reached). */
int bloop_search_exhausted(const bloop_search *s);
/* The projected columns of the search's items (the model's positions), for building
 * objects: `count` entries; for ALL on a table every column. */
const bloop_column *const *bloop_search_columns(const bloop_search *s, size_t *count);
/* The LastEvaluatedKey of the last page fetched (NULL when none). Lives until the next
 * page / reset / free. */
const bloop_value *bloop_search_last_key(const bloop_search *s);
/* Capacity units the pages so far consumed (ReturnConsumedCapacity TOTAL). */
double bloop_search_consumed(const bloop_search *s);
/* The next bloop_search_next will send a request (a pacer waits before it): some segment
 * has read its page and has more to ask for. */
int bloop_search_will_fetch(const bloop_search *s);
/* Items of the current page (the page of the item returned last) not yet returned. */
int bloop_search_page_left(const bloop_search *s);
/* Nothing is left: no more pages and the current page's items all returned. Unlike
 * bloop_search_exhausted, a reached limit does not count (more items may follow). */
int bloop_search_at_end(const bloop_search *s);
/* The ExclusiveStartKey that resumes right after the item bloop_search_next gave last (its
 * table keys and, for an index, the index's), appended to out as JSON. The keys are always
 * requested, whatever the projection. */
bloop_status bloop_search_item_key(bloop_search *s, bloop_buf *out, bloop_error *err);
/* Start after this key (an ExclusiveStartKey item, copied); NULL clears it. Resets. A
 * search over segments refuses it ("InvalidSearch"): it starts from one position per
 * segment (below). */
bloop_status bloop_search_start_after(bloop_search *s, const bloop_value *key,
                                      bloop_error *err);

/* Segments of a search over `segments`: N; any other search: 0. */
int bloop_search_segments(const bloop_search *s);

typedef enum bloop_segment_position {
  BLOOP_SEGMENT_START = 0,    /* from the segment's beginning */
  BLOOP_SEGMENT_AFTER,        /* right after a key (an ExclusiveStartKey) */
  BLOOP_SEGMENT_DONE          /* nothing left in the segment */
} bloop_segment_position;

/* Where segment `segment` (0-based) resumes: right after the last item returned from it
 * (its key appended to `key` as JSON, AFTER), after the page it was asked after, from its
 * beginning (START, nothing appended), or DONE. Together the N positions resume the whole
 * search exactly, whatever was in flight or held. "InvalidSearch" for a search that is not
 * over segments or a segment out of range. */
bloop_status bloop_search_segment_position(bloop_search *s, int segment,
                                           bloop_segment_position *pos, bloop_buf *key,
                                           bloop_error *err);
/* Sets where segment `segment` starts (key: AFTER's ExclusiveStartKey item, copied;
 * ignored otherwise), then resets the search. */
bloop_status bloop_search_segment_start(bloop_search *s, int segment,
                                        bloop_segment_position pos, const bloop_value *key,
                                        bloop_error *err);

/* ---- explain ---------------------------------------------------------------------- */

/* Each appends to `out` one JSON object:
 *   {"operation":"UpdateItem","request":{...exact body...},"item_size":123}
 * built by the same function the operation uses; nothing is sent. item_size is the
 * DynamoDB size of the item written (save, batch) or omitted. load/batch: the request of the
 * first chunk, plus "chunks": how many requests the executor would start with. search: the
 * first page's request (over segments: segment 0's, plus "segments": N). */
bloop_status bloop_engine_explain_save(bloop_engine *e, const bloop_write_args *a,
                                       bloop_buf *out, bloop_error *err);
bloop_status bloop_engine_explain_delete(bloop_engine *e, const bloop_write_args *a,
                                         bloop_buf *out, bloop_error *err);
bloop_status bloop_engine_explain_load(bloop_engine *e, const bloop_load_op *ops, size_t n,
                                       int consistent, bloop_buf *out, bloop_error *err);
bloop_status bloop_engine_explain_batch(bloop_engine *e, const bloop_batch_item *items,
                                        size_t n, int is_delete, bloop_buf *out,
                                        bloop_error *err);
bloop_status bloop_engine_explain_bind(bloop_engine *e, const bloop_model *m, bloop_buf *out,
                                       bloop_error *err);   /* the CreateTable request */
bloop_status bloop_engine_explain_search(bloop_engine *e, const bloop_search_args *a,
                                         bloop_buf *out, bloop_error *err);

#ifdef __cplusplus
}
#endif

#endif
