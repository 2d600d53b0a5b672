/*
 * model.c: validating a model declaration and keeping a private copy of it (model.h).
 * The whole model lives in one arena, so a model is two mallocs and one free.
 */
#include "bloop/model.h"

#include <stdlib.h>
#include <string.h>

#include "bloop/arena.h"

struct bloop_model {
  int refs;
  bloop_arena arena;
  const char *name;
  bloop_model_meta meta;
  bloop_column *columns;
  size_t column_count;
  bloop_index *indexes;
  size_t index_count;
  const bloop_column *hash, *range, *version, *ttl;
};

static const char *dup(bloop_arena *a, const char *s) {
  return s ? bloop_arena_memdup(a, s, strlen(s)) : NULL;
}

static int is_key_type(bloop_type t) {
  return t == BLOOP_TYPE_S || t == BLOOP_TYPE_N || t == BLOOP_TYPE_B;
}

static const bloop_column *find_col(const bloop_model *m, const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < m->column_count; i++)
    if (strcmp(m->columns[i].name, name) == 0) return &m->columns[i];
  return NULL;
}

#define INVALID(...) bloop_error_set(err, BLOOP_EINVAL, "InvalidModel", __VA_ARGS__)
#define FAIL(...) do { st = INVALID(__VA_ARGS__); goto fail; } while (0)

static bloop_status nomem(const bloop_model *m, bloop_error *err) {
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "%s: out of memory", m->name);
}

static bloop_status index_key(const bloop_model *m, const bloop_index_decl *d, const char *which,
                              const char *colname, const bloop_column **out,
                              bloop_error *err) {
  const bloop_column *c = find_col(m, colname);
  if (!c)
    return INVALID("%s: index \"%s\": %s key \"%s\" is not a column", m->name, d->name, which,
                   colname);
  if (!is_key_type(c->type))
    return INVALID("%s: index \"%s\": %s key column \"%s\" must be S, N or B (got %s)", m->name,
                   d->name, which, colname, bloop_type_name(c->type));
  *out = c;
  return BLOOP_OK;
}

/* The column rules (names, dynamo names, key roles and types, version), one column at a
 * time in declaration order, so the first broken column is the one named. Fills
 * m->columns[0..n) and m->hash / range / version; m->columns has room for n. */
static bloop_status add_columns(bloop_model *m, const bloop_column_decl *cols, size_t n,
                                bloop_error *err) {
  bloop_status st = BLOOP_OK;
  bloop_arena *a = &m->arena;
  for (size_t i = 0; i < n; i++) {
    const bloop_column_decl *d = &cols[i];
    bloop_column *c = &m->columns[i];
    if (!d->name || !*d->name) FAIL("%s: column %zu has no name", m->name, i + 1);
    const char *dn = d->dynamo_name ? d->dynamo_name : d->name;
    if (!*dn) FAIL("%s: column \"%s\": empty dynamo_name", m->name, d->name);
    for (size_t j = 0; j < i; j++) {
      if (strcmp(m->columns[j].name, d->name) == 0)
        FAIL("%s: two columns named \"%s\"", m->name, d->name);
      if (strcmp(m->columns[j].dynamo_name, dn) == 0)
        FAIL("%s: columns \"%s\" and \"%s\" have one dynamo_name \"%s\"", m->name,
             m->columns[j].name, d->name, dn);
    }
    if (d->type <= BLOOP_TYPE_NONE || d->type > BLOOP_TYPE_M)
      FAIL("%s: column \"%s\": no DynamoDB type", m->name, d->name);
    c->name = dup(a, d->name);
    c->dynamo_name = dup(a, dn);
    if (!c->name || !c->dynamo_name) goto oom;
    c->type = d->type;
    c->key = d->key;
    c->version = d->version != 0;
    c->pos = i;
    if (c->key != BLOOP_KEY_NONE && !is_key_type(c->type))
      FAIL("%s: column \"%s\": a key must be S, N or B (got %s)", m->name, c->name,
           bloop_type_name(c->type));
    if (c->key == BLOOP_KEY_HASH) {
      if (m->hash) FAIL("%s: two hash keys: \"%s\" and \"%s\"", m->name, m->hash->name, c->name);
      m->hash = c;
    } else if (c->key == BLOOP_KEY_RANGE) {
      if (m->range)
        FAIL("%s: two range keys: \"%s\" and \"%s\"", m->name, m->range->name, c->name);
      m->range = c;
    } else if (c->key != BLOOP_KEY_NONE) {
      FAIL("%s: column \"%s\": unknown key role", m->name, c->name);
    }
    if (c->version) {
      if (c->type != BLOOP_TYPE_N)
        FAIL("%s: column \"%s\": a version column must be N (got %s)", m->name, c->name,
             bloop_type_name(c->type));
      if (c->key != BLOOP_KEY_NONE)
        FAIL("%s: column \"%s\": a version column cannot be a key", m->name, c->name);
      if (m->version)
        FAIL("%s: two version columns: \"%s\" and \"%s\"", m->name, m->version->name, c->name);
      m->version = c;
    }
  }
  return BLOOP_OK;
oom:
  return nomem(m, err);
fail:
  return st;
}

bloop_status bloop_model_check_columns(const char *model_name, const bloop_column_decl *cols,
                                       size_t n, bloop_error *err) {
  if (!model_name || !*model_name)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidModel", "a model needs a name");
  if (n && !cols) return bloop_error_set(err, BLOOP_EINVAL, "InvalidModel", "%s: columns missing",
                                         model_name);
  bloop_model m;
  memset(&m, 0, sizeof m);
  bloop_arena_init(&m.arena);
  bloop_status st;
  m.name = dup(&m.arena, model_name);
  m.columns = bloop_arena_calloc(&m.arena, n + 1, sizeof *m.columns);
  if (!m.name || !m.columns)
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "%s: out of memory", model_name);
  else
    st = add_columns(&m, cols, n, err);
  bloop_arena_free(&m.arena);
  return st;
}

/* The table's settings that name columns or depend on billing: ttl column, units. */
static bloop_status check_meta(bloop_model *m, bloop_error *err) {
  if (m->meta.ttl_column) {
    m->ttl = find_col(m, m->meta.ttl_column);
    if (!m->ttl)
      return INVALID("%s: ttl column \"%s\" is not a column", m->name, m->meta.ttl_column);
    if (m->ttl->type != BLOOP_TYPE_N)
      return INVALID("%s: ttl column \"%s\" must be N (epoch seconds; got %s)", m->name,
                     m->ttl->name, bloop_type_name(m->ttl->type));
  }
  if (m->meta.read_units < 0 || m->meta.write_units < 0)
    return INVALID("%s: negative units", m->name);
  if (m->meta.billing == BLOOP_BILLING_ON_DEMAND && (m->meta.read_units || m->meta.write_units))
    return INVALID("%s: units given with on-demand billing", m->name);
  return BLOOP_OK;
}

/* A GSI: its own hash key (and range key), its own units unless on demand. */
static bloop_status gsi_keys(const bloop_model *m, const bloop_index_decl *d, bloop_index *x,
                             bloop_error *err) {
  bloop_status st;
  if (!d->hash_key) return INVALID("%s: index \"%s\": a GSI needs a hash key", m->name, d->name);
  if ((st = index_key(m, d, "hash", d->hash_key, &x->hash_key, err))) return st;
  if (d->range_key && (st = index_key(m, d, "range", d->range_key, &x->range_key, err)))
    return st;
  if (x->range_key == x->hash_key)
    return INVALID("%s: index \"%s\": hash and range key are both \"%s\"", m->name, d->name,
                   x->hash_key->name);
  if (m->meta.billing == BLOOP_BILLING_ON_DEMAND && (d->read_units || d->write_units))
    return INVALID("%s: index \"%s\": units given with on-demand billing", m->name, d->name);
  return BLOOP_OK;
}

/* An LSI: the table's hash key, a range key of its own, the table's units. */
static bloop_status lsi_keys(const bloop_model *m, const bloop_index_decl *d, bloop_index *x,
                             bloop_error *err) {
  if (!m->range)
    return INVALID("%s: index \"%s\": an LSI needs a table with a range key", m->name, d->name);
  if (d->hash_key && strcmp(d->hash_key, m->hash->name) != 0)
    return INVALID("%s: index \"%s\": an LSI's hash key must be the table's (\"%s\"), not \"%s\"",
                   m->name, d->name, m->hash->name, d->hash_key);
  if (!d->range_key) return INVALID("%s: index \"%s\": an LSI needs a range key", m->name, d->name);
  if (d->read_units || d->write_units)
    return INVALID("%s: index \"%s\": an LSI has no units of its own", m->name, d->name);
  x->hash_key = m->hash;
  bloop_status st = index_key(m, d, "range", d->range_key, &x->range_key, err);
  if (st) return st;
  if (x->range_key == m->hash)
    return INVALID("%s: index \"%s\": range key \"%s\" is the hash key", m->name, d->name,
                   x->range_key->name);
  return BLOOP_OK;
}

/* Which columns the index holds (x->included, one flag per column position). */
static bloop_status index_projection(bloop_model *m, const bloop_index_decl *d, bloop_index *x,
                                     bloop_error *err) {
  unsigned char *inc = bloop_arena_calloc(&m->arena, m->column_count + 1, 1);
  if (!inc) return nomem(m, err);
  switch (d->projection) {
  case BLOOP_PROJECTION_ALL:
    memset(inc, 1, m->column_count);
    break;
  case BLOOP_PROJECTION_INCLUDE:
    if (d->include_count && !d->include)
      return INVALID("%s: index \"%s\": include list missing", m->name, d->name);
    for (size_t k = 0; k < d->include_count; k++) {
      const bloop_column *c = find_col(m, d->include[k]);
      if (!c)
        return INVALID("%s: index \"%s\": projection names \"%s\", which is not a column",
                       m->name, d->name, d->include[k] ? d->include[k] : "(null)");
      inc[c->pos] = 1;
    }
    /* table keys and index keys are always projected */
    /* fall through */
  case BLOOP_PROJECTION_KEYS:
    inc[m->hash->pos] = 1;
    if (m->range) inc[m->range->pos] = 1;
    inc[x->hash_key->pos] = 1;
    if (x->range_key) inc[x->range_key->pos] = 1;
    break;
  default:
    return INVALID("%s: index \"%s\": unknown projection", m->name, d->name);
  }
  x->included = inc;
  return BLOOP_OK;
}

/* Index i (the ones before it are in place): its names, units, keys by kind, projection. */
static bloop_status add_index(bloop_model *m, const bloop_index_decl *d, size_t i,
                              bloop_error *err) {
  bloop_index *x = &m->indexes[i];
  if (!d->name || !*d->name) return INVALID("%s: index %zu has no name", m->name, i + 1);
  const char *dn = d->dynamo_name ? d->dynamo_name : d->name;
  for (size_t j = 0; j < i; j++) {
    if (strcmp(m->indexes[j].name, d->name) == 0)
      return INVALID("%s: two indexes named \"%s\"", m->name, d->name);
    if (strcmp(m->indexes[j].dynamo_name, dn) == 0)
      return INVALID("%s: indexes \"%s\" and \"%s\" have one dynamo_name \"%s\"", m->name,
                     m->indexes[j].name, d->name, dn);
  }
  x->kind = d->kind;
  x->name = dup(&m->arena, d->name);
  x->dynamo_name = dup(&m->arena, dn);
  if (!x->name || !x->dynamo_name) return nomem(m, err);
  x->pos = i;
  x->projection = d->projection;
  x->read_units = d->read_units;
  x->write_units = d->write_units;
  if (d->read_units < 0 || d->write_units < 0)
    return INVALID("%s: index \"%s\": negative units", m->name, d->name);
  bloop_status st = d->kind == BLOOP_INDEX_GSI   ? gsi_keys(m, d, x, err)
                    : d->kind == BLOOP_INDEX_LSI ? lsi_keys(m, d, x, err)
                    : INVALID("%s: index \"%s\": unknown kind", m->name, d->name);
  return st ? st : index_projection(m, d, x, err);
}

bloop_status bloop_model_new(const bloop_model_decl *decl, bloop_model **out,
                             bloop_error *err) {
  bloop_status st = BLOOP_OK;
  *out = NULL;
  if (!decl || !decl->name || !*decl->name)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidModel", "a model needs a name");
  bloop_model *m = calloc(1, sizeof *m);
  if (!m) return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
  m->refs = 1;
  bloop_arena_init(&m->arena);
  bloop_arena *a = &m->arena;
  m->name = dup(a, decl->name);
  m->meta = decl->meta;
  m->meta.table_name = dup(a, decl->meta.table_name ? decl->meta.table_name : decl->name);
  m->meta.ttl_column = dup(a, decl->meta.ttl_column);
  if (decl->column_count && !decl->columns) FAIL("%s: columns missing", m->name);
  m->columns = bloop_arena_calloc(a, decl->column_count + 1, sizeof *m->columns);
  m->indexes = bloop_arena_calloc(a, decl->index_count + 1, sizeof *m->indexes);
  if (!m->name || !m->meta.table_name || !m->columns || !m->indexes) goto oom;
  if (!*m->meta.table_name) FAIL("%s: empty table name", m->name);

  if ((st = add_columns(m, decl->columns, decl->column_count, err))) goto fail;
  m->column_count = decl->column_count;
  if (!m->hash) FAIL("%s: no hash key", m->name);
  if ((st = check_meta(m, err))) goto fail;

  if (decl->index_count && !decl->indexes) FAIL("%s: indexes missing", m->name);
  for (size_t i = 0; i < decl->index_count; i++)
    if ((st = add_index(m, &decl->indexes[i], i, err))) goto fail;
  m->index_count = decl->index_count;
  *out = m;
  return BLOOP_OK;
oom:
  st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "%s: out of memory", decl->name);
fail:
  bloop_arena_free(&m->arena);
  free(m);
  return st;
}

bloop_model *bloop_model_retain(bloop_model *m) {
  if (m) m->refs++;
  return m;
}

void bloop_model_release(bloop_model *m) {
  if (!m || --m->refs > 0) return;
  bloop_arena_free(&m->arena);
  free(m);
}

const char *bloop_model_name(const bloop_model *m) { return m->name; }
const char *bloop_model_table_name(const bloop_model *m) { return m->meta.table_name; }
const bloop_model_meta *bloop_model_meta_get(const bloop_model *m) { return &m->meta; }
const bloop_column *bloop_model_ttl_column(const bloop_model *m) { return m->ttl; }
size_t bloop_model_column_count(const bloop_model *m) { return m->column_count; }

const bloop_column *bloop_model_column(const bloop_model *m, size_t i) {
  return i < m->column_count ? &m->columns[i] : NULL;
}

const bloop_column *bloop_model_column_find(const bloop_model *m, const char *name) {
  return find_col(m, name);
}

const bloop_column *bloop_model_column_by_dynamo(const bloop_model *m, const char *dn,
                                                 size_t len) {
  for (size_t i = 0; i < m->column_count; i++) {
    const char *c = m->columns[i].dynamo_name;
    if (strlen(c) == len && memcmp(c, dn, len) == 0) return &m->columns[i];
  }
  return NULL;
}

const bloop_column *bloop_model_hash_key(const bloop_model *m) { return m->hash; }
const bloop_column *bloop_model_range_key(const bloop_model *m) { return m->range; }
const bloop_column *bloop_model_version_column(const bloop_model *m) { return m->version; }
size_t bloop_model_index_count(const bloop_model *m) { return m->index_count; }

const bloop_index *bloop_model_index(const bloop_model *m, size_t i) {
  return i < m->index_count ? &m->indexes[i] : NULL;
}

const bloop_index *bloop_model_index_find(const bloop_model *m, const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < m->index_count; i++)
    if (strcmp(m->indexes[i].name, name) == 0) return &m->indexes[i];
  return NULL;
}

int bloop_index_projects(const bloop_index *i, const bloop_column *c) {
  if (!c) return 0;
  if (!i) return 1;
  return i->included[c->pos] != 0;
}

const char *bloop_column_key_type(const bloop_column *c) {
  switch (c->type) {
  case BLOOP_TYPE_S: return "S";
  case BLOOP_TYPE_N: return "N";
  case BLOOP_TYPE_B: return "B";
  default: return NULL;
  }
}

const char *bloop_projection_name(bloop_projection p) {
  switch (p) {
  case BLOOP_PROJECTION_KEYS: return "KEYS_ONLY";
  case BLOOP_PROJECTION_ALL: return "ALL";
  case BLOOP_PROJECTION_INCLUDE: return "INCLUDE";
  }
  return "?";
}

const char *bloop_stream_view_name(bloop_stream_view v) {
  switch (v) {
  case BLOOP_STREAM_NONE: return "";
  case BLOOP_STREAM_KEYS_ONLY: return "KEYS_ONLY";
  case BLOOP_STREAM_NEW_IMAGE: return "NEW_IMAGE";
  case BLOOP_STREAM_OLD_IMAGE: return "OLD_IMAGE";
  case BLOOP_STREAM_NEW_AND_OLD_IMAGES: return "NEW_AND_OLD_IMAGES";
  }
  return "?";
}
