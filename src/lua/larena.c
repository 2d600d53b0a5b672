/*
 * larena.c: arenas and buffers owned by Lua userdata (larena.h).
 */
#include "lua/larena.h"

#include "lua/lbloop.h"
#include "lua/lmeta.h"

static int la_gc(lua_State *L) {
  bloop_arena_free((bloop_arena *)luaL_checkudata(L, 1, BLOOP_ARENA_META));
  return 0;
}

bloop_arena *bloopL_push_arena(lua_State *L) {
  return bloopL_newbox(L, sizeof(bloop_arena), 0, BLOOP_ARENA_META);   /* zero: empty */
}

static int la_buf_gc(lua_State *L) {
  bloop_buf_free((bloop_buf *)luaL_checkudata(L, 1, BLOOP_BUF_META));
  return 0;
}

bloop_buf *bloopL_push_buf(lua_State *L) {
  return bloopL_newbox(L, sizeof(bloop_buf), 0, BLOOP_BUF_META);       /* zero: empty */
}

int bloopL_nomem(lua_State *L) { return luaL_error(L, "bloop: out of memory"); }

void *bloopL_arena_alloc(lua_State *L, bloop_arena *a, size_t n) {
  void *p = bloop_arena_calloc(a, n ? n : 1, 1);
  if (!p) bloopL_nomem(L);
  return p;
}

static const luaL_Reg arena_meta[] = {{"__gc", la_gc}, {NULL, NULL}};
static const luaL_Reg buf_meta[] = {{"__gc", la_buf_gc}, {NULL, NULL}};

int bloopL_open_arena(lua_State *L) {
  bloopL_createmeta(L, BLOOP_ARENA_META, NULL, arena_meta);
  bloopL_createmeta(L, BLOOP_BUF_META, NULL, buf_meta);
  return 0;
}
