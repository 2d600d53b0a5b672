/*
 * lclient.c: the Lua face of bloop_client (client.h): bloop.core.client(service, opts).
 *
 * A client is a full userdata boxing a bloop_client pointer (NULL once closed). Its user
 * value is the method table of its service: `call`, `call_many`, and one method per
 * operation in snake_case, generated from the operation table. Requests and answers are
 * Lua tables in the service's JSON shape. Failures raise bloop error objects.
 * Ownership: the box owns the bloop_client; __gc and __close free it.
 */
#include <stdint.h>
#include <string.h>

#include "bloop/client.h"
#include "bloop/operations.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/lclient.h"

typedef struct client_box {
  bloop_client *c;
} client_box;

int bloopL_test_client(lua_State *L, int idx, bloop_client **c) {
  client_box *box = luaL_testudata(L, idx, BLOOP_CLIENT_META);
  if (box && c) *c = box->c;
  return box != NULL;
}

bloop_client *bloopL_client_of(lua_State *L, int idx) {
  return ((client_box *)lua_touserdata(L, idx))->c;
}

static bloop_client *lcl_check_client(lua_State *L, int idx) {
  client_box *box = luaL_checkudata(L, idx, BLOOP_CLIENT_META);
  if (!box->c) luaL_error(L, "attempt to use a closed bloop.Client");
  return box->c;
}

/* ---- options ------------------------------------------------------------------------ */

static const char *const known_opts[] = {
  "endpoint", "region", "profile", "credentials", "max_attempts", "timeout",
  "connect_timeout", "attempt_timeout", "retry", "buffer_size", "max_answer_bytes", NULL};

/* The longest duration an option takes: a year, far below where seconds * 1000 stops
 * fitting a long. */
#define LCL_MAX_SECONDS (366.0 * 24 * 3600)

static const char *lcl_opt_string(lua_State *L, int t, const char *k) {
  const char *s = NULL;
  size_t len = 0;
  int ty = lua_getfield(L, t, k);
  if (ty == LUA_TSTRING) s = lua_tolstring(L, -1, &len);
  else if (ty != LUA_TNIL) luaL_error(L, "bloop.client: option '%s' must be a string", k);
  /* C reads up to the first NUL: a string holding one would be cut without a word */
  if (s && strlen(s) != len) luaL_error(L, "bloop.client: option '%s' holds a NUL byte", k);
  lua_pop(L, 1);  /* the string stays alive: the options table holds it */
  return s;
}

static long lcl_opt_ms(lua_State *L, int t, const char *k, long dflt) {
  long v = dflt;
  int ty = lua_getfield(L, t, k);
  if (ty == LUA_TNUMBER) {
    lua_Number s = lua_tonumber(L, -1);
    if (s < 0) luaL_error(L, "bloop.client: option '%s' must not be negative", k);
    if (!(s <= LCL_MAX_SECONDS))   /* NaN too */
      luaL_error(L, "bloop.client: option '%s' must be at most %d seconds (a year), got %s", k,
                 (int)LCL_MAX_SECONDS, lua_tostring(L, -1));
    v = (long)(s * 1000.0 + 0.5);
  } else if (ty != LUA_TNIL) {
    luaL_error(L, "bloop.client: option '%s' must be a number of seconds", k);
  }
  lua_pop(L, 1);
  return v;
}

static long lcl_opt_int(lua_State *L, int t, const char *k, long dflt) {
  long v = dflt;
  int ty = lua_getfield(L, t, k);
  if (ty == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0)
    v = (long)lua_tointeger(L, -1);
  else if (ty != LUA_TNIL)
    luaL_error(L, "bloop.client: option '%s' must be a non-negative integer", k);
  lua_pop(L, 1);
  return v;
}

static void lcl_check_known(lua_State *L, int t, const char *const *known, const char *where) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int ok = 0;
    for (int i = 0; k && known[i]; i++) ok |= strcmp(known[i], k) == 0;
    if (!ok)
      luaL_error(L, "%s: unknown option '%s'", where, k ? k : luaL_typename(L, -1));
  }
}

static void lcl_read_options(lua_State *L, int t, bloop_client_config *cfg) {
  static const char *const cred_keys[] = {"access_key_id", "secret_access_key",
                                          "session_token", NULL};
  static const char *const retry_keys[] = {"base_delay", "throttle_base_delay",
                                           "max_backoff", "quota", NULL};
  lcl_check_known(L, t, known_opts, "bloop.client");
  cfg->aws.endpoint = lcl_opt_string(L, t, "endpoint");
  cfg->aws.region = lcl_opt_string(L, t, "region");
  cfg->aws.profile = lcl_opt_string(L, t, "profile");
  int ty = lua_getfield(L, t, "credentials");   /* [.., creds] stays: it owns the strings */
  if (ty == LUA_TTABLE) {
    int c = lua_gettop(L);
    lcl_check_known(L, c, cred_keys, "bloop.client credentials");
    cfg->aws.access_key_id = lcl_opt_string(L, c, "access_key_id");
    cfg->aws.secret_access_key = lcl_opt_string(L, c, "secret_access_key");
    cfg->aws.session_token = lcl_opt_string(L, c, "session_token");
    if (!cfg->aws.access_key_id != !cfg->aws.secret_access_key)
      luaL_error(L, "bloop.client: credentials need both access_key_id and secret_access_key");
  } else if (ty != LUA_TNIL) {
    luaL_error(L, "bloop.client: option 'credentials' must be a table");
  }
  cfg->max_attempts = (int)lcl_opt_int(L, t, "max_attempts", cfg->max_attempts);
  if (cfg->max_attempts < 1) luaL_error(L, "bloop.client: max_attempts must be at least 1");
  cfg->call_timeout_ms = lcl_opt_ms(L, t, "timeout", cfg->call_timeout_ms);
  cfg->connect_timeout_ms = lcl_opt_ms(L, t, "connect_timeout", cfg->connect_timeout_ms);
  cfg->attempt_timeout_ms = lcl_opt_ms(L, t, "attempt_timeout", cfg->attempt_timeout_ms);
  cfg->buffer_size = lcl_opt_int(L, t, "buffer_size", cfg->buffer_size);
  cfg->max_answer_bytes = (size_t)lcl_opt_int(L, t, "max_answer_bytes", 0);
  ty = lua_getfield(L, t, "retry");
  if (ty == LUA_TTABLE) {
    int r = lua_gettop(L);
    lcl_check_known(L, r, retry_keys, "bloop.client retry");
    cfg->base_delay_ms = lcl_opt_ms(L, r, "base_delay", cfg->base_delay_ms);
    cfg->throttle_base_delay_ms =
        lcl_opt_ms(L, r, "throttle_base_delay", cfg->throttle_base_delay_ms);
    cfg->max_backoff_ms = lcl_opt_ms(L, r, "max_backoff", cfg->max_backoff_ms);
    cfg->retry_quota = (int)lcl_opt_int(L, r, "quota", cfg->retry_quota);
  } else if (ty != LUA_TNIL) {
    luaL_error(L, "bloop.client: option 'retry' must be a table");
  }
  lua_pop(L, 1);
}

/* core.client(service, opts) -> bloop.Client */
static int lcl_new(lua_State *L) {
  static const char *const services[] = {"dynamodb", "dynamodbstreams", NULL};
  int svc = luaL_checkoption(L, 1, NULL, services);
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  bloop_client_config cfg;
  bloop_client_config_init(&cfg);
  cfg.service = svc == 1 ? BLOOP_SERVICE_STREAMS : BLOOP_SERVICE_DYNAMODB;
  lcl_read_options(L, 2, &cfg);                       /* may leave option tables on the stack */

  client_box *box = bloopL_newbox(L, sizeof *box, 1, BLOOP_CLIENT_META);
  lua_getfield(L, LUA_REGISTRYINDEX,
               svc == 1 ? BLOOP_CLIENT_METHODS_STREAMS : BLOOP_CLIENT_METHODS_DYNAMODB);
  lua_setiuservalue(L, -2, 1);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_client_new(&cfg, &box->c, &err) != BLOOP_OK)
    return bloopL_raise_core_error(L, &err, BLOOPL_FROM_CLIENT);
  return 1;
}

/* Encodes the request at idx (nil = {}) and pushes it as a Lua string; raises on bad input
 * with the operation named. */
static void lcl_push_body(lua_State *L, int idx, const char *op) {
  if (lua_isnoneornil(L, idx)) {
    lua_pushliteral(L, "{}");
    return;
  }
  if (lua_type(L, idx) != LUA_TTABLE)
    luaL_error(L, "bloop.Client: %s request must be a table, got %s", op, luaL_typename(L, idx));
  bloop_buf *b = bloopL_push_buf(L);                       /* [.., buf] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloopL_to_json(L, idx, b, &err) != BLOOP_OK) {
    char msg[sizeof err.message];
    memcpy(msg, err.message, sizeof msg);
    bloop_error_set(&err, BLOOP_EINVAL, "InvalidRequest", "%s request: %s", op, msg);
    bloopL_raise_error(L, "InvalidRequest", &err);
  }
  lua_pushlstring(L, b->data, b->len);                     /* [.., buf, body] */
  bloop_buf_free(b);
  lua_remove(L, -2);
}

static void lcl_push_answer(lua_State *L, const char *op, const char *body, size_t len) {
  bloop_error why = BLOOP_ERROR_INIT;
  if (bloopL_push_json_checked(L, body, len, &why) != BLOOP_OK) {
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_set(&err, BLOOP_EPROTOCOL, "InvalidResponse",
                    "%s: unreadable answer (%zu bytes): %s", op, len, why.message);
    bloopL_raise_error(L, "ClientError", &err);
  }
}

/* client:call(op, request) -> answer */
static int lcl_call(lua_State *L) {
  bloop_client *c = lcl_check_client(L, 1);
  const char *op = luaL_checkstring(L, 2);
  lcl_push_body(L, 3, op);                                    /* [.., body] */
  size_t len;
  const char *body = lua_tolstring(L, -1, &len);
  bloop_buf *resp = bloopL_push_buf(L);                   /* [.., body, resp] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_client_call(c, op, body, len, resp, &err) != BLOOP_OK)
    return bloopL_raise_core_error(L, &err, BLOOPL_FROM_CLIENT);
  lua_pushlstring(L, resp->data ? resp->data : "", resp->len);   /* [.., resp, answer] */
  bloop_buf_free(resp);
  size_t rlen;
  const char *r = lua_tolstring(L, -1, &rlen);
  lcl_push_answer(L, op, r, rlen);
  return 1;
}

/* The calls of one call_many, owned by a userdata so that a raise while their results are
 * read (Lua out of memory) leaves them to __gc. */
typedef struct lcl_calls {
  size_t n;
  bloop_call *calls[];
} lcl_calls;

static void lcl_free_calls(lcl_calls *box) {
  for (size_t i = 0; i < box->n; i++) {
    bloop_call_free(box->calls[i]);
    box->calls[i] = NULL;
  }
}

static int lcl_calls_gc(lua_State *L) {
  lcl_free_calls(luaL_checkudata(L, 1, BLOOP_CALLS_META));
  return 0;
}

/* client:call_many{ {op, request}, ... } -> { {response=...} | {error=...}, ... }
 * Every request is in flight at once on the client's connections; results come back in
 * the order of the list whatever order they complete in. */
static int lcl_call_many(lua_State *L) {
  bloop_client *c = lcl_check_client(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  luaL_checkstack(L, (int)(n * 2 + 8), "too many requests");
  int base = lua_gettop(L);
  for (lua_Integer i = 1; i <= n; i++) {                  /* [.., op_i, body_i]... */
    if (lua_rawgeti(L, 2, i) != LUA_TTABLE)
      luaL_error(L, "bloop.Client:call_many: item %d must be {operation, request}", (int)i);
    lua_rawgeti(L, -1, 1);
    const char *op = lua_tostring(L, -1);
    if (!op) luaL_error(L, "bloop.Client:call_many: item %d has no operation name", (int)i);
    lua_rawgeti(L, -2, 2);                                /* [.., item, op, req] */
    lcl_push_body(L, lua_gettop(L), op);                      /* [.., item, op, req, body] */
    lua_remove(L, -2);
    lua_remove(L, -3);                                    /* [.., op, body] */
  }
  lcl_calls *box =
      bloopL_newbox(L, sizeof *box + (size_t)n * sizeof *box->calls, 0, BLOOP_CALLS_META);
  box->n = (size_t)n;                                     /* [.., calls] */
  bloop_call **calls = box->calls;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = BLOOP_OK;
  for (lua_Integer i = 0; i < n && st == BLOOP_OK; i++) {
    size_t len;
    const char *op = lua_tostring(L, base + 1 + 2 * (int)i);
    const char *body = lua_tolstring(L, base + 2 + 2 * (int)i, &len);
    st = bloop_client_submit(c, op, body, len, (void *)(intptr_t)(i + 1), &calls[i], &err);
  }
  if (st != BLOOP_OK) return bloopL_raise_core_error(L, &err, BLOOPL_FROM_CLIENT);
  /* only these calls: a scan's pages in flight on the same client stay the scan's */
  while (bloop_client_wait_for(c, calls, (size_t)n, -1)) {}
  lua_createtable(L, (int)n, 0);                          /* [.., results] */
  for (lua_Integer i = 0; i < n; i++) {
    const char *body;
    size_t len;
    bloop_error_clear(&err);
    lua_createtable(L, 0, 1);
    st = bloop_call_result(calls[i], &body, &len, &err);
    if (st == BLOOP_OK && bloopL_push_json(L, body, len)) {
      lua_setfield(L, -2, "response");
    } else {
      if (st == BLOOP_OK)
        bloop_error_set(&err, BLOOP_EPROTOCOL, "InvalidResponse", "the answer is not JSON");
      bloopL_push_core_error(L, &err, BLOOPL_FROM_CLIENT);
      lua_setfield(L, -2, "error");
    }
    lua_rawseti(L, -2, i + 1);
  }
  lcl_free_calls(box);                                    /* early: __gc finds none */
  return 1;
}

/* The method for one operation: upvalue 1 is its name. */
static int lcl_operation(lua_State *L) {
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 2);                                      /* [self, op, req] */
  return lcl_call(L);
}

static int lcl_close(lua_State *L) {
  client_box *box = luaL_checkudata(L, 1, BLOOP_CLIENT_META);
  if (box->c) {
    bloop_client_free(box->c);
    box->c = NULL;
  }
  return 0;
}

static int lcl_endpoint(lua_State *L) {
  lua_pushstring(L, bloop_client_endpoint(lcl_check_client(L, 1)));
  return 1;
}

static int lcl_region(lua_State *L) {
  lua_pushstring(L, bloop_client_region(lcl_check_client(L, 1)));
  return 1;
}

static int lcl_service(lua_State *L) {
  bloop_service s = bloop_client_service(lcl_check_client(L, 1));
  lua_pushstring(L, s == BLOOP_SERVICE_STREAMS ? "dynamodbstreams" : "dynamodb");
  return 1;
}

/* Never shows credentials: only service, endpoint and region. */
static int lcl_tostring(lua_State *L) {
  client_box *box = luaL_checkudata(L, 1, BLOOP_CLIENT_META);
  if (!box->c) {
    lua_pushliteral(L, "bloop.Client (closed)");
    return 1;
  }
  bloop_service s = bloop_client_service(box->c);
  lua_pushfstring(L, "bloop.Client(%s, %s, %s)",
                  s == BLOOP_SERVICE_STREAMS ? "dynamodbstreams" : "dynamodb",
                  bloop_client_endpoint(box->c), bloop_client_region(box->c));
  return 1;
}

/* __index: the method table of the client's service (its user value). */
static int lcl_index(lua_State *L) {
  luaL_checkudata(L, 1, BLOOP_CLIENT_META);
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static const luaL_Reg calls_meta[] = {{"__gc", lcl_calls_gc}, {NULL, NULL}};

static const luaL_Reg client_meta[] = {
  {"__index", lcl_index},
  {"__gc", lcl_close},
  {"__close", lcl_close},
  {"__tostring", lcl_tostring},
  {NULL, NULL}};

static const luaL_Reg client_methods[] = {
  {"call", lcl_call},
  {"call_many", lcl_call_many},
  {"close", lcl_close},
  {"endpoint", lcl_endpoint},
  {"region", lcl_region},
  {"service", lcl_service},
  {NULL, NULL}};

/* [] -> [] ; registers the method table of one service */
static void lcl_make_methods(lua_State *L, bloop_service svc, const char *regkey) {
  lua_newtable(L);
  luaL_setfuncs(L, client_methods, 0);
  for (size_t i = 0; i < bloop_operation_count(); i++) {
    const bloop_operation *op = bloop_operation_at(i);
    if (op->service != svc) continue;
    lua_pushstring(L, op->name);
    lua_pushcclosure(L, lcl_operation, 1);
    lua_setfield(L, -2, op->snake_name);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, regkey);
}

/* core.operations(service) -> { {name=, method=}, ... } */
static int lcl_operations(lua_State *L) {
  static const char *const services[] = {"dynamodb", "dynamodbstreams", NULL};
  bloop_service svc = luaL_checkoption(L, 1, NULL, services) ? BLOOP_SERVICE_STREAMS
                                                             : BLOOP_SERVICE_DYNAMODB;
  lua_newtable(L);
  lua_Integer k = 1;
  for (size_t i = 0; i < bloop_operation_count(); i++) {
    const bloop_operation *op = bloop_operation_at(i);
    if (op->service != svc) continue;
    lua_createtable(L, 0, 2);
    lua_pushstring(L, op->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, op->snake_name);
    lua_setfield(L, -2, "method");
    lua_rawseti(L, -2, k++);
  }
  return 1;
}

int bloopL_open_client(lua_State *L) {
  /* [core] */
  /* methods: per service, in the box's user value (lcl_index) */
  bloopL_createmeta(L, BLOOP_CLIENT_META, NULL, client_meta);
  bloopL_createmeta(L, BLOOP_CALLS_META, NULL, calls_meta);
  lcl_make_methods(L, BLOOP_SERVICE_DYNAMODB, BLOOP_CLIENT_METHODS_DYNAMODB);
  lcl_make_methods(L, BLOOP_SERVICE_STREAMS, BLOOP_CLIENT_METHODS_STREAMS);
  lua_pushcfunction(L, lcl_new);
  lua_setfield(L, -2, "client");
  lua_pushcfunction(L, lcl_operations);
  lua_setfield(L, -2, "operations");
  return 0;
}
