/*
 * lfast.h: an item's JSON text read straight into an object's column values, for the
 * column types whose load is plain (String, Number, Integer, Float, Boolean, sets of
 * strings or numbers, Lists and Maps of these, with no Lua dynamo_load anywhere).
 *
 * Why: a query item went JSON text -> C item (json_read.c) -> Lua values through the types
 * (lload.c, lsnapshot.c), half of it building the C item and walking the column spec and
 * the type tables by name; the bench's bare-C peer decodes its struct in a tenth of that.
 * Here the spec is compiled once (kept in the spec table) into C nodes, and the text is
 * read with the reader's plain tokens (json_read.h) straight into Lua values.
 *
 * Only the usual form is read: anything else (an escape in a string, a NULL, an attribute
 * that is no column, a duplicate, a value the type would refuse, a number out of range)
 * makes bloopL_fast_decode give up, having changed nothing, and the caller takes the full
 * path (read the C item, bloopL_fill_state), which raises what it always raised. So the
 * result is always the full path's, and the fast path never raises a bloop error (only
 * Lua's own out-of-memory).
 *
 * Owns: the compiled specs ("bloop.FastSpec" userdata, kept in the spec table under a
 * light key). Does not own the specs (lua/bloop/engine.lua), the types, or snapshots.
 * A compiled spec reads the type objects once, as lsnapshot.c's cached kinds do: a type
 * instance is fixed when it is made (types.lua's finalize), and the engine builds a new spec
 * when a column changes.
 */
#ifndef BLOOP_LUA_LFAST_H
#define BLOOP_LUA_LFAST_H

#include <lua.h>
#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/value.h"

/* Reads the item at the start of text[0..len) through the column spec at spec_idx
 * (compiling it the first time). On success pushes a block of values, sets *used to the
 * item's length (up to its '}': what follows is not looked at) and returns the block's
 * size; on failure returns 0 and pushes nothing. May raise only for memory. */
BLOOPI_FUNC int bloopL_fast_decode(lua_State *L, int spec_idx, const char *text, size_t len,
                                   size_t *used);

/* Pops the block bloopL_fast_decode pushed (block: the index of its first value; it must
 * be on top), storing data[column name] = value for every column of the spec in its order
 * (nil for those the item lacks), as bloopL_fill_state stores them. */
BLOOPI_FUNC void bloopL_fast_store(lua_State *L, int block, int data_idx);

/* The other way, as lsnapshot.c's core.dump_item does it: every column's data[name]
 * through its type into item (an M, built in a). On success pushes the absent table
 * ({ [column name] = true } for the columns that dump to nothing, or nil) and returns 1;
 * on failure (a value the full path would refuse, or a spec this cannot dump) returns 0,
 * pushes nothing, and may have left allocations in a. May raise only for memory. */
BLOOPI_FUNC int bloopL_fast_dump(lua_State *L, int spec_idx, int data_idx, bloop_arena *a,
                                 bloop_value *item);

#endif
