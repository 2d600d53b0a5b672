/*
 * clock.h: the one clock every layer reads for timeouts, deadlines and back-off, and the
 * one way to wait (internal).
 * Owns: a monotonic millisecond clock (never goes back when the wall clock is set) and
 * sleeping that finishes its whole wait when a signal interrupts it.
 * Does not own: wall-clock time for signatures and DateTime values (datetime.h), or
 * waiting on sockets (the transport).
 */
#ifndef BLOOPI_CLOCK_H
#define BLOOPI_CLOCK_H

#include "base/bloopi.h"

/* Microseconds on CLOCK_MONOTONIC, from an arbitrary origin. */
BLOOPI_FUNC long long bloopi_now_us(void);
/* Sleeps us microseconds (nothing when us <= 0); a signal handler that returns does not
 * cut the wait short. */
BLOOPI_FUNC void bloopi_sleep_us(long long us);

static inline long long bloopi_now_ms(void) { return bloopi_now_us() / 1000; }
static inline void bloopi_sleep_ms(long long ms) { bloopi_sleep_us(ms * 1000); }

#endif
