/*
 * ltxn.c: transactions for Lua (include/bloop/txn.h), used by lua/bloop/transaction.lua.
 *
 *   core.txn_token() -> a fresh ClientRequestToken
 *   core.txn_write(cengine, actions, token) -> { [i] = version wire or nil }
 *   core.txn_explain_write(actions, token) -> the TransactWriteItems request (a table)
 *   core.txn_read(cengine, ops) -> { [i] = item wire or false }
 *   core.txn_explain_read(ops) -> the TransactGetItems request (a table)
 * actions: { { kind = "save"|"delete"|"check", model = CModel, item = wire, previous =
 * wire?, cleared = {names}?, condition = Condition?, atomic = bool }, ... };
 * ops: { { model = CModel, key = wire }, ... }.
 *
 * Ownership: everything converted for a call lives in a scratch arena, and the request
 * text in a buffer, each owned by a userdata on the stack (larena.h), so raising leaks
 * nothing. A TransactionCanceled error carries `reasons`: one
 * { code = "None" | "ConditionalCheckFailed" | ... } per action (the Lua layer adds the
 * objects and messages).
 */
#include <stdio.h>
#include <string.h>

#include "bloop/txn.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/lcond.h"
#include "lua/lengine.h"
#include "lua/lmodel.h"
#include "lua/lwire.h"


/* Reads the action list at t. */
static bloop_txn_action *ltx_read_actions(lua_State *L, int t, bloop_arena *a, size_t *count) {
  luaL_checktype(L, t, LUA_TTABLE);
  size_t n = lua_rawlen(L, t);
  bloop_txn_action *acts = bloopL_arena_alloc(L, a, n * sizeof *acts);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, t, (lua_Integer)i + 1);
    int e = lua_gettop(L);
    luaL_checktype(L, e, LUA_TTABLE);
    lua_getfield(L, e, "kind");
    const char *kind = luaL_checkstring(L, -1);
    acts[i].kind = strcmp(kind, "save") == 0     ? BLOOP_TXN_SAVE
                   : strcmp(kind, "delete") == 0 ? BLOOP_TXN_DELETE
                   : strcmp(kind, "check") == 0  ? BLOOP_TXN_CHECK
                                                 : (bloop_txn_kind)-1;
    if ((int)acts[i].kind < 0) luaL_error(L, "transaction: unknown action kind %s", kind);
    lua_pop(L, 1);
    char what[48];
    snprintf(what, sizeof what, "transaction action %d", (int)i + 1);
    bloopL_write_args(L, e, a, &acts[i].args, what);
    lua_pop(L, 1);
  }
  *count = n;
  return acts;
}

/* Pushes the request in b as a table and frees b early (its userdata would). */
static int ltx_push_request(lua_State *L, bloop_buf *b) {
  int ok = bloopL_push_json(L, b->data ? b->data : "", b->len);
  bloop_buf_free(b);
  if (!ok) return luaL_error(L, "transaction: the request is not JSON");
  return 1;
}

static int ltx_token(lua_State *L) {
  char tok[BLOOP_TXN_TOKEN_MAX];
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_txn_token_new(tok, &err)) return bloopL_raise_error(L, "ClientError", &err);
  lua_pushstring(L, tok);
  return 1;
}

static int ltx_write(lua_State *L) {
  bloop_engine *e = bloopL_engine_checked(L, 1);
  const char *token = luaL_optstring(L, 3, NULL);
  bloop_arena *a = bloopL_push_arena(L);
  size_t n;
  bloop_txn_action *acts = ltx_read_actions(L, 2, a, &n);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_txn_write(e, acts, n, token, a, &err);
  if (st) {
    bloopL_push_core_error(L, &err, BLOOPL_FROM_TXN);    /* [.., e] */
    if (strcmp(err.code, "TransactionCanceledException") == 0) {
      lua_createtable(L, (int)n, 0);
      for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 1);
        lua_pushstring(L, acts[i].reason);
        lua_setfield(L, -2, "code");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      lua_setfield(L, -2, "reasons");
    }
    return lua_error(L);
  }
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    if (acts[i].version.type == BLOOP_TYPE_NONE) continue;
    bloopL_push_wire(L, &acts[i].version);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int ltx_explain_write(lua_State *L) {
  const char *token = luaL_optstring(L, 2, NULL);
  bloop_arena *a = bloopL_push_arena(L);
  size_t n;
  bloop_txn_action *acts = ltx_read_actions(L, 1, a, &n);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_buf *b = bloopL_push_buf(L);
  if (bloop_txn_build_write(acts, n, token, b, &err))
    return bloopL_raise_core_error(L, &err, BLOOPL_FROM_TXN);
  return ltx_push_request(L, b);
}

static int ltx_read(lua_State *L) {
  bloop_engine *e = bloopL_engine_checked(L, 1);
  bloop_arena *a = bloopL_push_arena(L);
  size_t n;
  bloop_load_op *ops = bloopL_load_ops(L, 2, a, &n, "transaction");
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_txn_read(e, ops, n, a, NULL, &err))
    return bloopL_raise_core_error(L, &err, BLOOPL_FROM_TXN);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    if (ops[i].outcome == BLOOP_BATCH_FOUND) bloopL_push_wire(L, &ops[i].item);
    else lua_pushboolean(L, 0);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int ltx_explain_read(lua_State *L) {
  bloop_arena *a = bloopL_push_arena(L);
  size_t n;
  bloop_load_op *ops = bloopL_load_ops(L, 1, a, &n, "transaction");
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_buf *b = bloopL_push_buf(L);
  if (bloop_txn_build_read(ops, n, b, &err))
    return bloopL_raise_core_error(L, &err, BLOOPL_FROM_TXN);
  return ltx_push_request(L, b);
}

static const luaL_Reg txn_funcs[] = {
    {"txn_token", ltx_token},          {"txn_write", ltx_write},
    {"txn_explain_write", ltx_explain_write}, {"txn_read", ltx_read},
    {"txn_explain_read", ltx_explain_read}, {NULL, NULL}};

int bloopL_open_txn(lua_State *L) {
  luaL_setfuncs(L, txn_funcs, 0);
  return 0;
}
