/*
 * buf.h: a growable byte buffer (always NUL-terminated) for building requests and
 * collecting responses.
 *
 * Owns: its bytes. Does not own: any format; JSON, canonical requests and bodies are built
 * by their own modules on top of it. A failed append leaves the buffer valid and marks it
 * failed, so callers may append many times and check once (curl's dynbuf idea).
 */
#ifndef BLOOP_BUF_H
#define BLOOP_BUF_H

#include <stddef.h>
#include "bloop/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_buf {
  char *data;      /* NUL-terminated when not NULL */
  size_t len;
  size_t cap;
  int failed;      /* an append ran out of memory; contents are what fitted before it */
} bloop_buf;

#define BLOOP_BUF_INIT {NULL, 0, 0, 0}

void bloop_buf_init(bloop_buf *b);
void bloop_buf_free(bloop_buf *b);
void bloop_buf_reset(bloop_buf *b);            /* len = 0, keeps the memory */
bloop_status bloop_buf_reserve(bloop_buf *b, size_t extra);
bloop_status bloop_buf_append(bloop_buf *b, const void *data, size_t len);
bloop_status bloop_buf_puts(bloop_buf *b, const char *s);
bloop_status bloop_buf_putc(bloop_buf *b, char c);
/* Appends v in decimal: placeholders and counts are formatted often enough (several per
 * request) that snprintf's parsing showed in profiles. */
bloop_status bloop_buf_put_uint(bloop_buf *b, unsigned long long v);
bloop_status bloop_buf_printf(bloop_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hands the bytes to the caller (free() them); the buffer is left empty. */
char *bloop_buf_detach(bloop_buf *b, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
