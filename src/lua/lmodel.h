/*
 * lmodel.h: the Lua face of the C model descriptor (include/bloop/model.h):
 * core.model_new(decl) -> a "bloop.CModel" userdata.
 *
 * Owns: converting the flat declaration lua/bloop/model.lua builds into a
 * bloop_model_decl, and boxing the validated bloop_model. Does not own: any rule (model.c
 * validates; this file only converts), Lua-side notions (abstract, inheritance, defaults).
 *
 * Declaration shape (every string borrowed from the table for the duration of the call):
 *   { name = "Tweet",
 *     meta = { table_name=, billing = "provisioned"|"on_demand", read_units=, write_units=,
 *              stream = { "new", "old" } | { "keys" } ..., ttl_column = "expires",
 *              backups = bool, encryption = bool },
 *     columns = { { name=, dynamo_name=, type = "S"|"N"|...|"M", key = "hash"|"range",
 *                   version = bool }, ... },
 *     indexes = { { kind = "gsi"|"lsi", name=, dynamo_name=, hash_key=, range_key=,
 *                   projection = "keys"|"all"|"include", include = { names }, read_units=,
 *                   write_units= }, ... } }
 * A failed validation raises an InvalidModel error object carrying model.c's message.
 */
#ifndef BLOOP_LUA_LMODEL_H
#define BLOOP_LUA_LMODEL_H

#include <lua.h>

#include "base/bloopi.h"
#include "bloop/model.h"

/* The model boxed at idx; raises when it is not one. Borrowed: valid while the box lives. */
BLOOPI_FUNC bloop_model *bloopL_check_model(lua_State *L, int idx);

#endif
