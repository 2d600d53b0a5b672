/*
 * engine_search.c: query and scan as lazy iterators (engine.h).
 *
 * Validation and rendering happen once, in bloop_search_new: the request minus its paging
 * members (Segment, Limit, ExclusiveStartKey) is kept as text, and each page appends them.
 * A search pages through one or more segments (a scan over `segments` has one each; any
 * other search has one). A segment holds at most one page: its answer text, read one item
 * at a time as items are asked for (json_read.h), and dropped before the segment asks for
 * the next page. The item returned last is decoded into an arena reset for every item, so
 * memory stays flat however many items the search returns. The LastEvaluatedKey is kept as
 * JSON text, which is all the next request needs.
 *
 * One segment fetches synchronously, as it always did. Several keep their requests in
 * flight on the native client at once (bloop_client_submit, then waiting for their own
 * calls only, so other users of the client are left alone); a segment asks for its next
 * page as soon as its page has been read, and pages are read in the order they arrive.
 * When Scan goes through the session's call function instead (a Lua override, or no
 * native client), segments fetch one after the other.
 */
#include "engine/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/expr.h"
#include "base/json_read.h"

/* Segments with a request in flight or a page held, at most: the memory bound of a scan
 * over many segments (and its connection count). */
#define MAX_ACTIVE 32

/* Without a page_size, a search asks for pages of about PAGE_TEXT bytes of answer text in
 * all (shared by the segments under way, none below PAGE_TEXT_MIN), so its memory stays
 * flat however many items it reads: DynamoDB's own limit is 1 MB of item data, which is
 * about 2.4 MB of JSON for small items, held while its items are read. The first page asks
 * for PAGE_FIRST items; each next one scales the Limit by the last page's text per item
 * read, growing at most PAGE_GROWTH times a page. */
#define PAGE_TEXT (1024 * 1024)
#define PAGE_TEXT_MIN (64 * 1024)
#define PAGE_FIRST 1000
#define PAGE_GROWTH 4
#define PAGE_LIMIT_MAX 10000000

/* One segment's paging. */
typedef struct seg {
  int number;                       /* the Segment it asks for; -1: not a parallel scan */
  bloop_buf esk;                    /* next ExclusiveStartKey as JSON; empty = none */
  bloop_buf sent;                   /* the one the held page was asked after */
  bloop_buf start;                  /* where reset starts (a start_after key or a cursor's) */
  int start_done;                   /* reset leaves it finished (a cursor said so) */
  bloop_arena page;                 /* the held page's LastEvaluatedKey */
  bloop_buf text;                   /* the held page's answer, fetched synchronously */
  bloop_call *call;                 /* the page asked for (in flight, or arrived) */
  bloop_call *held;                 /* the call whose answer is the held page */
  int arrived;                      /* call has completed; its answer is not read yet */
  unsigned long order;              /* when it arrived: pages are read in this order */
  const char *data;                 /* the held page's answer text (text or the call's) */
  size_t len;
  bloopi_jr reader;                 /* over data */
  size_t items_at;                  /* offset of the next item (or the ']') in data */
  size_t next_index;
  int in_items;                     /* items of the page remain */
  int has_page;
  const char *last_text;            /* the held page's item returned last, in data */
  size_t last_len;
  bloop_value last_key;
  int has_last_key;
  size_t page_count, page_yielded;  /* the held page's Count, and how many it gave */
  size_t auto_limit;                /* the Limit of its next page without a page_size */
  int done;                         /* no more pages */
} seg;

struct bloop_search {
  bloop_engine *e;
  bloop_model *model;               /* retained */
  const bloop_index *index;
  bloop_search_mode mode;
  bloop_search_projection projection;
  size_t limit, page_size;
  const bloop_column **cols;        /* projected columns */
  size_t ncols;
  bloop_buf base;                   /* the request without its paging members and '}' */
  int total;                        /* TotalSegments sent (0: none) */
  int segmented;                    /* a scan over `segments`, all of them in this search */
  int paced;                        /* bloop_search_pace: one new request per next */
  seg *segs;
  size_t nsegs;
  seg *cur;                         /* the segment whose page is being read */
  bloop_call **calls;               /* scratch: the calls to wait for */
  size_t next_send;                 /* round robin over idle segments */
  unsigned long arrivals;
  bloop_arena items;                /* the item returned last, and keys built from it */
  const char *item_text;            /* the last item's text, in its segment's page */
  size_t item_len;
  size_t item_index;                /* its index in the page's Items */
  int has_item;                     /* item_text is s->cur's item returned last */
  int item_read;                    /* item holds it (bloop_search_next_text leaves it unread) */
  int item_ended;                   /* item_len is its length and cur's items_at is past it
                                     * (else item_len is what the answer holds from it on) */
  bloop_value item;
  size_t count, scanned, yielded;
  double consumed;                  /* ConsumedCapacity.CapacityUnits summed over pages */
};

static const char *opname(bloop_search_mode mode) {
  return mode == BLOOP_SEARCH_QUERY ? "query" : "scan";
}

#define INVALID(...) bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", m, op, __VA_ARGS__)

/* Every column a filter names must be available; a query filter may not use the keys. */
static bloop_status check_path(const bloop_model *m, const char *op, const bloop_index *x,
                               int query, const bloop_path *p, bloop_error *err) {
  if (!p || !p->count || !p->elems[0].name) return BLOOP_OK;
  const bloop_column *c = bloop_model_column_by_dynamo(m, p->elems[0].name, p->elems[0].len);
  if (!c)
    return INVALID("the filter uses \"%.*s\", which is not a column", (int)p->elems[0].len,
                   p->elems[0].name);
  if (x && x->projection != BLOOP_PROJECTION_ALL && !bloop_index_projects(x, c))
    return INVALID("the filter uses \"%s\", which index \"%s\" does not project", c->name,
                   x->name);
  if (query) {
    const bloop_column *h = x ? x->hash_key : bloop_model_hash_key(m);
    const bloop_column *r = x ? x->range_key : bloop_model_range_key(m);
    if (c == h || c == r)
      return INVALID("a query filter cannot use the key \"%s\" (put it in the key condition)",
                     c->name);
  }
  return BLOOP_OK;
}

static bloop_status check_filter(const bloop_model *m, const char *op, const bloop_index *x,
                                 int query, const bloop_cond *c, bloop_error *err) {
  if (!c) return BLOOP_OK;
  bloop_cond_op k = bloop_cond_kind(c);
  bloop_status st;
  if (k == BLOOP_COND_AND || k == BLOOP_COND_OR || k == BLOOP_COND_NOT) {
    for (size_t i = 0; i < bloop_cond_count(c); i++)
      if ((st = check_filter(m, op, x, query, bloop_cond_child(c, i), err))) return st;
    return BLOOP_OK;
  }
  if ((st = check_path(m, op, x, query, bloop_cond_path(c), err))) return st;
  for (size_t i = 0; i < bloop_cond_count(c); i++) {
    const bloop_operand *o = bloop_cond_operand(c, i);
    if (o && o->path && (st = check_path(m, op, x, query, o->path, err))) return st;
  }
  return BLOOP_OK;
}

static bloop_status nomem(bloop_error *err) {
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
}

/* The rules of the arguments, before anything is rendered; sets s->index. */
static bloop_status check_args(bloop_search *s, const bloop_search_args *a, bloop_error *err) {
  const bloop_model *m = a->model;
  const char *op = opname(a->mode);
  int query = a->mode == BLOOP_SEARCH_QUERY;
  const bloop_index *x = NULL;
  if (a->mode != BLOOP_SEARCH_QUERY && a->mode != BLOOP_SEARCH_SCAN)
    return INVALID("unknown search mode");
  if (a->index && !(x = bloop_model_index_find(m, a->index)))
    return INVALID("no index named \"%s\"", a->index);
  s->index = x;
  if (query && !a->key) return INVALID("a query needs a key condition");
  if (!query && a->key) return INVALID("a scan takes no key condition");
  if (query && (a->total_segments || a->segments)) return INVALID("a query cannot be parallel");
  if (a->segments && a->total_segments)
    return INVALID("segments (all segments in one search) and a parallel segment exclude "
                   "each other");
  if (a->segments < 0 || a->segments > 1000000)
    return INVALID("segments must be between 1 and 1000000 (got %d)", a->segments);
  if (a->total_segments < 0 || a->segment < 0 ||
      (a->total_segments && a->segment >= a->total_segments) ||
      (!a->total_segments && a->segment) || a->total_segments > 1000000)
    return INVALID("parallel needs 0 <= segment < total <= 1000000 (got %d, %d)", a->segment,
                   a->total_segments);
  return check_filter(m, op, x, query, a->filter, err);
}

/* Projection COLUMNS: the named columns, each once, each one the index projects. */
static bloop_status pick_named(bloop_search *s, const bloop_search_args *a, bloop_error *err) {
  const bloop_model *m = a->model;
  const char *op = opname(a->mode);
  const bloop_index *x = s->index;
  if (!a->column_count || !a->columns) return INVALID("an empty projection");
  for (size_t i = 0; i < a->column_count; i++) {
    const bloop_column *c = bloop_model_column_find(m, a->columns[i]);
    if (!c) return INVALID("projection names \"%s\", which is not a column",
                           a->columns[i] ? a->columns[i] : "(null)");
    if (x && x->projection != BLOOP_PROJECTION_ALL && !bloop_index_projects(x, c))
      return INVALID("index \"%s\" does not project \"%s\"", x->name, c->name);
    int dup = 0;
    for (size_t j = 0; j < s->ncols; j++) dup |= s->cols[j] == c;
    if (!dup) s->cols[s->ncols++] = c;
  }
  return BLOOP_OK;
}

/* The columns the search returns (s->cols), by projection kind; *want_list tells whether
 * they go out as a ProjectionExpression. */
static bloop_status pick_columns(bloop_search *s, const bloop_search_args *a, int *want_list,
                                 bloop_error *err) {
  const bloop_model *m = a->model;
  const char *op = opname(a->mode);
  const bloop_index *x = s->index;
  size_t n = bloop_model_column_count(m);
  s->cols = calloc(n + 1, sizeof *s->cols);
  if (!s->cols) return nomem(err);
  switch (a->projection) {
  case BLOOP_SEARCH_ALL:
  case BLOOP_SEARCH_COUNT:
    for (size_t i = 0; i < n; i++) {
      const bloop_column *c = bloop_model_column(m, i);
      if (bloop_index_projects(x, c)) s->cols[s->ncols++] = c;
    }
    *want_list = a->projection == BLOOP_SEARCH_ALL && x && x->projection != BLOOP_PROJECTION_ALL;
    if (a->projection == BLOOP_SEARCH_COUNT) s->ncols = 0;
    return BLOOP_OK;
  case BLOOP_SEARCH_KEYS: {
    const bloop_column *k[4] = {bloop_model_hash_key(m), bloop_model_range_key(m),
                                x ? x->hash_key : NULL, x ? x->range_key : NULL};
    for (size_t i = 0; i < n; i++) {
      const bloop_column *c = bloop_model_column(m, i);
      if (c == k[0] || c == k[1] || c == k[2] || c == k[3]) s->cols[s->ncols++] = c;
    }
    *want_list = 1;
    return BLOOP_OK;
  }
  case BLOOP_SEARCH_COLUMNS:
    *want_list = 1;
    return pick_named(s, a, err);
  default:
    return INVALID("unknown projection");
  }
}

/* An expression's error as a search reports it, prefixed: a filter's keeps its code
 * (InvalidCondition), any other refusal becomes InvalidSearch. */
static bloop_status expr_error(bloop_status st, const bloop_search_args *a, bloop_error *err) {
  int filters = err && strcmp(err->code, "InvalidCondition") == 0 && a->filter;
  if (err && st == BLOOP_EINVAL && !filters)
    snprintf(err->code, sizeof err->code, "InvalidSearch");
  return bloopi_engine_prefix(st, err, a->model, opname(a->mode));
}

/* The columns of an ExclusiveStartKey for this search: the table's keys, then the index's
 * that differ (DynamoDB's LastEvaluatedKey for an index holds both). */
static size_t search_keys(const bloop_search *s, const bloop_column *out[4]) {
  const bloop_index *x = s->index;
  const bloop_column *k[4] = {bloop_model_hash_key(s->model), bloop_model_range_key(s->model),
                              x ? x->hash_key : NULL, x ? x->range_key : NULL};
  size_t n = 0;
  for (size_t i = 0; i < 4; i++) {
    int dup = !k[i];
    for (size_t j = 0; j < n; j++) dup |= out[j] == k[i];
    if (!dup) out[n++] = k[i];
  }
  return n;
}

/* The key condition, the filter and the projection, rendered into ex. */
static bloop_status render_expr(const bloop_search *s, const bloop_search_args *a,
                                int want_list, bloop_arena *tmp, bloop_expr *ex,
                                bloop_error *err) {
  const bloop_index *x = s->index;
  bloop_status st = BLOOP_OK;
  if (a->mode == BLOOP_SEARCH_QUERY) {
    const bloop_column *h = x ? x->hash_key : bloop_model_hash_key(a->model);
    const bloop_column *r = x ? x->range_key : bloop_model_range_key(a->model);
    st = bloop_expr_key(ex, a->key, h->dynamo_name, r ? r->dynamo_name : NULL, err);
  }
  if (!st) st = bloop_expr_condition(ex, BLOOP_EXPR_FILTER, a->filter, err);
  if (st) return expr_error(st, a, err);
  if (!want_list) return BLOOP_OK;
  /* The keys always go on the wire (not into the objects): a cursor is made of the last
   * item's table and index keys, whatever columns were asked for. */
  const bloop_column *keys[4];
  size_t nkeys = search_keys(s, keys), n = 0;
  bloop_path *paths = bloop_arena_calloc(tmp, s->ncols + nkeys + 1, sizeof *paths);
  if (!paths) return nomem(err);
  for (size_t i = 0; i < s->ncols + nkeys; i++) {
    const bloop_column *c = i < s->ncols ? s->cols[i] : keys[i - s->ncols];
    int dup = 0;
    for (size_t j = 0; i >= s->ncols && j < s->ncols; j++) dup |= s->cols[j] == c;
    if (dup) continue;
    bloop_path *p = bloopi_attr_path(tmp, c->dynamo_name, NULL);
    if (!p) return nomem(err);
    paths[n++] = *p;
  }
  st = bloop_expr_projection(ex, paths, n, err);
  return st ? expr_error(st, a, err) : BLOOP_OK;
}

/* The request minus its paging members and closing brace (build_page adds those). */
static bloop_status put_base(bloop_search *s, const bloop_search_args *a, int want_list,
                             const bloop_expr *ex, bloop_error *err) {
  const bloop_index *x = s->index;
  bloop_buf *b = &s->base;
  bloop_buf_puts(b, "{\"TableName\":");
  bloopi_json_cstr(b, bloop_model_table_name(a->model));
  if (x) {
    bloop_buf_puts(b, ",\"IndexName\":");
    bloopi_json_cstr(b, x->dynamo_name);
  }
  bloop_buf_putc(b, ',');
  int wrote = 0;
  bloop_status st = bloop_expr_to_json(ex, b, &wrote, err);
  if (st) return expr_error(st, a, err);
  if (!wrote) b->data[--b->len] = '\0';
  if (a->projection == BLOOP_SEARCH_COUNT) bloop_buf_puts(b, ",\"Select\":\"COUNT\"");
  else if (want_list) bloop_buf_puts(b, ",\"Select\":\"SPECIFIC_ATTRIBUTES\"");
  if (a->consistent && !(x && x->kind == BLOOP_INDEX_GSI))  /* GSIs cannot read consistently */
    bloop_buf_puts(b, ",\"ConsistentRead\":true");
  if (a->mode == BLOOP_SEARCH_QUERY)
    bloop_buf_printf(b, ",\"ScanIndexForward\":%s", a->descending ? "false" : "true");
  bloop_buf_puts(b, ",\"ReturnConsumedCapacity\":\"TOTAL\"");
  return b->failed ? nomem(err) : BLOOP_OK;
}

/* Validates a, fills the projected columns and renders the base request into s. */
static bloop_status prepare(bloop_search *s, const bloop_search_args *a, bloop_arena *tmp,
                            bloop_error *err) {
  int want_list = 0;  /* send a ProjectionExpression of s->cols */
  bloop_status st = check_args(s, a, err);
  if (!st) st = pick_columns(s, a, &want_list, err);
  if (st) return st;
  bloop_expr *ex = bloop_expr_new();
  if (!ex) return nomem(err);
  st = render_expr(s, a, want_list, tmp, ex, err);
  if (!st) st = put_base(s, a, want_list, ex, err);
  bloop_expr_free(ex);
  return st;
}

/* ---- segments ------------------------------------------------------------------------- */

static void seg_init(seg *g, int number) {
  memset(g, 0, sizeof *g);
  g->number = number;
  bloop_buf_init(&g->esk);
  bloop_buf_init(&g->sent);
  bloop_buf_init(&g->start);
  bloop_buf_init(&g->text);
  bloop_arena_init(&g->page);
}

/* Forgets the held page (its LastEvaluatedKey stays until the next page arrives). */
static void seg_drop_page(seg *g) {
  bloop_call_free(g->held);
  g->held = NULL;
  bloop_buf_free(&g->text);
  g->data = NULL;
  g->len = 0;
  g->has_page = 0;
  g->in_items = 0;
  g->last_text = NULL;
  g->last_len = 0;
  g->page_count = g->page_yielded = 0;
}

static void seg_free(seg *g) {
  bloop_call_free(g->call);
  seg_drop_page(g);
  bloop_buf_free(&g->esk);
  bloop_buf_free(&g->sent);
  bloop_buf_free(&g->start);
  bloop_arena_free(&g->page);
}

/* Back to where the segment starts: a request in flight is cancelled. */
static void seg_reset(seg *g) {
  bloop_call_free(g->call);
  g->call = NULL;
  g->arrived = 0;
  seg_drop_page(g);
  bloop_arena_reset(&g->page);
  g->has_last_key = 0;
  bloop_buf_reset(&g->esk);
  bloop_buf_reset(&g->sent);
  if (g->start.len) bloop_buf_append(&g->esk, g->start.data, g->start.len);
  g->done = g->start_done;
}

/* Every item of the held page has been returned (or it has none). The ']' is looked at
 * rather than the answer's Count, so a page is never let go with items left in it. */
static int page_over_at(const seg *g, size_t at) {
  if (!g->has_page || !g->in_items) return 1;
  const char *p = g->data + at, *end = g->data + g->len;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p >= end || *p == ']';
}

static int page_over(const seg *g) { return page_over_at(g, g->items_at); }

/* No request in flight, no page held, more to ask for. */
static int seg_idle(const seg *g) { return !g->done && !g->call && !g->has_page; }

/* Nothing left in this segment. */
static int seg_finished(const seg *g) { return g->done && !g->call && page_over(g); }

static void search_free(bloop_search *s) {
  bloop_model_release(s->model);
  free(s->cols);
  bloop_buf_free(&s->base);
  for (size_t i = 0; s->segs && i < s->nsegs; i++) seg_free(&s->segs[i]);
  free(s->segs);
  free(s->calls);
  bloop_arena_free(&s->items);
  free(s);
}

static bloop_status search_make(bloop_engine *e, const bloop_search_args *a, bloop_search **out,
                                bloop_error *err) {
  *out = NULL;
  if (!a || !a->model)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidSearch", "engine search: no model");
  bloop_search *s = calloc(1, sizeof *s);
  if (!s) return nomem(err);
  s->e = e;
  s->model = bloop_model_retain(a->model);
  s->mode = a->mode;
  s->projection = a->projection;
  s->limit = a->limit;
  s->page_size = a->page_size;
  bloop_arena_init(&s->items);
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_status st = prepare(s, a, &tmp, err);
  bloop_arena_free(&tmp);
  if (!st) {
    s->segmented = a->segments > 0;
    s->total = s->segmented ? a->segments : a->total_segments;
    s->nsegs = s->segmented ? (size_t)a->segments : 1;
    s->segs = calloc(s->nsegs, sizeof *s->segs);
    s->calls = calloc(s->nsegs < MAX_ACTIVE ? s->nsegs : MAX_ACTIVE, sizeof *s->calls);
    if (!s->segs || !s->calls) st = nomem(err);
    for (size_t i = 0; !st && i < s->nsegs; i++)
      seg_init(&s->segs[i], s->segmented ? (int)i : a->total_segments ? a->segment : -1);
  }
  if (st) {
    search_free(s);
    return st;
  }
  *out = s;
  return BLOOP_OK;
}

bloop_status bloop_search_new(bloop_engine *e, const bloop_search_args *a, bloop_search **out,
                              bloop_error *err) {
  bloop_error_clear(err);
  return search_make(e, a, out, err);
}

void bloop_search_free(bloop_search *s) {
  if (s) search_free(s);
}

/* A segment's next request: the one builder, shared with explain. */
static void build_page(const bloop_search *s, const seg *g, bloop_buf *b) {
  bloop_buf_append(b, s->base.data, s->base.len);
  if (g->number >= 0)
    bloop_buf_printf(b, ",\"Segment\":%d,\"TotalSegments\":%d", g->number, s->total);
  size_t lim = s->page_size;
  if (!lim && s->projection != BLOOP_SEARCH_COUNT)
    lim = g->auto_limit ? g->auto_limit : PAGE_FIRST;
  if (s->limit && s->projection != BLOOP_SEARCH_COUNT) {
    size_t left = s->limit - s->yielded;
    if (!lim || left < lim) lim = left;
  }
  if (lim) bloop_buf_printf(b, ",\"Limit\":%zu", lim);
  if (g->esk.len) {
    bloop_buf_puts(b, ",\"ExclusiveStartKey\":");
    bloop_buf_append(b, g->esk.data, g->esk.len);
  }
  bloop_buf_putc(b, '}');
}

static int limit_reached(const bloop_search *s) {
  return s->limit && s->projection != BLOOP_SEARCH_COUNT && s->yielded >= s->limit;
}

/* ConsumedCapacity {"TableName":..., "CapacityUnits": x, ...}: x added to s->consumed. */
static bloop_status read_consumed(bloop_search *s, bloopi_jr *r) {
  int more;
  size_t i = 0, klen;
  const char *key;
  if (bloopi_jr_object_begin(r)) return BLOOP_EINVAL;
  while ((more = bloopi_jr_object_next(r, &i, &key, &klen)) == 1) {
    if (klen == 13 && memcmp(key, "CapacityUnits", 13) == 0) {
      size_t at = bloopi_jr_offset(r);
      if (bloopi_jr_skip(r)) return BLOOP_EINVAL;
      char num[64];
      size_t len = bloopi_jr_offset(r) - at;
      if (len >= sizeof num) return BLOOP_EINVAL;
      memcpy(num, r->text + at, len);
      num[len] = '\0';
      char *end;
      double v = strtod(num, &end);
      if (end == num || v < 0) return BLOOP_EINVAL;
      s->consumed += v;
    } else if (bloopi_jr_skip(r)) {
      return BLOOP_EINVAL;
    }
  }
  return more < 0 ? BLOOP_EINVAL : BLOOP_OK;
}

/* The members of an answer that read_members reads, in the order of the names below;
 * M_OTHER is any other member, skipped. */
enum { M_COUNT, M_SCANNED, M_CONSUMED, M_LAST_KEY, M_ITEMS, M_OTHER };
static const char *const member_names[M_OTHER] = {"Count", "ScannedCount", "ConsumedCapacity",
                                                  "LastEvaluatedKey", "Items"};

static int member_of(const char *key, size_t klen) {
  int m = 0;
  while (m < M_OTHER &&
         !(strlen(member_names[m]) == klen && memcmp(key, member_names[m], klen) == 0))
    m++;
  return m;
}

/* The members of a page's answer (g->data): counts and the key now, the items passed over
 * and read later, one per bloop_search_next. */
static bloop_status read_members(bloop_search *s, seg *g, int *has_items, bloop_error *err) {
  bloopi_jr *r = &g->reader;
  bloopi_jr_init(r, g->data, g->len, &g->page, err, "answer");
  int more;
  size_t i = 0, n, klen;
  const char *key;
  unsigned seen = 0;
  if (bloopi_jr_object_begin(r)) return BLOOP_EINVAL;
  while ((more = bloopi_jr_object_next(r, &i, &key, &klen)) == 1) {
    int m = member_of(key, klen);
    /* Each member read once: JSON leaves a repeated name's meaning open (RFC 8259, 4), and
     * a second Items would leave the first array passed over and never checked, a second
     * Count count twice. DynamoDB never repeats one. */
    if (m != M_OTHER) {
      if (seen & 1u << m)
        return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "answer: %s appears twice",
                               member_names[m]);
      seen |= 1u << m;
    }
    switch (m) {
    case M_COUNT:
    case M_SCANNED:
      if (bloopi_jr_count(r, &n)) return BLOOP_EINVAL;
      if (m == M_COUNT) s->count += n, g->page_count = n;
      else s->scanned += n;
      break;
    case M_CONSUMED:
      if (read_consumed(s, r)) return BLOOP_EINVAL;
      break;
    case M_LAST_KEY: {
      const char *text;
      size_t len;
      if (bloopi_jr_item_text(r, &g->last_key, &text, &len)) return BLOOP_EINVAL;
      bloop_buf_append(&g->esk, text, len);
      g->has_last_key = 1;
      break;
    }
    case M_ITEMS:
      if (s->projection != BLOOP_SEARCH_COUNT) {
        if (bloopi_jr_array_begin(r)) return BLOOP_EINVAL;
        g->items_at = bloopi_jr_offset(r);
        *has_items = 1;
        bloopi_jr_seek(r, g->items_at - 1);  /* back on the '[': past the array, unchecked */
        if (bloopi_jr_pass(r)) return BLOOP_EINVAL;
        break;
      }
      /* a COUNT answer has none; moto sends them anyway, and they are skipped */
      if (bloopi_jr_skip(r)) return BLOOP_EINVAL;
      break;
    default:
      if (bloopi_jr_skip(r)) return BLOOP_EINVAL;
    }
  }
  return more < 0 || bloopi_jr_end(r) ? BLOOP_EINVAL : BLOOP_OK;
}

/* The answer g->data (already in g->text or g->held) becomes the held page. */
/* The Limit of g's next page when the search has no page_size (see PAGE_TEXT). A filter
 * that drops most items makes a page's text small for the items read, so the Limit grows
 * (up to PAGE_LIMIT_MAX: DynamoDB's 1 MB of data a page bounds the answer anyway). */
static void next_limit(const bloop_search *s, seg *g, size_t scanned) {
  if (s->page_size || s->projection == BLOOP_SEARCH_COUNT || !scanned) return;
  size_t now = g->auto_limit ? g->auto_limit : PAGE_FIRST;
  size_t share = s->nsegs < MAX_ACTIVE ? s->nsegs : MAX_ACTIVE;
  size_t text = PAGE_TEXT / share < PAGE_TEXT_MIN ? PAGE_TEXT_MIN : PAGE_TEXT / share;
  double fit = g->len ? (double)scanned * (double)text / (double)g->len : 0;
  size_t next = fit >= (double)now * PAGE_GROWTH || !g->len ? now * PAGE_GROWTH
                : fit < 1 ? 1 : (size_t)fit;
  g->auto_limit = next > PAGE_LIMIT_MAX ? PAGE_LIMIT_MAX : next;
}

static bloop_status take_page(bloop_search *s, seg *g, bloop_error *err) {
  const char *op = opname(s->mode);
  const bloop_model *m = s->model;
  bloop_arena_reset(&g->page);
  g->has_last_key = 0;
  g->page_count = g->page_yielded = 0;
  g->last_text = NULL;
  g->has_page = 1;
  g->in_items = 0;
  bloop_buf sent = g->sent;   /* esk becomes the key this page was asked after */
  g->sent = g->esk;
  g->esk = sent;
  bloop_buf_reset(&g->esk);
  int has_items = 0;
  size_t scanned_before = s->scanned;
  if (read_members(s, g, &has_items, err)) {
    g->has_last_key = 0;
    g->done = 1;
    seg_drop_page(g);
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, m, op);
  }
  if (g->esk.failed)
    return bloopi_engine_fail(err, BLOOP_ENOMEM, "OutOfMemory", m, op, "out of memory");
  if (g->has_last_key && g->sent.len && g->esk.len == g->sent.len &&
      memcmp(g->esk.data, g->sent.data, g->esk.len) == 0) {
    /* Asking again would bring the same page again, forever. */
    g->has_last_key = 0;
    g->done = 1;
    seg_drop_page(g);
    return bloopi_engine_fail(err, BLOOP_EPROTOCOL, "BadResponse", m, op,
                              "the answer's LastEvaluatedKey is the ExclusiveStartKey it was "
                              "asked for (%.*s): the server would return this page forever",
                              (int)(g->esk.len > 200 ? 200 : g->esk.len), g->esk.data);
  }
  if (!g->has_last_key) g->done = 1;
  next_limit(s, g, s->scanned - scanned_before);
  g->in_items = has_items;
  g->next_index = 0;
  g->order = ++s->arrivals;
  return BLOOP_OK;
}

/* One page of g, synchronously, along the engine's route. */
static bloop_status fetch(bloop_search *s, seg *g, bloop_error *err) {
  seg_drop_page(g);
  bloop_buf body = BLOOP_BUF_INIT;
  build_page(s, g, &body);
  bloop_status st = bloopi_engine_call(s->e, s->mode == BLOOP_SEARCH_QUERY ? "Query" : "Scan",
                                       &body, &g->text, err);
  bloop_buf_free(&body);
  if (st) {
    bloop_buf_free(&g->text);
    return bloopi_engine_prefix(st, err, s->model, opname(s->mode));
  }
  g->data = g->text.data ? g->text.data : "";
  g->len = g->text.len;
  return take_page(s, g, err);
}

/* Steps to the next item of g's held page, read into s->item when `read`; *got says
 * whether there was one. Unread, the item's text starts where it does and runs to the
 * answer's end until its reader says where it ends (bloop_search_item_end) or the next
 * step finds it (end_item): a reader that reads the text itself needs no skim first. */
static bloop_status next_item(bloop_search *s, seg *g, int read, int *got, bloop_error *err) {
  bloopi_jr *r = &g->reader;
  size_t k = g->next_index;
  r->err = err;
  r->a = &s->items;
  bloopi_jr_seek(r, g->items_at);
  int more = bloopi_jr_array_next(r, &k);
  if (more == 0) {
    g->in_items = 0;
    return BLOOP_OK;
  }
  bloopi_jr_set_root(r, "Items", g->next_index);
  s->item_read = s->item_ended = read;
  if (more < 0 || (read && bloopi_jr_item_text(r, &s->item, &s->item_text, &s->item_len))) {
    g->in_items = 0;
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, s->model, opname(s->mode));
  }
  if (read) {
    g->items_at = bloopi_jr_offset(r);
  } else {
    bloopi_jr_peek(r);
    s->item_text = g->data + bloopi_jr_offset(r);
    s->item_len = g->len - bloopi_jr_offset(r);
  }
  s->item_index = g->next_index;
  g->next_index = k;
  g->last_text = s->item_text;
  g->last_len = s->item_len;
  s->has_item = 1;
  s->yielded++;
  g->page_yielded++;
  *got = 1;
  if (limit_reached(s))   /* the other segments' pages in flight are not wanted now */
    for (size_t i = 0; i < s->nsegs; i++)
      if (s->segs[i].call) {
        bloop_call_free(s->segs[i].call);
        s->segs[i].call = NULL;
        s->segs[i].arrived = 0;
      }
  return BLOOP_OK;
}

/* The current item's end, when it was stepped to unread and its reader did not give it:
 * found by its brackets alone (bloopi_jr_pass); one whose brackets do not close is read,
 * for the reader's error. */
static bloop_status end_item(bloop_search *s, bloop_error *err) {
  seg *g = s->cur;
  if (!s->has_item || s->item_ended || !g) return BLOOP_OK;
  bloopi_jr *r = &g->reader;
  size_t at = (size_t)(s->item_text - g->data);
  r->err = err;
  r->a = &s->items;
  bloopi_jr_seek(r, at);
  bloop_status st = bloopi_jr_pass(r);
  if (st != BLOOP_OK) {
    r->failed = BLOOP_OK;
    r->nframes = 0;
    bloopi_jr_seek(r, at);
    bloopi_jr_set_root(r, "Items", s->item_index);
    st = bloopi_jr_item_text(r, &s->item, &s->item_text, &s->item_len);
    if (st == BLOOP_OK) s->item_read = 1;
  }
  if (st != BLOOP_OK) {
    g->in_items = 0;
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, s->model, opname(s->mode));
  }
  s->item_len = bloopi_jr_offset(r) - at;
  g->items_at = bloopi_jr_offset(r);
  g->last_len = s->item_len;
  s->item_ended = 1;
  return BLOOP_OK;
}

/* ---- several segments at once ----------------------------------------------------------- */

static const char *opcall(const bloop_search *s) {
  return s->mode == BLOOP_SEARCH_QUERY ? "Query" : "Scan";
}

/* Segments with a request out or a page held. */
static size_t active(const bloop_search *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->nsegs; i++) n += s->segs[i].call || s->segs[i].has_page;
  return n;
}

static int in_flight(const bloop_search *s) {
  for (size_t i = 0; i < s->nsegs; i++)
    if (s->segs[i].call && !s->segs[i].arrived) return 1;
  return 0;
}

/* Moves the transfers along for up to timeout_ms (-1: until a page arrives), marking the
 * segments whose answers came. A call whose client went away (the engine's client was
 * replaced while pages were in flight) cannot arrive: it is dropped and its segment asks
 * again on the next call, and the search fails once with "LostCall". */
static bloop_status poll_calls(bloop_search *s, bloop_client *c, long timeout_ms,
                               bloop_error *err) {
  size_t n = 0;
  for (size_t i = 0; i < s->nsegs; i++)
    if (s->segs[i].call && !s->segs[i].arrived) s->calls[n++] = s->segs[i].call;
  if (!n) return BLOOP_OK;
  bloop_call *got = bloop_client_wait_for(c, s->calls, n, timeout_ms);
  int any = 0;
  for (size_t i = 0; i < s->nsegs; i++) {
    seg *g = &s->segs[i];
    if (!g->call || g->arrived || (g->call != got && !bloop_call_done(g->call))) continue;
    g->arrived = 1;
    g->order = ++s->arrivals;
    any = 1;
  }
  if (any || timeout_ms >= 0) return BLOOP_OK;
  for (size_t i = 0; i < s->nsegs; i++)
    if (s->segs[i].call && !s->segs[i].arrived) {
      bloop_call_free(s->segs[i].call);
      s->segs[i].call = NULL;
    }
  return bloopi_engine_fail(err, BLOOP_ESTATE, "LostCall", s->model, opname(s->mode),
                            "the engine's client changed while pages were in flight; "
                            "they are asked for again on the next call");
}

/* Asks for g's next page on c, without waiting for it. */
static bloop_status send_seg(bloop_search *s, seg *g, bloop_client *c, bloop_error *err) {
  bloop_buf body = BLOOP_BUF_INIT;
  build_page(s, g, &body);
  bloop_status st = body.failed ? nomem(err)
                                : bloop_client_submit(c, opcall(s), body.data, body.len, g,
                                                      &g->call, err);
  bloop_buf_free(&body);
  g->arrived = 0;
  return st ? bloopi_engine_prefix(st, err, s->model, opname(s->mode)) : BLOOP_OK;
}

/* Sends up to `most` idle segments' requests, taking segments in turn, then lets the
 * transport put them on the wire. *sent counts what this bloop_search_next sent. */
static bloop_status send_idle(bloop_search *s, bloop_client *c, int most, int *sent,
                              bloop_error *err) {
  size_t act = active(s), base = s->next_send;
  int n = 0;
  for (size_t i = 0; i < s->nsegs && act < MAX_ACTIVE && n < most; i++) {
    size_t k = (base + i) % s->nsegs;
    if (!seg_idle(&s->segs[k])) continue;
    bloop_status st = send_seg(s, &s->segs[k], c, err);
    if (st) return st;
    act++;
    n++;
    s->next_send = (k + 1) % s->nsegs;
  }
  *sent += n;
  return n ? poll_calls(s, c, 0, err) : BLOOP_OK;
}

/* An arrived answer of g becomes its held page (the call now holds the text). A failed
 * call leaves g as it was before it asked: the next bloop_search_next asks again. */
static bloop_status take_arrival(bloop_search *s, seg *g, bloop_error *err) {
  bloop_call *call = g->call;
  g->call = NULL;
  g->arrived = 0;
  const char *body;
  size_t len;
  bloop_status st = bloop_call_result(call, &body, &len, err);
  if (st) {
    bloop_call_free(call);
    return bloopi_engine_prefix(st, err, s->model, opname(s->mode));
  }
  seg_drop_page(g);
  g->held = call;
  g->data = body;
  g->len = len;
  return take_page(s, g, err);
}

/* The segment whose page is read next: a held page with items, or an arrived answer,
 * whichever came first; NULL when none. */
static seg *earliest(bloop_search *s) {
  seg *best = NULL;
  for (size_t i = 0; i < s->nsegs; i++) {
    seg *g = &s->segs[i];
    int ready = (g->has_page && !page_over(g)) || (g->call && g->arrived);
    if (ready && (!best || g->order < best->order)) best = g;
  }
  return best;
}

/* Without a native client (Scan goes through the session's call function) the segments
 * fetch one after the other. */
static bloop_status fetch_next_idle(bloop_search *s, bloop_error *err) {
  for (size_t i = 0; i < s->nsegs; i++) {   /* pages asked on a client that went away */
    bloop_call_free(s->segs[i].call);
    s->segs[i].call = NULL;
    s->segs[i].arrived = 0;
  }
  for (size_t i = 0; i < s->nsegs; i++) {
    size_t k = (s->next_send + i) % s->nsegs;
    seg *g = &s->segs[k];
    if (!seg_idle(g)) continue;
    s->next_send = (k + 1) % s->nsegs;
    bloop_status st = fetch(s, g, err);
    g->order = ++s->arrivals;
    return st;
  }
  return BLOOP_OK;
}

/* Sets s->cur to a segment with items to read, sending and waiting as needed; leaves it
 * NULL when every segment is finished. */
static bloop_status next_segment(bloop_search *s, int *sent, bloop_error *err) {
  for (;;) {
    seg *g = earliest(s);
    if (g) {
      if (g->call) {
        bloop_status st = take_arrival(s, g, err);
        if (st) return st;
      }
      if (!page_over(g)) {
        /* a segment left idle on the way here (its page came back empty) asks again now,
         * not after this page: every segment keeps a request out while items are read */
        bloop_client *c = s->paced ? NULL : bloopi_engine_route(s->e, BLOOP_SERVICE_DYNAMODB,
                                                                 opcall(s));
        bloop_status st = c ? send_idle(s, c, MAX_ACTIVE, sent, err) : BLOOP_OK;
        if (st) return st;   /* g's page stays held: the next call reads it */
        s->cur = g;
        return BLOOP_OK;
      }
      seg_drop_page(g);   /* a page a filter emptied */
      continue;
    }
    bloop_client *c = bloopi_engine_route(s->e, BLOOP_SERVICE_DYNAMODB, opcall(s));
    int idle = 0;
    for (size_t i = 0; i < s->nsegs; i++) idle |= seg_idle(&s->segs[i]);
    if (!c) {
      if (!idle) return BLOOP_OK;
      bloop_status st = fetch_next_idle(s, err);
      if (st) return st;
      continue;
    }
    /* a paced search sends one request per call, unless nothing else is under way */
    int most = s->paced ? (*sent ? 0 : 1) : MAX_ACTIVE;
    if (!in_flight(s) && idle && !most) most = 1;
    bloop_status st = send_idle(s, c, most, sent, err);
    if (st) return st;
    if (!in_flight(s)) {
      if (earliest(s)) continue;
      return BLOOP_OK;
    }
    if ((st = poll_calls(s, c, -1, err))) return st;
  }
}

/* ---- the iterator ------------------------------------------------------------------------ */

/* Steps to the next item, read into s->item when `read`; *got says whether there was one. */
static bloop_status step(bloop_search *s, int read, int *got, bloop_error *err) {
  bloop_error_clear(err);
  *got = 0;
  bloop_status est = end_item(s, err);
  if (est) return est;
  if (limit_reached(s)) return BLOOP_OK;   /* the last item stays: a cursor resumes after it */
  s->has_item = 0;
  bloop_arena_reset(&s->items);
  int sent = 0;
  for (;;) {
    if (limit_reached(s)) return BLOOP_OK;
    seg *g = s->cur;
    if (g && !page_over(g)) {
      bloop_status st = next_item(s, g, read, got, err);
      if (st || *got) {
        /* keep the other segments' transfers moving while this page is read (on a real
         * network an answer left unread in the socket stalls once the TCP window fills);
         * every 256 items, a few microseconds each time */
        if (!st && s->segmented && s->yielded % 256 == 0 && in_flight(s)) {
          bloop_client *c = bloopi_engine_route(s->e, BLOOP_SERVICE_DYNAMODB, opcall(s));
          if (c) poll_calls(s, c, 0, NULL);
        }
        return st;
      }
      continue;
    }
    if (g) {
      seg_drop_page(g);
      s->cur = NULL;
    }
    bloop_status st = BLOOP_OK;
    if (s->segmented) {
      st = next_segment(s, &sent, err);
    } else if (!s->segs[0].done) {
      st = fetch(s, &s->segs[0], err);
      if (!st) s->cur = &s->segs[0];
    }
    if (st) return st;
    if (!s->cur) return BLOOP_OK;
  }
}

bloop_status bloop_search_next(bloop_search *s, const bloop_value **item, bloop_error *err) {
  int got;
  *item = NULL;
  bloop_status st = step(s, 1, &got, err);
  if (got) *item = &s->item;
  return st;
}

bloop_status bloop_search_next_text(bloop_search *s, const char **text, size_t *len,
                                    bloop_error *err) {
  int got;
  *text = NULL;
  *len = 0;
  bloop_status st = step(s, 0, &got, err);
  if (got) {
    *text = s->item_text;
    *len = s->item_len;
  }
  return st;
}

/* Reads the item bloop_search_next_text stepped to, as bloop_search_next would have: when
 * it cannot be read, the step is undone and the page dropped, with the same error. */
static bloop_status ensure_read(bloop_search *s, bloop_error *err) {
  seg *g = s->cur;
  if (s->item_read || !g) return BLOOP_OK;
  bloopi_jr *r = &g->reader;
  r->err = err;
  r->a = &s->items;
  r->failed = BLOOP_OK;
  r->nframes = 0;
  bloopi_jr_seek(r, (size_t)(s->item_text - g->data));
  bloopi_jr_set_root(r, "Items", s->item_index);
  if (bloopi_jr_item_text(r, &s->item, &s->item_text, &s->item_len) != BLOOP_OK) {
    g->in_items = 0;
    s->has_item = 0;
    s->yielded--;
    g->page_yielded--;
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, s->model, opname(s->mode));
  }
  g->items_at = bloopi_jr_offset(r);
  g->last_len = s->item_len;
  s->item_read = s->item_ended = 1;
  return BLOOP_OK;
}

void bloop_search_item_end(bloop_search *s, size_t len) {
  seg *g = s->cur;
  if (!s->has_item || !g || s->item_ended || len > s->item_len) return;
  s->item_len = len;
  g->items_at = (size_t)(s->item_text - g->data) + len;
  g->last_len = len;
  s->item_ended = 1;
}

bloop_status bloop_search_item(bloop_search *s, const bloop_value **item, bloop_error *err) {
  bloop_error_clear(err);
  *item = NULL;
  if (!s->has_item) return BLOOP_OK;
  bloop_status st = ensure_read(s, err);
  if (st == BLOOP_OK) *item = &s->item;
  return st;
}

/* The current item's length: known once it ended, else found by its brackets as the next
 * step will (without moving the search: for the const readers below). */
static size_t item_length(const bloop_search *s) {
  if (s->item_ended) return s->item_len;
  bloopi_jr r;
  bloopi_jr_init(&r, s->item_text, s->item_len, NULL, NULL, "Items");
  return bloopi_jr_pass(&r) == BLOOP_OK ? bloopi_jr_offset(&r) : s->item_len;
}

const char *bloop_search_item_json(const bloop_search *s, size_t *len) {
  if (!s->has_item) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = item_length(s);
  return s->item_text;
}

void bloop_search_reset(bloop_search *s) {
  for (size_t i = 0; i < s->nsegs; i++) seg_reset(&s->segs[i]);
  s->cur = NULL;
  s->has_item = 0;
  bloop_arena_reset(&s->items);
  s->count = s->scanned = s->yielded = 0;
  s->consumed = 0;
  s->next_send = 0;
}

void bloop_search_pace(bloop_search *s, int on) { s->paced = on != 0; }

size_t bloop_search_count(const bloop_search *s) { return s->count; }
size_t bloop_search_scanned(const bloop_search *s) { return s->scanned; }
double bloop_search_consumed(const bloop_search *s) { return s->consumed; }

int bloop_search_will_fetch(const bloop_search *s) {
  if (limit_reached(s)) return 0;
  for (size_t i = 0; i < s->nsegs; i++) {
    const seg *g = &s->segs[i];
    size_t at = g->items_at;
    if (g == s->cur && s->has_item && !s->item_ended)   /* stepped to unread: past it */
      at = (size_t)(s->item_text - g->data) + item_length(s);
    if (!g->done && !g->call && page_over_at(g, at)) return 1;
  }
  return 0;
}

int bloop_search_page_left(const bloop_search *s) {
  const seg *g = s->cur;
  return g && g->page_yielded < g->page_count ? (int)(g->page_count - g->page_yielded) : 0;
}

int bloop_search_at_end(const bloop_search *s) {
  for (size_t i = 0; i < s->nsegs; i++)
    if (!seg_finished(&s->segs[i])) return 0;
  return 1;
}

int bloop_search_exhausted(const bloop_search *s) {
  return limit_reached(s) || bloop_search_at_end(s);
}

const bloop_column *const *bloop_search_columns(const bloop_search *s, size_t *count) {
  if (count) *count = s->ncols;
  return s->cols;
}

const bloop_value *bloop_search_last_key(const bloop_search *s) {
  const seg *g = s->cur ? s->cur : &s->segs[0];
  return g->has_last_key ? &g->last_key : NULL;
}

/* The ExclusiveStartKey after `item` (its table keys and, for an index, the index's),
 * appended to out as JSON; the map is built in a. */
static bloop_status key_after(bloop_search *s, const bloop_value *item, bloop_arena *a,
                              bloop_buf *out, bloop_error *err) {
  const char *op = opname(s->mode);
  const bloop_column *keys[4];
  size_t n = search_keys(s, keys);
  bloop_value key;
  if (bloop_value_set_map(&key, a, n, err)) return bloopi_engine_prefix(err->status, err, s->model, op);
  for (size_t i = 0; i < n; i++) {
    const bloop_member *m = NULL;
    const char *name = keys[i]->dynamo_name;
    for (size_t j = 0; j < item->u.map.count && !m; j++)
      if (strlen(name) == item->u.map.members[j].name_len &&
          memcmp(name, item->u.map.members[j].name, item->u.map.members[j].name_len) == 0)
        m = &item->u.map.members[j];
    if (!m)
      return bloopi_engine_fail(err, BLOOP_EPROTOCOL, "BadResponse", s->model, op,
                                "the item has no key attribute \"%s\"", name);
    bloop_value *v = bloop_value_map_add(&key, a, m->name, m->name_len);
    if (!v) return nomem(err);
    *v = m->value;
  }
  bloop_status st = bloop_item_to_json(&key, out, err);
  return st ? bloopi_engine_prefix(st, err, s->model, op) : BLOOP_OK;
}

bloop_status bloop_search_item_key(bloop_search *s, bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  if (!s->has_item)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", s->model, opname(s->mode),
                              "no object has been returned");
  bloop_status st = ensure_read(s, err);
  return st ? st : key_after(s, &s->item, &s->items, out, err);
}

bloop_status bloop_search_start_after(bloop_search *s, const bloop_value *key,
                                      bloop_error *err) {
  bloop_error_clear(err);
  if (s->segmented)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", s->model, opname(s->mode),
                              "a search over segments starts from one position per segment "
                              "(bloop_search_segment_start)");
  seg *g = &s->segs[0];
  bloop_buf_reset(&g->start);
  if (key) {
    bloop_status st = bloop_item_to_json(key, &g->start, err);
    if (st) {
      bloop_buf_reset(&g->start);
      return bloopi_engine_prefix(st, err, s->model, opname(s->mode));
    }
  }
  bloop_search_reset(s);
  return BLOOP_OK;
}

/* ---- segment positions ------------------------------------------------------------------ */

int bloop_search_segments(const bloop_search *s) { return s->segmented ? s->total : 0; }

static bloop_status bad_segment(bloop_search *s, int segment, bloop_error *err) {
  if (!s->segmented)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", s->model, opname(s->mode),
                              "not a search over segments");
  return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", s->model, opname(s->mode),
                            "segment %d is not one of 0..%d", segment, s->total - 1);
}

bloop_status bloop_search_segment_position(bloop_search *s, int segment,
                                           bloop_segment_position *pos, bloop_buf *key,
                                           bloop_error *err) {
  bloop_error_clear(err);
  *pos = BLOOP_SEGMENT_START;
  if (!s->segmented || segment < 0 || segment >= s->total) return bad_segment(s, segment, err);
  seg *g = &s->segs[segment];
  if (g == s->cur) {
    bloop_status st = end_item(s, err);
    if (st) return st;
  }
  if (seg_finished(g)) {
    *pos = BLOOP_SEGMENT_DONE;
    return BLOOP_OK;
  }
  const bloop_buf *after = g->has_page ? &g->sent : &g->esk;
  if (g->has_page && g->last_text) {
    /* the segment's last item is still in its page: the position is right after it */
    bloop_arena tmp = BLOOP_ARENA_INIT;
    bloop_value item;
    bloop_status st = bloop_item_from_json(g->last_text, g->last_len, &tmp, &item, err);
    if (!st) st = key_after(s, &item, &tmp, key, err);
    else st = bloopi_engine_prefix(st, err, s->model, opname(s->mode));
    bloop_arena_free(&tmp);
    if (!st) *pos = BLOOP_SEGMENT_AFTER;
    return st;
  }
  if (!after->len) return BLOOP_OK;
  *pos = BLOOP_SEGMENT_AFTER;
  return bloop_buf_append(key, after->data, after->len) ? nomem(err) : BLOOP_OK;
}

bloop_status bloop_search_segment_start(bloop_search *s, int segment,
                                        bloop_segment_position pos, const bloop_value *key,
                                        bloop_error *err) {
  bloop_error_clear(err);
  if (!s->segmented || segment < 0 || segment >= s->total) return bad_segment(s, segment, err);
  seg *g = &s->segs[segment];
  bloop_buf_reset(&g->start);
  g->start_done = pos == BLOOP_SEGMENT_DONE;
  if (pos == BLOOP_SEGMENT_AFTER) {
    bloop_status st = key ? bloop_item_to_json(key, &g->start, err)
                          : bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", s->model,
                                               opname(s->mode), "a position after no key");
    if (st) {
      bloop_buf_reset(&g->start);
      return key ? bloopi_engine_prefix(st, err, s->model, opname(s->mode)) : st;
    }
  }
  bloop_search_reset(s);
  return BLOOP_OK;
}

bloop_status bloop_engine_explain_search(bloop_engine *e, const bloop_search_args *a,
                                         bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  bloop_search *s = NULL;
  bloop_status st = search_make(e, a, &s, err);
  if (st) return st;
  bloop_buf req = BLOOP_BUF_INIT;
  build_page(s, &s->segs[0], &req);
  bloop_buf_printf(out, "{\"operation\":\"%s\",\"request\":", opcall(s));
  bloop_buf_append(out, req.data, req.len);
  if (s->segmented) bloop_buf_printf(out, ",\"segments\":%d", s->total);
  bloop_buf_putc(out, '}');
  int failed = req.failed || out->failed;
  bloop_buf_free(&req);
  search_free(s);
  return failed ? nomem(err) : BLOOP_OK;
}
