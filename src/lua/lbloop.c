/* lbloop.c: luaopen_bloop_core, the C module behind require("bloop") (lbloop.h). */
#include "lua/lbloop.h"

#include <lauxlib.h>

/* core.table_new(narray, nhash) -> an empty table with room for that many entries: a
 * model object's column tables are filled at once, and growing them 1 -> 2 -> 4 -> 8
 * (a rehash each) showed in the profile of a save. Sizes beyond 2^16 are taken as 2^16
 * (the table grows as usual past them). */
static int lb_table_new(lua_State *L) {
  lua_Integer na = luaL_optinteger(L, 1, 0), nh = luaL_optinteger(L, 2, 0);
  lua_createtable(L, na < 0 ? 0 : na > 65536 ? 65536 : (int)na,
                  nh < 0 ? 0 : nh > 65536 ? 65536 : (int)nh);
  return 1;
}

int luaopen_bloop_core(lua_State *L) {
  lua_newtable(L);                                /* [core] */
  lua_pushliteral(L, BLOOP_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushcfunction(L, lb_table_new);
  lua_setfield(L, -2, "table_new");
  bloopL_open_arena(L);
  bloopL_open_errors(L);
  bloopL_open_json(L);
  bloopL_open_client(L);
  bloopL_open_decimal(L);
  bloopL_open_values(L);
  bloopL_open_types(L);
  bloopL_open_snapshots(L);
  bloopL_open_fast(L);
  bloopL_open_object(L);
  bloopL_open_cond(L);
  bloopL_open_model(L);
  bloopL_open_engine(L);
  bloopL_open_txn(L);
  bloopL_open_stream(L);
  bloopL_open_file(L);
  return 1;
}
