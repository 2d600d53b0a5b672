/*
 * ltypes.c: bloop type objects as handles (ltypes.h: what their raw fields hold): their
 * kind, name, backing and stored types, read by the conversions (ldump.c, lload.c). The
 * Lua functions over types are ltypefns.c.
 */
#include "lua/ltypes.h"

#include <lauxlib.h>
#include <stdio.h>


/* What each kind stores (a Set's members depend on its inner type: its backing_type). */
static const bloop_type kind_stores[BLOOPL_K_MAX] = {
    BLOOP_TYPE_NONE, BLOOP_TYPE_S,    BLOOP_TYPE_N,    BLOOP_TYPE_N, BLOOP_TYPE_N,
    BLOOP_TYPE_B,    BLOOP_TYPE_BOOL, BLOOP_TYPE_S,    BLOOP_TYPE_S, BLOOP_TYPE_N,
    BLOOP_TYPE_NONE, BLOOP_TYPE_L,    BLOOP_TYPE_M,    BLOOP_TYPE_L, BLOOP_TYPE_M,
    BLOOP_TYPE_NONE};

/* ---- the handles ------------------------------------------------------------------------ */

int bloopL_type_field(lua_State *L, int t, const char *name) {
  lua_pushstring(L, name);
  return lua_rawget(L, t);
}

int bloopL_type_flag(lua_State *L, int t, const char *name) {
  bloopL_type_field(L, t, name);
  int r = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return r;
}

int bloopL_type_kind(lua_State *L, int t) {
  bloopL_type_field(L, t, "_kind");
  int k = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  return k > 0 && k < BLOOPL_K_MAX ? k : 0;
}

int bloopL_type_resolve(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 8, "bloop types nested too deeply");
  if (lua_type(L, idx) == LUA_TTABLE) {
    if (bloopL_type_kind(L, idx)) {
      lua_pushvalue(L, idx);
      return lua_gettop(L);
    }
    if (bloopL_type_flag(L, idx, "_is_class")) {
      if (bloopL_type_field(L, idx, "_instance") == LUA_TTABLE) return lua_gettop(L);
      lua_pop(L, 1);
      lua_pushvalue(L, idx);
      lua_call(L, 0, 1);                  /* [instance] */
      if (lua_type(L, -1) != LUA_TTABLE || !bloopL_type_kind(L, lua_gettop(L)))
        luaL_error(L, "bloop type class did not build a type");
      lua_pushliteral(L, "_instance");
      lua_pushvalue(L, -2);
      lua_rawset(L, idx);
      return lua_gettop(L);
    }
  }
  luaL_error(L, "bloop type expected, got %s", luaL_typename(L, idx));
  return 0;
}

const char *bloopL_type_name(lua_State *L, int t, char *buf, size_t cap) {
  bloopL_type_field(L, t, "_name");
  const char *s = lua_tostring(L, -1);
  snprintf(buf, cap, "%s", s ? s : "type");
  lua_pop(L, 1);
  return buf;
}

bloop_type bloopL_type_backing(lua_State *L, int t) {
  bloopL_type_field(L, t, "backing_type");
  size_t len;
  const char *tag = lua_tolstring(L, -1, &len);
  bloop_type bt = tag ? bloop_type_from_tag(tag, len) : BLOOP_TYPE_NONE;
  lua_pop(L, 1);
  return bt;
}

bloop_type bloopL_type_stores_kind(lua_State *L, int t, int kind) {
  if (kind != BLOOPL_K_SET) return kind_stores[kind];
  bloop_type bt = bloopL_type_backing(L, t);
  return bloop_type_is_set(bt) ? bt : BLOOP_TYPE_NONE;
}

bloop_type bloopL_type_stores(lua_State *L, int t) {
  return bloopL_type_stores_kind(L, t, bloopL_type_kind(L, t));
}
