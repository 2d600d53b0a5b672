/*
 * datetime.h: UTC instants with microsecond precision, ISO 8601 text, and RFC 4122 UUIDs.
 *
 * Owns: the calendar arithmetic (proleptic Gregorian, days from 1970-01-01 computed with
 * Howard Hinnant's civil-from-days algorithms: no timegm, no TZ, no locale), parsing ISO
 * 8601 instants, the one text form bloop writes, the wall clock, and UUID text/v4. An
 * instant is an int64 count of microseconds since 1970-01-01T00:00:00Z, limited to years
 * 0001..9999 (Python's datetime range, so anything bloop wrote fits and anything we write
 * Python can read). Does not own: Lua values (src/lua/lvalues.c), time zones other than
 * fixed offsets, leap seconds (":60" is refused, as Python does).
 *
 * Text written (bloop_datetime_format), always 32 bytes, the format Python bloop writes:
 *     YYYY-MM-DDTHH:MM:SS.ffffff+00:00
 * Text read (bloop_datetime_parse), liberal:
 *     YYYY-MM-DD ("T" | "t" | " ") HH:MM [":" SS [("." | ",") digits]] zone
 *     zone = "Z" | "z" | ("+" | "-") HH [[":"] MM]
 * A fraction of more than 6 digits is truncated to microseconds (toward the past), as
 * Python 3.11's fromisoformat does: other writers (Java, JavaScript, Go) emit nanoseconds
 * and such tables must stay readable. A zone is required: text without one names no instant,
 * and guessing UTC silently is the classic bug. Offsets go up to +-23:59.
 */
#ifndef BLOOP_DATETIME_H
#define BLOOP_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#include "bloop/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BLOOP_DATETIME_STRING_MAX 33  /* 32 characters and a NUL */
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds since the epoch */
#define BLOOP_DATETIME_MIN INT64_C(-62135596800000000)
#define BLOOP_DATETIME_MAX INT64_C(253402300799999999)

typedef struct bloop_civil {
  int year, month, day, hour, minute, second, usec;
} bloop_civil;

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12; not range-checked). */
int64_t bloop_days_from_civil(int64_t y, int m, int d);
/* The inverse. */
void bloop_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 28..31; 0 for a month outside 1..12. */
int bloop_days_in_month(int64_t y, int m);

/* Fails with code "InvalidDateTime" (and a message naming the problem) on bad fields or an
 * instant outside years 0001..9999. */
bloop_status bloop_datetime_from_civil(const bloop_civil *c, int64_t *out, bloop_error *err);
/* us must be within BLOOP_DATETIME_MIN..MAX. */
void bloop_datetime_to_civil(int64_t us, bloop_civil *out);

/* Parses len bytes (grammar above) into microseconds since the epoch. Fails with code
 * "InvalidDateTime". */
bloop_status bloop_datetime_parse(const char *text, size_t len, int64_t *out, bloop_error *err);
/* Writes the 32-character form and a NUL; returns 32. us must be within MIN..MAX. */
size_t bloop_datetime_format(int64_t us, char buf[BLOOP_DATETIME_STRING_MAX]);
/* The wall clock (CLOCK_REALTIME) in microseconds. */
bloop_status bloop_datetime_now(int64_t *out, bloop_error *err);

/* ---- UUIDs ---------------------------------------------------------------------------- */

#define BLOOP_UUID_STRING_MAX 37  /* 36 characters and a NUL */

typedef struct bloop_uuid {
  unsigned char bytes[16];
} bloop_uuid;

/* Accepts what Python's uuid.UUID(str) accepts in practice: the 36-character hyphenated
 * form or 32 hex digits, in either case, optionally inside braces or after "urn:uuid:".
 * Fails with code "InvalidUUID". */
bloop_status bloop_uuid_parse(const char *text, size_t len, bloop_uuid *out, bloop_error *err);
/* Lowercase canonical 8-4-4-4-12 form and a NUL; returns 36. */
size_t bloop_uuid_format(const bloop_uuid *u, char buf[BLOOP_UUID_STRING_MAX]);
/* A random (version 4, RFC 4122 variant) UUID from getrandom(2). */
bloop_status bloop_uuid_v4(bloop_uuid *out, bloop_error *err);

#ifdef __cplusplus
}
#endif

#endif
