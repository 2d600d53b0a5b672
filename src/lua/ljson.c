/*
 * ljson.c: Lua values <-> the service's JSON, for requests and answers.
 *
 * Encoding is ours (straight from the Lua stack into a bloop_buf, no intermediate tree);
 * decoding goes through cJSON. The one ambiguity of Lua tables, an empty table, encodes as
 * an object unless it carries the bloop.array metatable or sits under the key "L" (an empty
 * DynamoDB list); decoded arrays get that metatable so answers round-trip unchanged.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bloop/value.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"

#define MAX_DEPTH 128

typedef struct path_elem {
  const char *key;      /* NULL: an array index */
  lua_Integer index;
} path_elem;

typedef struct encoder {
  lua_State *L;
  bloop_buf *b;
  bloop_error *err;
  path_elem path[MAX_DEPTH];
  int depth;
} encoder;

static bloop_status lj_enc_fail(encoder *e, const char *what) {
  char path[512];
  size_t n = 0;
  path[0] = '\0';
  for (int i = 0; i < e->depth && n < sizeof path - 1; i++) {
    int w = e->path[i].key
                ? snprintf(path + n, sizeof path - n, "%s%s", i ? "." : "", e->path[i].key)
                : snprintf(path + n, sizeof path - n, "[%lld]", (long long)e->path[i].index);
    if (w < 0) break;
    n += (size_t)w;
    if (n >= sizeof path) n = sizeof path - 1;
  }
  return bloop_error_set(e->err, BLOOP_EINVAL, "InvalidRequest", "%s%s%s",
                         path[0] ? path : "", path[0] ? ": " : "", what);
}

/* The core's string writer (value.h): checks UTF-8, then escapes. */
static bloop_status lj_enc_string(encoder *e, const char *s, size_t len) {
  bloop_status st = bloop_json_put_string(e->b, s, len);
  if (st == BLOOP_EINVAL)
    return lj_enc_fail(e, "string is not valid UTF-8 (binary values travel base64-encoded)");
  return st;
}

static bloop_status lj_enc_value(encoder *e, int idx, int empty_is_array);

/* Is the table at idx a sequence 1..n with n > 0 (and nothing else)? */
static int lj_is_sequence(lua_State *L, int idx, lua_Integer *n_out) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  if (n == 0) return 0;
  lua_Integer count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    int isint;
    lua_Integer k = lua_tointegerx(L, -1, &isint);
    if (!isint || lua_type(L, -1) != LUA_TNUMBER || k < 1 || k > n) {
      lua_pop(L, 1);
      return 0;
    }
    count++;
  }
  *n_out = n;
  return count == n;
}

static int lj_has_array_meta(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) return 0;
  luaL_getmetatable(L, BLOOP_ARRAY_META);
  int same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same;
}

static bloop_status lj_enc_table(encoder *e, int idx, int empty_is_array) {
  lua_State *L = e->L;
  if (e->depth >= MAX_DEPTH) return lj_enc_fail(e, "nested too deeply (a cycle?)");
  if (!lua_checkstack(L, 8)) return lj_enc_fail(e, "out of Lua stack");
  lua_Integer n = 0;
  int arr = lj_has_array_meta(L, idx) || lj_is_sequence(L, idx, &n);
  if (!arr && empty_is_array) {
    lua_pushnil(L);
    if (lua_next(L, idx)) lua_pop(L, 2);
    else arr = 1;
  }
  bloop_status st = BLOOP_OK;
  if (arr) {
    if (n == 0) n = (lua_Integer)lua_rawlen(L, idx);
    bloop_buf_putc(e->b, '[');
    for (lua_Integer i = 1; i <= n && st == BLOOP_OK; i++) {
      if (i > 1) bloop_buf_putc(e->b, ',');
      e->path[e->depth].key = NULL;
      e->path[e->depth].index = i;
      e->depth++;
      lua_rawgeti(L, idx, i);
      st = lj_enc_value(e, lua_gettop(L), 0);
      lua_pop(L, 1);
      if (st == BLOOP_OK) e->depth--;
    }
    bloop_buf_putc(e->b, ']');
    return st;
  }
  bloop_buf_putc(e->b, '{');
  int first = 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {           /* [..., key, value] */
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      return lj_enc_fail(e, "table mixes array items and named fields, or has a non-string key");
    }
    size_t klen;
    const char *k = lua_tolstring(L, -2, &klen);
    if (!first) bloop_buf_putc(e->b, ',');
    first = 0;
    e->path[e->depth].key = k;
    e->depth++;
    st = lj_enc_string(e, k, klen);
    if (st == BLOOP_OK) {
      bloop_buf_putc(e->b, ':');
      st = lj_enc_value(e, lua_gettop(L), klen == 1 && k[0] == 'L');
    }
    lua_pop(L, 1);
    if (st != BLOOP_OK) {
      lua_pop(L, 1);
      return st;
    }
    e->depth--;
  }
  bloop_buf_putc(e->b, '}');
  return e->b->failed ? BLOOP_ENOMEM : BLOOP_OK;
}

static bloop_status lj_enc_value(encoder *e, int idx, int empty_is_array) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      return lj_enc_string(e, s, len);
    }
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        return bloop_buf_printf(e->b, "%lld", (long long)lua_tointeger(L, idx));
      } else {
        double d = lua_tonumber(L, idx);
        if (!isfinite(d)) return lj_enc_fail(e, "number is NaN or infinite");
        return bloop_buf_printf(e->b, "%.17g", d);
      }
    case LUA_TBOOLEAN:
      return bloop_buf_puts(e->b, lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TTABLE:
      return lj_enc_table(e, idx, empty_is_array);
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) return bloop_buf_puts(e->b, "null");
      /* fallthrough */
    default: {
      char what[96];
      snprintf(what, sizeof what, "cannot send a %s value as JSON", luaL_typename(L, idx));
      return lj_enc_fail(e, what);
    }
  }
}

bloop_status bloopL_to_json(lua_State *L, int idx, bloop_buf *b, bloop_error *err) {
  encoder e;
  e.L = L;
  e.b = b;
  e.err = err;
  e.depth = 0;
  idx = lua_absindex(L, idx);
  bloop_status st = lj_enc_value(&e, idx, 0);
  if (st == BLOOP_OK && b->failed) st = BLOOP_ENOMEM;
  if (st == BLOOP_ENOMEM) bloop_error_set(err, st, "OutOfMemory", "out of memory encoding JSON");
  return st;
}

/* ---- decoding ---------------------------------------------------------------------- */

static void lj_push_node(lua_State *L, const cJSON *node, int depth) {
  luaL_checkstack(L, 4, "JSON nested too deeply");
  if (cJSON_IsString(node)) {
    lua_pushstring(L, node->valuestring);
  } else if (cJSON_IsNumber(node)) {
    double d = node->valuedouble;
    if (d == floor(d) && fabs(d) < 9007199254740992.0)
      lua_pushinteger(L, (lua_Integer)d);
    else
      lua_pushnumber(L, d);
  } else if (cJSON_IsBool(node)) {
    lua_pushboolean(L, cJSON_IsTrue(node));
  } else if (cJSON_IsArray(node)) {
    lua_createtable(L, cJSON_GetArraySize(node), 0);
    lua_Integer i = 1;
    for (const cJSON *c = node->child; c; c = c->next) {
      lj_push_node(L, c, depth + 1);
      lua_rawseti(L, -2, i++);
    }
    luaL_setmetatable(L, BLOOP_ARRAY_META);
  } else if (cJSON_IsObject(node)) {
    lua_createtable(L, 0, 4);
    for (const cJSON *c = node->child; c; c = c->next) {
      lj_push_node(L, c, depth + 1);
      lua_setfield(L, -2, c->string);
    }
  } else {
    lua_pushlightuserdata(L, NULL); /* JSON null: never sent by DynamoDB in answers */
  }
}

/* A parsed tree, owned by a userdata while its Lua value is built: building may raise
 * (Lua out of memory), and __gc then deletes the tree. */
typedef struct lj_tree {
  cJSON *root;
} lj_tree;

static int lj_tree_gc(lua_State *L) {
  lj_tree *t = luaL_checkudata(L, 1, BLOOP_JSON_TREE_META);
  cJSON_Delete(t->root);
  t->root = NULL;
  return 0;
}

bloop_status bloopL_push_json_checked(lua_State *L, const char *json, size_t len,
                                      bloop_error *err) {
  lj_tree *t = bloopL_newbox(L, sizeof *t, 0, BLOOP_JSON_TREE_META);  /* [tree]: first */
  /* bloop_json_parse, not cJSON directly: it refuses \u0000, which cJSON would silently cut
   * a string at, so what Lua sees is always what the service sent. */
  bloop_status st = bloop_json_parse(json, len, "answer", &t->root, err);
  if (st != BLOOP_OK) {
    lua_pop(L, 1);
    return st;
  }
  lj_push_node(L, t->root, 0);                       /* [tree, value] */
  cJSON_Delete(t->root);
  t->root = NULL;
  lua_remove(L, -2);
  return BLOOP_OK;
}

int bloopL_push_json(lua_State *L, const char *json, size_t len) {
  return bloopL_push_json_checked(L, json, len, NULL) == BLOOP_OK;
}

/* core.json_encode(v) -> string | raises */
static int lj_encode(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  bloop_buf *b = bloopL_push_buf(L);                  /* [v, buf] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloopL_to_json(L, 1, b, &err) != BLOOP_OK)
    return luaL_error(L, "bloop.json_encode: %s", err.message);
  lua_pushlstring(L, b->data, b->len);                /* [v, buf, text] */
  bloop_buf_free(b);
  return 1;
}

/* core.json_decode(s) -> value | raises */
static int lj_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  if (!bloopL_push_json(L, s, len)) return luaL_error(L, "bloop.json_decode: invalid JSON");
  return 1;
}

/* core.array(t) -> t marked to encode as a JSON array (even when empty) */
static int lj_array(lua_State *L) {
  if (lua_isnoneornil(L, 1)) lua_newtable(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  luaL_setmetatable(L, BLOOP_ARRAY_META);
  return 1;
}

static const luaL_Reg tree_meta[] = {{"__gc", lj_tree_gc}, {NULL, NULL}};

int bloopL_open_json(lua_State *L) {
  bloopL_createmeta(L, BLOOP_JSON_TREE_META, NULL, tree_meta);
  /* [core] */
  bloopL_createmeta(L, BLOOP_ARRAY_META, NULL, NULL);   /* only __name: a mark */
  luaL_getmetatable(L, BLOOP_ARRAY_META);               /* [core, mt] */
  lua_setfield(L, -2, "array_mt");
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  lua_pushcfunction(L, lj_encode);
  lua_setfield(L, -2, "json_encode");
  lua_pushcfunction(L, lj_decode);
  lua_setfield(L, -2, "json_decode");
  lua_pushcfunction(L, lj_array);
  lua_setfield(L, -2, "array");
  return 0;
}
