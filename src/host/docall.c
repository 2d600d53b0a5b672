/*
 * docall.c: running Lua code from the host, for scripts and the REPL alike (docall.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

/* For a bloop error at err, pushes "file:line" of the innermost frame of the user's own
 * code (bloop.errors.locate:
 * not a bloop module, not a C function), or nothing; returns whether it pushed. Only when
 * bloop.errors is loaded: otherwise no bloop error can have been raised. */
static int push_user_position(lua_State *L, int err) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "bloop.errors");
  lua_remove(L, -2);
  if (!lua_istable(L, -1) || lua_getfield(L, -1, "locate") != LUA_TFUNCTION) {
    lua_pop(L, lua_istable(L, -1) ? 2 : 1);
    return 0;
  }
  lua_remove(L, -2);
  lua_pushvalue(L, err);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_isstring(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}

/* BLOOP_TRACEBACK=1 (any value but "" and "0"): error objects get a traceback too. */
static int traceback_wanted(void) {
  const char *v = getenv("BLOOP_TRACEBACK");
  return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* Message handler for every chunk: a string message gets a traceback, as in lua. An error
 * object with __tostring (bloop's errors have one) is shown through it, after the position
 * in the user's code where it was raised: the handler runs before the stack unwinds, so
 * that frame is still there. A message that already names it (an InvalidArgument carries
 * its caller's file:line) is left as it is. */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg != NULL) {
    luaL_traceback(L, L, msg, 1);
    return 1;
  }
  if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
    msg = lua_tostring(L, -1);                          /* [err, text] */
    if (push_user_position(L, 1)) {                        /* [err, text, pos] */
      const char *pos = lua_tostring(L, -1);
      if (strstr(msg, pos) == NULL)
        msg = lua_pushfstring(L, "%s: %s", pos, msg);
      else
        lua_pushvalue(L, -2);
    } else {
      lua_pushvalue(L, -1);
    }                                                   /* [err, text, pos?, msg] */
    if (traceback_wanted()) luaL_traceback(L, L, msg, 1);
    return 1;
  }
  msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
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

void bloopi_host_set_bloop_global(lua_State *L, const char *pname) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "bloop");
  if (bloopi_host_docall(L, 1, 1) == LUA_OK) {
    lua_setglobal(L, "bloop");
  } else {
    lua_pushfstring(L, "warning: the global 'bloop' is not set: %s", lua_tostring(L, -1));
    lua_remove(L, -2);
    bloopi_host_report(L, LUA_ERRRUN, pname);
  }
}
