/*
 * fuzz_decimal.c: libFuzzer target for bloop_decimal (include/bloop/decimal.h).
 *
 * Input: one byte choosing extra checks, then "A,B" (two texts for the parser; B may be
 * missing). Every parse that succeeds must print canonical text that parses back to the
 * same value and prints the same again; every pair runs through + - * / and compare, and
 * the algebra that exactness guarantees must hold ((a+b)-b == a, (a*b)/b == a, ...). The
 * first 8 bytes after the selector are also read as a double for from_double. A broken
 * property traps, which libFuzzer reports as a crash with the input saved.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/decimal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)              \
  do {                          \
    if (!(c)) __builtin_trap(); \
  } while (0)

static int same(bloop_decimal a, bloop_decimal b) {
  return a.coef == b.coef && a.exp == b.exp && a.neg == b.neg;
}

/* Canonical text: bounded, parses back to d, and is a fixed point. */
static void check_text(bloop_decimal d) {
  char t1[BLOOP_DECIMAL_STRING_MAX], t2[BLOOP_DECIMAL_STRING_MAX];
  size_t n = bloop_decimal_format(d, t1);
  REQUIRE(n < BLOOP_DECIMAL_STRING_MAX && n == strlen(t1));
  bloop_decimal back;
  bloop_error err = BLOOP_ERROR_INIT;
  REQUIRE(bloop_decimal_parse(&back, t1, n, &err) == BLOOP_OK);
  REQUIRE(same(back, d));
  bloop_decimal_format(back, t2);
  REQUIRE(strcmp(t1, t2) == 0);
  /* shown with a scale: bounded, and still the same value */
  for (int scale = 1; scale <= BLOOP_DECIMAL_DIGITS; scale += 7) {
    n = bloop_decimal_format_scale(d, scale, t2);
    REQUIRE(n < BLOOP_DECIMAL_STRING_MAX && n == strlen(t2));
    REQUIRE(bloop_decimal_parse(&back, t2, n, &err) == BLOOP_OK && same(back, d));
  }
  /* conversions never crash; an int64 that comes out goes back in unchanged */
  int64_t i;
  if (bloop_decimal_to_int64(d, &i, &err) == BLOOP_OK)
    REQUIRE(same(bloop_decimal_from_int64(i), d));
  else
    REQUIRE(err.status == BLOOP_EINVAL && err.code[0]);
  (void)bloop_decimal_to_double(d);
}

static void check_pair(bloop_decimal a, bloop_decimal b) {
  bloop_decimal r, s;
  bloop_error err = BLOOP_ERROR_INIT;
  int c = bloop_decimal_compare(a, b);
  REQUIRE(c >= -1 && c <= 1 && c == -bloop_decimal_compare(b, a));
  REQUIRE((c == 0) == same(a, b));
  if (bloop_decimal_add(&s, a, b, &err) == BLOOP_OK) {
    check_text(s);
    REQUIRE(bloop_decimal_sub(&r, s, b, &err) == BLOOP_OK && same(r, a));
  } else {
    REQUIRE(err.status == BLOOP_EINVAL && err.code[0]);
  }
  if (bloop_decimal_sub(&s, a, b, &err) == BLOOP_OK) {
    check_text(s);
    REQUIRE((bloop_decimal_is_zero(s) ? 0 : s.neg ? -1 : 1) == c);
  }
  if (bloop_decimal_mul(&s, a, b, &err) == BLOOP_OK) {
    check_text(s);
    if (!bloop_decimal_is_zero(b))
      REQUIRE(bloop_decimal_div(&r, s, b, &err) == BLOOP_OK && same(r, a));
  }
  if (bloop_decimal_div(&s, a, b, &err) == BLOOP_OK) {
    check_text(s);
    REQUIRE(bloop_decimal_mul(&r, s, b, &err) == BLOOP_OK && same(r, a));
  } else {
    REQUIRE(err.status == BLOOP_EINVAL && err.code[0]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  if (len >= sizeof(double) && (data[0] & 1)) {
    double v;
    memcpy(&v, text, sizeof v);
    bloop_decimal d;
    if (bloop_decimal_from_double(&d, v, NULL) == BLOOP_OK) {
      check_text(d);
      REQUIRE(bloop_decimal_to_double(d) == v);
    }
  }
  const char *comma = memchr(text, ',', len);
  size_t la = comma ? (size_t)(comma - text) : len;
  bloop_decimal a, b;
  bloop_error err = BLOOP_ERROR_INIT;
  if (bloop_decimal_parse(&a, text, la, &err) != BLOOP_OK) {
    REQUIRE(err.status == BLOOP_EINVAL && err.code[0] && err.message[0]);
    return 0;
  }
  check_text(a);
  if (!comma) {
    check_pair(a, a);
    return 0;
  }
  if (bloop_decimal_parse(&b, comma + 1, len - la - 1, &err) != BLOOP_OK) return 0;
  check_text(b);
  check_pair(a, b);
  check_pair(b, a);
  return 0;
}
