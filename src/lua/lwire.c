/*
 * lwire.c: wire-form Lua tables <-> bloop_value (lwire.h).
 *
 * Memory: values are built in the caller's arena, so a raise midway leaks nothing (the
 * caller's arena is owned by a userdata on the stack). Paths for messages are built on the
 * C stack (base/value_path.h).
 */
#include "lua/lwire.h"

#include <lauxlib.h>

#include "base/value_path.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lmeta.h"
#include "lua/ldecimal.h"

bloopL_shape bloopL_table_shape(lua_State *L, int idx, size_t *n) {
  size_t count = 0, ints = 0, strs = 0;
  lua_Unsigned border = lua_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    count++;
    if (lua_type(L, -1) == LUA_TSTRING) {
      strs++;
    } else if (lua_isinteger(L, -1)) {
      lua_Integer k = lua_tointeger(L, -1);
      if (k >= 1 && (lua_Unsigned)k <= border) ints++;
    }
  }
  *n = count;
  if (count == 0) return BLOOPL_SHAPE_EMPTY;
  if (ints == count && count == border) return BLOOPL_SHAPE_ARRAY;
  if (strs == count) return BLOOPL_SHAPE_MAP;
  return BLOOPL_SHAPE_MIXED;
}

/* ---- wire table -> bloop_value, one helper per kind ------------------------------------ */

static int lw_fail(lua_State *L, const bloopi_path *p, const char *what) {
  return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue", "%s: %s", p->buf, what);
}

static void lw_value(lua_State *L, int idx, bloop_arena *a, bloop_value *out, bloopi_path *p,
                     int depth);
static void lw_inner(lua_State *L, int idx, bloop_type tag, bloop_arena *a, bloop_value *out,
                     bloopi_path *p, int depth);

/* S (text) or B (raw bytes). */
static void lw_bytes(lua_State *L, int idx, bloop_type tag, bloop_arena *a, bloop_value *out,
                     const bloopi_path *p) {
  if (lua_type(L, idx) != LUA_TSTRING)
    lw_fail(L, p, tag == BLOOP_TYPE_S ? "S must be a string" : "B must be a string of bytes");
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  if ((tag == BLOOP_TYPE_S ? bloop_value_set_s(out, a, s, len, NULL)
                           : bloop_value_set_b(out, a, s, len, NULL)) != BLOOP_OK)
    bloopL_nomem(L);
}

/* N: the number's text, or (for Lua callers' convenience) a number or a decimal. */
static void lw_number(lua_State *L, int idx, bloop_arena *a, bloop_value *out,
                      const bloopi_path *p) {
  bloop_error err = BLOOP_ERROR_INIT;
  if (lua_type(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (bloop_value_set_n(out, a, s, len, &err) != BLOOP_OK) lw_fail(L, p, err.message);
    return;
  }
  if (lua_type(L, idx) != LUA_TNUMBER && !bloopL_is_decimal(L, idx))
    lw_fail(L, p, "N must be the number's text");
  bloop_decimal d;
  if (lua_isinteger(L, idx)) {
    d = bloop_decimal_from_int64(lua_tointeger(L, idx));
  } else if (lua_type(L, idx) == LUA_TNUMBER) {
    if (bloop_decimal_from_double(&d, lua_tonumber(L, idx), &err) != BLOOP_OK)
      lw_fail(L, p, err.message);
  } else {
    d = *bloopL_check_decimal(L, idx);
  }
  if (bloop_value_set_n_decimal(out, a, d, NULL) != BLOOP_OK) bloopL_nomem(L);
}

/* L (elements are wire tables) or SS/NS/BS (elements are inner values). */
static void lw_list(lua_State *L, int idx, bloop_type tag, bloop_arena *a, bloop_value *out,
                    bloopi_path *p, int depth) {
  size_t n;
  if (lua_type(L, idx) != LUA_TTABLE) lw_fail(L, p, "expected an array");
  bloopL_shape shape = bloopL_table_shape(L, idx, &n);
  if (shape != BLOOPL_SHAPE_ARRAY && shape != BLOOPL_SHAPE_EMPTY)
    lw_fail(L, p, "expected an array");
  if (bloop_value_set_list(out, a, tag, n, NULL) != BLOOP_OK) bloopL_nomem(L);
  bloop_type member = bloop_type_member(tag);   /* NONE for L */
  for (size_t i = 1; i <= n; i++) {
    bloop_value *slot = bloop_value_append(out, a);
    if (!slot) bloopL_nomem(L);
    lua_rawgeti(L, idx, (lua_Integer)i);
    size_t mark = bloopi_path_index(p, i);
    if (member == BLOOP_TYPE_NONE)
      lw_value(L, -1, a, slot, p, depth + 1);
    else
      lw_inner(L, -1, member, a, slot, p, depth + 1);
    bloopi_path_pop(p, mark);
    lua_pop(L, 1);
  }
}

static void lw_map(lua_State *L, int idx, bloop_arena *a, bloop_value *out, bloopi_path *p,
                   int depth) {
  size_t n;
  if (lua_type(L, idx) != LUA_TTABLE) lw_fail(L, p, "M must be a table");
  bloopL_shape shape = bloopL_table_shape(L, idx, &n);
  if (shape != BLOOPL_SHAPE_MAP && shape != BLOOPL_SHAPE_EMPTY)
    lw_fail(L, p, "M names must be strings");
  if (bloop_value_set_map(out, a, n, NULL) != BLOOP_OK) bloopL_nomem(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) {           /* [k, v] */
    size_t klen;
    const char *k = lua_tolstring(L, -2, &klen);
    bloop_value *slot = bloop_value_map_add(out, a, k, klen);
    if (!slot) bloopL_nomem(L);
    size_t mark = bloopi_path_key(p, k, klen);
    lw_value(L, -1, a, slot, p, depth + 1);
    bloopi_path_pop(p, mark);
    lua_pop(L, 1);
  }
}

/* The inner value at idx, of type tag, into out. */
static void lw_inner(lua_State *L, int idx, bloop_type tag, bloop_arena *a, bloop_value *out,
                     bloopi_path *p, int depth) {
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  if (depth > BLOOP_MAX_DEPTH) lw_fail(L, p, "nested deeper than 32 levels");
  switch (tag) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_B: lw_bytes(L, idx, tag, a, out, p); return;
    case BLOOP_TYPE_N: lw_number(L, idx, a, out, p); return;
    case BLOOP_TYPE_BOOL:
      if (lua_type(L, idx) != LUA_TBOOLEAN) lw_fail(L, p, "BOOL must be a boolean");
      bloop_value_set_bool(out, lua_toboolean(L, idx));
      return;
    case BLOOP_TYPE_NULL:
      if (lua_toboolean(L, idx) != 1) lw_fail(L, p, "NULL must be true");
      bloop_value_set_null(out);
      return;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L: lw_list(L, idx, tag, a, out, p, depth); return;
    case BLOOP_TYPE_M: lw_map(L, idx, a, out, p, depth); return;
    default: lw_fail(L, p, "unknown type tag");
  }
}

/* The wire table at idx ({tag = inner}, one tag) into out. */
static void lw_value(lua_State *L, int idx, bloop_arena *a, bloop_value *out, bloopi_path *p,
                     int depth) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) lw_fail(L, p, "expected a table like {S = \"x\"}");
  lua_pushnil(L);
  if (!lua_next(L, idx)) lw_fail(L, p, "expected a table like {S = \"x\"}, got {}");
  /* [tag, inner] */
  size_t tlen;
  const char *tag = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &tlen) : NULL;
  bloop_type t = tag ? bloop_type_from_tag(tag, tlen) : BLOOP_TYPE_NONE;
  if (t == BLOOP_TYPE_NONE) lw_fail(L, p, "unknown type tag");
  size_t mark = bloopi_path_tag(p, t);
  lw_inner(L, -1, t, a, out, p, depth);
  bloopi_path_pop(p, mark);
  lua_pop(L, 1);                           /* [tag] */
  if (lua_next(L, idx)) lw_fail(L, p, "more than one type tag");
}

void bloopL_value_from_wire(lua_State *L, int idx, bloop_arena *a, bloop_value *out,
                            const char *where) {
  bloopi_path p;
  bloopi_path_init(&p, where ? where : "value");
  lw_value(L, idx, a, out, &p, 0);
}

void bloopL_inner_from_wire(lua_State *L, int idx, bloop_type tag, bloop_arena *a,
                            bloop_value *out, const char *root) {
  bloopi_path p;
  bloopi_path_init(&p, root);
  lw_inner(L, idx, tag, a, out, &p, 0);
}

/* ---- bloop_value -> wire table --------------------------------------------------------- */

/* [] -> [array] with the bloop.array metatable when the JSON binding registered it. */
static void lw_new_array(lua_State *L, size_t n) {
  lua_createtable(L, (int)(n < 1u << 20 ? n : 0), 0);
  luaL_getmetatable(L, BLOOP_ARRAY_META);
  if (lua_istable(L, -1))
    lua_setmetatable(L, -2);
  else
    lua_pop(L, 1);
}

void bloopL_push_members(lua_State *L, const bloop_value *m, bloopL_push_fn push, void *ud) {
  lua_createtable(L, 0, (int)(m->u.map.count < 1u << 20 ? m->u.map.count : 0));
  for (size_t i = 0; i < m->u.map.count; i++) {
    const bloop_member *mem = &m->u.map.members[i];
    lua_pushlstring(L, mem->name, mem->name_len);
    push(L, &mem->value, ud);
    lua_rawset(L, -3);
  }
}

static void lw_push_member(lua_State *L, const bloop_value *v, void *ud) {
  (void)ud;
  bloopL_push_wire(L, v);
}

void bloopL_push_wire_inner(lua_State *L, const bloop_value *v) {
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  switch (v->type) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N:
    case BLOOP_TYPE_B: lua_pushlstring(L, v->u.bytes.ptr, v->u.bytes.len); return;
    case BLOOP_TYPE_BOOL: lua_pushboolean(L, v->u.boolean); return;
    case BLOOP_TYPE_NULL: lua_pushboolean(L, 1); return;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L:
      lw_new_array(L, v->u.list.count);
      for (size_t i = 0; i < v->u.list.count; i++) {
        if (v->type == BLOOP_TYPE_L)
          bloopL_push_wire(L, &v->u.list.items[i]);
        else
          bloopL_push_wire_inner(L, &v->u.list.items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      return;
    case BLOOP_TYPE_M: bloopL_push_members(L, v, lw_push_member, NULL); return;
    default: lua_pushnil(L); return;
  }
}

void bloopL_push_wire(lua_State *L, const bloop_value *v) {
  if (!v || v->type == BLOOP_TYPE_NONE) {
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, 0, 1);
  bloopL_push_wire_inner(L, v);
  lua_setfield(L, -2, bloop_type_name(v->type));
}
