/*
 * lengine.h: the Lua face of the C engine (include/bloop/engine.h): core.engine_new(session)
 * -> a "bloop.CEngine" userdata, its searches ("bloop.CSearch"), and core.sleep /
 * core.monotonic; and what other binding files (ltxn.c, lstream.c) take from lengine.c:
 * the C engine under a CEngine box, with its session pointed at the running Lua state (as
 * every engine method does before calling the core), and the readers of the argument
 * tables that engine.lua builds for writes and loads, so a transaction reads its actions
 * exactly as a save or delete reads its arguments.
 *
 * Owns: converting wire-form Lua tables ({M = {...}}, lwire.h) into bloop_values and back,
 * Conditions (lcond.h) and CModels (lmodel.h) into engine arguments, engine errors into
 * bloop error objects, and the session: each engine call reads the Lua session table
 * (engine.session) afresh; an operation goes to the native client underneath
 * `dynamodb_client` unless a Lua layer on top of it overrides that operation (a table
 * holding the snake_case method, as bloop.wrap_client builds), in which case it is routed
 * through Lua (request decoded to a table, method called, answer encoded back).
 * Does not own: any policy (requests, validation, retries, batching: the C engine), objects,
 * change tracking or signals (lua/bloop/engine.lua). The engine stays owned by its box.
 */
#ifndef BLOOP_LUA_LENGINE_H
#define BLOOP_LUA_LENGINE_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/engine.h"

/* Raises when idx is not an open CEngine. The box must stay at idx while the engine is
 * used: the session callbacks find it there. */
BLOOPI_FUNC bloop_engine *bloopL_engine_checked(lua_State *L, int idx);

/* t[k] as a wire value copied into a, or NULL when t[k] is nil; raises on a bad value. */
BLOOPI_FUNC const bloop_value *bloopL_field_wire(lua_State *L, int t, const char *k,
                                                 bloop_arena *a);

/* t[k] as a bound C model; raises when it is not one. The model stays referenced by t. */
BLOOPI_FUNC bloop_model *bloopL_field_model(lua_State *L, int t, const char *k);

/* Reads the load ops { {model=, key=}, ... } at t (keys copied into a); `what` names the
 * call in errors ("engine load", "transaction"). */
BLOOPI_FUNC bloop_load_op *bloopL_load_ops(lua_State *L, int t, bloop_arena *a,
                                           size_t *count, const char *what);

/* Reads { model=, item=, previous=, cleared={names}, condition=, atomic=, sync= } at t
 * into w (values copied into a, the condition borrowed from t). `what` names the write in
 * the error raised when item is missing ("engine write", "transaction action 2"). */
BLOOPI_FUNC void bloopL_write_args(lua_State *L, int t, bloop_arena *a, bloop_write_args *w,
                                   const char *what);

#endif
