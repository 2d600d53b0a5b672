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

/* ---- scratch boxes ------------------------------------------------------------------- */

#define POOL_KEEP (64u * 1024u)    /* a box that held more gives its memory back */

static const char arena_pool, buf_pool;   /* registry keys (their addresses) */

/* [] -> [box]: the one kept at key (the registry slot is emptied), else a new one. One
 * per kind is enough: a save's dump and its request use theirs one after the other, and
 * a nested use just makes its own. A slot, not a table of them: this runs twice a save. */
static void *pool_take(lua_State *L, const void *key, size_t size, const char *meta) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TUSERDATA) {   /* [box] */
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
    return lua_touserdata(L, -1);
  }
  lua_pop(L, 1);
  return bloopL_newbox(L, size, 0, meta);
}

/* Keeps the (emptied) box at idx in the slot at key, in place of any kept there. */
static void pool_give(lua_State *L, const void *key, int idx) {
  lua_pushvalue(L, idx);
  lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

bloop_arena *bloopL_push_scratch(lua_State *L) {
  return pool_take(L, &arena_pool, sizeof(bloop_arena), BLOOP_ARENA_META);
}

void bloopL_scratch_done(lua_State *L, int idx) {
  bloop_arena *a = lua_touserdata(L, idx);
  if (a->used > POOL_KEEP) bloop_arena_free(a);
  else bloop_arena_reset(a);     /* its chunks, already touched, serve the next call */
  pool_give(L, &arena_pool, idx);
}

bloop_buf *bloopL_push_scratch_buf(lua_State *L) {
  return pool_take(L, &buf_pool, sizeof(bloop_buf), BLOOP_BUF_META);
}

void bloopL_scratch_buf_done(lua_State *L, int idx) {
  bloop_buf *b = lua_touserdata(L, idx);
  if (b->cap > POOL_KEEP || b->failed) bloop_buf_free(b);
  else bloop_buf_reset(b);
  pool_give(L, &buf_pool, idx);
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
