/*
 * lbloop.h: the binding's internal interface (metatable names, opener).
 * Owns: the Lua face of the core; converts values and calls the core, no policy.
 */
#ifndef BLOOP_LUA_LBLOOP_H
#define BLOOP_LUA_LBLOOP_H

#include <lua.h>

#if defined(__GNUC__)
#define BLOOP_LUA_API __attribute__((visibility("default")))
#else
#define BLOOP_LUA_API
#endif

BLOOP_LUA_API int luaopen_bloop_core(lua_State *L);

#endif
