/*
 * lstream.c: stream readers for Lua (include/bloop/stream.h), used by lua/bloop/stream.lua.
 *
 *   core.stream_new(cengine, arn, { calls_to_reach_head=, limit= }?) -> CStream
 *   cs:move_to("trim_horizon" | "latest") / cs:move_to_time(microseconds) /
 *   cs:move_to_token(json)
 *   cs:next() -> nil | { shard_id=, event_id=, event_name=, event_version=,
 *                        sequence_number=, created_at_us=, view_type=, keys=, old=, new= }
 *                (keys/old/new: wire items, absent when the record has none)
 *   cs:heartbeat(), cs:token() -> JSON text, cs:calls() -> requests sent, cs:close()
 *
 * Ownership: a "bloop.CStream" box owns its bloop_stream (freed by __gc / close, box set to
 * NULL); user value 1 is the CEngine box, which keeps the engine the stream borrows alive.
 * Every call checks that engine afresh (it raises once the engine is closed) and points
 * its session at the running state. A record is copied into Lua before anything can raise.
 */
#include <string.h>

#include "bloop/stream.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/lengine.h"
#include "lua/lwire.h"

typedef struct stream_box {
  bloop_stream *s;
} stream_box;

/* [.. box ..] -> [.. box .., cengine]; returns the stream. */
static bloop_stream *lst_check(lua_State *L, bloop_engine **e) {
  stream_box *b = luaL_checkudata(L, 1, BLOOP_CSTREAM_META);
  if (!b->s) luaL_error(L, "attempt to use a closed bloop.CStream");
  lua_getiuservalue(L, 1, 1);
  *e = bloopL_engine_checked(L, lua_gettop(L));
  return b->s;
}

static int lst_raise(lua_State *L, const bloop_error *err) {
  return bloopL_raise_core_error(L, err, BLOOPL_FROM_STREAM);
}

static int lst_new(lua_State *L) {
  luaL_checkudata(L, 1, BLOOP_CENGINE_META);
  const char *arn = luaL_checkstring(L, 2);
  bloop_stream_config cfg;
  bloop_stream_config_init(&cfg);
  if (lua_istable(L, 3)) {
    lua_getfield(L, 3, "calls_to_reach_head");
    cfg.calls_to_reach_head = (int)luaL_optinteger(L, -1, cfg.calls_to_reach_head);
    lua_getfield(L, 3, "limit");
    cfg.limit = (int)luaL_optinteger(L, -1, 0);
    lua_pop(L, 2);
  }
  bloop_engine *e = bloopL_engine_checked(L, 1);
  stream_box *b = bloopL_newbox(L, sizeof *b, 1, BLOOP_CSTREAM_META);   /* [.., box] */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_new(e, arn, &cfg, &b->s, &err)) return lst_raise(L, &err);
  return 1;
}

static int lst_move_to(lua_State *L) {
  bloop_engine *e;
  bloop_stream *s = lst_check(L, &e);
  static const char *const pos[] = {"trim_horizon", "latest", NULL};
  int which = luaL_checkoption(L, 2, NULL, pos);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = which == 0 ? bloop_stream_move_to_trim_horizon(s, &err)
                               : bloop_stream_move_to_latest(s, &err);
  if (st) return lst_raise(L, &err);
  return 0;
}

static int lst_move_to_time(lua_State *L) {
  bloop_engine *e;
  bloop_stream *s = lst_check(L, &e);
  lua_Integer us = luaL_checkinteger(L, 2);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_move_to_time(s, (int64_t)us, &err)) return lst_raise(L, &err);
  return 0;
}

static int lst_move_to_token(lua_State *L) {
  bloop_engine *e;
  bloop_stream *s = lst_check(L, &e);
  size_t len;
  const char *json = luaL_checklstring(L, 2, &len);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_move_to_token(s, json, len, &err)) return lst_raise(L, &err);
  return 0;
}

static void lst_set_str(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v ? v : "");
  lua_setfield(L, -2, k);
}

static void lst_set_item(lua_State *L, const char *k, const bloop_value *v) {
  if (!v) return;
  bloopL_push_wire(L, v);
  lua_setfield(L, -2, k);
}

static int lst_next(lua_State *L) {
  bloop_engine *e;
  bloop_stream *s = lst_check(L, &e);
  const bloop_stream_record *r;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_next(s, &r, &err)) return lst_raise(L, &err);
  if (!r) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 10);
  lst_set_str(L, "shard_id", r->shard_id);
  lst_set_str(L, "event_id", r->event_id);
  lst_set_str(L, "event_name", r->event_name);
  lst_set_str(L, "event_version", r->event_version);
  lst_set_str(L, "sequence_number", r->sequence_number);
  lst_set_str(L, "view_type", r->view_type);
  lua_pushinteger(L, (lua_Integer)r->created_at_us);
  lua_setfield(L, -2, "created_at_us");
  lst_set_item(L, "keys", r->keys);
  lst_set_item(L, "old", r->old_image);
  lst_set_item(L, "new", r->new_image);
  return 1;
}

static int lst_heartbeat(lua_State *L) {
  bloop_engine *e;
  bloop_stream *s = lst_check(L, &e);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_heartbeat(s, &err)) return lst_raise(L, &err);
  return 0;
}

static int lst_token(lua_State *L) {
  stream_box *b = luaL_checkudata(L, 1, BLOOP_CSTREAM_META);
  if (!b->s) return luaL_error(L, "attempt to use a closed bloop.CStream");
  bloop_buf *out = bloopL_push_buf(L);                      /* [cs, buf] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_stream_token(b->s, out, &err)) return lst_raise(L, &err);
  lua_pushlstring(L, out->data ? out->data : "", out->len); /* [cs, buf, token] */
  bloop_buf_free(out);
  return 1;
}

static int lst_calls(lua_State *L) {
  stream_box *b = luaL_checkudata(L, 1, BLOOP_CSTREAM_META);
  lua_pushinteger(L, b->s ? (lua_Integer)bloop_stream_calls(b->s) : 0);
  return 1;
}

static int lst_gc(lua_State *L) {
  stream_box *b = luaL_checkudata(L, 1, BLOOP_CSTREAM_META);
  bloop_stream_free(b->s);
  b->s = NULL;
  return 0;
}

static const luaL_Reg stream_methods[] = {
    {"move_to", lst_move_to},   {"move_to_time", lst_move_to_time},
    {"move_to_token", lst_move_to_token}, {"next", lst_next},
    {"heartbeat", lst_heartbeat}, {"token", lst_token},
    {"calls", lst_calls},       {"close", lst_gc},
    {NULL, NULL}};

static const luaL_Reg stream_meta[] = {{"__gc", lst_gc}, {"__close", lst_gc}, {NULL, NULL}};

int bloopL_open_stream(lua_State *L) {
  bloopL_createmeta(L, BLOOP_CSTREAM_META, stream_methods, stream_meta);   /* [core] */
  lua_pushcfunction(L, lst_new);
  lua_setfield(L, -2, "stream_new");
  return 0;
}
