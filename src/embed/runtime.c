/*
 * runtime.c: the embedding runtime (include/bloop/bloop.h): a Lua state where
 * require("bloop") works, and running code in it with errors returned as bloop_error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bloop/bloop.h"
#include "lua/lbloop.h"

#ifndef BLOOP_LUA_INSTALL_DIR
#define BLOOP_LUA_INSTALL_DIR ""
#endif
#ifndef BLOOP_LUA_EXE_RELATIVE_DIR
#define BLOOP_LUA_EXE_RELATIVE_DIR "../share/lua/5.4"
#endif
#ifndef BLOOP_LUA_BUILD_DIR
#define BLOOP_LUA_BUILD_DIR ""
#endif
#ifndef BLOOP_BUILD_TREE_DIR
#define BLOOP_BUILD_TREE_DIR ""
#endif
#ifndef BLOOP_LUAC_BUILD_DIR
#define BLOOP_LUAC_BUILD_DIR ""
#endif

struct bloop_runtime {
  lua_State *L;
};

/* A candidate directory holds the modules when it has a bloop/ subdirectory: checking the
 * directory, not init.lua, keeps a half-installed tree from silently falling through to an
 * older copy further down the list. */
static int has_modules(const char *dir) {
  struct stat st;
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n + sizeof "/bloop" > sizeof path) return 0;
  memcpy(path, dir, n);
  memcpy(path + n, "/bloop", sizeof "/bloop");
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of the running program (/proc/self/exe) into dir; 0 when unknown. */
static int exe_dir(char *dir, size_t size) {
  ssize_t n = readlink("/proc/self/exe", dir, size - 1);
  if (n <= 0 || (size_t)n >= size - 1) return 0;  /* unknown or possibly truncated */
  dir[n] = '\0';
  char *slash = strrchr(dir, '/');
  if (slash == NULL) return 0;
  *slash = '\0';
  return 1;
}

/* Pushes the installed modules' directory as seen from the running program's (the Lua
 * module directory relative to the bin directory, e.g. <exe dir>/../share/lua/5.4), or
 * nothing (returns 0): an install moved to another prefix still finds its own modules. */
static int push_exe_relative(lua_State *L) {
  char exe[4096];
  if (!exe_dir(exe, sizeof exe)) return 0;
  lua_pushfstring(L, "%s/%s", exe, BLOOP_LUA_EXE_RELATIVE_DIR);
  return 1;
}

/* Whether the running program was built in this build tree (build/bin/bloop, a test, the
 * embedding example): such a program uses the source tree's modules even when an install
 * exists, or a developer would run their build against older installed modules. */
static int in_build_tree(void) {
  static const char tree[] = BLOOP_BUILD_TREE_DIR;
  char exe[4096];
  size_t n = sizeof tree - 1;
  return n > 0 && exe_dir(exe, sizeof exe) && strncmp(exe, tree, n) == 0 &&
         (exe[n] == '/' || exe[n] == '\0');
}

/* Pushes the directory holding the Lua modules, or nil when none was found (require then
 * reports every path it tried, which is the most useful message we could give). Returns 1
 * when the directory came from $BLOOP_LUA_DIR or is the source tree's, 0 otherwise. */
static int push_lua_dir(lua_State *L) {
  int noenv;
  lua_getfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");  /* set by `bloop -E` */
  noenv = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!noenv) {
    const char *env = getenv("BLOOP_LUA_DIR");
    if (env != NULL && env[0] != '\0') {
      lua_pushstring(L, env);  /* an explicit choice is taken as is */
      return 1;
    }
  }
  if (in_build_tree() && has_modules(BLOOP_LUA_BUILD_DIR)) {
    lua_pushstring(L, BLOOP_LUA_BUILD_DIR);
    return 1;
  }
  if (push_exe_relative(L)) {
    if (has_modules(lua_tostring(L, -1))) return 0;
    lua_pop(L, 1);
  }
  if (has_modules(BLOOP_LUA_INSTALL_DIR)) {
    lua_pushstring(L, BLOOP_LUA_INSTALL_DIR);
    return 0;
  }
  if (has_modules(BLOOP_LUA_BUILD_DIR)) {
    lua_pushstring(L, BLOOP_LUA_BUILD_DIR);
    return 1;
  }
  lua_pushnil(L);
  return 0;
}

/*
 * Precompiled modules. Parsing the bloop modules is most of `require "bloop"` (bench/
 * PROFILE.md, proposal 11), so the build dumps each lua/bloop/ module (src/host/
 * precompile.lua, run by the built host so the bytecode matches the linked liblua) to a
 * `.luac` file: <build>/luac/bloop/... in the build tree, and next to each .lua in an
 * install. A .luac starts with a text line holding the FNV-1a 64 hash and size of the
 * source it was made from; the searcher below loads it only when the source file that
 * `require` would load now has that very hash and size, so a chunk is never stale: an edited
 * module under lua/bloop/ is seen at once, without rebuilding (it is just parsed, as before).
 * Reading and hashing the source costs far less than parsing it.
 * The chunks keep their debug information (line numbers in errors and tracebacks) but are
 * dumped under the placeholder chunk name "=bloop"; the name is replaced here by "@<source
 * path>" before loading, so messages read exactly as when the source is parsed, wherever
 * the tree was built or installed. Anything unexpected (no chunk, other hash, other Lua
 * version or layout) falls through to the standard Lua searcher.
 */
#define LUAC_PLACEHOLDER "=bloop"
#define LUAC_TAG "bloop-luac 1 "

/* Reads a whole file; NULL when it cannot. The caller frees. */
static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 65536;
      char *nb = realloc(buf, ncap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static uint64_t fnv1a64(const char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 0x100000001b3u;
  }
  return h;
}

#if LUA_VERSION_NUM == 504
/* The 5.4 dump (ldump.c): header of 15 bytes + lua_Integer + lua_Number, one byte of
 * upvalue count, then the main function's source as a size (7-bit groups, most significant
 * first, the last one marked with 0x80) of strlen + 1 followed by the bytes. */
#define DUMP_SOURCE_AT (15 + sizeof(lua_Integer) + sizeof(lua_Number) + 1)

static void push_dump_size(luaL_Buffer *b, size_t x) {
  unsigned char buf[sizeof(size_t) * 8 / 7 + 1];
  int n = 0;
  do {
    buf[sizeof buf - (size_t)++n] = (unsigned char)(x & 0x7f);
    x >>= 7;
  } while (x != 0);
  buf[sizeof buf - 1] |= 0x80;
  luaL_addlstring(b, (const char *)buf + sizeof buf - n, (size_t)n);
}

/* Loads the precompiled chunk for `source` (a file of src_len bytes with hash h) found at
 * `luac`, renamed to "@source". Pushes the function and returns 1, or returns 0. */
static int load_luac(lua_State *L, const char *luac, const char *source, uint64_t h,
                     size_t src_len) {
  size_t len;
  char *buf = read_all(luac, &len);
  if (buf == NULL) return 0;
  char want[64];
  int wn = snprintf(want, sizeof want, LUAC_TAG "%016llx %zu\n", (unsigned long long)h,
                    src_len);
  const size_t ph = sizeof LUAC_PLACEHOLDER - 1;
  int ok = 0;
  const char *d = NULL;
  size_t dlen = 0;
  if (wn > 0 && len > (size_t)wn && memcmp(buf, want, (size_t)wn) == 0) {
    d = buf + wn;
    dlen = len - (size_t)wn;
  }
  if (d != NULL && dlen > DUMP_SOURCE_AT + 1 + ph && memcmp(d, LUA_SIGNATURE, 4) == 0 &&
      (unsigned char)d[DUMP_SOURCE_AT] == (0x80 | (ph + 1)) &&
      memcmp(d + DUMP_SOURCE_AT + 1, LUAC_PLACEHOLDER, ph) == 0) {
    luaL_Buffer b;
    size_t slen = strlen(source);
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, d, DUMP_SOURCE_AT);
    push_dump_size(&b, slen + 2);  /* "@" + source */
    luaL_addchar(&b, '@');
    luaL_addlstring(&b, source, slen);
    luaL_addlstring(&b, d + DUMP_SOURCE_AT + 1 + ph, dlen - DUMP_SOURCE_AT - 1 - ph);
    luaL_pushresult(&b);
    size_t blen;
    const char *bc = lua_tolstring(L, -1, &blen);
    lua_pushfstring(L, "@%s", source);
    /* lua_load checks the header (version, format, sizes): a mismatch is an error here. */
    ok = luaL_loadbufferx(L, bc, blen, lua_tostring(L, -1), "b") == LUA_OK;
    if (ok) {
      lua_replace(L, -3);
      lua_pop(L, 1);
    } else {
      lua_pop(L, 3);
    }
  }
  free(buf);
  return ok;
}

/* package.searchers entry placed before the Lua searcher, for "bloop" and "bloop.*" only.
 * Upvalues: the package table, the modules' directory, and the directory of the build's
 * precompiled chunks (or nil). Finds the file the Lua searcher would load (package.
 * searchpath over package.path), and when a matching .luac exists returns its function
 * and the file name, as the Lua searcher does; otherwise returns nothing. */
static int precompiled_searcher(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  if (strcmp(name, "bloop") != 0 && strncmp(name, "bloop.", 6) != 0) return 0;
  lua_settop(L, 1);
  lua_getfield(L, lua_upvalueindex(1), "searchpath");           /* [name, searchpath] */
  if (!lua_isfunction(L, -1)) return 0;
  lua_pushvalue(L, 1);
  lua_getfield(L, lua_upvalueindex(1), "path");
  if (lua_type(L, -1) != LUA_TSTRING) return 0;
  lua_call(L, 2, 1);                                            /* [name, file|nil] */
  const char *file = lua_tostring(L, 2);
  if (file == NULL) return 0;
  size_t src_len;
  char *src = read_all(file, &src_len);
  if (src == NULL) return 0;
  uint64_t h = fnv1a64(src, src_len);
  free(src);
  lua_pushfstring(L, "%sc", file);                              /* [name, file, luac] */
  if (load_luac(L, lua_tostring(L, -1), file, h, src_len)) goto found;
  lua_pop(L, 1);
  const char *dir = lua_tostring(L, lua_upvalueindex(2));
  const char *cdir = lua_tostring(L, lua_upvalueindex(3));
  size_t dn = dir ? strlen(dir) : 0;
  if (cdir != NULL && cdir[0] != '\0' && dn > 0 && strncmp(file, dir, dn) == 0 &&
      file[dn] == '/') {
    lua_pushfstring(L, "%s%sc", cdir, file + dn);
    if (load_luac(L, lua_tostring(L, -1), file, h, src_len)) goto found;
    lua_pop(L, 1);
  }
  return 0;
found:                                                          /* [name, file, luac, f] */
  lua_pushvalue(L, 2);
  return 2;
}

/* Inserts the searcher at package.searchers[2], after preload and before the Lua files.
 * Expects [dir, package] on top. The build's chunk directory is consulted only for the
 * build tree's modules or an explicit $BLOOP_LUA_DIR (a developer's or bench's copy): an
 * install reads the chunks installed next to its own modules, never a build directory. */
static void add_precompiled_searcher(lua_State *L, int from_build_or_env) {
  if (lua_getfield(L, -1, "searchers") != LUA_TTABLE) {         /* [dir, package, s] */
    lua_pop(L, 1);
    return;
  }
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -4);
  if (from_build_or_env)
    lua_pushstring(L, BLOOP_LUAC_BUILD_DIR);
  else
    lua_pushnil(L);
  lua_pushcclosure(L, precompiled_searcher, 3);                /* [dir, package, s, f] */
  for (lua_Integer i = (lua_Integer)luaL_len(L, -2); i >= 2; i--) {
    lua_rawgeti(L, -2, i);
    lua_rawseti(L, -3, i + 1);
  }
  lua_rawseti(L, -2, 2);
  lua_pop(L, 1);                                                /* [dir, package] */
}
#else
static void add_precompiled_searcher(lua_State *L, int from_build_or_env) {
  (void)L;
  (void)from_build_or_env;
}
#endif

BLOOP_LUA_API void bloop_runtime_openlibs(lua_State *L) {
  luaL_openlibs(L);
  /* package.preload["bloop.core"] = luaopen_bloop_core, as linit.c's comment suggests for
   * statically linked modules: no core.so has to be found on package.cpath. */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);   /* [preload] */
  lua_pushcfunction(L, luaopen_bloop_core);
  lua_setfield(L, -2, "bloop.core");
  lua_pop(L, 1);                                                /* [] */
  int from_build_or_env = push_lua_dir(L);                      /* [dir|nil] */
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lua_getglobal(L, "package");                                  /* [dir, package] */
  if (!lua_istable(L, -1)) luaL_error(L, "bloop: 'package' library missing");
  add_precompiled_searcher(L, from_build_or_env);
  lua_getfield(L, -1, "path");                                  /* [dir, package, path] */
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", lua_tostring(L, -3), lua_tostring(L, -3),
                  lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
  lua_setfield(L, -3, "path");                                  /* [dir, package, path] */
  lua_pop(L, 3);                                                /* [] */
}

static int openlibs_protected(lua_State *L) {
  bloop_runtime_openlibs(L);
  return 0;
}

BLOOP_LUA_API bloop_runtime *bloop_runtime_new(bloop_error *err) {
  bloop_error_clear(err);
  bloop_runtime *rt = calloc(1, sizeof *rt);
  if (rt == NULL) {
    bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "cannot allocate a bloop runtime");
    return NULL;
  }
  rt->L = luaL_newstate();
  if (rt->L == NULL) {
    free(rt);
    bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "cannot create a Lua state");
    return NULL;
  }
  lua_pushcfunction(rt->L, openlibs_protected);
  int status = lua_pcall(rt->L, 0, 0, 0);
  if (status != LUA_OK) {
    const char *msg = lua_tostring(rt->L, -1);
    bloop_error_set(err, status == LUA_ERRMEM ? BLOOP_ENOMEM : BLOOP_EINVAL,
                    status == LUA_ERRMEM ? "LuaMemoryError" : "LuaError",
                    "cannot set up the Lua libraries: %s", msg ? msg : "(no message)");
    bloop_runtime_free(rt);
    return NULL;
  }
  return rt;
}

BLOOP_LUA_API void bloop_runtime_free(bloop_runtime *rt) {
  if (rt == NULL) return;
  if (rt->L != NULL) lua_close(rt->L);
  free(rt);
}

BLOOP_LUA_API lua_State *bloop_runtime_lua(bloop_runtime *rt) {
  return rt ? rt->L : NULL;
}

/* Message handler: keeps the error object (its fields feed bloop_error) and adds the
 * readable message with a traceback. Returns {object, message}. */
static int rt_msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);   /* an error object that prints itself */
    else
      msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);    /* [obj, ..., traceback] */
  lua_createtable(L, 2, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_insert(L, -2);
  lua_rawseti(L, -2, 2);           /* [obj, ..., {obj, traceback}] */
  return 1;
}

/* Copies the string at t[field] of the table at idx into dst (size n), reading raw: an
 * error object's __index could raise, and this runs after the protected call. */
static int raw_string_field(lua_State *L, int idx, const char *field, char *dst, size_t n) {
  int ok = 0;
  lua_pushstring(L, field);
  if (lua_rawget(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len >= n) len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    ok = 1;
  }
  lua_pop(L, 1);
  return ok;
}

/* Turns a failed call's status and the value on top of the stack (a message string, or
 * the handler's {object, message}) into err, and pops that value. */
static bloop_status fill_error(lua_State *L, int status, bloop_error *err) {
  bloop_status st = BLOOP_EINVAL;
  const char *code = "LuaError";
  switch (status) {
    case LUA_ERRSYNTAX: code = "LuaSyntaxError"; break;
    case LUA_ERRFILE: st = BLOOP_EIO; code = "LuaFileError"; break;
    case LUA_ERRMEM: st = BLOOP_ENOMEM; code = "LuaMemoryError"; break;
    default: break;
  }
  if (!lua_istable(L, -1)) {  /* load errors and memory errors: a plain message */
    const char *msg = lua_tostring(L, -1);
    bloop_error_set(err, st, code, "%s", msg ? msg : "(no message)");
    lua_pop(L, 1);
    return st;
  }
  int wrapper = lua_gettop(L);
  lua_rawgeti(L, wrapper, 2);
  const char *msg = lua_tostring(L, -1);
  bloop_error_set(err, st, code, "%s", msg ? msg : "(no message)");
  lua_pop(L, 1);
  if (err != NULL && lua_rawgeti(L, wrapper, 1) == LUA_TTABLE) {
    /* A bloop error object (lua-api.md "Errors"): name, code, status, request_id. */
    int obj = lua_gettop(L);
    raw_string_field(L, obj, "name", err->code, sizeof err->code);
    raw_string_field(L, obj, "code", err->code, sizeof err->code);  /* the service's wins */
    raw_string_field(L, obj, "request_id", err->request_id, sizeof err->request_id);
    lua_pushliteral(L, "status");
    if (lua_rawget(L, obj) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0) {
      err->http_status = (long)lua_tointeger(L, -1);
      err->status = st = BLOOP_ESERVICE;
    }
    lua_pop(L, 1);
  }
  lua_settop(L, wrapper - 1);
  return st;
}

/* Runs the chunk on top of the stack (loaded with `status`), leaving its results. */
static bloop_status run_chunk(lua_State *L, int status, bloop_error *err) {
  if (status == LUA_OK) {
    int base = lua_gettop(L);              /* the chunk's index */
    lua_pushcfunction(L, rt_msghandler);
    lua_insert(L, base);                   /* [..., handler, chunk] */
    status = lua_pcall(L, 0, LUA_MULTRET, base);
    lua_remove(L, base);                   /* [..., results] or [..., error] */
  }
  if (status != LUA_OK) return fill_error(L, status, err);
  return BLOOP_OK;
}

BLOOP_LUA_API bloop_status bloop_runtime_dofile(bloop_runtime *rt, const char *path,
                                                bloop_error *err) {
  bloop_error_clear(err);
  if (rt == NULL || rt->L == NULL)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "runtime is NULL");
  return run_chunk(rt->L, luaL_loadfile(rt->L, path), err);
}

BLOOP_LUA_API bloop_status bloop_runtime_dostring(bloop_runtime *rt, const char *code,
                                                  bloop_error *err) {
  bloop_error_clear(err);
  if (rt == NULL || rt->L == NULL || code == NULL)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "runtime or code is NULL");
  return run_chunk(rt->L, luaL_loadstring(rt->L, code), err);
}
