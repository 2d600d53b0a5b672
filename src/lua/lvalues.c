/*
 * lvalues.c: bloop.datetime, bloop.uuid / uuid4, bloop.binary, the set key and the null
 * sentinel. See lua/lvalues.h.
 *
 * Why userdata and not Lua tables: the values are immutable (a table's fields could be
 * edited behind a column's back), compact (8 or 16 bytes, no per-field hash), and the C
 * type code reads them without a Lua call. Why interned: Lua compares userdata by identity
 * for table keys and set members, and a UUID is an identifier people key tables by; with
 * one object per value, `t[bloop.uuid(s)]` finds what `t[bloop.uuid(s)] = x` stored. The
 * price is one weak-table lookup per push. Nothing here mallocs, so raising is safe.
 */
#include "lua/lvalues.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/ldecimal.h"

#define SET_INDEX "_index"          /* set field: key -> position */
#define DECIMAL_KEY_PREFIX "\0bloop.decimal:"
#define DECIMAL_KEY_PREFIX_LEN 15

char *bloopL_quote(const char *s, size_t len, char *buf, size_t cap) {
  size_t o = 0;
  int raw8 = bloopi_utf8_valid(s, len); /* escape high bytes only in invalid UTF-8 */
  buf[o++] = '"';
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    char tmp[5];
    size_t n;
    if (ch == '"' || ch == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)ch;
      n = 2;
    } else if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && !raw8)) {
      n = (size_t)snprintf(tmp, sizeof tmp, "\\%u", ch);
    } else {
      tmp[0] = (char)ch;
      n = 1;
    }
    if (o + n + 5 > cap) { /* room for "...", the quote and the NUL */
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    memcpy(buf + o, tmp, n);
    o += n;
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

static int lv_out_of_range(lua_State *L) {
  return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue",
                              "datetime out of range (years 0001..9999)");
}

/* [] -> [intern] : the weak-valued registry table `key` (BLOOP_INTERN or
 * BLOOP_INTERN_BINARY), made on first use. */
static void lv_push_intern(lua_State *L, const char *key) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);                       /* [t] */
  lua_createtable(L, 0, 1);              /* [t, mt] */
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

/* ---- datetime ------------------------------------------------------------------------- */

const int64_t *bloopL_test_datetime(lua_State *L, int idx) {
  return (const int64_t *)luaL_testudata(L, idx, BLOOP_DATETIME_META);
}

static int64_t lv_check_datetime(lua_State *L, int idx) {
  return *(const int64_t *)luaL_checkudata(L, idx, BLOOP_DATETIME_META);
}

void bloopL_push_datetime(lua_State *L, int64_t us) {
  if (us < BLOOP_DATETIME_MIN || us > BLOOP_DATETIME_MAX)
    lv_out_of_range(L);
  lv_push_intern(L, BLOOP_INTERN);           /* [intern] */
  if (lua_rawgeti(L, -1, us) == LUA_TUSERDATA) {   /* [intern, dt] */
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 1);
  int64_t *p = (int64_t *)lua_newuserdatauv(L, sizeof *p, 0); /* [intern, dt] */
  *p = us;
  luaL_setmetatable(L, BLOOP_DATETIME_META);
  lua_pushvalue(L, -1);
  lua_rawseti(L, -3, us);
  lua_remove(L, -2);                               /* [dt] */
}

/* Seconds (integer or float) as microseconds; raises when beyond any representable span. */
static int64_t lv_seconds_to_us(lua_State *L, int idx) {
  if (lua_isinteger(L, idx)) {
    lua_Integer s = lua_tointeger(L, idx);
    if (s > INT64_C(400000000000) || s < -INT64_C(400000000000))
      lv_out_of_range(L);
    return (int64_t)s * 1000000;
  }
  lua_Number s = luaL_checknumber(L, idx);
  if (!(fabs(s) < 4e11)) /* also NaN */
    lv_out_of_range(L);
  return (int64_t)llround(s * 1e6);
}

static int lv_dt_now(lua_State *L) {
  int64_t us;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_datetime_now(&us, &err) != BLOOP_OK) return bloopL_raise_error(L, "BloopError", &err);
  bloopL_push_datetime(L, us);
  return 1;
}

static int lv_dt_parse(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int64_t us;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_datetime_parse(s, len, &us, &err) != BLOOP_OK) {
    char q[80];
    return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue", "invalid datetime %s: %s",
                                bloopL_quote(s, len, q, sizeof q), err.message);
  }
  bloopL_push_datetime(L, us);
  return 1;
}

static int lv_dt_fromtimestamp(lua_State *L) {
  bloopL_push_datetime(L, lv_seconds_to_us(L, 1));
  return 1;
}

/* datetime.new{year=, month=, day=, hour=0, min=0, sec=0, usec=0} (os.date("*t") names) */
static int lv_dt_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  static const char *const names[] = {"year", "month", "day", "hour", "min", "sec", "usec"};
  lua_Integer f[7];
  for (int i = 0; i < 7; i++) {
    int t = lua_getfield(L, 1, names[i]);
    if (t == LUA_TNIL && i >= 3) {
      f[i] = 0;
    } else {
      int ok;
      f[i] = lua_tointegerx(L, -1, &ok);
      if (!ok || f[i] < -1000000 || f[i] > 1000000)
        return luaL_error(L, "bloop.datetime.new: field '%s' must be an integer", names[i]);
    }
    lua_pop(L, 1);
  }
  bloop_civil c = {(int)f[0], (int)f[1], (int)f[2], (int)f[3], (int)f[4], (int)f[5], (int)f[6]};
  int64_t us;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_datetime_from_civil(&c, &us, &err) != BLOOP_OK)
    return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue", "invalid datetime: %s",
                                err.message);
  bloopL_push_datetime(L, us);
  return 1;
}

static int lv_dt_isoformat(lua_State *L) {
  char buf[BLOOP_DATETIME_STRING_MAX];
  size_t n = bloop_datetime_format(lv_check_datetime(L, 1), buf);
  lua_pushlstring(L, buf, n);
  return 1;
}

static int lv_dt_timestamp(lua_State *L) {
  lua_pushnumber(L, (lua_Number)lv_check_datetime(L, 1) / 1e6);
  return 1;
}

static int lv_dt_parts(lua_State *L) {
  bloop_civil c;
  bloop_datetime_to_civil(lv_check_datetime(L, 1), &c);
  lua_createtable(L, 0, 7);
  const int f[7] = {c.year, c.month, c.day, c.hour, c.minute, c.second, c.usec};
  static const char *const names[] = {"year", "month", "day", "hour", "min", "sec", "usec"};
  for (int i = 0; i < 7; i++) {
    lua_pushinteger(L, f[i]);
    lua_setfield(L, -2, names[i]);
  }
  return 1;
}

static int lv_dt_eq(lua_State *L) {
  const int64_t *a = bloopL_test_datetime(L, 1), *b = bloopL_test_datetime(L, 2);
  lua_pushboolean(L, a && b && *a == *b);
  return 1;
}

static int lv_dt_lt(lua_State *L) {
  lua_pushboolean(L, lv_check_datetime(L, 1) < lv_check_datetime(L, 2));
  return 1;
}

static int lv_dt_le(lua_State *L) {
  lua_pushboolean(L, lv_check_datetime(L, 1) <= lv_check_datetime(L, 2));
  return 1;
}

/* dt + seconds, seconds + dt */
static int lv_dt_add(lua_State *L) {
  int d = bloopL_test_datetime(L, 1) ? 1 : 2;
  if (bloopL_test_datetime(L, 3 - d))
    return luaL_error(L, "bloop.datetime: cannot add two datetimes");
  int64_t base = lv_check_datetime(L, d), delta = lv_seconds_to_us(L, 3 - d);
  bloopL_push_datetime(L, base + delta);
  return 1;
}

/* dt - seconds -> datetime; dt - dt -> seconds (float) */
static int lv_dt_sub(lua_State *L) {
  int64_t a = lv_check_datetime(L, 1);
  const int64_t *b = bloopL_test_datetime(L, 2);
  if (b) {
    lua_pushnumber(L, (lua_Number)(a - *b) / 1e6);
    return 1;
  }
  bloopL_push_datetime(L, a - lv_seconds_to_us(L, 2));
  return 1;
}

static const luaL_Reg datetime_meta[] = {
    {"__eq", lv_dt_eq},   {"__lt", lv_dt_lt},   {"__le", lv_dt_le},
    {"__add", lv_dt_add}, {"__sub", lv_dt_sub}, {"__tostring", lv_dt_isoformat},
    {"__index", NULL},    {NULL, NULL}};
static const luaL_Reg datetime_methods[] = {
    {"isoformat", lv_dt_isoformat}, {"timestamp", lv_dt_timestamp}, {"parts", lv_dt_parts},
    {NULL, NULL}};
static const luaL_Reg datetime_funcs[] = {
    {"now", lv_dt_now}, {"parse", lv_dt_parse}, {"fromtimestamp", lv_dt_fromtimestamp},
    {"new", lv_dt_new}, {NULL, NULL}};

/* ---- uuid ----------------------------------------------------------------------------- */

const bloop_uuid *bloopL_test_uuid(lua_State *L, int idx) {
  return (const bloop_uuid *)luaL_testudata(L, idx, BLOOP_UUID_META);
}

void bloopL_push_uuid(lua_State *L, const bloop_uuid *u) {
  lv_push_intern(L, BLOOP_INTERN);           /* [intern] */
  lua_pushlstring(L, (const char *)u->bytes, sizeof u->bytes);       /* [intern, key] */
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {                          /* [intern, u] */
    lua_remove(L, -2);
    return;
  }
  lua_pop(L, 1);
  bloop_uuid *p = (bloop_uuid *)lua_newuserdatauv(L, sizeof *p, 0); /* [intern, u] */
  *p = *u;
  luaL_setmetatable(L, BLOOP_UUID_META);
  lua_pushlstring(L, (const char *)u->bytes, sizeof u->bytes);
  lua_pushvalue(L, -2);
  lua_rawset(L, -4);
  lua_remove(L, -2);                                                 /* [u] */
}

static int lv_uuid_new(lua_State *L) {
  if (bloopL_test_uuid(L, 1)) {
    lua_settop(L, 1);
    return 1;
  }
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  bloop_uuid u;
  if (bloop_uuid_parse(s, len, &u, NULL) != BLOOP_OK) {
    char q[80];
    return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue",
                                "invalid UUID %s (expected 8-4-4-4-12 hex digits)",
                                bloopL_quote(s, len, q, sizeof q));
  }
  bloopL_push_uuid(L, &u);
  return 1;
}

static int lv_uuid_v4(lua_State *L) {
  bloop_uuid u;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_uuid_v4(&u, &err) != BLOOP_OK) return bloopL_raise_error(L, "BloopError", &err);
  bloopL_push_uuid(L, &u);
  return 1;
}

static int lv_uuid_tostring(lua_State *L) {
  char buf[BLOOP_UUID_STRING_MAX];
  size_t n = bloop_uuid_format((const bloop_uuid *)luaL_checkudata(L, 1, BLOOP_UUID_META), buf);
  lua_pushlstring(L, buf, n);
  return 1;
}

static int lv_uuid_bytes(lua_State *L) {
  const bloop_uuid *u = (const bloop_uuid *)luaL_checkudata(L, 1, BLOOP_UUID_META);
  lua_pushlstring(L, (const char *)u->bytes, sizeof u->bytes);
  return 1;
}

static int lv_uuid_cmp(lua_State *L) {
  const bloop_uuid *a = (const bloop_uuid *)luaL_checkudata(L, 1, BLOOP_UUID_META);
  const bloop_uuid *b = (const bloop_uuid *)luaL_checkudata(L, 2, BLOOP_UUID_META);
  return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}

static int lv_uuid_eq(lua_State *L) {
  const bloop_uuid *a = bloopL_test_uuid(L, 1), *b = bloopL_test_uuid(L, 2);
  lua_pushboolean(L, a && b && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0);
  return 1;
}

static int lv_uuid_lt(lua_State *L) {
  lua_pushboolean(L, lv_uuid_cmp(L) < 0);
  return 1;
}

static int lv_uuid_le(lua_State *L) {
  lua_pushboolean(L, lv_uuid_cmp(L) <= 0);
  return 1;
}

static const luaL_Reg uuid_meta[] = {{"__eq", lv_uuid_eq},     {"__lt", lv_uuid_lt},
                                     {"__le", lv_uuid_le},     {"__tostring", lv_uuid_tostring},
                                     {"__index", NULL},   {NULL, NULL}};
static const luaL_Reg uuid_methods[] = {{"bytes", lv_uuid_bytes}, {"tostring", lv_uuid_tostring},
                                        {NULL, NULL}};

/* ---- binary --------------------------------------------------------------------------- */

/* A binary value is a userdata whose one user value is the Lua string of its bytes; it
 * holds no copy, so interning costs one weak-table entry keyed by that same string. Its
 * own table (BLOOP_INTERN_BINARY, not BLOOP_INTERN) because uuid keys are 16-byte strings
 * too. */
int bloopL_test_binary(lua_State *L, int idx) {
  return luaL_testudata(L, idx, BLOOP_BINARY_META) != NULL;
}

const char *bloopL_binary_bytes(lua_State *L, int idx, size_t *len) {
  idx = lua_absindex(L, idx);
  lua_getiuservalue(L, idx, 1);          /* [bytes] */
  const char *s = lua_tolstring(L, -1, len);
  lua_pop(L, 1);                         /* the userdata keeps the string alive */
  return s;
}

void bloopL_push_binary(lua_State *L, const char *s, size_t len) {
  lv_push_intern(L, BLOOP_INTERN_BINARY);  /* [intern] */
  lua_pushlstring(L, s, len);            /* [intern, bytes] */
  lua_pushvalue(L, -1);
  if (lua_rawget(L, -3) == LUA_TUSERDATA) { /* [intern, bytes, b] */
    lua_replace(L, -3);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_newuserdatauv(L, 0, 1);            /* [intern, bytes, b] */
  luaL_setmetatable(L, BLOOP_BINARY_META);
  lua_pushvalue(L, -2);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -2);
  lua_rawset(L, -5);                     /* intern[bytes] = b */
  lua_replace(L, -3);
  lua_pop(L, 1);                         /* [b] */
}

/* bloop.binary(bytes | binary) */
static int lv_bin_new(lua_State *L) {
  if (bloopL_test_binary(L, 1)) {
    lua_settop(L, 1);
    return 1;
  }
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  bloopL_push_binary(L, s, len);
  return 1;
}

static int lv_bin_bytes(lua_State *L) {
  luaL_checkudata(L, 1, BLOOP_BINARY_META);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

static int lv_bin_len(lua_State *L) {
  size_t len;
  luaL_checkudata(L, 1, BLOOP_BINARY_META);
  bloopL_binary_bytes(L, 1, &len);
  lua_pushinteger(L, (lua_Integer)len);
  return 1;
}

static const luaL_Reg binary_meta[] = {{"__len", lv_bin_len},
                                       {"__tostring", lv_bin_bytes},
                                       {"__index", NULL},
                                       {NULL, NULL}};
static const luaL_Reg binary_methods[] = {{"bytes", lv_bin_bytes}, {NULL, NULL}};

/* ---- sets and null --------------------------------------------------------------------- */

int bloopL_is_set(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return 0;
  luaL_getmetatable(L, BLOOP_SET_META);
  int r = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return r;
}

/* [] -> [key] for a decimal: integral and within int64 -> that integer, else a tagged
 * string of its canonical text. */
static void lv_push_decimal_key(lua_State *L, bloop_decimal d) {
  int64_t i;
  if (bloop_decimal_is_integer(d) && bloop_decimal_to_int64(d, &i, NULL) == BLOOP_OK) {
    lua_pushinteger(L, (lua_Integer)i);
    return;
  }
  char buf[DECIMAL_KEY_PREFIX_LEN + BLOOP_DECIMAL_STRING_MAX];
  memcpy(buf, DECIMAL_KEY_PREFIX, DECIMAL_KEY_PREFIX_LEN);
  size_t n = bloop_decimal_format(d, buf + DECIMAL_KEY_PREFIX_LEN);
  lua_pushlstring(L, buf, DECIMAL_KEY_PREFIX_LEN + n);
}

void bloopL_push_set_key(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      luaL_error(L, "bloop.set: nil cannot be a member");
      return;
    case LUA_TNUMBER: {
      if (lua_isinteger(L, idx)) break;
      lua_Number x = lua_tonumber(L, idx);
      lua_Integer i;
      bloop_decimal d;
      if (isnan(x)) luaL_error(L, "bloop.set: NaN cannot be a member");
      if (lua_numbertointeger(x, &i) && (lua_Number)i == x) {
        lua_pushinteger(L, i);
        return;
      }
      if (bloop_decimal_from_double(&d, x, NULL) == BLOOP_OK) {
        lv_push_decimal_key(L, d);
        return;
      }
      break; /* infinities and numbers out of DynamoDB's range key themselves */
    }
    case LUA_TUSERDATA: {
      const bloop_decimal *d = (const bloop_decimal *)luaL_testudata(L, idx, BLOOP_DECIMAL_META);
      if (d) {
        lv_push_decimal_key(L, *d);
        return;
      }
      break;
    }
    default:
      break;
  }
  lua_pushvalue(L, idx);
}

void bloopL_set_new(lua_State *L, size_t n) {
  int hint = n < 1u << 20 ? (int)n : 0;
  lua_createtable(L, hint, 1);    /* [set] */
  lua_createtable(L, 0, hint);
  lua_setfield(L, -2, SET_INDEX);
  luaL_setmetatable(L, BLOOP_SET_META);
}

/* Up to this many members, a set made from values (bloopL_set_of) finds repeats by
 * comparing keys pairwise and gets no index (set.lua makes it on first use). */
#define SET_PAIRWISE 8

int bloopL_set_of(lua_State *L, int n) {
  int first = lua_gettop(L) - n + 1;
  if (n <= SET_PAIRWISE) {
    luaL_checkstack(L, n + 2, "bloop: set");
    for (int i = 0; i < n; i++) {
      bloopL_push_set_key(L, first + i);            /* [v.., keys..] */
      for (int j = 0; j < i; j++) {
        if (lua_rawequal(L, -1, first + n + j)) {   /* a second v of one member */
          lua_settop(L, first + n - 1);
          return 0;
        }
      }
    }
    lua_createtable(L, n, 1);                       /* [v.., keys.., set] */
    for (int i = 0; i < n; i++) {
      lua_pushvalue(L, first + i);
      lua_rawseti(L, -2, (lua_Integer)i + 1);       /* set[i + 1] = v */
    }
  } else {
    lua_createtable(L, n, 1);                       /* [v.., set] */
    lua_createtable(L, 0, n);                       /* [v.., set, index] */
    for (int i = 0; i < n; i++) {
      bloopL_push_set_key(L, first + i);            /* [.., key] */
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) != LUA_TNIL) {          /* a second v of one member */
        lua_settop(L, first + n - 1);
        return 0;
      }
      lua_pop(L, 1);
      lua_pushinteger(L, (lua_Integer)i + 1);
      lua_rawset(L, -3);                            /* index[key] = i + 1 */
      lua_pushvalue(L, first + i);
      lua_rawseti(L, -3, (lua_Integer)i + 1);       /* set[i + 1] = v */
    }
    lua_setfield(L, -2, SET_INDEX);                 /* [v.., set] */
  }
  luaL_setmetatable(L, BLOOP_SET_META);
  lua_replace(L, first);
  lua_settop(L, first);
  return 1;
}

/* [] -> [index]: the index of the set at idx, made from its members when it has none
 * (set.lua's index_of). */
static void lv_push_set_index(lua_State *L, int idx) {
  lua_pushliteral(L, SET_INDEX);
  if (lua_rawget(L, idx) != LUA_TNIL) return;
  lua_pop(L, 1);
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  lua_createtable(L, 0, (int)(n < 1 << 20 ? n : 0)); /* [index] */
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, i);
    bloopL_push_set_key(L, -1);                     /* [index, v, key] */
    lua_pushinteger(L, i);
    lua_rawset(L, -4);
    lua_pop(L, 1);
  }
  lua_pushliteral(L, SET_INDEX);
  lua_pushvalue(L, -2);
  lua_rawset(L, idx);
}

void bloopL_set_add(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);                       /* [v] */
  lv_push_set_index(L, idx);                        /* [v, index] */
  bloopL_push_set_key(L, -2);                       /* [v, index, key] */
  lua_pushvalue(L, -1);
  if (lua_rawget(L, -3) != LUA_TNIL) {              /* [v, index, key, pos] */
    lua_pop(L, 4);
    return;
  }
  lua_pop(L, 1);
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx) + 1;
  lua_pushinteger(L, n);
  lua_rawset(L, -3);                                /* [v, index] */
  lua_pop(L, 1);
  lua_rawseti(L, idx, n);                           /* [] */
}

static int lv_set_key(lua_State *L) {
  luaL_checkany(L, 1);
  bloopL_push_set_key(L, 1);
  return 1;
}

void bloopL_push_null(lua_State *L) { lua_pushlightuserdata(L, NULL); }

int bloopL_is_null(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

int bloopL_open_values(lua_State *L) {
  luaL_checktype(L, -1, LUA_TTABLE);                         /* [core] */
  bloopL_createmeta(L, BLOOP_DATETIME_META, datetime_methods, datetime_meta);
  bloopL_createmeta(L, BLOOP_UUID_META, uuid_methods, uuid_meta);
  bloopL_createmeta(L, BLOOP_BINARY_META, binary_methods, binary_meta);
  bloopL_createmeta(L, BLOOP_SET_META, NULL, NULL);          /* filled by set.lua */
  luaL_newlib(L, datetime_funcs);                            /* [core, datetime] */
  luaL_getmetatable(L, BLOOP_DATETIME_META);
  lua_setfield(L, -2, "DateTime");
  lua_setfield(L, -2, "datetime");                           /* [core] */
  lua_pushcfunction(L, lv_uuid_new);
  lua_setfield(L, -2, "uuid");
  lua_pushcfunction(L, lv_uuid_v4);
  lua_setfield(L, -2, "uuid4");
  luaL_getmetatable(L, BLOOP_UUID_META);
  lua_setfield(L, -2, "UUID");
  lua_pushcfunction(L, lv_bin_new);
  lua_setfield(L, -2, "binary");
  luaL_getmetatable(L, BLOOP_BINARY_META);
  lua_setfield(L, -2, "Binary");
  lua_pushcfunction(L, lv_set_key);
  lua_setfield(L, -2, "set_key");
  luaL_getmetatable(L, BLOOP_SET_META);                      /* [core, setmt] */
  lua_setfield(L, -2, "Set");
  bloopL_push_null(L);
  lua_setfield(L, -2, "null");
  return 0;
}
