/* buf.c: growable NUL-terminated byte buffer. See include/bloop/buf.h. */
#include "bloop/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bloop_buf_init(bloop_buf *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->failed = 0;
}

void bloop_buf_free(bloop_buf *b) {
  free(b->data);
  bloop_buf_init(b);
}

void bloop_buf_reset(bloop_buf *b) {
  b->len = 0;
  b->failed = 0;
  if (b->data) b->data[0] = '\0';
}

bloop_status bloop_buf_reserve(bloop_buf *b, size_t extra) {
  if (b->failed) return BLOOP_ENOMEM;
  if (extra > (size_t)-1 / 2 - b->len) goto fail;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return BLOOP_OK;
  /* First size 256: a request, a signature's canonical text or an item snapshot is a few
   * hundred bytes, so most buffers never grow (each doubling was a realloc per call). */
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) goto fail;
  b->data = p;
  b->cap = cap;
  return BLOOP_OK;
fail:
  b->failed = 1;
  return BLOOP_ENOMEM;
}

bloop_status bloop_buf_append(bloop_buf *b, const void *data, size_t len) {
  /* room already (cap > len + the NUL; cap > 0 means not failed-empty): no reserve call,
   * as most appends are a few bytes into a buffer reused across calls */
  if (len < b->cap - b->len && !b->failed) {
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return BLOOP_OK;
  }
  if (bloop_buf_reserve(b, len) != BLOOP_OK) return BLOOP_ENOMEM;
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return BLOOP_OK;
}

bloop_status bloop_buf_puts(bloop_buf *b, const char *s) {
  return bloop_buf_append(b, s, strlen(s));
}

bloop_status bloop_buf_putc(bloop_buf *b, char c) {
  if (b->len + 1 < b->cap) { /* room for c and the NUL; cap > 0 means not failed-empty */
    if (b->failed) return BLOOP_ENOMEM;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return BLOOP_OK;
  }
  return bloop_buf_append(b, &c, 1);
}

bloop_status bloop_buf_put_uint(bloop_buf *b, unsigned long long v) {
  char t[20];  /* 2^64 - 1 has 20 digits */
  size_t i = sizeof t;
  do {
    t[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return bloop_buf_append(b, t + i, sizeof t - i);
}

bloop_status bloop_buf_printf(bloop_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return BLOOP_EINVAL;
  if ((size_t)n < sizeof small) return bloop_buf_append(b, small, (size_t)n);
  if (bloop_buf_reserve(b, (size_t)n) != BLOOP_OK) return BLOOP_ENOMEM;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return BLOOP_OK;
}

char *bloop_buf_detach(bloop_buf *b, size_t *len) {
  char *p = b->data;
  if (len) *len = b->len;
  if (!p) {
    p = malloc(1);
    if (p) p[0] = '\0';
  }
  bloop_buf_init(b);
  return p;
}
