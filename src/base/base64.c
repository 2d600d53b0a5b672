/*
 * base64.c: strict base64 (RFC 4648 alphabet, padding required, no whitespace, unused bits
 * zero), as DynamoDB sends and accepts Binary values.
 */
#include <string.h>

#include "base/base64.h"

/* ---- base64 (strict: canonical padding, no whitespace, unused bits zero) ------------- */

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int bloopi_base64_decode(const char *in, size_t len, bloop_arena *a, const char **out,
                         size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (len % 4) return 0;
  size_t pad = 0;
  if (len && in[len - 1] == '=') pad = (len >= 2 && in[len - 2] == '=') ? 2 : 1;
  size_t n = len / 4 * 3 - pad;
  unsigned char *dst = n ? bloop_arena_alloc(a, n + 1)
                         : (unsigned char *)bloop_arena_memdup(a, "", 0);
  if (!dst) return -1;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    int last = i + 4 == len;
    for (int k = 0; k < 4; k++) {
      unsigned char c = (unsigned char)in[i + k];
      if (c == '=' && last && k >= 4 - (int)pad) {
        v[k] = 0;
        continue;
      }
      v[k] = b64_val(c);
      if (v[k] < 0) return 0;
    }
    unsigned long w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
                      ((unsigned long)v[2] << 6) | (unsigned long)v[3];
    size_t take = last ? 3 - pad : 3;
    /* Bits beyond the last byte must be zero, or two texts would decode alike. */
    if (last && pad == 2 && (w & 0xFFFF)) return 0;
    if (last && pad == 1 && (w & 0xFF)) return 0;
    dst[o++] = (unsigned char)(w >> 16);
    if (take > 1) dst[o++] = (unsigned char)(w >> 8);
    if (take > 2) dst[o++] = (unsigned char)w;
  }
  dst[o] = 0;
  *out = (const char *)dst;
  *out_len = o;
  return 1;
}

bloop_status bloopi_base64_encode(const unsigned char *in, size_t len, bloop_buf *b) {
  if (bloop_buf_reserve(b, (len + 2) / 3 * 4) != BLOOP_OK) return BLOOP_ENOMEM;
  char *o = b->data + b->len;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    unsigned long w = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8) | in[i + 2];
    *o++ = b64_chars[(w >> 18) & 63];
    *o++ = b64_chars[(w >> 12) & 63];
    *o++ = b64_chars[(w >> 6) & 63];
    *o++ = b64_chars[w & 63];
  }
  if (len - i == 1) {
    unsigned long w = (unsigned long)in[i] << 16;
    *o++ = b64_chars[(w >> 18) & 63];
    *o++ = b64_chars[(w >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (len - i == 2) {
    unsigned long w = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8);
    *o++ = b64_chars[(w >> 18) & 63];
    *o++ = b64_chars[(w >> 12) & 63];
    *o++ = b64_chars[(w >> 6) & 63];
    *o++ = '=';
  }
  b->len = (size_t)(o - b->data);
  b->data[b->len] = '\0';
  return BLOOP_OK;
}
