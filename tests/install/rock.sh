#!/bin/sh
# ctest rock_check: `luarocks make rockspecs/bloop-scm-1.rockspec` builds bloop.core against
# the system's Lua 5.4 into a scratch tree, and a plain lua5.4 with that tree's
# `luarocks path` requires bloop from it. Built from a copy of the sources, so the rock's
# build directory (build.luarocks) never lands in the checkout.
# Usage: rock.sh SOURCE_DIR
set -eu
src=$1
command -v luarocks >/dev/null || { echo "luarocks is not installed: run scripts/setup"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
cp -a "$src/CMakeLists.txt" "$src/bloop.pc.in" "$src/include" "$src/src" "$src/lua" \
  "$src/rockspecs" "$work/src/"
# lua-cjson comes from Debian's package (scripts/setup), which LuaRocks does not list.
(cd "$work/src" && luarocks --lua-version 5.4 make --deps-mode none --tree "$work/tree" \
  rockspecs/bloop-scm-1.rockspec >"$work/log" 2>&1) || { cat "$work/log"; exit 1; }
out=$(cd / && eval "$(luarocks --lua-version 5.4 --tree "$work/tree" path)" &&
  lua5.4 -e 'local b = require("bloop")
    print(type(b.Model), package.searchpath("bloop", package.path), package.searchpath("bloop.core", package.cpath))')
want=$(printf 'table\t%s\t%s' "$work/tree/share/lua/5.4/bloop/init.lua" "$work/tree/lib/lua/5.4/bloop/core.so")
[ "$out" = "$want" ] || { echo "lua5.4 with the rock tree said: $out"; exit 1; }
echo "ok: bloop scm-1 built by luarocks and required by lua5.4"
