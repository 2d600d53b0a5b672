/* fuzz_value_json.c: libFuzzer target for the DynamoDB JSON decoder (src/core/value_json.c).
 * Input is tried as an item, then as one attribute value. Whatever decodes must encode, and
 * decode → encode → decode must give an equal value whose encoding is byte-identical (the
 * encoder is a function of the value). Copy and size are exercised on the way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
  if (!ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bloop_arena a = BLOOP_ARENA_INIT;
  bloop_error err;
  bloop_value v, w, c;
  bloop_buf b1 = BLOOP_BUF_INIT, b2 = BLOOP_BUF_INIT;
  const char *text = (const char *)data;
  int item = 1;
  if (bloop_item_from_json(text, size, &a, &v, &err) != BLOOP_OK) {
    check(v.type == BLOOP_TYPE_NULL);
    item = 0;
    if (bloop_value_from_json(text, size, &a, &v, &err) != BLOOP_OK) {
      check(v.type == BLOOP_TYPE_NULL && err.message[0] != '\0');
      goto done;
    }
  }
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
