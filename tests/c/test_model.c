/*
 * test_model.c: model declarations (model.h): every declaration error names model and
 * column, projections follow bloop's included rule, lookups by name and dynamo name.
 */
#include <stdio.h>
#include <string.h>

#include "bloop/model.h"
#include "tap.h"

#define S BLOOP_TYPE_S
#define N BLOOP_TYPE_N

static bloop_column_decl cols[] = {
    {"id", NULL, S, BLOOP_KEY_HASH, 0},
    {"at", "t", N, BLOOP_KEY_RANGE, 0},
    {"level", NULL, N, BLOOP_KEY_NONE, 0},
    {"email", "mail", S, BLOOP_KEY_NONE, 0},
    {"directs", NULL, BLOOP_TYPE_SS, BLOOP_KEY_NONE, 0},
    {"rev", NULL, N, BLOOP_KEY_NONE, 1},
    {"expires", NULL, N, BLOOP_KEY_NONE, 0},
};

static const char *inc_email[] = {"email"};

static bloop_index_decl idx[] = {
    {BLOOP_INDEX_GSI, "by_level", NULL, "level", NULL, BLOOP_PROJECTION_INCLUDE, inc_email, 1, 0, 0},
    {BLOOP_INDEX_LSI, "by_email", "lsi-mail", NULL, "email", BLOOP_PROJECTION_KEYS, NULL, 0, 0, 0},
    {BLOOP_INDEX_GSI, "everything", NULL, "email", "level", BLOOP_PROJECTION_ALL, NULL, 0, 5, 6},
};

static bloop_model_decl base(void) {
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = "Employee";
  d.meta.table_name = "employees-uk";
  d.meta.ttl_column = "expires";
  d.columns = cols;
  d.column_count = sizeof cols / sizeof cols[0];
  d.indexes = idx;
  d.index_count = sizeof idx / sizeof idx[0];
  return d;
}

/* Declares d and expects InvalidModel with every fragment in the message. */
static void expect_invalid(const bloop_model_decl *d, const char *f1, const char *f2) {
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  bloop_status st = bloop_model_new(d, &m, &err);
  CHECK(st == BLOOP_EINVAL);
  CHECK(m == NULL);
  CHECK_STR(err.code, "InvalidModel");
  CHECK_MSG(strstr(err.message, f1) != NULL, err.message);
  if (f2) CHECK_MSG(strstr(err.message, f2) != NULL, err.message);
}

static void test_valid(void) {
  bloop_model_decl d = base();
  bloop_model *m = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_model_new(&d, &m, &err) == BLOOP_OK);
  if (!m) return;
  CHECK_STR(bloop_model_name(m), "Employee");
  CHECK_STR(bloop_model_table_name(m), "employees-uk");
  CHECK(bloop_model_column_count(m) == 7);
  CHECK_STR(bloop_model_hash_key(m)->name, "id");
  CHECK_STR(bloop_model_range_key(m)->dynamo_name, "t");
  CHECK_STR(bloop_model_version_column(m)->name, "rev");
  CHECK_STR(bloop_model_ttl_column(m)->name, "expires");
  CHECK(bloop_model_column_by_dynamo(m, "mail", 4) == bloop_model_column_find(m, "email"));
  CHECK(bloop_model_column_by_dynamo(m, "email", 5) == NULL);
  CHECK(bloop_model_column(m, 7) == NULL);

  const bloop_index *g = bloop_model_index_find(m, "by_level");
  const bloop_index *l = bloop_model_index_find(m, "by_email");
  const bloop_index *a = bloop_model_index_find(m, "everything");
  CHECK(g && l && a);
  if (!g || !l || !a) goto out;
  CHECK_STR(l->dynamo_name, "lsi-mail");
  CHECK(l->hash_key == bloop_model_hash_key(m));  /* an LSI's hash is the table's */
  CHECK(a->read_units == 5 && a->write_units == 6);
  const char *names[] = {"id", "at", "level", "email", "directs", "rev", "expires"};
  /* INCLUDE: listed + table keys + index keys */
  int g_exp[] = {1, 1, 1, 1, 0, 0, 0};
  /* KEYS: table keys + index keys (email is the LSI's range key) */
  int l_exp[] = {1, 1, 0, 1, 0, 0, 0};
  for (int i = 0; i < 7; i++) {
    const bloop_column *c = bloop_model_column_find(m, names[i]);
    char what[64];
    snprintf(what, sizeof what, "column %s", names[i]);
    CHECK_MSG(bloop_index_projects(g, c) == g_exp[i], what);
    CHECK_MSG(bloop_index_projects(l, c) == l_exp[i], what);
    CHECK_MSG(bloop_index_projects(a, c) == 1, what);
    CHECK_MSG(bloop_index_projects(NULL, c) == 1, what);
  }
  CHECK_STR(bloop_column_key_type(bloop_model_range_key(m)), "N");
  CHECK(bloop_column_key_type(bloop_model_column_find(m, "directs")) == NULL);
  /* the model keeps copies: the declaration may go away */
  bloop_model *r = bloop_model_retain(m);
  bloop_model_release(r);
  CHECK_STR(bloop_model_column(m, 3)->dynamo_name, "mail");
out:
  bloop_model_release(m);
}

static void test_errors(void) {
  bloop_model_decl d;
  bloop_column_decl c[8];
  bloop_index_decl x[2];

  d = base();
  memcpy(c, cols, sizeof cols);
  c[0].key = BLOOP_KEY_NONE;
  d.columns = c;
  d.index_count = 0;
  d.meta.ttl_column = NULL;
  expect_invalid(&d, "Employee: no hash key", NULL);

  d = base();
  memcpy(c, cols, sizeof cols);
  c[2].key = BLOOP_KEY_HASH;
  d.columns = c;
  expect_invalid(&d, "Employee: two hash keys", "\"level\"");

  d = base();
  memcpy(c, cols, sizeof cols);
  c[0].type = BLOOP_TYPE_BOOL;
  d.columns = c;
  expect_invalid(&d, "Employee: column \"id\"", "S, N or B");

  d = base();
  memcpy(x, idx, sizeof x);
  x[0].hash_key = "nope";
  d.indexes = x;
  d.index_count = 1;
  expect_invalid(&d, "Employee: index \"by_level\"", "\"nope\" is not a column");

  d = base();
  memcpy(x, idx, sizeof x);
  x[1].hash_key = "level";
  d.indexes = x;
  d.index_count = 2;
  expect_invalid(&d, "Employee: index \"by_email\"", "must be the table's");

  d = base();
  memcpy(c, cols, sizeof cols);
  c[1].key = BLOOP_KEY_NONE;  /* no range key: no LSI possible */
  d.columns = c;
  memcpy(x, idx, sizeof x);
  d.indexes = x + 1;
  d.index_count = 1;
  expect_invalid(&d, "Employee: index \"by_email\"", "range key");

  d = base();
  memcpy(x, idx, sizeof x);
  static const char *bad[] = {"email", "manager"};
  x[0].include = bad;
  x[0].include_count = 2;
  d.indexes = x;
  d.index_count = 1;
  expect_invalid(&d, "Employee: index \"by_level\"", "\"manager\", which is not a column");

  d = base();
  memcpy(c, cols, sizeof cols);
  c[3].dynamo_name = "level";
  d.columns = c;
  expect_invalid(&d, "Employee: columns \"level\" and \"email\"", "dynamo_name \"level\"");

  d = base();
  memcpy(c, cols, sizeof cols);
  c[5].type = S;
  d.columns = c;
  expect_invalid(&d, "Employee: column \"rev\"", "version column must be N");

  d = base();
  memcpy(c, cols, sizeof cols);
  c[1].version = 1;
  d.columns = c;
  expect_invalid(&d, "Employee: column \"at\"", "cannot be a key");

  d = base();
  d.meta.ttl_column = "email";
  expect_invalid(&d, "Employee: ttl column \"email\"", "must be N");

  d = base();
  memcpy(x, idx, sizeof x);
  x[1] = x[0];
  x[1].dynamo_name = "other";
  d.indexes = x;
  d.index_count = 2;
  expect_invalid(&d, "Employee: two indexes named \"by_level\"", NULL);

  d = base();
  d.meta.billing = BLOOP_BILLING_ON_DEMAND;
  d.meta.read_units = 3;
  expect_invalid(&d, "Employee: units given with on-demand billing", NULL);
}

/* The column rules alone, on a model still being declared: same messages as
 * bloop_model_new, and no "no hash key" while the key is not declared yet. */
static void test_check_columns(void) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  bloop_column_decl part[3] = {
    {.name = "a", .type = BLOOP_TYPE_S},
    {.name = "b", .type = BLOOP_TYPE_S, .key = BLOOP_KEY_HASH},
    {.name = "c", .type = BLOOP_TYPE_S, .key = BLOOP_KEY_HASH},
  };
  CHECK(bloop_model_check_columns("Partial", part, 1, &err) == BLOOP_OK);
  CHECK(bloop_model_check_columns("Partial", part, 2, &err) == BLOOP_OK);
  CHECK(bloop_model_check_columns("Partial", part, 3, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidModel");
  CHECK_STR(err.message, "Partial: two hash keys: \"b\" and \"c\"");
  bloop_model_decl d;
  memset(&d, 0, sizeof d);
  d.name = "Partial";
  d.columns = part;
  d.column_count = 3;
  bloop_error err2 = BLOOP_ERROR_INIT;
  bloop_model *m = NULL;
  CHECK(bloop_model_new(&d, &m, &err2) == BLOOP_EINVAL);
  CHECK_STR(err2.message, err.message);
  part[2].key = BLOOP_KEY_NONE;
  part[2].dynamo_name = "a";
  CHECK(bloop_model_check_columns("Partial", part, 3, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Partial: columns \"a\" and \"c\" have one dynamo_name \"a\"");
  part[2].dynamo_name = NULL;
  part[2].type = BLOOP_TYPE_BOOL;
  part[2].version = 1;
  CHECK(bloop_model_check_columns("Partial", part, 3, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "Partial: column \"c\": a version column must be N (got BOOL)");
  CHECK(bloop_model_check_columns(NULL, part, 1, &err) == BLOOP_EINVAL);
}

int main(void) {
  test_valid();
  test_errors();
  test_check_columns();
  return tap_done();
}
