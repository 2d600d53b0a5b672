/*
 * ltypes.c: dumping Lua values through bloop type objects into bloop_values and loading
 * them back. See lua/ltypes.h for the contract and lua/bloop/types.lua for the classes.
 *
 * A type object is a Lua table (an instance of a class in types.lua). At instantiation
 * types.lua stores, as raw fields, everything this file reads, so the fast path is raw gets
 * and no Lua call:
 *   _kind      one of the K_* below (the built-in class the type descends from)
 *   _dump_lua  true when the class overrides dynamo_dump in Lua (same for _load_lua)
 *   _name      "Integer", "Set(String)", ... for messages
 *   inner      element type (Set, List)       types / _fields   Map's field types / names
 *   backing_type  "S", "N", ..., "SS", ... (nil for the Dynamic path type)
 * A bare class where an instance is expected is instantiated once (class()) and the
 * instance cached on the class as the raw field _instance.
 *
 * Memory: everything is built in the caller's arena, so raising mid-dump leaks nothing
 * (the caller frees the arena; the Lua-facing functions keep theirs in a userdata whose
 * __gc frees it). Messages are built in fixed buffers.
 */
#include "lua/ltypes.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/datetime.h"
#include "base/value_internal.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/ldecimal.h"
#include "lua/lvalues.h"

enum {
  K_STRING = 1, K_NUMBER, K_INTEGER, K_FLOAT, K_BINARY, K_BOOLEAN, K_UUID, K_DATETIME,
  K_TIMESTAMP, K_SET, K_LIST, K_MAP, K_DYNLIST, K_DYNMAP, K_DYNAMIC, K_MAX
};
static const char *const kind_names[K_MAX] = {
    NULL,   "String", "Number", "Integer", "Float", "Binary", "Boolean", "UUID", "DateTime",
    "Timestamp", "Set", "List", "Map", "DynamicList", "DynamicMap", "Dynamic"};

#define MSG_MAX 512

typedef struct dstate {
  lua_State *L;
  bloop_arena *a;
  const char *where;
  int root_t;   /* the type named in messages */
  int ctx;      /* context index, 0 for nil */
} dstate;

/* ---- small helpers ---------------------------------------------------------------------- */

/* [] -> [v] : raw t[name]; returns its type. */
static int rawfield(lua_State *L, int t, const char *name) {
  lua_pushstring(L, name);
  return lua_rawget(L, t);
}

static int rawflag(lua_State *L, int t, const char *name) {
  rawfield(L, t, name);
  int r = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return r;
}

static int kind_of(lua_State *L, int t) {
  rawfield(L, t, "_kind");
  int k = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  return k > 0 && k < K_MAX ? k : 0;
}

/* [] -> [instance]; returns its absolute index. Raises when idx holds no bloop type. */
static int resolve(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 8, "bloop types nested too deeply");
  if (lua_type(L, idx) == LUA_TTABLE) {
    if (kind_of(L, idx)) {
      lua_pushvalue(L, idx);
      return lua_gettop(L);
    }
    if (rawflag(L, idx, "_is_class")) {
      if (rawfield(L, idx, "_instance") == LUA_TTABLE) return lua_gettop(L);
      lua_pop(L, 1);
      lua_pushvalue(L, idx);
      lua_call(L, 0, 1);                  /* [instance] */
      if (lua_type(L, -1) != LUA_TTABLE || !kind_of(L, lua_gettop(L)))
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

static const char *type_name(lua_State *L, int t, char *buf, size_t cap) {
  rawfield(L, t, "_name");
  const char *s = lua_tostring(L, -1);
  snprintf(buf, cap, "%s", s ? s : "type");
  lua_pop(L, 1);
  return buf;
}

/* Shortest %.Ng (N = 15..17) that reads back as x. */
static void format_float(double x, char *buf, size_t cap) {
  if (isnan(x)) {
    snprintf(buf, cap, "NaN");
    return;
  }
  if (isinf(x)) {
    snprintf(buf, cap, x > 0 ? "inf" : "-inf");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) break;
  }
  if (!strpbrk(buf, ".eninf")) strncat(buf, ".0", cap - strlen(buf) - 1);
}

/* "a number", "a string", ... : the kind of the value at idx, for messages. */
static const char *a_kind(lua_State *L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return "nil";
    case LUA_TNUMBER: return "a number";
    case LUA_TSTRING: return "a string";
    case LUA_TBOOLEAN: return "a boolean";
    case LUA_TTABLE: return bloopL_is_set(L, idx) ? "a set" : "a table";
    case LUA_TLIGHTUSERDATA: return bloopL_is_null(L, idx) ? "bloop.null" : "a userdata";
    case LUA_TUSERDATA:
      if (bloopL_is_decimal(L, idx)) return "a decimal";
      if (bloopL_test_datetime(L, idx)) return "a datetime";
      if (bloopL_test_uuid(L, idx)) return "a uuid";
      if (bloopL_test_binary(L, idx)) return "a binary";
      return "a userdata";
    case LUA_TFUNCTION: return "a function";
    default: return "a thread";
  }
}

/* The value at idx as it reads in a message: 1.5, "yes", true, a table. */
static const char *literal(lua_State *L, int idx, char *buf, size_t cap) {
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx))
        snprintf(buf, cap, "%lld", (long long)lua_tointeger(L, idx));
      else
        format_float(lua_tonumber(L, idx), buf, cap);
      return buf;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      return bloopL_quote(s, len, buf, cap < 64 ? cap : 64);
    }
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TUSERDATA: {
      const bloop_decimal *d = (const bloop_decimal *)luaL_testudata(L, idx, BLOOP_DECIMAL_META);
      const int64_t *dt = bloopL_test_datetime(L, idx);
      const bloop_uuid *u = bloopL_test_uuid(L, idx);
      char tmp[BLOOP_DECIMAL_STRING_MAX];
      if (d) {
        bloop_decimal_format(*d, tmp);
        snprintf(buf, cap, "decimal %s", tmp);
      } else if (dt) {
        char t2[BLOOP_DATETIME_STRING_MAX];
        bloop_datetime_format(*dt, t2);
        snprintf(buf, cap, "datetime %s", t2);
      } else if (u) {
        char t2[BLOOP_UUID_STRING_MAX];
        bloop_uuid_format(u, t2);
        snprintf(buf, cap, "uuid %s", t2);
      } else {
        return a_kind(L, idx);
      }
      return buf;
    }
    default: return a_kind(L, idx);
  }
}

static int raise_msg(lua_State *L, const char *msg) {
  return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue", "%s", msg);
}

/* Raises "<Root>[ column W] got <value>[ (detail)]" for a value at the root, and
 * "... got a table with <what> in it[ (detail)]" for one inside a container: <what> is the
 * value's kind when the kind is wrong (kind_error), else the value itself. */
static int bad_value(dstate *S, int v, int depth, int kind_error, const char *detail) {
  lua_State *L = S->L;
  char name[160], lit[96], msg[MSG_MAX];
  type_name(L, S->root_t, name, sizeof name);
  const char *col = S->where ? " column " : "", *where = S->where ? S->where : "";
  const char *what = kind_error && depth > 0 ? a_kind(L, v) : literal(L, v, lit, sizeof lit);
  if (depth == 0)
    snprintf(msg, sizeof msg, "%s%s%s got %s%s%s%s", name, col, where, what,
             detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
  else
    snprintf(msg, sizeof msg, "%s%s%s got a table with %s in it%s%s%s", name, col, where, what,
             detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
  return raise_msg(L, msg);
}

static int nomem(lua_State *L) { return luaL_error(L, "bloop: out of memory"); }

static void check(lua_State *L, bloop_status st, const bloop_error *err) {
  if (st == BLOOP_ENOMEM) nomem(L);
  if (st != BLOOP_OK) raise_msg(L, err->message);
}

enum { SHAPE_EMPTY, SHAPE_ARRAY, SHAPE_MAP, SHAPE_MIXED };

/* Shape of the table at idx: empty, an array (keys exactly 1..n), a map (string keys only)
 * or mixed (anything else). *n gets the count of entries. */
static int table_shape(lua_State *L, int idx, size_t *n) {
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
  if (count == 0) return SHAPE_EMPTY;
  if (ints == count && count == border) return SHAPE_ARRAY;
  if (strs == count) return SHAPE_MAP;
  return SHAPE_MIXED;
}

/* ---- wire form <-> bloop_value ---------------------------------------------------------- */

typedef struct wpath {
  char buf[256];
  size_t len;
} wpath;

/* Appends prefix and s (the path is cut at 255 bytes: it only names a place in messages). */
static size_t wpath_push(wpath *p, const char *prefix, const char *s) {
  size_t old = p->len;
  const char *parts[2] = {prefix, s ? s : "?"};
  for (int k = 0; k < 2; k++)
    for (const char *c = parts[k]; *c && p->len < sizeof p->buf - 1; c++) p->buf[p->len++] = *c;
  p->buf[p->len] = '\0';
  return old;
}

/* Appends "[i]". */
static size_t wpath_push_index(wpath *p, long long i) {
  char t[32];
  snprintf(t, sizeof t, "[%lld]", i);
  return wpath_push(p, "", t);
}

static void wpath_pop(wpath *p, size_t len) {
  p->len = len;
  p->buf[len] = '\0';
}

static int wire_fail(lua_State *L, wpath *p, const char *what) {
  return raise_msg(L, lua_pushfstring(L, "%s: %s", p->buf, what));
}

static void from_wire(lua_State *L, int idx, bloop_arena *a, bloop_value *out, wpath *p,
                      int depth);

/* The inner value at idx, of type tag, into out. */
static void from_inner(lua_State *L, int idx, bloop_type tag, bloop_arena *a, bloop_value *out,
                       wpath *p, int depth) {
  bloop_error err = BLOOP_ERROR_INIT;
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  if (depth > BLOOP_MAX_DEPTH) wire_fail(L, p, "nested deeper than 32 levels");
  switch (tag) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_B: {
      if (lua_type(L, idx) != LUA_TSTRING)
        wire_fail(L, p, tag == BLOOP_TYPE_S ? "S must be a string" : "B must be a string of bytes");
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      check(L, tag == BLOOP_TYPE_S ? bloop_value_set_s(out, a, s, len, &err)
                                   : bloop_value_set_b(out, a, s, len, &err), &err);
      return;
    }
    case BLOOP_TYPE_N: {
      if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (bloop_value_set_n(out, a, s, len, &err) != BLOOP_OK) wire_fail(L, p, err.message);
        return;
      }
      if (lua_type(L, idx) != LUA_TNUMBER && !bloopL_is_decimal(L, idx))
        wire_fail(L, p, "N must be the number's text");
      bloop_decimal d;
      if (lua_isinteger(L, idx)) {
        d = bloop_decimal_from_int64(lua_tointeger(L, idx));
      } else if (lua_type(L, idx) == LUA_TNUMBER) {
        if (bloop_decimal_from_double(&d, lua_tonumber(L, idx), &err) != BLOOP_OK)
          wire_fail(L, p, err.message);
      } else {
        d = *bloopL_check_decimal(L, idx);
      }
      check(L, bloop_value_set_n_decimal(out, a, d, &err), &err);
      return;
    }
    case BLOOP_TYPE_BOOL:
      if (lua_type(L, idx) != LUA_TBOOLEAN) wire_fail(L, p, "BOOL must be a boolean");
      bloop_value_set_bool(out, lua_toboolean(L, idx));
      return;
    case BLOOP_TYPE_NULL:
      if (lua_toboolean(L, idx) != 1) wire_fail(L, p, "NULL must be true");
      bloop_value_set_null(out);
      return;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L: {
      size_t n;
      if (lua_type(L, idx) != LUA_TTABLE) wire_fail(L, p, "expected an array");
      int shape = table_shape(L, idx, &n);
      if (shape != SHAPE_ARRAY && shape != SHAPE_EMPTY) wire_fail(L, p, "expected an array");
      check(L, bloop_value_set_list(out, a, tag, n, &err), &err);
      bloop_type et = tag == BLOOP_TYPE_SS ? BLOOP_TYPE_S
                      : tag == BLOOP_TYPE_NS ? BLOOP_TYPE_N
                      : tag == BLOOP_TYPE_BS ? BLOOP_TYPE_B : BLOOP_TYPE_NONE;
      for (size_t i = 1; i <= n; i++) {
        bloop_value *slot = bloop_value_append(out, a);
        if (!slot) nomem(L);
        lua_rawgeti(L, idx, (lua_Integer)i);
        size_t mark = wpath_push_index(p, (long long)i);
        if (et == BLOOP_TYPE_NONE)
          from_wire(L, -1, a, slot, p, depth + 1);
        else
          from_inner(L, -1, et, a, slot, p, depth + 1);
        wpath_pop(p, mark);
        lua_pop(L, 1);
      }
      return;
    }
    case BLOOP_TYPE_M: {
      size_t n;
      if (lua_type(L, idx) != LUA_TTABLE) wire_fail(L, p, "M must be a table");
      int shape = table_shape(L, idx, &n);
      if (shape != SHAPE_MAP && shape != SHAPE_EMPTY) wire_fail(L, p, "M names must be strings");
      check(L, bloop_value_set_map(out, a, n, &err), &err);
      lua_pushnil(L);
      while (lua_next(L, idx)) {           /* [k, v] */
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        bloop_value *slot = bloop_value_map_add(out, a, k, klen);
        if (!slot) nomem(L);
        size_t mark = wpath_push(p, ".", k);
        from_wire(L, -1, a, slot, p, depth + 1);
        wpath_pop(p, mark);
        lua_pop(L, 1);
      }
      return;
    }
    default:
      wire_fail(L, p, "unknown type tag");
  }
}

static void from_wire(lua_State *L, int idx, bloop_arena *a, bloop_value *out, wpath *p,
                      int depth) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) wire_fail(L, p, "expected a table like {S = \"x\"}");
  lua_pushnil(L);
  if (!lua_next(L, idx)) wire_fail(L, p, "expected a table like {S = \"x\"}, got {}");
  /* [tag, inner] */
  size_t tlen;
  const char *tag = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &tlen) : NULL;
  bloop_type t = tag ? bloop_type_from_tag(tag, tlen) : BLOOP_TYPE_NONE;
  if (t == BLOOP_TYPE_NONE) wire_fail(L, p, "unknown type tag");
  size_t mark = wpath_push(p, ".", tag);
  from_inner(L, -1, t, a, out, p, depth);
  wpath_pop(p, mark);
  lua_pop(L, 1);                           /* [tag] */
  if (lua_next(L, idx)) wire_fail(L, p, "more than one type tag");
}

void bloopL_value_from_wire(lua_State *L, int idx, bloop_arena *a, bloop_value *out,
                            const char *where) {
  wpath p;
  p.len = 0;
  p.buf[0] = '\0';
  wpath_push(&p, "", where ? where : "value");
  from_wire(L, idx, a, out, &p, 0);
}

/* [] -> [array] with the bloop.array metatable when the JSON binding registered it. */
static void new_array(lua_State *L, size_t n) {
  lua_createtable(L, (int)(n < 1u << 20 ? n : 0), 0);
  luaL_getmetatable(L, BLOOP_ARRAY_META);
  if (lua_istable(L, -1))
    lua_setmetatable(L, -2);
  else
    lua_pop(L, 1);
}

static void push_inner(lua_State *L, const bloop_value *v) {
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
      new_array(L, v->u.list.count);
      for (size_t i = 0; i < v->u.list.count; i++) {
        if (v->type == BLOOP_TYPE_L)
          bloopL_push_wire(L, &v->u.list.items[i]);
        else
          push_inner(L, &v->u.list.items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      return;
    case BLOOP_TYPE_M:
      lua_createtable(L, 0, (int)(v->u.map.count < 1u << 20 ? v->u.map.count : 0));
      for (size_t i = 0; i < v->u.map.count; i++) {
        const bloop_member *m = &v->u.map.members[i];
        lua_pushlstring(L, m->name, m->name_len);
        bloopL_push_wire(L, &m->value);
        lua_rawset(L, -3);
      }
      return;
    default: lua_pushnil(L); return;
  }
}

void bloopL_push_wire(lua_State *L, const bloop_value *v) {
  if (!v || v->type == BLOOP_TYPE_NONE) {
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, 0, 1);
  push_inner(L, v);
  lua_setfield(L, -2, bloop_type_name(v->type));
}

/* ---- dumping ----------------------------------------------------------------------------- */

static void dump(dstate *S, int t, int v, bloop_value *out, int *present, int builtin,
                 int depth);

/* Calls t:dynamo_dump(v, context) and converts the inner wire value it returns. */
static void dump_override(dstate *S, int t, int v, bloop_value *out, int *present) {
  lua_State *L = S->L;
  lua_getfield(L, t, "dynamo_dump");      /* [f] */
  lua_pushvalue(L, t);
  lua_pushvalue(L, v);
  if (S->ctx)
    lua_pushvalue(L, S->ctx);
  else
    lua_pushnil(L);
  lua_call(L, 3, 1);                      /* [inner] */
  if (lua_isnil(L, -1)) {
    *present = 0;
    lua_pop(L, 1);
    return;
  }
  rawfield(L, t, "backing_type");         /* [inner, tag] */
  size_t tlen;
  const char *tag = lua_tolstring(L, -1, &tlen);
  bloop_type bt = tag ? bloop_type_from_tag(tag, tlen) : BLOOP_TYPE_NONE;
  char name[160];
  type_name(L, t, name, sizeof name);
  if (bt == BLOOP_TYPE_NONE) luaL_error(L, "%s has no backing_type", name);
  wpath p;
  p.len = 0;
  p.buf[0] = '\0';
  wpath_push(&p, name, ":dynamo_dump result");
  from_inner(L, -2, bt, S->a, out, &p, 0);
  lua_pop(L, 2);
  *present = 1;
}

/* Dumps the decimal d as N, or raises naming v. */
static void dump_decimal(dstate *S, int v, bloop_value *out, bloop_decimal d) {
  bloop_error err = BLOOP_ERROR_INIT;
  check(S->L, bloop_value_set_n_decimal(out, S->a, d, &err), &err);
}

/* The number or decimal at v as a decimal; raises naming v when it has no DynamoDB form. */
static int to_decimal(dstate *S, int v, int depth, bloop_decimal *d) {
  lua_State *L = S->L;
  bloop_error err = BLOOP_ERROR_INIT;
  const bloop_decimal *p = (const bloop_decimal *)luaL_testudata(L, v, BLOOP_DECIMAL_META);
  if (p) {
    *d = *p;
    return 1;
  }
  if (lua_type(L, v) != LUA_TNUMBER) return 0;
  if (lua_isinteger(L, v)) {
    *d = bloop_decimal_from_int64(lua_tointeger(L, v));
    return 1;
  }
  double x = lua_tonumber(L, v);
  if (isnan(x) || isinf(x)) bad_value(S, v, depth, 0, NULL);
  if (bloop_decimal_from_double(d, x, &err) != BLOOP_OK) bad_value(S, v, depth, 0, err.message);
  return 1;
}

static void set_string(dstate *S, int v, int depth, bloop_value *out, const char *s, size_t len) {
  bloop_error err = BLOOP_ERROR_INIT;
  if (!bloopi_utf8_valid(s, len)) bad_value(S, v, depth, 0, "not valid UTF-8");
  check(S->L, bloop_value_set_s(out, S->a, s, len, &err), &err);
}

/* The element tag of a set type's backing ("SS" -> S). */
static bloop_type set_type_of(lua_State *L, int t) {
  rawfield(L, t, "backing_type");
  size_t len;
  const char *tag = lua_tolstring(L, -1, &len);
  bloop_type bt = tag ? bloop_type_from_tag(tag, len) : BLOOP_TYPE_NONE;
  lua_pop(L, 1);
  return bloop_type_is_set(bt) ? bt : BLOOP_TYPE_NONE;
}

static int by_name(const void *x, const void *y) {
  const bloop_member *a = (const bloop_member *)x, *b = (const bloop_member *)y;
  size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
  int c = memcmp(a->name, b->name, n);
  return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* Removes duplicate members of a built set (a plain array may repeat a member, and two
 * members may dump to the same text); the first occurrence stays. */
static void dedupe_set(lua_State *L, bloop_value *set) {
  for (;;) {
    size_t i = bloopi_set_find_dup(set);
    if (i == BLOOPI_NO_DUP) return;
    if (i == BLOOPI_DUP_NOMEM) nomem(L);
    memmove(&set->u.list.items[i], &set->u.list.items[i + 1],
            (set->u.list.count - i - 1) * sizeof *set->u.list.items);
    set->u.list.count--;
  }
}

/* A Lua value typed by its shape (DynamicList / DynamicMap members). Nested values keep
 * what DynamoDB can store ("" stays S "", {} becomes an empty M); at the root the absent
 * rules apply. */
static void dump_dynamic(dstate *S, int v, bloop_value *out, int *present, int depth) {
  lua_State *L = S->L;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_decimal d;
  if (depth > BLOOP_MAX_DEPTH) bad_value(S, v, depth, 1, "nested deeper than 32 levels");
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  switch (lua_type(L, v)) {
    case LUA_TNIL: *present = 0; return;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, v, &len);
      if (len == 0 && depth == 0) {
        *present = 0;
        return;
      }
      set_string(S, v, depth, out, s, len);
      return;
    }
    case LUA_TBOOLEAN: bloop_value_set_bool(out, lua_toboolean(L, v)); return;
    case LUA_TNUMBER:
      to_decimal(S, v, depth, &d);
      dump_decimal(S, v, out, d);
      return;
    case LUA_TLIGHTUSERDATA:
      if (bloopL_is_null(L, v)) {
        bloop_value_set_null(out);
        return;
      }
      break;
    case LUA_TUSERDATA:
      if (bloopL_is_decimal(L, v)) {
        to_decimal(S, v, depth, &d);
        dump_decimal(S, v, out, d);
        return;
      }
      if (bloopL_test_binary(L, v)) {
        size_t len;
        const char *s = bloopL_binary_bytes(L, v, &len);
        check(L, bloop_value_set_b(out, S->a, s, len, &err), &err);
        return;
      }
      break;
    case LUA_TTABLE: {
      size_t n;
      if (bloopL_is_set(L, v)) {
        n = lua_rawlen(L, v);
        if (n == 0) {
          *present = 0;
          return;
        }
        lua_rawgeti(L, v, 1);
        bloop_type st = lua_type(L, -1) == LUA_TSTRING ? BLOOP_TYPE_SS
                        : bloopL_test_binary(L, -1)    ? BLOOP_TYPE_BS
                                                       : BLOOP_TYPE_NS;
        lua_pop(L, 1);
        check(L, bloop_value_set_list(out, S->a, st, n, &err), &err);
        for (size_t i = 1; i <= n; i++) {
          lua_rawgeti(L, v, (lua_Integer)i);
          int e = lua_gettop(L);
          bloop_value *slot = bloop_value_append(out, S->a);
          if (!slot) nomem(L);
          if (st == BLOOP_TYPE_SS && lua_type(L, e) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, e, &len);
            set_string(S, e, depth + 1, slot, s, len);
          } else if (st == BLOOP_TYPE_BS && bloopL_test_binary(L, e)) {
            size_t len;
            const char *s = bloopL_binary_bytes(L, e, &len);
            check(L, bloop_value_set_b(slot, S->a, s, len, &err), &err);
          } else if (st == BLOOP_TYPE_NS && to_decimal(S, e, depth + 1, &d)) {
            dump_decimal(S, e, slot, d);
          } else {
            bad_value(S, e, depth + 1, 1,
                      "a set must hold only strings, only numbers or only bloop.binary values");
          }
          lua_pop(L, 1);
        }
        dedupe_set(L, out);
        return;
      }
      int shape = table_shape(L, v, &n);
      if (shape == SHAPE_EMPTY) {
        if (depth == 0)
          *present = 0;
        else
          check(L, bloop_value_set_map(out, S->a, 0, &err), &err);
        return;
      }
      if (shape == SHAPE_MIXED)
        bad_value(S, v, depth, 1, "mixes array and map keys, or has keys that are neither");
      if (shape == SHAPE_ARRAY) {
        check(L, bloop_value_set_list(out, S->a, BLOOP_TYPE_L, n, &err), &err);
        for (size_t i = 1; i <= n; i++) {
          lua_rawgeti(L, v, (lua_Integer)i);
          bloop_value *slot = bloop_value_append(out, S->a);
          if (!slot) nomem(L);
          int p = 1;
          dump_dynamic(S, lua_gettop(L), slot, &p, depth + 1);
          if (!p) out->u.list.count--; /* an empty set: DynamoDB cannot store it */
          lua_pop(L, 1);
        }
        return;
      }
      check(L, bloop_value_set_map(out, S->a, n, &err), &err);
      lua_pushnil(L);
      while (lua_next(L, v)) {                /* [k, e] */
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        bloop_value *slot = bloop_value_map_add(out, S->a, k, klen);
        if (!slot) nomem(L);
        int p = 1;
        dump_dynamic(S, lua_gettop(L), slot, &p, depth + 1);
        if (!p) out->u.map.count--;
        lua_pop(L, 1);
      }
      qsort(out->u.map.members, out->u.map.count, sizeof *out->u.map.members, by_name);
      return;
    }
    default: break;
  }
  bad_value(S, v, depth, 1, NULL);
}

static void dump(dstate *S, int t, int v, bloop_value *out, int *present, int builtin,
                 int depth) {
  lua_State *L = S->L;
  bloop_error err = BLOOP_ERROR_INIT;
  int kind = kind_of(L, t);
  *present = 1;
  if (!builtin && rawflag(L, t, "_dump_lua")) {
    dump_override(S, t, v, out, present);
    return;
  }
  if (lua_isnil(L, v)) {
    *present = 0;
    return;
  }
  if (depth > BLOOP_MAX_DEPTH) bad_value(S, v, depth, 1, "nested deeper than 32 levels");
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  bloop_decimal d;
  switch (kind) {
    case K_STRING:
    case K_BINARY: {
      size_t len;
      const char *s;
      if (kind == K_BINARY && bloopL_test_binary(L, v))
        s = bloopL_binary_bytes(L, v, &len);
      else if (lua_type(L, v) == LUA_TSTRING)
        s = lua_tolstring(L, v, &len);
      else
        break;
      if (len == 0) {
        *present = 0;
        return;
      }
      if (kind == K_STRING)
        set_string(S, v, depth, out, s, len);
      else
        check(L, bloop_value_set_b(out, S->a, s, len, &err), &err);
      return;
    }
    case K_NUMBER:
    case K_FLOAT:
      if (!to_decimal(S, v, depth, &d)) break;
      dump_decimal(S, v, out, d);
      return;
    case K_INTEGER: {
      if (lua_type(L, v) == LUA_TNUMBER && !lua_isinteger(L, v)) {
        lua_Integer i = 0;
        lua_Number x = lua_tonumber(L, v);
        if (!lua_numbertointeger(x, &i) || (lua_Number)i != x) bad_value(S, v, depth, 0, NULL);
        dump_decimal(S, v, out, bloop_decimal_from_int64(i));
        return;
      }
      if (!to_decimal(S, v, depth, &d)) break;
      int64_t i;
      if (!bloop_decimal_is_integer(d)) bad_value(S, v, depth, 0, NULL);
      if (bloop_decimal_to_int64(d, &i, NULL) != BLOOP_OK)
        bad_value(S, v, depth, 0, "beyond 64-bit integers");
      dump_decimal(S, v, out, d);
      return;
    }
    case K_BOOLEAN:
      if (lua_type(L, v) != LUA_TBOOLEAN) break;
      bloop_value_set_bool(out, lua_toboolean(L, v));
      return;
    case K_UUID: {
      const bloop_uuid *u = bloopL_test_uuid(L, v);
      if (!u) break;
      char buf[BLOOP_UUID_STRING_MAX];
      size_t n = bloop_uuid_format(u, buf);
      check(L, bloop_value_set_s(out, S->a, buf, n, &err), &err);
      return;
    }
    case K_DATETIME:
    case K_TIMESTAMP: {
      const int64_t *us = bloopL_test_datetime(L, v);
      if (!us) break;
      if (kind == K_DATETIME) {
        char buf[BLOOP_DATETIME_STRING_MAX];
        size_t n = bloop_datetime_format(*us, buf);
        check(L, bloop_value_set_s(out, S->a, buf, n, &err), &err);
      } else { /* whole seconds, rounded toward the past (floor) */
        int64_t s = *us / 1000000 - (*us % 1000000 < 0);
        dump_decimal(S, v, out, bloop_decimal_from_int64(s));
      }
      return;
    }
    case K_SET:
    case K_LIST: {
      if (lua_type(L, v) != LUA_TTABLE) break;
      size_t n;
      int is_set = bloopL_is_set(L, v);
      if (is_set) {
        if (kind == K_LIST) break;
        n = lua_rawlen(L, v);
      } else {
        int shape = table_shape(L, v, &n);
        if (shape == SHAPE_MAP || shape == SHAPE_MIXED) bad_value(S, v, depth, 0, "not an array");
      }
      if (n == 0) {
        *present = 0;
        return;
      }
      bloop_type lt = kind == K_LIST ? BLOOP_TYPE_L : set_type_of(L, t);
      if (lt == BLOOP_TYPE_NONE) luaL_error(L, "bloop: set type without a set backing_type");
      bloop_type et = lt == BLOOP_TYPE_SS ? BLOOP_TYPE_S
                      : lt == BLOOP_TYPE_NS ? BLOOP_TYPE_N
                      : lt == BLOOP_TYPE_BS ? BLOOP_TYPE_B : BLOOP_TYPE_NONE;
      check(L, bloop_value_set_list(out, S->a, lt, n, &err), &err);
      rawfield(L, t, "inner");
      int inner = resolve(L, -1);            /* [inner?, inner] */
      for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, v, (lua_Integer)i);
        bloop_value *slot = bloop_value_append(out, S->a);
        if (!slot) nomem(L);
        int p = 1;
        if (lt == BLOOP_TYPE_L && bloopL_is_null(L, -1))
          bloop_value_set_null(slot);  /* the placeholder a load left (see load) */
        else
          dump(S, inner, lua_gettop(L), slot, &p, 0, depth + 1);
        if (!p) {
          out->u.list.count--;  /* bloop drops members that dump to absent */
        } else if (et != BLOOP_TYPE_NONE && slot->type != et) {
          char msg[MSG_MAX], name[160];
          snprintf(msg, sizeof msg, "%s dumped a %s member into a %s",
                   type_name(L, t, name, sizeof name), bloop_type_name(slot->type),
                   bloop_type_name(lt));
          raise_msg(L, msg);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 2);
      if (out->u.list.count == 0) {
        *present = 0;
        return;
      }
      if (lt != BLOOP_TYPE_L) dedupe_set(L, out);
      return;
    }
    case K_MAP: {
      if (lua_type(L, v) != LUA_TTABLE || bloopL_is_set(L, v)) break;
      rawfield(L, t, "types");
      int types = lua_gettop(L);
      /* unknown keys are a caller bug: name the first */
      lua_pushnil(L);
      while (lua_next(L, v)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawget(L, types) == LUA_TNIL) {
          char msg[MSG_MAX], name[160], key[96];
          lua_pop(L, 1);
          snprintf(msg, sizeof msg, "%s%s%s got a table with an unknown key %s",
                   type_name(L, S->root_t, name, sizeof name), S->where ? " column " : "",
                   S->where ? S->where : "", literal(L, lua_gettop(L), key, sizeof key));
          raise_msg(L, msg);
        }
        lua_pop(L, 1);
      }
      rawfield(L, t, "_fields");
      int fields = lua_gettop(L);
      size_t nf = lua_rawlen(L, fields);
      check(L, bloop_value_set_map(out, S->a, nf, &err), &err);
      for (size_t i = 1; i <= nf; i++) {
        lua_rawgeti(L, fields, (lua_Integer)i);  /* [name] */
        size_t klen;
        const char *k = lua_tolstring(L, -1, &klen);
        lua_pushvalue(L, -1);
        lua_rawget(L, types);                    /* [name, ftype] */
        int ft = resolve(L, -1);                 /* [name, ftype, ft] */
        lua_pushvalue(L, -3);
        lua_gettable(L, v);                      /* [name, ftype, ft, fv] */
        bloop_value *slot = bloop_value_map_add(out, S->a, k, klen);
        if (!slot) nomem(L);
        int p;
        dump(S, ft, lua_gettop(L), slot, &p, 0, depth + 1);
        if (!p) out->u.map.count--;
        lua_pop(L, 4);
      }
      lua_pop(L, 2);
      if (out->u.map.count == 0) *present = 0;
      return;
    }
    case K_DYNLIST:
    case K_DYNMAP: {
      if (lua_type(L, v) != LUA_TTABLE || bloopL_is_set(L, v)) break;
      size_t n;
      int shape = table_shape(L, v, &n);
      if (shape == SHAPE_EMPTY) {
        *present = 0;
        return;
      }
      if (kind == K_DYNLIST && shape != SHAPE_ARRAY) bad_value(S, v, depth, 0, "not an array");
      if (kind == K_DYNMAP && shape != SHAPE_MAP)
        bad_value(S, v, depth, 0, "keys must all be strings");
      dump_dynamic(S, v, out, present, depth);
      return;
    }
    case K_DYNAMIC: dump_dynamic(S, v, out, present, depth); return;
    default: luaL_error(L, "bloop: unknown type kind %d", kind);
  }
  bad_value(S, v, depth, 1, NULL);
}

void bloopL_type_dump_ctx(lua_State *L, int tidx, int vidx, int ctxidx, bloop_arena *a,
                          bloop_value *out, int *present, const char *where) {
  int top = lua_gettop(L);
  vidx = lua_absindex(L, vidx);
  ctxidx = ctxidx ? lua_absindex(L, ctxidx) : 0;
  int t = resolve(L, tidx);
  dstate S = {L, a, where, t, ctxidx};
  dump(&S, t, vidx, out, present, 0, 0);
  lua_settop(L, top);
}

void bloopL_type_dump(lua_State *L, int tidx, int vidx, bloop_arena *a, bloop_value *out,
                      int *present, const char *where) {
  bloopL_type_dump_ctx(L, tidx, vidx, 0, a, out, present, where);
}

/* ---- loading ---------------------------------------------------------------------------- */

static int cannot_load(dstate *S, const bloop_value *v, const char *detail) {
  lua_State *L = S->L;
  char name[160], what[96], msg[MSG_MAX];
  type_name(L, S->root_t, name, sizeof name);
  if (v->type == BLOOP_TYPE_S || v->type == BLOOP_TYPE_N) {
    char q[80];
    snprintf(what, sizeof what, "%s %s", bloop_type_name(v->type),
             bloopL_quote(v->u.bytes.ptr, v->u.bytes.len, q, sizeof q));
  } else {
    snprintf(what, sizeof what, "a %s value", bloop_type_name(v->type));
  }
  snprintf(msg, sizeof msg, "%s%s%s cannot load %s%s%s%s", name, S->where ? " column " : "",
           S->where ? S->where : "", what, detail ? " (" : "", detail ? detail : "",
           detail ? ")" : "");
  return raise_msg(L, msg);
}

/* [] -> [number]: an integral N within int64 as a Lua integer, else a decimal. */
static void push_dynamic_number(dstate *S, const bloop_value *v) {
  bloop_decimal d;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_value_decimal(v, &d, &err) != BLOOP_OK) cannot_load(S, v, err.message);
  int64_t i;
  if (bloop_decimal_is_integer(d) && bloop_decimal_to_int64(d, &i, NULL) == BLOOP_OK)
    lua_pushinteger(S->L, (lua_Integer)i);
  else
    bloopL_push_decimal(S->L, d);
}

/* in_container: v is a list element or a map member. A NULL there loads as bloop.null (which
 * dumps back as NULL), so lists keep their positions and maps their members; a NULL column
 * value loads as nil, like an absent one. */
static void load_dynamic(dstate *S, const bloop_value *v, int in_container) {
  lua_State *L = S->L;
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  switch (v->type) {
    case BLOOP_TYPE_S: lua_pushlstring(L, v->u.bytes.ptr, v->u.bytes.len); return;
    /* a plain string dumps as S, so B must load as something else to come back as B */
    case BLOOP_TYPE_B: bloopL_push_binary(L, v->u.bytes.ptr, v->u.bytes.len); return;
    case BLOOP_TYPE_N: push_dynamic_number(S, v); return;
    case BLOOP_TYPE_BOOL: lua_pushboolean(L, v->u.boolean); return;
    case BLOOP_TYPE_NULL:
      if (in_container)
        bloopL_push_null(L);
      else
        lua_pushnil(L);
      return;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
      bloopL_set_new(L, v->u.list.count);
      for (size_t i = 0; i < v->u.list.count; i++) {
        load_dynamic(S, &v->u.list.items[i], 0);
        bloopL_set_add(L, -2);
      }
      return;
    case BLOOP_TYPE_L:
      lua_createtable(L, (int)(v->u.list.count < 1u << 20 ? v->u.list.count : 0), 0);
      for (size_t i = 0; i < v->u.list.count; i++) {
        load_dynamic(S, &v->u.list.items[i], 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      return;
    case BLOOP_TYPE_M:
      lua_createtable(L, 0, (int)(v->u.map.count < 1u << 20 ? v->u.map.count : 0));
      for (size_t i = 0; i < v->u.map.count; i++) {
        const bloop_member *m = &v->u.map.members[i];
        lua_pushlstring(L, m->name, m->name_len);
        load_dynamic(S, &m->value, 1);
        lua_rawset(L, -3);
      }
      return;
    default: lua_pushnil(L); return;
  }
}

static void load(dstate *S, int t, const bloop_value *v, int builtin);

/* Calls t:dynamo_load(inner, context). */
static void load_override(dstate *S, int t, const bloop_value *v) {
  lua_State *L = S->L;
  lua_getfield(L, t, "dynamo_load");
  lua_pushvalue(L, t);
  if (v && v->type != BLOOP_TYPE_NONE)
    push_inner(L, v);
  else
    lua_pushnil(L);
  if (S->ctx)
    lua_pushvalue(L, S->ctx);
  else
    lua_pushnil(L);
  lua_call(L, 3, 1);
}

static const bloop_type kind_tag[K_MAX] = {
    BLOOP_TYPE_NONE, BLOOP_TYPE_S,    BLOOP_TYPE_N,    BLOOP_TYPE_N, BLOOP_TYPE_N,
    BLOOP_TYPE_B,    BLOOP_TYPE_BOOL, BLOOP_TYPE_S,    BLOOP_TYPE_S, BLOOP_TYPE_N,
    BLOOP_TYPE_NONE, BLOOP_TYPE_L,    BLOOP_TYPE_M,    BLOOP_TYPE_L, BLOOP_TYPE_M,
    BLOOP_TYPE_NONE};

static void load(dstate *S, int t, const bloop_value *v, int builtin) {
  lua_State *L = S->L;
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  int kind = kind_of(L, t);
  if (!builtin && rawflag(L, t, "_load_lua")) {
    load_override(S, t, v);
    return;
  }
  /* absent, and NULL written by other tools, load as the absent value */
  if (!v || v->type == BLOOP_TYPE_NONE || (v->type == BLOOP_TYPE_NULL && kind != K_DYNAMIC)) {
    lua_pushnil(L);
    return;
  }
  bloop_type want = kind == K_SET ? set_type_of(L, t) : kind_tag[kind];
  if (kind != K_DYNAMIC && v->type != want) {
    char detail[64];
    snprintf(detail, sizeof detail, "expected %s", bloop_type_name(want));
    cannot_load(S, v, detail);
  }
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_decimal d;
  switch (kind) {
    case K_STRING:
    case K_BINARY: lua_pushlstring(L, v->u.bytes.ptr, v->u.bytes.len); return;
    case K_BOOLEAN: lua_pushboolean(L, v->u.boolean); return;
    case K_NUMBER:
    case K_INTEGER:
    case K_FLOAT:
    case K_TIMESTAMP: {
      if (bloop_value_decimal(v, &d, &err) != BLOOP_OK) cannot_load(S, v, err.message);
      if (kind == K_NUMBER) {
        bloopL_push_decimal(L, d);
      } else if (kind == K_FLOAT) {
        lua_pushnumber(L, (lua_Number)bloop_decimal_to_double(d));
      } else if (kind == K_INTEGER) {
        int64_t i;
        if (!bloop_decimal_is_integer(d)) cannot_load(S, v, "not an integer");
        if (bloop_decimal_to_int64(d, &i, NULL) != BLOOP_OK)
          cannot_load(S, v, "beyond 64-bit integers");
        lua_pushinteger(L, (lua_Integer)i);
      } else {
        /* seconds -> microseconds, exact; a finer fraction is cut toward the past */
        bloop_decimal lo = bloop_decimal_from_int64(BLOOP_DATETIME_MIN / 1000000);
        bloop_decimal hi = bloop_decimal_from_int64(BLOOP_DATETIME_MAX / 1000000 + 1);
        bloop_decimal us;
        if (bloop_decimal_compare(d, lo) < 0 || bloop_decimal_compare(d, hi) >= 0 ||
            bloop_decimal_mul(&us, d, bloop_decimal_from_int64(1000000), NULL) != BLOOP_OK)
          cannot_load(S, v, "outside years 0001..9999");
        unsigned __int128 mag = us.coef;
        int cut = 0;
        for (int32_t e = us.exp; e < 0; e++) {
          cut |= mag % 10 != 0;
          mag /= 10;
        }
        for (int32_t e = us.exp; e > 0; e--) mag *= 10; /* |us| < 2.6e17: no overflow */
        int64_t x = us.neg ? -(int64_t)mag - cut : (int64_t)mag;
        bloopL_push_datetime(L, x);
      }
      return;
    }
    case K_UUID: {
      bloop_uuid u;
      if (bloop_uuid_parse(v->u.bytes.ptr, v->u.bytes.len, &u, NULL) != BLOOP_OK)
        cannot_load(S, v, "not a UUID");
      bloopL_push_uuid(L, &u);
      return;
    }
    case K_DATETIME: {
      int64_t us;
      if (bloop_datetime_parse(v->u.bytes.ptr, v->u.bytes.len, &us, &err) != BLOOP_OK)
        cannot_load(S, v, err.message);
      bloopL_push_datetime(L, us);
      return;
    }
    case K_SET:
    case K_LIST: {
      rawfield(L, t, "inner");
      int inner = resolve(L, -1);             /* [inner?, inner] */
      if (kind == K_SET)
        bloopL_set_new(L, v->u.list.count);
      else
        lua_createtable(L, (int)(v->u.list.count < 1u << 20 ? v->u.list.count : 0), 0);
      lua_Integer n = 0;
      for (size_t i = 0; i < v->u.list.count; i++) {
        load(S, inner, &v->u.list.items[i], 0);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          /* A list keeps its positions (paths index it, and a save writes it back whole):
           * an element that loads as nothing (NULL written by other tools, or a dynamo_load
           * that returned nil) holds bloop.null, which dumps back as NULL. */
          if (kind == K_LIST) {
            bloopL_push_null(L);
            lua_rawseti(L, -2, ++n);
          }
        } else if (kind == K_SET) {
          bloopL_set_add(L, -2);
        } else {
          lua_rawseti(L, -2, ++n);
        }
      }
      lua_replace(L, -3);
      lua_pop(L, 1);
      return;
    }
    case K_MAP: {
      rawfield(L, t, "types");
      int types = lua_gettop(L);
      rawfield(L, t, "_fields");
      int fields = lua_gettop(L);
      size_t nf = lua_rawlen(L, fields);
      lua_createtable(L, 0, (int)nf);
      for (size_t i = 1; i <= nf; i++) {
        lua_rawgeti(L, fields, (lua_Integer)i);  /* [out, name] */
        size_t klen;
        const char *k = lua_tolstring(L, -1, &klen);
        const bloop_value *m = bloop_value_get(v, k, klen);
        lua_pushvalue(L, -1);
        lua_rawget(L, types);                    /* [out, name, ftype] */
        int ft = resolve(L, -1);                 /* [out, name, ftype, ft] */
        load(S, ft, m, 0);                       /* [out, name, ftype, ft, value] */
        lua_replace(L, -3);
        lua_pop(L, 1);                           /* [out, name, value] */
        lua_rawset(L, -3);
      }
      lua_replace(L, types);
      lua_settop(L, types);
      return;
    }
    case K_DYNLIST:
    case K_DYNMAP:
    case K_DYNAMIC: load_dynamic(S, v, 0); return;
    default: luaL_error(L, "bloop: unknown type kind %d", kind);
  }
}

void bloopL_type_load_ctx(lua_State *L, int tidx, const bloop_value *v, int ctxidx,
                          const char *where) {
  ctxidx = ctxidx ? lua_absindex(L, ctxidx) : 0;
  int t = resolve(L, tidx);                    /* [t] */
  dstate S = {L, NULL, where, t, ctxidx};
  load(&S, t, v, 0);                           /* [t, value] */
  lua_remove(L, t);
}

void bloopL_type_load(lua_State *L, int tidx, const bloop_value *v) {
  bloopL_type_load_ctx(L, tidx, v, 0, NULL);
}

/* ---- Lua functions --------------------------------------------------------------------- */

static const char *opt_where(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) ? NULL : luaL_checkstring(L, idx);
}

/* core.type_dump(type, value [, context [, where]]) -> wire table or nil */
static int lt_dump(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 4);
  bloop_arena *a = bloopL_push_arena(L);             /* [.., arena] */
  bloop_value out;
  int present;
  bloopL_type_dump_ctx(L, 1, 2, 3, a, &out, &present, opt_where(L, 4));
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
  bloopL_type_load_ctx(L, 1, pv, 3, opt_where(L, 4));
  bloop_arena_free(a);
  return 1;
}

/* ---- whole objects ------------------------------------------------------------------ */

/* [] -> [entry, name, dynamo name, type, label] for spec entry i; returns the entry's
 * absolute index. Raises on a malformed entry (the spec is engine.lua's, never a user's). */
static int spec_entry(lua_State *L, int spec, lua_Integer i) {
  if (lua_rawgeti(L, spec, i) != LUA_TTABLE) luaL_error(L, "bloop: bad column spec %d", (int)i);
  int e = lua_gettop(L);
  lua_rawgeti(L, e, 1);
  lua_rawgeti(L, e, 2);
  lua_rawgeti(L, e, 3);
  lua_rawgeti(L, e, 4);
  if (lua_type(L, e + 1) != LUA_TSTRING || lua_type(L, e + 2) != LUA_TSTRING)
    luaL_error(L, "bloop: bad column spec %d", (int)i);
  return e;
}

/* Spec columns up to this many are gathered on the C stack; more in a userdata. */
#define SNAP_STACK 32

void bloopL_fill_state(lua_State *L, const bloop_value *item, int spec_idx, int data_idx,
                       int ctx_idx, const char *text, size_t text_len) {
  spec_idx = lua_absindex(L, spec_idx);
  if (data_idx) data_idx = lua_absindex(L, data_idx);
  ctx_idx = ctx_idx && !lua_isnoneornil(L, ctx_idx) ? lua_absindex(L, ctx_idx) : 0;
  luaL_checkstack(L, 12, "bloop: column spec");
  lua_Integer n = (lua_Integer)lua_rawlen(L, spec_idx);
  bloop_member stack[SNAP_STACK], *kept = stack;
  if (n > SNAP_STACK) kept = lua_newuserdatauv(L, (size_t)n * sizeof *kept, 0);
  int keep_idx = lua_gettop(L);                /* the userdata (or whatever was on top) */
  size_t nkept = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    int e = spec_entry(L, spec_idx, i);        /* [e, name, dyn, type, label] */
    size_t dlen;
    const char *dyn = lua_tolstring(L, e + 2, &dlen);
    const bloop_value *v = item ? bloop_value_get(item, dyn, dlen) : NULL;
    if (data_idx) {
      lua_pushvalue(L, e + 1);
      bloopL_type_load_ctx(L, e + 3, v, ctx_idx, lua_tostring(L, e + 4));
      lua_rawset(L, data_idx);
    }
    /* shallow: item outlives this call, and the name is the spec's string, which the spec
     * table keeps alive */
    if (v) kept[nkept++] = (bloop_member){dyn, dlen, *v};
    lua_settop(L, e - 1);
  }
  /* The snapshot: the spec's attributes of item as DynamoDB JSON text (see ltypes.h). When
   * every attribute of item is one of them, that is the item's own text, when given. */
  if (text && item && nkept == item->u.map.count) {
    lua_pushlstring(L, text, text_len);
  } else {
    bloop_value snap;
    memset(&snap, 0, sizeof snap);
    snap.type = BLOOP_TYPE_M;
    snap.u.map.members = kept;
    snap.u.map.count = snap.u.map.cap = nkept;
    bloop_buf b = BLOOP_BUF_INIT;
    /* item came from the JSON reader: valid, so not validated again */
    if (bloopi_item_to_json_unchecked(&snap, &b) != BLOOP_OK) {
      bloop_buf_free(&b);
      nomem(L);
    }
    lua_pushlstring(L, b.data, b.len);
    bloop_buf_free(&b);
  }
  if (kept != stack) lua_remove(L, keep_idx);
}

/* core.snapshot_state(snapshot, spec) -> { [column name] = wire or false }: a snapshot (the
 * JSON text bloopL_fill_state made) as the per-column state engine.lua works with. */
static int lt_snapshot_state(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  lua_createtable(L, 0, (int)n);                /* [snap, spec, state] */
  bloop_arena *a = bloopL_push_arena(L);        /* [.., state, arena] */
  bloop_value item;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_item_from_json(text, len, a, &item, &err);
  if (st != BLOOP_OK) return bloopL_raise_error(L, "InvalidValue", &err);
  for (lua_Integer i = 1; i <= n; i++) {
    int e = spec_entry(L, 2, i);                /* [e, name, dyn, type, label] */
    size_t dlen;
    const char *dyn = lua_tolstring(L, e + 2, &dlen);
    const bloop_value *v = bloop_value_get(&item, dyn, dlen);
    lua_pushvalue(L, e + 1);
    if (v)
      bloopL_push_wire(L, v);
    else
      lua_pushboolean(L, 0);
    lua_rawset(L, 3);
    lua_settop(L, e - 1);
  }
  bloop_arena_free(a);
  lua_pop(L, 1);
  return 1;
}

/* core.dump_item(spec, data, context) -> snapshot, absent: every entry's data[name] dumped
 * through its type into one item, returned as a snapshot (ltypes.h); absent is nil, or a
 * table { [column name] = true } of the entries whose value dumped to nothing. No wire
 * table is made: a save hands the string to C, which reads it back as its item, and keeps
 * it as the object's synced state. */
static int lt_dump_item(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 3);
  int has_data = lua_type(L, 2) == LUA_TTABLE;
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  lua_pushnil(L);                               /* [spec, data, ctx, absent] */
  bloop_arena *a = bloopL_push_arena(L);        /* [.., absent, arena] */
  bloop_value item;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_value_set_map(&item, a, (size_t)n, &err) != BLOOP_OK)
    return bloopL_raise_error(L, "ClientError", &err);
  for (lua_Integer i = 1; i <= n; i++) {
    int e = spec_entry(L, 1, i);                /* [e, name, dyn, type, label] */
    lua_pushvalue(L, e + 1);
    if (has_data)
      lua_rawget(L, 2);
    else
      lua_pushnil(L);                           /* [.., value] */
    bloop_value out;
    int present;
    bloopL_type_dump_ctx(L, e + 3, e + 5, 3, a, &out, &present, lua_tostring(L, e + 4));
    if (present) {
      size_t dlen;
      const char *dyn = lua_tolstring(L, e + 2, &dlen);
      bloop_value *slot = bloop_value_map_add(&item, a, dyn, dlen);
      if (!slot) nomem(L);
      *slot = out;
    } else {
      if (lua_isnil(L, 4)) {
        lua_createtable(L, 0, 4);
        lua_replace(L, 4);
      }
      lua_pushvalue(L, e + 1);
      lua_pushboolean(L, 1);
      lua_rawset(L, 4);
    }
    lua_settop(L, e - 1);
  }
  /* Not validated here: the C engine reads the snapshot back with the JSON reader, which
   * checks every rule, and reports a bad value under the model and operation. */
  bloop_buf b = BLOOP_BUF_INIT;
  if (bloopi_item_to_json_unchecked(&item, &b) != BLOOP_OK) {
    bloop_buf_free(&b);
    return nomem(L);
  }
  lua_pushlstring(L, b.data, b.len);            /* [.., absent, arena, snapshot] */
  bloop_buf_free(&b);
  bloop_arena_free(a);
  lua_pushvalue(L, 4);
  return 2;
}

/* core.type_builtin_dump(self, value, context) -> inner wire value or nil: the built-in
 * dynamo_dump every class inherits (overrides reach it through .super). */
static int lt_builtin_dump(lua_State *L) {
  lua_settop(L, 3);
  int t = resolve(L, 1);                      /* [self, value, ctx, t] */
  bloop_arena *a = bloopL_push_arena(L);
  dstate S = {L, a, NULL, t, 3};
  bloop_value out;
  int present;
  dump(&S, t, 2, &out, &present, 1, 0);
  if (present)
    push_inner(L, &out);
  else
    lua_pushnil(L);
  bloop_arena_free(a);
  return 1;
}

/* core.type_builtin_load(self, inner, context) -> value */
static int lt_builtin_load(lua_State *L) {
  lua_settop(L, 3);
  int t = resolve(L, 1);
  if (lua_isnil(L, 2)) {
    lua_pushnil(L);
    return 1;
  }
  bloop_arena *a = bloopL_push_arena(L);
  dstate S = {L, a, NULL, t, 3};
  bloop_value v;
  bloop_type bt = BLOOP_TYPE_NONE;
  int kind = kind_of(L, t);
  if (kind == K_SET) {
    bt = set_type_of(L, t);
  } else if (kind == K_DYNAMIC) {
    return luaL_error(L, "Dynamic values have no inner wire form; load a wire table");
  } else {
    bt = kind_tag[kind];
  }
  wpath p;
  p.len = 0;
  p.buf[0] = '\0';
  char name[160];
  wpath_push(&p, type_name(L, t, name, sizeof name), ":dynamo_load value");
  from_inner(L, 2, bt, a, &v, &p, 0);
  load(&S, t, &v, 1);
  bloop_arena_free(a);
  return 1;
}

int bloopL_open_types(lua_State *L) {
  luaL_checktype(L, -1, LUA_TTABLE);          /* [core] */
  lua_createtable(L, 0, K_MAX);               /* [core, kinds] */
  for (int k = 1; k < K_MAX; k++) {
    lua_pushinteger(L, k);
    lua_setfield(L, -2, kind_names[k]);
  }
  lua_setfield(L, -2, "type_kinds");
  static const luaL_Reg funcs[] = {{"type_dump", lt_dump},
                                   {"type_load", lt_load},
                                   {"type_builtin_dump", lt_builtin_dump},
                                   {"type_builtin_load", lt_builtin_load},
                                   {"snapshot_state", lt_snapshot_state},
                                   {"dump_item", lt_dump_item},
                                   {NULL, NULL}};
  luaL_setfuncs(L, funcs, 0);
  return 0;
}
