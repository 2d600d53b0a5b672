/* test_decimal.c: bloop_decimal against DynamoDB's number rules (include/bloop/decimal.h).
 * Tables for parsing, text, order, arithmetic and conversions, then a seeded property loop
 * (set BLOOP_TEST_SEED to replay a printed seed). */
#include "bloop/decimal.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A value from text the test trusts; a failed parse is a failed check and yields 0. */
static bloop_decimal D(const char *text) {
  bloop_decimal d = bloop_decimal_from_int64(0);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  if (!CHECK_MSG(bloop_decimal_parse(&d, text, strlen(text), &err) == BLOOP_OK, text))
    tap_note("%s: %s", text, err.message);
  return d;
}

static const char *S(bloop_decimal d, char buf[BLOOP_DECIMAL_STRING_MAX]) {
  bloop_decimal_format(d, buf);
  return buf;
}

static int same(bloop_decimal a, bloop_decimal b) {
  return a.coef == b.coef && a.exp == b.exp && a.neg == b.neg;
}

/* ---- parsing and canonical text ------------------------------------------------------ */

static void test_parse_good(void) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"0", "0"}, {"-0", "0"}, {"+0", "0"}, {"0.000", "0"}, {"-0.0E-3", "0"},
      {"0e999999999999999999999", "0"}, {"00000", "0"}, {"1", "1"}, {"+1", "1"},
      {"-1", "-1"}, {"1.", "1"}, {".5", "0.5"}, {"-.5", "-0.5"}, {"0001.5000", "1.5"},
      {"100", "100"}, {"1e2", "100"}, {"1E+2", "100"}, {"123.45", "123.45"},
      {"12345e-2", "123.45"}, {"0.001", "0.001"}, {"1e-3", "0.001"},
      {"0.000001", "0.000001"}, {"0.0000001", "1E-7"}, {"0.00000012", "1.2E-7"},
      {"-0.00000123", "-0.00000123"}, {"1e100", "1E+100"}, {"1.5e100", "1.5E+100"},
      {"1E37", "10000000000000000000000000000000000000"}, {"1E38", "1E+38"},
      {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
      {"123456789012345678901234567890123456780", "1.2345678901234567890123456789012345678E+38"},
      {"-1.2345678901234567890123456789012345678",
       "-1.2345678901234567890123456789012345678"},
      {"0.00012345678901234567890123456789012345678",
       "0.00012345678901234567890123456789012345678"},
      {"1.000000000000000000000000000000000000000000", "1"},
      {"100000000000000000000000000000000000000000000000000000000", "1E+56"},
      {"1E-130", "1E-130"}, {"-1E-130", "-1E-130"}, {"1.5E-130", "1.5E-130"},
      {"0.1E-129", "1E-130"}, {"10E-131", "1E-130"},
      {"9.9999999999999999999999999999999999999E+125",
       "9.9999999999999999999999999999999999999E+125"},
      {"-9.9999999999999999999999999999999999999E+125",
       "-9.9999999999999999999999999999999999999E+125"},
      {"0.01E+127", "1E+125"}, {"1e0000000000000000000000000000000000005", "100000"},
      {"9223372036854775807", "9223372036854775807"},
      {"1E+000", "1"}, {"5E-7", "5E-7"}, {"-5E-6", "-0.000005"},
  };
  char buf[BLOOP_DECIMAL_STRING_MAX];
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_decimal d = D(cases[i].in);
    if (!CHECK_STR(S(d, buf), cases[i].out)) tap_note("input %s", cases[i].in);
    CHECK(same(D(buf), d)); /* the canonical text reads back as the same value */
  }
  /* Length-bounded: the bytes after len are not read. */
  bloop_decimal d;
  CHECK(bloop_decimal_parse(&d, "12xyz", 2, NULL) == BLOOP_OK);
  CHECK_STR(S(d, buf), "12");
}

static void test_parse_bad(void) {
  static const struct {
    const char *in, *code;
  } cases[] = {
      {"", "InvalidNumber"}, {".", "InvalidNumber"}, {"+", "InvalidNumber"},
      {"-", "InvalidNumber"}, {"+.", "InvalidNumber"}, {"e5", "InvalidNumber"},
      {".e5", "InvalidNumber"}, {"1e", "InvalidNumber"}, {"1e+", "InvalidNumber"},
      {"1e-", "InvalidNumber"}, {"1e5.5", "InvalidNumber"}, {"1..2", "InvalidNumber"},
      {"1.2.3", "InvalidNumber"}, {"--1", "InvalidNumber"}, {"+-1", "InvalidNumber"},
      {" 1", "InvalidNumber"}, {"1 ", "InvalidNumber"}, {"1\n", "InvalidNumber"},
      {"NaN", "InvalidNumber"}, {"nan", "InvalidNumber"}, {"Infinity", "InvalidNumber"},
      {"-Infinity", "InvalidNumber"}, {"inf", "InvalidNumber"}, {"sNaN", "InvalidNumber"},
      {"0x10", "InvalidNumber"}, {"0x1p3", "InvalidNumber"}, {"1_000", "InvalidNumber"},
      {"1,5", "InvalidNumber"}, {"١", "InvalidNumber"}, {"1e5e5", "InvalidNumber"},
      {"1d5", "InvalidNumber"}, {"E", "InvalidNumber"},
      /* 39 significant digits */
      {"123456789012345678901234567890123456789", "Inexact"},
      {"1.00000000000000000000000000000000000001", "Inexact"},
      {"0.000123456789012345678901234567890123456789", "Inexact"},
      {"1000000000000000000000000000000000000001", "Inexact"},
      /* range */
      {"1E-131", "Underflow"}, {"-1E-131", "Underflow"}, {"0.99E-130", "Underflow"},
      {"9.9999999999999999999999999999999999999E-131", "Underflow"},
      {"1E+126", "Overflow"}, {"-1E+126", "Overflow"}, {"10E+125", "Overflow"},
      {"1e99999999999999999999999999", "Overflow"},
      {"1e-99999999999999999999999999", "Underflow"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_decimal d = bloop_decimal_from_int64(7), before = d;
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_status st = bloop_decimal_parse(&d, cases[i].in, strlen(cases[i].in), &err);
    if (!CHECK_MSG(st == BLOOP_EINVAL, cases[i].in)) continue;
    if (!CHECK_STR(err.code, cases[i].code)) tap_note("input \"%s\"", cases[i].in);
    CHECK(err.status == BLOOP_EINVAL);
    CHECK(err.message[0] != '\0');
    CHECK(same(d, before)); /* *out untouched on failure */
  }
  /* An embedded NUL is a byte outside the grammar, not an end of input. */
  bloop_decimal d;
  bloop_error err = BLOOP_ERROR_INIT;
  CHECK(bloop_decimal_parse(&d, "1\0002", 3, &err) == BLOOP_EINVAL);
  CHECK_STR(err.code, "InvalidNumber");
  CHECK(bloop_decimal_parse(&d, NULL, 0, &err) == BLOOP_EINVAL);
  /* Messages quote the input, escaped and capped. */
  bloop_decimal_parse(&d, "12\x01", 3, &err);
  CHECK(strstr(err.message, "\"12\\x01\" is not a number") == err.message);
  char longtext[500];
  memset(longtext, '7', sizeof longtext);
  bloop_decimal_parse(&d, longtext, sizeof longtext, &err);
  CHECK_STR(err.code, "Inexact");
  CHECK(strstr(err.message, "...\" has 500 significant digits") != NULL);
  CHECK(strlen(err.message) < 200);
  bloop_decimal_parse(&d, "1E-131", 6, &err);
  CHECK_STR(err.message, "\"1E-131\" underflows (DynamoDB numbers other than 0 are at "
                         "least 1E-130 in magnitude)");
  /* A long run of zeros around few significant digits is fine: they are not kept. */
  char zeros[1000];
  memset(zeros, '0', sizeof zeros);
  zeros[0] = '0';
  zeros[1] = '.';
  zeros[120] = '4';
  zeros[121] = '2';
  char buf[BLOOP_DECIMAL_STRING_MAX];
  CHECK(bloop_decimal_parse(&d, zeros, sizeof zeros, &err) == BLOOP_OK);
  CHECK_STR(S(d, buf), "4.2E-119");
}

static void test_negative_zero(void) {
  char buf[BLOOP_DECIMAL_STRING_MAX];
  bloop_decimal z = D("-0"), pz = D("0");
  CHECK(same(z, pz));
  CHECK(z.neg == 0);
  CHECK(bloop_decimal_is_zero(z));
  CHECK_STR(S(bloop_decimal_negate(pz), buf), "0");
  CHECK(bloop_decimal_compare(z, pz) == 0);
  bloop_decimal r;
  CHECK(bloop_decimal_mul(&r, D("-1"), D("0"), NULL) == BLOOP_OK);
  CHECK_STR(S(r, buf), "0");
  CHECK(bloop_decimal_sub(&r, D("-2.5"), D("-2.5"), NULL) == BLOOP_OK);
  CHECK_STR(S(r, buf), "0");
  CHECK(r.neg == 0);
  CHECK(bloop_decimal_div(&r, D("0"), D("-3"), NULL) == BLOOP_OK);
  CHECK_STR(S(r, buf), "0");
  CHECK(bloop_decimal_from_double(&r, -0.0, NULL) == BLOOP_OK);
  CHECK(same(r, pz));
}

/* ---- order --------------------------------------------------------------------------- */

static void test_compare(void) {
  static const struct {
    const char *a, *b;
    int want;
  } cases[] = {
      {"0", "-0", 0}, {"1", "1.000", 0}, {"1", "2", -1}, {"2", "1", 1}, {"-1", "1", -1},
      {"-1", "-2", 1}, {"0", "1E-130", -1}, {"0", "-1E-130", 1}, {"-1E-130", "1E-130", -1},
      {"0.1", "0.10000000000000000000000000000000000001", -1},
      {"1E+125", "9.9999999999999999999999999999999999999E+124", 1},
      {"123.45", "123.4500", 0}, {"99", "100", -1}, {"-99", "-100", 1},
      {"1.5", "1.49999999999999999999999999999999999", 1},
      {"12345678901234567890123456789012345678", "12345678901234567890123456789012345679", -1},
      {"1E+100", "1E+99", 1}, {"1E-100", "1E-99", -1}, {"-1E-100", "-1E-99", 1},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_decimal a = D(cases[i].a), b = D(cases[i].b);
    int got = bloop_decimal_compare(a, b), back = bloop_decimal_compare(b, a);
    if (!CHECK(got == cases[i].want && back == -cases[i].want))
      tap_note("compare(%s, %s) = %d", cases[i].a, cases[i].b, got);
  }
}

/* ---- arithmetic ---------------------------------------------------------------------- */

typedef bloop_status (*binop)(bloop_decimal *, bloop_decimal, bloop_decimal, bloop_error *);

static binop op_fn(char op) {
  switch (op) {
    case '+': return bloop_decimal_add;
    case '-': return bloop_decimal_sub;
    case '*': return bloop_decimal_mul;
    default: return bloop_decimal_div;
  }
}

static void test_arith(void) {
  /* want is the canonical result, or the error code when code is set. */
  static const struct {
    const char *a;
    char op;
    const char *b, *want, *code;
  } cases[] = {
      {"1", '+', "2", "3", NULL},
      {"0.1", '+', "0.2", "0.3", NULL},
      {"1.5", '+', "-1.5", "0", NULL},
      {"-1.25", '+', "0.25", "-1", NULL},
      {"1E+100", '+', "1E+100", "2E+100", NULL},
      {"99999999999999999999999999999999999999", '+', "1", "1E+38", NULL},
      {"99999999999999999999999999999999999999", '+', "0.1", NULL, "Inexact"},
      {"99999999999999999999999999999999999990", '+', "10", "1E+38", NULL},
      {"1E+38", '-', "1", "99999999999999999999999999999999999999", NULL},
      {"1E+50", '-', "9.9999999999999999999999999999999999999E+49", "1000000000000", NULL},
      {"1E+125", '+', "1E-130", NULL, "Inexact"},
      {"1", '+', "1E-37", "1.0000000000000000000000000000000000001", NULL},
      {"1", '+', "1E-38", NULL, "Inexact"},
      {"9.9999999999999999999999999999999999999E+125", '+', "1E+88", NULL, "Overflow"},
      {"9.9999999999999999999999999999999999999E+125", '+', "1E+87", NULL, "Inexact"},
      {"9E+125", '+', "9E+125", NULL, "Overflow"},
      {"-9E+125", '-', "9E+125", NULL, "Overflow"},
      {"1.5E-130", '-', "1.4E-130", NULL, "Underflow"},
      {"0", '-', "5", "-5", NULL},
      {"5", '-', "0", "5", NULL},
      {"0", '+', "0", "0", NULL},
      {"3", '-', "5", "-2", NULL},
      {"-3", '-', "-5", "2", NULL},
      {"2", '*', "3", "6", NULL},
      {"-2", '*', "3", "-6", NULL},
      {"-2", '*', "-3", "6", NULL},
      {"0.1", '*', "0.1", "0.01", NULL},
      {"25", '*', "4", "100", NULL},
      {"1.25", '*', "0.8", "1", NULL},
      {"1E+100", '*', "1E+25", "1E+125", NULL},
      {"1E+100", '*', "1E+26", NULL, "Overflow"},
      {"1E-100", '*', "1E-30", "1E-130", NULL},
      {"1E-100", '*', "1E-31", NULL, "Underflow"},
      {"1234567890123456789", '*', "1234567890123456789",
       "1524157875323883675019051998750190521", NULL},
      {"12345678901234567890", '*', "12345678901234567890",
       "1.524157875323883675019051998750190521E+38", NULL},
      {"12345678901234567891", '*', "12345678901234567891", NULL, "Inexact"},
      {"99999999999999999999999999999999999999", '*',
       "99999999999999999999999999999999999999", NULL, "Inexact"},
      {"2", '*', "50000000000000000000000000000000000000", "1E+38", NULL},
      {"1099511627776", '*', "1099511627776", "1208925819614629174706176", NULL},
      {"0", '*', "-1E+125", "0", NULL},
      {"1", '/', "4", "0.25", NULL},
      {"1", '/', "3", NULL, "Inexact"},
      {"2", '/', "3", NULL, "Inexact"},
      {"10", '/', "4", "2.5", NULL},
      {"-7", '/', "8", "-0.875", NULL},
      {"6", '/', "-3", "-2", NULL},
      {"1", '/', "1024", "0.0009765625", NULL},
      {"1", '/', "0.5", "2", NULL},
      {"0.3", '/', "0.1", "3", NULL},
      {"1", '/', "7", NULL, "Inexact"},
      {"21", '/', "7", "3", NULL},
      {"1", '/', "0", NULL, "DivisionByZero"},
      {"0", '/', "0", NULL, "DivisionByZero"},
      {"0", '/', "5", "0", NULL},
      {"1", '/', "1E-30", "1000000000000000000000000000000", NULL},
      {"1E+100", '/', "1E-30", NULL, "Overflow"},
      {"1E-100", '/', "1E+31", NULL, "Underflow"},
      /* 2^-126 needs 89 digits */
      {"1", '/', "85070591730234615865843651857942052864", NULL, "Inexact"},
      /* 5^-54 = 2^54 * 10^-54 */
      {"1", '/', "5551115123125782702118158340454101562.5", "1.8014398509481984E-37", NULL},
      {"12345678901234567890123456789012345678", '/', "2",
       "6172839450617283945061728394506172839", NULL},
      {"12345678901234567890123456789012345679", '/', "2",
       "6172839450617283945061728394506172839.5", NULL},
      {"99999999999999999999999999999999999999", '/', "2", NULL, "Inexact"},
      {"99999999999999999999999999999999999999", '/', "99999999999999999999999999999999999999",
       "1", NULL},
  };
  char buf[BLOOP_DECIMAL_STRING_MAX];
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_decimal a = D(cases[i].a), b = D(cases[i].b), r = bloop_decimal_from_int64(42);
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_status st = op_fn(cases[i].op)(&r, a, b, &err);
    if (cases[i].code) {
      if (!CHECK(st == BLOOP_EINVAL && strcmp(err.code, cases[i].code) == 0))
        tap_note("%s %c %s: status %d code %s, result %s", cases[i].a, cases[i].op,
                 cases[i].b, (int)st, err.code, S(r, buf));
      CHECK(same(r, bloop_decimal_from_int64(42)));
    } else {
      if (!CHECK(st == BLOOP_OK && strcmp(S(r, buf), cases[i].want) == 0))
        tap_note("%s %c %s: status %d (%s) result %s, want %s", cases[i].a, cases[i].op,
                 cases[i].b, (int)st, err.message, S(r, buf), cases[i].want);
    }
  }
  /* Messages name the operation and the operands. */
  bloop_decimal r;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_decimal_div(&r, D("1"), D("3"), &err);
  CHECK_STR(err.message, "1/3 is inexact (DynamoDB keeps 38 significant digits)");
  bloop_decimal_sub(&r, D("-9E+125"), D("9E+125"), &err);
  CHECK_STR(err.message, "-9E+125-9E+125 overflows (DynamoDB numbers stay below 1E+126)");
  bloop_decimal_mul(&r, D("1E-100"), D("-1E-31"), &err);
  CHECK_STR(err.code, "Underflow");
  CHECK_STR(err.message, "1E-100*(-1E-31) underflows (DynamoDB numbers other than 0 are "
                         "at least 1E-130 in magnitude)");
  bloop_decimal_div(&r, D("2.5"), D("0"), &err);
  CHECK_STR(err.message, "2.5/0 divides by zero");
  /* out may alias an operand. */
  bloop_decimal a = D("1.5");
  CHECK(bloop_decimal_add(&a, a, a, NULL) == BLOOP_OK);
  CHECK_STR(S(a, buf), "3");
  /* a NULL error record is allowed */
  CHECK(bloop_decimal_div(&a, a, D("0"), NULL) == BLOOP_EINVAL);
}

static void test_unary(void) {
  char buf[BLOOP_DECIMAL_STRING_MAX];
  CHECK_STR(S(bloop_decimal_negate(D("1.5")), buf), "-1.5");
  CHECK_STR(S(bloop_decimal_negate(D("-1.5")), buf), "1.5");
  CHECK_STR(S(bloop_decimal_abs(D("-1E-130")), buf), "1E-130");
  CHECK_STR(S(bloop_decimal_abs(D("2")), buf), "2");
  static const struct {
    const char *in;
    int want;
  } ints[] = {{"0", 1}, {"1", 1}, {"-1", 1}, {"1E+100", 1}, {"100", 1}, {"1.5", 0},
              {"0.1", 0}, {"1E-130", 0}, {"-12345.000", 1}, {"-12345.001", 0}};
  for (size_t i = 0; i < N_ELEMS(ints); i++)
    CHECK_MSG(bloop_decimal_is_integer(D(ints[i].in)) == ints[i].want, ints[i].in);
}

static void test_format_scale(void) {
  char buf[BLOOP_DECIMAL_STRING_MAX];
  static const struct {
    const char *in;
    int scale;
    const char *want;
  } cases[] = {{"1.1", 2, "1.10"},   {"1.1", 1, "1.1"},    {"1.1", 0, "1.1"},
               {"0", 2, "0.00"},     {"-3", 1, "-3.0"},    {"1E+100", 3, "1E+100"},
               {"1E-7", 9, "1E-7"},  {"0.001", 4, "0.0010"}, {"1.234", 2, "1.234"},
               {"12345678901234567890123456789012345678", 38,
                "12345678901234567890123456789012345678"}};
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    size_t n = bloop_decimal_format_scale(D(cases[i].in), cases[i].scale, buf);
    const char *got = buf;
    CHECK_STR(got, cases[i].want);
    CHECK_MSG(n == strlen(cases[i].want), cases[i].in);
  }
}

/* ---- conversions --------------------------------------------------------------------- */

static void test_from_double(void) {
  static const struct {
    double v;
    const char *want, *code;
  } cases[] = {
      {0.1, "0.1", NULL}, {3.14, "3.14", NULL}, {-3.14, "-3.14", NULL}, {0.0, "0", NULL},
      {-0.0, "0", NULL}, {1.0, "1", NULL}, {0.3, "0.3", NULL}, {1.0 / 3.0, "0.3333333333333333", NULL},
      {0.1 + 0.2, "0.30000000000000004", NULL}, {1e22, "10000000000000000000000", NULL},
      {1e100, "1E+100", NULL}, {1.5e-7, "1.5E-7", NULL}, {123456789.125, "123456789.125", NULL},
      {9007199254740993.0, "9007199254740992", NULL}, {2.5e125, "2.5E+125", NULL},
      {1e-130, "1E-130", NULL}, {5e-324, NULL, "Underflow"}, {1e300, NULL, "Overflow"},
      {-1e300, NULL, "Overflow"}, {1e126, NULL, "Overflow"}, {1e-131, NULL, "Underflow"},
      {NAN, NULL, "InvalidNumber"}, {INFINITY, NULL, "InvalidNumber"},
      {-INFINITY, NULL, "InvalidNumber"}, {1.7976931348623157e308, NULL, "Overflow"},
  };
  char buf[BLOOP_DECIMAL_STRING_MAX];
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    bloop_decimal d = bloop_decimal_from_int64(42);
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_status st = bloop_decimal_from_double(&d, cases[i].v, &err);
    if (cases[i].code) {
      if (!CHECK(st == BLOOP_EINVAL && strcmp(err.code, cases[i].code) == 0))
        tap_note("from_double(%.17g): %s %s", cases[i].v, err.code, S(d, buf));
    } else {
      if (!CHECK(st == BLOOP_OK && strcmp(S(d, buf), cases[i].want) == 0))
        tap_note("from_double(%.17g) = %s (%s), want %s", cases[i].v, buf, err.message,
                 cases[i].want);
      CHECK(bloop_decimal_to_double(d) == cases[i].v);
    }
  }
  bloop_decimal d;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_decimal_from_double(&d, 1e300, &err);
  CHECK_STR(err.message, "float 1e+300 overflows (DynamoDB numbers stay below 1E+126)");
  bloop_decimal_from_double(&d, NAN, &err);
  CHECK_STR(err.message, "float nan is not a number DynamoDB can store");
}

static void test_int64(void) {
  static const int64_t good[] = {0, 1, -1, 10, 1000000, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                                 -9000000000000000000LL, 9000000000000000000LL};
  char buf[BLOOP_DECIMAL_STRING_MAX], wantbuf[32];
  const char *want = wantbuf;
  for (size_t i = 0; i < N_ELEMS(good); i++) {
    bloop_decimal d = bloop_decimal_from_int64(good[i]);
    snprintf(wantbuf, sizeof wantbuf, "%" PRId64, good[i]);
    CHECK_STR(S(d, buf), want);
    int64_t back = 7;
    CHECK(bloop_decimal_to_int64(d, &back, NULL) == BLOOP_OK && back == good[i]);
    CHECK(same(D(want), d));
  }
  static const struct {
    const char *in;
    int64_t want;
    const char *code;
  } cases[] = {
      {"9223372036854775807", INT64_MAX, NULL},
      {"-9223372036854775808", INT64_MIN, NULL},
      {"9.223372036854775807E+18", INT64_MAX, NULL},
      {"1E+18", 1000000000000000000LL, NULL},
      {"-1E+18", -1000000000000000000LL, NULL},
      {"9223372036854775808", 0, "IntegerOverflow"},
      {"-9223372036854775809", 0, "IntegerOverflow"},
      {"1E+19", 0, "IntegerOverflow"},
      {"1E+125", 0, "IntegerOverflow"},
      {"-9.9999999999999999999999999999999999999E+125", 0, "IntegerOverflow"},
      {"1.5", 0, "NotInteger"},
      {"-0.5", 0, "NotInteger"},
      {"1E-130", 0, "NotInteger"},
      {"10.0", 10, NULL},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    int64_t v = 7;
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_status st = bloop_decimal_to_int64(D(cases[i].in), &v, &err);
    if (cases[i].code) {
      CHECK_MSG(st == BLOOP_EINVAL && strcmp(err.code, cases[i].code) == 0, cases[i].in);
      CHECK(v == 7);
    } else {
      CHECK_MSG(st == BLOOP_OK && v == cases[i].want, cases[i].in);
    }
  }
  int64_t v;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_decimal_to_int64(D("1.5"), &v, &err);
  CHECK_STR(err.message, "1.5 is not an integer");
  bloop_decimal_to_int64(D("9223372036854775808"), &v, &err);
  CHECK_STR(err.message, "9223372036854775808 does not fit a 64-bit integer");
}

static void test_to_double(void) {
  static const struct {
    const char *in;
    double want;
  } cases[] = {
      {"0", 0.0}, {"0.1", 0.1}, {"-3.14", -3.14}, {"1E+125", 1e125}, {"1E-130", 1e-130},
      {"9.9999999999999999999999999999999999999E+125", 1e126},
      {"12345678901234567890123456789012345678", 1.2345678901234568e37},
      {"9007199254740993", 9007199254740992.0},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++)
    CHECK_MSG(bloop_decimal_to_double(D(cases[i].in)) == cases[i].want, cases[i].in);
  CHECK(signbit(bloop_decimal_to_double(D("-0"))) == 0);
}

/* ---- properties ---------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static int rnd_in(int lo, int hi) { return lo + (int)(rnd() % (uint64_t)(hi - lo + 1)); }

/* A random valid decimal as text: mostly few digits and nearby exponents, so sums and
 * quotients are often exact, with some full-width and extreme values mixed in. */
static void rnd_text(char *out) {
  int nd = rnd_in(0, 3) == 0 ? rnd_in(1, 38) : rnd_in(1, 6);
  char digits[40];
  for (int i = 0; i < nd; i++) digits[i] = (char)('0' + rnd_in(0, 9));
  digits[0] = (char)('1' + rnd_in(0, 8));
  digits[nd] = '\0';
  int adj = rnd_in(0, 4) == 0 ? rnd_in(BLOOP_DECIMAL_ADJ_MIN, BLOOP_DECIMAL_ADJ_MAX)
                              : rnd_in(-8, 8);
  if (rnd_in(0, 9) == 0) {
    strcpy(out, "0");
    return;
  }
  sprintf(out, "%s%c.%sE%d", rnd_in(0, 1) ? "-" : "", digits[0], digits + 1, adj);
}

static void test_properties(void) {
  uint64_t seed = (uint64_t)time(NULL);
  const char *env = getenv("BLOOP_TEST_SEED");
  if (env && *env) seed = strtoull(env, NULL, 10);
  rng_state = seed;
  tap_note("property seed %" PRIu64 " (BLOOP_TEST_SEED=%" PRIu64 " to replay)", seed, seed);
  int exact_sums = 0, exact_products = 0, exact_quotients = 0, bad = 0;
  char ta[64], tb[64], buf[BLOOP_DECIMAL_STRING_MAX], buf2[BLOOP_DECIMAL_STRING_MAX];
  for (int iter = 0; iter < 20000 && bad < 10; iter++) {
    rnd_text(ta);
    rnd_text(tb);
    bloop_decimal a = D(ta), b = D(tb), s, r, p, q;
    int ok = 1;
    /* text round trip, and the canonical text is stable */
    size_t n = bloop_decimal_format(a, buf);
    ok &= n < BLOOP_DECIMAL_STRING_MAX && n == strlen(buf);
    ok &= same(D(buf), a);
    bloop_decimal_format(D(buf), buf2);
    ok &= strcmp(buf, buf2) == 0;
    /* double conversion agrees with strtod of the text */
    ok &= bloop_decimal_to_double(a) == strtod(ta, NULL);
    int c = bloop_decimal_compare(a, b);
    ok &= c == -bloop_decimal_compare(b, a);
    ok &= (c == 0) == same(a, b);
    if (bloop_decimal_add(&s, a, b, NULL) == BLOOP_OK) {
      exact_sums++;
      ok &= bloop_decimal_sub(&r, s, b, NULL) == BLOOP_OK && same(r, a);
      bloop_decimal s2;
      ok &= bloop_decimal_add(&s2, b, a, NULL) == BLOOP_OK && same(s, s2);
    }
    bloop_decimal diff;
    if (bloop_decimal_sub(&diff, a, b, NULL) == BLOOP_OK) {
      int sign = bloop_decimal_is_zero(diff) ? 0 : diff.neg ? -1 : 1;
      ok &= sign == c;
    } else {
      ok &= c != 0; /* equal operands always subtract exactly to 0 */
    }
    if (bloop_decimal_mul(&p, a, b, NULL) == BLOOP_OK && !bloop_decimal_is_zero(b)) {
      exact_products++;
      ok &= bloop_decimal_div(&q, p, b, NULL) == BLOOP_OK && same(q, a);
    }
    if (bloop_decimal_div(&q, a, b, NULL) == BLOOP_OK) {
      exact_quotients++;
      ok &= bloop_decimal_mul(&p, q, b, NULL) == BLOOP_OK && same(p, a);
    }
    if (!CHECK(ok)) {
      tap_note("property failed for a=%s b=%s", ta, tb);
      bad++;
    }
  }
  tap_note("exact sums %d, products %d, quotients %d of 20000", exact_sums, exact_products,
           exact_quotients);
  CHECK(exact_sums > 1000 && exact_products > 1000 && exact_quotients > 500);
}

int main(void) {
  test_parse_good();
  test_parse_bad();
  test_negative_zero();
  test_compare();
  test_arith();
  test_unary();
  test_format_scale();
  test_from_double();
  test_int64();
  test_to_double();
  test_properties();
  return tap_done();
}
