/*
 * ldecimal.c: bloop.decimal(x) and the bloop.Decimal metatable. See lua/ldecimal.h.
 *
 * Values are immutable, so a decimal passed to the constructor is returned as is, and
 * every operation pushes a new userdata. Nothing here allocates with malloc, so raising
 * anywhere is safe. Failures raise InvalidValue error objects (lua/bloop/errors.lua) whose
 * code names the rule broken ("Inexact", "Overflow", ...); misuse of a method (a non-decimal
 * self) stays a plain argument error. Lua calls __eq only when both operands are tables or
 * userdata, so `decimal(1) == 1` is false (as `{} == 1` is); __lt and __le do accept plain
 * numbers.
 */
#include "lua/lbloop.h"
#include "lua/ldecimal.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua/laux.h"

#define ERR_PREFIX "bloop.decimal: "

/* The userdata: the value first (other binding files read it as a bloop_decimal), then
 * how many digits after the point it was written with, so decimal("1.10") shows as 1.10,
 * as Python's Decimal does. Only the text keeps the scale: equality, order and the wire
 * use the value, and DynamoDB stores no trailing zeros either, so loaded numbers print
 * canonically. */
typedef struct ldecimal {
  bloop_decimal d;
  int scale;
} ldecimal;

#define SCALE_MAX BLOOP_DECIMAL_DIGITS

static int clamp_scale(long long s) { return s < 0 ? 0 : s > SCALE_MAX ? SCALE_MAX : (int)s; }

static void push_scaled(lua_State *L, bloop_decimal d, int scale) {
  ldecimal *p = (ldecimal *)lua_newuserdatauv(L, sizeof *p, 0); /* [ud] */
  p->d = d;
  p->scale = d.exp < 0 && -d.exp >= scale ? 0 : scale; /* 0: nothing to pad */
  luaL_setmetatable(L, BLOOP_DECIMAL_META);
}

static int scale_at(lua_State *L, int idx) {
  const ldecimal *p = (const ldecimal *)luaL_testudata(L, idx, BLOOP_DECIMAL_META);
  return p ? p->scale : 0;
}

/* Digits after the point as written, less the exponent: "1.10" is 2, "1.5e-3" is 4, "1e2"
 * is 0 (text already validated by bloop_decimal_parse). */
static int written_scale(const char *s, size_t len) {
  size_t i = 0;
  long long frac = 0, e = 0;
  int seen_point = 0, eneg = 0;
  for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
    if (s[i] == '.') seen_point = 1;
    else if (seen_point && s[i] >= '0' && s[i] <= '9') frac++;
  }
  if (i < len) {
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    for (; i < len && e < 1000; i++) e = e * 10 + (s[i] - '0');
  }
  return clamp_scale(frac + (eneg ? e : -e));
}

int bloopL_is_decimal(lua_State *L, int idx) {
  return luaL_testudata(L, idx, BLOOP_DECIMAL_META) != NULL;
}

const bloop_decimal *bloopL_check_decimal(lua_State *L, int idx) {
  return (const bloop_decimal *)luaL_checkudata(L, idx, BLOOP_DECIMAL_META);
}

void bloopL_push_decimal(lua_State *L, bloop_decimal d) { push_scaled(L, d, 0); }

/* Raises an InvalidValue error object whose code is the decimal module's ("Inexact",
 * "Overflow", "Underflow", "DivisionByZero", "InvalidNumber") and whose message is err's,
 * prefixed so a message read alone says where it came from. Never returns. */
static int ld_raise(lua_State *L, const bloop_error *err) {
  return bloopL_raise_invalid(L, "InvalidValue", err->code[0] ? err->code : "InvalidNumber",
                              ERR_PREFIX "%s", err->message);
}

/* Raises InvalidValue with code "InvalidType" for the value at idx, which is no number at
 * all; fmt has one %s, the value's type name. */
static int ld_raise_type(lua_State *L, const char *fmt, int idx) {
  char msg[96];
  snprintf(msg, sizeof msg, fmt, luaL_typename(L, idx));
  return bloopL_raise_invalid(L, "InvalidValue", "InvalidType", ERR_PREFIX "%s", msg);
}

bloop_decimal bloopL_to_decimal(lua_State *L, int idx) {
  bloop_decimal d;
  bloop_error err = BLOOP_ERROR_INIT;
  const bloop_decimal *p = (const bloop_decimal *)luaL_testudata(L, idx, BLOOP_DECIMAL_META);
  if (p) return *p;
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) return bloop_decimal_from_int64(lua_tointeger(L, idx));
      if (bloop_decimal_from_double(&d, lua_tonumber(L, idx), &err) != BLOOP_OK)
        ld_raise(L, &err);
      return d;
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      if (bloop_decimal_parse(&d, s, len, &err) != BLOOP_OK) ld_raise(L, &err);
      return d;
    }
    default:
      ld_raise_type(L, "number, string or bloop.Decimal expected, got %s", idx);
      return bloop_decimal_from_int64(0); /* not reached: ld_raise_type does not return */
  }
}

/* decimal(x) */
static int ld_new(lua_State *L) {
  luaL_checkany(L, 1);
  if (bloopL_is_decimal(L, 1)) {
    lua_settop(L, 1);
    return 1;
  }
  bloop_decimal d = bloopL_to_decimal(L, 1);
  int scale = 0;
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    scale = written_scale(s, len);
  }
  push_scaled(L, d, scale);
  return 1;
}

typedef bloop_status (*binop)(bloop_decimal *, bloop_decimal, bloop_decimal, bloop_error *);

/* How a result's scale follows its operands' (Python's Decimal's ideal exponents): a sum
 * keeps the larger, a product the total, a quotient none. */
typedef enum { SCALE_MAX_OF, SCALE_SUM, SCALE_NONE } scale_rule;

/* [a, b] -> [a, b, a op b]; either operand may be a plain number or a string. */
static int ld_arith(lua_State *L, binop fn, scale_rule rule) {
  bloop_decimal a = bloopL_to_decimal(L, 1), b = bloopL_to_decimal(L, 2), r;
  bloop_error err = BLOOP_ERROR_INIT;
  if (fn(&r, a, b, &err) != BLOOP_OK) return ld_raise(L, &err);
  int sa = scale_at(L, 1), sb = scale_at(L, 2);
  int scale = rule == SCALE_SUM ? clamp_scale(sa + sb) : rule == SCALE_MAX_OF ? (sa > sb ? sa : sb) : 0;
  push_scaled(L, r, scale);
  return 1;
}

static int ld_add(lua_State *L) { return ld_arith(L, bloop_decimal_add, SCALE_MAX_OF); }
static int ld_sub(lua_State *L) { return ld_arith(L, bloop_decimal_sub, SCALE_MAX_OF); }
static int ld_mul(lua_State *L) { return ld_arith(L, bloop_decimal_mul, SCALE_SUM); }
static int ld_div(lua_State *L) { return ld_arith(L, bloop_decimal_div, SCALE_NONE); }

static int ld_unm(lua_State *L) {
  push_scaled(L, bloop_decimal_negate(*bloopL_check_decimal(L, 1)), scale_at(L, 1));
  return 1;
}

/* Orders the values at 1 and 2: -1, 0, 1, or 2 when unordered (a NaN float). A float
 * compares as its shortest round-trip decimal (what decimal(x) would hold); one outside
 * DynamoDB's range still has a definite place, so comparing never raises on numbers. */
static int ld_order(lua_State *L) {
  int flip = 0, other = 2;
  if (!bloopL_is_decimal(L, 1)) {
    flip = 1;
    other = 1;
  }
  bloop_decimal self = *bloopL_check_decimal(L, flip ? 2 : 1), x;
  int c;
  if (lua_type(L, other) == LUA_TNUMBER && !lua_isinteger(L, other)) {
    double v = lua_tonumber(L, other);
    if (isnan(v)) return 2;
    if (bloop_decimal_from_double(&x, v, NULL) == BLOOP_OK) {
      c = bloop_decimal_compare(self, x);
    } else if (fabs(v) >= 1.0) { /* beyond 1E+126 (or infinite): larger than any decimal */
      c = v > 0 ? -1 : 1;
    } else { /* below 1E-130 but not zero: between the smallest decimals and 0 */
      bloop_decimal zero = bloop_decimal_from_int64(0);
      c = bloop_decimal_compare(self, zero);
      if (c == 0) c = v > 0 ? -1 : 1;
    }
  } else {
    c = bloop_decimal_compare(self, bloopL_to_decimal(L, other));
  }
  return flip ? -c : c;
}

static int ld_eq(lua_State *L) {
  lua_pushboolean(L, bloop_decimal_compare(*bloopL_check_decimal(L, 1),
                                           *bloopL_check_decimal(L, 2)) == 0);
  return 1;
}

static int ld_lt(lua_State *L) {
  lua_pushboolean(L, ld_order(L) == -1);
  return 1;
}

static int ld_le(lua_State *L) {
  int c = ld_order(L);
  lua_pushboolean(L, c == -1 || c == 0);
  return 1;
}

static int ld_tostring(lua_State *L) {
  char buf[BLOOP_DECIMAL_STRING_MAX];
  size_t n = bloop_decimal_format_scale(*bloopL_check_decimal(L, 1), scale_at(L, 1), buf);
  lua_pushlstring(L, buf, n);
  return 1;
}

/* [a, b] -> [a, b, text(a) .. text(b)] with a decimal on at least one side. */
static int ld_concat(lua_State *L) {
  char buf[BLOOP_DECIMAL_STRING_MAX];
  for (int i = 1; i <= 2; i++) {
    const bloop_decimal *p = (const bloop_decimal *)luaL_testudata(L, i, BLOOP_DECIMAL_META);
    if (p) {
      size_t n = bloop_decimal_format_scale(*p, scale_at(L, i), buf);
      lua_pushlstring(L, buf, n);
    } else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
      luaL_tolstring(L, i, NULL);
    } else {
      return ld_raise_type(L, "attempt to concatenate a %s value", i);
    }
  }
  lua_concat(L, 2);
  return 1;
}

/* d:tonumber(): a Lua integer when d is integral and fits, else the nearest float. */
static int ld_tonumber(lua_State *L) {
  bloop_decimal d = *bloopL_check_decimal(L, 1);
  int64_t i;
  if (bloop_decimal_is_integer(d) && bloop_decimal_to_int64(d, &i, NULL) == BLOOP_OK)
    lua_pushinteger(L, (lua_Integer)i);
  else
    lua_pushnumber(L, (lua_Number)bloop_decimal_to_double(d));
  return 1;
}

static int ld_isinteger(lua_State *L) {
  lua_pushboolean(L, bloop_decimal_is_integer(*bloopL_check_decimal(L, 1)));
  return 1;
}

static int ld_abs(lua_State *L) {
  push_scaled(L, bloop_decimal_abs(*bloopL_check_decimal(L, 1)), scale_at(L, 1));
  return 1;
}

static const luaL_Reg decimal_meta[] = {
    {"__add", ld_add}, {"__sub", ld_sub}, {"__mul", ld_mul}, {"__div", ld_div},
    {"__unm", ld_unm}, {"__eq", ld_eq}, {"__lt", ld_lt}, {"__le", ld_le},
    {"__tostring", ld_tostring}, {"__concat", ld_concat}, {"__index", NULL}, /* methods */
    {NULL, NULL}};

static const luaL_Reg decimal_methods[] = {
    {"tonumber", ld_tonumber}, {"isinteger", ld_isinteger}, {"abs", ld_abs}, {NULL, NULL}};

int bloopL_open_decimal(lua_State *L) {
  luaL_checktype(L, -1, LUA_TTABLE);       /* [core] */
  bloopL_createmeta(L, BLOOP_DECIMAL_META, decimal_methods, decimal_meta);
  luaL_getmetatable(L, BLOOP_DECIMAL_META); /* [core, mt] */
  lua_setfield(L, -2, "Decimal");           /* [core] */
  lua_pushcfunction(L, ld_new);
  lua_setfield(L, -2, "decimal");
  return 0;
}
