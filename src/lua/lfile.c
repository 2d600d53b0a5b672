/*
 * lfile.c: files for Lua where the io library falls short.
 *
 *   core.write_file_atomic(path, text) -> true | nil, "path: message", errno
 *
 * Lua's io cannot fsync or rename atomically over an open file; this replaces path's
 * contents so a crash (even SIGKILL or a power cut) leaves the old text or the new one,
 * never a mix or an empty file (base/file.h). Failure is a run-time error, so it answers
 * like io.open (luaL_fileresult) instead of raising.
 */
#include <errno.h>

#include "base/file.h"
#include "lua/lbloop.h"

static int lf_write_atomic(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  errno = 0;
  int ok = bloopi_file_write_atomic(path, text, len) == 0;
  return luaL_fileresult(L, ok, path);
}

int bloopL_open_file(lua_State *L) {
  lua_pushcfunction(L, lf_write_atomic);
  lua_setfield(L, -2, "write_file_atomic");
  return 0;
}
