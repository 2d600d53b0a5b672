/*
 * ltypes.h: bloop type objects (lua/bloop/types.lua classes backed by C descriptors) as the
 * binding sees them, and converting Lua values through them: dumping a Lua value into a
 * bloop_value (ldump.c) and loading a bloop_value into a Lua value (lload.c).
 *
 * A type object is a Lua table (an instance of a class in types.lua). At instantiation
 * types.lua stores, as raw fields, everything C reads, so the fast path is raw gets and no
 * Lua call:
 *   _kind      one of the kinds below (the built-in class the type descends from)
 *   _dump_lua  true when the class overrides dynamo_dump in Lua (same for _load_lua)
 *   _name      "Integer", "Set(String)", ... for messages
 *   inner      element type (Set, List)       types / _fields   Map's field types / names
 *   backing_type  "S", "N", ..., "SS", ... (nil for the Dynamic path type)
 * A bare class where an instance is expected is instantiated once (class()) and the
 * instance cached on the class as the raw field _instance.
 *
 * Owns: the handles (ltypes.c), dumping and loading through them. Built-in types take the
 * C fast path; a type object whose class overrides dynamo_dump / dynamo_load in Lua is
 * honoured (the override is called). Does not own the wire-form tables (lwire.h),
 * snapshots (lsnapshot.h), conditions, models or requests.
 */
#ifndef BLOOP_LUA_LTYPES_H
#define BLOOP_LUA_LTYPES_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/value.h"

/* ---- conversions, for the rest of the binding ----------------------------------------- */

/* Dumps the Lua value at vidx through the type object at tidx into *out (memory from a).
 * Sets *present to 0 when the value dumps to "absent" (nil, and what bloop treats as absent:
 * "" for String, empty Binary, empty sets/lists/maps): callers render attribute_not_exists
 * or REMOVE for those, and *out is left unfilled. `where` names the place for messages
 * ("Appointment.location", or NULL). On a bad value it raises a bloop error object of class
 * "InvalidValue" whose message names the type and the value ("Integer column
 * Appointment.n got 1.5"). DO NOT CALL WITH MALLOC'ED MEMORY HELD: it may raise. */
BLOOPI_FUNC void bloopL_type_dump(lua_State *L, int tidx, int vidx, bloop_arena *a,
                                  bloop_value *out, int *present, const char *where);

/* The same with a context (passed to Lua dynamo_dump / dynamo_load overrides as their
 * `context` argument; ctxidx 0 passes nil). */
BLOOPI_FUNC void bloopL_type_dump_ctx(lua_State *L, int tidx, int vidx, int ctxidx,
                                      bloop_arena *a, bloop_value *out, int *present,
                                      const char *where);

/* Pushes the Lua value of v loaded through the type object at tidx; v == NULL (attribute
 * absent) loads as the type's absent value (usually nil). ctxidx as above; `where` names
 * the place in messages ("Integer column Appointment.n cannot load N "4.5" (not an
 * integer)"). May raise. */
BLOOPI_FUNC void bloopL_type_load_ctx(lua_State *L, int tidx, const bloop_value *v,
                                      int ctxidx, const char *where);

/* bloopL_type_load_ctx for a type instance (not a class) at t whose kind and _load_lua
 * flag the caller read (and cached: they are fixed when the instance is made). */
BLOOPI_FUNC void bloopL_type_load_known(lua_State *L, int t, int kind, int load_lua,
                                        const bloop_value *v, int ctxidx, const char *where);

/* bloopL_type_dump_ctx likewise, with the kind and the _dump_lua flag. */
BLOOPI_FUNC void bloopL_type_dump_known(lua_State *L, int t, int kind, int dump_lua, int vidx,
                                        int ctxidx, bloop_arena *a, bloop_value *out,
                                        int *present, const char *where);

/* ---- the handles (ltypes.c), for ldump.c and lload.c ------------------------------------ */

/* The kinds: the built-in class a type descends from (types.lua reads them as
 * core.type_kinds). */
typedef enum bloopL_kind {
  BLOOPL_K_STRING = 1, BLOOPL_K_NUMBER, BLOOPL_K_INTEGER, BLOOPL_K_FLOAT, BLOOPL_K_BINARY,
  BLOOPL_K_BOOLEAN, BLOOPL_K_UUID, BLOOPL_K_DATETIME, BLOOPL_K_TIMESTAMP, BLOOPL_K_SET,
  BLOOPL_K_LIST, BLOOPL_K_MAP, BLOOPL_K_DYNLIST, BLOOPL_K_DYNMAP, BLOOPL_K_DYNAMIC,
  BLOOPL_K_MAX
} bloopL_kind;

/* [] -> [instance]; returns its absolute index. Raises when idx holds no bloop type. */
BLOOPI_FUNC int bloopL_type_resolve(lua_State *L, int idx);
/* The kind of the type object at t; 0 when it has none. */
BLOOPI_FUNC int bloopL_type_kind(lua_State *L, int t);
/* [] -> [v] : raw t[name]; returns its Lua type. */
BLOOPI_FUNC int bloopL_type_field(lua_State *L, int t, const char *name);
/* Raw t[name] as a boolean (the _dump_lua / _load_lua flags). */
BLOOPI_FUNC int bloopL_type_flag(lua_State *L, int t, const char *name);
/* The type's _name in buf (cap bytes), for messages; returns buf. */
BLOOPI_FUNC const char *bloopL_type_name(lua_State *L, int t, char *buf, size_t cap);
/* What the type object at t stores: its backing_type for a Set (NONE when that is not a
 * set type), else its kind's (S for String, N for Integer, L for List, NONE for Dynamic). */
BLOOPI_FUNC bloop_type bloopL_type_stores(lua_State *L, int t);
/* The same for a type whose kind the caller read already (one field lookup less per value
 * on the load path). */
BLOOPI_FUNC bloop_type bloopL_type_stores_kind(lua_State *L, int t, int kind);
/* Its raw backing_type field as a type tag (NONE when absent or unknown). */
BLOOPI_FUNC bloop_type bloopL_type_backing(lua_State *L, int t);

/* One dump or load in progress. */
typedef struct bloopL_conv {
  lua_State *L;
  bloop_arena *a;     /* dumps: where values are built; NULL for loads */
  const char *where;  /* the place named in messages ("Appointment.n"), or NULL */
  int root_t;         /* absolute index of the type named in messages */
  int ctx;            /* absolute index of the context for overrides; 0 for nil */
} bloopL_conv;

/* Dumps (ldump.c) / loads (lload.c) through the type at absolute index t; builtin: 1 to
 * skip the type's Lua override (the built-in dynamo_dump / dynamo_load that overrides
 * reach through .super). bloopL_conv_load pushes the value. */
BLOOPI_FUNC void bloopL_conv_dump(bloopL_conv *S, int t, int v, bloop_value *out,
                                  int *present, int builtin);
BLOOPI_FUNC void bloopL_conv_load(bloopL_conv *S, int t, const bloop_value *v, int builtin);

#endif
