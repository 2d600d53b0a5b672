/* test_runtime.c: the embedding runtime (include/bloop/bloop.h): module lookup, results
 * left on the stack, and each kind of Lua failure turned into the documented bloop_error. */
#include "bloop/bloop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "tap.h"

static void test_require_and_results(bloop_runtime *rt) {
  lua_State *L = bloop_runtime_lua(rt);
  bloop_error err = BLOOP_ERROR_INIT;
  int top = lua_gettop(L);
  CHECK(bloop_runtime_dostring(rt, "return require('bloop').version, 1, nil", &err) ==
        BLOOP_OK);
  CHECK_MSG(err.status == BLOOP_OK, err.message);
  CHECK(lua_gettop(L) == top + 3);
  CHECK(lua_type(L, top + 1) == LUA_TSTRING);
  CHECK(lua_tointeger(L, top + 2) == 1 && lua_isnil(L, top + 3));
  lua_settop(L, top);

  CHECK(bloop_runtime_dostring(rt, "return type(package.preload['bloop.core'])", &err) ==
        BLOOP_OK);
  CHECK_STR(lua_tostring(L, -1), "function");
  lua_settop(L, top);
  /* Globals persist between chunks: it is one state. */
  CHECK(bloop_runtime_dostring(rt, "counter = 41", &err) == BLOOP_OK);
  CHECK(bloop_runtime_dostring(rt, "counter = counter + 1 return counter", &err) == BLOOP_OK);
  CHECK(lua_tointeger(L, -1) == 42);
  lua_settop(L, top);
}

static void test_errors(bloop_runtime *rt) {
  lua_State *L = bloop_runtime_lua(rt);
  bloop_error err = BLOOP_ERROR_INIT;
  int top = lua_gettop(L);

  CHECK(bloop_runtime_dostring(rt, "x = = 1", &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "LuaSyntaxError");
  CHECK_MSG(strstr(err.message, "unexpected symbol near '='") != NULL, err.message);
  CHECK(lua_gettop(L) == top);

  CHECK(bloop_runtime_dostring(rt, "local function f() error('deep') end f()", &err) ==
        BLOOP_EINVAL);
  CHECK_STR(err.code, "LuaError");
  CHECK_MSG(strstr(err.message, ":1: deep\nstack traceback:\n") != NULL, err.message);
  CHECK_MSG(strstr(err.message, "in local 'f'") != NULL, err.message);
  CHECK(lua_gettop(L) == top);

  CHECK(bloop_runtime_dofile(rt, "/nonexistent/dir/x.lua", &err) == BLOOP_EIO);
  CHECK_STR(err.code, "LuaFileError");
  CHECK_MSG(strstr(err.message, "cannot open /nonexistent/dir/x.lua") != NULL, err.message);
  CHECK(lua_gettop(L) == top);

  /* A bloop error object (lua-api.md): fields copied; __tostring gives the message. */
  CHECK(bloop_runtime_dostring(rt,
      "error(setmetatable({ name = 'ClientError', code = 'ValidationException',"
      " status = 400, request_id = 'REQ123', message = 'bad key' },"
      " { __tostring = function(e) return e.name .. ': ' .. e.message end }))",
      &err) == BLOOP_ESERVICE);
  CHECK_STR(err.code, "ValidationException");
  CHECK(err.http_status == 400);
  CHECK_STR(err.request_id, "REQ123");
  CHECK_MSG(strncmp(err.message, "ClientError: bad key", 20) == 0, err.message);
  CHECK(lua_gettop(L) == top);

  /* Without an HTTP status it stays a plain run-time error named after the object. */
  CHECK(bloop_runtime_dostring(rt, "error({ name = 'InvalidModel' })", &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidModel");
  CHECK_MSG(strncmp(err.message, "(error object is a table value)", 31) == 0, err.message);

  /* An __index that raises must not be called while reading the fields. */
  CHECK(bloop_runtime_dostring(rt,
      "error(setmetatable({}, { __index = function() error('no!') end }))", &err) ==
      BLOOP_EINVAL);
  CHECK_STR(err.code, "LuaError");
  CHECK(lua_gettop(L) == top);

  CHECK(bloop_runtime_dostring(NULL, "return 1", &err) == BLOOP_EINVAL);
  CHECK(bloop_runtime_dostring(rt, NULL, &err) == BLOOP_EINVAL);
  CHECK(bloop_runtime_dostring(rt, "error('no err record')", NULL) == BLOOP_EINVAL);
  CHECK(lua_gettop(L) == top);
}

static void test_dofile(bloop_runtime *rt) {
  char path[] = "/tmp/bloop_test_runtime_XXXXXX";
  int fd = mkstemp(path);
  if (!CHECK(fd >= 0)) return;
  FILE *f = fdopen(fd, "w");
  fputs("local a, b = ...\nreturn 'file', a == nil\n", f);
  fclose(f);
  bloop_error err = BLOOP_ERROR_INIT;
  lua_State *L = bloop_runtime_lua(rt);
  int top = lua_gettop(L);
  CHECK(bloop_runtime_dofile(rt, path, &err) == BLOOP_OK);
  CHECK(lua_gettop(L) == top + 2);
  CHECK_STR(lua_tostring(L, top + 1), "file");
  CHECK(lua_toboolean(L, top + 2));
  lua_settop(L, top);
  remove(path);
}

/* BLOOP_LUA_DIR wins over the compiled-in directories. */
static void test_lua_dir_override(void) {
  char dir[] = "/tmp/bloop_test_luadir_XXXXXX";
  if (!CHECK(mkdtemp(dir) != NULL)) return;
  char sub[sizeof dir + 16], file[sizeof dir + 32];
  snprintf(sub, sizeof sub, "%s/bloop", dir);
  snprintf(file, sizeof file, "%s/init.lua", sub);
  CHECK(mkdir(sub, 0700) == 0);
  FILE *f = fopen(file, "w");
  if (CHECK(f != NULL)) {
    fputs("return { version = 'override' }\n", f);
    fclose(f);
  }
  setenv("BLOOP_LUA_DIR", dir, 1);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_runtime *rt = bloop_runtime_new(&err);
  unsetenv("BLOOP_LUA_DIR");
  if (CHECK(rt != NULL)) {
    CHECK(bloop_runtime_dostring(rt, "return require('bloop').version", &err) == BLOOP_OK);
    CHECK_STR(lua_tostring(bloop_runtime_lua(rt), -1), "override");
    bloop_runtime_free(rt);
  }
  remove(file);
  remove(sub);
  remove(dir);
}

int main(void) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_runtime *rt = bloop_runtime_new(&err);
  if (!CHECK_MSG(rt != NULL, err.message)) return tap_done();
  CHECK(bloop_runtime_lua(rt) != NULL);
  CHECK(bloop_runtime_lua(NULL) == NULL);
  test_require_and_results(rt);
  test_errors(rt);
  test_dofile(rt);
  bloop_runtime_free(rt);
  bloop_runtime_free(NULL);
  test_lua_dir_override();
  return tap_done();
}
