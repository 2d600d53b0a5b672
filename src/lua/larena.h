/*
 * larena.h: C memory owned by a Lua userdata, for binding calls that allocate and may
 * still raise (a bad value, a metamethod, or Lua running out of memory in any push): a
 * bloop_arena for values and a bloop_buf for text, each freed by __gc when a raise skips
 * the explicit free, so a Lua error never leaks.
 *
 * Owns: the two userdata and their metatables. Does not own what is allocated in them or
 * how long a caller keeps them (on the stack, or freed early with bloop_arena_free /
 * bloop_buf_free, which __gc then finds empty).
 */
#ifndef BLOOP_LUA_LARENA_H
#define BLOOP_LUA_LARENA_H

#include <lua.h>
#include <stddef.h>

#include "base/bloopi.h"
#include "bloop/arena.h"
#include "bloop/buf.h"

/* [] -> [arena userdata] */
BLOOPI_FUNC bloop_arena *bloopL_push_arena(lua_State *L);

/* [] -> [buffer userdata]: an empty bloop_buf. */
BLOOPI_FUNC bloop_buf *bloopL_push_buf(lua_State *L);

/* Scratch: the same boxes, one of each kind kept per Lua state (a registry slot) and
 * given back when a call is done with it, for the calls that run per object (a save's
 * dump and request, a load): a new userdata with a metatable and a finalizer per call
 * showed in their profile. done resets the box (or frees what it holds, when that is
 * large) and keeps it; the caller must not use it, or anything allocated in it,
 * afterwards. A box a raise leaves behind is never kept: __gc frees it as any other. */
BLOOPI_FUNC bloop_arena *bloopL_push_scratch(lua_State *L);          /* [] -> [box] */
BLOOPI_FUNC void bloopL_scratch_done(lua_State *L, int idx);
BLOOPI_FUNC bloop_buf *bloopL_push_scratch_buf(lua_State *L);        /* [] -> [box] */
BLOOPI_FUNC void bloopL_scratch_buf_done(lua_State *L, int idx);

/* Raises "bloop: out of memory" (a plain message, as Lua's own allocation failures are).
 * Never returns. For the core's builders, whose only failure is memory, and the arena. */
BLOOPI_FUNC int bloopL_nomem(lua_State *L);

/* n zeroed bytes from a (at least 1); raises "bloop: out of memory" when it cannot. */
BLOOPI_FUNC void *bloopL_arena_alloc(lua_State *L, bloop_arena *a, size_t n);

#endif
