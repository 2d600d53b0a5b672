/* lobject.c: model objects made in C (lobject.h). */
#include "lua/lobject.h"

#include <lauxlib.h>

#include "lua/lbloop.h"

int bloopL_object_layout(lua_State *L, int layout_idx, int key_idx, int ndata, int nmarked) {
  layout_idx = lua_absindex(L, layout_idx);
  key_idx = lua_absindex(L, key_idx);
  lua_createtable(L, 0, 3);                                /* [obj] */
  int obj = lua_gettop(L);
  lua_createtable(L, 0, ndata);                            /* [obj, data] */
  lua_pushvalue(L, key_idx);
  lua_pushvalue(L, obj + 1);
  lua_rawset(L, obj);                                      /* obj[DATA] = data */
  lua_rawgeti(L, layout_idx, 2);
  lua_createtable(L, 0, nmarked);
  lua_rawset(L, obj);                                      /* obj[MARKED] = {} */
  lua_rawgeti(L, layout_idx, 3);
  lua_pushboolean(L, 0);
  lua_rawset(L, obj);                                      /* obj[COMPLETE] = false */
  lua_rawgeti(L, layout_idx, 1);
  lua_setmetatable(L, obj);
  return obj + 1;
}

/* Whether the value on top is a table whose metatable is the one at action_idx (an update
 * action, which Column:set handles). Leaves the stack as it was. */
static int is_action(lua_State *L, int action_idx) {
  if (lua_type(L, -1) != LUA_TTABLE || !lua_getmetatable(L, -1)) return 0;
  int yes = lua_rawequal(L, -1, action_idx);
  lua_pop(L, 1);
  return yes;
}

/* lo_object_new for a plan whose every column stores plainly and takes Column's default
 * (plan.fast): the work follows the fields given and the columns with a default
 * (plan.defaults), not every column. Everything is checked, and each default read once
 * (its name and value left on the stack), before the object is made. */
static int object_new_fast(lua_State *L, int has_fields) {
  lua_getfield(L, 2, "by_name");                           /* [6 by_name] */
  lua_getfield(L, 2, "defaults");                          /* [7 defaults] */
  if (!lua_istable(L, 6) || !lua_istable(L, 7)) return 0;
  int nfields = 0;
  if (has_fields) {
    lua_pushnil(L);
    while (lua_next(L, 3)) {                               /* [.., k, v] */
      lua_pushvalue(L, -2);
      int column = lua_rawget(L, 6) != LUA_TNIL;
      lua_pop(L, 1);
      if (!column || is_action(L, 5)) return 0;            /* no column's name, an action */
      nfields++;
      lua_pop(L, 1);
    }
  }
  int ndefaults = (int)lua_rawlen(L, 7);
  luaL_checkstack(L, 2 * ndefaults + 8, "bloop: object_new");
  int defaults = lua_gettop(L) + 1;                        /* [.., name, default ..] */
  for (int i = 1; i <= ndefaults; i++) {
    lua_rawgeti(L, 7, i);
    int p = lua_gettop(L);                                 /* [.., p] */
    lua_rawgeti(L, p, 2);                                  /* [.., p, name] */
    lua_pushvalue(L, -1);
    if (has_fields && lua_rawget(L, 3) != LUA_TNIL) {      /* given: no default */
      lua_settop(L, p - 1);
      continue;
    }
    lua_settop(L, p + 1);
    lua_rawgeti(L, p, 1);
    lua_pushliteral(L, "default");
    int t = lua_rawget(L, -2);                             /* [.., p, name, c, d] */
    if (t == LUA_TFUNCTION || is_action(L, 5)) return 0;
    lua_remove(L, p + 2);
    lua_remove(L, p);                                      /* [.., name, d] */
    if (t == LUA_TNIL) lua_settop(L, p - 1);
  }
  int ndefaulted = (lua_gettop(L) - defaults + 1) / 2;
  int data = bloopL_object_layout(L, 1, 4, (int)lua_rawlen(L, 2), nfields + ndefaulted);
  lua_rawgeti(L, 1, 2);
  lua_rawget(L, data - 1);                                 /* [.., obj, data, marked] */
  int marked = data + 1;
  if (has_fields) {
    lua_pushnil(L);
    while (lua_next(L, 3)) {                               /* [.., k, v] */
      lua_pushvalue(L, -2);
      lua_insert(L, -2);                                   /* [.., k, k, v] */
      lua_rawset(L, data);
      lua_pushvalue(L, -1);
      lua_pushboolean(L, 1);
      lua_rawset(L, marked);
    }
  }
  for (int d = defaults; d < data - 1; d += 2) {
    lua_pushvalue(L, d);
    lua_pushvalue(L, d + 1);
    lua_rawset(L, data);
    lua_pushvalue(L, d);
    lua_pushboolean(L, 1);
    lua_rawset(L, marked);
  }
  lua_settop(L, data - 1);
  return 1;
}

/* core.object_new(layout, plan, fields, DATA, Action) -> obj, or nil: Model:new's plain
 * case, the whole of it or nothing. plan: model.lua's new_plan, one { column, name,
 * plain set, plain default, has a default } per column. Each column takes fields[name], else
 * its default (column.default, for a column that had one when the plan was made). nil,
 * with nothing changed anywhere, when any part is not plain: a value for a column whose
 * set is not a plain store, an update action (a table whose
 * metatable is Action), a default that is a function or not Column's, a field that names
 * no column, a fields table with a metatable. model.lua then runs the whole of Model:new,
 * which stores through the columns and raises what it raises. The caller has checked
 * what is the same for every column: Meta.init is the layout's, Column's set, store and
 * default_value are Column's own, and no object_modified receiver is connected. */
static int lo_object_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  int has_fields = lua_type(L, 3) == LUA_TTABLE;
  if (!has_fields && !lua_isnoneornil(L, 3)) return 0;
  lua_settop(L, 5);
  if (has_fields && lua_getmetatable(L, 3)) return 0;
  if (lua_getfield(L, 2, "fast") == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
    lua_settop(L, 5);
    return object_new_fast(L, has_fields);
  }
  lua_settop(L, 5);
  int nfields = 0;
  if (has_fields) {
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      nfields++;
      lua_pop(L, 1);
    }
  }
  int n = (int)lua_rawlen(L, 2);
  int data = bloopL_object_layout(L, 1, 4, n, nfields);    /* [.., obj, data] */
  lua_rawgeti(L, 1, 2);
  lua_rawget(L, data - 1);                                 /* [.., obj, data, marked] */
  int marked = data + 1, given = 0;
  luaL_checkstack(L, 8, "bloop: object_new");
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);                                  /* [.., p] */
    int p = lua_gettop(L);
    lua_rawgeti(L, p, 2);                                  /* [.., p, name] */
    if (has_fields) {
      lua_pushvalue(L, p + 1);
      lua_rawget(L, 3);
    } else {
      lua_pushnil(L);
    }                                                      /* [.., p, name, v] */
    if (!lua_isnil(L, p + 2)) {
      given++;
    } else {
      lua_rawgeti(L, p, 4);
      int plain_default = lua_toboolean(L, -1);
      lua_pop(L, 1);
      if (!plain_default) return 0;
      if (lua_rawgeti(L, p, 5) != LUA_TNIL) {              /* had one when planned */
        lua_rawgeti(L, p, 1);
        lua_pushliteral(L, "default");
        lua_rawget(L, -2);                                 /* [.., p, name, nil, t, c, d] */
        if (lua_type(L, -1) == LUA_TFUNCTION) return 0;
        lua_replace(L, p + 2);
      }
      lua_settop(L, p + 2);
    }
    if (!lua_isnil(L, p + 2)) {
      lua_rawgeti(L, p, 3);
      int plain_set = lua_toboolean(L, -1);
      lua_pop(L, 1);
      if (!plain_set) return 0;
      if (is_action(L, 5)) return 0;                      /* v is on top */
      lua_pushvalue(L, p + 1);
      lua_pushvalue(L, p + 2);
      lua_rawset(L, data);
      lua_pushvalue(L, p + 1);
      lua_pushboolean(L, 1);
      lua_rawset(L, marked);
    }
    lua_settop(L, p - 1);
  }
  if (given != nfields) return 0;                          /* a name no column has */
  lua_settop(L, data - 1);
  return 1;
}

int bloopL_open_object(lua_State *L) {
  lua_pushcfunction(L, lo_object_new);
  lua_setfield(L, -2, "object_new");
  return 0;
}
