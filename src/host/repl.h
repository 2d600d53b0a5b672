/*
 * repl.h: the interactive loop of the `bloop` host (read, evaluate, print).
 *
 * Owns: reading lines with libedit (prompts "> " and ">> ", history kept in $BLOOP_HISTORY
 * or ~/.bloop_history, bounded), compiling a line first as `return <line>` and then as a
 * statement that may continue over several lines, printing results through bloop.pretty,
 * and making `bloop` a global before the first prompt.
 * Does not own: running code (it uses the host's docall, docall.h, so an interrupt
 * and a traceback behave the same in scripts and at the prompt), options, or exit codes.
 */
#ifndef BLOOP_HOST_REPL_H
#define BLOOP_HOST_REPL_H

#include <lua.h>

#include "base/bloopi.h"

/* Runs the loop until end of input; leaves the stack empty. */
BLOOPI_FUNC void bloopi_repl_run(lua_State *L);

#endif
