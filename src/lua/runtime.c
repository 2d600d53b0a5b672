/*
 * runtime.c: the embedding runtime (include/bloop/bloop.h): a Lua state where
 * require("bloop") works, and running code in it with errors returned as bloop_error.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bloop/bloop.h"
#include "lua/lbloop.h"

#ifndef BLOOP_LUA_INSTALL_DIR
#define BLOOP_LUA_INSTALL_DIR ""
#endif
#ifndef BLOOP_LUA_BUILD_DIR
#define BLOOP_LUA_BUILD_DIR ""
#endif

struct bloop_runtime {
  lua_State *L;
};

/* A candidate directory holds the modules when it has a bloop/ subdirectory: checking the
 * directory, not init.lua, keeps a half-installed tree from silently falling through to an
 * older copy further down the list. */
static int has_modules(const char *dir) {
  struct stat st;
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n + sizeof "/bloop" > sizeof path) return 0;
  memcpy(path, dir, n);
  memcpy(path + n, "/bloop", sizeof "/bloop");
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Pushes <dir of /proc/self/exe>/../share/bloop/lua, or nothing (returns 0). */
static int push_exe_relative(lua_State *L) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0 || (size_t)n >= sizeof exe - 1) return 0;  /* unknown or possibly truncated */
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL) return 0;
  *slash = '\0';
  lua_pushfstring(L, "%s/../share/bloop/lua", exe);
  return 1;
}

/* Pushes the directory holding the Lua modules, or nil when none was found (require then
 * reports every path it tried, which is the most useful message we could give). */
static void push_lua_dir(lua_State *L) {
  int noenv;
  lua_getfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");  /* set by `bloop -E` */
  noenv = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!noenv) {
    const char *env = getenv("BLOOP_LUA_DIR");
    if (env != NULL && env[0] != '\0') {
      lua_pushstring(L, env);  /* an explicit choice is taken as is */
      return;
    }
  }
  if (push_exe_relative(L)) {
    if (has_modules(lua_tostring(L, -1))) return;
    lua_pop(L, 1);
  }
  if (has_modules(BLOOP_LUA_INSTALL_DIR)) {
    lua_pushstring(L, BLOOP_LUA_INSTALL_DIR);
    return;
  }
  if (has_modules(BLOOP_LUA_BUILD_DIR)) {
    lua_pushstring(L, BLOOP_LUA_BUILD_DIR);
    return;
  }
  lua_pushnil(L);
}

BLOOP_LUA_API void bloop_runtime_openlibs(lua_State *L) {
  luaL_openlibs(L);
  /* package.preload["bloop.core"] = luaopen_bloop_core, as linit.c's comment suggests for
   * statically linked modules: no core.so has to be found on package.cpath. */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);   /* [preload] */
  lua_pushcfunction(L, luaopen_bloop_core);
  lua_setfield(L, -2, "bloop.core");
  lua_pop(L, 1);                                                /* [] */
  push_lua_dir(L);                                              /* [dir|nil] */
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lua_getglobal(L, "package");                                  /* [dir, package] */
  if (!lua_istable(L, -1)) luaL_error(L, "bloop: 'package' library missing");
  lua_getfield(L, -1, "path");                                  /* [dir, package, path] */
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", lua_tostring(L, -3), lua_tostring(L, -3),
                  lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
  lua_setfield(L, -3, "path");                                  /* [dir, package, path] */
  lua_pop(L, 3);                                                /* [] */
}

static int openlibs_protected(lua_State *L) {
  bloop_runtime_openlibs(L);
  return 0;
}

BLOOP_LUA_API bloop_runtime *bloop_runtime_new(bloop_error *err) {
  bloop_error_clear(err);
  bloop_runtime *rt = calloc(1, sizeof *rt);
  if (rt == NULL) {
    bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "cannot allocate a bloop runtime");
    return NULL;
  }
  rt->L = luaL_newstate();
  if (rt->L == NULL) {
    free(rt);
    bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "cannot create a Lua state");
    return NULL;
  }
  lua_pushcfunction(rt->L, openlibs_protected);
  int status = lua_pcall(rt->L, 0, 0, 0);
  if (status != LUA_OK) {
    const char *msg = lua_tostring(rt->L, -1);
    bloop_error_set(err, status == LUA_ERRMEM ? BLOOP_ENOMEM : BLOOP_EINVAL,
                    status == LUA_ERRMEM ? "LuaMemoryError" : "LuaError",
                    "cannot set up the Lua libraries: %s", msg ? msg : "(no message)");
    bloop_runtime_free(rt);
    return NULL;
  }
  return rt;
}

BLOOP_LUA_API void bloop_runtime_free(bloop_runtime *rt) {
  if (rt == NULL) return;
  if (rt->L != NULL) lua_close(rt->L);
  free(rt);
}

BLOOP_LUA_API lua_State *bloop_runtime_lua(bloop_runtime *rt) {
  return rt ? rt->L : NULL;
}

/* Message handler: keeps the error object (its fields feed bloop_error) and adds the
 * readable message with a traceback. Returns {object, message}. */
static int rt_msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);   /* an error object that prints itself */
    else
      msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);    /* [obj, ..., traceback] */
  lua_createtable(L, 2, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_insert(L, -2);
  lua_rawseti(L, -2, 2);           /* [obj, ..., {obj, traceback}] */
  return 1;
}

/* Copies the string at t[field] of the table at idx into dst (size n), reading raw: an
 * error object's __index could raise, and this runs after the protected call. */
static int raw_string_field(lua_State *L, int idx, const char *field, char *dst, size_t n) {
  int ok = 0;
  lua_pushstring(L, field);
  if (lua_rawget(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len >= n) len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    ok = 1;
  }
  lua_pop(L, 1);
  return ok;
}

/* Turns a failed call's status and the value on top of the stack (a message string, or
 * the handler's {object, message}) into err, and pops that value. */
static bloop_status fill_error(lua_State *L, int status, bloop_error *err) {
  bloop_status st = BLOOP_EINVAL;
  const char *code = "LuaError";
  switch (status) {
    case LUA_ERRSYNTAX: code = "LuaSyntaxError"; break;
    case LUA_ERRFILE: st = BLOOP_EIO; code = "LuaFileError"; break;
    case LUA_ERRMEM: st = BLOOP_ENOMEM; code = "LuaMemoryError"; break;
    default: break;
  }
  if (!lua_istable(L, -1)) {  /* load errors and memory errors: a plain message */
    const char *msg = lua_tostring(L, -1);
    bloop_error_set(err, st, code, "%s", msg ? msg : "(no message)");
    lua_pop(L, 1);
    return st;
  }
  int wrapper = lua_gettop(L);
  lua_rawgeti(L, wrapper, 2);
  const char *msg = lua_tostring(L, -1);
  bloop_error_set(err, st, code, "%s", msg ? msg : "(no message)");
  lua_pop(L, 1);
  if (err != NULL && lua_rawgeti(L, wrapper, 1) == LUA_TTABLE) {
    /* A bloop error object (lua-api.md "Errors"): name, code, status, request_id. */
    int obj = lua_gettop(L);
    raw_string_field(L, obj, "name", err->code, sizeof err->code);
    raw_string_field(L, obj, "code", err->code, sizeof err->code);  /* the service's wins */
    raw_string_field(L, obj, "request_id", err->request_id, sizeof err->request_id);
    lua_pushliteral(L, "status");
    if (lua_rawget(L, obj) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0) {
      err->http_status = (long)lua_tointeger(L, -1);
      err->status = st = BLOOP_ESERVICE;
    }
    lua_pop(L, 1);
  }
  lua_settop(L, wrapper - 1);
  return st;
}

/* Runs the chunk on top of the stack (loaded with `status`), leaving its results. */
static bloop_status run_chunk(lua_State *L, int status, bloop_error *err) {
  if (status == LUA_OK) {
    int base = lua_gettop(L);              /* the chunk's index */
    lua_pushcfunction(L, rt_msghandler);
    lua_insert(L, base);                   /* [..., handler, chunk] */
    status = lua_pcall(L, 0, LUA_MULTRET, base);
    lua_remove(L, base);                   /* [..., results] or [..., error] */
  }
  if (status != LUA_OK) return fill_error(L, status, err);
  return BLOOP_OK;
}

BLOOP_LUA_API bloop_status bloop_runtime_dofile(bloop_runtime *rt, const char *path,
                                                bloop_error *err) {
  bloop_error_clear(err);
  if (rt == NULL || rt->L == NULL)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "runtime is NULL");
  return run_chunk(rt->L, luaL_loadfile(rt->L, path), err);
}

BLOOP_LUA_API bloop_status bloop_runtime_dostring(bloop_runtime *rt, const char *code,
                                                  bloop_error *err) {
  bloop_error_clear(err);
  if (rt == NULL || rt->L == NULL || code == NULL)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "runtime or code is NULL");
  return run_chunk(rt->L, luaL_loadstring(rt->L, code), err);
}
