/*
 * docall.c: running Lua code from the host, for scripts and the REPL alike (docall.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "host/docall.h"

/* What the signal handlers must reach. A signal handler receives no context pointer, so
 * this is the one state kept in C globals (lua.c does the same). */
static lua_State *interrupt_target = NULL;
static volatile sig_atomic_t catching = 0;  /* a script polls SIGINT/SIGTERM (bloop.host) */
static volatile sig_atomic_t caught = 0;    /* the first of them caught while catching, or 0 */
static struct sigaction saved_int, saved_term;  /* what catching replaced */

static void set_signal_flags(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

static void set_signal(int sig, void (*handler)(int)) { set_signal_flags(sig, handler, 0); }

/* Installed by on_sigint: raises "interrupted!" at the next Lua call, return, line or
 * instruction count, i.e. at a point where raising is safe. */
static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

/* A signal handler must not touch the Lua state beyond setting a hook (lua_sethook is
 * written to be safe here). A second Ctrl-C kills the process, as in lua. */
static void on_sigint(int sig) {
  set_signal(sig, SIG_DFL);
  lua_sethook(interrupt_target, stop_hook,
              LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

/* While a script catches: the first SIGINT or SIGTERM only sets the flag (the running
 * request and record finish, the script sees it at its next poll); a second one is not
 * caught and ends the process, so a stuck script can still be stopped. SA_RESTART keeps
 * interrupted system calls going. */
static void on_catch(int sig) {
  if (caught) {
    set_signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  caught = sig;
}

/* host.catch_interrupts(on) -> whether it was catching before. on: SIGINT and SIGTERM
 * only set the flag from now on (the flag is cleared when catching starts); off: SIGINT
 * raises "interrupted!" again and SIGTERM gets back what it had. */
static int lh_catch_interrupts(lua_State *L) {
  int on = lua_toboolean(L, 1);
  lua_pushboolean(L, catching);
  if (on && !catching) {
    caught = 0;
    catching = 1;
    sigaction(SIGINT, NULL, &saved_int);
    sigaction(SIGTERM, NULL, &saved_term);
    set_signal_flags(SIGINT, on_catch, SA_RESTART);
    set_signal_flags(SIGTERM, on_catch, SA_RESTART);
  } else if (!on && catching) {
    catching = 0;
    sigaction(SIGTERM, &saved_term, NULL);
    sigaction(SIGINT, &saved_int, NULL);  /* on_sigint inside a docall */
  }
  return 1;
}

/* host.interrupted() -> "SIGINT" | "SIGTERM" | false: what was caught since catching
 * started (it stays set until catching starts again). */
static int lh_interrupted(lua_State *L) {
  int sig = caught;
  if (sig == SIGINT) {
    lua_pushliteral(L, "SIGINT");
  } else if (sig == SIGTERM) {
    lua_pushliteral(L, "SIGTERM");
  } else {
    lua_pushboolean(L, 0);
  }
  return 1;
}

static int luaopen_bloop_host(lua_State *L) {
  static const luaL_Reg fns[] = {{"catch_interrupts", lh_catch_interrupts},
                                 {"interrupted", lh_interrupted},
                                 {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}

void bloopi_host_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_bloop_host);
  lua_setfield(L, -2, "bloop.host");
  lua_pop(L, 1);
}

static void print_message(const char *pname, const char *msg) {
  if (pname != NULL) fprintf(stderr, "%s: ", pname);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
}

int bloopi_host_report(lua_State *L, int status, const char *pname) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    print_message(pname, msg ? msg : "(error object is not a string)");
    lua_pop(L, 1);
  }
  return status;
}

/* Message handler for every chunk: a string message gets a traceback; an error object
 * with __tostring (bloop's errors have one) is shown through it, as lua does. */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int bloopi_host_docall(lua_State *L, int narg, int nres) {
  int base = lua_gettop(L) - narg;       /* the function's index */
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);                   /* [handler, f, args...] */
  interrupt_target = L;
  if (!catching) set_signal(SIGINT, on_sigint);
  int status = lua_pcall(L, narg, nres, base);
  if (!catching) set_signal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  return status;
}
