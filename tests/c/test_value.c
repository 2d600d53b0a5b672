/* test_value.c: bloop_value (include/bloop/value.h): DynamoDB JSON round trips of every
 * type, decoding errors with their exact messages, equality, copy, the arena, and item
 * sizes against the rules of the AWS guide "DynamoDB item sizes and formats". */
#include "bloop/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/arena_internal.h"
#include "base/json_read.h"
#include "tap.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static bloop_status dec_value(const char *json, bloop_arena *a, bloop_value *v, bloop_error *e) {
  bloop_error_clear(e);
  return bloop_value_from_json(json, strlen(json), a, v, e);
}

static bloop_status dec_item(const char *json, bloop_arena *a, bloop_value *v, bloop_error *e) {
  bloop_error_clear(e);
  return bloop_item_from_json(json, strlen(json), a, v, e);
}

/* ---- round trips ------------------------------------------------------------------------ */

static void test_round_trips(void) {
  /* in, expected canonical out (NULL: same as in) */
  static const struct { const char *in, *out; } cases[] = {
      {"{\"S\":\"\"}", NULL},
      {"{\"S\":\"plain\"}", NULL},
      {"{\"S\":\"q\\\" b\\\\ n\\n t\\t r\\r \\u0001\\u001f \\b\\f\"}", NULL},
      {"{\"S\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"}", NULL},
      {"{\"S\":\"\\u00e9\\/\"}", "{\"S\":\"\xc3\xa9/\"}"},
      {"{\"N\":\"12345678901234567890123456789012345678\"}", NULL},
      {"{\"N\":\"-12345678901234567890123456789012345678\"}", NULL},
      {"{\"N\":\"-0\"}", NULL},
      {"{\"N\":\"0\"}", NULL},
      {"{\"N\":\"1E+125\"}", NULL},
      {"{\"N\":\"9.9999999999999999999999999999999999999E+125\"}", NULL},
      {"{\"N\":\"1E-130\"}", NULL},
      {"{\"N\":\"-1.5e-129\"}", NULL},
      {"{\"N\":\"0.000000000000000000000000000000000000000000000001\"}", NULL},
      {"{\"B\":\"\"}", NULL},
      {"{\"B\":\"AGFiAA==\"}", NULL},
      {"{\"B\":\"AP8A\"}", NULL},
      {"{\"B\":\"AP8=\"}", NULL},
      {"{\"BOOL\":true}", NULL},
      {"{\"BOOL\":false}", NULL},
      {"{\"NULL\":true}", NULL},
      {"{\"SS\":[\"a\",\"\",\"A\"]}", NULL},
      {"{\"NS\":[\"1\",\"2.5\",\"-3E+100\",\"-0.001\"]}", NULL},
      {"{\"BS\":[\"AA==\",\"AAA=\",\"AAAA\"]}", NULL},
      {"{\"L\":[]}", NULL},
      {"{\"M\":{}}", NULL},
      {"{\"L\":[{\"L\":[]},{\"M\":{}},{\"NULL\":true}]}", NULL},
      {"{\"M\":{\"a\":{\"L\":[{\"SS\":[\"x\",\"y\"]},{\"M\":{\"b\":{\"NS\":[\"1\"]},"
       "\"c\":{\"BS\":[\"AQ==\"]}}}]},\"\":{\"S\":\"empty name\"}}}",
       NULL},
      {" { \"S\" : \"spaced\" } \n", "{\"S\":\"spaced\"}"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_arena a = BLOOP_ARENA_INIT;
    bloop_value v, w;
    bloop_error e = BLOOP_ERROR_INIT;
    bloop_buf b = BLOOP_BUF_INIT;
    const char *want = cases[i].out ? cases[i].out : cases[i].in;
    if (!CHECK_MSG(dec_value(cases[i].in, &a, &v, &e) == BLOOP_OK, cases[i].in)) {
      tap_note("%s", e.message);
    } else if (CHECK_MSG(bloop_value_to_json(&v, &b, &e) == BLOOP_OK, e.message)) {
      CHECK_STR(b.data, want);
      CHECK_MSG(dec_value(b.data, &a, &w, &e) == BLOOP_OK, b.data);
      CHECK_MSG(bloop_value_equal(&v, &w), cases[i].in);
    }
    bloop_buf_free(&b);
    bloop_arena_free(&a);
  }
}

static void test_decoded_shapes(void) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_value v;
  bloop_error e = BLOOP_ERROR_INIT;
  size_t len;

  CHECK(dec_value("{\"B\":\"AGFiAA==\"}", &a, &v, &e) == BLOOP_OK);
  CHECK(v.type == BLOOP_TYPE_B);
  const char *p = bloop_value_bytes(&v, &len);
  CHECK(len == 4 && memcmp(p, "\0ab\0", 4) == 0);

  CHECK(dec_value("{\"N\":\"-0\"}", &a, &v, &e) == BLOOP_OK);
  p = bloop_value_bytes(&v, &len);
  CHECK(v.type == BLOOP_TYPE_N && len == 2 && memcmp(p, "-0", 2) == 0);   /* text kept */
  bloop_decimal d;
  CHECK(bloop_value_decimal(&v, &d, &e) == BLOOP_OK && bloop_decimal_is_zero(d));

  CHECK(dec_value("{\"N\":\"12345678901234567890123456789012345678\"}", &a, &v, &e) == BLOOP_OK);
  CHECK(bloop_value_decimal(&v, &d, &e) == BLOOP_OK);
  char buf[BLOOP_DECIMAL_STRING_MAX];
  const char *text = buf;
  bloop_decimal_format(d, buf);
  CHECK_STR(text, "12345678901234567890123456789012345678");

  CHECK(dec_item("{\"b\":{\"S\":\"2\"},\"a\":{\"BOOL\":true},\"c\":{\"L\":[{\"N\":\"7\"}]}}",
                 &a, &v, &e) == BLOOP_OK);
  CHECK(v.type == BLOOP_TYPE_M && bloop_value_count(&v) == 3);
  CHECK(v.u.map.members[0].name_len == 1 && v.u.map.members[0].name[0] == 'b');  /* order */
  CHECK(v.u.map.members[2].name[0] == 'c');
  const bloop_value *c = bloop_value_get(&v, "c", 1);
  CHECK(c && c->type == BLOOP_TYPE_L && bloop_value_count(c) == 1);
  CHECK(bloop_value_at(c, 0)->type == BLOOP_TYPE_N);
  CHECK(bloop_value_at(c, 1) == NULL);
  CHECK(bloop_value_get(&v, "zz", 2) == NULL);
  const bloop_value *av = bloop_value_get(&v, "a", 1);
  CHECK(av && av->type == BLOOP_TYPE_BOOL && av->u.boolean == 1);

  CHECK(dec_value("{\"NS\":[\"1\"]}", &a, &v, &e) == BLOOP_OK);
  CHECK(bloop_value_decimal(&v, &d, &e) == BLOOP_EINVAL);
  CHECK_STR(e.code, "TypeMismatch");
  bloop_arena_free(&a);
}

/* Items round trip too, and an item's attribute names are escaped like strings. */
static void test_item_round_trip(void) {
  const char *in =
      "{\"pk\":{\"S\":\"user#1\"},\"sk\":{\"N\":\"5\"},\"na\\\"me\\n\":{\"NULL\":true},"
      "\"bin\":{\"B\":\"AAEC\"},\"tags\":{\"SS\":[\"x\",\"y\"]},"
      "\"doc\":{\"M\":{\"l\":{\"L\":[{\"NS\":[\"1\",\"2\"]},{\"BS\":[\"AA==\"]}]}}}}";
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_value v;
  bloop_error e = BLOOP_ERROR_INIT;
  bloop_buf b = BLOOP_BUF_INIT;
  CHECK(dec_item(in, &a, &v, &e) == BLOOP_OK);
  CHECK(bloop_item_to_json(&v, &b, &e) == BLOOP_OK);
  CHECK_STR(b.data, in);
  bloop_buf_free(&b);
  bloop_arena_free(&a);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_item_errors(void) {
  static const struct { const char *in, *code, *msg; } cases[] = {
      {"{\"tags\":{\"SS\":[\"a\",\"b\",3]}}", "InvalidValue", "Item.tags.SS[2]: not a string"},
      {"{\"s\":{\"SS\":[]}}", "InvalidValue", "Item.s.SS: empty set"},
      {"{\"s\":{\"NS\":[]}}", "InvalidValue", "Item.s.NS: empty set"},
      {"{\"s\":{\"BS\":[]}}", "InvalidValue", "Item.s.BS: empty set"},
      {"{\"s\":{\"SS\":[\"a\",\"b\",\"a\"]}}", "InvalidValue",
       "Item.s.SS[2]: duplicate set member"},
      {"{\"n\":{\"NS\":[\"1\",\"2\",\"1.0\"]}}", "InvalidValue",
       "Item.n.NS[2]: duplicate set member"},
      {"{\"n\":{\"NS\":[\"0\",\"-0\"]}}", "InvalidValue", "Item.n.NS[1]: duplicate set member"},
      {"{\"b\":{\"BS\":[\"AA==\",\"AQ==\",\"AA==\"]}}", "InvalidValue",
       "Item.b.BS[2]: duplicate set member"},
      {"{\"n\":{\"N\":\"abc\"}}", "InvalidNumber",
       "Item.n.N: \"abc\" is not a number (expected digits with an optional sign, fraction "
       "and exponent)"},
      {"{\"n\":{\"N\":\"\"}}", "InvalidNumber",
       "Item.n.N: \"\" is not a number (expected digits with an optional sign, fraction and "
       "exponent)"},
      {"{\"n\":{\"N\":\"123456789012345678901234567890123456789\"}}", "Inexact",
       "Item.n.N: \"123456789012345678901234567890123456789\" has 39 significant digits "
       "(DynamoDB keeps 38 significant digits)"},
      {"{\"n\":{\"NS\":[\"1\",\"NaN\"]}}", "InvalidNumber",
       "Item.n.NS[1]: \"NaN\" is not a number (expected digits with an optional sign, "
       "fraction and exponent)"},
      {"{\"n\":{\"N\":5}}", "InvalidValue", "Item.n.N: not a string"},
      {"{\"b\":{\"B\":\"AB=C\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"B\":\"AAA\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"B\":\"QR==\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"B\":\"QUJ=\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"B\":\"AA==AA==\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"B\":\"AA A\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"B\":\"A===\"}}", "InvalidValue", "Item.b.B: not valid base64"},
      {"{\"b\":{\"BS\":[\"AA==\",\"-_8=\"]}}", "InvalidValue", "Item.b.BS[1]: not valid base64"},
      {"{\"x\":{\"Q\":\"1\"}}", "InvalidValue", "Item.x: unknown type tag \"Q\""},
      {"{\"x\":{\"s\":\"1\"}}", "InvalidValue", "Item.x: unknown type tag \"s\""},
      {"{\"x\":{\"S\":\"a\",\"N\":\"1\"}}", "InvalidValue",
       "Item.x: more than one type tag in an attribute value"},
      {"{\"x\":{}}", "InvalidValue", "Item.x: attribute value has no type tag"},
      {"{\"x\":\"a\"}", "InvalidValue", "Item.x: not an attribute value (expected an object)"},
      {"{\"x\":{\"NULL\":false}}", "InvalidValue", "Item.x.NULL: must be true"},
      {"{\"x\":{\"BOOL\":\"true\"}}", "InvalidValue", "Item.x.BOOL: not a boolean"},
      {"{\"x\":{\"L\":{}}}", "InvalidValue", "Item.x.L: not an array"},
      {"{\"x\":{\"M\":[]}}", "InvalidValue", "Item.x.M: not an object"},
      {"{\"x\":{\"SS\":\"a\"}}", "InvalidValue", "Item.x.SS: not an array"},
      {"{\"x\":{\"L\":[{\"S\":\"ok\"},{\"M\":{\"k\":{\"SS\":[\"a\",null]}}}]}}", "InvalidValue",
       "Item.x.L[1].M.k.SS[1]: not a string"},
      {"{\"a\":{\"S\":\"x\"},\"a\":{\"S\":\"y\"}}", "InvalidValue", "Item.a: duplicate key"},
      {"{\"m\":{\"M\":{\"k\":{\"S\":\"x\"},\"k\":{\"N\":\"1\"}}}}", "InvalidValue",
       "Item.m.M.k: duplicate key"},
      {"{\"s\":{\"S\":\"\xff\"}}", "InvalidValue", "Item.s.S: not valid UTF-8"},
      {"{\"s\":{\"S\":\"\xed\xa0\x80\"}}", "InvalidValue", "Item.s.S: not valid UTF-8"},
      {"{\"\xc0\xaf\":{\"S\":\"x\"}}", "InvalidValue", "Item.\xc0\xaf: name is not valid UTF-8"},
      {"[]", "InvalidValue", "Item: not an item (expected an object of attribute values)"},
      {"{\"a\":", "InvalidJSON", "Item: not valid JSON (at byte 5)"},  /* the end: a value was due */
      {"{\"a\":{\"S\":\"x\"}} x", "InvalidJSON", "Item: unexpected text after the JSON value (at byte 16)"},
      {"{\"a\\u0000b\":{\"S\":\"x\"}}", "InvalidJSON",
       "Item: the string escape \\u0000 is not supported (at byte 3)"},
      /* an unpaired surrogate escape is JSON, but not UTF-8 once decoded */
      {"{\"s\":{\"S\":\"a\\ud83d\"}}", "InvalidValue", "Item.s.S: not valid UTF-8"},
      {"{\"s\":{\"S\":\"\\ude00b\"}}", "InvalidValue", "Item.s.S: not valid UTF-8"},
      {"{\"\\ud83dx\":{\"S\":\"a\"}}", "InvalidValue", "Item.\xed\xa0\xbdx: name is not valid UTF-8"},
      {"{\"s\":{\"S\":\"\\q\"}}", "InvalidJSON", "Item: not valid JSON (at byte 11)"},
      {"{\"s\":{\"S\":\"a\nb\"}}", "InvalidJSON", "Item: not valid JSON (at byte 12)"},
      {"{\"s\":{\"S\":\"a\"},}", "InvalidJSON", "Item: not valid JSON (at byte 15)"},
      {"{\"s\":{\"L\":[{\"S\":\"a\"},]}}", "InvalidJSON", "Item: not valid JSON (at byte 21)"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_arena a = BLOOP_ARENA_INIT;
    bloop_value v;
    bloop_error e = BLOOP_ERROR_INIT;
    bloop_status st = dec_item(cases[i].in, &a, &v, &e);
    CHECK_MSG(st == BLOOP_EINVAL, cases[i].in);
    CHECK_STR(e.message, cases[i].msg);
    CHECK_STR(e.code, cases[i].code);
    CHECK(v.type == BLOOP_TYPE_NULL);   /* never a half-built tree */
    bloop_arena_free(&a);
  }
  /* An escaped backslash before "u0000" is not the \u0000 escape. */
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_value v;
  bloop_error e = BLOOP_ERROR_INIT;
  CHECK(dec_value("{\"S\":\"\\\\u0000\"}", &a, &v, &e) == BLOOP_OK);
  CHECK(v.u.bytes.len == 6 && memcmp(v.u.bytes.ptr, "\\u0000", 6) == 0);
  /* Root of a single value is "value". */
  CHECK(dec_value("{\"SS\":[1]}", &a, &v, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value.SS[0]: not a string");
  CHECK(dec_value("", &a, &v, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value: not valid JSON (at byte 0)");
  /* A string value may hold U+0000 (values are counted); a name may not (above). */
  CHECK(dec_value("{\"S\":\"x\\u0000y\"}", &a, &v, &e) == BLOOP_OK);
  CHECK(v.u.bytes.len == 3 && memcmp(v.u.bytes.ptr, "x\0y", 3) == 0);
  CHECK(dec_value("{\"SS\":[\"\\u0000\",\"\"]}", &a, &v, &e) == BLOOP_OK && v.u.list.count == 2);
  /* Escapes: the short ones, \u in all three UTF-8 lengths, and a surrogate pair. */
  CHECK(dec_value("{\"S\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"}", &a, &v, &e) ==
        BLOOP_OK);
  CHECK(v.u.bytes.len == 18 &&
        memcmp(v.u.bytes.ptr, "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 18) == 0);
  bloop_arena_free(&a);
}

/* The page reader (json_read.h) as the engine's search uses it: members in any order,
 * unknown ones skipped, items read one at a time from a saved offset, an error naming the
 * item by its index. */
static void test_page_reader(void) {
  const char *page =
      "{\"ConsumedCapacity\":{\"CapacityUnits\":0.5,\"x\":[true,null,{\"y\":-1e3}]},"
      " \"Items\" : [ {\"pk\":{\"S\":\"a\"}} , {\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"2\"}},"
      "{\"pk\":{\"N\":\"x\"}} ],\"Count\":3,\"ScannedCount\":12345678901,"
      "\"LastEvaluatedKey\":{\"pk\":{\"S\":\"b\"}}}";
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error e = BLOOP_ERROR_INIT;
  bloop_value v;
  bloopi_jr r;
  bloopi_jr_init(&r, page, strlen(page), &a, &e, "answer");
  size_t i = 0, klen, items_at = 0, count = 0, scanned = 0;
  const char *key;
  int more, keys = 0;
  CHECK(bloopi_jr_object_begin(&r) == BLOOP_OK);
  while ((more = bloopi_jr_object_next(&r, &i, &key, &klen)) == 1) {
    if (klen == 5 && memcmp(key, "Items", 5) == 0) {
      CHECK(bloopi_jr_array_begin(&r) == BLOOP_OK);
      items_at = bloopi_jr_offset(&r);
      bloopi_jr_seek(&r, items_at - 1);
      CHECK(bloopi_jr_pass(&r) == BLOOP_OK);
    } else if (klen == 5 && memcmp(key, "Count", 5) == 0) {
      CHECK(bloopi_jr_count(&r, &count) == BLOOP_OK);
    } else if (klen == 12 && memcmp(key, "ScannedCount", 12) == 0) {
      CHECK(bloopi_jr_count(&r, &scanned) == BLOOP_OK);
    } else if (klen == 16 && memcmp(key, "LastEvaluatedKey", 16) == 0) {
      CHECK(bloopi_jr_item(&r, &v) == BLOOP_OK && bloop_value_count(&v) == 1);
      keys++;
    } else {
      CHECK(bloopi_jr_skip(&r) == BLOOP_OK);
    }
  }
  CHECK(more == 0 && bloopi_jr_end(&r) == BLOOP_OK);
  CHECK(i == 5 && keys == 1 && count == 3 && scanned == 12345678901u);
  const char *want[] = {"a", "b"};
  /* each item's own text, from its '{' to its '}', whitespace around it left out */
  const char *want_text[] = {"{\"pk\":{\"S\":\"a\"}}", "{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"2\"}}"};
  size_t k = 0;
  for (size_t item = 0; item < 2; item++) {
    bloopi_jr_seek(&r, items_at);
    CHECK(bloopi_jr_array_next(&r, &k) == 1);
    bloopi_jr_set_root(&r, "Items", k - 1);
    const char *text;
    size_t text_len;
    CHECK(bloopi_jr_item_text(&r, &v, &text, &text_len) == BLOOP_OK);
    CHECK(text_len == strlen(want_text[item]) && memcmp(text, want_text[item], text_len) == 0);
    size_t len;
    const char *s = bloop_value_bytes(bloop_value_get(&v, "pk", 2), &len);
    CHECK(s && len == 1 && *s == *want[item]);
    items_at = bloopi_jr_offset(&r);
  }
  bloopi_jr_seek(&r, items_at);
  CHECK(bloopi_jr_array_next(&r, &k) == 1);
  bloopi_jr_set_root(&r, "Items", k - 1);
  CHECK(bloopi_jr_item(&r, &v) == BLOOP_EINVAL && v.type == BLOOP_TYPE_NULL);
  CHECK_STR(e.code, "InvalidNumber");
  CHECK(strncmp(e.message, "Items[2].pk.N: \"x\" is not a number", 34) == 0);
  /* a reader that failed stays failed */
  CHECK(bloopi_jr_skip(&r) == BLOOP_EINVAL);
  /* pass: brackets and quotes only; brackets inside strings do not count */
  const char *passed = "[{\"a]\":\"}\\\"\"}, 1, x] ,";
  bloopi_jr_init(&r, passed, strlen(passed), &a, &e, "answer");
  CHECK(bloopi_jr_pass(&r) == BLOOP_OK && bloopi_jr_offset(&r) == strlen(passed) - 2);
  bloopi_jr_init(&r, "[[\"]\"]", 7, &a, &e, "answer");
  CHECK(bloopi_jr_pass(&r) == BLOOP_EINVAL);

  const char *bad[] = {"{\"Count\":\"3\"}", "{\"Items\":[1,]}", "{\"a\":tru}", "{\"a\":01}",
                       "{\"a\":1.}", "{\"a\":-}", "{\"a\":[}", "{\"a\" 1}", "{} {}"};
  for (size_t b = 0; b < N_ELEMS(bad); b++) {
    bloopi_jr_init(&r, bad[b], strlen(bad[b]), &a, &e, "answer");
    i = 0;
    bloop_status st = bloopi_jr_object_begin(&r);
    while (st == BLOOP_OK && (more = bloopi_jr_object_next(&r, &i, &key, &klen)) == 1)
      st = klen == 5 && memcmp(key, "Count", 5) == 0 ? bloopi_jr_count(&r, &count)
                                                      : bloopi_jr_skip(&r);
    if (st == BLOOP_OK) st = more == 0 ? bloopi_jr_end(&r) : r.failed;
    CHECK_MSG(st == BLOOP_EINVAL && strcmp(e.code, "InvalidJSON") == 0, bad[b]);
  }
  bloop_arena_free(&a);
}

/* Nesting: 32 levels of L/M are accepted, 33 are not; the path names the offending one. */
static void test_depth(void) {
  for (int levels = 31; levels <= 34; levels++) {
    bloop_buf in = BLOOP_BUF_INIT, want = BLOOP_BUF_INIT;
    bloop_buf_puts(&in, "{\"a\":");
    bloop_buf_puts(&want, "Item.a");
    for (int i = 0; i < levels; i++) {
      bloop_buf_puts(&in, i % 2 ? "{\"M\":{\"k\":" : "{\"L\":[");
      if (i < 32) bloop_buf_puts(&want, i % 2 ? ".M.k" : ".L[0]");
    }
    bloop_buf_puts(&in, "{\"S\":\"leaf\"}");
    for (int i = levels - 1; i >= 0; i--) bloop_buf_puts(&in, i % 2 ? "}}" : "]}");
    bloop_buf_puts(&in, "}");
    /* The 33rd container (index 32, an L) is the one refused. */
    bloop_buf_puts(&want, ".L: nesting deeper than 32 levels");

    bloop_arena a = BLOOP_ARENA_INIT;
    bloop_value v;
    bloop_error e = BLOOP_ERROR_INIT;
    bloop_status st = dec_item(in.data, &a, &v, &e);
    if (levels <= 32) {
      CHECK_MSG(st == BLOOP_OK, e.message);
      bloop_buf out = BLOOP_BUF_INIT;
      CHECK(bloop_item_to_json(&v, &out, &e) == BLOOP_OK);
      CHECK_STR(out.data, in.data);
      bloop_buf_free(&out);
    } else {
      CHECK(st == BLOOP_EINVAL);
      CHECK_STR(e.message, want.data);
    }
    bloop_arena_free(&a);
    bloop_buf_free(&in);
    bloop_buf_free(&want);
  }
}

/* From an already parsed Query answer: each element of Items, named by its index. */
static void test_from_cjson(void) {
  const char *answer =
      "{\"Count\":2,\"Items\":[{\"pk\":{\"S\":\"a\"}},{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"x\"}}]}";
  cJSON *root = cJSON_Parse(answer);
  const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "Items");
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_value v;
  bloop_error e = BLOOP_ERROR_INIT;
  CHECK(bloop_item_from_cjson(cJSON_GetArrayItem(items, 0), &a, &v, "Items[0]", &e) == BLOOP_OK);
  CHECK(bloop_value_get(&v, "pk", 2) != NULL);
  CHECK(bloop_item_from_cjson(cJSON_GetArrayItem(items, 1), &a, &v, "Items[1]", &e) ==
        BLOOP_EINVAL);
  CHECK_STR(e.message, "Items[1].n.N: \"x\" is not a number (expected digits with an optional "
                       "sign, fraction and exponent)");
  CHECK(bloop_value_from_cjson(cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetArrayItem(items, 0), "pk"),
                               &a, &v, NULL, &e) == BLOOP_OK);
  CHECK(v.type == BLOOP_TYPE_S && v.u.bytes.len == 1);
  cJSON_Delete(root);

  /* Answers are parsed by bloop_json_parse, which refuses what cJSON would cut short. */
  CHECK(bloop_json_parse(answer, strlen(answer), "answer", &root, &e) == BLOOP_OK);
  CHECK(root && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "Items")) == 2);
  cJSON_Delete(root);
  const char *nul = "{\"Item\":{\"pk\":{\"S\":\"a\\u0000b\"}}}";
  CHECK(bloop_json_parse(nul, strlen(nul), "GetItem answer", &root, &e) == BLOOP_EINVAL);
  CHECK(root == NULL);
  CHECK_STR(e.code, "InvalidJSON");
  CHECK_STR(e.message, "GetItem answer: the string escape \\u0000 is not supported (at byte 21)");
  CHECK(bloop_json_parse("{} {}", 5, "answer", &root, &e) == BLOOP_EINVAL && root == NULL);
  CHECK_STR(e.message, "answer: unexpected text after the JSON value (at byte 3)");
  bloop_arena_free(&a);
}

/* ---- equality and copy ---------------------------------------------------------------- */

static void test_equality(void) {
  static const struct { const char *a, *b; int eq; } cases[] = {
      {"{\"N\":\"1.0\"}", "{\"N\":\"1\"}", 1},
      {"{\"N\":\"-0\"}", "{\"N\":\"0\"}", 1},
      {"{\"N\":\"1E+2\"}", "{\"N\":\"100\"}", 1},
      {"{\"N\":\"0.10\"}", "{\"N\":\".1\"}", 1},
      {"{\"N\":\"1\"}", "{\"N\":\"1.0000000000000000000000000000000000001\"}", 0},
      {"{\"S\":\"1\"}", "{\"N\":\"1\"}", 0},
      {"{\"S\":\"AA==\"}", "{\"B\":\"AA==\"}", 0},
      {"{\"S\":\"a\"}", "{\"S\":\"a \"}", 0},
      {"{\"B\":\"AA==\"}", "{\"B\":\"AAA=\"}", 0},
      {"{\"BOOL\":true}", "{\"BOOL\":false}", 0},
      {"{\"NULL\":true}", "{\"NULL\":true}", 1},
      {"{\"SS\":[\"a\",\"b\",\"c\"]}", "{\"SS\":[\"c\",\"a\",\"b\"]}", 1},
      {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"b\",\"c\"]}", 0},
      {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"c\"]}", 0},
      {"{\"NS\":[\"1\",\"2\"]}", "{\"NS\":[\"2.0\",\"1\"]}", 1},
      {"{\"NS\":[\"1\",\"2\"]}", "{\"SS\":[\"1\",\"2\"]}", 0},
      {"{\"BS\":[\"AA==\",\"AQ==\"]}", "{\"BS\":[\"AQ==\",\"AA==\"]}", 1},
      {"{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}", "{\"L\":[{\"S\":\"b\"},{\"S\":\"a\"}]}", 0},
      {"{\"L\":[{\"N\":\"1\"}]}", "{\"L\":[{\"N\":\"1.00\"}]}", 1},
      {"{\"L\":[]}", "{\"M\":{}}", 0},
      {"{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}}",
       "{\"M\":{\"b\":{\"S\":\"x\"},\"a\":{\"N\":\"1.0\"}}}", 1},
      {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}}", 0},
      {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"b\":{\"N\":\"1\"}}}", 0},
      /* larger than the small-set path: sorted comparison */
      {"{\"NS\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\","
       "\"13\",\"14\",\"15\",\"16\",\"17\",\"18\"]}",
       "{\"NS\":[\"18\",\"17.0\",\"16\",\"15\",\"14\",\"13\",\"12\",\"11\",\"10\",\"9\",\"8\","
       "\"7\",\"6\",\"5\",\"4\",\"3\",\"2\",\"1E0\"]}",
       1},
      {"{\"SS\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\","
       "\"n\",\"o\",\"p\",\"q\"]}",
       "{\"SS\":[\"q\",\"p\",\"o\",\"n\",\"m\",\"l\",\"k\",\"j\",\"i\",\"h\",\"g\",\"f\",\"e\","
       "\"d\",\"c\",\"b\",\"z\"]}",
       0},
  };
  bloop_arena a = BLOOP_ARENA_INIT;
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_value x, y;
    bloop_error e = BLOOP_ERROR_INIT;
    if (!CHECK_MSG(dec_value(cases[i].a, &a, &x, &e) == BLOOP_OK, e.message) ||
        !CHECK_MSG(dec_value(cases[i].b, &a, &y, &e) == BLOOP_OK, e.message))
      continue;
    CHECK_MSG(bloop_value_equal(&x, &y) == cases[i].eq, cases[i].a);
    CHECK_MSG(bloop_value_equal(&y, &x) == cases[i].eq, cases[i].b);
    CHECK_MSG(bloop_value_equal(&x, &x), cases[i].a);
  }
  bloop_arena_free(&a);
}

static void test_copy(void) {
  const char *in =
      "{\"pk\":{\"S\":\"k\"},\"b\":{\"B\":\"AGFiAA==\"},\"m\":{\"M\":{\"l\":{\"L\":[{\"SS\":"
      "[\"x\"]},{\"NS\":[\"1\",\"2\"]},{\"BOOL\":false},{\"NULL\":true},{\"M\":{}}]}}}}";
  bloop_arena a1 = BLOOP_ARENA_INIT, a2 = BLOOP_ARENA_INIT;
  bloop_value v, c, again;
  bloop_error e = BLOOP_ERROR_INIT;
  CHECK(dec_item(in, &a1, &v, &e) == BLOOP_OK);
  CHECK(bloop_value_copy(&c, &v, &a2, &e) == BLOOP_OK);
  bloop_arena_free(&a1);               /* the copy must not point into the first arena */
  bloop_buf b = BLOOP_BUF_INIT;
  CHECK(bloop_item_to_json(&c, &b, &e) == BLOOP_OK);
  CHECK_STR(b.data, in);
  CHECK(dec_item(in, &a2, &again, &e) == BLOOP_OK);
  CHECK(bloop_value_equal(&c, &again));
  bloop_buf_free(&b);
  bloop_arena_free(&a2);
}

/* ---- building --------------------------------------------------------------------------- */

static void test_build(void) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error e = BLOOP_ERROR_INIT;
  bloop_value item, *s;
  bloop_buf b = BLOOP_BUF_INIT;
  CHECK(bloop_value_set_map(&item, &a, 0, &e) == BLOOP_OK);
  CHECK(bloop_value_set_s(bloop_value_map_put(&item, &a, "pk", 2), &a, "a\0b", 3, &e) ==
        BLOOP_OK);
  CHECK(bloop_value_set_n(bloop_value_map_put(&item, &a, "n", 1), &a, "1.50", 4, &e) ==
        BLOOP_OK);
  s = bloop_value_map_put(&item, &a, "set", 3);
  CHECK(bloop_value_set_list(s, &a, BLOOP_TYPE_NS, 0, &e) == BLOOP_OK);
  for (int i = 0; i < 40; i++) {   /* grows past its initial capacity several times */
    bloop_decimal d = bloop_decimal_from_int64(i);
    CHECK(bloop_value_set_n_decimal(bloop_value_append(s, &a), &a, d, &e) == BLOOP_OK);
  }
  CHECK(bloop_value_count(s) == 40);
  bloop_value_set_bool(bloop_value_map_put(&item, &a, "n", 1), 1);   /* replaces */
  CHECK(bloop_value_count(&item) == 3);
  CHECK(bloop_value_get(&item, "n", 1)->type == BLOOP_TYPE_BOOL);
  CHECK(bloop_item_to_json(&item, &b, &e) == BLOOP_OK);
  CHECK(strncmp(b.data, "{\"pk\":{\"S\":\"a\\u0000b\"},\"n\":{\"BOOL\":true},\"set\":{\"NS\":"
                        "[\"0\",\"1\",",
                34) == 0);
  bloop_buf_reset(&b);

  /* Constructors and the encoder refuse what DynamoDB would. */
  bloop_value v;
  CHECK(bloop_value_set_n(&v, &a, "1e999", 5, &e) == BLOOP_EINVAL);
  CHECK_STR(e.code, "Overflow");
  CHECK(bloop_value_set_list(&v, &a, BLOOP_TYPE_S, 1, &e) == BLOOP_EINVAL);
  CHECK(bloop_value_set_list(&v, &a, BLOOP_TYPE_SS, 2, &e) == BLOOP_OK);
  CHECK(bloop_value_to_json(&v, &b, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value.SS: empty set");
  CHECK(bloop_value_set_s(bloop_value_append(&v, &a), &a, "x", 1, &e) == BLOOP_OK);
  bloop_value_append(&v, &a);   /* left unfilled */
  CHECK(bloop_value_to_json(&v, &b, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value.SS[1]: set member is NONE, expected S");
  CHECK(bloop_value_set_s(&v.u.list.items[1], &a, "x", 1, &e) == BLOOP_OK);
  CHECK(bloop_value_to_json(&v, &b, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value.SS[1]: duplicate set member");
  CHECK(bloop_value_set_s(&v.u.list.items[1], &a, "\xff", 1, &e) == BLOOP_OK);
  CHECK(bloop_value_validate(&v, NULL, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value.SS[1]: not valid UTF-8");
  bloop_value l;
  CHECK(bloop_value_set_list(&l, &a, BLOOP_TYPE_L, 0, &e) == BLOOP_OK);
  bloop_value_append(&l, &a);
  CHECK(bloop_value_validate(&l, NULL, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "value.L[0]: unfilled value");
  bloop_value m;
  CHECK(bloop_value_set_map(&m, &a, 2, &e) == BLOOP_OK);
  bloop_value_set_null(bloop_value_map_add(&m, &a, "k", 1));
  bloop_value_set_null(bloop_value_map_add(&m, &a, "k", 1));
  CHECK(bloop_item_validate(&m, NULL, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "Item.k: duplicate key");
  CHECK(bloop_item_to_json(&m, &b, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "Item.k: duplicate key");
  bloop_buf_free(&b);
  bloop_arena_free(&a);
}

/* The builder's helpers for callers that assemble values piece by piece (the binding). */
static void test_build_helpers(void) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error e = BLOOP_ERROR_INIT;
  bloop_buf b = BLOOP_BUF_INIT;
  CHECK(bloop_type_member(BLOOP_TYPE_SS) == BLOOP_TYPE_S);
  CHECK(bloop_type_member(BLOOP_TYPE_NS) == BLOOP_TYPE_N);
  CHECK(bloop_type_member(BLOOP_TYPE_BS) == BLOOP_TYPE_B);
  CHECK(bloop_type_member(BLOOP_TYPE_L) == BLOOP_TYPE_NONE);
  CHECK(bloop_type_member(BLOOP_TYPE_S) == BLOOP_TYPE_NONE);

  /* pop: the undo of an append, on lists, sets and maps; nothing on empty or scalars */
  bloop_value l, m, s;
  CHECK(bloop_value_set_list(&l, &a, BLOOP_TYPE_L, 1, &e) == BLOOP_OK);
  bloop_value_set_bool(bloop_value_append(&l, &a), 1);
  bloop_value_append(&l, &a);
  bloop_value_pop(&l);
  CHECK(bloop_value_count(&l) == 1);
  bloop_value_pop(&l);
  bloop_value_pop(&l);
  CHECK(bloop_value_count(&l) == 0);
  CHECK(bloop_value_set_map(&m, &a, 0, &e) == BLOOP_OK);
  bloop_value_set_null(bloop_value_map_add(&m, &a, "a", 1));
  bloop_value_map_add(&m, &a, "b", 1);
  bloop_value_pop(&m);
  CHECK(bloop_item_to_json(&m, &b, &e) == BLOOP_OK);
  CHECK_STR(b.data, "{\"a\":{\"NULL\":true}}");
  bloop_buf_reset(&b);
  bloop_value_set_bool(&s, 0);
  bloop_value_pop(&s);
  CHECK(s.type == BLOOP_TYPE_BOOL && s.u.boolean == 0);

  /* dedupe: later equal members go (NS numerically), the first of each stays, in order */
  static const char *const ns[] = {"1", "2", "1.0", "3", "2", "01"};
  CHECK(bloop_value_set_list(&s, &a, BLOOP_TYPE_NS, 0, &e) == BLOOP_OK);
  for (size_t i = 0; i < N_ELEMS(ns); i++)
    CHECK(bloop_value_set_n(bloop_value_append(&s, &a), &a, ns[i], strlen(ns[i]), &e) ==
          BLOOP_OK);
  CHECK(bloop_value_dedupe(&s, &e) == BLOOP_OK);
  CHECK(bloop_value_to_json(&s, &b, &e) == BLOOP_OK);
  CHECK_STR(b.data, "{\"NS\":[\"1\",\"2\",\"3\"]}");
  bloop_buf_reset(&b);
  CHECK(bloop_value_set_list(&s, &a, BLOOP_TYPE_SS, 0, &e) == BLOOP_OK);
  for (int i = 0; i < 40; i++) {   /* past the small-set path: sorted comparison */
    char t[8];
    int n = snprintf(t, sizeof t, "m%d", i % 25);
    CHECK(bloop_value_set_s(bloop_value_append(&s, &a), &a, t, (size_t)n, &e) == BLOOP_OK);
  }
  CHECK(bloop_value_dedupe(&s, &e) == BLOOP_OK);
  CHECK(bloop_value_count(&s) == 25);
  CHECK(bloop_value_validate(&s, NULL, &e) == BLOOP_OK);
  size_t len;
  CHECK_STR(bloop_value_bytes(bloop_value_at(&s, 24), &len), "m24");
  CHECK(bloop_value_dedupe(&l, &e) == BLOOP_OK);   /* not a set: untouched */
  bloop_buf_free(&b);
  bloop_arena_free(&a);
}

/* ---- arena -------------------------------------------------------------------------------- */

static void test_arena(void) {
  bloop_arena a = BLOOP_ARENA_INIT;
  char *p[200];
  for (int i = 0; i < 200; i++) {
    size_t n = (size_t)(i * 37 % 3000);
    p[i] = bloop_arena_alloc(&a, n);
    CHECK(p[i] != NULL && ((uintptr_t)p[i] % _Alignof(max_align_t)) == 0);
    memset(p[i], i, n);
  }
  char *big = bloop_arena_alloc(&a, 5 * 1024 * 1024);   /* a chunk of its own */
  CHECK(big != NULL);
  memset(big, 1, 5 * 1024 * 1024);
  for (int i = 0; i < 200; i++) {
    size_t n = (size_t)(i * 37 % 3000);
    int ok = 1;
    for (size_t k = 0; k < n; k++) ok &= p[i][k] == (char)i;
    CHECK(ok);
  }
  char *s = bloop_arena_memdup(&a, "ab\0c", 4);
  CHECK(s && memcmp(s, "ab\0c", 5) == 0);
  CHECK(bloop_arena_alloc(&a, (size_t)-1) == NULL);
  CHECK(bloop_arena_calloc(&a, (size_t)-1 / 2, 4) == NULL);
  bloop_arena_reset(&a);
  CHECK(a.used == 0);
  int *z = bloop_arena_calloc(&a, 10, sizeof *z);
  CHECK(z && z[0] == 0 && z[9] == 0);
  CHECK((void *)z == (void *)p[0]);   /* reset reuses the first chunk from its start */
  bloop_arena_free(&a);
  CHECK(a.head == NULL);
}

/* bloopi_arena_absorb: what one arena allocated lives on in the other, which keeps
 * allocating, and frees it all (ASan runs this). */
static void test_arena_absorb(void) {
  bloop_arena into = BLOOP_ARENA_INIT, from = BLOOP_ARENA_INIT, empty = BLOOP_ARENA_INIT;
  char *before = bloop_arena_memdup(&into, "into", 4);
  char *moved[40];
  for (int i = 0; i < 40; i++) moved[i] = bloop_arena_memdup(&from, "abcdefghij", 10);
  char *big = bloop_arena_alloc(&from, 100000);
  memset(big, 7, 100000);
  bloop_arena_reset(&empty);
  bloopi_arena_absorb(&into, &from);
  CHECK(from.head == NULL && from.spare == NULL && from.used == 0);
  char *after = bloop_arena_memdup(&into, "after", 5);
  int ok = strcmp(before, "into") == 0 && strcmp(after, "after") == 0 && big[99999] == 7;
  for (int i = 0; i < 40; i++) ok &= strcmp(moved[i], "abcdefghij") == 0;
  CHECK(ok);
  /* into an empty arena, and an arena with spare chunks */
  char *again = bloop_arena_memdup(&from, "again", 5);
  bloopi_arena_absorb(&empty, &from);
  CHECK(strcmp(again, "again") == 0 && empty.head != NULL);
  bloop_arena_reset(&empty);
  bloopi_arena_absorb(&into, &empty);
  CHECK(into.spare != NULL && empty.head == NULL && empty.spare == NULL);
  bloopi_arena_absorb(&into, &into);   /* itself: nothing moves */
  CHECK(strcmp(after, "after") == 0);
  bloop_arena_free(&into);
  CHECK(into.head == NULL && into.spare == NULL);
}

/* ---- sizes --------------------------------------------------------------------------------
 * Rules from the AWS guide "DynamoDB item sizes and formats" (CapacityUnitCalculations):
 * name bytes + String UTF-8 bytes; Number (digits/2)+1; Binary raw bytes; Null/Boolean 1;
 * List/Map 3 + 1 per element + elements. */

static size_t item_size(const char *json) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_value v;
  bloop_error e = BLOOP_ERROR_INIT;
  size_t s = (size_t)-1;
  if (CHECK_MSG(dec_item(json, &a, &v, &e) == BLOOP_OK, e.message)) s = bloop_item_size(&v);
  bloop_arena_free(&a);
  return s;
}

static void test_sizes(void) {
  static const struct { const char *item; size_t size; } cases[] = {
      {"{\"name\":{\"S\":\"abc\"}}", 4 + 3},
      {"{\"n\":{\"S\":\"\xc3\xa9\xe2\x82\xac\"}}", 1 + 5},        /* UTF-8 bytes, not chars */
      {"{\"\xc3\xa9\":{\"S\":\"\"}}", 2 + 0},
      {"{\"n\":{\"N\":\"123\"}}", 1 + 2 + 1},                     /* 3 digits: 2 + 1 */
      {"{\"n\":{\"N\":\"1234\"}}", 1 + 2 + 1},
      {"{\"n\":{\"N\":\"0.00100\"}}", 1 + 1 + 1},                 /* zeros trimmed: 1 digit */
      {"{\"n\":{\"N\":\"-0\"}}", 1 + 1 + 1},
      {"{\"n\":{\"N\":\"12345678901234567890123456789012345678\"}}", 1 + 19 + 1},
      {"{\"b\":{\"B\":\"AGFiAA==\"}}", 1 + 4},                    /* raw bytes, not base64 */
      {"{\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true}}", 1 + 1 + 1 + 1},
      {"{\"l\":{\"L\":[]}}", 1 + 3},
      {"{\"m\":{\"M\":{}}}", 1 + 3},
      {"{\"l\":{\"L\":[{\"S\":\"ab\"},{\"N\":\"1\"}]}}", 1 + 3 + (1 + 2) + (1 + 2)},
      {"{\"m\":{\"M\":{\"ab\":{\"S\":\"xy\"}}}}", 1 + 3 + (1 + 2 + 2)},
      {"{\"s\":{\"SS\":[\"ab\",\"c\"]},\"ns\":{\"NS\":[\"1\",\"22\",\"333\"]}}",
       1 + 3 + 2 + 2 + 2 + 3},
      {"{\"bs\":{\"BS\":[\"AAEC\",\"AA==\"]}}", 2 + 3 + 1},
      /* Cross-check with a third-party estimator (ddbitemsizer's README example: 141). */
      {"{\"itemType\":{\"S\":\"SLOT\"},\"id\":{\"S\":\"abc1231\"},\"hostName\":{\"S\":"
       "\"Harry Mason\"},\"timeSlot\":{\"S\":\"February 23, 1999\"},\"slotStatus\":{\"S\":"
       "\"OPEN\"},\"createdAt\":{\"S\":\"February 1, 1999\"},\"updatedAt\":{\"S\":"
       "\"February 1, 1999\"},\"expiresAt\":{\"N\":\"2099\"}}",
       141},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    size_t got = item_size(cases[i].item);
    if (!CHECK_MSG(got == cases[i].size, cases[i].item))
      tap_note("size %zu, expected %zu", got, cases[i].size);
  }
}

static void test_check_size(void) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error e = BLOOP_ERROR_INIT;
  bloop_value item;
  size_t fill = BLOOP_ITEM_SIZE_MAX - (2 + 6) - 4;   /* pk + "user#1", "data" name */
  char *big = malloc(fill + 1);
  memset(big, 'x', fill + 1);
  CHECK(bloop_value_set_map(&item, &a, 2, &e) == BLOOP_OK);
  CHECK(bloop_value_set_s(bloop_value_map_add(&item, &a, "pk", 2), &a, "user#1", 6, &e) ==
        BLOOP_OK);
  CHECK(bloop_value_set_s(bloop_value_map_add(&item, &a, "data", 4), &a, big, fill, &e) ==
        BLOOP_OK);
  CHECK(bloop_item_size(&item) == BLOOP_ITEM_SIZE_MAX);
  CHECK(bloop_item_check_size(&item, "pk,sk", &e) == BLOOP_OK);   /* exactly 400 KB fits */
  CHECK(bloop_value_set_s(bloop_value_map_put(&item, &a, "data", 4), &a, big, fill + 1, &e) ==
        BLOOP_OK);
  CHECK(bloop_item_check_size(&item, "pk,sk", &e) == BLOOP_EINVAL);
  CHECK_STR(e.code, "ItemTooLarge");
  CHECK_STR(e.message, "item {pk: {\"S\":\"user#1\"}, sk: (missing)} is 409601 bytes, over "
                       "DynamoDB's limit of 409600 bytes (400 KB)");
  CHECK(bloop_item_check_size(&item, "data", &e) == BLOOP_EINVAL);   /* long key: cut */
  CHECK(strstr(e.message, "item {data: {\"S\":\"xxx") == e.message);
  CHECK(strstr(e.message, "xxx...} is 409601 bytes") != NULL);
  CHECK(bloop_item_check_size(&item, NULL, &e) == BLOOP_EINVAL);
  CHECK_STR(e.message, "item is 409601 bytes, over DynamoDB's limit of 409600 bytes (400 KB)");
  free(big);
  bloop_arena_free(&a);
}

int main(void) {
  test_round_trips();
  test_decoded_shapes();
  test_item_round_trip();
  test_item_errors();
  test_depth();
  test_page_reader();
  test_from_cjson();
  test_equality();
  test_copy();
  test_build();
  test_build_helpers();
  test_arena();
  test_arena_absorb();
  test_sizes();
  test_check_size();
  return tap_done();
}
