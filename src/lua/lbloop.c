/* lbloop.c: luaopen_bloop_core, the C module behind require("bloop"), and the one builder
 * of the binding's metatables (lbloop.h). */
#include "lua/lbloop.h"

#include <string.h>

void bloopL_createmeta(lua_State *L, const char *name, const luaL_Reg *methods,
                       const luaL_Reg *meta) {
  luaL_newmetatable(L, name);                     /* [mt] */
  if (meta) luaL_setfuncs(L, meta, 0);
  if (methods) {
    lua_newtable(L);                              /* [mt, methods] */
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");               /* [mt] */
  }
  lua_pop(L, 1);                                  /* [] */
}

void *bloopL_newbox(lua_State *L, size_t size, int nuv, const char *name) {
  void *p = lua_newuserdatauv(L, size, nuv);      /* [ud] */
  memset(p, 0, size);
  luaL_setmetatable(L, name);
  return p;
}

int luaopen_bloop_core(lua_State *L) {
  lua_newtable(L);                                /* [core] */
  lua_pushliteral(L, BLOOP_VERSION);
  lua_setfield(L, -2, "version");
  bloopL_open_arena(L);
  bloopL_open_errors(L);
  bloopL_open_json(L);
  bloopL_open_client(L);
  bloopL_open_decimal(L);
  bloopL_open_values(L);
  bloopL_open_types(L);
  bloopL_open_snapshots(L);
  bloopL_open_cond(L);
  bloopL_open_model(L);
  bloopL_open_engine(L);
  bloopL_open_txn(L);
  bloopL_open_stream(L);
  return 1;
}
