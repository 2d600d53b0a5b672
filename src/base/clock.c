/*
 * clock.c: the monotonic clock and sleeping (clock.h).
 */
#include <errno.h>
#include <time.h>

#include "base/clock.h"

long long bloopi_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void bloopi_sleep_us(long long us) {
  if (us <= 0) return;
  struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};
  /* nanosleep leaves the time still to wait in ts when a handler interrupts it; any other
   * failure (EINVAL, EFAULT) would fail again, so it ends the wait. */
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}
