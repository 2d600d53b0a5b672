/* lbloop.c: luaopen_bloop_core, the C module behind require("bloop"). */
#include <lauxlib.h>
#include <lua.h>

#include "lua/lbloop.h"

int luaopen_bloop_core(lua_State *L) {
  lua_newtable(L);
  lua_pushliteral(L, BLOOP_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
