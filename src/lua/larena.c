/*
 * larena.c: arenas owned by Lua userdata (larena.h).
 */
#include "lua/larena.h"

#include "lua/lbloop.h"

static int la_gc(lua_State *L) {
  bloop_arena_free((bloop_arena *)luaL_checkudata(L, 1, BLOOP_ARENA_META));
  return 0;
}

bloop_arena *bloopL_push_arena(lua_State *L) {
  bloop_arena *a = (bloop_arena *)lua_newuserdatauv(L, sizeof *a, 0);
  bloop_arena_init(a);
  luaL_setmetatable(L, BLOOP_ARENA_META);
  return a;
}

int bloopL_nomem(lua_State *L) { return luaL_error(L, "bloop: out of memory"); }

void *bloopL_arena_alloc(lua_State *L, bloop_arena *a, size_t n) {
  void *p = bloop_arena_calloc(a, n ? n : 1, 1);
  if (!p) bloopL_nomem(L);
  return p;
}

static const luaL_Reg arena_meta[] = {{"__gc", la_gc}, {NULL, NULL}};

int bloopL_open_arena(lua_State *L) {
  bloopL_createmeta(L, BLOOP_ARENA_META, NULL, arena_meta);
  return 0;
}
