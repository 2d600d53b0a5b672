/*
 * main.c: the `bloop` host, a stand-alone Lua 5.4 interpreter with bloop built in.
 *
 * It follows lua.c's shape and behaviour (options, `arg`, LUA_INIT, exit codes, messages)
 * so that anything run with `lua5.4` runs the same way with `bloop`; the differences are
 * that `bloop.core` is linked in and preloaded, package.path already finds the bloop Lua
 * modules (bloop_runtime_openlibs), `bloop` is a global in everything it runs, messages
 * start with "bloop:" (a bloop error's with the user's file:line), and the REPL (repl.c)
 * pretty-prints results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bloop/bloop.h"
#include "host/docall.h"
#include "host/repl.h"

#ifndef BLOOP_VERSION
#define BLOOP_VERSION "0.0.0"
#endif

#define PROGNAME "bloop"

static void print_options(FILE *f) {
  fprintf(f,
          "usage: %s [options] [script [args]]\n"
          "Available options are:\n"
          "  -e stat   execute string 'stat'\n"
          "  -i        enter interactive mode after executing 'script'\n"
          "  -l mod    require library 'mod' into global 'mod'\n"
          "  -l g=mod  require library 'mod' into global 'g'\n"
          "  -v        show version information\n"
          "  -E        ignore environment variables\n"
          "  -W        turn warnings on\n"
          "  --        stop handling options\n"
          "  -         stop handling options and execute stdin\n",
          PROGNAME);
  fflush(f);
}

static void print_usage(const char *badoption) {
  fprintf(stderr, "%s: ", PROGNAME);
  if (badoption[1] == 'e' || badoption[1] == 'l')
    fprintf(stderr, "'%s' needs argument\n", badoption);
  else
    fprintf(stderr, "unrecognized option '%s'\n", badoption);
  print_options(stderr);
}

static int report(lua_State *L, int status) {
  return bloopi_host_report(L, status, PROGNAME);
}

static void print_version(void) {
  printf("%s %s (%s)\n", PROGNAME, BLOOP_VERSION, LUA_RELEASE);
  fflush(stdout);
}

/* The global `arg`: arg[0] is the script, its arguments are 1..n, and everything before
 * it (interpreter and options) goes to negative indices. Without a script, arg[0] is the
 * interpreter. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script) {
  if (script == argc) script = 0;
  lua_createtable(L, argc - (script + 1), script + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int dochunk(lua_State *L, int status) {
  if (status == LUA_OK) status = bloopi_host_docall(L, 0, 0);
  return report(L, status);
}

static int dofile(lua_State *L, const char *name) {
  return dochunk(L, luaL_loadfile(L, name));
}

static int dostring(lua_State *L, const char *s, const char *name) {
  return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l mod, or -l g=mod: global g (default mod) = require(mod). spec is a copy we may cut. */
static int dolibrary(lua_State *L, char *spec) {
  char *modname = strchr(spec, '=');
  const char *globname = spec;
  if (modname == NULL) {
    modname = spec;
  } else {
    *modname++ = '\0';
  }
  lua_getglobal(L, "require");
  lua_pushstring(L, modname);
  int status = bloopi_host_docall(L, 1, 1);
  if (status == LUA_OK) lua_setglobal(L, globname);
  return report(L, status);
}

/* Pushes arg[1..#arg] for the script's `...`. */
static int push_script_args(lua_State *L) {
  if (lua_getglobal(L, "arg") != LUA_TTABLE) luaL_error(L, "'arg' is not a table");
  int n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  int i;
  for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
  lua_remove(L, -i);
  return n;
}

static int handle_script(lua_State *L, char **argv) {
  const char *fname = argv[0];
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0)
    fname = NULL;  /* "-" is stdin, unless it came after "--" (then it is a file name) */
  int status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    int n = push_script_args(L);
    status = bloopi_host_docall(L, n, LUA_MULTRET);
  }
  return report(L, status);
}

enum {
  HAS_ERROR = 1,  /* bad option */
  HAS_I = 2,      /* -i */
  HAS_V = 4,      /* -v */
  HAS_E = 8,      /* -e */
  HAS_NOENV = 16, /* -E */
  HAS_HELP = 32,  /* --help: usage on stdout, nothing run */
  HAS_VERSION = 64  /* --version: the version, nothing run */
};

/* First pass over the options: what must be known before any Lua code runs. *first is
 * the script's index (argc when none), or the bad option's index on HAS_ERROR. */
static int collect_args(char **argv, int *first) {
  int args = 0;
  int i;
  if (argv[0] == NULL) {  /* no program name at all */
    *first = -1;
    return 0;
  }
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    if (argv[i][0] != '-') return args;  /* the script */
    switch (argv[i][1]) {
      case '-':
        /* the long options GNU tools all take; alone, each answers and ends */
        if (strcmp(argv[i], "--help") == 0) return HAS_HELP;
        if (strcmp(argv[i], "--version") == 0) return HAS_VERSION;
        if (argv[i][2] != '\0') return HAS_ERROR;
        *first = i + 1;
        return args;
      case '\0':
        return args;  /* "-": the script is stdin */
      case 'E':
        if (argv[i][2] != '\0') return HAS_ERROR;
        args |= HAS_NOENV;
        break;
      case 'W':
        if (argv[i][2] != '\0') return HAS_ERROR;
        break;
      case 'i':
        args |= HAS_I;  /* -i implies -v */
        /* fall through */
      case 'v':
        if (argv[i][2] != '\0') return HAS_ERROR;
        args |= HAS_V;
        break;
      case 'e':
        args |= HAS_E;
        /* fall through */
      case 'l':
        if (argv[i][2] == '\0') {  /* the argument is the next word */
          i++;
          if (argv[i] == NULL || argv[i][0] == '-') return HAS_ERROR;
        }
        break;
      default:
        return HAS_ERROR;
    }
  }
  *first = i;
  return args;
}

/* Second pass: runs -e, -l and -W in order, up to the script. Returns 0 on error. */
static int run_args(lua_State *L, char **argv, int n) {
  for (int i = 1; i < n; i++) {
    int option = argv[i][1];
    switch (option) {
      case 'e':
      case 'l': {
        char *extra = argv[i] + 2;
        if (*extra == '\0') extra = argv[++i];
        int status = option == 'e' ? dostring(L, extra, "=(command line)")
                                   : dolibrary(L, extra);
        if (status != LUA_OK) return 0;
        break;
      }
      case 'W':
        lua_warning(L, "@on", 0);
        break;
      default:
        break;
    }
  }
  return 1;
}

static int handle_luainit(lua_State *L) {
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv(name + 1);
  if (init == NULL) {
    name = "=LUA_INIT";
    init = getenv(name + 1);
  }
  if (init == NULL) return LUA_OK;
  if (init[0] == '@') return dofile(L, init + 1);
  return dostring(L, init, name);
}

/* `bloop local ...`: bloop.localserver's main with the remaining words; pushes its exit
 * code (an integer, which main() returns) or nothing on a Lua error. */
static int run_local(lua_State *L, int argc, char **argv) {
  lua_getglobal(L, "require");
  lua_pushstring(L, "bloop.localserver");
  int status = bloopi_host_docall(L, 1, 1);
  if (status == LUA_OK) {
    lua_getfield(L, -1, "main");
    for (int i = 2; i < argc; i++) lua_pushstring(L, argv[i]);
    status = bloopi_host_docall(L, argc - 2, 1);
  }
  if (report(L, status) != LUA_OK) return 0;
  lua_pushinteger(L, lua_isinteger(L, -1) ? lua_tointeger(L, -1) : EXIT_FAILURE);
  return 1;
}

/* Everything, in protected mode so that a memory error anywhere is reported. Returns
 * (pushes) true when all went well. */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script;
  int args = collect_args(argv, &script);
  int optlim = script > 0 ? script : argc;  /* first argument that is not an option */
  luaL_checkversion(L);
  if (args == HAS_ERROR) {
    print_usage(argv[script]);
    return 0;
  }
  if (args == HAS_HELP || args == HAS_VERSION) {
    if (args == HAS_HELP) {
      /* lua's text, as a bad option prints it, and the two long options */
      print_options(stdout);
      printf("  --help    show this text and exit\n"
             "  --version show the version and exit\n"
             "Environment: BLOOP_TRACEBACK=1 shows a traceback with a bloop error\n"
             "Commands:\n"
             "  bloop local start [--server dynalite|moto] [--port P]\n"
             "                     start a local DynamoDB-compatible server\n"
             "  bloop local stop|status|env\n"
             "                     stop it, say if it runs, print its export lines\n");
    } else {
      print_version();
    }
    lua_pushboolean(L, 1);
    return 1;
  }
  if (args & HAS_V) print_version();
  if (args & HAS_NOENV) {  /* read by the package library and bloop_runtime_openlibs */
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  bloop_runtime_openlibs(L);
  bloopi_host_preload(L);
  if (argc > 1 && strcmp(argv[1], "local") == 0) return run_local(L, argc, argv);
  create_arg_table(L, argv, argc, script);
  lua_gc(L, LUA_GCRESTART);
  if (!(args & HAS_NOENV) && handle_luainit(L) != LUA_OK) return 0;
  bloopi_host_set_bloop_global(L, PROGNAME);
  if (!run_args(L, argv, optlim)) return 0;
  if (script > 0 && script < argc && handle_script(L, argv + script) != LUA_OK) return 0;
  if (args & HAS_I) {
    bloopi_repl_run(L);
  } else if ((script <= 0 || script >= argc) && !(args & (HAS_E | HAS_V))) {
    if (isatty(STDIN_FILENO)) {
      print_version();
      bloopi_repl_run(L);
    } else {
      if (dofile(L, NULL) != LUA_OK) return 0;  /* stdin is a script, as with lua */
    }
  }
  lua_pushboolean(L, 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n", PROGNAME);
    return EXIT_FAILURE;
  }
  lua_gc(L, LUA_GCSTOP);  /* no collections while the libraries are set up */
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 0);
  int ok = lua_toboolean(L, -1);
  report(L, status);
  int code = (ok && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
  if (status == LUA_OK && lua_isinteger(L, -1)) code = (int)lua_tointeger(L, -1);  /* local */
  lua_close(L);
  return code;
}
