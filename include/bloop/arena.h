/*
 * arena.h: a bump allocator for values that live and die together (one decoded item, one
 * Query page, one request being built).
 *
 * Owns: its chunks. Everything allocated from an arena is freed at once by
 * bloop_arena_free (or made reusable by bloop_arena_reset); there is no per-object free.
 * Why: a Query page of 10,000 items decodes into ~100,000 nodes and strings; one malloc per
 * node would dominate the decode and leave freeing to a tree walk. Here a page costs a few
 * chunk mallocs and one call to release. Does not own: the lifetime of the bloop_arena
 * struct itself (caller-owned: on the stack, or embedded in a page/userdata object), nor any
 * pointer handed out after reset/free (they dangle, as with any arena).
 */
#ifndef BLOOP_ARENA_H
#define BLOOP_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloopi_arena_chunk bloopi_arena_chunk;

typedef struct bloop_arena {
  bloopi_arena_chunk *head;   /* chunk being filled; older chunks linked behind it */
  bloopi_arena_chunk *spare;  /* chunks kept by reset, reused before malloc */
  size_t next_size;           /* size of the next ordinary chunk (doubles up to a cap) */
  size_t used;                /* bytes handed out since init/reset (for accounting) */
} bloop_arena;

#define BLOOP_ARENA_INIT {NULL, NULL, 0, 0}

void bloop_arena_init(bloop_arena *a);
/* Frees every chunk; the arena is then empty and may be used again. */
void bloop_arena_free(bloop_arena *a);
/* Forgets every allocation but keeps the chunks for reuse (a page loop calls this between
 * pages instead of free + init: measured, decoding into already-touched memory halves the
 * walk's cost, since fresh chunks pay a page fault per 4 KB). */
void bloop_arena_reset(bloop_arena *a);

/* size bytes aligned for any object; NULL when out of memory (or size overflows).
 * size 0 returns a valid unique pointer. Memory is not zeroed. */
void *bloop_arena_alloc(bloop_arena *a, size_t size);
/* n * size bytes, zeroed; NULL on overflow or out of memory. */
void *bloop_arena_calloc(bloop_arena *a, size_t n, size_t size);
/* Copies len bytes and appends a NUL (so text can also be used as a C string; the length
 * stays authoritative for binary data). */
char *bloop_arena_memdup(bloop_arena *a, const void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif
