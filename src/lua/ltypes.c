/*
 * ltypes.c: bloop type objects as handles (ltypes.h: what their raw fields hold), and the
 * Lua functions over them: core.type_kinds, core.type_dump, core.type_load and the
 * built-in dynamo_dump / dynamo_load every class inherits. The conversions themselves are
 * ldump.c and lload.c.
 *
 * Memory: each Lua function converts in an arena owned by a userdata on the stack, so a
 * raise midway leaks nothing; the arena is freed early on the way out.
 */
#include "lua/ltypes.h"

#include <lauxlib.h>
#include <stdio.h>

#include "lua/larena.h"
#include "lua/lbloop.h"
#include "lua/lwire.h"

static const char *const kind_names[BLOOPL_K_MAX] = {
    NULL,   "String", "Number", "Integer", "Float", "Binary", "Boolean", "UUID", "DateTime",
    "Timestamp", "Set", "List", "Map", "DynamicList", "DynamicMap", "Dynamic"};

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

bloop_type bloopL_type_stores(lua_State *L, int t) {
  int kind = bloopL_type_kind(L, t);
  if (kind != BLOOPL_K_SET) return kind_stores[kind];
  bloop_type bt = bloopL_type_backing(L, t);
  return bloop_type_is_set(bt) ? bt : BLOOP_TYPE_NONE;
}

/* ---- Lua functions --------------------------------------------------------------------- */

static const char *lt_opt_where(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) ? NULL : luaL_checkstring(L, idx);
}

/* core.type_dump(type, value [, context [, where]]) -> wire table or nil */
static int lt_dump(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 4);
  bloop_arena *a = bloopL_push_arena(L);             /* [.., arena] */
  bloop_value out;
  int present;
  bloopL_type_dump_ctx(L, 1, 2, 3, a, &out, &present, lt_opt_where(L, 4));
  if (present)
    bloopL_push_wire(L, &out);
  else
    lua_pushnil(L);
  bloop_arena_free(a);
  return 1;
}

/* core.type_load(type, wire [, context [, where]]) -> value */
static int lt_load(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 4);
  bloop_arena *a = bloopL_push_arena(L);
  bloop_value v;
  const bloop_value *pv = NULL;
  if (!lua_isnil(L, 2)) {
    bloopL_value_from_wire(L, 2, a, &v, "wire");
    pv = &v;
  }
  bloopL_type_load_ctx(L, 1, pv, 3, lt_opt_where(L, 4));
  bloop_arena_free(a);
  return 1;
}

/* core.type_builtin_dump(self, value, context) -> inner wire value or nil: the built-in
 * dynamo_dump every class inherits (overrides reach it through .super). */
static int lt_builtin_dump(lua_State *L) {
  lua_settop(L, 3);
  int t = bloopL_type_resolve(L, 1);          /* [self, value, ctx, t] */
  bloop_arena *a = bloopL_push_arena(L);
  bloopL_conv S = {L, a, NULL, t, 3};
  bloop_value out;
  int present;
  bloopL_conv_dump(&S, t, 2, &out, &present, 1);
  if (present)
    bloopL_push_wire_inner(L, &out);
  else
    lua_pushnil(L);
  bloop_arena_free(a);
  return 1;
}

/* core.type_builtin_load(self, inner, context) -> value */
static int lt_builtin_load(lua_State *L) {
  lua_settop(L, 3);
  int t = bloopL_type_resolve(L, 1);
  if (lua_isnil(L, 2)) {
    lua_pushnil(L);
    return 1;
  }
  bloop_arena *a = bloopL_push_arena(L);
  bloopL_conv S = {L, a, NULL, t, 3};
  if (bloopL_type_kind(L, t) == BLOOPL_K_DYNAMIC)
    return luaL_error(L, "Dynamic values have no inner wire form; load a wire table");
  char name[160], root[200];
  snprintf(root, sizeof root, "%s:dynamo_load value", bloopL_type_name(L, t, name, sizeof name));
  bloop_value v;
  bloopL_inner_from_wire(L, 2, bloopL_type_stores(L, t), a, &v, root);
  bloopL_conv_load(&S, t, &v, 1);
  bloop_arena_free(a);
  return 1;
}

static const luaL_Reg types_funcs[] = {{"type_dump", lt_dump},
                                       {"type_load", lt_load},
                                       {"type_builtin_dump", lt_builtin_dump},
                                       {"type_builtin_load", lt_builtin_load},
                                       {NULL, NULL}};

int bloopL_open_types(lua_State *L) {
  luaL_checktype(L, -1, LUA_TTABLE);          /* [core] */
  lua_createtable(L, 0, BLOOPL_K_MAX);        /* [core, kinds] */
  for (int k = 1; k < BLOOPL_K_MAX; k++) {
    lua_pushinteger(L, k);
    lua_setfield(L, -2, kind_names[k]);
  }
  lua_setfield(L, -2, "type_kinds");
  luaL_setfuncs(L, types_funcs, 0);
  return 0;
}
