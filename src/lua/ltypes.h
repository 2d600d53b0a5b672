/*
 * ltypes.h: the binding's bridge between Lua values and bloop_values through bloop type
 * objects (lua/bloop/types.lua classes backed by C descriptors).
 *
 * Owns: dumping a Lua value through a type object into a bloop_value, and loading a
 * bloop_value through a type object into a Lua value. Built-in types take the C fast path;
 * a type object whose class overrides dynamo_dump / dynamo_load in Lua is honoured (the
 * override is called). Does not own conditions, models or requests.
 */
#ifndef BLOOP_LUA_LTYPES_H
#define BLOOP_LUA_LTYPES_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/value.h"

/* Dumps the Lua value at vidx through the type object at tidx into *out (memory from a).
 * Sets *present to 0 when the value dumps to "absent" (nil, and what bloop treats as absent:
 * "" for String, empty Binary, empty sets/lists/maps): callers render attribute_not_exists
 * or REMOVE for those, and *out is left unfilled. `where` names the place for messages
 * ("Appointment.location", or NULL). On a bad value it raises a bloop error object of class
 * "InvalidValue" whose message names the type and the value ("Integer column
 * Appointment.n got 1.5"). DO NOT CALL WITH MALLOC'ED MEMORY HELD: it may raise. */
BLOOPI_FUNC void bloopL_type_dump(lua_State *L, int tidx, int vidx, bloop_arena *a,
                                  bloop_value *out, int *present, const char *where);

/* Pushes the Lua value of v loaded through the type object at tidx; v == NULL (attribute
 * absent) loads as the type's absent value (usually nil). May raise. */
BLOOPI_FUNC void bloopL_type_load(lua_State *L, int tidx, const bloop_value *v);

/* Wire-form Lua tables ({S = "x"}, {N = "1.5"}, {B = <raw bytes>}, {L = {...}}, ...) <->
 * bloop_value, for Lua-level overrides and tests. B is raw bytes here (base64 exists only
 * in the JSON text). May raise on malformed input, naming the path. */
BLOOPI_FUNC void bloopL_value_from_wire(lua_State *L, int idx, bloop_arena *a, bloop_value *out,
                                        const char *where);
BLOOPI_FUNC void bloopL_push_wire(lua_State *L, const bloop_value *v);

/* The same with a context (passed to Lua dynamo_dump / dynamo_load overrides as their
 * `context` argument; ctxidx 0 passes nil) and, for loads, `where` naming the place in
 * messages ("Integer column Appointment.n cannot load N "4.5" (not an integer)"). */
BLOOPI_FUNC void bloopL_type_dump_ctx(lua_State *L, int tidx, int vidx, int ctxidx, bloop_arena *a,
                                      bloop_value *out, int *present, const char *where);
BLOOPI_FUNC void bloopL_type_load_ctx(lua_State *L, int tidx, const bloop_value *v, int ctxidx,
                                      const char *where);

/* Column specs: a Lua sequence of entries { column name, dynamo name, type object, label }
 * (label: "Model.column", for messages), built and cached by lua/bloop/engine.lua. They let
 * one C call move a whole object between its column values and wire state.
 *
 * bloopL_fill_state: [] -> [snapshot]. When data_idx != 0, data[name] = each entry's
 * attribute of item loaded through the entry's type (overrides honoured), as core.type_load
 * over each column would, without the wire round trip. The snapshot is what the engine
 * keeps as "last synced" for the object: the entries' attributes of item (item is an M
 * value or NULL) as DynamoDB JSON text, a Lua string. A string, because most loaded objects
 * are never saved: one string costs far less than a wire table per attribute, it needs no
 * finalizer, and the C engine reads it straight back as `previous` (lengine.c).
 * core.snapshot_state turns one into per-column state when the Lua layer needs it. text
 * (may be NULL): item's own JSON text, taken as the snapshot when every attribute of item is
 * an entry's. May raise. */
BLOOPI_FUNC void bloopL_fill_state(lua_State *L, const bloop_value *item, int spec_idx,
                                   int data_idx, int ctx_idx, const char *text,
                                   size_t text_len);

#endif
