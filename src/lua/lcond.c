/*
 * lcond.c: "bloop.Condition" userdata and core.render. See lcond.h for the Lua shapes.
 *
 * Memory: every C allocation made while converting Lua input lives in a scratch userdata
 * (an arena and, for render, the bloop_expr) pushed before the conversion starts, so any
 * raise (a bad spec, a type's dump raising) leaves the memory to the collector instead of
 * leaking it (LPeg keeps its trees inside userdata for the same reason). A Condition box
 * is pushed empty before its tree is built, as liolib does with files.
 */
#include <stdio.h>
#include <string.h>

#include "bloop/cond.h"
#include "bloop/expr.h"
#include "bloop/value.h"
#include "lua/lbloop.h"
#include "lua/larena.h"
#include "lua/laux.h"
#include "lua/lcond.h"
#include "lua/ltypes.h"
#include "lua/lwire.h"


typedef struct cond_box {
  bloop_cond *c;  /* one reference, or NULL for the empty condition */
} cond_box;

typedef struct scratch {
  bloop_arena a;
  bloop_expr *x;
} scratch;

/* ---- helpers ------------------------------------------------------------------------ */

/* Raises err in its class (for conditions, its own code), its message after prefix. */
static int lc_raise_err(lua_State *L, const bloop_error *err, const char *prefix) {
  if (!prefix || !*prefix) return bloopL_raise_core_error(L, err, BLOOPL_FROM_COND);
  bloop_error e = *err;
  snprintf(e.message, sizeof e.message, "%.200s: %.800s", prefix, err->message);
  return bloopL_raise_core_error(L, &e, BLOOPL_FROM_COND);
}

static int lc_scratch_gc(lua_State *L) {
  scratch *s = luaL_checkudata(L, 1, BLOOP_COND_SCRATCH_META);
  bloop_expr_free(s->x);
  s->x = NULL;
  bloop_arena_free(&s->a);
  return 0;
}

/* [] -> [scratch] */
static scratch *lc_push_scratch(lua_State *L) {
  return bloopL_newbox(L, sizeof(scratch), 0, BLOOP_COND_SCRATCH_META);
}

static cond_box *lc_check_box(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, BLOOP_CONDITION_META);
}

const bloop_cond *bloopL_check_cond(lua_State *L, int idx) { return lc_check_box(L, idx)->c; }

/* [] -> [box] (empty). User value 1 keeps the operand of a NOT, so ~~x is x; user value 2
 * the set { [model] = true } of the models whose columns the condition names (the `model`
 * of its path specs), shared and never changed once made, so an engine can refuse a
 * condition on another model's columns. */
static cond_box *lc_push_box(lua_State *L) {
  return bloopL_newbox(L, sizeof(cond_box), 2, BLOOP_CONDITION_META);
}

/* [set?] -> [set?] : adds the `model` field of the path spec at idx to the set on top
 * (a nil on top is an empty set: a table is made on first need). */
static void lc_note_model(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) return;
  if (lua_getfield(L, idx, "model") == LUA_TNIL) {    /* [set?, model] */
    lua_pop(L, 1);
    return;
  }
  if (lua_isnil(L, -2)) {
    lua_newtable(L);
    lua_replace(L, -3);
  }
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);                                  /* [set] */
}

/* [] -> [] : user value 2 of the box at r = the union of those of the boxes at a and b
 * (b may be 0): shared when only one has a set. */
static void lc_merge_models(lua_State *L, int r, int a, int b) {
  int ta = lua_getiuservalue(L, a, 2);                /* [sa] */
  int tb = b ? lua_getiuservalue(L, b, 2) : (lua_pushnil(L), LUA_TNIL);  /* [sa, sb] */
  if (ta == LUA_TTABLE && tb == LUA_TTABLE && !lua_rawequal(L, -1, -2)) {
    lua_newtable(L);                                  /* [sa, sb, u] */
    for (int from = -3; from <= -2; from++) {
      lua_pushnil(L);
      while (lua_next(L, from - 1)) {                 /* [.., u, k, v] */
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushboolean(L, 1);
        lua_rawset(L, -4);
      }
    }
    lua_replace(L, -3);                               /* [u, sb] */
    lua_pop(L, 1);
  } else {
    if (ta != LUA_TTABLE) lua_replace(L, -2);         /* [sb] */
    else lua_pop(L, 1);                               /* [sa] */
  }
  lua_setiuservalue(L, r, 2);
}

/* core.condition_models(c) -> { model, ... }: the models whose columns c names. */
static int lc_models(lua_State *L) {
  lc_check_box(L, 1);
  lua_settop(L, 1);                                   /* extra arguments are ignored */
  lua_newtable(L);                                    /* [c, list] */
  if (lua_getiuservalue(L, 1, 2) == LUA_TTABLE) {     /* [c, list, set] */
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_rawseti(L, 2, ++n);
    }
  }
  lua_settop(L, 2);
  return 1;
}

static void *lc_arena_alloc(lua_State *L, bloop_arena *a, size_t size) {
  void *p = bloop_arena_alloc(a, size ? size : 1);
  if (!p) luaL_error(L, "out of memory");
  return p;
}

/* The path spec at idx into *p (memory from a). what names it in misuse messages. */
static void lc_check_path(lua_State *L, int idx, bloop_arena *a, bloop_path *p, const char *what) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {   /* a bare top-level name */
    bloop_path_elem *e = lc_arena_alloc(L, a, sizeof *e);
    e->name = lua_tolstring(L, idx, &e->len);
    e->name = bloop_arena_memdup(a, e->name, e->len);
    if (!e->name) luaL_error(L, "out of memory");
    e->index = 0;
    p->elems = e;
    p->count = 1;
    p->label = NULL;
    return;
  }
  if (lua_type(L, idx) != LUA_TTABLE)
    luaL_error(L, "%s: path spec expected, got %s", what, luaL_typename(L, idx));
  size_t n = lua_rawlen(L, idx);
  if (n > BLOOP_PATH_MAX_DEPTH) n = BLOOP_PATH_MAX_DEPTH + 1;  /* the core names the limit */
  bloop_path_elem *e = lc_arena_alloc(L, a, n * sizeof *e);
  for (size_t i = 0; i < n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
    if (t == LUA_TSTRING) {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      e[i].name = bloop_arena_memdup(a, s, len);
      if (!e[i].name) luaL_error(L, "out of memory");
      e[i].len = len;
      e[i].index = 0;
    } else if (t == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0) {
      e[i].name = NULL;
      e[i].len = 0;
      e[i].index = (size_t)lua_tointeger(L, -1);
    } else {
      luaL_error(L, "%s: element %d must be a name or a 0-based index, got %s", what, (int)i + 1,
                 luaL_typename(L, -1));
    }
    lua_pop(L, 1);
  }
  p->elems = e;
  p->count = n;
  p->label = NULL;
  if (lua_getfield(L, idx, "label") == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    p->label = bloop_arena_memdup(a, s, len);
  }
  lua_pop(L, 1);
}

/* A label for messages: the path's own, or its names joined. */
static void lc_path_text(const bloop_path *p, char *buf, size_t size) {
  if (p->label) {
    snprintf(buf, size, "%s", p->label);
    return;
  }
  size_t k = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < p->count && k + 1 < size; i++) {
    int w = p->elems[i].name
                ? snprintf(buf + k, size - k, "%s%.*s", i ? "." : "", (int)p->elems[i].len,
                           p->elems[i].name)
                : snprintf(buf + k, size - k, "[%zu]", p->elems[i].index);
    if (w < 0) break;
    k += (size_t)w;
  }
}

/* The wire-form value at idx ({S = "x"}, {B = <raw bytes>}, ...; lwire.h) into out,
 * validated as DynamoDB would (empty sets, bad numbers...). Raises code. */
static void lc_wire_value(lua_State *L, int idx, bloop_arena *a, bloop_value *out, const char *code,
                       const char *what) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloopL_value_from_wire(L, idx, a, out, what);
  if (bloop_value_validate(out, what, &err) != BLOOP_OK)
    bloopL_raise_invalid(L, code, code, "%s", err.message);
}

/* The operand spec at idx into *o. Returns 0 when a typed value dumps as absent. */
static int lc_check_operand(lua_State *L, int idx, bloop_arena *a, bloop_operand *o,
                         const char *code, const char *what) {
  idx = lua_absindex(L, idx);
  o->path = NULL;
  o->value = NULL;
  if (lua_type(L, idx) != LUA_TTABLE)
    luaL_error(L, "%s: operand spec expected, got %s", what, luaL_typename(L, idx));
  if (lua_getfield(L, idx, "path") != LUA_TNIL) {
    bloop_path *p = lc_arena_alloc(L, a, sizeof *p);
    lc_check_path(L, -1, a, p, what);
    o->path = p;
    lua_pop(L, 1);
    return 1;
  }
  lua_pop(L, 1);
  bloop_value *v = lc_arena_alloc(L, a, sizeof *v);
  if (lua_getfield(L, idx, "wire") != LUA_TNIL) {
    lc_wire_value(L, -1, a, v, code, what);
    lua_pop(L, 1);
    o->value = v;
    return 1;
  }
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "type") == LUA_TNIL)
    luaL_error(L, "%s: operand spec needs path, wire or type", what);
  lua_getfield(L, idx, "value");                      /* [type, value] */
  lua_getfield(L, idx, "where");                      /* [type, value, where] */
  const char *where = lua_tostring(L, -1);
  int present = 0;
  bloopL_type_dump(L, -3, -2, a, v, &present, where);
  lua_pop(L, 3);
  if (present) o->value = v;
  return present;
}

/* ---- leaves ------------------------------------------------------------------------- */

static const char *const leaf_ops[] = {"eq", "ne", "lt", "le", "gt", "ge", "between",
                                       "begins_with", "contains", "in", "exists",
                                       "not_exists", NULL};
static const bloop_cond_op leaf_kinds[] = {
    BLOOP_COND_EQ, BLOOP_COND_NE, BLOOP_COND_LT, BLOOP_COND_LE, BLOOP_COND_GT, BLOOP_COND_GE,
    BLOOP_COND_BETWEEN, BLOOP_COND_BEGINS_WITH, BLOOP_COND_CONTAINS, BLOOP_COND_IN,
    BLOOP_COND_EXISTS, BLOOP_COND_NOT_EXISTS};

/* core.condition(op, path_spec [, {operand_spec...}]) -> Condition */
static int lc_leaf(lua_State *L) {
  int which = luaL_checkoption(L, 1, NULL, leaf_ops);
  bloop_cond_op op = leaf_kinds[which];
  luaL_checkany(L, 2);
  size_t n = 0;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    n = lua_rawlen(L, 3);
  }
  lua_settop(L, 3);
  scratch *s = lc_push_scratch(L);                       /* [op, path, ops, scratch] */
  cond_box *box = lc_push_box(L);                        /* [op, path, ops, scratch, box] */
  bloop_path path;
  lc_check_path(L, 2, &s->a, &path, "path");
  char label[256];
  lc_path_text(&path, label, sizeof label);
  if (n > BLOOP_COND_IN_MAX + 1) n = BLOOP_COND_IN_MAX + 1;  /* the core names the limit */
  bloop_operand *ops = lc_arena_alloc(L, &s->a, (n ? n : 1) * sizeof *ops);
  for (size_t i = 0; i < n; i++) {
    char what[300];
    snprintf(what, sizeof what, "%s: %s operand %zu", label, leaf_ops[which], i + 1);
    lua_rawgeti(L, 3, (lua_Integer)i + 1);
    int present = lc_check_operand(L, -1, &s->a, &ops[i], "InvalidCondition", what);
    lua_pop(L, 1);
    if (!present) {
      /* bloop's rule: a value that dumps as absent (nil, "", empty set...) means the
       * attribute is absent, which only = and <> can ask about. */
      if (n == 1 && (op == BLOOP_COND_EQ || op == BLOOP_COND_NE)) {
        op = op == BLOOP_COND_EQ ? BLOOP_COND_NOT_EXISTS : BLOOP_COND_EXISTS;
        n = 0;
        break;
      }
      return bloopL_raise_invalid(L, "InvalidCondition", "InvalidCondition",
                                  "%s: %s cannot compare with a value that is absent (nil, "
                                  "an empty set, list or map, or what its type stores as "
                                  "nothing)",
                                  label, leaf_ops[which]);
    }
  }
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_leaf(op, &path, ops, n, &box->c, &err) != BLOOP_OK)
    return lc_raise_err(L, &err, label);
  lua_pushnil(L);                                        /* [.., box, set?] */
  lc_note_model(L, 2);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, 3, (lua_Integer)i + 1);
    lua_getfield(L, -1, "path");                         /* [.., set?, spec, path] */
    lua_remove(L, -2);
    lua_insert(L, -2);                                   /* [.., path, set?] */
    lc_note_model(L, -2);
    lua_remove(L, -2);                                   /* [.., set?] */
  }
  lua_setiuservalue(L, 5, 2);                            /* [.., box] */
  return 1;
}

/* ---- metamethods -------------------------------------------------------------------- */

typedef bloop_status (*combine_fn)(bloop_cond *, bloop_cond *, bloop_cond **, bloop_error *);

static int lc_combine(lua_State *L, combine_fn fn) {
  cond_box *a = lc_check_box(L, 1), *b = lc_check_box(L, 2);
  /* The empty condition is the identity: hand back the other object itself (the left
   * one when both are empty, as bloop does). */
  if (!b->c) {
    lua_settop(L, 1);
    return 1;
  }
  if (!a->c) {
    lua_settop(L, 2);
    return 1;
  }
  cond_box *r = lc_push_box(L);
  bloop_error err = BLOOP_ERROR_INIT;
  if (fn(a->c, b->c, &r->c, &err) != BLOOP_OK) return lc_raise_err(L, &err, NULL);
  lc_merge_models(L, lua_gettop(L), 1, 2);
  return 1;
}

static int lc_and(lua_State *L) { return lc_combine(L, bloop_cond_and); }
static int lc_or(lua_State *L) { return lc_combine(L, bloop_cond_or); }

static int lc_not(lua_State *L) {
  cond_box *a = lc_check_box(L, 1);
  lua_settop(L, 1);
  if (!a->c) return 1;                                /* ~empty is empty (the same object) */
  if (lua_getiuservalue(L, 1, 1) == LUA_TUSERDATA) return 1;  /* ~~x is x */
  lua_pop(L, 1);
  cond_box *r = lc_push_box(L);                          /* [a, r] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_not(a->c, &r->c, &err) != BLOOP_OK) return lc_raise_err(L, &err, NULL);
  lc_merge_models(L, 2, 1, 0);
  if (bloop_cond_kind(r->c) != BLOOP_COND_NOT) return 1;   /* a was a NOT made elsewhere */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  return 1;
}

static int lc_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)bloop_cond_leaves(lc_check_box(L, 1)->c));
  return 1;
}

static int lc_tostring(lua_State *L) {
  cond_box *a = lc_check_box(L, 1);
  bloop_buf *b = bloopL_push_buf(L);                  /* [c, buf] */
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_describe(a->c, b, &err) != BLOOP_OK) return lc_raise_err(L, &err, NULL);
  lua_pushlstring(L, b->data ? b->data : "", b->len); /* [c, buf, text] */
  bloop_buf_free(b);
  return 1;
}

static int lc_gc(lua_State *L) {
  cond_box *a = lc_check_box(L, 1);
  bloop_cond_release(a->c);
  a->c = NULL;
  return 0;
}

/* core.Condition() -> the empty condition */
static int lc_new(lua_State *L) {
  lc_push_box(L);
  return 1;
}

static int lc_is(lua_State *L) {
  lua_pushboolean(L, luaL_testudata(L, 1, BLOOP_CONDITION_META) != NULL);
  return 1;
}

/* ---- render ------------------------------------------------------------------------- */

static const char *const update_ops[] = {"SET", "REMOVE", "ADD", "DELETE", NULL};

/* The Condition in field `name` of the table at 1, or NULL (absent or empty). */
static const bloop_cond *lc_opt_cond(lua_State *L, const char *name) {
  const bloop_cond *c = NULL;
  if (lua_getfield(L, 1, name) != LUA_TNIL) {
    if (!luaL_testudata(L, -1, BLOOP_CONDITION_META))
      luaL_error(L, "render: %s must be a bloop.Condition, got %s", name, luaL_typename(L, -1));
    c = lc_check_box(L, -1)->c;
  }
  lua_pop(L, 1);  /* the Condition stays referenced by the argument table */
  return c;
}

static void lc_render_projection(lua_State *L, scratch *s) {
  bloop_error err = BLOOP_ERROR_INIT;
  if (lua_getfield(L, 1, "projection") == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  luaL_argexpected(L, lua_type(L, -1) == LUA_TTABLE, 1, "projection list");
  int t = lua_gettop(L);
  size_t n = lua_rawlen(L, t);
  bloop_path *paths = lc_arena_alloc(L, &s->a, (n ? n : 1) * sizeof *paths);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, t, (lua_Integer)i + 1);
    lc_check_path(L, -1, &s->a, &paths[i], "projection");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (bloop_expr_projection(s->x, paths, n, &err) != BLOOP_OK) lc_raise_err(L, &err, NULL);
}

static void lc_render_update(lua_State *L, scratch *s) {
  bloop_error err = BLOOP_ERROR_INIT;
  if (lua_getfield(L, 1, "update") == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  luaL_argexpected(L, lua_type(L, -1) == LUA_TTABLE, 1, "update list");
  int t = lua_gettop(L);
  size_t n = lua_rawlen(L, t);
  if (n > BLOOP_EXPR_UPDATE_MAX_OPS + 1) n = BLOOP_EXPR_UPDATE_MAX_OPS + 1;  /* core names it */
  bloop_update *u = lc_arena_alloc(L, &s->a, (n ? n : 1) * sizeof *u);
  for (size_t i = 0; i < n; i++) {
    char what[64];
    lua_rawgeti(L, t, (lua_Integer)i + 1);            /* [..., action] */
    int a = lua_gettop(L);
    luaL_argexpected(L, lua_type(L, a) == LUA_TTABLE, 1, "update action table");
    lua_rawgeti(L, a, 1);
    const char *kind = lua_tostring(L, -1);
    int k = -1;
    for (int j = 0; kind && update_ops[j]; j++)
      if (strcmp(kind, update_ops[j]) == 0) k = j;
    if (k < 0) luaL_error(L, "update action %d: SET, REMOVE, ADD or DELETE expected", (int)i + 1);
    lua_pop(L, 1);
    snprintf(what, sizeof what, "%s action %zu", update_ops[k], i + 1);
    u[i].op = (bloop_update_op)k;
    lua_rawgeti(L, a, 2);
    lc_check_path(L, -1, &s->a, &u[i].path, what);
    lua_pop(L, 1);
    u[i].operand.path = NULL;
    u[i].operand.value = NULL;
    u[i].fn = BLOOP_UPDATE_FN_NONE;   /* the arena does not zero */
    if (u[i].op != BLOOP_UPDATE_REMOVE) {
      lua_rawgeti(L, a, 3);
      if (!lc_check_operand(L, -1, &s->a, &u[i].operand, "InvalidRequest", what)) {
        /* bloop's rule: setting an absent value removes the attribute. */
        if (u[i].op != BLOOP_UPDATE_SET)
          bloopL_raise_invalid(L, "InvalidRequest", "InvalidRequest",
                               "%s: %s needs a value, got an absent one", what,
                               update_ops[k]);
        u[i].op = BLOOP_UPDATE_REMOVE;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (bloop_expr_update(s->x, u, n, &err) != BLOOP_OK) lc_raise_err(L, &err, NULL);
}

/* core.render{ condition=, filter=, key=, hash_key=, range_key=, projection=, update= }
 * -> { ConditionExpression=..., ..., ExpressionAttributeNames=...,
 *       ExpressionAttributeValues=... } */
static int lc_render(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  scratch *s = lc_push_scratch(L);                       /* [opts, scratch] */
  if (!(s->x = bloop_expr_new())) return luaL_error(L, "out of memory");
  bloop_error err = BLOOP_ERROR_INIT;
  const bloop_cond *c = lc_opt_cond(L, "condition");
  if (bloop_expr_condition(s->x, BLOOP_EXPR_CONDITION, c, &err) != BLOOP_OK)
    return lc_raise_err(L, &err, NULL);
  c = lc_opt_cond(L, "filter");
  if (bloop_expr_condition(s->x, BLOOP_EXPR_FILTER, c, &err) != BLOOP_OK)
    return lc_raise_err(L, &err, NULL);
  lua_getfield(L, 1, "key");
  int has_key = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (has_key) {
    c = lc_opt_cond(L, "key");
    lua_getfield(L, 1, "hash_key");
    lua_getfield(L, 1, "range_key");                  /* [opts, scratch, hash, range] */
    const char *hash = lua_tostring(L, -2), *range = lua_tostring(L, -1);
    if (!hash) return luaL_error(L, "render: key needs hash_key (the hash key's attribute name)");
    if (bloop_expr_key(s->x, c, hash, range, &err) != BLOOP_OK) return lc_raise_err(L, &err, NULL);
    lua_pop(L, 2);
  }
  lc_render_projection(L, s);
  lc_render_update(L, s);
  bloop_buf *b = bloopL_push_buf(L);                  /* [opts, scratch, buf] */
  int wrote = 0;
  bloop_buf_putc(b, '{');
  bloop_status st = bloop_expr_to_json(s->x, b, &wrote, &err);
  bloop_buf_putc(b, '}');
  if (st == BLOOP_OK && b->failed) st = BLOOP_ENOMEM;
  int ok = st == BLOOP_OK && bloopL_push_json(L, b->data, b->len);
  bloop_buf_free(b);
  if (!ok) {
    if (st == BLOOP_OK) bloop_error_set(&err, BLOOP_ENOMEM, "OutOfMemory", "rendering failed");
    return lc_raise_err(L, &err, NULL);
  }
  return 1;
}

/* ---- opener ------------------------------------------------------------------------- */

static const luaL_Reg cond_meta[] = {
    {"__band", lc_and}, {"__bor", lc_or},     {"__bnot", lc_not}, {"__len", lc_len},
    {"__tostring", lc_tostring}, {"__gc", lc_gc}, {NULL, NULL}};

static const luaL_Reg scratch_meta[] = {
    {"__gc", lc_scratch_gc}, {"__close", lc_scratch_gc}, {NULL, NULL}};

static const luaL_Reg cond_funcs[] = {{"Condition", lc_new},
                                      {"condition", lc_leaf},
                                      {"is_condition", lc_is},
                                      {"condition_models", lc_models},
                                      {"render", lc_render},
                                      {NULL, NULL}};

int bloopL_open_cond(lua_State *L) {
  bloopL_createmeta(L, BLOOP_CONDITION_META, NULL, cond_meta);   /* [core] */
  bloopL_createmeta(L, BLOOP_COND_SCRATCH_META, NULL, scratch_meta);
  luaL_setfuncs(L, cond_funcs, 0);
  return 0;
}
