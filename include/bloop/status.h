/*
 * status.h: the status values and the error record every bloop C function reports through.
 *
 * Owns: bloop_status (what kind of failure), bloop_error (a caller-owned record with the
 * service's error code, message, HTTP status, request id, attempt count and whether an
 * attempt may have been applied unseen), and the
 * classification helpers the retry policy and the bindings share.
 * Does not own: raising or printing. The C core never exits and never prints; it fills a
 * bloop_error and returns. Secrets never enter a bloop_error.
 */
#ifndef BLOOP_STATUS_H
#define BLOOP_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bloop_status {
  BLOOP_OK = 0,
  BLOOP_EINVAL,     /* caller passed something invalid (a bug or bad input) */
  BLOOP_ENOMEM,     /* allocation failed */
  BLOOP_ECONFIG,    /* credentials, region or endpoint could not be resolved */
  BLOOP_ENETWORK,   /* connection refused/reset, DNS, TLS: no valid answer arrived */
  BLOOP_ETIMEOUT,   /* a connect, attempt or call deadline passed */
  BLOOP_ESERVICE,   /* the service answered with an error (code/message filled) */
  BLOOP_EPROTOCOL,  /* the answer could not be understood (not JSON, CRC32 mismatch, ...) */
  BLOOP_EIO,        /* a local file could not be read */
  BLOOP_ESTATE      /* object used in the wrong state (closed, already running) */
} bloop_status;

#define BLOOP_ERROR_CODE_MAX 128
#define BLOOP_ERROR_MESSAGE_MAX 1024
#define BLOOP_ERROR_REQUEST_ID_MAX 128

typedef struct bloop_error {
  bloop_status status;
  /* The service's error code ("ConditionalCheckFailedException") when status is
   * BLOOP_ESERVICE; otherwise a bloop code ("NetworkError", "Timeout", "MissingRegion"). */
  char code[BLOOP_ERROR_CODE_MAX];
  char message[BLOOP_ERROR_MESSAGE_MAX];
  long http_status;                        /* 0 when no HTTP answer arrived */
  char request_id[BLOOP_ERROR_REQUEST_ID_MAX];
  int attempts;                            /* attempts made; > 1 means it was retried */
  /* 1 when an attempt of this call may have been applied without the client learning it:
   * the whole request was sent and then the answer was lost (reset, closed, timed out),
   * was a 5xx, or failed its CRC32 check. A write whose final error says so may have
   * happened even so; on a success it may have happened twice (an update action). */
  int ambiguous;
} bloop_error;

/* "No error", for declarations: `bloop_error err = BLOOP_ERROR_INIT;`. Every byte is set,
 * so copying a record that a failing call filled only in part never copies stack garbage. */
#define BLOOP_ERROR_INIT {BLOOP_OK, {0}, {0}, 0, {0}, 0, 0}

/* Resets err to "no error": scalars zeroed, strings empty (only their first byte is
 * written; the bytes after a terminator are unspecified). Accepts NULL. */
void bloop_error_clear(bloop_error *err);

/* Fills err (when not NULL) and returns status, so callers can write
 * `return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "...%s", x);` */
bloop_status bloop_error_set(bloop_error *err, bloop_status status, const char *code,
                             const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* A short lowercase name for a status ("service error"). Never NULL. */
const char *bloop_status_name(bloop_status status);

#ifdef __cplusplus
}
#endif

#endif
