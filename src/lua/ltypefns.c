/*
 * ltypefns.c: the Lua functions over bloop types: core.type_kinds, core.type_dump,
 * core.type_load and the built-in dynamo_dump / dynamo_load every class inherits. They sit
 * above the conversions (ldump.c, lload.c), which sit above the type handles (ltypes.c).
 *
 * Memory: each function converts in an arena owned by a userdata on the stack, so a raise
 * midway leaks nothing; the arena is freed early on the way out.
 */
#include <lauxlib.h>
#include <stdio.h>

#include "lua/larena.h"
#include "lua/lbloop.h"
#include "lua/ltypes.h"
#include "lua/lwire.h"

static const char *const kind_names[BLOOPL_K_MAX] = {
    NULL,   "String", "Number", "Integer", "Float", "Binary", "Boolean", "UUID", "DateTime",
    "Timestamp", "Set", "List", "Map", "DynamicList", "DynamicMap", "Dynamic"};

/* ---- Lua functions --------------------------------------------------------------------- */

static const char *ltf_opt_where(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) ? NULL : luaL_checkstring(L, idx);
}

/* core.type_dump(type, value [, context [, where]]) -> wire table or nil */
static int ltf_dump(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 4);
  bloop_arena *a = bloopL_push_scratch(L);           /* [.., arena] */
  bloop_value out;
  int present;
  bloopL_type_dump_ctx(L, 1, 2, 3, a, &out, &present, ltf_opt_where(L, 4));
  if (present)
    bloopL_push_wire(L, &out);
  else
    lua_pushnil(L);
  bloopL_scratch_done(L, 5);
  return 1;
}

/* core.type_load(type, wire [, context [, where]]) -> value */
static int ltf_load(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 4);
  bloop_arena *a = bloopL_push_scratch(L);           /* [.., arena] */
  bloop_value v;
  const bloop_value *pv = NULL;
  if (!lua_isnil(L, 2)) {
    bloopL_value_from_wire(L, 2, a, &v, "wire");
    pv = &v;
  }
  bloopL_type_load_ctx(L, 1, pv, 3, ltf_opt_where(L, 4));
  bloopL_scratch_done(L, 5);
  return 1;
}

/* core.type_builtin_dump(self, value, context) -> inner wire value or nil: the built-in
 * dynamo_dump every class inherits (overrides reach it through .super). */
static int ltf_builtin_dump(lua_State *L) {
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
static int ltf_builtin_load(lua_State *L) {
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

static const luaL_Reg types_funcs[] = {{"type_dump", ltf_dump},
                                       {"type_load", ltf_load},
                                       {"type_builtin_dump", ltf_builtin_dump},
                                       {"type_builtin_load", ltf_builtin_load},
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
