/*
 * laux.h: helpers shared by the binding files: raising bloop error objects (lerrors.c),
 * and the Lua <-> JSON conversion used for requests and answers (ljson.c). Metatable names
 * are in lbloop.h.
 *
 * Owns: the one place a bloop_error becomes Lua values: which error class it is
 * (bloopL_error_class) and the error object (fields name, code, message, status,
 * request_id, attempts, retried, kind); and the mapping of JSON onto Lua values. Does not
 * own the error classes (lua/bloop/errors.lua registers them) or any request policy.
 */
#ifndef BLOOP_LUA_LAUX_H
#define BLOOP_LUA_LAUX_H

#include <lauxlib.h>
#include <lua.h>

#include "base/bloopi.h"
#include "bloop/buf.h"
#include "bloop/status.h"
#include "lua/lmeta.h"

/* Pushes an error object of class `name` (e.g. "ClientError") built from err. */
BLOOPI_FUNC void bloopL_push_error(lua_State *L, const char *name, const bloop_error *err);
/* Raises it. Never returns. Call only with no malloc'ed memory held. */
BLOOPI_FUNC int bloopL_raise_error(lua_State *L, const char *name, const bloop_error *err);

/* Which binding calls an error of the core comes from: one service code means a different
 * class in each (ResourceNotFoundException is InvalidStream for a stream reader and a
 * ClientError elsewhere), so the one mapper below is told. */
typedef enum bloopL_source {
  BLOOPL_FROM_CLIENT,   /* bloop.Client: the class follows the status alone */
  BLOOPL_FROM_ENGINE,   /* CEngine and CSearch */
  BLOOPL_FROM_TXN,      /* transactions */
  BLOOPL_FROM_STREAM,   /* CStream */
  BLOOPL_FROM_COND      /* Conditions and render: the code is the class */
} bloopL_source;

/* The Lua error class (lua/bloop/errors.lua) of err, coming from `from`. */
BLOOPI_FUNC const char *bloopL_error_class(const bloop_error *err, bloopL_source from);
/* Pushes the error object of err in its class. A ConstraintViolation reported by the
 * service keeps DynamoDB's code (ConditionalCheckFailedException). */
BLOOPI_FUNC void bloopL_push_core_error(lua_State *L, const bloop_error *err,
                                        bloopL_source from);
/* Raises it. Never returns. Call only with no malloc'ed memory held. */
BLOOPI_FUNC int bloopL_raise_core_error(lua_State *L, const bloop_error *err,
                                        bloopL_source from);
/* Raises an error object of class cls for a value the binding refused: status
 * BLOOP_EINVAL, code `code`, the message formatted (cut to BLOOP_ERROR_MESSAGE_MAX).
 * Never returns. Call only with no malloc'ed memory held. */
BLOOPI_FUNC int bloopL_raise_invalid(lua_State *L, const char *cls, const char *code,
                                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Encodes the Lua value at idx as JSON into b. On failure returns BLOOP_EINVAL with a
 * message in err naming the path of the offending value (e.g. "Item.n: NaN"). Does not
 * raise, so a caller may hold memory across it. */
BLOOPI_FUNC bloop_status bloopL_to_json(lua_State *L, int idx, bloop_buf *b, bloop_error *err);

/* Parses JSON text and pushes the Lua value. Returns 0 and pushes nothing on a parse
 * failure. JSON arrays become tables with the bloop.array metatable. */
BLOOPI_FUNC int bloopL_push_json(lua_State *L, const char *json, size_t len);
/* The same, saying why the text was refused (code "InvalidJSON", with the byte offset). */
BLOOPI_FUNC bloop_status bloopL_push_json_checked(lua_State *L, const char *json, size_t len,
                                                  bloop_error *err);

#endif
