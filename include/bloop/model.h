/*
 * model.h: a model descriptor: the table a class of items lives in, its columns, keys,
 * indexes and table options (billing, stream, TTL, backups, encryption).
 *
 * Owns: validating a declaration once, when the model is made (so a wrong model fails
 * where it is declared, naming model and column), a private deep copy of it, and the
 * derived facts the engine and the Lua layer ask for: which column is the hash / range /
 * version key, which columns each index projects (bloop's rule, digest §1.5), lookups by
 * name and by dynamo name. A model is immutable and reference-counted, so an engine can
 * remember the models it verified (it retains them) while the Lua object that declared
 * it lives or dies independently.
 * Does not own: Lua-side notions (abstract models, inheritance, defaults, column
 * subclasses, typedefs beyond the backing DynamoDB type: the Lua layer flattens all that
 * into one concrete declaration), the table itself (engine.h binds it), or values.
 *
 * Names: `name` is how the caller (Lua field, C program) names a column or index;
 * `dynamo_name` is the attribute / index name on the wire (defaults to name). Items the
 * engine reads and writes are keyed by dynamo names; projections and declarations by names.
 *
 * Errors (bloop_model_new): status BLOOP_EINVAL, code "InvalidModel", message naming the
 * model and the column or index: `Tweet: column "id": a key must be S, N or B (got BOOL)`.
 */
#ifndef BLOOP_MODEL_H
#define BLOOP_MODEL_H

#include <stddef.h>

#include "bloop/status.h"
#include "bloop/value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bloop_key_role {
  BLOOP_KEY_NONE = 0,
  BLOOP_KEY_HASH,
  BLOOP_KEY_RANGE
} bloop_key_role;

typedef enum bloop_index_kind { BLOOP_INDEX_GSI = 0, BLOOP_INDEX_LSI } bloop_index_kind;

typedef enum bloop_projection {
  BLOOP_PROJECTION_KEYS = 0,  /* table keys + index keys (KEYS_ONLY) */
  BLOOP_PROJECTION_ALL,       /* every column (ALL) */
  BLOOP_PROJECTION_INCLUDE    /* listed + table keys + index keys (INCLUDE) */
} bloop_projection;

typedef enum bloop_billing {
  BLOOP_BILLING_UNSET = 0,    /* create: PROVISIONED with units (1/1 when unset); validate: any */
  BLOOP_BILLING_PROVISIONED,
  BLOOP_BILLING_ON_DEMAND     /* PAY_PER_REQUEST: no ProvisionedThroughput anywhere */
} bloop_billing;

typedef enum bloop_stream_view {
  BLOOP_STREAM_NONE = 0,      /* the model asks for no stream (an existing one is fine) */
  BLOOP_STREAM_KEYS_ONLY,
  BLOOP_STREAM_NEW_IMAGE,
  BLOOP_STREAM_OLD_IMAGE,
  BLOOP_STREAM_NEW_AND_OLD_IMAGES
} bloop_stream_view;

/* Tri-state switches, so a zeroed declaration means "the model does not care". */
typedef enum bloop_flag { BLOOP_FLAG_UNSET = 0, BLOOP_FLAG_OFF, BLOOP_FLAG_ON } bloop_flag;

/* ---- declaration (caller-owned; bloop_model_new copies everything) -------------------- */

typedef struct bloop_column_decl {
  const char *name;          /* required, unique within the model */
  const char *dynamo_name;   /* NULL = name; unique within the model */
  bloop_type type;           /* backing DynamoDB type (S, N, B, BOOL, NULL, SS, ..., M) */
  bloop_key_role key;        /* keys must be S, N or B */
  int version;               /* nonzero: the optimistic-locking column (N, not a key) */
} bloop_column_decl;

typedef struct bloop_index_decl {
  bloop_index_kind kind;
  const char *name;          /* required, unique among the model's indexes */
  const char *dynamo_name;   /* NULL = name */
  const char *hash_key;      /* column name; GSI: required; LSI: NULL or the table's hash */
  const char *range_key;     /* column name; GSI: optional; LSI: required */
  bloop_projection projection;
  const char *const *include;  /* INCLUDE: column names (may repeat keys; duplicates ok) */
  size_t include_count;
  long read_units, write_units;  /* GSI only (an LSI shares the table's); 0 = unset */
} bloop_index_decl;

typedef struct bloop_model_meta {
  const char *table_name;    /* NULL = the model's name */
  bloop_billing billing;
  long read_units, write_units;  /* 0 = unset (create sends 1) */
  bloop_stream_view stream;
  const char *ttl_column;    /* column name (an N column: epoch seconds), or NULL */
  bloop_flag backups;        /* continuous backups (point-in-time recovery) */
  bloop_flag encryption;     /* SSE */
} bloop_model_meta;

typedef struct bloop_model_decl {
  const char *name;          /* the model's name, used in every message ("Tweet") */
  bloop_model_meta meta;
  const bloop_column_decl *columns;  /* in declaration order (kept) */
  size_t column_count;
  const bloop_index_decl *indexes;
  size_t index_count;
} bloop_model_decl;

/* ---- the validated model (read-only views into a bloop_model) ------------------------- */

typedef struct bloop_column {
  const char *name;
  const char *dynamo_name;
  bloop_type type;
  bloop_key_role key;
  int version;
  size_t pos;                /* position in the model's column list */
} bloop_column;

typedef struct bloop_index {
  bloop_index_kind kind;
  const char *name;
  const char *dynamo_name;
  const bloop_column *hash_key;    /* an LSI's is the table's hash key */
  const bloop_column *range_key;   /* NULL when the GSI has none */
  bloop_projection projection;
  long read_units, write_units;    /* GSI; 0 = unset */
  size_t pos;                      /* position in the model's index list */
  /* included[c] is nonzero when column position c is projected (digest §1.5). */
  const unsigned char *included;
} bloop_index;

typedef struct bloop_model bloop_model;

/* Validates decl and returns a new model holding one reference, or fails with
 * BLOOP_EINVAL / "InvalidModel" (or BLOOP_ENOMEM) and *out = NULL. Checked, each with a
 * message naming model and column/index:
 *   no hash key; two hash keys; two range keys; a key that is not S, N or B; a version
 *   column that is not N or is a key; two versions; two columns with one name or one
 *   dynamo_name; an index whose keys are not columns (or not S/N/B); a GSI without a hash
 *   key; an LSI with its own hash key other than the table's, without a range key, with
 *   units, or on a table without a range key; two indexes with one name or dynamo name;
 *   an INCLUDE projection naming an unknown column; a TTL column that is unknown or not N;
 *   negative units; units with on-demand billing. */
bloop_status bloop_model_new(const bloop_model_decl *decl, bloop_model **out,
                             bloop_error *err);
/* The column rules of bloop_model_new alone (names, dynamo names, key roles and types,
 * version columns), on a model still being declared: no "no hash key", no index or table
 * option checks. A declaring layer (Lua) calls it as each column is assigned, so a second
 * hash key or a reused dynamo_name fails on the line that declares it, with the message
 * bloop_model_new would give. */
bloop_status bloop_model_check_columns(const char *model_name, const bloop_column_decl *cols,
                                       size_t n, bloop_error *err);
bloop_model *bloop_model_retain(bloop_model *m);   /* accepts NULL */
void bloop_model_release(bloop_model *m);          /* accepts NULL */

const char *bloop_model_name(const bloop_model *m);
const char *bloop_model_table_name(const bloop_model *m);
const bloop_model_meta *bloop_model_meta_get(const bloop_model *m);  /* strings: the copies */
/* The TTL column, or NULL. */
const bloop_column *bloop_model_ttl_column(const bloop_model *m);

size_t bloop_model_column_count(const bloop_model *m);
const bloop_column *bloop_model_column(const bloop_model *m, size_t i);   /* NULL past end */
const bloop_column *bloop_model_column_find(const bloop_model *m, const char *name);
const bloop_column *bloop_model_column_by_dynamo(const bloop_model *m, const char *dynamo_name,
                                                 size_t len);
const bloop_column *bloop_model_hash_key(const bloop_model *m);
const bloop_column *bloop_model_range_key(const bloop_model *m);    /* NULL if none */
const bloop_column *bloop_model_version_column(const bloop_model *m);  /* NULL if none */

size_t bloop_model_index_count(const bloop_model *m);
const bloop_index *bloop_model_index(const bloop_model *m, size_t i);     /* NULL past end */
const bloop_index *bloop_model_index_find(const bloop_model *m, const char *name);

/* Is column c projected by index i? (included = listed ∪ table keys ∪ index keys for
 * INCLUDE; table keys ∪ index keys for KEYS; every column for ALL.) i == NULL means the
 * table itself: every column. */
int bloop_index_projects(const bloop_index *i, const bloop_column *c);

/* "S" / "N" / "B" for a key column (the AttributeType); NULL otherwise. */
const char *bloop_column_key_type(const bloop_column *c);
/* "KEYS_ONLY", "ALL", "INCLUDE"; "KEYS_ONLY", ... for stream views ("" for NONE). */
const char *bloop_projection_name(bloop_projection p);
const char *bloop_stream_view_name(bloop_stream_view v);

#ifdef __cplusplus
}
#endif

#endif
