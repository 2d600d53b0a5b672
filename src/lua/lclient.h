/*
 * lclient.h: what other binding files take from lclient.c: recognising a "bloop.Client"
 * box and the native client inside it (lengine.c routes an engine's requests to it).
 * Owns nothing; the client stays owned by its box.
 */
#ifndef BLOOP_LUA_LCLIENT_H
#define BLOOP_LUA_LCLIENT_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/client.h"

/* 1 when the value at idx is a bloop.Client box, and then *c is its client (NULL once the
 * box is closed); 0 otherwise. Borrowed: valid while the box lives and stays open. */
BLOOPI_FUNC int bloopL_test_client(lua_State *L, int idx, bloop_client **c);
/* The client of the box at idx, which bloopL_test_client accepted before (no check; NULL
 * once the box is closed). */
BLOOPI_FUNC bloop_client *bloopL_client_of(lua_State *L, int idx);

#endif
