/* test_cond.c: condition trees (cond.h) and request rendering (expr.h): exact texts,
 * placeholder tables, reuse across fragments, every validation error and the limits. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/cond.h"
#include "bloop/expr.h"
#include "tap.h"

static bloop_arena A = BLOOP_ARENA_INIT;

/* "a.b[2].c" -> path (names split at '.', [n] indexes). '\\.' keeps a literal dot. */
static bloop_path P(const char *spec) {
  bloop_path_elem *e = bloop_arena_calloc(&A, 40, sizeof *e);
  size_t n = 0;
  const char *s = spec;
  while (*s) {
    if (*s == '[') {
      char *end;
      e[n].name = NULL;
      e[n++].index = strtoul(s + 1, &end, 10);
      s = end + 1; /* past ']' */
    } else {
      if (*s == '.') s++;
      char *buf = bloop_arena_alloc(&A, strlen(s) + 1);
      size_t len = 0;
      while (*s && *s != '.' && *s != '[') {
        if (*s == '\\' && s[1]) s++;
        buf[len++] = *s++;
      }
      e[n].name = buf;
      e[n++].len = len;
    }
  }
  bloop_path p = {e, n, NULL};
  return p;
}

static bloop_path *PP(const char *spec) {
  bloop_path *p = bloop_arena_alloc(&A, sizeof *p);
  *p = P(spec);
  return p;
}

static bloop_value *V(const char *json) {
  bloop_value *v = bloop_arena_alloc(&A, sizeof *v);
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_value_from_json(json, strlen(json), &A, v, &err) != BLOOP_OK) {
    fprintf(stderr, "bad test value %s: %s\n", json, err.message);
    abort();
  }
  return v;
}

/* A leaf whose operands are given as strings: "@a.b" is a path, anything else JSON. */
static bloop_cond *L(bloop_cond_op op, const char *path, int n, ...) {
  bloop_operand ops[BLOOP_COND_IN_MAX + 1];
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *s = va_arg(ap, const char *);
    ops[i].path = s[0] == '@' ? PP(s + 1) : NULL;
    ops[i].value = s[0] == '@' ? NULL : V(s);
  }
  va_end(ap);
  bloop_path p = P(path);
  bloop_cond *c = NULL;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_leaf(op, &p, ops, (size_t)n, &c, &err) != BLOOP_OK) {
    fprintf(stderr, "leaf failed: %s\n", err.message);
    abort();
  }
  return c;
}

static bloop_cond *AND(bloop_cond *a, bloop_cond *b) {
  bloop_cond *c;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_and(a, b, &c, &err) != BLOOP_OK) abort();
  bloop_cond_release(a);
  bloop_cond_release(b);
  return c;
}
static bloop_cond *OR(bloop_cond *a, bloop_cond *b) {
  bloop_cond *c;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_or(a, b, &c, &err) != BLOOP_OK) abort();
  bloop_cond_release(a);
  bloop_cond_release(b);
  return c;
}
static bloop_cond *NOT(bloop_cond *a) {
  bloop_cond *c;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_cond_not(a, &c, &err) != BLOOP_OK) abort();
  bloop_cond_release(a);
  return c;
}

static char *json_of(bloop_expr *x) {
  bloop_buf b = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  int wrote;
  if (bloop_expr_to_json(x, &b, &wrote, &err) != BLOOP_OK) abort();
  if (!b.data) bloop_buf_puts(&b, "");
  return bloop_buf_detach(&b, NULL);
}

/* Renders c as a ConditionExpression and checks text and the JSON of the whole fragment. */
static void check_render(bloop_cond *c, const char *text, const char *json) {
  bloop_expr *x = bloop_expr_new();
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_status st = bloop_expr_condition(x, BLOOP_EXPR_CONDITION, c, &err);
  CHECK_MSG(st == BLOOP_OK, err.message);
  const char *got = bloop_expr_text(x, BLOOP_EXPR_CONDITION);
  if (text) CHECK_STR(got, text);
  else CHECK(got == NULL);
  char *j = json_of(x);
  CHECK_STR(j, json);
  free(j);
  /* Deterministic: a second render of the same tree gives the same text. */
  bloop_expr *y = bloop_expr_new();
  CHECK(bloop_expr_condition(y, BLOOP_EXPR_FILTER, c, &err) == BLOOP_OK);
  const char *again = bloop_expr_text(y, BLOOP_EXPR_FILTER);
  CHECK((!got && !again) || (got && again && strcmp(got, again) == 0));
  bloop_expr_free(y);
  bloop_expr_free(x);
  bloop_cond_release(c);
}

static void check_describe(bloop_cond *c, const char *want) {
  bloop_buf b = BLOOP_BUF_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_cond_describe(c, &b, &err) == BLOOP_OK);
  CHECK_STR(b.data, want);
  bloop_buf_free(&b);
  bloop_cond_release(c);
}

static void check_leaf_error(bloop_cond_op op, const char *path, const bloop_operand *ops,
                             size_t n, const char *msg) {
  bloop_path p = P(path);
  bloop_cond *c = (bloop_cond *)1;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  CHECK(bloop_cond_leaf(op, &p, ops, n, &c, &err) == BLOOP_EINVAL);
  CHECK(c == NULL);
  CHECK_STR(err.code, "InvalidCondition");
  CHECK_STR(err.message, msg);
}

static void test_renders(void) {
  check_render(L(BLOOP_COND_EQ, "name", 1, "{\"S\":\"x\"}"), "(#n0 = :v0)",
               "\"ConditionExpression\":\"(#n0 = :v0)\",\"ExpressionAttributeNames\":{\"#n0\":"
               "\"name\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"x\"}}");
  check_render(L(BLOOP_COND_NE, "a", 1, "{\"N\":\"3\"}"), "(#n0 <> :v0)",
               "\"ConditionExpression\":\"(#n0 <> :v0)\",\"ExpressionAttributeNames\":{\"#n0\":"
               "\"a\"},\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"3\"}}");
  check_render(L(BLOOP_COND_LT, "a", 1, "{\"N\":\"3\"}"), "(#n0 < :v0)",
               "\"ConditionExpression\":\"(#n0 < :v0)\",\"ExpressionAttributeNames\":{\"#n0\":"
               "\"a\"},\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"3\"}}");
  /* Names needing escapes are all placeholders, reserved words included. */
  check_render(L(BLOOP_COND_GE, "a\\.b+c/d é", 1, "{\"B\":\"AAE=\"}"), "(#n0 >= :v0)",
               "\"ConditionExpression\":\"(#n0 >= :v0)\",\"ExpressionAttributeNames\":{\"#n0\":"
               "\"a.b+c/d é\"},\"ExpressionAttributeValues\":{\":v0\":{\"B\":\"AAE=\"}}");
  check_render(L(BLOOP_COND_BEGINS_WITH, "data.x[3][4].y", 1, "{\"S\":\"p\"}"),
               "(begins_with(#n0.#n1[3][4].#n2, :v0))",
               "\"ConditionExpression\":\"(begins_with(#n0.#n1[3][4].#n2, :v0))\","
               "\"ExpressionAttributeNames\":{\"#n0\":\"data\",\"#n1\":\"x\",\"#n2\":\"y\"},"
               "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"p\"}}");
  check_render(L(BLOOP_COND_BETWEEN, "n", 2, "{\"N\":\"1\"}", "{\"N\":\"1.0\"}"),
               "(#n0 BETWEEN :v0 AND :v0)",
               "\"ConditionExpression\":\"(#n0 BETWEEN :v0 AND :v0)\",\"ExpressionAttributeNames\":"
               "{\"#n0\":\"n\"},\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"}}");
  check_render(L(BLOOP_COND_CONTAINS, "tags", 1, "{\"S\":\"x\"}"), "(contains(#n0, :v0))",
               "\"ConditionExpression\":\"(contains(#n0, :v0))\",\"ExpressionAttributeNames\":"
               "{\"#n0\":\"tags\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"x\"}}");
  check_render(L(BLOOP_COND_IN, "age", 4, "{\"N\":\"3\"}", "@age", "{\"N\":\"4\"}", "{\"N\":\"3\"}"),
               "(#n0 IN (:v0, #n0, :v1, :v0))",
               "\"ConditionExpression\":\"(#n0 IN (:v0, #n0, :v1, :v0))\","
               "\"ExpressionAttributeNames\":{\"#n0\":\"age\"},\"ExpressionAttributeValues\":"
               "{\":v0\":{\"N\":\"3\"},\":v1\":{\"N\":\"4\"}}");
  check_render(L(BLOOP_COND_EXISTS, "a", 0), "(attribute_exists(#n0))",
               "\"ConditionExpression\":\"(attribute_exists(#n0))\",\"ExpressionAttributeNames\":"
               "{\"#n0\":\"a\"}");
  check_render(L(BLOOP_COND_NOT_EXISTS, "a.a[0].a", 0), "(attribute_not_exists(#n0.#n0[0].#n0))",
               "\"ConditionExpression\":\"(attribute_not_exists(#n0.#n0[0].#n0))\","
               "\"ExpressionAttributeNames\":{\"#n0\":\"a\"}");
  check_render(L(BLOOP_COND_EQ, "a", 1, "@b.c"), "(#n0 = #n1.#n2)",
               "\"ConditionExpression\":\"(#n0 = #n1.#n2)\",\"ExpressionAttributeNames\":"
               "{\"#n0\":\"a\",\"#n1\":\"b\",\"#n2\":\"c\"}");
  /* Equal values reuse a placeholder: sets regardless of order; S "1" and N "1" differ. */
  check_render(AND(AND(L(BLOOP_COND_EQ, "s", 1, "{\"SS\":[\"a\",\"b\"]}"),
                       L(BLOOP_COND_EQ, "t", 1, "{\"SS\":[\"b\",\"a\"]}")),
                   OR(L(BLOOP_COND_EQ, "u", 1, "{\"S\":\"1\"}"),
                      NOT(L(BLOOP_COND_EQ, "u", 1, "{\"N\":\"1\"}")))),
               "((#n0 = :v0) AND (#n1 = :v0) AND ((#n2 = :v1) OR (NOT (#n2 = :v2))))",
               "\"ConditionExpression\":\"((#n0 = :v0) AND (#n1 = :v0) AND ((#n2 = :v1) OR (NOT "
               "(#n2 = :v2))))\",\"ExpressionAttributeNames\":{\"#n0\":\"s\",\"#n1\":\"t\","
               "\"#n2\":\"u\"},\"ExpressionAttributeValues\":{\":v0\":{\"SS\":[\"a\",\"b\"]},"
               "\":v1\":{\"S\":\"1\"},\":v2\":{\"N\":\"1\"}}");
  /* The empty condition renders nothing. */
  check_render(NULL, NULL, "");
  /* A name with a quote and a control byte is escaped in JSON. */
  check_render(L(BLOOP_COND_EXISTS, "q\"\x01", 0), "(attribute_exists(#n0))",
               "\"ConditionExpression\":\"(attribute_exists(#n0))\",\"ExpressionAttributeNames\":"
               "{\"#n0\":\"q\\\"\\u0001\"}");
}

static void test_algebra(void) {
  bloop_cond *a = L(BLOOP_COND_EQ, "a", 1, "{\"N\":\"1\"}");
  bloop_cond *b = L(BLOOP_COND_EQ, "b", 1, "{\"N\":\"2\"}");
  bloop_cond *c = L(BLOOP_COND_EQ, "c", 1, "{\"N\":\"3\"}");
  bloop_cond *x;
  bloop_error err = BLOOP_ERROR_INIT;
  /* Identity: empty & a is a itself (shared, not copied). */
  CHECK(bloop_cond_and(NULL, a, &x, &err) == BLOOP_OK && x == a);
  bloop_cond_release(x);
  CHECK(bloop_cond_or(a, NULL, &x, &err) == BLOOP_OK && x == a);
  bloop_cond_release(x);
  CHECK(bloop_cond_and(NULL, NULL, &x, &err) == BLOOP_OK && x == NULL);
  CHECK(bloop_cond_not(NULL, &x, &err) == BLOOP_OK && x == NULL);
  CHECK(bloop_cond_leaves(NULL) == 0);
  /* ~~a is a. */
  bloop_cond *na, *nna;
  CHECK(bloop_cond_not(a, &na, &err) == BLOOP_OK);
  CHECK(bloop_cond_not(na, &nna, &err) == BLOOP_OK && nna == a);
  CHECK(bloop_cond_leaves(na) == 1);
  bloop_cond_release(nna);
  /* Flattening, order kept, operands unchanged (immutability). */
  bloop_cond *ab, *abc, *cab, *abab;
  CHECK(bloop_cond_and(a, b, &ab, &err) == BLOOP_OK);
  CHECK(bloop_cond_and(ab, c, &abc, &err) == BLOOP_OK);
  CHECK(bloop_cond_and(c, ab, &cab, &err) == BLOOP_OK);
  CHECK(bloop_cond_and(ab, ab, &abab, &err) == BLOOP_OK);
  CHECK(bloop_cond_count(ab) == 2 && bloop_cond_count(abc) == 3 && bloop_cond_count(cab) == 3);
  CHECK(bloop_cond_child(abc, 2) == c && bloop_cond_child(cab, 0) == c);
  CHECK(bloop_cond_leaves(abab) == 4 && bloop_cond_count(abab) == 4);
  bloop_cond *aorb;
  CHECK(bloop_cond_or(ab, na, &aorb, &err) == BLOOP_OK);
  CHECK(bloop_cond_kind(aorb) == BLOOP_COND_OR && bloop_cond_count(aorb) == 2);
  CHECK(bloop_cond_leaves(aorb) == 3);
  check_describe(bloop_cond_retain(aorb), "(((a = 1) AND (b = 2)) OR (NOT (a = 1)))");
  bloop_cond_release(aorb);
  bloop_cond_release(ab);
  bloop_cond_release(abc);
  bloop_cond_release(cab);
  bloop_cond_release(abab);
  bloop_cond_release(na);
  bloop_cond_release(a);
  bloop_cond_release(b);
  bloop_cond_release(c);
  check_describe(NULL, "()");
  /* Descriptions use labels, values read as JSON. */
  bloop_path_elem e[2] = {{"account", 7, 0}, {NULL, 0, 2}};
  bloop_path p = {e, 2, "Tweet.account[3]"};
  bloop_operand o = {NULL, V("{\"S\":\"q\\\"x\"}")};
  CHECK(bloop_cond_leaf(BLOOP_COND_EQ, &p, &o, 1, &x, &err) == BLOOP_OK);
  check_describe(x, "(Tweet.account[3] = \"q\\\"x\")");
  check_describe(L(BLOOP_COND_IN, "a", 3, "{\"BOOL\":true}", "{\"NULL\":true}", "{\"L\":[]}"),
                 "(a IN (true, null, {\"L\":[]}))");
  check_describe(L(BLOOP_COND_BETWEEN, "a.b[1]", 2, "{\"N\":\"1\"}", "@c"), "(a.b[1] BETWEEN 1 AND c)");
  check_describe(L(BLOOP_COND_CONTAINS, "a", 1, "{\"S\":\"z\"}"), "(contains(a, \"z\"))");
  check_describe(L(BLOOP_COND_NOT_EXISTS, "a", 0), "(attribute_not_exists(a))");
}

static void test_leaf_errors(void) {
  bloop_operand one = {NULL, V("{\"N\":\"1\"}")};
  bloop_operand both[2] = {{NULL, V("{\"N\":\"5\"}")}, {NULL, V("{\"N\":\"1\"}")}};
  bloop_operand mixed[2] = {{NULL, V("{\"N\":\"1\"}")}, {NULL, V("{\"S\":\"1\"}")}};
  bloop_operand boolv = {NULL, V("{\"BOOL\":true}")};
  bloop_operand nval = {NULL, V("{\"N\":\"1\"}")};
  bloop_operand neither = {NULL, NULL};
  bloop_operand badset = {NULL, V("{\"L\":[{\"SS\":[\"a\"]}]}")};
  badset.value->u.list.items[0].u.list.count = 0;   /* an empty set: invalid */
  check_leaf_error(BLOOP_COND_EQ, "a", &one, 0, "= takes 1 operand, got 0");
  check_leaf_error(BLOOP_COND_BETWEEN, "a", &one, 1, "BETWEEN takes 2 operands, got 1");
  check_leaf_error(BLOOP_COND_EXISTS, "a", &one, 1, "attribute_exists takes 0 operands, got 1");
  check_leaf_error(BLOOP_COND_IN, "a", &one, 0, "IN takes 1 to 100 operands, got 0");
  bloop_operand many[101];
  for (int i = 0; i < 101; i++) many[i] = one;
  check_leaf_error(BLOOP_COND_IN, "a", many, 101, "IN takes 1 to 100 operands, got 101");
  check_leaf_error(BLOOP_COND_BETWEEN, "a", both, 2, "BETWEEN lower bound is greater than the upper bound");
  check_leaf_error(BLOOP_COND_BETWEEN, "a", mixed, 2, "BETWEEN bounds have different types (N and S)");
  check_leaf_error(BLOOP_COND_LT, "a", &boolv, 1, "< operand 1: BOOL values cannot be used here (S, N or B only)");
  check_leaf_error(BLOOP_COND_CONTAINS, "a", &boolv, 1, "contains operand 1: BOOL values cannot be used here (S, N or B only)");
  check_leaf_error(BLOOP_COND_BEGINS_WITH, "a", &nval, 1, "begins_with operand 1: N values cannot be used here (S or B only)");
  check_leaf_error(BLOOP_COND_EQ, "a", &neither, 1, "= operand 1 must be either a path or a value");
  check_leaf_error(BLOOP_COND_AND, "a", NULL, 0, "AND is not a leaf operator");
  check_leaf_error(BLOOP_COND_EQ, "[1]", &one, 1, "path must start with an attribute name, not a list index");
  check_leaf_error(BLOOP_COND_EQ, "a..b", &one, 1, "path has an empty name at element 2");
  check_leaf_error(BLOOP_COND_EQ, "a.\xff", &one, 1, "path has a name that is not valid UTF-8 at element 2");
  {
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_cond *c;
    CHECK(bloop_cond_leaf(BLOOP_COND_EQ, PP("a"), &badset, 1, &c, &err) == BLOOP_EINVAL);
    CHECK_STR(err.code, "InvalidCondition");
    tap_note("invalid value: %s", err.message);
    CHECK(strstr(err.message, "= operand 1") != NULL);
    bloop_path empty = {NULL, 0, NULL};
    CHECK(bloop_cond_leaf(BLOOP_COND_EXISTS, &empty, NULL, 0, &c, &err) == BLOOP_EINVAL);
    CHECK_STR(err.message, "path is empty");
    char deep[200] = "a";
    for (int i = 0; i < 32; i++) strcat(deep, "[0]");
    CHECK(bloop_cond_leaf(BLOOP_COND_EXISTS, PP(deep), NULL, 0, &c, &err) == BLOOP_EINVAL);
    CHECK_STR(err.message, "path is 33 elements deep (DynamoDB allows 32)");
    bloop_operand pathop = {PP("[0]"), NULL};
    CHECK(bloop_cond_leaf(BLOOP_COND_EQ, PP("a"), &pathop, 1, &c, &err) == BLOOP_EINVAL);
    CHECK_STR(err.message, "= operand 1 must start with an attribute name, not a list index");
  }
}

/* One request: filter, projection, key, condition and update share one allocator. */
static void test_shared_allocator(void) {
  bloop_expr *x = bloop_expr_new();
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_cond *filter = AND(L(BLOOP_COND_EQ, "email", 1, "{\"S\":\"@\"}"),
                           L(BLOOP_COND_NOT_EXISTS, "name", 0));
  bloop_cond *key = AND(L(BLOOP_COND_EQ, "pk", 1, "{\"S\":\"@\"}"),
                        L(BLOOP_COND_BEGINS_WITH, "sk", 1, "{\"S\":\"x\"}"));
  bloop_cond *cond = L(BLOOP_COND_EQ, "email", 1, "{\"S\":\"x\"}");
  bloop_path proj[3] = {P("pk"), P("email"), P("pk")};
  bloop_update up[4] = {
      {BLOOP_UPDATE_REMOVE, P("old"), {NULL, NULL}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_SET, P("email"), {NULL, V("{\"S\":\"@\"}")}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_ADD, P("count"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_SET, P("copy.x[2]"), {PP("name"), NULL}, BLOOP_UPDATE_FN_NONE},
  };
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_FILTER, filter, &err) == BLOOP_OK);
  CHECK(bloop_expr_projection(x, proj, 3, &err) == BLOOP_OK);
  CHECK(bloop_expr_key(x, key, "pk", "sk", &err) == BLOOP_OK);
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_CONDITION, cond, &err) == BLOOP_OK);
  CHECK_MSG(bloop_expr_update(x, up, 4, &err) == BLOOP_OK, err.message);
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_FILTER), "((#n0 = :v0) AND (attribute_not_exists(#n1)))");
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_PROJECTION), "#n2, #n0");
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_KEY), "((#n2 = :v0) AND (begins_with(#n3, :v1)))");
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_CONDITION), "(#n0 = :v1)");
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_UPDATE),
            "SET #n0 = :v0, #n4.#n5[2] = #n1 REMOVE #n6 ADD #n7 :v2");
  CHECK(bloop_expr_name_count(x) == 8 && bloop_expr_value_count(x) == 3);
  size_t len;
  CHECK(strcmp(bloop_expr_name(x, 7, &len), "count") == 0 && len == 5);
  CHECK(bloop_expr_name(x, 8, &len) == NULL && bloop_expr_value(x, 3) == NULL);
  char *j = json_of(x);
  CHECK_STR(j, "\"ConditionExpression\":\"(#n0 = :v1)\",\"FilterExpression\":\"((#n0 = :v0) AND "
               "(attribute_not_exists(#n1)))\",\"KeyConditionExpression\":\"((#n2 = :v0) AND "
               "(begins_with(#n3, :v1)))\",\"ProjectionExpression\":\"#n2, #n0\","
               "\"UpdateExpression\":\"SET #n0 = :v0, #n4.#n5[2] = #n1 REMOVE #n6 ADD #n7 :v2\","
               "\"ExpressionAttributeNames\":{\"#n0\":\"email\",\"#n1\":\"name\",\"#n2\":\"pk\","
               "\"#n3\":\"sk\",\"#n4\":\"copy\",\"#n5\":\"x\",\"#n6\":\"old\",\"#n7\":\"count\"},"
               "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"@\"},\":v1\":{\"S\":\"x\"},"
               "\":v2\":{\"N\":\"1\"}}");
  free(j);
  /* A part renders once. */
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_CONDITION, cond, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "ConditionExpression was already rendered for this request");
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_KEY, cond, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidRequest");
  bloop_expr_free(x);
  bloop_cond_release(filter);
  bloop_cond_release(key);
  bloop_cond_release(cond);

  /* A failed fragment leaves no placeholder behind; earlier ones stay. */
  x = bloop_expr_new();
  bloop_cond *ok = L(BLOOP_COND_EQ, "a", 1, "{\"N\":\"1\"}");
  bloop_cond *bad = AND(L(BLOOP_COND_EQ, "a", 1, "{\"N\":\"1\"}"),
                        L(BLOOP_COND_NE, "b", 1, "{\"N\":\"2\"}"));
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_CONDITION, ok, &err) == BLOOP_OK);
  CHECK(bloop_expr_key(x, bad, "a", NULL, &err) == BLOOP_EINVAL);
  CHECK(bloop_expr_text(x, BLOOP_EXPR_KEY) == NULL);
  CHECK(bloop_expr_name_count(x) == 1 && bloop_expr_value_count(x) == 1);
  /* ...and the key part can still be rendered after a failure. */
  CHECK(bloop_expr_key(x, ok, "a", NULL, &err) == BLOOP_OK);
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_KEY), "(#n0 = :v0)");
  bloop_expr_free(x);
  bloop_cond_release(ok);
  bloop_cond_release(bad);
}

static void check_key_error(bloop_cond *c, const char *range, const char *msg) {
  bloop_expr *x = bloop_expr_new();
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_expr_key(x, c, "pk", range, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidSearch");
  CHECK_STR(err.message, msg);
  CHECK(bloop_expr_name_count(x) == 0 && bloop_expr_value_count(x) == 0);
  bloop_expr_free(x);
  bloop_cond_release(c);
}

static void test_key(void) {
  const char *s = "{\"S\":\"h\"}", *n = "{\"N\":\"1\"}", *n2 = "{\"N\":\"2\"}";
  static const bloop_cond_op ok_ops[] = {BLOOP_COND_EQ, BLOOP_COND_LT, BLOOP_COND_LE,
                                         BLOOP_COND_GT, BLOOP_COND_GE};
  static const char *const ok_text[] = {"=", "<", "<=", ">", ">="};
  for (size_t i = 0; i < 5; i++) {
    bloop_expr *x = bloop_expr_new();
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_cond *c = AND(L(ok_ops[i], "sk", 1, n), L(BLOOP_COND_EQ, "pk", 1, s));
    CHECK(bloop_expr_key(x, c, "pk", "sk", &err) == BLOOP_OK);
    char want[64];
    snprintf(want, sizeof want, "((#n0 %s :v0) AND (#n1 = :v1))", ok_text[i]);
    const char *w = want;
    CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_KEY), w);
    bloop_expr_free(x);
    bloop_cond_release(c);
  }
  {
    bloop_expr *x = bloop_expr_new();
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_cond *c = AND(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_BETWEEN, "sk", 2, n, n2));
    CHECK(bloop_expr_key(x, c, "pk", "sk", &err) == BLOOP_OK);
    CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_KEY), "((#n0 = :v0) AND (#n1 BETWEEN :v1 AND :v2))");
    bloop_expr_free(x);
    bloop_cond_release(c);
  }
  check_key_error(NULL, NULL, "a query needs a key condition: pk = value");
  check_key_error(L(BLOOP_COND_NE, "pk", 1, s), NULL, "key condition on the hash key pk must be =, not <>");
  check_key_error(L(BLOOP_COND_EQ, "sk", 1, n), "sk", "key condition has no = on the hash key pk");
  check_key_error(L(BLOOP_COND_EQ, "other", 1, n), "sk",
                  "key condition uses other, which is not a key of this table or index (hash key pk)");
  check_key_error(L(BLOOP_COND_EQ, "pk.x", 1, n), "sk",
                  "key condition uses pk (a document path), which is not a key of this table or index (hash key pk)");
  check_key_error(AND(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_EQ, "sk", 1, n)), NULL,
                  "key condition uses sk, which is not a key of this table or index (hash key pk)");
  check_key_error(AND(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_NE, "sk", 1, n)), "sk",
                  "key condition on the range key sk cannot use <> (only = < <= > >= BETWEEN begins_with)");
  check_key_error(AND(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_IN, "sk", 1, n)), "sk",
                  "key condition on the range key sk cannot use IN (only = < <= > >= BETWEEN begins_with)");
  check_key_error(AND(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_EQ, "pk", 1, s)), "sk",
                  "key condition has two conditions on the hash key pk");
  check_key_error(AND(L(BLOOP_COND_LT, "sk", 1, n), L(BLOOP_COND_GT, "sk", 1, n)), "sk",
                  "key condition has two conditions on the range key sk");
  check_key_error(AND(AND(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_LT, "sk", 1, n)),
                      L(BLOOP_COND_GT, "sk", 1, n)), "sk",
                  "key condition ANDs 3 conditions; it takes the hash key's = and at most one on the range key");
  check_key_error(OR(L(BLOOP_COND_EQ, "pk", 1, s), L(BLOOP_COND_EQ, "pk", 1, n)), "sk",
                  "key condition cannot nest OR: use hash = value, optionally AND one condition on the range key");
  check_key_error(AND(L(BLOOP_COND_EQ, "pk", 1, s), NOT(L(BLOOP_COND_EQ, "sk", 1, n))), "sk",
                  "key condition cannot nest NOT: use hash = value, optionally AND one condition on the range key");
  check_key_error(L(BLOOP_COND_EQ, "pk", 1, "@sk"), "sk",
                  "key condition compares the key pk with another attribute; it needs a value");
  {
    bloop_expr *x = bloop_expr_new();
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_cond *c = L(BLOOP_COND_EQ, "pk", 1, s);
    CHECK(bloop_expr_key(x, c, "", NULL, &err) == BLOOP_EINVAL);
    CHECK_STR(err.message, "key condition needs the hash key's name");
    bloop_expr_free(x);
    bloop_cond_release(c);
  }
}

static void check_update_error(const bloop_update *u, size_t n, const char *msg) {
  bloop_expr *x = bloop_expr_new();
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_expr_update(x, u, n, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidRequest");
  CHECK_STR(err.message, msg);
  CHECK(bloop_expr_text(x, BLOOP_EXPR_UPDATE) == NULL && bloop_expr_name_count(x) == 0);
  bloop_expr_free(x);
}

static void test_update_projection(void) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_expr *x = bloop_expr_new();
  bloop_update up[5] = {
      {BLOOP_UPDATE_DELETE, P("tags"), {NULL, V("{\"SS\":[\"a\"]}")}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_ADD, P("n"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_REMOVE, P("gone[3]"), {NULL, NULL}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_SET, P("m.k"), {NULL, V("{\"N\":\"1.0\"}")}, BLOOP_UPDATE_FN_NONE},
      {BLOOP_UPDATE_ADD, P("ns"), {NULL, V("{\"NS\":[\"1\"]}")}, BLOOP_UPDATE_FN_NONE},
  };
  CHECK(bloop_expr_update(x, up, 5, &err) == BLOOP_OK);
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_UPDATE),
            "SET #n0.#n1 = :v0 REMOVE #n2[3] ADD #n3 :v0, #n4 :v1 DELETE #n5 :v2");
  bloop_expr_free(x);
  x = bloop_expr_new();
  CHECK(bloop_expr_update(x, up, 0, &err) == BLOOP_OK && !bloop_expr_text(x, BLOOP_EXPR_UPDATE));
  bloop_expr_free(x);

  bloop_update bad1[1] = {{BLOOP_UPDATE_ADD, P("m.k"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad1, 1, "ADD action 1 is on a document path; DynamoDB allows ADD only on top-level attributes");
  bloop_update bad2[1] = {{BLOOP_UPDATE_ADD, P("k"), {NULL, V("{\"S\":\"1\"}")}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad2, 1, "ADD action 1: ADD takes a number or a set, not S");
  bloop_update bad3[1] = {{BLOOP_UPDATE_DELETE, P("k"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad3, 1, "DELETE action 1: DELETE takes a set, not N");
  bloop_update bad4[2] = {{BLOOP_UPDATE_SET, P("a.b"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_NONE},
                          {BLOOP_UPDATE_REMOVE, P("a"), {NULL, NULL}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad4, 2, "update actions 1 and 2 change overlapping paths");
  bloop_update bad5[1] = {{BLOOP_UPDATE_ADD, P("a"), {PP("b"), NULL}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad5, 1, "ADD action 1 needs a value, not a path");
  bloop_update bad6[1] = {{BLOOP_UPDATE_SET, P("a"), {NULL, NULL}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad6, 1, "SET action 1 needs a value or a path");
  bloop_update bad7[1] = {{BLOOP_UPDATE_SET, P("[0]"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad7, 1, "SET action 1 must start with an attribute name, not a list index");
  bloop_update bad8[1] = {{(bloop_update_op)9, P("a"), {NULL, NULL}, BLOOP_UPDATE_FN_NONE}};
  check_update_error(bad8, 1, "update action  has an unknown kind");

  /* SET functions: list_append starts from an empty list (one shared placeholder), and
   * values are shared with the rest of the request as any value is. */
  {
    bloop_update fn[4] = {
        {BLOOP_UPDATE_SET, P("l"), {NULL, V("{\"L\":[{\"S\":\"x\"}]}")}, BLOOP_UPDATE_FN_APPEND},
        {BLOOP_UPDATE_SET, P("p"), {NULL, V("{\"L\":[{\"S\":\"y\"}]}")}, BLOOP_UPDATE_FN_PREPEND},
        {BLOOP_UPDATE_SET, P("c"), {NULL, V("{\"N\":\"0\"}")}, BLOOP_UPDATE_FN_IF_NOT_EXISTS},
        {BLOOP_UPDATE_ADD, P("n"), {NULL, V("{\"N\":\"0\"}")}, BLOOP_UPDATE_FN_NONE},
    };
    x = bloop_expr_new();
    CHECK(bloop_expr_update(x, fn, 4, &err) == BLOOP_OK);
    CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_UPDATE),
              "SET #n0 = list_append(if_not_exists(#n0, :v0), :v1), "
              "#n1 = list_append(:v2, if_not_exists(#n1, :v0)), "
              "#n2 = if_not_exists(#n2, :v3) ADD #n3 :v3");
    CHECK(bloop_expr_value_count(x) == 4 && bloop_expr_value(x, 0)->type == BLOOP_TYPE_L &&
          bloop_expr_value(x, 0)->u.list.count == 0);
    bloop_expr_free(x);
    bloop_update badf1[1] = {{BLOOP_UPDATE_SET, P("l"), {NULL, V("{\"S\":\"x\"}")}, BLOOP_UPDATE_FN_APPEND}};
    check_update_error(badf1, 1, "SET action 1: list_append takes a list value (L)");
    bloop_update badf2[1] = {{BLOOP_UPDATE_ADD, P("n"), {NULL, V("{\"N\":\"1\"}")}, BLOOP_UPDATE_FN_IF_NOT_EXISTS}};
    check_update_error(badf2, 1, "ADD action 1: only SET takes a function");
    /* an append counts 3 (the SET, list_append, if_not_exists): 297 REMOVEs and one
     * append are DynamoDB's 300; one REMOVE more is over */
    bloop_update *app = bloop_arena_calloc(&A, 299, sizeof *app);
    for (int i = 0; i < 298; i++) {
      char name[16];
      snprintf(name, sizeof name, "r%d", i);
      app[i].op = BLOOP_UPDATE_REMOVE;
      app[i].path = P(name);
    }
    app[298] = fn[0];
    x = bloop_expr_new();
    CHECK(bloop_expr_update(x, app + 1, 298, &err) == BLOOP_OK);
    bloop_expr_free(x);
    check_update_error(app, 299, "update has 301 operators and functions, over DynamoDB's limit of 300");
  }

  /* 300 actions pass, 301 fail: the operator limit. */
  bloop_update *many = bloop_arena_calloc(&A, 301, sizeof *many);
  for (int i = 0; i < 301; i++) {
    char name[16];
    snprintf(name, sizeof name, "a%d", i);
    many[i].op = BLOOP_UPDATE_REMOVE;
    many[i].path = P(name);
  }
  x = bloop_expr_new();
  CHECK(bloop_expr_update(x, many, 300, &err) == BLOOP_OK);
  bloop_expr_free(x);
  check_update_error(many, 301, "update has 301 operators and functions, over DynamoDB's limit of 300");

  x = bloop_expr_new();
  bloop_path pr[2] = {P("a.b[1]"), P("c")};
  CHECK(bloop_expr_projection(x, pr, 2, &err) == BLOOP_OK);
  CHECK_STR(bloop_expr_text(x, BLOOP_EXPR_PROJECTION), "#n0.#n1[1], #n2");
  bloop_expr_free(x);
  x = bloop_expr_new();
  CHECK(bloop_expr_projection(x, pr, 0, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "projection is empty");
  bloop_path prb[2] = {P("a"), P("[1]")};
  CHECK(bloop_expr_projection(x, prb, 2, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidSearch");
  CHECK_STR(err.message, "projection path 2 must start with an attribute name, not a list index");
  CHECK(bloop_expr_name_count(x) == 0);
  bloop_expr_free(x);
}

static void test_limits(void) {
  bloop_error err = BLOOP_ERROR_INIT;
  /* 4 KB: an OR of IN leaves grows past 4096 bytes; the render fails and leaves nothing. */
  bloop_cond *c = NULL;
  int leaves = 0;
  for (;;) {
    bloop_operand ops[100];
    for (int i = 0; i < 100; i++) {
      char j[40];
      snprintf(j, sizeof j, "{\"N\":\"%d\"}", leaves * 100 + i);
      ops[i].path = NULL;
      ops[i].value = V(j);
    }
    char name[16];
    snprintf(name, sizeof name, "a%d", leaves++);
    bloop_cond *leaf, *next;
    bloop_path p = P(name);
    CHECK(bloop_cond_leaf(BLOOP_COND_IN, &p, ops, 100, &leaf, &err) == BLOOP_OK);
    CHECK(bloop_cond_or(c, leaf, &next, &err) == BLOOP_OK);
    bloop_cond_release(c);
    bloop_cond_release(leaf);
    c = next;
    bloop_expr *x = bloop_expr_new();
    bloop_status st = bloop_expr_condition(x, BLOOP_EXPR_CONDITION, c, &err);
    size_t len = st == BLOOP_OK ? strlen(bloop_expr_text(x, BLOOP_EXPR_CONDITION)) : 0;
    bloop_expr_free(x);
    if (st != BLOOP_OK) {
      CHECK(st == BLOOP_EINVAL);
      CHECK_STR(err.code, "InvalidCondition");
      CHECK(strstr(err.message, "ConditionExpression is over DynamoDB's limit of 4096 bytes") !=
            NULL);
      tap_note("%s", err.message);
      break;
    }
    CHECK(len <= 4096);
    if (leaves > 20) break;
  }
  CHECK(leaves > 1 && leaves <= 20);
  bloop_cond_release(c);

  /* 2 MB of names and values. */
  size_t big = 1024 * 1024 + 10;
  char *s = malloc(big + 20);
  memcpy(s, "{\"S\":\"", 6);
  memset(s + 6, 'x', big);
  memcpy(s + 6 + big, "\"}", 3);
  bloop_value *v1 = V(s);
  s[10] = 'y';
  bloop_value *v2 = V(s);
  free(s);
  bloop_operand o1 = {NULL, v1}, o2 = {NULL, v2};
  bloop_cond *a, *b, *ab;
  CHECK(bloop_cond_leaf(BLOOP_COND_EQ, PP("a"), &o1, 1, &a, &err) == BLOOP_OK);
  CHECK(bloop_cond_leaf(BLOOP_COND_EQ, PP("b"), &o2, 1, &b, &err) == BLOOP_OK);
  ab = AND(a, b);
  bloop_expr *x = bloop_expr_new();
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_CONDITION, ab, &err) == BLOOP_EINVAL);
  CHECK_STR(err.message, "expression attribute names and values exceed 2097152 bytes");
  CHECK(bloop_expr_value_count(x) == 0);
  bloop_expr_free(x);
  bloop_cond_release(ab);
}

/* `c = c | leaf` n times: a node keeps at most 512 children flat (so building copies a
 * bounded number of pointers per step) and rendering stops as soon as the text passes
 * 4 KB, so 20,000 leaves fail at once with a clear error instead of taking seconds. */
static void test_long_chains(void) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_cond *c = NULL;
  bloop_path p = P("n");
  for (int i = 0; i < 20000; i++) {
    char j[24];
    snprintf(j, sizeof j, "{\"N\":\"%d\"}", i % 10);
    bloop_operand op = {NULL, V(j)};
    bloop_cond *leaf, *next;
    if (!CHECK(bloop_cond_leaf(BLOOP_COND_EQ, &p, &op, 1, &leaf, &err) == BLOOP_OK)) break;
    if (!CHECK(bloop_cond_or(c, leaf, &next, &err) == BLOOP_OK)) break;
    bloop_cond_release(c);
    bloop_cond_release(leaf);
    c = next;
    if (i == 511) CHECK(bloop_cond_count(c) == 512);
    if (i == 512) CHECK(bloop_cond_count(c) == 2 && bloop_cond_leaves(c) == 513);
    if (i == 199) {
      /* 200 leaves, as many as 4 KB holds: one flat OR, no nested parentheses */
      CHECK(bloop_cond_count(c) == 200 && bloop_cond_leaves(c) == 200);
      bloop_expr *x = bloop_expr_new();
      CHECK(bloop_expr_condition(x, BLOOP_EXPR_FILTER, c, &err) == BLOOP_OK);
      const char *t = bloop_expr_text(x, BLOOP_EXPR_FILTER);
      CHECK(t && strncmp(t, "((#n0 = :v0) OR (#n0 = :v1) OR ", 31) == 0 && !strstr(t + 1, "(("));
      bloop_expr_free(x);
    }
  }
  CHECK(bloop_cond_leaves(c) == 20000);
  CHECK_MSG(bloop_cond_count(c) <= 512, "a long chain is nested, not copied flat");
  bloop_expr *x = bloop_expr_new();
  CHECK(bloop_expr_condition(x, BLOOP_EXPR_FILTER, c, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidCondition");
  CHECK_MSG(strstr(err.message, "FilterExpression is over DynamoDB's limit of 4096 bytes "
                                "(rendering stopped at 4") != NULL, err.message);
  CHECK(bloop_expr_text(x, BLOOP_EXPR_FILTER) == NULL && bloop_expr_value_count(x) == 0);
  bloop_expr_free(x);
  bloop_cond_release(c);
}

int main(void) {
  test_long_chains();
  test_renders();
  test_algebra();
  test_leaf_errors();
  test_shared_allocator();
  test_key();
  test_update_projection();
  test_limits();
  bloop_arena_free(&A);
  return tap_done();
}
