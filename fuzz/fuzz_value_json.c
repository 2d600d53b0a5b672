/* fuzz_value_json.c: libFuzzer target for the DynamoDB JSON decoder (src/base/json_read.c,
 * behind value_json.c). Input is tried as an item, then as one attribute value. Whatever
 * decodes must encode, and decode → encode → decode must give an equal value whose encoding
 * is byte-identical (the encoder is a function of the value). Copy and size are exercised on
 * the way. The input is also read as a query answer, the way the engine reads pages
 * (members skipped, Items read lazily from a saved offset). Whatever the reader accepts,
 * as a value or as a page, cJSON (a separate JSON parser) must accept too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bloop/value.h"
#include "base/json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
  if (!ok) abort();
}

/* A \uD800-\uDFFF escape: JSON's grammar allows one unpaired (RFC 8259, 8.2) and the
 * reader skips it, or refuses it as UTF-8 where a value or name keeps it; cJSON refuses
 * the text outright. Such inputs are left out of the comparison. */
static int has_surrogate_escape(const char *t, size_t n) {
  for (size_t i = 0; i + 3 < n; i++)
    if (t[i] == '\\' && t[i + 1] == 'u' && (t[i + 2] == 'd' || t[i + 2] == 'D') &&
        strchr("89abcdefABCDEF", t[i + 3]) && t[i + 3])
      return 1;
  return 0;
}

static int cjson_accepts(const char *text, size_t size) {
  if (has_surrogate_escape(text, size)) return 1;
  cJSON *j = cJSON_ParseWithLength(text, size);
  int ok = j != NULL;
  cJSON_Delete(j);
  return ok;
}

/* engine_search.c's walk over an answer: 1 when the whole text was read without an error. */
static int read_page(const char *text, size_t size) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  bloopi_jr r;
  bloopi_jr_init(&r, text, size, &a, &err, "answer");
  size_t i = 0, klen, n, items_at = 0, k = 0;
  const char *key;
  int more, has_items = 0, has_count = 0, has_key = 0, ok = 0;
  bloop_value v;
  if (bloopi_jr_object_begin(&r)) goto done;
  /* a member met twice is refused, as engine_search.c refuses it */
  while ((more = bloopi_jr_object_next(&r, &i, &key, &klen)) == 1) {
    if (klen == 5 && memcmp(key, "Count", 5) == 0) {
      if (has_count++) goto twice;
      if (bloopi_jr_count(&r, &n)) goto done;
    } else if (klen == 16 && memcmp(key, "LastEvaluatedKey", 16) == 0) {
      if (has_key++) goto twice;
      if (bloopi_jr_item(&r, &v)) goto done;
    } else if (klen == 5 && memcmp(key, "Items", 5) == 0) {
      if (has_items) goto twice;
      if (bloopi_jr_array_begin(&r)) goto done;
      items_at = bloopi_jr_offset(&r);
      has_items = 1;
      bloopi_jr_seek(&r, items_at - 1);
      if (bloopi_jr_pass(&r)) goto done;
    } else if (bloopi_jr_skip(&r)) {
      goto done;
    }
  }
  if (more < 0 || bloopi_jr_end(&r)) goto done;
  ok = 1;
  while (has_items) {
    bloopi_jr_seek(&r, items_at);
    more = bloopi_jr_array_next(&r, &k);
    if (more == 0) break;
    bloopi_jr_set_root(&r, "Items", k - 1);
    if (more < 0 || bloopi_jr_item(&r, &v)) {
      check(err.message[0] != '\0');
      ok = 0;  /* the items were passed over unchecked: this one was not JSON or no item */
      break;
    }
    items_at = bloopi_jr_offset(&r);
  }
  goto done;
twice:
  bloop_error_set(&err, BLOOP_EINVAL, "InvalidJSON", "answer: a member appears twice");
done:
  check(ok || err.message[0] != '\0');
  bloop_arena_free(&a);
  return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_value v, w, c;
  bloop_buf b1 = BLOOP_BUF_INIT, b2 = BLOOP_BUF_INIT;
  const char *text = (const char *)data;
  int item = 1;
  if (read_page(text, size)) check(cjson_accepts(text, size));
  if (bloop_item_from_json(text, size, &a, &v, &err) != BLOOP_OK) {
    check(v.type == BLOOP_TYPE_NULL);
    item = 0;
    if (bloop_value_from_json(text, size, &a, &v, &err) != BLOOP_OK) {
      check(v.type == BLOOP_TYPE_NULL && err.message[0] != '\0');
      goto done;
    }
  }
  check(cjson_accepts(text, size));
  check((item ? bloop_item_to_json(&v, &b1, &err) : bloop_value_to_json(&v, &b1, &err)) ==
        BLOOP_OK);
  check((item ? bloop_item_from_json(b1.data, b1.len, &a, &w, &err)
              : bloop_value_from_json(b1.data, b1.len, &a, &w, &err)) == BLOOP_OK);
  check(bloop_value_equal(&v, &w) && bloop_value_equal(&w, &v));
  check((item ? bloop_item_to_json(&w, &b2, &err) : bloop_value_to_json(&w, &b2, &err)) ==
        BLOOP_OK);
  check(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
  check(bloop_value_copy(&c, &v, &a, &err) == BLOOP_OK && bloop_value_equal(&c, &v));
  check((item ? bloop_item_size(&c) : bloop_value_size(&c)) ==
        (item ? bloop_item_size(&v) : bloop_value_size(&v)));
  if (item) (void)bloop_item_check_size(&v, "pk,sk", &err);
done:
  bloop_buf_free(&b1);
  bloop_buf_free(&b2);
  bloop_arena_free(&a);
  return 0;
}
