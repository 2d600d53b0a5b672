/*
 * repl.c: the interactive loop of the `bloop` host. See repl.h.
 *
 * The loop is lua.c's doREPL: read a line, try it as `return <line>` (so `1+1` and
 * `client` print their values), else as a statement that may need more lines (the parser's
 * "<eof>" message means "keep reading"), run it through the host's docall, print results.
 * Results go through bloop.pretty so tables show their contents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>
#include <lauxlib.h>
#include <lua.h>

#include "host/docall.h"
#include "host/repl.h"

#define PROMPT "> "
#define PROMPT2 ">> "
#define HISTORY_MAX 1000   /* entries kept in memory and in the file */
#define EOFMARK "<eof>"

typedef struct repl {
  lua_State *L;
  int interactive;        /* stdin is a terminal: use libedit */
  char history[4096];     /* history file, "" when none */
  int printer;            /* registry ref of the result printer (LUA_NOREF: print) */
} repl;

static void history_setup(repl *r) {
  const char *path = getenv("BLOOP_HISTORY");
  r->history[0] = '\0';
  if (path != NULL) {
    if (path[0] != '\0') snprintf(r->history, sizeof r->history, "%s", path);
  } else {
    const char *home = getenv("HOME");
    if (home != NULL && home[0] != '\0')
      snprintf(r->history, sizeof r->history, "%s/.bloop_history", home);
  }
  if (!r->interactive) return;
  using_history();
  stifle_history(HISTORY_MAX);
  if (r->history[0] != '\0') read_history(r->history);  /* a missing file is fine */
}

/* Writes the whole (bounded) history after each entry rather than once at exit, so an
 * os.exit() or a second Ctrl-C loses nothing. */
static void history_add(repl *r, const char *line) {
  if (!r->interactive || line[0] == '\0') return;
  add_history(line);
  if (r->history[0] != '\0') write_history(r->history);
}

/* Reads one line without its newline; returns a malloc'ed string or NULL at end of
 * input. Without a terminal, the prompt is still shown (as lua does without readline). */
static char *read_line(repl *r, const char *prompt) {
  if (r->interactive) return readline(prompt);
  fputs(prompt, stdout);
  fflush(stdout);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) {
    free(line);
    return NULL;
  }
  if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
  return line;
}

/* Pushes the next line (the prompt honours _PROMPT/_PROMPT2 as in lua). Returns 0 at end
 * of input, pushing nothing. */
static int push_line(repl *r, int firstline) {
  lua_State *L = r->L;
  lua_getglobal(L, firstline ? "_PROMPT" : "_PROMPT2");
  const char *prompt = lua_tostring(L, -1);
  if (prompt == NULL) prompt = firstline ? PROMPT : PROMPT2;
  char *line = read_line(r, prompt);
  lua_pop(L, 1);  /* the prompt: read_line is done with it */
  if (line == NULL) return 0;
  if (firstline && line[0] == '=')  /* Lua 5.2's "=expr" */
    lua_pushfstring(L, "return %s", line + 1);
  else
    lua_pushstring(L, line);
  free(line);
  return 1;
}

/* A syntax error ending in <eof> means the statement is incomplete; pops it then. */
static int incomplete(lua_State *L, int status) {
  if (status != LUA_ERRSYNTAX) return 0;
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  if (len >= sizeof EOFMARK - 1 && strcmp(msg + len - (sizeof EOFMARK - 1), EOFMARK) == 0) {
    lua_pop(L, 1);
    return 1;
  }
  return 0;
}

/* [line] -> [line, chunk] when `return <line>;` compiles, else [line]. */
static int try_return(repl *r) {
  lua_State *L = r->L;
  const char *line = lua_tostring(L, -1);
  const char *retline = lua_pushfstring(L, "return %s;", line);
  int status = luaL_loadbuffer(L, retline, strlen(retline), "=stdin");
  if (status == LUA_OK) {
    lua_remove(L, -2);          /* [line, chunk] */
    history_add(r, line);
  } else {
    lua_pop(L, 2);              /* [line] */
  }
  return status;
}

/* [line] -> [line, chunk or message], reading continuation lines while incomplete. */
static int read_statement(repl *r) {
  lua_State *L = r->L;
  for (;;) {
    size_t len;
    const char *text = lua_tolstring(L, 1, &len);
    int status = luaL_loadbuffer(L, text, len, "=stdin");
    if (!incomplete(L, status) || !push_line(r, 0)) {
      history_add(r, text);
      return status;
    }
    /* [text, more] -> [text .. "\n" .. more] */
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

/* Leaves only the compiled chunk (or an error message) on the stack; -1 at end of input. */
static int load_line(repl *r) {
  lua_State *L = r->L;
  lua_settop(L, 0);
  if (!push_line(r, 1)) return -1;
  int status = try_return(r);
  if (status != LUA_OK) status = read_statement(r);
  lua_remove(L, 1);
  return status;
}

/* Prints the values on the stack with the printer (bloop.pretty's print, or print). */
static void print_results(repl *r) {
  lua_State *L = r->L;
  int n = lua_gettop(L);
  if (n == 0) return;
  luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
  if (r->printer != LUA_NOREF)
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->printer);
  else
    lua_getglobal(L, "print");
  lua_insert(L, 1);
  if (lua_pcall(L, n, 0, 0) != LUA_OK) {
    lua_pushfstring(L, "error calling 'print' (%s)", lua_tostring(L, -1));
    bloopi_host_report(L, LUA_ERRRUN, NULL);
    lua_pop(L, 1);
  }
}

/* Calls require(name) under the host's docall; on success leaves the module. */
static int require_module(lua_State *L, const char *name) {
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  return bloopi_host_docall(L, 1, 1);
}

/* Before the first prompt: the pretty printer (main.c has set the global `bloop`).
 * Failing to load it is reported once, and the REPL still works as plain Lua. */
static void preload(repl *r) {
  lua_State *L = r->L;
  r->printer = LUA_NOREF;
  if (require_module(L, "bloop.pretty") == LUA_OK) {   /* [pretty] */
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "print");                    /* [pretty, print] */
      if (lua_isfunction(L, -1))
        r->printer = luaL_ref(L, LUA_REGISTRYINDEX);   /* [pretty] */
      else
        lua_pop(L, 1);
    }
    lua_pop(L, 1);                                     /* [] */
  } else {
    bloopi_host_report(L, LUA_ERRRUN, "bloop: warning: results print plainly");
  }
}

void bloopi_repl_run(lua_State *L) {
  repl r;
  r.L = L;
  r.interactive = isatty(STDIN_FILENO);
  if (r.interactive) rl_readline_name = "bloop";  /* for "bloop:" lines in ~/.editrc */
  history_setup(&r);
  preload(&r);
  int status;
  while ((status = load_line(&r)) != -1) {
    if (status == LUA_OK) status = bloopi_host_docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK)
      print_results(&r);
    else
      bloopi_host_report(L, status, NULL);  /* no program name at the prompt, as lua */
  }
  lua_settop(L, 0);
  fputs("\n", stdout);
  fflush(stdout);
  if (r.printer != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, r.printer);
}
