/*
 * datetime.c: calendar arithmetic, ISO 8601 parse/format, the wall clock, UUID text and v4.
 * See include/bloop/datetime.h for the grammar and the decisions.
 */
#include "bloop/datetime.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

/* Floor division and modulo: instants before 1970 are negative and must still land on the
 * right day (-1 us is 1969-12-31T23:59:59.999999). */
static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t bloop_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                    /* [0, 399] */
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;   /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void bloop_civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
  int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (mm <= 2));
  *m = mm;
  *d = dd;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int bloop_days_in_month(int64_t y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static bloop_status bad(bloop_error *err, const char *what) {
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidDateTime", "%s", what);
}

bloop_status bloop_datetime_from_civil(const bloop_civil *c, int64_t *out, bloop_error *err) {
  if (c->year < 1 || c->year > 9999) return bad(err, "year outside 1..9999");
  if (c->month < 1 || c->month > 12) return bad(err, "month outside 1..12");
  if (c->day < 1 || c->day > bloop_days_in_month(c->year, c->month))
    return bad(err, "day outside its month");
  if (c->hour < 0 || c->hour > 23) return bad(err, "hour outside 0..23");
  if (c->minute < 0 || c->minute > 59) return bad(err, "minute outside 0..59");
  if (c->second < 0 || c->second > 59) return bad(err, "second outside 0..59");
  if (c->usec < 0 || c->usec > 999999) return bad(err, "microsecond outside 0..999999");
  int64_t days = bloop_days_from_civil(c->year, c->month, c->day);
  *out = days * US_PER_DAY + ((int64_t)c->hour * 3600 + c->minute * 60 + c->second) * US_PER_SEC +
         c->usec;
  return BLOOP_OK;
}

void bloop_datetime_to_civil(int64_t us, bloop_civil *out) {
  int64_t days = floordiv(us, US_PER_DAY);
  int64_t rem = us - days * US_PER_DAY;          /* [0, US_PER_DAY) */
  bloop_civil_from_days(days, &out->year, &out->month, &out->day);
  int64_t secs = rem / US_PER_SEC;
  out->usec = (int)(rem % US_PER_SEC);
  out->hour = (int)(secs / 3600);
  out->minute = (int)(secs / 60 % 60);
  out->second = (int)(secs % 60);
}

/* Reads exactly n digits at *p (advancing it); -1 when they are not all digits. */
static int digits(const char **p, const char *end, int n) {
  int v = 0;
  if (end - *p < n) return -1;
  for (int i = 0; i < n; i++) {
    char ch = (*p)[i];
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
  }
  *p += n;
  return v;
}

bloop_status bloop_datetime_parse(const char *text, size_t len, int64_t *out, bloop_error *err) {
  const char *p = text, *end = text + len;
  bloop_civil c = {0, 0, 0, 0, 0, 0, 0};
  if ((c.year = digits(&p, end, 4)) < 0 || p == end || *p++ != '-' ||
      (c.month = digits(&p, end, 2)) < 0 || p == end || *p++ != '-' ||
      (c.day = digits(&p, end, 2)) < 0)
    return bad(err, "expected a date YYYY-MM-DD");
  if (p == end || (*p != 'T' && *p != 't' && *p != ' '))
    return bad(err, "expected \"T\" and a time after the date");
  p++;
  if ((c.hour = digits(&p, end, 2)) < 0 || p == end || *p++ != ':' ||
      (c.minute = digits(&p, end, 2)) < 0)
    return bad(err, "expected a time HH:MM[:SS[.ffffff]]");
  if (p < end && *p == ':') {
    p++;
    if ((c.second = digits(&p, end, 2)) < 0) return bad(err, "expected seconds SS");
    if (p < end && (*p == '.' || *p == ',')) {
      p++;
      int n = 0;
      while (p < end && *p >= '0' && *p <= '9') {
        if (n < 6) c.usec = c.usec * 10 + (*p - '0');
        n++;
        p++;
      }
      if (n == 0) return bad(err, "expected digits after the decimal point");
      for (; n < 6; n++) c.usec *= 10;
    }
  }
  if (p == end) return bad(err, "no time zone (add Z or an offset such as +00:00)");
  int64_t offset = 0; /* seconds east of UTC */
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
    if ((oh = digits(&p, end, 2)) < 0) return bad(err, "expected an offset +HH:MM");
    if (p < end && *p == ':') {
      p++;
      if ((om = digits(&p, end, 2)) < 0) return bad(err, "expected an offset +HH:MM");
    } else if (p < end && (om = digits(&p, end, 2)) < 0) {
      return bad(err, "expected an offset +HH:MM");
    }
    if (oh > 23 || om > 59) return bad(err, "offset outside -23:59..+23:59");
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return bad(err, "expected a time zone (Z or an offset such as +00:00)");
  }
  if (p != end) return bad(err, "unexpected text after the time zone");
  /* The local fields must be a valid time on a valid day of years 0001..9999 (as Python's
   * fromisoformat requires); then the instant itself must be in range, so
   * 0001-01-01T00:30+01:00 is refused. */
  int64_t local;
  bloop_status st = bloop_datetime_from_civil(&c, &local, err);
  if (st != BLOOP_OK) return st;
  int64_t us = local - offset * US_PER_SEC;
  if (us < BLOOP_DATETIME_MIN || us > BLOOP_DATETIME_MAX)
    return bad(err, "instant outside years 0001..9999 (UTC)");
  *out = us;
  return BLOOP_OK;
}

size_t bloop_datetime_format(int64_t us, char buf[BLOOP_DATETIME_STRING_MAX]) {
  bloop_civil c;
  bloop_datetime_to_civil(us, &c);
  int fields[7] = {c.year, c.month, c.day, c.hour, c.minute, c.second, c.usec};
  static const int widths[7] = {4, 2, 2, 2, 2, 2, 6};
  static const char seps[7] = {'-', '-', 'T', ':', ':', '.', '+'};
  char *p = buf;
  for (int i = 0; i < 7; i++) {
    for (int k = widths[i] - 1; k >= 0; k--) {
      p[k] = (char)('0' + fields[i] % 10);
      fields[i] /= 10;
    }
    p += widths[i];
    *p++ = seps[i];
  }
  memcpy(p, "00:00", 6);
  return 32;
}

bloop_status bloop_datetime_now(int64_t *out, bloop_error *err) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return bloop_error_set(err, BLOOP_EIO, "ClockError", "clock_gettime: %s", strerror(errno));
  *out = (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
  return BLOOP_OK;
}

/* ---- UUIDs ---------------------------------------------------------------------------- */

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

bloop_status bloop_uuid_parse(const char *text, size_t len, bloop_uuid *out, bloop_error *err) {
  const char *p = text;
  size_t n = len;
  if (n >= 9 && strncasecmp(p, "urn:uuid:", 9) == 0) {
    p += 9;
    n -= 9;
  } else if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
    p++;
    n -= 2;
  }
  int hyphens = n == 36;
  if (n != 36 && n != 32) goto fail;
  bloop_uuid u;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (hyphens && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (p[i] != '-') goto fail;
      continue;
    }
    int hi = hexval(p[i]), lo = i + 1 < n ? hexval(p[i + 1]) : -1;
    if (hi < 0 || lo < 0) goto fail;
    u.bytes[k++] = (unsigned char)(hi << 4 | lo);
    i++;
  }
  if (k != 16) goto fail;
  *out = u;
  return BLOOP_OK;
fail:
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidUUID",
                         "expected a UUID like 8-4-4-4-12 hex digits");
}

size_t bloop_uuid_format(const bloop_uuid *u, char buf[BLOOP_UUID_STRING_MAX]) {
  static const char hex[] = "0123456789abcdef";
  char *p = buf;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[u->bytes[i] >> 4];
    *p++ = hex[u->bytes[i] & 15];
  }
  *p = '\0';
  return 36;
}

bloop_status bloop_uuid_v4(bloop_uuid *out, bloop_error *err) {
  size_t got = 0;
  while (got < sizeof out->bytes) {
    ssize_t r = getrandom(out->bytes + got, sizeof out->bytes - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return bloop_error_set(err, BLOOP_EIO, "RandomError", "getrandom: %s", strerror(errno));
    }
    got += (size_t)r;
  }
  out->bytes[6] = (unsigned char)((out->bytes[6] & 0x0f) | 0x40); /* version 4 */
  out->bytes[8] = (unsigned char)((out->bytes[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  return BLOOP_OK;
}
