/*
 * lwire.h: wire-form Lua tables <-> bloop_value: {S = "x"}, {N = "1.5"}, {B = <raw bytes>},
 * {L = {...}}, {M = {...}}, ... as Lua-level type overrides, conditions' literal operands,
 * engine arguments and tests write them. B is raw bytes here (base64 exists only in the
 * JSON text). Also the shape of a plain Lua table (array, map, ...), which dumping reads too.
 *
 * Owns: the conversion only. Does not own typed dumping and loading (ltypes.h), which
 * reach a type's Lua overrides through the inner values ({S = "x"}'s "x") converted here.
 */
#ifndef BLOOP_LUA_LWIRE_H
#define BLOOP_LUA_LWIRE_H

#include <lua.h>
#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/value.h"

/* The wire table at idx into *out (memory from a). Raises an InvalidValue error object on
 * malformed input, naming the path from `where` ("value" when NULL): "wire.M.tags.SS[2]:
 * S must be a string". DO NOT CALL WITH MALLOC'ED MEMORY HELD. */
BLOOPI_FUNC void bloopL_value_from_wire(lua_State *L, int idx, bloop_arena *a,
                                        bloop_value *out, const char *where);
/* The inner value at idx (what a {tag = inner} table holds) of type tag into *out; root
 * starts the path in messages ("Money:dynamo_dump result"). Raises as above. */
BLOOPI_FUNC void bloopL_inner_from_wire(lua_State *L, int idx, bloop_type tag,
                                        bloop_arena *a, bloop_value *out, const char *root);

/* [] -> [wire table], or nil for v == NULL or an unfilled value. */
BLOOPI_FUNC void bloopL_push_wire(lua_State *L, const bloop_value *v);
/* [] -> [inner value]: v's part of its wire table ("x" for {S = "x"}). */
BLOOPI_FUNC void bloopL_push_wire_inner(lua_State *L, const bloop_value *v);

/* [] -> [table]: the members of the M value m by name, each value pushed by push (with ud),
 * for the walkers that turn values into Lua values of their own kind (wire tables here,
 * loaded values in lload.c). */
typedef void (*bloopL_push_fn)(lua_State *L, const bloop_value *v, void *ud);
BLOOPI_FUNC void bloopL_push_members(lua_State *L, const bloop_value *m, bloopL_push_fn push,
                                     void *ud);

/* The shape of the table at idx: empty, an array (keys exactly 1..n), a map (string keys
 * only) or mixed (anything else). *n gets the count of entries. */
typedef enum bloopL_shape {
  BLOOPL_SHAPE_EMPTY, BLOOPL_SHAPE_ARRAY, BLOOPL_SHAPE_MAP, BLOOPL_SHAPE_MIXED
} bloopL_shape;
BLOOPI_FUNC bloopL_shape bloopL_table_shape(lua_State *L, int idx, size_t *n);

#endif
