/*
 * ltxn.h: the openers of the transaction and stream bindings (ltxn.c, lstream.c).
 * Each expects the bloop.core module table on top and adds its functions to it.
 */
#ifndef BLOOP_LUA_LTXN_H
#define BLOOP_LUA_LTXN_H

#include <lua.h>

#define BLOOP_CSTREAM_META "bloop.CStream"

int bloopL_open_txn(lua_State *L);
int bloopL_open_stream(lua_State *L);

#endif
