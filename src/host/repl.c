/*
 * repl.c: the interactive loop of the `bloop` host. See repl.h.
 *
 * The loop is lua.c's doREPL: read a line, try it as `return <line>` (so `1+1` and
 * `client` print their values), else as a statement that may need more lines (the parser's
 * "<eof>" message means "keep reading"), run it through the host's docall, print results.
 * Results go through bloop.pretty so tables show their contents.
 */
#include <signal.h>
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

/* What push_line and load_line answer besides a line or a Lua status. */
#define LINE_EOF (-1)      /* end of input (Ctrl-D on an empty line) */
#define LINE_CANCEL (-2)   /* Ctrl-C at a prompt, or end of input inside a statement */

/* Set by on_prompt_sigint while readline waits. A signal handler gets no context pointer,
 * so this is a C global, like docall.c's interrupt flags. */
static volatile sig_atomic_t prompt_interrupted = 0;

static void on_prompt_sigint(int sig) {
  (void)sig;
  prompt_interrupted = 1;
}

/* readline calls the completer with no context pointer: the state it completes in, set
 * while the REPL runs (NULL otherwise), and the registry ref of bloop.complete. */
static lua_State *completion_state = NULL;
static int completion_ref = LUA_NOREF;

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

/* readline with Ctrl-C cancelling the line instead of ending the process: SIGINT only
 * sets a flag, and without SA_RESTART the read under libedit fails with EINTR, so
 * readline returns. *cancelled tells that apart from end of input. */
static char *read_terminal_line(const char *prompt, int *cancelled) {
  struct sigaction sa, saved;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prompt_sigint;
  sigemptyset(&sa.sa_mask);
  prompt_interrupted = 0;
  sigaction(SIGINT, &sa, &saved);
  char *line = readline(prompt);
  sigaction(SIGINT, &saved, NULL);
  if (prompt_interrupted) {
    free(line);
    *cancelled = 1;
    return NULL;
  }
  return line;
}

/* readline's generator: the idx-th name of the table on top of completion_state's stack
 * (left there by complete_names), malloc'ed as readline wants, or NULL after the last. */
static char *completion_entry(const char *text, int state) {
  static lua_Integer idx;  /* readline's generator protocol keeps its position between calls */
  (void)text;
  lua_State *L = completion_state;
  if (state == 0) idx = 0;
  if (!lua_istable(L, -1)) return NULL;
  lua_rawgeti(L, -1, ++idx);
  const char *name = lua_tostring(L, -1);
  char *copy = name != NULL ? strdup(name) : NULL;
  lua_pop(L, 1);
  return copy;
}

/* Tab: bloop.complete's names for the word before the cursor (a Lua name path such as
 * `engine:sa`; `.` and `:` are not word breaks), never file names. */
static char **complete_names(const char *text, int start, int end) {
  (void)start;
  (void)end;
  rl_attempted_completion_over = 1;
  lua_State *L = completion_state;
  if (L == NULL || completion_ref == LUA_NOREF) return NULL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, completion_ref);
  lua_pushstring(L, text);
  lua_pushglobaltable(L);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {  /* a failing completer offers nothing */
    lua_pop(L, 1);
    return NULL;
  }
  char **matches = NULL;
  if (lua_istable(L, -1) && luaL_len(L, -1) > 0)
    matches = rl_completion_matches(text, completion_entry);
  lua_pop(L, 1);
  return matches;
}

static void completion_setup(repl *r) {
  lua_State *L = r->L;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "bloop.complete");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
    lua_pop(L, 1);   /* no completion; the REPL works without */
    return;
  }
  lua_getfield(L, -1, "complete");
  completion_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
  completion_state = L;
  static char breaks[] = " \t\n\"\\'`@$><=;|&{(,)}[]+-*/%^~#";
  rl_completer_word_break_characters = breaks;
  rl_basic_word_break_characters = breaks;
  rl_completion_append_character = '\0';
  rl_attempted_completion_function = complete_names;
}

/* Reads one line without its newline; returns a malloc'ed string or NULL at end of input
 * or when Ctrl-C cancelled it (*cancelled). Without a terminal, the prompt is still shown
 * (as lua does without readline). */
static char *read_line(repl *r, const char *prompt, int *cancelled) {
  *cancelled = 0;
  if (r->interactive) return read_terminal_line(prompt, cancelled);
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

/* Pushes the next line (the prompt honours _PROMPT/_PROMPT2 as in lua) and returns 1, or
 * pushes nothing and returns LINE_EOF or LINE_CANCEL. */
static int push_line(repl *r, int firstline) {
  lua_State *L = r->L;
  lua_getglobal(L, firstline ? "_PROMPT" : "_PROMPT2");
  const char *prompt = lua_tostring(L, -1);
  if (prompt == NULL) prompt = firstline ? PROMPT : PROMPT2;
  int cancelled;
  char *line = read_line(r, prompt, &cancelled);
  lua_pop(L, 1);  /* the prompt: read_line is done with it */
  if (line == NULL) return cancelled ? LINE_CANCEL : LINE_EOF;
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

/* [line] -> [line, chunk or message], reading continuation lines while incomplete.
 * Ctrl-C or Ctrl-D there abandons the statement: [line] and LINE_CANCEL (the text still
 * goes to the history, so it can be recalled and finished). */
static int read_statement(repl *r) {
  lua_State *L = r->L;
  for (;;) {
    size_t len;
    const char *text = lua_tolstring(L, 1, &len);
    int status = luaL_loadbuffer(L, text, len, "=stdin");
    if (!incomplete(L, status)) {
      history_add(r, text);
      return status;
    }
    int more = push_line(r, 0);
    if (more != 1) {
      history_add(r, text);
      return LINE_CANCEL;
    }
    /* [text, more] -> [text .. "\n" .. more] */
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

/* Leaves only the compiled chunk (or an error message) on the stack and returns its
 * status; LINE_EOF at end of input, LINE_CANCEL (empty stack) for a cancelled line. */
static int load_line(repl *r) {
  lua_State *L = r->L;
  lua_settop(L, 0);
  int got = push_line(r, 1);
  if (got != 1) return got;
  int status = try_return(r);
  if (status != LUA_OK) status = read_statement(r);
  if (status == LINE_CANCEL) {
    lua_settop(L, 0);
    return LINE_CANCEL;
  }
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
  if (r.interactive) completion_setup(&r);
  int status;
  while ((status = load_line(&r)) != LINE_EOF) {
    if (status == LINE_CANCEL) {
      /* a fresh prompt on a new line, as Python's REPL; the input is dropped */
      fputs("\n", stdout);
      fflush(stdout);
      continue;
    }
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
  if (completion_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, completion_ref);
  completion_ref = LUA_NOREF;
  completion_state = NULL;
}
