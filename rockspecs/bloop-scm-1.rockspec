-- `luarocks make rockspecs/bloop-scm-1.rockspec` from a checkout: builds bloop.core with
-- CMake (BLOOP_ROCK=ON: no host, C library or tests) against the system's Lua 5.4 and
-- installs it and the Lua modules into the rocks tree.
rockspec_format = "3.0"
package = "bloop"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "DynamoDB object mapper for Lua 5.4 with a C core",
  detailed = [[
Models, conditions, queries, scans, transactions and streams over DynamoDB, with
SigV4 signing, HTTP and the DynamoDB protocol in C (libcurl, OpenSSL).]],
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "lua-cjson",
}
-- libcurl, OpenSSL 3, libcjson and zlib are found by CMake through pkg-config (their -dev
-- packages: scripts/setup); LuaRocks' own header search misses Debian's multiarch curl.
build = {
  type = "cmake",
  variables = {
    BLOOP_ROCK = "ON",
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    BLOOP_INSTALL_LMOD = "$(LUADIR)",
    BLOOP_INSTALL_CMOD = "$(LIBDIR)",
  },
}
