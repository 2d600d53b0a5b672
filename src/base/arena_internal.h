/*
 * arena_internal.h: what the library does with arenas beyond arena.h, not API.
 * Owns nothing; arena.c implements it.
 */
#ifndef BLOOP_BASE_ARENA_INTERNAL_H
#define BLOOP_BASE_ARENA_INTERNAL_H

#include "base/bloopi.h"
#include "bloop/arena.h"

/* Moves every chunk of `from` into `into`, allocations and all: what was allocated in
 * `from` stays where it is and is freed with `into`. `from` is left empty. (A value built
 * in one arena handed to a call that owns another: lsnapshot.c's kept dump.) */
BLOOPI_FUNC void bloopi_arena_absorb(bloop_arena *into, bloop_arena *from);

#endif
