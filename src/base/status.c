/* status.c: the error record. See include/bloop/status.h. */
#include "bloop/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void bloop_error_clear(bloop_error *err) {
  if (!err) return;
  /* Every field is either a scalar or a NUL-terminated string read with %s/strcmp; nothing
   * reads past the terminator or compares whole records, so clearing the first byte of each
   * string is "no error". Memsetting the 1.3 KB record ran on every C call (profile #3). */
  err->status = BLOOP_OK;
  err->code[0] = '\0';
  err->message[0] = '\0';
  err->http_status = 0;
  err->request_id[0] = '\0';
  err->attempts = 0;
  err->ambiguous = 0;
}

bloop_status bloop_error_set(bloop_error *err, bloop_status status, const char *code,
                             const char *fmt, ...) {
  if (!err) return status;
  err->status = status;
  snprintf(err->code, sizeof err->code, "%s", code ? code : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return status;
}

const char *bloop_status_name(bloop_status status) {
  switch (status) {
    case BLOOP_OK: return "ok";
    case BLOOP_EINVAL: return "invalid argument";
    case BLOOP_ENOMEM: return "out of memory";
    case BLOOP_ECONFIG: return "configuration error";
    case BLOOP_ENETWORK: return "network error";
    case BLOOP_ETIMEOUT: return "timeout";
    case BLOOP_ESERVICE: return "service error";
    case BLOOP_EPROTOCOL: return "protocol error";
    case BLOOP_EIO: return "i/o error";
    case BLOOP_ESTATE: return "invalid state";
  }
  return "unknown status";
}
