/*
 * ldecimal.h: the Lua face of bloop_decimal (include/bloop/decimal.h), for the module
 * opener and for other binding files that take or return DynamoDB numbers.
 *
 * Owns: the "bloop.Decimal" full userdata (a bloop_decimal stored by value, first, and the
 * scale it was written with, for tostring only; it holds no resource and needs no __gc:
 * other files may read the userdata as a bloop_decimal) and the coercion of Lua values into decimals. Does not
 * own: the decimal rules themselves (src/base/decimal.c) nor error objects; a failure
 * raises an InvalidValue error object whose message reads "bloop.decimal: <core message>"
 * (ldecimal.c).
 */
#ifndef BLOOP_LUA_LDECIMAL_H
#define BLOOP_LUA_LDECIMAL_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/decimal.h"

/* 1 when the value at idx is a bloop.Decimal. */
BLOOPI_FUNC int bloopL_is_decimal(lua_State *L, int idx);

/* The decimal at idx, or raises "bad argument #idx (bloop.Decimal expected, got ...)".
 * Borrowed: valid while the userdata stays reachable. */
BLOOPI_FUNC const bloop_decimal *bloopL_check_decimal(lua_State *L, int idx);

/* Pushes a new bloop.Decimal holding d (a copy). The metatable must exist, i.e.
 * bloopL_open_decimal (lbloop.h) ran in this state. */
BLOOPI_FUNC void bloopL_push_decimal(lua_State *L, bloop_decimal d);

/* The value at idx as a decimal: a bloop.Decimal, a Lua integer (exact), a float (its
 * shortest round-trip text) or a string in DynamoDB's N grammar. Raises on anything else
 * or when the value breaks DynamoDB's rules. */
BLOOPI_FUNC bloop_decimal bloopL_to_decimal(lua_State *L, int idx);

#endif
