/*
 * lsnapshot.h: snapshots, the JSON text of an item that the engine keeps for an object as
 * its "last synced" state, and the column specs that move a whole object between its
 * column values and that text in one C call.
 *
 * Column specs: a Lua sequence of entries { column name, dynamo name, type object, label }
 * (label: "Model.column", for messages), built and cached by lua/bloop/engine.lua. The C
 * side keeps the type's kind and override flags in an entry's [5] (load) and [6] (dump).
 *
 * A snapshot is a Lua string, because most loaded objects are never saved: one string costs
 * far less than a wire table per attribute, it needs no finalizer, and the C engine reads
 * it straight back as `previous` (lengine.c). Lua functions (lsnapshot.c):
 *   core.dump_item(spec, data, context) -> snapshot, absent (nil or { [name] = true }):
 *     every entry's data[name] dumped through its type, in one call, as one item's snapshot
 *     (for a save);
 *   core.snapshot_state(snapshot, spec) -> the per-column state { [name] = wire or false }
 *     of a snapshot, for when the Lua layer needs it;
 *   core.snapshot_diff(spec, a, b) -> nil or the names of the columns whose attribute
 *     differs between two items (snapshots or wire items), as DynamoDB compares values.
 * Owns: the snapshot text. Does not own what the engine does with it, or the types.
 */
#ifndef BLOOP_LUA_LSNAPSHOT_H
#define BLOOP_LUA_LSNAPSHOT_H

#include <lua.h>
#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/value.h"

/* [] -> [snapshot]. When data_idx != 0, data[name] = each entry's attribute of item loaded
 * through the entry's type (overrides honoured), as core.type_load over each column would,
 * without the wire round trip. The snapshot: the entries' attributes of item (item is an M
 * value or NULL) as DynamoDB JSON text. text (may be NULL): item's own JSON text, taken as
 * the snapshot when every attribute of item is an entry's. ctx_idx: the context passed to
 * type overrides (0 or nil for none). May raise. */
BLOOPI_FUNC void bloopL_fill_state(lua_State *L, const bloop_value *item, int spec_idx,
                                   int data_idx, int ctx_idx, const char *text,
                                   size_t text_len);

/* [] -> [snapshot]: item (an M value) as its snapshot text, unvalidated (whoever reads the
 * text back checks it). Raises only for memory. */
BLOOPI_FUNC void bloopL_snapshot_push(lua_State *L, const bloop_value *item);

/* The item of the last core.dump_item when the string at idx is its snapshot (the same
 * Lua string) and the item reads as its text would: its memory moves into `into` and it is
 * returned, no longer kept. NULL otherwise (the caller reads the text). Never raises. */
BLOOPI_FUNC const bloop_value *bloopL_dumped_take(lua_State *L, int idx, bloop_arena *into);

#endif
