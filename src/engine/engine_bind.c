/*
 * engine_bind.c: bind = CreateTable (or find the table exists), wait for ACTIVE, set TTL
 * and continuous backups, then validate the table against the model and report every
 * difference at once (engine.h).
 *
 * Validation follows the shared-tables rule: a model may declare a subset of a table (its
 * indexes may project less than the table's do, the table may have more indexes and
 * attributes), but what the model declares must be there. Unlike bloop, the table's own
 * key schema is compared.
 */
#include "engine/engine_internal.h"
#include "base/clock.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *billing_text(const bloop_model_meta *mt) {
  return mt->billing == BLOOP_BILLING_ON_DEMAND ? "PAY_PER_REQUEST" : "PROVISIONED";
}

static void put_key_schema(bloop_buf *b, const bloop_column *h, const bloop_column *r) {
  bloop_buf_puts(b, "[{\"AttributeName\":");
  bloopi_json_cstr(b, h->dynamo_name);
  bloop_buf_puts(b, ",\"KeyType\":\"HASH\"}");
  if (r) {
    bloop_buf_puts(b, ",{\"AttributeName\":");
    bloopi_json_cstr(b, r->dynamo_name);
    bloop_buf_puts(b, ",\"KeyType\":\"RANGE\"}");
  }
  bloop_buf_putc(b, ']');
}

static int is_index_or_table_key(const bloop_model *m, const bloop_index *x,
                                 const bloop_column *c) {
  return c == bloop_model_hash_key(m) || c == bloop_model_range_key(m) || c == x->hash_key ||
         c == x->range_key;
}

static void put_projection(bloop_buf *b, const bloop_model *m, const bloop_index *x) {
  bloop_projection p = x->projection;
  size_t nonkey = 0;
  if (p == BLOOP_PROJECTION_INCLUDE) {
    for (size_t i = 0; i < bloop_model_column_count(m); i++) {
      const bloop_column *c = bloop_model_column(m, i);
      if (bloop_index_projects(x, c) && !is_index_or_table_key(m, x, c)) nonkey++;
    }
    if (!nonkey) p = BLOOP_PROJECTION_KEYS;  /* INCLUDE needs at least one attribute */
  }
  bloop_buf_printf(b, "{\"ProjectionType\":\"%s\"", bloop_projection_name(p));
  if (p == BLOOP_PROJECTION_INCLUDE) {
    bloop_buf_puts(b, ",\"NonKeyAttributes\":[");
    int first = 1;
    for (size_t i = 0; i < bloop_model_column_count(m); i++) {
      const bloop_column *c = bloop_model_column(m, i);
      if (!bloop_index_projects(x, c) || is_index_or_table_key(m, x, c)) continue;
      if (!first) bloop_buf_putc(b, ',');
      first = 0;
      bloopi_json_cstr(b, c->dynamo_name);
    }
    bloop_buf_putc(b, ']');
  }
  bloop_buf_putc(b, '}');
}

static void put_throughput(bloop_buf *b, long r, long w) {
  bloop_buf_printf(b, "{\"ReadCapacityUnits\":%ld,\"WriteCapacityUnits\":%ld}", r ? r : 1,
                   w ? w : 1);
}

/* The CreateTable body: the one builder, shared with explain. */
static void build_create(const bloop_model *m, bloop_buf *b) {
  const bloop_model_meta *mt = bloop_model_meta_get(m);
  const bloop_column *h = bloop_model_hash_key(m), *r = bloop_model_range_key(m);
  int on_demand = mt->billing == BLOOP_BILLING_ON_DEMAND;
  bloop_buf_puts(b, "{\"TableName\":");
  bloopi_json_cstr(b, bloop_model_table_name(m));
  /* AttributeDefinitions: exactly the key attributes of the table and its indexes
   * (DynamoDB rejects definitions no key uses). */
  bloop_buf_puts(b, ",\"AttributeDefinitions\":[");
  size_t n = bloop_model_column_count(m);
  int first = 1;
  for (size_t i = 0; i < n; i++) {
    const bloop_column *c = bloop_model_column(m, i);
    int used = c == h || c == r;
    for (size_t k = 0; !used && k < bloop_model_index_count(m); k++) {
      const bloop_index *x = bloop_model_index(m, k);
      used = c == x->hash_key || c == x->range_key;
    }
    if (!used) continue;
    if (!first) bloop_buf_putc(b, ',');
    first = 0;
    bloop_buf_puts(b, "{\"AttributeName\":");
    bloopi_json_cstr(b, c->dynamo_name);
    bloop_buf_printf(b, ",\"AttributeType\":\"%s\"}", bloop_column_key_type(c));
  }
  bloop_buf_puts(b, "],\"KeySchema\":");
  put_key_schema(b, h, r);
  bloop_buf_printf(b, ",\"BillingMode\":\"%s\"", billing_text(mt));
  if (!on_demand) {
    bloop_buf_puts(b, ",\"ProvisionedThroughput\":");
    put_throughput(b, mt->read_units, mt->write_units);
  }
  for (int kind = 0; kind < 2; kind++) {
    int any = 0;
    for (size_t k = 0; k < bloop_model_index_count(m); k++) {
      const bloop_index *x = bloop_model_index(m, k);
      if ((int)x->kind != kind) continue;
      bloop_buf_puts(b, any ? "," : kind == BLOOP_INDEX_GSI ? ",\"GlobalSecondaryIndexes\":["
                                                          : ",\"LocalSecondaryIndexes\":[");
      any = 1;
      bloop_buf_puts(b, "{\"IndexName\":");
      bloopi_json_cstr(b, x->dynamo_name);
      bloop_buf_puts(b, ",\"KeySchema\":");
      put_key_schema(b, x->hash_key, x->range_key);
      bloop_buf_puts(b, ",\"Projection\":");
      put_projection(b, m, x);
      if (kind == BLOOP_INDEX_GSI && !on_demand) {
        bloop_buf_puts(b, ",\"ProvisionedThroughput\":");
        put_throughput(b, x->read_units, x->write_units);
      }
      bloop_buf_putc(b, '}');
    }
    if (any) bloop_buf_putc(b, ']');
  }
  if (mt->stream != BLOOP_STREAM_NONE)
    bloop_buf_printf(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,"
                        "\"StreamViewType\":\"%s\"}", bloop_stream_view_name(mt->stream));
  if (mt->encryption == BLOOP_FLAG_ON) bloop_buf_puts(b, ",\"SSESpecification\":{\"Enabled\":true}");
  bloop_buf_putc(b, '}');
}

bloop_status bloop_engine_explain_bind(bloop_engine *e, const bloop_model *m, bloop_buf *out,
                                       bloop_error *err) {
  bloop_error_clear(err);
  (void)e;
  bloop_buf req = BLOOP_BUF_INIT;
  build_create(m, &req);
  bloop_buf_puts(out, "{\"operation\":\"CreateTable\",\"request\":");
  bloop_buf_append(out, req.data, req.len);
  bloop_buf_putc(out, '}');
  int failed = req.failed || out->failed;
  bloop_buf_free(&req);
  return failed ? bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory") : BLOOP_OK;
}

/* ---- the report --------------------------------------------------------------------- */

void bloop_bind_report_clear(bloop_bind_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->difference_count; i++) free(r->differences[i]);
  free(r->differences);
  free(r->stream_arn);
  memset(r, 0, sizeof *r);
}

typedef struct diffs {
  char **lines;
  size_t n, cap;
  int nomem;
} diffs;

static void diff(diffs *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff(diffs *d, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    char **p = realloc(d->lines, cap * sizeof *p);
    if (!p) { d->nomem = 1; return; }
    d->lines = p;
    d->cap = cap;
  }
  char *s = strdup(line);
  if (!s) { d->nomem = 1; return; }
  d->lines[d->n++] = s;
}

static void diffs_free(diffs *d) {
  for (size_t i = 0; i < d->n; i++) free(d->lines[i]);
  free(d->lines);
}

/* ---- talking to the table ------------------------------------------------------------ */

static bloop_status callj(bloop_engine *e, const char *op, const bloop_buf *body, cJSON **out,
                          bloop_error *err) {
  bloop_buf resp = BLOOP_BUF_INIT;
  *out = NULL;
  bloop_status st = bloopi_engine_call(e, op, body, &resp, err);
  if (!st) {
    *out = cJSON_ParseWithLength(resp.data ? resp.data : "", resp.len);
    if (!*out) st = bloop_error_set(err, BLOOP_EPROTOCOL, "BadResponse", "%s answer is not JSON", op);
  }
  bloop_buf_free(&resp);
  return st;
}

static bloop_status call_table(bloop_engine *e, const char *op, const char *table,
                               const char *extra, cJSON **out, bloop_error *err) {
  bloop_buf body = BLOOP_BUF_INIT;
  bloop_buf_puts(&body, "{\"TableName\":");
  bloopi_json_cstr(&body, table);
  if (extra) bloop_buf_puts(&body, extra);
  bloop_buf_putc(&body, '}');
  bloop_status st = callj(e, op, &body, out, err);
  bloop_buf_free(&body);
  return st;
}

static const char *jstr(const cJSON *o, const char *name) {
  const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jget(const cJSON *o, const char *name) {
  return o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

/* Polls DescribeTable until the table and every GSI are ACTIVE; *out owns the answer. */
static bloop_status wait_active(bloop_engine *e, const bloop_model *m, cJSON **out,
                                bloop_error *err) {
  long long deadline = bloopi_now_ms() + e->cfg.bind_timeout_ms;
  long delay = e->cfg.bind_poll_base_ms;
  for (;;) {
    cJSON *root = NULL;
    bloop_status st = call_table(e, "DescribeTable", bloop_model_table_name(m), NULL, &root, err);
    if (st) return st;
    const cJSON *t = jget(root, "Table");
    const char *ts = jstr(t, "TableStatus");
    if (!ts) {
      /* Polling an answer that can never say ACTIVE would only wait out bind_timeout. */
      cJSON_Delete(root);
      return bloop_error_set(err, BLOOP_EPROTOCOL, "BadResponse",
                             "DescribeTable answer for table \"%s\" has no Table.TableStatus",
                             bloop_model_table_name(m));
    }
    int active = ts && strcmp(ts, "ACTIVE") == 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, jget(t, "GlobalSecondaryIndexes")) {
      const char *is = jstr(g, "IndexStatus");
      if (is && strcmp(is, "ACTIVE") != 0) active = 0;
    }
    if (active) {
      *out = root;
      return BLOOP_OK;
    }
    cJSON_Delete(root);
    if (bloopi_now_ms() + delay > deadline)
      return bloop_error_set(err, BLOOP_ETIMEOUT, "TableNotActive",
                             "table \"%s\" was not ACTIVE after %ld ms (status %s)",
                             bloop_model_table_name(m), e->cfg.bind_timeout_ms, ts ? ts : "?");
    bloopi_sleep_ms(delay);
    delay = delay * 2 > e->cfg.bind_poll_max_ms ? e->cfg.bind_poll_max_ms : delay * 2;
  }
}

/* ---- validation ---------------------------------------------------------------------- */

static const char *attr_type(const cJSON *t, const char *name) {
  const cJSON *d;
  cJSON_ArrayForEach(d, jget(t, "AttributeDefinitions")) {
    const char *n = jstr(d, "AttributeName");
    if (n && strcmp(n, name) == 0) return jstr(d, "AttributeType");
  }
  return NULL;
}

static void schema_keys(const cJSON *ks, const char **hash, const char **range) {
  *hash = *range = NULL;
  const cJSON *k;
  cJSON_ArrayForEach(k, ks) {
    const char *kt = jstr(k, "KeyType");
    if (!kt) continue;
    if (strcmp(kt, "HASH") == 0) *hash = jstr(k, "AttributeName");
    if (strcmp(kt, "RANGE") == 0) *range = jstr(k, "AttributeName");
  }
}

static int streq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

/* Keys of one key schema versus the model's: differences named by `what`. */
static void compare_keys(diffs *d, const cJSON *t, const char *what, const cJSON *ks,
                         const bloop_column *h, const bloop_column *r) {
  const char *th, *tr;
  schema_keys(ks, &th, &tr);
  if (!streq(th, h->dynamo_name))
    diff(d, "%s: model says hash key \"%s\", table has %s%s%s", what, h->dynamo_name,
         th ? "\"" : "", th ? th : "none", th ? "\"" : "");
  if (!streq(tr, r ? r->dynamo_name : NULL))
    diff(d, "%s: model says range key %s%s%s, table has %s%s%s", what, r ? "\"" : "",
         r ? r->dynamo_name : "none", r ? "\"" : "", tr ? "\"" : "", tr ? tr : "none",
         tr ? "\"" : "");
  const bloop_column *cols[2] = {h, r};
  for (int i = 0; i < 2; i++) {
    const bloop_column *c = cols[i];
    if (!c) continue;
    if (!streq(c->dynamo_name, i ? tr : th)) continue;
    const char *at = attr_type(t, c->dynamo_name);
    if (!streq(at, bloop_column_key_type(c)))
      diff(d, "%s: model says key \"%s\" is %s, table has %s", what, c->dynamo_name,
           bloop_column_key_type(c), at ? at : "no type for it");
  }
}

static int json_has_string(const cJSON *arr, const char *s) {
  const cJSON *v;
  cJSON_ArrayForEach(v, arr) if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0) return 1;
  return 0;
}

static void compare_index(diffs *d, const bloop_model *m, const cJSON *t, const bloop_index *x) {
  const char *kind = x->kind == BLOOP_INDEX_GSI ? "GSI" : "LSI";
  const char *own = x->kind == BLOOP_INDEX_GSI ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes";
  const char *other = x->kind == BLOOP_INDEX_GSI ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes";
  const cJSON *found = NULL, *g;
  cJSON_ArrayForEach(g, jget(t, own)) if (streq(jstr(g, "IndexName"), x->dynamo_name)) found = g;
  if (!found) {
    int elsewhere = 0;
    cJSON_ArrayForEach(g, jget(t, other)) if (streq(jstr(g, "IndexName"), x->dynamo_name)) elsewhere = 1;
    diff(d, "index \"%s\": model says %s \"%s\", table has %s", x->name, kind, x->dynamo_name,
         elsewhere ? (x->kind == BLOOP_INDEX_GSI ? "an LSI of that name" : "a GSI of that name")
                   : "no such index");
    return;
  }
  char what[300];
  snprintf(what, sizeof what, "index \"%s\"", x->name);
  compare_keys(d, t, what, jget(found, "KeySchema"), x->hash_key, x->range_key);
  const cJSON *proj = jget(found, "Projection");
  const char *pt = jstr(proj, "ProjectionType");
  if (pt && strcmp(pt, "ALL") == 0) return;
  const char *th, *tr, *ih, *ir;
  schema_keys(jget(t, "KeySchema"), &th, &tr);
  schema_keys(jget(found, "KeySchema"), &ih, &ir);
  const cJSON *nonkey = jget(proj, "NonKeyAttributes");
  int include = pt && strcmp(pt, "INCLUDE") == 0;
  for (size_t i = 0; i < bloop_model_column_count(m); i++) {
    const bloop_column *c = bloop_model_column(m, i);
    if (!bloop_index_projects(x, c)) continue;
    const char *dn = c->dynamo_name;
    if (streq(dn, th) || streq(dn, tr) || streq(dn, ih) || streq(dn, ir)) continue;
    if (include && json_has_string(nonkey, dn)) continue;
    if (x->projection == BLOOP_PROJECTION_ALL)
      diff(d, "index \"%s\": model says projection ALL, table has %s, which does not project "
              "\"%s\"", x->name, pt ? pt : "none", c->name);
    else
      diff(d, "index \"%s\": model projects \"%s\", table has %s projection without it",
           x->name, c->name, pt ? pt : "no");
  }
}

static const char *ttl_status(const cJSON *ttl, const char **name) {
  const cJSON *desc = jget(ttl, "TimeToLiveDescription");
  *name = jstr(desc, "AttributeName");
  const char *s = jstr(desc, "TimeToLiveStatus");
  return s ? s : "DISABLED";
}

static const char *backups_status(const cJSON *cb) {
  const cJSON *desc = jget(cb, "ContinuousBackupsDescription");
  const char *pitr = jstr(jget(desc, "PointInTimeRecoveryDescription"), "PointInTimeRecoveryStatus");
  if (pitr) return pitr;
  const char *s = jstr(desc, "ContinuousBackupsStatus");
  return s ? s : "DISABLED";
}

static int enabledish(const char *s) {
  return s && (strcmp(s, "ENABLED") == 0 || strcmp(s, "ENABLING") == 0);
}

static void compare_table(diffs *d, const bloop_model *m, const cJSON *t, const cJSON *ttl,
                          const cJSON *backups) {
  const bloop_model_meta *mt = bloop_model_meta_get(m);
  compare_keys(d, t, "table", jget(t, "KeySchema"), bloop_model_hash_key(m),
               bloop_model_range_key(m));
  for (size_t k = 0; k < bloop_model_index_count(m); k++)
    compare_index(d, m, t, bloop_model_index(m, k));
  if (mt->stream != BLOOP_STREAM_NONE) {
    const cJSON *ss = jget(t, "StreamSpecification");
    const char *vt = jstr(ss, "StreamViewType");
    if (!cJSON_IsTrue(jget(ss, "StreamEnabled")))
      diff(d, "stream: model says %s, table has no stream", bloop_stream_view_name(mt->stream));
    else if (!streq(vt, bloop_stream_view_name(mt->stream)))
      diff(d, "stream: model says %s, table has %s", bloop_stream_view_name(mt->stream),
           vt ? vt : "no view type");
  }
  if (mt->billing != BLOOP_BILLING_UNSET) {
    const char *bm = jstr(jget(t, "BillingModeSummary"), "BillingMode");
    if (!bm) bm = "PROVISIONED";
    if (!streq(bm, billing_text(mt)))
      diff(d, "billing: model says %s, table has %s", billing_text(mt), bm);
  }
  if (mt->billing != BLOOP_BILLING_ON_DEMAND) {
    const cJSON *pt = jget(t, "ProvisionedThroughput");
    const cJSON *r = jget(pt, "ReadCapacityUnits"), *w = jget(pt, "WriteCapacityUnits");
    if (mt->read_units && cJSON_IsNumber(r) && (long)r->valuedouble != mt->read_units)
      diff(d, "read units: model says %ld, table has %ld", mt->read_units, (long)r->valuedouble);
    if (mt->write_units && cJSON_IsNumber(w) && (long)w->valuedouble != mt->write_units)
      diff(d, "write units: model says %ld, table has %ld", mt->write_units, (long)w->valuedouble);
  }
  if (mt->encryption != BLOOP_FLAG_UNSET) {
    const char *s = jstr(jget(t, "SSEDescription"), "Status");
    int on = enabledish(s);
    if (on != (mt->encryption == BLOOP_FLAG_ON))
      diff(d, "encryption: model says %s, table has %s",
           mt->encryption == BLOOP_FLAG_ON ? "ENABLED" : "DISABLED", s ? s : "DISABLED");
  }
  const bloop_column *tc = bloop_model_ttl_column(m);
  if (tc && ttl) {
    const char *name, *s = ttl_status(ttl, &name);
    if (!enabledish(s))
      diff(d, "ttl: model says ENABLED on \"%s\", table has %s", tc->dynamo_name, s);
    else if (name && strcmp(name, tc->dynamo_name) != 0)  /* absent name: accepted (mocks) */
      diff(d, "ttl: model says column \"%s\", table has \"%s\"", tc->dynamo_name, name);
  }
  if (mt->backups != BLOOP_FLAG_UNSET && backups) {
    const char *s = backups_status(backups);
    if (enabledish(s) != (mt->backups == BLOOP_FLAG_ON))
      diff(d, "backups: model says %s, table has %s",
           mt->backups == BLOOP_FLAG_ON ? "ENABLED" : "DISABLED", s);
  }
}

/* ---- bind --------------------------------------------------------------------------- */

int bloop_engine_is_bound(const bloop_engine *e, const bloop_model *m) {
  for (size_t i = 0; i < e->nbound; i++)
    if (e->bound[i] == m) return 1;
  return 0;
}

static bloop_status remember(bloop_engine *e, bloop_model *m, bloop_error *err) {
  if (bloop_engine_is_bound(e, m)) return BLOOP_OK;
  if (e->nbound == e->capbound) {
    size_t cap = e->capbound ? e->capbound * 2 : 8;
    bloop_model **p = realloc(e->bound, cap * sizeof *p);
    if (!p) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
    e->bound = p;
    e->capbound = cap;
  }
  e->bound[e->nbound++] = bloop_model_retain(m);
  return BLOOP_OK;
}

static int was_created(const bloop_engine *e, const char *table) {
  for (size_t i = 0; i < e->ncreated; i++)
    if (strcmp(e->created[i], table) == 0) return 1;
  return 0;
}

static void note_created(bloop_engine *e, const char *table) {
  if (was_created(e, table)) return;
  if (e->ncreated == e->capcreated) {
    size_t cap = e->capcreated ? e->capcreated * 2 : 8;
    char **p = realloc(e->created, cap * sizeof *p);
    if (!p) return;  /* only an optimisation: CreateTable may be sent again */
    e->created = p;
    e->capcreated = cap;
  }
  char *s = strdup(table);
  if (s) e->created[e->ncreated++] = s;
}

static bloop_status create_table(bloop_engine *e, const bloop_model *m, int *created,
                                 bloop_error *err) {
  const char *table = bloop_model_table_name(m);
  if (was_created(e, table)) return BLOOP_OK;
  bloop_buf body = BLOOP_BUF_INIT, resp = BLOOP_BUF_INIT;
  build_create(m, &body);
  bloop_status st = bloopi_engine_call(e, "CreateTable", &body, &resp, err);
  if (!st) *created = 1;
  else if (err && err->status == BLOOP_ESERVICE && strcmp(err->code, "ResourceInUseException") == 0)
    st = BLOOP_OK, bloop_error_clear(err);
  if (!st) note_created(e, table);
  bloop_buf_free(&body);
  bloop_buf_free(&resp);
  return st;
}

static bloop_status fail_mismatch(const bloop_model *m, diffs *d, bloop_error *err) {
  char msg[BLOOP_ERROR_MESSAGE_MAX];
  size_t len = (size_t)snprintf(msg, sizeof msg, "table \"%s\" does not match the model (%zu %s):",
                                bloop_model_table_name(m), d->n,
                                d->n == 1 ? "difference" : "differences");
  for (size_t i = 0; i < d->n && len < sizeof msg - 1; i++) {
    size_t room = sizeof msg - len;
    size_t need = strlen(d->lines[i]) + 3;
    if (need + 16 > room) {
      snprintf(msg + len, room, "\n  (+%zu more)", d->n - i);
      break;
    }
    len += (size_t)snprintf(msg + len, room, "\n  %s", d->lines[i]);
  }
  return bloopi_engine_fail(err, BLOOP_EINVAL, "TableMismatch", m, "bind", "%s", msg);
}

bloop_status bloop_engine_bind(bloop_engine *e, bloop_model *m, int flags,
                               bloop_bind_report *report, bloop_error *err) {
  bloop_error_clear(err);
  bloop_bind_report local;
  memset(&local, 0, sizeof local);
  if (!report) report = &local;
  else memset(report, 0, sizeof *report);
  if (!(flags & BLOOP_BIND_FORCE) && bloop_engine_is_bound(e, m)) {
    report->already_bound = 1;
    return BLOOP_OK;
  }
  if (flags & BLOOP_BIND_SKIP_TABLE_SETUP) return remember(e, m, err);

  const char *table = bloop_model_table_name(m);
  const bloop_model_meta *mt = bloop_model_meta_get(m);
  const bloop_column *tc = bloop_model_ttl_column(m);
  int create = !(flags & BLOOP_BIND_VALIDATE_ONLY);
  cJSON *desc = NULL, *ttl = NULL, *backups = NULL;
  diffs d = {NULL, 0, 0, 0};
  bloop_status st = BLOOP_OK;

  if (create && (st = create_table(e, m, &report->created, err))) goto fail;
  if ((st = wait_active(e, m, &desc, err))) goto fail;
  if (tc) {
    if ((st = call_table(e, "DescribeTimeToLive", table, NULL, &ttl, err))) goto fail;
    const char *name;
    /* Only a table this engine created is changed (as bloop does): an existing table's TTL
     * and backups are the owner's, and a difference is reported as a mismatch. */
    if (create && was_created(e, table) && !enabledish(ttl_status(ttl, &name))) {
      char extra[600];
      bloop_buf x = BLOOP_BUF_INIT;
      bloop_buf_puts(&x, ",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":");
      bloopi_json_cstr(&x, tc->dynamo_name);
      bloop_buf_putc(&x, '}');
      snprintf(extra, sizeof extra, "%s", x.data ? x.data : "");
      bloop_buf_free(&x);
      cJSON *r = NULL;
      st = call_table(e, "UpdateTimeToLive", table, extra, &r, err);
      cJSON_Delete(r);
      if (st) goto fail;
      cJSON_Delete(ttl);
      ttl = NULL;
      if ((st = call_table(e, "DescribeTimeToLive", table, NULL, &ttl, err))) goto fail;
    }
  }
  if (mt->backups != BLOOP_FLAG_UNSET) {
    if ((st = call_table(e, "DescribeContinuousBackups", table, NULL, &backups, err))) goto fail;
    int on = enabledish(backups_status(backups));
    if (create && was_created(e, table) && on != (mt->backups == BLOOP_FLAG_ON)) {
      cJSON *r = NULL;
      st = call_table(e, "UpdateContinuousBackups", table,
                      mt->backups == BLOOP_FLAG_ON
                          ? ",\"PointInTimeRecoverySpecification\":{\"PointInTimeRecoveryEnabled\":true}"
                          : ",\"PointInTimeRecoverySpecification\":{\"PointInTimeRecoveryEnabled\":false}",
                      &r, err);
      cJSON_Delete(r);
      if (st) goto fail;
      cJSON_Delete(backups);
      backups = NULL;
      if ((st = call_table(e, "DescribeContinuousBackups", table, NULL, &backups, err))) goto fail;
    }
  }
  const cJSON *t = jget(desc, "Table");
  const char *arn = jstr(t, "LatestStreamArn");
  if (arn && !(report->stream_arn = strdup(arn))) goto nomem;
  compare_table(&d, m, t, ttl, backups);
  if (d.nomem) goto nomem;
  if (d.n) {
    st = fail_mismatch(m, &d, err);
    report->differences = d.lines;
    report->difference_count = d.n;
    d.lines = NULL;
    d.n = 0;
    goto out;
  }
  st = remember(e, m, err);
  goto out;
nomem:
  st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
fail:
  st = bloopi_engine_prefix(st, err, m, "bind");
out:
  diffs_free(&d);
  cJSON_Delete(desc);
  cJSON_Delete(ttl);
  cJSON_Delete(backups);
  if (report == &local) bloop_bind_report_clear(&local);
  return st;
}
