/*
 * lfast.c: item text straight into column values (lfast.h).
 *
 * Memory: a compiled spec's nodes live in an arena inside its userdata (freed by __gc);
 * the strings they point at (column, attribute and field names) are kept alive by the
 * userdata's user value, a table of them. Decoding allocates no C memory: values are
 * pushed as they are read.
 */
#include "lua/lfast.h"

#include "lua/lbloop.h"

#include <lauxlib.h>
#include <string.h>

#include "base/json_read.h"
#include "base/utf8.h"
#include "bloop/decimal.h"
#include "lua/ldecimal.h"
#include "lua/lmeta.h"
#include "lua/ltypes.h"
#include "lua/lvalues.h"
#include "lua/lwire.h"

/* Types nested deeper than this are left to the full path (DynamoDB's limit is 32 levels
 * of L and M; the reader counts them its own way). */
#define FAST_DEPTH 16

typedef struct lf_node lf_node;

typedef struct lf_field {
  const char *name;
  size_t len;
  int ref;                 /* the name string in the refs table */
  const lf_node *type;
} lf_field;

struct lf_node {
  int kind;                /* BLOOPL_K_* */
  bloop_type tag;          /* the attribute type it loads from and dumps to */
  int load, dump;          /* no Lua dynamo_load / dynamo_dump in it, its own or inside */
  const lf_node *inner;    /* Set and List */
  size_t nfields;          /* Map: its fields, in its _fields order */
  lf_field *fields;
};

typedef struct lf_spec {
  bloop_arena arena;       /* nodes and columns */
  int load, dump;          /* every column has a node, and it loads / dumps here */
  size_t ncols;
  lf_field *cols;          /* name: the attribute (dynamo) name; ref: the column name */
} lf_spec;

static const char lf_key = 'f';   /* the compiled spec, in the spec table */

/* ---- compiling ----------------------------------------------------------------------- */

typedef struct lf_build {
  lua_State *L;
  lf_spec *cs;
  int refs;                /* absolute index of the refs table */
  int nref;
} lf_build;

/* Keeps the value at idx in the refs table; returns its ref. */
static int lf_keep(lf_build *b, int idx) {
  lua_pushvalue(b->L, idx);
  lua_rawseti(b->L, b->refs, ++b->nref);
  return b->nref;
}

/* Keeps the name (an attribute's or a Map field's) at idx: its ref, its bytes in *s and
 * *len. 0 when it is not a string, or not UTF-8 text without NUL: the reader refuses
 * such a name in a text, so it is left to it. */
static int lf_ref(lf_build *b, int idx, const char **s, size_t *len) {
  if (lua_type(b->L, idx) != LUA_TSTRING) return 0;
  *s = lua_tolstring(b->L, idx, len);
  if (!bloopi_utf8_valid(*s, *len) || memchr(*s, '\0', *len)) return 0;
  return lf_keep(b, idx);
}

static const lf_node *lf_node_of(lf_build *b, int t, int depth);

/* [] -> []: n's inner node, from the type at t's `inner`. */
static int lf_inner(lf_build *b, lf_node *n, int t, int depth) {
  lua_State *L = b->L;
  bloopL_type_field(L, t, "inner");                /* [inner?] */
  int it = bloopL_type_resolve(L, -1);             /* [inner?, inner] */
  n->inner = lf_node_of(b, it, depth + 1);
  lua_pop(L, 2);
  if (!n->inner) return 0;
  n->load &= n->inner->load;
  n->dump &= n->inner->dump;
  return 1;
}

/* [] -> []: n's fields, from the Map type at t. */
static int lf_fields(lf_build *b, lf_node *n, int t, int depth) {
  lua_State *L = b->L;
  bloopL_type_field(L, t, "types");
  int types = lua_gettop(L);
  bloopL_type_field(L, t, "_fields");
  int names = lua_gettop(L);
  int ok = lua_istable(L, types) && lua_istable(L, names);
  n->nfields = ok ? lua_rawlen(L, names) : 0;
  n->fields = bloop_arena_calloc(&b->cs->arena, n->nfields ? n->nfields : 1, sizeof *n->fields);
  if (!n->fields) return luaL_error(L, "bloop: out of memory");
  for (size_t i = 0; ok && i < n->nfields; i++) {
    lf_field *f = &n->fields[i];
    lua_rawgeti(L, names, (lua_Integer)i + 1);     /* [name] */
    f->ref = lf_ref(b, -1, &f->name, &f->len);
    lua_rawget(L, types);                          /* [ftype] */
    ok = f->ref && !lua_isnil(L, -1);
    if (ok) {
      int ft = bloopL_type_resolve(L, -1);         /* [ftype, ft] */
      ok = (f->type = lf_node_of(b, ft, depth + 1)) != NULL;
      if (ok) {
        n->load &= f->type->load;
        n->dump &= f->type->dump;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_settop(L, types - 1);
  return ok;
}

/* The node of the type object at t, or NULL when its values are left to the full path
 * (a kind not read here); its load / dump flags say whether a Lua override is in it. */
static const lf_node *lf_node_of(lf_build *b, int t, int depth) {
  lua_State *L = b->L;
  int kind = bloopL_type_kind(L, t);
  if (!kind || depth > FAST_DEPTH) return NULL;
  lf_node *n = bloop_arena_calloc(&b->cs->arena, 1, sizeof *n);
  if (!n) luaL_error(L, "bloop: out of memory");
  n->kind = kind;
  n->tag = bloopL_type_stores_kind(L, t, kind);
  n->load = !bloopL_type_flag(L, t, "_load_lua");
  n->dump = !bloopL_type_flag(L, t, "_dump_lua");
  switch (kind) {
    case BLOOPL_K_STRING:
    case BLOOPL_K_NUMBER:
    case BLOOPL_K_INTEGER:
    case BLOOPL_K_FLOAT:
    case BLOOPL_K_BOOLEAN: return n;
    case BLOOPL_K_SET:
      /* members are plain strings: S or N, loaded by a scalar inner type */
      if (n->tag != BLOOP_TYPE_SS && n->tag != BLOOP_TYPE_NS) return NULL;
      if (!lf_inner(b, n, t, depth)) return NULL;
      if (n->inner->tag != bloop_type_member(n->tag)) return NULL;
      return n;
    case BLOOPL_K_LIST: return lf_inner(b, n, t, depth) ? n : NULL;
    case BLOOPL_K_MAP: return lf_fields(b, n, t, depth) ? n : NULL;
    default: return NULL;
  }
}

static int lf_gc(lua_State *L) {
  lf_spec *cs = luaL_checkudata(L, 1, BLOOP_FAST_SPEC_META);
  bloop_arena_free(&cs->arena);
  cs->load = cs->dump = 0;
  cs->ncols = 0;
  return 0;
}

/* [] -> [cs]: the spec at spec compiled (lsnapshot.h's entries: name, dynamo name, type). */
static lf_spec *lf_compile(lua_State *L, int spec) {
  size_t n = lua_rawlen(L, spec);
  luaL_checkstack(L, 16, "bloop: column spec");
  lf_spec *cs = bloopL_newbox(L, sizeof *cs, 1, BLOOP_FAST_SPEC_META);   /* [cs] */
  int ud = lua_gettop(L);
  lua_createtable(L, (int)n * 2, 0);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, ud, 1);                                           /* [cs, refs] */
  lf_build b = {L, cs, lua_gettop(L), 0};
  cs->cols = bloop_arena_calloc(&cs->arena, n ? n : 1, sizeof *cs->cols);
  if (!cs->cols) luaL_error(L, "bloop: out of memory");
  cs->ncols = n;
  int usable = 1;
  cs->load = cs->dump = 1;
  for (size_t i = 0; usable && i < n; i++) {
    lf_field *c = &cs->cols[i];
    int e = lua_gettop(L) + 1;
    if (lua_rawgeti(L, spec, (lua_Integer)i + 1) != LUA_TTABLE) {      /* [.., e] */
      usable = 0;
      break;
    }
    lua_rawgeti(L, e, 1);
    lua_rawgeti(L, e, 2);
    lua_rawgeti(L, e, 3);                                   /* [.., e, name, dyn, type] */
    c->ref = lua_type(L, e + 1) == LUA_TSTRING ? lf_keep(&b, e + 1) : 0;
    int dyn = lf_ref(&b, e + 2, &c->name, &c->len);
    if (!c->ref || !dyn || !lua_istable(L, e + 3)) {
      usable = 0;
    } else {
      int t = bloopL_type_resolve(L, e + 3);
      usable = (c->type = lf_node_of(&b, t, 0)) != NULL;
      if (usable) {
        cs->load &= c->type->load;
        cs->dump &= c->type->dump;
      }
    }
    lua_settop(L, e - 1);
  }
  if (!usable) cs->load = cs->dump = 0;
  lua_pop(L, 1);                                                         /* [cs] */
  lua_pushvalue(L, -1);
  lua_rawsetp(L, spec, &lf_key);
  return cs;
}

/* ---- decoding ------------------------------------------------------------------------ */

typedef struct lf_read {
  lua_State *L;
  bloopi_jr r;
  int refs;
} lf_read;

static int lf_value(lf_read *x, const lf_node *n);

/* [] -> [number]: the N text s through a numeric kind, as lload.c's llo_number. */
static int lf_number(lf_read *x, int kind, const char *s, size_t len) {
  bloop_decimal d;
  int64_t i;
  if (bloop_decimal_parse(&d, s, len, NULL) != BLOOP_OK) return 0;
  switch (kind) {
    case BLOOPL_K_NUMBER: bloopL_push_decimal(x->L, d); return 1;
    case BLOOPL_K_FLOAT: lua_pushnumber(x->L, (lua_Number)bloop_decimal_to_double(d)); return 1;
    case BLOOPL_K_INTEGER:
      if (!bloop_decimal_is_integer(d) || bloop_decimal_to_int64(d, &i, NULL) != BLOOP_OK)
        return 0;
      lua_pushinteger(x->L, (lua_Integer)i);
      return 1;
    default: return 0;
  }
}

/* [] -> [value]: a plain string payload (S, or N through n's kind). */
static int lf_scalar(lf_read *x, const lf_node *n) {
  const char *s;
  size_t len;
  if (!bloopi_jr_plain_string(&x->r, &s, &len)) return 0;
  if (n->tag == BLOOP_TYPE_N) return lf_number(x, n->kind, s, len);
  if (!bloopi_utf8_valid(s, len)) return 0;
  lua_pushlstring(x->L, s, len);
  return 1;
}

/* After an element: 1 when another follows (',' consumed), 0 at the close (consumed), -1
 * when neither is there. */
static int lf_more(lf_read *x, char close) {
  if (bloopi_jr_eat(&x->r, ',')) return 1;
  return bloopi_jr_eat(&x->r, close) ? 0 : -1;
}

/* [] -> [set]: a set payload, members through n's inner type; a duplicate (or a member
 * equal to another once loaded) gives up, as the reader refuses one. */
static int lf_set(lf_read *x, const lf_node *n) {
  lua_State *L = x->L;
  if (!bloopi_jr_eat(&x->r, '[') || bloopi_jr_peek(&x->r) == ']') return 0;  /* empty */
  int count = 0, more = 1;
  while (more == 1) {                               /* the members, on the stack */
    if (!lua_checkstack(L, 4) || !lf_scalar(x, n->inner)) return 0;
    count++;
    more = lf_more(x, ']');
  }
  return more == 0 && bloopL_set_of(L, count);
}

/* [] -> [list]: a list payload, elements through n's inner type. */
static int lf_list(lf_read *x, const lf_node *n) {
  lua_State *L = x->L;
  if (!bloopi_jr_eat(&x->r, '[')) return 0;
  lua_newtable(L);
  if (bloopi_jr_eat(&x->r, ']')) return 1;
  int more = 1;
  for (lua_Integer k = 1; more == 1; k++) {
    if (!lf_value(x, n->inner)) return 0;
    lua_rawseti(L, -2, k);
    more = lf_more(x, ']');
  }
  return more == 0;
}

/* Reads the members of an object ('{' next) into the slots base+1.. of the entries of
 * fs[0..nf) (by name; each a node's value); 0 for an unknown or repeated name. */
static int lf_members(lf_read *x, const lf_field *fs, size_t nf, int base) {
  lua_State *L = x->L;
  if (!bloopi_jr_eat(&x->r, '{')) return 0;
  if (bloopi_jr_eat(&x->r, '}')) return 1;
  int more = 1;
  while (more == 1) {
    const char *name;
    size_t len, i;
    if (!bloopi_jr_plain_string(&x->r, &name, &len) || !bloopi_jr_eat(&x->r, ':')) return 0;
    for (i = 0; i < nf; i++)
      if (fs[i].len == len && memcmp(fs[i].name, name, len) == 0) break;
    if (i == nf || !lua_isnil(L, base + 1 + (int)i)) return 0;
    if (!lf_value(x, fs[i].type)) return 0;
    lua_replace(L, base + 1 + (int)i);
    more = lf_more(x, '}');
  }
  return more == 0;
}

/* [] -> [map]: a map payload, its declared fields through their types (the table is
 * filled in the fields' order, as lload.c's llo_map fills it). */
static int lf_map(lf_read *x, const lf_node *n) {
  lua_State *L = x->L;
  int base = lua_gettop(L);
  luaL_checkstack(L, (int)n->nfields + 8, "bloop: value nested too deeply");
  for (size_t i = 0; i < n->nfields; i++) lua_pushnil(L);
  if (!lf_members(x, n->fields, n->nfields, base)) return 0;
  lua_createtable(L, 0, (int)n->nfields);                /* [slots.., map] */
  for (size_t i = 0; i < n->nfields; i++) {
    lua_rawgeti(L, x->refs, n->fields[i].ref);
    lua_pushvalue(L, base + 1 + (int)i);
    lua_rawset(L, -3);
  }
  lua_replace(L, base + 1);
  lua_settop(L, base + 1);
  return 1;
}

/* [] -> [value]: one attribute value {"TAG": payload} of n's wire type. */
static int lf_value(lf_read *x, const lf_node *n) {
  const char *tag;
  size_t tlen;
  luaL_checkstack(x->L, 8, "bloop: value nested too deeply");
  if (!bloopi_jr_eat(&x->r, '{') || !bloopi_jr_plain_string(&x->r, &tag, &tlen) ||
      !bloopi_jr_eat(&x->r, ':') || bloop_type_from_tag(tag, tlen) != n->tag)
    return 0;
  int ok;
  switch (n->tag) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N: ok = lf_scalar(x, n); break;
    case BLOOP_TYPE_BOOL:
      ok = bloopi_jr_word(&x->r, "true", 4);
      if (ok || bloopi_jr_word(&x->r, "false", 5)) {
        lua_pushboolean(x->L, ok);
        ok = 1;
      }
      break;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS: ok = lf_set(x, n); break;
    case BLOOP_TYPE_L: ok = lf_list(x, n); break;
    case BLOOP_TYPE_M: ok = lf_map(x, n); break;
    default: ok = 0; break;
  }
  return ok && bloopi_jr_eat(&x->r, '}');
}

/* [] -> [cs]: the spec at spec_idx compiled (the first time, then kept in it). */
static lf_spec *lf_spec_of(lua_State *L, int spec_idx) {
  if (lua_rawgetp(L, spec_idx, &lf_key) == LUA_TUSERDATA) return lua_touserdata(L, -1);
  lua_pop(L, 1);
  return lf_compile(L, spec_idx);
}

int bloopL_fast_decode(lua_State *L, int spec_idx, const char *text, size_t len,
                       size_t *used) {
  spec_idx = lua_absindex(L, spec_idx);
  int top = lua_gettop(L);
  lf_spec *cs = lf_spec_of(L, spec_idx);                     /* [cs] */
  if (!cs->load || !text) {
    lua_settop(L, top);
    return 0;
  }
  luaL_checkstack(L, (int)cs->ncols + 16, "bloop: column spec");
  lua_getiuservalue(L, top + 1, 1);                           /* [cs, refs] */
  lf_read x = {L, {0}, top + 2};
  bloopi_jr_init(&x.r, text, len, NULL, NULL, "Item");
  for (size_t i = 0; i < cs->ncols; i++) lua_pushnil(L);     /* [cs, refs, slots..] */
  if (lf_members(&x, cs->cols, cs->ncols, top + 2)) {
    *used = (size_t)(x.r.p - text);
    return (int)cs->ncols + 2;
  }
  lua_settop(L, top);
  return 0;
}

void bloopL_fast_store(lua_State *L, int block, int data_idx) {
  block = lua_absindex(L, block);
  data_idx = lua_absindex(L, data_idx);
  const lf_spec *cs = lua_touserdata(L, block);             /* [cs, refs, slots..] */
  for (size_t i = 0; i < cs->ncols; i++) {
    lua_rawgeti(L, block + 1, cs->cols[i].ref);              /* [.., name] */
    lua_pushvalue(L, block + 2 + (int)i);
    lua_rawset(L, data_idx);
  }
  lua_settop(L, block - 1);
}

/* ---- dumping -------------------------------------------------------------------------
 * The same nodes the other way: a Lua value into a bloop_value, for the values ldump.c
 * dumps without a message. Anything it would refuse gives up (0), and so does a table
 * read through metamethods there (a Map value with a metatable), so the full path, run
 * from the start, raises what it always raised and runs what it always ran. */

typedef struct lf_dump {
  lua_State *L;
  bloop_arena *a;
  int refs;                /* absolute index of the refs table */
} lf_dump;

static int lfd_value(lf_dump *d, const lf_node *n, int v, bloop_value *out, int *present,
                     int depth);

/* The number or decimal at v as a decimal, as ldump.c's ldu_to_decimal takes it. */
static int lfd_decimal(lua_State *L, int v, bloop_decimal *out) {
  if (lua_type(L, v) == LUA_TNUMBER) {
    if (lua_isinteger(L, v)) {
      *out = bloop_decimal_from_int64(lua_tointeger(L, v));
      return 1;
    }
    double x = lua_tonumber(L, v);
    return x == x && x - x == 0 && bloop_decimal_from_double(out, x, NULL) == BLOOP_OK;
  }
  const bloop_decimal *p = luaL_testudata(L, v, BLOOP_DECIMAL_META);
  if (!p) return 0;
  *out = *p;
  return 1;
}

/* Number, Float and Integer (an integral float is an Integer's; a decimal must be whole). */
static int lfd_number(lf_dump *d, int kind, int v, bloop_value *out) {
  lua_State *L = d->L;
  bloop_decimal x;
  int64_t i;
  if (kind == BLOOPL_K_INTEGER && lua_type(L, v) == LUA_TNUMBER && !lua_isinteger(L, v)) {
    lua_Integer k = 0;
    lua_Number f = lua_tonumber(L, v);
    if (!lua_numbertointeger(f, &k) || (lua_Number)k != f) return 0;
    x = bloop_decimal_from_int64(k);
  } else if (!lfd_decimal(L, v, &x)) {
    return 0;
  } else if (kind == BLOOPL_K_INTEGER &&
             (!bloop_decimal_is_integer(x) || bloop_decimal_to_int64(x, &i, NULL) != BLOOP_OK)) {
    return 0;
  }
  return bloop_value_set_n_decimal(out, d->a, x, NULL) == BLOOP_OK;
}

/* Set and List: the elements through n's inner type, as ldump.c's ldu_sequence. */
static int lfd_sequence(lf_dump *d, const lf_node *n, int v, bloop_value *out, int *present,
                        int depth) {
  lua_State *L = d->L;
  size_t count;
  if (lua_type(L, v) != LUA_TTABLE) return 0;
  if (bloopL_is_set(L, v)) {
    if (n->kind == BLOOPL_K_LIST) return 0;
    count = lua_rawlen(L, v);
  } else {
    bloopL_shape shape = bloopL_table_shape(L, v, &count);
    if (shape == BLOOPL_SHAPE_MAP || shape == BLOOPL_SHAPE_MIXED) return 0;
  }
  if (count == 0) {
    *present = 0;
    return 1;
  }
  bloop_type et = bloop_type_member(n->tag);        /* NONE for L */
  if (bloop_value_set_list(out, d->a, n->tag, count, NULL) != BLOOP_OK) return 0;
  for (size_t i = 1; i <= count; i++) {
    lua_rawgeti(L, v, (lua_Integer)i);
    bloop_value *slot = bloop_value_append(out, d->a);
    int p = 1, ok = slot != NULL;
    if (ok && n->tag == BLOOP_TYPE_L && bloopL_is_null(L, -1))
      bloop_value_set_null(slot);
    else if (ok)
      ok = lfd_value(d, n->inner, lua_gettop(L), slot, &p, depth + 1);
    lua_pop(L, 1);
    if (!ok || (p && et != BLOOP_TYPE_NONE && slot->type != et)) return 0;
    if (!p) bloop_value_pop(out);
  }
  if (bloop_value_count(out) == 0) *present = 0;
  else if (n->tag != BLOOP_TYPE_L && bloop_value_dedupe(out, NULL) != BLOOP_OK) return 0;
  return 1;
}

/* Map: every key a declared field, each field through its type, as ldump.c's ldu_map. */
static int lfd_map(lf_dump *d, const lf_node *n, int v, bloop_value *out, int *present,
                   int depth) {
  lua_State *L = d->L;
  if (lua_type(L, v) != LUA_TTABLE || !lua_checkstack(L, 4)) return 0;
  if (lua_getmetatable(L, v)) {                     /* a set, or fields behind __index */
    lua_pop(L, 1);
    return 0;
  }
  lua_pushnil(L);
  while (lua_next(L, v)) {                          /* [k, value] */
    lua_pop(L, 1);
    size_t klen, i = n->nfields;
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &klen) : NULL;
    for (i = 0; k && i < n->nfields; i++)
      if (n->fields[i].len == klen && memcmp(n->fields[i].name, k, klen) == 0) break;
    if (!k || i == n->nfields) {
      lua_pop(L, 1);
      return 0;
    }
  }
  if (bloop_value_set_map(out, d->a, n->nfields, NULL) != BLOOP_OK) return 0;
  for (size_t i = 0; i < n->nfields; i++) {
    const lf_field *f = &n->fields[i];
    lua_rawgeti(L, d->refs, f->ref);
    lua_rawget(L, v);                               /* [field value] */
    bloop_value *slot = bloop_value_map_add(out, d->a, f->name, f->len);
    int p = 1, ok = slot && lfd_value(d, f->type, lua_gettop(L), slot, &p, depth + 1);
    lua_pop(L, 1);
    if (!ok) return 0;
    if (!p) bloop_value_pop(out);
  }
  if (bloop_value_count(out) == 0) *present = 0;
  return 1;
}

/* The Lua value at v through n into *out (*present 0: it dumps to nothing); 0 to leave it
 * to the full path. */
static int lfd_value(lf_dump *d, const lf_node *n, int v, bloop_value *out, int *present,
                     int depth) {
  lua_State *L = d->L;
  size_t len;
  const char *str;
  *present = 1;
  if (lua_isnil(L, v)) {
    *present = 0;
    return 1;
  }
  if (!lua_checkstack(L, 4)) return 0;
  switch (n->kind) {
    case BLOOPL_K_STRING:
      if (lua_type(L, v) != LUA_TSTRING) return 0;
      str = lua_tolstring(L, v, &len);
      return bloopi_utf8_valid(str, len) &&
             bloop_value_set_s(out, d->a, str, len, NULL) == BLOOP_OK;
    case BLOOPL_K_NUMBER:
    case BLOOPL_K_FLOAT:
    case BLOOPL_K_INTEGER: return lfd_number(d, n->kind, v, out);
    case BLOOPL_K_BOOLEAN:
      if (lua_type(L, v) != LUA_TBOOLEAN) return 0;
      bloop_value_set_bool(out, lua_toboolean(L, v));
      return 1;
    case BLOOPL_K_SET:
    case BLOOPL_K_LIST: return lfd_sequence(d, n, v, out, present, depth);
    case BLOOPL_K_MAP: return lfd_map(d, n, v, out, present, depth);
    default: return 0;
  }
}

int bloopL_fast_dump(lua_State *L, int spec_idx, int data_idx, bloop_arena *a,
                     bloop_value *item) {
  spec_idx = lua_absindex(L, spec_idx);
  data_idx = lua_absindex(L, data_idx);
  int top = lua_gettop(L);
  lf_spec *cs = lf_spec_of(L, spec_idx);                     /* [cs] */
  luaL_checkstack(L, 16, "bloop: column spec");
  lua_getiuservalue(L, top + 1, 1);                          /* [cs, refs] */
  lf_dump d = {L, a, top + 2};
  int ok = cs->dump && bloop_value_set_map(item, a, cs->ncols, NULL) == BLOOP_OK;
  int absent = 0;                                            /* the table's index, once made */
  for (size_t i = 0; ok && i < cs->ncols; i++) {
    const lf_field *c = &cs->cols[i];
    lua_rawgeti(L, d.refs, c->ref);                          /* [.., name] */
    lua_pushvalue(L, -1);
    lua_rawget(L, data_idx);                                 /* [.., name, value] */
    bloop_value out;
    int present;
    ok = lfd_value(&d, c->type, lua_gettop(L), &out, &present, 0);
    if (ok && present) {
      bloop_value *slot = bloop_value_map_add(item, a, c->name, c->len);
      if ((ok = slot != NULL)) *slot = out;
      lua_pop(L, 2);
    } else if (ok) {                                         /* absent[name] = true */
      lua_pop(L, 1);
      if (!absent) {
        lua_createtable(L, 0, 4);
        lua_insert(L, -2);
        absent = lua_gettop(L) - 1;
      }
      lua_pushboolean(L, 1);
      lua_rawset(L, absent);
    }
  }
  if (!ok) {
    lua_settop(L, top);
    return 0;
  }
  if (absent) lua_replace(L, top + 1);
  else lua_pushnil(L), lua_replace(L, top + 1);
  lua_settop(L, top + 1);                                    /* [absent or nil] */
  return 1;
}

static const luaL_Reg fast_meta[] = {{"__gc", lf_gc}, {NULL, NULL}};

int bloopL_open_fast(lua_State *L) {
  bloopL_createmeta(L, BLOOP_FAST_SPEC_META, NULL, fast_meta);
  return 0;
}
