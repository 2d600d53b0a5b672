/*
 * engine_search.c: query and scan as lazy iterators (engine.h).
 *
 * Validation and rendering happen once, in bloop_search_new: the request minus its paging
 * members (Limit, ExclusiveStartKey) is kept as text, and each page appends those two. One
 * page lives at a time: its text and its decoded items sit in a buffer and an arena reset
 * before the next page, so memory stays flat however many items the search returns. Items
 * are read from the text one at a time as they are asked for (json_read.h). The
 * LastEvaluatedKey is kept as JSON text, which is all the next request needs.
 */
#include "engine/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/expr.h"
#include "base/json_read.h"

struct bloop_search {
  bloop_engine *e;
  bloop_model *model;               /* retained */
  const bloop_index *index;
  bloop_search_mode mode;
  bloop_search_projection projection;
  size_t limit, page_size;
  const bloop_column **cols;        /* projected columns */
  size_t ncols;
  bloop_buf base;                   /* the request without Limit / ExclusiveStartKey / '}' */
  bloop_buf esk;                    /* next ExclusiveStartKey as JSON; empty = none */
  bloop_buf sent;                   /* the one the current page was asked after */
  bloop_buf start;                  /* start_after key as JSON (reset restores it) */
  bloop_arena page;
  bloop_buf text;                   /* the current page's answer */
  bloopi_jr reader;                 /* over text */
  size_t items_at;                  /* offset of the next item (or the ']') in text */
  const char *item_text;            /* the last item's text, in text */
  size_t item_len;
  size_t item_index;                /* its index in the page's Items */
  int has_item;
  int item_read;                    /* item holds it (bloop_search_next_text leaves it unread) */
  int item_ended;                   /* item_len is its length, items_at past it (else
                                     * item_len is what the answer holds from it on) */
  int in_items;                     /* items of the page remain */
  size_t next_index;
  bloop_value item;
  bloop_value last_key;
  int has_last_key;
  size_t count, scanned, yielded;
  size_t page_count, page_yielded;  /* the current page's Count, and how many it gave */
  double consumed;                  /* ConsumedCapacity.CapacityUnits summed over pages */
  int done;                         /* no more pages */
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
  if (query && a->total_segments) return INVALID("a query cannot be parallel");
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
  if (a->total_segments)
    bloop_buf_printf(b, ",\"Segment\":%d,\"TotalSegments\":%d", a->segment, a->total_segments);
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

static void search_free(bloop_search *s) {
  bloop_model_release(s->model);
  free(s->cols);
  bloop_buf_free(&s->base);
  bloop_buf_free(&s->esk);
  bloop_buf_free(&s->sent);
  bloop_buf_free(&s->start);
  bloop_buf_free(&s->text);
  bloop_arena_free(&s->page);
  free(s);
}

static bloop_status search_make(bloop_engine *e, const bloop_search_args *a, bloop_search **out,
                                bloop_error *err) {
  *out = NULL;
  if (!a || !a->model)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidSearch", "engine search: no model");
  bloop_search *s = calloc(1, sizeof *s);
  if (!s) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  s->e = e;
  s->model = bloop_model_retain(a->model);
  s->mode = a->mode;
  s->projection = a->projection;
  s->limit = a->limit;
  s->page_size = a->page_size;
  bloop_arena_init(&s->page);
  bloop_arena tmp = BLOOP_ARENA_INIT;
  bloop_status st = prepare(s, a, &tmp, err);
  bloop_arena_free(&tmp);
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

/* The request for the next page: the one builder, shared with explain. */
static void build_page(const bloop_search *s, bloop_buf *b) {
  bloop_buf_append(b, s->base.data, s->base.len);
  size_t lim = s->page_size;
  if (s->limit && s->projection != BLOOP_SEARCH_COUNT) {
    size_t left = s->limit - s->yielded;
    if (!lim || left < lim) lim = left;
  }
  if (lim) bloop_buf_printf(b, ",\"Limit\":%zu", lim);
  if (s->esk.len) {
    bloop_buf_puts(b, ",\"ExclusiveStartKey\":");
    bloop_buf_append(b, s->esk.data, s->esk.len);
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
      memcpy(num, s->text.data + at, len);
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

static bloop_status fetch(bloop_search *s, bloop_error *err) {
  const char *op = opname(s->mode);
  const bloop_model *m = s->model;
  s->in_items = 0;
  s->has_item = 0;
  s->has_last_key = 0;
  s->page_count = s->page_yielded = 0;
  bloop_arena_reset(&s->page);
  bloop_buf_reset(&s->text);
  bloop_buf body = BLOOP_BUF_INIT;
  build_page(s, &body);
  bloop_status st = bloopi_engine_call(s->e, s->mode == BLOOP_SEARCH_QUERY ? "Query" : "Scan",
                                       &body, &s->text, err);
  bloop_buf_free(&body);
  if (st) return bloopi_engine_prefix(st, err, m, op);
  /* One pass over the answer's members: counts and the key now, the items skipped and
   * read later, one per bloop_search_next. */
  bloopi_jr *r = &s->reader;
  bloopi_jr_init(r, s->text.data, s->text.len, &s->page, err, "answer");
  bloop_buf sent = s->sent;   /* esk becomes the key this page was asked after */
  s->sent = s->esk;
  s->esk = sent;
  bloop_buf_reset(&s->esk);
  int has_items = 0, more;
  size_t i = 0, n, klen;
  const char *key;
  if (bloopi_jr_object_begin(r)) goto bad;
  while ((more = bloopi_jr_object_next(r, &i, &key, &klen)) == 1) {
#define IS(k) (klen == sizeof k - 1 && memcmp(key, k, klen) == 0)
    if (IS("Count") || IS("ScannedCount")) {
      if (bloopi_jr_count(r, &n)) goto bad;
      if (IS("Count")) s->count += n, s->page_count = n;
      else s->scanned += n;
    } else if (IS("ConsumedCapacity")) {
      if (read_consumed(s, r)) goto bad;
    } else if (IS("LastEvaluatedKey")) {
      const char *text;
      size_t len;
      if (bloopi_jr_item_text(r, &s->last_key, &text, &len)) goto bad;
      bloop_buf_append(&s->esk, text, len);
      s->has_last_key = 1;
    } else if (IS("Items")) {
      if (bloopi_jr_array_begin(r)) goto bad;
      s->items_at = bloopi_jr_offset(r);
      has_items = 1;
      bloopi_jr_seek(r, s->items_at - 1);  /* back on the '[': past the array, unchecked */
      if (bloopi_jr_pass(r)) goto bad;
    } else if (bloopi_jr_skip(r)) {
      goto bad;
    }
#undef IS
  }
  if (more < 0 || bloopi_jr_end(r)) goto bad;
  if (s->esk.failed)
    return bloopi_engine_fail(err, BLOOP_ENOMEM, "OutOfMemory", m, op, "out of memory");
  if (s->has_last_key && s->sent.len && s->esk.len == s->sent.len &&
      memcmp(s->esk.data, s->sent.data, s->esk.len) == 0) {
    /* Asking again would bring the same page again, forever. */
    s->has_last_key = 0;
    s->done = 1;
    return bloopi_engine_fail(err, BLOOP_EPROTOCOL, "BadResponse", m, op,
                              "the answer's LastEvaluatedKey is the ExclusiveStartKey it was "
                              "asked for (%.*s): the server would return this page forever",
                              (int)(s->esk.len > 200 ? 200 : s->esk.len), s->esk.data);
  }
  if (!s->has_last_key) s->done = 1;
  s->in_items = has_items;
  s->next_index = 0;
  return BLOOP_OK;
bad:
  s->has_last_key = 0;
  s->done = 1;
  bloopi_bad_answer(err);
  return bloopi_engine_prefix(err->status, err, m, op);
}

/* The item at the reader (its '{' next) into s->item, with its text. */
static bloop_status read_item(bloop_search *s, bloopi_jr *r) {
  return bloopi_jr_item_text(r, &s->item, &s->item_text, &s->item_len);
}

/* Passes over the current item, stepped to but not read, whose end its caller did not
 * give (bloop_search_item_end): found by its brackets alone (bloopi_jr_pass); one whose
 * brackets do not close is read, for the reader's error. */
static bloop_status end_item(bloop_search *s, bloop_error *err) {
  bloopi_jr *r = &s->reader;
  size_t at = (size_t)(s->item_text - s->text.data);
  r->err = err;
  bloopi_jr_seek(r, at);
  bloop_status st = bloopi_jr_pass(r);
  if (st != BLOOP_OK) {
    r->failed = BLOOP_OK;
    r->nframes = 0;
    bloopi_jr_seek(r, at);
    bloopi_jr_set_root(r, "Items", s->item_index);
    if ((st = read_item(s, r)) == BLOOP_OK) s->item_read = 1;
  }
  if (st != BLOOP_OK) {
    s->in_items = 0;
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, s->model, opname(s->mode));
  }
  s->item_len = bloopi_jr_offset(r) - at;
  s->items_at = bloopi_jr_offset(r);
  s->item_ended = 1;
  return BLOOP_OK;
}

/* Steps to the next item, read into s->item when `read`; *got says whether there was one
 * (s->has_item keeps naming the last one after the end: item_key reads it). */
static bloop_status step(bloop_search *s, int read, int *got, bloop_error *err) {
  bloop_error_clear(err);
  *got = 0;
  if (s->in_items && s->has_item && !s->item_ended) {
    bloop_status st = end_item(s, err);
    if (st) return st;
  }
  for (;;) {
    if (limit_reached(s)) return BLOOP_OK;
    if (s->in_items) {
      bloopi_jr *r = &s->reader;
      size_t k = s->next_index;
      r->err = err;
      bloopi_jr_seek(r, s->items_at);
      int more = bloopi_jr_array_next(r, &k);
      if (more == 0) {
        s->in_items = 0;
        continue;
      }
      bloopi_jr_set_root(r, "Items", s->next_index);
      s->has_item = 0;
      s->item_read = s->item_ended = read;
      if (more < 0 || (read && read_item(s, r))) {
        s->in_items = 0;
        bloopi_bad_answer(err);
        return bloopi_engine_prefix(err->status, err, s->model, opname(s->mode));
      }
      if (read) {
        s->items_at = bloopi_jr_offset(r);
      } else {
        /* where it starts; where it ends, its reader says (bloop_search_item_end), or
         * the next step finds (end_item) */
        bloopi_jr_peek(r);
        s->item_text = s->text.data + bloopi_jr_offset(r);
        s->item_len = s->text.len - bloopi_jr_offset(r);
      }
      s->item_index = s->next_index;
      s->next_index = k;
      s->has_item = 1;
      s->yielded++;
      s->page_yielded++;
      *got = 1;
      return BLOOP_OK;
    }
    if (s->done) return BLOOP_OK;
    bloop_status st = fetch(s, err);
    if (st) return st;
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
  if (s->item_read) return BLOOP_OK;
  bloopi_jr *r = &s->reader;
  r->err = err;
  r->failed = BLOOP_OK;
  r->nframes = 0;
  bloopi_jr_seek(r, (size_t)(s->item_text - s->text.data));
  bloopi_jr_set_root(r, "Items", s->item_index);
  if (read_item(s, r) != BLOOP_OK) {
    s->in_items = 0;
    s->has_item = 0;
    s->yielded--;
    s->page_yielded--;
    bloopi_bad_answer(err);
    return bloopi_engine_prefix(err->status, err, s->model, opname(s->mode));
  }
  s->items_at = bloopi_jr_offset(r);
  s->item_read = s->item_ended = 1;
  return BLOOP_OK;
}

void bloop_search_item_end(bloop_search *s, size_t len) {
  if (!s->has_item || !s->in_items || s->item_ended || len > s->item_len) return;
  s->item_len = len;
  s->items_at = (size_t)(s->item_text - s->text.data) + len;
  s->item_ended = 1;
}

bloop_status bloop_search_item(bloop_search *s, const bloop_value **item, bloop_error *err) {
  bloop_error_clear(err);
  *item = NULL;
  if (!s->has_item || !s->in_items) return BLOOP_OK;
  bloop_status st = ensure_read(s, err);
  if (st == BLOOP_OK) *item = &s->item;
  return st;
}

const char *bloop_search_item_json(const bloop_search *s, size_t *len) {
  if (!s->has_item || !s->in_items) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = s->item_len;
  if (!s->item_ended && len) {
    /* its end not found yet: by its brackets, as the next step will */
    bloopi_jr r;
    bloopi_jr_init(&r, s->item_text, s->item_len, NULL, NULL, "Items");
    *len = bloopi_jr_pass(&r) == BLOOP_OK ? bloopi_jr_offset(&r) : s->item_len;
  }
  return s->item_text;
}

void bloop_search_reset(bloop_search *s) {
  s->in_items = 0;
  s->has_item = 0;
  s->has_last_key = 0;
  bloop_arena_reset(&s->page);
  bloop_buf_reset(&s->text);
  bloop_buf_reset(&s->esk);
  bloop_buf_reset(&s->sent);
  if (s->start.len) bloop_buf_append(&s->esk, s->start.data, s->start.len);
  s->count = s->scanned = s->yielded = 0;
  s->page_count = s->page_yielded = 0;
  s->consumed = 0;
  s->done = 0;
}

size_t bloop_search_count(const bloop_search *s) { return s->count; }
double bloop_search_consumed(const bloop_search *s) { return s->consumed; }

int bloop_search_will_fetch(const bloop_search *s) {
  return !limit_reached(s) && !s->done && s->page_yielded >= s->page_count;
}

int bloop_search_page_left(const bloop_search *s) {
  return s->page_yielded < s->page_count ? (int)(s->page_count - s->page_yielded) : 0;
}

int bloop_search_at_end(const bloop_search *s) {
  return s->done && s->page_yielded >= s->page_count;
}

bloop_status bloop_search_item_key(bloop_search *s, bloop_buf *out, bloop_error *err) {
  bloop_error_clear(err);
  const char *op = opname(s->mode);
  if (!s->has_item || !s->in_items)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidSearch", s->model, op,
                              "no object has been returned");
  bloop_status rst = ensure_read(s, err);
  if (rst) return rst;
  const bloop_column *keys[4];
  size_t n = search_keys(s, keys);
  bloop_value key;
  if (bloop_value_set_map(&key, &s->page, n, err)) return bloopi_engine_prefix(err->status, err, s->model, op);
  for (size_t i = 0; i < n; i++) {
    const bloop_member *m = NULL;
    const char *name = keys[i]->dynamo_name;
    for (size_t j = 0; j < s->item.u.map.count && !m; j++)
      if (strlen(name) == s->item.u.map.members[j].name_len &&
          memcmp(name, s->item.u.map.members[j].name, s->item.u.map.members[j].name_len) == 0)
        m = &s->item.u.map.members[j];
    if (!m)
      return bloopi_engine_fail(err, BLOOP_EPROTOCOL, "BadResponse", s->model, op,
                                "the item has no key attribute \"%s\"", name);
    bloop_value *v = bloop_value_map_add(&key, &s->page, m->name, m->name_len);
    if (!v) return nomem(err);
    *v = m->value;
  }
  bloop_status st = bloop_item_to_json(&key, out, err);
  return st ? bloopi_engine_prefix(st, err, s->model, op) : BLOOP_OK;
}
size_t bloop_search_scanned(const bloop_search *s) { return s->scanned; }

int bloop_search_exhausted(const bloop_search *s) {
  return limit_reached(s) || (s->done && !s->in_items);
}

const bloop_column *const *bloop_search_columns(const bloop_search *s, size_t *count) {
  if (count) *count = s->ncols;
  return s->cols;
}

const bloop_value *bloop_search_last_key(const bloop_search *s) {
  return s->has_last_key ? &s->last_key : NULL;
}

bloop_status bloop_search_start_after(bloop_search *s, const bloop_value *key,
                                      bloop_error *err) {
  bloop_error_clear(err);
  bloop_buf_reset(&s->start);
  if (key) {
    bloop_status st = bloop_item_to_json(key, &s->start, err);
    if (st) {
      bloop_buf_reset(&s->start);
      return bloopi_engine_prefix(st, err, s->model, opname(s->mode));
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
  build_page(s, &req);
  bloop_buf_printf(out, "{\"operation\":\"%s\",\"request\":",
                   a->mode == BLOOP_SEARCH_QUERY ? "Query" : "Scan");
  bloop_buf_append(out, req.data, req.len);
  bloop_buf_putc(out, '}');
  int failed = req.failed || out->failed;
  bloop_buf_free(&req);
  search_free(s);
  return failed ? bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory") : BLOOP_OK;
}
