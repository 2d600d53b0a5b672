/*
 * docall.c: running Lua code from the host, for scripts and the REPL alike (docall.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "host/docall.h"

/* The state the SIGINT handler must reach. A signal handler receives no context pointer,
 * so this is the one piece of state kept in a C global (lua.c does the same). */
static lua_State *interrupt_target = NULL;

static void set_signal(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

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
  set_signal(SIGINT, on_sigint);
  int status = lua_pcall(L, narg, nres, base);
  set_signal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  return status;
}
