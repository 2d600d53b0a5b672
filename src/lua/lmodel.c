/*
 * lmodel.c: core.model_new(decl): a flat Lua declaration -> bloop_model (model.h).
 * Ownership: the "bloop.CModel" box owns one reference to the bloop_model; __gc releases
 * it and sets the box to NULL. The declaration arrays are Lua userdata scratch (freed by
 * the GC), so raising halfway leaks nothing.
 */
#include <string.h>

#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/lmodel.h"

typedef struct model_box {
  bloop_model *m;
} model_box;

bloop_model *bloopL_check_model(lua_State *L, int idx) {
  model_box *box = luaL_checkudata(L, idx, BLOOP_CMODEL_META);
  if (!box->m) luaL_error(L, "attempt to use a released bloop.CModel");
  return box->m;
}

/* Strings stay alive while the declaration table (argument 1) lives. */
static const char *lm_field_str(lua_State *L, int t, const char *k) {
  const char *s = NULL;
  int ty = lua_getfield(L, t, k);
  if (ty == LUA_TSTRING) s = lua_tostring(L, -1);
  else if (ty != LUA_TNIL) luaL_error(L, "model declaration: '%s' must be a string", k);
  lua_pop(L, 1);
  return s;
}

static long lm_field_long(lua_State *L, int t, const char *k) {
  long v = 0;
  int ty = lua_getfield(L, t, k);
  if (ty == LUA_TNUMBER) v = (long)lua_tointeger(L, -1);
  else if (ty != LUA_TNIL) luaL_error(L, "model declaration: '%s' must be an integer", k);
  lua_pop(L, 1);
  return v;
}

static int lm_field_bool(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

static bloop_flag lm_field_flag(lua_State *L, int t, const char *k) {
  int ty = lua_getfield(L, t, k);
  bloop_flag f = ty == LUA_TNIL ? BLOOP_FLAG_UNSET
                                : (lua_toboolean(L, -1) ? BLOOP_FLAG_ON : BLOOP_FLAG_OFF);
  lua_pop(L, 1);
  return f;
}

static void lm_read_meta(lua_State *L, int t, bloop_model_meta *m) {
  if (lua_getfield(L, t, "meta") != LUA_TTABLE) {   /* [.., meta] */
    lua_pop(L, 1);
    return;
  }
  int mi = lua_gettop(L);
  m->table_name = lm_field_str(L, mi, "table_name");
  const char *billing = lm_field_str(L, mi, "billing");
  if (billing && strcmp(billing, "on_demand") == 0) m->billing = BLOOP_BILLING_ON_DEMAND;
  else if (billing && strcmp(billing, "provisioned") == 0) m->billing = BLOOP_BILLING_PROVISIONED;
  m->read_units = lm_field_long(L, mi, "read_units");
  m->write_units = lm_field_long(L, mi, "write_units");
  if (lua_getfield(L, mi, "stream") == LUA_TTABLE) {  /* [.., meta, include] */
    int keys = 0, nw = 0, old = 0;
    lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, -1, i);
      const char *v = lua_tostring(L, -1);
      if (v && strcmp(v, "keys") == 0) keys = 1;
      if (v && strcmp(v, "new") == 0) nw = 1;
      if (v && strcmp(v, "old") == 0) old = 1;
      lua_pop(L, 1);
    }
    m->stream = keys ? BLOOP_STREAM_KEYS_ONLY
              : (nw && old) ? BLOOP_STREAM_NEW_AND_OLD_IMAGES
              : nw ? BLOOP_STREAM_NEW_IMAGE : old ? BLOOP_STREAM_OLD_IMAGE : BLOOP_STREAM_NONE;
  }
  lua_pop(L, 1);
  m->ttl_column = lm_field_str(L, mi, "ttl_column");
  m->backups = lm_field_flag(L, mi, "backups");
  m->encryption = lm_field_flag(L, mi, "encryption");
  lua_pop(L, 1);                                     /* [..] */
}

static bloop_type lm_type_of(lua_State *L, int t) {
  const char *tag = lm_field_str(L, t, "type");
  if (!tag) return BLOOP_TYPE_NONE;
  bloop_type ty = bloop_type_from_tag(tag, strlen(tag));
  if (ty == BLOOP_TYPE_NONE) luaL_error(L, "model declaration: unknown backing type '%s'", tag);
  return ty;
}

/* decl.columns (of the declaration at 1) as a scratch array; pushes [columns, colsbuf],
 * which keep the names alive while they stay on the stack. */
static bloop_column_decl *lm_read_columns(lua_State *L, size_t *count) {
  lua_getfield(L, 1, "columns");                     /* [decl, columns] */
  luaL_checktype(L, -1, LUA_TTABLE);
  size_t nc = (size_t)luaL_len(L, -1);
  bloop_column_decl *cols = lua_newuserdatauv(L, (nc ? nc : 1) * sizeof *cols, 0);
  memset(cols, 0, (nc ? nc : 1) * sizeof *cols);     /* [decl, columns, colsbuf] */
  for (size_t i = 0; i < nc; i++) {
    lua_geti(L, -2, (lua_Integer)i + 1);             /* [.., col] */
    int ci = lua_gettop(L);
    cols[i].name = lm_field_str(L, ci, "name");
    cols[i].dynamo_name = lm_field_str(L, ci, "dynamo_name");
    cols[i].type = lm_type_of(L, ci);
    const char *key = lm_field_str(L, ci, "key");
    cols[i].key = key && strcmp(key, "hash") == 0 ? BLOOP_KEY_HASH
                : key && strcmp(key, "range") == 0 ? BLOOP_KEY_RANGE : BLOOP_KEY_NONE;
    cols[i].version = lm_field_bool(L, ci, "version");
    lua_pop(L, 1);
  }
  *count = nc;
  return cols;
}

/* core.model_check_columns(decl): the column rules only (model.h), for a model still being
 * declared; raises InvalidModel. */
static int lm_check_columns(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const char *name = lm_field_str(L, 1, "name");
  size_t nc;
  const bloop_column_decl *cols = lm_read_columns(L, &nc);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_check_columns(name, cols, nc, &err) != BLOOP_OK)
    return bloopL_raise_error(L, "InvalidModel", &err);
  return 0;
}

/* cmodel:projected(index_name) -> { column name, ... } in model order: what the index holds
 * (model.h bloop_index_projects, the one place that rule lives); nil for an unknown index. */
static int lm_projected(lua_State *L) {
  bloop_model *m = bloopL_check_model(L, 1);
  const bloop_index *x = bloop_model_index_find(m, luaL_checkstring(L, 2));
  if (!x) return 0;
  lua_newtable(L);
  lua_Integer k = 0;
  for (size_t i = 0; i < bloop_model_column_count(m); i++) {
    const bloop_column *c = bloop_model_column(m, i);
    if (!bloop_index_projects(x, c)) continue;
    lua_pushstring(L, c->name);
    lua_rawseti(L, -2, ++k);
  }
  return 1;
}

/* core.model_new(decl) -> CModel; raises InvalidModel. */
static int lm_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  bloop_model_decl decl;
  memset(&decl, 0, sizeof decl);
  decl.name = lm_field_str(L, 1, "name");
  lm_read_meta(L, 1, &decl.meta);

  size_t nc;
  decl.columns = lm_read_columns(L, &nc);               /* [decl, columns, colsbuf] */
  decl.column_count = nc;

  size_t ni = 0;
  bloop_index_decl *idx = NULL;
  if (lua_getfield(L, 1, "indexes") == LUA_TTABLE) { /* [.., indexes] */
    ni = (size_t)luaL_len(L, -1);
    idx = lua_newuserdatauv(L, (ni ? ni : 1) * sizeof *idx, 0);
    memset(idx, 0, (ni ? ni : 1) * sizeof *idx);     /* [.., indexes, idxbuf] */
    for (size_t i = 0; i < ni; i++) {
      lua_geti(L, -2, (lua_Integer)i + 1);           /* [.., ix] */
      int xi = lua_gettop(L);
      const char *kind = lm_field_str(L, xi, "kind");
      idx[i].kind = kind && strcmp(kind, "lsi") == 0 ? BLOOP_INDEX_LSI : BLOOP_INDEX_GSI;
      idx[i].name = lm_field_str(L, xi, "name");
      idx[i].dynamo_name = lm_field_str(L, xi, "dynamo_name");
      idx[i].hash_key = lm_field_str(L, xi, "hash_key");
      idx[i].range_key = lm_field_str(L, xi, "range_key");
      const char *proj = lm_field_str(L, xi, "projection");
      idx[i].projection = proj && strcmp(proj, "all") == 0 ? BLOOP_PROJECTION_ALL
                        : proj && strcmp(proj, "include") == 0 ? BLOOP_PROJECTION_INCLUDE
                        : BLOOP_PROJECTION_KEYS;
      idx[i].read_units = lm_field_long(L, xi, "read_units");
      idx[i].write_units = lm_field_long(L, xi, "write_units");
      if (lua_getfield(L, xi, "include") == LUA_TTABLE) {  /* [.., ix, include] */
        size_t n = (size_t)luaL_len(L, -1);
        const char **names = lua_newuserdatauv(L, (n ? n : 1) * sizeof *names, 0);
        for (size_t k = 0; k < n; k++) {
          lua_geti(L, -2, (lua_Integer)k + 1);
          names[k] = lua_tostring(L, -1);  /* alive: the include table holds it */
          lua_pop(L, 1);
        }
        idx[i].include = names;
        idx[i].include_count = n;
        /* keep the names buffer alive until the call ends: park it in the index table */
        lua_setfield(L, xi, "\1names");              /* [.., ix, include] */
      }
      lua_pop(L, 2);                                 /* [.., indexes, idxbuf] */
    }
  }
  decl.indexes = idx;
  decl.index_count = ni;

  model_box *box = bloopL_newbox(L, sizeof *box, 0, BLOOP_CMODEL_META);  /* [.., box] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_model_new(&decl, &box->m, &err) != BLOOP_OK)
    return bloopL_raise_error(L, "InvalidModel", &err);
  return 1;
}

static int lm_gc(lua_State *L) {
  model_box *box = luaL_checkudata(L, 1, BLOOP_CMODEL_META);
  bloop_model_release(box->m);
  box->m = NULL;
  return 0;
}

static int lm_tostring(lua_State *L) {
  model_box *box = luaL_checkudata(L, 1, BLOOP_CMODEL_META);
  if (box->m) lua_pushfstring(L, "bloop.CModel(%s)", bloop_model_name(box->m));
  else lua_pushliteral(L, "bloop.CModel(released)");
  return 1;
}

static int lm_table_name(lua_State *L) {
  lua_pushstring(L, bloop_model_table_name(bloopL_check_model(L, 1)));
  return 1;
}

static const luaL_Reg model_methods[] = {
    {"table_name", lm_table_name}, {"projected", lm_projected}, {NULL, NULL}};
static const luaL_Reg model_meta[] = {
    {"__gc", lm_gc}, {"__tostring", lm_tostring}, {NULL, NULL}};
static const luaL_Reg model_funcs[] = {
    {"model_new", lm_new}, {"model_check_columns", lm_check_columns}, {NULL, NULL}};

int bloopL_open_model(lua_State *L) {
  bloopL_createmeta(L, BLOOP_CMODEL_META, model_methods, model_meta);   /* [core] */
  luaL_setfuncs(L, model_funcs, 0);
  return 0;
}
