/*
 * lengine.h: the Lua face of the C engine (include/bloop/engine.h): core.engine_new(session)
 * -> a "bloop.CEngine" userdata, its searches ("bloop.CSearch"), and core.sleep /
 * core.monotonic.
 *
 * Owns: converting wire-form Lua tables ({M = {...}}, ltypes.h) into bloop_values and back,
 * Conditions (lcond.h) and CModels (lmodel.h) into engine arguments, engine errors into
 * bloop error objects, and the session: each engine call reads the Lua session table
 * (engine.session) afresh; an operation goes to the native client underneath
 * `dynamodb_client` unless a Lua layer on top of it overrides that operation (a table
 * holding the snake_case method, as bloop.wrap_client builds), in which case it is routed
 * through Lua (request decoded to a table, method called, answer encoded back).
 * Does not own: any policy (requests, validation, retries, batching: the C engine), objects,
 * change tracking or signals (lua/bloop/engine.lua).
 */
#ifndef BLOOP_LUA_LENGINE_H
#define BLOOP_LUA_LENGINE_H

#include <lua.h>

#define BLOOP_CENGINE_META "bloop.CEngine"
#define BLOOP_CSEARCH_META "bloop.CSearch"

/* With the bloop.core module table on top: sets core.engine_new, core.sleep,
 * core.monotonic. */
int bloopL_open_engine(lua_State *L);

#endif
