/*
 * lsnapshot.c: snapshots and column specs (lsnapshot.h).
 *
 * Memory: values are built in arenas, and the JSON text in buffers, owned by userdata on
 * the stack (larena.h), so a raise leaks nothing.
 */
#include "lua/lsnapshot.h"

#include <lauxlib.h>
#include <string.h>

#include "base/arena_internal.h"
#include "base/value_json.h"
#include "lua/larena.h"
#include "lua/lfast.h"
#include "lua/laux.h"
#include "lua/lbloop.h"
#include "lua/lmeta.h"
#include "lua/ltypes.h"
#include "lua/lwire.h"

/* [] -> [entry, name, dynamo name, type, label] for spec entry i; returns the entry's
 * absolute index. Raises on a malformed entry (the spec is engine.lua's, never a user's). */
static int lsn_entry(lua_State *L, int spec, lua_Integer i) {
  if (lua_rawgeti(L, spec, i) != LUA_TTABLE) luaL_error(L, "bloop: bad column spec %d", (int)i);
  int e = lua_gettop(L);
  lua_rawgeti(L, e, 1);
  lua_rawgeti(L, e, 2);
  lua_rawgeti(L, e, 3);
  lua_rawgeti(L, e, 4);
  if (lua_type(L, e + 1) != LUA_TSTRING || lua_type(L, e + 2) != LUA_TSTRING)
    luaL_error(L, "bloop: bad column spec %d", (int)i);
  return e;
}

/* The kind and the override flag (`flag`: "_load_lua" or "_dump_lua") of the type of the
 * spec entry at e (lsn_entry's stack), kept in the entry at `slot` (kind * 2 + flag) the
 * first time: a type instance's are fixed when it is made (types.lua's finalize), and the
 * engine builds a new spec when a column changes. Looking them up by name for every value
 * (lua_pushstring + lua_rawget, often missing Lua's API string cache) cost about a seventh
 * of a query item. Returns 0 for a type class (its instance made on first use) or a
 * non-type: the caller resolves it each time (and that raises for a non-type). */
static int lsn_known(lua_State *L, int e, int slot, const char *flag, int *kind, int *on) {
  int isnum = 0;
  lua_rawgeti(L, e, slot);
  lua_Integer known = lua_tointegerx(L, -1, &isnum);
  lua_pop(L, 1);
  if (!isnum) {
    int k = lua_type(L, e + 3) == LUA_TTABLE ? bloopL_type_kind(L, e + 3) : 0;
    if (!k) return 0;
    known = (lua_Integer)k * 2 + bloopL_type_flag(L, e + 3, flag);
    lua_pushinteger(L, known);
    lua_rawseti(L, e, slot);
  }
  *kind = (int)(known / 2);
  *on = (int)(known % 2);
  return 1;
}

/* [] -> [value]: v loaded through the type of the spec entry at e. */
static void lsn_load(lua_State *L, int e, const bloop_value *v, int ctx_idx) {
  const char *where = lua_tostring(L, e + 4);
  int kind, load_lua;
  if (lsn_known(L, e, 5, "_load_lua", &kind, &load_lua))
    bloopL_type_load_known(L, e + 3, kind, load_lua, v, ctx_idx, where);
  else
    bloopL_type_load_ctx(L, e + 3, v, ctx_idx, where);
}

/* [] -> [snapshot]: item as DynamoDB JSON text, without validating it (the reader checks
 * it when the text is read back). */
void bloopL_snapshot_push(lua_State *L, const bloop_value *item) {
  bloop_buf *b = bloopL_push_scratch_buf(L);    /* [buf] */
  if (bloopi_item_to_json_unchecked(item, b) != BLOOP_OK) bloopL_nomem(L);
  lua_pushlstring(L, b->data, b->len);          /* [buf, snapshot] */
  bloopL_scratch_buf_done(L, -2);
  lua_remove(L, -2);
}

/* Spec columns up to this many are gathered on the C stack; more in a userdata. */
#define SNAP_STACK 32

void bloopL_fill_state(lua_State *L, const bloop_value *item, int spec_idx, int data_idx,
                       int ctx_idx, const char *text, size_t text_len) {
  spec_idx = lua_absindex(L, spec_idx);
  if (data_idx) data_idx = lua_absindex(L, data_idx);
  if (data_idx && text && item) {
    /* the item's text read straight into data, when its columns allow (lfast.h) */
    size_t used = 0;
    int n = bloopL_fast_decode(L, spec_idx, text, text_len, &used);
    if (n && used == text_len) {
      bloopL_fast_store(L, -n, data_idx);
      lua_pushlstring(L, text, text_len);
      return;
    }
    lua_pop(L, n);
  }
  ctx_idx = ctx_idx && !lua_isnoneornil(L, ctx_idx) ? lua_absindex(L, ctx_idx) : 0;
  luaL_checkstack(L, 12, "bloop: column spec");
  lua_Integer n = (lua_Integer)lua_rawlen(L, spec_idx);
  bloop_member stack[SNAP_STACK], *kept = stack;
  if (n > SNAP_STACK) kept = lua_newuserdatauv(L, (size_t)n * sizeof *kept, 0);
  int keep_idx = lua_gettop(L);                /* the userdata (or whatever was on top) */
  size_t nkept = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    int e = lsn_entry(L, spec_idx, i);         /* [e, name, dyn, type, label] */
    size_t dlen;
    const char *dyn = lua_tolstring(L, e + 2, &dlen);
    const bloop_value *v = item ? bloop_value_get(item, dyn, dlen) : NULL;
    if (data_idx) {
      lua_pushvalue(L, e + 1);
      lsn_load(L, e, v, ctx_idx);
      lua_rawset(L, data_idx);
    }
    /* shallow: item outlives this call, and the name is the spec's string, which the spec
     * table keeps alive */
    if (v) kept[nkept++] = (bloop_member){dyn, dlen, *v};
    lua_settop(L, e - 1);
  }
  /* When every attribute of item is an entry's, the snapshot is the item's own text. */
  if (text && item && nkept == bloop_value_count(item)) {
    lua_pushlstring(L, text, text_len);
  } else {
    /* a view over the kept members: the public representation, nothing copied */
    bloop_value snap;
    memset(&snap, 0, sizeof snap);
    snap.type = BLOOP_TYPE_M;
    snap.u.map.members = kept;
    snap.u.map.count = snap.u.map.cap = nkept;
    bloopL_snapshot_push(L, &snap);
  }
  if (kept != stack) lua_remove(L, keep_idx);
}

/* The item at idx: a snapshot string, or a wire item table ({M = {...}}), read into a. */
static void lsn_read_item(lua_State *L, int idx, bloop_arena *a, bloop_value *item) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *text = lua_tolstring(L, idx, &len);
    bloop_error err = BLOOP_ERROR_INIT;
    if (bloop_item_from_json(text, len, a, item, &err) != BLOOP_OK)
      bloopL_raise_error(L, "InvalidValue", &err);
  } else {
    bloopL_value_from_wire(L, idx, a, item, "item");
    if (item->type != BLOOP_TYPE_M) luaL_argerror(L, idx, "an item must be a map");
  }
}

/* core.snapshot_state(snapshot, spec) -> { [column name] = wire or false }: a snapshot (the
 * JSON text bloopL_fill_state made) as the per-column state engine.lua works with. */
static int lsn_state(lua_State *L) {
  luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  lua_createtable(L, 0, (int)n);                /* [snap, spec, state] */
  bloop_arena *a = bloopL_push_scratch(L);      /* [.., state, arena] */
  bloop_value item;
  lsn_read_item(L, 1, a, &item);
  for (lua_Integer i = 1; i <= n; i++) {
    int e = lsn_entry(L, 2, i);                 /* [e, name, dyn, type, label] */
    size_t dlen;
    const char *dyn = lua_tolstring(L, e + 2, &dlen);
    const bloop_value *v = bloop_value_get(&item, dyn, dlen);
    lua_pushvalue(L, e + 1);
    if (v)
      bloopL_push_wire(L, v);
    else
      lua_pushboolean(L, 0);
    lua_rawset(L, 3);
    lua_settop(L, e - 1);
  }
  bloopL_scratch_done(L, 4);
  lua_pop(L, 1);
  return 1;
}

/* ---- the kept dump -------------------------------------------------------------------
 * A save dumps the object (core.dump_item) and hands the snapshot string to the C engine
 * (lengine.c), which would read the text straight back into the item it had just been
 * written from: a tenth of a save's instructions. So the last dump's item stays here, in
 * one box per Lua state (the registry), with its snapshot string as the box's user value
 * (which keeps the string, and so its address, unique while it is kept); the save that
 * passes that very string takes the item (bloopL_dumped_take) instead of reading it. */

typedef struct lsn_kept {
  bloop_arena arena;       /* holds item */
  bloop_value *item;       /* NULL: nothing kept */
  const char *text;        /* the snapshot string's bytes */
  int valid;               /* item is valid as made (the compiled dump's, lfast.h) */
} lsn_kept;

static const char lsn_kept_key = 'k';

static int lsn_kept_gc(lua_State *L) {
  lsn_kept *k = lua_touserdata(L, 1);
  bloop_arena_free(&k->arena);
  k->item = NULL;
  return 0;
}

/* [] -> [box]: the state's box, made on first use. */
static lsn_kept *lsn_kept_box(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lsn_kept_key) == LUA_TUSERDATA)
    return lua_touserdata(L, -1);
  lua_pop(L, 1);
  lsn_kept *k = bloopL_newbox(L, sizeof *k, 1, BLOOP_KEPT_DUMP_META);   /* [box] */
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lsn_kept_key);
  return k;
}

/* Keeps item (built in a, a box's arena) as the dump whose snapshot string is at snap:
 * a's chunks move to the state's box, the one kept before is freed. */
static void lsn_keep(lua_State *L, bloop_arena *a, const bloop_value *item, int snap,
                     int valid) {
  snap = lua_absindex(L, snap);
  bloop_value *copy = bloop_arena_alloc(a, sizeof *copy);
  if (!copy) return;                            /* not kept: the save reads the text */
  *copy = *item;
  lsn_kept *k = lsn_kept_box(L);                /* [box] */
  /* the arenas change places: the box's old chunks, emptied, serve a's next use */
  bloop_arena old = k->arena;
  k->item = NULL;
  k->arena = *a;
  bloop_arena_reset(&old);
  *a = old;
  k->item = copy;
  k->valid = valid;
  k->text = lua_tostring(L, snap);
  lua_pushvalue(L, snap);
  lua_setiuservalue(L, -2, 1);
  lua_pop(L, 1);
}

/* Whether the text of v, read back, is v itself: what bloop_item_validate checks, and no
 * NUL in a name (the reader refuses "\u0000" in names; values may hold it). */
static int lsn_names_plain(const bloop_value *v, int depth) {
  if (depth > BLOOP_MAX_DEPTH + 2) return 0;
  if (v->type == BLOOP_TYPE_M) {
    for (size_t i = 0; i < v->u.map.count; i++) {
      const bloop_member *m = &v->u.map.members[i];
      if (memchr(m->name, '\0', m->name_len) || !lsn_names_plain(&m->value, depth + 1))
        return 0;
    }
  } else if (v->type == BLOOP_TYPE_L) {
    for (size_t i = 0; i < v->u.list.count; i++)
      if (!lsn_names_plain(&v->u.list.items[i], depth + 1)) return 0;
  }
  return 1;
}

const bloop_value *bloopL_dumped_take(lua_State *L, int idx, bloop_arena *into) {
  if (lua_type(L, idx) != LUA_TSTRING) return NULL;
  const char *text = lua_tostring(L, idx);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lsn_kept_key) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    return NULL;
  }
  lsn_kept *k = lua_touserdata(L, -1);
  lua_pop(L, 1);                                /* the registry keeps the box */
  const bloop_value *item = k->item;
  if (!item || k->text != text) return NULL;
  /* Anything the reader would refuse is left to it, so its error is the one raised. The
   * compiled dump makes only what it would accept: strings checked for UTF-8, numbers from
   * decimals (which are always within DynamoDB's rules), sets deduplicated and never empty,
   * names from the model's declaration (lfast.c refuses a spec whose names the reader
   * would not take). */
  if (!k->valid) {
    bloop_error err = BLOOP_ERROR_INIT;
    if (bloop_item_validate(item, "Item", &err) != BLOOP_OK || !lsn_names_plain(item, 0))
      return NULL;
  }
  bloopi_arena_absorb(into, &k->arena);
  k->item = NULL;
  k->text = NULL;
  return item;
}

/* [spec, data, ctx, absent, arena] -> returns snapshot, absent: the dumped item's text,
 * the item kept for the save that follows. */
static int lsn_dump_done(lua_State *L, bloop_arena *a, const bloop_value *item, int valid) {
  /* Not validated here: the C engine reads the snapshot back with the JSON reader (or
   * takes the kept item once bloop_item_validate passes it), which checks every rule, and
   * reports a bad value under the model and operation. */
  bloopL_snapshot_push(L, item);                /* [.., absent, arena, snapshot] */
  lsn_keep(L, a, item, -1, valid);
  bloopL_scratch_done(L, 5);
  lua_pushvalue(L, 4);
  return 2;
}

/* core.dump_item(spec, data, context) -> snapshot, absent (lsnapshot.h). No wire table is
 * made: a save hands the string to C, which takes the item kept here (or reads the text
 * back), and keeps the string as the object's synced state. */
static int lsn_dump_item(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 3);
  int has_data = lua_type(L, 2) == LUA_TTABLE;
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  lua_pushnil(L);                               /* [spec, data, ctx, absent] */
  bloop_arena *a = bloopL_push_scratch(L);      /* [.., absent, arena] */
  bloop_value item;
  /* the columns' types compiled, where they dump plainly (lfast.h) */
  if (has_data && bloopL_fast_dump(L, 1, 2, a, &item)) {   /* [.., arena, absent] */
    lua_replace(L, 4);
    return lsn_dump_done(L, a, &item, 1);
  }
  bloop_arena_reset(a);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_value_set_map(&item, a, (size_t)n, &err) != BLOOP_OK)
    return bloopL_raise_error(L, "ClientError", &err);
  for (lua_Integer i = 1; i <= n; i++) {
    int e = lsn_entry(L, 1, i);                 /* [e, name, dyn, type, label] */
    lua_pushvalue(L, e + 1);
    if (has_data)
      lua_rawget(L, 2);
    else
      lua_pushnil(L);                           /* [.., value] */
    bloop_value out;
    int present;
    int kind, dump_lua;
    if (lsn_known(L, e, 6, "_dump_lua", &kind, &dump_lua))
      bloopL_type_dump_known(L, e + 3, kind, dump_lua, e + 5, 3, a, &out, &present,
                             lua_tostring(L, e + 4));
    else
      bloopL_type_dump_ctx(L, e + 3, e + 5, 3, a, &out, &present, lua_tostring(L, e + 4));
    if (present) {
      size_t dlen;
      const char *dyn = lua_tolstring(L, e + 2, &dlen);
      bloop_value *slot = bloop_value_map_add(&item, a, dyn, dlen);
      if (!slot) bloopL_nomem(L);
      *slot = out;
    } else {
      if (lua_isnil(L, 4)) {
        lua_createtable(L, 0, 4);
        lua_replace(L, 4);
      }
      lua_pushvalue(L, e + 1);
      lua_pushboolean(L, 1);
      lua_rawset(L, 4);
    }
    lua_settop(L, e - 1);
  }
  return lsn_dump_done(L, a, &item, 0);
}

/* core.snapshot_diff(spec, a, b) -> nil, or the names of the spec's columns whose
 * attribute differs between the items a and b (snapshots or wire items): present in one
 * only, or unequal as DynamoDB compares (sets in any order, numbers by value). */
static int lsn_diff(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 3);
  lua_pushnil(L);                               /* [spec, a, b, names] */
  bloop_arena *ar = bloopL_push_scratch(L);     /* [.., names, arena] */
  bloop_value x, y;
  lsn_read_item(L, 2, ar, &x);
  lsn_read_item(L, 3, ar, &y);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1), found = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    int e = lsn_entry(L, 1, i);                 /* [e, name, dyn, type, label] */
    size_t dlen;
    const char *dyn = lua_tolstring(L, e + 2, &dlen);
    const bloop_value *u = bloop_value_get(&x, dyn, dlen), *v = bloop_value_get(&y, dyn, dlen);
    if ((u == NULL) != (v == NULL) || (u && !bloop_value_equal(u, v))) {
      if (lua_isnil(L, 4)) {
        lua_newtable(L);
        lua_replace(L, 4);
      }
      lua_pushvalue(L, e + 1);
      lua_rawseti(L, 4, ++found);
    }
    lua_settop(L, e - 1);
  }
  bloopL_scratch_done(L, 5);
  lua_pushvalue(L, 4);
  return 1;
}

static const luaL_Reg snapshot_funcs[] = {{"snapshot_state", lsn_state},
                                          {"dump_item", lsn_dump_item},
                                          {"snapshot_diff", lsn_diff},
                                          {NULL, NULL}};

static const luaL_Reg kept_meta[] = {{"__gc", lsn_kept_gc}, {NULL, NULL}};

int bloopL_open_snapshots(lua_State *L) {
  bloopL_createmeta(L, BLOOP_KEPT_DUMP_META, NULL, kept_meta);
  luaL_setfuncs(L, snapshot_funcs, 0);
  return 0;
}
