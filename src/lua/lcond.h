/*
 * lcond.h: the Lua face of condition trees and request rendering: the "bloop.Condition"
 * userdata (a box around one reference to an immutable bloop_cond; NULL is the empty
 * condition) and core.render.
 *
 * Owns: converting Lua path specs, operand specs and change sets into cond.h / expr.h
 * calls, and the rendered fragment back into a Lua table in the service's JSON shape.
 * Does not own: which operators a type supports or how columns and proxies are written
 * (lua/bloop/condition.lua), nor dumping Lua values through types (ltypes.h).
 *
 * Lua shapes (all built by lua/bloop/condition.lua; documented for other callers):
 *   path spec     { "data", "address", 0, label = "User.data.address[1]" }: strings are
 *                 attribute names / map keys, integers 0-based list indexes; label (optional)
 *                 is how the path reads in tostring and messages.
 *   operand spec  { path = <path spec> }  another attribute (`a = b`)
 *                 { wire = {S = "x"} }     a value in wire form (lwire.h: B holds raw bytes)
 *                 { type = T, value = v, where = "User.age" }  v dumped through the type
 *                 object T (ltypes.h); a value that dumps as absent turns = into
 *                 attribute_not_exists, <> into attribute_exists, and is an error elsewhere.
 */
#ifndef BLOOP_LUA_LCOND_H
#define BLOOP_LUA_LCOND_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/cond.h"

/* The tree of the Condition at idx (NULL for the empty condition); raises when idx is not
 * a Condition. Borrowed: valid while the userdata lives. */
BLOOPI_FUNC const bloop_cond *bloopL_check_cond(lua_State *L, int idx);

#endif
