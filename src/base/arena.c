/* arena.c: bump allocator. See include/bloop/arena.h. */
#include "bloop/arena.h"
#include "base/arena_internal.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN alignof(max_align_t)
#define FIRST_CHUNK 4096u
/* Doubling stops here so a long-lived arena does not grab huge blocks for small needs. */
#define MAX_CHUNK (1024u * 1024u)

struct bloopi_arena_chunk {
  bloopi_arena_chunk *next;
  size_t size;   /* usable bytes in data */
  size_t off;
  alignas(max_align_t) unsigned char data[];
};

void bloop_arena_init(bloop_arena *a) {
  a->head = NULL;
  a->spare = NULL;
  a->next_size = FIRST_CHUNK;
  a->used = 0;
}

static void free_list(bloopi_arena_chunk *c) {
  while (c) {
    bloopi_arena_chunk *n = c->next;
    free(c);
    c = n;
  }
}

void bloop_arena_free(bloop_arena *a) {
  free_list(a->head);
  free_list(a->spare);
  bloop_arena_init(a);
}

void bloop_arena_reset(bloop_arena *a) {
  bloopi_arena_chunk *c = a->head;
  while (c) {
    bloopi_arena_chunk *n = c->next;
    c->off = 0;
    c->next = a->spare;
    a->spare = c;
    c = n;
  }
  a->head = NULL;
  a->used = 0;
}

static bloopi_arena_chunk *new_chunk(bloop_arena *a, size_t need) {
  for (bloopi_arena_chunk **pp = &a->spare; *pp; pp = &(*pp)->next) {
    if ((*pp)->size >= need) {
      bloopi_arena_chunk *c = *pp;
      *pp = c->next;
      return c;
    }
  }
  size_t size = a->next_size ? a->next_size : FIRST_CHUNK;
  if (need > size) {
    size = need;                       /* an oversized request gets a chunk of its own */
  } else if (a->next_size < MAX_CHUNK) {
    a->next_size = size * 2;
  }
  if (size > SIZE_MAX - sizeof(bloopi_arena_chunk)) return NULL;
  bloopi_arena_chunk *c = malloc(sizeof *c + size);
  if (!c) return NULL;
  c->size = size;
  c->off = 0;
  return c;
}

/* Objects get max_align_t alignment; string bytes get none, so short strings (most
 * attribute names and values) do not each round up to 16 bytes. */
static void *alloc_aligned(bloop_arena *a, size_t size, size_t align) {
  if (size > SIZE_MAX - 2 * ALIGN) return NULL;
  if (size == 0) size = 1;
  bloopi_arena_chunk *c = a->head;
  size_t off = c ? (c->off + align - 1) & ~(align - 1) : 0;
  if (!c || off > c->size || c->size - off < size) {
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    bloopi_arena_chunk *n = new_chunk(a, need);
    if (!n) return NULL;
    if (c && need > a->next_size && c->size - c->off >= FIRST_CHUNK) {
      /* A big one-off block goes behind the current chunk so its free space stays usable. */
      n->next = c->next;
      c->next = n;
    } else {
      n->next = c;
      a->head = n;
    }
    c = n;
    off = 0;
  }
  void *p = c->data + off;
  a->used += off + size - c->off;
  c->off = off + size;
  return p;
}

void *bloop_arena_alloc(bloop_arena *a, size_t size) {
  return alloc_aligned(a, size, ALIGN);
}

void *bloop_arena_calloc(bloop_arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = bloop_arena_alloc(a, n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

char *bloop_arena_memdup(bloop_arena *a, const void *p, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *s = alloc_aligned(a, len + 1, 1);
  if (!s) return NULL;
  if (len) memcpy(s, p, len);
  s[len] = '\0';
  return s;
}

/* The chunks in use go behind into's current one (which keeps being filled), the spare
 * ones to its spares. */
void bloopi_arena_absorb(bloop_arena *into, bloop_arena *from) {
  if (into == from) return;
  bloopi_arena_chunk *tail;
  if (from->head) {
    for (tail = from->head; tail->next; tail = tail->next) {}
    if (into->head) {
      tail->next = into->head->next;
      into->head->next = from->head;
    } else {
      into->head = from->head;
    }
  }
  if (from->spare) {
    for (tail = from->spare; tail->next; tail = tail->next) {}
    tail->next = into->spare;
    into->spare = from->spare;
  }
  if (!into->next_size) into->next_size = from->next_size;
  into->used += from->used;
  bloop_arena_init(from);
}
