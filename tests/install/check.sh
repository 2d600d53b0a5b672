#!/bin/sh
# ctest install_check: `cmake --install` into a scratch prefix gives a working bloop: the
# host finds its installed modules (and their precompiled chunks) with no build tree and no
# LUA_PATH; a plain lua5.4 and a plain busted find bloop and bloop.core in the prefix's Lua
# module directories (share/lua/5.4, lib/lua/5.4: the ones lua5.4 searches for /usr/local);
# a C program builds against the installed headers and static library; and the shared
# library exports only the C API. With BLOOP_ENDPOINT (or BLOOP_DYNALITE_ENDPOINT) set, examples/spec (user-style specs
# that need a server) also runs against the install.
# Usage: check.sh BUILD_DIR C_COMPILER
set -eu
build=$1 cc=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null

# From / with the environment cleared of Lua and bloop paths: only the install can answer.
out=$(cd / && env -u BLOOP_LUA_DIR LUA_PATH= LUA_PATH_5_4= "$prefix/bin/bloop" -e '
  local f, file = package.searchers[2]("bloop.engine")
  print(type(f), file:match("/share/lua/5%.4/bloop/engine%.lua$") ~= nil)
  print(type(require("bloop").Model))')
expected=$(printf 'function\ttrue\ntable')
[ "$out" = "$expected" ] || { echo "installed bloop said: $out"; exit 1; }

# A plain lua5.4 and busted, with the paths a user of this prefix would set: its module
# directories first, then (;;) the system's defaults, where lua-cjson and busted live.
lmod=$prefix/share/lua/5.4 cmod=$prefix/lib/lua/5.4
[ -f "$lmod/bloop/init.lua" ] || { echo "bloop not installed in $lmod"; exit 1; }
[ -f "$cmod/bloop/core.so" ] || { echo "bloop.core not installed in $cmod"; exit 1; }
lua_path="$lmod/?.lua;$lmod/?/init.lua" lua_cpath="$cmod/?.so"
out=$(cd / && env -u LUA_PATH_5_4 -u LUA_CPATH_5_4 LUA_PATH="$lua_path;;" LUA_CPATH="$lua_cpath;;" \
  lua5.4 -e 'local b = require("bloop")
    print(type(b.Model), package.searchpath("bloop", package.path), package.searchpath("bloop.core", package.cpath))')
[ "$out" = "$(printf 'table\t%s\t%s' "$lmod/bloop/init.lua" "$cmod/bloop/core.so")" ] || { echo "lua5.4 said: $out"; exit 1; }
src=$(cd "$(dirname "$0")/../.." && pwd)
(cd "$src/tests/install" && env -u LUA_PATH_5_4 -u LUA_CPATH_5_4 BLOOP_INSTALL_LMOD="$lmod" \
  LUA_PATH="$lua_path;;" LUA_CPATH="$lua_cpath;;" busted spec) ||
  { echo "busted on the installed tree failed"; exit 1; }
# the test command's dynalite when BLOOP_ENDPOINT is not set (ctest runs beside the servers)
endpoint=${BLOOP_ENDPOINT:-${BLOOP_DYNALITE_ENDPOINT:-}}
if [ -d "$src/examples/spec" ] && [ -n "$endpoint" ]; then
  (cd "$src/examples" && env -u LUA_PATH_5_4 -u LUA_CPATH_5_4 BLOOP_ENDPOINT="$endpoint" \
    LUA_PATH="$lua_path;;" LUA_CPATH="$lua_cpath;;" busted spec) ||
    { echo "examples/spec on the installed tree failed"; exit 1; }
fi

# The shared library exports its C API and the Lua opener, nothing internal.
so=$(ls "$prefix"/lib*/libbloop.so "$prefix"/lib/*/libbloop.so 2>/dev/null | head -n 1)
[ -n "$so" ] || { echo "libbloop.so not installed"; exit 1; }
extra=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v -e '^bloop_' -e '^luaopen_bloop_core$' || true)
[ -z "$extra" ] || { echo "libbloop.so exports internals: $extra" | head -c 400; exit 1; }
# one public function of each layer: the runtime and the C core a C program may call alone
for sym in bloop_runtime_new bloop_status_name bloop_value_to_json bloop_sigv4_sign \
    bloop_client_new bloop_engine_new bloop_model_new; do
  nm -D --defined-only "$so" | grep -q " $sym\$" || { echo "$sym not exported"; exit 1; }
done

pc=$(ls "$prefix"/lib*/pkgconfig/bloop.pc "$prefix"/lib/*/pkgconfig/bloop.pc 2>/dev/null | head -n 1)
[ -n "$pc" ] || { echo "bloop.pc not installed"; exit 1; }
cat >"$prefix/t.c" <<'C'
#include <bloop/bloop.h>
#include <stdio.h>
int main(void) {
  bloop_error err;
  bloop_runtime *rt = bloop_runtime_new(&err);
  if (!rt) return 1;
  int rc = bloop_runtime_dostring(rt, "assert(require([[bloop]]).Model)", &err) != BLOOP_OK;
  bloop_runtime_free(rt);
  puts(rc ? "fail" : "ok");
  return rc;
}
C
# The static library, linked as a user would: through the installed bloop.pc.
# shellcheck disable=SC2046
"$cc" -o "$prefix/t" "$prefix/t.c" \
  $(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags bloop) \
  "$(dirname "$(dirname "$pc")")/libbloop.a" \
  $(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --libs bloop | sed 's/-lbloop//')
(cd / && "$prefix/t")
