/*
 * lload.c: loading a bloop_value through a bloop type object into a Lua value (ltypes.h),
 * one helper per kind of type.
 *
 * Nothing here allocates C memory: values are pushed straight onto the Lua stack, so a
 * raise leaves nothing behind. Messages are built in fixed buffers.
 */
#include <lauxlib.h>
#include <stdio.h>

#include "bloop/datetime.h"
#include "lua/laux.h"
#include "lua/ldecimal.h"
#include "lua/ltypes.h"
#include "lua/lvalues.h"
#include "lua/lwire.h"

#define MSG_MAX 512

/* Raises "<Root>[ column W] cannot load <what>[ (detail)]". */
static int llo_cannot(bloopL_conv *S, const bloop_value *v, const char *detail) {
  lua_State *L = S->L;
  char name[160], what[96], msg[MSG_MAX];
  bloopL_type_name(L, S->root_t, name, sizeof name);
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
  return bloopL_raise_invalid(L, "InvalidValue", "InvalidValue", "%s", msg);
}

/* ---- Dynamic ------------------------------------------------------------------------------ */

/* [] -> [number]: an integral N within int64 as a Lua integer, else a decimal. */
static void llo_dynamic_number(bloopL_conv *S, const bloop_value *v) {
  bloop_decimal d;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_value_decimal(v, &d, &err) != BLOOP_OK) llo_cannot(S, v, err.message);
  int64_t i;
  if (bloop_decimal_is_integer(d) && bloop_decimal_to_int64(d, &i, NULL) == BLOOP_OK)
    lua_pushinteger(S->L, (lua_Integer)i);
  else
    bloopL_push_decimal(S->L, d);
}

static void llo_dynamic(bloopL_conv *S, const bloop_value *v, int in_container);

static void llo_dynamic_member(lua_State *L, const bloop_value *v, void *S) {
  (void)L;
  llo_dynamic(S, v, 1);
}

/* in_container: v is a list element or a map member. A NULL there loads as bloop.null (which
 * dumps back as NULL), so lists keep their positions and maps their members; a NULL column
 * value loads as nil, like an absent one. */
static void llo_dynamic(bloopL_conv *S, const bloop_value *v, int in_container) {
  lua_State *L = S->L;
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  switch (v->type) {
    case BLOOP_TYPE_S: lua_pushlstring(L, v->u.bytes.ptr, v->u.bytes.len); return;
    /* a plain string dumps as S, so B must load as something else to come back as B */
    case BLOOP_TYPE_B: bloopL_push_binary(L, v->u.bytes.ptr, v->u.bytes.len); return;
    case BLOOP_TYPE_N: llo_dynamic_number(S, v); return;
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
        llo_dynamic(S, &v->u.list.items[i], 0);
        bloopL_set_add(L, -2);
      }
      return;
    case BLOOP_TYPE_L:
      lua_createtable(L, (int)(v->u.list.count < 1u << 20 ? v->u.list.count : 0), 0);
      for (size_t i = 0; i < v->u.list.count; i++) {
        llo_dynamic(S, &v->u.list.items[i], 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      return;
    case BLOOP_TYPE_M: bloopL_push_members(L, v, llo_dynamic_member, S); return;
    default: lua_pushnil(L); return;
  }
}

/* ---- typed: one helper per kind, each pushing the value ------------------------------- */

static void llo_load(bloopL_conv *S, int t, const bloop_value *v, int builtin);

/* Timestamp: seconds -> microseconds, exact; a finer fraction is cut toward the past. */
static void llo_timestamp(bloopL_conv *S, const bloop_value *v, bloop_decimal d) {
  bloop_decimal lo = bloop_decimal_from_int64(BLOOP_DATETIME_MIN / 1000000);
  bloop_decimal hi = bloop_decimal_from_int64(BLOOP_DATETIME_MAX / 1000000 + 1);
  bloop_decimal us;
  if (bloop_decimal_compare(d, lo) < 0 || bloop_decimal_compare(d, hi) >= 0 ||
      bloop_decimal_mul(&us, d, bloop_decimal_from_int64(1000000), NULL) != BLOOP_OK)
    llo_cannot(S, v, "outside years 0001..9999");
  unsigned __int128 mag = us.coef;
  int cut = 0;
  for (int32_t e = us.exp; e < 0; e++) {
    cut |= mag % 10 != 0;
    mag /= 10;
  }
  for (int32_t e = us.exp; e > 0; e--) mag *= 10; /* |us| < 2.6e17: no overflow */
  int64_t x = us.neg ? -(int64_t)mag - cut : (int64_t)mag;
  bloopL_push_datetime(S->L, x);
}

/* Number (a decimal), Float, Integer (exact or raises) and Timestamp. */
static void llo_number(bloopL_conv *S, int kind, const bloop_value *v) {
  lua_State *L = S->L;
  bloop_decimal d;
  bloop_error err = BLOOP_ERROR_INIT;
  int64_t i;
  if (bloop_value_decimal(v, &d, &err) != BLOOP_OK) llo_cannot(S, v, err.message);
  switch (kind) {
    case BLOOPL_K_NUMBER: bloopL_push_decimal(L, d); return;
    case BLOOPL_K_FLOAT: lua_pushnumber(L, (lua_Number)bloop_decimal_to_double(d)); return;
    case BLOOPL_K_INTEGER:
      if (!bloop_decimal_is_integer(d)) llo_cannot(S, v, "not an integer");
      if (bloop_decimal_to_int64(d, &i, NULL) != BLOOP_OK)
        llo_cannot(S, v, "beyond 64-bit integers");
      lua_pushinteger(L, (lua_Integer)i);
      return;
    default: llo_timestamp(S, v, d); return;
  }
}

static void llo_uuid(bloopL_conv *S, const bloop_value *v) {
  bloop_uuid u;
  if (bloop_uuid_parse(v->u.bytes.ptr, v->u.bytes.len, &u, NULL) != BLOOP_OK)
    llo_cannot(S, v, "not a UUID");
  bloopL_push_uuid(S->L, &u);
}

static void llo_datetime(bloopL_conv *S, const bloop_value *v) {
  int64_t us;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_datetime_parse(v->u.bytes.ptr, v->u.bytes.len, &us, &err) != BLOOP_OK)
    llo_cannot(S, v, err.message);
  bloopL_push_datetime(S->L, us);
}

/* Set and List: each element through the inner type. */
static void llo_sequence(bloopL_conv *S, int t, int kind, const bloop_value *v) {
  lua_State *L = S->L;
  bloopL_type_field(L, t, "inner");
  int inner = bloopL_type_resolve(L, -1);       /* [inner?, inner] */
  if (kind == BLOOPL_K_SET)
    bloopL_set_new(L, v->u.list.count);
  else
    lua_createtable(L, (int)(v->u.list.count < 1u << 20 ? v->u.list.count : 0), 0);
  lua_Integer n = 0;
  for (size_t i = 0; i < v->u.list.count; i++) {
    llo_load(S, inner, &v->u.list.items[i], 0);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      /* A list keeps its positions (paths index it, and a save writes it back whole):
       * an element that loads as nothing (NULL written by other tools, or a dynamo_load
       * that returned nil) holds bloop.null, which dumps back as NULL. */
      if (kind == BLOOPL_K_LIST) {
        bloopL_push_null(L);
        lua_rawseti(L, -2, ++n);
      }
    } else if (kind == BLOOPL_K_SET) {
      bloopL_set_add(L, -2);
    } else {
      lua_rawseti(L, -2, ++n);
    }
  }
  lua_replace(L, -3);
  lua_pop(L, 1);
}

/* Map: each declared field through its type. */
static void llo_map(bloopL_conv *S, int t, const bloop_value *v) {
  lua_State *L = S->L;
  bloopL_type_field(L, t, "types");
  int types = lua_gettop(L);
  bloopL_type_field(L, t, "_fields");
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
    int ft = bloopL_type_resolve(L, -1);     /* [out, name, ftype, ft] */
    llo_load(S, ft, m, 0);                   /* [out, name, ftype, ft, value] */
    lua_replace(L, -3);
    lua_pop(L, 1);                           /* [out, name, value] */
    lua_rawset(L, -3);
  }
  lua_replace(L, types);
  lua_settop(L, types);
}

/* Calls t:dynamo_load(inner, context). */
static void llo_override(bloopL_conv *S, int t, const bloop_value *v) {
  lua_State *L = S->L;
  lua_getfield(L, t, "dynamo_load");
  lua_pushvalue(L, t);
  if (v && v->type != BLOOP_TYPE_NONE)
    bloopL_push_wire_inner(L, v);
  else
    lua_pushnil(L);
  if (S->ctx)
    lua_pushvalue(L, S->ctx);
  else
    lua_pushnil(L);
  lua_call(L, 3, 1);
}

/* llo_load for a type whose kind and _load_lua flag the caller read already. */
static void llo_load_known(bloopL_conv *S, int t, int kind, int load_lua, const bloop_value *v,
                           int builtin) {
  lua_State *L = S->L;
  luaL_checkstack(L, 8, "bloop: value nested too deeply");
  if (!builtin && load_lua) {
    llo_override(S, t, v);
    return;
  }
  /* absent, and NULL written by other tools, load as the absent value */
  if (!v || v->type == BLOOP_TYPE_NONE ||
      (v->type == BLOOP_TYPE_NULL && kind != BLOOPL_K_DYNAMIC)) {
    lua_pushnil(L);
    return;
  }
  bloop_type want = bloopL_type_stores_kind(L, t, kind);
  if (kind != BLOOPL_K_DYNAMIC && v->type != want) {
    char detail[64];
    snprintf(detail, sizeof detail, "expected %s", bloop_type_name(want));
    llo_cannot(S, v, detail);
  }
  switch (kind) {
    case BLOOPL_K_STRING:
    case BLOOPL_K_BINARY: lua_pushlstring(L, v->u.bytes.ptr, v->u.bytes.len); return;
    case BLOOPL_K_BOOLEAN: lua_pushboolean(L, v->u.boolean); return;
    case BLOOPL_K_NUMBER:
    case BLOOPL_K_INTEGER:
    case BLOOPL_K_FLOAT:
    case BLOOPL_K_TIMESTAMP: llo_number(S, kind, v); return;
    case BLOOPL_K_UUID: llo_uuid(S, v); return;
    case BLOOPL_K_DATETIME: llo_datetime(S, v); return;
    case BLOOPL_K_SET:
    case BLOOPL_K_LIST: llo_sequence(S, t, kind, v); return;
    case BLOOPL_K_MAP: llo_map(S, t, v); return;
    case BLOOPL_K_DYNLIST:
    case BLOOPL_K_DYNMAP:
    case BLOOPL_K_DYNAMIC: llo_dynamic(S, v, 0); return;
    default: luaL_error(L, "bloop: unknown type kind %d", kind);
  }
}

static void llo_load(bloopL_conv *S, int t, const bloop_value *v, int builtin) {
  llo_load_known(S, t, bloopL_type_kind(S->L, t), bloopL_type_flag(S->L, t, "_load_lua"), v,
                 builtin);
}

/* ---- entry points ---------------------------------------------------------------------- */

void bloopL_conv_load(bloopL_conv *S, int t, const bloop_value *v, int builtin) {
  llo_load(S, t, v, builtin);
}

void bloopL_type_load_known(lua_State *L, int t, int kind, int load_lua,
                            const bloop_value *v, int ctxidx, const char *where) {
  ctxidx = ctxidx ? lua_absindex(L, ctxidx) : 0;
  t = lua_absindex(L, t);
  bloopL_conv S = {L, NULL, where, t, ctxidx};
  llo_load_known(&S, t, kind, load_lua, v, 0);
}

void bloopL_type_load_ctx(lua_State *L, int tidx, const bloop_value *v, int ctxidx,
                          const char *where) {
  ctxidx = ctxidx ? lua_absindex(L, ctxidx) : 0;
  int t = bloopL_type_resolve(L, tidx);        /* [t] */
  bloopL_conv S = {L, NULL, where, t, ctxidx};
  llo_load(&S, t, v, 0);                       /* [t, value] */
  lua_remove(L, t);
}
