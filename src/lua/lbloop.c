/* lbloop.c: luaopen_bloop_core, the C module behind require("bloop") (lbloop.h). */
#include "lua/lbloop.h"

int luaopen_bloop_core(lua_State *L) {
  lua_newtable(L);                                /* [core] */
  lua_pushliteral(L, BLOOP_VERSION);
  lua_setfield(L, -2, "version");
  bloopL_open_arena(L);
  bloopL_open_errors(L);
  bloopL_open_json(L);
  bloopL_open_client(L);
  bloopL_open_decimal(L);
  bloopL_open_values(L);
  bloopL_open_types(L);
  bloopL_open_snapshots(L);
  bloopL_open_cond(L);
  bloopL_open_model(L);
  bloopL_open_engine(L);
  bloopL_open_txn(L);
  bloopL_open_stream(L);
  bloopL_open_file(L);
  return 1;
}
