/*
 * ldump.c: dumping a Lua value through a bloop type object into a bloop_value (ltypes.h),
 * one helper per kind of type, and per kind of Lua value for the Dynamic types.
 *
 * Memory: everything is built in the caller's arena, so raising mid-dump leaks nothing
 * (the caller frees the arena; the Lua-facing functions keep theirs in a userdata whose
 * __gc frees it). Messages are built in fixed buffers.
 */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "bloop/datetime.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lmeta.h"
#include "lua/ldecimal.h"
#include "lua/ltypes.h"
#include "lua/lvalues.h"
#include "lua/lwire.h"

#define MSG_MAX 512

/* ---- messages ---------------------------------------------------------------------------- */

/* Shortest %.Ng (N = 15..17) that reads back as x. */
static void ldu_format_float(double x, char *buf, size_t cap) {
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
static const char *ldu_a_kind(lua_State *L, int idx) {
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

/* A value object at idx as it reads in a message ("decimal 1.5"), or its kind. */
static const char *ldu_literal_object(lua_State *L, int idx, char *buf, size_t cap) {
  const bloop_decimal *d = (const bloop_decimal *)luaL_testudata(L, idx, BLOOP_DECIMAL_META);
  const int64_t *dt = bloopL_test_datetime(L, idx);
  const bloop_uuid *u = bloopL_test_uuid(L, idx);
  if (d) {
    char tmp[BLOOP_DECIMAL_STRING_MAX];
    bloop_decimal_format(*d, tmp);
    snprintf(buf, cap, "decimal %s", tmp);
  } else if (dt) {
    char tmp[BLOOP_DATETIME_STRING_MAX];
    bloop_datetime_format(*dt, tmp);
    snprintf(buf, cap, "datetime %s", tmp);
  } else if (u) {
    char tmp[BLOOP_UUID_STRING_MAX];
    bloop_uuid_format(u, tmp);
    snprintf(buf, cap, "uuid %s", tmp);
  } else {
    return ldu_a_kind(L, idx);
  }
  return buf;
}

/* The value at idx as it reads in a message: 1.5, "yes", true, a table. */
static const char *ldu_literal(lua_State *L, int idx, char *buf, size_t cap) {
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx))
        snprintf(buf, cap, "%lld", (long long)lua_tointeger(L, idx));
      else
        ldu_format_float(lua_tonumber(L, idx), buf, cap);
      return buf;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      return bloopL_quote(s, len, buf, cap < 64 ? cap : 64);
    }
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TUSERDATA: return ldu_literal_object(L, idx, buf, cap);
    default: return ldu_a_kind(L, idx);
  }
}

/* Raises an InvalidValue error object; messages are cut at MSG_MAX bytes. */
static int ldu_raise(lua_State *L, const char *msg) {
  return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue", "%s", msg);
}

/* Raises "<Root>[ column W] got <value>[ (detail)]" for a value at the root, and
 * "... got a table with <what> in it[ (detail)]" for one inside a container: <what> is the
 * value's kind when the kind is wrong (kind_error), else the value itself. */
static int ldu_bad_value(bloopL_conv *S, int v, int depth, int kind_error, const char *detail) {
  lua_State *L = S->L;
  char name[160], lit[96], msg[MSG_MAX];
  bloopL_type_name(L, S->root_t, name, sizeof name);
  const char *col = S->where ? " column " : "", *where = S->where ? S->where : "";
  const char *what =
      kind_error && depth > 0 ? ldu_a_kind(L, v) : ldu_literal(L, v, lit, sizeof lit);
  const char *open = detail ? " (" : "", *close = detail ? ")" : "";
  if (depth == 0)
    snprintf(msg, sizeof msg, "%s%s%s got %s%s%s%s", name, col, where, what, open,
             detail ? detail : "", close);
  else
    snprintf(msg, sizeof msg, "%s%s%s got a table with %s in it%s%s%s", name, col, where,
             what, open, detail ? detail : "", close);
  return ldu_raise(L, msg);
}

/* ---- scalars ----------------------------------------------------------------------------- */

static void ldu_decimal(bloopL_conv *S, bloop_value *out, bloop_decimal d) {
  if (bloop_value_set_n_decimal(out, S->a, d, NULL) != BLOOP_OK) bloopL_nomem(S->L);
}

/* The number or decimal at v as a decimal: 0 when v is neither; raises naming v when it
 * has no DynamoDB form (NaN, infinities, beyond DynamoDB's range). */
static int ldu_to_decimal(bloopL_conv *S, int v, int depth, bloop_decimal *d) {
  lua_State *L = S->L;
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
  bloop_error err = BLOOP_ERROR_INIT;
  if (isnan(x) || isinf(x)) ldu_bad_value(S, v, depth, 0, NULL);
  if (bloop_decimal_from_double(d, x, &err) != BLOOP_OK)
    ldu_bad_value(S, v, depth, 0, err.message);
  return 1;
}

static void ldu_string(bloopL_conv *S, int v, int depth, bloop_value *out, const char *s,
                       size_t len) {
  if (!bloopi_utf8_valid(s, len)) ldu_bad_value(S, v, depth, 0, "not valid UTF-8");
  if (bloop_value_set_s(out, S->a, s, len, NULL) != BLOOP_OK) bloopL_nomem(S->L);
}

static void ldu_binary(bloopL_conv *S, int v, bloop_value *out) {
  size_t len;
  const char *s = bloopL_binary_bytes(S->L, v, &len);
  if (bloop_value_set_b(out, S->a, s, len, NULL) != BLOOP_OK) bloopL_nomem(S->L);
}

/* Removes repeated members of a built set (a plain array may repeat a member, and two
 * members may dump to the same text); the first occurrence stays. */
static void ldu_dedupe(bloopL_conv *S, bloop_value *set) {
  if (bloop_value_dedupe(set, NULL) != BLOOP_OK) bloopL_nomem(S->L);
}

/* ---- Dynamic: a Lua value typed by its shape ------------------------------------------ */

static void ldu_dynamic(bloopL_conv *S, int v, bloop_value *out, int *present, int depth);

static int ldu_by_name(const void *x, const void *y) {
  const bloop_member *a = (const bloop_member *)x, *b = (const bloop_member *)y;
  size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
  int c = memcmp(a->name, b->name, n);
  return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* A bloop.set: SS, NS or BS after its first member; an empty set is absent. */
static void ldu_dynamic_set(bloopL_conv *S, int v, bloop_value *out, int *present, int depth) {
  lua_State *L = S->L;
  size_t n = lua_rawlen(L, v);
  if (n == 0) {
    *present = 0;
    return;
  }
  lua_rawgeti(L, v, 1);
  bloop_type st = lua_type(L, -1) == LUA_TSTRING ? BLOOP_TYPE_SS
                  : bloopL_test_binary(L, -1)    ? BLOOP_TYPE_BS
                                                 : BLOOP_TYPE_NS;
  lua_pop(L, 1);
  if (bloop_value_set_list(out, S->a, st, n, NULL) != BLOOP_OK) bloopL_nomem(L);
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, v, (lua_Integer)i);
    int e = lua_gettop(L);
    bloop_value *slot = bloop_value_append(out, S->a);
    bloop_decimal d;
    if (!slot) bloopL_nomem(L);
    if (st == BLOOP_TYPE_SS && lua_type(L, e) == LUA_TSTRING) {
      size_t len;
      const char *s = lua_tolstring(L, e, &len);
      ldu_string(S, e, depth + 1, slot, s, len);
    } else if (st == BLOOP_TYPE_BS && bloopL_test_binary(L, e)) {
      ldu_binary(S, e, slot);
    } else if (st == BLOOP_TYPE_NS && ldu_to_decimal(S, e, depth + 1, &d)) {
      ldu_decimal(S, slot, d);
    } else {
      ldu_bad_value(S, e, depth + 1, 1,
                    "a set must hold only strings, only numbers or only bloop.binary values");
    }
    lua_pop(L, 1);
  }
  ldu_dedupe(S, out);
}

/* A plain table: an array is L, a map M (members sorted by name, so equal tables dump to
 * equal text); {} is absent at the root, an empty M inside. Elements that dump to
 * nothing (empty sets: DynamoDB cannot store them) are left out. */
static void ldu_dynamic_table(bloopL_conv *S, int v, bloop_value *out, int *present,
                              int depth) {
  lua_State *L = S->L;
  size_t n;
  bloopL_shape shape = bloopL_table_shape(L, v, &n);
  if (shape == BLOOPL_SHAPE_EMPTY) {
    if (depth == 0)
      *present = 0;
    else if (bloop_value_set_map(out, S->a, 0, NULL) != BLOOP_OK)
      bloopL_nomem(L);
    return;
  }
  if (shape == BLOOPL_SHAPE_MIXED)
    ldu_bad_value(S, v, depth, 1, "mixes array and map keys, or has keys that are neither");
  if (shape == BLOOPL_SHAPE_ARRAY) {
    if (bloop_value_set_list(out, S->a, BLOOP_TYPE_L, n, NULL) != BLOOP_OK) bloopL_nomem(L);
    for (size_t i = 1; i <= n; i++) {
      lua_rawgeti(L, v, (lua_Integer)i);
      bloop_value *slot = bloop_value_append(out, S->a);
      if (!slot) bloopL_nomem(L);
      int p = 1;
      ldu_dynamic(S, lua_gettop(L), slot, &p, depth + 1);
      if (!p) bloop_value_pop(out);
      lua_pop(L, 1);
    }
    return;
  }
  if (bloop_value_set_map(out, S->a, n, NULL) != BLOOP_OK) bloopL_nomem(L);
  lua_pushnil(L);
  while (lua_next(L, v)) {                /* [k, e] */
    size_t klen;
    const char *k = lua_tolstring(L, -2, &klen);
    /* Caught here, where the column is known, and shown escaped ("\255"); the JSON reader
     * would refuse the name later without either. */
    if (!bloopi_utf8_valid(k, klen) || memchr(k, '\0', klen))
      ldu_bad_value(S, lua_absindex(L, -2), depth + 1, 0,
                    "a map key must be UTF-8 text without NUL bytes");
    bloop_value *slot = bloop_value_map_add(out, S->a, k, klen);
    if (!slot) bloopL_nomem(L);
    int p = 1;
    ldu_dynamic(S, lua_gettop(L), slot, &p, depth + 1);
    if (!p) bloop_value_pop(out);
    lua_pop(L, 1);
  }
  qsort(out->u.map.members, out->u.map.count, sizeof *out->u.map.members, ldu_by_name);
}

/* A Lua value typed by its shape (Dynamic types, and DynamicList / DynamicMap members).
 * Values keep what DynamoDB can store ("" stays S "" everywhere, {} inside becomes an
 * empty M); at the root an empty table or set is absent. */
static void ldu_dynamic(bloopL_conv *S, int v, bloop_value *out, int *present, int depth) {
  lua_State *L = S->L;
  bloop_decimal d;
  if (depth > BLOOP_MAX_DEPTH) ldu_bad_value(S, v, depth, 1, "nested deeper than 32 levels");
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  switch (lua_type(L, v)) {
    case LUA_TNIL: *present = 0; return;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, v, &len);
      ldu_string(S, v, depth, out, s, len);
      return;
    }
    case LUA_TBOOLEAN: bloop_value_set_bool(out, lua_toboolean(L, v)); return;
    case LUA_TNUMBER:
      ldu_to_decimal(S, v, depth, &d);
      ldu_decimal(S, out, d);
      return;
    case LUA_TLIGHTUSERDATA:
      if (!bloopL_is_null(L, v)) break;
      bloop_value_set_null(out);
      return;
    case LUA_TUSERDATA:
      if (ldu_to_decimal(S, v, depth, &d)) {
        ldu_decimal(S, out, d);
        return;
      }
      if (!bloopL_test_binary(L, v)) break;
      ldu_binary(S, v, out);
      return;
    case LUA_TTABLE:
      if (bloopL_is_set(L, v))
        ldu_dynamic_set(S, v, out, present, depth);
      else
        ldu_dynamic_table(S, v, out, present, depth);
      return;
    default: break;
  }
  ldu_bad_value(S, v, depth, 1, NULL);
}

/* ---- typed: one helper per kind. Each returns 0 when the Lua value is of the wrong kind
 * for the type (the caller raises), 1 when it dumped it (or found it absent). ---------- */

static void ldu_dump(bloopL_conv *S, int t, int v, bloop_value *out, int *present,
                     int builtin, int depth);

/* String and Binary. "" and empty bytes are values, as DynamoDB has stored them outside
 * keys since 2020: a load of data any SDK wrote must save back unchanged. (A key column
 * refuses them in the engine; a column declared with empty_as_absent maps "" to absent in
 * Lua, column.lua.) */
static int ldu_bytes(bloopL_conv *S, int kind, int v, bloop_value *out, int *present,
                     int depth) {
  lua_State *L = S->L;
  size_t len;
  const char *s;
  if (kind == BLOOPL_K_BINARY && bloopL_test_binary(L, v))
    s = bloopL_binary_bytes(L, v, &len);
  else if (lua_type(L, v) == LUA_TSTRING)
    s = lua_tolstring(L, v, &len);
  else
    return 0;
  if (kind == BLOOPL_K_STRING)
    ldu_string(S, v, depth, out, s, len);
  else if (bloop_value_set_b(out, S->a, s, len, NULL) != BLOOP_OK)
    bloopL_nomem(L);
  return 1;
}

/* Number and Float. */
static int ldu_number(bloopL_conv *S, int v, bloop_value *out, int depth) {
  bloop_decimal d;
  if (!ldu_to_decimal(S, v, depth, &d)) return 0;
  ldu_decimal(S, out, d);
  return 1;
}

/* Integer: an integral float is taken; anything else that is not a 64-bit integer raises. */
static int ldu_integer(bloopL_conv *S, int v, bloop_value *out, int depth) {
  lua_State *L = S->L;
  bloop_decimal d;
  int64_t i;
  if (lua_type(L, v) == LUA_TNUMBER && !lua_isinteger(L, v)) {
    lua_Integer n = 0;
    lua_Number x = lua_tonumber(L, v);
    if (!lua_numbertointeger(x, &n) || (lua_Number)n != x) ldu_bad_value(S, v, depth, 0, NULL);
    ldu_decimal(S, out, bloop_decimal_from_int64(n));
    return 1;
  }
  if (!ldu_to_decimal(S, v, depth, &d)) return 0;
  if (!bloop_decimal_is_integer(d)) ldu_bad_value(S, v, depth, 0, NULL);
  if (bloop_decimal_to_int64(d, &i, NULL) != BLOOP_OK)
    ldu_bad_value(S, v, depth, 0, "beyond 64-bit integers");
  ldu_decimal(S, out, d);
  return 1;
}

static int ldu_uuid(bloopL_conv *S, int v, bloop_value *out) {
  const bloop_uuid *u = bloopL_test_uuid(S->L, v);
  if (!u) return 0;
  char buf[BLOOP_UUID_STRING_MAX];
  size_t n = bloop_uuid_format(u, buf);
  if (bloop_value_set_s(out, S->a, buf, n, NULL) != BLOOP_OK) bloopL_nomem(S->L);
  return 1;
}

/* DateTime (ISO 8601 text) and Timestamp (whole seconds, rounded toward the past). */
static int ldu_datetime(bloopL_conv *S, int kind, int v, bloop_value *out) {
  const int64_t *us = bloopL_test_datetime(S->L, v);
  if (!us) return 0;
  if (kind == BLOOPL_K_TIMESTAMP) {
    int64_t s = *us / 1000000 - (*us % 1000000 < 0);   /* floor */
    ldu_decimal(S, out, bloop_decimal_from_int64(s));
    return 1;
  }
  char buf[BLOOP_DATETIME_STRING_MAX];
  size_t n = bloop_datetime_format(*us, buf);
  if (bloop_value_set_s(out, S->a, buf, n, NULL) != BLOOP_OK) bloopL_nomem(S->L);
  return 1;
}

/* Set and List: each element through the inner type ("" included); elements that dump to
 * nothing (nil from a type's own dynamo_dump) are dropped, and nothing left is absent. A List keeps bloop.null (the placeholder a load
 * left for a NULL: lload.c) as NULL. */
static int ldu_sequence(bloopL_conv *S, int t, int kind, int v, bloop_value *out,
                        int *present, int depth) {
  lua_State *L = S->L;
  size_t n;
  if (lua_type(L, v) != LUA_TTABLE) return 0;
  if (bloopL_is_set(L, v)) {
    if (kind == BLOOPL_K_LIST) return 0;
    n = lua_rawlen(L, v);
  } else {
    bloopL_shape shape = bloopL_table_shape(L, v, &n);
    if (shape == BLOOPL_SHAPE_MAP || shape == BLOOPL_SHAPE_MIXED)
      ldu_bad_value(S, v, depth, 0, "not an array");
  }
  if (n == 0) {
    *present = 0;
    return 1;
  }
  bloop_type lt = bloopL_type_stores(L, t);
  if (lt == BLOOP_TYPE_NONE) luaL_error(L, "bloop: set type without a set backing_type");
  bloop_type et = bloop_type_member(lt);        /* NONE for L */
  if (bloop_value_set_list(out, S->a, lt, n, NULL) != BLOOP_OK) bloopL_nomem(L);
  bloopL_type_field(L, t, "inner");
  int inner = bloopL_type_resolve(L, -1);       /* [inner?, inner] */
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, v, (lua_Integer)i);
    bloop_value *slot = bloop_value_append(out, S->a);
    if (!slot) bloopL_nomem(L);
    int p = 1;
    if (lt == BLOOP_TYPE_L && bloopL_is_null(L, -1))
      bloop_value_set_null(slot);
    else
      ldu_dump(S, inner, lua_gettop(L), slot, &p, 0, depth + 1);
    if (!p) {
      bloop_value_pop(out);   /* bloop drops members that dump to absent */
    } else if (et != BLOOP_TYPE_NONE && slot->type != et) {
      char msg[MSG_MAX], name[160];
      snprintf(msg, sizeof msg, "%s dumped a %s member into a %s",
               bloopL_type_name(L, t, name, sizeof name), bloop_type_name(slot->type),
               bloop_type_name(lt));
      ldu_raise(L, msg);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  if (bloop_value_count(out) == 0)
    *present = 0;
  else if (lt != BLOOP_TYPE_L)
    ldu_dedupe(S, out);
  return 1;
}

/* Raises when the table at v has a key that is not a field of the Map type whose field
 * types are at `types` (a caller bug: the first such key is named). */
static void ldu_map_keys(bloopL_conv *S, int types, int v) {
  lua_State *L = S->L;
  lua_pushnil(L);
  while (lua_next(L, v)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    if (lua_type(L, -1) != LUA_TSTRING || lua_rawget(L, types) == LUA_TNIL) {
      char msg[MSG_MAX], name[160], key[96];
      lua_pop(L, 1);
      snprintf(msg, sizeof msg, "%s%s%s got a table with an unknown key %s",
               bloopL_type_name(L, S->root_t, name, sizeof name), S->where ? " column " : "",
               S->where ? S->where : "", ldu_literal(L, lua_gettop(L), key, sizeof key));
      ldu_raise(L, msg);
    }
    lua_pop(L, 1);
  }
}

/* Map: each declared field through its type, in declaration order; absent fields are
 * left out, and a map with none left is absent. */
static int ldu_map(bloopL_conv *S, int t, int v, bloop_value *out, int *present, int depth) {
  lua_State *L = S->L;
  if (lua_type(L, v) != LUA_TTABLE || bloopL_is_set(L, v)) return 0;
  bloopL_type_field(L, t, "types");
  int types = lua_gettop(L);
  ldu_map_keys(S, types, v);
  bloopL_type_field(L, t, "_fields");
  int fields = lua_gettop(L);
  size_t nf = lua_rawlen(L, fields);
  if (bloop_value_set_map(out, S->a, nf, NULL) != BLOOP_OK) bloopL_nomem(L);
  for (size_t i = 1; i <= nf; i++) {
    lua_rawgeti(L, fields, (lua_Integer)i);  /* [name] */
    size_t klen;
    const char *k = lua_tolstring(L, -1, &klen);
    lua_pushvalue(L, -1);
    lua_rawget(L, types);                    /* [name, ftype] */
    int ft = bloopL_type_resolve(L, -1);     /* [name, ftype, ft] */
    lua_pushvalue(L, -3);
    lua_gettable(L, v);                      /* [name, ftype, ft, fv] */
    bloop_value *slot = bloop_value_map_add(out, S->a, k, klen);
    if (!slot) bloopL_nomem(L);
    int p;
    ldu_dump(S, ft, lua_gettop(L), slot, &p, 0, depth + 1);
    if (!p) bloop_value_pop(out);
    lua_pop(L, 4);
  }
  lua_pop(L, 2);
  if (bloop_value_count(out) == 0) *present = 0;
  return 1;
}

/* DynamicList and DynamicMap: a table of the right shape, its members typed by shape. */
static int ldu_dynamic_container(bloopL_conv *S, int kind, int v, bloop_value *out,
                                 int *present, int depth) {
  lua_State *L = S->L;
  size_t n;
  if (lua_type(L, v) != LUA_TTABLE || bloopL_is_set(L, v)) return 0;
  bloopL_shape shape = bloopL_table_shape(L, v, &n);
  if (shape == BLOOPL_SHAPE_EMPTY) {
    *present = 0;
    return 1;
  }
  if (kind == BLOOPL_K_DYNLIST && shape != BLOOPL_SHAPE_ARRAY)
    ldu_bad_value(S, v, depth, 0, "not an array");
  if (kind == BLOOPL_K_DYNMAP && shape != BLOOPL_SHAPE_MAP)
    ldu_bad_value(S, v, depth, 0, "keys must all be strings");
  ldu_dynamic(S, v, out, present, depth);
  return 1;
}

/* Calls t:dynamo_dump(v, context) and converts the inner wire value it returns. */
static void ldu_override(bloopL_conv *S, int t, int v, bloop_value *out, int *present) {
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
  bloop_type bt = bloopL_type_backing(L, t);
  char name[160], root[200];
  bloopL_type_name(L, t, name, sizeof name);
  if (bt == BLOOP_TYPE_NONE) luaL_error(L, "%s has no backing_type", name);
  snprintf(root, sizeof root, "%s:dynamo_dump result", name);
  bloopL_inner_from_wire(L, -1, bt, S->a, out, root);
  lua_pop(L, 1);
  *present = 1;
}

/* ldu_dump for a type whose kind and _dump_lua flag the caller read already. */
static void ldu_dump_known(bloopL_conv *S, int t, int kind, int dump_lua, int v,
                           bloop_value *out, int *present, int builtin, int depth) {
  lua_State *L = S->L;
  int done = 0;
  *present = 1;
  if (!builtin && dump_lua) {
    ldu_override(S, t, v, out, present);
    return;
  }
  if (lua_isnil(L, v)) {
    *present = 0;
    return;
  }
  if (depth > BLOOP_MAX_DEPTH) ldu_bad_value(S, v, depth, 1, "nested deeper than 32 levels");
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  switch (kind) {
    case BLOOPL_K_STRING:
    case BLOOPL_K_BINARY: done = ldu_bytes(S, kind, v, out, present, depth); break;
    case BLOOPL_K_NUMBER:
    case BLOOPL_K_FLOAT: done = ldu_number(S, v, out, depth); break;
    case BLOOPL_K_INTEGER: done = ldu_integer(S, v, out, depth); break;
    case BLOOPL_K_BOOLEAN:
      done = lua_type(L, v) == LUA_TBOOLEAN;
      if (done) bloop_value_set_bool(out, lua_toboolean(L, v));
      break;
    case BLOOPL_K_UUID: done = ldu_uuid(S, v, out); break;
    case BLOOPL_K_DATETIME:
    case BLOOPL_K_TIMESTAMP: done = ldu_datetime(S, kind, v, out); break;
    case BLOOPL_K_SET:
    case BLOOPL_K_LIST: done = ldu_sequence(S, t, kind, v, out, present, depth); break;
    case BLOOPL_K_MAP: done = ldu_map(S, t, v, out, present, depth); break;
    case BLOOPL_K_DYNLIST:
    case BLOOPL_K_DYNMAP:
      done = ldu_dynamic_container(S, kind, v, out, present, depth);
      break;
    case BLOOPL_K_DYNAMIC:
      ldu_dynamic(S, v, out, present, depth);
      done = 1;
      break;
    default: luaL_error(L, "bloop: unknown type kind %d", kind);
  }
  if (!done) ldu_bad_value(S, v, depth, 1, NULL);
}

/* ---- entry points ---------------------------------------------------------------------- */

void bloopL_conv_dump(bloopL_conv *S, int t, int v, bloop_value *out, int *present,
                      int builtin) {
  ldu_dump(S, t, v, out, present, builtin, 0);
}

static void ldu_dump(bloopL_conv *S, int t, int v, bloop_value *out, int *present,
                     int builtin, int depth) {
  ldu_dump_known(S, t, bloopL_type_kind(S->L, t), bloopL_type_flag(S->L, t, "_dump_lua"), v,
                 out, present, builtin, depth);
}

void bloopL_type_dump_known(lua_State *L, int t, int kind, int dump_lua, int vidx,
                            int ctxidx, bloop_arena *a, bloop_value *out, int *present,
                            const char *where) {
  int top = lua_gettop(L);
  t = lua_absindex(L, t);
  vidx = lua_absindex(L, vidx);
  ctxidx = ctxidx ? lua_absindex(L, ctxidx) : 0;
  bloopL_conv S = {L, a, where, t, ctxidx};
  ldu_dump_known(&S, t, kind, dump_lua, vidx, out, present, 0, 0);
  lua_settop(L, top);
}

void bloopL_type_dump_ctx(lua_State *L, int tidx, int vidx, int ctxidx, bloop_arena *a,
                          bloop_value *out, int *present, const char *where) {
  int top = lua_gettop(L);
  vidx = lua_absindex(L, vidx);
  ctxidx = ctxidx ? lua_absindex(L, ctxidx) : 0;
  int t = bloopL_type_resolve(L, tidx);
  bloopL_conv S = {L, a, where, t, ctxidx};
  ldu_dump(&S, t, vidx, out, present, 0, 0);
  lua_settop(L, top);
}

void bloopL_type_dump(lua_State *L, int tidx, int vidx, bloop_arena *a, bloop_value *out,
                      int *present, const char *where) {
  bloopL_type_dump_ctx(L, tidx, vidx, 0, a, out, present, where);
}
