/*
 * bloop.h: the embedding runtime (a Lua 5.4 state prepared so that `require("bloop")`
 * works), plus the client's headers (client, credentials, operations, signing) that an
 * embedder calling DynamoDB from C uses beside it. The engine's C API (models, conditions,
 * engine, transactions, streams) is in engine.h and the headers it includes: include
 * those where C code maps objects itself.
 *
 * Owns: bloop_runtime, a lua_State with the standard libraries, `bloop.core` preloaded into
 * package.preload and package.path extended to find the Lua modules (lua/bloop) without the
 * user setting LUA_PATH; running files and strings in it with errors returned as a
 * bloop_error (Lua message plus traceback), never printed.
 * Does not own: the Lua modules themselves, signals, or the interactive host (src/host).
 * This is the only public header that includes lua.h, and only so that lua_State is a
 * complete name for bloop_runtime_lua and bloop_runtime_openlibs; the core headers below never
 * include it, so a program that uses only the core may include them one by one instead.
 *
 * Where the Lua modules are looked for, first match wins:
 *   1. $BLOOP_LUA_DIR (unless the registry holds LUA_NOENV, as `bloop -E` sets);
 *   2. <directory of the running executable>/../share/bloop/lua  (install layout);
 *   3. the install directory compiled in (<prefix>/share/bloop/lua);
 *   4. the source tree's lua/ directory compiled in (build tree).
 * A directory counts when it holds a `bloop` subdirectory. The chosen directory is put in
 * front of package.path (`<dir>/?.lua;<dir>/?/init.lua`), so it wins over LUA_PATH; set
 * BLOOP_LUA_DIR to use another copy.
 */
#ifndef BLOOP_BLOOP_H
#define BLOOP_BLOOP_H

#include <lua.h>

#include "bloop/buf.h"
#include "bloop/client.h"
#include "bloop/creds.h"
#include "bloop/operations.h"
#include "bloop/sigv4.h"
#include "bloop/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_runtime bloop_runtime;

/* A new runtime, or NULL with err filled (BLOOP_ENOMEM, or the Lua error that setting up
 * the libraries raised). Free it with bloop_runtime_free. */
bloop_runtime *bloop_runtime_new(bloop_error *err);

/* Closes the Lua state (running __gc and __close of everything in it). Accepts NULL. */
void bloop_runtime_free(bloop_runtime *rt);

/* Loads and runs a Lua file (path NULL: standard input). On BLOOP_OK the chunk's results
 * are left pushed on the stack of bloop_runtime_lua(rt), above what was there before
 * (compare lua_gettop before and after); the caller pops them. On failure the stack is as
 * before and err holds the message and a traceback:
 *   BLOOP_EIO      the file could not be read        (code "LuaFileError")
 *   BLOOP_EINVAL   syntax error                      (code "LuaSyntaxError")
 *   BLOOP_ENOMEM   Lua ran out of memory             (code "LuaMemoryError")
 *   BLOOP_ESERVICE a bloop error object carrying an HTTP `status` was raised (its `code`
 *                  or `name`, `status`, `request_id` are copied)
 *   BLOOP_EINVAL   any other run-time error          (the object's `name`, else "LuaError")
 */
bloop_status bloop_runtime_dofile(bloop_runtime *rt, const char *path, bloop_error *err);

/* As bloop_runtime_dofile, for a string of Lua code (the chunk is named after the code, as
 * luaL_dostring does). */
bloop_status bloop_runtime_dostring(bloop_runtime *rt, const char *code, bloop_error *err);

/* The runtime's Lua state, borrowed: valid until bloop_runtime_free; do not lua_close it. */
lua_State *bloop_runtime_lua(bloop_runtime *rt);

/* For hosts that create their own lua_State (the `bloop` binary does): opens the standard
 * libraries, preloads `bloop.core` and extends package.path as described above. Raises a
 * Lua error on failure, like luaL_openlibs; call it in protected mode. */
void bloop_runtime_openlibs(lua_State *L);

#ifdef __cplusplus
}
#endif

#endif
