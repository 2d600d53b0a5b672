/*
 * tap.h: a minimal TAP-style checker for the C tests (ctest runs each binary; a non-zero
 * exit is a failure). Owns nothing but counters.
 */
#ifndef BLOOP_TAP_H
#define BLOOP_TAP_H

#include <string.h>

int tap_check(int ok, const char *file, int line, const char *expr, const char *detail);
int tap_done(void);   /* prints the plan; returns the exit code */
void tap_note(const char *fmt, ...);

#define CHECK(expr) tap_check(!!(expr), __FILE__, __LINE__, #expr, NULL)
#define CHECK_MSG(expr, detail) tap_check(!!(expr), __FILE__, __LINE__, #expr, (detail))
#define CHECK_STR(a, b)                                                             \
  tap_check(((a) && (b) && strcmp((a), (b)) == 0), __FILE__, __LINE__, #a " == " #b, \
            (a) ? (a) : "(null)")

#endif
