/*
 * decimal.c: DynamoDB's exact number. See include/bloop/decimal.h for the contract.
 *
 * Every result is computed exactly in unsigned __int128 and then checked; no step rounds.
 * The trick that keeps * and / inside 128 bits: a normalised coefficient has no trailing
 * zero, so an exact product or quotient is (a number prime to 10) * 2^i * 5^j; pairing the
 * 2s with the 5s yields the trailing zeros, and what remains is the result's coefficient,
 * which must fit 38 digits or the result is inexact. Sums only need alignment, and an
 * aligned operand larger than 2 * 10^38 already proves the result has too many digits.
 */
#include "bloop/decimal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

/* What went wrong, before a message is written for the operation that failed. */
typedef enum { D_OK, D_INVALID, D_INEXACT, D_OVERFLOW, D_UNDERFLOW, D_DIVZERO } dstate;

#define EXP_SATURATE 1000000000000LL /* far beyond any range check, far from overflow */

_Static_assert(BLOOP_DECIMAL_DIGITS >= 20, "make() skips the digit check below 2^64");

static u128 pow10u(int n) {
  u128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

static int ndigits(u128 c) {
  int n = 1;
  while (c >= 10) {
    c /= 10;
    n++;
  }
  return n;
}

/* Writes c's digits (no NUL); returns how many. Two 64-bit halves avoid 38 128-bit
 * divisions: 10^38 / 10^19 still fits uint64_t. */
static int u128_digits(u128 c, char *out) {
  const uint64_t e19 = 10000000000000000000ULL;
  uint64_t hi = (uint64_t)(c / e19), lo = (uint64_t)(c % e19);
  if (hi) return sprintf(out, "%" PRIu64 "%019" PRIu64, hi, lo);
  return sprintf(out, "%" PRIu64, lo);
}

/* Normalises (sign, coef * 10^exp) into *out and checks DynamoDB's rules. *out is written
 * only on D_OK. */
static dstate make(bloop_decimal *out, int neg, u128 coef, int64_t exp) {
  if (coef == 0) {
    out->coef = 0;
    out->exp = 0;
    out->neg = 0;
    return D_OK;
  }
  if ((coef >> 64) == 0) {
    /* Most numbers fit 64 bits: the same steps without 128-bit divisions (a libgcc call
     * each, and they were most of a short number's parse). Below 2^64 there are at most
     * 20 digits, fewer than BLOOP_DECIMAL_DIGITS, so only the exponent range can fail. */
    uint64_t c = (uint64_t)coef;
    while (c % 10 == 0) {
      c /= 10;
      exp++;
    }
    int64_t adj = exp;
    for (uint64_t x = c; x >= 10; x /= 10) adj++;
    if (adj > BLOOP_DECIMAL_ADJ_MAX) return D_OVERFLOW;
    if (adj < BLOOP_DECIMAL_ADJ_MIN) return D_UNDERFLOW;
    out->coef = c;
    out->exp = (int32_t)exp;
    out->neg = neg ? 1 : 0;
    return D_OK;
  }
  while (coef % 10 == 0) {
    coef /= 10;
    exp++;
  }
  if (coef >= pow10u(BLOOP_DECIMAL_DIGITS)) return D_INEXACT;
  int64_t adj = exp + ndigits(coef) - 1;
  if (adj > BLOOP_DECIMAL_ADJ_MAX) return D_OVERFLOW;
  if (adj < BLOOP_DECIMAL_ADJ_MIN) return D_UNDERFLOW;
  out->coef = coef;
  out->exp = (int32_t)exp;
  out->neg = neg ? 1 : 0;
  return D_OK;
}

static const char *state_code(dstate s) {
  switch (s) {
    case D_OK: return "";
    case D_INVALID: return "InvalidNumber";
    case D_INEXACT: return "Inexact";
    case D_OVERFLOW: return "Overflow";
    case D_UNDERFLOW: return "Underflow";
    case D_DIVZERO: return "DivisionByZero";
  }
  return "InvalidNumber";
}

/* The tail of a message: what DynamoDB's rule is, so the reader knows why. */
static const char *state_reason(dstate s) {
  switch (s) {
    case D_INEXACT: return "is inexact (DynamoDB keeps 38 significant digits)";
    case D_OVERFLOW: return "overflows (DynamoDB numbers stay below 1E+126)";
    case D_UNDERFLOW:
      return "underflows (DynamoDB numbers other than 0 are at least 1E-130 in magnitude)";
    case D_DIVZERO: return "divides by zero";
    case D_INVALID: return "is not a number";
    case D_OK: break;
  }
  return "";
}

/* ---- parsing ----------------------------------------------------------------------- */

static int isdig(char c) { return c >= '0' && c <= '9'; }

static dstate parse_core(bloop_decimal *out, const char *t, size_t len, int64_t *sig) {
  size_t i = 0;
  int neg = 0;
  *sig = 0;
  if (i < len && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  size_t int_start = i;
  while (i < len && isdig(t[i])) i++;
  size_t nint = i - int_start, frac_start = i, nfrac = 0;
  if (i < len && t[i] == '.') {
    frac_start = ++i;
    while (i < len && isdig(t[i])) i++;
    nfrac = i - frac_start;
  }
  if (nint + nfrac == 0) return D_INVALID;
  int64_t e = 0;
  if (i < len && (t[i] == 'e' || t[i] == 'E')) {
    int eneg = 0;
    i++;
    if (i < len && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    if (i >= len || !isdig(t[i])) return D_INVALID;
    while (i < len && isdig(t[i])) {
      if (e < EXP_SATURATE) e = e * 10 + (t[i] - '0');
      i++;
    }
    if (eneg) e = -e;
  }
  if (i != len) return D_INVALID;

  /* The mantissa digits as one sequence 0..n-1, the point after position nint-1. */
  size_t n = nint + nfrac, first = n, last = 0;
#define DIGIT(k) ((k) < nint ? t[int_start + (k)] : t[frac_start + (k) - nint])
  for (size_t k = 0; k < n; k++) {
    if (DIGIT(k) != '0') {
      if (first == n) first = k;
      last = k;
    }
  }
  if (first == n) return make(out, 0, 0, 0); /* any zero, any exponent: 0 */
  *sig = (int64_t)(last - first + 1);
  if (*sig > BLOOP_DECIMAL_DIGITS) return D_INEXACT;
  u128 coef = 0;
  for (size_t k = first; k <= last; k++) coef = coef * 10 + (u128)(DIGIT(k) - '0');
#undef DIGIT
  /* The last significant digit's place: 10^(nint-1-last), shifted by the exponent. */
  int64_t exp = e + (int64_t)nint - 1 - (int64_t)last;
  return make(out, neg, coef, exp);
}

/* Quotes at most 60 bytes of untrusted text for a message, escaping what is not
 * printable ASCII. */
static void quote(char *dst, size_t cap, const char *t, size_t len) {
  size_t o = 0, max = len > 60 ? 60 : len;
  dst[o++] = '"';
  for (size_t i = 0; i < max && o + 6 < cap; i++) {
    unsigned char c = (unsigned char)t[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      dst[o++] = (char)c;
    } else {
      o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", c);
    }
  }
  if (len > max && o + 5 < cap) {
    memcpy(dst + o, "...", 3);
    o += 3;
  }
  dst[o++] = '"';
  dst[o] = '\0';
}

bloop_status bloop_decimal_parse(bloop_decimal *out, const char *text, size_t len,
                                 bloop_error *err) {
  bloop_decimal d;
  int64_t sig;
  dstate s = text ? parse_core(&d, text, len, &sig) : D_INVALID;
  if (s == D_OK) {
    *out = d;
    return BLOOP_OK;
  }
  char q[300];
  quote(q, sizeof q, text ? text : "", text ? len : 0);
  if (s == D_INEXACT)
    return bloop_error_set(err, BLOOP_EINVAL, "Inexact",
                           "%s has %" PRId64
                           " significant digits (DynamoDB keeps 38 significant digits)",
                           q, sig);
  if (s == D_INVALID)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidNumber",
                           "%s is not a number (expected digits with an optional sign, "
                           "fraction and exponent)",
                           q);
  return bloop_error_set(err, BLOOP_EINVAL, state_code(s), "%s %s", q, state_reason(s));
}

/* ---- text -------------------------------------------------------------------------- */

size_t bloop_decimal_format(bloop_decimal d, char buf[BLOOP_DECIMAL_STRING_MAX]) {
  char s[48];
  char *o = buf;
  if (d.coef == 0) {
    memcpy(buf, "0", 2);
    return 1;
  }
  int nd = u128_digits(d.coef, s);
  int64_t adj = (int64_t)d.exp + nd - 1;
  if (d.neg) *o++ = '-';
  if (adj >= -6 && adj <= 37) {
    if (d.exp >= 0) {
      memcpy(o, s, (size_t)nd);
      o += nd;
      memset(o, '0', (size_t)d.exp);
      o += d.exp;
    } else if (adj >= 0) {
      size_t before = (size_t)adj + 1;
      memcpy(o, s, before);
      o += before;
      *o++ = '.';
      memcpy(o, s + before, (size_t)nd - before);
      o += (size_t)nd - before;
    } else {
      *o++ = '0';
      *o++ = '.';
      memset(o, '0', (size_t)(-adj - 1));
      o += -adj - 1;
      memcpy(o, s, (size_t)nd);
      o += nd;
    }
  } else {
    *o++ = s[0];
    if (nd > 1) {
      *o++ = '.';
      memcpy(o, s + 1, (size_t)nd - 1);
      o += nd - 1;
    }
    o += sprintf(o, "E%c%" PRId64, adj < 0 ? '-' : '+', adj < 0 ? -adj : adj);
  }
  *o = '\0';
  return (size_t)(o - buf);
}

size_t bloop_decimal_format_scale(bloop_decimal d, int scale,
                                  char buf[BLOOP_DECIMAL_STRING_MAX]) {
  size_t n = bloop_decimal_format(d, buf);
  if (scale <= 0 || memchr(buf, 'E', n)) return n;
  const char *point = memchr(buf, '.', n);
  int have = point ? (int)(n - (size_t)(point - buf) - 1) : 0;
  if (scale <= have) return n;
  size_t pad = (size_t)(scale - have) + (point ? 0 : 1);
  if (n + pad >= BLOOP_DECIMAL_STRING_MAX) return n; /* a 38-digit integer: no room, print canonically */
  char *o = buf + n;
  if (!point) *o++ = '.';
  memset(o, '0', (size_t)(scale - have));
  o += scale - have;
  *o = '\0';
  return (size_t)(o - buf);
}

/* ---- order ------------------------------------------------------------------------- */

static int cmp_mag(bloop_decimal a, bloop_decimal b) {
  if (a.coef == 0 || b.coef == 0) return (a.coef != 0) - (b.coef != 0);
  int na = ndigits(a.coef), nb = ndigits(b.coef);
  int64_t adja = (int64_t)a.exp + na - 1, adjb = (int64_t)b.exp + nb - 1;
  if (adja != adjb) return adja < adjb ? -1 : 1;
  /* Same leading place: compare the coefficients padded to 38 digits. */
  u128 ca = a.coef * pow10u(BLOOP_DECIMAL_DIGITS - na);
  u128 cb = b.coef * pow10u(BLOOP_DECIMAL_DIGITS - nb);
  return (ca > cb) - (ca < cb);
}

int bloop_decimal_compare(bloop_decimal a, bloop_decimal b) {
  if (a.neg != b.neg) return a.neg ? -1 : 1; /* zero is never negative */
  int m = cmp_mag(a, b);
  return a.neg ? -m : m;
}

bloop_decimal bloop_decimal_negate(bloop_decimal d) {
  if (d.coef != 0) d.neg = !d.neg;
  return d;
}

bloop_decimal bloop_decimal_abs(bloop_decimal d) {
  d.neg = 0;
  return d;
}

int bloop_decimal_is_zero(bloop_decimal d) { return d.coef == 0; }

int bloop_decimal_is_integer(bloop_decimal d) { return d.coef == 0 || d.exp >= 0; }

/* ---- arithmetic -------------------------------------------------------------------- */

static bloop_status op_fail(bloop_error *err, dstate s, bloop_decimal a, char op,
                            bloop_decimal b) {
  char ta[BLOOP_DECIMAL_STRING_MAX], tb[BLOOP_DECIMAL_STRING_MAX + 2];
  bloop_decimal_format(a, ta);
  if (b.neg) {
    tb[0] = '(';
    size_t n = bloop_decimal_format(b, tb + 1);
    memcpy(tb + 1 + n, ")", 2);
  } else {
    bloop_decimal_format(b, tb);
  }
  return bloop_error_set(err, BLOOP_EINVAL, state_code(s), "%s%c%s %s", ta, op, tb,
                         state_reason(s));
}

static dstate add_core(bloop_decimal *out, bloop_decimal a, bloop_decimal b) {
  if (a.coef == 0) return make(out, b.neg, b.coef, b.exp);
  if (b.coef == 0) return make(out, a.neg, a.coef, a.exp);
  if (a.exp < b.exp) {
    bloop_decimal t = a;
    a = b;
    b = t;
  }
  /* Shift the operand with the larger exponent down to b's exponent. Past 2 * 10^38 the
   * exact result needs more than 38 digits whatever b is, since b.coef < 10^38. */
  const u128 limit = 2 * pow10u(BLOOP_DECIMAL_DIGITS);
  u128 big = a.coef;
  for (int64_t k = (int64_t)a.exp - b.exp; k > 0; k--) {
    if (big > limit / 10) return D_INEXACT;
    big *= 10;
  }
  if (a.neg == b.neg) return make(out, a.neg, big + b.coef, b.exp);
  if (big >= b.coef) return make(out, a.neg, big - b.coef, b.exp);
  return make(out, b.neg, b.coef - big, b.exp);
}

bloop_status bloop_decimal_add(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err) {
  dstate s = add_core(out, a, b);
  return s == D_OK ? BLOOP_OK : op_fail(err, s, a, '+', b);
}

bloop_status bloop_decimal_sub(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err) {
  dstate s = add_core(out, a, bloop_decimal_negate(b));
  return s == D_OK ? BLOOP_OK : op_fail(err, s, a, '-', b);
}

/* Splits c (nonzero) into 2^*p2 * 5^*p5 * rest with rest prime to 2 and 5. */
static u128 split25(u128 c, int64_t *p2, int64_t *p5) {
  *p2 = *p5 = 0;
  while (c % 2 == 0) {
    c /= 2;
    (*p2)++;
  }
  while (c % 5 == 0) {
    c /= 5;
    (*p5)++;
  }
  return c;
}

/* out = n * 2^p2 * 5^p5 * 10^exp, where the trailing zeros have already been paired off so
 * the product's digits are the result's significant digits. */
static dstate build(bloop_decimal *out, int neg, u128 n, int64_t p2, int64_t p5,
                    int64_t exp) {
  const u128 max = pow10u(BLOOP_DECIMAL_DIGITS);
  if (n >= max) return D_INEXACT;
  for (; p2 > 0; p2--) {
    if (n >= max / 2) return D_INEXACT;
    n *= 2;
  }
  for (; p5 > 0; p5--) {
    if (n >= max / 5) return D_INEXACT;
    n *= 5;
  }
  return make(out, neg, n, exp);
}

static dstate mul_core(bloop_decimal *out, bloop_decimal a, bloop_decimal b) {
  if (a.coef == 0 || b.coef == 0) return make(out, 0, 0, 0);
  int64_t a2, a5, b2, b5;
  u128 na = split25(a.coef, &a2, &a5), nb = split25(b.coef, &b2, &b5), n;
  if (__builtin_mul_overflow(na, nb, &n)) return D_INEXACT;
  int64_t p2 = a2 + b2, p5 = a5 + b5, t = p2 < p5 ? p2 : p5;
  return build(out, a.neg != b.neg, n, p2 - t, p5 - t, (int64_t)a.exp + b.exp + t);
}

bloop_status bloop_decimal_mul(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err) {
  dstate s = mul_core(out, a, b);
  return s == D_OK ? BLOOP_OK : op_fail(err, s, a, '*', b);
}

static dstate div_core(bloop_decimal *out, bloop_decimal a, bloop_decimal b) {
  if (b.coef == 0) return D_DIVZERO;
  if (a.coef == 0) return make(out, 0, 0, 0);
  /* a/b = (a.coef/m) / (2^x 5^y): exact only when m, b's part prime to 10, divides a. */
  int64_t x, y, a2, a5;
  u128 m = split25(b.coef, &x, &y);
  if (a.coef % m != 0) return D_INEXACT;
  u128 n = split25(a.coef / m, &a2, &a5);
  int64_t p2 = a2 - x, p5 = a5 - y, exp = (int64_t)a.exp - b.exp;
  /* 2^-k = 5^k * 10^-k, and the other way round. */
  if (p2 < 0) {
    p5 -= p2;
    exp += p2;
    p2 = 0;
  }
  if (p5 < 0) {
    p2 -= p5;
    exp += p5;
    p5 = 0;
  }
  int64_t t = p2 < p5 ? p2 : p5;
  return build(out, a.neg != b.neg, n, p2 - t, p5 - t, exp + t);
}

bloop_status bloop_decimal_div(bloop_decimal *out, bloop_decimal a, bloop_decimal b,
                               bloop_error *err) {
  dstate s = div_core(out, a, b);
  return s == D_OK ? BLOOP_OK : op_fail(err, s, a, '/', b);
}

/* ---- conversions ------------------------------------------------------------------- */

bloop_decimal bloop_decimal_from_int64(int64_t v) {
  bloop_decimal d;
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  (void)make(&d, v < 0, mag, 0); /* 19 digits at most: cannot fail */
  return d;
}

bloop_status bloop_decimal_from_double(bloop_decimal *out, double v, bloop_error *err) {
  if (isnan(v) || isinf(v))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidNumber",
                           "float %s is not a number DynamoDB can store",
                           isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
  char txt[40], dot[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(txt, sizeof txt, "%.*g", prec, v);
    if (prec == 17 || strtod(txt, NULL) == v) break;
  }
  /* printf and strtod agree on the locale's decimal point; our grammar wants '.'. */
  size_t o = 0;
  for (size_t i = 0; txt[i]; i++) {
    char c = txt[i];
    if (isdig(c) || c == '-' || c == '+' || c == 'e') {
      dot[o++] = c;
    } else if (o == 0 || dot[o - 1] != '.') {
      dot[o++] = '.';
    }
  }
  dot[o] = '\0';
  bloop_decimal d;
  int64_t sig;
  dstate s = parse_core(&d, dot, o, &sig);
  if (s == D_OK) {
    *out = d;
    return BLOOP_OK;
  }
  return bloop_error_set(err, BLOOP_EINVAL, state_code(s), "float %s %s", dot,
                         state_reason(s));
}

bloop_status bloop_decimal_to_int64(bloop_decimal d, int64_t *out, bloop_error *err) {
  char t[BLOOP_DECIMAL_STRING_MAX];
  if (!bloop_decimal_is_integer(d)) {
    bloop_decimal_format(d, t);
    return bloop_error_set(err, BLOOP_EINVAL, "NotInteger", "%s is not an integer", t);
  }
  const u128 limit = d.neg ? (u128)1 << 63 : ((u128)1 << 63) - 1;
  u128 v = d.coef;
  for (int32_t k = d.exp; k > 0 && v <= limit; k--) v *= 10; /* v <= 2^63: no wrap */
  if (v > limit) {
    bloop_decimal_format(d, t);
    return bloop_error_set(err, BLOOP_EINVAL, "IntegerOverflow",
                           "%s does not fit a 64-bit integer", t);
  }
  *out = d.neg ? (int64_t)((uint64_t)0 - (uint64_t)v) : (int64_t)v;
  return BLOOP_OK;
}

double bloop_decimal_to_double(bloop_decimal d) {
  /* "<digits>E<exp>" has no decimal point, so strtod reads it the same in every locale. */
  char t[BLOOP_DECIMAL_STRING_MAX];
  int n = u128_digits(d.coef, t);
  snprintf(t + n, sizeof t - (size_t)n, "E%" PRId32, d.exp);
  int saved = errno;
  double v = strtod(t, NULL);
  errno = saved;
  return d.neg ? -v : v;
}
