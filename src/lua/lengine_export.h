/*
 * lengine_export.h: what other binding files (ltxn.c) take from lengine.c: the C engine
 * under a "bloop.CEngine" box, with its session pointed at the running Lua state (as every
 * engine method does before calling the core), and the readers of the argument tables that
 * engine.lua builds for writes and loads, so a transaction reads its actions exactly as a
 * save or delete reads its arguments.
 * Owns nothing; the engine stays owned by its box.
 */
#ifndef BLOOP_LUA_LENGINE_EXPORT_H
#define BLOOP_LUA_LENGINE_EXPORT_H

#include <lua.h>

#include "bloop/engine.h"

/* Raises when idx is not an open CEngine. The box must stay at idx while the engine is
 * used: the session callbacks find it there. */
bloop_engine *bloopL_engine_checked(lua_State *L, int idx);

/* t[k] as a wire value copied into a, or NULL when t[k] is nil; raises on a bad value. */
const bloop_value *bloopL_field_wire(lua_State *L, int t, const char *k, bloop_arena *a);

/* t[k] as a bound C model; raises when it is not one. The model stays referenced by t. */
bloop_model *bloopL_field_model(lua_State *L, int t, const char *k);

/* Reads the load ops { {model=, key=}, ... } at t (keys copied into a); `what` names the
 * call in errors ("engine load", "transaction"). */
bloop_load_op *bloopL_load_ops(lua_State *L, int t, bloop_arena *a, size_t *count,
                               const char *what);

/* Reads { model=, item=, previous=, cleared={names}, condition=, atomic=, sync= } at t
 * into w (values copied into a, the condition borrowed from t). `what` names the write in
 * the error raised when item is missing ("engine write", "transaction action 2"). */
void bloopL_write_args(lua_State *L, int t, bloop_arena *a, bloop_write_args *w,
                       const char *what);

#endif
