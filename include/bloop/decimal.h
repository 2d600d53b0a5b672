/*
 * decimal.h: DynamoDB's number type as an exact decimal value (no heap, passed by value).
 *
 * Owns: parsing DynamoDB's N text, the canonical text, a total order, exact + - * /, and
 * exact conversions to and from int64 and double. Every value that exists satisfies
 * DynamoDB's rules: at most 38 significant digits and, unless zero, a magnitude from 1E-130
 * to 9.9999999999999999999999999999999999999E+125. An operation whose exact result breaks
 * them fails with BLOOP_EINVAL and a bloop_error coded "Inexact", "Overflow", "Underflow" or
 * "DivisionByZero"; nothing is ever rounded silently (boto3's DYNAMODB_CONTEXT traps the
 * same conditions). Does not own: the JSON wire form ({"N": text} is built elsewhere from
 * bloop_decimal_format), nor any Lua value (src/lua/ldecimal.c is the binding).
 *
 * Text accepted by bloop_decimal_parse (the common core of Python's Decimal and Java's
 * BigDecimal grammars, without NaN/Infinity, whitespace or "_" separators; what we send is
 * always the canonical text below, so the lenient forms never reach DynamoDB):
 *     [+-] ( digits [ "." [digits] ] | "." digits ) [ (e|E) [+-] digits ]
 * so "1.", ".5", "+1", "1e5", "-0.0E-3" are numbers; "", ".", "+", "1e", "e5", " 1",
 * "0x10", "NaN", "Infinity", "1_000" are not. Leading and trailing zeros are not
 * significant: "0001.5000" has 2 significant digits and
 * "1.000000000000000000000000000000000000000000" is exactly 1.
 *
 * Canonical text (bloop_decimal_format): equal values print the same. With adj the exponent
 * of the leading digit (123.45 → 2, 0.001 → -3), the value prints positionally when
 * -6 <= adj <= 37 ("0", "-12.5", "0.000001", and every integer below 1E+38 in full) and
 * otherwise in scientific form with one digit before the point, an upper-case E and a signed
 * exponent ("1E-7", "-2.5E+38", "1E-130"). No trailing zeros, no "+" sign, no "-0".
 */
#ifndef BLOOP_DECIMAL_H
#define BLOOP_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "bloop/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BLOOP_DECIMAL_DIGITS 38      /* significant digits DynamoDB keeps */
#define BLOOP_DECIMAL_ADJ_MAX 125    /* exponent of the leading digit, largest */
#define BLOOP_DECIMAL_ADJ_MIN (-130) /* exponent of the leading digit, smallest nonzero */
#define BLOOP_DECIMAL_STRING_MAX 64  /* bloop_decimal_format's buffer, NUL included */

/* value = (neg ? -1 : 1) * coef * 10^exp. Always normalised, so equal values have equal
 * fields: coef < 10^38 with no trailing zero digit, and zero is {0, 0, 0}. Read the fields
 * if useful; build values only through the functions below. */
typedef struct bloop_decimal {
  unsigned __int128 coef;
  int32_t exp;
  int32_t neg;
} bloop_decimal;

/* Functions that return a bloop_status write *out only on success; on failure *out is
 * untouched and err (when not NULL) says why. Operands are taken by value, so out may
 * alias one of them. */

/* Parses len bytes of text (no NUL needed; embedded bytes outside the grammar fail with
 * "InvalidNumber"). Too many significant digits is "Inexact"; out of range is "Overflow" or
 * "Underflow". */
bloop_status bloop_decimal_parse(bloop_decimal *out, const char *text, size_t len,
                                 bloop_error *err);

/* Writes the canonical text and a NUL into buf (BLOOP_DECIMAL_STRING_MAX bytes); returns
 * the length without the NUL. */
size_t bloop_decimal_format(bloop_decimal d, char buf[BLOOP_DECIMAL_STRING_MAX]);

/* The canonical text with at least scale digits after the point ("1.1" with scale 2 is
 * "1.10"), as bloop_decimal_format otherwise. Scientific forms and scale <= 0 print
 * canonically. For showing a number as it was written: the value, not the text, is what
 * is compared and sent (DynamoDB keeps no trailing zeros either). */
size_t bloop_decimal_format_scale(bloop_decimal d, int scale,
                                  char buf[BLOOP_DECIMAL_STRING_MAX]);

/* Total order: -1, 0 or 1. Zero has one value, so -0 == 0. */
int bloop_decimal_compare(bloop_decimal a, bloop_decimal b);

bloop_status bloop_decimal_add(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err);
bloop_status bloop_decimal_sub(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err);
bloop_status bloop_decimal_mul(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err);
/* 1/4 is 0.25; 1/3 is "Inexact"; x/0 is "DivisionByZero" (0/0 too). */
bloop_status bloop_decimal_div(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err);

bloop_decimal bloop_decimal_negate(bloop_decimal d);
bloop_decimal bloop_decimal_abs(bloop_decimal d);
int bloop_decimal_is_zero(bloop_decimal d);
int bloop_decimal_is_integer(bloop_decimal d);

/* Exact: any int64 has at most 19 digits. */
bloop_decimal bloop_decimal_from_int64(int64_t v);

/* Through the shortest of %.15g, %.16g, %.17g that reads back as v (0.1 → 0.1, 3.14 →
 * 3.14). -0.0 is zero. NaN and infinities are "InvalidNumber"; 1e300 is "Overflow" and
 * 5e-324 "Underflow" (out of DynamoDB's range, not rounded to a limit). */
bloop_status bloop_decimal_from_double(bloop_decimal *out, double v, bloop_error *err);

/* Fails with "NotInteger" (1.5) or "IntegerOverflow" (outside int64). */
bloop_status bloop_decimal_to_int64(bloop_decimal d, int64_t *out, bloop_error *err);

/* The nearest double (never fails: DynamoDB's range lies inside double's). */
double bloop_decimal_to_double(bloop_decimal d);

#ifdef __cplusplus
}
#endif

#endif
