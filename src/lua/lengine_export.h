/*
 * lengine_export.h: the one entry point into lengine.c that other binding files use: the
 * C engine under a "bloop.CEngine" box, with its session pointed at the running Lua state
 * (as every engine method does before calling the core).
 * Owns nothing; the engine stays owned by its box.
 */
#ifndef BLOOP_LUA_LENGINE_EXPORT_H
#define BLOOP_LUA_LENGINE_EXPORT_H

#include <lua.h>

#include "bloop/engine.h"

/* Raises when idx is not an open CEngine. The box must stay at idx while the engine is
 * used: the session callbacks find it there. */
bloop_engine *bloopL_engine_checked(lua_State *L, int idx);

#endif
