/*
 * docall.h: how the `bloop` host runs Lua code, shared by scripts (main.c) and the
 * prompt (repl.c) so that an interrupt and a traceback behave the same in both.
 *
 * Owns: the message handler (a traceback for string errors, __tostring for error
 * objects), the SIGINT hook that raises "interrupted!" at the next safe point, the
 * module "bloop.host" through which a script catches SIGINT and SIGTERM instead (a flag it
 * polls: bloop.interrupted()), and printing an error to stderr.
 * Does not own: options, exit codes or reading input.
 */
#ifndef BLOOP_HOST_DOCALL_H
#define BLOOP_HOST_DOCALL_H

#include <lua.h>

#include "base/bloopi.h"

/* Calls the function below narg arguments on the stack with the traceback handler and the
 * SIGINT hook; returns a Lua status, leaving the error message (a string) on the stack
 * when not LUA_OK. */
BLOOPI_FUNC int bloopi_host_docall(lua_State *L, int narg, int nres);

/* Sets the global `bloop` to require("bloop"), as everything the host runs sees it (-e,
 * -l, scripts, stdin, the REPL; LUA_INIT runs before, so it may set package.path). When
 * bloop cannot be loaded, says so on stderr and leaves the global unset. */
BLOOPI_FUNC void bloopi_host_set_bloop_global(lua_State *L, const char *pname);

/* When status is not LUA_OK, prints the message on top of the stack (prefixed with
 * "pname: " when pname is not NULL) to stderr and pops it. */
BLOOPI_FUNC int bloopi_host_report(lua_State *L, int status, const char *pname);

/* package.preload["bloop.host"]: catch_interrupts(on) -> was_catching, interrupted() ->
 * "SIGINT" | "SIGTERM" | false. Only this host has it; lua/bloop/init.lua falls back to
 * "never interrupted" without it (an embedder may preload its own). */
BLOOPI_FUNC void bloopi_host_preload(lua_State *L);

#endif
