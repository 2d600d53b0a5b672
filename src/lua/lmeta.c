/* lmeta.c: the one builder of the binding's metatables and boxes (lmeta.h). */
#include "lua/lmeta.h"

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
