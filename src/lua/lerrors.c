/*
 * lerrors.c: bloop error objects as the binding raises them.
 *
 * An error object is a table {name, code, message, status, request_id, attempts, retried,
 * kind}, plus ambiguous = true when an attempt may have been applied unseen (status.h).
 * Its metatable is the class registered under its name by lua/bloop/errors.lua
 * (core.register_error_class); when bloop.core is used alone, or a class is not
 * registered, "bloop.Error" (a minimal metatable with __tostring) keeps errors readable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"

static int lerr_tostring(lua_State *L) {
  lua_getfield(L, 1, "name");
  lua_getfield(L, 1, "code");
  lua_getfield(L, 1, "message");
  const char *name = luaL_optstring(L, -3, "Error");
  const char *code = luaL_optstring(L, -2, "");
  const char *msg = luaL_optstring(L, -1, "");
  if (*code)
    lua_pushfstring(L, "%s: %s: %s", name, code, msg);
  else
    lua_pushfstring(L, "%s: %s", name, msg);
  return 1;
}

/* [] -> [mt] : the registered class of `name`, or bloop.Error. */
static void lerr_push_class(lua_State *L, const char *name) {
  lua_getfield(L, LUA_REGISTRYINDEX, BLOOP_ERROR_CLASSES);  /* [classes] */
  if (lua_getfield(L, -1, name) != LUA_TTABLE) {            /* [classes, cls] */
    lua_pop(L, 1);
    luaL_getmetatable(L, BLOOP_ERROR_META);                 /* [classes, mt] */
  }
  lua_remove(L, -2);
}

void bloopL_push_error(lua_State *L, const char *name, const bloop_error *err) {
  lua_createtable(L, 0, 8);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "name");
  if (err->code[0]) {
    lua_pushstring(L, err->code);
    lua_setfield(L, -2, "code");
  }
  lua_pushstring(L, err->message[0] ? err->message : bloop_status_name(err->status));
  lua_setfield(L, -2, "message");
  if (err->http_status) {
    lua_pushinteger(L, err->http_status);
    lua_setfield(L, -2, "status");
  }
  if (err->request_id[0]) {
    lua_pushstring(L, err->request_id);
    lua_setfield(L, -2, "request_id");
  }
  lua_pushinteger(L, err->attempts);
  lua_setfield(L, -2, "attempts");
  lua_pushboolean(L, err->attempts > 1);
  lua_setfield(L, -2, "retried");
  if (err->ambiguous) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ambiguous");
  }
  lua_pushstring(L, bloop_status_name(err->status));
  lua_setfield(L, -2, "kind");
  lerr_push_class(L, name);
  lua_setmetatable(L, -2);
}

int bloopL_raise_error(lua_State *L, const char *name, const bloop_error *err) {
  bloopL_push_error(L, name, err);
  return lua_error(L);
}

/* ---- one mapper from core errors to classes ------------------------------------------ */

enum {
  ENGINE = 1 << BLOOPL_FROM_ENGINE,
  TXN = 1 << BLOOPL_FROM_TXN,
  STREAM = 1 << BLOOPL_FROM_STREAM
};

/* A code and the class it means, for the sources in `from`. bloop's own codes are the
 * names of their classes. */
static const struct {
  const char *code, *cls;
  unsigned from;
} code_classes[] = {
    {"ConditionalCheckFailedException", "ConstraintViolation", ENGINE},
    {"ConstraintViolation", "ConstraintViolation", ENGINE},
    {"TableMismatch", "TableMismatch", ENGINE},
    {"InvalidSearch", "InvalidSearch", ENGINE},
    {"InvalidRequest", "InvalidRequest", ENGINE | TXN},
    {"InvalidCondition", "InvalidCondition", ENGINE | TXN},
    {"InvalidModel", "InvalidModel", ENGINE | TXN},
    {"InvalidValue", "InvalidValue", ENGINE | TXN},
    {"TransactionCanceledException", "TransactionCanceled", TXN},
    {"InvalidStream", "InvalidStream", STREAM},
    {"ResourceNotFoundException", "InvalidStream", STREAM},
    {"TrimmedDataAccessException", "RecordsExpired", STREAM},
};

const char *bloopL_error_class(const bloop_error *err, bloopL_source from) {
  if (from == BLOOPL_FROM_COND) return err->code[0] ? err->code : "InvalidCondition";
  for (size_t i = 0; i < sizeof code_classes / sizeof code_classes[0]; i++)
    if ((code_classes[i].from & (1u << from)) && strcmp(err->code, code_classes[i].code) == 0)
      return code_classes[i].cls;
  if (err->status == BLOOP_ECONFIG) return "ConfigurationError";
  if (err->status == BLOOP_EINVAL) return "InvalidRequest";
  return "ClientError";
}

void bloopL_push_core_error(lua_State *L, const bloop_error *err, bloopL_source from) {
  const char *cls = bloopL_error_class(err, from);
  if (strcmp(cls, "ConstraintViolation") != 0 || err->status != BLOOP_ESERVICE) {
    bloopL_push_error(L, cls, err);
    return;
  }
  bloop_error copy = *err;
  snprintf(copy.code, sizeof copy.code, "%s", "ConditionalCheckFailedException");
  bloopL_push_error(L, cls, &copy);
}

int bloopL_raise_core_error(lua_State *L, const bloop_error *err, bloopL_source from) {
  bloopL_push_core_error(L, err, from);
  return lua_error(L);
}

int bloopL_raise_invalid(lua_State *L, const char *cls, const char *code, const char *fmt,
                         ...) {
  bloop_error err = BLOOP_ERROR_INIT;
  va_list ap;
  err.status = BLOOP_EINVAL;
  snprintf(err.code, sizeof err.code, "%s", code);
  va_start(ap, fmt);
  vsnprintf(err.message, sizeof err.message, fmt, ap);
  va_end(ap);
  return bloopL_raise_error(L, cls, &err);
}

/* core.register_error_class(name, class_metatable) */
static int lerr_register(lua_State *L) {
  luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, LUA_REGISTRYINDEX, BLOOP_ERROR_CLASSES);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_settable(L, -3);
  return 0;
}

static const luaL_Reg error_meta[] = {{"__tostring", lerr_tostring}, {NULL, NULL}};

int bloopL_open_errors(lua_State *L) {
  bloopL_createmeta(L, BLOOP_ERROR_META, NULL, error_meta);          /* [core] */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, BLOOP_ERROR_CLASSES);        /* [core, classes] */
  lua_pop(L, 1);                                                      /* [core] */
  lua_pushcfunction(L, lerr_register);
  lua_setfield(L, -2, "register_error_class");
  return 0;
}
