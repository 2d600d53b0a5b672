/*
 * lbloop.h: the openers of the binding's files, and luaopen_bloop_core (lbloop.c), which
 * calls them in order. Metatable names and their builder are in lmeta.h.
 *
 * Owns: the Lua face of the core; the binding converts values and calls the core, no
 * policy. Does not own the Lua classes that fill some of these tables (lua/bloop).
 */
#ifndef BLOOP_LUA_LBLOOP_H
#define BLOOP_LUA_LBLOOP_H

#include <lauxlib.h>
#include <lua.h>

#include "base/bloopi.h"

/* The openers, each called once by luaopen_bloop_core with the module table on top; each
 * adds its functions (and, for some, metatables) to the module and leaves the stack as it
 * found it. */
BLOOPI_FUNC int bloopL_open_arena(lua_State *L);    /* larena.c: no module functions */
BLOOPI_FUNC int bloopL_open_errors(lua_State *L);   /* lerrors.c: register_error_class */
BLOOPI_FUNC int bloopL_open_json(lua_State *L);     /* ljson.c: json_encode, array, null... */
BLOOPI_FUNC int bloopL_open_client(lua_State *L);   /* lclient.c: client, operations */
BLOOPI_FUNC int bloopL_open_decimal(lua_State *L);  /* ldecimal.c: decimal, Decimal */
/* lvalues.c: datetime (now, parse, fromtimestamp, new), uuid, uuid4, binary, Binary,
 * set_key, null, Set (the set metatable, filled by set.lua) */
BLOOPI_FUNC int bloopL_open_values(lua_State *L);
BLOOPI_FUNC int bloopL_open_types(lua_State *L);    /* ltypes.c: type_kinds, type_* */
/* lsnapshot.c: dump_item, snapshot_state */
BLOOPI_FUNC int bloopL_open_snapshots(lua_State *L);
BLOOPI_FUNC int bloopL_open_fast(lua_State *L);
BLOOPI_FUNC int bloopL_open_object(lua_State *L);   /* lobject.c: object_new */
/* lcond.c: Condition, condition, is_condition, render */
BLOOPI_FUNC int bloopL_open_cond(lua_State *L);
BLOOPI_FUNC int bloopL_open_model(lua_State *L);    /* lmodel.c: model_new, ... */
BLOOPI_FUNC int bloopL_open_engine(lua_State *L);   /* lengine.c: engine_new, sleep, monotonic */
BLOOPI_FUNC int bloopL_open_txn(lua_State *L);      /* ltxn.c: txn_* */
BLOOPI_FUNC int bloopL_open_stream(lua_State *L);   /* lstream.c: stream_new */
BLOOPI_FUNC int bloopL_open_file(lua_State *L);     /* lfile.c: write_file_atomic */

#if defined(__GNUC__)
#define BLOOP_LUA_API __attribute__((visibility("default")))
#else
#define BLOOP_LUA_API
#endif

/* require("bloop.core"): the module table. */
BLOOP_LUA_API int luaopen_bloop_core(lua_State *L);

#endif
