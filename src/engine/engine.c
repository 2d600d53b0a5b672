/*
 * engine.c: the engine object, its session routing and the helpers every engine file
 * shares (engine.h). Operations live in engine_bind.c, engine_item.c, engine_search.c.
 */
#include "engine/engine_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/value_internal.h"
#include <cjson/cJSON.h>

bloop_session bloop_session_native(bloop_client *dynamodb, bloop_client *streams) {
  bloop_session s;
  memset(&s, 0, sizeof s);
  s.native_dynamodb = dynamodb;
  s.native_streams = streams;
  return s;
}

void bloop_engine_config_init(bloop_engine_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->bind_poll_base_ms = 50;
  cfg->bind_poll_max_ms = 2000;
  cfg->bind_timeout_ms = 300000;
  bloop_batch_config_init(&cfg->batch);
}

bloop_status bloop_engine_new(const bloop_session *session, const bloop_engine_config *cfg,
                              bloop_engine **out, bloop_error *err) {
  bloop_error_clear(err);
  *out = NULL;
  if (!session || (!session->call && !session->native_dynamodb))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "engine: the session has neither a call function nor a client");
  bloop_engine *e = calloc(1, sizeof *e);
  if (!e) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "engine: out of memory");
  e->session = *session;
  if (cfg) e->cfg = *cfg;
  else bloop_engine_config_init(&e->cfg);
  if (e->cfg.bind_poll_base_ms <= 0) e->cfg.bind_poll_base_ms = 50;
  if (e->cfg.bind_poll_max_ms <= 0) e->cfg.bind_poll_max_ms = 2000;
  if (e->cfg.bind_timeout_ms <= 0) e->cfg.bind_timeout_ms = 300000;
  bloop_arena_init(&e->scratch.arena);
  bloop_buf_init(&e->scratch.body);
  bloop_buf_init(&e->scratch.resp);
  *out = e;
  return BLOOP_OK;
}

void bloop_engine_free(bloop_engine *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nbound; i++) bloop_model_release(e->bound[i]);
  for (size_t i = 0; i < e->ncreated; i++) free(e->created[i]);
  free(e->bound);
  free(e->created);
  bloop_arena_free(&e->scratch.arena);
  bloop_buf_free(&e->scratch.body);
  bloop_buf_free(&e->scratch.resp);
  free(e);
}

/* A call that grew the scratch past this gives the memory back rather than keep it. */
#define SCRATCH_KEEP (64u * 1024u)

bloopi_scratch *bloopi_engine_scratch(bloop_engine *e, bloopi_scratch *own) {
  bloopi_scratch *s = &e->scratch;
  if (s->lent) {
    s = own;
    bloop_arena_init(&s->arena);
    bloop_buf_init(&s->body);
    bloop_buf_init(&s->resp);
  }
  s->lent = 1;
  return s;
}

void bloopi_engine_scratch_done(bloop_engine *e, bloopi_scratch *s) {
  int keep = s == &e->scratch;
  if (!keep || s->arena.used > SCRATCH_KEEP) bloop_arena_free(&s->arena);
  else bloop_arena_reset(&s->arena);
  if (!keep || s->body.cap > SCRATCH_KEEP || s->body.failed) bloop_buf_free(&s->body);
  else bloop_buf_reset(&s->body);
  if (!keep || s->resp.cap > SCRATCH_KEEP || s->resp.failed) bloop_buf_free(&s->resp);
  else bloop_buf_reset(&s->resp);
  s->lent = 0;
}

bloop_session *bloop_engine_session(bloop_engine *e) { return &e->session; }

bloop_client *bloopi_engine_route(bloop_engine *e, bloop_service service, const char *op) {
  bloop_session *s = &e->session;
  bloop_client *c = service == BLOOP_SERVICE_STREAMS ? s->native_streams : s->native_dynamodb;
  if (!c) return NULL;
  if (s->overrides && s->overrides(s->ud, service, op)) return NULL;
  return c;
}

void bloop_engine_meter(bloop_engine *e, int on) {
  e->metering = on;
  e->metered = 0;
}

double bloop_engine_metered(const bloop_engine *e) { return e->metered; }

/* CapacityUnits of an answer's ConsumedCapacity: one object, or a list (one per table). */
static double answer_units(const bloop_buf *resp) {
  cJSON *root = cJSON_ParseWithLength(resp->data, resp->len);
  double units = 0;
  const cJSON *cc = cJSON_GetObjectItemCaseSensitive(root, "ConsumedCapacity");
  const cJSON *one;
  if (cJSON_IsObject(cc)) {
    one = cJSON_GetObjectItemCaseSensitive(cc, "CapacityUnits");
    if (cJSON_IsNumber(one)) units = one->valuedouble;
  } else if (cJSON_IsArray(cc)) {
    const cJSON *t;
    cJSON_ArrayForEach(t, cc) {
      one = cJSON_GetObjectItemCaseSensitive(t, "CapacityUnits");
      if (cJSON_IsNumber(one)) units += one->valuedouble;
    }
  }
  cJSON_Delete(root);
  return units;
}

static bloop_status metered_call(bloop_engine *e, const char *op, const bloop_buf *body,
                                 bloop_buf *resp, bloop_error *err);

bloop_status bloopi_engine_call(bloop_engine *e, const char *op, const bloop_buf *body,
                                bloop_buf *resp, bloop_error *err) {
  if (e->metering && !body->failed && body->len > 2 && body->data[body->len - 1] == '}')
    return metered_call(e, op, body, resp, err);
  if (body->failed)
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory building %s", op);
  bloop_buf_reset(resp);
  bloop_client *c = bloopi_engine_route(e, BLOOP_SERVICE_DYNAMODB, op);
  if (c) return bloop_client_call(c, op, body->data, body->len, resp, err);
  if (!e->session.call)
    return bloop_error_set(err, BLOOP_ESTATE, "NoRoute",
                           "%s: the session has no client and no call function", op);
  bloop_error_clear(err);
  bloop_status st = e->session.call(e->session.ud, BLOOP_SERVICE_DYNAMODB, op, body->data,
                                    body->len, resp, err);
  if (st && err && err->status == BLOOP_OK) err->status = st;
  return st;
}

/* The call with ReturnConsumedCapacity TOTAL added; what the answer consumed is counted
 * (a failed call's answer holds none). */
static bloop_status metered_call(bloop_engine *e, const char *op, const bloop_buf *body,
                                 bloop_buf *resp, bloop_error *err) {
  bloop_buf b = BLOOP_BUF_INIT;
  bloop_buf_append(&b, body->data, body->len - 1);
  bloop_buf_puts(&b, body->len > 2 && body->data[body->len - 2] != '{' ? "," : "");
  bloop_buf_puts(&b, "\"ReturnConsumedCapacity\":\"TOTAL\"}");
  e->metering = 0;
  bloop_status st = bloopi_engine_call(e, op, &b, resp, err);
  e->metering = 1;
  bloop_buf_free(&b);
  if (!st) e->metered += answer_units(resp);
  return st;
}

void bloopi_bad_answer(bloop_error *err) {
  if (!err || err->status == BLOOP_ENOMEM) return;
  err->status = BLOOP_EPROTOCOL;
  snprintf(err->code, sizeof err->code, "BadResponse");
}

void bloopi_json_cstr(bloop_buf *b, const char *s) { bloopi_json_escape(b, s, strlen(s)); }

bloop_status bloopi_engine_prefix(bloop_status st, bloop_error *err, const bloop_model *m,
                                  const char *op) {
  if (!err) return st;
  char tmp[BLOOP_ERROR_MESSAGE_MAX];
  size_t len = 0;
  const char *parts[4] = {m ? bloop_model_name(m) : "engine", " ", op, ": "};
  for (int i = 0; i < 4; i++)
    for (const char *p = parts[i]; *p && len < sizeof tmp - 1; p++) tmp[len++] = *p;
  for (const char *p = err->message; *p && len < sizeof tmp - 1; p++) tmp[len++] = *p;
  tmp[len] = '\0';
  memcpy(err->message, tmp, len + 1);
  if (err->status == BLOOP_OK) err->status = st;
  return err->status;
}

bloop_status bloopi_engine_fail(bloop_error *err, bloop_status st, const char *code,
                                const bloop_model *m, const char *op, const char *fmt, ...) {
  char msg[BLOOP_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return bloop_error_set(err, st, code, "%s %s: %s", m ? bloop_model_name(m) : "engine", op,
                         msg);
}

bloop_status bloopi_item_key(const bloop_model *m, const bloop_value *item, bloop_arena *a,
                             bloop_value *out, const char *op, bloop_error *err) {
  if (!item || item->type != BLOOP_TYPE_M)
    return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                              "the item is not a map of attributes");
  const bloop_column *keys[2] = {bloop_model_hash_key(m), bloop_model_range_key(m)};
  if (bloop_value_set_map(out, a, 2, err)) return bloopi_engine_prefix(BLOOP_ENOMEM, err, m, op);
  for (int i = 0; i < 2; i++) {
    const bloop_column *k = keys[i];
    if (!k) continue;
    const bloop_value *v = bloop_value_get(item, k->dynamo_name, strlen(k->dynamo_name));
    if (!v)
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                                "%s key \"%s\" has no value", i ? "range" : "hash", k->name);
    if (v->type != k->type)
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                                "key \"%s\" must be %s (got %s)", k->name,
                                bloop_type_name(k->type), bloop_type_name(v->type));
    size_t len = 0;
    if (v->type != BLOOP_TYPE_N && (bloop_value_bytes(v, &len), len == 0))
      /* Empty strings and bytes are values everywhere but in keys. */
      return bloopi_engine_fail(err, BLOOP_EINVAL, "InvalidRequest", m, op,
                                "key \"%s\" is empty (\"\"): DynamoDB keys cannot be empty",
                                k->name);
    bloop_value *slot = bloop_value_map_add(out, a, k->dynamo_name, strlen(k->dynamo_name));
    if (!slot) return bloopi_engine_fail(err, BLOOP_ENOMEM, "OutOfMemory", m, op, "out of memory");
    *slot = *v;  /* shares the caller's bytes: the key lives no longer than the item */
  }
  return BLOOP_OK;
}

bloop_path *bloopi_attr_path(bloop_arena *a, const char *dynamo_name, const char *label) {
  bloop_path *p = bloop_arena_calloc(a, 1, sizeof *p);
  bloop_path_elem *el = bloop_arena_calloc(a, 1, sizeof *el);
  if (!p || !el) return NULL;
  el->name = dynamo_name;
  el->len = strlen(dynamo_name);
  p->elems = el;
  p->count = 1;
  p->label = label;
  return p;
}
