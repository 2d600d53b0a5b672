/* tap.c: see tap.h. */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>

static int run, failed;

int tap_check(int ok, const char *file, int line, const char *expr, const char *detail) {
  run++;
  if (!ok) {
    failed++;
    printf("not ok %d - %s:%d: %s\n", run, file, line, expr);
    if (detail) printf("#   got: %s\n", detail);
  }
  return ok;
}

void tap_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("# ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
}

int tap_done(void) {
  printf("1..%d\n# %d passed, %d failed\n", run, run - failed, failed);
  return failed ? 1 : 0;
}
