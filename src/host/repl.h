/*
 * repl.h: the interactive loop of the `bloop` host (read, evaluate, print).
 *
 * Owns: reading lines with libedit (prompts "> " and ">> ", history kept in $BLOOP_HISTORY
 * or ~/.bloop_history, bounded), compiling a line first as `return <line>` and then as a
 * statement that may continue over several lines, printing results through bloop.pretty,
 * and making `bloop` a global before the first prompt.
 * Does not own: running code (it borrows the host's docall from bloop.c, so an interrupt
 * and a traceback behave the same in scripts and at the prompt), options, or exit codes.
 */
#ifndef BLOOP_HOST_REPL_H
#define BLOOP_HOST_REPL_H

#include <lua.h>

/* Provided by bloop.c. Calls the function below narg arguments on the stack with the
 * traceback handler and the SIGINT hook; returns a Lua status, leaving the error message
 * (a string) on the stack when not LUA_OK. */
int bloopi_host_docall(lua_State *L, int narg, int nres);

/* Provided by bloop.c. When status is not LUA_OK, prints the message on top of the stack
 * (prefixed with "pname: " when pname is not NULL) to stderr and pops it. */
int bloopi_host_report(lua_State *L, int status, const char *pname);

/* Runs the loop until end of input; leaves the stack empty. */
void bloopi_repl_run(lua_State *L);

#endif
