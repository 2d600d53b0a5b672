/*
 * lobject.h: model objects of model.lua's default layout, made in C: an instance is a table
 * { [DATA] = column values, [MARKED] = column names set since the last sync,
 * [COMPLETE] = false } with the model's instance metatable (model.lua's Meta.init).
 *
 * Why: Model{...} is a large share of a save or a load (a Lua loop per column, three tables
 * made by a Lua closure), and a search makes one object per item.
 * Owns: that layout as C makes it, and core.object_new, the plain case of Model:new.
 * Does not own: the layout's definition and every other case of Model:new (lua/bloop/model.lua),
 * columns, or loading items into objects (lfast.c, lsnapshot.c).
 */
#ifndef BLOOP_LUA_LOBJECT_H
#define BLOOP_LUA_LOBJECT_H

#include <lua.h>

#include "base/bloopi.h"

/* [] -> [obj, data]: the object Meta.init would make (layout at layout_idx: { instance
 * metatable, MARKED, COMPLETE }; the DATA key at key_idx), its column data with room for
 * ndata columns and its marks for nmarked. Returns data's index (obj is just below it). */
BLOOPI_FUNC int bloopL_object_layout(lua_State *L, int layout_idx, int key_idx, int ndata,
                                     int nmarked);

#endif
