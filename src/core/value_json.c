/*
 * value_json.c: DynamoDB JSON <-> bloop_value.
 *
 * Decoding reads the text straight into arena values (json_read.c, which holds every rule
 * of DynamoDB's attribute-value grammar; errors name the path, "Item.tags.SS[2]: not a
 * string"). bloop_*_from_cjson serve callers that parsed a whole answer with cJSON.
 *
 * Encoding validates first (bloop_value_validate), then writes compact JSON with the
 * escapes RFC 8259 requires; non-ASCII UTF-8 is written as is.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "bloop/value.h"
#include "core/json_read.h"
#include "value_internal.h"

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

/* ---- decoding ------------------------------------------------------------------------- */

/* The grammar lives in json_read.c. A caller holding a cJSON node (an answer parsed whole
 * for its other members) has it printed back to text and read there, so there is one
 * decoder and one set of rules and messages. */
static bloop_status from_cjson(const cJSON *node, bloop_arena *a, bloop_value *out,
                               const char *path, bloop_error *err, int item) {
  memset(out, 0, sizeof *out);
  bloopi_jr r;
  if (item && (!node || !cJSON_IsObject(node))) {
    bloop_value_set_null(out);
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidValue",
                           "%s: not an item (expected an object of attribute values)", path);
  }
  char *text = node ? cJSON_PrintUnformatted(node) : NULL;
  if (!text) {
    bloop_value_set_null(out);
    if (!node)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidValue",
                             "%s: not an attribute value (expected an object)", path);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "%s: out of memory", path);
  }
  bloopi_jr_init(&r, text, strlen(text), a, err, path);
  bloop_status st = item ? bloopi_jr_item(&r, out) : bloopi_jr_value(&r, out);
  cJSON_free(text);
  return st;
}

bloop_status bloop_value_from_cjson(const cJSON *node, bloop_arena *a, bloop_value *out,
                                    const char *path, bloop_error *err) {
  return from_cjson(node, a, out, path ? path : "value", err, 0);
}

bloop_status bloop_item_from_cjson(const cJSON *node, bloop_arena *a, bloop_value *out,
                                   const char *path, bloop_error *err) {
  return from_cjson(node, a, out, path ? path : "Item", err, 1);
}

/* cJSON turns the escape \u0000 into a NUL inside a C string, silently cutting the string;
 * refuse it instead. The scan skips every escaped character, so "\\u0000" is not a hit. */
static const char *find_nul_escape(const char *s, size_t len) {
  const char *end = s + len;
  for (const char *p = memchr(s, '\\', len); p; p = memchr(p, '\\', (size_t)(end - p))) {
    if (end - p >= 6 && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0) return p;
    p += 2;
    if (p >= end) break;
  }
  return NULL;
}

bloop_status bloop_json_parse(const char *text, size_t len, const char *root,
                              struct cJSON **out, bloop_error *err) {
  *out = NULL;
  if (!text)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "%s: no JSON text", root);
  const char *nul = find_nul_escape(text, len);
  if (nul)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON",
                           "%s: the string escape \\u0000 is not supported (at byte %zu)", root,
                           (size_t)(nul - text));
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  size_t at = end && end >= text ? (size_t)(end - text) : 0;
  if (j) {
    while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' ||
                        text[at] == '\r'))
      at++;
    if (at < len) {
      cJSON_Delete(j);
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON",
                             "%s: unexpected text after the JSON value (at byte %zu)", root, at);
    }
    *out = j;
    return BLOOP_OK;
  }
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "%s: not valid JSON (at byte %zu)",
                         root, at > len ? len : at);
}

static bloop_status from_text(const char *text, size_t len, bloop_arena *a, bloop_value *out,
                              bloop_error *err, int item) {
  bloopi_jr r;
  memset(out, 0, sizeof *out);
  if (!text)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "%s: no JSON text",
                           item ? "Item" : "value");
  bloopi_jr_init(&r, text, len, a, err, item ? "Item" : "value");
  bloop_status st = item ? bloopi_jr_item(&r, out) : bloopi_jr_value(&r, out);
  if (st == BLOOP_OK) st = bloopi_jr_end(&r);
  if (st != BLOOP_OK) bloop_value_set_null(out);
  return st;
}

bloop_status bloop_value_from_json(const char *text, size_t len, bloop_arena *a,
                                   bloop_value *out, bloop_error *err) {
  return from_text(text, len, a, out, err, 0);
}

bloop_status bloop_item_from_json(const char *text, size_t len, bloop_arena *a,
                                  bloop_value *out, bloop_error *err) {
  return from_text(text, len, a, out, err, 1);
}

/* ---- encoding ------------------------------------------------------------------------- */

/* The escaping loop behind bloop_json_put_string and bloopi_json_escape. Runs of bytes that
 * need no escape go out in one append. */
static bloop_status put_json_string(bloop_buf *b, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  if (bloop_buf_reserve(b, len + 2) != BLOOP_OK) return BLOOP_ENOMEM;
  b->data[b->len++] = '"';
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    bloop_buf_append(b, s + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': bloop_buf_append(b, "\\\"", 2); break;
      case '\\': bloop_buf_append(b, "\\\\", 2); break;
      case '\n': bloop_buf_append(b, "\\n", 2); break;
      case '\r': bloop_buf_append(b, "\\r", 2); break;
      case '\t': bloop_buf_append(b, "\\t", 2); break;
      case '\b': bloop_buf_append(b, "\\b", 2); break;
      case '\f': bloop_buf_append(b, "\\f", 2); break;
      default: {
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        bloop_buf_append(b, e, 6);
      }
    }
  }
  bloop_buf_append(b, s + run, len - run);
  bloop_buf_putc(b, '"');
  return b->failed ? BLOOP_ENOMEM : BLOOP_OK;
}

bloop_status bloop_json_put_string(bloop_buf *b, const char *s, size_t len) {
  /* the project's one UTF-8 check (value.c), before anything is written */
  if (!bloopi_utf8_valid(s, len)) return BLOOP_EINVAL;
  return put_json_string(b, s, len);
}

void bloopi_json_escape(bloop_buf *b, const char *s, size_t len) { put_json_string(b, s, len); }


static void enc_value(bloop_buf *b, const bloop_value *v);

static void enc_members(bloop_buf *b, const bloop_value *m) {
  bloop_buf_putc(b, '{');
  for (size_t i = 0; i < m->u.map.count; i++) {
    if (i) bloop_buf_putc(b, ',');
    bloopi_json_escape(b, m->u.map.members[i].name, m->u.map.members[i].name_len);
    bloop_buf_putc(b, ':');
    enc_value(b, &m->u.map.members[i].value);
  }
  bloop_buf_putc(b, '}');
}

static void enc_scalar(bloop_buf *b, const bloop_value *v) {
  if (v->type == BLOOP_TYPE_B) {
    bloop_buf_putc(b, '"');
    bloopi_base64_encode((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len, b);
    bloop_buf_putc(b, '"');
  } else {
    bloopi_json_escape(b, v->u.bytes.ptr, v->u.bytes.len);
  }
}

/* "{\"S\":" and friends, by type, so a value opens with one append. */
static void put_type_open(bloop_buf *b, bloop_type t) {
  const char *name = bloop_type_name(t);
  size_t n = strlen(name);
  char open[12] = {'{', '"'};
  if (n > 6) n = 6;
  memcpy(open + 2, name, n);
  open[2 + n] = '"';
  open[3 + n] = ':';
  bloop_buf_append(b, open, n + 4);
}

static void enc_value(bloop_buf *b, const bloop_value *v) {
  put_type_open(b, v->type);
  switch (v->type) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N:
    case BLOOP_TYPE_B:
      enc_scalar(b, v);
      break;
    case BLOOP_TYPE_BOOL:
      bloop_buf_puts(b, v->u.boolean ? "true" : "false");
      break;
    case BLOOP_TYPE_NULL:
      bloop_buf_puts(b, "true");
      break;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L:
      bloop_buf_putc(b, '[');
      for (size_t i = 0; i < v->u.list.count; i++) {
        if (i) bloop_buf_putc(b, ',');
        if (v->type == BLOOP_TYPE_L)
          enc_value(b, &v->u.list.items[i]);
        else
          enc_scalar(b, &v->u.list.items[i]);
      }
      bloop_buf_putc(b, ']');
      break;
    case BLOOP_TYPE_M:
      enc_members(b, v);
      break;
    case BLOOP_TYPE_NONE:
      break;   /* validation refuses it before we get here */
  }
  bloop_buf_putc(b, '}');
}

static bloop_status enc_done(bloop_buf *b, bloop_error *err) {
  if (b->failed)
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory encoding JSON");
  return BLOOP_OK;
}

bloop_status bloop_value_to_json(const bloop_value *v, bloop_buf *b, bloop_error *err) {
  bloop_status st = bloop_value_validate(v, "value", err);
  if (st != BLOOP_OK) return st;
  enc_value(b, v);
  return enc_done(b, err);
}

bloop_status bloop_item_to_json(const bloop_value *item, bloop_buf *b, bloop_error *err) {
  bloop_status st = bloop_item_validate(item, "Item", err);
  if (st != BLOOP_OK) return st;
  enc_members(b, item);
  return enc_done(b, err);
}

bloop_status bloopi_value_to_json_unchecked(const bloop_value *v, bloop_buf *b) {
  enc_value(b, v);
  return b->failed ? BLOOP_ENOMEM : BLOOP_OK;
}

bloop_status bloopi_item_to_json_unchecked(const bloop_value *item, bloop_buf *b) {
  enc_members(b, item);
  return b->failed ? BLOOP_ENOMEM : BLOOP_OK;
}
