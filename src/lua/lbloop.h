/*
 * lbloop.h: the binding's internal interface: the name of every metatable and registry
 * entry the binding creates (here and nowhere else: metatables live in the registry under
 * their names, so one list is how two files never pick the same key), the one builder of
 * metatables, the openers of the binding's files, and luaopen_bloop_core.
 *
 * Owns: the Lua face of the core; the binding converts values and calls the core, no
 * policy. Does not own the Lua classes that fill some of these tables (lua/bloop).
 */
#ifndef BLOOP_LUA_LBLOOP_H
#define BLOOP_LUA_LBLOOP_H

#include <lauxlib.h>
#include <lua.h>

#include "base/bloopi.h"

/* ---- metatables. luaL_newmetatable sets __name, so errors read "bloop.CEngine expected". */
#define BLOOP_ARENA_META "bloop.Arena"          /* larena.c: an arena freed by __gc */
#define BLOOP_ARRAY_META "bloop.array"          /* ljson.c: a table encoding as a JSON array */
#define BLOOP_BIND_REPORT_META "bloop.BindReport"   /* lengine.c: what a bind reports */
#define BLOOP_BUF_META "bloop.Buffer"           /* larena.c: a buffer freed by __gc */
#define BLOOP_CALLS_META "bloop.Client.calls"   /* lclient.c: call_many's calls */
#define BLOOP_BINARY_META "bloop.Binary"        /* lvalues.c */
#define BLOOP_CENGINE_META "bloop.CEngine"      /* lengine.c */
#define BLOOP_CLIENT_META "bloop.Client"        /* lclient.c */
#define BLOOP_CMODEL_META "bloop.CModel"        /* lmodel.c */
#define BLOOP_CONDITION_META "bloop.Condition"  /* lcond.c */
#define BLOOP_COND_SCRATCH_META "bloop.Condition.scratch"  /* lcond.c: render's memory */
#define BLOOP_CSEARCH_META "bloop.CSearch"      /* lengine.c */
#define BLOOP_CSTREAM_META "bloop.CStream"      /* lstream.c */
#define BLOOP_DATETIME_META "bloop.DateTime"    /* lvalues.c */
#define BLOOP_DECIMAL_META "bloop.Decimal"      /* ldecimal.c */
#define BLOOP_ERROR_META "bloop.Error"          /* lerrors.c: errors of unregistered classes */
#define BLOOP_JSON_TREE_META "bloop.JSONTree"   /* ljson.c: a parsed answer being pushed */
#define BLOOP_SET_META "bloop.Set"              /* lvalues.c makes it; lua/bloop/set.lua fills it */
#define BLOOP_UUID_META "bloop.UUID"            /* lvalues.c */

/* ---- other registry entries ---- */
#define BLOOP_ERROR_CLASSES "bloop.errors"      /* lerrors.c: class name -> class metatable */
#define BLOOP_CLIENT_METHODS_DYNAMODB "bloop.Client.methods.dynamodb"   /* lclient.c */
#define BLOOP_CLIENT_METHODS_STREAMS "bloop.Client.methods.dynamodbstreams"
#define BLOOP_INTERN "bloop.intern"             /* lvalues.c: weak; datetimes and UUIDs */
#define BLOOP_INTERN_BINARY "bloop.intern.binary"   /* lvalues.c: weak; binary values */

/* [] -> [] : creates the metatable `name` (or refills it when the module is opened again)
 * as liolib.c's createmeta does: the metamethods of meta (may be NULL; may hold
 * {"__index", NULL} as a placeholder) and, when methods is not NULL, __index = a new table
 * of methods. Callers that need the metatable afterwards use luaL_getmetatable. */
BLOOPI_FUNC void bloopL_createmeta(lua_State *L, const char *name, const luaL_Reg *methods,
                                   const luaL_Reg *meta);

/* [] -> [ud] : a new userdata of size bytes with nuv user values and the metatable `name`,
 * every byte zero: the empty, safe state of a box (a NULL handle, an empty arena or buffer)
 * that __gc can always take, made before the resource is acquired, as liolib.c's
 * newprefile makes a closed file first. */
BLOOPI_FUNC void *bloopL_newbox(lua_State *L, size_t size, int nuv, const char *name);

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
/* lcond.c: Condition, condition, is_condition, render */
BLOOPI_FUNC int bloopL_open_cond(lua_State *L);
BLOOPI_FUNC int bloopL_open_model(lua_State *L);    /* lmodel.c: model_new, ... */
BLOOPI_FUNC int bloopL_open_engine(lua_State *L);   /* lengine.c: engine_new, sleep, monotonic */
BLOOPI_FUNC int bloopL_open_txn(lua_State *L);      /* ltxn.c: txn_* */
BLOOPI_FUNC int bloopL_open_stream(lua_State *L);   /* lstream.c: stream_new */

#if defined(__GNUC__)
#define BLOOP_LUA_API __attribute__((visibility("default")))
#else
#define BLOOP_LUA_API
#endif

/* require("bloop.core"): the module table. */
BLOOP_LUA_API int luaopen_bloop_core(lua_State *L);

#endif
