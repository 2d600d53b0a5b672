/*
 * lengine.c: the C engine for Lua (see lengine.h).
 *
 * Ownership: a "bloop.CEngine" box owns its bloop_engine (freed by __gc / close, box set to
 * NULL). Its user value 1 is the Lua session table, which keeps the clients alive. A
 * "bloop.CSearch" box owns its bloop_search; user value 1 is the engine box (the search
 * borrows the engine) and 2 the CModel (the search retains the C model, but the Lua box
 * must outlive nothing else). Every value converted for a call lives in a scratch arena
 * held by a userdata on the stack (freed by its __gc), and so are the C results that are
 * malloc'ed (a bind report, an explanation's text) while they are copied into Lua, so
 * raising at any point leaks nothing. The session callbacks, which run inside the engine,
 * never raise through it (le_protected).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "bloop/engine.h"
#include "bloop/operations.h"
#include "bloop/sigv4.h"
#include "engine/engine_batch.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/lclient.h"
#include "lua/lcond.h"
#include "lua/lengine.h"
#include "lua/lfast.h"
#include "lua/lmodel.h"
#include "lua/lobject.h"
#include "lua/lsnapshot.h"
#include "lua/lwire.h"


typedef struct engine_box {
  bloop_engine *e;
  lua_State *L;   /* the state driving the current call: the session callbacks use it */
  int index;      /* absolute stack index of the box during the current call */
  /* the session's client is the native client itself, no Lua layer above it (per
   * service, as le_refresh_session found it): nothing can be overridden */
  int direct[2];
  /* the session's two clients are the values in user values 2 and 3 (kept there, so they
   * are the very same objects), each a native client box or nil: direct[] still holds */
  int cached;
} engine_box;

typedef struct search_box {
  bloop_search *s;
} search_box;

/* ---- small helpers --------------------------------------------------------------------- */

static int le_raise(lua_State *L, const bloop_error *err) {
  return bloopL_raise_core_error(L, err, BLOOPL_FROM_ENGINE);
}

/* Wire table at idx (may be nil) -> value in a; returns NULL for nil. A string is an
 * item's DynamoDB JSON text (a snapshot: lsnapshot.h). May raise. */
static const bloop_value *le_opt_wire(lua_State *L, int idx, bloop_arena *a, const char *where) {
  if (lua_isnoneornil(L, idx)) return NULL;
  bloop_value *v = bloopL_arena_alloc(L, a, sizeof *v);
  if (lua_type(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *text = lua_tolstring(L, idx, &len);
    bloop_error err = BLOOP_ERROR_INIT;
    if (bloop_item_from_json(text, len, a, v, &err) != BLOOP_OK)
      bloopL_raise_error(L, "InvalidValue", &err);
    return v;
  }
  bloopL_value_from_wire(L, idx, a, v, where);
  return v;
}

const bloop_value *bloopL_field_wire(lua_State *L, int t, const char *k, bloop_arena *a) {
  lua_getfield(L, t, k);
  const bloop_value *v = le_opt_wire(L, -1, a, k);
  lua_pop(L, 1);  /* the value was copied into the arena */
  return v;
}

static bloop_cond *le_field_cond(lua_State *L, int t, const char *k) {
  bloop_cond *c = NULL;
  if (lua_getfield(L, t, k) != LUA_TNIL) {
    /* the engine API takes non-const trees (a search retains them); the box keeps its own
     * reference meanwhile */
    const bloop_cond *cc = bloopL_check_cond(L, -1);
    memcpy(&c, &cc, sizeof c);
  }
  lua_pop(L, 1);  /* the Condition stays referenced by the argument table */
  return c;
}

/* t[k], a list of names, copied into a (NULL and *n = 0 when t[k] is not a table). */
static const char **le_field_names(lua_State *L, int t, const char *k, bloop_arena *a,
                                   size_t *n) {
  const char **names = NULL;
  *n = 0;
  if (lua_getfield(L, t, k) == LUA_TTABLE) {             /* [list] */
    *n = lua_rawlen(L, -1);
    names = bloopL_arena_alloc(L, a, *n * sizeof *names);
    for (size_t i = 0; i < *n; i++) {
      lua_rawgeti(L, -1, (lua_Integer)i + 1);
      size_t len;
      const char *s = luaL_checklstring(L, -1, &len);
      if (!(names[i] = bloop_arena_memdup(a, s, len + 1))) bloopL_nomem(L);
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return names;
}

bloop_model *bloopL_field_model(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  bloop_model *m = bloopL_check_model(L, -1);
  lua_pop(L, 1);  /* referenced by the argument table */
  return m;
}

/* ---- the session: routing between native clients and Lua ------------------------------ */

/* The native client under the Lua client at idx: the client itself, or, for a wrapper
 * (bloop.wrap_client), the one it wraps, which a wrapper names in its metatable field
 * `__bloop_real`. NULL when there is no native client underneath (a pure Lua client).
 * Pushes nothing. */
static bloop_client *le_native_under(lua_State *L, int idx, int depth) {
  idx = lua_absindex(L, idx);
  bloop_client *c = NULL;
  if (bloopL_test_client(L, idx, &c)) return c;
  if (depth > 8 || lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return NULL;
  /* [mt] */
  if (lua_getfield(L, -1, "__bloop_real") != LUA_TNIL) {   /* [mt, real] */
    c = le_native_under(L, -1, depth + 1);
    lua_pop(L, 2);
    return c;
  }
  lua_pop(L, 2);
  return c;
}

/* Is op overridden by a Lua layer above the native client at idx? */
static int le_overridden_at(lua_State *L, int idx, const char *snake, int depth) {
  idx = lua_absindex(L, idx);
  if (bloopL_test_client(L, idx, NULL)) return 0;
  if (lua_type(L, idx) != LUA_TTABLE || depth > 8) return 1;
  lua_pushstring(L, snake);
  int own = lua_rawget(L, idx) != LUA_TNIL;
  lua_pop(L, 1);
  if (own) return 1;
  if (!lua_getmetatable(L, idx)) return 1;                 /* a plain table: all in Lua */
  int r = 1;
  if (lua_getfield(L, -1, "__bloop_real") != LUA_TNIL) {
    r = le_overridden_at(L, -1, snake, depth + 1);
    lua_pop(L, 2);
    return r;
  }
  lua_pop(L, 2);
  return r;
}

/* [] -> [client] : the session's Lua client for service, from the engine box at idx (the
 * streams client is read with a normal get, so the engine's lazy creation applies). */
static void le_push_session_client(lua_State *L, int idx, bloop_service service) {
  lua_getiuservalue(L, idx, 1);                            /* [session] */
  lua_getfield(L, -1, service == BLOOP_SERVICE_STREAMS ? "dynamodbstreams_client"
                                                       : "dynamodb_client");
  lua_remove(L, -2);
}

static const char *le_snake_of(bloop_service service, const char *op) {
  const bloop_operation *o = bloop_operation_find(service, op);
  return o ? o->snake_name : NULL;
}

static void le_error_from_lua(lua_State *L, int idx, bloop_error *err, const char *op);

/* The session callbacks run inside a C engine call, which holds memory of its own across
 * them: nothing may raise through it. So each runs its Lua part (session and client
 * lookups, which may reach metamethods; the client method; decoding and encoding, which
 * may run out of memory) under lua_pcall, with its arguments and results in a le_call. */
typedef struct le_call {
  engine_box *box;
  bloop_service service;
  const char *op, *snake, *body;
  size_t len;
  bloop_buf *response;
  bloop_error *err;
  bloop_status st;   /* le_call_lua's result */
  int overridden;    /* le_overrides_lua's result */
} le_call;

/* [] -> [] : runs f(c, engine box) protected; a raise becomes c->err (LuaError) and
 * returns 0. */
static int le_protected(lua_State *L, lua_CFunction f, le_call *c) {
  int top = lua_gettop(L);
  lua_pushcfunction(L, f);
  lua_pushlightuserdata(L, c);
  lua_pushvalue(L, c->box->index);  /* f's own frame: the box is its argument 2 */
  int ok = lua_pcall(L, 2, 0, 0) == LUA_OK;
  if (!ok) le_error_from_lua(L, -1, c->err, c->op);
  lua_settop(L, top);
  return ok;
}

/* [c, box] -> [..] : is c->op overridden by a Lua layer? Result in c->overridden. */
static int le_overrides_lua(lua_State *L) {
  le_call *c = lua_touserdata(L, 1);
  le_push_session_client(L, 2, c->service);
  c->overridden = le_overridden_at(L, -1, c->snake, 0);
  return 0;
}

static int le_session_overrides(void *ud, bloop_service service, const char *op) {
  engine_box *box = ud;
  /* a native client the session holds as it is: no Lua to ask (and no Lua runs during a
   * call on it that could put another client in its place) */
  if (box->direct[service == BLOOP_SERVICE_STREAMS]) return 0;
  bloop_error err = BLOOP_ERROR_INIT;
  le_call c = {box, service, op, le_snake_of(service, op), NULL, 0, NULL, &err, BLOOP_OK, 1};
  /* a lookup that raises routes the call through Lua, where the same lookup fails again
   * and becomes the operation's error */
  if (!c.snake || !le_protected(box->L, le_overrides_lua, &c)) return 1;
  return c.overridden;
}

/* Lua error object at idx -> err (service errors keep their code and HTTP status; a
 * client's error passed on keeps its attempts and whether one may have been applied, so
 * the engine can settle a condition failure that followed it). */
static void le_error_from_lua(lua_State *L, int idx, bloop_error *err, const char *op) {
  idx = lua_absindex(L, idx);
  bloop_error_clear(err);
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_getfield(L, idx, "code");
    lua_getfield(L, idx, "message");
    lua_getfield(L, idx, "status");
    lua_getfield(L, idx, "attempts");
    lua_getfield(L, idx, "ambiguous");
    const char *code = lua_tostring(L, -5);
    const char *msg = lua_tostring(L, -4);
    bloop_error_set(err, code ? BLOOP_ESERVICE : BLOOP_EINVAL, code ? code : "LuaError",
                    "%s", msg ? msg : op);
    if (lua_isinteger(L, -3)) err->http_status = (long)lua_tointeger(L, -3);
    if (lua_isinteger(L, -2) && lua_tointeger(L, -2) > 0 && lua_tointeger(L, -2) < 1000)
      err->attempts = (int)lua_tointeger(L, -2);
    err->ambiguous = lua_toboolean(L, -1);
    lua_pop(L, 5);
    return;
  }
  const char *msg = lua_tostring(L, idx);
  bloop_error_set(err, BLOOP_EINVAL, "LuaError", "%s: %s", op, msg ? msg : "error in Lua client");
}

/* [c, box] -> [..] : calls the session client's method for c->op with the request
 * decoded; the answer encoded into c->response. Result in c->st. */
static int le_call_lua(lua_State *L) {
  le_call *c = lua_touserdata(L, 1);
  le_push_session_client(L, 2, c->service);               /* [c, box, client] */
  int ct = lua_type(L, -1);
  if (ct != LUA_TTABLE && ct != LUA_TUSERDATA) {
    /* engine.session is the user's to replace: say which field holds what */
    c->st = bloop_error_set(c->err, BLOOP_ECONFIG, "InvalidClient",
                            "engine.session.%s is %s%s, not a client",
                            c->service == BLOOP_SERVICE_STREAMS ? "dynamodbstreams_client"
                                                                : "dynamodb_client",
                            ct == LUA_TNIL ? "" : "a ", lua_typename(L, ct));
    return 0;
  }
  lua_getfield(L, -1, c->snake);                           /* [c, box, client, method] */
  if (!lua_isfunction(L, -1) && !luaL_getmetafield(L, -1, "__call")) {
    c->st = bloop_error_set(c->err, BLOOP_EINVAL, "InvalidArgument",
                            "the session's client has no method %s", c->snake);
    return 0;
  }
  lua_pushvalue(L, -2);                                    /* [.., method, client] */
  if (!bloopL_push_json(L, c->body, c->len)) {
    c->st = bloop_error_set(c->err, BLOOP_EPROTOCOL, "BadRequest", "%s: request is not JSON",
                            c->op);
    return 0;
  }
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {                   /* [.., err] */
    le_error_from_lua(L, -1, c->err, c->op);
    c->st = c->err->status;
    return 0;
  }
  bloop_buf_reset(c->response);
  c->st = BLOOP_OK;
  if (lua_isnil(L, -1)) bloop_buf_puts(c->response, "{}");
  else c->st = bloopL_to_json(L, lua_gettop(L), c->response, c->err);
  return 0;
}

static bloop_status le_session_call(void *ud, bloop_service service, const char *op,
                                    const char *body, size_t len, bloop_buf *response,
                                    bloop_error *err) {
  engine_box *box = ud;
  le_call c = {box, service, op, le_snake_of(service, op), body, len, response, err,
               BLOOP_OK, 0};
  if (!c.snake)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "unknown operation %s", op);
  if (!le_protected(box->L, le_call_lua, &c)) return err->status;
  return c.st;
}

/* Is the value at v the one in user value slot of the box at box? */
static int le_same(lua_State *L, int box, int slot, int v) {
  lua_getiuservalue(L, box, slot);
  int same = lua_rawequal(L, -1, v);
  lua_pop(L, 1);
  return same;
}

/* Points the engine's session at the current Lua clients. [..] unchanged. The walk below
 * each client (le_native_under) is skipped while both are the native clients (or nil)
 * the last call found: every engine call comes here. */
static void le_refresh_session(lua_State *L, engine_box *box, int idx) {
  box->L = L;
  box->index = lua_absindex(L, idx);
  bloop_session *s = bloop_engine_session(box->e);
  le_push_session_client(L, box->index, BLOOP_SERVICE_DYNAMODB);  /* [ddb] */
  int ddb = lua_gettop(L), streams = ddb + 1;
  lua_getiuservalue(L, box->index, 1);
  lua_pushliteral(L, "dynamodbstreams_client");
  lua_rawget(L, -2);                                       /* not created just for this */
  lua_remove(L, -2);                                       /* [ddb, streams] */
  if (box->cached && le_same(L, box->index, 2, ddb) && le_same(L, box->index, 3, streams)) {
    s->native_dynamodb = box->direct[0] ? bloopL_client_of(L, ddb) : NULL;
    s->native_streams = box->direct[1] ? bloopL_client_of(L, streams) : NULL;
  } else {
    s->native_dynamodb = le_native_under(L, ddb, 0);
    box->direct[0] = bloopL_test_client(L, ddb, NULL);
    s->native_streams = le_native_under(L, streams, 0);
    box->direct[1] = bloopL_test_client(L, streams, NULL);
    box->cached = (box->direct[0] || lua_isnil(L, ddb)) &&
                  (box->direct[1] || lua_isnil(L, streams));
    lua_pushvalue(L, ddb);
    lua_setiuservalue(L, box->index, 2);
    lua_pushvalue(L, streams);
    lua_setiuservalue(L, box->index, 3);
  }
  lua_pop(L, 2);
  s->call = le_session_call;
  s->overrides = le_session_overrides;
  s->ud = box;
}

static engine_box *le_check_engine(lua_State *L, int idx) {
  engine_box *box = luaL_checkudata(L, idx, BLOOP_CENGINE_META);
  if (!box->e) luaL_error(L, "attempt to use a closed bloop.CEngine");
  le_refresh_session(L, box, idx);
  return box;
}

/* ---- engine ------------------------------------------------------------------------------ */

/* Reads an optional integer field of the table at t (absent: keeps *v). */
static void le_opt_long(lua_State *L, int t, const char *k, long *v) {
  if (lua_getfield(L, t, k) != LUA_TNIL) *v = (long)luaL_checkinteger(L, -1);
  lua_pop(L, 1);
}

/* core.engine_new(session_table[, config]) -> CEngine. config: { batch = { concurrency=,
 * base_delay_ms=, max_delay_ms=, max_rounds=, deadline_ms= }, bind_timeout_ms= } (the
 * Lua layer has checked the shapes; absent fields keep the defaults of engine.h). */
static int le_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  bloop_engine_config cfg;
  bloop_engine_config_init(&cfg);
  if (lua_istable(L, 2)) {
    le_opt_long(L, 2, "bind_timeout_ms", &cfg.bind_timeout_ms);
    if (lua_getfield(L, 2, "batch") == LUA_TTABLE) {      /* [session, cfg, batch] */
      long concurrency = cfg.batch.concurrency, rounds = cfg.batch.max_rounds;
      le_opt_long(L, 3, "concurrency", &concurrency);
      le_opt_long(L, 3, "max_rounds", &rounds);
      le_opt_long(L, 3, "base_delay_ms", &cfg.batch.base_delay_ms);
      le_opt_long(L, 3, "max_delay_ms", &cfg.batch.max_delay_ms);
      le_opt_long(L, 3, "deadline_ms", &cfg.batch.deadline_ms);
      cfg.batch.concurrency = (int)concurrency;
      cfg.batch.max_rounds = (int)rounds;
    }
    lua_pop(L, 1);                                         /* [session, cfg] */
  }
  lua_settop(L, 1);                                        /* [session] */
  engine_box *box = bloopL_newbox(L, sizeof *box, 3, BLOOP_CENGINE_META); /* [session, box] */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  bloop_session s;
  memset(&s, 0, sizeof s);
  s.call = le_session_call;   /* every call is refreshed before use; this makes new() accept */
  s.overrides = le_session_overrides;
  s.ud = box;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_engine_new(&s, &cfg, &box->e, &err) != BLOOP_OK) return le_raise(L, &err);
  return 1;
}

static int le_gc(lua_State *L) {
  engine_box *box = luaL_checkudata(L, 1, BLOOP_CENGINE_META);
  bloop_engine_free(box->e);
  box->e = NULL;
  return 0;
}

/* ce:bind(cmodel, { skip_table_setup=, force=, validate_only= }) -> { created=,
 * already_bound=, stream_arn= }; TableMismatch carries `differences`. */
static int le_bind(lua_State *L) {
  engine_box *box = le_check_engine(L, 1);
  bloop_model *m = bloopL_check_model(L, 2);
  int flags = 0;
  if (lua_istable(L, 3)) {
    lua_getfield(L, 3, "skip_table_setup");
    if (lua_toboolean(L, -1)) flags |= BLOOP_BIND_SKIP_TABLE_SETUP;
    lua_getfield(L, 3, "force");
    if (lua_toboolean(L, -1)) flags |= BLOOP_BIND_FORCE;
    lua_getfield(L, 3, "validate_only");
    if (lua_toboolean(L, -1)) flags |= BLOOP_BIND_VALIDATE_ONLY;
    lua_pop(L, 3);
  }
  /* the report holds malloc'ed text: owned by a userdata while it is copied into Lua */
  bloop_bind_report *r = bloopL_newbox(L, sizeof *r, 0, BLOOP_BIND_REPORT_META);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_engine_bind(box->e, m, flags, r, &err);
  lua_createtable(L, (int)r->difference_count, 0);          /* [.., diffs] */
  for (size_t i = 0; i < r->difference_count; i++) {
    lua_pushstring(L, r->differences[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  int created = r->created, already = r->already_bound;
  if (r->stream_arn) lua_pushstring(L, r->stream_arn);
  else lua_pushnil(L);                                     /* [.., diffs, arn] */
  bloop_bind_report_clear(r);   /* early: __gc finds it empty */
  if (st != BLOOP_OK) {
    bloopL_push_core_error(L, &err, BLOOPL_FROM_ENGINE);   /* [.., diffs, arn, e] */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "differences");
    return lua_error(L);
  }
  lua_createtable(L, 0, 4);                                /* [.., diffs, arn, res] */
  lua_pushboolean(L, created);
  lua_setfield(L, -2, "created");
  lua_pushboolean(L, already);
  lua_setfield(L, -2, "already_bound");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "stream_arn");
  return 1;
}

static int le_report_gc(lua_State *L) {
  bloop_bind_report_clear(luaL_checkudata(L, 1, BLOOP_BIND_REPORT_META));
  return 0;
}

static bloop_sync le_sync_of(lua_State *L, int t) {
  lua_getfield(L, t, "sync");
  const char *s = lua_tostring(L, -1);
  bloop_sync r = BLOOP_SYNC_NONE;
  if (s && strcmp(s, "new") == 0) r = BLOOP_SYNC_NEW;
  else if (s && strcmp(s, "old") == 0) r = BLOOP_SYNC_OLD;
  else if (!lua_isnil(L, -1)) luaL_error(L, "sync must be \"new\", \"old\" or nil");
  lua_pop(L, 1);
  return r;
}

/* t.actions: a list of { column = name, kind = "add" | ..., value = wire }, copied into a
 * (lua/bloop/engine.lua builds it from the object's action columns). */
static const bloop_write_action *le_field_actions(lua_State *L, int t, bloop_arena *a,
                                                  size_t *n) {
  static const char *const kinds[] = {"add", "delete", "append", "prepend", "if_not_exists",
                                      NULL};
  bloop_write_action *acts = NULL;
  *n = 0;
  if (lua_getfield(L, t, "actions") == LUA_TTABLE) {       /* [list] */
    *n = lua_rawlen(L, -1);
    acts = bloopL_arena_alloc(L, a, *n * sizeof *acts);
    for (size_t i = 0; i < *n; i++) {
      lua_rawgeti(L, -1, (lua_Integer)i + 1);              /* [list, action] */
      int e = lua_gettop(L);
      luaL_checktype(L, e, LUA_TTABLE);
      lua_getfield(L, e, "column");
      size_t len;
      const char *col = luaL_checklstring(L, -1, &len);
      if (!(acts[i].column = bloop_arena_memdup(a, col, len + 1))) bloopL_nomem(L);
      lua_getfield(L, e, "kind");
      acts[i].kind = (bloop_action_kind)(luaL_checkoption(L, -1, NULL, kinds) + BLOOP_ACTION_ADD);
      lua_pop(L, 2);
      acts[i].value = bloopL_field_wire(L, e, "value", a);
      lua_pop(L, 1);                                       /* [list] */
    }
  }
  lua_pop(L, 1);
  return acts;
}

void bloopL_write_args(lua_State *L, int t, bloop_arena *a, bloop_write_args *w,
                       const char *what) {
  memset(w, 0, sizeof *w);
  w->model = bloopL_field_model(L, t, "model");
  /* the item a save just dumped, taken as it is rather than read back from its text */
  lua_getfield(L, t, "item");
  w->item = bloopL_dumped_take(L, -1, a);
  /* taken (validated as it was) or read from text (the reader checks every rule) */
  w->item_valid = w->item || lua_type(L, -1) == LUA_TSTRING;
  if (!w->item) w->item = le_opt_wire(L, -1, a, "item");
  lua_pop(L, 1);
  if (!w->item) luaL_error(L, "%s: item is required", what);
  w->previous = bloopL_field_wire(L, t, "previous", a);
  w->cleared = le_field_names(L, t, "cleared", a, &w->cleared_count);
  w->condition = le_field_cond(L, t, "condition");
  lua_getfield(L, t, "atomic");
  w->atomic = lua_toboolean(L, -1);
  lua_pop(L, 1);
  w->sync = le_sync_of(L, t);
  w->actions = le_field_actions(L, t, a, &w->action_count);
}

/* [..] -> [.., result] */
static void le_push_write_result(lua_State *L, const bloop_write_result *r) {
  lua_createtable(L, 0, 2);
  if (r->has_attributes) {
    bloopL_push_wire(L, &r->attributes);
    lua_setfield(L, -2, "attributes");
  }
  if (r->version.type != BLOOP_TYPE_NONE) {
    bloopL_push_wire(L, &r->version);
    lua_setfield(L, -2, "version");
  }
}

static int le_write_op(lua_State *L, int is_delete) {
  engine_box *box = le_check_engine(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  bloop_arena *a = bloopL_push_scratch(L);                 /* [e, args, arena] */
  bloop_write_args w;
  bloopL_write_args(L, 2, a, &w, "engine write");
  bloop_write_result r;
  memset(&r, 0, sizeof r);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = is_delete ? bloop_engine_delete(box->e, &w, &r, a, &err)
                              : bloop_engine_save(box->e, &w, &r, a, &err);
  if (st != BLOOP_OK) return le_raise(L, &err);
  le_push_write_result(L, &r);
  bloopL_scratch_done(L, 3);
  return 1;
}

/* The columns of spec_idx dumped from data_idx into *item (lfast.h), when every one has a
 * value that dumps plainly: 1. Else 0, for the caller's general way. Leaves the stack as
 * it was. */
static int le_dump_whole(lua_State *L, int spec_idx, int data_idx, bloop_arena *a,
                         bloop_value *item) {
  if (!bloopL_fast_dump(L, spec_idx, data_idx, a, item)) return 0;
  int absent = !lua_isnil(L, -1);                  /* [.., absent] */
  lua_pop(L, 1);
  return !absent;
}

/* ce:save_one(model, spec, data, context) -> snapshot, or nil, err | nil: ce:save of one
 * object that was never synced and has no action, condition or option (engine.lua's
 * save_plain, the usual engine:save of a new object), with no argument table, no kept dump
 * and no result table. Every column is dumped here from data through spec (lfast.h); the
 * snapshot returned is the item written. nil and no err: a column has no value or does
 * not dump plainly, and the caller takes the general way, which raises what it always
 * raised and REMOVEs what it must. */
static int le_save_one(lua_State *L) {
  engine_box *box = le_check_engine(L, 1);
  bloop_model *model = bloopL_check_model(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 5);                                /* [e, m, spec, data, ctx] */
  bloop_arena *a = bloopL_push_scratch(L);         /* [.., arena] */
  bloop_value item;
  if (!le_dump_whole(L, 3, 4, a, &item)) {
    bloopL_scratch_done(L, 6);
    return 0;
  }
  /* the compiled dump makes only what the reader would take (lsnapshot.c, the kept dump) */
  bloop_write_args w = {.model = model, .item = &item, .item_valid = 1, .sync = BLOOP_SYNC_NONE};
  bloop_write_result r = {0};
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_engine_save(box->e, &w, &r, a, &err) != BLOOP_OK) {
    lua_pushnil(L);
    bloopL_push_core_error(L, &err, BLOOPL_FROM_ENGINE);
    bloopL_scratch_done(L, 6);
    return 2;
  }
  bloopL_snapshot_push(L, &item);                  /* [.., arena, snapshot] */
  bloopL_scratch_done(L, 6);
  return 1;
}

static int le_save(lua_State *L) { return le_write_op(L, 0); }
static int le_delete(lua_State *L) { return le_write_op(L, 1); }

bloop_load_op *bloopL_load_ops(lua_State *L, int t, bloop_arena *a, size_t *count,
                               const char *what) {
  luaL_checktype(L, t, LUA_TTABLE);
  size_t n = lua_rawlen(L, t);
  bloop_load_op *ops = bloopL_arena_alloc(L, a, n * sizeof *ops);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, t, (lua_Integer)i + 1);
    int e = lua_gettop(L);
    luaL_checktype(L, e, LUA_TTABLE);
    ops[i].model = bloopL_field_model(L, e, "model");
    ops[i].key = bloopL_field_wire(L, e, "key", a);
    if (!ops[i].key) luaL_error(L, "%s: op %d has no key", what, (int)i + 1);
    lua_pop(L, 1);
  }
  *count = n;
  return ops;
}

/* ce:load_one(model, spec, keyspec, data, consistent, context) -> snapshot | false, or
 * nil, err | nil: ce:load for one object whose columns load plainly (engine.lua's
 * load_one, the usual engine:load), with no op table, no key item built in Lua and no
 * result table. The key is dumped here from data through keyspec, the key columns' spec
 * (lfast.h). nil and no err: the key does not dump plainly (a column without a value, a
 * value its type refuses, a type that dumps in Lua); the caller takes ce:load, whose key
 * dump raises what it always raised. */
static int le_load_one(lua_State *L) {
  engine_box *box = le_check_engine(L, 1);
  bloop_model *model = bloopL_check_model(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  luaL_checktype(L, 5, LUA_TTABLE);
  int consistent = lua_toboolean(L, 6);
  lua_settop(L, 7);                                /* [e, m, spec, keyspec, data, c, ctx] */
  bloop_arena *a = bloopL_push_scratch(L);         /* [.., arena] */
  bloop_load_op op = {.model = model, .text_only = 1};   /* the text read below */
  bloop_value key;
  if (!le_dump_whole(L, 4, 5, a, &key)) {
    bloopL_scratch_done(L, 8);
    return 0;
  }
  op.key = &key;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_engine_load(box->e, &op, 1, consistent, a, NULL, &err);
  if (st != BLOOP_OK) {
    lua_pushnil(L);
    bloopL_push_core_error(L, &err, BLOOPL_FROM_ENGINE);
    bloopL_scratch_done(L, 8);
    return 2;
  }
  if (op.outcome != BLOOP_BATCH_FOUND) {
    lua_pushboolean(L, 0);                         /* MISSING: the only other outcome of OK */
    bloopL_scratch_done(L, 8);
    return 1;
  }
  /* the item's text straight into data (lfast.h); else read whole, every rule checked */
  size_t used = 0;
  int block = bloopL_fast_decode(L, 3, op.item_json, op.item_json_len, &used);
  if (block && used == op.item_json_len) {
    bloopL_fast_store(L, -block, 5);
    lua_pushlstring(L, op.item_json, op.item_json_len);
  } else {
    lua_pop(L, block);
    if (bloop_load_op_read(&op, a, &err) != BLOOP_OK) {
      lua_pushnil(L);
      bloopL_push_core_error(L, &err, BLOOPL_FROM_ENGINE);
      bloopL_scratch_done(L, 8);
      return 2;
    }
    bloopL_fill_state(L, &op.item, 3, 5, 7, op.item_json, op.item_json_len);
  }
  bloopL_scratch_done(L, 8);
  return 1;
}

/* ce:load({ {model=, key=, spec=, data=}, ... }, consistent, context) -> { snapshot, false
 * or outcome name, ... }, err: spec is the objects' column spec (lsnapshot.h), data the
 * object's column data or nil; a found item fills data and its result is the item's snapshot
 * (lsnapshot.h), a missing one's is false, one neither found nor missing ("failed",
 * "unprocessed", "pending") names its outcome. err: the call's error object when it failed,
 * else nil; found items are filled either way, so the caller keeps them. */
static int le_load(lua_State *L) {
  engine_box *box = le_check_engine(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  int consistent = lua_toboolean(L, 3);
  lua_settop(L, 4);                                        /* [e, ops, consistent, ctx] */
  bloop_arena *a = bloopL_push_scratch(L);
  size_t n;
  bloop_load_op *ops = bloopL_load_ops(L, 2, a, &n, "engine load");
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_engine_load(box->e, ops, n, consistent, a, NULL, &err);
  lua_createtable(L, (int)n, 0);                           /* [.., res] */
  int res = lua_gettop(L);
  for (size_t i = 0; i < n; i++) {
    if (ops[i].outcome == BLOOP_BATCH_MISSING) {
      lua_pushboolean(L, 0);
    } else if (ops[i].outcome != BLOOP_BATCH_FOUND) {
      lua_pushstring(L, bloop_batch_outcome_name(ops[i].outcome));
    } else {
      lua_rawgeti(L, 2, (lua_Integer)i + 1);
      int op = res + 1;                                    /* [.., res, op] */
      if (lua_getfield(L, op, "spec") != LUA_TTABLE)       /* [.., op, spec] */
        luaL_error(L, "engine load: op %d has no column spec", (int)i + 1);
      lua_getfield(L, op, "data");                         /* [.., op, spec, data] */
      bloopL_fill_state(L, &ops[i].item, op + 1, lua_istable(L, op + 2) ? op + 2 : 0, 4,
                        ops[i].item_json, ops[i].item_json_len);
      lua_replace(L, op);                                  /* [.., res, snapshot, ..] */
      lua_settop(L, op);
    }
    lua_rawseti(L, res, (lua_Integer)i + 1);
  }
  if (st != BLOOP_OK) bloopL_push_core_error(L, &err, BLOOPL_FROM_ENGINE);
  else lua_pushnil(L);
  bloopL_scratch_done(L, 5);
  return 2;
}

/* Reads the lists models (CModels) at mt and items at it into compact entries
 * (engine_batch.h: no bloop_error each, which for 20,000 objects was 27 MB to fault in).
 * An item given as snapshot text (a save) is read with the JSON reader, which checks every
 * rule, and the text itself goes on as the entry's json, so the engine does not encode it
 * again: the entry borrows the string, which the list at it keeps alive for the call. */
static bloopi_batch_entry *le_batch_items(lua_State *L, int mt, int it, int is_delete,
                                          bloop_arena *a, size_t *count) {
  luaL_checktype(L, mt, LUA_TTABLE);
  luaL_checktype(L, it, LUA_TTABLE);
  size_t n = lua_rawlen(L, it);
  if (lua_rawlen(L, mt) != n) luaL_error(L, "engine batch: as many models as items expected");
  bloopi_batch_entry *ents = bloopL_arena_alloc(L, a, n * sizeof *ents);
  const void *last = NULL;       /* the CModel box read last: its model is checked once */
  const bloop_model *last_model = NULL;
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, mt, (lua_Integer)i + 1);                /* [.., cmodel] */
    if (!last || lua_topointer(L, -1) != last) {
      last_model = bloopL_check_model(L, -1);
      last = lua_topointer(L, -1);
    }
    ents[i].model = last_model;
    lua_rawgeti(L, it, (lua_Integer)i + 1);                /* [.., cmodel, item] */
    if (!is_delete && lua_type(L, -1) == LUA_TSTRING)
      ents[i].json = lua_tolstring(L, -1, &ents[i].json_len);
    ents[i].item = le_opt_wire(L, -1, a, "item");
    if (!ents[i].item) luaL_error(L, "engine batch: entry %d has no item", (int)i + 1);
    lua_pop(L, 2);
  }
  *count = n;
  return ents;
}

/* ce:batch(is_delete, models, items) -> { outcome name, ... }, err: models[i] (a CModel)
 * and items[i] (a snapshot or wire item) are one entry; every entry's outcome ("done",
 * "unprocessed", "failed", "pending") and, when the call failed, its error object (else
 * nil). It does not raise on a failed entry: the caller must learn which entries were
 * written before it raises (engine.lua lists the rest on the error). */
static int le_batch(lua_State *L) {
  engine_box *box = le_check_engine(L, 1);
  int is_delete = lua_toboolean(L, 2);
  lua_settop(L, 4);                                        /* [e, del, models, items] */
  bloop_arena *a = bloopL_push_arena(L);
  size_t n;
  bloopi_batch_entry *ents = le_batch_items(L, 3, 4, is_delete, a, &n);
  bloop_error err = BLOOP_ERROR_INIT;
  /* the entries' errors go to the call's arena */
  bloop_status st = bloopi_engine_batch(box->e, ents, n, is_delete, a, NULL, &err);
  int failed = 0;
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, bloop_batch_outcome_name(ents[i].outcome));
    lua_rawseti(L, -2, (lua_Integer)i + 1);
    failed |= ents[i].outcome != BLOOP_BATCH_DONE && ents[i].outcome != BLOOP_BATCH_UNPROCESSED;
  }
  /* Unprocessed-only is a normal answer (the objects are returned); anything else fails. */
  if (st != BLOOP_OK && failed) bloopL_push_core_error(L, &err, BLOOPL_FROM_ENGINE);
  else lua_pushnil(L);
  return 2;
}

/* ---- searches ---------------------------------------------------------------------------- */

/* Reads { mode=, model=, index=, key=, filter=, projection=, columns=, limit=, consistent=,
 * descending=, segment=, total=, segments= } at t. Strings stay alive in the table. */
static void le_search_args(lua_State *L, int t, bloop_arena *a, bloop_search_args *s) {
  memset(s, 0, sizeof *s);
  lua_getfield(L, t, "mode");
  const char *mode = lua_tostring(L, -1);
  s->mode = mode && strcmp(mode, "scan") == 0 ? BLOOP_SEARCH_SCAN : BLOOP_SEARCH_QUERY;
  lua_pop(L, 1);
  s->model = bloopL_field_model(L, t, "model");
  lua_getfield(L, t, "index");
  s->index = lua_tostring(L, -1);
  lua_pop(L, 1);
  s->key = le_field_cond(L, t, "key");
  s->filter = le_field_cond(L, t, "filter");
  lua_getfield(L, t, "projection");
  const char *p = lua_tostring(L, -1);
  s->projection = !p || strcmp(p, "all") == 0 ? BLOOP_SEARCH_ALL
                : strcmp(p, "keys") == 0 ? BLOOP_SEARCH_KEYS
                : strcmp(p, "count") == 0 ? BLOOP_SEARCH_COUNT : BLOOP_SEARCH_COLUMNS;
  lua_pop(L, 1);
  s->columns = le_field_names(L, t, "columns", a, &s->column_count);
  lua_getfield(L, t, "limit");
  s->limit = (size_t)luaL_optinteger(L, -1, 0);
  lua_getfield(L, t, "consistent");
  s->consistent = lua_toboolean(L, -1);
  lua_getfield(L, t, "descending");
  s->descending = lua_toboolean(L, -1);
  lua_getfield(L, t, "segment");
  s->segment = (int)luaL_optinteger(L, -1, 0);
  lua_getfield(L, t, "total");
  s->total_segments = (int)luaL_optinteger(L, -1, 0);
  lua_getfield(L, t, "page_size");
  s->page_size = (size_t)luaL_optinteger(L, -1, 0);
  lua_getfield(L, t, "segments");
  s->segments = (int)luaL_optinteger(L, -1, 0);
  lua_pop(L, 7);
}

/* ce:search(args) -> CSearch */
static int le_search(lua_State *L) {
  engine_box *box = le_check_engine(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  search_box *sb = bloopL_newbox(L, sizeof *sb, 2, BLOOP_CSEARCH_META);  /* [e, args, sb] */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  lua_getfield(L, 2, "model");
  lua_setiuservalue(L, -2, 2);
  bloop_arena *a = bloopL_push_arena(L);                        /* [e, args, sb, scratch] */
  bloop_search_args s;
  le_search_args(L, 2, a, &s);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_search_new(box->e, &s, &sb->s, &err) != BLOOP_OK) return le_raise(L, &err);
  lua_pop(L, 1);                                           /* [e, args, sb] */
  return 1;
}

static search_box *le_check_search_for(lua_State *L, int idx, int fetch) {
  search_box *sb = luaL_checkudata(L, idx, BLOOP_CSEARCH_META);
  if (!sb->s) luaL_error(L, "attempt to use a closed bloop.CSearch");
  /* the engine's session must point at this state's clients before a page is fetched */
  if (fetch) {
    lua_getiuservalue(L, idx, 1);
    le_check_engine(L, lua_gettop(L));
    lua_pop(L, 1);
  }
  return sb;
}

static search_box *le_check_search(lua_State *L, int idx) {
  return le_check_search_for(L, idx, 1);
}

/* [] -> [obj]: a fresh object from init; returns the index of its column data table (made
 * with room for every column when init left it empty), or 0 when key_idx is 0 or nil.
 * [obj, data] then. layout_idx: not 0 when init is model.lua's default, whose objects are
 * then made here (lobject.h). */
static int le_new_object(lua_State *L, int init_idx, int spec_idx, int key_idx,
                         int layout_idx) {
  if (layout_idx && key_idx && !lua_isnil(L, key_idx))
    return bloopL_object_layout(L, layout_idx, key_idx, (int)lua_rawlen(L, spec_idx), 0);
  lua_pushvalue(L, init_idx);
  lua_call(L, 0, 1);                                       /* [obj] */
  int obj = lua_gettop(L);
  int data = 0;
  if (key_idx && !lua_isnil(L, key_idx)) {
    lua_pushvalue(L, key_idx);                             /* [obj, DATA] */
    if (lua_type(L, obj) != LUA_TTABLE || lua_rawget(L, obj) != LUA_TTABLE)
      luaL_error(L, "bloop: a model's init() made an object without column data");
    data = lua_gettop(L);
    /* A fresh object's column table is empty: one sized for every column at once, so
     * filling it does not grow it 1 -> 2 -> 4 -> 8 (each growth a rehash; together about
     * a seventh of a query item's instructions). */
    lua_pushnil(L);
    if (lua_next(L, data)) {
      lua_pop(L, 2);
    } else {
      lua_createtable(L, 0, (int)lua_rawlen(L, spec_idx));  /* [obj, empty, data] */
      lua_pushvalue(L, key_idx);
      lua_pushvalue(L, -2);
      lua_rawset(L, obj);
      lua_replace(L, data);                                /* [obj, data] */
    }
  }
  return data;
}

/* [] -> [obj, snapshot]: a fresh object from init (a Meta.init) filled from item through
 * the column spec at spec_idx, and its snapshot (lsnapshot.h). key_idx: the key of the
 * object's column data table (bloop.column's DATA); 0 or nil fills nothing (a Column class
 * that stores on its own: the Lua layer loads through it). */
static void le_push_loaded(lua_State *L, const bloop_value *item, const char *text,
                        size_t text_len, int init_idx, int spec_idx, int ctx_idx, int key_idx) {
  int data = le_new_object(L, init_idx, spec_idx, key_idx, 0);  /* [obj, data?] */
  bloopL_fill_state(L, item, spec_idx, data, ctx_idx, text, text_len); /* [obj, data?, snap] */
  if (data) lua_remove(L, data);
}

/* le_search_next for objects whose column data C fills (key_idx not nil): the item's text
 * read straight into the object when it can be (lfast.h), else the item read and loaded
 * as le_push_loaded does. [] -> [obj, snapshot], or [nil] at the end. */
static int le_search_next_fast(lua_State *L, search_box *sb, int spec_idx, int ctx_idx,
                               int init_idx, int key_idx, int layout_idx) {
  const char *text;
  size_t len;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_search_next_text(sb->s, &text, &len, &err) != BLOOP_OK) return le_raise(L, &err);
  if (!text) {
    lua_pushnil(L);
    return 1;
  }
  luaL_checktype(L, spec_idx, LUA_TTABLE);
  size_t used = 0;
  int n = bloopL_fast_decode(L, spec_idx, text, len, &used);    /* [block?] */
  if (n) {
    bloop_search_item_end(sb->s, used);
    int block = lua_gettop(L) - n + 1;
    int data = le_new_object(L, init_idx, spec_idx, key_idx, layout_idx); /* [block, obj, data] */
    lua_rotate(L, block, -n);                               /* [obj, data, block] */
    bloopL_fast_store(L, block + 2, data - n);              /* [obj, data] */
    lua_pushlstring(L, text, used);
    lua_remove(L, -2);                                      /* [obj, snapshot] */
    return 2;
  }
  const bloop_value *item = NULL;
  if (bloop_search_item(sb->s, &item, &err) != BLOOP_OK) return le_raise(L, &err);
  text = bloop_search_item_json(sb->s, &len);
  le_push_loaded(L, item, text, len, init_idx, spec_idx, ctx_idx, key_idx);
  return 2;
}

/* s:next(spec, context, init, DATA [, layout]) -> obj, snapshot (see le_push_loaded), or
 * nil; layout: see le_new_object */
static int le_search_next(lua_State *L) {
  /* most calls take the next item of the page in hand: the session (which the engine's
   * requests go through) is refreshed only for one that fetches a page */
  search_box *sb = luaL_checkudata(L, 1, BLOOP_CSEARCH_META);
  sb = le_check_search_for(L, 1, !sb->s || bloop_search_will_fetch(sb->s));
  lua_settop(L, 6);
  lua_getiuservalue(L, 1, 1);                              /* keep the engine box on the stack */
  engine_box *box = lua_touserdata(L, -1);
  if (!box->e) luaL_error(L, "attempt to use a closed bloop.CEngine");
  box->L = L;
  box->index = lua_gettop(L);
  if (!lua_isnoneornil(L, 5))
    return le_search_next_fast(L, sb, 2, 3, 4, 5, lua_istable(L, 6) ? 6 : 0);
  const bloop_value *item = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_search_next(sb->s, &item, &err) != BLOOP_OK) return le_raise(L, &err);
  if (!item) {
    lua_pushnil(L);
    return 1;
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  size_t text_len;
  const char *text = bloop_search_item_json(sb->s, &text_len);
  le_push_loaded(L, item, text, text_len, 4, 2, 3, 5);
  return 2;
}

static int le_search_reset(lua_State *L) {
  bloop_search_reset(le_check_search(L, 1)->s);
  return 0;
}

static int le_search_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)bloop_search_count(le_check_search(L, 1)->s));
  return 1;
}

static int le_search_scanned(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)bloop_search_scanned(le_check_search(L, 1)->s));
  return 1;
}

static int le_search_exhausted(lua_State *L) {
  lua_pushboolean(L, bloop_search_exhausted(le_check_search(L, 1)->s));
  return 1;
}

/* s:columns() -> { column name, ... } the items' projected columns */
static int le_search_columns(lua_State *L) {
  size_t n = 0;
  const bloop_column *const *cols = bloop_search_columns(le_check_search(L, 1)->s, &n);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, cols[i]->name);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int le_search_consumed(lua_State *L) {
  lua_pushnumber(L, (lua_Number)bloop_search_consumed(le_check_search(L, 1)->s));
  return 1;
}

static int le_search_will_fetch(lua_State *L) {
  lua_pushboolean(L, bloop_search_will_fetch(le_check_search(L, 1)->s));
  return 1;
}

static int le_search_page_left(lua_State *L) {
  lua_pushinteger(L, bloop_search_page_left(le_check_search(L, 1)->s));
  return 1;
}

static int le_search_at_end(lua_State *L) {
  lua_pushboolean(L, bloop_search_at_end(le_check_search(L, 1)->s));
  return 1;
}

/* s:item_key() -> the ExclusiveStartKey after the last item, as JSON text */
static int le_search_item_key(lua_State *L) {
  search_box *sb = le_check_search(L, 1);
  bloop_buf *out = bloopL_push_buf(L);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_search_item_key(sb->s, out, &err);
  if (st == BLOOP_OK && out->failed)
    st = bloop_error_set(&err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  if (st == BLOOP_OK) lua_pushlstring(L, out->data, out->len);
  bloop_buf_free(out);
  if (st != BLOOP_OK) return le_raise(L, &err);
  return 1;
}

/* s:start_after(json text or nil): the ExclusiveStartKey to start from; resets. */
static int le_search_start_after(lua_State *L) {
  search_box *sb = le_check_search(L, 1);
  bloop_arena *a = bloopL_push_arena(L);
  const bloop_value *key = le_opt_wire(L, 2, a, "start");
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_search_start_after(sb->s, key, &err) != BLOOP_OK) return le_raise(L, &err);
  return 0;
}

/* s:pace(on): one request per next (a rate limiter waits before each) */
static int le_search_pace(lua_State *L) {
  bloop_search_pace(le_check_search(L, 1)->s, lua_toboolean(L, 2));
  return 0;
}

static int le_search_segments(lua_State *L) {
  lua_pushinteger(L, bloop_search_segments(le_check_search(L, 1)->s));
  return 1;
}

static const char *const positions[] = {"start", "after", "done", NULL};

/* s:segment_position(k) -> "start" | "done" | the ExclusiveStartKey as JSON text */
static int le_search_segment_position(lua_State *L) {
  search_box *sb = le_check_search(L, 1);
  int k = (int)luaL_checkinteger(L, 2);
  bloop_buf *out = bloopL_push_buf(L);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_segment_position pos = BLOOP_SEGMENT_START;
  bloop_status st = bloop_search_segment_position(sb->s, k, &pos, out, &err);
  if (st == BLOOP_OK && out->failed)
    st = bloop_error_set(&err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  if (st == BLOOP_OK && pos == BLOOP_SEGMENT_AFTER) lua_pushlstring(L, out->data, out->len);
  else if (st == BLOOP_OK) lua_pushstring(L, positions[pos]);
  bloop_buf_free(out);
  if (st != BLOOP_OK) return le_raise(L, &err);
  return 1;
}

/* s:segment_start(k, "start" | "done" | key JSON text): where segment k starts; resets. */
static int le_search_segment_start(lua_State *L) {
  search_box *sb = le_check_search(L, 1);
  int k = (int)luaL_checkinteger(L, 2);
  const char *p = luaL_checkstring(L, 3);
  bloop_segment_position pos = strcmp(p, "start") == 0 ? BLOOP_SEGMENT_START
                             : strcmp(p, "done") == 0 ? BLOOP_SEGMENT_DONE : BLOOP_SEGMENT_AFTER;
  bloop_arena *a = bloopL_push_arena(L);
  const bloop_value *key = pos == BLOOP_SEGMENT_AFTER ? le_opt_wire(L, 3, a, "start") : NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_search_segment_start(sb->s, k, pos, key, &err) != BLOOP_OK) return le_raise(L, &err);
  return 0;
}

static int le_search_gc(lua_State *L) {
  search_box *sb = luaL_checkudata(L, 1, BLOOP_CSEARCH_META);
  bloop_search_free(sb->s);
  sb->s = NULL;
  return 0;
}

/* ---- explain ----------------------------------------------------------------------------- */

/* ce:explain(op, args) -> the decoded explanation(s): save/delete take write args, load a
 * list of {model=, key=} (args.ops) and args.consistent, batch_save/batch_delete the lists
 * args.models and args.items (as ce:batch), bind {model=}, query/scan search args. */
static int le_explain(lua_State *L) {
  static const char *const ops[] = {"save", "delete", "load", "batch_save", "batch_delete",
                                    "bind", "search", NULL};
  engine_box *box = le_check_engine(L, 1);
  int op = luaL_checkoption(L, 2, NULL, ops);
  luaL_checktype(L, 3, LUA_TTABLE);
  bloop_arena *a = bloopL_push_arena(L);
  bloop_buf *out = bloopL_push_buf(L);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = BLOOP_OK;
  bloop_write_args w;
  bloop_search_args s;
  size_t n;
  switch (op) {
    case 0:
    case 1:
      bloopL_write_args(L, 3, a, &w, "engine write");
      st = op == 0 ? bloop_engine_explain_save(box->e, &w, out, &err)
                   : bloop_engine_explain_delete(box->e, &w, out, &err);
      break;
    case 2: {
      lua_getfield(L, 3, "ops");
      bloop_load_op *lops = bloopL_load_ops(L, lua_gettop(L), a, &n, "engine explain");
      lua_getfield(L, 3, "consistent");
      int consistent = lua_toboolean(L, -1);
      lua_pop(L, 2);
      st = bloop_engine_explain_load(box->e, lops, n, consistent, out, &err);
      break;
    }
    case 3:
    case 4: {
      lua_getfield(L, 3, "models");
      lua_getfield(L, 3, "items");
      bloopi_batch_entry *ents = le_batch_items(L, lua_gettop(L) - 1, lua_gettop(L), op == 4,
                                                a, &n);
      st = bloopi_engine_explain_batch(ents, n, op == 4, out, &err);
      lua_pop(L, 2);   /* after: the entries borrow its strings */
      break;
    }
    case 5:
      st = bloop_engine_explain_bind(box->e, bloopL_field_model(L, 3, "model"), out, &err);
      break;
    default:
      le_search_args(L, 3, a, &s);
      st = bloop_engine_explain_search(box->e, &s, out, &err);
      break;
  }
  if (st == BLOOP_OK && out->failed)
    st = bloop_error_set(&err, BLOOP_ENOMEM, "OutOfMemory", "explain: out of memory");
  int ok = st == BLOOP_OK && bloopL_push_json(L, out->data, out->len);
  bloop_buf_free(out);  /* early: __gc finds it empty */
  if (st != BLOOP_OK) return le_raise(L, &err);
  if (!ok) return luaL_error(L, "explain: the engine wrote invalid JSON");
  return 1;
}

/* ---- helpers without an engine ------------------------------------------------------------ */

/* core.sleep(seconds): blocks this thread; interrupted sleeps resume. */
static int le_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s < 3600, 1, "seconds must be in [0, 3600)");
  bloopi_sleep_us((long long)(s * 1e6));
  return 0;
}

/* core.monotonic(): seconds from an arbitrary origin, for deadlines. */
static int le_monotonic(lua_State *L) {
  lua_pushnumber(L, (lua_Number)bloopi_now_us() / 1e6);
  return 1;
}

/* ce:meter(on): see bloop_engine_meter; ce:metered() -> units since */
static int le_meter(lua_State *L) {
  bloop_engine_meter(le_check_engine(L, 1)->e, lua_toboolean(L, 2));
  return 0;
}

static int le_metered(lua_State *L) {
  lua_pushnumber(L, (lua_Number)bloop_engine_metered(le_check_engine(L, 1)->e));
  return 1;
}

/* core.cursor_key(secret) -> a "bloop.CursorKey" holding the secret in C memory: no method
 * reads it back, __gc wipes it. */
typedef struct cursor_key {
  size_t len;
  unsigned char bytes[];
} cursor_key;

static int le_cursor_key(lua_State *L) {
  size_t len;
  const char *k = luaL_checklstring(L, 1, &len);
  luaL_argcheck(L, len > 0, 1, "cursor_key must not be empty");
  cursor_key *ck = lua_newuserdatauv(L, sizeof *ck + len, 0);
  ck->len = len;
  memcpy(ck->bytes, k, len);
  luaL_setmetatable(L, BLOOP_CURSOR_KEY_META);
  return 1;
}

static int le_cursor_key_gc(lua_State *L) {
  cursor_key *ck = luaL_checkudata(L, 1, BLOOP_CURSOR_KEY_META);
  volatile unsigned char *p = ck->bytes;
  for (size_t i = 0; i < ck->len; i++) p[i] = 0;
  ck->len = 0;
  return 0;
}

/* core.cursor_tag(data [, CursorKey]) -> 32 raw bytes: HMAC-SHA256 under the key, or
 * SHA-256 without one. */
static int le_cursor_tag(lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  const cursor_key *ck = lua_isnoneornil(L, 2) ? NULL
                                               : luaL_checkudata(L, 2, BLOOP_CURSOR_KEY_META);
  unsigned char out[32];
  if (!bloop_hmac_sha256(ck ? ck->bytes : NULL, ck ? ck->len : 0, data, len, out))
    return luaL_error(L, "cursor_tag: the digest failed");
  lua_pushlstring(L, (const char *)out, sizeof out);
  return 1;
}

static int le_cursor_key_tostring(lua_State *L) {
  lua_pushliteral(L, "bloop.CursorKey");
  return 1;
}

static const luaL_Reg engine_methods[] = {
    {"bind", le_bind},   {"save", le_save},       {"delete", le_delete},
    {"load", le_load},   {"load_one", le_load_one},
    {"save_one", le_save_one},   {"batch", le_batch},     {"search", le_search},
    {"explain", le_explain}, {"meter", le_meter}, {"metered", le_metered},
    {"close", le_gc},    {NULL, NULL}};
static const luaL_Reg engine_meta[] = {{"__gc", le_gc}, {"__close", le_gc}, {NULL, NULL}};

static const luaL_Reg search_methods[] = {
    {"next", le_search_next},           {"reset", le_search_reset},
    {"count", le_search_count},         {"scanned", le_search_scanned},
    {"exhausted", le_search_exhausted}, {"columns", le_search_columns},
    {"consumed", le_search_consumed},   {"will_fetch", le_search_will_fetch},
    {"page_left", le_search_page_left}, {"at_end", le_search_at_end},
    {"item_key", le_search_item_key},   {"start_after", le_search_start_after},
    {"pace", le_search_pace},           {"segments", le_search_segments},
    {"segment_position", le_search_segment_position},
    {"segment_start", le_search_segment_start},
    {"close", le_search_gc},            {NULL, NULL}};
static const luaL_Reg search_meta[] = {
    {"__gc", le_search_gc}, {"__close", le_search_gc}, {NULL, NULL}};
static const luaL_Reg report_meta[] = {{"__gc", le_report_gc}, {NULL, NULL}};
static const luaL_Reg cursor_key_meta[] = {
    {"__gc", le_cursor_key_gc}, {"__tostring", le_cursor_key_tostring}, {NULL, NULL}};

int bloopL_open_engine(lua_State *L) {
  bloopL_createmeta(L, BLOOP_CENGINE_META, engine_methods, engine_meta);   /* [core] */
  bloopL_createmeta(L, BLOOP_CSEARCH_META, search_methods, search_meta);
  bloopL_createmeta(L, BLOOP_BIND_REPORT_META, NULL, report_meta);
  bloopL_createmeta(L, BLOOP_CURSOR_KEY_META, NULL, cursor_key_meta);
  lua_pushcfunction(L, le_cursor_key);
  lua_setfield(L, -2, "cursor_key");
  lua_pushcfunction(L, le_cursor_tag);
  lua_setfield(L, -2, "cursor_tag");
  lua_pushcfunction(L, le_new);
  lua_setfield(L, -2, "engine_new");
  lua_pushcfunction(L, le_sleep);
  lua_setfield(L, -2, "sleep");
  lua_pushcfunction(L, le_monotonic);
  lua_setfield(L, -2, "monotonic");
  return 0;
}

/* lengine.h: the engine of a CEngine box for ltxn.c / lstream.c, its session pointed at L
 * (the box must stay at idx for the duration of the call). */
bloop_engine *bloopL_engine_checked(lua_State *L, int idx) { return le_check_engine(L, idx)->e; }
