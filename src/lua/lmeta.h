/*
 * lmeta.h: the name of every metatable and registry entry the binding creates (here and
 * nowhere else: metatables live in the registry under their names, so one list is how two
 * files never pick the same key), and the one builder of metatables and of boxes.
 *
 * Owns: those names, bloopL_createmeta and bloopL_newbox (lmeta.c). Does not own what the
 * metatables hold (each binding file fills its own) or the Lua classes that fill some of
 * them (lua/bloop).
 */
#ifndef BLOOP_LUA_LMETA_H
#define BLOOP_LUA_LMETA_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>

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
#define BLOOP_CURSOR_KEY_META "bloop.CursorKey"  /* lengine.c */
#define BLOOP_CSTREAM_META "bloop.CStream"      /* lstream.c */
#define BLOOP_DATETIME_META "bloop.DateTime"    /* lvalues.c */
#define BLOOP_DECIMAL_META "bloop.Decimal"      /* ldecimal.c */
#define BLOOP_ERROR_META "bloop.Error"          /* lerrors.c: errors of unregistered classes */
#define BLOOP_FAST_SPEC_META "bloop.FastSpec"   /* lfast.c: a column spec compiled */
#define BLOOP_JSON_TREE_META "bloop.JSONTree"   /* ljson.c: a parsed answer being pushed */
#define BLOOP_KEPT_DUMP_META "bloop.KeptDump"   /* lsnapshot.c: the last dump's item */
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

#endif
