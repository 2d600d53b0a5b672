/*
 * lvalues.h: the Lua value objects bloop adds besides decimals: datetimes, UUIDs, the key
 * function behind bloop.set, and the null sentinel.
 *
 * Owns: the "bloop.DateTime" and "bloop.UUID" userdata (immutable, holding an int64 of
 * microseconds and 16 bytes; no resource, no __gc) and their interning. Both are interned:
 * pushing the same instant or the same UUID twice yields the same userdata (a weak-valued
 * registry table maps the value to its object), so equal values are rawequal and work as
 * table keys and set members by value. Does not own: the calendar and UUID rules
 * (include/bloop/datetime.h), bloop.set itself (lua/bloop/set.lua; its metatable
 * "bloop.Set" is created here so C can recognise and build sets before any Lua runs).
 */
#ifndef BLOOP_LUA_LVALUES_H
#define BLOOP_LUA_LVALUES_H

#include <lua.h>
#include <stdint.h>

#include "base/bloopi.h"
#include "bloop/datetime.h"

/* Pushes the (interned) datetime for us; raises when outside years 0001..9999. */
BLOOPI_FUNC void bloopL_push_datetime(lua_State *L, int64_t us);
/* The datetime at idx, or NULL when it is not one. */
BLOOPI_FUNC const int64_t *bloopL_test_datetime(lua_State *L, int idx);

BLOOPI_FUNC void bloopL_push_uuid(lua_State *L, const bloop_uuid *u);
BLOOPI_FUNC const bloop_uuid *bloopL_test_uuid(lua_State *L, int idx);

/* Binary values: what DynamoDB's B (and BS members) load as inside Dynamic types, where a
 * plain Lua string must mean S. Immutable and interned like UUIDs (equal bytes, same
 * object), so they compare and key sets by content. core.binary(bytes) builds one;
 * b:bytes() and tostring(b) give the bytes back, #b their count. */
BLOOPI_FUNC void bloopL_push_binary(lua_State *L, const char *s, size_t len);
BLOOPI_FUNC int bloopL_test_binary(lua_State *L, int idx);
/* The bytes of the binary at idx (which must be one); valid while it lives. */
BLOOPI_FUNC const char *bloopL_binary_bytes(lua_State *L, int idx, size_t *len);

/* 1 when the value at idx is a table whose metatable is bloop.Set. */
BLOOPI_FUNC int bloopL_is_set(lua_State *L, int idx);

/* Pushes the key a set uses for the value at idx (see set.lua): numbers and decimals are
 * keyed by value so 2, 2.0 and decimal("2") are one member; other values key themselves. */
BLOOPI_FUNC void bloopL_push_set_key(lua_State *L, int idx);

/* Pushes a new, empty bloop.Set with room for n members (a hint: loads know the count). */
BLOOPI_FUNC void bloopL_set_new(lua_State *L, size_t n);
/* Adds the value on top of the stack (popped) to the set at idx unless a member with the
 * same key is there. Raises on nil and NaN. */
BLOOPI_FUNC void bloopL_set_add(lua_State *L, int idx);
/* [v1..vn] -> [set]: the n (> 0) values on top as a set, in their order, as bloopL_set_new
 * and bloopL_set_add of each would make it (up to 8 members without its member index,
 * which set.lua and bloopL_set_add make on first use); 0 (the values left as they were)
 * when two of them are one member. */
BLOOPI_FUNC int bloopL_set_of(lua_State *L, int n);

/* The null sentinel that stands for DynamoDB's NULL inside lists: the NULL light userdata,
 * so it is the same value as cjson.null. */
BLOOPI_FUNC void bloopL_push_null(lua_State *L);
BLOOPI_FUNC int bloopL_is_null(lua_State *L, int idx);

/* Writes s (len bytes) into buf as a double-quoted literal for messages: control bytes
 * (and, when s is not valid UTF-8, bytes >= 0x80) escaped as \ddd, cut with "..." to fit
 * cap (>= 8) bytes; returns buf. */
BLOOPI_FUNC char *bloopL_quote(const char *s, size_t len, char *buf, size_t cap);

#endif
