/* test_datetime.c: calendar arithmetic, ISO 8601 parse/format, UUID text and v4. */
#include <stdio.h>
#include <string.h>

#include "bloop/datetime.h"
#include "tap.h"

static int64_t parse_ok(const char *text) {
  int64_t us = 0;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  bloop_status st = bloop_datetime_parse(text, strlen(text), &us, &err);
  CHECK_MSG(st == BLOOP_OK, text);
  return us;
}

/* parse(text) formats as want */
static void roundtrip(const char *text, const char *want) {
  char buf[BLOOP_DATETIME_STRING_MAX];
  int64_t us = parse_ok(text);
  CHECK(bloop_datetime_format(us, buf) == 32);
  const char *got = buf;
  CHECK_STR(got, want);
}

static void refused(const char *text, const char *msg_part) {
  int64_t us = 42;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  bloop_status st = bloop_datetime_parse(text, strlen(text), &us, &err);
  CHECK_MSG(st == BLOOP_EINVAL && us == 42, text);
  CHECK_STR(err.code, "InvalidDateTime");
  CHECK_MSG(strstr(err.message, msg_part) != NULL, err.message);
}

static void test_days(void) {
  CHECK(bloop_days_from_civil(1970, 1, 1) == 0);
  CHECK(bloop_days_from_civil(1969, 12, 31) == -1);
  CHECK(bloop_days_from_civil(2000, 3, 1) == 11017);
  CHECK(bloop_days_from_civil(1, 1, 1) == -719162);
  CHECK(bloop_days_from_civil(9999, 12, 31) == 2932896);
  /* every day from 0001 to 9999 maps back to itself, and consecutive dates are consecutive */
  int ok = 1;
  int64_t expect = bloop_days_from_civil(1, 1, 1);
  for (int y = 1; y <= 9999 && ok; y++)
    for (int m = 1; m <= 12 && ok; m++)
      for (int d = 1; d <= bloop_days_in_month(y, m); d++) {
        int yy, mm, dd;
        int64_t z = bloop_days_from_civil(y, m, d);
        bloop_civil_from_days(z, &yy, &mm, &dd);
        if (z != expect++ || yy != y || mm != m || dd != d) {
          ok = 0;
          tap_note("mismatch at %04d-%02d-%02d", y, m, d);
          break;
        }
      }
  CHECK(ok);
  CHECK(bloop_days_in_month(2024, 2) == 29);
  CHECK(bloop_days_in_month(2023, 2) == 28);
  CHECK(bloop_days_in_month(1900, 2) == 28);
  CHECK(bloop_days_in_month(2000, 2) == 29);
  CHECK(bloop_days_in_month(2023, 13) == 0);
}

static void test_parse_format(void) {
  CHECK(parse_ok("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_ok("1970-01-01T00:00:00.000001Z") == 1);
  CHECK(parse_ok("1969-12-31T23:59:59.999999Z") == -1);
  CHECK(parse_ok("0001-01-01T00:00:00Z") == BLOOP_DATETIME_MIN);
  CHECK(parse_ok("9999-12-31T23:59:59.999999Z") == BLOOP_DATETIME_MAX);
  roundtrip("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000+00:00");
  roundtrip("2024-02-29T12:34:56.5Z", "2024-02-29T12:34:56.500000+00:00");
  roundtrip("2000-02-29t01:02:03,123456z", "2000-02-29T01:02:03.123456+00:00");
  roundtrip("2023-06-01 10:20+02:00", "2023-06-01T08:20:00.000000+00:00");
  roundtrip("2023-06-01T10:20:30-0530", "2023-06-01T15:50:30.000000+00:00");
  roundtrip("2023-06-01T10:20:30+05", "2023-06-01T05:20:30.000000+00:00");
  /* offsets that cross days, months and years */
  roundtrip("2023-12-31T23:30:00-01:00", "2024-01-01T00:30:00.000000+00:00");
  roundtrip("2024-03-01T00:15:00+01:00", "2024-02-29T23:15:00.000000+00:00");
  roundtrip("2023-03-01T00:15:00+01:00", "2023-02-28T23:15:00.000000+00:00");
  roundtrip("1970-01-01T00:00:00+23:59", "1969-12-31T00:01:00.000000+00:00");
  /* more than 6 fraction digits are truncated toward the past */
  roundtrip("2023-01-01T00:00:00.123456789Z", "2023-01-01T00:00:00.123456+00:00");
  CHECK(parse_ok("1969-12-31T23:59:59.9999999Z") == -1);
  roundtrip("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00");
  roundtrip("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000+00:00");
  roundtrip("1900-03-01T00:00:00Z", "1900-03-01T00:00:00.000000+00:00");
  roundtrip("2023-06-15T08:00:00.000000+00:00", "2023-06-15T08:00:00.000000+00:00");

  refused("2023-02-29T00:00:00Z", "day outside its month");
  refused("1900-02-29T00:00:00Z", "day outside its month");
  refused("2023-04-31T00:00:00Z", "day outside its month");
  refused("2023-13-01T00:00:00Z", "month outside");
  refused("2023-00-01T00:00:00Z", "month outside");
  refused("0000-01-01T00:00:00Z", "year outside");
  refused("2023-01-01T24:00:00Z", "hour outside");
  refused("2023-01-01T23:60:00Z", "minute outside");
  refused("2023-01-01T23:59:60Z", "second outside");
  refused("2023-01-01T00:00:00", "no time zone");
  refused("2023-01-01", "expected \"T\"");
  refused("2023-1-01T00:00:00Z", "expected a date");
  refused("", "expected a date");
  refused("2023-01-01T00:00:00.Z", "digits after the decimal point");
  refused("2023-01-01T00:00:00+24:00", "offset outside");
  refused("2023-01-01T00:00:00+01:60", "offset outside");
  refused("2023-01-01T00:00:00+1", "expected an offset");
  refused("2023-01-01T00:00:00Z ", "unexpected text");
  refused("2023-01-01T00:00:00EST", "expected a time zone");
  refused("0001-01-01T00:30:00+01:00", "outside years");
  refused("9999-12-31T23:30:00-01:00", "outside years");
  /* embedded NUL: the length is authoritative */
  int64_t us;
  CHECK(bloop_datetime_parse("1970-01-01T00:00:00Z\0", 21, &us, NULL) == BLOOP_EINVAL);
}

static void test_civil(void) {
  bloop_civil c;
  bloop_datetime_to_civil(-1, &c);
  CHECK(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.minute == 59 &&
        c.second == 59 && c.usec == 999999);
  bloop_civil in = {2024, 2, 29, 13, 14, 15, 16};
  int64_t us;
  CHECK(bloop_datetime_from_civil(&in, &us, NULL) == BLOOP_OK);
  bloop_datetime_to_civil(us, &c);
  CHECK(memcmp(&c, &in, sizeof c) == 0);
  in.year = 2023;
  CHECK(bloop_datetime_from_civil(&in, &us, NULL) == BLOOP_EINVAL);
  int64_t now;
  CHECK(bloop_datetime_now(&now, NULL) == BLOOP_OK);
  CHECK(now > INT64_C(1700000000000000) && now < BLOOP_DATETIME_MAX);
}

static void test_uuid(void) {
  bloop_uuid u, v;
  char buf[BLOOP_UUID_STRING_MAX];
  const char *canon = "12345678-9abc-def0-1234-56789abcdef0";
  const char *forms[] = {"12345678-9abc-def0-1234-56789abcdef0",
                         "12345678-9ABC-DEF0-1234-56789ABCDEF0",
                         "123456789abcdef0123456789abcdef0",
                         "{12345678-9abc-def0-1234-56789abcdef0}",
                         "urn:uuid:12345678-9abc-def0-1234-56789abcdef0"};
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
    CHECK_MSG(bloop_uuid_parse(forms[i], strlen(forms[i]), &u, NULL) == BLOOP_OK, forms[i]);
    CHECK(bloop_uuid_format(&u, buf) == 36);
    const char *got = buf;
    CHECK_STR(got, canon);
  }
  const char *bad[] = {"",
                       "12345678-9abc-def0-1234-56789abcdef",
                       "12345678-9abc-def0-1234-56789abcdefg",
                       "12345678+9abc-def0-1234-56789abcdef0",
                       "{12345678-9abc-def0-1234-56789abcdef0",
                       "12345678-9abc-def0-1234-56789abcdef00",
                       " 12345678-9abc-def0-1234-56789abcdef"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    CHECK_MSG(bloop_uuid_parse(bad[i], strlen(bad[i]), &u, &err) == BLOOP_EINVAL, bad[i]);
    CHECK_STR(err.code, "InvalidUUID");
  }
  CHECK(bloop_uuid_v4(&u, NULL) == BLOOP_OK);
  CHECK(bloop_uuid_v4(&v, NULL) == BLOOP_OK);
  CHECK(memcmp(&u, &v, sizeof u) != 0);
  bloop_uuid_format(&u, buf);
  CHECK(buf[14] == '4');
  CHECK(strchr("89ab", buf[19]) != NULL);
}

int main(void) {
  test_days();
  test_parse_format();
  test_civil();
  test_uuid();
  return tap_done();
}
